"""Hidden grader for p3_forecasting/forecasting_project: windows and scaling without leakage,
the rolling-origin loop, MASE, and an LSTM forecaster that must beat the seasonal-naive
forecast (MASE < 1) on the CO2 series within a time budget.

prepare is compared with a float64 oracle on trending series (a scaler fitted on all the data
then has a visibly different mean) of distinct sizes; its windows are checked against the
student's own statistics, so a leaky scaler costs one case, not all. rolling_evaluate gets a
trusted forecaster (inside a probe) that logs every history it is given. The threshold case
trains the student's LSTMForecaster with a reference loop inside a probe on the CO2 series,
which the grader reads here from statsmodels' bundled CSV (without importing statsmodels) and
passes in; MASE is computed here from the returned forecasts."""

import csv
import importlib.util
from pathlib import Path

import torch

from dlcore.grading import check_number, check_tensor, exercise, fail, plain_tensor, rng
from dlcore.questions import check_answer
from dlcore.untrusted import wire


def close(a, b, tol=1e-6):
    return abs(float(a) - float(b)) <= tol * max(1.0, abs(float(b)))


def trending(T, seed, dtype=torch.float64):
    """Trend + yearly cycle + noise: every value distinct, the test period above the rest."""
    t = torch.arange(T, dtype=torch.float64)                                   # (T,)
    noise = 0.3 * torch.randn(T, generator=rng(seed), dtype=torch.float64)     # (T,)
    return (5.0 + 0.08 * t + 2.0 * torch.sin(2 * torch.pi * t / 12) + noise).to(dtype)


def ref_prepare(series, L, H, n_test, correction=0, fit_all=False):
    """The oracle (float64), or a scaler fitted on the whole series / with Bessel's correction."""
    s = series.double()
    train = s[: len(s) - n_test]                                               # (n,)
    fit = s if fit_all else train
    mean, std = fit.mean(), fit.std(correction=correction)
    w = ((train - mean) / std).unfold(0, L + H, 1)                             # (N, L + H)
    return w[:, :L], w[:, L:], float(mean), float(std)


def as_number(v, what):
    """A returned statistic as a float: a Python number or a one-element tensor."""
    if type(v) is torch.Tensor and v.numel() == 1 and v.dtype.is_floating_point:
        return float(v.item())
    if type(v) not in (int, float):
        fail(f"{what} should be a number, got {wire.type_name(v)}")
    return float(v)


def prepare_of(student, T, L, H, n_test, seed, dtype=torch.float64):
    series = trending(T, seed, dtype)
    call = f"prepare(series ({T},), lookback={L}, horizon={H}, n_test={n_test})"
    out = student.prepare(series, L, H, n_test)
    if not isinstance(out, tuple | list) or len(out) != 4:
        fail(f"{call} should return (X, y, mean, std), got {wire.type_name(out)}")
    X, y = plain_tensor(out[0], f"{call}: X"), plain_tensor(out[1], f"{call}: y")
    mean, std = as_number(out[2], f"{call}: mean"), as_number(out[3], f"{call}: std")
    return series, X, y, mean, std, call


def check_counts(series, X, y, L, H, n_test, call):
    T = len(series)
    n = T - n_test - L - H + 1
    if X.ndim != 2 or y.ndim != 2 or X.shape[1] != L or y.shape[1] != H:
        fail(f"{call}: X {tuple(X.shape)}, y {tuple(y.shape)}; expected (N, {L}) and (N, {H})")
    if X.shape[0] != y.shape[0]:
        fail(f"{call}: X has {X.shape[0]} windows but y {y.shape[0]}")
    N = X.shape[0]
    if N == T - L - H + 1:
        fail(f"{call}: {N} windows, over the whole series: the targets of the last "
             f"{n_test} windows reach into the test period. Window the training part "
             f"series[:T - n_test] only (N = {n})")
    if N > n:
        fail(f"{call}: {N} windows; only {n} have their targets inside the training part: "
             "the others leak test values into training")
    if N == n - 1:
        fail(f"{call}: {N} windows; the last one (targets ending at the last training value) "
             f"is missing: i runs over 0 .. T - n_test - lookback - horizon ({n} windows)")
    if N != n:
        fail(f"{call}: {N} windows; expected N = T - n_test - lookback - horizon + 1 = {n}")


