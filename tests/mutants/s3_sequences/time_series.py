"""Wrong and correct answers for s3_sequences/time_series: each replaces one answer cell.  The
setup cell (math, os, torch, synthetic_series) stays, as it does when a student's notebook is
graded."""

# make_windows with a Python loop; {n}, {y_start}, {target} filled in below.
WINDOWS_LOOP = """
def make_windows(series, lookback, horizon):
    T = series.shape[0]
    n = {n}
    if n < 1:
        raise ValueError("series too short")
    target = {target}
    X = torch.stack([series[i:i + lookback] for i in range(n)])
    y = torch.stack([target[{y_start}:{y_start} + horizon] for i in range(n)])
    return X, y
"""
LOOP_RIGHT = {"n": "T - lookback - horizon + 1", "y_start": "i + lookback",
              "target": "series if series.dim() == 1 else series[:, 0]"}


def windows_with(**changes: str) -> str:
    return WINDOWS_LOOP.format(**{**LOOP_RIGHT, **changes})


# prepare_splits with one step changed: {stats}, {scale}, {windows}.
PREPARE = """
def prepare_splits(series, lookback, horizon, val_frac, test_frac):
    train, val, test = chronological_split(series, val_frac, test_frac)
    mean, std = fit_scaler(train)
    out = {{"mean": mean, "std": std}}
    {stats}
    for name, part in (("train", train), ("val", val), ("test", test)):
        {scale}
        out[name] = {windows}
    return out
"""
PREPARE_RIGHT = {"stats": "use = (mean, std)",
                 "scale": "scaled = apply_scaler(part, *use)",
                 "windows": "make_windows(scaled, lookback, horizon)"}


def prepare_with(**changes: str) -> str:
    return PREPARE.format(**{**PREPARE_RIGHT, **changes})


SNAIVE = """
def seasonal_naive_forecast(history, horizon, m):
    T = history.shape[0]
    return torch.stack([{value} for h in range(horizon)])
"""

MASE = """
def mase(y, yhat, train, m):
    scale = {scale}
    return float((y - yhat).abs().mean() / scale)
"""

ROLLING = """
def rolling_origin(series, forecaster, start, horizon, step, metric):
    errors = []
    for t in {origins}:
        history = {history}
        forecast = forecaster(history, horizon)
        errors.append(float(metric(series[t:t + horizon], forecast, series[:t])))
    return torch.tensor(errors, dtype=torch.float64)
"""
ROLLING_RIGHT = {"origins": "range(start, series.shape[0] - horizon + 1, step)",
                 "history": "series[:t]"}


def rolling_with(**changes: str) -> str:
    return ROLLING.format(**{**ROLLING_RIGHT, **changes})


