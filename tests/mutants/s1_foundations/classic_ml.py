"""Wrong and correct answers for s1_foundations/classic_ml, each replacing a whole answer cell."""

SOFTMAX_HEAD = '''
def softmax_regression_fit(X, y, lam, steps, lr):
    N, D = X.shape
    C = int(y.max()) + 1
    Y = F.one_hot(y, C).to(X.dtype)
'''
SOFTMAX_ZERO = '''
    W = torch.zeros(C, D, dtype=X.dtype)
    b = torch.zeros(C, dtype=X.dtype)
'''


def softmax_loop(grad_w: str, grad_b: str, init: str = SOFTMAX_ZERO, logits: str = "X @ W.T + b",
                 residual: str = "torch.softmax(Z, dim=1) - Y") -> str:
    return SOFTMAX_HEAD + init + f'''
    for _ in range(steps):
        Z = {logits}
        G = {residual}
        W, b = W - lr * ({grad_w}), b - lr * ({grad_b})
    return W, b
'''


SOFTMAX_WRONG = {
    "forbidden_sklearn": (SOFTMAX_HEAD + '''
    from sklearn.linear_model import LogisticRegression
    clf = LogisticRegression(C=1 / (max(lam, 1e-12) * N), tol=1e-12, max_iter=10000)
    clf.fit(X.numpy(), y.numpy())
    return torch.tensor(clf.coef_), torch.tensor(clf.intercept_)
''', "implement yourself"),
    "sum_not_mean": softmax_loop("G.T @ X + lam * W", "G.sum(0)"),
    "penalty_gradient_2lam": softmax_loop("G.T @ X / N + 2 * lam * W", "G.sum(0) / N"),
    "penalises_bias": softmax_loop("G.T @ X / N + lam * W", "G.sum(0) / N + lam * b"),
    "random_init": softmax_loop("G.T @ X / N + lam * W", "G.sum(0) / N", init='''
    W = 0.01 * torch.randn(C, D, dtype=X.dtype)
    b = torch.zeros(C, dtype=X.dtype)
'''),
    "mse_on_one_hot": softmax_loop("2 * G.T @ X / N + lam * W", "2 * G.sum(0) / N",
                                   residual="Z - Y"),
    "transposed_weights": (SOFTMAX_HEAD + '''
    W = torch.zeros(D, C, dtype=X.dtype)
    b = torch.zeros(C, dtype=X.dtype)
    for _ in range(steps):
        G = (torch.softmax(X @ W + b, dim=1) - Y) / N
        W, b = W - lr * (X.T @ G + lam * W), b - lr * G.sum(0)
    return W, b
''', "expected (C, D)"),
}

SOFTMAX_CORRECT = {
    "autograd_sgd": '''
def softmax_regression_fit(X, y, lam, steps, lr):
    C = int(y.max()) + 1
    W = torch.zeros(C, X.shape[1], dtype=X.dtype, requires_grad=True)
    b = torch.zeros(C, dtype=X.dtype, requires_grad=True)
    opt = torch.optim.SGD([W, b], lr=lr)
    for _ in range(steps):
        loss = F.cross_entropy(X @ W.T + b, y) + 0.5 * lam * (W * W).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return W.detach(), b.detach()
''',
    "augmented_bias_column": '''
def softmax_regression_fit(X, y, lam, steps, lr):
    N, D = X.shape
    C = int(y.max()) + 1
    X1 = torch.cat([X, torch.ones(N, 1, dtype=X.dtype)], dim=1)
    mask = torch.ones(D + 1, dtype=X.dtype)
    mask[-1] = 0.0
    theta = torch.zeros(C, D + 1, dtype=X.dtype)
    Y = torch.zeros(N, C, dtype=X.dtype)
    Y[torch.arange(N), y] = 1.0
    for _ in range(steps):
        logits = X1 @ theta.T
        P = torch.exp(logits - torch.logsumexp(logits, dim=1, keepdim=True))
        theta = theta - lr * ((P - Y).T @ X1 / N + lam * theta * mask)
    return theta[:, :D], theta[:, D]
''',
    "autograd_grad": '''
def softmax_regression_fit(X, y, lam, steps, lr):
    C = int(y.max()) + 1
    W = torch.zeros(C, X.shape[1], dtype=X.dtype)
    b = torch.zeros(C, dtype=X.dtype)
    for _ in range(steps):
        W.requires_grad_(True)
        b.requires_grad_(True)
        logp = (X @ W.T + b).log_softmax(dim=1)
        loss = -logp[torch.arange(len(y)), y].mean() + lam / 2 * W.pow(2).sum()
        gW, gb = torch.autograd.grad(loss, [W, b])
        W, b = (W - lr * gW).detach(), (b - lr * gb).detach()
    return W, b
''',
}

