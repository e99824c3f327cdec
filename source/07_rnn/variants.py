"""Right answers in other idioms for 07_rnn: each must keep its test's full points."""

from course.authoring.mutants import Mutant

# The body of the reference scaled_dot_product_attention after its argument checks, which
# both attention variants replace.
ATTENTION_BODY = (
    "    scores = Q @ np.swapaxes(K, 1, 2) / np.sqrt(Q.shape[2])\n"
    "    if mask is not None:\n"
    "        allowed = np.broadcast_to(np.asarray(mask) != 0, scores.shape)\n"
    "        if not allowed.any(axis=-1).all():\n"
    "            raise ValueError(\"a row of the mask is all False: that query has no key "
    "to attend to\")\n"
    "        scores = np.where(allowed, scores, -np.inf)\n"
    "    scores = scores - scores.max(axis=-1, keepdims=True)\n"
    "    weights = np.exp(scores)\n"
    "    weights = weights / weights.sum(axis=-1, keepdims=True)\n"
    "    return weights @ V, weights")

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
    # backpropagation through time
    Mutant("rnn_backward", "all deltas first, then np.einsum over batch and time",
           "    dX = np.zeros_like(X)\n"
           "    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(n_h)\n"
           "    dh_next = np.zeros_like(h0)  # what reaches h_t from step t + 1 "
           "(nothing after the last)\n"
           "    for t in reversed(range(X.shape[1])):\n"
           "        delta = (dH[:, t] + dh_next) * (1 - H[:, t] ** 2)\n"
           "        dX[:, t] = delta @ Wx.T\n"
           "        dWx += X[:, t].T @ delta\n"
           "        dWh += H_prev[:, t].T @ delta\n"
           "        db += delta.sum(axis=0)\n"
           "        dh_next = delta @ Wh.T\n"
           "    return dX, dWx, dWh, db, dh_next",
           "    deltas = np.empty_like(H)\n"
           "    carry = np.zeros(h0.shape)\n"
           "    for t in range(X.shape[1] - 1, -1, -1):\n"
           "        deltas[:, t] = (dH[:, t] + carry) * (1.0 - np.square(H[:, t]))\n"
           "        carry = np.einsum(\"nj,kj->nk\", deltas[:, t], Wh)\n"
           "    dX = np.einsum(\"ntj,ij->nti\", deltas, Wx)\n"
           "    dWx = np.einsum(\"nti,ntj->ij\", X, deltas)\n"
           "    dWh = np.einsum(\"ntk,ntj->kj\", H_prev, deltas)\n"
           "    return dX, dWx, dWh, deltas.sum(axis=(0, 1)), carry"),
    Mutant("rnn_backward", "h_{t-1} stacked from a list of states instead of concatenated",
           "    H_prev = np.concatenate([h0[:, None, :], H[:, :-1, :]], axis=1)",
           "    H_prev = np.stack([h0] + [H[:, t - 1] for t in range(1, X.shape[1])], axis=1)"),
    Mutant("rnn_backward", "computes in float32",
           "    X, h0, H, dH = (np.asarray(a, dtype=float) for a in (X, h0, H, dH))\n"
           "    Wx, Wh = np.asarray(Wx, dtype=float), np.asarray(Wh, dtype=float)",
           "    X, h0, H, dH = (np.asarray(a, dtype=np.float32) for a in (X, h0, H, dH))\n"
           "    Wx, Wh = np.asarray(Wx, dtype=np.float32), np.asarray(Wh, dtype=np.float32)"),
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
    # scaled dot-product attention
    Mutant("scaled_dot_product_attention", "TensorFlow softmax, np.einsum, -1e9 for masked scores",
           ATTENTION_BODY,
           "    scores = np.einsum(\"nqd,nkd->nqk\", Q, K) / Q.shape[-1] ** 0.5\n"
           "    if mask is not None:\n"
           "        allowed = np.broadcast_to(np.asarray(mask).astype(bool), scores.shape)\n"
           "        if (~allowed).all(axis=-1).any():\n"
           "            raise ValueError(\"a query with no allowed key\")\n"
           "        scores = np.where(allowed, scores, -1e9)\n"
           "    weights = tf.nn.softmax(tf.constant(scores), axis=-1)\n"
           "    return tf.matmul(weights, tf.constant(V)).numpy(), weights.numpy()"),
    Mutant("scaled_dot_product_attention", "loops over examples and queries, exp of allowed scores",
           ATTENTION_BODY,
           "    N, T_q, d_k = Q.shape\n"
           "    ok = np.ones((N, T_q, K.shape[1]), dtype=bool)\n"
           "    if mask is not None:\n"
           "        ok = ok & (np.asarray(mask) != 0)\n"
           "    weights = np.zeros(ok.shape)\n"
           "    for n in range(N):\n"
           "        for i in range(T_q):\n"
           "            keys = np.flatnonzero(ok[n, i])\n"
           "            if len(keys) == 0:\n"
           "                raise ValueError(f\"query {i} of example {n} has no key\")\n"
           "            s = np.array([Q[n, i] @ K[n, j] for j in keys]) / np.sqrt(d_k)\n"
           "            e = np.exp(s - s.max())\n"
           "            weights[n, i, keys] = e / e.sum()\n"
           "    return np.einsum(\"nqk,nkv->nqv\", weights, V), weights"),
    Mutant("scaled_dot_product_attention", "computes in float32",
           "Q, K, V = (np.asarray(a, dtype=float) for a in (Q, K, V))",
           "Q, K, V = (np.asarray(a, dtype=np.float32) for a in (Q, K, V))"),
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
    # perplexity
    Mutant("perplexity", "bits per character first, then 2 ** bits",
           "return float(np.exp(-np.mean(np.log(p_target))))",
           "bits = -np.mean(np.log2(p_target))\n    return float(2.0 ** bits)"),
    Mutant("perplexity", "one-hot targets, the target's probability by a sum over the classes",
           "p_target = np.take_along_axis(probs, targets[..., None].astype(int), axis=-1)[..., 0]\n"
           "    return float(np.exp(-np.mean(np.log(p_target))))",
           "one_hot = np.eye(probs.shape[-1])[targets]\n"
           "    log_p = np.log(np.sum(probs * one_hot, axis=-1))\n"
           "    return np.exp(-log_p.sum() / log_p.size)"),
    Mutant("perplexity", "probabilities in float32",
           "probs, targets = np.asarray(probs, dtype=float), np.asarray(targets)",
           "probs, targets = np.asarray(probs, dtype=np.float32), np.asarray(targets)"),
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
