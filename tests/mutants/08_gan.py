"""Plausible wrong answers for 08_gan; each must make its test cell fail."""

from course.mutants import Mutant

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
]
