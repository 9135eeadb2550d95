"""Hidden grader for s2_cnn/detection: box IoU, NMS, anchors, Faster R-CNN box encoding and
decoding, YOLO grid targets, SSD default boxes, RoIAlign, average precision, checkpoints.

Oracles, computed here in float64: torchvision.ops.box_iou / nms / roi_align(aligned=True),
AnchorGenerator, BoxCoder.encode_single / decode_single and DefaultBoxGenerator; for the YOLO
targets and average precision (no torchvision equivalent) a brute force written here.  Where a
wrong result equals what a classic mistake gives (min/max corners swapped, no clamp, >= in
NMS, unsorted scores, the log ratio inverted, x and y swapped, aligned=False, a ground truth
matched twice...), the feedback names the mistake.  Every case runs a few small tensors."""

import math
import re

import torch
from torchvision.models.detection._utils import BoxCoder
from torchvision.models.detection.anchor_utils import AnchorGenerator, DefaultBoxGenerator
from torchvision.ops import box_iou as tv_box_iou
from torchvision.ops import nms as tv_nms
from torchvision.ops import roi_align as tv_roi_align

from dlcore.grading import (
    ATOL,
    ATOL_F64,
    RTOL,
    RTOL_F64,
    ForbiddenCall,
    check_tensor,
    exercise,
    fail,
    quote,
    rng,
)
from dlcore.questions import check_answer
from dlcore.untrusted import wire

F64 = torch.float64
TV = "torchvision.models.detection"
IOU = ["torchvision.ops.box_iou", "torchvision.ops.boxes.box_iou",
       "torchvision.ops.boxes._box_inter_union", "torchvision.ops.generalized_box_iou",
       "torchvision.ops.boxes.generalized_box_iou", "torchvision.ops.complete_box_iou",
       "torchvision.ops.distance_box_iou"]
# torchvision.ops.nms reaches the torchvision::nms operator; the recorder matches operators by
# name whatever their namespace, so "aten.nms" also catches torch.ops.torchvision.nms.
NMS = ["torchvision.ops.nms", "torchvision.ops.boxes.nms", "torchvision.ops.batched_nms",
       "torchvision.ops.boxes.batched_nms", "torchvision.ops.boxes._batched_nms_vanilla",
       "torchvision.ops.boxes._batched_nms_coordinate_trick", "aten.nms"]
ANCHORS = [f"{TV}.anchor_utils.AnchorGenerator.{m}"
           for m in ("__init__", "generate_anchors", "grid_anchors", "forward")]
CODER = [f"{TV}._utils.BoxCoder.{m}"
         for m in ("__init__", "encode", "encode_single", "decode", "decode_single")]
CODER += [f"{TV}._utils.encode_boxes"]
SSD = [f"{TV}.anchor_utils.DefaultBoxGenerator.{m}"
       for m in ("__init__", "_generate_wh_pairs", "_grid_default_boxes", "forward")]
ROI = ["torchvision.ops.roi_align", "torchvision.ops.roi_align.roi_align",
       "torchvision.ops.roi_align._roi_align", "torchvision.ops.RoIAlign.forward",
       "torchvision.ops.roi_pool", "torchvision.ops.roi_pool.roi_pool",
       "torchvision.ops.RoIPool.forward", "torchvision.ops.MultiScaleRoIAlign.forward",
       "torchvision.ops.ps_roi_align", "torchvision.ops.ps_roi_pool",
       "aten.roi_align", "aten.roi_pool", "aten.ps_roi_align", "aten.ps_roi_pool"]
LABELS = {"aten.nms": "torchvision's nms operator (torch.ops.torchvision.nms)",
          "aten.roi_align": "torchvision's roi_align operator",
          "aten.roi_pool": "torchvision's roi_pool operator",
          "aten.ps_roi_align": "torchvision's ps_roi_align operator",
          "aten.ps_roi_pool": "torchvision's ps_roi_pool operator"}


# ---------------------------------------------------------------- calling the submission
def alone(ns, name, calls):
    """Probe: ns[name](*args) for each args in calls, with a trusted box_iou swapped in (a
    wrong box_iou never costs nms or average_precision)."""
    import torch

    def box_iou(boxes1, boxes2):
        lt = torch.maximum(boxes1[:, None, :2], boxes2[None, :, :2])
        rb = torch.minimum(boxes1[:, None, 2:], boxes2[None, :, 2:])
        inter = (rb - lt).clamp(min=0).prod(-1)
        a1 = (boxes1[:, 2] - boxes1[:, 0]) * (boxes1[:, 3] - boxes1[:, 1])
        a2 = (boxes2[:, 2] - boxes2[:, 0]) * (boxes2[:, 3] - boxes2[:, 1])
        return inter / (a1[:, None] + a2[None, :] - inter)

    fn = ns[name]
    saved = ns["box_iou"] if name != "box_iou" and "box_iou" in ns else None
    if name != "box_iou":
        ns["box_iou"] = box_iou
    try:
        return [fn(*args) for args in calls]
    finally:
        if name != "box_iou":
            ns.pop("box_iou", None)
            if saved is not None:
                ns["box_iou"] = saved


def run(student, name: str, calls: list[tuple]) -> list:
    """The student's results for each argument tuple (fresh copies go to the sandbox), with
    forbidden operators named the way students write them."""
    calls = [tuple(a.clone() if isinstance(a, torch.Tensor) else a for a in args)
             for args in calls]
    try:
        return student.probe(alone, name, calls)
    except ForbiddenCall as exc:
        text = str(exc)
        for op, label in LABELS.items():
            text = re.sub(rf"{re.escape(op)}(?!\w)", label, text)
        raise ForbiddenCall(text) from None


def close(got, want: torch.Tensor, rtol: float = RTOL_F64, atol: float = ATOL_F64) -> bool:
    return (type(got) is torch.Tensor and tuple(got.shape) == tuple(want.shape)
            and got.dtype.is_floating_point
            and torch.allclose(got.double(), want.double(), rtol=rtol, atol=atol, equal_nan=True))


