"""The course's chapters and where their files live."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHAPTERS = (
    "01_ann_basics",
    "02_backprop",
    "03_activations",
    "04_regularization",
    "05_optimizers",
    "06_cnn",
    "07_rnn",
    "08_gan",
    "09_transfer_learning",
    "10_ethics_bias",
)


class CourseError(Exception):
    """A problem the command line reports as one line and a non-zero exit."""


def source_notebook(chapter: str, root: Path = ROOT) -> Path:
    return root / "source" / chapter / f"{chapter}.ipynb"


def release_notebook(chapter: str, root: Path = ROOT) -> Path:
    return root / "release" / chapter / f"{chapter}.ipynb"


def available_chapters(root: Path = ROOT) -> list[str]:
    """Chapters of the course whose source notebook exists, in course order."""
    return [c for c in CHAPTERS if source_notebook(c, root).exists()]


def resolve_chapters(names: list[str] | None, root: Path = ROOT) -> list[str]:
    """Check chapter names given on the command line; none means every available chapter.

    A chapter may be named in full (``01_ann_basics``) or by its number (``01`` or ``1``).
    """
    available = available_chapters(root)
    if not names:
        if not available:
            raise CourseError(f"no source notebooks found under {root / 'source'}")
        return available
    chosen = []
    for name in names:
        match = [c for c in available if c == name or c.split("_")[0] == name.zfill(2)]
        if not match:
            raise CourseError(
                f"unknown chapter '{name}'; available: {', '.join(available) or 'none'}"
            )
        chosen.extend(c for c in match if c not in chosen)
    return chosen
