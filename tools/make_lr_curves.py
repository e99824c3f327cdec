"""Make the four learning-rate loss curves that chapter 05_optimizers asks students to diagnose.

Recipe (Section 9 of the chapter)
    The network 64 -> Dense(32, ReLU) -> Dense(10) (logits) on scikit-learn's digits
    (``utils.datasets.load_digits()``, the course's fixed split with seed 0, 1,347 training
    images), sparse categorical cross-entropy from logits, Adam, ``EPOCHS`` = 15 epochs with
    batch size ``BATCH_SIZE`` = 128. Before each run ``utils.set_seed(SEED)`` with SEED = 5, so
    every run starts from the same initial weights and sees the batches in the same order; the
    runs differ only in the learning rate, one of ``RATES`` = 3, 0.3, 1e-4 and 1e-2.

Curve
    The training loss before training (epoch 0, ``model.evaluate`` on the training set) and
    the mean training loss of each of the 15 epochs (``History``): 16 numbers per run.

Letters
    The runs are labelled A-D in shuffled order: letter ``"ABCD"[i]`` is the run with
    ``RATES[order[i]]``, where ``order = np.random.default_rng(ORDER_SEED).permutation(4)``
    and ORDER_SEED = 2024.

Artifact
    ``utils/data/lr_curves.json``: ``{"A": [16 losses], ..., "D": [...]}``, losses rounded to
    7 significant digits; the learning rates are not stored. The notebook reads it with
    ``utils.datasets.load_lr_curves()``.

Regenerate (from the repository root)
    .venv/bin/python tools/make_lr_curves.py

TensorFlow runs with one thread per kernel (``COURSE_TF_THREADS=1``, as in grading) and
deterministic kernels; ``tests/test_utils.py`` checks that the stored curves are what this
recipe produces. After regenerating, run the chapter notebook again and check its answer key.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from utils.runtime import THREADS_ENV  # noqa: E402

SEED = 5
RATES = (3.0, 0.3, 1e-4, 1e-2)
ORDER_SEED = 2024
EPOCHS = 15
BATCH_SIZE = 128
ARTIFACT = ROOT / "utils" / "data" / "lr_curves.json"


def loss_curve(learning_rate: float, X: np.ndarray, y: np.ndarray,
               epochs: int = EPOCHS) -> list[float]:
    """Training loss before training and after each of ``epochs`` epochs of Adam at
    ``learning_rate`` (``epochs + 1`` numbers), from the seeded initial weights."""
    import keras

    import utils

    utils.set_seed(SEED)
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(32, activation="relu"),
                              keras.layers.Dense(10)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    start = model.evaluate(X, y, batch_size=512, verbose=0)
    history = utils.training.fit(model, X, y, epochs=epochs, batch_size=BATCH_SIZE)
    return [float(start)] + [float(loss) for loss in history.history["loss"]]


def make_curves() -> dict[str, list[float]]:
    """The four curves, keyed by letter in the shuffled order described in the docstring."""
    os.environ.setdefault(THREADS_ENV, "1")
    import utils

    digits = utils.datasets.load_digits()
    order = np.random.default_rng(ORDER_SEED).permutation(len(RATES))
    return {letter: loss_curve(RATES[k], digits.X_train, digits.y_train)
            for letter, k in zip("ABCD", order, strict=True)}


def main() -> None:
    curves = {letter: [float(f"{loss:.7g}") for loss in curve]
              for letter, curve in make_curves().items()}
    ARTIFACT.write_text(json.dumps(curves, indent=1) + "\n")
    for letter, curve in curves.items():
        print(f"{letter}: start {curve[0]:.3f}, highest {max(curve):9.3f}, "
              f"after {EPOCHS} epochs {curve[-1]:.3f}")
    print(f"wrote {ARTIFACT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