def check_result(got, want: torch.Tensor, what: str, mistakes: list, dtype=F64) -> None:
    """Name a known mistake where the output is what it gives (mistakes: (feedback, output)
    pairs), else compare with the oracle, in the inputs' dtype."""
    rtol, atol = (RTOL_F64, ATOL_F64) if dtype == F64 else (RTOL, ATOL)
    if type(got) is torch.Tensor and not close(got, want, rtol, atol):
        for feedback, wrong in mistakes:
            if wrong is not None and not close(wrong, want, rtol, atol) \
                    and close(got, wrong, rtol, atol):
                fail(f"{what}: {feedback}")
        if tuple(got.shape) == tuple(want.shape[::-1]) and want.dim() == 2 \
                and close(got.T, want, rtol, atol):
            fail(f"{what} is transposed: shape {tuple(got.shape)}, expected "
                 f"{tuple(want.shape)}")
        if dtype == F64 and close(got, want, RTOL, ATOL):
            fail(f"{what} agrees only to float32 precision: compute in the inputs' dtype "
                 "(float64 here)")
    check_tensor(got, want.to(dtype), what, rtol, atol, check_dtype=True)


def random_boxes(g: torch.Generator, n: int, extent: float = 40.0, dtype=F64) -> torch.Tensor:
    xy = torch.rand(n, 2, generator=g, dtype=F64) * extent  # (n, 2)
    wh = torch.rand(n, 2, generator=g, dtype=F64) * extent / 2 + 0.5  # (n, 2)
    return torch.cat([xy, xy + wh], dim=1).to(dtype)  # (n, 4)


# ---------------------------------------------------------------- box_iou
def iou_variant(b1, b2, corners="right", clamp=True, subtract=True, plus=0.0):
    b1, b2 = b1.double(), b2.double()
    pick = (torch.maximum, torch.minimum) if corners == "right" else (torch.minimum, torch.maximum)
    lt = pick[0](b1[:, None, :2], b2[None, :, :2])  # (N, M, 2)
    rb = pick[1](b1[:, None, 2:], b2[None, :, 2:])  # (N, M, 2)
    wh = rb - lt + plus  # (N, M, 2)
    wh = wh.clamp(min=0) if clamp else wh
    inter = wh[..., 0] * wh[..., 1]  # (N, M)
    a1 = ((b1[:, 2] - b1[:, 0] + plus) * (b1[:, 3] - b1[:, 1] + plus))[:, None]  # (N, 1)
    a2 = ((b2[:, 2] - b2[:, 0] + plus) * (b2[:, 3] - b2[:, 1] + plus))[None, :]  # (1, M)
    return inter / (a1 + a2 - (inter if subtract else 0))


IOU_MISTAKES = [
    ("the intersection's top-left corner is the max of the two top-left corners and its "
     "bottom-right corner the min (min/max swapped gives the enclosing box)",
     {"corners": "swapped"}),
    ("disjoint boxes get a positive IoU: clamp the intersection's width and height at 0 "
     "(clamp(min=0)) before multiplying; two negative sides make a positive area",
     {"clamp": False}),
    ("the union is |a| + |b| - |a & b|: without subtracting the intersection it is counted "
     "twice", {"subtract": False}),
    ("uses the +1 pixel convention (width x2 - x1 + 1): torchvision's coordinates are "
     "continuous, the width is x2 - x1", {"plus": 1.0}),
]


def check_iou(student, cases: list[tuple[torch.Tensor, torch.Tensor, str]]) -> None:
    results = run(student, "box_iou", [(b1, b2) for b1, b2, _ in cases])
    for got, (b1, b2, label) in zip(results, cases, strict=True):
        want = tv_box_iou(b1.double(), b2.double())  # (N, M)
        mistakes = [(fb, iou_variant(b1, b2, **kw)) for fb, kw in IOU_MISTAKES]
        what = f"box_iou(boxes1 {tuple(b1.shape)}, boxes2 {tuple(b2.shape)}) ({label})"
        check_result(got, want, what, mistakes, b1.dtype)


@exercise("box_iou", points=1, forbid=IOU)
def test_box_iou_random(student):
    """Does box_iou match torchvision.ops.box_iou on random boxes, N = 5, M = 7 and N = 8,
    M = 3, float64?"""
    g = rng(10)
    check_iou(student, [(random_boxes(g, 5), random_boxes(g, 7), "random"),
                        (random_boxes(g, 8, 20.0), random_boxes(g, 3, 20.0), "random")])


@exercise("box_iou", points=1, forbid=IOU)
def test_box_iou_special_pairs(student):
    """Touching, nested, identical, disjoint (in x, in y, in both) and zero-area boxes?"""
    b1 = torch.tensor([[0.0, 0.0, 4.0, 2.0], [1.0, 1.0, 3.0, 6.0], [5.0, 5.0, 5.0, 9.0],
                       [2.0, 3.0, 2.0, 3.0], [10.0, 0.0, 13.0, 7.0], [0.0, 10.0, 6.0, 11.0]],
                      dtype=F64)  # (6, 4) the 3rd is a line, the 4th a point
    b2 = torch.tensor([[4.0, 0.0, 7.0, 2.0], [0.0, 0.0, 4.0, 2.0], [1.5, 2.0, 2.5, 3.0],
                       [20.0, 20.0, 25.0, 22.0], [11.0, 8.0, 12.0, 9.0]], dtype=F64)  # (5, 4)
    check_iou(student, [(b1, b2, "touching, nested, identical, disjoint, zero-area"),
                        (b2, b1[[0, 1, 4, 5]], "the same, swapped")])


@exercise("box_iou", points=1, forbid=IOU)
def test_box_iou_float32_and_empty(student):
    """In float32 (dtype kept) on image-sized coordinates, and with no boxes on one side
    (shape (0, M))?"""
    g = rng(11)
    b1, b2 = random_boxes(g, 4, 800.0, torch.float32), random_boxes(g, 9, 800.0, torch.float32)
    check_iou(student, [(b1, b2, "float32"), (b1[:0], b2, "no boxes1")])


# ---------------------------------------------------------------- nms
def nms_variant(boxes, scores, t, sort=True, strict=True, only_kept=True, by_index=False):
    """A reference NMS with one switch per classic mistake; a list of indices."""
    iou = tv_box_iou(boxes.double(), boxes.double())  # (N, N)
    order = torch.argsort(scores, descending=True, stable=True).tolist() if sort \
        else list(range(len(scores)))
    removed, keep = set(), []
    for i in order:
        if i in removed:
            if not only_kept:
                removed |= {j for j in order if (iou[i, j] > t if strict else iou[i, j] >= t)}
            continue
        keep.append(i)
        removed |= {j for j in order if j != i and (iou[i, j] > t if strict else iou[i, j] >= t)}
    return sorted(keep) if by_index else keep


NMS_MISTAKES = [
    ("a box whose IoU with a kept box equals iou_threshold must survive: drop only IoU > "
     "threshold (you used >=)", {"strict": False}),
    ("boxes are processed in index order: sort by score first (highest first)",
     {"sort": False}),
    ("removed boxes also suppress others: only *kept* boxes remove their neighbours",
     {"only_kept": False}),
    ("the kept indices come sorted by index: return them in decreasing score order",
     {"by_index": True}),
]


