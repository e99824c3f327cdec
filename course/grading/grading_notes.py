"""Grading notes: what the grader did to a submission, kept in the graded notebook itself.

The notes live in one markdown cell at the top of the autograded notebook, so the student
reads them in the feedback and the instructor in the report (``course.grading.autograde`` copies
them
into the submission's outcome). Two kinds:

- ``notes``: what changed how the notebook was graded ("test cell test_sigmoid was missing; it
  was restored from the assignment", "test_relu voided: builtins.abs was replaced while it ran");
- ``flags``: suspicious code for an instructor to review. A flag never changes a score.

**Only the grader can write them.** The notebook comes from the student, who can put any
metadata on any cell, so a cell is not the notes cell because of what it looks like: its
``course`` metadata must carry an HMAC-SHA256, made with the course's secret key, over the
notes, the flags and the notebook's identity (student, assignment, notebook). The key is 32
random bytes in ``<course root>/.course-secret`` (created on first use, mode 0600,
git-ignored); the student's kernel runs sandboxed and cannot read the course root, so no
submission can sign forged notes, nor pass off another submission's notes as its own when
the reader names the identity it expects. ``read`` ignores every unsigned cell; ``add`` strips
unsigned ``course`` metadata from every cell before writing its own.

Callers name the course root (``root``) whose key signs the notes; ``None`` means the course
of this repository (``course.chapters.ROOT``). The writer (nbgrader preprocessors, with
``self.config.CourseDirectory.root``) and the reader (``course.grading.autograde``) must name the
same
root, or the notes are treated as forged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import tempfile
from pathlib import Path

import nbformat

from course.chapters import ROOT, CourseError

SECRET_NAME = ".course-secret"
KEY_BYTES = 32
_DOMAIN = b"course grading notes v1\x00"  # a signature made for anything else never matches


def identity(student: str, assignment: str, notebook: str | None = None) -> list[str]:
    """Which notebook the notes belong to: signed with them, so they cannot be replayed on
    another student's or another chapter's notebook (``notebook`` defaults to the
    assignment's name, as in this course)."""
    return [str(student), str(assignment), str(notebook or assignment)]


def identity_from(resources: dict) -> list[str] | None:
    """The identity of the notebook an nbgrader preprocessor is processing (``None`` when
    nbgrader did not say, e.g. when a preprocessor runs outside an nbgrader converter)."""
    info = resources.get("nbgrader", {}) if isinstance(resources, dict) else {}
    parts = [info.get("student"), info.get("assignment"), info.get("notebook")]
    return identity(*parts) if all(parts) else None


def course_key(root: Path | str | None = None) -> bytes:
    """The course's signing key, ``<root>/.course-secret``, created on first use."""
    path = Path(root if root is not None else ROOT) / SECRET_NAME
    if not path.exists():
        _create_key(path)
    key = path.read_bytes()
    if len(key) < KEY_BYTES:
        raise CourseError(f"{path} holds {len(key)} bytes, not a {KEY_BYTES}-byte key; delete "
                          "it to make a new one (notes signed with the old key are then lost)")
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    return key


def _create_key(path: Path) -> None:
    """Write a fresh key atomically: graders running in parallel all end up with the one that
    was linked first, never with a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(prefix=".course-secret-", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(os.urandom(KEY_BYTES))
            stream.flush()
            os.fsync(stream.fileno())
        try:
            os.link(partial, path)
        except FileExistsError:
            pass  # another grader made it first: use theirs
    finally:
        os.unlink(partial)


def _signature(key: bytes, content: dict) -> str:
    message = json.dumps(content, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hmac.new(key, _DOMAIN + message.encode(), hashlib.sha256).hexdigest()


def _content(stored) -> dict | None:
    """The notes, flags and identity of a ``course`` metadata entry, or ``None`` when it does
    not have the shape the grader writes (anything may come from a student)."""
    if not isinstance(stored, dict):
        return None
    notes, flags, owner = stored.get("notes"), stored.get("flags"), stored.get("identity")
    if not all(isinstance(x, list) and all(isinstance(s, str) for s in x) for x in (notes, flags)):
        return None
    if owner is not None and not (isinstance(owner, list)
                                  and all(isinstance(s, str) for s in owner)):
        return None
    return {"notes": list(notes), "flags": list(flags), "identity": owner}


def _is_signed(cell, key: bytes, owner: list[str] | None) -> bool:
    """A markdown cell whose ``course`` metadata the grader signed (for ``owner``, if given)."""
    if cell.get("cell_type") != "markdown":
        return False
    stored = cell.get("metadata", {}).get("course")
    content = _content(stored)
    if content is None or not isinstance(stored.get("signature"), str):
        return False
    if owner is not None and content["identity"] != list(owner):
        return False
    return hmac.compare_digest(stored["signature"], _signature(key, content))


def _cell(nb, key: bytes, owner: list[str] | None) -> nbformat.NotebookNode | None:
    return next((c for c in nb.cells if _is_signed(c, key, owner)), None)


def read(nb, root: Path | str | None = None,
         identity: list[str] | None = None) -> dict[str, list[str]]:
    """``{"notes": [...], "flags": [...]}`` of the signed notes cell of ``nb`` (empty lists
    when there is none). ``root`` is the course whose key signed it; with ``identity`` (see
    ``identity()``), notes signed for another notebook are ignored too."""
    cell = _cell(nb, course_key(root), identity)
    content = _content(cell.metadata["course"]) if cell is not None else None
    return {"notes": content["notes"] if content else [],
            "flags": content["flags"] if content else []}


def add(nb, notes: list[str] = (), flags: list[str] = (), root: Path | str | None = None,
        identity: list[str] | None = None) -> None:
    """Append ``notes`` and ``flags`` to the signed notes cell of ``nb`` (created when
    missing) and sign it with ``root``'s key for ``identity`` (kept from the existing cell
    when ``None``). ``course`` metadata that is not the grader's is removed from every cell,
    so nothing downstream can mistake it for notes."""
    key = course_key(root)
    cell = _cell(nb, key, identity)
    for other in nb.cells:
        if other is not cell:
            other.get("metadata", {}).pop("course", None)
    if not notes and not flags:
        return
    current = _content(cell.metadata["course"]) if cell is not None else None
    current = current or {"notes": [], "flags": [], "identity": None}
    current["notes"] += [n for n in notes if n not in current["notes"]]
    current["flags"] += [f for f in flags if f not in current["flags"]]
    if identity is not None:
        current["identity"] = list(identity)
    if cell is None:
        cell = nbformat.v4.new_markdown_cell()
        if nb.get("nbformat_minor", 5) < 5:  # cell ids exist from nbformat 4.5 on
            cell.pop("id", None)
        nb.cells.insert(0, cell)
    cell.metadata["course"] = {**current, "signature": _signature(key, current)}
    cell.source = render(current)


def render(current: dict[str, list[str]]) -> str:
    lines = ["## Grading notes", ""]
    lines += [f"- {note}" for note in current["notes"]]
    if current["flags"]:
        lines += ["", "### Flagged for instructor review (no points were taken for these)", ""]
        lines += [f"- {flag}" for flag in current["flags"]]
    return "\n".join(lines)
