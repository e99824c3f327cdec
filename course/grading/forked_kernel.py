"""The judge kernel, forked from its grading worker instead of started from scratch.

A worker forked by ``course.grading.forkserver`` has TensorFlow, Keras and ipykernel imported
already. ``reserve()``, called first thing, before the worker starts any thread, forks a child
that waits; ``ForkedKernelManager`` later hands it a connection file, a working folder and an
environment, and it becomes an IPython kernel in a fraction of a second instead of the ~5 s of
CPU a new Python spends importing TensorFlow. This is the trusted judge kernel; the student's
kernel is forked from a template that never sees a submission, into its sandbox
(``course.grading.kernel_template``).

What a forked kernel shares with a new one: the same modules, imported before any of them
ran a computation, and fresh random states (NumPy's global generator is reseeded from the
operating system, as at a new import; Python's ``random`` reseeds itself after a fork). Where
no child is reserved (a worker not forked by the server), the kernel starts the usual way.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from typing import Any

from jupyter_client import AsyncKernelManager
from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.provisioning import LocalProvisioner

from course.grading.sandbox import die_with_parent

_reserved: tuple[int, int] | None = None  # (pid of the waiting child, write end of its pipe)


def reserve() -> None:
    """Fork the child that will become the judge kernel (call it while single-threaded)."""
    global _reserved
    read, write = os.pipe()
    try:
        pid = os.fork()
    except OSError:  # no process to spare: the judge starts the usual way
        os.close(read)
        os.close(write)
        return
    if pid == 0:
        os.close(write)
        _wait_then_become_kernel(read)
    os.close(read)
    try:
        os.setpgid(pid, pid)  # its own process group, whichever of us gets there first
    except OSError:
        pass
    _reserved = (pid, write)


def release() -> None:
    """Let an unused reserved child go (it exits when its pipe closes)."""
    global _reserved
    if _reserved is not None:
        pid, write = _reserved
        _reserved = None
        os.close(write)
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


def _take() -> tuple[int, int] | None:
    global _reserved
    taken, _reserved = _reserved, None
    return taken


def _wait_then_become_kernel(read: int) -> None:
    code = 0
    try:
        die_with_parent()
        os.setpgid(0, 0)
        with os.fdopen(read, "rb") as pipe:
            order = pipe.read()
        if not order:
            os._exit(0)
        order = json.loads(order)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.chdir(order["cwd"])
        os.environ.clear()
        os.environ.update(order["env"])
        run_kernel(order["connection_file"])
    except BaseException:  # noqa: BLE001  (the grader sees a kernel that did not start)
        code = 1
    finally:
        os._exit(code)


def run_kernel(connection_file: str, argv: list[str] = ()) -> None:
    """Become an IPython kernel on ``connection_file`` (in a forked child: fresh random state
    first). ``argv``: further kernel arguments."""
    import numpy

    numpy.random.seed()
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize([*argv, "-f", connection_file])
    app.start()


class _ForkedProcess:
    """The reserved child seen as a ``subprocess.Popen`` (what ``LocalProvisioner`` uses)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self.returncode = 0
                return self.returncode
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("judge kernel", timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class ForkedProvisioner(LocalProvisioner):
    """Hands the reserved child its kernel's connection file, folder and environment."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        reserved = _take()
        if reserved is None:  # already used (a restart): start the usual way
            return await super().launch_kernel(cmd, **kwargs)
        pid, write = reserved
        order = {"connection_file": self.parent.connection_file,
                 "cwd": str(kwargs.get("cwd") or os.getcwd()),
                 "env": dict(kwargs.get("env") or os.environ)}
        with os.fdopen(write, "wb") as pipe:
            pipe.write(json.dumps(order).encode())
        self.process = _ForkedProcess(pid)
        self.pid = self.pgid = pid
        self.cwd = order["cwd"]
        return self.connection_info


class ForkedKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` whose kernel is the reserved child (when there is one)."""

    async def _async_pre_start_kernel(self, **kw: Any):
        if self.provisioner is None:
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", None) or _new_id()
            self.provisioner = ForkedProvisioner(kernel_id=self.kernel_id,
                                                 kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)

    pre_start_kernel = _async_pre_start_kernel


def is_reserved() -> bool:
    return _reserved is not None


def _new_id() -> str:
    import uuid

    return str(uuid.uuid4())
