"""Students' kernels forked from a warm template, then confined by bubblewrap's namespaces.

A new Python spends about 5 s of CPU importing TensorFlow, Keras, pandas and ipykernel: stock
nbgrader pays it for every submission, and so did the course's sandboxed kernel. Here the
fork server (``course.grading.forkserver``), right after its imports and before it reads any
request,
forks the **template**: a single-threaded process that never runs anyone's code and never
sees a submission. For each student's kernel:

1. the grading worker starts the sandbox as usual, ``bwrap`` with the kernel's namespaces,
   mounts and cleared environment (``course.grading.kernel_sandbox``), running only a placeholder
   (``cat``) that keeps the namespaces alive;
2. it hands the template one end of a fresh socket pair with the order (the placeholder's
   pid, the kernel's uid, limits, folder, environment, connection file);
3. the template forks a **launcher** that joins every namespace of the placeholder (mount,
   PID, network, IPC, UTS, cgroup: it sees what the kernel will see) and forks the kernel:
   a new session, resource limits, root given up for the kernel's own uid with no
   capabilities and ``no_new_privs`` (``course.grading.sandbox``), no file descriptor but its log,
   the kernel's environment, then an IPython kernel on the connection file;
4. the launcher waits for the kernel and reports its exit status on the socket.

The kernel is thus confined exactly as an ``exec``'d one: it is in the sandbox's PID
namespace (killing the sandbox kills it, and it sees no process outside), sees only the
sandbox's mounts, has no network. What it inherits besides: the template's memory, which
holds the modules the fork server imported (public code) and the fork server's environment,
which ``course.grading.forkserver`` starts with an allow-list of variables (no secrets of the
instructor's shell). No process outside the sandbox is reachable from it: the template and
the launcher are in the grader's PID namespace, and their sockets are not in its mounts.

Only where the grader runs as root (so the launcher may join the namespaces and the kernel
gets a uid of its own) and ``bwrap`` is the sandbox; elsewhere, and on a kernel restart
after a crash, the kernel starts as a new process in the sandbox (same grades, slower).
"""

from __future__ import annotations

import ctypes
import json
import linecache
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time

from course.grading.sandbox import (
    die_with_parent,
    drop_privileges,
    libc,
    limit_processes,
    limit_resources,
    make_dumpable,
)

# The placeholder's namespaces the kernel joins, mount last (it changes what /proc shows).
NAMESPACES = ("ipc", "uts", "net", "cgroup", "pid", "mnt")
REQUIRED = {"ipc", "uts", "net", "pid", "mnt"}
_ORDER_LIMIT = 1 << 20

_template: socket.socket | None = None  # the fork server's end; forked workers inherit it
_first_path: str | None = None  # ``sys.path[0]`` of the fork server: its working folder


class TemplateError(RuntimeError):
    """The template could not start the kernel (the caller starts it the usual way)."""


# -- the fork server's side ------------------------------------------------------------------
def start() -> None:
    """Fork the template (call it in the fork server, single-threaded, before any request)."""
    global _template, _first_path
    if os.geteuid() != 0:
        return
    _first_path = sys.path[0] if sys.path and not sys.flags.isolated else None
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        pid = os.fork()
    except OSError:
        ours.close()
        theirs.close()
        return
    if pid == 0:
        ours.close()
        _serve(theirs)
    theirs.close()
    _template = ours


def spawn(preload: tuple[str, ...] = ()) -> subprocess.Popen | None:
    """Start the template as a new process (``python -m course.grading.kernel_template``) that
    imports ``preload`` first; for a process that is not a fork server (the tests)."""
    global _template
    if os.geteuid() != 0:
        return None
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    process = subprocess.Popen(
        [sys.executable, "-I", "-m", "course.grading.kernel_template", str(theirs.fileno()),
         *preload],
        pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, env=_template_environment())
    theirs.close()
    _template = ours
    return process


