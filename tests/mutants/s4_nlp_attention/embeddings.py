"""Wrong and correct answers for s4_nlp_attention/embeddings: each replaces one answer cell.  The
setup cell (math, os, torch, F, load_lee_corpus, build_vocab) stays, as it does when a student's
notebook is graded; `nn` is not imported there."""

# A loop-based skip-gram with one part changed per mutant: {check}, {js}, {guard}, {row},
# {out} are filled in below.
PAIRS = """
def skipgram_pairs(token_ids, window):
    {check}
    ids = [int(t) for t in token_ids]
    n = len(ids)
    pairs = []
    for i in range(n):
        for j in {js}:
            if {guard}:
                pairs.append({row})
    return {out}
"""
PAIRS_RIGHT = {"check": 'if window < 1:\n        raise ValueError("window must be >= 1")',
               "js": "range(max(0, i - window), min(n, i + window + 1))",
               "guard": "j != i", "row": "(ids[i], ids[j])",
               "out": "torch.tensor(pairs, dtype=torch.long).reshape(-1, 2)"}


def pairs_with(**changes: str) -> str:
    return PAIRS.format(**{**PAIRS_RIGHT, **changes})


SGNS = """
def sgns_loss(center, context, negatives):
    pos = (center * context).sum(-1)
    neg = torch.einsum("bkd,bd->bk", negatives, center)
    def nls(x):
        return {nls}
    per_pair = {per_pair}
    return {ret}
"""
SGNS_RIGHT = {"nls": "torch.logaddexp(torch.zeros_like(x), -x)",
              "per_pair": "nls(pos) + nls(-neg).sum(-1)", "ret": "per_pair.mean()"}


def sgns_with(**changes: str) -> str:
    return SGNS.format(**{**SGNS_RIGHT, **changes})


COOC = """
def cooccurrence(token_ids, vocab_size, window):
    if window < 1:
        raise ValueError("window must be >= 1")
    ids = [int(t) for t in token_ids]
    X = torch.zeros(vocab_size, vocab_size)
    for i in range(len(ids)):
        for j in range(len(ids)):
            d = abs(i - j)
            if {guard}:
                X[ids[i], ids[j]] += {weight}
    return X
"""
COOC_RIGHT = {"guard": "0 < d <= window", "weight": "1.0 / d"}


def cooc_with(**changes: str) -> str:
    return COOC.format(**{**COOC_RIGHT, **changes})


GLOVE = """
def glove_loss(W, W_tilde, b, b_tilde, X, x_max=100.0, alpha=0.75):
    i, j = X.nonzero(as_tuple=True)
    x = X[i, j]
    pred = (W[i] * W_tilde[j]).sum(-1) + b[i] + b_tilde[j]
    return ({weight} * (pred - {target}) ** 2).{reduce}()
"""
GLOVE_RIGHT = {"weight": "glove_weight(x, x_max, alpha)", "target": "torch.log(x)",
               "reduce": "sum"}


def glove_with(**changes: str) -> str:
    return GLOVE.format(**{**GLOVE_RIGHT, **changes})


COS = """
def cosine_similarity(a, b, eps=1e-8):
    a_hat = {a_hat}
    b_hat = {b_hat}
    return a_hat @ b_hat.T
"""
COS_RIGHT = {"a_hat": "a / a.norm(dim=1, keepdim=True).clamp(min=eps)",
             "b_hat": "b / b.norm(dim=1, keepdim=True).clamp(min=eps)"}


def cos_with(**changes: str) -> str:
    return COS.format(**{**COS_RIGHT, **changes})


NN = """
def nearest_neighbours(E, idx, k):
    sims = {sims}
    {exclude}
    return {ret}
"""
NN_RIGHT = {"sims": "cosine_similarity(E[idx:idx + 1], E)[0]",
            "exclude": 'sims[idx] = float("-inf")', "ret": "sims.topk(k).indices"}


def nn_with(**changes: str) -> str:
    return NN.format(**{**NN_RIGHT, **changes})


ANALOGY = """
def analogy(E, a, b, c, k=1):
    U = {U}
    target = {target}
    scores = {scores}
    {exclude}
    return scores.topk(k).indices
"""
ANALOGY_RIGHT = {"U": "E / E.norm(dim=1, keepdim=True)", "target": "U[b] - U[a] + U[c]",
                 "scores": "cosine_similarity(target[None], E)[0]",
                 "exclude": 'scores[[a, b, c]] = float("-inf")'}


def analogy_with(**changes: str) -> str:
    return ANALOGY.format(**{**ANALOGY_RIGHT, **changes})


FORBIDDEN = "forbidden"

