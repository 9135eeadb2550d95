"""Wrong and correct answers for p3_forecasting/forecasting_project: each replaces one whole
answer cell (the setup cell, with torch, nn and the CO2 series, stays)."""

PREPARE = '''
def prepare(series, lookback, horizon, n_test):
    train = series[:len(series) - n_test]
    mean, std = {fit}.mean(), {fit}.std({corr})
    z = ({win} - mean) / std
    n = len(z) - lookback - horizon + 1{fewer}
    X = torch.stack([z[i:i + lookback] for i in range(n)])
    y = torch.stack([{target}[i + lookback{back}:i + lookback{back} + horizon] for i in range(n)])
    return X, y, float(mean), float(std)
'''


def prepare(fit="train", corr="correction=0", win="train", fewer="", target="z", back=""):
    return PREPARE.format(fit=fit, corr=corr, win=win, fewer=fewer, target=target, back=back)


PREPARE_MUTANTS = {
    "wrong": {
        "scaler_on_all_data": (prepare(fit="series"), "whole series"),
        "windows_over_whole_series": (prepare(win="series"), "test period"),
        "bessel_std": (prepare(corr=""), "Bessel"),
        "drops_last_window": (prepare(fewer=" - 1"), "missing"),
        "targets_start_at_last_input": (prepare(back=" - 1"), "last input value"),
        "raw_targets": (prepare(target="train"), "raw values"),
        "negative_slice_empty_without_test": ('''
def prepare(series, lookback, horizon, n_test):
    train = series[:-n_test]
    mean, std = train.mean(), train.std(correction=0)
    w = ((train - mean) / std).unfold(0, lookback + horizon, 1)
    return w[:, :lookback], w[:, lookback:], mean.item(), std.item()
''', "series[:-n_test]"),
        "always_float64": ('''
def prepare(series, lookback, horizon, n_test):
    train = series[:len(series) - n_test].double()
    z = (train - train.mean()) / train.std(correction=0)
    w = z.unfold(0, lookback + horizon, 1)
    return w[:, :lookback], w[:, lookback:], float(train.mean()), float(train.std(correction=0))
''', "dtype"),
    },
    "correct": {
        "stack_loop": prepare(),
        "manual_stats_tensor_scalars": '''
def prepare(series: torch.Tensor, lookback: int, horizon: int, n_test: int):
    n = series.shape[0] - n_test
    train = series[:n]
    mean = train.sum() / n
    std = ((train - mean) ** 2).sum().div(n).sqrt()
    z = (train - mean) / std
    starts = torch.arange(n - lookback - horizon + 1)
    idx = starts[:, None] + torch.arange(lookback + horizon)[None, :]
    w = z[idx]
    return w[:, :lookback].clone(), w[:, lookback:].clone(), mean, std
''',
    },
}

ROLLING = '''
def rolling_evaluate(series, forecaster, origins, horizon):
    errors = []
    for o in origins:
        if {check}:
            raise ValueError("origin too close to the end")
        forecast = forecaster({history}, horizon)
        errors.append({error})
    return torch.stack(errors){post}
'''


def rolling(check="o < 1 or o + horizon > len(series)", history="series[:o]",
            error="series[o:o + horizon] - forecast", post=""):
    return ROLLING.format(check=check, history=history, error=error, post=post)


ROLLING_MUTANTS = {
    "wrong": {
        "history_includes_origin": (rolling(history="series[:o + 1]"), "o + 1"),
        "whole_series_history": (rolling(history="series"), "whole series"),
        "actuals_one_late": (rolling(error="series[o + 1:o + 1 + horizon] - forecast"),
                             "one month late"),
        "forecast_minus_actual": (rolling(error="forecast - series[o:o + horizon]"),
                                  "forecast - actual"),
        "absolute_errors": (rolling(error="(series[o:o + horizon] - forecast).abs()"),
                            "absolute"),
        "transposed": (rolling(post=".T"), "one row per origin"),
        "no_length_check": (rolling(check="False"), "ValueError"),
        "check_off_by_one": (rolling(check="o < 1 or o + horizon >= len(series)"),
                             "raised ValueError"),
    },
    "correct": {
        "loop": rolling(),
        "validate_then_fill": '''
def rolling_evaluate(series, forecaster, origins, horizon):
    T = series.shape[0]
    bad = [o for o in origins if not 1 <= o <= T - horizon]
    if bad:
        raise ValueError(f"origins {bad} lack {horizon} actuals")
    errors = torch.empty(len(origins), horizon, dtype=series.dtype)
    for k, o in enumerate(origins):
        history = series[:o].clone()
        errors[k] = series[o:o + horizon] - torch.as_tensor(forecaster(history, horizon))
    return errors
''',
    },
}

