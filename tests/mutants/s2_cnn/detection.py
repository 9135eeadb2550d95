"""Wrong and correct answers for s2_cnn/detection: each replaces one answer cell.  The setup
cell (math, torch, Tensor, BBOX_XFORM_CLIP, box_area, interp_weights) stays, as it does when a
student's notebook is graded."""

# The reference box_iou with the intersection corners and union filled in per mutant.
BOX_IOU = """
def box_iou(boxes1, boxes2):
    top_left = torch.{lo}(boxes1[:, None, :2], boxes2[None, :, :2])
    bottom_right = torch.{hi}(boxes1[:, None, 2:], boxes2[None, :, 2:])
    wh = {wh}
    inter = wh[..., 0] * wh[..., 1]
    union = box_area(boxes1)[:, None] + box_area(boxes2)[None, :]{minus}
    return inter / union
"""
IOU_RIGHT = {"lo": "maximum", "hi": "minimum", "wh": "(bottom_right - top_left).clamp(min=0)",
             "minus": " - inter"}


def box_iou_with(**changes: str) -> str:
    return BOX_IOU.format(**{**IOU_RIGHT, **changes})


# The reference nms with the sort, the comparison and the suppression filled in per mutant.
NMS = """
def nms(boxes, scores, iou_threshold):
    order = {order}
    iou = box_iou(boxes, boxes)
    removed = torch.zeros(len(scores), dtype=torch.bool, device=boxes.device)
    keep = []
    for i in order.tolist():
        {skip}
        keep.append(i)
        removed |= iou[i] {op} iou_threshold
    return {result}
"""
NMS_RIGHT = {"order": "torch.argsort(scores, descending=True, stable=True)",
             "skip": "if removed[i]:\n            continue", "op": ">",
             "result": "torch.tensor(keep, dtype=torch.int64, device=boxes.device)"}


REMOVED_SUPPRESS = """if removed[i]:
            removed |= iou[i] > iou_threshold
            continue"""


def nms_with(**changes: str) -> str:
    return NMS.format(**{**NMS_RIGHT, **changes})


ANCHORS = """
def anchor_grid(feature_size, stride, sizes, aspect_ratios, dtype=torch.float32):
    H, W = feature_size
    stride_h, stride_w = stride
    scales = torch.tensor(sizes, dtype=dtype)
    h_ratios = torch.tensor(aspect_ratios, dtype=dtype).sqrt(){invert}
    ws = (scales[None, :] / h_ratios[:, None]).reshape(-1)
    hs = (scales[None, :] * h_ratios[:, None]).reshape(-1)
    base = (torch.stack([-ws, -hs, ws, hs], dim=1) / 2){round}
    ys = (torch.arange(H, dtype=dtype){half}) * stride_h
    xs = (torch.arange(W, dtype=dtype){half}) * stride_w
    cy, cx = torch.meshgrid(ys, xs, indexing="ij")
    shifts = torch.stack([cx, cy, cx, cy], dim=-1).reshape(-1, 1, 4)
    return (shifts + base[None]).reshape(-1, 4)
"""
ANCHORS_RIGHT = {"invert": "", "round": ".round()", "half": ""}


def anchors_with(**changes: str) -> str:
    return ANCHORS.format(**{**ANCHORS_RIGHT, **changes})


ENCODE = """
def encode_boxes(gt, anchors, weights=(1.0, 1.0, 1.0, 1.0)):
    wx, wy, ww, wh = weights
    aw, ah = anchors[:, 2] - anchors[:, 0], anchors[:, 3] - anchors[:, 1]
    ax, ay = anchors[:, 0] + 0.5 * aw, anchors[:, 1] + 0.5 * ah
    gw, gh = gt[:, 2] - gt[:, 0], gt[:, 3] - gt[:, 1]
    gx, gy = gt[:, 0] + 0.5 * gw, gt[:, 1] + 0.5 * gh
    return torch.stack([wx * (gx - ax) / {nx}, wy * (gy - ay) / {ny},
                        ww * torch.log({rw}), wh * torch.log({rh})], dim=1)
"""
ENCODE_RIGHT = {"nx": "aw", "ny": "ah", "rw": "gw / aw", "rh": "gh / ah"}

