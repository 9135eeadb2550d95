"""Wrong and correct answers for s2_cnn/transfer_learning: each replaces one whole answer cell
(the setup cell, with torch and nn, stays)."""

FREEZE = {
    "wrong": {
        "eval_instead_of_requires_grad": ("def freeze(module):\n    module.eval()\n",
                                          "eval mode"),
        "module_attribute": ("def freeze(module):\n    module.requires_grad = False\n",
                             "left every parameter trainable"),
        "eval_and_requires_grad": ('''
def freeze(module):
    module.requires_grad_(False)
    module.eval()
''', "eval mode"),
        "conv_and_linear_only": ('''
def freeze(module):
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            for p in m.parameters():
                p.requires_grad = False
''', "BatchNorm"),
        "weights_only": ('''
def freeze(module):
    for name, p in module.named_parameters():
        if name.endswith("weight"):
            p.requires_grad = False
''', "biases"),
        "detach_rebinds": ('''
def freeze(module):
    for p in module.parameters():
        p = p.detach()
''', "left every parameter trainable"),
        "keeps_head_trainable": ('''
def freeze(module):
    for name, p in module.named_parameters():
        if not name.startswith("fc."):
            p.requires_grad = False
''', "fc."),
        "returns_module": '''
def freeze(module):
    module.requires_grad_(False)
    return module
''',
    },
    "correct": {
        "requires_grad_": ("def freeze(module: nn.Module) -> None:\n"
                           "    module.requires_grad_(False)\n"),
        "named_parameters_loop": '''
def freeze(module):
    for _, p in module.named_parameters():
        p.requires_grad = False
''',
        "per_module_no_recurse": '''
def freeze(module):
    for m in module.modules():
        for p in m.parameters(recurse=False):
            p.requires_grad = False
''',
    },
}

REPLACE = {
    "wrong": {
        "hard_coded_512": ('''
def replace_head(model, num_classes):
    model.fc = nn.Linear(512, num_classes)
    return model
''', "in_features"),
        "out_features_as_input": ('''
def replace_head(model, num_classes):
    model.fc = nn.Linear(model.fc.out_features, num_classes)
    return model
''', "in_features"),
        "returns_head": ('''
def replace_head(model, num_classes):
    model.fc = nn.Linear(model.fc.in_features, num_classes)
    return model.fc
''', "return the model"),
        "never_assigned": ('''
def replace_head(model, num_classes):
    head = nn.Linear(model.fc.in_features, num_classes)
    return model
''', "outputs"),
        "softmax_head": ('''
def replace_head(model, num_classes):
    model.fc = nn.Sequential(nn.Linear(model.fc.in_features, num_classes), nn.Softmax(dim=1))
    return model
''', "softmax"),
        "no_bias": ('''
def replace_head(model, num_classes):
    model.fc = nn.Linear(model.fc.in_features, num_classes, bias=False)
    return model
''', "bias"),
        "frozen_head": ('''
def replace_head(model, num_classes):
    model.fc = nn.Linear(model.fc.in_features, num_classes)
    model.fc.requires_grad_(False)
    return model
''', "require grad"),
        "unfreezes_everything": ('''
def replace_head(model, num_classes):
    model.fc = nn.Linear(model.fc.in_features, num_classes)
    model.requires_grad_(True)
    return model
''', "trainable"),
    },
    "correct": {
        "setattr_weight_shape": '''
def replace_head(model, num_classes):
    in_features = model.fc.weight.shape[1]
    setattr(model, "fc", nn.Linear(in_features, num_classes))
    return model
''',
        "plain": '''
def replace_head(model: nn.Module, num_classes: int) -> nn.Module:
    model.fc = nn.Linear(model.fc.in_features, num_classes)
    return model
''',
    },
}

