"""Access to nbgrader's SQLite gradebook, one writer at a time.

SQLite allows one writer at a time; several grading processes (``autograde --workers N``,
or two runs started at once) therefore hold the course's writer lock (``locked``: a
``filelock.FileLock`` on ``<course>/.grading.lock``) for every gradebook session.
``install_lock`` makes nbgrader's own ``Gradebook`` take it too, in a worker process.
"""

from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock
from nbgrader import api

from course.chapters import ROOT
from course.settings import load_settings


def db_path(root: Path = ROOT) -> Path:
    return root / "gradebook.db"


def db_url(root: Path = ROOT) -> str:
    return f"sqlite:///{db_path(root)}"


def locked(root: Path = ROOT) -> FileLock:
    """The gradebook's writer lock, held with ``with locked(root):``. One lock object per
    course in a process, re-entrant within a thread (a block may take it again); other threads
    and processes wait for it. The operating system releases it when its holder dies."""
    return FileLock(root / ".grading.lock", is_singleton=True)


@contextlib.contextmanager
def open_gradebook(root: Path = ROOT):
    """An nbgrader ``Gradebook`` on the course's database, held under the writer lock."""
    course_id = load_settings(root).course_id
    with locked(root):
        gb = api.Gradebook(db_url(root), course_id)
        try:
            yield gb
        finally:
            gb.close()


@contextlib.contextmanager
def long_session(root: Path = ROOT):
    """An nbgrader ``Gradebook`` kept open across many writes (opened and closed under the
    writer lock, which callers take with ``locked`` around each write). Saves rebuilding
    SQLAlchemy's engine and compiled queries for every write of a long merge."""
    course_id = load_settings(root).course_id
    with locked(root):
        gb = api.Gradebook(db_url(root), course_id)
    try:
        yield gb
    finally:
        with locked(root):
            gb.close()


_nbgrader_course: Path | None = None  # whose writer lock nbgrader's own sessions hold


def install_lock(root: Path) -> None:
    """Make every nbgrader ``Gradebook`` opened in this process hold ``root``'s writer lock
    (``locked``) from its creation until its ``close()``. Called by grading worker processes
    (``course.grading.worker``) before they run nbgrader.

    Why the class itself is patched: nbgrader opens its gradebook sessions on its own, in its
    apps, converters and preprocessors (``Gradebook(db_url, course_id)``, the class imported
    by name in each module), and offers no setting or hook to run code around them; only
    wrapping ``Gradebook.__init__`` and ``Gradebook.close`` reaches every one of them.
    Idempotent: the methods are wrapped once per process; a later call only points the lock
    at ``root``."""
    global _nbgrader_course
    _nbgrader_course = root
    if getattr(api.Gradebook.__init__, "holds_writer_lock", False):
        return
    original_init, original_close = api.Gradebook.__init__, api.Gradebook.close

    @functools.wraps(original_init)
    def init(self, *args, **kwargs):
        lock = locked(_nbgrader_course)
        lock.acquire()
        try:
            original_init(self, *args, **kwargs)
        except BaseException:
            lock.release()
            raise
        self._writer_lock = lock

    @functools.wraps(original_close)
    def close(self):
        try:
            original_close(self)
        finally:
            lock = vars(self).pop("_writer_lock", None)  # released once, however often closed
            if lock is not None:
                lock.release()

    init.holds_writer_lock = True
    api.Gradebook.__init__, api.Gradebook.close = init, close


@dataclass(frozen=True)
class TestScore:
    """Points of one graded cell of one submission."""

    student: str
    chapter: str
    cell: str
    score: float
    max_score: float
    automatic: bool               # an autograder test (nbgrader: grade cell, no solution)
    awaiting_manual: bool = False  # a manually graded cell nobody has graded yet


def scores(root: Path = ROOT) -> list[TestScore]:
    """Every graded cell of every submission in the gradebook."""
    rows = []
    if not db_path(root).exists():
        return rows
    with open_gradebook(root) as gb:
        for assignment in gb.assignments:
            for submission in assignment.submissions:
                for notebook in submission.notebooks:
                    answers = {cell.name for cell in notebook.notebook.solution_cells}
                    for grade in notebook.grades:
                        automatic = grade.cell_type == "code" and grade.name not in answers
                        rows.append(TestScore(
                            student=submission.student.id, chapter=assignment.name,
                            cell=grade.name, score=float(grade.score or 0.0),
                            max_score=float(grade.max_score or 0.0), automatic=automatic,
                            awaiting_manual=not automatic and bool(grade.needs_manual_grade)
                            and grade.manual_score is None,
                        ))
    return rows