DECODE = """
def decode_boxes(deltas, anchors, weights=(1.0, 1.0, 1.0, 1.0)):
    wx, wy, ww, wh = weights
    aw, ah = anchors[:, 2] - anchors[:, 0], anchors[:, 3] - anchors[:, 1]
    ax, ay = anchors[:, 0] + 0.5 * aw, anchors[:, 1] + 0.5 * ah
    dx, dy = deltas[:, 0] {op} wx, deltas[:, 1] {op} wy
    dw, dh = deltas[:, 2] {op} ww, deltas[:, 3] {op} wh
    {clip}
    cx, cy = ax + dx * {sx}, ay + dy * {sy}
    w, h = aw * torch.exp(dw), ah * torch.exp(dh)
    return torch.stack([cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h], dim=1)
"""
DECODE_RIGHT = {"op": "/", "sx": "aw", "sy": "ah",
                "clip": "dw, dh = dw.clamp(max=BBOX_XFORM_CLIP), dh.clamp(max=BBOX_XFORM_CLIP)"}

YOLO = """
def yolo_targets(boxes, labels, image_size, grid_size, num_classes):
    H_img, W_img = image_size
    S_h, S_w = grid_size
    target = boxes.new_zeros(S_h, S_w, 5 + num_classes)
    gx = (boxes[:, 0] + boxes[:, 2]) / 2 / W_img * S_w
    gy = (boxes[:, 1] + boxes[:, 3]) / 2 / H_img * S_h
    cols = gx.floor().long().clamp(0, S_w - 1)
    rows = gy.floor().long().clamp(0, S_h - 1)
    order = {order}
    for k in order.tolist():
        r, c = rows[k].item(), cols[k].item()
        {skip}
        target[r, c, 0] = 1
        target[r, c, 1] = {tx}
        target[r, c, 2] = {ty}
        target[r, c, 3] = (boxes[k, 2] - boxes[k, 0]) / W_img{sw}
        target[r, c, 4] = (boxes[k, 3] - boxes[k, 1]) / H_img{sh}
        target[r, c, 5:] = 0
        target[r, c, 5 + labels[k]] = 1
    return target
"""
YOLO_RIGHT = {"order": "torch.argsort(box_area(boxes), descending=True, stable=True)",
              "skip": "if target[r, c, 0] == 1:\n            continue",
              "tx": "gx[k] - c", "ty": "gy[k] - r", "sw": "", "sh": ""}

SSD = """
def ssd_default_boxes(feature_sizes, aspect_ratios, s_min=0.2, s_max=0.9, dtype=torch.float32):
    m = len(feature_sizes)
    scales = [s_min + (s_max - s_min) * k / (m - 1) for k in range(m)] + [1.0]
    out = []
    for k, (fh, fw) in enumerate(feature_sizes):
        s, s_next = scales[k], scales[k + 1]
        wh = {first}
        for a in aspect_ratios[k]:
            wh += {pairs}
        wh = torch.tensor(wh, dtype=dtype).clamp(0, 1)
        cy, cx = torch.meshgrid((torch.arange(fh, dtype=dtype) + {half}) / fh,
                                (torch.arange(fw, dtype=dtype) + {half}) / fw, indexing="ij")
        centres = torch.stack([cx, cy], dim=-1).reshape(-1, 1, 2).expand(-1, len(wh), 2)
        sizes = wh[None].expand(fh * fw, -1, -1)
        out.append(torch.cat([centres, sizes], dim=-1).reshape(-1, 4))
    return torch.cat(out)
"""
SSD_RIGHT = {"first": "[(s, s), (math.sqrt(s * s_next), math.sqrt(s * s_next))]",
             "pairs": ("[(s * math.sqrt(a), s / math.sqrt(a)), "
                       "(s / math.sqrt(a), s * math.sqrt(a))]"),
             "half": "0.5"}

