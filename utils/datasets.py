"""Offline, deterministic data sets for the course.

Every loader uses only data that ships with an installed package (scikit-learn's bundled
sets) or data generated here, so nothing is downloaded. The same arguments always give the
same arrays.

One signature style throughout: the data a function works on come first, then its options, then
the keyword-only ``seed`` that fixes every random draw. Loaders and generators default to
``seed=0``; the two transforms of given images (``shift_digits``, ``add_scan_noise``) require a
seed, so that every call states which draw it makes. Train/test splits are returned as a
``Split`` (``X_train, X_test, y_train, y_test``), which unpacks like
``sklearn.model_selection.train_test_split``; ``load_noisy_digits`` adds the correct training
labels as a fifth field (``NoisyLabelSplit``). Pixels are in ``[0, 1]``; features are float32
and class labels int64 unless a docstring says otherwise.

Taught in: 01_ann_basics (XOR, breast cancer), 02_backprop (sine regression, XOR),
03_activations (XOR, digits), 04_regularization (noisy digits, shifts), 05_optimizers (digits,
the stored learning-rate curves), 06_cnn (digit images), 07_rnn (negation sentences, adding
problem, sunspots), 08_gan (ring of Gaussians, digits), 09_transfer_learning (digit images with
scan noise), 10_ethics_bias (synthetic hiring data, German credit data). ``make_spirals`` is
kept for exercises of one's own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
from sklearn import datasets as _sk
from sklearn.model_selection import train_test_split

__all__ = [
    "Split", "NoisyLabelSplit",
    "make_xor", "make_spirals", "make_sine_regression", "load_breast_cancer", "load_digits",
    "load_noisy_digits", "shift_digits", "add_scan_noise", "make_ring_of_gaussians",
    "make_adding_problem", "make_negation_sentences", "build_vocabulary", "encode_sentences",
    "bag_of_words", "load_sunspots", "make_hiring", "load_german_credit", "load_lr_curves",
    "SUBJECTS", "VERBS", "POSITIVE", "NEGATIVE", "INTENSIFIERS",
]

DATA_DIR = Path(__file__).parent / "data"  # files kept in the repository (see data/README.md)


class Split(NamedTuple):
    """A fixed train/test split: features ``(N, ...)`` and targets ``(N,)`` for each part."""

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray


class NoisyLabelSplit(NamedTuple):
    """A ``Split`` whose training labels are partly wrong, with the correct training labels
    ``y_train_clean`` (same shape as ``y_train``) as a fifth field."""

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    y_train_clean: np.ndarray


def _split(X: np.ndarray, y: np.ndarray, test_size: float, seed: int, stratify: bool) -> Split:
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


def make_xor(n_per_corner: int = 1, noise: float = 0.0, *,
             seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
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


def make_spirals(n_per_class: int = 100, n_classes: int = 2, noise: float = 0.2, *,
                 seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spirals in the plane, a classic non-linear classification task.

    Points have radius 0 to 1; ``noise`` is the standard deviation (radians) of Gaussian jitter
    added to each point's angle. Returns ``X`` of shape ``(n_classes * n_per_class, 2)``
    (float32) and labels ``y`` of shape ``(n_classes * n_per_class,)`` (int64, the spiral's
    index ``0``-``n_classes - 1``).
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


def make_sine_regression(n: int = 200, noise: float = 0.1, *,
                         seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Noisy samples of ``y = sin(x)``, ``x`` uniform on ``[-pi, pi]`` (radians), plus Gaussian
    noise of standard deviation ``noise``.

    Returns ``X`` of shape ``(n, 1)`` and ``y`` of shape ``(n, 1)``, both float32.
    """
    rng = np.random.default_rng(seed)
    X = rng.uniform(-np.pi, np.pi, size=(n, 1))
    y = np.sin(X) + rng.normal(0.0, noise, size=(n, 1))
    return X.astype(np.float32), y.astype(np.float32)


def load_breast_cancer(test_size: float = 0.2, standardize: bool = True, *,
                       seed: int = 0) -> Split:
    """Wisconsin breast-cancer data (569 tumours, 30 features; 1 = benign, 0 = malignant).

    Stratified split fixed by ``seed``, ``test_size`` the share of tumours held out (default:
    455 train, 114 test). Features ``(N, 30)`` float32: the raw cell-nucleus measurements
    (radius, texture, area, ...), or with ``standardize`` those scaled by the training set's
    mean and standard deviation; labels ``(N,)`` int64.
    """
    data = _sk.load_breast_cancer()
    split = _split(data.data.astype(np.float32), data.target.astype(np.int64), test_size, seed,
                   stratify=True)
    return _standardize(split) if standardize else split


