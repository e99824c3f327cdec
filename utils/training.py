"""Small Keras training helpers that keep notebook cells short and quiet.

Taught in 01_ann_basics (first Keras model); used by later chapters.
"""

from __future__ import annotations

import numpy as np


def fit(model, X, y, epochs: int = 10, batch_size: int = 32, validation_data=None,
        callbacks=None, shuffle: bool = True):
    """``model.fit`` without the per-batch progress output; returns the ``History``."""
    return model.fit(X, y, epochs=epochs, batch_size=batch_size, validation_data=validation_data,
                     callbacks=callbacks, shuffle=shuffle, verbose=0)


def predict(model, X, batch_size: int = 1024) -> np.ndarray:
    """The model's outputs for ``X`` (inference mode), as a NumPy array.

    Calls the model directly in batches instead of ``model.predict``, which compiles a new
    TensorFlow function for every model and warns when a notebook builds many models.
    """
    X = np.asarray(X)
    parts = [np.asarray(model(X[i:i + batch_size], training=False))
             for i in range(0, len(X), batch_size)]
    return np.concatenate(parts)


def accuracy(model, X, y) -> float:
    """Share of correct predictions of a classifier on ``X`` ``(N, ...)`` and labels ``y`` ``(N,)``.

    A single output unit is read as the probability of class 1 (threshold 0.5); several
    output units as class scores (argmax).
    """
    scores = predict(model, X)
    if scores.ndim == 2 and scores.shape[1] > 1:
        labels = scores.argmax(axis=1)
    else:
        labels = (scores.reshape(-1) > 0.5).astype(int)
    return float(np.mean(labels == np.asarray(y).reshape(-1)))