def check_nms(student, cases: list[tuple[torch.Tensor, torch.Tensor, float, str]]) -> None:
    results = run(student, "nms", [(b, s, t) for b, s, t, _ in cases])
    for got, (b, s, t, label) in zip(results, cases, strict=True):
        want = tv_nms(b.double(), s.double(), t)  # (K,)
        what = f"nms(boxes {tuple(b.shape)}, scores, {t}) ({label})"
        got = check_indices(got, what)
        if got == want.tolist():
            continue
        for feedback, kw in NMS_MISTAKES:
            wrong = nms_variant(b, s, t, **kw)
            if wrong != want.tolist() and got == wrong:
                fail(f"{what}: {feedback}")
        if sorted(got) == sorted(want.tolist()):
            fail(f"{what} keeps the right boxes in the wrong order: decreasing score, ties by "
                 "lower index (a stable sort)")
        fail(f"{what} keeps {len(got)} boxes, {len(set(got) ^ set(want.tolist()))} of them "
             f"different from torchvision.ops.nms ({len(want)} kept)")


def check_indices(got, what: str) -> list[int]:
    if type(got) is not torch.Tensor:
        fail(f"{what} should return a torch.Tensor of indices, got "
             f"{quote(wire.type_name(got), 40)}")
    if got.dtype != torch.int64:
        fail(f"{what} returned dtype {got.dtype}; indices are int64 (torch.long), like "
             "torchvision.ops.nms (torch.tensor([]) alone would be float32)")
    if got.dim() != 1:
        fail(f"{what} returned shape {tuple(got.shape)}; expected a 1-D tensor (K,)")
    return got.tolist()


def clusters(g: torch.Generator, n_clusters: int, per: int, dtype=F64) -> torch.Tensor:
    centres = random_boxes(g, n_clusters, 60.0)  # (n_clusters, 4)
    jitter = torch.randn(n_clusters, per, 4, generator=g, dtype=F64) * 1.5  # (n, per, 4)
    boxes = (centres[:, None] + jitter).reshape(-1, 4)  # (n*per, 4)
    lo, hi = torch.minimum(boxes[:, :2], boxes[:, 2:]), torch.maximum(boxes[:, :2], boxes[:, 2:])
    return torch.cat([lo, hi], dim=1).to(dtype)  # (n*per, 4)


@exercise("nms", points=1, forbid=NMS)
def test_nms_random_clusters(student):
    """Does nms match torchvision.ops.nms on clusters of jittered boxes with distinct random
    scores, at thresholds 0.3 and 0.6?"""
    g = rng(20)
    b = clusters(g, 5, 6)  # (30, 4)
    s = torch.rand(30, generator=g, dtype=F64)  # (30,)
    check_nms(student, [(b, s, 0.3, "30 boxes, 5 clusters"), (b, s, 0.6, "30 boxes"),
                        (b.float(), s.float(), 0.45, "float32")])


@exercise("nms", points=1, forbid=NMS)
def test_nms_score_ties(student):
    """With tied scores (and identical boxes), is the lower index kept first?"""
    g = rng(21)
    b = clusters(g, 4, 5)  # (20, 4)
    b[7] = b[3]
    s = (torch.rand(20, generator=g, dtype=F64) * 4).floor() / 4  # (20,) many ties
    check_nms(student, [(b, s, 0.4, "tied scores"), (b, torch.ones(20, dtype=F64), 0.5,
                                                      "all scores equal")])


@exercise("nms", points=1, forbid=NMS)
def test_nms_threshold_equal(student):
    """Does a box whose IoU with a kept box equals the threshold exactly survive (> not >=)?"""
    b = torch.tensor([[0.0, 0.0, 3.0, 1.0], [1.0, 0.0, 4.0, 1.0], [0.0, 0.0, 2.0, 2.0],
                      [0.0, 0.0, 4.0, 2.0], [10.0, 10.0, 14.0, 12.0], [10.0, 10.0, 12.0, 12.0]],
                     dtype=F64)  # (6, 4) IoUs 0.5 and 0.25 exactly
    s = torch.tensor([0.9, 0.8, 0.7, 0.95, 0.6, 0.5], dtype=F64)  # (6,)
    check_nms(student, [(b, s, 0.5, "IoU exactly 0.5"), (b, s, 0.25, "IoU exactly 0.25")])


def nms_shapes(ns, cases):
    """Probe: nms's result for each case, with its dtype and whether it lies on the boxes'
    device."""
    out = []
    for boxes, scores, t in cases:
        keep = ns["nms"](boxes, scores, t)
        on_device = getattr(keep, "device", None) == boxes.device
        out.append((keep, str(getattr(keep, "dtype", "")), on_device))
    return out


@exercise("nms", points=1, forbid=NMS)
def test_nms_empty_single_dtype_device(student):
    """Empty input, a single box, float64 boxes: int64 indices of shape (K,) on the boxes'
    device?"""
    cases = [(torch.zeros(0, 4), torch.zeros(0), 0.5, "empty"),
             (torch.tensor([[1.0, 2.0, 3.0, 5.0]], dtype=F64), torch.tensor([0.3], dtype=F64),
              0.5, "one box")]
    try:
        results = student.probe(nms_shapes, [(b, s, t) for b, s, t, _ in cases])
    except ForbiddenCall as exc:
        raise ForbiddenCall(re.sub(r"aten\.nms(?!\w)", LABELS["aten.nms"], str(exc))) from None
    for (keep, _, on_device), (b, s, t, label) in zip(results, cases, strict=True):
        what = f"nms(boxes {tuple(b.shape)}, scores, {t}) ({label})"
        got = check_indices(keep, what)
        if got != tv_nms(b, s, t).tolist():
            fail(f"{what} returned {got}; expected {tv_nms(b, s, t).tolist()}")
        if not on_device:
            fail(f"{what}: the indices must lie on boxes.device (device=boxes.device)")


