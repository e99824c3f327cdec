"""``course release``: generate the student notebooks in ``release/`` with nbgrader."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from course.chapters import ROOT, CourseError
from course.nbgrader_cli import run_nbgrader


def generate(chapters: list[str], root: Path = ROOT) -> None:
    """``nbgrader generate_assignment`` for each chapter: writes ``release/<chapter>/`` and
    records the chapter's graded cells in the gradebook."""
    for chapter in chapters:
        run_nbgrader(["generate_assignment", chapter, "--force"], root)


def register(chapters: list[str], root: Path = ROOT) -> None:
    """Record the chapters in the gradebook without touching ``release/`` (generates into a
    scratch folder)."""
    with tempfile.TemporaryDirectory(prefix="course-release-") as scratch:
        for chapter in chapters:
            run_nbgrader(["generate_assignment", chapter, "--force",
                          f"--CourseDirectory.release_directory={scratch}"], root)


def _tree(folder: Path) -> dict[str, object]:
    """Files below ``folder`` by relative path; notebooks parsed so that only their content
    (not key order or trailing whitespace) is compared."""
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts \
                and ".ipynb_checkpoints" not in path.parts:
            rel = str(path.relative_to(folder))
            files[rel] = json.loads(path.read_text()) if path.suffix == ".ipynb" \
                else path.read_bytes()
    return files


def check(chapters: list[str], root: Path = ROOT) -> list[str]:
    """Chapters whose committed ``release/`` differs from what the source generates (the
    gradebook is left alone: generation uses a scratch database)."""
    stale = []
    with tempfile.TemporaryDirectory(prefix="course-check-") as scratch:
        scratch = Path(scratch)
        for chapter in chapters:
            run_nbgrader(["generate_assignment", chapter, "--force",
                          f"--CourseDirectory.release_directory={scratch / 'release'}",
                          f"--CourseDirectory.db_url=sqlite:///{scratch / 'check.db'}"], root)
            committed = root / "release" / chapter
            if not committed.exists() or _tree(committed) != _tree(scratch / "release" / chapter):
                stale.append(chapter)
    return stale


def release(chapters: list[str], root: Path = ROOT, check_only: bool = False) -> None:
    if check_only:
        stale = check(chapters, root)
        if stale:
            raise CourseError(f"release/ is out of date for {', '.join(stale)}; "
                              "run `python -m course release`")
        return
    generate(chapters, root)
    for chapter in chapters:
        for junk in (root / "release" / chapter).rglob("__pycache__"):
            shutil.rmtree(junk)