COUNT = {
    "wrong": {
        "counts_frozen_too": ("def count_trainable(model):\n"
                              "    return sum(p.numel() for p in model.parameters())\n",
                              "frozen parameters too"),
        "counts_tensors": ("def count_trainable(model):\n"
                           "    return sum(1 for p in model.parameters() if p.requires_grad)\n",
                           "numel"),
        "inverted_condition": ("def count_trainable(model):\n    return sum(p.numel() for p in "
                               "model.parameters() if not p.requires_grad)\n", "instead"),
        "nested_double_count": ('''
def count_trainable(model):
    return sum(p.numel() for m in model.modules() for p in m.parameters() if p.requires_grad)
''', "more than"),
        "state_dict": ("def count_trainable(model):\n"
                       "    return sum(v.numel() for v in model.state_dict().values())\n",
                       "state_dict"),
        "float_result": ("def count_trainable(model):\n    return float(sum(p.numel() for p in "
                         "model.parameters() if p.requires_grad))\n", "int"),
    },
    "correct": {
        "named_parameters": '''
def count_trainable(model):
    total = 0
    for _, p in model.named_parameters():
        if p.requires_grad:
            total += p.numel()
    return total
''',
        "filter_map": ("def count_trainable(model):\n    return sum(map(torch.numel, filter("
                       "lambda p: p.requires_grad, model.parameters())))\n"),
    },
}

GROUPS = {
    "wrong": {
        "head_in_both": ('''
def param_groups(model, backbone_lr, head_lr):
    return [{"params": list(model.parameters()), "lr": backbone_lr},
            {"params": list(model.fc.parameters()), "lr": head_lr}]
''', "both groups"),
        "swapped_lrs": ('''
def param_groups(model, backbone_lr, head_lr):
    head = list(model.fc.parameters())
    ids = {id(p) for p in head}
    rest = [p for p in model.parameters() if p.requires_grad and id(p) not in ids]
    return [{"params": rest, "lr": head_lr}, {"params": head, "lr": backbone_lr}]
''', "swapped"),
        "frozen_included": ('''
def param_groups(model, backbone_lr, head_lr):
    rest = [p for n, p in model.named_parameters() if not n.startswith("fc.")]
    return [{"params": rest, "lr": backbone_lr},
            {"params": list(model.fc.parameters()), "lr": head_lr}]
''', "frozen"),
        "named_pairs": ('''
def param_groups(model, backbone_lr, head_lr):
    rest = [(n, p) for n, p in model.named_parameters()
            if p.requires_grad and not n.startswith("fc.")]
    head = list(model.fc.named_parameters())
    return [{"params": rest, "lr": backbone_lr}, {"params": head, "lr": head_lr}]
''', "tensors themselves"),
        "head_group_only": ('''
def param_groups(model, backbone_lr, head_lr):
    return [{"params": list(model.fc.parameters()), "lr": head_lr}]
''', "2"),
        "wrong_key": ('''
def param_groups(model, backbone_lr, head_lr):
    head = list(model.fc.parameters())
    ids = {id(p) for p in head}
    rest = [p for p in model.parameters() if p.requires_grad and id(p) not in ids]
    return [{"params": rest, "learning_rate": backbone_lr},
            {"params": head, "learning_rate": head_lr}]
''', "'lr'"),
        "head_first": ('''
def param_groups(model, backbone_lr, head_lr):
    head = list(model.fc.parameters())
    ids = {id(p) for p in head}
    rest = [p for p in model.parameters() if p.requires_grad and id(p) not in ids]
    return [{"params": head, "lr": head_lr}, {"params": rest, "lr": backbone_lr}]
'''),
    },
    "correct": {
        "by_name": '''
def param_groups(model, backbone_lr, head_lr):
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    backbone = [p for n, p in named if not n.startswith("fc.")]
    head = [p for n, p in named if n.startswith("fc.")]
    return [dict(params=backbone, lr=backbone_lr), dict(params=head, lr=head_lr)]
''',
        "generators": '''
def param_groups(model, backbone_lr, head_lr):
    head_ids = set(map(id, model.fc.parameters()))
    return [{"lr": backbone_lr, "params": (p for p in model.parameters()
                                           if p.requires_grad and id(p) not in head_ids)},
            {"lr": head_lr, "params": (p for p in model.fc.parameters() if p.requires_grad)}]
''',
    },
}

