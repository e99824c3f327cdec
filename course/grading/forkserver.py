"""Grading workers that start in milliseconds: ``python -m course.grading.forkserver``.

A grading worker (``course.grading.worker``) needs nbgrader, this course's grader and, for its judge
kernel (``course.grading.forked_kernel``), TensorFlow imported: about 7 s of CPU, paid again by
every
submission when each worker is a fresh Python. The fork server imports them once; every
worker is then a fork of it. Only the instructor's trusted code runs in the server and its
forks: a submission runs in the sandboxed kernel its worker starts, never here.

Protocol (one JSON object per line): ``ForkServer`` writes ``{"id", "argv", "log", "cwd"}``
on the server's stdin; the server forks, answers ``{"id", "pid"}`` at once and
``{"id", "code"}`` when the worker has exited. The server is single-threaded (so forking is
safe), dies with the process that started it, and its workers die with it.
"""

from __future__ import annotations

import importlib
import itertools
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from course.grading import kernel_template
from course.grading.sandbox import die_with_parent

# Imported once in the server, shared by every worker it forks: the grader, and what the
# judge kernel imports (the chapters' setup cells and the course's ``utils``). None of these
# starts a thread on import when OMP_NUM_THREADS is set, as the grading environment does.
PRELOAD = ("nbgrader.apps.nbgraderapp", "course.grading.worker", "course.grading.judged_execute",
           "ipykernel.kernelapp", "numpy", "pandas", "matplotlib.pyplot", "tensorflow", "keras",
           "sklearn.datasets", "sklearn.model_selection", "sklearn.linear_model",
           "sklearn.metrics", "scipy.special", "utils", "utils.checks", "utils.datasets",
           "course.grading.judge_kernel")


# The server's environment, which its workers and the students' kernels forked from its
# template (``course.grading.kernel_template``) inherit in memory: what grading reads, never the
# rest
# of the instructor's shell (tokens, passwords).
ENVIRONMENT_PREFIXES = ("COURSE_", "JUPYTER", "JPY_", "NBGRADER", "PYTHON", "OMP_", "TF_",
                        "KMP_", "MKL_", "OPENBLAS_", "CUDA_", "LC_", "XDG_")
ENVIRONMENT_NAMES = frozenset({"PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "USER",
                               "LOGNAME", "SHELL", "TERM", "MPLBACKEND", "VIRTUAL_ENV"})


def server_environment(env: dict[str, str]) -> dict[str, str]:
    """The variables of ``env`` the fork server starts with (see ``ENVIRONMENT_NAMES``)."""
    return {name: value for name, value in env.items()
            if name in ENVIRONMENT_NAMES or name.startswith(ENVIRONMENT_PREFIXES)}


class ForkServerError(RuntimeError):
    """The fork server is not running (it failed to start, or it died)."""


# -- the server ------------------------------------------------------------------------------
def serve() -> None:
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the process that started us
    for name in PRELOAD:
        importlib.import_module(name)
    kernel_template.start()  # before any request: the template holds nothing of one
    _reply({"ready": True})
    running: dict[int, int] = {}  # pid -> request id
    pending = b""
    while True:
        readable, _, _ = select.select([0], [], [], 0.05)
        if readable:
            chunk = os.read(0, 1 << 16)
            if not chunk:  # the client is gone: so are its workers
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                request = json.loads(line)
                pid = _fork_worker(request)
                running[pid] = request["id"]
                _reply({"id": request["id"], "pid": pid})
        _reap(running)
    for pid in running:
        _signal(pid, signal.SIGKILL)


def _reply(message: dict) -> None:
    os.write(1, json.dumps(message).encode() + b"\n")


def _reap(running: dict[int, int]) -> None:
    while running:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if pid in running:
            _reply({"id": running.pop(pid), "code": os.waitstatus_to_exitcode(status)})


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _fork_worker(request: dict) -> int:
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        os.setsid()  # its own session, as ``subprocess.Popen(start_new_session=True)``
        signal.signal(signal.SIGINT, signal.default_int_handler)
        _redirect(request["log"])
        os.chdir(request["cwd"])
        from course.grading import worker

        code = worker.main(request["argv"], fork_judge=True)
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    except BaseException:  # noqa: BLE001  (reported in the worker's log)
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _redirect(log: str) -> None:
    """stdin from /dev/null, stdout and stderr to ``log``: the server's pipes are closed."""
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    out = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.close(out)


