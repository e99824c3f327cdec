"""Right answers in other idioms for 03_activations: each must keep its test's full points."""

from course.authoring.mutants import Mutant


def _as_float(expression):
    """The two-line solution body ``z = np.asarray(z, dtype=float)`` + ``return <expression>``."""
    return f"    z = np.asarray(z, dtype=float)\n    return {expression}\n"


GELU_BODY = """    z = np.asarray(z, dtype=float)
    if approximate:
        inner = np.sqrt(2.0 / np.pi) * (z + 0.044715 * z ** 3)
        return 0.5 * z * (1.0 + np.tanh(inner))
    return 0.5 * z * (1.0 + erf(z / np.sqrt(2.0)))
"""

SOFTMAX_BODY = """    z = np.asarray(z, dtype=float)
    shifted = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)
"""

GRADIENT_NORMS_BODY = (
    "    kernels = [layer.kernel for layer in model.layers "
    "if isinstance(layer, keras.layers.Dense)]\n"
    "    with tf.GradientTape() as tape:\n"
    "        loss = loss_fn(Y, model(X, training=True))\n"
    "    grads = tape.gradient(loss, kernels)\n"
    "    return np.array([float(tf.norm(g)) for g in grads])\n"
)

DEAD_RELU_BODY = """\
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    hidden = [layer for layer in dense[:-1] if layer.activation.__name__ == "relu"]
    if not hidden:
        raise ValueError("the model has no hidden Dense layer with ReLU activation")
    h = np.asarray(X, dtype="float32")
    dead, total = 0, 0
    for layer in model.layers:
        h = layer(h)
        if any(layer is relu_layer for relu_layer in hidden):
            is_dead = np.all(np.asarray(h) == 0, axis=0)
            dead += int(np.sum(is_dead))
            total += is_dead.size
    return dead / total
"""

FAN_CHECK = (
    "    if fan_in < 1 or fan_out < 1:\n"
    "        raise ValueError(f\"fan_in and fan_out must be at least 1, "
    "got {fan_in} and {fan_out}\")\n"
)

GLOROT_BODY = FAN_CHECK + """\
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    rng = np.random.default_rng(seed)
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))
"""

HE_BODY = FAN_CHECK + """\
    rng = np.random.default_rng(seed)
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
"""

