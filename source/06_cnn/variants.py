"""Right answers in other idioms for 06_cnn: each must keep its test's full points."""

from course.authoring.mutants import Mutant

_CONV_OUTPUT_SIZE = (
    "for name, value in ((\"n\", n), (\"kernel_size\", kernel_size), (\"padding\", padding), "
    "(\"stride\", stride)):\n"
    "        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):\n"
    "            raise ValueError(f\"{name} must be an integer, got {value!r}\")\n"
    "    if n < 1 or kernel_size < 1 or stride < 1 or padding < 0:\n"
    "        raise ValueError(\"need n, kernel_size, stride >= 1 and padding >= 0\")\n"
    "    size = (n - kernel_size + 2 * padding) // stride + 1\n"
    "    if size < 1:\n"
    "        raise ValueError(f\"a kernel of size {kernel_size} does not fit into "
    "{n} + 2 * {padding} inputs\")\n"
    "    return int(size)"
)

_CONV2D_PARAM_COUNT = (
    "if isinstance(kernel_size, (int, np.integer)):\n"
    "        kh, kw = kernel_size, kernel_size\n"
    "    else:\n"
    "        kh, kw = kernel_size\n"
    "    weights = kh * kw * in_channels * filters\n"
    "    return int(weights + (filters if use_bias else 0))"
)

_CONV2D_FORWARD = (
    "x = np.asarray(x, dtype=float)\n"
    "    w = np.asarray(w, dtype=float)\n"
    "    b = np.asarray(b, dtype=float)\n"
    "    kh, kw = w.shape[:2]\n"
    "    if padding == \"same\":\n"
    "        pads = []\n"
    "        for n, f in ((x.shape[1], kh), (x.shape[2], kw)):\n"
    "            total = max((-(-n // stride) - 1) * stride + f - n, 0)\n"
    "            pads.append((total // 2, total - total // 2))\n"
    "        x = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)))\n"
    "    H_out = (x.shape[1] - kh) // stride + 1\n"
    "    W_out = (x.shape[2] - kw) // stride + 1\n"
    "    out = np.zeros((x.shape[0], H_out, W_out, w.shape[3]))\n"
    "    for u in range(kh):\n"
    "        for v in range(kw):\n"
    "            patch = x[:, u:u + stride * (H_out - 1) + 1:stride, "
    "v:v + stride * (W_out - 1) + 1:stride, :]\n"
    "            out += patch @ w[u, v]\n"
    "    return out + b"
)

_CONV2D_BACKWARD = (
    "if padding not in (\"valid\", \"same\"):\n"
    "        raise ValueError(f\"padding must be 'valid' or 'same', got {padding!r}\")\n"
    "    dout = np.asarray(dout, dtype=float)\n"
    "    x = np.asarray(x, dtype=float)\n"
    "    w = np.asarray(w, dtype=float)\n"
    "    N, H, W, C_in = x.shape\n"
    "    kh, kw, _, C_out = w.shape\n"
    "    pads = [(0, 0), (0, 0)]\n"
    "    if padding == \"same\":\n"
    "        for axis, (n, f) in enumerate(((H, kh), (W, kw))):\n"
    "            total = max((-(-n // stride) - 1) * stride + f - n, 0)\n"
    "            pads[axis] = (total // 2, total - total // 2)\n"
    "    x_pad = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)))\n"
    "    H_out = (x_pad.shape[1] - kh) // stride + 1\n"
    "    W_out = (x_pad.shape[2] - kw) // stride + 1\n"
    "    if dout.shape != (N, H_out, W_out, C_out):\n"
    "        raise ValueError(f\"dout has shape {dout.shape}; the forward output has shape \"\n"
    "                         f\"{(N, H_out, W_out, C_out)}\")\n"
    "    dx_pad = np.zeros_like(x_pad)\n"
    "    dw = np.zeros_like(w)\n"
    "    for u in range(kh):\n"
    "        for v in range(kw):\n"
    "            rows = slice(u, u + stride * (H_out - 1) + 1, stride)\n"
    "            cols = slice(v, v + stride * (W_out - 1) + 1, stride)\n"
    "            patch = x_pad[:, rows, cols, :]\n"
    "            dw[u, v] = patch.reshape(-1, C_in).T @ dout.reshape(-1, C_out)\n"
    "            dx_pad[:, rows, cols, :] += dout @ w[u, v].T\n"
    "    dx = dx_pad[:, pads[0][0]:pads[0][0] + H, pads[1][0]:pads[1][0] + W, :]\n"
    "    db = dout.sum(axis=(0, 1, 2))\n"
    "    return dx, dw, db"
)