@exercise("prepare", points=2)
def test_prepare_scaler_fitted_on_training_part(student):
    """Are mean and std those of the training part only (population std)?"""
    for T, L, H, n_test, seed in ((97, 13, 5, 24, 0), (150, 24, 7, 31, 1)):
        series, _, _, mean, std, call = prepare_of(student, T, L, H, n_test, seed)
        _, _, m_all, s_all = ref_prepare(series, L, H, n_test, fit_all=True)
        _, _, m, s = ref_prepare(series, L, H, n_test)
        if close(mean, m_all) or close(std, s_all):
            fail(f"{call}: mean/std are those of the whole series, test period included: "
                 "the scaler has seen the future. Fit them on series[:T - n_test] only")
        if close(mean, m) and close(std, ref_prepare(series, L, H, n_test, correction=1)[3]):
            fail(f"{call}: std uses Bessel's correction (n - 1); use the population std, "
                 "std(correction=0), like StandardScaler")
        if not close(mean, m, 1e-5):
            fail(f"{call}: mean is off by {abs(mean - m):.3g}; expected the mean of the "
                 "training part series[:T - n_test]")
        if not close(std, s, 1e-5):
            fail(f"{call}: std is off by {abs(std - s):.3g}; expected the population std of "
                 "the training part")


@exercise("prepare", points=1)
def test_prepare_windows_stay_in_training_part(student):
    """Are there exactly T - n_test - lookback - horizon + 1 windows (none into the test)?"""
    for T, L, H, n_test, seed in ((97, 13, 5, 24, 2), (64, 6, 11, 9, 3)):
        series, X, y, _, _, call = prepare_of(student, T, L, H, n_test, seed)
        check_counts(series, X, y, L, H, n_test, call)


@exercise("prepare", points=1)
def test_prepare_window_contents(student):
    """X[i] = z[i:i+L] and y[i] = z[i+L:i+L+H], z scaled with the returned mean and std?"""
    T, L, H, n_test = 88, 10, 6, 17
    series, X, y, mean, std, call = prepare_of(student, T, L, H, n_test, 4)
    check_counts(series, X, y, L, H, n_test, call)
    z = (series[: T - n_test] - mean) / std                                    # (n,)
    w = z.unfold(0, L + H, 1)                                                  # (N, L + H)
    raw = series[: T - n_test].unfold(0, L + H, 1)                             # (N, L + H)
    if torch.allclose(X.double(), raw[:, :L], atol=1e-6):
        fail(f"{call}: X holds the raw values; scale them, (x - mean) / std")
    check_tensor(X, w[:, :L], f"{call}: X (scaled with your mean and std)")
    if torch.allclose(y.double(), raw[:, L:], atol=1e-6):
        fail(f"{call}: y holds the raw values; scale the targets like the inputs")
    early = z.unfold(0, L + H - 1, 1)[: len(y), L - 1:]                        # (N, H)
    if tuple(early.shape) == tuple(y.shape) and torch.allclose(y.double(), early, atol=1e-5):
        fail(f"{call}: y[i] starts at the last input value z[i + lookback - 1]; the targets "
             "are the horizon values right after the window, z[i + lookback :]")
    check_tensor(y, w[:, L:], f"{call}: y (scaled with your mean and std)")


@exercise("prepare", points=1)
def test_prepare_matches_oracle_float32(student):
    """Several sizes, float32 in: X, y float32 and equal to the oracle's windows?"""
    for T, L, H, n_test, seed in ((71, 9, 4, 13, 5), (120, 30, 12, 25, 6)):
        series, X, y, mean, std, call = prepare_of(student, T, L, H, n_test, seed,
                                                   torch.float32)
        Xr, yr, m, s = ref_prepare(series, L, H, n_test)
        check_tensor(X, Xr, f"{call}: X", check_dtype=False)
        check_tensor(y, yr, f"{call}: y", check_dtype=False)
        if X.dtype != torch.float32 or y.dtype != torch.float32:
            fail(f"{call} with a float32 series returns X {X.dtype}, y {y.dtype}; keep the "
                 "series' dtype")
        check_number(mean, m, f"{call}: mean", rtol=1e-5)
        check_number(std, s, f"{call}: std", rtol=1e-5)


def no_test_probe(ns, series, lookback, horizon):
    """prepare with n_test = 0; any error reported by its type."""
    try:
        X, y, mean, std = ns["prepare"](series, lookback, horizon, 0)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001
        return {"error": type(exc).__name__[:40]}
    return {"X": X, "y": y, "mean": mean, "std": std}


