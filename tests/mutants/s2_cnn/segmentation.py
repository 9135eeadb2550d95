"""Wrong and correct answers for s2_cnn/segmentation: each replaces one whole answer cell
(the setup cell, with torch, nn, F, math, OrderedDict, double_conv, count_params and
make_shapes, stays)."""

# ---------------------------------------------------------------- pad_to_match


def pad(spec):
    return f'''
def pad_to_match(x, ref):
    dh = ref.shape[-2] - x.shape[-2]
    dw = ref.shape[-1] - x.shape[-1]
    return F.pad(x, {spec})
'''


PAD = {
    "wrong": {
        "extra_on_top_left": (pad("(dw - dw // 2, dw // 2, dh - dh // 2, dh // 2)"), "top/left"),
        "h_w_swapped": (pad("(dh // 2, dh - dh // 2, dw // 2, dw - dw // 2)"),
                        "(left, right, top, bottom)"),
        "all_at_bottom_right": (pad("(0, dw, 0, dh)"), "all the padding at the bottom/right"),
        "interpolates": ('''
def pad_to_match(x, ref):
    return F.interpolate(x, size=tuple(ref.shape[-2:]), mode="nearest")
''', "is wrong in"),
    },
    "correct": {
        "zeros_and_slice": '''
def pad_to_match(x: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    B, C, h, w = x.shape
    H, W = ref.shape[-2:]
    top, left = (H - h) // 2, (W - w) // 2
    out = x.new_zeros(B, C, H, W)
    out[:, :, top:top + h, left:left + w] = x
    return out
''',
        "ceil_after": pad("(dw // 2, math.ceil(dw / 2), dh // 2, math.ceil(dh / 2))"),
    },
}

# ---------------------------------------------------------------- U-Net

UNET_INIT = '''
class UNet(nn.Module):
    def __init__(self, in_channels, num_classes, base=16):
        super().__init__()
        self.inc = double_conv(in_channels, base)
        self.down1 = double_conv(base, 2 * base)
        self.down2 = double_conv(2 * base, 4 * base)
        self.up2 = nn.ConvTranspose2d(4 * base, 2 * base, 2, stride=2)
        self.dec2 = double_conv({dec2}, 2 * base)
        self.up1 = nn.ConvTranspose2d(2 * base, base, 2, stride=2)
        self.dec1 = double_conv({dec1}, base)
        self.head = nn.Conv2d(base, num_classes, 1)
'''


def unet(join="torch.cat([skip, up], dim=1)", fix="up = pad_to_match(up, skip)",
         pool="F.max_pool2d", concat=True, extra=""):
    dec2, dec1 = ("4 * base", "2 * base") if concat else ("2 * base", "base")
    return UNET_INIT.format(dec2=dec2, dec1=dec1) + extra + f'''
    def join(self, skip, up):
        {fix}
        return {join}

    def forward(self, x):
        s0 = self.inc(x)
        s1 = self.down1({pool}(s0, 2))
        z = self.down2({pool}(s1, 2))
        d = self.dec2(self.join(s1, self.up2(z)))
        d = self.dec1(self.join(s0, self.up1(d)))
        return self.head(d)
'''