def _template_environment() -> dict[str, str]:
    """What a spawned template starts with: the fork server's allow-listed environment."""
    from course.grading.forkserver import server_environment

    return server_environment(dict(os.environ))


def available() -> bool:
    """Can this process have a student's kernel forked (a worker of a fork server as root)?"""
    return _template is not None


# -- the worker's side -----------------------------------------------------------------------
def launch(order: dict, timeout: float = 30) -> ForkedStudentKernel:
    """Ask the template for a kernel as described by ``order`` (see ``_launch``); return it
    once it runs. Raises ``TemplateError`` when the template cannot start it."""
    if _template is None:
        raise TemplateError("no kernel template in this process")
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        socket.send_fds(_template, [b"kernel"], [theirs.fileno()])
        theirs.close()
        ours.sendall(json.dumps(order).encode() + b"\n")
        reply = _read_message(ours, timeout)
    except (OSError, ValueError) as error:
        ours.close()
        raise TemplateError(f"the kernel template did not answer: {error}") from None
    if "pid" not in reply:
        ours.close()
        raise TemplateError(reply.get("error", "the kernel template failed"))
    return ForkedStudentKernel(reply["pid"], ours)


def _read_message(channel: socket.socket, timeout: float | None) -> dict:
    """One JSON line from ``channel`` (``{}`` when it closed first)."""
    data = b""
    deadline = None if timeout is None else time.monotonic() + timeout
    while not data.endswith(b"\n"):
        wait = None if deadline is None else max(deadline - time.monotonic(), 0)
        if not select.select([channel], [], [], wait)[0]:
            raise TimeoutError("no answer in time")
        chunk = channel.recv(4096)
        if not chunk:
            return {}
        data += chunk
        if len(data) > _ORDER_LIMIT:
            raise ValueError("answer too long")
    return json.loads(data)


class ForkedStudentKernel:
    """The forked kernel seen as a ``subprocess.Popen``: ``pid`` is the kernel's (in the
    grader's PID namespace), the exit status comes from its launcher."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, channel: socket.socket):
        self.pid = pid
        self.returncode: int | None = None
        self._channel = channel

    def poll(self) -> int | None:
        if self.returncode is None and select.select([self._channel], [], [], 0)[0]:
            self._collect(0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self._collect(timeout)
        return self.returncode

    def _collect(self, timeout: float | None) -> None:
        try:
            message = _read_message(self._channel, timeout)
        except TimeoutError:
            raise subprocess.TimeoutExpired("student kernel", timeout) from None
        except (OSError, ValueError):
            message = {}
        # A launcher gone without a word (killed with the grader): report a killed kernel.
        self.returncode = int(message.get("exit", -signal.SIGKILL))
        self._channel.close()

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:  # not yet reaped by its launcher, so the pid is still its own
            try:
                os.kill(self.pid, signum)
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


# -- the template ----------------------------------------------------------------------------
def _serve(requests: socket.socket) -> None:
    """Fork a launcher for every socket received; end when the fork server is gone."""
    try:
        die_with_parent()
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # launchers are reaped by Linux
        while True:
            message, fds, _, _ = socket.recv_fds(requests, 16, 4)
            if not message and not fds:
                break
            for fd in fds:
                if os.fork() == 0:
                    requests.close()
                    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                    _launch(fd)
                os.close(fd)
    finally:
        os._exit(0)


def _launch(fd: int) -> None:
    """The launcher: read the order, join the sandbox, fork the kernel, report on it.

    ``order``: ``holder`` (pid of the sandbox's placeholder), ``uid``/``gid`` (the kernel's),
    ``memory_mb``, ``file_size_mb``, ``max_processes``, ``cwd``, ``env``, ``log`` (file for
    the kernel's stdout and stderr), ``connection_file``, ``argv`` (the kernel's arguments).
    """
    channel = socket.socket(fileno=fd)
    try:
        order = _read_message(channel, 30)
        _join_namespaces(order["holder"])
        log = os.open(order["log"], os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW)
        pid = os.fork()
        if pid == 0:
            _become_kernel(order, log, keep=channel.fileno())
        os.close(log)
        channel.sendall(json.dumps({"pid": pid}).encode() + b"\n")
        _, status = os.waitpid(pid, 0)
        channel.sendall(json.dumps({"exit": os.waitstatus_to_exitcode(status)}).encode()
                        + b"\n")
    except BaseException as error:  # noqa: BLE001  (the worker starts the kernel the usual way)
        try:
            channel.sendall(json.dumps({"error": f"{type(error).__name__}: {error}"}).encode()
                            + b"\n")
        except OSError:
            pass
    finally:
        os._exit(0)


def _join_namespaces(holder: int) -> None:
    """Enter the namespaces of process ``holder``; refuse when one the sandbox must have is
    the grader's own (the process is not a sandbox)."""
    c = libc()
    targets = {}
    for kind in NAMESPACES:
        theirs, mine = os.stat(f"/proc/{holder}/ns/{kind}"), os.stat(f"/proc/self/ns/{kind}")
        if (theirs.st_dev, theirs.st_ino) != (mine.st_dev, mine.st_ino):
            targets[kind] = os.open(f"/proc/{holder}/ns/{kind}", os.O_RDONLY | os.O_CLOEXEC)
        elif kind in REQUIRED:
            raise TemplateError(f"process {holder} shares the grader's {kind} namespace")
    for kind in NAMESPACES:
        if kind in targets:
            if c.setns(targets[kind], 0) != 0:
                raise OSError(ctypes.get_errno(), f"setns({kind}) failed")
            os.close(targets[kind])