@exercise("prepare", points=1)
def test_prepare_without_test_period(student):
    """n_test = 0: is the whole series the training part (series[:-0] is empty)?"""
    T, L, H = 50, 8, 5
    series = trending(T, 7)
    call = f"prepare(series ({T},), lookback={L}, horizon={H}, n_test=0)"
    student.value("prepare")
    r = student.probe(no_test_probe, series, L, H)
    empty = ("the training part is empty? series[:-n_test] is series[:0] when n_test = 0; "
             "use series[:len(series) - n_test]")
    if "error" in r:
        fail(f"{call} raised {r['error']}: {empty}")
    X = plain_tensor(r["X"], f"{call}: X")
    if X.ndim == 2 and X.shape[0] == 0:
        fail(f"{call} returned no windows: {empty}")
    Xr, yr, m, sd = ref_prepare(series, L, H, 0)
    check_tensor(X, Xr, f"{call}: X")
    check_tensor(r["y"], yr, f"{call}: y")
    check_number(as_number(r["mean"], f"{call}: mean"), m, f"{call}: mean", rtol=1e-5)
    check_number(as_number(r["std"], f"{call}: std"), sd, f"{call}: std", rtol=1e-5)


# ---------------------------------------------------------------- rolling_evaluate

def rolling_probe(ns, series, origins, horizon, catch=False):
    """rolling_evaluate with a trusted forecaster that logs each history it is given and
    forecasts mean(history[-3:]) + 0.25 * j (j = 1..horizon); with catch, any other error is
    reported by its type."""
    import torch

    log = []

    def forecaster(history, h):
        is_tensor = isinstance(history, torch.Tensor)
        hist = torch.as_tensor(history, dtype=torch.float64).reshape(-1)
        n = len(hist)
        log.append({"len": n, "h": h if isinstance(h, int) else repr(h), "tensor": is_tensor,
                    "prefix": n <= len(series) and torch.equal(hist, series[:n].double())})
        return hist[-3:].mean() + 0.25 * torch.arange(1, int(h) + 1, dtype=torch.float64)

    try:
        out = ns["rolling_evaluate"](series, forecaster, list(origins), horizon)
    except ValueError as exc:
        return {"value_error": str(exc)[:80], "log": log}
    except Exception as exc:  # noqa: BLE001
        if not catch or isinstance(exc, NotImplementedError):
            raise
        return {"other": type(exc).__name__[:40], "log": log}
    if not isinstance(out, torch.Tensor):
        return {"type": type(out).__name__, "log": log}
    return {"errors": out.detach().clone(), "log": log}


def fake_forecast(history, h):
    return history[-3:].mean() + 0.25 * torch.arange(1, h + 1, dtype=torch.float64)


def rolling_of(student, T, origins, horizon, seed):
    series = trending(T, seed)
    call = f"rolling_evaluate(series ({T},), forecaster, origins={origins}, horizon={horizon})"
    student.value("rolling_evaluate")
    r = student.probe(rolling_probe, series, origins, horizon)
    if "value_error" in r:
        fail(f"{call} raised ValueError ({r['value_error']}), but every origin has "
             f"{horizon} values after it")
    if "type" in r:
        fail(f"{call} should return a tensor (len(origins), horizon), got {r['type']}")
    return series, r, call


def check_histories(log, origins, horizon, T, call):
    lens = [e["len"] for e in log]
    if not all(e["tensor"] for e in log):
        fail(f"{call}: the forecaster got a history that is not a tensor; pass series[:o]")
    if any(e["h"] != horizon for e in log):
        fail(f"{call}: the forecaster was not called with horizon={horizon}")
    if lens == [o + 1 for o in origins]:
        fail(f"{call}: the forecaster got series[:o + 1], which includes the value at the "
             "origin it is asked to forecast; give it series[:o]")
    if lens and all(n == T for n in lens):
        fail(f"{call}: the forecaster got the whole series at every origin: it sees the "
             "values it forecasts. Give it series[:o]")
    if len(lens) != len(origins):
        fail(f"{call}: the forecaster was called {len(lens)} times for {len(origins)} "
             "origins; call it once per origin")
    if lens != list(origins):
        fail(f"{call}: the forecaster got histories of lengths {lens}; expected "
             f"{list(origins)} (series[:o] for each origin, in order)")
    if not all(e["prefix"] for e in log):
        fail(f"{call}: the histories have the right lengths but are not series[:o] (the "
             "first o values of the series, unchanged)")


