"""Run one nbgrader command under the gradebook lock: ``python -m course.grading.worker ROOT
ARGS...``.

Every nbgrader command the course runs (generate_assignment, autograde of one student,
generate_feedback) goes through here, so each of nbgrader's gradebook sessions holds the
course's writer lock and parallel processes never write to SQLite at the same time. The
worker dies with the process that started it, so killing ``course autograde`` stops its
workers (and their kernels, which die with them) instead of leaving them running.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from course.grading import forked_kernel
from course.grading.sandbox import die_with_parent


def main(argv: list[str], fork_judge: bool = False) -> int:
    """Run nbgrader with ``argv`` = ``[ROOT, *nbgrader arguments]``; with ``fork_judge`` (a
    worker forked by ``course.grading.forkserver``, TensorFlow imported), an autograde's judge
    kernel is forked from this process (``course.grading.forked_kernel``)."""
    root, nbgrader_args = Path(argv[0]), argv[1:]
    parent = os.getppid()
    die_with_parent()
    if os.getppid() != parent:  # the parent died before the request took effect
        return 1
    os.chdir(root)
    from course.grading.gradebook import install_lock

    if fork_judge and nbgrader_args[:1] == ["autograde"]:
        forked_kernel.reserve()  # before nbgrader starts any thread
    install_lock(root)
    from nbgrader.apps.nbgraderapp import NbGraderApp

    try:
        error = _configuration_error(root)
        if error is not None:
            print(f"[course worker] {error}", file=sys.stderr)
            return 2
        NbGraderApp.launch_instance(argv=nbgrader_args)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    finally:
        forked_kernel.release()
    return 0


def _configuration_error(root: Path) -> str | None:
    """Why the course's ``nbgrader_config.py`` cannot be loaded (None when it can): nbgrader
    would log the error and go on without the file, grading as stock nbgrader (no sandbox,
    no judge)."""
    from course.chapters import CourseError
    from course.settings import load_settings

    try:
        load_settings(root)
    except CourseError as error:
        return str(error)
    return None


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
