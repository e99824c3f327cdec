"""Plausible wrong answers for 01_ann_basics; each must make its test cell fail."""

from course.authoring.mutants import Mutant

MUTANTS = [
    # multiple choice
    Mutant("MC_DL_VS_ML", "believes deep learning needs less data",
           'MC_DL_VS_ML = {"a", "c", "e"}', 'MC_DL_VS_ML = {"a", "b", "c", "e"}'),
    Mutant("MC_BIAS", "thinks the bias multiplies the inputs",
           'MC_BIAS = {"a", "b", "d"}', 'MC_BIAS = {"a", "c", "d"}'),
    Mutant("MC_LOSS", "misses that BCE punishes confident mistakes harder",
           'MC_LOSS = {"a", "b", "c"}', 'MC_LOSS = {"a", "b"}'),
    Mutant("MC_NONLINEAR", "believes a linear network can solve XOR",
           'MC_NONLINEAR = {"a", "c"}', 'MC_NONLINEAR = {"a", "c", "d"}'),
    Mutant("MC_OUTPUT", "sigmoid output for a price",
           'MC_OUTPUT = {"a", "b", "d"}', 'MC_OUTPUT = {"a", "b", "c", "d"}'),
    # sigmoid
    Mutant("sigmoid", "naive formula that overflows for large negative z",
           "out = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
           "out = 1.0 / (1.0 + np.exp(-z))"),
    Mutant("sigmoid", "wrong sign in the exponent",
           "e = np.exp(-np.abs(z))", "e = np.exp(np.abs(z))"),
    Mutant("sigmoid", "branches swapped",
           "np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
           "np.where(z >= 0, e / (1.0 + e), 1.0 / (1.0 + e))"),
    # logistic_regression_proba
    Mutant("logistic_regression_proba", "forgets the bias",
           "sigmoid(b + np.asarray(x, dtype=float) @ a)", "sigmoid(np.asarray(x, dtype=float) @ a)"),
    Mutant("logistic_regression_proba", "returns the logit instead of the probability",
           "return sigmoid(b + np.asarray(x, dtype=float) @ a)",
           "return b + np.asarray(x, dtype=float) @ a"),
    # binary_cross_entropy
    Mutant("binary_cross_entropy", "no clipping: log(0) for p = 0 or 1",
           "p = np.clip(np.asarray(p, dtype=float), eps, 1.0 - eps)", "p = np.asarray(p, dtype=float)"),
    Mutant("binary_cross_entropy", "sum instead of mean",
           "float(np.mean(losses))", "float(np.sum(losses))"),
    Mutant("binary_cross_entropy", "mean over the first axis only",
           "float(np.mean(losses))", "np.mean(losses, axis=0)"),
    Mutant("binary_cross_entropy", "clips at 1e-15 instead of the contract's 1e-7",
           "eps = 1e-7", "eps = 1e-15"),
    Mutant("binary_cross_entropy", "clips far too aggressively",
           "eps = 1e-7", "eps = 1e-3"),
    # mean_squared_error
    Mutant("mean_squared_error", "sum instead of mean",
           "float(np.mean(diff ** 2))", "float(np.sum(diff ** 2))"),
    Mutant("mean_squared_error", "absolute instead of squared error",
           "float(np.mean(diff ** 2))", "float(np.mean(np.abs(diff)))"),
    # dense_forward
    Mutant("dense_forward", "softmax normalised over the batch axis",
           "e / e.sum(axis=-1, keepdims=True)", "e / e.sum(axis=0, keepdims=True)"),
    Mutant("dense_forward", "softmax without subtracting the maximum",
           "np.exp(z - z.max(axis=-1, keepdims=True))", "np.exp(z)"),
    Mutant("dense_forward", "forgets the bias",
           "z = np.asarray(x, dtype=float) @ W + b", "z = np.asarray(x, dtype=float) @ W"),
    Mutant("dense_forward", "leaky ReLU instead of ReLU",
           "return np.maximum(z, 0.0)", "return np.where(z > 0, z, 0.01 * z)"),
    Mutant("dense_forward", "unknown activation falls back to identity",
           "raise ValueError(f\"unknown activation {activation!r}; choose one of \"\n"
           "                     \"'identity', 'sigmoid', 'relu', 'tanh', 'softmax'\")",
           "return z"),
    # layer_shapes
    Mutant("layer_shapes", "W2 in column form (n_out, n_hidden)",
           '"W2": (n_hidden, n_out)', '"W2": (n_out, n_hidden)'),
    Mutant("layer_shapes", "W1 in column form (n_hidden, n_in)",
           '"W1": (n_in, n_hidden)', '"W1": (n_hidden, n_in)'),
    # count_parameters
    Mutant("count_parameters", "forgets the biases",
           "n_in * n_out + n_out", "n_in * n_out"),
    Mutant("count_parameters", "one bias per input instead of per neuron",
           "n_in * n_out + n_out", "n_in * n_out + n_in"),
    # build_mlp
    Mutant("build_mlp", "sigmoid hidden layers instead of ReLU",
           'keras.layers.Dense(n, activation="relu")', 'keras.layers.Dense(n, activation="sigmoid")'),
    Mutant("build_mlp", "output layer without its activation",
           "keras.layers.Dense(n_outputs, activation=output_activation)",
           "keras.layers.Dense(n_outputs)"),
    Mutant("build_mlp", "a single int for hidden_units is not accepted",
           "[hidden_units] if isinstance(hidden_units, (int, np.integer)) else list(hidden_units)",
           "list(hidden_units)"),
    Mutant("build_mlp", "only the first hidden size is used",
           "for n in units:", "for n in units[:1]:"),
]
