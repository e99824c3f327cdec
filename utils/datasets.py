"""Offline, deterministic data sets for the course.

Every loader uses only data that ships with an installed package (scikit-learn's bundled
sets) or data generated here, so nothing is downloaded. The same arguments always give the
same arrays. Splits are returned as a ``Split`` (``X_train, X_test, y_train, y_test``),
which unpacks like ``sklearn.model_selection.train_test_split``.

Taught in: 01_ann_basics (XOR, breast cancer), 02_backprop (sine regression, spirals), later
chapters add to this module.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from sklearn import datasets as _sk
from sklearn.model_selection import train_test_split


class Split(NamedTuple):
    """A fixed train/test split: features ``(N, ...)`` and targets ``(N,)`` for each part."""

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray


def _split(X, y, test_size: float, seed: int, stratify: bool) -> Split:
    parts = train_test_split(
        X, y, test_size=test_size, random_state=seed, stratify=y if stratify else None
    )
    return Split(*parts)


def _standardize(split: Split) -> Split:
    """Scale features to zero mean and unit variance using training statistics only."""
    mean = split.X_train.mean(axis=0)
    std = split.X_train.std(axis=0)
    std[std == 0] = 1.0
    return split._replace(X_train=(split.X_train - mean) / std, X_test=(split.X_test - mean) / std)


def make_xor(n_per_corner: int = 1, noise: float = 0.0, seed: int = 0):
    """The XOR problem: inputs at the corners of the unit square, label ``x1 XOR x2``.

    Returns ``X`` of shape ``(4 * n_per_corner, 2)`` (float32) and ``y`` of shape
    ``(4 * n_per_corner,)`` (int64). With ``noise > 0`` each point is jittered by Gaussian
    noise of that standard deviation, giving four clouds.
    """
    corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    labels = np.array([0, 1, 1, 0], dtype=np.int64)
    X = np.repeat(corners, n_per_corner, axis=0)
    y = np.repeat(labels, n_per_corner)
    if noise > 0:
        rng = np.random.default_rng(seed)
        X = X + rng.normal(0.0, noise, size=X.shape).astype(np.float32)
    return X, y


def make_spirals(n_per_class: int = 100, n_classes: int = 2, noise: float = 0.2, seed: int = 0):
    """Interleaved spirals in the plane, a classic non-linear classification task.

    Returns ``X`` of shape ``(n_classes * n_per_class, 2)`` (float32) and integer labels ``y``
    of shape ``(n_classes * n_per_class,)``.
    """
    rng = np.random.default_rng(seed)
    X, y = [], []
    for k in range(n_classes):
        radius = np.linspace(0.0, 1.0, n_per_class)
        angle = np.linspace(k * 4.0, (k + 1) * 4.0, n_per_class) + rng.normal(
            0.0, noise, n_per_class
        )
        X.append(np.column_stack([radius * np.sin(angle), radius * np.cos(angle)]))
        y.append(np.full(n_per_class, k))
    return np.concatenate(X).astype(np.float32), np.concatenate(y).astype(np.int64)


def make_sine_regression(n: int = 200, noise: float = 0.1, seed: int = 0):
    """Noisy samples of ``y = sin(x)`` on ``[-pi, pi]``.

    Returns ``X`` of shape ``(n, 1)`` and ``y`` of shape ``(n, 1)``, both float32.
    """
    rng = np.random.default_rng(seed)
    X = rng.uniform(-np.pi, np.pi, size=(n, 1))
    y = np.sin(X) + rng.normal(0.0, noise, size=(n, 1))
    return X.astype(np.float32), y.astype(np.float32)


def load_breast_cancer(test_size: float = 0.2, seed: int = 0, standardize: bool = True) -> Split:
    """Wisconsin breast-cancer data (569 tumours, 30 features; 1 = benign, 0 = malignant).

    Stratified split fixed by ``seed``; with ``standardize`` features are scaled with the
    training set's mean and standard deviation. Features are float32, labels int64.
    """
    data = _sk.load_breast_cancer()
    split = _split(data.data.astype(np.float32), data.target.astype(np.int64), test_size, seed,
                   stratify=True)
    return _standardize(split) if standardize else split


def load_digits(test_size: float = 0.25, seed: int = 0, images: bool = False) -> Split:
    """scikit-learn's 8x8 handwritten digits (1,797 images, 10 classes).

    Pixels are scaled to ``[0, 1]``. Features have shape ``(N, 64)``, or ``(N, 8, 8, 1)`` with
    ``images=True`` (for convolutional networks). Stratified split fixed by ``seed``.
    """
    data = _sk.load_digits()
    X = (data.data / 16.0).astype(np.float32)
    if images:
        X = X.reshape(-1, 8, 8, 1)
    return _split(X, data.target.astype(np.int64), test_size, seed, stratify=True)