# ---------------------------------------------------------------- anchor_grid
def anchors_oracle(size, stride, sizes, ratios, centre=0.0, rounded=True,
                   ratio_major=True, inverted=False, rows_first=True):
    """torchvision's AnchorGenerator in float64, or one classic mistake of it."""
    if (centre, rounded, ratio_major, inverted, rows_first) == (0.0, True, True, False, True):
        gen = AnchorGenerator(sizes=(tuple(sizes),), aspect_ratios=(tuple(ratios),))
        gen.cell_anchors = [gen.generate_anchors(list(sizes), list(ratios), dtype=F64)]
        strides = [[torch.tensor(stride[0]), torch.tensor(stride[1])]]
        return gen.grid_anchors([list(size)], strides)[0]
    s = torch.tensor(sizes, dtype=F64)  # (S,)
    r = torch.tensor(ratios, dtype=F64).sqrt()  # (R,)
    r = 1 / r if inverted else r
    ws, hs = s[None, :] / r[:, None], s[None, :] * r[:, None]  # (R, S)
    if not ratio_major:
        ws, hs = ws.T, hs.T  # (S, R)
    ws, hs = ws.reshape(-1), hs.reshape(-1)  # (A,)
    base = torch.stack([-ws, -hs, ws, hs], dim=1) / 2  # (A, 4)
    base = base.round() if rounded else base
    ys = (torch.arange(size[0], dtype=F64) + centre) * stride[0]  # (H,)
    xs = (torch.arange(size[1], dtype=F64) + centre) * stride[1]  # (W,)
    if rows_first:
        cy, cx = torch.meshgrid(ys, xs, indexing="ij")  # (H, W)
    else:
        cx, cy = torch.meshgrid(xs, ys, indexing="ij")  # (W, H) columns first
    shifts = torch.stack([cx, cy, cx, cy], dim=-1).reshape(-1, 1, 4)  # (H*W, 1, 4)
    return (shifts + base[None]).reshape(-1, 4)  # (H*W*A, 4)


ANCHOR_MISTAKES = [
    ("the base anchors are not rounded: torchvision rounds (-w/2, -h/2, w/2, h/2) to whole "
     "pixels (torch.round)", {"rounded": False}),
    ("the anchors are centred at (x + 0.5) * stride: torchvision centres them at x * stride, "
     "the cell's top-left corner", {"centre": 0.5}),
    ("the aspect ratio is h / w: w = size / sqrt(r), h = size * sqrt(r) (you used w / h)",
     {"inverted": True}),
    ("the base anchors are size-major: the order is ratio-major, anchor r * S + s has ratio "
     "r and size s", {"ratio_major": False}),
    ("the cells are ordered column by column: rows outer (y), columns inner (x)",
     {"rows_first": False}),
]


def check_anchors(student, cases) -> None:
    results = run(student, "anchor_grid", [c[:4] + (c[4],) for c in cases])
    for got, (size, stride, sizes, ratios, dtype) in zip(results, cases, strict=True):
        want = anchors_oracle(size, stride, sizes, ratios)
        mistakes = [(fb, anchors_oracle(size, stride, sizes, ratios, **kw))
                    for fb, kw in ANCHOR_MISTAKES]
        swapped = anchors_oracle(size[::-1], stride[::-1], sizes, ratios)
        mistakes.append(("feature_size and stride are (height, width): y goes with the height "
                         "and stride_h, x with the width and stride_w", swapped[:, [1, 0, 3, 2]]))
        mistakes.append(("feature_size and stride are (height, width) pairs: you swapped them",
                         anchors_oracle(size, stride[::-1], sizes, ratios)))
        what = (f"anchor_grid({size}, {stride}, sizes={list(sizes)}, "
                f"aspect_ratios={list(ratios)}, {str(dtype)[6:]})")
        check_result(got, want, what, mistakes, dtype)


@exercise("anchor_grid", points=1, forbid=ANCHORS)
def test_anchor_grid_torchvision(student):
    """Does anchor_grid match AnchorGenerator on a 3x5 map with strides (16, 8), 3 sizes and
    3 ratios (order of cells and of anchors), float64?"""
    check_anchors(student, [((3, 5), (16, 8), (32, 64, 128), (0.5, 1.0, 2.0), F64)])


@exercise("anchor_grid", points=1, forbid=ANCHORS)
def test_anchor_grid_other_shapes(student):
    """A 4x2 map with strides (8, 32), 2 sizes and 2 ratios, in float32; a 1x3 map with one
    anchor per cell?"""
    check_anchors(student, [((4, 2), (8, 32), (24, 40), (0.25, 1.5), torch.float32),
                            ((1, 3), (4, 4), (10,), (1.0,), F64)])


# ---------------------------------------------------------------- encode / decode
def encode_variant(gt, anchors, weights, log_inverted=False, by_gt=False, corner=False,
                   no_weights=False):
    """BoxCoder.encode_single with one classic mistake."""
    wx, wy, ww, wh = (1.0, 1.0, 1.0, 1.0) if no_weights else weights
    gt, anchors = gt.double(), anchors.double()
    aw, ah = anchors[:, 2] - anchors[:, 0], anchors[:, 3] - anchors[:, 1]
    gw, gh = gt[:, 2] - gt[:, 0], gt[:, 3] - gt[:, 1]
    half = 0.0 if corner else 0.5
    ax, ay = anchors[:, 0] + half * aw, anchors[:, 1] + half * ah
    gx, gy = gt[:, 0] + half * gw, gt[:, 1] + half * gh
    nx, ny = (gw, gh) if by_gt else (aw, ah)
    lw, lh = (aw / gw, ah / gh) if log_inverted else (gw / aw, gh / ah)
    return torch.stack([wx * (gx - ax) / nx, wy * (gy - ay) / ny, ww * lw.log(), wh * lh.log()],
                       dim=1)


ENCODE_MISTAKES = [
    ("d_w = w_w log(g_w / a_w): the ratio is the box over the anchor (yours is inverted)",
     {"log_inverted": True}),
    ("the centre offsets are divided by the *anchor's* width and height, not the box's",
     {"by_gt": True}),
    ("the offsets are between centres (x1 + w/2), not top-left corners", {"corner": True}),
    ("the weights are missing: multiply d_x, d_y, d_w, d_h by w_x, w_y, w_w, w_h",
     {"no_weights": True}),
]


def check_encode(student, cases) -> None:
    results = run(student, "encode_boxes", [c[:3] for c in cases])
    for got, (gt, anchors, weights, dtype) in zip(results, cases, strict=True):
        want = BoxCoder(weights).encode_single(gt.double(), anchors.double())  # (K, 4)
        mistakes = [(fb, encode_variant(gt, anchors, weights, **kw))
                    for fb, kw in ENCODE_MISTAKES]
        mistakes.append(("x and y are swapped: d_x uses x centres and widths, d_y y centres "
                         "and heights", want[:, [1, 0, 3, 2]]))
        what = f"encode_boxes(gt {tuple(gt.shape)}, anchors, weights={weights}) ({str(dtype)[6:]})"
        check_result(got, want, what, mistakes, dtype)