UNET = {
    "wrong": {
        "skip_added": (unet(join="skip + up", concat=False), "instead of concatenated"),
        "forbidden_fcn_head": (unet(extra='''
        from torchvision.models.segmentation.fcn import FCNHead
        self.aux = FCNHead(base, num_classes)
'''), "forbidden"),
        "cat_order_swapped": (unet(join="torch.cat([up, skip], dim=1)"), "the skip first"),
        "crops_skip": (unet(fix="skip = skip[..., :up.shape[-2], :up.shape[-1]]"),
                       "crop nothing"),
        "pads_top_left": (unet(fix="up = F.pad(up, (skip.shape[-1] - up.shape[-1], 0, "
                                   "skip.shape[-2] - up.shape[-2], 0))"), "top/left"),
        "no_padding": (unet(fix="pass"), "pad it with pad_to_match"),
        "average_pooling": (unet(pool="F.avg_pool2d"), "average pooling"),
        "interpolate_upsampling": ('''
class UNet(nn.Module):
    def __init__(self, in_channels, num_classes, base=16):
        super().__init__()
        self.inc = double_conv(in_channels, base)
        self.down1 = double_conv(base, 2 * base)
        self.down2 = double_conv(2 * base, 4 * base)
        self.dec2 = double_conv(6 * base, 2 * base)
        self.dec1 = double_conv(3 * base, base)
        self.head = nn.Conv2d(base, num_classes, 1)

    def forward(self, x):
        s0 = self.inc(x)
        s1 = self.down1(F.max_pool2d(s0, 2))
        z = self.down2(F.max_pool2d(s1, 2))
        up = F.interpolate(z, size=s1.shape[-2:])
        d = self.dec2(torch.cat([s1, up], 1))
        up = F.interpolate(d, size=s0.shape[-2:])
        return self.head(self.dec1(torch.cat([s0, up], 1)))
''', "lacks up2.weight"),
    },
    "correct": {
        "helper_method": unet(),
        "pool_module_inline_pad": '''
class UNet(nn.Module):
    def __init__(self, in_channels: int, num_classes: int, base: int = 16) -> None:
        super().__init__()
        self.pool = nn.MaxPool2d(2)
        self.inc = double_conv(in_channels, base)
        self.down1 = double_conv(base, base * 2)
        self.down2 = double_conv(base * 2, base * 4)
        self.up2 = nn.ConvTranspose2d(base * 4, base * 2, kernel_size=(2, 2), stride=(2, 2))
        self.dec2 = double_conv(base * 4, base * 2)
        self.up1 = nn.ConvTranspose2d(base * 2, base, kernel_size=2, stride=2)
        self.dec1 = double_conv(base * 2, base)
        self.head = nn.Conv2d(base, num_classes, kernel_size=1)

    def forward(self, x):
        skips = []
        for enc in (self.inc, self.down1):
            x = enc(x)
            skips.append(x)
            x = self.pool(x)
        x = self.down2(x)
        for up, dec in ((self.up2, self.dec2), (self.up1, self.dec1)):
            skip = skips.pop()
            x = up(x)
            dh, dw = skip.shape[2] - x.shape[2], skip.shape[3] - x.shape[3]
            x = F.pad(x, [dw // 2, dw - dw // 2, dh // 2, dh - dh // 2])
            x = dec(torch.cat((skip, x), 1))
        return self.head(x)
''',
    },
}

# ---------------------------------------------------------------- Dice and IoU

COUNTS = '''
    classes = torch.arange(num_classes)
    p = pred.reshape(1, -1) == classes[:, None]
    t = target.reshape(1, -1) == classes[:, None]
    inter = (p & t).sum(1).float()
    n_p, n_t = p.sum(1).float(), t.sum(1).float()
'''


def score(name, body):
    return f"\ndef {name}(pred, target, num_classes):" + COUNTS + body


DICE = {
    "wrong": {
        "no_factor_two": (score("dice_score", '''
    total = n_p + n_t
    s = torch.where(total == 0, 1.0, inter / total.clamp(min=1))
    return s, s.mean()
'''), "factor 2"),
        "forbidden_sklearn_f1": ('''
from sklearn.metrics import f1_score

def dice_score(pred, target, num_classes):
    s = f1_score(target.flatten().numpy(), pred.flatten().numpy(), labels=list(range(num_classes)),
                 average=None, zero_division=1.0)
    s = torch.tensor(s, dtype=torch.float32)
    return s, s.mean()
''', "forbidden"),
        "nan_when_empty": (score("dice_score", '''
    s = 2 * inter / (n_p + n_t)
    return s, s.mean()
'''), "NaN"),
        "eps_gives_zero": (score("dice_score", '''
    s = 2 * inter / (n_p + n_t + 1e-8)
    return s, s.mean()
'''), "scores 0"),
        "per_image_average": ('''
def dice_score(pred, target, num_classes):
    rows = []
    for p_img, t_img in zip(pred, target):
        classes = torch.arange(num_classes)
        p = p_img.reshape(1, -1) == classes[:, None]
        t = t_img.reshape(1, -1) == classes[:, None]
        total = (p.sum(1) + t.sum(1)).float()
        rows.append(torch.where(total == 0, 1.0, 2 * (p & t).sum(1) / total.clamp(min=1)))
    s = torch.stack(rows).mean(0)
    return s, s.mean()
''', "per-image"),
        "micro_mean": (score("dice_score", '''
    total = n_p + n_t
    s = torch.where(total == 0, 1.0, 2 * inter / total.clamp(min=1))
    return s, 2 * inter.sum() / total.sum()
'''), "micro average"),
        "empty_left_out_of_mean": (score("dice_score", '''
    total = n_p + n_t
    s = torch.where(total == 0, 1.0, 2 * inter / total.clamp(min=1))
    return s, s[total > 0].mean()
'''), "out of the mean"),
    },
    "correct": {
        "confusion_matrix": '''
def dice_score(pred: torch.Tensor, target: torch.Tensor, num_classes: int):
    cm = torch.bincount(target.flatten() * num_classes + pred.flatten(),
                        minlength=num_classes ** 2).reshape(num_classes, num_classes).double()
    tp = cm.diag()
    denom = cm.sum(0) + cm.sum(1)
    dice = torch.ones(num_classes, dtype=torch.float64)
    nonempty = denom > 0
    dice[nonempty] = 2 * tp[nonempty] / denom[nonempty]
    return dice, dice.mean()
''',
        "loop_over_classes": '''
def dice_score(pred, target, num_classes):
    scores = []
    for c in range(num_classes):
        p, t = pred == c, target == c
        denom = int(p.sum() + t.sum())
        scores.append(1.0 if denom == 0 else 2.0 * float((p & t).sum()) / denom)
    return torch.tensor(scores), sum(scores) / num_classes
''',
    },
}

