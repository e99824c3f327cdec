"""Figures the lessons draw. Each function draws on a Matplotlib axis and returns it.

Taught in: 01_ann_basics (decision boundaries, training curves, activation shapes),
02_backprop (loss curves), 03_activations (functions and derivatives, gradient norms by layer),
04_regularization and later (image grids).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np


def _axis(ax=None, figsize=(5, 3.5)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_history(history, metrics: Sequence[str] = ("loss",), ax=None, title: str = ""):
    """Training (and validation, when present) curves from a Keras ``History`` or a dict of
    per-epoch lists, one line per metric, epochs on the x axis."""
    ax = _axis(ax)
    logs = history.history if hasattr(history, "history") else history
    for metric in metrics:
        for key, style in ((metric, "-"), (f"val_{metric}", "--")):
            if key in logs:
                ax.plot(np.arange(1, len(logs[key]) + 1), logs[key], style, label=key)
    ax.set_xlabel("epoch")
    ax.set_title(title)
    ax.legend()
    return ax


def plot_curves(curves: Mapping[str, Sequence[float]], xlabel: str = "step",
                ylabel: str = "loss", log_y: bool = False, ax=None, title: str = ""):
    """Several named curves on one axis (e.g. losses of different learning rates)."""
    ax = _axis(ax)
    for label, values in curves.items():
        ax.plot(np.arange(len(values)), values, label=label)
    if log_y:
        ax.set_yscale("log")
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.legend()
    return ax


def plot_decision_boundary(predict: Callable[[np.ndarray], np.ndarray], X: np.ndarray,
                           y: np.ndarray, ax=None, resolution: int = 200, margin: float = 0.5,
                           title: str = ""):
    """Shade the plane by predicted class and scatter the data.

    ``predict`` maps points ``(M, 2)`` to scores ``(M,)``/``(M, 1)`` (probability of class 1)
    or ``(M, K)`` (class probabilities); ``X`` is ``(N, 2)`` and ``y`` is ``(N,)``.
    """
    ax = _axis(ax, figsize=(4, 4))
    x0 = np.linspace(X[:, 0].min() - margin, X[:, 0].max() + margin, resolution)
    x1 = np.linspace(X[:, 1].min() - margin, X[:, 1].max() + margin, resolution)
    grid = np.array(np.meshgrid(x0, x1)).reshape(2, -1).T.astype(np.float32)
    scores = np.asarray(predict(grid))
    if scores.ndim == 2 and scores.shape[1] > 1:
        labels = scores.argmax(axis=1)
    else:
        labels = (scores.reshape(-1) > 0.5).astype(int)
    ax.contourf(x0, x1, labels.reshape(resolution, resolution), alpha=0.3, cmap="coolwarm")
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=25)
    ax.set(xlabel="$x_1$", ylabel="$x_2$", title=title)
    return ax


def plot_functions(functions: Mapping[str, Callable[[np.ndarray], np.ndarray]],
                   z: np.ndarray | None = None, ax=None, title: str = ""):
    """Plot named functions of one variable on a common ``z`` grid (default ``[-5, 5]``)."""
    ax = _axis(ax)
    z = np.linspace(-5, 5, 401) if z is None else z
    for label, function in functions.items():
        ax.plot(z, function(z), label=label)
    ax.axhline(0, color="grey", lw=0.5)
    ax.axvline(0, color="grey", lw=0.5)
    ax.set(xlabel="z", title=title)
    ax.legend()
    return ax


def plot_function_and_derivative(function: Callable, derivative: Callable, name: str,
                                 z: np.ndarray | None = None, axes=None):
    """A function and its derivative side by side (two axes), on the same ``z`` grid."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(8, 3))
    plot_functions({name: function}, z, ax=axes[0], title=name)
    plot_functions({f"{name}'": derivative}, z, ax=axes[1], title=f"derivative of {name}")
    return axes


def plot_bars(values: Mapping[str, float], ylabel: str = "", log_y: bool = False, ax=None,
              title: str = ""):
    """A bar chart of named values (e.g. gradient norms by layer)."""
    ax = _axis(ax)
    ax.bar(list(values), list(values.values()))
    if log_y:
        ax.set_yscale("log")
    ax.set(ylabel=ylabel, title=title)
    return ax


def _image(image, image_shape):
    image = np.asarray(image)
    if image_shape is not None:
        return image.reshape(image_shape)
    if image.ndim == 1:
        side = int(round(np.sqrt(image.size)))
        return image.reshape(side, side)
    return image[..., 0] if image.ndim == 3 and image.shape[-1] == 1 else image


def show_image_rows(rows: Sequence, row_titles: Sequence[str], image_shape=None,
                    cmap: str = "gray_r", size: float = 1.2):
    """A grid of images, one row per sequence in ``rows``, each row labelled on the left.

    Images may be flattened (``(64,)`` becomes 8x8) or ``(H, W)`` / ``(H, W, 1)`` arrays;
    ``image_shape`` forces a shape. Returns the array of axes.
    """
    ncols = max(len(row) for row in rows)
    _, axes = plt.subplots(len(rows), ncols, figsize=(size * ncols, 1.1 * size * len(rows)),
                           squeeze=False)
    for r, (images, title) in enumerate(zip(rows, row_titles, strict=True)):
        for c in range(ncols):
            axes[r, c].set_xticks([])
            axes[r, c].set_yticks([])
            if c < len(images):
                axes[r, c].imshow(_image(images[c], image_shape), cmap=cmap)
            else:
                axes[r, c].axis("off")
        axes[r, 0].set_ylabel(title, rotation=0, ha="right", va="center")
    return axes


def show_images(images: Sequence, titles: Sequence[str] | None = None, ncols: int = 8,
                image_shape=None, cmap: str = "gray_r", size: float = 1.2, title: str = "",
                vmin: float | None = None, vmax: float | None = None, symmetric: bool = False):
    """Images in a grid of ``ncols`` columns, with an optional title above each one and
    ``title`` above the grid. Pixel values map to colours between ``vmin`` and ``vmax``
    (default: each image's own range); ``symmetric`` centres each image's scale on 0 (for
    kernels and signed feature maps, with a diverging ``cmap`` such as ``"RdBu_r"``)."""
    nrows = int(np.ceil(len(images) / ncols))
    height = size * nrows * (1.25 if titles is not None else 1.0)
    figure, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, height), squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.axis("off")
        if index < len(images):
            image = _image(images[index], image_shape)
            if symmetric:
                vmax = float(np.abs(image).max()) or 1.0
                vmin = -vmax
            ax.imshow(image, cmap=cmap, vmin=vmin, vmax=vmax)
            if titles is not None:
                ax.set_title(str(titles[index]), fontsize=7)
    if title:
        figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    return axes
