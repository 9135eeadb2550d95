"""Hidden grader for s3_sequences/time_series: windows, chronological splits, a scaler fitted on
train only, leak-free windows per split, naive and seasonal-naive forecasts, MAE / RMSE /
MASE, rolling-origin evaluation, checkpoints.

Oracles are computed here in float64 from the definitions (slices of the series, torch.mean /
torch.std with correction=0, abs / sqrt).  Inputs are synthetic series drawn from rng(seed)
(trend + season + noise, distinct values, so a window or a slice is recognised by its values).
Every function is called through a probe that swaps trusted versions of the notebook's other
functions into the submission's namespace (a wrong make_windows never costs prepare_splits).
Where a wrong result equals what a classic mistake gives (an off-by-one window, a scaler fitted
on all the data, a shuffled split, lag 1 instead of m, a forecaster that peeks past the
origin...), the feedback names the mistake."""

import math

import torch

from dlcore.grading import (
    ATOL,
    ATOL_F64,
    RTOL,
    RTOL_F64,
    check_number,
    check_tensor,
    exercise,
    fail,
    quote,
    rng,
)
from dlcore.questions import check_answer
from dlcore.untrusted import wire

F64 = torch.float64

SCALER_SK = ["sklearn.preprocessing.StandardScaler.fit",
             "sklearn.preprocessing.StandardScaler.partial_fit",
             "sklearn.preprocessing.StandardScaler.fit_transform",
             "sklearn.preprocessing.scale", "sklearn.preprocessing._data.scale"]
APPLY_SK = SCALER_SK + ["sklearn.preprocessing.StandardScaler.transform",
                        "sklearn.preprocessing.StandardScaler.inverse_transform"]
SPLIT_SK = ["sklearn.model_selection.train_test_split",
            "sklearn.model_selection._split.train_test_split",
            "sklearn.model_selection.TimeSeriesSplit.split"]
MAE_BUILTINS = ["sklearn.metrics.mean_absolute_error",
                "sklearn.metrics._regression.mean_absolute_error",
                "statsmodels.tools.eval_measures.meanabs",
                "torch.nn.functional.l1_loss", "torch.nn.L1Loss.forward"]
RMSE_BUILTINS = ["sklearn.metrics.mean_squared_error",
                 "sklearn.metrics._regression.mean_squared_error",
                 "sklearn.metrics.root_mean_squared_error",
                 "sklearn.metrics._regression.root_mean_squared_error",
                 "statsmodels.tools.eval_measures.rmse", "statsmodels.tools.eval_measures.mse",
                 "torch.nn.functional.mse_loss", "torch.nn.MSELoss.forward"]
ROLLING_SK = ["sklearn.model_selection.TimeSeriesSplit.split"]


# ---------------------------------------------------------------- calling the submission
def alone(ns, name, calls, catch=False):
    """Probe: ns[name](*args, **kwargs) for each (args, kwargs) in `calls`, with trusted
    versions of the notebook's other functions swapped in.  With `catch`, an exception
    raised by the student's function is returned as ("raised", type name)."""
    import math

    import torch

    def make_windows(series, lookback, horizon):
        n = series.shape[0] - lookback - horizon + 1
        if lookback < 1 or horizon < 1 or n < 1:
            raise ValueError("series too short")
        target = series if series.dim() == 1 else series[:, 0]
        i = torch.arange(n, device=series.device)[:, None]
        return (series[i + torch.arange(lookback, device=series.device)],
                target[i + lookback + torch.arange(horizon, device=series.device)])

    def chronological_split(series, val_frac, test_frac):
        T = series.shape[0]
        n_train = T - math.floor(T * val_frac) - math.floor(T * test_frac)
        n_val = math.floor(T * val_frac)
        return series[:n_train], series[n_train:n_train + n_val], series[n_train + n_val:]

    def fit_scaler(train):
        mean = train.mean(0)
        std = ((train - mean) ** 2).mean(0).sqrt()
        return mean, torch.where(std == 0, torch.ones_like(std), std)

    def apply_scaler(series, mean, std, inverse=False):
        return series * std + mean if inverse else (series - mean) / std

    def naive_forecast(history, horizon):
        return history[-1].repeat(horizon)

    def seasonal_naive_forecast(history, horizon, m):
        h = torch.arange(horizon, device=history.device)
        return history[history.shape[0] - m + h % m]

    def mae(y, yhat):
        return float((y - yhat).abs().mean())

    def rmse(y, yhat):
        return float(((y - yhat) ** 2).mean().sqrt())

    def mase(y, yhat, train, m):
        return float((y - yhat).abs().mean() / (train[m:] - train[:-m]).abs().mean())

    trusted = {"make_windows": make_windows, "chronological_split": chronological_split,
               "fit_scaler": fit_scaler, "apply_scaler": apply_scaler,
               "naive_forecast": naive_forecast,
               "seasonal_naive_forecast": seasonal_naive_forecast,
               "mae": mae, "rmse": rmse, "mase": mase}
    fn = ns[name]
    saved = {k: ns[k] for k in trusted if k != name and k in ns}
    ns.update({k: f for k, f in trusted.items() if k != name})
    try:
        results = []
        for args, kwargs in calls:
            if catch:
                try:
                    results.append(("ok", fn(*args, **kwargs)))
                except NotImplementedError:
                    raise  # a stub is reported as not implemented, not as a wrong exception
                except Exception as exc:  # noqa: BLE001 (the exception type is the answer)
                    results.append(("raised", type(exc).__name__))
            else:
                results.append(fn(*args, **kwargs))
        return results
    finally:
        for k in trusted:
            if k != name:
                ns.pop(k, None)
        ns.update(saved)


def fresh(value):
    if isinstance(value, torch.Tensor):
        return value.clone()
    if isinstance(value, list | tuple):
        return type(value)(fresh(v) for v in value)
    return value


def run(student, name: str, calls: list, catch: bool = False) -> list:
    calls = [(fresh(tuple(args)), kwargs) for args, kwargs in calls]
    return student.probe(alone, name, calls, catch)


def call(student, name: str, *args, **kwargs):
    return run(student, name, [(args, kwargs)])[0]


# ---------------------------------------------------------------- shared checks
def same(got, want) -> bool:
    """Tensors (or tuples of tensors) of the same shapes and values (float64 tolerance)."""
    if isinstance(want, tuple):
        return (isinstance(got, list | tuple) and len(got) == len(want)
                and all(same(g, w) for g, w in zip(got, want, strict=True)))
    return (type(got) is torch.Tensor and tuple(got.shape) == tuple(want.shape)
            and not got.dtype.is_complex and got.dtype != torch.bool
            and torch.allclose(got.double(), want.double(), rtol=RTOL_F64, atol=ATOL_F64))


