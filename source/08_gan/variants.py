"""Right answers in other idioms for 08_gan: each must keep its test's full points."""

from course.authoring.mutants import Mutant

DISCRIMINATOR_LOSS = (
    "real = tf.cast(real_logits, tf.float32)\n"
    "    fake = tf.cast(fake_logits, tf.float32)\n"
    "    real_term = tf.reduce_mean(tf.nn.softplus(-real))    # -log D(x), label 1\n"
    "    fake_term = tf.reduce_mean(tf.nn.softplus(fake))     # -log(1 - D(G(z))), label 0\n"
    "    return real_term + fake_term"
)
GENERATOR_LOSS = (
    "fake = tf.cast(fake_logits, tf.float32)\n"
    "    return tf.reduce_mean(tf.nn.softplus(-fake))"
)
TRAIN_STEP_D_UPDATE = (
    "    with tf.GradientTape() as tape:\n"
    "        fake_batch = generator(z, training=True)\n"
    "        real_logits = discriminator(real_batch, training=True)\n"
    "        fake_logits = discriminator(fake_batch, training=True)\n"
    "        d_loss = discriminator_loss(real_logits, fake_logits)\n"
    "    d_grads = tape.gradient(d_loss, discriminator.trainable_variables)\n"
    "    d_opt.apply_gradients(zip(d_grads, discriminator.trainable_variables))\n"
)
Z_FOR_G = (
    "    # 2) generator step: fresh fakes, judged by the updated discriminator\n"
    "    z = tf.random.normal([batch_size, latent_dim])\n"
)
TRAIN_STEP_G_UPDATE = (
    "    with tf.GradientTape() as tape:\n"
    "        fake_logits = discriminator(generator(z, training=True), training=True)\n"
    "        g_loss = generator_loss(fake_logits)\n"
    "    g_grads = tape.gradient(g_loss, generator.trainable_variables)\n"
    "    g_opt.apply_gradients(zip(g_grads, generator.trainable_variables))\n"
)

DCGAN_SEQUENTIAL = (
    "return keras.Sequential([\n"
    "        keras.Input((latent_dim,)),\n"
    "        keras.layers.Dense(4 * filters, use_bias=False),\n"
    "        keras.layers.Reshape((2, 2, filters)),\n"
    "        keras.layers.BatchNormalization(),\n"
    "        keras.layers.ReLU(),\n"
    "        keras.layers.Conv2DTranspose(filters // 2, 4, strides=2, padding=\"same\", "
    "use_bias=False),\n"
    "        keras.layers.BatchNormalization(),\n"
    "        keras.layers.ReLU(),\n"
    "        keras.layers.Conv2DTranspose(1, 4, strides=2, padding=\"same\", "
    "activation=\"tanh\"),\n"
    "    ])"
)
WGAN_WASSERSTEIN = (
    "    wasserstein = tf.reduce_mean(critic(fake)) - tf.reduce_mean(critic(real))\n"
    "    interpolates = epsilon * real + (1.0 - epsilon) * fake\n"
)
WGAN_TAPE = (
    "    with tf.GradientTape() as tape:\n"
    "        tape.watch(interpolates)\n"
    "        scores = critic(interpolates)\n"
)
WGAN_NORMS = (
    "    grads = tape.gradient(scores, interpolates)   # row i: d score_i / d x_hat_i\n"
    "    grads = tf.reshape(grads, [tf.shape(grads)[0], -1])\n"
    "    norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=1))\n"
)

