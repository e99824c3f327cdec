"""Plausible wrong answers for 08_gan; each must make its test cell fail."""

from course.authoring.mutants import Mutant

MUTANTS = [
    # losses from logits
    Mutant("discriminator_loss", "labels swapped: real logits treated as fake and vice versa",
           "real_term = tf.reduce_mean(tf.nn.softplus(-real))    # -log D(x), label 1\n"
           "    fake_term = tf.reduce_mean(tf.nn.softplus(fake))",
           "real_term = tf.reduce_mean(tf.nn.softplus(real))    # -log D(x), label 1\n"
           "    fake_term = tf.reduce_mean(tf.nn.softplus(-fake))"),
    Mutant("discriminator_loss", "naive -log(1 - sigmoid(s)) overflows for large fake logits",
           "tf.nn.softplus(fake)", "-tf.math.log(1.0 - tf.sigmoid(fake))"),
    Mutant("discriminator_loss", "the two terms averaged instead of added",
           "return real_term + fake_term", "return (real_term + fake_term) / 2"),
    Mutant("generator_loss", "saturating minimax loss log(1 - D(G(z))) instead of -log D(G(z))",
           "tf.reduce_mean(tf.nn.softplus(-fake))", "-tf.reduce_mean(tf.nn.softplus(fake))"),
    Mutant("generator_loss", "sum instead of mean", "tf.reduce_mean(", "tf.reduce_sum("),
    Mutant("generator_loss", "naive -log(sigmoid(s)) overflows for very negative logits",
           "tf.nn.softplus(-fake)", "-tf.math.log(tf.sigmoid(fake))"),
    # networks
    Mutant("build_generator", "sigmoid hidden layers instead of ReLU",
           'activation="relu"', 'activation="sigmoid"'),
    Mutant("build_generator", "output_activation ignored (always linear)",
           "activation=output_activation", "activation=None"),
    Mutant("build_discriminator", "discriminator outputs a probability (sigmoid) instead of a logit",
           "keras.layers.Dense(1))", 'keras.layers.Dense(1, activation="sigmoid"))'),
    Mutant("build_discriminator", "ReLU hidden layers instead of leaky ReLU",
           'activation="leaky_relu"', 'activation="relu"'),
    # training step
    Mutant("train_step", "real and fake logits swapped in the discriminator loss",
           "d_loss = discriminator_loss(real_logits, fake_logits)",
           "d_loss = discriminator_loss(fake_logits, real_logits)"),
    Mutant("train_step", "discriminator updated with the generator's loss",
           "d_loss = discriminator_loss(real_logits, fake_logits)", "d_loss = generator_loss(fake_logits)"),
    Mutant("train_step", "the generator step reuses the discriminator step's latent codes",
           "    # 2) generator step: fresh fakes, judged by the updated discriminator\n"
           "    z = tf.random.normal([batch_size, latent_dim])\n",
           "    # 2) generator step: judged by the updated discriminator\n"),
    Mutant("train_step", "latent codes drawn from U(0, 1) instead of N(0, I)",
           "tf.random.normal(", "tf.random.uniform("),
    Mutant("train_step", "simultaneous update: generator step scored by the discriminator before its update",
           "    d_opt.apply_gradients(zip(d_grads, discriminator.trainable_variables))\n"
           "    # 2) generator step: fresh fakes, judged by the updated discriminator\n"
           "    z = tf.random.normal([batch_size, latent_dim])\n"
           "    with tf.GradientTape() as tape:\n"
           "        fake_logits = discriminator(generator(z, training=True), training=True)\n"
           "        g_loss = generator_loss(fake_logits)\n",
           "    z = tf.random.normal([batch_size, latent_dim])\n"
           "    with tf.GradientTape() as tape:\n"
           "        fake_logits = discriminator(generator(z, training=True), training=True)\n"
           "        g_loss = generator_loss(fake_logits)\n"
           "    d_opt.apply_gradients(zip(d_grads, discriminator.trainable_variables))\n"),
    Mutant("train_step", "discriminator never updated",
           "    d_opt.apply_gradients(zip(d_grads, discriminator.trainable_variables))\n", ""),
    # evaluation and latent space
    Mutant("modes_covered", "counts samples near a centre instead of centres", "axis=0)))", "axis=1)))"),
    Mutant("modes_covered", "strict inequality: a distance equal to the radius does not count",
           "dist <= radius", "dist < radius"),
    Mutant("modes_covered", "squared distance compared with the radius",
           "np.sqrt(np.sum(diff ** 2, axis=-1))", "np.sum(diff ** 2, axis=-1)"),
    Mutant("interpolate_latents", "endpoint z1 excluded",
           "np.linspace(0.0, 1.0, steps)", "np.linspace(0.0, 1.0, steps, endpoint=False)"),
    Mutant("interpolate_latents", "weights reversed (path runs from z1 to z0)",
           "(1.0 - t) * z0[None, :] + t * z1[None, :]", "t * z0[None, :] + (1.0 - t) * z1[None, :]"),
    # DCGAN generator
    Mutant("build_dcgan_generator", "LeakyReLU in the generator instead of ReLU",
           "keras.layers.BatchNormalization(),\n        keras.layers.ReLU(),\n        keras.layers.Conv2DTranspose(1,",
           "keras.layers.BatchNormalization(),\n        keras.layers.LeakyReLU(0.2),\n        keras.layers.Conv2DTranspose(1,"),
    Mutant("build_dcgan_generator", "padding 'valid': 2x2 -> 6x6 -> 14x14 instead of 8x8",
           'keras.layers.Conv2DTranspose(filters // 2, 4, strides=2, padding="same"',
           'keras.layers.Conv2DTranspose(filters // 2, 4, strides=2, padding="valid"'),
    Mutant("build_dcgan_generator", "sigmoid output instead of tanh (pixels in [0, 1])",
           'activation="tanh"', 'activation="sigmoid"'),
    Mutant("build_dcgan_generator", "the Dense projection keeps its bias before BatchNormalization",
           "keras.layers.Dense(4 * filters, use_bias=False)", "keras.layers.Dense(4 * filters)"),
    Mutant("build_dcgan_generator", "channels not halved in the first transposed convolution",
           "Conv2DTranspose(filters // 2,", "Conv2DTranspose(filters,"),
    Mutant("build_dcgan_generator", "kernel size 3 (uneven overlap, checkerboard)",
           "Conv2DTranspose(1, 4, strides=2", "Conv2DTranspose(1, 3, strides=2"),
    Mutant("build_dcgan_generator", "stride 1 in the last layer: the output stays 4x4",
           "Conv2DTranspose(1, 4, strides=2", "Conv2DTranspose(1, 4, strides=1"),
    Mutant("build_dcgan_generator", "no batch normalisation after the projection",
           "keras.layers.Reshape((2, 2, filters)),\n        keras.layers.BatchNormalization(),\n",
           "keras.layers.Reshape((2, 2, filters)),\n"),
    Mutant("build_dcgan_generator", "bad arguments not rejected",
           "    if latent_dim < 1 or filters < 2:\n"
           '        raise ValueError(f"need latent_dim >= 1 and filters >= 2; got latent_dim={latent_dim}, filters={filters}")\n',
           ""),
    # WGAN-GP critic loss
    Mutant("wgan_gp_critic_loss", "one gradient norm over the whole batch instead of one per example",
           "grads = tf.reshape(grads, [tf.shape(grads)[0], -1])\n"
           "    norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=1))",
           "norms = tf.norm(grads)"),
    Mutant("wgan_gp_critic_loss", "norm over axis 1 only (right for vectors, wrong for images)",
           "    grads = tf.reshape(grads, [tf.shape(grads)[0], -1])\n", ""),
    Mutant("wgan_gp_critic_loss", "penalty at the real examples instead of the interpolates",
           "interpolates = epsilon * real + (1.0 - epsilon) * fake", "interpolates = real"),
    Mutant("wgan_gp_critic_loss", "penalty at the generated examples instead of the interpolates",
           "interpolates = epsilon * real + (1.0 - epsilon) * fake", "interpolates = fake"),
    Mutant("wgan_gp_critic_loss", "epsilon applied the wrong way round (weights swapped)",
           "interpolates = epsilon * real + (1.0 - epsilon) * fake",
           "interpolates = (1.0 - epsilon) * real + epsilon * fake"),
    Mutant("wgan_gp_critic_loss", "(||grad|| - 1) not squared",
           "tf.reduce_mean(tf.square(norms - 1.0))", "tf.reduce_mean(norms - 1.0)"),
    Mutant("wgan_gp_critic_loss", "squared norm instead of the norm",
           "norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=1))",
           "norms = tf.reduce_sum(tf.square(grads), axis=1)"),
    Mutant("wgan_gp_critic_loss", "one-sided penalty: only norms above 1 are penalised",
           "tf.square(norms - 1.0)", "tf.square(tf.maximum(norms - 1.0, 0.0))"),
    Mutant("wgan_gp_critic_loss", "signs of the Wasserstein part swapped",
           "wasserstein = tf.reduce_mean(critic(fake)) - tf.reduce_mean(critic(real))",
           "wasserstein = tf.reduce_mean(critic(real)) - tf.reduce_mean(critic(fake))"),
    Mutant("wgan_gp_critic_loss", "gp_weight ignored (always 10)",
           "return wasserstein + gp_weight * penalty", "return wasserstein + 10.0 * penalty"),
    Mutant("wgan_gp_critic_loss", "epsilon's shape not checked (an (N,) epsilon broadcasts silently)",
           "    if tuple(epsilon.shape) != weights_shape:\n"
           '        raise ValueError(f"epsilon must have shape {weights_shape}, one weight per example; got {tuple(epsilon.shape)}")\n',
           ""),
    # multiple choice
    Mutant("MC_LOSSES", "takes V itself as the discriminator's loss",
           'MC_LOSSES = {"a", "c", "e", "f"}', 'MC_LOSSES = {"a", "b", "c", "e", "f"}'),
    Mutant("MC_NONSATURATING", "thinks a zero discriminator loss means the generator won",
           'MC_NONSATURATING = {"a", "b", "c"}', 'MC_NONSATURATING = {"a", "b", "c", "d"}'),
    Mutant("MC_MODE_COLLAPSE", "calls mode collapse an RNN problem",
           'MC_MODE_COLLAPSE = {"a", "c", "d", "f"}', 'MC_MODE_COLLAPSE = {"a", "b", "c", "d", "f"}'),
    Mutant("MC_EVALUATION", "believes a high IS proves within-class diversity",
           'MC_EVALUATION = {"a", "b", "c", "f"}', 'MC_EVALUATION = {"a", "b", "c", "d", "f"}'),
    Mutant("MC_LATENT", "takes king - man + woman for GAN latent arithmetic",
           'MC_LATENT = {"a", "c", "d"}', 'MC_LATENT = {"a", "b", "c", "d"}'),
    Mutant("MC_APPLICATIONS", "believes a detector ends deepfakes",
           'MC_APPLICATIONS = {"a", "b", "c", "e"}', 'MC_APPLICATIONS = {"a", "b", "c", "d", "e"}'),
    Mutant("MC_ARCHITECTURES", "thinks the WGAN critic outputs a probability",
           'MC_ARCHITECTURES = {"a", "b", "d", "f"}', 'MC_ARCHITECTURES = {"a", "b", "c", "d", "f"}'),
    Mutant("MC_ARCHITECTURES", "thinks a conditional discriminator does not see the label",
           'MC_ARCHITECTURES = {"a", "b", "d", "f"}', 'MC_ARCHITECTURES = {"a", "b", "d", "e", "f"}'),
]