def name_mistake(got, want, mistakes, what: str) -> None:
    """Fail naming the first mistake whose output `got` equals (when it differs from the
    oracle's); `mistakes` lists (feedback, output or None)."""
    if same(got, want):
        return
    for feedback, wrong in mistakes:
        if wrong is not None and not same(wrong, want) and same(got, wrong):
            fail(f"{what}: {feedback}")


def pair_of_tensors(got, what: str, names: str = "(X, y)") -> tuple:
    if not isinstance(got, list | tuple) or len(got) != 2 or \
            not all(type(t) is torch.Tensor for t in got):
        fail(f"{what} should return a pair of tensors {names}, got "
             f"{quote(wire.type_name(got), 40)}")
    return tuple(got)


def trend_season(seed: int, T: int, m: int = 12, features: int = 1, trend: float = 0.08,
                 dtype: torch.dtype = F64) -> torch.Tensor:
    """A trending, seasonal series with distinct values: (T,) or (T, features)."""
    g = rng(seed)
    t = torch.arange(T, dtype=F64)[:, None]                                   # (T, 1)
    phase = torch.rand(1, features, generator=g, dtype=F64) * 2 * math.pi      # (1, F)
    slope = trend * (1 + torch.rand(1, features, generator=g, dtype=F64))      # (1, F)
    noise = 0.3 * torch.randn(T, features, generator=g, dtype=F64)             # (T, F)
    s = slope * t + 2 * torch.sin(2 * math.pi * t / m + phase) + noise + 5     # (T, F)
    s = s.to(dtype)
    return s[:, 0] if features == 1 else s


# ---------------------------------------------------------------- make_windows
def ref_windows(s: torch.Tensor, L: int, H: int, shift: int = 0, n: int | None = None,
                feature: int = 0) -> tuple[torch.Tensor, torch.Tensor] | None:
    """Windows with y[i] starting at s[i + L + shift], n of them (default: all that fit)."""
    target = s if s.dim() == 1 else s[:, feature]
    fit = s.shape[0] - L - H + 1 - max(shift, 0)
    n = fit if n is None else n
    if n < 1 or n > fit + max(-shift, 0):
        return None
    X = torch.stack([s[i:i + L] for i in range(n)])                            # (n, L[, F])
    y = torch.stack([target[i + L + shift:i + L + shift + H] for i in range(n)])  # (n, H)
    return X, y


def window_mistakes(s: torch.Tensor, L: int, H: int) -> list:
    X, y = ref_windows(s, L, H)
    N = X.shape[0]
    out = [("drops the last window: N = T - lookback - horizon + 1 windows fit, the last one "
            "ending at the last value (range(T - lookback - horizon + 1))",
            (X[:-1], y[:-1]) if N > 1 else None),
           ("y[i] starts at the last input value series[i + lookback - 1]; it must start right "
            "after X[i], at series[i + lookback]", ref_windows(s, L, H, shift=-1, n=N)),
           ("y[i] starts at the last input value series[i + lookback - 1]; it must start right "
            "after X[i], at series[i + lookback]", ref_windows(s, L, H, shift=-1, n=N + 1)),
           ("y[i] skips a step: it starts at series[i + lookback + 1], not right after X[i] at "
            "series[i + lookback]", ref_windows(s, L, H, shift=1)),
           ("the windows are in reverse time order: window i + 1 is window i one step later",
            (X.flip(0), y.flip(0)))]
    if H == 1:
        out.append(("y has shape (N,) for horizon 1; it must be (N, horizon) = (N, 1)",
                    (X, y[:, 0])))
    if s.dim() == 2:
        Y = torch.stack([s[i + L:i + L + H] for i in range(N)])                # (N, H, F)
        out += [("X has shape (N, F, lookback): Tensor.unfold puts the window axis last; "
                 "X must be (N, lookback, F) (move the axis with .transpose(1, 2))",
                 (X.transpose(1, 2), y)),
                ("y keeps every feature; the target is the first feature only, y (N, horizon)",
                 (X, Y)),
                ("the target is the last feature; it is the first one (column 0)",
                 ref_windows(s, L, H, feature=-1))]
    return out


def check_windows(student, cases: list[tuple[torch.Tensor, int, int]]) -> None:
    got_all = run(student, "make_windows", [((s, L, H), {}) for s, L, H in cases])
    for got, (s, L, H) in zip(got_all, cases, strict=True):
        what = (f"make_windows(series {tuple(s.shape)} {str(s.dtype)[6:]}, "
                f"lookback={L}, horizon={H})")
        X, y = pair_of_tensors(got, what)
        want = ref_windows(s, L, H)
        name_mistake((X, y), want, window_mistakes(s, L, H), what)
        if X.shape[0] != want[0].shape[0] and X.shape[0] == y.shape[0]:
            fail(f"{what} returns {X.shape[0]} windows; N = T - lookback - horizon + 1 = "
                 f"{want[0].shape[0]}")
        check_tensor(X, want[0], f"X of {what}", RTOL_F64, ATOL_F64, check_dtype=True)
        check_tensor(y, want[1], f"y of {what}", RTOL_F64, ATOL_F64, check_dtype=True)


def draw(seed: int, *shape: int, dtype: torch.dtype = F64) -> torch.Tensor:
    return torch.randn(*shape, generator=rng(seed), dtype=F64).to(dtype)


@exercise("make_windows", points=1)
def test_make_windows_univariate(student):
    """For a (T,) series (T=23, lookback 5, horizon 3, and others), are the N = T - L - H + 1
    windows in time order, y[i] right after X[i]?"""
    check_windows(student, [(draw(1, 23), 5, 3), (draw(2, 31), 7, 4), (draw(3, 17), 3, 6)])


@exercise("make_windows", points=1)
def test_make_windows_multivariate(student):
    """For a (T, F) series, is X (N, lookback, F) and y (N, horizon) the first feature?"""
    check_windows(student, [(draw(4, 26, 3), 6, 2), (draw(5, 19, 4), 4, 5)])


@exercise("make_windows", points=1)
def test_make_windows_horizon_one(student):
    """With horizon 1 (y (N, 1), not (N,)) and lookback 1?"""
    check_windows(student, [(draw(6, 15), 4, 1), (draw(7, 13, 2), 1, 1), (draw(8, 12), 1, 3)])


@exercise("make_windows", points=1)
def test_make_windows_dtypes(student):
    """Are float32 and int64 series windowed in their own dtype?"""
    ints = torch.randperm(29, generator=rng(9))                                # (29,) int64
    check_windows(student, [(draw(10, 21, dtype=torch.float32), 5, 2),
                            (draw(11, 18, 3, dtype=torch.float32), 3, 4), (ints, 6, 3)])