# -- the client ------------------------------------------------------------------------------
class ForkedWorker:
    """A worker forked by the server: what ``subprocess.Popen`` offers that grading uses."""

    def __init__(self, pid: int, exited: threading.Event, server: ForkServer):
        self.pid = pid
        self.returncode: int | None = None
        self._exited = exited
        self._server = server

    def wait(self, timeout: float | None = None) -> int:
        if not self._exited.wait(timeout):
            raise subprocess.TimeoutExpired("grading worker", timeout)
        code = self._server._codes.get(self.pid)
        self.returncode = code if code is not None else -signal.SIGKILL
        return self.returncode


class ForkServer:
    """The client side: start the server, then ``start(argv, log)`` grading workers."""

    def __init__(self, cwd: Path, env: dict[str, str], startup_timeout: float = 120):
        self._errors = tempfile.TemporaryFile()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "course.grading.forkserver"], cwd=cwd,
            env=server_environment(env),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._errors)
        self._cwd = str(cwd)
        self._lock = threading.Lock()
        self._ids = itertools.count()
        self._started: dict[int, tuple[threading.Event, list]] = {}
        self._exits: dict[int, threading.Event] = {}
        self._codes: dict[int, int | None] = {}
        self._pids: dict[int, int] = {}  # request id -> pid
        self._ready = threading.Event()
        self._alive = True
        threading.Thread(target=self._read_replies, daemon=True).start()
        if not self._ready.wait(startup_timeout) or not self._alive:
            self.close()
            raise ForkServerError(f"the fork server did not start: {self._last_error()}")

    def start(self, argv: list[str], log: str) -> ForkedWorker:
        """Fork a worker running ``course.grading.worker`` with ``argv``, output appended to
        ``log``."""
        started, exited = threading.Event(), threading.Event()
        answer: list = []
        with self._lock:
            if not self._alive:
                raise ForkServerError(f"the fork server stopped: {self._last_error()}")
            request_id = next(self._ids)
            self._started[request_id] = (started, answer)
            self._exits[request_id] = exited
            line = json.dumps({"id": request_id, "argv": argv, "log": log, "cwd": self._cwd})
            try:
                self._process.stdin.write(line.encode() + b"\n")
                self._process.stdin.flush()
            except OSError as error:
                raise ForkServerError(f"the fork server stopped: {error}") from None
        if not started.wait(60) or not answer:
            raise ForkServerError(f"the fork server did not answer: {self._last_error()}")
        return ForkedWorker(answer[0], exited, self)

    @property
    def alive(self) -> bool:
        """Is the server still running (``start`` on a stopped one raises)?"""
        return self._alive and self._process.poll() is None

    def close(self) -> None:
        with self._lock:
            self._alive = False
            if self._process.stdin:
                self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._errors.close()

    def __enter__(self) -> ForkServer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _read_replies(self) -> None:
        for line in self._process.stdout:
            message = json.loads(line)
            if message.get("ready"):
                self._ready.set()
            elif "pid" in message:
                started, answer = self._started.pop(message["id"])
                self._pids[message["id"]] = message["pid"]
                answer.append(message["pid"])
                started.set()
            elif "code" in message:
                self._codes[self._pids[message["id"]]] = message["code"]
                self._exits.pop(message["id"]).set()
        with self._lock:  # the server ended: nobody waits forever
            self._alive = False
            for started, _ in self._started.values():
                started.set()
            for exited in self._exits.values():
                exited.set()
        self._ready.set()

    def _last_error(self) -> str:
        try:
            self._errors.seek(0)
            lines = [line for line in self._errors.read().decode(errors="replace").splitlines()
                     if line.strip()]
        except (OSError, ValueError):
            return "no error output"
        return lines[-1] if lines else "no error output"


if __name__ == "__main__":
    serve()