def box_pair(seed: int, k: int, dtype=F64) -> tuple[torch.Tensor, torch.Tensor]:
    g = rng(seed)
    anchors = random_boxes(g, k, 60.0)  # (K, 4)
    gt = anchors + torch.randn(k, 4, generator=g, dtype=F64) * 3  # (K, 4) nearby boxes
    lo, hi = torch.minimum(gt[:, :2], gt[:, 2:]), torch.maximum(gt[:, :2], gt[:, 2:])
    return torch.cat([lo, hi + 0.5], dim=1).to(dtype), anchors.to(dtype)


@exercise("encode_boxes", points=1, forbid=CODER)
def test_encode_boxes_unit_weights(student):
    """Does encode_boxes match BoxCoder((1, 1, 1, 1)).encode_single on 9 random pairs of
    non-square boxes?"""
    gt, anchors = box_pair(30, 9)
    check_encode(student, [(gt, anchors, (1.0, 1.0, 1.0, 1.0), F64)])


@exercise("encode_boxes", points=1, forbid=CODER)
def test_encode_boxes_weights_float32(student):
    """With weights (10, 10, 5, 5) and four distinct weights (2, 3, 4, 0.5), float64 and
    float32?"""
    gt, anchors = box_pair(31, 7)
    check_encode(student, [(gt, anchors, (10.0, 10.0, 5.0, 5.0), F64),
                           (gt, anchors, (2.0, 3.0, 4.0, 0.5), F64),
                           (gt.float(), anchors.float(), (10.0, 10.0, 5.0, 5.0), torch.float32)])


def decode_variant(deltas, anchors, weights, multiply=False, clip=True, swap=False):
    wx, wy, ww, wh = weights
    d = deltas.double() * torch.tensor([wx, wy, ww, wh], dtype=F64) if multiply \
        else deltas.double() / torch.tensor([wx, wy, ww, wh], dtype=F64)  # (K, 4)
    if clip:
        d[:, 2:] = d[:, 2:].clamp(max=math.log(1000.0 / 16))
    a = anchors.double()
    aw, ah = a[:, 2] - a[:, 0], a[:, 3] - a[:, 1]
    sx, sy = (ah, aw) if swap else (aw, ah)
    cx, cy = a[:, 0] + 0.5 * aw + d[:, 0] * sx, a[:, 1] + 0.5 * ah + d[:, 1] * sy
    w, h = aw * d[:, 2].exp(), ah * d[:, 3].exp()
    return torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], dim=1)


DECODE_MISTAKES = [
    ("decoding *divides* the deltas by the weights (encoding multiplied)", {"multiply": True}),
    ("d_w / w_w and d_h / w_h must be clamped at BBOX_XFORM_CLIP = log(1000/16) before exp",
     {"clip": False}),
]


def check_decode(student, cases) -> None:
    results = run(student, "decode_boxes", [c[:3] for c in cases])
    for got, (deltas, anchors, weights, dtype) in zip(results, cases, strict=True):
        want = BoxCoder(weights).decode_single(deltas.double(), anchors.double())  # (K, 4)
        mistakes = [(fb, decode_variant(deltas, anchors, weights, **kw))
                    for fb, kw in DECODE_MISTAKES]
        swapped = ("x and y are swapped: d_x moves the centre by a multiple of the anchor's "
                   "width, d_y of its height")
        mistakes += [(swapped, decode_variant(deltas[:, [1, 0, 3, 2]], anchors, weights)),
                     (swapped, decode_variant(deltas, anchors, weights, swap=True))]
        what = (f"decode_boxes(deltas {tuple(deltas.shape)}, anchors, weights={weights}) "
                f"({str(dtype)[6:]})")
        check_result(got, want, what, mistakes, dtype)


@exercise("decode_boxes", points=1, forbid=CODER)
def test_decode_boxes_matches_boxcoder(student):
    """Does decode_boxes match BoxCoder.decode_single with weights (10, 10, 5, 5) and
    (2, 3, 4, 0.5), in float64 and float32?"""
    _, anchors = box_pair(40, 8)
    deltas = torch.randn(8, 4, generator=rng(41), dtype=F64)  # (8, 4)
    check_decode(student, [(deltas, anchors, (10.0, 10.0, 5.0, 5.0), F64),
                           (deltas, anchors, (2.0, 3.0, 4.0, 0.5), F64),
                           (deltas.float(), anchors.float(), (1.0, 1.0, 1.0, 1.0), torch.float32)])


@exercise("decode_boxes", points=1, forbid=CODER)
def test_decode_boxes_round_trip_and_clip(student):
    """Does decode_boxes invert encode_boxes (the round trip gives the boxes back), and clamp
    huge d_w, d_h at log(1000/16) before exp?"""
    gt, anchors = box_pair(42, 6)
    weights = (10.0, 10.0, 5.0, 5.0)
    codes = BoxCoder(weights).encode_single(gt, anchors)  # (6, 4)
    wild = torch.tensor([[0.5, -0.3, 40.0, 2.0], [0.0, 0.1, -1.0, 60.0]], dtype=F64)  # (2, 4)
    check_decode(student, [(codes, anchors, weights, F64),
                           (wild, anchors[:2], (1.0, 1.0, 1.0, 1.0), F64)])
    got = run(student, "decode_boxes", [(codes, anchors, weights)])[0]
    check_tensor(got, gt, "decode_boxes(encode_single(gt, anchors), anchors) (round trip)",
                 RTOL_F64, 1e-7)


# ---------------------------------------------------------------- yolo_targets
def yolo_reference(boxes, labels, image_size, grid_size, num_classes, offsets="cell",
                   sizes="image", rule="area"):
    """Brute force: loop over the cells and pick the responsible box of each."""
    (H, W), (S_h, S_w) = image_size, grid_size
    b = boxes.double()
    out = torch.zeros(S_h, S_w, 5 + num_classes, dtype=F64)
    for row in range(S_h):
        for col in range(S_w):
            mine = []
            for k in range(len(b)):
                gx = float(b[k, 0] + b[k, 2]) / 2 / W * S_w
                gy = float(b[k, 1] + b[k, 3]) / 2 / H * S_h
                if min(int(math.floor(gx)), S_w - 1) == col and \
                        min(int(math.floor(gy)), S_h - 1) == row:
                    area = float((b[k, 2] - b[k, 0]) * (b[k, 3] - b[k, 1]))
                    mine.append((k, gx, gy, area))
            if not mine:
                continue
            if rule == "area":
                k, gx, gy, _ = max(mine, key=lambda m: (m[3], -m[0]))
            else:
                k, gx, gy, _ = mine[-1] if rule == "last" else mine[0]
            tx, ty = (gx - col, gy - row) if offsets == "cell" else (gx / S_w, gy / S_h)
            scale = (S_w, S_h) if sizes == "cell" else (1, 1)
            out[row, col, :5] = torch.tensor([1.0, tx, ty,
                                              float(b[k, 2] - b[k, 0]) / W * scale[0],
                                              float(b[k, 3] - b[k, 1]) / H * scale[1]])
            out[row, col, 5 + int(labels[k])] = 1.0
    return out