def load_digits(test_size: float = 0.25, images: bool = False, *, seed: int = 0) -> Split:
    """scikit-learn's 8x8 handwritten digits (1,797 images, 10 classes).

    Pixels are float32 scaled to ``[0, 1]``. Features have shape ``(N, 64)``, or
    ``(N, 8, 8, 1)`` with ``images=True`` (for convolutional networks); labels ``(N,)`` int64,
    the digit ``0``-``9``. Stratified split fixed by ``seed``, ``test_size`` the share held out
    (default: 1,347 train, 450 test).
    """
    data = _sk.load_digits()
    X = (data.data / 16.0).astype(np.float32)
    if images:
        X = X.reshape(-1, 8, 8, 1)
    return _split(X, data.target.astype(np.int64), test_size, seed, stratify=True)


def load_noisy_digits(n_train: int = 300, noise: float = 0.3, *,
                      seed: int = 0) -> NoisyLabelSplit:
    """A small digits training set with noisy labels, and a clean held-out set
    (04_regularization's overfitting experiments).

    The first ``n_train`` images of ``load_digits(seed=seed)``'s training split;
    ``round(noise * n_train)`` of them, chosen at random, get a wrong label (another digit).
    Returns a ``NoisyLabelSplit``: ``X_train (n_train, 64)`` float32 with noisy labels
    ``y_train (n_train,)`` int64, the whole test split ``X_test (450, 64)``, ``y_test (450,)``
    with correct labels, and the correct training labels ``y_train_clean (n_train,)``.
    """
    digits = load_digits(test_size=0.25, seed=seed)
    rng = np.random.default_rng(seed)
    X_train, y_clean = digits.X_train[:n_train], digits.y_train[:n_train]
    y_noisy = y_clean.copy()
    flipped = rng.choice(n_train, size=int(round(noise * n_train)), replace=False)
    y_noisy[flipped] = (y_clean[flipped] + rng.integers(1, 10, size=flipped.size)) % 10
    return NoisyLabelSplit(X_train, digits.X_test, y_noisy, digits.y_test, y_clean)


def shift_digits(X: np.ndarray, p: float = 0.5, max_shift: int = 1, *,
                 seed: int | np.random.Generator) -> np.ndarray:
    """Data augmentation for flattened 8x8 images: each image, with probability ``p``, moves
    by ``(dy, dx)`` pixels drawn uniformly from ``{-max_shift, ..., max_shift}``, filling with
    zeros.

    ``X`` is ``(N, 64)``; returns a new ``(N, 64)`` array of the same dtype. ``seed`` is an int
    for a fixed draw, or a ``np.random.Generator`` whose stream the draw continues (a training
    loop passes its own generator, so every batch gets fresh shifts).
    """
    rng = np.random.default_rng(seed)  # a Generator is used as it is, not copied
    images = X.reshape(-1, 8, 8)
    padded = np.pad(images, ((0, 0), (max_shift, max_shift), (max_shift, max_shift)))
    dy, dx = rng.integers(0, 2 * max_shift + 1, size=(2, len(X)))
    shifted = np.stack([padded[i, dy[i]:dy[i] + 8, dx[i]:dx[i] + 8] for i in range(len(X))])
    keep = rng.random(len(X)) >= p
    shifted[keep] = images[keep]
    return shifted.reshape(len(X), 64)


def add_scan_noise(X: np.ndarray, noise: float = 0.45, *, seed: int) -> np.ndarray:
    """Digit scans: ``X`` plus Gaussian "scanner" noise of standard deviation ``noise`` (pixel
    units, clean pixels in ``[0, 1]``), drawn from ``seed``.

    Returns float32 of ``X``'s shape, e.g. ``(N, 8, 8, 1)``; values may leave ``[0, 1]``
    (09_transfer_learning's noisy scans, shared with ``tools/pretrain_transfer_base.py``).
    """
    rng = np.random.default_rng(seed)
    return (X + rng.normal(0.0, noise, X.shape)).astype(np.float32)