MUTANTS = {
    "make_windows": {
        "wrong": {
            "drops_last_window": (windows_with(n="T - lookback - horizon"),
                                  "drops the last window"),
            "y_overlaps_input": (windows_with(y_start="i + lookback - 1"),
                                 "starts at the last input value"),
            "unfold_window_axis_last": (
                "def make_windows(series, lookback, horizon):\n"
                "    n = series.shape[0] - lookback - horizon + 1\n"
                "    if n < 1:\n"
                "        raise ValueError('too short')\n"
                "    target = series if series.dim() == 1 else series[:, 0]\n"
                "    X = series.unfold(0, lookback, 1)[:n]\n"
                "    y = target[lookback:].unfold(0, horizon, 1)\n"
                "    return X, y\n", "Tensor.unfold puts the window axis last"),
            "y_squeezed": (
                "def make_windows(series, lookback, horizon):\n"
                "    n = series.shape[0] - lookback - horizon + 1\n"
                "    if n < 1:\n"
                "        raise ValueError('too short')\n"
                "    target = series if series.dim() == 1 else series[:, 0]\n"
                "    X = torch.stack([series[i:i + lookback] for i in range(n)])\n"
                "    y = torch.stack([target[i + lookback:i + lookback + horizon] "
                "for i in range(n)]).squeeze(-1)\n"
                "    return X, y\n", "(N, horizon) = (N, 1)"),
            "no_value_error": (windows_with().replace(
                "    if n < 1:\n        raise ValueError(\"series too short\")\n", ""),
                "ValueError"),
        },
        "correct": {
            "python_loop": windows_with(),
            "unfold_transposed": (
                "def make_windows(series, lookback, horizon):\n"
                "    T = series.shape[0]\n"
                "    if T < lookback + horizon:\n"
                "        raise ValueError(f'T={T} < lookback + horizon')\n"
                "    n = T - lookback - horizon + 1\n"
                "    X = series[:n + lookback - 1].unfold(0, lookback, 1)\n"
                "    if series.dim() == 2:\n"
                "        X = X.transpose(1, 2)\n"
                "    target = series if series.dim() == 1 else series[:, 0]\n"
                "    y = target[lookback:].unfold(0, horizon, 1)\n"
                "    return X, y\n"),
        },
    },
    "chronological_split": {
        "wrong": {
            "rounds_sizes": (
                "def chronological_split(series, val_frac, test_frac):\n"
                "    T = series.shape[0]\n"
                "    n_val, n_test = round(T * val_frac), round(T * test_frac)\n"
                "    n_train = T - n_val - n_test\n"
                "    return series[:n_train], series[n_train:n_train + n_val], "
                "series[n_train + n_val:]\n", "rounds the sizes"),
            "shuffled": (
                "def chronological_split(series, val_frac, test_frac):\n"
                "    T = series.shape[0]\n"
                "    n_val, n_test = int(T * val_frac), int(T * test_frac)\n"
                "    n_train = T - n_val - n_test\n"
                "    s = series[torch.randperm(T)]\n"
                "    return s[:n_train], s[n_train:n_train + n_val], s[n_train + n_val:]\n",
                "shuffled"),
            "validation_last": (
                "def chronological_split(series, val_frac, test_frac):\n"
                "    T = series.shape[0]\n"
                "    n_val, n_test = int(T * val_frac), int(T * test_frac)\n"
                "    n_train = T - n_val - n_test\n"
                "    return series[:n_train], series[T - n_val:], "
                "series[n_train:n_train + n_test]\n", "test part before the validation"),
            "forbidden_train_test_split": (
                "from sklearn.model_selection import train_test_split\n\n"
                "def chronological_split(series, val_frac, test_frac):\n"
                "    T = series.shape[0]\n"
                "    n_val, n_test = int(T * val_frac), int(T * test_frac)\n"
                "    rest, _ = train_test_split(list(range(T)), test_size=n_test, shuffle=False)\n"
                "    n_train = len(rest) - n_val\n"
                "    return series[:n_train], series[n_train:len(rest)], series[len(rest):]\n",
                "forbidden"),
        },
        "correct": {
            "torch_split": (
                "def chronological_split(series, val_frac, test_frac):\n"
                "    T = len(series)\n"
                "    n_val, n_test = int(T * val_frac), int(T * test_frac)\n"
                "    return tuple(torch.split(series, [T - n_val - n_test, n_val, n_test]))\n"),
        },
    },
    "fit_scaler": {
        "wrong": {
            "bessel_std": (
                "def fit_scaler(train):\n"
                "    mean, std = train.mean(0), train.std(0)\n"
                "    return mean, torch.where(std == 0, torch.ones_like(std), std)\n",
                "Bessel"),
            "no_constant_guard": (
                "def fit_scaler(train):\n"
                "    return train.mean(0), train.std(0, correction=0)\n", "constant feature"),
            "forbidden_standard_scaler": (
                "from sklearn.preprocessing import StandardScaler\n\n"
                "def fit_scaler(train):\n"
                "    sc = StandardScaler().fit(train.reshape(train.shape[0], -1).numpy())\n"
                "    shape = train.shape[1:]\n"
                "    mean = torch.tensor(sc.mean_, dtype=train.dtype).reshape(shape)\n"
                "    std = torch.tensor(sc.scale_, dtype=train.dtype).reshape(shape)\n"
                "    return mean, std\n", "forbidden"),
        },
        "correct": {
            "var_mean": (
                "def fit_scaler(train):\n"
                "    var, mean = torch.var_mean(train, dim=0, correction=0)\n"
                "    std = var.sqrt()\n"
                "    std[std == 0] = 1.0\n"
                "    return mean, std\n"),
        },
    },
    "apply_scaler": {
        "wrong": {
            "refits_on_the_data": (
                "def apply_scaler(series, mean, std, inverse=False):\n"
                "    if inverse:\n"
                "        return series * std + mean\n"
                "    return (series - series.mean(0)) / series.std(0, correction=0)\n",
                "re-fits the scaler"),
            "inverse_order": (
                "def apply_scaler(series, mean, std, inverse=False):\n"
                "    if inverse:\n"
                "        return (series + mean) * std\n"
                "    return (series - mean) / std\n", "multiplies after adding"),
            "ignores_inverse": (
                "def apply_scaler(series, mean, std, inverse=False):\n"
                "    return (series - mean) / std\n", "must undo the scaling"),
            "forbidden_standard_scaler": (
                "from sklearn.preprocessing import StandardScaler\n\n"
                "def apply_scaler(series, mean, std, inverse=False):\n"
                "    x = series.reshape(series.shape[0], -1).numpy()\n"
                "    sc = StandardScaler().fit(x)\n"
                "    sc.mean_ = mean.reshape(-1).numpy()\n"
                "    sc.scale_ = std.reshape(-1).numpy()\n"
                "    out = sc.inverse_transform(x) if inverse else sc.transform(x)\n"
                "    return torch.tensor(out, dtype=series.dtype).reshape(series.shape)\n",
                "forbidden"),
        },
        "correct": {
            "sub_div_addcmul": (
                "def apply_scaler(series, mean, std, inverse=False):\n"
                "    if not inverse:\n"
                "        return series.sub(mean).div(std)\n"
                "    return torch.addcmul(mean.expand_as(series), series, std)\n"),
        },
    },
    "prepare_splits": {
        "wrong": {
            "scaler_on_whole_series": (prepare_with(stats="use = fit_scaler(series)"),
                                       "fitted on the whole series"),
            "scaler_on_train_and_val": (
                prepare_with(stats="use = fit_scaler(torch.cat((train, val)))"),
                "fitted on train + val"),
            "each_part_own_statistics": (
                prepare_with(scale="scaled = apply_scaler(part, *fit_scaler(part))"),
                "its own statistics"),
            "window_then_split": (
                "def prepare_splits(series, lookback, horizon, val_frac, test_frac):\n"
                "    train, _, _ = chronological_split(series, val_frac, test_frac)\n"
                "    mean, std = fit_scaler(train)\n"
                "    X, y = make_windows(apply_scaler(series, mean, std), lookback, horizon)\n"
                "    Xs = chronological_split(X, val_frac, test_frac)\n"
                "    ys = chronological_split(y, val_frac, test_frac)\n"
                "    out = {'mean': mean, 'std': std}\n"
                "    for name, Xp, yp in zip(('train', 'val', 'test'), Xs, ys):\n"
                "        out[name] = (Xp, yp)\n"
                "    return out\n", "the whole series was windowed"),
            "shuffled_train_windows": (
                prepare_with(windows="make_windows(scaled, lookback, horizon)\n"
                             "        if name == 'train':\n"
                             "            p = torch.randperm(out[name][0].shape[0])\n"
                             "            out[name] = (out[name][0][p], out[name][1][p])"),
                "shuffled"),
            "forbidden_standard_scaler": (
                "from sklearn.preprocessing import StandardScaler\n\n"
                + prepare_with(stats="StandardScaler().fit(train.reshape(len(train), -1)"
                               ".numpy())\n    use = (mean, std)"), "forbidden"),
        },
        "correct": {
            "inline": (
                "def prepare_splits(series, lookback, horizon, val_frac, test_frac):\n"
                "    T = series.shape[0]\n"
                "    n_val, n_test = int(T * val_frac), int(T * test_frac)\n"
                "    cuts = [0, T - n_val - n_test, T - n_test, T]\n"
                "    train = series[:cuts[1]]\n"
                "    mean = train.mean(0)\n"
                "    std = ((train - mean) ** 2).mean(0).sqrt()\n"
                "    std = torch.where(std > 0, std, torch.ones_like(std))\n"
                "    out = {'mean': mean, 'std': std}\n"
                "    for k, name in enumerate(('train', 'val', 'test')):\n"
                "        z = (series[cuts[k]:cuts[k + 1]] - mean) / std\n"
                "        target = z if z.dim() == 1 else z[:, 0]\n"
                "        n = z.shape[0] - lookback - horizon + 1\n"
                "        out[name] = (torch.stack([z[i:i + lookback] for i in range(n)]),\n"
                "                     torch.stack([target[i + lookback:i + lookback + horizon]\n"
                "                                  for i in range(n)]))\n"
                "    return out\n"),
        },
    },
    "naive_forecast": {
        "wrong": {
            "history_mean": ("def naive_forecast(history, horizon):\n"
                             "    return history.mean().repeat(horizon)\n", "mean of the history"),
            "one_value": ("def naive_forecast(history, horizon):\n"
                          "    return history[-1:]\n", "returns one value"),
        },
        "correct": {
            "expand": ("def naive_forecast(history, horizon):\n"
                       "    return history[-1:].expand(horizon)\n"),
        },
    },
    "seasonal_naive_forecast": {
        "wrong": {
            "one_season_only": ("def seasonal_naive_forecast(history, horizon, m):\n"
                                "    return history[-m:][:horizon]\n", "stops after one season"),
            "one_step_early": (SNAIVE.format(value="history[T - m - 1 + h % m]"),
                               "one step early"),
            "negative_index_no_wrap": (SNAIVE.format(value="history[-m + h]"),
                                       "runs past the end"),
        },
        "correct": {
            "tile_last_season": (
                "def seasonal_naive_forecast(history, horizon, m):\n"
                "    reps = -(-horizon // m)\n"
                "    return history[-m:].repeat(reps)[:horizon]\n"),
        },
    },
    "mae": {
        "wrong": {
            "signed_errors": ("def mae(y, yhat):\n"
                              "    return float((y - yhat).mean())\n", "signed errors"),
            "forbidden_l1_loss": ("def mae(y, yhat):\n"
                                  "    return torch.nn.functional.l1_loss(yhat, y).item()\n",
                                  "forbidden"),
            "forbidden_sklearn": (
                "from sklearn.metrics import mean_absolute_error\n\n"
                "def mae(y, yhat):\n"
                "    return float(mean_absolute_error(y.reshape(-1).numpy(), "
                "yhat.reshape(-1).numpy()))\n", "forbidden"),
        },
        "correct": {
            "zero_dim_tensor": ("def mae(y, yhat):\n"
                                "    return torch.mean(torch.abs(yhat - y))\n"),
        },
    },
    "rmse": {
        "wrong": {
            "no_sqrt": ("def rmse(y, yhat):\n"
                        "    return float(((y - yhat) ** 2).mean())\n", "square root"),
            "per_row_rmse": ("def rmse(y, yhat):\n"
                             "    return float(((y - yhat) ** 2).mean(-1).sqrt().mean())\n",
                             "per-row"),
            "forbidden_sklearn": (
                "from sklearn.metrics import root_mean_squared_error\n\n"
                "def rmse(y, yhat):\n"
                "    return float(root_mean_squared_error(y.reshape(-1).numpy(), "
                "yhat.reshape(-1).numpy()))\n", "forbidden"),
        },
        "correct": {
            "norm": ("def rmse(y, yhat):\n"
                     "    d = (y - yhat).reshape(-1)\n"
                     "    return math.sqrt(float(d @ d) / d.numel())\n"),
        },
    },
    "mase": {
        "wrong": {
            "test_set_naive_scale": (MASE.format(scale="(y[1:] - y[:-1]).abs().mean()"),
                                     "naive error of the test set"),
            "lag_one": (MASE.format(scale="(train[1:] - train[:-1]).abs().mean()"), "lag 1"),
            "divides_by_n": (MASE.format(scale="(train[m:] - train[:-m]).abs().sum() / len(train)"),
                             "divides the scale's sum by n"),
            "forbidden_sklearn": (
                "from sklearn.metrics import mean_absolute_error\n\n"
                "def mase(y, yhat, train, m):\n"
                "    num = mean_absolute_error(y.reshape(-1).numpy(), yhat.reshape(-1).numpy())\n"
                "    return float(num) / float((train[m:] - train[:-m]).abs().mean())\n",
                "forbidden"),
        },
        "correct": {
            "via_mae": ("def mase(y, yhat, train, m):\n"
                        "    return mae(y, yhat) / mae(train[m:], train[:-m])\n"),
        },
    },
    "rolling_origin": {
        "wrong": {
            "peeks_past_origin": (rolling_with(history="series[:t + horizon]"), "peeking"),
            "history_one_too_long": (rolling_with(history="series[:t + 1]"), "series[:t + 1]"),
            "drops_last_origin": (
                rolling_with(origins="range(start, series.shape[0] - horizon, step)"),
                "drops the last origin"),
            "fixed_history": (rolling_with(history="series[:start]"), "same history"),
            "forbidden_time_series_split": (
                "from sklearn.model_selection import TimeSeriesSplit\n\n"
                + rolling_with(origins="[t for t in range(start, series.shape[0] - horizon + 1, "
                               "step) if list(TimeSeriesSplit(n_splits=2).split(range(10)))]"),
                "forbidden"),
        },
        "correct": {
            "while_loop": (
                "def rolling_origin(series, forecaster, start, horizon, step, metric):\n"
                "    out, t = [], start\n"
                "    while t + horizon <= len(series):\n"
                "        past = series[:t]\n"
                "        out.append(torch.as_tensor(metric(series[t:t + horizon], "
                "forecaster(past, horizon), past), dtype=torch.float64))\n"
                "        t += step\n"
                "    return torch.stack(out)\n"),
        },
    },
    "q_n_windows": {"wrong": {"forgot_plus_one": "q_n_windows = 120 - 24 - 6\n"}},
    "q_scaler_leak": {"wrong": {"linear_so_harmless": 'q_scaler_leak = "a"\n'}},
    "q_mase_meaning": {"wrong": {"share_of_wins": 'q_mase_meaning = "b"\n'}},
    "q_n_origins": {"wrong": {"drops_last": "q_n_origins = 4\n"}},
}