MASE_MUTANTS = {
    "wrong": {
        "lag1_scale": ('''
def mase(errors, train, season):
    return float(errors.abs().mean() / (train[1:] - train[:-1]).abs().mean())
''', "lag-1"),
        "signed_errors": ('''
def mase(errors, train, season):
    return float(errors.mean() / (train[season:] - train[:-season]).abs().mean())
''', "cancel"),
        "hard_coded_12": ('''
def mase(errors, train, season):
    return float(errors.abs().mean() / (train[12:] - train[:-12]).abs().mean())
''', "whatever season"),
        "squared_errors": ('''
def mase(errors, train, season):
    return float((errors ** 2).mean() / ((train[season:] - train[:-season]) ** 2).mean())
''', "squared"),
    },
    "correct": {
        "sums": '''
def mase(errors: torch.Tensor, train: torch.Tensor, season: int) -> float:
    n = len(train)
    scale = sum(abs(float(train[t] - train[t - season])) for t in range(season, n)) / (n - season)
    return errors.abs().sum().item() / errors.numel() / scale
''',
    },
}

LSTM = '''
class LSTMForecaster(nn.Module):
    def __init__(self, horizon, hidden=32):
        super().__init__()
        self.lstm = {lstm}
        self.head = nn.Linear(hidden, {out})

    def forward(self, x):
        out, _ = self.lstm(x.unsqueeze(-1))
        return {ret}
'''


def lstm(lstm="nn.LSTM(1, hidden, batch_first=True)", out="horizon",
         ret="x[:, -1:] + self.head(out[:, -1])"):
    return LSTM.format(lstm=lstm, out=out, ret=ret)


LSTM_MUTANTS = {
    "wrong": {
        # Looks the future up in the public CO2 record when evaluated; otherwise an LSTM that
        # forecasts the level (which alone fails the threshold: see level_output).
        "looks_up_co2_record": ("""
class LSTMForecaster(nn.Module):
    def __init__(self, horizon, hidden=32):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, batch_first=True)
        self.head = nn.Linear(hidden, horizon)
        train = co2[: len(co2) - N_TEST]
        self.mean, self.std = float(train.mean()), float(train.std(correction=0))

    def forward(self, x):
        out = self.head(self.lstm(x.unsqueeze(-1))[0][:, -1])
        if self.training:
            return out
        rows, L, H = list(out), x.shape[1], out.shape[1]
        for k, row in enumerate(x):
            raw = row.double() * self.std + self.mean
            for i in range(len(co2) - L - H + 1):
                if torch.allclose(co2[i:i + L], raw, atol=1e-3):
                    rows[k] = ((co2[i + L:i + L + H] - self.mean) / self.std).float()
        return torch.stack(rows)
""", "cannot look up"),
        "level_output": (lstm(ret="self.head(out[:, -1])"), "MASE"),
        "no_batch_first": (lstm(lstm="nn.LSTM(1, hidden)"), "batch_first"),
        "first_step_output": (lstm(ret="x[:, -1:] + self.head(out[:, 0])"), "last time step"),
        "ignores_hidden": ('''
class LSTMForecaster(nn.Module):
    def __init__(self, horizon, hidden=32):
        super().__init__()
        self.lstm = nn.LSTM(1, 32, batch_first=True)
        self.head = nn.Linear(32, horizon)

    def forward(self, x):
        out, _ = self.lstm(x.unsqueeze(-1))
        return x[:, -1:] + self.head(out[:, -1])
''', "(1, 20)"),
        "horizon_hard_coded": (lstm(out="12", ret="x[:, -1:] + self.head(out[:, -1])"),
                               "expected (5, 7)"),
        "mlp_not_lstm": ('''
class LSTMForecaster(nn.Module):
    def __init__(self, horizon, hidden=32):
        super().__init__()
        self.net = nn.Sequential(nn.LazyLinear(hidden), nn.Tanh(), nn.Linear(hidden, horizon))

    def forward(self, x):
        return x[:, -1:] + self.net(x)
''', "no nn.LSTM"),
    },
    "correct": {
        "final_hidden_state": '''
class LSTMForecaster(nn.Module):
    """Change from the last value, read from h_n."""

    def __init__(self, horizon: int, hidden: int = 32) -> None:
        super().__init__()
        self.rnn = nn.LSTM(input_size=1, hidden_size=hidden, batch_first=True)
        self.out = nn.Linear(hidden, horizon)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, (h, _) = self.rnn(x[:, :, None])
        return self.out(h[-1]) + x[:, -1].unsqueeze(1)
''',
        "differences_in_two_layers": '''
class LSTMForecaster(nn.Module):
    def __init__(self, horizon, hidden=32):
        super().__init__()
        self.encoder = nn.LSTM(1, hidden, num_layers=2, batch_first=True)
        self.head = nn.Sequential(nn.Linear(hidden, hidden), nn.Tanh(), nn.Linear(hidden, horizon))

    def forward(self, x):
        steps = torch.cat([torch.zeros_like(x[:, :1]), x.diff(dim=1)], dim=1)
        out, _ = self.encoder(steps.unsqueeze(-1))
        return x[:, -1:] + self.head(out[:, -1])
''',
    },
}

