"""Right answers in other idioms for 02_backprop: each must keep its test's full points."""

from course.authoring.mutants import Mutant

NUMERICAL_GRADIENT_BODY = (
    "    x_work = np.array(x, dtype=float)  # a copy: the caller's array is never modified\n"
    "    grad = np.zeros_like(x_work)\n"
    "    for index in np.ndindex(x_work.shape):  # every entry, whatever the shape (also 0-d)\n"
    "        original = x_work[index]\n"
    "        x_work[index] = original + eps\n"
    "        f_plus = float(f(x_work))\n"
    "        x_work[index] = original - eps\n"
    "        f_minus = float(f(x_work))\n"
    "        x_work[index] = original  # restore before moving on to the next entry\n"
    "        grad[index] = (f_plus - f_minus) / (2 * eps)\n"
    "    return grad\n"
)

RELATIVE_ERROR_BODY = """    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    denominator = np.maximum(1e-8, np.abs(a) + np.abs(b))
    return float(np.max(np.abs(a - b) / denominator))
"""

MLP_FORWARD_BODY = (
    "    activations = {\n"
    '        "identity": lambda z: z,\n'
    '        "sigmoid": lambda z: np.exp(-np.logaddexp(0.0, -z)),'
    "  # 1 / (1 + e^-z) without overflow\n"
    '        "tanh": np.tanh,\n'
    '        "relu": lambda z: np.maximum(z, 0.0),\n'
    "    }\n"
    "    for name in (hidden_activation, output_activation):\n"
    "        if name not in activations:\n"
    '            raise ValueError(f"unknown activation {name!r}; '
    'use one of {sorted(activations)}")\n'
    "    X = np.asarray(X, dtype=float)\n"
    '    Z1 = X @ params["W1"] + params["b1"]\n'
    "    A1 = activations[hidden_activation](Z1)\n"
    '    Z2 = A1 @ params["W2"] + params["b2"]\n'
    "    Y_hat = activations[output_activation](Z2)\n"
    '    cache = {"X": X, "Z1": Z1, "A1": A1, "Z2": Z2, "Y_hat": Y_hat}\n'
    "    return Y_hat, cache\n"
)

MLP_LOSS_BODY = """    Y = np.asarray(Y, dtype=float)
    Y_hat = np.asarray(Y_hat, dtype=float)
    if loss in ("sse", "half_sse"):
        per_example = np.sum((Y_hat - Y) ** 2, axis=1)
        value = np.mean(per_example)
        return float(value if loss == "sse" else 0.5 * value)
    if loss == "mse":
        return float(np.mean((Y_hat - Y) ** 2))
    if loss == "bce":
        p = np.clip(Y_hat, 1e-7, 1 - 1e-7)
        return float(-np.mean(Y * np.log(p) + (1 - Y) * np.log(1 - p)))
    raise ValueError(f"unknown loss {loss!r}; use 'sse', 'half_sse', 'mse' or 'bce'")
"""

MLP_BACKWARD_BODY = """    def derivative(z, a, name):
        if name == "identity":
            return np.ones_like(z)
        if name == "sigmoid":
            return a * (1 - a)
        if name == "tanh":
            return 1 - a ** 2
        if name == "relu":
            return (z > 0).astype(float)
        raise ValueError(f"unknown activation {name!r}")

    X, Z1, A1, Z2, Y_hat = (cache[key] for key in ("X", "Z1", "A1", "Z2", "Y_hat"))
    Y = np.asarray(Y, dtype=float)
    N, n_out = Y_hat.shape
    if loss == "sse":
        dY_hat = 2 * (Y_hat - Y) / N
    elif loss == "half_sse":
        dY_hat = (Y_hat - Y) / N
    elif loss == "mse":
        dY_hat = 2 * (Y_hat - Y) / (N * n_out)
    elif loss == "bce":
        p = np.clip(Y_hat, 1e-7, 1 - 1e-7)
        dY_hat = (p - Y) / (p * (1 - p)) / (N * n_out)
    else:
        raise ValueError(f"unknown loss {loss!r}")
    dZ2 = dY_hat * derivative(Z2, Y_hat, output_activation)
    dA1 = dZ2 @ params["W2"].T
    dZ1 = dA1 * derivative(Z1, A1, hidden_activation)
    return {"W1": X.T @ dZ1, "b1": dZ1.sum(axis=0),
            "W2": A1.T @ dZ2, "b2": dZ2.sum(axis=0),
            "X": dZ1 @ params["W1"].T}
"""

