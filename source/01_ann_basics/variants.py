"""Right answers in other idioms for 01_ann_basics: each must keep its test's full points."""

from course.authoring.mutants import Mutant

VARIANTS = [
    # multiple choice
    Mutant("MC_DL_VS_ML", "a set built from a string of letters",
           'MC_DL_VS_ML = {"a", "c", "e"}', 'MC_DL_VS_ML = set("ace")'),
    Mutant("MC_BIAS", "the letters in another order",
           'MC_BIAS = {"a", "b", "d"}', 'MC_BIAS = {"d", "b", "a"}'),
    Mutant("MC_LOSS", "a frozenset",
           'MC_LOSS = {"a", "b", "c"}', 'MC_LOSS = frozenset(["a", "b", "c"])'),
    Mutant("MC_NONLINEAR", "set() of a list, reversed order",
           'MC_NONLINEAR = {"a", "c"}', 'MC_NONLINEAR = set(["c", "a"])'),
    Mutant("MC_OUTPUT", "a union of two sets",
           'MC_OUTPUT = {"a", "b", "d"}', 'MC_OUTPUT = {"a", "b"} | {"d"}'),
    # sigmoid
    Mutant("sigmoid", "element-wise loop with math.exp, no NumPy ufuncs",
           "    z = np.asarray(z, dtype=float)\n"
           "    e = np.exp(-np.abs(z))                  # in (0, 1]: never overflows\n"
           "    out = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n"
           "    return float(out) if out.ndim == 0 else out\n",
           "    import math\n"
           "\n"
           "    def one(t):\n"
           "        if t >= 0:\n"
           "            return 1.0 / (1.0 + math.exp(-t))\n"
           "        return math.exp(t) / (1.0 + math.exp(t))\n"
           "\n"
           "    if np.ndim(z) == 0:\n"
           "        return one(float(z))\n"
           "    z = np.asarray(z, dtype=float)\n"
           "    out = np.empty(z.shape)\n"
           "    for index in np.ndindex(z.shape):\n"
           "        out[index] = one(z[index])\n"
           "    return out\n"),
    Mutant("sigmoid", "tanh identity 0.5 * (1 + tanh(z / 2)), no branches",
           "    z = np.asarray(z, dtype=float)\n"
           "    e = np.exp(-np.abs(z))                  # in (0, 1]: never overflows\n"
           "    out = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n"
           "    return float(out) if out.ndim == 0 else out\n",
           "    out = 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))\n"
           "    return out if np.ndim(z) else float(out)\n"),
    Mutant("sigmoid", "scipy.special.expit; its float64 for a scalar is a float",
           "    z = np.asarray(z, dtype=float)\n"
           "    e = np.exp(-np.abs(z))                  # in (0, 1]: never overflows\n"
           "    out = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n"
           "    return float(out) if out.ndim == 0 else out\n",
           "    from scipy.special import expit\n"
           "\n"
           "    return expit(z)\n"),
    Mutant("sigmoid", "plain formula on z clipped to [-500, 500] (exp(500) is finite)",
           "    z = np.asarray(z, dtype=float)\n"
           "    e = np.exp(-np.abs(z))                  # in (0, 1]: never overflows\n"
           "    out = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n",
           "    z = np.clip(np.asarray(z, dtype=float), -500.0, 500.0)\n"
           "    out = 1.0 / (1.0 + np.exp(-z))\n"),
    # logistic_regression_proba
    Mutant("logistic_regression_proba", "one np.dot per row in a list comprehension",
           "    return sigmoid(b + np.asarray(x, dtype=float) @ a)\n",
           "    x = np.asarray(x, dtype=float)\n"
           "    if x.ndim == 1:\n"
           "        return sigmoid(b + float(np.dot(x, a)))\n"
           "    return np.array([sigmoid(b + float(np.dot(row, a))) for row in x])\n"),
    Mutant("logistic_regression_proba", "no np.asarray: broadcast x * a, sum over the last axis",
           "    return sigmoid(b + np.asarray(x, dtype=float) @ a)\n",
           "    return sigmoid((x * a).sum(axis=-1) + b)\n"),
    # binary_cross_entropy
    Mutant("binary_cross_entropy", "loop over the entries with math.log and min/max clipping",
           "    eps = 1e-7\n"
           "    y = np.asarray(y_true, dtype=float)\n"
           "    p = np.clip(np.asarray(p, dtype=float), eps, 1.0 - eps)\n"
           "    losses = -(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))\n"
           "    return float(np.mean(losses))\n",
           "    import math\n"
           "\n"
           "    eps = 1e-7\n"
           "    total, count = 0.0, 0\n"
           "    for y, q in zip(np.ravel(y_true), np.ravel(p)):\n"
           "        y, q = float(y), min(max(float(q), eps), 1.0 - eps)\n"
           "        total -= y * math.log(q) + (1.0 - y) * math.log(1.0 - q)\n"
           "        count += 1\n"
           "    return total / count\n"),
    Mutant("binary_cross_entropy", "np.log1p, no np.asarray, np.mean's float64 returned as is",
           "    eps = 1e-7\n"
           "    y = np.asarray(y_true, dtype=float)\n"
           "    p = np.clip(np.asarray(p, dtype=float), eps, 1.0 - eps)\n"
           "    losses = -(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))\n"
           "    return float(np.mean(losses))\n",
           "    p = np.clip(p, 1e-7, 1 - 1e-7)\n"
           "    return np.mean(-y_true * np.log(p) - (1 - y_true) * np.log1p(-p))\n"),
    # mean_squared_error
    Mutant("mean_squared_error", "no np.asarray, np.mean's float64 returned as is",
           "    diff = np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)\n"
           "    return float(np.mean(diff ** 2))\n",
           "    return np.mean((y_true - y_pred) ** 2)\n"),
    Mutant("mean_squared_error", "Python loop over the flattened entries",
           "    diff = np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)\n"
           "    return float(np.mean(diff ** 2))\n",
           "    pairs = list(zip(np.ravel(y_true), np.ravel(y_pred)))\n"
           "    return sum((float(t) - float(q)) ** 2 for t, q in pairs) / len(pairs)\n"),
    # dense_forward
    Mutant("dense_forward", "dict of activation functions, np.dot, relu as z * (z > 0)",
           "    z = np.asarray(x, dtype=float) @ W + b\n"
           "    if activation == \"identity\":\n"
           "        return z\n"
           "    if activation == \"sigmoid\":\n"
           "        return sigmoid(z)\n"
           "    if activation == \"relu\":\n"
           "        return np.maximum(z, 0.0)\n"
           "    if activation == \"tanh\":\n"
           "        return np.tanh(z)\n"
           "    if activation == \"softmax\":\n"
           "        e = np.exp(z - z.max(axis=-1, keepdims=True))\n"
           "        return e / e.sum(axis=-1, keepdims=True)\n"
           "    raise ValueError(f\"unknown activation {activation!r}; choose one of \"\n"
           "                     \"'identity', 'sigmoid', 'relu', 'tanh', 'softmax'\")\n",
           "    def softmax(z):\n"
           "        e = np.exp(z - np.max(z, axis=-1, keepdims=True))\n"
           "        return e / np.sum(e, axis=-1, keepdims=True)\n"
           "\n"
           "    functions = {\"identity\": lambda z: z, \"sigmoid\": sigmoid,\n"
           "                 \"relu\": lambda z: z * (z > 0), \"tanh\": np.tanh,\n"
           "                 \"softmax\": softmax}\n"
           "    if activation not in functions:\n"
           "        raise ValueError(f\"activation must be one of {list(functions)}, \"\n"
           "                         f\"not {activation!r}\")\n"
           "    return functions[activation](np.dot(np.asarray(x, dtype=float), W) + b)\n"),
    Mutant("dense_forward", "match statement with scipy's expit and softmax, np.clip for relu",
           "    z = np.asarray(x, dtype=float) @ W + b\n"
           "    if activation == \"identity\":\n"
           "        return z\n"
           "    if activation == \"sigmoid\":\n"
           "        return sigmoid(z)\n"
           "    if activation == \"relu\":\n"
           "        return np.maximum(z, 0.0)\n"
           "    if activation == \"tanh\":\n"
           "        return np.tanh(z)\n"
           "    if activation == \"softmax\":\n"
           "        e = np.exp(z - z.max(axis=-1, keepdims=True))\n"
           "        return e / e.sum(axis=-1, keepdims=True)\n"
           "    raise ValueError(f\"unknown activation {activation!r}; choose one of \"\n"
           "                     \"'identity', 'sigmoid', 'relu', 'tanh', 'softmax'\")\n",
           "    from scipy.special import expit, softmax\n"
           "\n"
           "    z = np.matmul(x, W, dtype=float) + b\n"
           "    match activation:\n"
           "        case \"identity\":\n"
           "            return z\n"
           "        case \"sigmoid\":\n"
           "            return expit(z)\n"
           "        case \"relu\":\n"
           "            return np.clip(z, 0.0, None)\n"
           "        case \"tanh\":\n"
           "            return np.tanh(z)\n"
           "        case \"softmax\":\n"
           "            return softmax(z, axis=-1)\n"
           "    raise ValueError(\"activation must be identity, sigmoid, relu, tanh or \"\n"
           "                     \"softmax\")\n"),
    # layer_shapes
    Mutant("layer_shapes", "loop over the two layers with f-string keys",
           '    return {"W1": (n_in, n_hidden), "b1": (n_hidden,), "W2": (n_hidden, n_out), '
           '"b2": (n_out,)}\n',
           "    sizes = [n_in, n_hidden, n_out]\n"
           "    shapes = {}\n"
           "    for layer in (1, 2):\n"
           "        shapes[f\"W{layer}\"] = (sizes[layer - 1], sizes[layer])\n"
           "        shapes[f\"b{layer}\"] = (sizes[layer],)\n"
           "    return shapes\n"),
    Mutant("layer_shapes", "shapes read from the weights of a Keras model",
           '    return {"W1": (n_in, n_hidden), "b1": (n_hidden,), "W2": (n_hidden, n_out), '
           '"b2": (n_out,)}\n',
           "    net = keras.Sequential([keras.Input((n_in,)), keras.layers.Dense(n_hidden),\n"
           "                            keras.layers.Dense(n_out)])\n"
           "    names = [\"W1\", \"b1\", \"W2\", \"b2\"]\n"
           "    return {name: tuple(int(d) for d in w.shape)\n"
           "            for name, w in zip(names, net.weights)}\n"),
    # count_parameters
    Mutant("count_parameters", "for loop with an accumulator, (n_in + 1) * n_out",
           "    sizes = list(layer_sizes)\n"
           "    return int(sum(n_in * n_out + n_out "
           "for n_in, n_out in zip(sizes[:-1], sizes[1:])))\n",
           "    total = 0\n"
           "    for n_in, n_out in zip(layer_sizes, layer_sizes[1:]):\n"
           "        total += (n_in + 1) * n_out\n"
           "    return total\n"),
    Mutant("count_parameters", "NumPy dot product of consecutive sizes, converted with int()",
           "    sizes = list(layer_sizes)\n"
           "    return int(sum(n_in * n_out + n_out "
           "for n_in, n_out in zip(sizes[:-1], sizes[1:])))\n",
           "    sizes = np.array(layer_sizes)\n"
           "    return int(np.dot(sizes[:-1], sizes[1:]) + sizes[1:].sum())\n"),
    # build_mlp
    Mutant("build_mlp", "layer list passed to keras.Sequential, keras.activations.relu object",
           "    units = [hidden_units] if isinstance(hidden_units, (int, np.integer)) "
           "else list(hidden_units)\n"
           "    model = keras.Sequential()\n"
           "    model.add(keras.Input((input_dim,)))\n"
           "    for n in units:\n"
           "        model.add(keras.layers.Dense(n, activation=\"relu\"))\n"
           "    model.add(keras.layers.Dense(n_outputs, activation=output_activation))\n"
           "    return model\n",
           "    if isinstance(hidden_units, int):\n"
           "        hidden_units = [hidden_units]\n"
           "    hidden = [keras.layers.Dense(n, activation=keras.activations.relu) "
           "for n in hidden_units]\n"
           "    return keras.Sequential([keras.Input(shape=(input_dim,)), *hidden,\n"
           "                             keras.layers.Dense(n_outputs, "
           "activation=output_activation)])\n"),
    Mutant("build_mlp", "try/except TypeError to tell one int from a list",
           "    units = [hidden_units] if isinstance(hidden_units, (int, np.integer)) "
           "else list(hidden_units)\n",
           "    try:\n"
           "        units = list(hidden_units)\n"
           "    except TypeError:\n"
           "        units = [hidden_units]\n"),
]