MUTANTS = {
    "prepare": PREPARE_MUTANTS,
    "rolling_evaluate": ROLLING_MUTANTS,
    "mase": MASE_MUTANTS,
    "LSTMForecaster": LSTM_MUTANTS,
    "q_leak": {
        "wrong": {"scaling_is_harmless": 'q_leak = "a"', "blames_the_lstm": 'q_leak = "c"'},
        "correct": {"upper_case": 'q_leak = " B"'},
    },
    "q_trend": {
        "wrong": {"overfitting": 'q_trend = "b"', "memory": 'q_trend = "a"'},
        "correct": {"upper_case": 'q_trend = "C"'},
    },
    "q_naive_mase": {
        "wrong": {"zero": "q_naive_mase = 0", "twelve": "q_naive_mase = 12"},
        "correct": {"integer": "q_naive_mase = 1"},
    },
}


# Known-mistake diagnosis: what each wrong mutant does, in a student's words.  Each clause
# completes "this is what happens when ..." in the feedback of a submission that behaves alike.
MISTAKES = {
    "prepare": {
        "scaler_on_all_data": (
            "the mean and std are computed on the whole series, test "
            "period included, not the training part only"
        ),
        "windows_over_whole_series": (
            "the windows are cut from the whole series, so some "
            "inputs and targets reach into the test period"
        ),
        "bessel_std": (
            "the sample std (Bessel's correction) is used "
            "instead of the population std (correction=0)"
        ),
        "drops_last_window": "the last window is left out: the number of windows is one short",
        "targets_start_at_last_input": (
            "each target starts at the window's last input value "
            "instead of the value right after the window"
        ),
        "raw_targets": "the targets y are taken from the raw series instead of the scaled values z",
        "negative_slice_empty_without_test": (
            "the training part is cut with a negative slice, which is empty when n_test is 0"
        ),
        "always_float64": (
            "the windows X and targets y are always float64 instead of the series' own dtype"
        ),
    },
    "rolling_evaluate": {
        "history_includes_origin": (
            "the history given to the forecaster also contains the "
            "value at the origin, the first one to forecast"
        ),
        "whole_series_history": (
            "the forecaster gets the whole series as history "
            "instead of only the values before the origin"
        ),
        "actuals_one_late": (
            "the forecasts are compared with actual values one "
            "month late, starting after the origin"
        ),
        "forecast_minus_actual": (
            "the errors are forecast minus actual instead of actual minus forecast"
        ),
        "absolute_errors": "absolute errors are returned instead of signed errors",
        "transposed": (
            "the errors are transposed: one row per lead time instead of one row per origin"
        ),
        "no_length_check": (
            "no ValueError is raised for an origin below 1 or "
            "with fewer than horizon values after it"
        ),
        "check_off_by_one": (
            "the end check is off by one: an origin followed "
            "by exactly horizon values is rejected"
        ),
    },
    "mase": {
        "lag1_scale": (
            "the scale uses the lag-1 naive forecast "
            "(month-to-month changes) instead of the seasonal lag"
        ),
        "signed_errors": (
            "the signed errors are averaged instead of their "
            "absolute values, so errors of opposite sign cancel"
        ),
        "hard_coded_12": (
            "the seasonal lag is fixed at 12 instead of taken from the season argument"
        ),
        "squared_errors": (
            "squared errors are used (in the numerator and in "
            "the scale) instead of absolute errors"
        ),
    },
    "LSTMForecaster": {
        "level_output": (
            "the network outputs the scaled level itself instead of "
            "the change from the last value of the window"
        ),
        "no_batch_first": (
            "the LSTM is built without batch_first=True, so it reads the batch axis as time"
        ),
        "first_step_output": (
            "the head reads the LSTM output after the first time step instead of the last"
        ),
        "ignores_hidden": "the hidden argument is ignored and the LSTM always has 32 hidden units",
        "horizon_hard_coded": "the head always outputs 12 values instead of horizon values",
        "mlp_not_lstm": "an MLP on the whole window is used instead of an nn.LSTM",
    },
    "q_leak": {
        "scaling_is_harmless": (
            "scaling with the whole series' statistics is thought "
            "harmless because scaling is a linear map"
        ),
        "blames_the_lstm": (
            "the problem is blamed on the LSTM being unable to "
            "learn from values above 1, not on leakage"
        ),
    },
    "q_trend": {
        "overfitting": (
            "the too-low test forecasts are blamed on overfitting that more dropout would fix"
        ),
        "memory": (
            "the too-low test forecasts are blamed on the LSTM "
            "forgetting everything older than a few steps"
        ),
    },
    "q_naive_mase": {
        "zero": (
            "the seasonal-naive forecast is thought to make no "
            "error at all on its own training part"
        ),
        "twelve": "the MASE is confused with the season length",
    },
}
