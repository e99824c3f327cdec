"""The grading locks: the gradebook's writer lock (re-entrant here, exclusive across
processes, also held by nbgrader's own sessions once ``install_lock`` ran) and the lock that
lets one process at a time grade a submission."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from nbgrader import api

from course.grading import autograde, gradebook

# Exits 0 when it gets the lock file ARGV[1] within 0.3 s, 3 when someone else holds it.
_TRY_LOCK = """
import sys
from filelock import FileLock, Timeout
try:
    with FileLock(sys.argv[1], timeout=0.3):
        pass
except Timeout:
    sys.exit(3)
"""


def _free_elsewhere(lock_file: Path) -> bool:
    """Whether another process can take ``lock_file`` now."""
    result = subprocess.run([sys.executable, "-c", _TRY_LOCK, str(lock_file)], timeout=60)
    assert result.returncode in (0, 3)
    return result.returncode == 0


def test_the_writer_lock_is_reentrant_here_and_exclusive_across_processes(tmp_path):
    lock_file = tmp_path / ".grading.lock"
    with gradebook.locked(tmp_path):
        with gradebook.locked(tmp_path):  # a gradebook session inside a locked block
            assert not _free_elsewhere(lock_file)
        assert not _free_elsewhere(lock_file)
    assert _free_elsewhere(lock_file)


def test_nbgrader_sessions_hold_the_writer_lock_until_closed(tmp_path, monkeypatch):
    monkeypatch.setattr(api.Gradebook, "__init__", api.Gradebook.__init__)  # undone afterwards
    monkeypatch.setattr(api.Gradebook, "close", api.Gradebook.close)
    monkeypatch.setattr(gradebook, "_nbgrader_course", None)
    bin_folder = str(Path(sys.executable).parent)  # nbgrader runs `alembic` on a new gradebook
    monkeypatch.setenv("PATH", bin_folder + os.pathsep + os.environ.get("PATH", ""))
    original_init = api.Gradebook.__init__
    gradebook.install_lock(tmp_path)
    gradebook.install_lock(tmp_path)  # idempotent: wrapped once
    assert api.Gradebook.__init__.__wrapped__ is original_init

    gb = api.Gradebook(gradebook.db_url(tmp_path), "course")
    assert not _free_elsewhere(tmp_path / ".grading.lock")
    with gradebook.locked(tmp_path), api.Gradebook(gradebook.db_url(tmp_path), "course"):
        pass  # a second session in the same process takes the lock again
    assert not _free_elsewhere(tmp_path / ".grading.lock")
    gb.close()
    gb.close()  # a second close releases nothing more
    assert _free_elsewhere(tmp_path / ".grading.lock")
    assert not gradebook.locked(tmp_path).is_locked


def test_a_submission_is_graded_by_one_process_at_a_time(tmp_path):
    job = autograde.Job("01_ann_basics", "alice", tmp_path / "submitted" / "alice")
    lock_file = tmp_path / ".grading.locks" / "01_ann_basics" / "alice.lock"
    with autograde._submission_lock(job, tmp_path):
        assert not _free_elsewhere(lock_file)
    assert _free_elsewhere(lock_file)