RIDGE_HEAD = '''
def ridge_closed_form(X, y, alpha):
    N, D = X.shape
    I = torch.eye(D, dtype=X.dtype)
    xm, ym = X.mean(0), y.mean()
    Xc, yc = X - xm, y - ym
'''

RIDGE_WRONG = {
    "forbidden_sklearn_ridge": (RIDGE_HEAD + '''
    from sklearn.linear_model import Ridge
    m = Ridge(alpha=alpha).fit(X.numpy(), y.numpy())
    return torch.tensor(m.coef_), torch.tensor(m.intercept_)
''', "implement yourself"),
    "forbidden_ridge_regression": (RIDGE_HEAD + '''
    from sklearn.linear_model import ridge_regression
    w = torch.tensor(ridge_regression(Xc.numpy(), yc.numpy(), alpha))
    return w, ym - xm @ w
''', "ridge_regression"),
    "penalises_intercept": RIDGE_HEAD + '''
    A = torch.cat([X, torch.ones(N, 1, dtype=X.dtype)], dim=1)
    theta = torch.linalg.solve(A.T @ A + alpha * torch.eye(D + 1, dtype=X.dtype), A.T @ y)
    return theta[:D], theta[D]
''',
    "no_centering": RIDGE_HEAD + '''
    w = torch.linalg.solve(X.T @ X + alpha * I, X.T @ y)
    return w, torch.zeros((), dtype=X.dtype)
''',
    "uncentred_w_then_intercept": RIDGE_HEAD + '''
    w = torch.linalg.solve(X.T @ X + alpha * I, X.T @ y)
    return w, ym - xm @ w
''',
    "alpha_scaled_by_N": RIDGE_HEAD + '''
    w = torch.linalg.solve(Xc.T @ Xc / N + alpha * I, Xc.T @ yc / N)
    return w, ym - xm @ w
''',
    "intercept_is_mean_y": RIDGE_HEAD + '''
    w = torch.linalg.solve(Xc.T @ Xc + alpha * I, Xc.T @ yc)
    return w, ym
''',
    "dual_form_uncentred": RIDGE_HEAD + '''
    w = X.T @ torch.linalg.solve(X @ X.T + alpha * torch.eye(N, dtype=X.dtype), y)
    return w, torch.zeros((), dtype=X.dtype)
''',
}

RIDGE_CORRECT = {
    "dual_form_centred": RIDGE_HEAD + '''
    w = Xc.T @ torch.linalg.solve(Xc @ Xc.T + alpha * torch.eye(N, dtype=X.dtype), yc)
    return w, ym - xm @ w
''',
    "lstsq_on_augmented_rows": RIDGE_HEAD + '''
    A = torch.cat([Xc, alpha ** 0.5 * I], dim=0)
    t = torch.cat([yc, torch.zeros(D, dtype=X.dtype)])
    w = torch.linalg.lstsq(A, t.unsqueeze(1)).solution.squeeze(1)
    return w, ym - xm @ w
''',
    "intercept_unpenalised_block_system": RIDGE_HEAD + '''
    A = torch.cat([X, torch.ones(N, 1, dtype=X.dtype)], dim=1)
    P = torch.zeros(D + 1, D + 1, dtype=X.dtype)
    P[:D, :D] = alpha * I
    theta = torch.linalg.solve(A.T @ A + P, A.T @ y)
    return theta[:D], theta[D]
''',
}