VARIANTS = [
    # multiple choice
    Mutant("MC_LINEAR", "a set built from a string of letters",
           'MC_LINEAR = {"a", "d"}', 'MC_LINEAR = set("ad")'),
    Mutant("MC_SATURATION", "the letters in another order",
           'MC_SATURATION = {"a", "b", "d"}', 'MC_SATURATION = {"d", "a", "b"}'),
    Mutant("MC_SELU_GELU", "a frozenset",
           'MC_SELU_GELU = {"b", "d", "e"}', 'MC_SELU_GELU = frozenset(["e", "d", "b"])'),
    Mutant("MC_DYING_RELU", "the full set minus the wrong option",
           'MC_DYING_RELU = {"a", "b", "c", "e"}', 'MC_DYING_RELU = set("abcde") - {"d"}'),
    Mutant("MC_GUIDELINES", "set() of a list",
           'MC_GUIDELINES = {"a", "b", "d", "e"}', 'MC_GUIDELINES = set(["e", "d", "b", "a"])'),
    # sigmoid_grad, tanh_grad
    Mutant("sigmoid_grad", "closed form e^-|z| / (1 + e^-|z|)^2, no call to sigmoid",
           "    s = sigmoid(z)\n    return s * (1.0 - s)\n",
           "    e = np.exp(-np.abs(np.asarray(z, dtype=float)))\n"
           "    return e / (1.0 + e) ** 2\n"),
    Mutant("sigmoid_grad", "symmetric product sigmoid(z) * sigmoid(-z)",
           "    s = sigmoid(z)\n    return s * (1.0 - s)\n",
           "    return sigmoid(z) * sigmoid(-z)\n"),
    Mutant("tanh_grad", "factored (1 - t)(1 + t)",
           "    t = np.tanh(np.asarray(z, dtype=float))\n    return 1.0 - t ** 2\n",
           "    t = np.tanh(np.asarray(z, dtype=float))\n    return (1.0 - t) * (1.0 + t)\n"),
    Mutant("tanh_grad", "through the sigmoid: tanh'(z) = 4 sigma(2z) (1 - sigma(2z))",
           "    t = np.tanh(np.asarray(z, dtype=float))\n    return 1.0 - t ** 2\n",
           "    s = sigmoid(2.0 * np.asarray(z, dtype=float))\n    return 4.0 * s * (1.0 - s)\n"),
    # ReLU family
    Mutant("relu", "Python max per entry, reshaped back",
           _as_float("np.maximum(z, 0.0)"),
           "    values = [max(0.0, float(v)) for v in np.ravel(z)]\n"
           "    return np.array(values).reshape(np.shape(z))\n"),
    Mutant("relu", "np.maximum without np.asarray (the float 0.0 promotes integers)",
           _as_float("np.maximum(z, 0.0)"),
           "    return np.maximum(z, 0.0)\n"),
    Mutant("relu_grad", "np.heaviside(z, 0.0), no np.asarray",
           _as_float("(z > 0).astype(float)"),
           "    return np.heaviside(z, 0.0)\n"),
    Mutant("relu_grad", "np.where on the mask with float constants",
           _as_float("(z > 0).astype(float)"),
           "    return np.where(np.asarray(z) > 0, 1.0, 0.0)\n"),
    Mutant("leaky_relu", "positive part plus alpha times the negative part, no np.asarray",
           _as_float("np.where(z > 0, z, alpha * z)"),
           "    return np.maximum(z, 0.0) + alpha * np.minimum(z, 0.0)\n"),
    Mutant("leaky_relu", "z times a slope array",
           _as_float("np.where(z > 0, z, alpha * z)"),
           _as_float("z * np.where(z > 0, 1.0, alpha)")),
    Mutant("leaky_relu_grad", "np.full with alpha, then 1.0 assigned through a boolean mask",
           _as_float("np.where(z > 0, 1.0, alpha)"),
           "    z = np.asarray(z)\n"
           "    grad = np.full(z.shape, alpha, dtype=float)\n"
           "    grad[z > 0] = 1.0\n"
           "    return grad\n"),
    Mutant("leaky_relu_grad", "np.vectorize of a Python conditional",
           _as_float("np.where(z > 0, 1.0, alpha)"),
           "    return np.vectorize(lambda t: 1.0 if t > 0 else alpha, otypes=[float])(z)\n"),
    # ELU
    Mutant("elu", "copy, then expm1 only on the entries z <= 0 (boolean indexing)",
           _as_float("np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0)))"),
           "    z = np.asarray(z, dtype=float)\n"
           "    out = z.copy()\n"
           "    negative = z <= 0\n"
           "    out[negative] = alpha * np.expm1(z[negative])\n"
           "    return out\n"),
    Mutant("elu", "np.vectorize of a Python conditional with math.expm1",
           _as_float("np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0)))"),
           "    import math\n"
           "\n"
           "    def one(t):\n"
           "        return t if t > 0 else alpha * math.expm1(t)\n"
           "\n"
           "    return np.vectorize(one, otypes=[float])(z)\n"),
    Mutant("elu_grad", "for z <= 0 the derivative is elu(z) + alpha",
           _as_float("np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0.0)))"),
           _as_float("np.where(z > 0, 1.0, elu(z, alpha) + alpha)")),
    Mutant("elu_grad", "exp(-|z|) instead of exp(min(z, 0))",
           _as_float("np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0.0)))"),
           _as_float("np.where(z > 0, 1.0, alpha * np.exp(-np.abs(z)))")),
    # swish and GELU
    Mutant("swish", "no np.asarray: sigmoid already converts",
           _as_float("z * sigmoid(z)"),
           "    return z * sigmoid(z)\n"),
    Mutant("swish", "sigmoid written as 0.5 * (1 + tanh(z / 2))",
           _as_float("z * sigmoid(z)"),
           _as_float("z * 0.5 * (1.0 + np.tanh(0.5 * z))")),
    Mutant("swish_grad", "from the function value: swish' = f + sigma (1 - f)",
           "    s = sigmoid(z)\n    return s + z * s * (1.0 - s)\n",
           "    s = sigmoid(z)\n    f = z * s\n    return f + s * (1.0 - f)\n"),
    Mutant("swish_grad", "scipy's expit, factored sigma (1 + z (1 - sigma))",
           "    s = sigmoid(z)\n    return s + z * s * (1.0 - s)\n",
           "    from scipy.special import expit\n"
           "\n"
           "    s = expit(z)\n"
           "    return s * (1.0 + z * (1.0 - s))\n"),
    Mutant("gelu", "math.erf per entry (np.vectorize); tanh form as sigma(2u)",
           GELU_BODY,
           """    import math

    z = np.asarray(z, dtype=float)
    if approximate:
        return z * sigmoid(2.0 * math.sqrt(2.0 / math.pi) * (z + 0.044715 * z ** 3))
    cdf = np.vectorize(lambda t: 0.5 * (1.0 + math.erf(t / math.sqrt(2.0))), otypes=[float])
    return z * cdf(z)
"""),
    Mutant("gelu", "scipy's erfc(-z / sqrt 2) for the exact form, z * (1 + c z^2) inside tanh",
           GELU_BODY,
           """    from scipy.special import erfc

    z = np.asarray(z, dtype=float)
    if not approximate:
        return 0.5 * z * erfc(-z / np.sqrt(2.0))
    return 0.5 * z * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * z * (1.0 + 0.044715 * z * z)))
"""),
    # softmax
    Mutant("softmax", "scipy.special.softmax",
           SOFTMAX_BODY,
           """    from scipy.special import softmax as scipy_softmax

    return scipy_softmax(np.asarray(z, dtype=float), axis=axis)
"""),
    Mutant("softmax", "np.apply_along_axis of a 1-D softmax",
           SOFTMAX_BODY,
           """    def one(v):
        e = np.exp(v - v.max())
        return e / e.sum()

    return np.apply_along_axis(one, axis, np.asarray(z, dtype=float))
"""),
    Mutant("softmax", "exp(z - logsumexp(z)) with scipy's logsumexp",
           SOFTMAX_BODY,
           """    from scipy.special import logsumexp

    z = np.asarray(z, dtype=float)
    return np.exp(z - logsumexp(z, axis=axis, keepdims=True))
"""),
    # designed ranges
    Mutant("scaled_sigmoid", "midpoint plus half-width times tanh(z / 2)",
           "    return a + (b - a) * sigmoid(z)\n",
           "    return (a + b) / 2 + (b - a) / 2 * np.tanh(np.asarray(z, dtype=float) / 2)\n"),
    Mutant("scaled_sigmoid", "from the top: b - (b - a) * sigma(-z)",
           "    return a + (b - a) * sigmoid(z)\n",
           "    return b - (b - a) * sigmoid(-z)\n"),
    Mutant("negative_relu", "mirrored ReLU: -relu(-z)",
           _as_float("np.minimum(z, 0.0)"),
           "    return -relu(-np.asarray(z, dtype=float))\n"),
    Mutant("negative_relu", "np.minimum without np.asarray (the float 0.0 promotes integers)",
           _as_float("np.minimum(z, 0.0)"),
           "    return np.minimum(z, 0.0)\n"),
    # Keras tools
    Mutant("gradient_norms_by_layer", "kernels collected in a loop, np.linalg.norm (float32 array)",
           GRADIENT_NORMS_BODY,
           """    kernels = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dense):
            kernels.append(layer.kernel)
    with tf.GradientTape() as tape:
        predictions = model(X, training=True)
        loss = loss_fn(Y, predictions)
    return np.array([np.linalg.norm(g) for g in tape.gradient(loss, kernels)])
"""),
    Mutant("gradient_norms_by_layer", "norms as sqrt(reduce_sum(square)), tf.stack(...).numpy()",
           GRADIENT_NORMS_BODY,
           """    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    with tf.GradientTape() as tape:
        loss = loss_fn(Y, model(X, training=True))
    grads = tape.gradient(loss, [layer.kernel for layer in dense])
    return tf.stack([tf.sqrt(tf.reduce_sum(tf.square(g))) for g in grads]).numpy()
"""),
    # weight initialisation
    Mutant("glorot_uniform", "rng.random() in [0, 1) mapped to [-L, L], float32, min() check",
           GLOROT_BODY,
           """    if min(fan_in, fan_out) <= 0:
        raise ValueError("both fans must be positive")
    limit = (6.0 / (fan_in + fan_out)) ** 0.5
    u = np.random.default_rng(seed).random((fan_in, fan_out))
    return ((2.0 * u - 1.0) * limit).astype(np.float32)
"""),
    Mutant("glorot_uniform", "limit from the variance: L = sqrt(3 Var(w)), loop over rows",
           GLOROT_BODY,
           """    import math

    if fan_in <= 0 or fan_out <= 0:
        raise ValueError("fans must be >= 1")
    variance = 2.0 / (fan_in + fan_out)
    limit = math.sqrt(3.0 * variance)
    rng = np.random.default_rng(seed)
    return np.stack([rng.uniform(-limit, limit, fan_out) for _ in range(fan_in)])
"""),
    Mutant("he_normal", "standard_normal() times the standard deviation",
           HE_BODY,
           """    if not (fan_in >= 1 and fan_out >= 1):
        raise ValueError("fan_in and fan_out must be positive")
    return np.random.default_rng(seed).standard_normal((fan_in, fan_out)) * np.sqrt(2 / fan_in)
"""),
    Mutant("he_normal", "Keras's truncated normal: cut at 2 standard deviations, redrawn, "
           "widened by 1 / 0.8796",
           HE_BODY,
           """    if fan_in < 1 or fan_out < 1:
        raise ValueError("fans must be at least 1")
    rng = np.random.default_rng(seed)
    std = np.sqrt(2.0 / fan_in) / 0.87962566103423978
    w = rng.normal(0.0, std, size=(fan_in, fan_out))
    outside = np.abs(w) > 2 * std
    while outside.any():
        w[outside] = rng.normal(0.0, std, size=int(outside.sum()))
        outside = np.abs(w) > 2 * std
    return w
"""),
    Mutant("dead_relu_fraction", "a functional probe model per hidden layer, get_config() "
           "activation, alive = any output > 0",
           DEAD_RELU_BODY,
           """    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    hidden = [layer for layer in dense[:-1] if layer.get_config()["activation"] == "relu"]
    if not hidden:
        raise ValueError("no hidden Dense layer with ReLU activation")
    X = np.asarray(X, dtype="float32")
    dead = total = 0
    for layer in hidden:
        outputs = np.asarray(keras.Model(model.inputs, layer.output)([X]))
        alive = np.any(outputs > 0, axis=0)
        dead += int(np.sum(~alive))
        total += alive.size
    return dead / total
"""),
    Mutant("dead_relu_fraction", "activation compared with keras.activations.relu, dead masks "
           "concatenated and averaged",
           DEAD_RELU_BODY,
           """    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    hidden = [layer for layer in dense[:-1] if layer.activation is keras.activations.relu]
    if not hidden:
        raise ValueError("the model has no hidden ReLU layer")
    h = X
    dead_masks = []
    for layer in model.layers:
        h = layer(h)
        if any(layer is relu_layer for relu_layer in hidden):
            dead_masks.append(np.all(np.asarray(h) == 0, axis=0))
    return float(np.mean(np.concatenate(dead_masks)))
"""),
]