IOU = {
    "wrong": {
        "union_counts_overlap_twice": (score("iou_score", '''
    union = n_p + n_t
    s = torch.where(union == 0, 1.0, inter / union.clamp(min=1))
    return s, s.mean()
'''), "counts the intersection once"),
        "forbidden_sklearn_jaccard": ('''
import sklearn.metrics

def iou_score(pred, target, num_classes):
    s = sklearn.metrics.jaccard_score(target.flatten().numpy(), pred.flatten().numpy(),
                                      labels=list(range(num_classes)), average=None,
                                      zero_division=1.0)
    s = torch.tensor(s, dtype=torch.float32)
    return s, s.mean()
''', "forbidden"),
        "computes_dice": (score("iou_score", '''
    total = n_p + n_t
    s = torch.where(total == 0, 1.0, 2 * inter / total.clamp(min=1))
    return s, s.mean()
'''), "computes Dice"),
        "nan_when_empty": (score("iou_score", '''
    s = inter / (n_p + n_t - inter)
    return s, s.nanmean()
'''), "NaN"),
        "frequency_weighted_mean": (score("iou_score", '''
    union = n_p + n_t - inter
    s = torch.where(union == 0, 1.0, inter / union.clamp(min=1))
    return s, (s * n_t).sum() / n_t.sum()
'''), "pixel count"),
        "only_in_target_scores_one": (score("iou_score", '''
    union = n_p + n_t - inter
    s = torch.where((n_p == 0) | (n_t == 0), 1.0, inter / union.clamp(min=1))
    return s, s.mean()
'''), "scores 1.0"),
    },
    "correct": {
        "confusion_matrix": '''
def iou_score(pred: torch.Tensor, target: torch.Tensor, num_classes: int):
    cm = torch.bincount(target.flatten() * num_classes + pred.flatten(),
                        minlength=num_classes ** 2).reshape(num_classes, num_classes).double()
    tp = cm.diag()
    union = cm.sum(0) + cm.sum(1) - tp
    iou = torch.where(union > 0, tp / union.clamp(min=1), torch.ones_like(tp))
    return iou, iou.mean()
''',
        "one_hot": '''
def iou_score(pred, target, num_classes):
    p = F.one_hot(pred, num_classes).flatten(0, -2).bool()
    t = F.one_hot(target, num_classes).flatten(0, -2).bool()
    inter = (p & t).sum(0)
    union = (p | t).sum(0)
    iou = (inter / union).nan_to_num(nan=1.0)
    return iou, iou.mean()
''',
    },
}

# ---------------------------------------------------------------- mask head

MASK_INIT = '''
class MaskHead(nn.Module):
    def __init__(self, in_channels, num_classes, hidden=256):
        super().__init__()
        self.mask_head = nn.Sequential(*[
            nn.Sequential(nn.Conv2d(in_channels if i == 0 else hidden, hidden, 3, padding=1),
                          nn.ReLU())
            for i in range(4)])
        self.mask_predictor = nn.Sequential(OrderedDict([
            ("conv5_mask", nn.ConvTranspose2d(hidden, hidden, 2, stride=2)),
            ("relu", nn.ReLU()),
            ("mask_fcn_logits", nn.Conv2d(hidden, num_classes, 1))]))

    def forward(self, features, labels):
'''


