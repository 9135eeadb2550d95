"""Wrong and correct answers for s2_cnn/convolution: each replaces one answer cell.  The setup
cell (torch, F, math, as_pair) stays, as it does when a student's notebook is graded."""

# The reference conv2d with one line changed per mutant: {pad}, {sizes}, {stride}, {w_mat},
# {bias} are filled in below.
CONV2D = """
def conv2d(x, weight, bias=None, stride=1, padding=0):
    N, C_in, H, W = x.shape
    C_out, _, kH, kW = weight.shape
    {stride}
    pH, pW = as_pair(padding)
    x_pad = {pad}
    {sizes}
    cols6 = x.new_empty(N, C_in, kH, kW, H_out, W_out)
    for u in range(kH):
        for v in range(kW):
            cols6[:, :, u, v] = x_pad[:, :, u:u + sH * H_out:sH, v:v + sW * W_out:sW]
    cols = cols6.reshape(N, C_in * kH * kW, H_out * W_out)
    out = ({w_mat} @ cols).reshape(N, C_out, H_out, W_out)
    if bias is not None:
        out = {bias}
    return out
"""
RIGHT = {"pad": "F.pad(x, (pW, pW, pH, pH))",
         "sizes": "H_out, W_out = conv_output_size(H, kH, sH, pH), conv_output_size(W, kW, sW, pW)",
         "stride": "sH, sW = as_pair(stride)",
         "w_mat": "weight.reshape(C_out, -1)",
         "bias": "out + bias.reshape(1, C_out, 1, 1)"}
FROM_PADDED = "H_out, W_out = (x_pad.shape[2] - kH) // sH + 1, (x_pad.shape[3] - kW) // sW + 1"


def conv2d_with(**changes: str) -> str:
    return CONV2D.format(**{**RIGHT, **changes})


NAIVE = """
def {name}(x, weight, bias=None, stride=1, padding=0):
    N, C_in, H, W = x.shape
    C_out, _, kH, kW = weight.shape
    sH, sW = as_pair(stride)
    pH, pW = as_pair(padding)
    H_out, W_out = conv_output_size(H, kH, sH, pH), conv_output_size(W, kW, sW, pW)
    x_pad = F.pad(x, (pW, pW, pH, pH))
    out = x.new_zeros(N, C_out, H_out, W_out)
    for n in range(N):
        for o in range(C_out):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, i * sH:i * sH + kH, j * sW:j * sW + kW]
                    out[n, o, i, j] = (window * {kernel}).sum()
    if bias is not None:
        out = out + bias.reshape(1, C_out, 1, 1)
    return out
"""

MAX_POOL_OFFSETS = """
def max_pool2d(x, kernel_size, stride=None):
    kH, kW = as_pair(kernel_size)
    sH, sW = as_pair(kernel_size if stride is None else stride)
    N, C, H, W = x.shape
    H_out, W_out = (H - kH) // sH + 1, (W - kW) // sW + 1
    out = {start}
    for u in range(kH):
        for v in range(kW):
            out = torch.maximum(out, x[:, :, u:u + sH * H_out:sH, v:v + sW * W_out:sW])
    return out
"""

RF_LOOP = """
def receptive_field(layers):
    rf, jump = 1, 1
    for k, s in layers:
        {body}
    return rf
"""