ROI = """
def roi_align(features, rois, output_size, spatial_scale, sampling_ratio=2):
    N, C, H, W = features.shape
    oh, ow = output_size
    s = sampling_ratio
    x1, y1, x2, y2 = (rois[:, 1:] * {scale} - {offset}).unbind(dim=1)
    t_y = (torch.arange(oh * s, dtype=features.dtype, device=features.device) + 0.5) / s
    t_x = (torch.arange(ow * s, dtype=features.dtype, device=features.device) + 0.5) / s
    ys = y1[:, None] + (y2 - y1)[:, None] / oh * t_y
    xs = x1[:, None] + (x2 - x1)[:, None] / ow * t_x
    wy, wx = interp_weights(ys, H), interp_weights(xs, W)
    f = features[{batch}]
    samples = torch.einsum("kyh,kchw,kxw->kcyx", wy, f, wx)
    return samples.reshape(-1, C, oh, s, ow, s).mean(dim=(3, 5))
"""
ROI_RIGHT = {"scale": "spatial_scale", "offset": "0.5", "batch": "rois[:, 0].long()"}

AP = """
def average_precision(pred_boxes, pred_scores, pred_image, gt_boxes, gt_image, iou_threshold=0.5):
    order = {order}
    iou = box_iou(pred_boxes, gt_boxes)
    iou = torch.where(pred_image[:, None] == gt_image[None, :], iou, -1.0)
    matched = torch.zeros(len(gt_boxes), dtype=torch.bool, device=gt_boxes.device)
    tp = torch.zeros(len(order), dtype=torch.float64, device=gt_boxes.device)
    for rank, i in enumerate(order.tolist()):
        best = {best}
        if len(best) and best.max() >= iou_threshold:
            matched[best.argmax()] = True
            tp[rank] = 1.0
    hits = tp.cumsum(0)
    precision = hits / torch.arange(1, len(tp) + 1, dtype=torch.float64, device=tp.device)
    recall = hits / len(gt_boxes)
    envelope = {envelope}
    steps = torch.diff(recall, prepend=recall.new_zeros(1))
    return {result}
"""
AP_RIGHT = {"order": "torch.argsort(pred_scores, descending=True, stable=True)",
            "best": "iou[i].masked_fill(matched, -1.0)",
            "envelope": "precision.flip(0).cummax(0).values.flip(0)",
            "result": "float((steps * envelope).sum())"}


def fill(template: str, right: dict, **changes: str) -> str:
    return template.format(**{**right, **changes})