@exercise("rolling_evaluate", points=1)
def test_rolling_histories(student):
    """Is the forecaster called once per origin, in order, with exactly series[:o]?"""
    T, origins, H = 80, [50, 56, 61, 70], 7
    _, r, call = rolling_of(student, T, origins, H, 10)
    check_histories(r["log"], origins, H, T, call)


def check_errors(series, r, origins, H, call):
    errors = plain_tensor(r["errors"], call)
    if tuple(errors.shape) == (H, len(origins)):
        fail(f"{call} has shape {tuple(errors.shape)}; expected (len(origins), horizon) = "
             f"{(len(origins), H)}: one row per origin")
    fc = torch.stack([fake_forecast(series[:o], H) for o in origins])           # (K, H)
    actual = torch.stack([series[o:o + H] for o in origins])                    # (K, H)
    want = actual - fc                                                          # (K, H)
    if tuple(errors.shape) == tuple(want.shape):
        e = errors.double()
        if torch.allclose(e, -want, atol=1e-5):
            fail(f"{call}: the errors are forecast - actual; the convention here is "
                 "actual - forecast")
        if torch.allclose(e, want.abs(), atol=1e-5) and not torch.allclose(want.abs(), want):
            fail(f"{call}: the errors are absolute values; return the signed errors "
                 "actual - forecast (mase takes the absolute value)")
        late = [series[o + 1:o + 1 + H] for o in origins if o + 1 + H <= len(series)]
        if len(late) == len(origins) and torch.allclose(e, torch.stack(late) - fc, atol=1e-5):
            fail(f"{call}: the actuals are series[o + 1 : o + 1 + horizon], one month late; "
                 "the forecast for lead time 1 is compared with series[o]")
    check_tensor(errors, want, f"{call}: errors")


@exercise("rolling_evaluate", points=1)
def test_rolling_errors_aligned(student):
    """errors[k, j] = series[o_k + j] - forecast_k[j], actual minus forecast?"""
    T, origins, H = 90, [40, 47, 55, 66, 71], 9
    series, r, call = rolling_of(student, T, origins, H, 11)
    check_histories(r["log"], origins, H, T, call)
    check_errors(series, r, origins, H, call)


@exercise("rolling_evaluate", points=1)
def test_rolling_last_origin_and_draws(student):
    """Other sizes, unevenly spaced origins, the last valid origin (o + horizon = T)?"""
    for T, origins, H, seed in ((60, [20, 33, 48], 12, 12), (45, [5, 9, 30, 31, 39, 41], 4, 13)):
        series, r, call = rolling_of(student, T, origins, H, seed)
        check_histories(r["log"], origins, H, T, call)
        check_errors(series, r, origins, H, call)


@exercise("rolling_evaluate", points=1)
def test_rolling_rejects_short_origin(student):
    """Does an origin followed by fewer than horizon values raise ValueError?"""
    series = trending(40, 14)
    student.value("rolling_evaluate")
    for origins, what in (([10, 30], "origin 30 has only 10 values after it"),
                          ([12, 0], "origin 0 has no history")):
        r = student.probe(rolling_probe, series, origins, 11, True)
        call = f"rolling_evaluate(series (40,), forecaster, origins={origins}, horizon=11)"
        if "other" in r:
            fail(f"{call} raised {r['other']}; check each origin first and raise ValueError "
                 f"({what})")
        if "value_error" not in r:
            fail(f"{call} should raise ValueError ({what}), not return a shorter or invented "
                 "comparison")


# ---------------------------------------------------------------- mase

def ref_mase(errors, train, m):
    return float(errors.double().abs().mean() / (train[m:] - train[:-m]).double().abs().mean())