def mask(body):
    return MASK_INIT + body


MASK = {
    "wrong": {
        "label_minus_one": (mask('''
        logits = self.mask_predictor(self.mask_head(features))
        return logits[torch.arange(len(labels)), labels - 1]
'''), "label - 1"),
        "forbidden_torchvision_heads": ('''
from torchvision.models.detection.mask_rcnn import MaskRCNNHeads, MaskRCNNPredictor

class MaskHead(nn.Module):
    def __init__(self, in_channels, num_classes, hidden=256):
        super().__init__()
        self.mask_head = MaskRCNNHeads(in_channels, [hidden] * 4, 1)
        self.mask_predictor = MaskRCNNPredictor(hidden, hidden, num_classes)

    def forward(self, features, labels):
        logits = self.mask_predictor(self.mask_head(features))
        return logits[torch.arange(len(labels)), labels]
''', "forbidden"),
        "column_indexing": (mask('''
        return self.mask_predictor(self.mask_head(features))[:, labels]
'''), "logits[:, labels]"),
        "all_classes": (mask('''
        return self.mask_predictor(self.mask_head(features))
'''), "all classes"),
        "sigmoid": (mask('''
        logits = self.mask_predictor(self.mask_head(features))
        return logits[torch.arange(len(labels)), labels].sigmoid()
'''), "probabilities"),
        "no_relu_after_upsampling": (mask('''
        h = self.mask_predictor.conv5_mask(self.mask_head(features))
        logits = self.mask_predictor.mask_fcn_logits(h)
        return logits[torch.arange(len(labels)), labels]
'''), "no ReLU between"),
        "flat_sequential": ('''
class MaskHead(nn.Module):
    def __init__(self, in_channels, num_classes, hidden=256):
        super().__init__()
        layers = []
        for i in range(4):
            c_in = in_channels if i == 0 else hidden
            layers += [nn.Conv2d(c_in, hidden, 3, padding=1), nn.ReLU()]
        self.mask_head = nn.Sequential(*layers)
        self.mask_predictor = nn.Sequential(OrderedDict([
            ("conv5_mask", nn.ConvTranspose2d(hidden, hidden, 2, stride=2)),
            ("relu", nn.ReLU()),
            ("mask_fcn_logits", nn.Conv2d(hidden, num_classes, 1))]))

    def forward(self, features, labels):
        logits = self.mask_predictor(self.mask_head(features))
        return logits[torch.arange(len(labels)), labels]
''', "mask_head.0.0.weight"),
    },
    "correct": {
        "gather": mask('''
        logits = self.mask_predictor(self.mask_head(features))          # (K, C, M, M)
        K, C, M, _ = logits.shape
        index = labels.view(K, 1, 1, 1).expand(K, 1, M, M)
        return logits.gather(1, index).squeeze(1)
'''),
        "module_list_and_attributes": '''
class Predictor(nn.Module):
    def __init__(self, hidden, num_classes):
        super().__init__()
        self.conv5_mask = nn.ConvTranspose2d(hidden, hidden, kernel_size=2, stride=2)
        self.relu = nn.ReLU()
        self.mask_fcn_logits = nn.Conv2d(hidden, num_classes, kernel_size=1)

    def forward(self, x):
        return self.mask_fcn_logits(self.relu(self.conv5_mask(x)))


class MaskHead(nn.Module):
    def __init__(self, in_channels: int, num_classes: int, hidden: int = 256) -> None:
        super().__init__()
        channels = [in_channels] + [hidden] * 4
        self.mask_head = nn.ModuleList(
            nn.Sequential(nn.Conv2d(a, b, kernel_size=3, stride=1, padding=1),
                          nn.ReLU(inplace=True))
            for a, b in zip(channels[:-1], channels[1:]))
        self.mask_predictor = Predictor(hidden, num_classes)

    def forward(self, features, labels):
        h = features
        for block in self.mask_head:
            h = block(h)
        logits = self.mask_predictor(h)
        return torch.stack([logits[k, int(c)] for k, c in enumerate(labels)])
''',
    },
}

# ---------------------------------------------------------------- checkpoints

