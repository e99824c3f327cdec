"""Right answers in other idioms for 04_regularization: each must keep its test's full points."""

from course.authoring.mutants import Mutant

VARIANTS = [
    # penalties
    Mutant("l1_penalty", "explicit loop over the entries with the built-in abs",
           "total = sum(np.sum(np.abs(np.asarray(w, dtype=float))) for w in weights)\n"
           "    return float(lam * total)",
           "total = 0.0\n"
           "    for w in weights:\n"
           "        for value in np.ravel(w):\n"
           "            total += abs(float(value))\n"
           "    return lam * total"),
    Mutant("l1_penalty", "array methods on the arrays as given (no np.asarray)",
           "total = sum(np.sum(np.abs(np.asarray(w, dtype=float))) for w in weights)",
           "total = sum(abs(w).sum() for w in weights)"),
    Mutant("l1_penalty", "keras.regularizers.L1 applied to each array",
           "total = sum(np.sum(np.abs(np.asarray(w, dtype=float))) for w in weights)\n"
           "    return float(lam * total)",
           "regularizer = keras.regularizers.L1(lam)\n"
           "    return float(sum(regularizer(w) for w in weights))"),
    Mutant("l2_penalty", "dot product of each flattened array with itself",
           "total = sum(np.sum(np.square(np.asarray(w, dtype=float))) for w in weights)",
           "total = sum(np.dot(w.ravel(), w.ravel()) for w in weights)"),
    Mutant("l2_penalty", "loop over the entries, w * w in Python floats",
           "total = sum(np.sum(np.square(np.asarray(w, dtype=float))) for w in weights)\n"
           "    return float(lam * total)",
           "total = 0.0\n"
           "    for w in weights:\n"
           "        for value in np.ravel(w).tolist():\n"
           "            total += value * value\n"
           "    return lam * total"),
    Mutant("l2_penalty", "keras.regularizers.L2 applied to each array",
           "total = sum(np.sum(np.square(np.asarray(w, dtype=float))) for w in weights)\n"
           "    return float(lam * total)",
           "regularizer = keras.regularizers.L2(lam)\n"
           "    return float(sum(regularizer(w) for w in weights))"),
    Mutant("elastic_net_penalty", "sum of the L1 and L2 penalties defined above",
           "arrays = [np.asarray(w, dtype=float) for w in weights]\n"
           "    abs_sum = sum(np.sum(np.abs(w)) for w in arrays)\n"
           "    square_sum = sum(np.sum(np.square(w)) for w in arrays)\n"
           "    return float(l1 * abs_sum + l2 * square_sum)",
           "return l1_penalty(weights, l1) + l2_penalty(weights, l2)"),
    Mutant("elastic_net_penalty", "one loop over the arrays accumulating both parts",
           "arrays = [np.asarray(w, dtype=float) for w in weights]\n"
           "    abs_sum = sum(np.sum(np.abs(w)) for w in arrays)\n"
           "    square_sum = sum(np.sum(np.square(w)) for w in arrays)\n"
           "    return float(l1 * abs_sum + l2 * square_sum)",
           "total = 0.0\n"
           "    for w in weights:\n"
           "        total += l1 * float(np.abs(w).sum()) + l2 * float((w * w).sum())\n"
           "    return total"),
    Mutant("elastic_net_penalty", "keras.regularizers.L1L2 applied to each array",
           "arrays = [np.asarray(w, dtype=float) for w in weights]\n"
           "    abs_sum = sum(np.sum(np.abs(w)) for w in arrays)\n"
           "    square_sum = sum(np.sum(np.square(w)) for w in arrays)\n"
           "    return float(l1 * abs_sum + l2 * square_sum)",
           "regularizer = keras.regularizers.L1L2(l1=l1, l2=l2)\n"
           "    return float(sum(regularizer(w) for w in weights))"),
    # dropout
    Mutant("dropout_forward", "np.where with a precomputed scale; float ones as the inference mask",
           "x = np.asarray(x, dtype=float)\n"
           "    if not training:\n"
           "        return x.copy(), np.ones(x.shape, dtype=bool)\n"
           "    mask = rng.random(x.shape) >= rate\n"
           "    out = x * mask / (1 - rate)\n"
           "    return out, mask",
           "if not training:\n"
           "        return x.astype(float), np.ones_like(x, dtype=float)\n"
           "    scale = 1.0 / (1.0 - rate)\n"
           "    mask = rng.random(x.shape) >= rate\n"
           "    return np.where(mask, x * scale, 0.0), mask"),
    Mutant("dropout_forward", "two comparisons for the range check; inference returns "
           "the float input itself",
           "if not 0 <= rate < 1:\n"
           "        raise ValueError(f\"rate must be in [0, 1), got {rate}\")\n"
           "    x = np.asarray(x, dtype=float)\n"
           "    if not training:\n"
           "        return x.copy(), np.ones(x.shape, dtype=bool)",
           "if rate < 0 or rate >= 1:\n"
           "        raise ValueError(\"rate must be in [0, 1)\")\n"
           "    x = np.asarray(x, dtype=float)\n"
           "    if not training:\n"
           "        return x, np.full(x.shape, True)"),
    # batch norm
    Mutant("batchnorm_forward", "variance as the mean squared deviation; scale and shift "
           "folded like Keras",
           "x = np.asarray(x, dtype=float)\n"
           "    old_mean = np.asarray(state[\"mean\"], dtype=float)\n"
           "    old_var = np.asarray(state[\"var\"], dtype=float)\n"
           "    if training:\n"
           "        mean = x.mean(axis=0)\n"
           "        var = x.var(axis=0)\n"
           "        new_state = {\"mean\": momentum * old_mean + (1 - momentum) * mean,\n"
           "                     \"var\": momentum * old_var + (1 - momentum) * var}\n"
           "    else:\n"
           "        mean, var = old_mean, old_var\n"
           "        new_state = {\"mean\": old_mean.copy(), \"var\": old_var.copy()}\n"
           "    out = gamma * (x - mean) / np.sqrt(var + eps) + beta\n"
           "    return out, new_state",
           "if training:\n"
           "        mean = np.mean(x, axis=0)\n"
           "        var = np.mean((x - mean) ** 2, axis=0)\n"
           "        new_state = {key: momentum * state[key] + (1 - momentum) * batch\n"
           "                     for key, batch in ((\"mean\", mean), (\"var\", var))}\n"
           "    else:\n"
           "        mean, var = state[\"mean\"], state[\"var\"]\n"
           "        new_state = dict(state)\n"
           "    inv = gamma / np.sqrt(var + eps)\n"
           "    return x * inv + (beta - mean * inv), new_state"),
    Mutant("batchnorm_forward", "loop over the features (columns), statistics with np.var",
           "    if training:\n"
           "        mean = x.mean(axis=0)\n"
           "        var = x.var(axis=0)\n",
           "    if training:\n"
           "        mean = np.array([np.mean(column) for column in x.T])\n"
           "        var = np.array([np.var(column) for column in x.T])\n"),
    # layer norm
    Mutant("layernorm_forward", "loop over the vectors of the last axis",
           "x = np.asarray(x, dtype=float)\n"
           "    mean = x.mean(axis=-1, keepdims=True)\n"
           "    var = x.var(axis=-1, keepdims=True)\n"
           "    return gamma * (x - mean) / np.sqrt(var + eps) + beta",
           "x = np.asarray(x, dtype=float)\n"
           "    rows = []\n"
           "    for row in x.reshape(-1, x.shape[-1]):\n"
           "        centred = row - row.mean()\n"
           "        rows.append(centred / np.sqrt(np.mean(centred ** 2) + eps))\n"
           "    return gamma * np.array(rows).reshape(x.shape) + beta"),
    Mutant("layernorm_forward", "np.std and [..., None] instead of keepdims",
           "mean = x.mean(axis=-1, keepdims=True)\n"
           "    var = x.var(axis=-1, keepdims=True)\n"
           "    return gamma * (x - mean) / np.sqrt(var + eps) + beta",
           "mean = np.mean(x, axis=-1)[..., None]\n"
           "    std = np.std(x, axis=-1)[..., None]\n"
           "    return gamma * (x - mean) / np.sqrt(std ** 2 + eps) + beta"),
    # label smoothing
    Mutant("smooth_labels", "no np.asarray; K from np.shape",
           "y = np.asarray(y_onehot, dtype=float)\n"
           "    n_classes = y.shape[-1]\n"
           "    return y * (1 - eps) + eps / n_classes",
           "return (1 - eps) * y_onehot + eps / np.shape(y_onehot)[-1]"),
    Mutant("smooth_labels", "mixture with the uniform distribution",
           "return y * (1 - eps) + eps / n_classes",
           "uniform = np.full(y.shape, 1.0 / n_classes)\n"
           "    return (1 - eps) * y + eps * uniform"),
    # early stopping
    Mutant("early_stopping_epoch", "best starts at +inf (as in Keras), counter only in the "
           "else branch",
           "best, best_epoch, wait = None, 0, 0\n"
           "    for epoch, loss in enumerate(val_losses):\n"
           "        wait += 1\n"
           "        if best is None or loss < best - min_delta:\n"
           "            best, best_epoch, wait = loss, epoch, 0\n"
           "        elif wait >= patience:\n"
           "            return epoch, best_epoch",
           "best, best_epoch, wait = float(\"inf\"), 0, 0\n"
           "    for epoch, loss in enumerate(val_losses):\n"
           "        if loss < best - min_delta:\n"
           "            best, best_epoch, wait = loss, epoch, 0\n"
           "        else:\n"
           "            wait += 1\n"
           "            if wait >= patience:\n"
           "                return epoch, best_epoch"),
    Mutant("early_stopping_epoch", "indices only: the counter is epoch - best_epoch",
           "best, best_epoch, wait = None, 0, 0\n"
           "    for epoch, loss in enumerate(val_losses):\n"
           "        wait += 1\n"
           "        if best is None or loss < best - min_delta:\n"
           "            best, best_epoch, wait = loss, epoch, 0\n"
           "        elif wait >= patience:\n"
           "            return epoch, best_epoch",
           "best_epoch = 0\n"
           "    for epoch in range(1, len(val_losses)):\n"
           "        if val_losses[epoch] < val_losses[best_epoch] - min_delta:\n"
           "            best_epoch = epoch\n"
           "        elif epoch - best_epoch >= patience:\n"
           "            return epoch, best_epoch"),
    # Keras builder
    Mutant("build_regularized_mlp", "model.add on an empty Sequential, one shared "
           "regularizer object",
           "def regularizer():\n"
           "        return keras.regularizers.L2(l2) if l2 > 0 else None\n"
           "\n"
           "    layers = [keras.Input((input_dim,))]\n"
           "    if input_noise > 0:\n"
           "        layers.append(keras.layers.GaussianNoise(input_noise))\n"
           "    for units in hidden_units:\n"
           "        layers.append(keras.layers.Dense(units, activation=\"relu\", "
           "kernel_regularizer=regularizer()))\n"
           "        if batchnorm:\n"
           "            layers.append(keras.layers.BatchNormalization(momentum=0.9))\n"
           "        if dropout > 0:\n"
           "            layers.append(keras.layers.Dropout(dropout))\n"
           "    layers.append(keras.layers.Dense(n_classes, activation=\"softmax\", "
           "kernel_regularizer=regularizer()))\n"
           "    return keras.Sequential(layers)",
           "reg = keras.regularizers.L2(l2) if l2 > 0 else None\n"
           "    model = keras.Sequential()\n"
           "    model.add(keras.Input(shape=(input_dim,)))\n"
           "    if input_noise > 0:\n"
           "        model.add(keras.layers.GaussianNoise(stddev=input_noise))\n"
           "    for units in hidden_units:\n"
           "        model.add(keras.layers.Dense(units, activation=\"relu\", "
           "kernel_regularizer=reg))\n"
           "        if batchnorm:\n"
           "            model.add(keras.layers.BatchNormalization(momentum=0.9))\n"
           "        if dropout > 0:\n"
           "            model.add(keras.layers.Dropout(rate=dropout))\n"
           "    model.add(keras.layers.Dense(n_classes, activation=\"softmax\", "
           "kernel_regularizer=reg))\n"
           "    return model"),
    Mutant("build_regularized_mlp", "the lower-case keras.regularizers.l2 alias in an if statement",
           "def regularizer():\n"
           "        return keras.regularizers.L2(l2) if l2 > 0 else None\n",
           "def regularizer():\n"
           "        if l2 > 0:\n"
           "            return keras.regularizers.l2(l2)\n"
           "        return None\n"),
    Mutant("build_regularized_mlp", "activations given as keras.activations functions",
           "keras.layers.Dense(units, activation=\"relu\",",
           "keras.layers.Dense(units, activation=keras.activations.relu,"),
    # multiple choice
    Mutant("MC_PENALTIES", "set built from a string", '{"a", "c", "e", "f"}', 'set("acef")'),
    Mutant("MC_DROPOUT", "letters in another order", '{"a", "c", "d", "f"}',
           '{"f", "d", "c", "a"}'),
    Mutant("MC_BATCHNORM", "frozenset", '{"a", "b", "d"}', 'frozenset({"a", "b", "d"})'),
    Mutant("MC_VAL_BELOW_TRAIN", "set built from a list", '{"a", "b", "c", "d"}',
           'set(["d", "c", "b", "a"])'),
    Mutant("MC_CROSS_VALIDATION", "set built from a string", '{"a", "b", "d", "f"}', 'set("fdba")'),
    Mutant("MC_AVOID_OVERFITTING", "letters in another order", '{"a", "b", "d", "f"}',
           '{"b", "f", "a", "d"}'),
]
