"""Running nbgrader's own commands on the course directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from course.chapters import ROOT, CourseError
from course.settings import load_settings
from utils.runtime import THREADS_ENV


def with_threads(env: dict[str, str], threads: int | None) -> dict[str, str]:
    """A copy of ``env`` in which each kernel runs TensorFlow (and OpenMP) on ``threads``
    threads (``utils.set_seed`` reads the variable), so a grade never depends on how many
    kernels run at once; with ``threads`` None the variables are removed and TensorFlow
    picks its own count, as on a student's machine."""
    env = {k: v for k, v in env.items() if k not in (THREADS_ENV, "OMP_NUM_THREADS")}
    if threads:
        env[THREADS_ENV] = env["OMP_NUM_THREADS"] = str(threads)
    return env


def kernel_environment(threads: int | None) -> dict[str, str]:
    """Environment for processes that start notebook kernels: this one's, with ``threads``
    TensorFlow threads per kernel (``with_threads``)."""
    env = dict(os.environ)
    # nbgrader runs helper executables (alembic) and kernels from PATH: use this environment's.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.setdefault("MPLBACKEND", "Agg")
    env["PYTHONUNBUFFERED"] = "1"
    return with_threads(env, threads)


def run_nbgrader(args: list[str], root: Path = ROOT, timeout: float | None = None,
                 check: bool = True) -> subprocess.CompletedProcess:
    """Run ``nbgrader <args>`` in the course directory (through ``course.grading.worker``, so it
    takes
    the gradebook lock); on failure raise ``CourseError`` with nbgrader's last error line."""
    command = nbgrader_command(args, root)
    result = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=timeout,
                            env=kernel_environment(load_settings(root).tf_threads))
    if check and result.returncode != 0:
        raise CourseError(f"nbgrader {' '.join(args)} failed: {last_error_line(result.stderr)}")
    return result


def nbgrader_command(args: list[str], root: Path = ROOT) -> list[str]:
    """The command line that runs ``nbgrader <args>`` on ``root`` under the gradebook lock."""
    return [sys.executable, "-m", "course.grading.worker", str(root), *args]


def last_error_line(log: str) -> str:
    """The most telling line of an nbgrader log: the last ERROR line, else the last line."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    errors = [line for line in lines if "[ERROR]" in line or "Error" in line]
    chosen = errors[-1] if errors else (lines[-1] if lines else "no output")
    return chosen.split("] ", 1)[-1] if chosen.startswith("[") else chosen