def _become_kernel(order: dict, log: int, keep: int) -> None:
    """The kernel: confined as ``course.grading.sandbox`` confines an ``exec``'d one, then
    IPython."""
    code = 1
    try:
        os.setsid()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))  # the launcher's socket and log included
        limit_resources(order["memory_mb"], order["file_size_mb"])
        limit_processes(order["max_processes"])
        drop_privileges(order["uid"], order["gid"])
        # Linux clears both when credentials change; an exec'd kernel would have them back.
        die_with_parent()
        make_dumpable()
        os.chdir(order["cwd"])
        _fresh_process_state(order["env"])
        from course.grading.forked_kernel import run_kernel

        run_kernel(order["connection_file"], order["argv"])
        code = 0
    except BaseException:  # noqa: BLE001  (the kernel's log says why)
        import traceback

        traceback.print_exc()
    finally:
        os._exit(code)


def _fresh_process_state(env: dict[str, str]) -> None:
    """What a new ``python -I`` kernel would have: only ``env``, no working folder on
    ``sys.path``, the plotting backend ``env`` asks for."""
    os.environ.clear()
    _erase_inherited_environment()
    os.environ.update(env)
    os.environ["PWD"] = os.getcwd()
    tempfile.tempdir = None  # chosen again from TMPDIR (the fork server's is cached)
    linecache.clearcache()  # source lines the fork server happened to read
    if _first_path is not None and sys.path[:1] == [_first_path]:
        del sys.path[0]  # as ``python -I`` would have it
    if "matplotlib" in sys.modules:
        import matplotlib
        from matplotlib import rcsetup

        matplotlib.rcParams["backend"] = env.get("MPLBACKEND", rcsetup._auto_backend_sentinel)


def _erase_inherited_environment() -> None:
    """Zero the environment block the fork server started with (what
    ``/proc/self/environ`` shows): the kernel's variables live elsewhere from now on."""
    with open("/proc/self/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    start, end = int(fields[47]), int(fields[48])  # env_start and env_end (fields 50, 51)
    if 0 < start < end:
        ctypes.memset(start, 0, end - start)



if __name__ == "__main__":
    import importlib

    for _name in sys.argv[2:]:
        importlib.import_module(_name)
    _serve(socket.socket(fileno=int(sys.argv[1])))
