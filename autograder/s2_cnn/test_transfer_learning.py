"""Hidden grader for s2_cnn/transfer_learning: freeze, replace_head, count_trainable,
param_groups, checkpoints.

Every case runs one probe in the sandbox: it builds a model with torchvision's ResNet layout
(a tiny one whose head is Linear(24, 9) and whose input is (2, 3, 10, 12), or torchvision's
resnet18(weights=None)), prepares it, calls the student's function and describes the result
(names, flags, counts, outputs). The oracle is the same probe run here with the trusted
reference functions below, so the expected description comes from the trusted process."""

from torch.nn import Linear

from dlcore.grading import check_tensor, exercise, fail
from dlcore.questions import check_answer
from dlcore.untrusted import wire

# ---------------------------------------------------------------- trusted references

def ref_freeze(module):
    for p in module.parameters():
        p.requires_grad_(False)


def ref_replace_head(model, num_classes):
    old = model.fc
    model.fc = Linear(old.in_features, num_classes, dtype=old.weight.dtype)
    return model


def ref_count_trainable(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def ref_param_groups(model, backbone_lr, head_lr):
    head = [p for p in model.fc.parameters() if p.requires_grad]
    ids = {id(p) for p in head}
    rest = [p for p in model.parameters() if p.requires_grad and id(p) not in ids]
    return [{"params": rest, "lr": backbone_lr}, {"params": head, "lr": head_lr}]


REFERENCE = {"freeze": ref_freeze, "replace_head": ref_replace_head,
             "count_trainable": ref_count_trainable, "param_groups": ref_param_groups}


# ---------------------------------------------------------------- the probe

def transfer_probe(ns, task, arch, frozen, args):
    """Sandbox probe: build arch ("tiny", "tied" or "resnet18"), freeze the submodules named in
    frozen ("" = the whole model), call ns[task] and describe what it did."""
    import torch
    import torch.nn as nn

    class Tiny(nn.Module):
        def __init__(self, tied):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(6)
            self.layer1 = nn.Sequential(nn.Conv2d(6, 24, 3, stride=2), nn.BatchNorm2d(24),
                                        nn.ReLU())
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(24, 9)
            if tied:  # the same conv registered twice: its tensors are one set of parameters
                self.shortcut = self.layer1[0]

        def forward(self, x):
            x = torch.relu(self.bn1(self.conv1(x)))
            return self.fc(torch.flatten(self.avgpool(self.layer1(x)), 1))

    torch.manual_seed(0)
    if arch == "resnet18":
        from torchvision.models import resnet18
        model, x = resnet18(weights=None), torch.randn(2, 3, 32, 40)
    else:
        model, x = Tiny(arch == "tied"), torch.randn(2, 3, 10, 12)
    for name in frozen:
        (model.get_submodule(name) if name else model).requires_grad_(False)
    model.train(not args.get("eval", False))

    def described(m):
        return {"trainable": [n for n, p in m.named_parameters() if p.requires_grad],
                "modes": {n: s.training for n, s in m.named_modules()}}

    before = {k: v.clone() for k, v in model.state_dict().items()}
    info = described(model)
    if task == "freeze":
        ret = ns["freeze"](model.get_submodule(args["target"]) if args["target"] else model)
        after = described(model)
        changed = [k for k, v in model.state_dict().items() if not torch.equal(v, before[k])]
        bn = [f"{m}.{p}" for m, mod in model.named_modules()
              if isinstance(mod, nn.modules.batchnorm._BatchNorm)
              for p, _ in mod.named_parameters(recurse=False)]
        return {"ret": None if ret is None else type(ret).__name__, "before": info,
                "after": after, "changed": changed, "bn": bn}
    if task == "count":
        return {"count": ns["count_trainable"](model)}
    if task == "replace":
        old = model.fc
        ret = ns["replace_head"](model, args["classes"])
        fc = model.fc
        out = {"returned": "model" if ret is model else type(ret).__name__,
               "fc_type": type(fc).__name__, "same_fc": fc is old,
               "trainable": [n for n, p in model.named_parameters() if p.requires_grad],
               "changed": [k for k, v in model.state_dict().items()
                           if k in before and not k.startswith("fc.")
                           and not torch.equal(v, before[k])]}
        if isinstance(fc, nn.Linear):
            out["linear"] = {"in": fc.in_features, "out": fc.out_features,
                             "bias": fc.bias is not None,
                             "dtype": str(fc.weight.dtype)}
            feats = {}
            hook = model.avgpool.register_forward_hook(
                lambda _m, _i, o: feats.__setitem__("f", o.flatten(1)))
            model.eval()
            try:
                with torch.no_grad():
                    logits = model(x)
                    out["logits"] = logits
                    if "f" in feats and feats["f"].shape[1] == fc.in_features:
                        out["expected"] = torch.nn.functional.linear(feats["f"], fc.weight,
                                                                      fc.bias)
            except RuntimeError as exc:
                out["raised"] = str(exc)[:120]
            finally:
                hook.remove()
        return out
    # task == "groups"
    groups = ns["param_groups"](model, args["backbone_lr"], args["head_lr"])
    if not isinstance(groups, list | tuple):
        return {"type": type(groups).__name__}
    names = {id(p): n for n, p in model.named_parameters()}
    desc = []
    for g in groups:
        if not isinstance(g, dict):
            desc.append({"type": type(g).__name__})
            continue
        ps = g.get("params", [])
        ps = [ps] if isinstance(ps, torch.Tensor) else list(ps)
        g["params"] = ps
        lr = g.get("lr")
        desc.append({"keys": sorted(str(k) for k in g),
                     "lr": float(lr) if isinstance(lr, int | float) else None,
                     "params": [names[id(p)] for p in ps if id(p) in names],
                     "odd": sum(id(p) not in names for p in ps)})
    result = {"groups": desc}
    try:
        optimizer = torch.optim.SGD(list(groups), lr=0.5)
        for p in model.parameters():
            p.grad = torch.ones_like(p) if p.requires_grad else None
        start = {n: p.detach().clone() for n, p in model.named_parameters()}
        optimizer.step()
        result["steps"] = {n: float((start[n] - p.detach()).mean())
                           for n, p in model.named_parameters()}
    except (ValueError, TypeError, KeyError, RuntimeError) as exc:
        result["optim_error"] = f"{type(exc).__name__}: {str(exc)[:100]}"
    return result


def run(student, exercise_id, task, arch, frozen=(), **args):
    """(the student's description, the trusted one) of one probe."""
    student.value(exercise_id)  # a missing function is reported as missing
    got = student.probe(transfer_probe, task, arch, list(frozen), args)
    expected = transfer_probe(REFERENCE, task, arch, list(frozen), args)
    return got, expected


def listed(names, limit=3):
    return ", ".join(names[:limit]) + (", ..." if len(names) > limit else "")


# ---------------------------------------------------------------- freeze

def check_freeze(got, expected, what):
    if got["ret"] is not None:
        fail(f"freeze({what}) returned {got['ret']}; it should change the parameters in "
             "place and return None")
    if got["after"]["modes"] != got["before"]["modes"]:
        fail(f"freeze({what}) changed the train/eval mode of modules: freezing means "
             "requires_grad = False; model.eval() is a different thing (BatchNorm and dropout "
             "behaviour) and is the training loop's choice")
    left = [n for n in got["after"]["trainable"] if n not in expected["after"]["trainable"]]
    if left and got["after"]["trainable"] == got["before"]["trainable"]:
        fail(f"freeze({what}) left every parameter trainable: set requires_grad = False on "
             "each parameter (module.requires_grad = False only adds a new attribute, and "
             "eval() or no_grad() freeze nothing)")
    if left:
        hint = ""
        if all(n in got["bn"] for n in left):
            hint = ": BatchNorm's weight and bias are parameters too"
        elif all(n.endswith(".bias") for n in left):
            hint = ": the biases are parameters too"
        fail(f"freeze({what}) leaves {len(left)} parameters trainable ({listed(left)}){hint}")
    extra = [n for n in expected["after"]["trainable"] if n not in got["after"]["trainable"]]
    if extra:
        fail(f"freeze({what}) also froze {listed(extra)}, which are outside the module it "
             "was given")
    if got["changed"]:
        fail(f"freeze({what}) changed the values of {listed(got['changed'])}: freezing must "
             "leave weights and BatchNorm statistics as they are")


@exercise("freeze", points=1)
def test_freeze_whole_model(student):
    """Does freeze(model) set requires_grad=False on every parameter, BatchNorm's included?"""
    got, expected = run(student, "freeze", "freeze", "tiny", target="")
    check_freeze(got, expected, "model")


@exercise("freeze", points=1)
def test_freeze_keeps_modes(student):
    """Does freeze leave train mode (and eval mode) of every module as it was?"""
    for eval_mode in (False, True):
        got, expected = run(student, "freeze", "freeze", "tiny", target="", eval=eval_mode)
        check_freeze(got, expected, f"a model in {'eval' if eval_mode else 'train'} mode")


@exercise("freeze", points=1)
def test_freeze_submodule_only(student):
    """Does freeze(model.layer1) freeze layer1 and nothing else?"""
    got, expected = run(student, "freeze", "freeze", "tiny", target="layer1")
    check_freeze(got, expected, "model.layer1")


@exercise("freeze", points=1, timeout=30)
def test_freeze_resnet18(student):
    """Does freeze(resnet18) freeze all 62 parameter tensors and keep its statistics?"""
    got, expected = run(student, "freeze", "freeze", "resnet18", target="")
    check_freeze(got, expected, "resnet18(weights=None)")


# ---------------------------------------------------------------- replace_head

def check_replace(got, expected, what, classes):
    if got["returned"] != "model":
        fail(f"replace_head({what}, {classes}) returned {got['returned']}; return the model "
             "itself, with its new head in model.fc")
    if got["fc_type"] != "Linear":
        fail(f"after replace_head({what}, {classes}), model.fc is a {got['fc_type']}; it "
             "should be one nn.Linear that outputs logits (no softmax: cross_entropy applies "
             "log-softmax itself)")
    lin, want = got["linear"], expected["linear"]
    if got["same_fc"] or lin["out"] != want["out"]:
        fail(f"after replace_head({what}, {classes}), model.fc has {lin['out']} outputs; "
             f"expected {want['out']}: assign the new nn.Linear to model.fc")
    if lin["in"] != want["in"]:
        fail(f"replace_head({what}, {classes}) builds nn.Linear({lin['in']}, {lin['out']}), "
             f"but the features entering fc have {want['in']} values: read in_features from "
             "model.fc instead of hard-coding it")
    if not lin["bias"]:
        fail(f"replace_head({what}, {classes}): the new head has no bias; use "
             "nn.Linear(in_features, num_classes) with its default bias=True")
    head = [n for n in expected["trainable"] if n.startswith("fc.")]
    frozen_head = [n for n in head if n not in got["trainable"]]
    if frozen_head:
        fail(f"replace_head({what}, {classes}): the new head's {listed(frozen_head)} do not "
             "require grad, so nothing would train (do not freeze the new head)")
    woke = [n for n in got["trainable"] if n not in expected["trainable"]]
    if woke:
        fail(f"replace_head({what}, {classes}) made {len(woke)} frozen backbone parameters "
             f"trainable ({listed(woke)}): change model.fc only")
    slept = [n for n in expected["trainable"] if n not in got["trainable"]]
    if slept:
        fail(f"replace_head({what}, {classes}) froze {listed(slept)}: change model.fc only")
    if got["changed"]:
        fail(f"replace_head({what}, {classes}) changed backbone values "
             f"({listed(got['changed'])}): change model.fc only")
    if "raised" in got:
        fail(f"the model with its new head raised RuntimeError on an input batch "
             f"({got['raised'][:80]})")
    if "expected" not in got:
        fail("the new head does not receive the pooled backbone features")


@exercise("replace_head", points=1)
def test_replace_head_shape(student):
    """Is model.fc a new Linear(in_features, num_classes) with bias, in_features read off fc?"""
    got, expected = run(student, "replace_head", "replace", "tiny", [""], classes=5)
    check_replace(got, expected, "a frozen model whose fc is Linear(24, 9)", 5)


@exercise("replace_head", points=1)
def test_replace_head_trainable_head_frozen_backbone(student):
    """After freeze, is the new head the only thing that requires grad?"""
    got, expected = run(student, "replace_head", "replace", "tiny", [""], classes=4)
    check_replace(got, expected, "a frozen model", 4)
    if sorted(got["trainable"]) != sorted(expected["trainable"]):
        fail("after replace_head on a frozen model, exactly fc.weight and fc.bias should "
             f"require grad; found {listed(got['trainable'])}")


@exercise("replace_head", points=1)
def test_replace_head_keeps_partial_freezing(student):
    """On a partly frozen model, does replace_head keep the other flags as they were?"""
    got, expected = run(student, "replace_head", "replace", "tiny", ["conv1", "bn1"], classes=3)
    check_replace(got, expected, "a model whose conv1 and bn1 are frozen", 3)


@exercise("replace_head", points=1)
def test_replace_head_outputs_logits(student):
    """Does the model output fc(pooled features): logits of shape (N, num_classes)?"""
    got, expected = run(student, "replace_head", "replace", "tiny", [""], classes=6)
    check_replace(got, expected, "a frozen model", 6)
    check_tensor(got["logits"], got["expected"], "the logits of the model with its new head "
                 "on x (2, 3, 10, 12)")


@exercise("replace_head", points=1, timeout=30)
def test_replace_head_resnet18(student):
    """On torchvision's resnet18, is fc replaced by Linear(512, 10)?"""
    got, expected = run(student, "replace_head", "replace", "resnet18", [""], classes=10)
    check_replace(got, expected, "frozen resnet18(weights=None)", 10)
    check_tensor(got["logits"], got["expected"], "resnet18's logits on x (2, 3, 32, 40)")


# ---------------------------------------------------------------- count_trainable

def check_count(student, arch, frozen, what):
    got, expected = run(student, "count_trainable", "count", arch, frozen)
    n, want = got["count"], expected["count"]
    if type(n) is not int:
        fail(f"count_trainable({what}) should return an int, got {wire.type_name(n)}")
    if n == want:
        return
    counts = transfer_probe({"count_trainable": lambda m: {
        "all": sum(p.numel() for p in m.parameters()),
        "frozen": sum(p.numel() for p in m.parameters() if not p.requires_grad),
        "tensors": sum(1 for p in m.parameters() if p.requires_grad),
        "state": sum(v.numel() for v in m.state_dict().values())}}, "count", arch,
        list(frozen), {})["count"]
    hints = {"all": "it counts frozen parameters too: only those with requires_grad=True",
             "frozen": "it counts the frozen parameters instead of the trainable ones",
             "tensors": "it counts parameter tensors, not their scalars: add p.numel()",
             "state": "it counts the state_dict (with BatchNorm's buffers) instead of the "
                      "trainable parameters"}
    for key, hint in hints.items():
        if n == counts[key] and counts[key] != want:
            fail(f"count_trainable({what}) = {n:,}: {hint}")
    if n > want:
        fail(f"count_trainable({what}) = {n:,} is too large: is a parameter counted more than "
             "once (modules() already includes the submodules; parameters() recurses)?")
    fail(f"count_trainable({what}) = {n:,} is off by {abs(n - want):,}")


@exercise("count_trainable", points=1)
def test_count_partly_frozen(student):
    """Does count_trainable count only the scalars of parameters that require grad?"""
    check_count(student, "tiny", ["conv1", "layer1"], "a model with conv1 and layer1 frozen")


@exercise("count_trainable", points=1)
def test_count_shared_once(student):
    """Is a conv registered under two names counted once, and nested modules once?"""
    check_count(student, "tied", [], "a model whose layer1[0] is also model.shortcut")


@exercise("count_trainable", points=1, timeout=30)
def test_count_resnet18(student):
    """Is count_trainable 0 for a frozen resnet18 and right for one with frozen layer1-3?"""
    check_count(student, "resnet18", [""], "frozen resnet18")
    check_count(student, "resnet18", ["layer1", "layer2", "layer3"],
                "resnet18 with layer1, layer2 and layer3 frozen")


# ---------------------------------------------------------------- param_groups

def groups_of(student, arch, frozen, blr=1e-3, hlr=0.1):
    got, expected = run(student, "param_groups", "groups", arch, frozen, backbone_lr=blr,
                        head_lr=hlr)
    call = f"param_groups(model, backbone_lr={blr}, head_lr={hlr})"
    if "type" in got:
        fail(f"{call} should return a list of two dicts, got {got['type']}")
    groups = got["groups"]
    if len(groups) != 2:
        fail(f"{call} returned {len(groups)} groups; expected 2: the backbone, then the head")
    for i, g in enumerate(groups):
        if "type" in g:
            fail(f"{call}: group {i} should be a dict, got {g['type']}")
        if "params" not in g["keys"] or "lr" not in g["keys"]:
            fail(f"{call}: group {i} has the keys {g['keys']}; each group needs 'params' and "
                 "'lr' (torch.optim ignores other names and would use its default lr)")
        if g["odd"]:
            fail(f"{call}: group {i}'s 'params' should hold the parameter tensors themselves "
                 "(from model.parameters()), not names or (name, tensor) pairs")
    return got, expected, call


def check_lrs(got, blr, hlr, call):
    lrs = [g["lr"] for g in got["groups"]]
    if lrs == [hlr, blr]:
        fail(f"{call}: the learning rates are swapped: the backbone group gets backbone_lr, "
             "the head group head_lr")
    if lrs != [blr, hlr]:
        fail(f"{call}: the groups' lr are {lrs}; expected [backbone_lr, head_lr] in this "
             "order")


def check_members(got, expected, call):
    (back, head), (want_back, want_head) = ([g["params"] for g in r["groups"]]
                                            for r in (got, expected))
    both = sorted(set(back) & set(head))
    if both:
        fail(f"{call}: {listed(both)} are in both groups (torch.optim refuses a parameter in "
             "two groups): the backbone group must leave out model.fc's parameters")
    if sorted(head) != sorted(want_head):
        fail(f"{call}: the head group holds {listed(sorted(head))}; expected model.fc's "
             "trainable parameters")
    frozen = sorted(set(back) - set(want_back) - set(want_head))
    if frozen:
        fail(f"{call}: the backbone group holds frozen parameters ({listed(frozen)}): leave "
             "out those with requires_grad=False")
    missing = sorted(set(want_back) - set(back))
    if missing:
        fail(f"{call}: the backbone group lacks trainable parameters ({listed(missing)})")
    if len(back) != len(set(back)):
        fail(f"{call}: a parameter appears twice in the backbone group")


@exercise("param_groups", points=1)
def test_groups_form_and_lrs(student):
    """Two dicts with 'params' and 'lr': backbone_lr first, then head_lr?"""
    got, _, call = groups_of(student, "tiny", [], 1e-3, 0.1)
    check_lrs(got, 1e-3, 0.1, call)


@exercise("param_groups", points=1)
def test_groups_head_only_in_head(student):
    """Does the head group hold exactly model.fc's parameters, and the backbone none of them?"""
    got, expected, call = groups_of(student, "tiny", [], 2e-4, 0.05)
    check_members(got, expected, call)


@exercise("param_groups", points=1)
def test_groups_skip_frozen(student):
    """With conv1 and bn1 frozen, does the backbone group hold the trainable rest only?"""
    got, expected, call = groups_of(student, "tiny", ["conv1", "bn1"], 1e-4, 0.01)
    check_members(got, expected, call)
    check_lrs(got, 1e-4, 0.01, call)


@exercise("param_groups", points=1)
def test_groups_drive_an_optimizer(student):
    """Does SGD on the groups move each trainable parameter with its own group's lr?"""
    got, expected, call = groups_of(student, "tiny", ["bn1"], 1e-3, 0.1)
    if "optim_error" in got:
        fail(f"torch.optim.SGD({call}) raised {got['optim_error'][:90]}")
    for name, want in expected["steps"].items():
        step = got["steps"][name]
        if abs(step - want) > 1e-6 * max(1.0, abs(want)):
            fail(f"one SGD step on the groups moved {name} by {step:.3g} per unit gradient; "
                 f"expected {want:.3g} (its group's lr, 0 if frozen)")


@exercise("param_groups", points=1, timeout=30)
def test_groups_resnet18(student):
    """On resnet18 with layer1 frozen: the right members and lrs?"""
    got, expected, call = groups_of(student, "resnet18", ["layer1"], 1e-4, 1e-2)
    check_members(got, expected, call)
    check_lrs(got, 1e-4, 1e-2, call)


# ---------------------------------------------------------------- checkpoints

@exercise("q_bn_stats", points=1)
def test_q_bn_stats(student):
    """What happens to a frozen backbone's BatchNorm statistics in train mode?"""
    check_answer(student.value("q_bn_stats"), "q_bn_stats", "4054e6630b6184e455c3")


@exercise("q_head_params", points=1)
def test_q_head_params(student):
    """How many parameters train after freeze + replace_head(resnet18, 10)?"""
    check_answer(student.value("q_head_params"), "q_head_params", "d31a054472740e08162e",
                 digits=0)


@exercise("q_when_finetune", points=1)
def test_q_when_finetune(student):
    """When does fine-tuning gain most over feature extraction?"""
    check_answer(student.value("q_when_finetune"), "q_when_finetune", "d05059d0818f8d2d3fbc")
