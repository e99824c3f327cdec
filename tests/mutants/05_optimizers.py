"""Plausible wrong answers for chapter 05_optimizers; each must make its test cell fail."""

from course.mutants import Mutant

MUTANTS = [
    # iterations_per_epoch
    Mutant("iterations_per_epoch", "floor division drops the last, smaller batch",
           "int(-(-n_samples // batch_size))", "int(n_samples // batch_size)"),
    Mutant("iterations_per_epoch", "rounds n / b instead of rounding up",
           "int(-(-n_samples // batch_size))", "int(round(n_samples / batch_size))"),
    # minibatches
    Mutant("minibatches", "no shuffling: batches in the original order",
           "perm = rng.permutation(len(X))", "perm = np.arange(len(X))"),
    Mutant("minibatches", "labels not shuffled with the inputs",
           "(X[idx], y[idx])", "(X[idx], y[start:start + batch_size])"),
    Mutant("minibatches", "last, incomplete batch dropped",
           "range(0, len(X), batch_size)", "range(0, len(X) - batch_size + 1, batch_size)"),
    # sgd
    Mutant("sgd", "gradient ascent: wrong sign",
           'next_w = w - config["learning_rate"] * dw', 'next_w = w + config["learning_rate"] * dw'),
    Mutant("sgd", "updates w in place",
           'next_w = w - config["learning_rate"] * dw',
           'w -= config["learning_rate"] * dw\n    next_w = w'),
    # sgd_momentum
    Mutant("sgd_momentum", "velocity without the momentum factor (no friction)",
           'v = config["momentum"] * v + config["learning_rate"] * dw',
           'v = v + config["learning_rate"] * dw'),
    Mutant("sgd_momentum", "velocity not stored in config",
           'config["velocity"] = v', 'config["last_velocity"] = v'),
    Mutant("sgd_momentum", "learning rate applied to the velocity instead of the gradient",
           'v = config["momentum"] * v + config["learning_rate"] * dw',
           'v = config["momentum"] * v + dw\n    v = config["learning_rate"] * v'),
    # adagrad
    Mutant("adagrad", "cache not accumulated (only the last squared gradient)",
           "cache = cache + dw ** 2", "cache = dw ** 2"),
    Mutant("adagrad", "adagrad: epsilon inside the square root",
           'np.sqrt(cache) + config["epsilon"]', 'np.sqrt(cache + config["epsilon"])'),
    # rmsprop
    Mutant("rmsprop", "decay rate and (1 - decay rate) swapped",
           'config["decay_rate"] * cache + (1 - config["decay_rate"]) * dw ** 2',
           '(1 - config["decay_rate"]) * cache + config["decay_rate"] * dw ** 2'),
    Mutant("rmsprop", "square root forgotten",
           'dw / (np.sqrt(cache) + config["epsilon"])', 'dw / (cache + config["epsilon"])'),
    Mutant("rmsprop", "rmsprop: epsilon inside the square root",
           'np.sqrt(cache) + config["epsilon"]', 'np.sqrt(cache + config["epsilon"])'),
    # adam
    Mutant("adam", "no bias correction",
           "m_hat = m / (1 - beta1 ** t)\n    v_hat = v / (1 - beta2 ** t)",
           "m_hat = m\n    v_hat = v"),
    Mutant("adam", "second moment decays with beta1",
           "v = beta2 * config[\"v\"] + (1 - beta2) * dw ** 2",
           "v = beta1 * config[\"v\"] + (1 - beta1) * dw ** 2"),
    Mutant("adam", "adam: epsilon inside the square root",
           'np.sqrt(v_hat) + config["epsilon"]', 'np.sqrt(v_hat + config["epsilon"])'),
    Mutant("adam", "step counter not stored (bias correction always uses t = 1)",
           'config["t"] += 1\n    t = config["t"]', 't = config["t"] + 1'),
    # answer variables
    Mutant("LR_DIAGNOSIS", "too high and way too high confused",
           '"B": "too high", "C": "too low", "D": "way too high"',
           '"B": "way too high", "C": "too low", "D": "too high"'),
    Mutant("LR_DIAGNOSIS", "too low and good confused",
           '"A": "good", "B": "too high", "C": "too low"', '"A": "too low", "B": "too high", "C": "good"'),
    Mutant("MC_MOMENTUM", "AdamW forgotten", 'MC_MOMENTUM = {"b", "e", "f"}', 'MC_MOMENTUM = {"b", "e"}'),
    Mutant("MC_MOMENTUM", "RMSProp counted as momentum", 'MC_MOMENTUM = {"b", "e", "f"}',
           'MC_MOMENTUM = {"b", "d", "e", "f"}'),
    Mutant("MC_ADAM", "believes bias correction enlarges early steps", 'MC_ADAM = {"a", "c"}',
           'MC_ADAM = {"a", "b"}'),
    Mutant("MC_SCHEDULES", "thinks cosine decay rises at the end", 'MC_SCHEDULES = {"a", "b", "d"}',
           'MC_SCHEDULES = {"a", "b", "c", "d"}'),
    Mutant("MC_LANDSCAPE", "thinks gradient descent leaves a saddle at once", 'MC_LANDSCAPE = {"a", "b", "d"}',
           'MC_LANDSCAPE = {"a", "b", "c", "d"}'),
]