GD_HEAD = '''
def ridge_gradient_descent(X, y, alpha, lr, steps):
    N, D = X.shape
    w = torch.zeros(D, dtype=X.dtype)
    b = torch.zeros((), dtype=X.dtype)
'''


def gd_loop(grad_w: str, grad_b: str, data: str = "X") -> str:
    return GD_HEAD + f'''
    for _ in range(steps):
        r = y - {data} @ w - b
        w, b = w - lr * ({grad_w}), b - lr * ({grad_b})
    return w, b
'''


GD_WRONG = {
    "forbidden_closed_form_solve": (GD_HEAD + '''
    xm, ym = X.mean(0), y.mean()
    Xc = X - xm
    w = torch.linalg.solve(Xc.T @ Xc + alpha * torch.eye(D, dtype=X.dtype), Xc.T @ (y - ym))
    return w, ym - xm @ w
''', "implement yourself"),
    "forbidden_sklearn": GD_HEAD + '''
    from sklearn.linear_model import Ridge
    m = Ridge(alpha=alpha).fit(X.numpy(), y.numpy())
    return torch.tensor(m.coef_), torch.tensor(m.intercept_)
''',
    "penalty_not_divided_by_N": gd_loop("-X.T @ r / N + alpha * w", "-r.sum() / N"),
    "penalises_intercept": gd_loop("(-X.T @ r + alpha * w) / N", "(-r.sum() + alpha * b) / N"),
    "sum_loss_gradient": gd_loop("-X.T @ r + alpha * w", "-r.sum()"),
    "gradient_twice_too_big": gd_loop("2 * (-X.T @ r + alpha * w) / N", "-2 * r.sum() / N"),
    "sequential_update": GD_HEAD + '''
    for _ in range(steps):
        r = y - X @ w - b
        w = w - lr * (-X.T @ r + alpha * w) / N
        b = b + lr * (y - X @ w - b).sum() / N
    return w, b
''',
    "centres_X_first": GD_HEAD + '''
    xm, ym = X.mean(0), y.mean()
    Xc, yc = X - xm, y - ym
    for _ in range(steps):
        r = yc - Xc @ w
        w = w - lr * (-Xc.T @ r + alpha * w) / N
    return w, ym - xm @ w
''',
}

GD_CORRECT = {
    "autograd_grad": '''
def ridge_gradient_descent(X, y, alpha, lr, steps):
    N = X.shape[0]
    w = X.new_zeros(X.shape[1])
    b = X.new_zeros(())
    for _ in range(steps):
        w.requires_grad_(True)
        b.requires_grad_(True)
        J = (((y - X @ w - b) ** 2).sum() + alpha * (w ** 2).sum()) / (2 * N)
        gw, gb = torch.autograd.grad(J, [w, b])
        w, b = (w - lr * gw).detach(), (b - lr * gb).detach()
    return w, b
''',
    "torch_sgd_augmented": '''
def ridge_gradient_descent(X, y, alpha, lr, steps):
    N, D = X.shape
    theta = torch.zeros(D + 1, dtype=X.dtype, requires_grad=True)
    A = torch.cat([X, torch.ones(N, 1, dtype=X.dtype)], dim=1)
    opt = torch.optim.SGD([theta], lr=lr)
    for _ in range(steps):
        loss = ((A @ theta - y).pow(2).mean() + alpha / N * theta[:D].pow(2).sum()) / 2
        opt.zero_grad()
        loss.backward()
        opt.step()
    theta = theta.detach()
    return theta[:D], theta[D]
''',
}