MUTANTS = {
    "box_iou": {
        "wrong": {
            "min_max_swapped": (box_iou_with(lo="minimum", hi="maximum"), "enclosing box"),
            "no_clamp": (box_iou_with(wh="bottom_right - top_left"), "clamp(min=0)"),
            "intersection_counted_twice": (box_iou_with(minus=""), "counted twice"),
            "forbidden_torchvision_ops": (
                "def box_iou(boxes1, boxes2):\n"
                "    import torchvision\n"
                "    return torchvision.ops.box_iou(boxes1, boxes2)\n", "forbidden"),
            "forbidden_boxes_module": (
                "from torchvision.ops.boxes import box_iou as _iou\n\n\n"
                "def box_iou(boxes1, boxes2):\n"
                "    return _iou(boxes1, boxes2)\n", "forbidden"),
        },
        "correct": {
            "per_coordinate": (
                "def box_iou(boxes1: Tensor, boxes2: Tensor) -> Tensor:\n"
                "    ax1, ay1, ax2, ay2 = (c[:, None] for c in boxes1.unbind(1))\n"
                "    bx1, by1, bx2, by2 = (c[None, :] for c in boxes2.unbind(1))\n"
                "    iw = (torch.minimum(ax2, bx2) - torch.maximum(ax1, bx1)).clamp(min=0)\n"
                "    ih = (torch.minimum(ay2, by2) - torch.maximum(ay1, by1)).clamp(min=0)\n"
                "    inter = iw * ih\n"
                "    union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter\n"
                "    return inter / union\n"),
        },
    },
    "nms": {
        "wrong": {
            "greater_equal": (nms_with(op=">="), "you used >="),
            "not_sorted": (nms_with(order="torch.arange(len(scores))"), "index order"),
            "removed_boxes_suppress": (nms_with(skip=REMOVED_SUPPRESS), "only *kept* boxes"),
            "float_indices": (nms_with(result="torch.tensor(keep, device=boxes.device)"),
                              "int64"),
            "forbidden_torchvision_nms": (
                "def nms(boxes, scores, iou_threshold):\n"
                "    import torchvision\n"
                "    return torchvision.ops.nms(boxes, scores, iou_threshold)\n", "forbidden"),
            "forbidden_batched_nms": (
                "from torchvision.ops import batched_nms\n\n\n"
                "def nms(boxes, scores, iou_threshold):\n"
                "    idxs = torch.zeros(len(scores), dtype=torch.int64)\n"
                "    return batched_nms(boxes, scores, idxs, iou_threshold)\n", "forbidden"),
            "forbidden_torch_ops_operator": (
                "import torchvision\n\n\n"
                "def nms(boxes, scores, iou_threshold):\n"
                "    return torch.ops.torchvision.nms(boxes, scores, iou_threshold)\n",
                "forbidden"),
        },
        "correct": {
            "shrinking_order": (
                "def nms(boxes: Tensor, scores: Tensor, iou_threshold: float) -> Tensor:\n"
                "    order = scores.sort(descending=True, stable=True).indices\n"
                "    keep = []\n"
                "    while order.numel() > 0:\n"
                "        best, rest = order[0], order[1:]\n"
                "        keep.append(best)\n"
                "        overlap = box_iou(boxes[best].unsqueeze(0), boxes[rest])[0]\n"
                "        order = rest[overlap <= iou_threshold]\n"
                "    if not keep:\n"
                "        return torch.empty(0, dtype=torch.long, device=boxes.device)\n"
                "    return torch.stack(keep).to(torch.long)\n"),
        },
    },
    "anchor_grid": {
        "wrong": {
            "centred_in_cell": (anchors_with(half=" + 0.5"), "+ 0.5"),
            "not_rounded": (anchors_with(round=""), "rounds"),
            "ratio_w_over_h": (anchors_with(invert=".reciprocal()"), "h / w"),
            "forbidden_anchor_generator": (
                "from torchvision.models.detection.anchor_utils import AnchorGenerator\n\n\n"
                "def anchor_grid(feature_size, stride, sizes, aspect_ratios,\n"
                "                dtype=torch.float32):\n"
                "    gen = AnchorGenerator(sizes=(tuple(sizes),),\n"
                "                          aspect_ratios=(tuple(aspect_ratios),))\n"
                "    base = gen.generate_anchors(list(sizes), list(aspect_ratios), dtype=dtype)\n"
                "    gen.cell_anchors = [base]\n"
                "    strides = [[torch.tensor(stride[0]), torch.tensor(stride[1])]]\n"
                "    return gen.grid_anchors([list(feature_size)], strides)[0]\n", "forbidden"),
        },
        "correct": {
            "explicit_loops": (
                "def anchor_grid(feature_size, stride, sizes, aspect_ratios,\n"
                "                dtype=torch.float32):\n"
                "    base = []\n"
                "    for r in aspect_ratios:\n"
                "        for s in sizes:\n"
                "            w, h = s / math.sqrt(r), s * math.sqrt(r)\n"
                "            base.append([-w / 2, -h / 2, w / 2, h / 2])\n"
                "    base = torch.tensor(base, dtype=torch.float64).round().to(dtype)\n"
                "    rows = []\n"
                "    for y in range(feature_size[0]):\n"
                "        for x in range(feature_size[1]):\n"
                "            cx, cy = x * stride[1], y * stride[0]\n"
                "            rows.append(base + torch.tensor([cx, cy, cx, cy], dtype=dtype))\n"
                "    return torch.cat(rows)\n"),
        },
    },
    "encode_boxes": {
        "wrong": {
            "log_ratio_inverted": (fill(ENCODE, ENCODE_RIGHT, rw="aw / gw", rh="ah / gh"),
                                   "inverted"),
            "offsets_by_gt_size": (fill(ENCODE, ENCODE_RIGHT, nx="gw", ny="gh"),
                                   "*anchor's* width"),
            "forbidden_boxcoder": (
                "from torchvision.models.detection._utils import BoxCoder\n\n\n"
                "def encode_boxes(gt, anchors, weights=(1.0, 1.0, 1.0, 1.0)):\n"
                "    return BoxCoder(weights).encode_single(gt, anchors)\n", "forbidden"),
        },
        "correct": {
            "centre_size_helper": (
                "def encode_boxes(gt, anchors, weights=(1.0, 1.0, 1.0, 1.0)):\n"
                "    def cxcywh(b):\n"
                "        wh = b[:, 2:] - b[:, :2]\n"
                "        return b[:, :2] + wh / 2, wh\n"
                "    (ac, awh), (gc, gwh) = cxcywh(anchors), cxcywh(gt)\n"
                "    w = torch.tensor(weights, dtype=gt.dtype, device=gt.device)\n"
                "    return torch.cat([(gc - ac) / awh, (gwh / awh).log()], dim=1) * w\n"),
        },
    },
    "decode_boxes": {
        "wrong": {
            "multiplies_weights": (fill(DECODE, DECODE_RIGHT, op="*"), "*divides*"),
            "no_clip": (fill(DECODE, DECODE_RIGHT, clip="pass"), "BBOX_XFORM_CLIP"),
            "x_y_swapped": (fill(DECODE, DECODE_RIGHT, sx="ah", sy="aw"), "x and y are swapped"),
            "forbidden_boxcoder": (
                "import torchvision\n\n\n"
                "def decode_boxes(deltas, anchors, weights=(1.0, 1.0, 1.0, 1.0)):\n"
                "    coder = torchvision.models.detection._utils.BoxCoder(weights)\n"
                "    return coder.decode_single(deltas, anchors)\n", "forbidden"),
        },
        "correct": {
            "centre_size_helper": (
                "def decode_boxes(deltas, anchors, weights=(1.0, 1.0, 1.0, 1.0)):\n"
                "    d = deltas / torch.tensor(weights, dtype=deltas.dtype, device=deltas.device)\n"
                "    awh = anchors[:, 2:] - anchors[:, :2]\n"
                "    centre = anchors[:, :2] + awh / 2 + d[:, :2] * awh\n"
                "    wh = awh * d[:, 2:].clamp(max=math.log(1000.0 / 16)).exp()\n"
                "    return torch.cat([centre - wh / 2, centre + wh / 2], dim=1)\n"),
        },
    },
    "yolo_targets": {
        "wrong": {
            "offsets_in_image": (fill(YOLO, YOLO_RIGHT, tx="gx[k] / S_w", ty="gy[k] / S_h"),
                                 "inside its cell"),
            "last_box_wins": (fill(YOLO, YOLO_RIGHT, order="torch.arange(len(boxes))",
                                   skip="pass"), "last box"),
            "size_per_cell": (fill(YOLO, YOLO_RIGHT, sw=" * S_w", sh=" * S_h"),
                              "fractions of the *image*"),
            "border_not_clamped": fill(YOLO, YOLO_RIGHT).replace(".clamp(0, S_w - 1)", "")
                                                         .replace(".clamp(0, S_h - 1)", ""),
        },
        "correct": {
            "loop_over_cells": (
                "def yolo_targets(boxes, labels, image_size, grid_size, num_classes):\n"
                "    (H, W), (S_h, S_w) = image_size, grid_size\n"
                "    out = torch.zeros(S_h, S_w, 5 + num_classes, dtype=boxes.dtype)\n"
                "    best = {}\n"
                "    for k, (x1, y1, x2, y2) in enumerate(boxes.tolist()):\n"
                "        gx, gy = (x1 + x2) / 2 / W * S_w, (y1 + y2) / 2 / H * S_h\n"
                "        cell = (min(int(gy), S_h - 1), min(int(gx), S_w - 1))\n"
                "        area = (x2 - x1) * (y2 - y1)\n"
                "        if cell not in best or area > best[cell][0]:\n"
                "            best[cell] = (area, k, gx, gy, (x2 - x1) / W, (y2 - y1) / H)\n"
                "    for (r, c), (_, k, gx, gy, w, h) in best.items():\n"
                "        out[r, c, :5] = torch.tensor([1.0, gx - c, gy - r, w, h])\n"
                "        out[r, c, 5 + int(labels[k])] = 1.0\n"
                "    return out\n"),
        },
    },
    "ssd_default_boxes": {
        "wrong": {
            "no_extra_box": (fill(SSD, SSD_RIGHT, first="[(s, s)]"), "extra square box"),
            "one_box_per_ratio": (fill(SSD, SSD_RIGHT,
                                       pairs="[(s * math.sqrt(a), s / math.sqrt(a))]"),
                                  "two boxes"),
            "forbidden_default_box_generator": (
                "from torchvision.models.detection.anchor_utils import DefaultBoxGenerator\n\n\n"
                "def ssd_default_boxes(feature_sizes, aspect_ratios, s_min=0.2, s_max=0.9,\n"
                "                      dtype=torch.float32):\n"
                "    gen = DefaultBoxGenerator(aspect_ratios, min_ratio=s_min, max_ratio=s_max)\n"
                "    gen._wh_pairs = gen._generate_wh_pairs(len(feature_sizes), dtype=dtype)\n"
                "    return gen._grid_default_boxes([list(f) for f in feature_sizes], [1, 1],\n"
                "                                   dtype=dtype)\n", "forbidden"),
        },
        "correct": {
            "nested_loops": (
                "def ssd_default_boxes(feature_sizes, aspect_ratios, s_min=0.2, s_max=0.9,\n"
                "                      dtype=torch.float32):\n"
                "    m = len(feature_sizes)\n"
                "    scale = lambda k: 1.0 if k == m else s_min + (s_max - s_min) * k / (m - 1)\n"
                "    rows = []\n"
                "    for k, (fh, fw) in enumerate(feature_sizes):\n"
                "        s = scale(k)\n"
                "        pairs = [(s, s), ((s * scale(k + 1)) ** 0.5,) * 2]\n"
                "        for a in aspect_ratios[k]:\n"
                "            r = a ** 0.5\n"
                "            pairs += [(s * r, s / r), (s / r, s * r)]\n"
                "        for i in range(fh):\n"
                "            for j in range(fw):\n"
                "                for w, h in pairs:\n"
                "                    rows.append([(j + 0.5) / fw, (i + 0.5) / fh, min(w, 1.0),\n"
                "                                 min(h, 1.0)])\n"
                "    return torch.tensor(rows, dtype=dtype)\n"),
        },
    },
    "roi_align": {
        "wrong": {
            "aligned_false": (fill(ROI, ROI_RIGHT, offset="0.0"), "aligned=False"),
            "no_spatial_scale": (fill(ROI, ROI_RIGHT, scale="1.0"), "spatial_scale is missing"),
            "forbidden_roi_align": (
                "import torchvision\n\n\n"
                "def roi_align(features, rois, output_size, spatial_scale, sampling_ratio=2):\n"
                "    return torchvision.ops.roi_align(features, rois, output_size, spatial_scale,\n"
                "                                     sampling_ratio, aligned=True)\n",
                "forbidden"),
            "forbidden_roialign_module": (
                "from torchvision.ops import RoIAlign\n\n\n"
                "def roi_align(features, rois, output_size, spatial_scale, sampling_ratio=2):\n"
                "    layer = RoIAlign(output_size, spatial_scale, sampling_ratio, aligned=True)\n"
                "    return layer(features, rois)\n", "forbidden"),
        },
        "correct": {
            "per_sample_loops": (
                "def roi_align(features, rois, output_size, spatial_scale, sampling_ratio=2):\n"
                "    N, C, H, W = features.shape\n"
                "    oh, ow = output_size\n"
                "    s = sampling_ratio\n"
                "    out = features.new_zeros(len(rois), C, oh, ow)\n"
                "\n"
                "    def sample(img, y, x):\n"
                "        if y < -1 or y > H or x < -1 or x > W:\n"
                "            return img.new_zeros(C)\n"
                "        y, x = max(y, 0.0), max(x, 0.0)\n"
                "        y0, x0 = min(int(y), H - 1), min(int(x), W - 1)\n"
                "        y1, x1 = min(y0 + 1, H - 1), min(x0 + 1, W - 1)\n"
                "        ly = 0.0 if y0 == H - 1 else y - y0\n"
                "        lx = 0.0 if x0 == W - 1 else x - x0\n"
                "        return ((1 - ly) * (1 - lx) * img[:, y0, x0]\n"
                "                + (1 - ly) * lx * img[:, y0, x1]\n"
                "                + ly * (1 - lx) * img[:, y1, x0] + ly * lx * img[:, y1, x1])\n"
                "\n"
                "    for k, (b, *box) in enumerate(rois.tolist()):\n"
                "        x1, y1, x2, y2 = (v * spatial_scale - 0.5 for v in box)\n"
                "        bh, bw = (y2 - y1) / oh, (x2 - x1) / ow\n"
                "        for p in range(oh):\n"
                "            for q in range(ow):\n"
                "                acc = features.new_zeros(C)\n"
                "                for u in range(s):\n"
                "                    for v in range(s):\n"
                "                        y = y1 + (p + (u + 0.5) / s) * bh\n"
                "                        x = x1 + (q + (v + 0.5) / s) * bw\n"
                "                        acc = acc + sample(features[int(b)], y, x)\n"
                "                out[k, :, p, q] = acc / (s * s)\n"
                "    return out\n"),
        },
    },
    "average_precision": {
        "wrong": {
            "not_sorted_by_score": (fill(AP, AP_RIGHT, order="torch.arange(len(pred_scores))"),
                                    "decreasing score order"),
            "gt_matched_twice": (fill(AP, AP_RIGHT, best="iou[i]"), "matched twice"),
            "raw_precision": (fill(AP, AP_RIGHT, envelope="precision"), "envelope"),
            "returns_tensor": (fill(AP, AP_RIGHT, result="(steps * envelope).sum()"),
                               "Python float"),
        },
        "correct": {
            "voc_sentinels": (
                "def average_precision(pred_boxes, pred_scores, pred_image, gt_boxes, gt_image,\n"
                "                      iou_threshold=0.5):\n"
                "    scores = pred_scores.tolist()\n"
                "    order = sorted(range(len(scores)), key=lambda i: -scores[i])\n"
                "    used, tp = set(), []\n"
                "    for i in order:\n"
                "        same = [j for j in range(len(gt_boxes))\n"
                "                if int(gt_image[j]) == int(pred_image[i]) and j not in used]\n"
                "        ious = box_iou(pred_boxes[i:i + 1], gt_boxes[same])[0] if same else None\n"
                "        hit = ious is not None and float(ious.max()) >= iou_threshold\n"
                "        if hit:\n"
                "            used.add(same[int(ious.argmax())])\n"
                "        tp.append(hit)\n"
                "    rec, prec, n = [0.0], [0.0], 0\n"
                "    for k, hit in enumerate(tp, start=1):\n"
                "        n += hit\n"
                "        rec.append(n / len(gt_boxes))\n"
                "        prec.append(n / k)\n"
                "    rec, prec = rec + [1.0], prec + [0.0]\n"
                "    for k in range(len(prec) - 2, -1, -1):\n"
                "        prec[k] = max(prec[k], prec[k + 1])\n"
                "    return sum((rec[k] - rec[k - 1]) * prec[k] for k in range(1, len(rec)))\n"),
        },
    },
    "q_nms_threshold": {
        "wrong": {"fewer_boxes": 'q_nms_threshold = "a"'},
        "correct": {"upper_case": 'q_nms_threshold = " B "'},
    },
    "q_anchor_count": {
        "wrong": {"per_cell_forgotten": "q_anchor_count = 50 * 68"},
        "correct": {"as_float": "q_anchor_count = 30600.0"},
    },
    "q_one_two_stage": {
        "wrong": {"backbone_twice": 'q_one_two_stage = "c"'},
        "correct": {"spaces": 'q_one_two_stage = "b "'},
    },
}


