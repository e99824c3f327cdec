"""Files a submission's kernel wrote: kept beside the graded notebook, as nbgrader does.

nbgrader runs a notebook in the autograded folder, so a file the notebook writes (a saved
figure or model an instructor grades by hand) ends up there. The course's kernel runs in a
sandbox folder that is deleted after grading; ``keep`` copies what the kernel wrote into the
autograded folder first: plain files only (no links, no notebooks: nothing can replace the
graded notebook), new or changed with respect to the submission, within the file-size and
disk limits, never outside that folder.
"""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

SKIPPED_NAMES = (".ipynb_checkpoints", "__pycache__")


def written(work: Path, submitted: Path) -> list[Path]:
    """Paths (relative to ``work``) of plain files in ``work`` that are not in ``submitted``
    or differ from it, in sorted order."""
    found = []
    for path in sorted(work.rglob("*")):
        relative = path.relative_to(work)
        if any(part in SKIPPED_NAMES for part in relative.parts) or path.is_symlink() \
                or not path.is_file():
            continue
        original = submitted / relative
        if original.is_file() and not original.is_symlink() and \
                filecmp.cmp(original, path, shallow=False):
            continue
        found.append(relative)
    return found


def keep(work: Path, submitted: Path, graded: Path | None, file_limit_mb: int,
         total_limit_mb: int) -> list[str]:
    """Copy the files the kernel wrote from ``work`` into ``graded``; grading notes saying
    what was kept and what was dropped (and why)."""
    if graded is None or not work.is_dir() or not graded.is_dir():
        return []
    kept, dropped, total = [], [], 0
    for relative in written(work, submitted):
        source, size = work / relative, (work / relative).stat().st_size
        target = graded / relative
        if relative.suffix == ".ipynb":
            dropped.append(f"{relative} (a notebook)")
        elif _through_link(graded, relative):
            dropped.append(f"{relative} (a link in the graded folder is in the way)")
        elif size > file_limit_mb * 2**20 or total + size > total_limit_mb * 2**20:
            dropped.append(f"{relative} (over the size limit)")
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            total += size
            kept.append(str(relative))
    notes = []
    if kept:
        notes.append("Files your notebook wrote were kept beside the graded notebook: "
                     + ", ".join(kept) + ".")
    if dropped:
        notes.append("Files your notebook wrote that were not kept: " + ", ".join(dropped)
                     + ".")
    return notes


def _through_link(graded: Path, relative: Path) -> bool:
    """Would writing ``graded / relative`` follow a symbolic link (and so land elsewhere)?"""
    path = graded
    for part in relative.parts:
        path = path / part
        if path.is_symlink():
            return True
    return False