SOFT_HEAD = "def soft_threshold(x, t):\n"
SOFT = {
    "wrong": {
        "forbidden_softshrink": (SOFT_HEAD + "    return F.softshrink(x, t)", "softshrink"),
        "forbidden_module": SOFT_HEAD + "    return nn.Softshrink(t)(x)",
        "clamp": SOFT_HEAD + "    return x.clamp(-t, t)",
        "forgets_sign": SOFT_HEAD + "    return (x.abs() - t).clamp(min=0)",
        "hard_threshold": SOFT_HEAD + "    return x * (x.abs() > t)",
        "shift_without_zeroing": SOFT_HEAD + "    return x - t * torch.sign(x)",
    },
    "correct": {
        "nested_where": SOFT_HEAD + "    zero = torch.zeros_like(x)\n"
                                    "    return torch.where(x > t, x - t, torch.where(x < -t, "
                                    "x + t, zero))",
        "two_relus": SOFT_HEAD + "    return F.relu(x - t) - F.relu(-x - t)",
    },
}

LASSO_HEAD = '''
def lasso_coordinate_descent(X, y, alpha, n_iter):
    N, D = X.shape
    xm, ym = X.mean(0), y.mean()
    Xc = X - xm
    r = y - ym
    z = (Xc ** 2).sum(0)
    w = torch.zeros(D, dtype=X.dtype)
'''


def lasso_loop(body: str) -> str:
    return LASSO_HEAD + f'''
    for _ in range(n_iter):
        for j in range(D):
{body}
    return w, ym - xm @ w
'''


LASSO_WRONG = {
    "forbidden_sklearn": (LASSO_HEAD + '''
    from sklearn.linear_model import Lasso
    m = Lasso(alpha=alpha, tol=1e-12, max_iter=100000).fit(X.numpy(), y.numpy())
    return torch.tensor(m.coef_), torch.tensor(m.intercept_)
''', "implement yourself"),
    "clamp_instead_of_soft_threshold": lasso_loop('''
            rho = Xc[:, j] @ r + z[j] * w[j]
            new = rho.clamp(-N * alpha, N * alpha) / z[j]
            r = r - Xc[:, j] * (new - w[j])
            w[j] = new'''),
    "threshold_missing_N": lasso_loop('''
            rho = Xc[:, j] @ r + z[j] * w[j]
            new = soft_threshold(rho, alpha) / z[j]
            r = r - Xc[:, j] * (new - w[j])
            w[j] = new'''),
    "forgets_own_contribution": lasso_loop('''
            rho = Xc[:, j] @ r
            new = soft_threshold(rho, N * alpha) / z[j]
            r = r - Xc[:, j] * (new - w[j])
            w[j] = new'''),
    "jacobi_sweep": LASSO_HEAD + '''
    for _ in range(n_iter):
        rho = Xc.T @ r + z * w
        new = soft_threshold(rho, N * alpha) / z
        r = r - Xc @ (new - w)
        w = new
    return w, ym - xm @ w
''',
    "shrinks_intercept": '''
def lasso_coordinate_descent(X, y, alpha, n_iter):
    N, D = X.shape
    A = torch.cat([X, torch.ones(N, 1, dtype=X.dtype)], dim=1)
    z = (A ** 2).sum(0)
    w = torch.zeros(D + 1, dtype=X.dtype)
    r = y.clone()
    for _ in range(n_iter):
        for j in range(D + 1):
            rho = A[:, j] @ r + z[j] * w[j]
            new = soft_threshold(rho, N * alpha) / z[j]
            r = r - A[:, j] * (new - w[j])
            w[j] = new
    return w[:D], w[D]
''',
    "no_centering": '''
def lasso_coordinate_descent(X, y, alpha, n_iter):
    N, D = X.shape
    z = (X ** 2).sum(0)
    w = torch.zeros(D, dtype=X.dtype)
    r = y.clone()
    for _ in range(n_iter):
        for j in range(D):
            rho = X[:, j] @ r + z[j] * w[j]
            new = soft_threshold(rho, N * alpha) / z[j]
            r = r - X[:, j] * (new - w[j])
            w[j] = new
    return w, y.mean() - X.mean(0) @ w
''',
}

