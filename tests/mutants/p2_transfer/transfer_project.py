"""Wrong and correct answers for p2_transfer/transfer_project: each replaces one whole answer
cell (the setup cell, with torch and nn, stays)."""

AUG = '''
def augment(x, generator, max_shift=1):
    N, _, H, W = x.shape
    s = max_shift
    padded = nn.functional.pad(x, (s, s, s, s))
{draw}
    out = torch.empty_like(x)
    for i in range(N):
        dy, dx = int(offsets[i, 0]), int(offsets[i, 1])
        out[i] = {crop}
    return out
'''


def aug(draw="    offsets = torch.randint(0, 2 * s + 1, (N, 2), generator=generator)",
        crop="padded[i, :, dy:dy + H, dx:dx + W]"):
    return AUG.format(draw=draw, crop=crop)


AUGMENT = {
    "wrong": {
        "one_shift_for_all": (aug(draw="    offsets = torch.randint(0, 2 * s + 1, (1, 2), "
                                       "generator=generator).expand(N, 2)"), "same shift"),
        "global_rng": (aug(draw="    offsets = torch.randint(0, 2 * s + 1, (N, 2))"),
                       "generator"),
        "flip_too": (aug(crop="padded[i, :, dy:dy + H, dx:dx + W].flip(-1)"), "flip"),
        "roll_wraps_around": ('''
def augment(x, generator, max_shift=1):
    shifts = torch.randint(-max_shift, max_shift + 1, (len(x), 2), generator=generator)
    return torch.stack([torch.roll(img, (int(a), int(b)), dims=(1, 2))
                        for img, (a, b) in zip(x, shifts)])
''', "zero fill"),
        "only_positive_shifts": (aug(draw="    offsets = torch.randint(s, 2 * s + 1, (N, 2), "
                                          "generator=generator)"), "9 shifts"),
        "ignores_max_shift": ('''
def augment(x, generator, max_shift=1):
    N, _, H, W = x.shape
    padded = nn.functional.pad(x, (1, 1, 1, 1))
    offsets = torch.randint(0, 3, (N, 2), generator=generator)
    return torch.stack([padded[i, :, a:a + H, b:b + W] for i, (a, b) in
                        enumerate(offsets.tolist())])
''', "max_shift"),
    },
    "correct": {
        "loop": aug(),
        "stack_negative_offsets": '''
def augment(x: torch.Tensor, generator: torch.Generator, max_shift: int = 1) -> torch.Tensor:
    s, (H, W) = max_shift, x.shape[-2:]
    d = torch.randint(-s, s + 1, (len(x), 2), generator=generator)
    padded = torch.nn.functional.pad(x, (s, s, s, s))
    return torch.stack([padded[i, :, s + a:s + a + H, s + b:s + b + W]
                        for i, (a, b) in enumerate(d.tolist())])
''',
    },
}