MUTANTS = {
    "conv_output_size": {
        "wrong": {
            "ceil": (
                "def conv_output_size(n, kernel_size, stride=1, padding=0, dilation=1):\n"
                "    span = dilation * (kernel_size - 1) + 1\n"
                "    return math.ceil((n + 2 * padding - span) / stride) + 1\n",
                "rounds up"),
            "padding_once": (
                "def conv_output_size(n, kernel_size, stride=1, padding=0, dilation=1):\n"
                "    return (n + padding - dilation * (kernel_size - 1) - 1) // stride + 1\n",
                "both"),
            "ignores_dilation": (
                "def conv_output_size(n, kernel_size, stride=1, padding=0, dilation=1):\n"
                "    return (n + 2 * padding - kernel_size) // stride + 1\n",
                "ignores dilation"),
            "true_division": (
                "def conv_output_size(n, kernel_size, stride=1, padding=0, dilation=1):\n"
                "    return (n + 2 * padding - dilation * (kernel_size - 1) - 1) / stride + 1\n",
                "return an int"),
        },
        "correct": {
            "math_floor": (
                "def conv_output_size(n, kernel_size, stride=1, padding=0, dilation=1):\n"
                "    last_start = n + 2 * padding - dilation * (kernel_size - 1) - 1\n"
                "    return int(math.floor(last_start / stride)) + 1\n"),
            "count_windows": (
                "def conv_output_size(n, kernel_size, stride=1, padding=0, dilation=1):\n"
                "    span, count, start = dilation * (kernel_size - 1) + 1, 0, 0\n"
                "    while start + span <= n + 2 * padding:\n"
                "        count, start = count + 1, start + stride\n"
                "    return count\n"),
        },
    },
    "conv2d_naive": {
        "wrong": {
            "flipped_kernel": (NAIVE.format(name="conv2d_naive",
                                            kernel="weight[o].flip(-2, -1)"), "flipped kernel"),
            "forbidden_builtin": (
                "def conv2d_naive(x, weight, bias=None, stride=1, padding=0):\n"
                "    return torch.conv2d(x, weight, bias, stride, padding)\n",
                "forbidden"),
        },
        "correct": {
            "scalar_loops": (
                "def conv2d_naive(x, weight, bias=None, stride=1, padding=0):\n"
                "    N, C_in, H, W = x.shape\n"
                "    C_out, _, kH, kW = weight.shape\n"
                "    sH, sW = as_pair(stride)\n"
                "    pH, pW = as_pair(padding)\n"
                "    H_out = (H + 2 * pH - kH) // sH + 1\n"
                "    W_out = (W + 2 * pW - kW) // sW + 1\n"
                "    out = torch.zeros(N, C_out, H_out, W_out, dtype=x.dtype, device=x.device)\n"
                "    for n in range(N):\n"
                "        for o in range(C_out):\n"
                "            for i in range(H_out):\n"
                "                for j in range(W_out):\n"
                "                    acc = 0.0 if bias is None else bias[o]\n"
                "                    for c in range(C_in):\n"
                "                        for u in range(kH):\n"
                "                            for v in range(kW):\n"
                "                                r, q = i * sH + u - pH, j * sW + v - pW\n"
                "                                if 0 <= r < H and 0 <= q < W:\n"
                "                                    acc = acc + weight[o, c, u, v] * x[n, c, r, q]"
                "\n"
                "                    out[n, o, i, j] = acc\n"
                "    return out\n"),
            "positions_einsum": (
                "def conv2d_naive(x, weight, bias=None, stride=1, padding=0):\n"
                "    sH, sW = as_pair(stride)\n"
                "    pH, pW = as_pair(padding)\n"
                "    xp = F.pad(x, (pW, pW, pH, pH))\n"
                "    kH, kW = weight.shape[-2:]\n"
                "    rows = []\n"
                "    for i in range((xp.shape[2] - kH) // sH + 1):\n"
                "        row = []\n"
                "        for j in range((xp.shape[3] - kW) // sW + 1):\n"
                "            win = xp[:, :, i * sH:i * sH + kH, j * sW:j * sW + kW]\n"
                "            row.append(torch.einsum('ncuv,ocuv->no', win, weight))\n"
                "        rows.append(torch.stack(row, dim=-1))\n"
                "    out = torch.stack(rows, dim=-2)\n"
                "    return out if bias is None else out + bias[:, None, None]\n"),
        },
    },
    "conv2d": {
        "wrong": {
            "flipped_kernel": (conv2d_with(w_mat="weight.flip(-2, -1).reshape(C_out, -1)"),
                               "flipped kernel"),
            "pads_height_only": (conv2d_with(pad="F.pad(x, (0, 0, pH, pH))", sizes=FROM_PADDED),
                                 "padding applied to height only"),
            "stride_swapped": (conv2d_with(stride="sW, sH = as_pair(stride)"),
                               "stride pair used as (w, h)"),
            "bias_broadcast_last_axis": (conv2d_with(bias="out + bias"), "per column"),
            "reuses_conv2d_naive": (
                "def conv2d(x, weight, bias=None, stride=1, padding=0):\n"
                "    return conv2d_naive(x, weight, bias, stride, padding)\n",
                "not vectorised"),
            "forbidden_F_conv2d": (
                "def conv2d(x, weight, bias=None, stride=1, padding=0):\n"
                "    return F.conv2d(x, weight, bias, stride=stride, padding=padding)\n",
                "forbidden"),
            "forbidden_F_unfold": (
                "def conv2d(x, weight, bias=None, stride=1, padding=0):\n"
                "    N, C_in, H, W = x.shape\n"
                "    C_out, _, kH, kW = weight.shape\n"
                "    sH, sW = as_pair(stride)\n"
                "    pH, pW = as_pair(padding)\n"
                "    cols = F.unfold(x, (kH, kW), padding=(pH, pW), stride=(sH, sW))\n"
                "    H_out = (H + 2 * pH - kH) // sH + 1\n"
                "    W_out = (W + 2 * pW - kW) // sW + 1\n"
                "    out = (weight.reshape(C_out, -1) @ cols).reshape(N, C_out, H_out, W_out)\n"
                "    return out if bias is None else out + bias.reshape(1, -1, 1, 1)\n",
                "F.unfold"),
            "forbidden_torch_nn_grad": (
                "def conv2d(x, weight, bias=None, stride=1, padding=0):\n"
                "    # a convolution's weight gradient is a cross-correlation of its input\n"
                "    pH, pW = as_pair(padding)\n"
                "    sH, sW = as_pair(stride)\n"
                "    xp = F.pad(x, (pW, pW, pH, pH))\n"
                "    N, C_out = x.shape[0], weight.shape[0]\n"
                "    size = (C_out, N, xp.shape[2] - weight.shape[2] + 1,\n"
                "            xp.shape[3] - weight.shape[3] + 1)\n"
                "    out = torch.nn.grad.conv2d_weight(xp.transpose(0, 1), size,\n"
                "                                      weight.transpose(0, 1)).transpose(0, 1)\n"
                "    out = out[:, :, ::sH, ::sW]\n"
                "    return out if bias is None else out + bias.reshape(1, -1, 1, 1)\n",
                "forbidden"),
        },
        "correct": {
            "unfold_einsum": (
                "def conv2d(x, weight, bias=None, stride=1, padding=0):\n"
                "    (sH, sW), (pH, pW) = as_pair(stride), as_pair(padding)\n"
                "    kH, kW = weight.shape[2:]\n"
                "    x_pad = F.pad(x, (pW, pW, pH, pH))\n"
                "    windows = x_pad.unfold(2, kH, sH).unfold(3, kW, sW)\n"
                "    out = torch.einsum('nchwuv,ocuv->nohw', windows, weight)\n"
                "    if bias is not None:\n"
                "        out = out + bias[None, :, None, None]\n"
                "    return out\n"),
            "as_strided_tensordot": (
                "def conv2d(x, weight, bias=None, stride=1, padding=0):\n"
                "    sH, sW = as_pair(stride)\n"
                "    pH, pW = as_pair(padding)\n"
                "    C_out, C_in, kH, kW = weight.shape\n"
                "    xp = F.pad(x, (pW, pW, pH, pH)).contiguous()\n"
                "    N, _, Hp, Wp = xp.shape\n"
                "    H_out, W_out = (Hp - kH) // sH + 1, (Wp - kW) // sW + 1\n"
                "    sn, sc, sh, sw = xp.stride()\n"
                "    win = xp.as_strided((N, H_out, W_out, C_in, kH, kW),\n"
                "                        (sn, sh * sH, sw * sW, sc, sh, sw))\n"
                "    out = torch.tensordot(win, weight, dims=([3, 4, 5], [1, 2, 3]))\n"
                "    if bias is not None:\n"
                "        out = out + bias\n"
                "    return out.permute(0, 3, 1, 2)\n"),
            "gather_index_matmul": (
                "def conv2d(x, weight, bias=None, stride=1, padding=0):\n"
                "    sH, sW = as_pair(stride)\n"
                "    pH, pW = as_pair(padding)\n"
                "    C_out, C_in, kH, kW = weight.shape\n"
                "    xp = F.pad(x, (pW, pW, pH, pH))\n"
                "    N, _, Hp, Wp = xp.shape\n"
                "    H_out, W_out = (Hp - kH) // sH + 1, (Wp - kW) // sW + 1\n"
                "    rows = torch.arange(kH, device=x.device)[:, None] \\\n"
                "        + sH * torch.arange(H_out, device=x.device)\n"
                "    cols = torch.arange(kW, device=x.device)[:, None] \\\n"
                "        + sW * torch.arange(W_out, device=x.device)\n"
                "    patches = xp[:, :, rows[:, None, :, None], cols[None, :, None, :]]\n"
                "    patches = patches.reshape(N, C_in * kH * kW, H_out * W_out)\n"
                "    out = (weight.reshape(C_out, -1) @ patches).view(N, C_out, H_out, W_out)\n"
                "    return out if bias is None else out + bias.view(1, C_out, 1, 1)\n"),
        },
    },
    "max_pool2d": {
        "wrong": {
            "stride_defaults_to_one": (
                "def max_pool2d(x, kernel_size, stride=None):\n"
                "    kH, kW = as_pair(kernel_size)\n"
                "    sH, sW = as_pair(1 if stride is None else stride)\n"
                "    return x.unfold(2, kH, sH).unfold(3, kW, sW).amax(dim=(-2, -1))\n",
                "stride defaults to kernel_size"),
            "tied_max_counted_twice": (
                "def max_pool2d(x, kernel_size, stride=None):\n"
                "    kH, kW = as_pair(kernel_size)\n"
                "    sH, sW = as_pair(kernel_size if stride is None else stride)\n"
                "    win = x.unfold(2, kH, sH).unfold(3, kW, sW).flatten(-2)\n"
                "    is_max = win == win.amax(dim=-1, keepdim=True)\n"
                "    return (win * is_max).sum(dim=-1)\n",
                "tie"),
            "max_starts_at_zero": (MAX_POOL_OFFSETS.format(
                start="x.new_zeros(N, C, H_out, W_out)"), "all-negative"),
            "forbidden_builtin": (
                "def max_pool2d(x, kernel_size, stride=None):\n"
                "    return torch.nn.MaxPool2d(kernel_size, stride)(x)\n",
                "forbidden"),
        },
        "correct": {
            "offset_slices_maximum": MAX_POOL_OFFSETS.format(
                start="x.new_full((N, C, H_out, W_out), float('-inf'))"),
            "reshape_when_side_by_side": (
                "def max_pool2d(x, kernel_size, stride=None):\n"
                "    kH, kW = as_pair(kernel_size)\n"
                "    sH, sW = (kH, kW) if stride is None else as_pair(stride)\n"
                "    N, C, H, W = x.shape\n"
                "    H_out, W_out = (H - kH) // sH + 1, (W - kW) // sW + 1\n"
                "    if (sH, sW) == (kH, kW):\n"
                "        blocks = x[:, :, :H_out * kH, :W_out * kW]\n"
                "        return blocks.reshape(N, C, H_out, kH, W_out, kW).amax(dim=(3, 5))\n"
                "    win = x.unfold(2, kH, sH).unfold(3, kW, sW)\n"
                "    return win.reshape(N, C, H_out, W_out, -1).max(dim=-1).values\n"),
        },
    },
    "avg_pool2d": {
        "wrong": {
            "divides_by_kh_squared": (
                "def avg_pool2d(x, kernel_size, stride=None):\n"
                "    kH, kW = as_pair(kernel_size)\n"
                "    sH, sW = as_pair(kernel_size if stride is None else stride)\n"
                "    win = x.unfold(2, kH, sH).unfold(3, kW, sW)\n"
                "    return win.sum(dim=(-2, -1)) / (kH * kH)\n",
                "kH * kW"),
            "pads_to_ceil": (
                "def avg_pool2d(x, kernel_size, stride=None):\n"
                "    kH, kW = as_pair(kernel_size)\n"
                "    sH, sW = as_pair(kernel_size if stride is None else stride)\n"
                "    H, W = x.shape[2:]\n"
                "    H_out, W_out = math.ceil((H - kH) / sH) + 1, math.ceil((W - kW) / sW) + 1\n"
                "    x = F.pad(x, (0, (W_out - 1) * sW + kW - W, 0, (H_out - 1) * sH + kH - H))\n"
                "    return x.unfold(2, kH, sH).unfold(3, kW, sW).mean(dim=(-2, -1))\n",
                "rounds up"),
            "forbidden_builtin": (
                "def avg_pool2d(x, kernel_size, stride=None):\n"
                "    return F.avg_pool2d(x, kernel_size, stride)\n",
                "forbidden"),
            "forbidden_conv_with_ones": (
                "def avg_pool2d(x, kernel_size, stride=None):\n"
                "    kH, kW = as_pair(kernel_size)\n"
                "    C = x.shape[1]\n"
                "    box = x.new_ones(C, 1, kH, kW) / (kH * kW)\n"
                "    step = kernel_size if stride is None else stride\n"
                "    return F.conv2d(x, box, stride=step, groups=C)\n",
                "forbidden"),
        },
        "correct": {
            "offset_slices_sum": (
                "def avg_pool2d(x, kernel_size, stride=None):\n"
                "    kH, kW = as_pair(kernel_size)\n"
                "    sH, sW = as_pair(kernel_size if stride is None else stride)\n"
                "    H_out = (x.shape[2] - kH) // sH + 1\n"
                "    W_out = (x.shape[3] - kW) // sW + 1\n"
                "    total = 0\n"
                "    for u in range(kH):\n"
                "        for v in range(kW):\n"
                "            total = total + x[:, :, u:u + sH * H_out:sH, v:v + sW * W_out:sW]\n"
                "    return total / (kH * kW)\n"),
            "integral_image": (
                "def avg_pool2d(x, kernel_size, stride=None):\n"
                "    kH, kW = as_pair(kernel_size)\n"
                "    sH, sW = as_pair(kernel_size if stride is None else stride)\n"
                "    H_out = (x.shape[2] - kH) // sH + 1\n"
                "    W_out = (x.shape[3] - kW) // sW + 1\n"
                "    S = F.pad(x.cumsum(2).cumsum(3), (1, 0, 1, 0))  # S[i, j] = sum x[:i, :j]\n"
                "    r = torch.arange(H_out, device=x.device)[:, None] * sH\n"
                "    c = torch.arange(W_out, device=x.device)[None, :] * sW\n"
                "    box = S[:, :, r + kH, c + kW] - S[:, :, r, c + kW] - S[:, :, r + kH, c] \\\n"
                "        + S[:, :, r, c]\n"
                "    return box / (kH * kW)\n"),
        },
    },
    "receptive_field": {
        "wrong": {
            "ignores_strides": (
                "def receptive_field(layers):\n"
                "    return 1 + sum(k - 1 for k, _ in layers)\n",
                "ignores the strides"),
            "own_stride_counts": (RF_LOOP.format(body="jump *= s\n        rf += (k - 1) * jump"),
                                  "its own stride"),
            "sums_kernels": (
                "def receptive_field(layers):\n"
                "    return sum(kernel_size for kernel_size, _ in layers)\n",
                "overlap"),
        },
        "correct": {
            "top_down": (
                "def receptive_field(layers):\n"
                "    rf = 1\n"
                "    for k, s in reversed(layers):\n"
                "        rf = (rf - 1) * s + k\n"
                "    return rf\n"),
            "closed_form": (
                "def receptive_field(layers):\n"
                "    return 1 + sum((k - 1) * math.prod(s for _, s in layers[:i])\n"
                "                   for i, (k, _) in enumerate(layers))\n"),
        },
    },
    "q_conv_params": {"wrong": {"forgot_bias": "q_conv_params = 16 * 3 * 5 * 5\n"}},
    "q_params_image_size": {"wrong": {"grows_with_pixels": 'q_params_image_size = "a"\n'}},
    "q_vgg_ratio": {"wrong": {"inverted": "q_vgg_ratio = 49 / 27\n"}},
    "q_stride_equivariance": {"wrong": {"shifts_by_one": 'q_stride_equivariance = "a"\n'}},
}