# Known-mistake diagnosis: what each wrong mutant does, in a student's words.  Each clause
# completes "this is what happens when ..." in the feedback of a submission that behaves alike.
MISTAKES = {
    "box_iou": {
        "min_max_swapped":
            "the intersection corners take the min of the top-left corners and the max of the "
            "bottom-right ones (the enclosing box)",
        "no_clamp":
            "the intersection's width and height are not clamped at 0, so two disjoint boxes get "
            "a positive intersection",
        "intersection_counted_twice":
            "the union is the sum of the two areas without subtracting the intersection, which is"
            " counted twice",
    },
    "nms": {
        "greater_equal":
            "the comparison with the threshold is not strict: a box whose IoU with a kept box "
            "equals it is removed too",
        "not_sorted":
            "the boxes are processed in index order instead of sorted by decreasing score",
        "removed_boxes_suppress":
            "boxes that were already removed still suppress other boxes (only kept boxes should)",
        "float_indices": "the kept indices are returned as a float tensor instead of int64",
    },
    "anchor_grid": {
        "centred_in_cell":
            "the anchors are centred in the middle of each cell instead of at the cell's top-left"
            " corner",
        "not_rounded": "the base anchors are not rounded to whole pixels",
        "ratio_w_over_h":
            "the aspect ratio is taken as width over height instead of height over width",
    },
    "encode_boxes": {
        "log_ratio_inverted":
            "the log size ratio is inverted: anchor size over box size instead of box size over "
            "anchor size",
        "offsets_by_gt_size":
            "the centre offsets are divided by the ground-truth box's size instead of the "
            "anchor's size",
    },
    "decode_boxes": {
        "multiplies_weights": "the deltas are multiplied by the weights instead of divided by them",
        "no_clip": "dw and dh are not clamped at BBOX_XFORM_CLIP before the exp",
        "x_y_swapped":
            "the centre offsets are scaled by the wrong side: dx by the anchor's height and dy by"
            " its width",
    },
    "yolo_targets": {
        "offsets_in_image":
            "the centre is given as a fraction of the whole image instead of as its offset inside"
            " its cell",
        "last_box_wins":
            "when several centres fall in one cell, the last box overwrites the others instead of"
            " the largest box owning it",
        "size_per_cell":
            "the box width and height are measured in grid cells instead of as fractions of the "
            "image",
        "border_not_clamped":
            "a box centre exactly on the right or bottom image border is not clamped into the "
            "last cell",
    },
    "ssd_default_boxes": {
        "no_extra_box": "the extra square box of size sqrt(s_k * s_(k+1)) is left out",
        "one_box_per_ratio":
            "each aspect ratio gives only one box instead of two (the ratio and its inverse)",
    },
    "roi_align": {
        "aligned_false": "the half-pixel offset is left out (the behaviour of aligned=False)",
        "no_spatial_scale":
            "the box is not multiplied by spatial_scale, so it stays in image pixels on the "
            "smaller feature map",
    },
    "average_precision": {
        "not_sorted_by_score":
            "the predictions are matched in index order instead of in decreasing score order",
        "gt_matched_twice":
            "a ground-truth box that is already matched can be matched again by a later prediction",
        "raw_precision":
            "the raw precision is used instead of its envelope (the best precision at that recall"
            " or higher)",
        "returns_tensor": "the AP is returned as a tensor instead of a Python float",
    },
    "q_nms_threshold": {
        "fewer_boxes":
            "raising the NMS threshold is thought to make more boxes count as duplicates",
    },
    "q_anchor_count": {
        "per_cell_forgotten":
            "the anchors per cell (sizes times aspect ratios) are forgotten: one anchor per cell "
            "is counted",
    },
    "q_one_two_stage": {
        "backbone_twice":
            "two-stage detectors are thought to be more accurate because they run the backbone "
            "twice",
    },
}