BATCHES = {
    "wrong": {
        "augments_test_too": ('''
def make_batches(X, y, batch_size, train, generator):
    order = torch.randperm(len(X), generator=generator) if train else torch.arange(len(X))
    return [(augment(X[idx], generator), y[idx]) for idx in order.split(batch_size)]
''', "test images are augmented"),
        "never_augments": ('''
def make_batches(X, y, batch_size, train, generator):
    order = torch.randperm(len(X), generator=generator) if train else torch.arange(len(X))
    return [(X[idx], y[idx]) for idx in order.split(batch_size)]
''', "not augmented"),
        "shuffles_test": ('''
def make_batches(X, y, batch_size, train, generator):
    order = torch.randperm(len(X), generator=generator)
    return [(augment(X[idx], generator) if train else X[idx], y[idx])
            for idx in order.split(batch_size)]
''', "in order"),
        "labels_not_shuffled": ('''
def make_batches(X, y, batch_size, train, generator):
    if not train:
        return list(zip(X.split(batch_size), y.split(batch_size)))
    order = torch.randperm(len(X), generator=generator)
    return [(augment(X[idx], generator), y[k:k + batch_size])
            for k, idx in zip(range(0, len(X), batch_size), order.split(batch_size))]
''', "line up"),
        "drops_last": ('''
def make_batches(X, y, batch_size, train, generator):
    order = torch.randperm(len(X), generator=generator) if train else torch.arange(len(X))
    n = len(X) // batch_size * batch_size
    return [(augment(X[idx], generator) if train else X[idx], y[idx])
            for idx in order[:n].split(batch_size)]
'''),
        "global_shuffle": ('''
def make_batches(X, y, batch_size, train, generator):
    order = torch.randperm(len(X)) if train else torch.arange(len(X))
    return [(augment(X[idx], generator) if train else X[idx], y[idx])
            for idx in order.split(batch_size)]
''', "generator"),
    },
    "correct": {
        "explicit_loop": '''
def make_batches(X, y, batch_size, train, generator):
    order = torch.randperm(len(X), generator=generator) if train else torch.arange(len(X))
    out = []
    for start in range(0, len(X), batch_size):
        idx = order[start:start + batch_size]
        xb = augment(X[idx], generator) if train else X[idx]
        out.append((xb, y[idx]))
    return out
''',
        "generator_function": '''
def make_batches(X, y, batch_size, train, generator):
    if train:
        order = torch.randperm(len(X), generator=generator)
        X, y = X[order], y[order]
    for start in range(0, len(X), batch_size):
        xb = X[start:start + batch_size]
        yield (augment(xb, generator) if train else xb), y[start:start + batch_size]
''',
    },
}

SETUP = '''
def setup_transfer(backbone, num_classes, strategy, backbone_lr, head_lr):
    if strategy not in ("feature_extraction", "fine_tuning"):
        raise ValueError(strategy)
    if strategy == "feature_extraction":
        {freeze}
    backbone.fc = nn.Linear({in_features}, num_classes)
    head = list(backbone.fc.parameters())
    if strategy == "feature_extraction":
        return backbone, {fe_opt}
    ids = {{id(p) for p in head}}
    rest = [p for p in backbone.parameters() if id(p) not in ids]
    return backbone, {ft_opt}
'''


def setup(freeze="backbone.requires_grad_(False)", in_features="backbone.fc.in_features",
          fe_opt="torch.optim.Adam(head, lr=head_lr)",
          ft_opt='torch.optim.Adam([{"params": rest, "lr": backbone_lr}, '
                 '{"params": head, "lr": head_lr}])'):
    return SETUP.format(freeze=freeze, in_features=in_features, fe_opt=fe_opt, ft_opt=ft_opt)


SETUP_TRANSFER = {
    "wrong": {
        "forgets_to_freeze": (setup(freeze="pass"), "freeze the backbone"),
        "eval_instead_of_freeze": (setup(freeze="backbone.eval()"), "freeze the backbone"),
        "hard_coded_512": (setup(in_features="512"), "in_features"),
        "fe_optimizes_everything": (setup(fe_opt="torch.optim.Adam(backbone.parameters(), "
                                                 "lr=head_lr)"), "frozen parameters"),
        "one_lr_for_all": (setup(ft_opt="torch.optim.Adam(backbone.parameters(), lr=head_lr)"),
                           "group"),
        "swapped_lrs": (setup(ft_opt='torch.optim.Adam([{"params": rest, "lr": head_lr}, '
                                     '{"params": head, "lr": backbone_lr}])'), "lr"),
        "sgd": (setup(fe_opt="torch.optim.SGD(head, lr=head_lr)",
                      ft_opt='torch.optim.SGD([{"params": rest, "lr": backbone_lr}, '
                             '{"params": head, "lr": head_lr}])'), "Adam"),
        "unknown_means_finetune": ('''
def setup_transfer(backbone, num_classes, strategy, backbone_lr, head_lr):
    if strategy == "feature_extraction":
        backbone.requires_grad_(False)
    backbone.fc = nn.Linear(backbone.fc.in_features, num_classes)
    head = list(backbone.fc.parameters())
    if strategy == "feature_extraction":
        return backbone, torch.optim.Adam(head, lr=head_lr)
    ids = {id(p) for p in head}
    rest = [p for p in backbone.parameters() if id(p) not in ids]
    return backbone, torch.optim.Adam([{"params": rest, "lr": backbone_lr},
                                       {"params": head, "lr": head_lr}])
''', "ValueError"),
    },
    "correct": {
        "template": setup(),
        "by_name": '''
def setup_transfer(backbone, num_classes, strategy, backbone_lr, head_lr):
    if strategy not in {"feature_extraction", "fine_tuning"}:
        raise ValueError(f"unknown strategy {strategy}")
    for p in backbone.parameters():
        p.requires_grad = strategy == "fine_tuning"
    backbone.fc = nn.Linear(backbone.fc.weight.shape[1], num_classes)
    named = list(backbone.named_parameters())
    head = [p for n, p in named if n.startswith("fc.")]
    if strategy == "feature_extraction":
        return backbone, torch.optim.Adam([{"params": head, "lr": head_lr}])
    rest = [p for n, p in named if not n.startswith("fc.")]
    groups = [dict(params=rest, lr=backbone_lr), dict(params=head, lr=head_lr)]
    return backbone, torch.optim.Adam(groups)
''',
    },
}