# Known-mistake diagnosis: what each wrong mutant does, in a student's words.  Each clause
# completes "this is what happens when ..." in the feedback of a submission that behaves alike.
MISTAKES = {
    "conv_output_size": {
        "ceil": "the division by the stride rounds up, so an incomplete last window is counted too",
        "padding_once": "the padding is added on one side only instead of on both sides",
        "ignores_dilation":
            "the dilation is ignored: the window is taken to span kernel_size inputs even when "
            "its taps are spread out",
        "true_division":
            "the division by the stride is a true division, so the size comes out as a float, not"
            " an int",
    },
    "conv2d_naive": {
        "flipped_kernel":
            "the kernel is flipped (a true convolution) instead of laid over the window as is "
            "(cross-correlation)",
    },
    "conv2d": {
        "flipped_kernel":
            "the kernel is flipped (a true convolution) instead of laid over the window as is "
            "(cross-correlation)",
        "pads_height_only": "the input is padded along the height only; the width gets no padding",
        "stride_swapped": "the stride pair is read as (width, height) instead of (height, width)",
        "bias_broadcast_last_axis":
            "the bias is added along the last (width) axis instead of once per output channel",
        "reuses_conv2d_naive":
            "the convolution is not vectorised: it loops over pixels instead of building the "
            "columns for one matrix product",
    },
    "max_pool2d": {
        "stride_defaults_to_one":
            "with no stride given, the windows move one pixel at a time instead of by the kernel "
            "size",
        "tied_max_counted_twice":
            "a maximum that appears twice in a window (a tie) is added up once per copy instead "
            "of taken once",
        "max_starts_at_zero":
            "the running maximum starts at 0, which is wrong for windows whose values are all "
            "negative",
    },
    "avg_pool2d": {
        "divides_by_kh_squared":
            "the window sum is divided by kH * kH instead of kH * kW (wrong for non-square "
            "windows)",
        "pads_to_ceil":
            "incomplete windows at the bottom/right border are zero-padded and kept instead of "
            "dropped",
    },
    "receptive_field": {
        "ignores_strides":
            "the strides are ignored: every layer adds k - 1 input pixels, as if all strides were"
            " 1",
        "own_stride_counts":
            "a layer's own stride widens its own window (the jump is multiplied by the stride "
            "before it is used)",
        "sums_kernels":
            "the kernel sizes are simply added up, ignoring that neighbouring windows overlap",
    },
    "q_conv_params": {
        "forgot_bias": "the biases (one per output channel) are not counted",
    },
    "q_params_image_size": {
        "grows_with_pixels":
            "a convolution's parameter count is thought to grow with the number of pixels",
    },
    "q_vgg_ratio": {
        "inverted":
            "the ratio is taken the wrong way round: the 7x7 layer's parameters over the three "
            "3x3 layers'",
    },
    "q_stride_equivariance": {
        "shifts_by_one":
            "a stride-2 convolution's output is thought to shift by the same one pixel as its "
            "input",
    },
}