@exercise("mase", points=1)
def test_mase_matches_definition(student):
    """mean|e| / in-sample seasonal-naive MAE, errors (K, H), season 12?"""
    g = rng(20)
    errors = torch.randn(4, 6, generator=g, dtype=torch.float64)               # (4, 6)
    train = trending(50, 21)                                                   # (50,)
    call = "mase(errors (4, 6), train (50,), season=12)"
    got = student.mase(errors, train, 12)
    want = ref_mase(errors, train, 12)
    if type(got) is torch.Tensor and got.numel() == 1:
        got = got.item()
    if type(got) in (int, float):
        if close(got, ref_mase(errors, train, 1), 1e-5):
            fail(f"{call}: the scale is the lag-1 naive error; MASE divides by the seasonal-"
                 "naive error, |train[t] - train[t - season]|")
        if close(got, float(errors.mean()) * want / float(errors.abs().mean()), 1e-5):
            fail(f"{call}: signed errors cancel out; average their absolute values")
        sq = float(errors.pow(2).mean() / (train[12:] - train[:-12]).pow(2).mean())
        if close(got, sq, 1e-5) or close(got, sq ** 0.5, 1e-5):
            fail(f"{call}: squared errors; MASE uses absolute errors")
    check_number(got, want, call, rtol=1e-5)


@exercise("mase", points=1)
def test_mase_other_season(student):
    """Season 7, errors (3, 5, 2), float32: the season argument is used?"""
    g = rng(22)
    errors = torch.randn(3, 5, 2, generator=g)                                 # (3, 5, 2)
    train = trending(33, 23, torch.float32)                                    # (33,)
    call = "mase(errors (3, 5, 2), train (33,), season=7)"
    got = student.mase(errors, train, 7)
    if type(got) in (int, float) and close(got, ref_mase(errors, train, 12), 1e-5):
        fail(f"{call}: the scale uses lag 12 whatever season is: use the season argument")
    check_number(got, ref_mase(errors, train, 7), call, rtol=1e-5)


# ---------------------------------------------------------------- LSTMForecaster

def model_probe(ns, horizon, hidden, shapes, seed):
    """Build LSTMForecaster(horizon, hidden=hidden); describe its LSTMs, and its outputs on
    windows of the given shapes, on each row alone, and with the last value moved."""
    import torch

    torch.manual_seed(seed)
    model = ns["LSTMForecaster"](horizon, hidden=hidden)
    if not isinstance(model, torch.nn.Module):
        return {"type": type(model).__name__}
    model.eval()
    lstms = [(m.input_size, m.hidden_size) for m in model.modules()
             if isinstance(m, torch.nn.LSTM)]
    if not lstms:
        return {"lstms": lstms}
    gen = torch.Generator().manual_seed(seed + 1)
    outs = []
    with torch.no_grad():
        for B, L in shapes:
            x = torch.randn(B, L, generator=gen)                                # (B, L)
            moved = x.clone()
            moved[:, -1] += 1.0
            outs.append({"out": model(x), "rows": [model(x[i:i + 1]) for i in range(B)],
                         "moved": model(moved)})
    return {"lstms": lstms, "outs": outs}


def model_of(student, horizon=7, hidden=20, shapes=((5, 36), (3, 17)), seed=30,
             check_hidden=False):
    student.value("LSTMForecaster")
    r = student.probe(model_probe, horizon, hidden, shapes, seed)
    what = f"LSTMForecaster({horizon}, hidden={hidden})"
    if "type" in r:
        fail(f"{what} should be an nn.Module, got {r['type']}")
    if not r["lstms"]:
        fail(f"{what} holds no nn.LSTM; the forecaster must read the window with one")
    if check_hidden and (1, hidden) not in r["lstms"]:
        fail(f"{what}: its nn.LSTM has (input_size, hidden_size) = {r['lstms'][0]}; expected "
             f"(1, {hidden}): one value per time step, hidden units as asked")
    for (B, L), o in zip(shapes, r["outs"], strict=True):
        out = plain_tensor(o["out"], f"{what} on x ({B}, {L})")
        if tuple(out.shape) != (B, horizon):
            fail(f"{what} maps x ({B}, {L}) to {tuple(out.shape)}; expected ({B}, {horizon})")
    return r, what


@exercise("LSTMForecaster", points=1)
def test_lstm_shapes(student):
    """An nn.LSTM(1, hidden) inside; (B, L) -> (B, horizon) for two window lengths?"""
    model_of(student, check_hidden=True)
    model_of(student, horizon=3, hidden=9, shapes=((4, 12), (2, 40)), seed=31, check_hidden=True)