@exercise("make_windows", points=1)
def test_make_windows_single_window(student):
    """When T = lookback + horizon exactly, is there one window (N = 1)?"""
    check_windows(student, [(draw(12, 9), 5, 4), (draw(13, 7, 2), 4, 3)])


@exercise("make_windows", points=1)
def test_make_windows_too_short(student):
    """When T < lookback + horizon, is a ValueError raised?"""
    cases = [(draw(14, 8), 5, 4), (draw(15, 6, 2), 4, 3), (draw(16, 3), 5, 1)]
    got = run(student, "make_windows", [((s, L, H), {}) for s, L, H in cases], catch=True)
    for (kind, value), (s, L, H) in zip(got, cases, strict=True):
        what = f"make_windows(series {tuple(s.shape)}, lookback={L}, horizon={H})"
        if kind == "ok":
            fail(f"{what} returned a result; T = {s.shape[0]} < lookback + horizon = {L + H}, "
                 "so no window fits: raise a ValueError")
        if value != "ValueError":
            fail(f"{what} raised {quote(value, 40)}; T < lookback + horizon should raise a "
                 "ValueError saying the series is too short")


# ---------------------------------------------------------------- chronological_split
def split_at(s: torch.Tensor, n_train: int, n_val: int) -> tuple:
    return s[:n_train], s[n_train:n_train + n_val], s[n_train + n_val:]


def ref_split(s: torch.Tensor, vf: float, tf: float) -> tuple:
    T = s.shape[0]
    n_val, n_test = math.floor(T * vf), math.floor(T * tf)
    return split_at(s, T - n_val - n_test, n_val)


def split_mistakes(s: torch.Tensor, vf: float, tf: float) -> list:
    T = s.shape[0]
    n_val, n_test = math.floor(T * vf), math.floor(T * tf)
    n_train = T - n_val - n_test
    train, val, test = ref_split(s, vf, tf)
    rest_val = math.floor((T - n_test) * vf)
    return [
        ("rounds the sizes; n_val = floor(T * val_frac) and n_test = floor(T * test_frac)",
         split_at(s, T - round(T * vf) - round(T * tf), round(T * vf))),
        ("rounds the sizes up; n_val = floor(T * val_frac) and n_test = floor(T * test_frac)",
         split_at(s, T - math.ceil(T * vf) - math.ceil(T * tf), math.ceil(T * vf))),
        ("floors n_train = floor(T * (1 - val_frac - test_frac)); the spec floors n_val and "
         "n_test and gives train the rest", split_at(s, math.floor(T * (1 - vf - tf)), n_val)),
        ("takes val_frac of what is left after the test part; both fractions are of the whole "
         "series T", split_at(s, T - rest_val - n_test, rest_val)),
        ("puts the test part before the validation part; the order in time is train | val | "
         "test", (train, s[n_train + n_test:], s[n_train:n_train + n_test])),
    ]


def check_split(student, cases: list[tuple[torch.Tensor, float, float]]) -> None:
    got_all = run(student, "chronological_split", [((s, vf, tf), {}) for s, vf, tf in cases])
    for got, (s, vf, tf) in zip(got_all, cases, strict=True):
        what = f"chronological_split(series {tuple(s.shape)}, {vf}, {tf})"
        if not isinstance(got, list | tuple) or len(got) != 3 or \
                not all(type(t) is torch.Tensor for t in got):
            fail(f"{what} should return three tensors (train, val, test), got "
                 f"{quote(wire.type_name(got), 40)}")
        want = ref_split(s, vf, tf)
        name_mistake(tuple(got), want, split_mistakes(s, vf, tf), what)
        if not same(tuple(got), want) and all(p.shape[1:] == s.shape[1:] for p in got):
            joined = torch.cat([p.double() for p in got])                       # (T', ...)
            first = joined.reshape(joined.shape[0], -1)[:, 0]                   # (T',)
            truth = s.double().reshape(s.shape[0], -1)[:, 0]                    # (T,)
            if joined.shape == s.shape and not torch.equal(first, truth) and \
                    torch.equal(first.sort().values, truth.sort().values):
                fail(f"{what}: the series was shuffled: the parts must be consecutive "
                     "stretches of time, train first (no shuffling)")
        for part, w, label in zip(got, want, ("train", "val", "test"), strict=True):
            check_tensor(part, w, f"the {label} part of {what}", RTOL_F64, ATOL_F64,
                         check_dtype=True)


@exercise("chronological_split", points=1, forbid=SPLIT_SK)
def test_split_univariate(student):
    """For (T,) series, are train | val | test consecutive with floored val and test sizes?"""
    check_split(student, [(trend_season(20, 47), 0.15, 0.25), (trend_season(21, 45), 0.15, 0.2)])


@exercise("chronological_split", points=1, forbid=SPLIT_SK)
def test_split_multivariate(student):
    """For (T, F) series (rows are time steps), float32 kept?"""
    check_split(student, [(trend_season(22, 38, features=3), 0.1, 0.3),
                          (trend_season(23, 83, features=2, dtype=torch.float32), 0.1, 0.2)])


@exercise("chronological_split", points=1, forbid=SPLIT_SK)
def test_split_no_validation(student):
    """With val_frac so small that the validation part is empty, and an exact split?"""
    check_split(student, [(trend_season(24, 30), 0.02, 0.2), (trend_season(25, 66), 0.15, 0.25)])


