"""Right answers in other idioms for 05_optimizers: each must keep its test's full points."""

from course.authoring.mutants import Mutant

VARIANTS = [
    # iterations_per_epoch
    Mutant("iterations_per_epoch", "math.ceil of the true division",
           "return int(-(-n_samples // batch_size))", "return math.ceil(n_samples / batch_size)"),
    Mutant("iterations_per_epoch", "divmod: full batches plus one for a remainder",
           "return int(-(-n_samples // batch_size))",
           "full, rest = divmod(n_samples, batch_size)\n"
           "    return full + (rest > 0)"),
    Mutant("iterations_per_epoch", "(n + b - 1) // b on Python ints, no int(...)",
           "return int(-(-n_samples // batch_size))",
           "return (n_samples + batch_size - 1) // batch_size"),
    Mutant("iterations_per_epoch", "np.ceil converted to a Python int",
           "return int(-(-n_samples // batch_size))",
           "return int(np.ceil(n_samples / batch_size))"),
    # minibatches
    Mutant("minibatches", "np.split of the permutation, no np.asarray, list comprehension",
           "X = np.asarray(X)\n"
           "    y = np.asarray(y)\n"
           "    if batch_size < 1:\n"
           "        raise ValueError(f\"batch_size must be >= 1, got {batch_size}\")\n"
           "    if len(X) != len(y):\n"
           "        raise ValueError(f\"X has {len(X)} examples but y has {len(y)}\")\n"
           "    perm = rng.permutation(len(X))\n"
           "    batches = []\n"
           "    for start in range(0, len(X), batch_size):\n"
           "        idx = perm[start:start + batch_size]\n"
           "        batches.append((X[idx], y[idx]))\n"
           "    return batches",
           "if batch_size < 1 or len(X) != len(y):\n"
           "        raise ValueError(\"need batch_size >= 1 and len(X) == len(y)\")\n"
           "    perm = rng.permutation(len(X))\n"
           "    return [(X[idx], y[idx])\n"
           "            for idx in np.split(perm, range(batch_size, len(X), batch_size))]"),
    Mutant("minibatches", "shuffle both arrays once, then slice consecutive batches",
           "    batches = []\n"
           "    for start in range(0, len(X), batch_size):\n"
           "        idx = perm[start:start + batch_size]\n"
           "        batches.append((X[idx], y[idx]))\n"
           "    return batches",
           "    X_shuffled, y_shuffled = X[perm], y[perm]\n"
           "    return [(X_shuffled[start:start + batch_size], "
           "y_shuffled[start:start + batch_size])\n"
           "            for start in range(0, len(X), batch_size)]"),
    # sgd
    Mutant("sgd", "np.subtract and np.multiply",
           'next_w = w - config["learning_rate"] * dw',
           'next_w = np.subtract(w, np.multiply(config["learning_rate"], dw))'),
    Mutant("sgd", "in-place update of a float copy of w",
           'next_w = w - config["learning_rate"] * dw',
           'next_w = np.array(w, dtype=float)\n'
           '    next_w -= config["learning_rate"] * dw'),
    # sgd_momentum
    Mutant("sgd_momentum", "velocity kept in config throughout (setdefault)",
           'v = config.get("velocity", np.zeros_like(w))\n'
           '    v = config["momentum"] * v + config["learning_rate"] * dw\n'
           '    next_w = w - v\n'
           '    config["velocity"] = v',
           'config.setdefault("velocity", np.zeros(np.shape(w)))\n'
           '    config["velocity"] = (config["momentum"] * config["velocity"]\n'
           '                          + config["learning_rate"] * dw)\n'
           '    next_w = w - config["velocity"]'),
    Mutant("sgd_momentum", "scalar 0.0 as the starting velocity (broadcasts to w's shape)",
           'v = config.get("velocity", np.zeros_like(w))',
           'v = config.get("velocity", 0.0)'),
    # adagrad
    Mutant("adagrad", "cache accumulated in place in config",
           'cache = config.get("cache", np.zeros_like(w))\n'
           '    cache = cache + dw ** 2\n'
           '    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])\n'
           '    config["cache"] = cache',
           'config.setdefault("cache", np.zeros(np.shape(w)))\n'
           '    config["cache"] += np.square(dw)\n'
           '    next_w = w - config["learning_rate"] * dw / '
           '(np.sqrt(config["cache"]) + config["epsilon"])'),
    Mutant("adagrad", "scalar 0.0 starting cache, dw * dw and ** 0.5",
           'cache = config.get("cache", np.zeros_like(w))\n'
           '    cache = cache + dw ** 2\n'
           '    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])',
           'cache = config.get("cache", 0.0) + dw * dw\n'
           '    next_w = w - config["learning_rate"] * dw / (cache ** 0.5 + config["epsilon"])'),
    # rmsprop
    Mutant("rmsprop", "moving average written as cache + (1 - decay) * (dw**2 - cache)",
           'cache = config["decay_rate"] * cache + (1 - config["decay_rate"]) * dw ** 2',
           'cache = cache + (1 - config["decay_rate"]) * (dw ** 2 - cache)'),
    Mutant("rmsprop", "scalar 0.0 starting cache, np.square, state updated in config directly",
           'cache = config.get("cache", np.zeros_like(w))\n'
           '    cache = config["decay_rate"] * cache + (1 - config["decay_rate"]) * dw ** 2\n'
           '    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])\n'
           '    config["cache"] = cache',
           'decay = config["decay_rate"]\n'
           '    config["cache"] = decay * config.get("cache", 0.0) + (1 - decay) * np.square(dw)\n'
           '    next_w = w - config["learning_rate"] * dw / '
           '(np.sqrt(config["cache"]) + config["epsilon"])'),
    # adam
    Mutant("adam", "bias correction folded into the step size (math.sqrt), "
           "epsilon rescaled to match",
           'config.setdefault("m", np.zeros_like(w))\n'
           '    config.setdefault("v", np.zeros_like(w))\n'
           '    config.setdefault("t", 0)\n'
           '    beta1, beta2 = config["beta1"], config["beta2"]\n'
           '    config["t"] += 1\n'
           '    t = config["t"]\n'
           '    m = beta1 * config["m"] + (1 - beta1) * dw\n'
           '    v = beta2 * config["v"] + (1 - beta2) * dw ** 2\n'
           '    m_hat = m / (1 - beta1 ** t)\n'
           '    v_hat = v / (1 - beta2 ** t)\n'
           '    next_w = w - config["learning_rate"] * m_hat / '
           '(np.sqrt(v_hat) + config["epsilon"])\n'
           '    config["m"], config["v"] = m, v',
           'beta1, beta2 = config["beta1"], config["beta2"]\n'
           '    t = config.get("t", 0) + 1\n'
           '    m = beta1 * config.get("m", 0.0) + (1 - beta1) * dw\n'
           '    v = beta2 * config.get("v", 0.0) + (1 - beta2) * dw * dw\n'
           '    correction = math.sqrt(1 - beta2 ** t)\n'
           '    step = config["learning_rate"] * correction / (1 - beta1 ** t)\n'
           '    next_w = w - step * m / (np.sqrt(v) + config["epsilon"] * correction)\n'
           '    config.update(m=m, v=v, t=t)'),
    Mutant("adam", "moments updated in config directly, np.square",
           '    m = beta1 * config["m"] + (1 - beta1) * dw\n'
           '    v = beta2 * config["v"] + (1 - beta2) * dw ** 2\n'
           '    m_hat = m / (1 - beta1 ** t)\n'
           '    v_hat = v / (1 - beta2 ** t)\n'
           '    next_w = w - config["learning_rate"] * m_hat / '
           '(np.sqrt(v_hat) + config["epsilon"])\n'
           '    config["m"], config["v"] = m, v',
           '    config["m"] = beta1 * config["m"] + (1 - beta1) * dw\n'
           '    config["v"] = beta2 * config["v"] + (1 - beta2) * np.square(dw)\n'
           '    m_hat = config["m"] / (1 - beta1 ** t)\n'
           '    v_hat = config["v"] / (1 - beta2 ** t)\n'
           '    next_w = w - config["learning_rate"] * m_hat / '
           '(np.sqrt(v_hat) + config["epsilon"])'),
    # answer variables
    # lr_range_test
    Mutant("lr_range_test", "np.geomspace, running minimum kept in a list, smoothing in one line",
           """    sweep = lr_min * (lr_max / lr_min) ** (np.arange(n_steps) / (n_steps - 1))
    rates, smoothed = [], []
    average, lowest = 0.0, np.inf
    for t, lr in enumerate(sweep, start=1):
        loss = float(train_step(float(lr)))
        average = beta * average + (1 - beta) * loss
        rates.append(float(lr))
        smoothed.append(average / (1 - beta ** t))
        lowest = min(lowest, smoothed[-1])
        if not np.isfinite(loss) or smoothed[-1] > divergence * lowest:
            break
    return np.array(rates), np.array(smoothed)""",
           """    rates, smoothed, raw = [], [], []
    for step, lr in enumerate(np.geomspace(lr_min, lr_max, n_steps)):
        raw.append(train_step(lr))
        weights = beta ** np.arange(len(raw))[::-1]
        smoothed.append((1 - beta) * np.dot(weights, raw) / (1 - beta ** len(raw)))
        rates.append(lr)
        if math.isnan(raw[-1]) or math.isinf(raw[-1]) or smoothed[-1] / min(smoothed) > divergence:
            break
    return np.asarray(rates, dtype=float), np.asarray(smoothed, dtype=float)"""),
    # suggest_learning_rate
    Mutant("suggest_learning_rate", "nanargmin after replacing inf by nan, plain lists",
           """    best = np.flatnonzero(finite)[np.argmin(smoothed[finite])]
    return float(rates[best] / factor)""",
           """    cleaned = np.where(finite, smoothed, np.nan)
    return float(rates[int(np.nanargmin(cleaned))]) / factor"""),
    Mutant("LR_DIAGNOSIS", "dict(...) with keyword arguments",
           'LR_DIAGNOSIS = {"A": "good", "B": "too high", "C": "too low", "D": "way too high"}',
           'LR_DIAGNOSIS = dict(A="good", B="too high", C="too low", D="way too high")'),
    Mutant("LR_DIAGNOSIS", "keys in another order",
           'LR_DIAGNOSIS = {"A": "good", "B": "too high", "C": "too low", "D": "way too high"}',
           'LR_DIAGNOSIS = {"D": "way too high", "C": "too low", "B": "too high", "A": "good"}'),
    Mutant("MC_MOMENTUM", "set built from a string", 'MC_MOMENTUM = {"b", "e", "f"}',
           'MC_MOMENTUM = set("feb")'),
    Mutant("MC_ADAM", "frozenset", 'MC_ADAM = {"a", "c"}', 'MC_ADAM = frozenset(["c", "a"])'),
    Mutant("MC_SCHEDULES", "letters in another order", 'MC_SCHEDULES = {"a", "b", "d"}',
           'MC_SCHEDULES = {"d", "b", "a"}'),
    Mutant("MC_LANDSCAPE", "set built from a string", 'MC_LANDSCAPE = {"a", "b", "d"}',
           'MC_LANDSCAPE = set("abd")'),
]