@exercise("LSTMForecaster", points=1)
def test_lstm_rows_independent(student):
    """Is each row forecast from its own window only (batch_first)?"""
    shapes = ((6, 24), (4, 11))
    r, what = model_of(student, shapes=shapes, seed=32)
    for (B, L), o in zip(shapes, r["outs"], strict=True):
        rows = torch.cat([plain_tensor(t, what) for t in o["rows"]])            # (B, horizon)
        if not torch.allclose(o["out"].double(), rows.double(), atol=1e-5):
            fail(f"{what}: the forecast of a window depends on the other windows of the "
                 f"batch (x ({B}, {L})): nn.LSTM reads (seq, batch, feature) unless "
                 "batch_first=True")


@exercise("LSTMForecaster", points=1)
def test_lstm_uses_last_step(student):
    """Does the LSTM state that feeds the forecast see the most recent value of the window?"""
    r, what = model_of(student, shapes=((5, 30),), seed=33)
    o = r["outs"][0]
    delta = plain_tensor(o["moved"], what).double() - o["out"].double()          # (5, 7)
    if torch.allclose(delta, delta[:, :1].expand_as(delta), atol=1e-6):
        fail(f"{what}: moving the last value of every window by 1 shifts all forecasts of a "
             "window by the same amount (or not at all): the LSTM's output after the last "
             "time step, out[:, -1], must feed the forecast")