def make_ring_of_gaussians(n: int = 4096, n_modes: int = 8, radius: float = 2.0,
                           std: float = 0.1, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points from an equal mixture of ``n_modes`` Gaussians (standard deviation ``std``) whose
    centres lie evenly on a circle of radius ``radius`` around the origin (08_gan's mode
    collapse experiment).

    Returns ``X`` of shape ``(n, 2)`` and the centres of shape ``(n_modes, 2)``, both float32.
    """
    rng = np.random.default_rng(seed)
    angles = 2 * np.pi * np.arange(n_modes) / n_modes
    centres = radius * np.column_stack([np.cos(angles), np.sin(angles)])
    modes = rng.integers(0, n_modes, size=n)
    X = centres[modes] + rng.normal(0.0, std, size=(n, 2))
    return X.astype(np.float32), centres.astype(np.float32)


# ----------------------------------------------------------------------------- sequences (07)


def make_adding_problem(n: int, length: int, *,
                        seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem: ``n`` sequences of ``length`` steps with features (value, marker).

    Values are uniform in [0, 1]; the marker is 1 at one random step of the first half and one
    of the second half. Returns ``X (n, length, 2)`` float32 and ``y (n,)`` float32, the sum of
    the marked values (a long-range dependency for recurrent networks).
    """
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.0, 1.0, (n, length))
    markers = np.zeros((n, length))
    rows = np.arange(n)
    first = rng.integers(0, length // 2, n)
    second = rng.integers(length // 2, length, n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    X = np.stack([values, markers], axis=-1).astype(np.float32)
    y = (values[rows, first] + values[rows, second]).astype(np.float32)
    return X, y


SUBJECTS = ("the movie", "the film", "the plot", "the acting", "the ending", "this show")
VERBS = ("was", "is", "felt", "seemed")
POSITIVE = ("good", "great", "fun", "brilliant", "moving")
NEGATIVE = ("bad", "boring", "awful", "dull", "weak")
INTENSIFIERS = ("very", "really")


def make_negation_sentences(n: int, *, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Generated review sentences whose label (1 = positive) depends on negation and word order.

    A quarter are plain ("the movie was good"), a quarter negated ("the movie was not good",
    "not bad at all"), half are contrasts with one positive and one negative adjective and one "not"
    ("the plot was not dull , it was great", "the plot was great , not dull"). Returns (sentences,
    labels): a list of n strings (words separated by single spaces) and an int64 array (n,).
    """
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    sentences = []
    for label in labels:
        subject, verb = str(rng.choice(SUBJECTS)), str(rng.choice(VERBS))
        very = str(rng.choice(INTENSIFIERS))
        positive, negative = str(rng.choice(POSITIVE)), str(rng.choice(NEGATIVE))
        meant, opposite = (positive, negative) if label == 1 else (negative, positive)
        form, variant = rng.choice(["plain", "negated", "contrast", "contrast"]), rng.integers(3)
        if form == "plain":
            words = [subject, verb, meant] if variant < 2 else [subject, verb, very, meant]
        elif form == "negated":
            words = ([subject, verb, "not", opposite], [subject, verb, "not", very, opposite],
                     ["not", opposite, "at all"])[variant]
        else:
            words = [subject, verb, "not", opposite, ", it", verb, meant] if variant < 2 \
                else [subject, verb, meant, ", not", opposite]
        sentences.append(" ".join(words))
    return sentences, labels.astype(np.int64)


def build_vocabulary(sentences: Sequence[str]) -> dict[str, int]:
    """Map every word of the sentences (split on spaces) to an integer id >= 2, in alphabetical
    order (0 = ``"<pad>"``, padding; 1 = ``"<unk>"``, unknown word)."""
    words = sorted({word for sentence in sentences for word in sentence.split()})
    return {"<pad>": 0, "<unk>": 1, **{word: i + 2 for i, word in enumerate(words)}}


def encode_sentences(sentences: Sequence[str], vocabulary: Mapping[str, int],
                     max_len: int) -> np.ndarray:
    """Integer ids ``(len(sentences), max_len)`` int32, padded with 0 at the FRONT (long
    sentences keep their end, so the last time step is always the last word); words missing
    from ``vocabulary`` get id 1."""
    ids = np.zeros((len(sentences), max_len), dtype=np.int32)
    for row, sentence in enumerate(sentences):
        tokens = [vocabulary.get(word, 1) for word in sentence.split()][-max_len:]
        ids[row, max_len - len(tokens):] = tokens
    return ids


def bag_of_words(ids: np.ndarray, vocab_size: int) -> np.ndarray:
    """Word counts ``(N, vocab_size)`` float32 of encoded sentences ``ids (N, L)`` (integer ids
    below ``vocab_size``); padding is not counted."""
    counts = np.zeros((len(ids), vocab_size), dtype=np.float32)
    np.add.at(counts, (np.repeat(np.arange(len(ids)), ids.shape[1]), ids.ravel()), 1.0)
    counts[:, 0] = 0.0
    return counts


def load_sunspots() -> tuple[np.ndarray, np.ndarray]:
    """Yearly mean sunspot numbers bundled with statsmodels (1700-2008, no download):
    ``(years (309,) int64, values (309,) float64)``, a value being the year's mean sunspot
    number (a count, no unit)."""
    from statsmodels.datasets import sunspots

    data = sunspots.load_pandas().data
    return data["YEAR"].to_numpy().astype(int), data["SUNACTIVITY"].to_numpy(dtype=float)


# ----------------------------------------------------------------------------- fairness (10)


def make_hiring(n: int = 10_000, bias: float = 0.5, *, seed: int = 0) -> pd.DataFrame:
    """Synthetic job applicants with a known, tunable historical bias against women.

    Columns: `experience` (years, gamma-distributed, mean 6), `test_score` (normal, mean 60,
    sd 15, clipped to 0-100), `career_break` (months; 70 % of women and 10 % of men have one,
    lasting 18 and 6 months on average), `sex` ("female" with probability 0.35, else "male"),
    `qualified` (0/1: experience, test score and noise, the same rule for both sexes) and
    `hired` (0/1: the historical decision, equal to `qualified` except that each qualified woman
    was rejected with probability `bias`).

    Returns a pandas DataFrame with `n` rows. The same arguments give the same rows; with the same
    seed a larger `bias` rejects the same women plus some more.
    """
    rng = np.random.default_rng(seed)
    female = rng.random(n) < 0.35
    experience = np.round(rng.gamma(3.0, 2.0, n), 1)
    test_score = np.round(np.clip(rng.normal(60.0, 15.0, n), 0.0, 100.0), 1)
    has_break = rng.random(n) < np.where(female, 0.7, 0.1)
    break_months = np.ceil(rng.exponential(np.where(female, 18.0, 6.0)))
    career_break = np.where(has_break, break_months, 0).astype(int)
    merit = 0.5 * (experience - 6.0) / 3.5 + (test_score - 60.0) / 15.0 + rng.normal(0.0, 0.5, n)
    qualified = merit > 0.4
    rejected_anyway = female & (rng.random(n) < bias)
    hired = qualified & ~rejected_anyway
    return pd.DataFrame({"experience": experience, "test_score": test_score,
                         "career_break": career_break,
                         "sex": np.where(female, "female", "male"),
                         "qualified": qualified.astype(int), "hired": hired.astype(int)})


def load_german_credit() -> pd.DataFrame:
    """The Statlog German Credit data (1,000 applicants; UCI, CC BY 4.0) as a pandas DataFrame.

    Read from utils/data/german_credit.csv (source, licence and preprocessing in
    utils/data/README.md): 20 decoded attributes with personal status split into
    `personal_status` and `sex`, `age` in years, and the target `credit_risk` ("good"/"bad"):
    shape ``(1000, 22)``.
    """
    return pd.read_csv(DATA_DIR / "german_credit.csv")


# ----------------------------------------------------------------------------- loss curves (05)


def load_lr_curves() -> dict[str, np.ndarray]:
    """Four training-loss curves of one network trained with four learning rates (05_optimizers'
    "diagnose the learning rate" exercise).

    Read from utils/data/lr_curves.json, written by ``tools/make_lr_curves.py`` (the recipe is
    in its docstring). Returns a dict mapping the letters ``"A"``-``"D"`` to float64 arrays of
    shape ``(16,)``: the training loss before training and after each of 15 epochs. Which
    learning rate made which curve is not stored.
    """
    import json

    curves = json.loads((DATA_DIR / "lr_curves.json").read_text())
    return {letter: np.asarray(curves[letter], dtype=np.float64) for letter in sorted(curves)}