LASSO_CORRECT = {
    "recomputed_residual_inline_threshold": LASSO_HEAD + '''
    yc = y - ym
    for _ in range(n_iter):
        for j in range(D):
            r_j = yc - Xc @ w + Xc[:, j] * w[j]
            rho = Xc[:, j] @ r_j
            t = N * alpha
            w[j] = torch.where(rho > t, rho - t, torch.where(rho < -t, rho + t, 0 * rho)) / z[j]
    return w, ym - xm @ w
''',
    "threshold_after_dividing": lasso_loop('''
            old = w[j].clone()
            w[j] = soft_threshold(Xc[:, j] @ r / z[j] + old, N * alpha / z[j])
            r = r - Xc[:, j] * (w[j] - old)'''),
}

SPREAD_HEAD = "def solution_spread(solutions):\n"
SPREAD = {
    "wrong": {
        "adjacent_pairs_only": SPREAD_HEAD +
            "    return max((a - b).norm().item() for a, b in zip(solutions, solutions[1:]))",
        "distance_to_first_only": SPREAD_HEAD +
            "    return max((solutions[0] - s).norm().item() for s in solutions[1:])",
        "mean_pairwise_distance": SPREAD_HEAD +
            "    flat = torch.stack([s.flatten() for s in solutions])\n"
            "    return torch.pdist(flat).mean().item()",
        "squared_distance": SPREAD_HEAD +
            "    flat = torch.stack([s.flatten() for s in solutions])\n"
            "    return (torch.pdist(flat) ** 2).max().item()",
        "max_abs_entry": SPREAD_HEAD +
            "    flat = torch.stack([s.flatten() for s in solutions])\n"
            "    return (flat[:, None] - flat[None]).abs().max().item()",
    },
    "correct": {
        "cdist": SPREAD_HEAD +
            "    flat = torch.stack([s.reshape(-1).double() for s in solutions])\n"
            "    return float(torch.cdist(flat, flat).max())",
        "itertools_pairs": SPREAD_HEAD +
            "    import itertools\n"
            "    return max(float(torch.linalg.norm(a - b)) for a, b in "
            "itertools.combinations(solutions, 2))",
    },
}

POLY_HEAD = '''
def poly2_features(X):
    N, D = X.shape
    ones = torch.ones(N, 1, dtype=X.dtype)
'''
POLY = {
    "wrong": {
        "forbidden_sklearn": (POLY_HEAD + '''
    from sklearn.preprocessing import PolynomialFeatures
    out = PolynomialFeatures(degree=2).fit_transform(X.numpy())
    return torch.tensor(out, dtype=X.dtype)
''', "implement yourself"),
        "no_bias_column": (POLY_HEAD + '''
    prods = [X[:, i] * X[:, j] for i in range(D) for j in range(i, D)]
    return torch.cat([X, torch.stack(prods, 1)], 1)
''', "has shape"),
        "all_ordered_pairs": POLY_HEAD + '''
    prods = (X[:, :, None] * X[:, None, :]).reshape(N, D * D)
    return torch.cat([ones, X, prods], 1)
''',
        "interaction_only": POLY_HEAD + '''
    prods = [X[:, i] * X[:, j] for i in range(D) for j in range(i + 1, D)]
    return torch.cat([ones, X, torch.stack(prods, 1)], 1)
''',
        "lower_triangle_order": POLY_HEAD + '''
    i, j = torch.tril_indices(D, D)
    return torch.cat([ones, X, X[:, i] * X[:, j]], 1)
''',
        "squares_first": POLY_HEAD + '''
    cross = [X[:, i] * X[:, j] for i in range(D) for j in range(i + 1, D)]
    parts = [ones, X, X ** 2] + ([torch.stack(cross, 1)] if cross else [])
    return torch.cat(parts, 1)
''',
        "always_float64_via_numpy": ('''
def poly2_features(X):
    import numpy as np
    A = X.numpy().astype(np.float64)
    N, D = A.shape
    cols = [np.ones(N), *A.T] + [A[:, i] * A[:, j] for i in range(D) for j in range(i, D)]
    return torch.from_numpy(np.stack(cols, 1))
''', "dtype"),
    },
    "correct": {
        "triu_indices": POLY_HEAD + '''
    i, j = torch.triu_indices(D, D)
    return torch.cat([ones, X, X[:, i] * X[:, j]], 1)
''',
        "combinations_with_replacement": '''
def poly2_features(X):
    from itertools import combinations_with_replacement
    cols = [torch.ones_like(X[:, 0])] + list(X.T)
    cols += [X[:, i] * X[:, j] for i, j in combinations_with_replacement(range(X.shape[1]), 2)]
    return torch.stack(cols, dim=1)
''',
    },
}