# ---------------------------------------------------------------- fit_scaler / apply_scaler
def ref_fit(train: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    x = train.double()
    mean, std = x.mean(0), x.std(0, correction=0)                               # () or (F,)
    return mean, torch.where(std == 0, torch.ones_like(std), std)


def scaler_mistakes(x: torch.Tensor) -> list:
    x = x.double()
    mean, std = ref_fit(x)
    raw = x.std(0, correction=0)
    out = [("std divides by n - 1 (torch.std's default, Bessel's correction); StandardScaler "
            "uses the population std: torch.std(..., correction=0)",
            (mean, torch.where(raw == 0, torch.ones_like(raw), x.std(0)))),
           ("std divides by n - 1 (torch.std's default, Bessel's correction); StandardScaler "
            "uses the population std: torch.std(..., correction=0)", (mean, x.std(0))),
           ("returns the variance; the scale is its square root, the standard deviation",
            (mean, torch.where(raw == 0, torch.ones_like(raw), raw ** 2))),
           ("a constant feature (std 0) must get std 1, so scaling never divides by zero",
            (mean, raw)),
           ("keeps the time axis: mean and std must have shape (F,), not (1, F) (shape () for "
            "a (T,) series)", (mean[None], std[None]))]
    if x.dim() == 2:
        out += [("averages over the features (dim 1); the statistics are over time, dim 0",
                 ref_fit(x.T))]
    return out


def check_fit(student, cases: list[torch.Tensor]) -> None:
    got_all = run(student, "fit_scaler", [((x,), {}) for x in cases])
    for got, x in zip(got_all, cases, strict=True):
        what = f"fit_scaler(train {tuple(x.shape)} {str(x.dtype)[6:]})"
        got = pair_of_tensors(got, what, "(mean, std)")
        want = ref_fit(x)
        name_mistake(got, want, scaler_mistakes(x), what)
        tol = (RTOL_F64, ATOL_F64) if x.dtype == F64 else (RTOL, ATOL)
        check_tensor(got[0], want[0].to(x.dtype), f"the mean of {what}", *tol, check_dtype=True)
        check_tensor(got[1], want[1].to(x.dtype), f"the std of {what}", *tol, check_dtype=True)


@exercise("fit_scaler", points=1, forbid=SCALER_SK)
def test_fit_scaler_univariate(student):
    """For (T,) series: 0-dim mean and population std?"""
    check_fit(student, [trend_season(30, 41), trend_season(31, 17) * 3 - 40])


@exercise("fit_scaler", points=1, forbid=SCALER_SK)
def test_fit_scaler_multivariate(student):
    """For (T, F) series: per-feature statistics over time, shape (F,), float32 kept?"""
    check_fit(student, [trend_season(32, 29, features=3), draw(33, 11, 4) * 5 + 2,
                        trend_season(34, 23, features=2, dtype=torch.float32)])


@exercise("fit_scaler", points=1, forbid=SCALER_SK)
def test_fit_scaler_constant_feature(student):
    """Does a constant feature get std 1 (as StandardScaler does)?"""
    x = trend_season(35, 19, features=3)                                        # (19, 3)
    x[:, 1] = 4.25
    check_fit(student, [x, torch.full((9,), -2.5, dtype=F64)])


def apply_mistakes(x, mean, std, inverse) -> list:
    x, mean, std = x.double(), mean.double(), std.double()
    own_mean, own_std = ref_fit(x)
    if inverse:
        return [("inverse=True must undo the scaling, series * std + mean", (x - mean) / std),
                ("inverse=True multiplies after adding: the way back is series * std + mean",
                 (x + mean) * std),
                ("inverse=True divides by std: the way back is series * std + mean",
                 x / std + mean)]
    return [("re-fits the scaler on the series it scales: use the mean and std it is given "
             "(fitted on the training part), never statistics of the data being scaled",
             (x - own_mean) / own_std),
            ("divides before subtracting: (series - mean) / std", x / std - mean),
            ("multiplies by std: the forward scaling is (series - mean) / std",
             (x - mean) * std),
            ("ignores std: the forward scaling is (series - mean) / std", x - mean)]


def check_apply(student, cases: list) -> None:
    calls = [((x, mean, std), {"inverse": inv} if inv is not None else {})
             for x, mean, std, inv in cases]
    got_all = run(student, "apply_scaler", calls)
    for got, (x, mean, std, inv) in zip(got_all, cases, strict=True):
        flag = "" if inv is None else f", inverse={inv}"
        what = f"apply_scaler(series {tuple(x.shape)} {str(x.dtype)[6:]}, mean, std{flag})"
        xd, md, sd = x.double(), mean.double(), std.double()
        want = xd * sd + md if inv else (xd - md) / sd
        name_mistake(got, want, apply_mistakes(x, mean, std, bool(inv)), what)
        tol = (RTOL_F64, ATOL_F64) if x.dtype == F64 else (RTOL, ATOL)
        check_tensor(got, want.to(x.dtype), what, *tol, check_dtype=True)


def stats(seed: int, features: int | None, dtype=F64) -> tuple[torch.Tensor, torch.Tensor]:
    g = rng(seed)
    shape = () if features is None else (features,)
    mean = torch.randn(shape, generator=g, dtype=F64) * 3
    std = torch.rand(shape, generator=g, dtype=F64) * 2 + 0.5
    return mean.to(dtype), std.to(dtype)


@exercise("apply_scaler", points=1, forbid=APPLY_SK)
def test_apply_scaler_forward(student):
    """Is (series - mean) / std computed with the given statistics, per feature, any dtype?"""
    x2 = trend_season(40, 21, features=3)                                      # (21, 3)
    x1 = trend_season(41, 13)                                                  # (13,)
    x3 = trend_season(42, 9, features=2, dtype=torch.float32)                  # (9, 2)
    check_apply(student, [(x2, *stats(43, 3), None), (x1, *stats(44, None), False),
                          (x3, *stats(45, 2, torch.float32), None)])


@exercise("apply_scaler", points=1, forbid=APPLY_SK)
def test_apply_scaler_inverse(student):
    """Does inverse=True compute series * std + mean (undoing the forward scaling)?"""
    z2 = draw(46, 17, 3)                                                       # (17, 3)
    z1 = draw(47, 11)                                                          # (11,)
    check_apply(student, [(z2, *stats(48, 3), True), (z1, *stats(49, None), True)])


# ---------------------------------------------------------------- prepare_splits
def ref_prepare(s, L, H, vf, tf, stats_from=None, each_own=False, scale=True) -> dict:
    """The spec; or with the scaler fitted on `stats_from`, or each part scaled by its own
    statistics, or nothing scaled (the returned mean/std are always train's)."""
    parts = ref_split(s.double(), vf, tf)
    mean, std = ref_fit(parts[0])
    use = ref_fit(stats_from.double()) if stats_from is not None else (mean, std)
    out = {"mean": mean, "std": std}
    for name, part in zip(("train", "val", "test"), parts, strict=True):
        m, sd = ref_fit(part) if each_own else use
        out[name] = ref_windows((part - m) / sd if scale else part, L, H)
    return out


def whole_then_split(s, L, H, vf, tf) -> dict:
    mean, std = ref_fit(ref_split(s.double(), vf, tf)[0])
    X, y = ref_windows((s.double() - mean) / std, L, H)
    out = {"mean": mean, "std": std}
    for name, Xp, yp in zip(("train", "val", "test"), ref_split(X, vf, tf), ref_split(y, vf, tf),
                            strict=True):
        out[name] = (Xp, yp)
    return out


def prepare_mistakes(s, L, H, vf, tf) -> list:
    trainval = s[:s.shape[0] - math.floor(s.shape[0] * tf)]
    return [
        ("the scaler is fitted on the whole series: the validation and test periods' level and "
         "spread leak into training; fit it on the training part only",
         ref_prepare(s, L, H, vf, tf, stats_from=s)),
        ("the scaler is fitted on train + val: the validation period's statistics leak into "
         "training; fit it on the training part only",
         ref_prepare(s, L, H, vf, tf, stats_from=trainval)),
        ("each part is scaled with its own statistics: val and test must be scaled with the "
         "training part's mean and std (their own mean is computed from the future)",
         ref_prepare(s, L, H, vf, tf, each_own=True)),
        ("the windows are not scaled: scale each part with the train statistics first",
         ref_prepare(s, L, H, vf, tf, scale=False)),
        ("the whole series was windowed and the windows split afterwards: windows near a "
         "boundary have inputs or targets in the next part; window each part separately",
         whole_then_split(s, L, H, vf, tf)),
    ]


def locate(X: torch.Tensor, windows: torch.Tensor) -> list[int] | None:
    """Start index of each row of X among all windows of the scaled series; None if any row is
    not such a window."""
    flat_all = windows.reshape(windows.shape[0], -1)                            # (M, L*F)
    flat = X.double().reshape(X.shape[0], -1)                                   # (n, L*F)
    if flat.shape[1] != flat_all.shape[1]:
        return None
    out = []
    for row in flat:
        hit = ((flat_all - row).abs().amax(1) < 1e-6).nonzero()
        if len(hit) == 0:
            return None
        out.append(int(hit[0]))
    return out


def diagnose_windows(got: dict, s, L, H, vf, tf, what: str) -> None:
    """Windows that are windows of the train-scaled series but shuffled or crossing parts."""
    T = s.shape[0]
    mean, std = ref_fit(ref_split(s.double(), vf, tf)[0])
    all_X = ref_windows((s.double() - mean) / std, L, H)[0] if T >= L + H else None
    if all_X is None:
        return
    n_val, n_test = math.floor(T * vf), math.floor(T * tf)
    bounds = {"train": (0, T - n_val - n_test), "val": (T - n_val - n_test, T - n_test),
              "test": (T - n_test, T)}
    for name, (lo, hi) in bounds.items():
        X = got[name][0]
        starts = locate(X, all_X) if X.numel() else []
        if starts is None:
            continue
        if any(b <= a for a, b in zip(starts, starts[1:], strict=False)):
            fail(f"{what}: the {name} windows are shuffled (not in time order); keep windows "
                 "in time order and never shuffle across the split")
        if any(a < lo or a + L + H > hi for a in starts):
            fail(f"{what}: some {name} windows reach outside the {name} period (inputs or "
                 "targets from another part): window each part separately, and never shuffle "
                 "windows across the split")


def check_prepare(student, s, L, H, vf, tf, stats_only: bool = False) -> None:
    what = f"prepare_splits(series {tuple(s.shape)}, {L}, {H}, {vf}, {tf})"
    got = call(student, "prepare_splits", s, L, H, vf, tf)
    keys = {"train", "val", "test", "mean", "std"}
    if not isinstance(got, dict) or set(got) != keys:
        found = sorted(map(str, got)) if isinstance(got, dict) else wire.type_name(got)
        fail(f"{what} should return a dict with keys {sorted(keys)}, got {quote(found, 80)}")
    want = ref_prepare(s, L, H, vf, tf)
    mistakes = prepare_mistakes(s, L, H, vf, tf)
    trainval = s[:s.shape[0] - math.floor(s.shape[0] * tf)]
    for (feedback, _), fitted_on in zip(mistakes[:2], (s, trainval), strict=True):
        if same((got["mean"], got["std"]), ref_fit(fitted_on)):  # statistics of the wrong data
            fail(f"{what}: {feedback}")
    check_tensor(got["mean"], want["mean"], f"the mean returned by {what} (train statistics)",
                 RTOL_F64, ATOL_F64)
    check_tensor(got["std"], want["std"], f"the std returned by {what} (train statistics)",
                 RTOL_F64, ATOL_F64)
    if stats_only:
        return
    for name in ("train", "val", "test"):
        pair_of_tensors(got[name], f"{what}['{name}']")
    parts = ("train", "val", "test")
    as_tuple = tuple(tuple(got[p]) for p in parts)
    if not same(as_tuple, tuple(want[p] for p in parts)):
        for feedback, wrong in mistakes:
            if same(as_tuple, tuple(wrong[p] for p in parts)):
                fail(f"{what}: {feedback}")
        diagnose_windows(got, s, L, H, vf, tf, what)
    for name in parts:
        for t, w, label in zip(got[name], want[name], ("X", "y"), strict=True):
            check_tensor(t, w, f"{label} of the {name} part of {what}", RTOL_F64, ATOL_F64)


@exercise("prepare_splits", points=1, forbid=APPLY_SK + SPLIT_SK)
def test_prepare_scaler_train_only(student):
    """On a trending series, are mean and std those of the training part only (not of the
    whole series, not of train + val)?"""
    check_prepare(student, trend_season(50, 90, trend=0.15), 12, 3, 0.2, 0.25, stats_only=True)
    check_prepare(student, trend_season(51, 70, features=2, trend=0.2), 6, 2, 0.2, 0.2,
                  stats_only=True)


@exercise("prepare_splits", points=1, forbid=APPLY_SK + SPLIT_SK)
def test_prepare_univariate(student):
    """For a (T,) series: each part scaled with train's statistics, windowed separately?"""
    check_prepare(student, trend_season(52, 90, trend=0.15), 12, 3, 0.2, 0.2)


@exercise("prepare_splits", points=1, forbid=APPLY_SK + SPLIT_SK)
def test_prepare_multivariate(student):
    """For a (T, F) series: per-feature train statistics, y the first feature?"""
    check_prepare(student, trend_season(53, 83, features=3, trend=0.1), 8, 4, 0.2, 0.25)


@exercise("prepare_splits", points=1, forbid=APPLY_SK + SPLIT_SK)
def test_prepare_other_sizes(student):
    """With other lookbacks, horizons and fractions (horizon 1, a larger validation part)?"""
    check_prepare(student, trend_season(54, 66, m=7, trend=0.2), 5, 1, 0.3, 0.2)
    check_prepare(student, trend_season(55, 75, m=5, features=2), 4, 6, 0.25, 0.3)


# ---------------------------------------------------------------- naive / seasonal naive
def check_forecast(student, name: str, cases: list, oracle, mistakes) -> None:
    got_all = run(student, name, [(args, {}) for args in cases])
    for got, args in zip(got_all, cases, strict=True):
        h = args[0]
        extra = "".join(f", {a}" for a in args[1:])
        what = f"{name}(history {tuple(h.shape)} {str(h.dtype)[6:]}{extra})"
        want = oracle(*args)
        name_mistake(got, want, mistakes(*args), what)
        check_tensor(got, want, what, RTOL_F64, ATOL_F64, check_dtype=True)


def naive_ref(h, H):
    return h[-1].repeat(H)


def naive_mistakes(h, H):
    return [("returns one value; repeat the last value horizon times, shape (horizon,)",
             h[-1:]),
            ("returns the mean of the history; the naive forecast is the last value",
             h.double().mean().repeat(H).to(h.dtype) if h.dtype.is_floating_point else None),
            ("repeats the first value; the naive forecast is the last value, history[-1]",
             h[0].repeat(H))]


@exercise("naive_forecast", points=1)
def test_naive_forecast(student):
    """Is the last value repeated horizon times?"""
    check_forecast(student, "naive_forecast",
                   [(trend_season(60, 25), 7), (trend_season(61, 9), 1), (draw(62, 14), 3)],
                   naive_ref, naive_mistakes)


@exercise("naive_forecast", points=1)
def test_naive_forecast_dtypes(student):
    """Is the dtype of the history kept (float32, int64)?"""
    check_forecast(student, "naive_forecast",
                   [(trend_season(63, 11, dtype=torch.float32), 4),
                    (torch.randperm(13, generator=rng(64)), 5)],
                   naive_ref, naive_mistakes)


def snaive_ref(h, H, m):
    T = h.shape[0]
    return torch.stack([h[T - m + k % m] for k in range(H)])


def snaive_mistakes(h, H, m):
    T = h.shape[0]
    out = [("uses the last value (lag 1); seasonal naive repeats the value one season (m "
            "steps) earlier", naive_ref(h, H)),
           ("is one step early: the forecast for step h is history[T - m + (h mod m)]",
            torch.stack([h[T - m - 1 + k % m] for k in range(H)]) if T > m else None),
           ("stops after one season: for horizon > m repeat the last season, "
            "history[T - m + (h mod m)]", h[T - m:][:H] if H > m else None)]
    if H > m:
        out.append(("for h >= m the index T - m + h runs past the end (or wraps to the start): "
                    "repeat the last season with h mod m",
                    torch.stack([h[(T - m + k) % T] for k in range(H)])))
        out.append(("for h >= m the index T - m + h runs past the end (or wraps to the start): "
                    "repeat the last season with h mod m",
                    torch.stack([h[-m + k] for k in range(H)])))
    return out


@exercise("seasonal_naive_forecast", points=1)
def test_seasonal_naive_short_horizon(student):
    """For horizon <= m, is step h the value one season earlier, history[T - m + h]?"""
    check_forecast(student, "seasonal_naive_forecast",
                   [(trend_season(70, 40), 7, 12), (trend_season(71, 23, m=7), 7, 7),
                    (draw(72, 15), 3, 5)], snaive_ref, snaive_mistakes)


@exercise("seasonal_naive_forecast", points=1)
def test_seasonal_naive_long_horizon(student):
    """For horizon > m, is the last season repeated (h mod m)?"""
    check_forecast(student, "seasonal_naive_forecast",
                   [(trend_season(73, 30, m=4), 11, 4), (trend_season(74, 36), 27, 12),
                    (draw(75, 9), 8, 3)], snaive_ref, snaive_mistakes)


@exercise("seasonal_naive_forecast", points=1)
def test_seasonal_naive_edge_cases(student):
    """m = 1 (the naive forecast), T = m, and float32 / int64 histories?"""
    check_forecast(student, "seasonal_naive_forecast",
                   [(trend_season(76, 17), 5, 1), (draw(77, 6), 9, 6),
                    (trend_season(78, 21, m=5, dtype=torch.float32), 6, 5),
                    (torch.randperm(16, generator=rng(79)), 7, 4)], snaive_ref, snaive_mistakes)


# ---------------------------------------------------------------- mae / rmse / mase
def check_metric(student, name: str, cases: list, oracle, mistakes) -> None:
    got_all = run(student, name, [(args, {}) for args in cases])
    for got, args in zip(got_all, cases, strict=True):
        shapes = ", ".join(f"{tuple(a.shape)}" if isinstance(a, torch.Tensor) else str(a)
                           for a in args)
        what = f"{name}({shapes})"
        want = oracle(*[a.double() if isinstance(a, torch.Tensor) else a for a in args])
        f64 = all(a.dtype == F64 for a in args if isinstance(a, torch.Tensor))
        rtol = 1e-6 if f64 else RTOL
        if type(got) is torch.Tensor and got.numel() == 1 and got.dim() > 0:
            fail(f"{what} returns a tensor of shape {tuple(got.shape)}; return a float (or a "
                 "0-dim tensor)")
        value = float(got) if type(got) is torch.Tensor and got.numel() == 1 else got
        if isinstance(value, int | float) and not isinstance(value, bool) and \
                not math.isclose(value, want, rel_tol=rtol, abs_tol=1e-9):
            for feedback, wrong in mistakes(*[a.double() if isinstance(a, torch.Tensor) else a
                                              for a in args]):
                if wrong is not None and not math.isclose(wrong, want, rel_tol=rtol) and \
                        math.isclose(value, wrong, rel_tol=rtol, abs_tol=1e-9):
                    fail(f"{what}: {feedback}")
        check_number(got, want, what, rtol=rtol, atol=1e-9)


def mae_ref(y, f):
    return float((y - f).abs().mean())


def rmse_ref(y, f):
    return float(((y - f) ** 2).mean().sqrt())


def mae_mistakes(y, f):
    return [("averages the signed errors; MAE averages their absolute values |y - yhat|",
             float((y - f).mean())),
            ("sums the absolute errors; MAE is their mean", float((y - f).abs().sum())),
            ("averages only over the last axis or the first row: average over all entries",
             float((y - f).abs().mean(-1)[0]) if y.dim() > 1 else None),
            ("computes the RMSE; MAE is mean(|y - yhat|)", rmse_ref(y, f))]


def rmse_mistakes(y, f):
    return [("forgot the square root: that is the MSE; RMSE = sqrt(mean((y - yhat)^2))",
             float(((y - f) ** 2).mean())),
            ("averages per-row RMSEs: take the square root of the mean over all entries",
             float(((y - f) ** 2).mean(-1).sqrt().mean()) if y.dim() > 1 else None),
            ("takes the square root of the sum; RMSE = sqrt(mean((y - yhat)^2))",
             float(((y - f) ** 2).sum().sqrt())),
            ("computes the MAE; RMSE = sqrt(mean((y - yhat)^2))", mae_ref(y, f))]


def metric_cases(seed: int) -> list:
    g = rng(seed)
    y2 = torch.randn(4, 6, generator=g, dtype=F64) * 3 + 10                     # (4, 6)
    f2 = y2 + torch.randn(4, 6, generator=g, dtype=F64) ** 3                    # heavy errors
    y1 = torch.randn(9, generator=g, dtype=F64)                                 # (9,)
    f1 = y1 + torch.rand(9, generator=g, dtype=F64) * 2 - 0.3                   # mostly too high
    return [(y2, f2), (y1, f1), (y2.float(), f2.float())]


@exercise("mae", points=1, forbid=MAE_BUILTINS)
def test_mae_values(student):
    """Is MAE the mean of |y - yhat| over all entries, for (N, H) and (H,) inputs?"""
    check_metric(student, "mae", metric_cases(80), mae_ref, mae_mistakes)


@exercise("mae", points=1, forbid=MAE_BUILTINS)
def test_mae_exact(student):
    """MAE of a perfect forecast is 0; of a constant offset c it is |c|?"""
    y = draw(81, 3, 5)                                                          # (3, 5)
    check_metric(student, "mae", [(y, y.clone()), (y, y - 2.5), (y[0], y[0] + 0.75)],
                 mae_ref, mae_mistakes)


@exercise("rmse", points=1, forbid=RMSE_BUILTINS)
def test_rmse_values(student):
    """Is RMSE sqrt(mean((y - yhat)^2)) over all entries?"""
    check_metric(student, "rmse", metric_cases(82), rmse_ref, rmse_mistakes)


@exercise("rmse", points=1, forbid=RMSE_BUILTINS)
def test_rmse_at_least_mae(student):
    """With one large error among small ones (RMSE well above MAE)?"""
    y = draw(83, 2, 7)                                                          # (2, 7)
    f = y + 0.1
    f[1, 3] += 6.0
    check_metric(student, "rmse", [(y, f), (y[1], f[1])], rmse_ref, rmse_mistakes)


def mase_ref(y, f, train, m):
    return mae_ref(y, f) / float((train[m:] - train[:-m]).abs().mean())


def ratio(a: float, b: float) -> float:
    return a / b if b else math.inf


def mase_mistakes(y, f, train, m):
    e, yf, n = mae_ref(y, f), y.reshape(-1), train.shape[0]
    scale = float((train[m:] - train[:-m]).abs().mean())
    return [("scales by the naive error of the test set (the actuals); the scale is the "
             "in-sample seasonal-naive MAE of the training series",
             ratio(e, float((yf[1:] - yf[:-1]).abs().mean()))),
            ("scales by the seasonal-naive error of the test set (the actuals); the scale is "
             "the in-sample seasonal-naive MAE of the training series",
             ratio(e, float((yf[m:] - yf[:-m]).abs().mean())) if yf.shape[0] > m else None),
            ("uses lag 1 (the non-seasonal naive) for the scale; use lag m, |s_t - s_(t-m)|",
             ratio(e, float((train[1:] - train[:-1]).abs().mean()))),
            ("divides the scale's sum by n; there are only n - m differences |s_t - s_(t-m)|",
             ratio(e, float((train[m:] - train[:-m]).abs().sum()) / n)),
            ("uses the RMSE in the numerator; MASE scales the MAE", rmse_ref(y, f) / scale),
            ("is inverted: MASE = MAE(forecast) / scale, not scale / MAE", ratio(scale, e))]


@exercise("mase", points=1, forbid=MAE_BUILTINS + RMSE_BUILTINS)
def test_mase_seasonal(student):
    """Is MASE the MAE over the in-sample seasonal-naive MAE (lag m) of the training series?"""
    train = trend_season(90, 60, m=12)                                          # (60,)
    g = rng(91)
    y = trend_season(90, 84, m=12)[60:]                                          # (24,)
    f = y + torch.randn(24, generator=g, dtype=F64)                             # (24,)
    train4 = trend_season(92, 30, m=4, trend=0.3)                               # (30,)
    y4 = trend_season(92, 41, m=4, trend=0.3)[30:]                              # (11,)
    check_metric(student, "mase", [(y, f, train, 12), (y4, y4 + 0.4, train4, 4)],
                 mase_ref, mase_mistakes)


@exercise("mase", points=1, forbid=MAE_BUILTINS + RMSE_BUILTINS)
def test_mase_two_dim(student):
    """For (N, H) forecasts (every window's errors averaged), float32 inputs, and m = 1?"""
    train = trend_season(93, 45, m=6)                                            # (45,)
    g = rng(94)
    y = torch.randn(3, 6, generator=g, dtype=F64) + 9                           # (3, 6)
    f = y + torch.randn(3, 6, generator=g, dtype=F64)                           # (3, 6)
    check_metric(student, "mase", [(y, f, train, 6), (y.float(), f.float(), train.float(), 6),
                                   (y[0], f[0], train, 1)], mase_ref, mase_mistakes)


@exercise("mase", points=1, forbid=MAE_BUILTINS + RMSE_BUILTINS)
def test_mase_scale_from_train(student):
    """Does the scale come from the training series only (a flat test period, whose own naive
    error is 0, changes nothing)?"""
    train = trend_season(95, 48, m=6, trend=0.4)                                 # (48,)
    y = torch.full((8,), 30.0, dtype=F64)                                        # (8,) flat
    f = y + (train[6:14] - train[:8])                                            # (8,)
    check_metric(student, "mase", [(y, f, train, 6), (y, y + 1.0, train, 3)],
                 mase_ref, mase_mistakes)


# ---------------------------------------------------------------- rolling_origin
def record_rolling(ns, series, start, horizon, step):
    """Probe: run ns['rolling_origin'] with a recording forecaster and metric.  Returns the
    errors, each forecaster call (history length, where the history starts in the series or
    -1) and each metric call (actual, whether the forecast is the forecaster's latest output,
    history length, history offset)."""
    import torch

    def offset(history):
        n = history.shape[0]
        if not isinstance(history, torch.Tensor) or n > series.shape[0]:
            return -1
        for off in range(series.shape[0] - n + 1):
            if torch.equal(series[off:off + n], history):
                return off
        return -1

    calls, metric_calls, latest = [], [], []

    def forecaster(history, horizon):
        history = torch.as_tensor(history)
        calls.append((int(history.shape[0]), offset(history), int(horizon)))
        out = history[-1] + 0.1 * torch.arange(1, int(horizon) + 1, dtype=history.dtype) \
            + 0.01 * history.shape[0]
        latest[:] = [out]
        return out.clone()

    def metric(actual, forecast, history):
        actual, forecast = torch.as_tensor(actual), torch.as_tensor(forecast)
        history = torch.as_tensor(history)
        n = min(actual.shape[0], forecast.shape[0])
        is_latest = bool(latest) and forecast.shape == latest[0].shape and \
            torch.equal(forecast, latest[0])
        metric_calls.append((actual.clone(), is_latest, int(history.shape[0]), offset(history)))
        return float((actual[:n] - forecast[:n]).abs().max()) + 0.001 * history.shape[0]

    errors = ns["rolling_origin"](series.clone(), forecaster, start, horizon, step, metric)
    return errors, calls, metric_calls


def metric_value(series, t, H) -> float:
    hist = series[:t]
    f = hist[-1] + 0.1 * torch.arange(1, H + 1, dtype=series.dtype) + 0.01 * t
    return float((series[t:t + H] - f).abs().max()) + 0.001 * t


def origin_of(actual, series, H) -> int | None:
    if type(actual) is not torch.Tensor or actual.dim() != 1:
        return None
    n = actual.shape[0]
    for t in range(series.shape[0] - n + 1):
        if torch.equal(series[t:t + n], actual):
            return t
    return None


def check_rolling(student, series, start, H, step) -> None:
    T = series.shape[0]
    what = (f"rolling_origin(series ({T},), forecaster, start={start}, horizon={H}, "
            f"step={step}, metric)")
    errors, calls, metric_calls = student.probe(record_rolling, series, start, H, step)
    origins = list(range(start, T - H + 1, step))
    lens = [c[0] for c in calls]
    if not calls:
        fail(f"{what} never calls the forecaster")
    if any(c[2] != H for c in calls):
        fail(f"{what} asks the forecaster for {calls[0][2]} values; pass horizon={H}")
    if any(off > 0 for _, off, _ in calls):
        fail(f"{what} gives the forecaster a window of fixed length that slides along; give it "
             "everything up to the origin, series[:t] (an expanding history)")
    if any(off < 0 for _, off, _ in calls):
        fail(f"{what} gives the forecaster a history that is not a stretch of the series; "
             "give it series[:t]")
    if not metric_calls:
        fail(f"{what} never calls metric; the errors are metric(actual, forecast, history)")
    if len(metric_calls) == len(calls):
        for (n, _, _), (actual, _, _, _) in zip(calls, metric_calls, strict=True):
            t = origin_of(actual, series, H)
            if t is not None and n > t:
                extra = ("series[:t + 1] includes the first value it must forecast"
                         if n == t + 1 else f"it saw {n - t} values past the origin")
                fail(f"{what}: the forecaster for origin {t} was given data past the origin "
                     f"(peeking: {extra}); give it series[:t] only")
    if lens and all(n == start for n in lens) and len(origins) > 1:
        fail(f"{what} gives the forecaster the same history series[:start] at every origin; "
             "the history grows with the origin, series[:t]")
    if lens != origins:
        if lens == origins[:-1]:
            fail(f"{what} drops the last origin: t = {origins[-1]} is allowed, since "
                 f"t + horizon = {origins[-1] + H} <= T = {T}")
        if lens[:len(origins)] == origins and len(lens) > len(origins):
            fail(f"{what} uses an origin t = {lens[len(origins)]} whose horizon runs past the "
                 f"end (t + horizon > T = {T}); stop at the last t with t + horizon <= T")
        fail(f"{what} forecasts from origins with histories of lengths {lens[:8]}"
             f"{'...' if len(lens) > 8 else ''}; expected t = start, start + step, ... while "
             "t + horizon <= T")
    for (actual, is_latest, n_hist, off), t in zip(metric_calls, origins, strict=False):
        if origin_of(actual, series, H) != t or actual.shape[0] != H:
            fail(f"{what}: at origin {t} the metric's actual values are not series[t:t + horizon]")
        if not is_latest:
            fail(f"{what}: at origin {t} the metric's forecast is not what the forecaster "
                 "returned")
        if n_hist != t or off != 0:
            fail(f"{what}: at origin {t} the metric's third argument is not the history "
                 "series[:t]")
    if len(metric_calls) != len(origins):
        fail(f"{what} calls the metric {len(metric_calls)} times for {len(origins)} origins")
    want = torch.tensor([metric_value(series, t, H) for t in origins], dtype=F64)
    if type(errors) is torch.Tensor and errors.dim() == 1 and errors.shape == want.shape:
        if not torch.allclose(errors.double(), want, rtol=1e-6, atol=1e-9):
            fail(f"{what}: errors[k] must be the value metric returned at origin k, in order")
    check_tensor(errors, want, f"the errors returned by {what}", rtol=1e-6, atol=1e-9)


def walk(seed: int, T: int) -> torch.Tensor:
    """A random walk with distinct values (T,)."""
    return torch.randn(T, generator=rng(seed), dtype=F64).cumsum(0) + 20


@exercise("rolling_origin", points=1, forbid=ROLLING_SK)
def test_rolling_origins_last_fits(student):
    """Are the origins start, start + step, ... up to and including the last t with
    t + horizon = T?"""
    check_rolling(student, walk(100, 61), 30, 7, 4)


@exercise("rolling_origin", points=1, forbid=ROLLING_SK)
def test_rolling_no_peeking(student):
    """Does the forecaster at origin t see exactly series[:t] (never data past the origin)?"""
    check_rolling(student, walk(101, 50), 20, 5, 6)


@exercise("rolling_origin", points=1, forbid=ROLLING_SK)
def test_rolling_step_one_horizon_one(student):
    """With step 1 and horizon 1 (one-step-ahead evaluation at every point)?"""
    check_rolling(student, walk(102, 25), 20, 1, 1)


@exercise("rolling_origin", points=1, forbid=ROLLING_SK)
def test_rolling_metric_arguments(student):
    """Is each error metric(series[t:t + H], forecast, series[:t]), returned as a 1-D tensor
    in origin order, with a step larger than the horizon?"""
    check_rolling(student, walk(103, 44), 12, 3, 8)


# ---------------------------------------------------------------- checkpoint questions
@exercise("q_n_windows", points=1)
def test_q_n_windows(student):
    """How many windows for T = 120, lookback 24, horizon 6?"""
    check_answer(student.value("q_n_windows"), "q_n_windows", "d90cd2858d785e00b36d", digits=0)


@exercise("q_scaler_leak", points=1)
def test_q_scaler_leak(student):
    """What leaks when the scaler is fitted on the whole series?"""
    check_answer(student.value("q_scaler_leak"), "q_scaler_leak", "e8a651117229f617ad8e")


@exercise("q_mase_meaning", points=1)
def test_q_mase_meaning(student):
    """What does MASE 0.8 mean?"""
    check_answer(student.value("q_mase_meaning"), "q_mase_meaning", "4ac9a9be9a938a0d75d4")


@exercise("q_n_origins", points=1)
def test_q_n_origins(student):
    """How many origins for T = 100, start 70, horizon 6, step 5?"""
    check_answer(student.value("q_n_origins"), "q_n_origins", "dbfc37c2cd78dd7c5eef", digits=0)