def threshold_probe(ns, series, lookback, horizon, n_test, origins, epochs, seed):
    """Train LSTMForecaster(horizon) with the reference loop (Adam, lr 0.01, MSE, batches of
    64) on the scaled windows of the training part; forecasts (raw units) at the origins."""
    import time

    import torch
    import torch.nn.functional as F

    train = series[: len(series) - n_test]
    mean, std = train.mean(), train.std(correction=0)
    windows = ((train - mean) / std).float().unfold(0, lookback + horizon, 1)  # (N, L + H)
    X, y = windows[:, :lookback], windows[:, lookback:]                        # (N, L), (N, H)
    start = time.perf_counter()
    torch.manual_seed(seed)
    model = ns["LSTMForecaster"](horizon)
    if not any(isinstance(m, torch.nn.LSTM) for m in model.modules()):
        return {"no_lstm": True}
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(len(X), generator=gen).split(64):
            loss = F.mse_loss(model(X[idx]), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    with torch.no_grad():
        recent = torch.stack([series[o - lookback:o] for o in origins])         # (K, L)
        out = model(((recent - mean) / std).float())                            # (K, H)
    seconds = time.perf_counter() - start
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (len(origins), horizon):
        return {"shape": str(getattr(out, "shape", type(out).__name__))}
    return {"forecasts": out.double() * std + mean, "seconds": seconds}


def co2_monthly():
    """Monthly means of statsmodels' weekly CO2 CSV, gaps interpolated (as the setup cell)."""
    root = Path(importlib.util.find_spec("statsmodels").submodule_search_locations[0])
    with open(root / "datasets" / "co2" / "co2.csv", newline="") as f:
        rows = [(int(r["date"][:4]), int(r["date"][4:6]), r["co2"].strip())
                for r in csv.DictReader(f)]
    sums = {}
    for y, m, v in rows:
        sums.setdefault((y, m), []).extend([float(v)] if v else [])
    months = [(y, m) for y in range(rows[0][0], rows[-1][0] + 1) for m in range(1, 13)
              if rows[0][:2] <= (y, m) <= rows[-1][:2]]
    x = torch.tensor([sum(sums.get(k, [])) / len(sums[k]) if sums.get(k) else float("nan")
                      for k in months], dtype=torch.float64)                     # (T,)
    idx = torch.arange(len(x))
    known = idx[~x.isnan()]
    for i in idx[x.isnan()].tolist():
        lo, hi = int(known[known < i].max()), int(known[known > i].min())
        x[i] = x[lo] + (x[hi] - x[lo]) * (i - lo) / (hi - lo)
    return x


def co2_like(T, seed):
    """A series the student cannot look up: CO2's shape (level, slightly curved trend, a
    two-harmonic 12-month cycle) with AR(1) noise drawn here."""
    t = torch.arange(T, dtype=torch.float64)                                   # (T,)
    shocks = 0.25 * torch.randn(T, generator=rng(seed), dtype=torch.float64)   # (T,)
    noise = torch.zeros(T, dtype=torch.float64)                                # (T,)
    for i in range(1, T):
        noise[i] = 0.7 * noise[i - 1] + shocks[i]
    phase = 2 * torch.pi * t / 12                                              # (T,)
    return (315 + 0.11 * t + 1e-4 * t ** 2 + 3.0 * torch.sin(phase)
            + 0.8 * torch.sin(2 * phase + 1.0) + noise)


LOOKBACK, HORIZON, N_TEST, SEASON = 36, 12, 60, 12
THRESHOLD, EPOCHS, BUDGET_S = 1.0, 20, 60


@exercise("LSTMForecaster", points=2, timeout=BUDGET_S)
def test_lstm_beats_seasonal_naive(student):
    """Trained 20 epochs with the reference loop, MASE < 1 at the 9 CO2 origins in 60 s, and
    better than seasonal-naive on a CO2-like series drawn here?"""
    series = co2_monthly()                                                     # (526,)
    T = len(series)
    origins = list(range(T - N_TEST, T - HORIZON + 1, 6))
    student.value("LSTMForecaster")
    r = student.probe(threshold_probe, series, LOOKBACK, HORIZON, N_TEST, origins, EPOCHS, 0)
    if "no_lstm" in r:
        fail(f"LSTMForecaster({HORIZON}) holds no nn.LSTM; this threshold is for an LSTM "
             "forecaster")
    if "shape" in r:
        fail(f"LSTMForecaster({HORIZON}) gives forecasts of shape {r['shape']} for the "
             f"{len(origins)} CO2 windows; expected ({len(origins)}, {HORIZON})")
    actual = torch.stack([series[o:o + HORIZON] for o in origins])              # (9, 12)
    train = series[: T - N_TEST]
    score = ref_mase(actual - r["forecasts"], train, SEASON)
    naive = torch.stack([series[o - SEASON:o] for o in origins])               # (9, 12)
    if score != score or score >= THRESHOLD:
        fail(f"trained {EPOCHS} epochs with the reference loop (Adam, lr 0.01, seed 0), "
             f"LSTMForecaster reaches MASE {score:.2f} at the {len(origins)} CO2 origins "
             f"(seasonal-naive: {ref_mase(actual - naive, train, SEASON):.2f}); below "
             f"{THRESHOLD} is required. Does it forecast the change from the last value?")
    if r["seconds"] > BUDGET_S:
        fail(f"training and forecasting took {r['seconds']:.0f} s; the budget is {BUDGET_S} s")
    # The CO2 record is public, so a forecaster could look the future up; it must also beat
    # seasonal-naive on a CO2-like series drawn here, trained the same way.
    other = co2_like(T, 7)                                                     # (526,)
    r = student.probe(threshold_probe, other, LOOKBACK, HORIZON, N_TEST, origins, EPOCHS, 0)
    if "forecasts" not in r:
        fail(f"LSTMForecaster({HORIZON}) gives no forecasts of shape ({len(origins)}, "
             f"{HORIZON}) on a second series")
    actual = torch.stack([other[o:o + HORIZON] for o in origins])              # (9, 12)
    train = other[: T - N_TEST]
    score = ref_mase(actual - r["forecasts"], train, SEASON)
    naive = ref_mase(actual - torch.stack([other[o - SEASON:o] for o in origins]), train, SEASON)
    if score != score or score >= naive:
        fail(f"on a second, CO2-like series (trend, 12-month season, noise; trained the same "
             f"way) LSTMForecaster reaches MASE {score:.2f} against seasonal-naive's "
             f"{naive:.2f}; it must beat seasonal-naive on a series it cannot look up too")
    if r["seconds"] > BUDGET_S:
        fail(f"training and forecasting took {r['seconds']:.0f} s; the budget is {BUDGET_S} s")


# ---------------------------------------------------------------- checkpoints

@exercise("q_leak", points=1)
def test_q_leak(student):
    """What is wrong with scaling the whole series before the split?"""
    check_answer(student.value("q_leak"), "q_leak", "86546a0df58fac191e0f")


@exercise("q_trend", points=1)
def test_q_trend(student):
    """Why does a level-output LSTM forecast too low in the test period?"""
    check_answer(student.value("q_trend"), "q_trend", "517da23dc3346ef117c8")


@exercise("q_naive_mase", points=1)
def test_q_naive_mase(student):
    """The in-sample MASE of the seasonal-naive forecast?"""
    check_answer(student.value("q_naive_mase"), "q_naive_mase", "9184d8dbac5a9d303f49")