MUTANTS = {
    "pad_to_match": PAD,
    "unet": UNET,
    "dice_score": DICE,
    "iou_score": IOU,
    "mask_head": MASK,
    "q_dice_from_iou": {
        "wrong": {"iou_itself": "q_dice_from_iou = 0.6",
                  "without_factor_two": "q_dice_from_iou = 0.375"},
        "correct": {"fraction": "q_dice_from_iou = 2 * 0.6 / 1.6"},
    },
    "q_bottleneck_size": {
        "wrong": {"ceil": 'q_bottleneck_size = "b"'},
        "correct": {"upper_case": 'q_bottleneck_size = " A "'},
    },
    "q_per_class_masks": {
        "wrong": {"cheaper": 'q_per_class_masks = "a"'},
        "correct": {"upper_case": 'q_per_class_masks = "B"'},
    },
}


# Known-mistake diagnosis: what each wrong mutant does, in a student's words.  Each clause
# completes "this is what happens when ..." in the feedback of a submission that behaves alike.
MISTAKES = {
    "pad_to_match": {
        "extra_on_top_left":
            "the odd extra row or column of padding goes on the top/left instead of the "
            "bottom/right",
        "h_w_swapped":
            "the F.pad amounts are given as (top, bottom, left, right), so the height and width "
            "padding are swapped",
        "all_at_bottom_right":
            "all the padding goes at the bottom/right instead of being split between the two sides",
        "interpolates":
            "the map is resized by interpolation instead of zero-padded to the reference's size",
    },
    "unet": {
        "skip_added":
            "the skip connection is added to the upsampled map instead of concatenated with it",
        "cat_order_swapped":
            "the upsampled map is concatenated before the skip instead of after it",
        "crops_skip":
            "the skip (encoder) map is cropped to the upsampled map instead of padding the "
            "upsampled map",
        "pads_top_left":
            "all the padding of the upsampled map goes on the top/left instead of being split as "
            "in pad_to_match",
        "no_padding": "the upsampled map is not padded to the skip's size before the concatenation",
        "average_pooling": "the encoder downsamples with average pooling instead of max pooling",
        "interpolate_upsampling":
            "the decoder upsamples by interpolation instead of with the ConvTranspose2d layers "
            "up2 and up1",
    },
    "dice_score": {
        "no_factor_two": "the Dice score lacks the factor 2 on the intersection",
        "nan_when_empty":
            "a class that appears in neither prediction nor target gives 0/0 (NaN) instead of "
            "following the empty-class rule",
        "eps_gives_zero":
            "an eps in the denominator makes a class that appears nowhere score 0 instead of "
            "following the empty-class rule",
        "per_image_average":
            "the scores are computed per image and averaged over the batch instead of counting "
            "pixels over the whole batch",
        "micro_mean":
            "the mean pools all classes' pixels into one fraction (micro average) instead of "
            "averaging the per-class scores",
        "empty_left_out_of_mean":
            "classes that appear nowhere are left out of the mean instead of staying in it",
    },
    "iou_score": {
        "union_counts_overlap_twice":
            "the union is |P| + |T| without subtracting the intersection, so the overlap is "
            "counted twice",
        "computes_dice": "the IoU is computed with the Dice formula instead",
        "nan_when_empty":
            "a class that appears nowhere gives 0/0 (NaN) and is skipped in the mean instead of "
            "following the empty-class rule",
        "frequency_weighted_mean":
            "the mean weights each class by its number of target pixels instead of averaging the "
            "classes equally",
        "only_in_target_scores_one":
            "a class present in only the prediction or only the target is treated like a class "
            "that appears nowhere",
    },
    "mask_head": {
        "label_minus_one": "the mask is picked at label - 1, as if class 0 were not the background",
        "column_indexing":
            "every RoI gets the masks of all the RoIs' labels instead of the single mask of its "
            "own class",
        "all_classes":
            "the logits of all classes are returned instead of only the mask of each RoI's class",
        "sigmoid": "a sigmoid is applied, so the head returns probabilities instead of logits",
        "no_relu_after_upsampling":
            "the ReLU between the upsampling conv5_mask and mask_fcn_logits is left out",
        "flat_sequential":
            "mask_head is one flat Sequential of convs and ReLUs instead of 4 blocks, so its "
            "parameter names differ",
    },
    "q_dice_from_iou": {
        "iou_itself": "the Dice score is thought to equal the IoU",
        "without_factor_two": "the factor 2 of Dice is left out when converting from IoU",
    },
    "q_bottleneck_size": {
        "ceil": "max pooling is thought to round odd sizes up instead of down",
    },
    "q_per_class_masks": {
        "cheaper":
            "per-class masks are thought to be used because they cost fewer operations than a "
            "softmax",
    },
}
