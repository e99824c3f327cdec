"""Plausible wrong answers for 02_backprop; each must make its test cell fail."""

from course.authoring.mutants import Mutant

MUTANTS = [
    # numerical_gradient
    Mutant("numerical_gradient", "central difference divided by eps instead of 2*eps",
           "(f_plus - f_minus) / (2 * eps)", "(f_plus - f_minus) / eps"),
    Mutant("numerical_gradient", "forgets to restore the perturbed entry",
           "x_work[index] = original  # restore", "pass  # restore"),
    # relative_error
    Mutant("relative_error", "denominator |a + b| instead of |a| + |b|",
           "np.abs(a) + np.abs(b)", "np.abs(a + b)"),
    Mutant("relative_error", "mean instead of max over the entries",
           "float(np.max(", "float(np.mean("),
    # mlp_forward
    Mutant("mlp_forward", "hidden activation applied at the output",
           "Y_hat = activations[output_activation](Z2)", "Y_hat = activations[hidden_activation](Z2)"),
    Mutant("mlp_forward", "second layer fed the pre-activation Z1",
           "Z2 = A1 @ params", "Z2 = Z1 @ params"),
    Mutant("mlp_forward", "caches Z1 under the key A1",
           '"A1": A1,', '"A1": Z1,'),
    # mlp_loss
    Mutant("mlp_loss", "sse sums over the batch instead of averaging",
           "value = np.mean(per_example)", "value = np.sum(per_example)"),
    Mutant("mlp_loss", "sse averages over the outputs instead of summing",
           "np.sum((Y_hat - Y) ** 2, axis=1)", "np.mean((Y_hat - Y) ** 2, axis=1)"),
    Mutant("mlp_loss", "binary cross-entropy without the minus sign",
           "-np.mean(Y * np.log(p)", "np.mean(Y * np.log(p)"),
    # mlp_backward
    Mutant("mlp_backward", "sigmoid derivative taken as sigma instead of sigma (1 - sigma)",
           "return a * (1 - a)", "return a"),
    Mutant("mlp_backward", "sse gradient without the 1/N of the batch mean",
           "dY_hat = 2 * (Y_hat - Y) / N\n", "dY_hat = 2 * (Y_hat - Y)\n"),
    Mutant("mlp_backward", "mse gradient without the 1/n_out",
           "dY_hat = 2 * (Y_hat - Y) / (N * n_out)", "dY_hat = 2 * (Y_hat - Y) / N"),
    Mutant("mlp_backward", "output activation derivative left out (shortcut used for every pair)",
           "dZ2 = dY_hat * derivative(Z2, Y_hat, output_activation)", "dZ2 = dY_hat"),
    Mutant("mlp_backward", "hidden activation derivative left out of dW1",
           '"W1": X.T @ dZ1', '"W1": X.T @ dA1'),
    Mutant("mlp_backward", "relu'(0) taken as 1",
           "(z > 0).astype(float)", "(z >= 0).astype(float)"),
    # sgd_update
    Mutant("sgd_update", "steps up the gradient", "- lr * grads[name]", "+ lr * grads[name]"),
    Mutant("sgd_update", "loops over the keys of grads (includes X)",
           "for name in params}", "for name in grads}"),
    # clip_by_norm
    Mutant("clip_by_norm", "divides by the squared norm", "g * max_norm / norm", "g * max_norm / norm ** 2"),
    Mutant("clip_by_norm", "forgets the square root in the norm",
           "np.sqrt(np.sum(g ** 2))", "np.sum(g ** 2)"),
    # tape_gradients
    Mutant("tape_gradients", "calls the model in inference mode",
           "model(X, training=True)", "model(X, training=False)"),
    Mutant("tape_gradients", "swaps y_true and y_pred in the loss",
           "loss_fn(Y, predictions)", "loss_fn(predictions, Y)"),
    # softmax_cross_entropy
    Mutant("softmax_cross_entropy", "forgets the 1/N of the batch mean in the gradient",
           "return float(loss), dlogits / N", "return float(loss), dlogits"),
    Mutant("softmax_cross_entropy", "does not subtract the row maximum (exp(1000) overflows)",
           "shifted = logits - logits.max(axis=1, keepdims=True)", "shifted = logits"),
    Mutant("softmax_cross_entropy", "gradient is the softmax without subtracting the one-hot labels",
           "dlogits[rows, y] -= 1.0", "pass"),
    Mutant("softmax_cross_entropy", "softmax denominator summed over the batch (axis 0)",
           "np.sum(np.exp(shifted), axis=1)", "np.sum(np.exp(shifted), axis=0)"),
    Mutant("softmax_cross_entropy", "no check of the label range (-1 picks the last class)",
           "np.any((y < 0) | (y >= C))", "np.any(y >= C)"),
    # train_mlp_classifier
    Mutant("train_mlp_classifier", "forgets the 1/N of the batch mean",
           "dlogits = (np.exp(log_probs) - one_hot) / N", "dlogits = np.exp(log_probs) - one_hot"),
    Mutant("train_mlp_classifier", "leaves relu'(Z1) out of the hidden gradient",
           "dZ1 = (dlogits @ W2.T) * (Z1 > 0)", "dZ1 = dlogits @ W2.T"),
    Mutant("train_mlp_classifier", "output gradient without subtracting the one-hot labels",
           "(np.exp(log_probs) - one_hot) / N", "np.exp(log_probs) / N"),
    Mutant("train_mlp_classifier", "draws W2 before W1",
           "    W1 = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, hidden))\n"
           "    W2 = rng.normal(0.0, np.sqrt(1.0 / hidden), size=(hidden, C))\n",
           "    W2 = rng.normal(0.0, np.sqrt(1.0 / hidden), size=(hidden, C))\n"
           "    W1 = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, hidden))\n"),
    Mutant("train_mlp_classifier", "updates W2 first and backpropagates through the new W2",
           "        W1, b1, W2, b2 = (W1 - lr * X.T @ dZ1, b1 - lr * dZ1.sum(axis=0),\n"
           "                          W2 - lr * A1.T @ dlogits, b2 - lr * dlogits.sum(axis=0))\n",
           "        W2 = W2 - lr * A1.T @ dlogits\n"
           "        b2 = b2 - lr * dlogits.sum(axis=0)\n"
           "        dZ1 = (dlogits @ W2.T) * (Z1 > 0)\n"
           "        W1, b1 = W1 - lr * X.T @ dZ1, b1 - lr * dZ1.sum(axis=0)\n"),
    # multiple choice
    Mutant("MC_GRADIENT", "thinks the gradient points downhill", '{"a", "c"}', '{"a", "b", "c"}'),
    Mutant("MC_PATHS", "takes the larger path only", '{"c", "e"}', '{"b", "e"}'),
    Mutant("MC_SIGMOID", "believes sigma' = sigma", '{"a", "c", "d"}', '{"b", "c", "d"}'),
    Mutant("MC_LOSS_SCALE", "thinks the conventions move the minimum", '{"a", "b", "d"}', '{"a", "b", "c", "d"}'),
    Mutant("MC_REVERSE_MODE", "prefers forward mode for training", '{"a", "b", "d"}', '{"a", "b", "c"}'),
    Mutant("MC_BACKPROP_ROLE", "thinks backprop updates the weights", '{"a", "b", "d"}', '{"a", "b", "e"}'),
]
