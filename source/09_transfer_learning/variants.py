"""Right answers in other idioms for 09_transfer_learning: each must keep its test's full points."""

from course.authoring.mutants import Mutant

FEATURE_PART = ('    feature_part = keras.Model(base_model.input, '
                'base_model.get_layer("features").output, name="base")\n')

VARIANTS = [
    # counting parameters
    Mutant("count_trainable_params", "explicit loops that multiply the dimensions",
           "    return int(sum(int(np.prod(w.shape)) for w in model.trainable_weights))",
           "    total = 0\n"
           "    for weight in model.trainable_weights:\n"
           "        size = 1\n"
           "        for dim in weight.shape:\n"
           "            size *= dim\n"
           "        total += size\n"
           "    return total"),
    Mutant("count_trainable_params", "size of each tensor's NumPy value",
           "    return int(sum(int(np.prod(w.shape)) for w in model.trainable_weights))",
           "    return sum(w.numpy().size for w in model.trainable_weights)"),
    # feature extraction
    Mutant("build_feature_extractor", "freezes the whole pretrained model before cutting it; "
           "keyword arguments and input_shape",
           '''    if n_classes < 2:
        raise ValueError(f"n_classes must be at least 2, got {n_classes}")
''' + FEATURE_PART + '''    feature_part.trainable = False
    inputs = keras.Input(base_model.input.shape[1:], name="image")
    features = feature_part(inputs, training=False)
    outputs = keras.layers.Dense(n_classes, activation="softmax", name="new_head")(features)
    return keras.Model(inputs, outputs, name="feature_extractor")''',
           '''    if not n_classes >= 2:
        raise ValueError("need at least two classes")
    base_model.trainable = False
    feature_part = keras.Model(inputs=base_model.input,
                               outputs=base_model.get_layer("features").output, name="base")
    inputs = keras.Input(shape=base_model.input_shape[1:])
    head = keras.layers.Dense(units=n_classes, activation="softmax", name="new_head")
    return keras.Model(inputs=inputs, outputs=head(feature_part(inputs, training=False)))'''),
    Mutant("build_feature_extractor", "finds the cut layer by scanning the layers; softmax as a "
           "Keras function; freezes every layer of the feature part one by one",
           FEATURE_PART + '''    feature_part.trainable = False
    inputs = keras.Input(base_model.input.shape[1:], name="image")
    features = feature_part(inputs, training=False)
    outputs = keras.layers.Dense(n_classes, activation="softmax", name="new_head")(features)''',
           '''    cut = next(layer for layer in base_model.layers if layer.name == "features")
    feature_part = keras.Model(base_model.input, cut.output, name="base")
    for layer in feature_part.layers:
        layer.trainable = False
    inputs = keras.Input(tuple(base_model.input.shape)[1:])
    features = feature_part(inputs, training=False)
    outputs = keras.layers.Dense(n_classes, activation=keras.activations.softmax,
                                 name="new_head")(features)'''),
    # unfreezing
    Mutant("unfreeze_top", "freezes everything, then unfreezes the reversed list's first n layers",
           """    if not 0 <= n_layers <= len(weight_layers):
        raise ValueError(f"n_layers must be in [0, {len(weight_layers)}], got {n_layers}")
    top = weight_layers[len(weight_layers) - n_layers:]
    base.trainable = True
    for layer in base.layers:
        layer.trainable = any(layer is chosen for chosen in top)""",
           """    if n_layers < 0 or n_layers > len(weight_layers):
        raise ValueError("n_layers out of range")
    base.trainable = True
    for layer in base.layers:
        layer.trainable = False
    for layer in weight_layers[::-1][:n_layers]:
        layer.trainable = True"""),
    Mutant("unfreeze_top", "chooses the layers by name, finds weight layers with count_params()",
           """    weight_layers = [layer for layer in base.layers
                     if layer.weights and not isinstance(layer, keras.layers.BatchNormalization)]
    if not 0 <= n_layers <= len(weight_layers):
        raise ValueError(f"n_layers must be in [0, {len(weight_layers)}], got {n_layers}")
    top = weight_layers[len(weight_layers) - n_layers:]
    base.trainable = True
    for layer in base.layers:
        layer.trainable = any(layer is chosen for chosen in top)""",
           """    names = [layer.name for layer in base.layers
             if layer.count_params() > 0 and not isinstance(layer, keras.layers.BatchNormalization)]
    if not 0 <= n_layers <= len(names):
        raise ValueError(f"n_layers must be in [0, {len(names)}], got {n_layers}")
    chosen = set(names[len(names) - n_layers:])
    base.trainable = True
    for layer in base.layers:
        layer.trainable = layer.name in chosen"""),
    # compiling
    Mutant("compile_for_fine_tuning", "loss and metric given as Keras objects",
           'loss="sparse_categorical_crossentropy", metrics=["accuracy"]',
           "loss=keras.losses.SparseCategoricalCrossentropy(),\n"
           "                  metrics=[keras.metrics.SparseCategoricalAccuracy()]"),
    Mutant("compile_for_fine_tuning", "loss and metric given as Keras functions",
           'loss="sparse_categorical_crossentropy", metrics=["accuracy"]',
           "loss=keras.losses.sparse_categorical_crossentropy,\n"
           "                  metrics=[keras.metrics.sparse_categorical_accuracy]"),
    Mutant("compile_for_fine_tuning", "positional learning rate, the metric alias 'acc', <= check",
           """    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be positive, got {learning_rate}")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])""",
           """    if learning_rate <= 0:
        raise ValueError("learning_rate must be positive")
    optimizer = keras.optimizers.Adam(learning_rate)
    model.compile(optimizer, "sparse_categorical_crossentropy", metrics=["acc"])"""),
    # differential learning rates
    Mutant("differential_learning_rates", "list comprehension over the groups",
           """    exponents = np.arange(n_groups - 1, -1, -1)
    return top_lr / float(factor) ** exponents""",
           """    rates = [top_lr / factor ** (n_groups - 1 - g) for g in range(n_groups)]
    return np.array(rates, dtype=float)"""),
    Mutant("differential_learning_rates", "np.geomspace from the bottom rate to the top rate",
           """    exponents = np.arange(n_groups - 1, -1, -1)
    return top_lr / float(factor) ** exponents""",
           """    return np.geomspace(top_lr / factor ** (n_groups - 1), top_lr, n_groups)"""),
    Mutant("differential_learning_rates", "divides repeatedly, building the list from the top down",
           """    exponents = np.arange(n_groups - 1, -1, -1)
    return top_lr / float(factor) ** exponents""",
           """    rates = [float(top_lr)]
    while len(rates) < n_groups:
        rates.insert(0, rates[0] / factor)
    return np.array(rates)"""),
    # choosing on validation
    Mutant("choose_by_validation",
           "one loop that keeps the best candidate so far; dict-view comparison",
           """    if not val_accuracy:
        raise ValueError("val_accuracy is empty: nothing to choose from")
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance}")
    if set(val_accuracy) != set(n_trainable):
        raise ValueError("val_accuracy and n_trainable must have the same configurations")
    best = max(val_accuracy.values())
    tied = [config for config, accuracy in val_accuracy.items() if accuracy >= best - tolerance]
    return min(tied, key=lambda config: (n_trainable[config], -val_accuracy[config]))""",
           """    if (len(val_accuracy) == 0 or tolerance < 0
            or val_accuracy.keys() != n_trainable.keys()):
        raise ValueError("need a non-empty dict, tolerance >= 0 and the same configurations")
    best = max(val_accuracy.values())
    chosen = None
    for config, accuracy in val_accuracy.items():
        if accuracy < best - tolerance:
            continue
        if chosen is None or n_trainable[config] < n_trainable[chosen]:
            chosen = config
        elif n_trainable[config] == n_trainable[chosen] and accuracy > val_accuracy[chosen]:
            chosen = config
    return chosen"""),
    Mutant("choose_by_validation",
           "stable sort by accuracy (descending), then by size; NumPy maximum",
           """    best = max(val_accuracy.values())
    tied = [config for config, accuracy in val_accuracy.items() if accuracy >= best - tolerance]
    return min(tied, key=lambda config: (n_trainable[config], -val_accuracy[config]))""",
           """    best = np.max(list(val_accuracy.values()))
    ranked = sorted(val_accuracy, key=lambda config: -val_accuracy[config])
    ranked = sorted(ranked, key=lambda config: n_trainable[config])
    return next(config for config in ranked if val_accuracy[config] >= best - tolerance)"""),
    # multiple choice
    Mutant("MC_EARLY_FEATURES", "set of a string",
           'MC_EARLY_FEATURES = {"a", "c", "d"}', 'MC_EARLY_FEATURES = set("acd")'),
    Mutant("MC_MODEL_ZOO", "letters in another order, as a frozenset",
           'MC_MODEL_ZOO = {"a", "b", "d", "e"}', 'MC_MODEL_ZOO = frozenset({"e", "d", "b", "a"})'),
    Mutant("MC_FINE_TUNING", "set of a list",
           'MC_FINE_TUNING = {"a", "b", "c", "e", "f"}',
           'MC_FINE_TUNING = set(["f", "e", "c", "b", "a"])'),
    Mutant("MC_STRATEGY", "letters in another order",
           'MC_STRATEGY = {"a", "b", "d"}', "MC_STRATEGY = {'d', 'b', 'a'}"),
    Mutant("MC_DOMAIN_ADAPTATION", "set of a string, letters in another order",
           'MC_DOMAIN_ADAPTATION = {"a", "b", "d", "e"}', 'MC_DOMAIN_ADAPTATION = set("edba")'),
]
