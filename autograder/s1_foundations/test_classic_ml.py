"""Hidden grader for s1_foundations/classic_ml: the chapter's deep-learning vs classic-ML table.

Oracles are scikit-learn fits computed here in float64 (LogisticRegression, Ridge, Lasso,
PolynomialFeatures) and torch built-ins (F.softshrink, torch.pdist). The pinned iterations
(gradient descent, coordinate descent) are also followed for a few steps against the
reference updates below, so feedback can say whether the start, the gradient scale or the
penalty is wrong before the converged answer is compared with sklearn."""

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits, make_classification
from sklearn.linear_model import Lasso, LogisticRegression, Ridge
from sklearn.preprocessing import PolynomialFeatures

from dlcore.grading import check_number, check_tensor, check_type, exercise, fail, rng
from dlcore.questions import check_answer

F64 = torch.float64
STEP_TOL = dict(rtol=1e-7, atol=1e-9)   # following a pinned iteration step by step
SK_TOL = dict(rtol=1e-6, atol=1e-6)     # closed forms vs sklearn
CONV_TOL = dict(rtol=1e-4, atol=1e-4)   # iterative solvers vs sklearn's optimum
OBJ_GAP = 1e-6                          # softmax regression: objective above sklearn's optimum

LOGREG_SK = ["sklearn.linear_model.LogisticRegression.fit",
             "sklearn.linear_model.LogisticRegressionCV.fit",
             "sklearn.linear_model.SGDClassifier.fit", "torch.optim.LBFGS.step"]
RIDGE_SK = ["sklearn.linear_model.Ridge.fit", "sklearn.linear_model.RidgeCV.fit",
            "sklearn.linear_model.ridge_regression", "sklearn.linear_model._ridge.ridge_regression",
            "sklearn.linear_model.LinearRegression.fit", "sklearn.kernel_ridge.KernelRidge.fit"]
SOLVERS = ["torch.linalg.solve", "torch.linalg.solve_ex", "torch.linalg.inv", "torch.linalg.inv_ex",
           "torch.linalg.lstsq", "torch.linalg.pinv", "torch.linalg.cholesky",
           "torch.cholesky_solve", "torch.inverse", "torch.Tensor.inverse", "torch.pinverse",
           "torch.Tensor.pinverse"]
LASSO_SK = ["sklearn.linear_model.Lasso.fit", "sklearn.linear_model.ElasticNet.fit",
            "sklearn.linear_model.LassoCV.fit", "sklearn.linear_model.lasso_path",
            "sklearn.linear_model.enet_path", "sklearn.linear_model.LassoLars.fit",
            "sklearn.linear_model.Lars.fit"]
SOFTSHRINK = ["torch.nn.functional.softshrink", "torch._C._nn.softshrink"]
POLY_SK = ["sklearn.preprocessing.PolynomialFeatures.fit_transform",
           "sklearn.preprocessing.PolynomialFeatures.transform",
           "sklearn.preprocessing.PolynomialFeatures.fit"]