VARIANTS = [
    # losses from logits
    Mutant("discriminator_loss", "keras BinaryCrossentropy(from_logits=True), flattened logits",
           DISCRIMINATOR_LOSS,
           "bce = keras.losses.BinaryCrossentropy(from_logits=True)\n"
           "    real = tf.reshape(tf.cast(real_logits, tf.float32), [-1])\n"
           "    fake = tf.reshape(tf.cast(fake_logits, tf.float32), [-1])\n"
           "    return bce(tf.ones_like(real), real) + bce(tf.zeros_like(fake), fake)"),
    Mutant("discriminator_loss", "tf.nn.sigmoid_cross_entropy_with_logits with labels 1 and 0",
           DISCRIMINATOR_LOSS,
           "real = tf.cast(real_logits, tf.float32)\n"
           "    fake = tf.cast(fake_logits, tf.float32)\n"
           "    xent = tf.nn.sigmoid_cross_entropy_with_logits\n"
           "    return (tf.reduce_mean(xent(labels=tf.ones_like(real), logits=real))\n"
           "            + tf.reduce_mean(xent(labels=tf.zeros_like(fake), logits=fake)))"),
    Mutant("discriminator_loss", "-tf.math.log_sigmoid, log(1 - sigmoid(s)) = log_sigmoid(-s)",
           DISCRIMINATOR_LOSS,
           "real = tf.cast(real_logits, tf.float32)\n"
           "    fake = tf.cast(fake_logits, tf.float32)\n"
           "    return -tf.reduce_mean(tf.math.log_sigmoid(real)) "
           "- tf.reduce_mean(tf.math.log_sigmoid(-fake))"),
    Mutant("generator_loss", "keras BinaryCrossentropy(from_logits=True) against ones, flattened",
           GENERATOR_LOSS,
           "fake = tf.reshape(tf.cast(fake_logits, tf.float32), [-1])\n"
           "    bce = keras.losses.BinaryCrossentropy(from_logits=True)\n"
           "    return bce(tf.ones_like(fake), fake)"),
    Mutant("generator_loss", "negative mean of tf.math.log_sigmoid",
           GENERATOR_LOSS,
           "fake = tf.cast(fake_logits, tf.float32)\n"
           "    return -tf.reduce_mean(tf.math.log_sigmoid(fake))"),
    Mutant("generator_loss", "keras.ops softplus and mean",
           GENERATOR_LOSS,
           'fake = keras.ops.cast(fake_logits, "float32")\n'
           "    return keras.ops.mean(keras.ops.softplus(-fake))"),
    Mutant("generator_loss", "sum of softplus divided by the number of entries",
           GENERATOR_LOSS,
           "fake = tf.cast(fake_logits, tf.float32)\n"
           "    count = tf.cast(tf.size(fake), tf.float32)\n"
           "    return tf.reduce_sum(tf.nn.softplus(-fake)) / count"),
    # networks
    Mutant("build_generator", "Sequential with add() and keras.activations.relu",
           "layers = [keras.Input((latent_dim,))]\n"
           "    for units in hidden_units:\n"
           '        layers.append(keras.layers.Dense(units, activation="relu"))\n'
           "    layers.append(keras.layers.Dense(output_dim, activation=output_activation))\n"
           "    return keras.Sequential(layers)",
           "model = keras.Sequential()\n"
           "    model.add(keras.Input(shape=(latent_dim,)))\n"
           "    for units in hidden_units:\n"
           "        model.add(keras.layers.Dense(units, activation=keras.activations.relu))\n"
           "    model.add(keras.layers.Dense(output_dim, activation=output_activation))\n"
           "    return model"),
    Mutant("build_generator", "one list with a starred comprehension",
           "layers = [keras.Input((latent_dim,))]\n"
           "    for units in hidden_units:\n"
           '        layers.append(keras.layers.Dense(units, activation="relu"))\n'
           "    layers.append(keras.layers.Dense(output_dim, activation=output_activation))\n"
           "    return keras.Sequential(layers)",
           "return keras.Sequential([\n"
           "        keras.Input(shape=(latent_dim,)),\n"
           '        *[keras.layers.Dense(units, activation="relu") for units in hidden_units],\n'
           "        keras.layers.Dense(output_dim, activation=output_activation),\n"
           "    ])"),
    Mutant("build_discriminator", "keras.activations.leaky_relu and activation=None spelled out",
           'activation="leaky_relu"))\n    layers.append(keras.layers.Dense(1))',
           "activation=keras.activations.leaky_relu))\n"
           "    layers.append(keras.layers.Dense(1, activation=None))"),
    Mutant("build_discriminator", "Sequential with add() and an explicit linear output",
           "layers = [keras.Input((input_dim,))]\n"
           "    for units in hidden_units:\n"
           '        layers.append(keras.layers.Dense(units, activation="leaky_relu"))\n'
           "    layers.append(keras.layers.Dense(1))\n"
           "    return keras.Sequential(layers)",
           "model = keras.Sequential()\n"
           "    model.add(keras.Input(shape=(input_dim,)))\n"
           "    for units in hidden_units:\n"
           '        model.add(keras.layers.Dense(units, activation="leaky_relu"))\n'
           '    model.add(keras.layers.Dense(1, activation="linear"))\n'
           "    return model"),
    # training step
    Mutant("train_step", "optimizer.apply(grads, variables) on trainable_weights",
           "    d_grads = tape.gradient(d_loss, discriminator.trainable_variables)\n"
           "    d_opt.apply_gradients(zip(d_grads, discriminator.trainable_variables))\n",
           "    d_grads = tape.gradient(d_loss, discriminator.trainable_weights)\n"
           "    d_opt.apply(d_grads, discriminator.trainable_weights)\n"),
    Mutant("train_step", "g_opt.apply(grads, variables) for the generator",
           "    g_opt.apply_gradients(zip(g_grads, generator.trainable_variables))\n",
           "    g_opt.apply(g_grads, generator.trainable_variables)\n"),
    Mutant("train_step", "separately named tapes, gradients passed straight to the optimizers",
           TRAIN_STEP_D_UPDATE + Z_FOR_G + TRAIN_STEP_G_UPDATE,
           "    d_vars = discriminator.trainable_variables\n"
           "    with tf.GradientTape() as d_tape:\n"
           "        fake_batch = generator(z, training=True)\n"
           "        d_loss = discriminator_loss(discriminator(real_batch, training=True),\n"
           "                                    discriminator(fake_batch, training=True))\n"
           "    d_opt.apply_gradients(zip(d_tape.gradient(d_loss, d_vars), d_vars))\n"
           "    z = tf.random.normal([batch_size, latent_dim])\n"
           "    g_vars = generator.trainable_variables\n"
           "    with tf.GradientTape() as g_tape:\n"
           "        fake_logits = discriminator(generator(z, training=True), training=True)\n"
           "        g_loss = generator_loss(fake_logits)\n"
           "    g_opt.apply_gradients(zip(g_tape.gradient(g_loss, g_vars), g_vars))\n"),
    Mutant("train_step", "a persistent tape per step, dropped after use; z shape from tf.stack",
           "    batch_size = tf.shape(real_batch)[0]\n"
           "    # 1) discriminator step: real examples against fakes of the current generator\n"
           "    z = tf.random.normal([batch_size, latent_dim])\n"
           + TRAIN_STEP_D_UPDATE + Z_FOR_G,
           "    z_shape = tf.stack([tf.shape(real_batch)[0], latent_dim])\n"
           "    z = tf.random.normal(z_shape)\n"
           + TRAIN_STEP_D_UPDATE.replace("GradientTape()", "GradientTape(persistent=True)")
           + "    del tape\n"
           "    z = tf.random.normal(z_shape)\n"),
    # evaluation and latent space
    Mutant("modes_covered", "loop over the centres with np.linalg.norm, no np.asarray",
           "samples = np.asarray(samples, dtype=float)\n"
           "    centers = np.asarray(centers, dtype=float)\n"
           "    diff = samples[:, None, :] - centers[None, :, :]          # (N, K, 2)\n"
           "    dist = np.sqrt(np.sum(diff ** 2, axis=-1))                 # (N, K)\n"
           "    return int(np.sum(np.any(dist <= radius, axis=0)))",
           "count = 0\n"
           "    for center in centers:\n"
           "        if np.any(np.linalg.norm(samples - center, axis=1) <= radius):\n"
           "            count += 1\n"
           "    return count"),
    Mutant("modes_covered", "np.hypot of the coordinate differences, sum of a generator",
           "samples = np.asarray(samples, dtype=float)\n"
           "    centers = np.asarray(centers, dtype=float)\n"
           "    diff = samples[:, None, :] - centers[None, :, :]          # (N, K, 2)\n"
           "    dist = np.sqrt(np.sum(diff ** 2, axis=-1))                 # (N, K)\n"
           "    return int(np.sum(np.any(dist <= radius, axis=0)))",
           "dx = samples[:, 0][:, None] - centers[:, 0][None, :]\n"
           "    dy = samples[:, 1][:, None] - centers[:, 1][None, :]\n"
           "    near = np.hypot(dx, dy) <= radius\n"
           "    return sum(1 for k in range(len(centers)) if near[:, k].any())"),
    Mutant("interpolate_latents", "np.linspace between the two vectors",
           "z0 = np.asarray(z0, dtype=float)\n"
           "    z1 = np.asarray(z1, dtype=float)\n"
           "    t = np.linspace(0.0, 1.0, steps)[:, None]\n"
           "    return (1.0 - t) * z0[None, :] + t * z1[None, :]",
           "return np.linspace(z0, z1, steps, dtype=float)"),
    Mutant("interpolate_latents", "rows built in a loop, z0 + t (z1 - z0)",
           "z0 = np.asarray(z0, dtype=float)\n"
           "    z1 = np.asarray(z1, dtype=float)\n"
           "    t = np.linspace(0.0, 1.0, steps)[:, None]\n"
           "    return (1.0 - t) * z0[None, :] + t * z1[None, :]",
           "rows = [z0 + t * (z1 - z0) for t in np.linspace(0.0, 1.0, steps)]\n"
           "    return np.array(rows, dtype=float)"),
    # DCGAN generator
    Mutant("build_dcgan_generator",
           "functional API, Activation('relu') layers, tuple kernel sizes and strides",
           DCGAN_SEQUENTIAL,
           "z = keras.Input(shape=(latent_dim,))\n"
           "    h = keras.layers.Dense(units=4 * filters, use_bias=False, activation=None)(z)\n"
           "    h = keras.layers.Reshape(target_shape=(2, 2, filters))(h)\n"
           "    h = keras.layers.Activation(\"relu\")(keras.layers.BatchNormalization()(h))\n"
           "    h = keras.layers.Conv2DTranspose(filters=filters // 2, kernel_size=(4, 4),\n"
           '                                     strides=(2, 2), padding="same",\n'
           "                                     use_bias=False)(h)\n"
           "    h = keras.layers.BatchNormalization()(h)\n"
           "    h = keras.layers.Activation(keras.activations.relu)(h)\n"
           "    images = keras.layers.Conv2DTranspose(1, (4, 4), strides=(2, 2), padding='same',\n"
           "                                          activation=keras.activations.tanh)(h)\n"
           "    return keras.Model(z, images)"),
    Mutant("build_dcgan_generator",
           "Sequential built with add(), a loop over the normalised stages",
           DCGAN_SEQUENTIAL,
           "model = keras.Sequential()\n"
           "    model.add(keras.Input(shape=(latent_dim,)))\n"
           "    model.add(keras.layers.Dense(2 * 2 * filters, use_bias=False))\n"
           "    model.add(keras.layers.Reshape((2, 2, filters)))\n"
           "    for channels in (filters // 2, None):\n"
           "        model.add(keras.layers.BatchNormalization())\n"
           "        model.add(keras.layers.ReLU())\n"
           "        if channels is not None:\n"
           "            model.add(keras.layers.Conv2DTranspose(\n"
           '                channels, 4, strides=2, padding="same", use_bias=False))\n'
           "    model.add(keras.layers.Conv2DTranspose(\n"
           '        1, 4, strides=2, padding="same", activation="tanh"))\n'
           "    return model"),
    # WGAN-GP critic loss
    Mutant("wgan_gp_critic_loss", "batch_jacobian and tf.norm of the flattened gradients",
           WGAN_TAPE + WGAN_NORMS,
           "    with tf.GradientTape() as tape:\n"
           "        tape.watch(interpolates)\n"
           "        scores = critic(interpolates)\n"
           "    jacobian = tape.batch_jacobian(scores, interpolates)    # (N, 1, ...)\n"
           "    norms = tf.norm(tf.reshape(jacobian, [real.shape[0], -1]), axis=1)\n"),
    Mutant("wgan_gp_critic_loss",
           "fake + epsilon (real - fake), squares summed over the non-batch axes, keras.ops means",
           WGAN_WASSERSTEIN + WGAN_TAPE + WGAN_NORMS
           + "    penalty = tf.reduce_mean(tf.square(norms - 1.0))\n",
           "    wasserstein = keras.ops.mean(critic(fake)) - keras.ops.mean(critic(real))\n"
           "    interpolates = fake + epsilon * (real - fake)\n"
           "    with tf.GradientTape() as tape:\n"
           "        tape.watch(interpolates)\n"
           "        total_score = tf.reduce_sum(critic(interpolates))\n"
           "    grads = tape.gradient(total_score, interpolates)\n"
           "    squares = tf.reduce_sum(grads ** 2, axis=list(range(1, len(grads.shape))))\n"
           "    norms = tf.sqrt(squares + 1e-12)\n"
           "    penalty = keras.ops.mean((norms - 1.0) ** 2)\n"),
    # multiple choice
    Mutant("MC_LOSSES", "set of a string",
           'MC_LOSSES = {"a", "c", "e", "f"}', 'MC_LOSSES = set("acef")'),
    Mutant("MC_NONSATURATING", "letters in another order",
           'MC_NONSATURATING = {"a", "b", "c"}', 'MC_NONSATURATING = {"c", "b", "a"}'),
    Mutant("MC_MODE_COLLAPSE", "frozenset",
           'MC_MODE_COLLAPSE = {"a", "c", "d", "f"}', 'MC_MODE_COLLAPSE = frozenset("fdca")'),
    Mutant("MC_EVALUATION", "set() of a list",
           'MC_EVALUATION = {"a", "b", "c", "f"}', 'MC_EVALUATION = set(["f", "a", "b", "c"])'),
    Mutant("MC_LATENT", "set comprehension over a string",
           'MC_LATENT = {"a", "c", "d"}', 'MC_LATENT = {letter for letter in "acd"}'),
    Mutant("MC_APPLICATIONS", "set of a string, another order",
           'MC_APPLICATIONS = {"a", "b", "c", "e"}', 'MC_APPLICATIONS = set("ecba")'),
    Mutant("MC_ARCHITECTURES", "set of a string, another order",
           'MC_ARCHITECTURES = {"a", "b", "d", "f"}', 'MC_ARCHITECTURES = set("fdba")'),
]