CLIP_BY_NORM_BODY = """    g = np.asarray(g, dtype=float)
    norm = np.sqrt(np.sum(g ** 2))
    if norm > max_norm:
        return g * max_norm / norm
    return g
"""

TAPE_GRADIENTS_BODY = """    with tf.GradientTape() as tape:
        predictions = model(X, training=True)
        loss = loss_fn(Y, predictions)
    return list(tape.gradient(loss, model.trainable_variables))
"""

SGD_UPDATE_BODY = "    return {name: params[name] - lr * grads[name] for name in params}\n"

SOFTMAX_CE_BODY = """    logits = np.asarray(logits, dtype=float)
    y = np.asarray(y)
    if logits.ndim != 2:
        raise ValueError(f"logits must have shape (N, C); got shape {logits.shape}")
    N, C = logits.shape
    if y.shape != (N,):
        raise ValueError(f"y must have shape ({N},) to match the logits; got shape {y.shape}")
    if not np.issubdtype(y.dtype, np.integer) or np.any((y < 0) | (y >= C)):
        raise ValueError(f"labels must be integers in 0, ..., {C - 1}; got {y}")
    shifted = logits - logits.max(axis=1, keepdims=True)  # largest exponent e^0 = 1: no overflow
    log_sum = np.log(np.sum(np.exp(shifted), axis=1))     # log of the softmax denominator
    rows = np.arange(N)
    loss = np.mean(log_sum - shifted[rows, y])            # -log p_y = log-sum-exp - z_y
    dlogits = np.exp(shifted - log_sum[:, None])          # the softmax probabilities
    dlogits[rows, y] -= 1.0                               # minus the one-hot labels
    return float(loss), dlogits / N
"""

TRAIN_BODY_LOOP = """    for _ in range(epochs):
        Z1 = X @ W1 + b1
        A1 = np.maximum(Z1, 0.0)
        logits = A1 @ W2 + b2
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
        losses.append(-np.mean(np.sum(one_hot * log_probs, axis=1)))
        dlogits = (np.exp(log_probs) - one_hot) / N
        dZ1 = (dlogits @ W2.T) * (Z1 > 0)
        W1, b1, W2, b2 = (W1 - lr * X.T @ dZ1, b1 - lr * dZ1.sum(axis=0),
                          W2 - lr * A1.T @ dlogits, b2 - lr * dlogits.sum(axis=0))
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}, np.array(losses)
"""