YOLO_MISTAKES = [
    ("t_x, t_y are the centre's offset inside its cell (g_x - col), in [0, 1), not its "
     "position in the whole image", {"offsets": "image"}),
    ("w and h are fractions of the *image* (w / W_img), not of a cell", {"sizes": "cell"}),
    ("when two centres share a cell, the box with the larger area gets it (the last box "
     "overwrote it)", {"rule": "last"}),
    ("when two centres share a cell, the box with the larger area gets it (not the first in "
     "the list)", {"rule": "first"}),
]


def check_yolo(student, cases) -> None:
    results = run(student, "yolo_targets", cases)
    for got, (boxes, labels, image_size, grid_size, c) in zip(results, cases, strict=True):
        want = yolo_reference(boxes, labels, image_size, grid_size, c)
        mistakes = [(fb, yolo_reference(boxes, labels, image_size, grid_size, c, **kw))
                    for fb, kw in YOLO_MISTAKES]
        swapped = boxes[:, [1, 0, 3, 2]]
        flip = yolo_reference(swapped, labels, image_size[::-1], grid_size[::-1], c)
        mistakes.append(("rows come from y and the height, columns from x and the width: "
                         "target[row, col] with row = floor(g_y)",
                         flip.transpose(0, 1)[..., [0, 2, 1, 4, 3] + list(range(5, 5 + c))]))
        what = (f"yolo_targets(boxes {tuple(boxes.shape)}, labels, image_size={image_size}, "
                f"grid_size={grid_size}, num_classes={c})")
        check_result(got, want, what, mistakes, boxes.dtype)


@exercise("yolo_targets", points=1)
def test_yolo_targets_distinct_cells(student):
    """One object per cell on a non-square image and grid, with centres on cell boundaries
    and on the image's right and bottom borders (boxes reaching past the image)?"""
    boxes = torch.tensor([[10.0, 20.0, 50.0, 60.0], [100.0, 0.0, 160.0, 30.0],
                          [60.0, 70.0, 100.0, 90.0], [150.0, 90.0, 200.0, 110.0],
                          [0.0, 0.0, 200.0, 120.0], [185.0, 0.0, 215.0, 20.0],
                          [130.0, 112.0, 150.0, 128.0]], dtype=F64)  # (7, 4)
    labels = torch.tensor([2, 0, 3, 1, 2, 3, 0])  # (7,)
    check_yolo(student, [(boxes, labels, (120, 200), (3, 5), 4),
                         (boxes.float(), labels, (120, 200), (4, 2), 4)])


@exercise("yolo_targets", points=1)
def test_yolo_targets_shared_cells(student):
    """When several centres fall in one cell, does the largest box get it (the others left
    unassigned)?"""
    boxes = torch.tensor([[12.0, 12.0, 20.0, 20.0], [2.0, 4.0, 30.0, 28.0],
                          [10.0, 10.0, 22.0, 22.0],
                          [70.0, 40.0, 90.0, 50.0], [75.0, 35.0, 85.0, 55.0],
                          [60.0, 30.0, 100.0, 60.0], [40.0, 5.0, 44.0, 9.0]], dtype=F64)  # (7, 4)
    labels = torch.tensor([0, 1, 2, 2, 0, 1, 1])  # (7,)
    check_yolo(student, [(boxes, labels, (64, 96), (2, 3), 3)])


# ---------------------------------------------------------------- ssd_default_boxes
def ssd_oracle(fs, ars, s_min, s_max):
    gen = DefaultBoxGenerator([list(a) for a in ars], min_ratio=s_min, max_ratio=s_max)
    gen._wh_pairs = gen._generate_wh_pairs(len(fs), dtype=F64)
    return gen._grid_default_boxes([list(f) for f in fs], [300, 300], dtype=F64)  # (D, 4)


def ssd_variant(fs, ars, s_min, s_max, extra="next", centre=0.5, clip=True, both=True,
                swap=False):
    m = len(fs)
    scales = [s_min + (s_max - s_min) * k / (m - 1) for k in range(m)] + [1.0]
    out = []
    for k, (fh, fw) in enumerate(fs):
        s = scales[k]
        s2 = {"next": math.sqrt(s * scales[k + 1]), "none": None}[extra]
        wh = [(s, s)] + ([(s2, s2)] if s2 is not None else [])
        for a in ars[k]:
            r = math.sqrt(a)
            wh += [(s * r, s / r)] + ([(s / r, s * r)] if both else [])
        wh = torch.tensor(wh, dtype=F64)
        wh = wh.clamp(0, 1) if clip else wh
        ys = (torch.arange(fh, dtype=F64) + centre) / (fw if swap else fh)
        xs = (torch.arange(fw, dtype=F64) + centre) / (fh if swap else fw)
        cy, cx = torch.meshgrid(ys, xs, indexing="ij")
        c = torch.stack([cx, cy], -1).reshape(-1, 1, 2).expand(-1, len(wh), 2)
        out.append(torch.cat([c, wh[None].expand(fh * fw, -1, -1)], -1).reshape(-1, 4))
    return torch.cat(out)


SSD_MISTAKES = [
    ("the extra square box (s'_k, s'_k) with s'_k = sqrt(s_k s_{k+1}) is missing",
     {"extra": "none"}),
    ("cell (i, j) is centred at ((j + 0.5) / f_w, (i + 0.5) / f_h): the + 0.5 is missing",
     {"centre": 0.0}),
    ("widths and heights are clamped to [0, 1] (clip=True)", {"clip": False}),
    ("each aspect ratio gives two boxes: (s sqrt(a), s / sqrt(a)) and the swapped one",
     {"both": False}),
    ("x divides by the map's width f_w, y by its height f_h (swapped)", {"swap": True}),
]