MUTANTS = {
    "freeze": FREEZE,
    "replace_head": REPLACE,
    "count_trainable": COUNT,
    "param_groups": GROUPS,
    "q_bn_stats": {"wrong": {"buffers_frozen": 'q_bn_stats = "a"\n'}},
    "q_head_params": {"wrong": {"ten_classes_no_bias": "q_head_params = 5120\n"}},
    "q_when_finetune": {"wrong": {"little_data": 'q_when_finetune = "a"\n'}},
}


# Known-mistake diagnosis: what each wrong mutant does, in a student's words.  Each clause
# completes "this is what happens when ..." in the feedback of a submission that behaves alike.
MISTAKES = {
    "freeze": {
        "eval_instead_of_requires_grad":
            "the module is switched to eval mode instead of turning off each parameter's "
            "requires_grad",
        "module_attribute":
            "requires_grad is set as an attribute of the module instead of on each parameter, so "
            "nothing is frozen",
        "eval_and_requires_grad":
            "the parameters are frozen but the module is also switched to eval mode, which freeze"
            " must leave alone",
        "conv_and_linear_only":
            "only Conv2d and Linear layers are frozen; BatchNorm's weight and bias stay trainable",
        "weights_only": "only the weights are frozen; the biases stay trainable",
        "detach_rebinds":
            "each parameter is detached into a new variable, which leaves the parameters "
            "themselves trainable",
        "keeps_head_trainable":
            "the head (fc) is left trainable instead of freezing every parameter of the module",
        "returns_module": "freeze returns the module instead of returning nothing",
    },
    "replace_head": {
        "hard_coded_512":
            "the new head's input size is hard-coded to 512 instead of read from the old head's "
            "in_features",
        "out_features_as_input":
            "the new head's input size is the old head's out_features instead of its in_features",
        "returns_head": "the new head is returned instead of the model",
        "never_assigned": "the new head is created but never assigned to model.fc",
        "softmax_head":
            "a softmax is added after the new head, so it outputs probabilities instead of logits",
        "no_bias": "the new head is created without a bias",
        "frozen_head": "the new head is frozen, so it gets no gradient",
        "unfreezes_everything":
            "every parameter of the model is made trainable again instead of leaving the backbone"
            " as it was",
    },
    "count_trainable": {
        "counts_frozen_too": "frozen parameters are counted too",
        "counts_tensors":
            "the parameter tensors are counted instead of the numbers (numel) inside them",
        "inverted_condition": "the frozen parameters are counted instead of the trainable ones",
        "nested_double_count":
            "each parameter is counted once per module that contains it (parameters() already "
            "recurses)",
        "state_dict":
            "the state_dict is counted: frozen parameters and buffers such as BatchNorm's "
            "statistics are included",
        "float_result": "the count is returned as a float instead of an int",
    },
    "param_groups": {
        "head_in_both":
            "the backbone group takes every parameter of the model, so the head is in both groups"
            " and frozen ones are kept",
        "swapped_lrs":
            "the two learning rates are swapped: the backbone gets head_lr and the head "
            "backbone_lr",
        "frozen_included": "frozen parameters are included in the groups instead of left out",
        "named_pairs":
            "the groups hold (name, parameter) pairs instead of the parameter tensors themselves",
        "head_group_only": "only the head's group is returned; the backbone group is missing",
        "wrong_key": "the learning rate is stored under a key other than 'lr'",
        "head_first": "the head group comes first and the backbone group second",
    },
    "q_bn_stats": {
        "buffers_frozen":
            "frozen BatchNorm layers are thought to stop updating their running statistics in "
            "train mode",
    },
    "q_head_params": {
        "ten_classes_no_bias": "the bias of the new head is not counted",
    },
    "q_when_finetune": {
        "little_data":
            "fine-tuning the whole backbone is thought to gain most with little data that looks "
            "like ImageNet",
    },
}
