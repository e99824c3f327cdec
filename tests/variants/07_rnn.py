"""Right answers in other idioms for 07_rnn: each must keep its test's full points."""

from course.mutants import Mutant

VARIANTS = [
    # the simple RNN cell
    Mutant("rnn_cell_forward", "np.matmul and .dot instead of the @ operator",
           "z = x_t @ Wx + h_prev @ Wh + b\n    return np.tanh(z)",
           "return np.tanh(np.matmul(x_t, Wx) + h_prev.dot(Wh) + b)"),
    Mutant("rnn_cell_forward", "one product of [x_t, h_prev] with the stacked weights [Wx; Wh]",
           "z = x_t @ Wx + h_prev @ Wh + b\n    return np.tanh(z)",
           "xh = np.concatenate([x_t, h_prev], axis=-1)\n"
           "    W = np.concatenate([Wx, Wh], axis=0)\n"
           "    return np.tanh(xh @ W + b)"),
    Mutant("rnn_cell_forward", "np.einsum with an ellipsis for the batch axes",
           "z = x_t @ Wx + h_prev @ Wh + b\n    return np.tanh(z)",
           'z = np.einsum("...i,ij->...j", x_t, Wx) + np.einsum("...k,kj->...j", h_prev, Wh)\n'
           "    return np.tanh(z + b)"),
    # unrolling over time
    Mutant("rnn_forward", "collects the states in a list and stacks them on axis 1, no np.asarray",
           "X = np.asarray(X, dtype=float)\n"
           "    N, T, _ = X.shape\n"
           "    h = np.asarray(h0, dtype=float)\n"
           "    H = np.zeros((N, T, h.shape[-1]))\n"
           "    for t in range(T):\n"
           "        h = rnn_cell_forward(X[:, t, :], h, Wx, Wh, b)\n"
           "        H[:, t, :] = h\n"
           "    return H",
           "h = h0\n"
           "    states = []\n"
           "    for t in range(X.shape[1]):\n"
           "        h = rnn_cell_forward(X[:, t], h, Wx, Wh, b)\n"
           "        states.append(h)\n"
           "    return np.stack(states, axis=1)"),
    Mutant("rnn_forward", "inline tanh update over a time-major view, preallocated with np.empty",
           "X = np.asarray(X, dtype=float)\n"
           "    N, T, _ = X.shape\n"
           "    h = np.asarray(h0, dtype=float)\n"
           "    H = np.zeros((N, T, h.shape[-1]))\n"
           "    for t in range(T):\n"
           "        h = rnn_cell_forward(X[:, t, :], h, Wx, Wh, b)\n"
           "        H[:, t, :] = h\n"
           "    return H",
           "H = np.empty((X.shape[0], X.shape[1], Wh.shape[1]))\n"
           "    h = h0\n"
           "    for t, x_t in enumerate(np.swapaxes(X, 0, 1)):\n"
           "        h = np.tanh(x_t @ Wx + h @ Wh + b)\n"
           "        H[:, t] = h\n"
           "    return H"),
    # gradient clipping
    Mutant("clip_by_global_norm", "norm from np.vdot, clips only above max_norm, copies otherwise",
           "grads = [np.asarray(g, dtype=float) for g in grads]\n"
           "    global_norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))\n"
           "    scale = max_norm / max(global_norm, max_norm)\n"
           "    return [g * scale for g in grads], global_norm",
           "global_norm = float(np.sqrt(sum(np.vdot(g, g) for g in grads)))\n"
           "    if global_norm <= max_norm:\n"
           "        return [np.array(g, dtype=float) for g in grads], global_norm\n"
           "    return [g * (max_norm / global_norm) for g in grads], global_norm"),
    Mutant("clip_by_global_norm", "delegates to tf.clip_by_global_norm on float64 tensors",
           "grads = [np.asarray(g, dtype=float) for g in grads]\n"
           "    global_norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))\n"
           "    scale = max_norm / max(global_norm, max_norm)\n"
           "    return [g * scale for g in grads], global_norm",
           "tensors = [tf.constant(g, dtype=tf.float64) for g in grads]\n"
           "    clipped, global_norm = tf.clip_by_global_norm(tensors, max_norm)\n"
           "    return [c.numpy() for c in clipped], float(global_norm)"),
    # LSTM cell
    Mutant("lstm_cell_forward", "gate blocks sliced by index, sigmoid as (1 + tanh(z / 2)) / 2",
           "z_i, z_f, z_c, z_o = np.split(z, 4, axis=-1)\n"
           "    i, f, g, o = sigmoid(z_i), sigmoid(z_f), np.tanh(z_c), sigmoid(z_o)",
           "n = z.shape[-1] // 4\n"
           "    gate = lambda k: 0.5 * (1.0 + np.tanh(0.5 * z[..., k * n:(k + 1) * n]))\n"
           "    i, f, o = gate(0), gate(1), gate(3)\n"
           "    g = np.tanh(z[..., 2 * n:3 * n])"),
    Mutant("lstm_cell_forward", "one pre-activation per gate from the split weight matrices",
           "z = x_t @ kernel + h_prev @ recurrent_kernel + bias\n"
           "    z_i, z_f, z_c, z_o = np.split(z, 4, axis=-1)",
           "blocks = zip(np.split(kernel, 4, axis=1), np.split(recurrent_kernel, 4, axis=1),\n"
           "                 np.split(bias, 4))\n"
           "    z_i, z_f, z_c, z_o = (x_t @ K + h_prev @ R + b for K, R, b in blocks)"),
    # Keras models
    Mutant("build_sequence_classifier", "Sequential with add(), keywords, an activation object",
           "return keras.Sequential([\n"
           '        keras.Input(shape=(None,), dtype="int32"),\n'
           "        keras.layers.Embedding(vocab_size, embed_dim, mask_zero=True),\n"
           "        keras.layers.LSTM(units),\n"
           '        keras.layers.Dense(1, activation="sigmoid"),\n'
           "    ])",
           "model = keras.Sequential()\n"
           '    model.add(keras.Input(shape=(None,), dtype="int32"))\n'
           "    model.add(keras.layers.Embedding(input_dim=vocab_size, output_dim=embed_dim,\n"
           "                                     mask_zero=True))\n"
           "    model.add(keras.layers.LSTM(units=units, return_sequences=False))\n"
           "    model.add(keras.layers.Dense(units=1, activation=keras.activations.sigmoid))\n"
           "    return model"),
    Mutant("build_forecaster", "Sequential with add(), batch_shape input, explicit linear output",
           "return keras.Sequential([\n"
           "        keras.Input(shape=(window, 1)),\n"
           "        keras.layers.GRU(units),\n"
           "        keras.layers.Dense(1),\n"
           "    ])",
           "model = keras.Sequential()\n"
           "    model.add(keras.Input(batch_shape=(None, window, 1)))\n"
           "    model.add(keras.layers.GRU(units=units))\n"
           '    model.add(keras.layers.Dense(1, activation="linear"))\n'
           "    return model"),
    Mutant("build_forecaster", "activation=None spelled out, layers listed by keyword",
           "keras.layers.GRU(units),\n        keras.layers.Dense(1),",
           "keras.layers.GRU(units=units, return_sequences=False),\n"
           "        keras.layers.Dense(units=1, activation=None),"),
    # windows
    Mutant("make_windows", "list comprehensions for X and y, built with np.array(..., dtype=float)",
           "X = np.stack([series[k:k + window] for k in range(n_windows)])\n"
           "    y = series[window + horizon - 1:]",
           "X = np.array([series[k:k + window] for k in range(n_windows)], dtype=float)\n"
           "    y = np.array([series[k + window - 1 + horizon] for k in range(n_windows)],\n"
           "                 dtype=float)"),
    Mutant("make_windows", "checks the sizes together with min(...) after counting the windows",
           "    if window < 1 or horizon < 1:\n"
           '        raise ValueError(f"window and horizon must be at least 1, got {window} '
           'and {horizon}")\n'
           "    n_windows = len(series) - window - horizon + 1\n"
           "    if n_windows < 1:\n",
           "    n_windows = series.size - window - horizon + 1\n"
           "    if min(window, horizon, n_windows) < 1:\n"),
    Mutant("make_windows", "np.lib.stride_tricks.sliding_window_view (copied) for X",
           "X = np.stack([series[k:k + window] for k in range(n_windows)])\n"
           "    y = series[window + horizon - 1:]",
           "X = np.lib.stride_tricks.sliding_window_view(series, window)[:n_windows].copy()\n"
           "    y = series[window + horizon - 1:].copy()"),
    # multiple choice
    Mutant("MC_SHARING", "set of a string",
           'MC_SHARING = {"a", "c", "d"}', 'MC_SHARING = set("acd")'),
    Mutant("MC_ARCHITECTURES", "letters in another order",
           'MC_ARCHITECTURES = {"a", "b", "c", "e"}', 'MC_ARCHITECTURES = {"e", "c", "b", "a"}'),
    Mutant("MC_GRADIENTS", "frozenset", 'MC_GRADIENTS = {"a", "b", "e"}',
           'MC_GRADIENTS = frozenset({"a", "b", "e"})'),
    Mutant("MC_GATES", "set() of a list",
           'MC_GATES = {"a", "b", "d"}', 'MC_GATES = set(["d", "a", "b"])'),
    Mutant("MC_ATTENTION", "set of a string, another order",
           'MC_ATTENTION = {"a", "c", "d"}', 'MC_ATTENTION = set("dca")'),
    Mutant("MC_FORECASTING", "set comprehension over a string",
           'MC_FORECASTING = {"a", "c", "d", "e"}',
           'MC_FORECASTING = {letter for letter in "acde"}'),
]
