"""Plausible wrong answers for 06_cnn; each must make its test cell fail."""

from course.mutants import Mutant

MUTANTS = [
    # output size
    Mutant("conv_output_size", "padding counted on one side only", "2 * padding) // stride", "padding) // stride"),
    Mutant("conv_output_size", "forgets the + 1", "// stride + 1", "// stride"),
    Mutant("conv_output_size", "ceil instead of floor",
           "size = (n - kernel_size + 2 * padding) // stride + 1",
           "size = -(-(n - kernel_size + 2 * padding) // stride) + 1"),
    Mutant("conv_output_size", "accepts an output size of 0", "if size < 1:", "if size < 0:"),
    # parameter count
    Mutant("conv2d_param_count", "forgets that a filter spans all input channels",
           "kh * kw * in_channels * filters", "kh * kw * filters"),
    Mutant("conv2d_param_count", "use_bias ignored", "(filters if use_bias else 0)", "filters"),
    Mutant("conv2d_param_count", "a tuple kernel read as square", "kh, kw = kernel_size\n",
           "kh = kw = kernel_size[0]\n"),
    # convolution
    Mutant("conv2d_forward", "flips the kernel (true convolution instead of cross-correlation)",
           "out += patch @ w[u, v]", "out += patch @ w[kh - 1 - u, kw - 1 - v]"),
    Mutant("conv2d_forward", "'same' puts the extra zero before instead of after",
           "pads.append((total // 2, total - total // 2))", "pads.append((total - total // 2, total // 2))"),
    Mutant("conv2d_forward", "forgets the bias", "return out + b", "return out"),
    Mutant("conv2d_forward", "stride ignored when slicing",
           "x[:, u:u + stride * (H_out - 1) + 1:stride, v:v + stride * (W_out - 1) + 1:stride, :]",
           "x[:, u:u + H_out, v:v + W_out, :]"),
    Mutant("conv2d_forward", "'same' pads (f - 1) // 2 on each side, whatever the stride",
           "total = max((-(-n // stride) - 1) * stride + f - n, 0)", "total = 2 * ((f - 1) // 2)"),
    # max pooling
    Mutant("max_pool2d", "running maximum starts at 0", "np.full((N, H_out, W_out, C), -np.inf)",
           "np.zeros((N, H_out, W_out, C))"),
    Mutant("max_pool2d", "pool size used as the stride", "// stride + 1", "// pool_size + 1"),
    Mutant("max_pool2d", "average pooling instead of max pooling", "out = np.maximum(out, window)",
           "out = np.where(np.isinf(out), 0.0, out) + window / pool_size ** 2"),
    # CNN
    Mutant("build_cnn", "first convolution without padding", 'Conv2D(16, 3, padding="same"',
           'Conv2D(16, 3, padding="valid"'),
    Mutant("build_cnn", "sigmoid output instead of softmax", 'activation="softmax"', 'activation="sigmoid"'),
    Mutant("build_cnn", "second convolution with same padding", 'Conv2D(32, 3, padding="valid"',
           'Conv2D(32, 3, padding="same"'),
    # residual block
    Mutant("residual_block", "no ReLU after the addition", 'return keras.layers.Activation("relu")(out)',
           "return out"),
    Mutant("residual_block", "ReLU on the residual branch before the addition",
           'y = keras.layers.Conv2D(filters, 3, padding="same")(y)',
           'y = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(y)'),
    Mutant("residual_block", "always projects the shortcut", "if x.shape[-1] != filters:", "if True:"),
    Mutant("residual_block", "3x3 projection shortcut", "keras.layers.Conv2D(filters, 1)(x)",
           'keras.layers.Conv2D(filters, 3, padding="same")(x)'),
    # multiple choice
    Mutant("MC_CONV", "believes 'same' always keeps the size", 'MC_CONV = {"a", "d", "e"}',
           'MC_CONV = {"a", "b", "d", "e"}'),
    Mutant("MC_POOLING", "believes pooling gives exact invariance", 'MC_POOLING = {"a", "c", "d"}',
           'MC_POOLING = {"a", "b", "c", "d"}'),
    Mutant("MC_HIERARCHY", "forgets the GAP head's flexibility", 'MC_HIERARCHY = {"a", "b", "d", "e"}',
           'MC_HIERARCHY = {"a", "b", "d"}'),
    Mutant("MC_ARCHITECTURES", "thinks AlexNet was the first CNN", 'MC_ARCHITECTURES = {"a", "d", "f"}',
           'MC_ARCHITECTURES = {"a", "d", "e", "f"}'),
    Mutant("MC_ARCHITECTURES", "thinks deep plain networks degrade only through vanishing gradients",
           'MC_ARCHITECTURES = {"a", "d", "f"}', 'MC_ARCHITECTURES = {"a", "b", "d", "f"}'),
    Mutant("MC_EFFICIENCY", "thinks pruning removes the largest weights", 'MC_EFFICIENCY = {"a", "b", "d"}',
           'MC_EFFICIENCY = {"a", "b", "c", "d"}'),
]