def check_ssd(student, cases) -> None:
    results = run(student, "ssd_default_boxes", cases)
    for got, (fs, ars, s_min, s_max, dtype) in zip(results, cases, strict=True):
        want = ssd_oracle(fs, ars, s_min, s_max)
        mistakes = [(fb, ssd_variant(fs, ars, s_min, s_max, **kw)) for fb, kw in SSD_MISTAKES]
        what = (f"ssd_default_boxes({fs}, {ars}, s_min={s_min}, s_max={s_max}, "
                f"{str(dtype)[6:]})")
        check_result(got, want, what, mistakes, dtype)


@exercise("ssd_default_boxes", points=1, forbid=SSD)
def test_ssd_default_boxes_three_maps(student):
    """Does ssd_default_boxes match DefaultBoxGenerator on three non-square maps with one or
    two aspect ratios each, float64?"""
    check_ssd(student, [([(4, 6), (2, 3), (1, 2)], [[2.0], [2.0, 3.0], [2.0]], 0.2, 0.9, F64)])


@exercise("ssd_default_boxes", points=1, forbid=SSD)
def test_ssd_default_boxes_clipped_float32(student):
    """Four maps, scales up to 0.95 (boxes wider than the image are clamped to 1), float32;
    two maps with no extra ratio on the last?"""
    check_ssd(student, [([(3, 5), (2, 2), (1, 3), (1, 1)], [[2.0, 3.0], [3.0], [2.0], [3.0]],
                         0.1, 0.95, torch.float32),
                        ([(2, 3), (3, 1)], [[0.5], []], 0.3, 0.6, F64)])


# ---------------------------------------------------------------- roi_align
def check_roi(student, cases) -> None:
    results = run(student, "roi_align", cases)
    for got, (f, rois, size, scale, s) in zip(results, cases, strict=True):
        fd, rd = f.double(), rois.double()
        want = tv_roi_align(fd, rd, size, scale, s, aligned=True)  # (K, C, oh, ow)
        unshifted = torch.cat([rd[:, :1], rd[:, 1:] + 0.5 / scale], 1)  # (K, 5) no -0.5 offset
        half_pixel = ("the box is shifted by half a pixel on the feature map (aligned=True): "
                      "x * spatial_scale - 0.5; yours is aligned=False")
        mistakes = [
            (half_pixel, tv_roi_align(fd, rd, size, scale, s, aligned=False)),
            (half_pixel, tv_roi_align(fd, unshifted, size, scale, s, aligned=True)),
            ("spatial_scale is missing: the rois are in image pixels, multiply them by "
             "spatial_scale to reach feature-map coordinates",
             tv_roi_align(fd, rd, size, 1.0, s, aligned=True)),
            ("rois[:, 0] is the batch index: each roi reads its own image of the batch",
             tv_roi_align(fd, torch.cat([torch.zeros_like(rd[:, :1]), rd[:, 1:]], 1), size,
                          scale, s, aligned=True)),
            ("output_size is (height, width): oh bins along y, ow along x",
             tv_roi_align(fd, rd, size[::-1], scale, s, aligned=True).transpose(2, 3)),
            ("each bin is the mean of sampling_ratio x sampling_ratio samples (yours uses one "
             "sample per bin)", tv_roi_align(fd, rd, size, scale, 1, aligned=True)),
        ]
        what = (f"roi_align(features {tuple(f.shape)}, rois {tuple(rois.shape)}, {size}, "
                f"spatial_scale={scale}, sampling_ratio={s}) ({str(f.dtype)[6:]})")
        check_result(got, want, what, mistakes, f.dtype)


def rois_for(g: torch.Generator, images: list[int], extent: float) -> torch.Tensor:
    boxes = random_boxes(g, len(images), extent)  # (K, 4)
    return torch.cat([torch.tensor(images, dtype=F64)[:, None], boxes], dim=1)  # (K, 5)


@exercise("roi_align", points=1, forbid=ROI)
def test_roi_align_one_image(student):
    """One image, a 5x8 map, spatial_scale 1, 2x2 bins of 2x2 samples, three rois?"""
    g = rng(60)
    f = torch.randn(1, 2, 5, 8, generator=g, dtype=F64)  # (1, 2, 5, 8)
    check_roi(student, [(f, rois_for(g, [0, 0, 0], 6.0), (2, 2), 1.0, 2)])


@exercise("roi_align", points=1, forbid=ROI)
def test_roi_align_batch_scale(student):
    """Several rois on several images of a batch, a non-square 7x11 map, spatial_scale 0.25,
    output (3, 4), in float64 and float32?"""
    g = rng(61)
    f = torch.randn(3, 4, 7, 11, generator=g, dtype=F64)  # (3, 4, 7, 11)
    rois = rois_for(g, [2, 0, 1, 2, 0, 1], 36.0)  # (6, 5)
    check_roi(student, [(f, rois, (3, 4), 0.25, 2), (f.float(), rois.float(), (3, 4), 0.25, 2)])


@exercise("roi_align", points=1, forbid=ROI)
def test_roi_align_borders_sampling(student):
    """Rois reaching outside the map and tiny rois, spatial_scale 0.5, sampling_ratio 3,
    output (2, 5)?"""
    g = rng(62)
    f = torch.randn(2, 3, 6, 9, generator=g, dtype=F64)  # (2, 3, 6, 9)
    rois = torch.tensor([[0, -6.0, -4.0, 10.0, 8.0], [1, 12.0, 6.0, 22.0, 14.0],
                         [1, 3.0, 2.0, 3.5, 2.6], [0, -30.0, 1.0, -8.0, 5.0]], dtype=F64)
    check_roi(student, [(f, rois, (2, 5), 0.5, 3)])


# ---------------------------------------------------------------- average_precision
def ap_brute_force(pb, ps, pi, gb, gi, t, sort=True, once=True, envelope=True, strict=False,
                   images=True):
    """VOC-style AP with sentinels (a different route from the notebook's), with switches
    for the classic mistakes."""
    iou = tv_box_iou(pb.double(), gb.double())  # (P, G)
    order = sorted(range(len(ps)), key=lambda i: (-float(ps[i]), i)) if sort \
        else list(range(len(ps)))
    taken, flags = set(), []
    for i in order:
        best, best_j = -1.0, None
        for j in range(len(gb)):
            if (images and int(gi[j]) != int(pi[i])) or (once and j in taken):
                continue
            if float(iou[i, j]) > best:
                best, best_j = float(iou[i, j]), j
        hit = best_j is not None and (best > t if strict else best >= t)
        if hit:
            taken.add(best_j)
        flags.append(hit)
    tp = fp = 0
    rec, prec = [0.0], [0.0]
    for hit in flags:
        tp, fp = tp + hit, fp + (not hit)
        rec.append(tp / len(gb))
        prec.append(tp / (tp + fp))
    rec.append(1.0)
    prec.append(0.0)
    if envelope:
        for i in range(len(prec) - 2, -1, -1):
            prec[i] = max(prec[i], prec[i + 1])
    return sum((rec[i] - rec[i - 1]) * prec[i] for i in range(1, len(rec)))