MUTANTS = {
    "skipgram_pairs": {
        "wrong": {
            "self_pair": (pairs_with(guard="True"), "paired with itself"),
            "compares_ids": (pairs_with(guard="ids[j] != ids[i]"),
                             "compare token ids instead of positions"),
            "right_window_one_short": (pairs_with(
                js="list(range(max(0, i - window), i)) + list(range(i + 1, min(n, i + window)))"),
                "stops one short"),
            "nearest_first": (pairs_with(
                js="[j for d in range(1, window + 1) for j in (i - d, i + d) if 0 <= j < n]"),
                "nearest first"),
            "wraps_around": (pairs_with(js="range(i - window, min(n, i + window + 1))"),
                             "wraps around"),
            "no_value_error": (pairs_with(check="pass"), "should raise ValueError"),
            "empty_is_1d": (pairs_with(out="torch.tensor(pairs, dtype=torch.long)"), "(0, 2)"),
        },
        "correct": {
            "python_loops": pairs_with(),
            "offsets_vectorised": """
def skipgram_pairs(token_ids, window):
    if window < 1:
        raise ValueError("window")
    ids = torch.as_tensor(token_ids).long().flatten()
    n = len(ids)
    offsets = [o for o in range(-window, window + 1) if o != 0]
    rows = []
    for i in range(n):
        js = torch.tensor([i + o for o in offsets if 0 <= i + o < n], dtype=torch.long)
        rows.append(torch.stack([ids[i].expand(len(js)), ids[js]], dim=1))
    return torch.cat(rows) if rows else torch.zeros(0, 2, dtype=torch.long)
""",
        },
    },
    "noise_distribution": {
        "wrong": {
            "unigram": ("def noise_distribution(counts, power=0.75):\n"
                        "    c = counts.double()\n    return c / c.sum()\n",
                        "the power is not applied"),
            "power_after_normalising": ("""
def noise_distribution(counts, power=0.75):
    c = counts if counts.is_floating_point() else counts.to(torch.float32)
    return (c / c.sum()) ** power
""", "raise the counts first"),
            "hard_coded_power": ("""
def noise_distribution(counts, power=0.75):
    w = counts ** 0.75 if counts.is_floating_point() else counts.double() ** 0.75
    return w / w.sum()
""", "power argument is ignored"),
        },
        "correct": {
            "float64_for_integers": """
def noise_distribution(counts, power=0.75):
    w = torch.pow(counts if counts.is_floating_point() else counts.double(), power)
    return w / torch.sum(w)
""",
        },
    },
    "sgns_loss": {
        "wrong": {
            "sum_over_batch": (sgns_with(ret="per_pair.sum()"), "summed over the batch"),
            "clamp_identity_zero_gradient": (sgns_with(
                nls="(-x).clamp(min=0) + torch.log1p(torch.exp(-x.abs()))"),
                "at scores of exactly 0"),
            "forbidden_logsigmoid": (sgns_with(nls="-F.logsigmoid(x)"), FORBIDDEN),
            "forbidden_bce_with_logits": ("""
def sgns_loss(center, context, negatives):
    pos = (center * context).sum(-1, keepdim=True)
    neg = torch.einsum("bkd,bd->bk", negatives, center)
    logits = torch.cat([pos, neg], dim=1)
    labels = torch.zeros_like(logits)
    labels[:, 0] = 1
    per = F.binary_cross_entropy_with_logits(logits, labels, reduction="none")
    return per.sum(1).mean()
""", FORBIDDEN),
            "naive_log_sigmoid": (sgns_with(nls="-torch.log(torch.sigmoid(x))"), "NaN/inf"),
            "negatives_averaged": (sgns_with(per_pair="nls(pos) + nls(-neg).mean(-1)"),
                                   "averaged"),
            "negatives_sign": (sgns_with(per_pair="nls(pos) + nls(neg).sum(-1)"),
                               "the negatives use log sigmoid(u_k . v_c)"),
            "no_gradient": (sgns_with(ret="torch.tensor(per_pair.mean().item(), "
                                          "dtype=center.dtype)"), "no gradient"),
        },
        "correct": {
            "logaddexp": sgns_with(),
            "logsumexp_stack": sgns_with(nls="torch.logsumexp(torch.stack([torch.zeros_like(x), "
                                             "-x]), dim=0)"),
            "logaddexp_bmm": """
def sgns_loss(center, context, negatives):
    pos = torch.bmm(context.unsqueeze(1), center.unsqueeze(2)).squeeze(-1).squeeze(-1)
    neg = torch.bmm(negatives, center.unsqueeze(2)).squeeze(2)
    zero = torch.zeros((), dtype=center.dtype, device=center.device)
    return (torch.logaddexp(zero, -pos) + torch.logaddexp(zero, neg).sum(dim=1)).mean()
""",
        },
    },
    "cooccurrence": {
        "wrong": {
            "unweighted": (cooc_with(weight="1.0"), "every co-occurrence counts 1"),
            "right_context_only": (cooc_with(guard="0 < j - i <= window"),
                                   "only the contexts to the right"),
            "compares_ids": (cooc_with(guard="0 < d <= window and ids[i] != ids[j]"),
                             "you skip pairs of equal token ids"),
            "plain_indexing_loses_repeats": ("""
def cooccurrence(token_ids, vocab_size, window):
    if window < 1:
        raise ValueError("window must be >= 1")
    ids = torch.as_tensor(token_ids, dtype=torch.long)
    X = torch.zeros(vocab_size, vocab_size)
    for d in range(1, window + 1):
        X[ids[:-d], ids[d:]] += 1.0 / d
        X[ids[d:], ids[:-d]] += 1.0 / d
    return X
""", "cooccurrence(repeated ids"),
            "no_value_error": ("""
def cooccurrence(token_ids, vocab_size, window):
    ids = torch.as_tensor(token_ids, dtype=torch.long)
    X = torch.zeros(vocab_size, vocab_size)
    for d in range(1, window + 1):
        w = torch.full((max(len(ids) - d, 0),), 1.0 / d)
        X.index_put_((ids[:-d], ids[d:]), w, accumulate=True)
        X.index_put_((ids[d:], ids[:-d]), w, accumulate=True)
    return X
""", "should raise ValueError"),
        },
        "correct": {
            "double_loop": cooc_with(),
            "pairs_and_bincount": """
def cooccurrence(token_ids, vocab_size, window):
    if window < 1:
        raise ValueError("window must be >= 1")
    ids = torch.as_tensor(token_ids, dtype=torch.long).reshape(-1)
    n = ids.numel()
    pos = torch.arange(n)
    dist = (pos[:, None] - pos[None, :]).abs()
    keep = (dist > 0) & (dist <= window)
    rows, cols = ids[:, None].expand(n, n)[keep], ids[None, :].expand(n, n)[keep]
    weights = 1.0 / dist[keep].to(torch.float64)
    flat = torch.bincount(rows * vocab_size + cols, weights=weights,
                          minlength=vocab_size * vocab_size)
    return flat.reshape(vocab_size, vocab_size).double()
""",
        },
    },
    "glove_weight": {
        "wrong": {
            "not_capped": ("def glove_weight(x, x_max=100.0, alpha=0.75):\n"
                           "    return (x / x_max) ** alpha\n", "f is not capped"),
            "power_then_divide": ("""
def glove_weight(x, x_max=100.0, alpha=0.75):
    return torch.where(x < x_max, x ** alpha / x_max, torch.ones_like(x))
""", "f = x^alpha / x_max"),
            "hard_coded": ("def glove_weight(x, x_max=100.0, alpha=0.75):\n"
                           "    return (x / 100.0).clamp(max=1.0) ** 0.75\n",
                           "x_max and alpha are ignored"),
        },
        "correct": {
            "where": """
def glove_weight(x, x_max=100.0, alpha=0.75):
    return torch.where(x >= x_max, torch.ones_like(x), (x / x_max) ** alpha)
""",
        },
    },
    "glove_loss": {
        "wrong": {
            "log_of_zero": ("""
def glove_loss(W, W_tilde, b, b_tilde, X, x_max=100.0, alpha=0.75):
    err = W @ W_tilde.T + b[:, None] + b_tilde[None, :] - torch.log(X)
    return (glove_weight(X, x_max, alpha) * err ** 2).sum()
""", "the zero entries of X must be left out"),
            "where_mask_nan_gradient": ("""
def glove_loss(W, W_tilde, b, b_tilde, X, x_max=100.0, alpha=0.75):
    err = W @ W_tilde.T + b[:, None] + b_tilde[None, :] - torch.log(X)
    terms = glove_weight(X, x_max, alpha) * err ** 2
    return torch.where(X > 0, terms, torch.zeros_like(terms)).sum()
""", "torch.where(X > 0, ..., 0) still differentiates log 0"),
            "mean_not_sum": (glove_with(reduce="mean"), "you average over the nonzero entries"),
            "args_not_passed": (glove_with(weight="glove_weight(x)"),
                                "x_max and alpha are not used"),
            "X_transposed": ("""
def glove_loss(W, W_tilde, b, b_tilde, X, x_max=100.0, alpha=0.75):
    i, j = X.nonzero(as_tuple=True)
    x = X[i, j]
    pred = (W[j] * W_tilde[i]).sum(-1) + b[j] + b_tilde[i]
    return (glove_weight(x, x_max, alpha) * (pred - torch.log(x)) ** 2).sum()
""", "X is read transposed"),
        },
        "correct": {
            "nonzero_gather": glove_with(),
            "safe_log_then_mask": """
def glove_loss(W, W_tilde, b, b_tilde, X, x_max=100.0, alpha=0.75):
    nz = X > 0
    logX = torch.log(torch.where(nz, X, torch.ones_like(X)))
    err = torch.einsum("id,jd->ij", W, W_tilde) + b[:, None] + b_tilde[None, :] - logX
    return (glove_weight(X, x_max, alpha) * err ** 2 * nz).sum()
""",
        },
    },
    "cosine_similarity": {
        "wrong": {
            "not_normalised": (cos_with(a_hat="a", b_hat="b"), "not normalised"),
            "forbidden_F_cosine_similarity": (
                "def cosine_similarity(a, b, eps=1e-8):\n"
                "    return F.cosine_similarity(a[:, None, :], b[None, :, :], dim=-1, eps=eps)\n",
                FORBIDDEN),
            "forbidden_nn_CosineSimilarity": (
                "def cosine_similarity(a, b, eps=1e-8):\n"
                "    cos = torch.nn.CosineSimilarity(dim=-1, eps=eps)\n"
                "    return cos(a.unsqueeze(1), b.unsqueeze(0))\n", FORBIDDEN),
            "no_eps": (cos_with(a_hat="a / a.norm(dim=1, keepdim=True)",
                                b_hat="b / b.norm(dim=1, keepdim=True)"), "clamp each norm at eps"),
            "wrong_axis": (cos_with(a_hat="a / a.norm(dim=0, keepdim=True).clamp(min=eps)",
                                    b_hat="b / b.norm(dim=0, keepdim=True).clamp(min=eps)"),
                           "wrong axis"),
        },
        "correct": {
            "F_normalize": cos_with(a_hat="F.normalize(a, dim=1, eps=eps)",
                                    b_hat="F.normalize(b, dim=1, eps=eps)"),
        },
    },
    "nearest_neighbours": {
        "wrong": {
            "keeps_itself": (nn_with(exclude="pass"), "the word itself is among its neighbours"),
            "dot_product": (nn_with(sims="E @ E[idx]"), "ranked by dot product"),
            "drops_parallel_words": (nn_with(exclude='sims[sims > 1 - 1e-6] = float("-inf")'),
                                     "a word parallel to the query"),
        },
        "correct": {
            "argsort_own_norms": """
def nearest_neighbours(E, idx, k):
    U = E / E.norm(dim=1, keepdim=True).clamp(min=1e-8)
    sims = U @ U[idx]
    order = torch.argsort(sims, descending=True)
    return order[order != idx][:k]
""",
        },
    },
    "analogy": {
        "wrong": {
            "no_exclusion": (analogy_with(exclude="pass"), "a, b and c are not excluded"),
            "raw_vectors": (analogy_with(U="E"), "the target uses the raw vectors"),
            "offset_reversed": (analogy_with(target="U[a] - U[b] + U[c]"),
                                "the offset goes the wrong way"),
            "dot_ranking": (analogy_with(scores="E @ target"), "ranked by dot product"),
        },
        "correct": {
            "sum_of_cosines": """
def analogy(E, a, b, c, k=1):
    S = cosine_similarity(E, E[[a, b, c]])
    scores = S[:, 1] - S[:, 0] + S[:, 2]
    scores[[a, b, c]] = -float("inf")
    return torch.topk(scores, k).indices
""",
        },
    },
    "q_pairs_count": {"wrong": {"counts_full_windows": "q_pairs_count = 60"}},
    "q_unigram_power": {"wrong": {"more_frequent": 'q_unigram_power = "a"'}},
    "q_analogy_exclude": {"wrong": {"speed": 'q_analogy_exclude = "a"'}},
    "q_glove_zeros": {"wrong": {"log1p": 'q_glove_zeros = "d"'}},
}