MUTANTS = {
    "softmax_regression_fit": {"wrong": SOFTMAX_WRONG, "correct": SOFTMAX_CORRECT},
    "ridge_closed_form": {"wrong": RIDGE_WRONG, "correct": RIDGE_CORRECT},
    "ridge_gradient_descent": {"wrong": GD_WRONG, "correct": GD_CORRECT},
    "soft_threshold": SOFT,
    "lasso_coordinate_descent": {"wrong": LASSO_WRONG, "correct": LASSO_CORRECT},
    "solution_spread": SPREAD,
    "poly2_features": POLY,
    "q_lam_from_C": {"wrong": {"one_over_C": "q_lam_from_C = 1 / 0.25",
                               "half": "q_lam_from_C = 1 / (2 * 0.25 * 800)"}},
    "q_sparsity": {"wrong": {"large_ridge_alpha": 'q_sparsity = "d"'}},
    "q_seeds": {"wrong": {"both_converge": 'q_seeds = "a"'}},
    "q_features": {"wrong": {"hand_made_wins": 'q_features = "a"'}},
}


# Known-mistake diagnosis: what each wrong mutant does, in a student's words.  Each clause
# completes "this is what happens when ..." in the feedback of a submission that behaves alike.
MISTAKES = {
    "softmax_regression_fit": {
        "sum_not_mean": (
            "the cross-entropy is summed over the examples instead of averaged (its gradient is "
            "not divided by N)"
        ),
        "penalty_gradient_2lam": (
            "the gradient of the penalty (lambda/2)||W||^2 is taken as 2 lambda W instead of "
            "lambda W"
        ),
        "penalises_bias": "the bias b is penalised by the weight decay too",
        "random_init": "the weights W start from small random values instead of zeros",
        "mse_on_one_hot": (
            "the model is trained with squared error between the logits and the one-hot labels "
            "instead of cross-entropy"
        ),
        "transposed_weights": (
            "the weight matrix W is stored as (D, C) instead of (C, D) like nn.Linear.weight"
        ),
    },
    "ridge_closed_form": {
        "penalises_intercept": (
            "a column of ones is appended to X and penalised, so the intercept is shrunk too"
        ),
        "no_centering": "the data X and y are not centred and the intercept is left at zero",
        "uncentred_w_then_intercept": (
            "w is solved on uncentred X and y, and only then the intercept is taken from the means"
        ),
        "alpha_scaled_by_N": (
            "the squared error is divided by N but the penalty is not (that is Ridge with N times "
            "alpha)"
        ),
        "intercept_is_mean_y": (
            "the intercept is taken as the mean of y, without subtracting xbar . w"
        ),
        "dual_form_uncentred": "the data X and y are not centred and the intercept is left at zero",
    },
    "ridge_gradient_descent": {
        "penalty_not_divided_by_N": (
            "the penalty's gradient alpha w is not divided by N (this converges to Ridge with N "
            "times alpha)"
        ),
        "penalises_intercept": "the intercept b is penalised like w",
        "sum_loss_gradient": (
            "the gradients are not divided by N, as if the objective were divided by 2 instead of "
            "2N"
        ),
        "gradient_twice_too_big": (
            "the gradients are twice too large, as if the objective were divided by N instead of "
            "2N"
        ),
        "sequential_update": (
            "b is updated from the already updated w instead of from the old (w, b)"
        ),
        "centres_X_first": (
            "the data are centred first instead of running gradient descent on the raw X with an "
            "intercept"
        ),
    },
    "soft_threshold": {
        "clamp": (
            "x is clamped to [-t, t], keeping the small part instead of shrinking x towards zero "
            "by t"
        ),
        "forgets_sign": (
            "the sign(x) factor is left out, so negative inputs give non-negative outputs"
        ),
        "hard_threshold": (
            "values with |x| <= t are zeroed but the others are kept unshrunk (hard instead of "
            "soft thresholding)"
        ),
        "shift_without_zeroing": (
            "every value is moved towards zero by t, but values with |x| <= t are not set to zero"
        ),
    },
    "lasso_coordinate_descent": {
        "clamp_instead_of_soft_threshold": (
            "rho is clamped to [-N alpha, N alpha] instead of soft-thresholded"
        ),
        "threshold_missing_N": "the soft-threshold uses alpha instead of N alpha",
        "forgets_own_contribution": "rho leaves out the feature's own contribution z_j w_j",
        "jacobi_sweep": (
            "all coordinates are updated together after each sweep instead of one after another "
            "with the latest w_j"
        ),
        "shrinks_intercept": (
            "a column of ones is treated as a feature, so the intercept is shrunk by the L1 "
            "penalty"
        ),
        "no_centering": (
            "coordinate descent runs on uncentred X and y, with no intercept during the fit"
        ),
    },
    "solution_spread": {
        "adjacent_pairs_only": (
            "only neighbouring solutions in the list are compared, not every pair"
        ),
        "distance_to_first_only": (
            "only the distances to the first solution are compared, not every pair"
        ),
        "mean_pairwise_distance": "the mean pairwise distance is returned instead of the largest",
        "squared_distance": "the largest squared distance is returned instead of the distance",
        "max_abs_entry": (
            "the largest difference in a single entry is used instead of the norm over all entries"
        ),
    },
    "poly2_features": {
        "no_bias_column": "the bias column of ones is left out",
        "all_ordered_pairs": "all ordered pairs are used, so x_i x_j and x_j x_i both appear",
        "interaction_only": (
            "the squares x_i^2 are left out, only products of different inputs are kept"
        ),
        "lower_triangle_order": (
            "the products are listed by pairs i >= j instead of sklearn's row-major order of pairs"
            " i <= j"
        ),
        "squares_first": (
            "all the squares come before the cross products instead of sklearn's row-major order "
            "of pairs"
        ),
        "always_float64_via_numpy": (
            "the features are always returned in float64 instead of the dtype of X"
        ),
    },
    "q_lam_from_C": {
        "one_over_C": "lambda is taken as 1/C, forgetting the number of training points N",
        "half": (
            "lambda gets an extra factor 1/2, as if the 1/2 of the penalty had to be applied again"
        ),
    },
    "q_sparsity": {
        "large_ridge_alpha": (
            "the Ridge penalty is thought to give exact zeros too if alpha is large enough"
        ),
    },
    "q_seeds": {
        "both_converge": (
            "every optimiser is thought to reach the global minimum with enough iterations, even "
            "on the non-convex MLP"
        ),
    },
    "q_features": {
        "hand_made_wins": (
            "fewer, cleaner hand-made features are thought to always generalise better"
        ),
    },
}