def pair(got, what: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The student's (weights, bias) return value, checked to be a pair of tensors."""
    if not isinstance(got, list | tuple) or len(got) != 2:
        fail(f"{what} should return a pair (weights, bias)")
    w, b = got
    check_type(w, torch.Tensor, f"the weights returned by {what}")
    if isinstance(b, int | float):
        b = torch.tensor(float(b), dtype=F64)
    check_type(b, torch.Tensor, f"the bias returned by {what}")
    return w.detach().to(F64), b.detach().to(F64)


def randn(g: torch.Generator, *shape: int) -> torch.Tensor:
    return torch.randn(*shape, generator=g, dtype=F64)


# ---------------------------------------------------------------- softmax_regression_fit

def ref_softmax_gd(X, y, lam, steps, lr):
    """The pinned iteration: GD from zero on mean CE + lam/2 ||W||^2."""
    C = int(y.max()) + 1
    W, b = torch.zeros(C, X.shape[1], dtype=F64), torch.zeros(C, dtype=F64)  # (C, D), (C,)
    Y = F.one_hot(y, C).to(F64)                                              # (N, C)
    for _ in range(steps):
        G = (torch.softmax(X @ W.T + b, 1) - Y) / X.shape[0]                 # (N, C)
        W, b = W - lr * (G.T @ X + lam * W), b - lr * G.sum(0)
    return W, b


def softmax_objective(X, y, W, b, lam) -> float:
    return float(F.cross_entropy(X @ W.T + b, y) + 0.5 * lam * (W**2).sum())


def classification_data(seed: int, n: int, d: int, classes: int):
    X, y = make_classification(n_samples=n, n_features=d, n_informative=d - 2, n_redundant=1,
                               n_classes=classes, n_clusters_per_class=1, random_state=seed)
    X = (X - X.mean(0)) / X.std(0)
    return torch.tensor(X), torch.tensor(y)


def softmax_fit(student, X, y, lam, steps, lr, what):
    W, b = pair(student.softmax_regression_fit(X, y, lam, steps, lr), "softmax_regression_fit")
    C, D = int(y.max()) + 1, X.shape[1]
    if tuple(W.shape) != (C, D):
        fail(f"W has shape {tuple(W.shape)} {what}; expected (C, D) = {(C, D)} like "
             "nn.Linear.weight")
    if tuple(b.shape) != (C,):
        fail(f"b has shape {tuple(b.shape)} {what}; expected (C,) = {(C,)}")
    return W, b


def check_softmax_steps(student, X, y, lam, steps, lr, what):
    W, b = softmax_fit(student, X, y, lam, steps, lr, what)
    W_ref, b_ref = ref_softmax_gd(X, y, lam, steps, lr)
    check_tensor(W, W_ref, f"W {what}", **STEP_TOL)
    check_tensor(b, b_ref, f"b {what}", **STEP_TOL)


def check_softmax_optimum(student, X, y, C_reg, steps, lr, what):
    """Reach sklearn's optimum: objective gap, coef_, centred intercept, predictions."""
    N = len(y)
    lam = 1.0 / (C_reg * N)
    clf = LogisticRegression(C=C_reg, tol=1e-12, max_iter=20000).fit(X.numpy(), y.numpy())
    W_sk, b_sk = torch.tensor(clf.coef_), torch.tensor(clf.intercept_)      # (C, D), (C,)
    W, b = softmax_fit(student, X, y, lam, steps, lr, what)
    if not (torch.isfinite(W).all() and torch.isfinite(b).all()):
        fail(f"W or b contains NaN/inf {what}")
    gap = softmax_objective(X, y, W, b, lam) - softmax_objective(X, y, W_sk, b_sk, lam)
    if gap > OBJ_GAP:
        fail(f"the objective mean CE + lam/2 ||W||^2 at your (W, b) is {gap:.2e} above "
             f"sklearn's optimum {what} (tolerance {OBJ_GAP:.0e}); lam = 1/(C N)")
    check_tensor(W, W_sk, f"W vs LogisticRegression(C={C_reg}).coef_ {what}", **CONV_TOL)
    check_tensor(b - b.mean(), b_sk - b_sk.mean(),
                 f"b (up to a constant) vs intercept_ {what}", **CONV_TOL)
    agree = float(((X @ W.T + b).argmax(1) == torch.tensor(clf.predict(X.numpy()))).double().mean())
    if agree < 0.99:
        fail(f"your predictions agree with sklearn's on only {agree:.1%} of the points {what}")


@exercise("softmax_regression_fit", points=1, forbid=LOGREG_SK)
def test_softmax_one_step(student):
    """Is one step from W = 0, b = 0 the mean cross-entropy gradient step (lam = 0)?"""
    X, y = classification_data(0, 90, 5, 4)                     # (90, 5), 4 classes
    check_softmax_steps(student, X, y, 0.0, 1, 0.5, "after one step with lam = 0 (N=90, D=5, C=4)")


@exercise("softmax_regression_fit", points=1, forbid=LOGREG_SK)
def test_softmax_penalty_steps(student):
    """Do five steps with a strong penalty follow W -= lr (grad CE + lam W), b unpenalised?"""
    X, y = classification_data(1, 70, 6, 3)                     # (70, 6), 3 classes
    X = X + 0.5                                                 # off-centre: b moves a lot
    check_softmax_steps(student, X, y, 0.8, 5, 0.3,
                        "after five steps with lam = 0.8 (N=70, D=6, C=3)")


@exercise("softmax_regression_fit", points=1, forbid=LOGREG_SK, timeout=60)
def test_softmax_sklearn_strong(student):
    """Does it reach LogisticRegression(C=0.05)'s optimum with lam = 1/(C N)?"""
    X, y = classification_data(2, 240, 7, 3)                    # (240, 7)
    check_softmax_optimum(student, X, y, 0.05, 1500, 1.0, "(N=240, D=7, C=3, sklearn C=0.05)")


@exercise("softmax_regression_fit", points=1, forbid=LOGREG_SK, timeout=60)
def test_softmax_sklearn_weak(student):
    """Does it reach LogisticRegression(C=1)'s optimum (weak penalty, 4 classes)?"""
    X, y = classification_data(3, 200, 6, 4)                    # (200, 6)
    check_softmax_optimum(student, X, y, 1.0, 4000, 1.0, "(N=200, D=6, C=4, sklearn C=1)")


@exercise("softmax_regression_fit", points=1, forbid=LOGREG_SK, timeout=60)
def test_softmax_sklearn_digits(student):
    """Does it reach sklearn's optimum on 300 digits (64 pixels, 10 classes)?"""
    digits = load_digits()
    X = torch.tensor(digits.data[:300] / 16.0)                   # (300, 64)
    y = torch.tensor(digits.target[:300])                        # (300,)
    check_softmax_optimum(student, X, y, 0.05, 2500, 1.0, "(300 digits, D=64, C=10, C=0.05)")


# ---------------------------------------------------------------- ridge_closed_form

def regression_data(seed: int, n: int, d: int, offset: float = 1.0, y_offset: float = 3.0):
    g = rng(seed)
    X = randn(g, n, d) + offset * randn(g, d)                    # (n, d) off-centre columns
    y = X @ randn(g, d) + y_offset + 0.3 * randn(g, n)           # (n,)
    return X, y


def sk_ridge(X, y, alpha):
    m = Ridge(alpha=alpha).fit(X.numpy(), y.numpy())
    return torch.tensor(m.coef_), torch.tensor(float(m.intercept_), dtype=F64)


def check_ridge_closed(student, X, y, alpha, tol=SK_TOL):
    what = f"for X {tuple(X.shape)}, alpha = {alpha:g}"
    w, b = pair(student.ridge_closed_form(X, y, alpha), "ridge_closed_form")
    w_sk, b_sk = sk_ridge(X, y, alpha)
    check_tensor(w, w_sk, f"w vs sklearn Ridge {what}", **tol)
    if b.numel() != 1:
        fail(f"the intercept b returned by ridge_closed_form has shape {tuple(b.shape)}; "
             "expected a 0-dim tensor")
    check_number(float(b), float(b_sk), f"the intercept b vs sklearn Ridge {what}", **tol)


@exercise("ridge_closed_form", points=1, forbid=RIDGE_SK)
def test_ridge_tall(student):
    """Does it match sklearn Ridge on a tall X (N=40, D=6) for alpha 0.1, 1, 10?"""
    X, y = regression_data(10, 40, 6)
    for alpha in (0.1, 1.0, 10.0):
        check_ridge_closed(student, X, y, alpha)


@exercise("ridge_closed_form", points=1, forbid=RIDGE_SK)
def test_ridge_wide(student):
    """Does it match sklearn Ridge when N < D (N=12, D=20)?"""
    X, y = regression_data(11, 12, 20)
    for alpha in (0.5, 5.0):
        check_ridge_closed(student, X, y, alpha)


@exercise("ridge_closed_form", points=1, forbid=RIDGE_SK)
def test_ridge_unpenalised_intercept(student):
    """Is the intercept left unpenalised when features and target are far from 0?"""
    X, y = regression_data(12, 30, 4, offset=5.0, y_offset=100.0)
    check_ridge_closed(student, X, y, 50.0)


@exercise("ridge_closed_form", points=1, forbid=RIDGE_SK)
def test_ridge_extreme_alphas(student):
    """Is it right for a tiny (1e-3) and a huge (1e4) alpha?"""
    X, y = regression_data(13, 50, 5)
    for alpha in (1e-3, 1e4):
        check_ridge_closed(student, X, y, alpha)


@exercise("ridge_closed_form", points=1, forbid=RIDGE_SK)
def test_ridge_draws(student):
    """Is it right on several draws of distinct shapes?"""
    for seed, (n, d) in zip((14, 15, 16), [(25, 3), (60, 9), (7, 4)], strict=True):
        X, y = regression_data(seed, n, d)
        check_ridge_closed(student, X, y, 2.0)


# ---------------------------------------------------------------- ridge_gradient_descent

def ref_ridge_gd(X, y, alpha, lr, steps):
    N, D = X.shape
    w, b = torch.zeros(D, dtype=F64), torch.zeros((), dtype=F64)
    for _ in range(steps):
        r = y - X @ w - b                                             # (N,)
        w, b = w - lr * (-X.T @ r + alpha * w) / N, b + lr * r.sum() / N
    return w, b


def ridge_lr_steps(X, alpha, tol=1e-10):
    """Step 1/L and enough steps for the iterates to reach the optimum within ~tol."""
    N = X.shape[0]
    A = torch.cat([X, torch.ones(N, 1, dtype=F64)], 1)                # (N, D+1)
    H = A.T @ A / N
    H[:-1, :-1] += alpha / N * torch.eye(X.shape[1], dtype=F64)
    ev = torch.linalg.eigvalsh(H)                                     # (D+1,)
    L, mu = float(ev.max()), float(ev.min())
    return 1.0 / L, int(np.ceil(np.log(1 / tol) * L / mu))


def ridge_gd(student, X, y, alpha, lr, steps, what):
    w, b = pair(student.ridge_gradient_descent(X, y, alpha, lr, steps), "ridge_gradient_descent")
    if tuple(w.shape) != (X.shape[1],) or b.numel() != 1:
        fail(f"ridge_gradient_descent returned w {tuple(w.shape)} and b {tuple(b.shape)} {what}; "
             f"expected ({X.shape[1]},) and ()")
    return w, b.reshape(())


def check_ridge_steps(student, X, y, alpha, lr, steps, what):
    w, b = ridge_gd(student, X, y, alpha, lr, steps, what)
    w_ref, b_ref = ref_ridge_gd(X, y, alpha, lr, steps)
    check_tensor(w, w_ref, f"w {what}", **STEP_TOL)
    check_tensor(b, b_ref, f"b {what}", **STEP_TOL)


def check_ridge_converges(student, X, y, alpha):
    lr, steps = ridge_lr_steps(X, alpha)
    what = f"after {steps} steps of size 1/L for X {tuple(X.shape)}, alpha = {alpha:g}"
    w, b = ridge_gd(student, X, y, alpha, lr, steps, what)
    w_sk, b_sk = sk_ridge(X, y, alpha)
    check_tensor(w, w_sk, f"w vs sklearn Ridge(alpha) {what}", **CONV_TOL)
    check_tensor(b, b_sk, f"b vs sklearn Ridge(alpha) {what}", **CONV_TOL)


@exercise("ridge_gradient_descent", points=1, forbid=RIDGE_SK + SOLVERS)
def test_ridge_gd_one_step(student):
    """Is one step from w = 0, b = 0 equal to w = lr X^T y / N, b = lr mean(y)?"""
    X, y = regression_data(20, 35, 4)
    check_ridge_steps(student, X, y, 3.0, 0.05, 1, "after one step (N=35, D=4)")


@exercise("ridge_gradient_descent", points=1, forbid=RIDGE_SK + SOLVERS)
def test_ridge_gd_penalty_steps(student):
    """Do six steps with a large alpha follow the gradient (-X^T r + alpha w) / N?"""
    X, y = regression_data(21, 20, 7)
    check_ridge_steps(student, X, y, 40.0, 0.05, 6, "after six steps with alpha = 40 (N=20, D=7)")


@exercise("ridge_gradient_descent", points=1, forbid=RIDGE_SK + SOLVERS, timeout=60)
def test_ridge_gd_converges_tall(student):
    """Does it converge to sklearn Ridge(alpha) on a tall, off-centre X?"""
    X, y = regression_data(22, 60, 5, offset=0.7)
    check_ridge_converges(student, X, y, 8.0)


@exercise("ridge_gradient_descent", points=1, forbid=RIDGE_SK + SOLVERS, timeout=60)
def test_ridge_gd_converges_wide(student):
    """Does it converge to sklearn Ridge(alpha) when N < D?"""
    X, y = regression_data(23, 15, 25, offset=0.3)
    check_ridge_converges(student, X, y, 5.0)


# ---------------------------------------------------------------- soft_threshold

def check_soft(student, x, t, what):
    got = student.soft_threshold(x, t)
    expected = F.softshrink(x.to(F64), t)
    check_tensor(got, expected, f"soft_threshold(x, {t:g}) {what}")
    small = x.abs() <= t
    if isinstance(got, torch.Tensor) and small.any() and (got[small] != 0).any():
        fail(f"soft_threshold(x, {t:g}) {what}: {int((got[small] != 0).sum())} entries with "
             "|x| <= t are not exactly 0")


@exercise("soft_threshold", points=1, forbid=SOFTSHRINK)
def test_soft_random(student):
    """Does it match the soft-threshold on a random (3, 5) x for t = 0.7?"""
    x = 1.5 * torch.randn(3, 5, generator=rng(30))                        # (3, 5)
    check_soft(student, x, 0.7, "for a random x (3, 5)")


@exercise("soft_threshold", points=1, forbid=SOFTSHRINK)
def test_soft_edges(student):
    """Is t = 0 the identity and a huge t all zeros, on a 3-D x?"""
    x = torch.randn(2, 3, 4, generator=rng(31))                           # (2, 3, 4)
    check_soft(student, x, 0.0, "for x (2, 3, 4)")
    check_soft(student, x, 100.0, "for x (2, 3, 4)")


@exercise("soft_threshold", points=1, forbid=SOFTSHRINK)
def test_soft_boundary_float64(student):
    """Is it exact at |x| = t and just beyond, in float64?"""
    t = 0.25
    x = torch.tensor([-1.0, -0.25, -0.2500001, -0.1, 0.0, 0.1, 0.25, 0.2500001, 2.0],
                     dtype=F64)                                            # (9,)
    check_soft(student, x, t, "for float64 x around +-t")


# ---------------------------------------------------------------- lasso_coordinate_descent

def lasso_probe(ns, X, y, alpha, n_iter):
    """Sandbox probe: the student's lasso with a trusted soft_threshold in its globals, so a
    wrong soft_threshold costs only its own exercise."""
    import torch

    def soft_threshold(x, t):
        return torch.sign(x) * (x.abs() - t).clamp(min=0)

    fn = ns["lasso_coordinate_descent"]
    scope = getattr(fn, "__globals__", None)
    if scope is None:
        return fn(X, y, alpha, n_iter)
    had, saved = "soft_threshold" in scope, scope.get("soft_threshold")
    scope["soft_threshold"] = soft_threshold
    try:
        return fn(X, y, alpha, n_iter)
    finally:
        if had:
            scope["soft_threshold"] = saved
        else:
            scope.pop("soft_threshold", None)


def ref_lasso_cd(X, y, alpha, n_iter):
    N, D = X.shape
    xm, ym = X.mean(0), y.mean()
    Xc, r = X - xm, y - ym                                                 # (N, D), (N,)
    z, w = (Xc**2).sum(0), torch.zeros(D, dtype=F64)
    for _ in range(n_iter):
        for j in range(D):
            rho = Xc[:, j] @ r + z[j] * w[j]
            new = torch.sign(rho) * (rho.abs() - N * alpha).clamp(min=0) / z[j]
            r = r - Xc[:, j] * (new - w[j])
            w[j] = new
    return w, ym - xm @ w


def sparse_data(seed: int, n: int, d: int, k: int):
    """y = X w_true + 1.5 + noise with k non-zero coefficients of size 2..3."""
    g = rng(seed)
    X = randn(g, n, d) + randn(g, d)                                       # (n, d)
    w_true = torch.zeros(d, dtype=F64)
    idx = torch.randperm(d, generator=g)[:k]
    w_true[idx] = (2 + torch.rand(k, generator=g, dtype=F64)) * torch.sign(randn(g, k))
    return X, X @ w_true + 1.5 + 0.5 * randn(g, n)


def lasso(student, X, y, alpha, n_iter, what):
    w, b = pair(student.probe(lasso_probe, X, y, alpha, n_iter), "lasso_coordinate_descent")
    if tuple(w.shape) != (X.shape[1],) or b.numel() != 1:
        fail(f"lasso_coordinate_descent returned w {tuple(w.shape)} and b {tuple(b.shape)} "
             f"{what}; expected ({X.shape[1]},) and ()")
    return w, b.reshape(())


def check_lasso_sweeps(student, X, y, alpha, n_iter, what):
    w, b = lasso(student, X, y, alpha, n_iter, what)
    w_ref, b_ref = ref_lasso_cd(X, y, alpha, n_iter)
    check_tensor(w, w_ref, f"w {what}", **STEP_TOL)
    check_tensor(b, b_ref, f"b {what}", **STEP_TOL)


def check_lasso_sklearn(student, X, y, alpha, n_iter=200):
    what = f"for X {tuple(X.shape)}, alpha = {alpha:g}, n_iter = {n_iter}"
    m = Lasso(alpha=alpha, tol=1e-14, max_iter=1_000_000).fit(X.numpy(), y.numpy())
    w_sk, b_sk = torch.tensor(m.coef_), torch.tensor(float(m.intercept_), dtype=F64)
    w, b = lasso(student, X, y, alpha, n_iter, what)
    wrong = int(((w == 0) != (w_sk == 0)).sum())
    if wrong:
        fail(f"the zero pattern of w differs from sklearn Lasso's in {wrong} of {X.shape[1]} "
             f"coefficients {what} (exact zeros come from the soft-threshold)")
    check_tensor(w, w_sk, f"w vs sklearn Lasso {what}", **CONV_TOL)
    check_tensor(b, b_sk, f"b vs sklearn Lasso {what}", **CONV_TOL)


@exercise("lasso_coordinate_descent", points=1, forbid=LASSO_SK)
def test_lasso_one_sweep(student):
    """Does one cyclic sweep from w = 0 (Gauss-Seidel, threshold N alpha) match?"""
    X, y = sparse_data(40, 30, 8, 3)
    check_lasso_sweeps(student, X, y, 0.3, 1, "after one sweep (N=30, D=8, alpha=0.3)")


@exercise("lasso_coordinate_descent", points=1, forbid=LASSO_SK)
def test_lasso_three_sweeps(student):
    """Do three sweeps on off-centre data match, intercept included?"""
    X, y = sparse_data(41, 25, 6, 2)
    X = X + 4.0                                                            # (25, 6)
    check_lasso_sweeps(student, X, y, 0.5, 3, "after three sweeps (N=25, D=6, alpha=0.5)")


@exercise("lasso_coordinate_descent", points=1, forbid=LASSO_SK, timeout=60)
def test_lasso_sklearn_tall(student):
    """Does it reach sklearn Lasso's coefficients and zero pattern (N=60, D=15)?"""
    X, y = sparse_data(42, 60, 15, 4)
    check_lasso_sklearn(student, X, y, 0.3)


@exercise("lasso_coordinate_descent", points=1, forbid=LASSO_SK, timeout=60)
def test_lasso_sklearn_wide(student):
    """Does it reach sklearn Lasso's solution when N < D (N=30, D=45)?"""
    X, y = sparse_data(43, 30, 45, 4)
    check_lasso_sklearn(student, X, y, 0.4)


@exercise("lasso_coordinate_descent", points=1, forbid=LASSO_SK, timeout=60)
def test_lasso_sklearn_alphas(student):
    """Is it right for a small and a large alpha (few and many zeros)?"""
    X, y = sparse_data(44, 50, 12, 5)
    for alpha in (0.02, 1.5):
        check_lasso_sklearn(student, X, y, alpha)


# ---------------------------------------------------------------- solution_spread

def check_spread(student, sols, what):
    expected = float(torch.pdist(torch.stack([s.reshape(-1).to(F64) for s in sols])).max())
    check_number(student.solution_spread(sols), expected, f"solution_spread {what}",
                 rtol=1e-5, atol=1e-6)


@exercise("solution_spread", points=1)
def test_spread_vectors(student):
    """Is it the largest pairwise distance among 5 random vectors (7,)?"""
    g = rng(50)
    check_spread(student, [torch.randn(7, generator=g) for _ in range(5)], "of 5 vectors (7,)")


@exercise("solution_spread", points=1)
def test_spread_far_pair_inside(student):
    """Does every pair count (the farthest pair neither adjacent nor involving the first)?"""
    g = rng(51)
    base = torch.randn(3, 4, generator=g)                                  # (3, 4)
    sols = [base + 0.1 * torch.randn(3, 4, generator=g) for _ in range(5)]
    sols[1] = base + 2.0
    sols[3] = base - 2.0
    check_spread(student, sols, "of 5 matrices (3, 4)")


@exercise("solution_spread", points=1)
def test_spread_edges(student):
    """Is it 0 for identical solutions, and right for K = 2 and K = 8 of shape (2, 3, 2)?"""
    x = torch.randn(2, 3, 2, generator=rng(52))                            # (2, 3, 2)
    check_number(student.solution_spread([x, x.clone(), x.clone()]), 0.0,
                 "solution_spread of three identical tensors", atol=1e-9)
    g = rng(53)
    check_spread(student, [x, torch.randn(2, 3, 2, generator=g)], "of 2 tensors (2, 3, 2)")
    check_spread(student, [torch.randn(2, 3, 2, generator=g) for _ in range(8)],
                 "of 8 tensors (2, 3, 2)")


# ---------------------------------------------------------------- poly2_features

def check_poly(student, X, what, check_dtype=False):
    expected = torch.tensor(PolynomialFeatures(degree=2).fit_transform(X.double().numpy()))
    expected = expected.to(X.dtype) if check_dtype else expected       # dtype is checked too
    got = student.poly2_features(X)
    if isinstance(got, torch.Tensor) and tuple(got.shape) == tuple(expected.shape):
        D = X.shape[1]
        check_tensor(got[:, :1], expected[:, :1], f"the bias column of poly2_features {what}",
                     rtol=1e-6, atol=1e-6)
        check_tensor(got[:, 1:D + 1], expected[:, 1:D + 1],
                     f"the linear columns 1..D of poly2_features {what}", rtol=1e-6, atol=1e-6)
    check_tensor(got, expected, f"poly2_features {what} (order: 1, x_i, then x_i x_j for i <= j)",
                 rtol=1e-6, atol=1e-6, check_dtype=check_dtype)


@exercise("poly2_features", points=1, forbid=POLY_SK)
def test_poly_matches_sklearn(student):
    """Does it match PolynomialFeatures(degree=2) on X (5, 3)?"""
    check_poly(student, randn(rng(60), 5, 3), "for X (5, 3)")


@exercise("poly2_features", points=1, forbid=POLY_SK)
def test_poly_many_features(student):
    """Is the order right for D = 6 > N = 4 (21 product columns)?"""
    check_poly(student, randn(rng(61), 4, 6), "for X (4, 6)")


@exercise("poly2_features", points=1, forbid=POLY_SK)
def test_poly_one_feature(student):
    """Is it [1, x, x^2] for a single feature?"""
    check_poly(student, randn(rng(62), 7, 1), "for X (7, 1)")


@exercise("poly2_features", points=1, forbid=POLY_SK)
def test_poly_float32(student):
    """Does a float32 X give float32 features, on two draws (3, 2) and (9, 4)?"""
    for seed, shape in ((63, (3, 2)), (64, (9, 4))):
        X = torch.randn(*shape, generator=rng(seed))                     # float32
        check_poly(student, X, f"for float32 X {shape}", check_dtype=True)


# ---------------------------------------------------------------- checkpoints

@exercise("q_lam_from_C", points=1)
def test_q_lam_from_C(student):
    """Which lam reproduces LogisticRegression(C=0.25) on N = 800 points?"""
    value = student.value("q_lam_from_C")
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = float(value)
    check_answer(value, "q_lam_from_C", "55995b26288df8055a81", digits=4)


@exercise("q_sparsity", points=1)
def test_q_sparsity(student):
    """Why does the Lasso give exact zeros and Ridge not?"""
    check_answer(student.value("q_sparsity"), "q_sparsity", "673612b8bcb48eac6511")


@exercise("q_seeds", points=1)
def test_q_seeds(student):
    """What did five starts show for the convex and the non-convex model?"""
    check_answer(student.value("q_seeds"), "q_seeds", "f4a9ef2cd66df643f2f4")


@exercise("q_features", points=1)
def test_q_features(student):
    """Which wins on digits, hand-made ink sums or learned features, and why?"""
    check_answer(student.value("q_features"), "q_features", "333574513ce4aed19537")