AP_MISTAKES = [
    ("the predictions are not taken in decreasing score order", {"sort": False}),
    ("a ground truth was matched twice: each ground truth is matched at most once, a second "
     "detection of it is a false positive", {"once": False}),
    ("the precision is not interpolated: use the envelope max_{j >= i} p_j", {"envelope": False}),
    ("a match needs IoU >= iou_threshold (you used >)", {"strict": True}),
    ("a prediction may only match ground truth of its own image", {"images": False}),
]


def check_ap(student, cases) -> None:
    results = run(student, "average_precision", cases)
    for got, case in zip(results, cases, strict=True):
        pb, ps, pi, gb, gi, t = case
        n_images = len(set(gi.tolist()))
        what = (f"average_precision({len(pb)} predictions, {len(gb)} ground truths, "
                f"{n_images} image{'s' if n_images > 1 else ''}, iou_threshold={t:.4g})")
        if type(got) is not float:
            fail(f"{what} returned a {quote(wire.type_name(got), 40)}; return a Python float "
                 "(float(...))")
        want = ap_brute_force(*case)
        if abs(got - want) <= 1e-9:
            continue
        for feedback, kw in AP_MISTAKES:
            wrong = ap_brute_force(*case, **kw)
            if abs(wrong - want) > 1e-9 and abs(got - wrong) <= 1e-9:
                fail(f"{what}: {feedback}")
        fail(f"{what} is off by {abs(got - want):.3g}")


def hand_case():
    gt = torch.tensor([[0.0, 0.0, 10.0, 10.0], [20.0, 0.0, 30.0, 10.0],
                       [0.0, 20.0, 10.0, 30.0]], dtype=F64)  # (3, 4)
    pred = torch.tensor([[0.0, 0.0, 10.0, 10.0], [40.0, 40.0, 50.0, 50.0], [20.0, 0.0, 30.0, 10.0],
                         [1.0, 0.0, 11.0, 10.0], [0.0, 21.0, 10.0, 31.0]], dtype=F64)  # (5, 4)
    scores = torch.tensor([0.9, 0.8, 0.7, 0.6, 0.5], dtype=F64)  # (5,)
    return pred, scores, torch.zeros(5, dtype=torch.long), gt, torch.zeros(3, dtype=torch.long)


@exercise("average_precision", points=1)
def test_average_precision_by_hand(student):
    """The notebook's case worked by hand (AP = 34/45), its predictions shuffled, and the
    same split over two images with a threshold of 0.85?"""
    pred, scores, pi, gt, gi = hand_case()
    perm = torch.tensor([3, 0, 4, 2, 1])
    two_pi, two_gi = torch.tensor([0, 1, 0, 0, 1]), torch.tensor([0, 0, 1])
    check_ap(student, [(pred, scores, pi, gt, gi, 0.5),
                       (pred[perm], scores[perm], pi, gt, gi, 0.5),
                       (pred, scores, two_pi, gt, two_gi, 0.5),
                       (pred, scores, pi, gt, gi, 0.85)])


def random_detections(seed: int, n_images: int, per_image: int, extra: int):
    g = rng(seed)
    gb = random_boxes(g, n_images * per_image, 80.0)  # (G, 4)
    gi = torch.arange(n_images).repeat_interleave(per_image)  # (G,)
    hits = torch.randint(0, len(gb), (len(gb) + extra,), generator=g)  # (P,) noisy copies
    pb = gb[hits] + torch.randn(len(hits), 4, generator=g, dtype=F64) * 3  # (P, 4)
    lo, hi = torch.minimum(pb[:, :2], pb[:, 2:]), torch.maximum(pb[:, :2], pb[:, 2:])
    pi = gi[hits].clone()  # (P,)
    pi[:3] = (pi[:3] + 1) % n_images  # a few predictions on the wrong image
    ps = torch.rand(len(hits), generator=g, dtype=F64)  # (P,)
    return torch.cat([lo, hi], 1), ps, pi, gb, gi


@exercise("average_precision", points=1)
def test_average_precision_random(student):
    """Does average_precision match a brute-force VOC computation on 3 images with 12 ground
    truths and 20 noisy detections (duplicates included), at IoU 0.5 and 0.3?"""
    case = random_detections(70, 3, 4, 8)
    check_ap(student, [(*case, 0.5), (*case, 0.3)])


@exercise("average_precision", points=1)
def test_average_precision_ties_and_threshold(student):
    """With tied scores (lower index first), a duplicate detection and IoU exactly equal to
    the threshold (a true positive)?"""
    gt = torch.tensor([[0.0, 0.0, 4.0, 2.0], [10.0, 10.0, 12.0, 12.0]], dtype=F64)  # (2, 4)
    pred = torch.tensor([[2.0, 0.0, 6.0, 2.0], [0.0, 0.0, 4.0, 2.0], [10.0, 10.0, 12.0, 12.0],
                         [30.0, 30.0, 31.0, 31.0], [0.0, 0.0, 4.0, 2.0]], dtype=F64)  # (5, 4)
    scores = torch.tensor([0.8, 0.8, 0.5, 0.9, 0.4], dtype=F64)  # (5,) a tie at 0.8
    zeros5, zeros2 = torch.zeros(5, dtype=torch.long), torch.zeros(2, dtype=torch.long)
    check_ap(student, [(pred, scores, zeros5, gt, zeros2, 1 / 3),
                       (pred, scores, zeros5, gt, zeros2, 0.5)])


# ---------------------------------------------------------------- checkpoint questions
@exercise("q_nms_threshold", points=1)
def test_q_nms_threshold(student):
    """What does raising NMS's IoU threshold do to the number of kept boxes?"""
    check_answer(student.value("q_nms_threshold"), "q_nms_threshold", "b35354f291f7ea75a358")


@exercise("q_anchor_count", points=1)
def test_q_anchor_count(student):
    """How many anchors does the RPN score on a 50x68 map with 9 anchors per cell?"""
    check_answer(student.value("q_anchor_count"), "q_anchor_count", "ecb38227239e60bcc871",
                 digits=0)


@exercise("q_one_two_stage", points=1)
def test_q_one_two_stage(student):
    """What distinguishes two-stage from one-stage detectors?"""
    check_answer(student.value("q_one_two_stage"), "q_one_two_stage", "afade28e65410a6a99ae")
