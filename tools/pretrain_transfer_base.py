"""Pretrain the base network that chapter 09_transfer_learning reuses (our small "model zoo").

Source task
    Classify noisy scans of the handwritten digits 0-4. The images are scikit-learn's 8x8
    digits (``utils.datasets.load_digits(images=True)``, the course's fixed split with seed 0,
    pixels in [0, 1]) of the classes 0, 1, 2, 3, 4 only, from the TRAINING part of the split
    (675 images). Each image is used in ``COPIES`` = 100 copies, each with its own Gaussian
    "scanner" noise of standard deviation ``NOISE`` = 0.45 (67,500 noisy scans). The base
    never sees the digits 5-9, the target classes of the chapter.

Architecture (Keras functional model ``digits_0to4_base``, input ``(8, 8, 1)``)
    conv1 Conv2D(16, 3x3, same, no bias) -> bn1 BatchNormalization -> relu1
    conv2 Conv2D(32, 3x3, same, no bias) -> bn2 BatchNormalization -> relu2 -> pool MaxPooling2D(2)
    conv3 Conv2D(128, 3x3, same, no bias) -> bn3 BatchNormalization -> relu3
    features GlobalAveragePooling2D (128 numbers per image)   <- the feature part ends here
    head Dense(5, softmax)                                    <- the source classifier
    BatchNormalization uses momentum 0.9 (the moving statistics settle within a few dozen steps,
    which matters when the same architecture is trained from scratch on 100 images).

Training
    ``utils.set_seed(SEED)`` with SEED = 0 (Python, NumPy, TensorFlow seeds and deterministic
    TensorFlow kernels), Adam with a cosine learning-rate decay from 3e-3 to 0, sparse
    categorical cross-entropy, ``EPOCHS`` = 8 epochs, batch size 64. The script prints the
    training accuracy and the accuracy on noisy scans of the held-out test digits 0-4.

Artifact
    An uncompiled copy of the trained model (no optimizer state) is written to
    ``source/09_transfer_learning/digits_0to4_base.keras`` (about 0.2 MB), committed next to the
    notebook; nbgrader copies it to the student release and the grading folders, and the notebook
    loads it with ``keras.saving.load_model("digits_0to4_base.keras")``.

Regenerate (from the repository root)
    .venv/bin/python tools/pretrain_transfer_base.py

The weights are reproducible on the same machine and TensorFlow version (the ``.keras`` zip
also stores the save date, so the file bytes differ between runs). After regenerating, run the
chapter notebook again: its numbers come from these weights.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402
import numpy as np  # noqa: E402

import utils  # noqa: E402
from utils.datasets import add_scan_noise  # noqa: E402

SEED = 0
SOURCE_CLASSES = (0, 1, 2, 3, 4)
NOISE = 0.45
COPIES = 100
EPOCHS = 8
BATCH_SIZE = 64
LEARNING_RATE = 3e-3
ARTIFACT = ROOT / "source" / "09_transfer_learning" / "digits_0to4_base.keras"


def build_base(n_classes: int = len(SOURCE_CLASSES)) -> keras.Model:
    """The base architecture described in the module docstring (fresh random weights)."""
    inputs = keras.Input((8, 8, 1), name="scan")
    x = inputs
    for index, filters in enumerate((16, 32, 128), start=1):
        x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False,
                                name=f"conv{index}")(x)
        x = keras.layers.BatchNormalization(momentum=0.9, name=f"bn{index}")(x)
        x = keras.layers.Activation("relu", name=f"relu{index}")(x)
        if index == 2:
            x = keras.layers.MaxPooling2D(2, name="pool")(x)
    features = keras.layers.GlobalAveragePooling2D(name="features")(x)
    outputs = keras.layers.Dense(n_classes, activation="softmax", name="head")(features)
    return keras.Model(inputs, outputs, name="digits_0to4_base")


def main() -> None:
    start = time.perf_counter()
    utils.set_seed(SEED)
    digits = utils.datasets.load_digits(images=True)
    in_source = np.isin(digits.y_train, SOURCE_CLASSES)
    X_clean, y_clean = digits.X_train[in_source], digits.y_train[in_source]
    X_train = add_scan_noise(np.tile(X_clean, (COPIES, 1, 1, 1)), seed=SEED + 1)
    y_train = np.tile(y_clean, COPIES)
    in_source_test = np.isin(digits.y_test, SOURCE_CLASSES)
    X_test = add_scan_noise(digits.X_test[in_source_test], seed=SEED + 2)
    y_test = digits.y_test[in_source_test]

    model = build_base()
    steps = EPOCHS * int(np.ceil(len(X_train) / BATCH_SIZE))
    schedule = keras.optimizers.schedules.CosineDecay(LEARNING_RATE, decay_steps=steps)
    model.compile(optimizer=keras.optimizers.Adam(schedule),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = utils.training.fit(model, X_train, y_train, epochs=EPOCHS, batch_size=BATCH_SIZE)

    artifact = build_base()            # uncompiled: no optimizer state in the file
    artifact.set_weights(model.get_weights())
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    artifact.save(ARTIFACT)

    print(f"source task: digits {SOURCE_CLASSES} of the training split, {len(X_clean)} images x "
          f"{COPIES} noisy copies (noise std {NOISE}) = {len(X_train)} scans; seed {SEED}")
    print(f"model: {artifact.name}, {artifact.count_params():,} parameters, layers "
          f"{[layer.name for layer in artifact.layers]}")
    print(f"trained {EPOCHS} epochs: training accuracy {history.history['accuracy'][-1]:.3f}, "
          f"accuracy on {len(X_test)} noisy test scans of the source classes "
          f"{utils.training.accuracy(artifact, X_test, y_test):.3f}")
    print(f"wrote {ARTIFACT.relative_to(ROOT)} ({ARTIFACT.stat().st_size / 1024:.0f} KiB) "
          f"in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
