"""What happened when a submission was graded, kept next to the grades.

One JSON file per submission, ``reports/outcomes/<chapter>/<student>.json``, written
atomically when its grading ends. It holds the status (``graded``, ``failed``, ``timeout``),
a reason an instructor and a student can read, the grading notes and review flags of
``course.grading.grading_notes``, the grading time and a fingerprint of the submitted files, so that
a rerun can skip what is already graded. The outcome is removed when grading starts, so a
grader killed midway leaves no outcome and the rerun grades that submission again.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from course.chapters import ROOT
from course.fingerprint import content_digest, digest_of, file_digests


@dataclass
class Outcome:
    student: str
    chapter: str
    status: str          # graded | failed | timeout
    reason: str          # empty when graded without remark
    seconds: float
    fingerprint: str     # sha256 of the submitted files and the chapter's source notebook
    notes: list[str] = field(default_factory=list)  # what the grader repaired or voided
    flags: list[str] = field(default_factory=list)  # suspicious code, for review (no penalty)


def outcome_path(chapter: str, student: str, root: Path = ROOT) -> Path:
    return root / "reports" / "outcomes" / chapter / f"{student}.json"


def fingerprint(folder: Path, *extra_files: Path) -> str:
    """sha256 hex (``course.fingerprint.digest_of``) of the relative paths and contents of
    every file below ``folder`` and of the names and contents of ``extra_files`` (the chapter's
    source notebook, so that changed tests mean a regrade; a missing one counts as absent)."""
    extra = [[path.name, content_digest(path.read_bytes()) if path.is_file() else None]
             for path in extra_files]
    return digest_of({"folder": file_digests(folder), "extra_files": extra})


def save(outcome: Outcome, root: Path = ROOT) -> None:
    path = outcome_path(outcome.chapter, outcome.student, root)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(asdict(outcome), indent=1))
    os.replace(partial, path)


def discard(chapter: str, student: str, root: Path = ROOT) -> None:
    outcome_path(chapter, student, root).unlink(missing_ok=True)


def load(chapter: str, student: str, root: Path = ROOT) -> Outcome | None:
    path = outcome_path(chapter, student, root)
    try:
        return Outcome(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None


def load_all(root: Path = ROOT) -> list[Outcome]:
    folder = root / "reports" / "outcomes"
    found = []
    for path in sorted(folder.glob("*/*.json")):
        outcome = load(path.parent.name, path.stem, root)
        if outcome:
            found.append(outcome)
    return found