MUTANTS = {
    "augment": AUGMENT,
    "make_batches": BATCHES,
    "setup_transfer": SETUP_TRANSFER,
    "q_test_augment": {"wrong": {"more_data": 'q_test_augment = "c"\n'}},
    "q_flip": {"wrong": {"slow": 'q_flip = "a"\n'}},
}


# Known-mistake diagnosis: what each wrong mutant does, in a student's words.  Each clause
# completes "this is what happens when ..." in the feedback of a submission that behaves alike.
MISTAKES = {
    "augment": {
        "one_shift_for_all": (
            "one shift is drawn for the whole batch instead of one shift per image"
        ),
        "global_rng": (
            "the shifts are drawn from the global random state instead of the generator argument"
        ),
        "flip_too": "each image is also flipped horizontally besides being shifted",
        "roll_wraps_around": (
            "the images are rolled, so pixels pushed out wrap around "
            "to the other side instead of zeros moving in"
        ),
        "only_positive_shifts": (
            "the shifts only go in one direction along each axis "
            "instead of both ways, from -max_shift to max_shift"
        ),
        "ignores_max_shift": "max_shift is ignored and every shift is drawn from -1 .. 1",
    },
    "make_batches": {
        "augments_test_too": "the test batches are augmented too",
        "never_augments": "the training batches are not augmented",
        "shuffles_test": "the test rows are shuffled too instead of kept in their order",
        "labels_not_shuffled": (
            "the training images are shuffled but their labels are not, so they no longer line up"
        ),
        "drops_last": "the last, smaller batch is dropped, so some images never appear",
        "global_shuffle": (
            "the training order is drawn from the global random "
            "state instead of the generator argument"
        ),
    },
    "setup_transfer": {
        "forgets_to_freeze": "the backbone is not frozen for feature extraction",
        "eval_instead_of_freeze": (
            "the backbone is put in eval mode instead of frozen, "
            "so its parameters still require gradients"
        ),
        "hard_coded_512": (
            "the new head's input size is fixed at 512 instead "
            "of read from the old fc.in_features"
        ),
        "fe_optimizes_everything": (
            "for feature extraction the optimizer gets every parameter instead of the head's only"
        ),
        "one_lr_for_all": (
            "fine-tuning uses one learning rate (head_lr) for all "
            "parameters instead of two parameter groups"
        ),
        "swapped_lrs": (
            "the two learning rates are swapped: the backbone "
            "gets head_lr and the head gets backbone_lr"
        ),
        "sgd": "the optimizer is SGD instead of Adam",
        "unknown_means_finetune": (
            "an unknown strategy name is treated as fine-tuning instead of raising ValueError"
        ),
    },
    "q_test_augment": {
        "more_data": (
            "augmenting the test images is thought to make the test "
            "accuracy more reliable because there are more test images"
        ),
    },
    "q_flip": {
        "slow": (
            "flips are thought to be ruled out for being slow on a "
            "CPU, not for changing what a digit looks like"
        ),
    },
}