_MAX_POOL2D = (
    "x = np.asarray(x, dtype=float)\n"
    "    N, H, W, C = x.shape\n"
    "    H_out = (H - pool_size) // stride + 1\n"
    "    W_out = (W - pool_size) // stride + 1\n"
    "    out = np.full((N, H_out, W_out, C), -np.inf)\n"
    "    for u in range(pool_size):\n"
    "        for v in range(pool_size):\n"
    "            window = x[:, u:u + stride * (H_out - 1) + 1:stride, "
    "v:v + stride * (W_out - 1) + 1:stride, :]\n"
    "            out = np.maximum(out, window)\n"
    "    return out"
)

_BUILD_CNN = (
    "return keras.Sequential([\n"
    "        keras.Input(input_shape),\n"
    "        keras.layers.Conv2D(16, 3, padding=\"same\", activation=\"relu\"),\n"
    "        keras.layers.MaxPooling2D(2),\n"
    "        keras.layers.Conv2D(32, 3, padding=\"valid\", activation=\"relu\"),\n"
    "        keras.layers.Flatten(),\n"
    "        keras.layers.Dense(n_classes, activation=\"softmax\"),\n"
    "    ])"
)

_RESIDUAL_BLOCK = (
    "y = keras.layers.Conv2D(filters, 3, padding=\"same\", activation=\"relu\")(x)\n"
    "    y = keras.layers.Conv2D(filters, 3, padding=\"same\")(y)\n"
    "    shortcut = x\n"
    "    if x.shape[-1] != filters:\n"
    "        shortcut = keras.layers.Conv2D(filters, 1)(x)\n"
    "    out = keras.layers.Add()([shortcut, y])\n"
    "    return keras.layers.Activation(\"relu\")(out)"
)

