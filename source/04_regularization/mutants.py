"""Plausible wrong answers for 04_regularization; each must make its test cell fail.

Mutants of the same name do not overlap, so all of them can be applied together (the demo's
"mistakes" student)."""

from course.authoring.mutants import Mutant

MUTANTS = [
    # penalties
    Mutant("l1_penalty", "squares instead of absolute values", "np.abs(", "np.square("),
    Mutant("l1_penalty", "forgets to multiply by lam", "return float(lam * total)", "return float(total)"),
    Mutant("l2_penalty", "textbook factor 1/2 (lam/2 * sum w**2)",
           "return float(lam * total)", "return float(0.5 * lam * total)"),
    Mutant("l2_penalty", "norm instead of squared norm",
           "np.sum(np.square(np.asarray(w, dtype=float)))",
           "np.sqrt(np.sum(np.square(np.asarray(w, dtype=float))))"),
    Mutant("elastic_net_penalty", "l1 and l2 coefficients swapped",
           "l1 * abs_sum + l2 * square_sum", "l2 * abs_sum + l1 * square_sum"),
    Mutant("elastic_net_penalty", "uses |w| instead of w**2 in the L2 part",
           "np.sum(np.square(w))", "np.sum(np.abs(w))"),
    # dropout
    Mutant("dropout_forward", "no inverted scaling",
           "out = x * mask / (1 - rate)", "out = x * mask"),
    Mutant("dropout_forward", "rate read as the keep probability",
           "mask = rng.random(x.shape) >= rate", "mask = rng.random(x.shape) < rate"),
    Mutant("dropout_forward", "dropout also applied at inference",
           "if not training:", "if training is None:"),
    # batch norm
    Mutant("batchnorm_forward", "unbiased batch variance",
           "var = x.var(axis=0)", "var = x.var(axis=0, ddof=1)"),
    Mutant("batchnorm_forward", "momentum applied to the new batch statistics",
           "momentum * old_mean + (1 - momentum) * mean", "(1 - momentum) * old_mean + momentum * mean"),
    Mutant("batchnorm_forward", "batch statistics also used at inference",
           "if training:", "if True:"),
    Mutant("batchnorm_forward", "epsilon outside the square root",
           "np.sqrt(var + eps)", "(np.sqrt(var) + eps)"),
    # layer norm
    Mutant("layernorm_forward", "normalises over the batch axis (batch norm)",
           "axis=-1", "axis=0"),
    Mutant("layernorm_forward", "epsilon outside the square root",
           "np.sqrt(var + eps)", "(np.sqrt(var) + eps)"),
    # label smoothing
    Mutant("smooth_labels", "spreads eps over the K-1 wrong classes",
           "eps / n_classes", "eps / (n_classes - 1)"),
    Mutant("smooth_labels", "K taken from the batch axis",
           "n_classes = y.shape[-1]", "n_classes = y.shape[0]"),
    # early stopping
    Mutant("early_stopping_epoch", "ties count as improvements", "loss < best", "loss <= best"),
    Mutant("early_stopping_epoch", "patience off by one",
           "elif wait >= patience:", "elif wait > patience:"),
    Mutant("early_stopping_epoch", "min_delta with the wrong sign", "best - min_delta", "best + min_delta"),
    Mutant("early_stopping_epoch", "never-stopping run reports len(val_losses)",
           "return len(val_losses) - 1, best_epoch", "return len(val_losses), best_epoch"),
    # Keras builder
    Mutant("build_regularized_mlp", "dropout rate given as keep probability",
           "keras.layers.Dropout(dropout)", "keras.layers.Dropout(1 - dropout)"),
    Mutant("build_regularized_mlp", "biases regularised as well",
           'layers.append(keras.layers.Dense(units, activation="relu", kernel_regularizer=regularizer()))',
           'layers.append(keras.layers.Dense(units, activation="relu", kernel_regularizer=regularizer(),\n'
           '                                     bias_regularizer=regularizer()))'),
    Mutant("build_regularized_mlp", "output layer not regularised",
           'activation="softmax", kernel_regularizer=regularizer()', 'activation="softmax"'),
    Mutant("build_regularized_mlp", "batch norm with Keras' default momentum",
           "keras.layers.BatchNormalization(momentum=0.9)", "keras.layers.BatchNormalization()"),
    # multiple choice
    Mutant("MC_PENALTIES", "believes L2 gives exact zeros", '{"a", "c", "e", "f"}', '{"a", "b", "c", "e", "f"}'),
    Mutant("MC_DROPOUT", "believes dropout must also run at inference", '{"a", "c", "d", "f"}',
           '{"a", "b", "c", "d", "f"}'),
    Mutant("MC_BATCHNORM", "believes gamma and beta follow the moving average", '{"a", "b", "d"}',
           '{"a", "b", "c", "d"}'),
    Mutant("MC_VAL_BELOW_TRAIN", "misses leakage as a cause", '{"a", "b", "c", "d"}', '{"a", "b", "c"}'),
    Mutant("MC_CROSS_VALIDATION", "shuffles time series", '{"a", "b", "d", "f"}', '{"a", "b", "c", "d", "f"}'),
    Mutant("MC_AVOID_OVERFITTING", "selects the epoch on the test set", '{"a", "b", "d", "f"}',
           '{"a", "b", "d", "f", "g"}'),
]