def automatic_points(root: Path = ROOT) -> dict[str, float]:
    """Automatic points of each student, summed over every graded chapter."""
    points: dict[str, float] = {}
    for score in scores(root):
        if score.automatic:
            points[score.student] = points.get(score.student, 0.0) + score.score
    return points


@contextlib.contextmanager
def _writing(root: Path, gb: api.Gradebook | None):
    """``gb`` under the writer lock (its transaction rolled back if the block fails, so the
    session stays usable), or a new gradebook (closed afterwards) when None."""
    if gb is None:
        with open_gradebook(root) as gb:
            yield gb
        return
    with locked(root):
        try:
            yield gb
        except BaseException:
            gb.db.rollback()
            raise


def record_ungradable(chapter: str, student: str, root: Path = ROOT,
                      gb: api.Gradebook | None = None) -> None:
    """Register a submission that could not be graded with every score zero, so that no
    handed-in folder goes missing from the grades and no score from an earlier version of
    it survives (in ``gb``, from ``long_session``, when given)."""
    with _writing(root, gb) as gb:
        gb.update_or_create_student(student)
        try:
            submission = gb.find_submission(chapter, student)
        except api.MissingEntry:
            with gb.db.no_autoflush:  # nbgrader builds the rows before adding them
                submission = gb.add_submission(chapter, student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.auto_score = 0
                grade.manual_score = None
                grade.needs_manual_grade = False
        gb.db.commit()


def known_chapters(root: Path = ROOT) -> set[str]:
    if not db_path(root).exists():
        return set()
    with open_gradebook(root) as gb:
        return {a.name for a in gb.assignments}


def export_submission(chapter: str, student: str, root: Path = ROOT) -> dict | None:
    """What autograde wrote into the gradebook for one submission, as plain data (``None``
    when the submission is not in the gradebook)::

        {"timestamp": "2026-01-31T12:00:00" | None,
         "notebooks": {notebook: {"late_submission_penalty": float | None,
                                  "grades": {cell: {"auto_score": float | None,
                                                    "needs_manual_grade": bool}},
                                  "comments": {cell: str | None}}}}

    ``import_submission`` writes it into another course's gradebook."""
    with open_gradebook(root) as gb:
        try:
            submission = gb.find_submission(chapter, student)
        except api.MissingEntry:
            return None
        notebooks = {}
        for notebook in submission.notebooks:
            notebooks[notebook.name] = {
                "late_submission_penalty": notebook.late_submission_penalty,
                "grades": {grade.name: {"auto_score": grade.auto_score,
                                        "needs_manual_grade": bool(grade.needs_manual_grade)}
                           for grade in notebook.grades},
                "comments": {comment.name: comment.auto_comment
                             for comment in notebook.comments},
            }
        stamp = submission.timestamp
        return {"timestamp": stamp.isoformat() if stamp is not None else None,
                "notebooks": notebooks}


def import_submission(chapter: str, student: str, data: dict | None, graded: bool,
                      root: Path = ROOT, gb: api.Gradebook | None = None) -> None:
    """Record in ``root``'s gradebook a submission graded elsewhere (``data`` from
    ``export_submission``), as nbgrader's autograde would have recorded it here: the student
    and submission created or updated (with the submission's timestamp), automatic scores
    and comments set, and a grade needing manual grading when it has a manual score here or
    no automatic score (nbgrader's ``SaveAutoGrades``). When ``graded`` is false the
    submission could not be graded: every score is then set to zero (``record_ungradable``).
    ``gb``: a gradebook from ``long_session`` (default: one opened for this write).
    """
    with _writing(root, gb) as gb:
        gb.update_or_create_student(student)
        stamp = (data or {}).get("timestamp")
        with gb.db.no_autoflush:  # nbgrader builds the rows before adding them
            if stamp:
                gb.update_or_create_submission(chapter, student, timestamp=stamp)
            else:
                gb.update_or_create_submission(chapter, student)
        for name, notebook in ((data or {}).get("notebooks") or {}).items():
            row = gb.find_submission_notebook(name, chapter, student)
            row.late_submission_penalty = notebook["late_submission_penalty"]
            grades = {grade.name: grade for grade in row.grades}  # one query, not one a cell
            comments = {comment.name: comment for comment in row.comments}
            for cell, values in notebook["grades"].items():
                grade = grades[cell]
                grade.auto_score = values["auto_score"]
                grade.needs_manual_grade = (grade.manual_score is not None
                                            or grade.auto_score is None) if graded \
                    else values["needs_manual_grade"]
            for cell, text in notebook["comments"].items():
                comments[cell].auto_comment = text
        gb.db.commit()
        if not graded:
            record_ungradable(chapter, student, root, gb)