VARIANTS = [
    # softmax_cross_entropy
    Mutant("softmax_cross_entropy", "scipy's logsumexp and softmax, one-hot matrix, np.eye",
           SOFTMAX_CE_BODY,
           """    from scipy.special import logsumexp, softmax

    logits = np.asarray(logits, dtype=float)
    labels = np.asarray(y)
    if logits.ndim != 2 or labels.shape != logits.shape[:1]:
        raise ValueError("need logits of shape (N, C) and labels of shape (N,)")
    N, C = logits.shape
    if labels.min() < 0 or labels.max() >= C:
        raise ValueError(f"labels must lie in 0..{C - 1}")
    one_hot = np.eye(C)[labels]
    loss = np.mean(logsumexp(logits, axis=1) - np.sum(one_hot * logits, axis=1))
    return loss.item(), (softmax(logits, axis=1) - one_hot) / N
"""),
    Mutant("softmax_cross_entropy", "a loop over the rows with np.logaddexp.reduce and math",
           SOFTMAX_CE_BODY,
           """    import math

    z = np.array(logits, dtype=np.float64)
    if z.ndim != 2:
        raise ValueError("logits must be 2-D")
    N, C = z.shape
    if len(np.shape(y)) != 1 or len(y) != N:
        raise ValueError("one label per row of logits")
    total, grad = 0.0, np.zeros((N, C))
    for n in range(N):
        label = int(y[n])
        if not 0 <= label < C:
            raise ValueError(f"label {label} outside 0..{C - 1}")
        log_norm = np.logaddexp.reduce(z[n])
        total += log_norm - z[n, label]
        for k in range(C):
            grad[n, k] = (math.exp(z[n, k] - log_norm) - (k == label)) / N
    return total / N, grad
"""),
    # train_mlp_classifier
    Mutant("train_mlp_classifier", "per-example loop that sums outer products, scipy's log_softmax",
           TRAIN_BODY_LOOP,
           """    from scipy.special import log_softmax

    for _ in range(epochs):
        gW1, gb1 = np.zeros_like(W1), np.zeros_like(b1)
        gW2, gb2 = np.zeros_like(W2), np.zeros_like(b2)
        total = 0.0
        for n in range(N):
            z1 = X[n] @ W1 + b1
            a1 = np.where(z1 > 0, z1, 0.0)
            log_p = log_softmax(a1 @ W2 + b2)
            total -= log_p[y[n]]
            d2 = np.exp(log_p)
            d2[y[n]] -= 1.0
            d1 = (W2 @ d2) * (z1 > 0)
            gW2 += np.outer(a1, d2)
            gb2 += d2
            gW1 += np.outer(X[n], d1)
            gb1 += d1
        losses.append(total / N)
        W1 = W1 - lr * gW1 / N
        b1 = b1 - lr * gb1 / N
        W2 = W2 - lr * gW2 / N
        b2 = b2 - lr * gb2 / N
    return dict(W1=W1, b1=b1, W2=W2, b2=b2), np.asarray(losses, dtype=float)
"""),
    Mutant("train_mlp_classifier", "np.einsum, a params dict and a grads dict, losses as a list",
           TRAIN_BODY_LOOP,
           """    params = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    for _ in range(epochs):
        Z1 = np.einsum("ni,ih->nh", X, params["W1"]) + params["b1"]
        A1 = np.clip(Z1, 0.0, None)
        logits = np.einsum("nh,hc->nc", A1, params["W2"]) + params["b2"]
        logits = logits - logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        losses.append(float(-np.log(probs[np.arange(N), y]).mean()))
        d2 = (probs - one_hot) / N
        d1 = np.einsum("nc,hc->nh", d2, params["W2"]) * (Z1 > 0)
        grads = {"W1": np.einsum("ni,nh->ih", X, d1), "b1": d1.sum(axis=0),
                 "W2": np.einsum("nh,nc->hc", A1, d2), "b2": d2.sum(axis=0)}
        params = {name: params[name] - lr * grads[name] for name in params}
    return params, losses
"""),
    # multiple choice
    Mutant("MC_GRADIENT", "a set built from a string of letters",
           'MC_GRADIENT = {"a", "c"}', 'MC_GRADIENT = set("ac")'),
    Mutant("MC_PATHS", "the letters in another order",
           'MC_PATHS = {"c", "e"}', 'MC_PATHS = {"e", "c"}'),
    Mutant("MC_SIGMOID", "a frozenset",
           'MC_SIGMOID = {"a", "c", "d"}', 'MC_SIGMOID = frozenset("acd")'),
    Mutant("MC_LOSS_SCALE", "set() of a list",
           'MC_LOSS_SCALE = {"a", "b", "d"}', 'MC_LOSS_SCALE = set(["d", "a", "b"])'),
    Mutant("MC_REVERSE_MODE", "a union of two sets",
           'MC_REVERSE_MODE = {"a", "b", "d"}', 'MC_REVERSE_MODE = {"a", "b"} | {"d"}'),
    Mutant("MC_BACKPROP_ROLE", "a set comprehension",
           'MC_BACKPROP_ROLE = {"a", "b", "d"}',
           'MC_BACKPROP_ROLE = {letter for letter in "abd"}'),
    # numerical_gradient
    Mutant("numerical_gradient", "flat index, a step array e_i * eps, x itself never written",
           NUMERICAL_GRADIENT_BODY,
           """    x = np.asarray(x, dtype=float)
    grad = np.empty(x.shape)
    for i in range(x.size):
        step = np.zeros(x.size)
        step[i] = eps
        step = step.reshape(x.shape)
        grad.flat[i] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad
"""),
    Mutant("numerical_gradient", "two fresh copies of x per entry instead of restoring",
           NUMERICAL_GRADIENT_BODY,
           """    x = np.asarray(x, dtype=float)
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        x_plus, x_minus = x.copy(), x.copy()
        x_plus[index] += eps
        x_minus[index] -= eps
        grad[index] = (f(x_plus) - f(x_minus)) / (2 * eps)
    return grad
"""),
    # relative_error
    Mutant("relative_error", "Python max over a generator of entry pairs",
           RELATIVE_ERROR_BODY,
           """    pairs = zip(np.ravel(a), np.ravel(b))
    return max(float(abs(p - q)) / max(1e-8, float(abs(p) + abs(q)))
               for p, q in pairs)
"""),
    Mutant("relative_error", "no np.asarray, .item() for the Python float",
           RELATIVE_ERROR_BODY,
           """    ratio = np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))
    return np.max(ratio).item()
"""),
    # mlp_forward
    Mutant("mlp_forward", "if/elif helper, np.dot, sigmoid via tanh, relu via np.clip",
           MLP_FORWARD_BODY,
           """    def activate(z, name):
        if name == "identity":
            return z
        if name == "sigmoid":
            return 0.5 * (1.0 + np.tanh(0.5 * z))
        if name == "tanh":
            return np.tanh(z)
        if name == "relu":
            return np.clip(z, 0.0, None)
        raise ValueError(f"unknown activation {name!r}")

    Z1 = np.dot(X, params["W1"]) + params["b1"]
    A1 = activate(Z1, hidden_activation)
    Z2 = np.dot(A1, params["W2"]) + params["b2"]
    Y_hat = activate(Z2, output_activation)
    return Y_hat, {"X": X, "Z1": Z1, "A1": A1, "Z2": Z2, "Y_hat": Y_hat}
"""),
    Mutant("mlp_forward", "np.einsum, scipy's expit, np.where for relu, dict(...) cache",
           MLP_FORWARD_BODY,
           """    from scipy.special import expit

    functions = {"identity": lambda z: z, "sigmoid": expit, "tanh": np.tanh,
                 "relu": lambda z: np.where(z > 0, z, 0.0)}
    if not {hidden_activation, output_activation} <= set(functions):
        raise ValueError("activations must be identity, sigmoid, tanh or relu")
    Z1 = np.einsum("ni,ih->nh", X, params["W1"]) + params["b1"]
    A1 = functions[hidden_activation](Z1)
    Z2 = np.einsum("nh,ho->no", A1, params["W2"]) + params["b2"]
    Y_hat = functions[output_activation](Z2)
    return Y_hat, dict(X=X, Z1=Z1, A1=A1, Z2=Z2, Y_hat=Y_hat)
"""),
    # mlp_loss
    Mutant("mlp_loss", "np.square, one total and a scale per loss, .item()",
           MLP_LOSS_BODY,
           """    Y = np.asarray(Y, dtype=float)
    Y_hat = np.asarray(Y_hat, dtype=float)
    N, n_out = Y.shape
    scales = {"sse": 1 / N, "half_sse": 0.5 / N, "mse": 1 / (N * n_out)}
    if loss in scales:
        return scales[loss] * np.square(Y_hat - Y).sum().item()
    if loss != "bce":
        raise ValueError(f"unknown loss {loss!r}")
    p = np.clip(Y_hat, 1e-7, 1 - 1e-7)
    return -np.mean(Y * np.log(p) + (1 - Y) * np.log1p(-p)).item()
"""),
    Mutant("mlp_loss", "Python loop over the entries with math.log",
           MLP_LOSS_BODY,
           """    import math

    def entry(y, q):
        if loss == "bce":
            q = min(max(q, 1e-7), 1 - 1e-7)
            return -(y * math.log(q) + (1 - y) * math.log(1 - q))
        return (q - y) ** 2

    if loss not in ("sse", "half_sse", "mse", "bce"):
        raise ValueError(f"unknown loss {loss!r}")
    N, n_out = np.shape(Y)
    pairs = zip(np.ravel(Y), np.ravel(Y_hat))
    total = sum(entry(float(y), float(q)) for y, q in pairs)
    if loss == "sse":
        return total / N
    if loss == "half_sse":
        return total / (2 * N)
    return total / (N * n_out)
"""),
    # mlp_backward
    Mutant("mlp_backward", "np.einsum, derivatives from Z (np.heaviside for relu), sigmoid + bce "
           "shortcut dZ2 = (Y_hat - Y) / (N n_out)",
           MLP_BACKWARD_BODY,
           """    def slope(z, name):
        if name == "identity":
            return np.ones_like(z)
        if name == "sigmoid":
            s = 0.5 * (1.0 + np.tanh(0.5 * z))
            return s * (1.0 - s)
        if name == "tanh":
            return 1.0 - np.tanh(z) ** 2
        if name == "relu":
            return np.heaviside(z, 0.0)
        raise ValueError(f"unknown activation {name!r}")

    X, Z1, A1, Z2, Y_hat = (cache[key] for key in ("X", "Z1", "A1", "Z2", "Y_hat"))
    N, n_out = Y_hat.shape
    if loss not in ("sse", "half_sse", "mse", "bce"):
        raise ValueError(f"unknown loss {loss!r}")
    if loss == "bce" and output_activation == "sigmoid":
        dZ2 = (Y_hat - Y) / (N * n_out)
    else:
        if loss == "bce":
            p = np.clip(Y_hat, 1e-7, 1 - 1e-7)
            dY_hat = (p - Y) / (p * (1 - p) * N * n_out)
        else:
            factor = {"sse": 2 / N, "half_sse": 1 / N, "mse": 2 / (N * n_out)}[loss]
            dY_hat = factor * (Y_hat - Y)
        dZ2 = dY_hat * slope(Z2, output_activation)
    dZ1 = np.einsum("no,ho->nh", dZ2, params["W2"]) * slope(Z1, hidden_activation)
    return {"W1": np.einsum("ni,nh->ih", X, dZ1), "b1": np.einsum("nh->h", dZ1),
            "W2": np.einsum("nh,no->ho", A1, dZ2), "b2": np.einsum("no->o", dZ2),
            "X": np.einsum("nh,ih->ni", dZ1, params["W1"])}
"""),
    Mutant("mlp_backward", "per-example loop of outer products, derivative table, (1 - a)(1 + a)",
           MLP_BACKWARD_BODY,
           """    def derivative(name, z, a):
        table = {"identity": lambda: np.ones_like(z), "sigmoid": lambda: a * (1 - a),
                 "tanh": lambda: (1 - a) * (1 + a), "relu": lambda: np.where(z > 0, 1.0, 0.0)}
        if name not in table:
            raise ValueError(f"unknown activation {name!r}")
        return table[name]()

    X, Z1, A1, Z2, Y_hat = cache["X"], cache["Z1"], cache["A1"], cache["Z2"], cache["Y_hat"]
    Y = np.asarray(Y, dtype=float)
    N, n_out = Y_hat.shape
    scales = {"sse": 2 / N, "half_sse": 1 / N, "mse": 2 / (N * n_out)}
    if loss in scales:
        dY_hat = scales[loss] * (Y_hat - Y)
    elif loss == "bce":
        p = np.clip(Y_hat, 1e-7, 1 - 1e-7)
        dY_hat = (p - Y) / (p * (1 - p) * N * n_out)
    else:
        raise ValueError(f"unknown loss {loss!r}")
    dZ2 = dY_hat * derivative(output_activation, Z2, Y_hat)
    dZ1 = (dZ2 @ params["W2"].T) * derivative(hidden_activation, Z1, A1)
    grads = {name: np.zeros(np.shape(params[name])) for name in ("W1", "b1", "W2", "b2")}
    for n in range(N):
        grads["W1"] += np.outer(X[n], dZ1[n])
        grads["b1"] += dZ1[n]
        grads["W2"] += np.outer(A1[n], dZ2[n])
        grads["b2"] += dZ2[n]
    grads["X"] = dZ1 @ params["W1"].T
    return grads
"""),
    # sgd_update
    Mutant("sgd_update", "explicit loop over params.items() filling a new dict",
           SGD_UPDATE_BODY,
           """    new_params = {}
    for name, value in params.items():
        new_params[name] = value - lr * grads[name]
    return new_params
"""),
    Mutant("sgd_update", "float copies of the parameters, then an in-place -= on the copies",
           SGD_UPDATE_BODY,
           """    updated = {name: np.array(value, dtype=float) for name, value in params.items()}
    for name in updated:
        updated[name] -= lr * grads[name]
    return updated
"""),
    # clip_by_norm
    Mutant("clip_by_norm", "np.linalg.norm and one scale factor max_norm / max(norm, max_norm)",
           CLIP_BY_NORM_BODY,
           """    g = np.asarray(g, dtype=float)
    return g * (max_norm / max(np.linalg.norm(g), max_norm))
"""),
    Mutant("clip_by_norm", "tf.clip_by_norm on a float64 tensor, back with .numpy()",
           CLIP_BY_NORM_BODY,
           "    return tf.clip_by_norm(tf.constant(g, dtype=tf.float64), max_norm).numpy()\n"),
    # tape_gradients
    Mutant("tape_gradients", "model.trainable_weights, loss in one expression, list comprehension",
           TAPE_GRADIENTS_BODY,
           """    with tf.GradientTape() as tape:
        loss = loss_fn(Y, model(X, training=True))
    return [grad for grad in tape.gradient(loss, model.trainable_weights)]
"""),
    Mutant("tape_gradients", "persistent tape, one tape.gradient call per variable",
           TAPE_GRADIENTS_BODY,
           """    with tf.GradientTape(persistent=True) as tape:
        loss = loss_fn(Y, model(X, training=True))
    grads = [tape.gradient(loss, variable) for variable in model.trainable_variables]
    del tape
    return grads
"""),
]