# Known-mistake diagnosis: what each wrong mutant does, in a student's words.  Each clause
# completes "this is what happens when ..." in the feedback of a submission that behaves alike.
MISTAKES = {
    "make_windows": {
        "drops_last_window":
            "the number of windows is one short, so the last "
            "window, ending at the last value, is dropped",
        "y_overlaps_input":
            "y[i] starts one step early, at the last input "
            "value of X[i], instead of right after X[i]",
        "unfold_window_axis_last":
            "for a (T, F) series the windows keep the window axis "
            "last, (N, F, lookback) instead of (N, lookback, F)",
        "y_squeezed":
            "y is squeezed to shape (N,) when horizon is 1 instead of staying (N, horizon)",
        "no_value_error":
            "the length check is missing, so a series too short for "
            "one window raises another error instead of a ValueError",
    },
    "chronological_split": {
        "rounds_sizes":
            "the validation and test sizes are rounded to the "
            "nearest whole number instead of rounded down",
        "shuffled": "the series is shuffled before it is split, instead of keeping time order",
        "validation_last":
            "the validation part is taken from the end of the series, after the test part",
    },
    "fit_scaler": {
        "bessel_std":
            "the standard deviation divides by n - 1 (Bessel's "
            "correction) instead of n (the population std)",
        "no_constant_guard":
            "a constant feature keeps a std of 0 instead of getting 1, so scaling divides by zero",
    },
    "apply_scaler": {
        "refits_on_the_data":
            "the scaling recomputes the mean and std from the "
            "series it scales instead of using the given ones",
        "inverse_order":
            "the inverse adds the mean before multiplying by the "
            "std instead of multiplying first and then adding",
        "ignores_inverse":
            "inverse=True is ignored, so the series is "
            "standardised again instead of being turned back",
    },
    "prepare_splits": {
        "scaler_on_whole_series":
            "the scaler is fitted on the whole series instead of on the training part only",
        "scaler_on_train_and_val":
            "the scaler is fitted on train + validation instead of on the training part only",
        "each_part_own_statistics":
            "each part is scaled with its own mean and std instead of those of the training part",
        "window_then_split":
            "the whole series is windowed first and the windows "
            "split afterwards, so windows cross the boundaries",
        "shuffled_train_windows": "the training windows are shuffled instead of kept in time order",
    },
    "naive_forecast": {
        "history_mean": "the forecast repeats the mean of the history instead of its last value",
        "one_value":
            "the last value is returned only once instead "
            "of repeated for every step of the horizon",
    },
    "seasonal_naive_forecast": {
        "one_season_only":
            "the forecast stops after one season instead of "
            "repeating the last season for the whole horizon",
        "one_step_early":
            "each forecast takes the value one step before "
            "the one a season back (lag m + 1 instead of m)",
        "negative_index_no_wrap":
            "the step is not wrapped with h mod m, so from step m "
            "on the forecast reads from the start of the history",
    },
    "mae": {
        "signed_errors": "the signed errors are averaged instead of their absolute values",
    },
    "rmse": {
        "no_sqrt": "the square root is left out, which gives the MSE",
        "per_row_rmse":
            "an RMSE is computed per row and these are "
            "averaged, instead of one RMSE over all entries",
    },
    "mase": {
        "test_set_naive_scale":
            "the scale is the lag-1 naive error of the test actuals "
            "instead of the seasonal-naive error on the training series",
        "lag_one": "the scale uses differences at lag 1 instead of at the season length m",
        "divides_by_n":
            "the scale's sum of seasonal differences is divided by n_tr instead of n_tr - m",
    },
    "rolling_origin": {
        "peeks_past_origin":
            "the forecaster gets the history up to t + horizon, "
            "including the values it forecasts (peeking)",
        "history_one_too_long":
            "the forecaster gets one value past the origin, "
            "the first value it must forecast (peeking)",
        "drops_last_origin":
            "the last origin, whose horizon ends exactly at the last value, is dropped",
        "fixed_history":
            "every origin gets the same history, the series up to "
            "start, instead of everything up to its own origin",
    },
    "q_n_windows": {
        "forgot_plus_one": "the last window, which ends exactly at the last value, is not counted",
    },
    "q_scaler_leak": {
        "linear_so_harmless":
            "standardising is thought to be harmless because it "
            "is linear, as if nothing moved between the parts",
    },
    "q_mase_meaning": {
        "share_of_wins":
            "the MASE is read as the share of forecasts that are "
            "closer to the truth than the seasonal-naive ones",
    },
    "q_n_origins": {
        "drops_last":
            "the steps between the first and the last origin "
            "are counted instead of the origins (one too few)",
    },
}