VARIANTS = [
    # output size
    Mutant("conv_output_size", "numbers.Integral check and math.floor of the true division",
           _CONV_OUTPUT_SIZE,
           "import math\n"
           "    import numbers\n"
           "\n"
           "    for value in (n, kernel_size, padding, stride):\n"
           "        if isinstance(value, bool) or not isinstance(value, numbers.Integral):\n"
           "            raise ValueError(f\"expected an integer, got {value!r}\")\n"
           "    if min(n, kernel_size, stride) < 1 or padding < 0:\n"
           "        raise ValueError(\"need n, kernel_size, stride >= 1 and padding >= 0\")\n"
           "    size = math.floor((n + 2 * padding - kernel_size) / stride) + 1\n"
           "    if size < 1:\n"
           "        raise ValueError(\"the kernel does not fit into the padded input\")\n"
           "    return size"),
    Mutant("conv_output_size", "operator.index for the integer check; counts the kernel "
           "positions with range",
           _CONV_OUTPUT_SIZE,
           "import operator\n"
           "\n"
           "    try:\n"
           "        n, kernel_size, padding, stride = map(operator.index,\n"
           "                                              (n, kernel_size, padding, stride))\n"
           "    except TypeError:\n"
           "        raise ValueError(\"all arguments must be integers\") from None\n"
           "    if n < 1 or kernel_size < 1 or stride < 1 or padding < 0:\n"
           "        raise ValueError(\"need n, kernel_size, stride >= 1 and padding >= 0\")\n"
           "    size = len(range(0, n + 2 * padding - kernel_size + 1, stride))\n"
           "    if size == 0:\n"
           "        raise ValueError(\"the kernel does not fit into the padded input\")\n"
           "    return size"),
    # parameter count
    Mutant("conv2d_param_count", "builds the keras.layers.Conv2D and counts its parameters",
           _CONV2D_PARAM_COUNT,
           "layer = keras.layers.Conv2D(filters, kernel_size, use_bias=use_bias)\n"
           "    layer.build((None, None, None, in_channels))\n"
           "    return layer.count_params()"),
    Mutant("conv2d_param_count", "math.prod of the kernel shape; use_bias * filters",
           _CONV2D_PARAM_COUNT,
           "import math\n"
           "\n"
           "    if np.ndim(kernel_size) == 0:\n"
           "        kernel_size = (kernel_size, kernel_size)\n"
           "    return math.prod(kernel_size) * in_channels * filters + use_bias * filters"),
    Mutant("conv2d_param_count", "np.broadcast_to for the kernel shape: returns a NumPy integer",
           _CONV2D_PARAM_COUNT,
           "kh, kw = np.broadcast_to(kernel_size, 2)\n"
           "    return kh * kw * in_channels * filters + filters * use_bias"),
    # convolution
    Mutant("conv2d_forward", "loop over the output positions with np.tensordot, no np.asarray",
           _CONV2D_FORWARD,
           "kh, kw, _, c_out = w.shape\n"
           "    if padding == \"same\":\n"
           "        widths = []\n"
           "        for n, f in ((x.shape[1], kh), (x.shape[2], kw)):\n"
           "            out_size = -(-n // stride)\n"
           "            total = max((out_size - 1) * stride + f - n, 0)\n"
           "            before = total // 2\n"
           "            widths.append((before, total - before))\n"
           "        x = np.pad(x, [(0, 0), widths[0], widths[1], (0, 0)])\n"
           "    N, H, W, _ = x.shape\n"
           "    H_out = (H - kh) // stride + 1\n"
           "    W_out = (W - kw) // stride + 1\n"
           "    out = np.empty((N, H_out, W_out, c_out))\n"
           "    for i in range(H_out):\n"
           "        for j in range(W_out):\n"
           "            patch = x[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]\n"
           "            out[:, i, j, :] = np.tensordot(patch, w, axes=([1, 2, 3], [0, 1, 2]))\n"
           "    return out + b"),
    Mutant("conv2d_forward", "sliding_window_view and np.einsum; math.ceil for the 'same' size",
           _CONV2D_FORWARD,
           "import math\n"
           "\n"
           "    kh, kw = w.shape[:2]\n"
           "    if padding == \"same\":\n"
           "        widths = [(0, 0)]\n"
           "        for n, f in zip(x.shape[1:3], (kh, kw)):\n"
           "            total = max((math.ceil(n / stride) - 1) * stride + f - n, 0)\n"
           "            widths.append((total // 2, total - total // 2))\n"
           "        x = np.pad(x, widths + [(0, 0)])\n"
           "    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))\n"
           "    windows = windows[:, ::stride, ::stride]\n"
           "    return np.einsum(\"nhwcij,ijco->nhwo\", windows, w) + b"),
    # convolution backward
    Mutant("conv2d_backward", "loops over the output positions: scatter-add of np.tensordot "
           "products, returns a list",
           _CONV2D_BACKWARD,
           "if padding not in (\"valid\", \"same\"):\n"
           "        raise ValueError(\"unknown padding\")\n"
           "    kh, kw, c_in, c_out = w.shape\n"
           "    n_img, height, width = x.shape[:3]\n"
           "    top = left = 0\n"
           "    padded = x\n"
           "    if padding == \"same\":\n"
           "        widths = []\n"
           "        for n, f in ((height, kh), (width, kw)):\n"
           "            total = max((-(-n // stride) - 1) * stride + f - n, 0)\n"
           "            widths.append((total // 2, total - total // 2))\n"
           "        (top, _), (left, _) = widths\n"
           "        padded = np.pad(x, [(0, 0), widths[0], widths[1], (0, 0)])\n"
           "    h_out = (padded.shape[1] - kh) // stride + 1\n"
           "    w_out = (padded.shape[2] - kw) // stride + 1\n"
           "    if np.shape(dout) != (n_img, h_out, w_out, c_out):\n"
           "        raise ValueError(\"dout does not have the shape of the forward output\")\n"
           "    d_padded = np.zeros(padded.shape)\n"
           "    dw = np.zeros(w.shape)\n"
           "    for i in range(h_out):\n"
           "        for j in range(w_out):\n"
           "            r, c = i * stride, j * stride\n"
           "            window = padded[:, r:r + kh, c:c + kw, :]\n"
           "            dw += np.tensordot(window, dout[:, i, j, :], axes=([0], [0]))\n"
           "            d_padded[:, r:r + kh, c:c + kw, :] += np.tensordot(dout[:, i, j, :], w, "
           "axes=([1], [3]))\n"
           "    dx = d_padded[:, top:top + height, left:left + width, :]\n"
           "    return [dx, dw, np.sum(dout, axis=(0, 1, 2))]"),
    Mutant("conv2d_backward", "the convolution formulas: dilated dout, sliding_window_view and "
           "np.einsum, full convolution with the flipped kernel",
           _CONV2D_BACKWARD,
           "import math\n"
           "\n"
           "    from numpy.lib.stride_tricks import sliding_window_view\n"
           "\n"
           "    if padding not in (\"valid\", \"same\"):\n"
           "        raise ValueError(f\"bad padding {padding!r}\")\n"
           "    kh, kw, c_in, c_out = w.shape\n"
           "    n_img, height, width = x.shape[:3]\n"
           "    widths = [(0, 0), (0, 0)]\n"
           "    if padding == \"same\":\n"
           "        for axis, (n, f) in enumerate(zip((height, width), (kh, kw), strict=True)):\n"
           "            total = max((math.ceil(n / stride) - 1) * stride + f - n, 0)\n"
           "            widths[axis] = (total // 2, total - total // 2)\n"
           "    padded = np.pad(x, [(0, 0), *widths, (0, 0)])\n"
           "    hp, wp = padded.shape[1:3]\n"
           "    h_out, w_out = (hp - kh) // stride + 1, (wp - kw) // stride + 1\n"
           "    if dout.shape != (n_img, h_out, w_out, c_out):\n"
           "        raise ValueError(\"dout does not have the shape of the forward output\")\n"
           "    dilated = np.zeros((n_img, (h_out - 1) * stride + 1, (w_out - 1) * stride + 1, "
           "c_out))\n"
           "    dilated[:, ::stride, ::stride] = dout\n"
           "    windows = sliding_window_view(padded, dilated.shape[1:3], axis=(1, 2))\n"
           "    windows = windows[:, :kh, :kw]\n"
           "    dw = np.einsum(\"nuvcij,nijo->uvco\", windows, dilated)\n"
           "    extra_h = hp - ((h_out - 1) * stride + kh)\n"
           "    extra_w = wp - ((w_out - 1) * stride + kw)\n"
           "    full = np.pad(dilated, [(0, 0), (kh - 1, kh - 1 + extra_h), "
           "(kw - 1, kw - 1 + extra_w), (0, 0)])\n"
           "    windows = sliding_window_view(full, (kh, kw), axis=(1, 2))\n"
           "    d_padded = np.einsum(\"nhwouv,uvco->nhwc\", windows, w[::-1, ::-1])\n"
           "    (top, _), (left, _) = widths\n"
           "    dx = d_padded[:, top:top + height, left:left + width]\n"
           "    return dx, dw, dout.sum(axis=(0, 1, 2))"),
    Mutant("conv2d_backward", "automatic differentiation: tf.GradientTape through tf.nn.conv2d",
           _CONV2D_BACKWARD,
           "if padding not in (\"valid\", \"same\"):\n"
           "        raise ValueError(f\"padding must be 'valid' or 'same', got {padding!r}\")\n"
           "    x_var = tf.Variable(np.asarray(x, dtype=\"float64\"))\n"
           "    w_var = tf.Variable(np.asarray(w, dtype=\"float64\"))\n"
           "    with tf.GradientTape() as tape:\n"
           "        y = tf.nn.conv2d(x_var, w_var, stride, padding.upper())\n"
           "        if tuple(y.shape) != np.shape(dout):\n"
           "            raise ValueError(\"dout does not have the shape of the forward output\")\n"
           "        loss = tf.reduce_sum(y * np.asarray(dout, dtype=\"float64\"))\n"
           "    dx, dw = tape.gradient(loss, [x_var, w_var])\n"
           "    return dx.numpy(), dw.numpy(), np.sum(dout, axis=(0, 1, 2))"),
    # max pooling
    Mutant("max_pool2d", "loop over the output positions, max over each window",
           _MAX_POOL2D,
           "N, H, W, C = x.shape\n"
           "    H_out = (H - pool_size) // stride + 1\n"
           "    W_out = (W - pool_size) // stride + 1\n"
           "    out = np.empty((N, H_out, W_out, C))\n"
           "    for i in range(H_out):\n"
           "        for j in range(W_out):\n"
           "            window = x[:, i * stride:i * stride + pool_size,\n"
           "                       j * stride:j * stride + pool_size, :]\n"
           "            out[:, i, j, :] = window.max(axis=(1, 2))\n"
           "    return out"),
    Mutant("max_pool2d", "sliding_window_view, then max over the window axes",
           _MAX_POOL2D,
           "windows = np.lib.stride_tricks.sliding_window_view(\n"
           "        np.asarray(x, dtype=float), (pool_size, pool_size), axis=(1, 2))\n"
           "    return windows[:, ::stride, ::stride].max(axis=(-2, -1))"),
    # CNN
    Mutant("build_cnn", "model.add on an empty Sequential, keyword arguments, "
           "default 'valid' padding",
           _BUILD_CNN,
           "model = keras.Sequential()\n"
           "    model.add(keras.Input(shape=input_shape))\n"
           "    model.add(keras.layers.Conv2D(filters=16, kernel_size=(3, 3), padding=\"same\", "
           "activation=\"relu\"))\n"
           "    model.add(keras.layers.MaxPooling2D(pool_size=(2, 2)))\n"
           "    model.add(keras.layers.Conv2D(filters=32, kernel_size=(3, 3), "
           "activation=\"relu\"))\n"
           "    model.add(keras.layers.Flatten())\n"
           "    model.add(keras.layers.Dense(n_classes, activation=\"softmax\"))\n"
           "    return model"),
    Mutant("build_cnn", "InputLayer, the MaxPool2D alias and keras.activations functions",
           _BUILD_CNN,
           "return keras.Sequential([\n"
           "        keras.layers.InputLayer(shape=input_shape),\n"
           "        keras.layers.Conv2D(16, (3, 3), strides=1, padding=\"same\", "
           "activation=keras.activations.relu),\n"
           "        keras.layers.MaxPool2D(),\n"
           "        keras.layers.Conv2D(32, (3, 3), strides=1, "
           "activation=keras.activations.relu),\n"
           "        keras.layers.Flatten(),\n"
           "        keras.layers.Dense(n_classes, activation=keras.activations.softmax),\n"
           "    ])"),
    # residual block
    Mutant("residual_block", "separate ReLU layers and the keras.layers.add function",
           _RESIDUAL_BLOCK,
           "y = keras.layers.Conv2D(filters, (3, 3), padding=\"same\")(x)\n"
           "    y = keras.layers.ReLU()(y)\n"
           "    y = keras.layers.Conv2D(filters, (3, 3), padding=\"same\")(y)\n"
           "    shortcut = x if x.shape[-1] == filters else keras.layers.Conv2D(filters, 1)(x)\n"
           "    return keras.layers.ReLU()(keras.layers.add([y, shortcut]))"),
    Mutant("residual_block", "shortcut built first, x.shape[3], Activation with a "
           "keras.activations function",
           _RESIDUAL_BLOCK,
           "shortcut = x\n"
           "    if x.shape[3] != filters:\n"
           "        shortcut = keras.layers.Conv2D(filters, kernel_size=1, padding=\"valid\")(x)\n"
           "    y = keras.layers.Conv2D(filters, 3, padding=\"same\", activation=\"relu\")(x)\n"
           "    y = keras.layers.Conv2D(filters, 3, padding=\"same\")(y)\n"
           "    y = keras.layers.Add()([y, shortcut])\n"
           "    return keras.layers.Activation(keras.activations.relu)(y)"),
    # multiple choice
    Mutant("MC_CONV", "set built from a string", 'MC_CONV = {"a", "d", "e"}',
           'MC_CONV = set("ade")'),
    Mutant("MC_POOLING", "letters in another order", 'MC_POOLING = {"a", "c", "d"}',
           'MC_POOLING = {"d", "c", "a"}'),
    Mutant("MC_HIERARCHY", "frozenset", 'MC_HIERARCHY = {"a", "b", "d", "e"}',
           'MC_HIERARCHY = frozenset("abde")'),
    Mutant("MC_ARCHITECTURES", "set built from a list", 'MC_ARCHITECTURES = {"a", "d", "f"}',
           'MC_ARCHITECTURES = set(["f", "d", "a"])'),
    Mutant("MC_EFFICIENCY", "set built from a string", 'MC_EFFICIENCY = {"a", "b", "d"}',
           'MC_EFFICIENCY = set("dba")'),
]