# Known-mistake diagnosis: what each wrong mutant does, in a student's words.  Each clause
# completes "this is what happens when ..." in the feedback of a submission that behaves alike.
MISTAKES = {
    "skipgram_pairs": {
        "self_pair": "each center is also paired with itself (its own position is not excluded)",
        "compares_ids":
            "the center is excluded by token id instead of by "
            "position, so equal tokens in the window never pair",
        "right_window_one_short":
            "the window on the right stops one short, missing "
            "the context at distance window to the right",
        "nearest_first":
            "each center's contexts are listed nearest first, "
            "alternating left and right, instead of left to right",
        "wraps_around":
            "positions before the start of the sequence wrap "
            "around to its end instead of being clipped",
        "no_value_error": "a window below 1 gives an empty result instead of raising a ValueError",
        "empty_is_1d":
            "a sequence without pairs gives a 1-D empty tensor instead of one shaped (0, 2)",
    },
    "noise_distribution": {
        "unigram":
            "the counts are not raised to the power, which gives the plain unigram distribution",
        "power_after_normalising":
            "the counts are normalised first and raised to the "
            "power afterwards, so the result no longer sums to 1",
        "hard_coded_power": "the power argument is ignored and 3/4 is always used",
    },
    "sgns_loss": {
        "sum_over_batch": "the per-pair losses are summed over the batch instead of averaged",
        "clamp_identity_zero_gradient":
            "the loss uses the textbook max/abs form of -log sigmoid, "
            "whose autograd gradient is wrong at a score of exactly 0",
        "naive_log_sigmoid":
            "the loss takes the log of the sigmoid directly, which "
            "underflows to log 0 for scores of large magnitude",
        "negatives_averaged": "the K negative terms are averaged instead of summed",
        "negatives_sign":
            "the negative terms use log sigmoid of the score "
            "instead of log sigmoid of minus the score",
        "no_gradient":
            "the loss is rebuilt from a plain Python number, so "
            "it is cut off from the graph and carries no gradient",
    },
    "cooccurrence": {
        "unweighted": "every co-occurrence adds 1 instead of 1/d for distance d",
        "right_context_only": "only the contexts to the right are counted, so X is not symmetric",
        "compares_ids":
            "pairs of equal token ids at different positions "
            "are skipped, so nothing is added to the diagonal",
        "plain_indexing_loses_repeats":
            "plain indexed addition is used, which adds a repeated "
            "(row, column) pair only once instead of accumulating",
        "no_value_error":
            "a window below 1 gives an all-zero matrix instead of raising a ValueError",
    },
    "glove_weight": {
        "not_capped": "the weight is not capped at 1 for counts at or above x_max",
        "power_then_divide":
            "the count is raised to alpha before dividing by "
            "x_max, instead of raising the ratio x / x_max",
        "hard_coded":
            "the x_max and alpha arguments are ignored and the paper's values are always used",
    },
    "glove_loss": {
        "log_of_zero":
            "the zero entries of X are not left out of the sum, so log 0 enters the loss",
        "where_mask_nan_gradient":
            "the zero entries are masked out with where only after "
            "taking log X, so the gradient through log 0 is NaN",
        "mean_not_sum":
            "the weighted squared errors are averaged over the nonzero entries instead of summed",
        "args_not_passed":
            "x_max and alpha are not passed on to glove_weight, so its default values are used",
        "X_transposed":
            "the matrix X is read transposed: row i is paired with "
            "W_tilde and column j with W instead of the other way round",
    },
    "cosine_similarity": {
        "not_normalised": "the rows are not normalised, which gives plain dot products",
        "no_eps": "the norms are not clamped at eps, so a zero row divides 0 by 0",
        "wrong_axis":
            "the norms are taken over the wrong axis, normalising "
            "each feature column instead of each row (word)",
    },
    "nearest_neighbours": {
        "keeps_itself": "the query word itself is not excluded from its neighbours",
        "dot_product": "the neighbours are ranked by dot product instead of by cosine similarity",
        "drops_parallel_words":
            "every word with similarity about 1 is dropped, "
            "instead of excluding only the query word by its index",
    },
    "analogy": {
        "no_exclusion": "a, b and c are not excluded from the candidates",
        "raw_vectors": "the target is built from the raw vectors instead of the normalised ones",
        "offset_reversed": "the offset goes the wrong way: from b to a instead of from a to b",
        "dot_ranking":
            "the candidates are ranked by dot product with "
            "the target instead of by cosine similarity",
    },
    "q_pairs_count": {
        "counts_full_windows":
            "every position is counted with a full window of "
            "contexts, forgetting that the ends have fewer",
    },
    "q_unigram_power": {
        "more_frequent":
            "the power 3/4 is thought to make frequent words even more likely as negatives",
    },
    "q_analogy_exclude": {
        "speed": "excluding a, b and c is thought to be only a way to make the search faster",
    },
    "q_glove_zeros": {
        "log1p":
            "the zeros are thought to be handled by taking "
            "log(1 + X), as if the GloVe paper did that",
    },
}
