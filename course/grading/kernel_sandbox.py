"""Run an untrusted student's Jupyter kernel in a sandbox.

``SandboxedKernelManager`` (a jupyter_client ``AsyncKernelManager``) starts the kernel through
``SandboxProvisioner``, which launches ``wrap_command(kernel_cmd, spec)`` in the folder
``spec.folder`` (``work/``: the kernel's working folder, prepared by the caller; ``home/``,
``tmp/`` and ``runtime/``: recreated empty by ``prepare`` before every start and restart, so
nothing a kernel leaves there, such as an IPython startup file, survives a restart).

With bubblewrap as root, where the process has a kernel template
(``course.grading.kernel_template``),
the sandbox is started around a placeholder and the kernel is forked from the template into
its namespaces (``SandboxedFork``), same confinement, no TensorFlow import; otherwise the
kernel is ``exec``'d in the sandbox as below.

``mechanism()`` picks the strongest confinement this machine offers:

- ``"bubblewrap"``: new mount, PID, network, IPC, UTS and cgroup namespaces. The kernel sees
  read-only the system (``/usr``, the ``/lib*`` and ``/bin`` links, a few files of ``/etc``),
  the Python installation and ``spec.read_only`` (the ``course`` and ``utils`` package
  folders, never the repository root, which holds the source notebooks and the gradebook),
  and read-write only ``spec.folder``, bound at the same absolute path so the connection
  file and the ``ipc`` sockets of ``runtime/`` have the same names inside and out. ``/``,
  ``/tmp`` (an empty tmpfs) and ``/dev`` (null, zero, random, tty, pts; ``/dev/shm``
  included) are read-only; ``/proc`` shows only the sandbox's processes; there is no
  network, not even the host's loopback (hence the ``ipc`` transport, which the manager uses
  whatever the mechanism); the environment is cleared down to ``kernel_environment``.
  Interrupts go to the kernel inside, not to ``bwrap``. Killing the ``bwrap`` process kills
  the sandbox's PID namespace, hence every process in it, double-forked daemons included, and
  so does the death of the grading process (``--die-with-parent``). As root, bwrap would
  leave the kernel root with every capability, so the launcher keeps only CAP_SETUID and
  CAP_SETGID and ``course.grading.sandbox`` switches to an unused uid (``kernel_uid``) before
  starting the kernel; ``prepare`` hands the folder to that uid. As any other user, bwrap
  runs the kernel in a new user namespace without capabilities, in which no further user
  namespace can be made.
- ``"landlock"``: ``course.grading.sandbox`` restricts files with Linux Landlock (read the system
and
  Python, write the folder), with the cleared environment; no namespaces, so the kernel sees
  other processes in ``/proc``, has the network, and a double-forked process of it can
  outlive the kernel.
- ``"none"``: resource limits and the cleared environment only.

In every case the kernel runs under ``course.grading.sandbox``'s limits (address space, file size,
no core dumps), every Python started is isolated (``python -I``: neither the working folder
nor ``PYTHONPATH`` is on ``sys.path``, so a ``numpy.py`` or ``course/grading/sandbox.py`` handed in
is never imported instead of the real one) and the kernel's stdout and stderr go to
``runtime/kernel.log`` (capped by the file-size limit), never to the grader's.

Processes (RLIMIT_NPROC, ``spec.max_processes``, counting threads) are limited only with
bubblewrap: Linux counts them per user, and only there does the kernel's user run nothing
else (a uid of its own as root; a fresh user namespace otherwise, which Linux counts
separately). With Landlock or nothing, the kernel shares the grader's user, so the limit
would count the grader's processes too (and does not apply to root at all): it is left off.

Limits: the sandbox shares the machine's Linux kernel and filters no system call (as root,
the kernel's uid may still create user namespaces of its own, which widens what of Linux it
can reach, not what files it sees); CPU time and memory are bounded by the caller's timeouts
and watchdog plus RLIMIT_AS, not by cgroups; ``tmp/`` and ``home/`` live in the folder, so
they count towards the caller's disk limit. With bubblewrap the launched process is
``bwrap``: a kernel killed by signal N makes it exit with code 128 + N.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import select
import shutil
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

from course.grading import kernel_template
from course.grading.sandbox import landlock_abi

SANDBOX_PREFIX = "course-sandbox-"
FRESH_FOLDERS = ("home", "tmp", "runtime")
CONNECTION_FILE = "kernel.json"
LOG_FILE = "kernel.log"
KERNEL_UID_BASE = 2_000_000_000  # + the grader's pid: a uid no account or other sandbox uses
_PID_SPAN = 2**22  # Linux's largest pid_max
_IPC_PATH_MAX = 100  # a unix socket's path must fit in 108 bytes, with the "-N" suffix

# Bubblewrap: what of the system the kernel sees (read-only).
_SYSTEM_FOLDERS = ("/usr",)
_SYSTEM_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_ETC_ENTRIES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "nsswitch.conf",
                "hosts", "alternatives", "mime.types", "fonts")

# Landlock (the fallback): what the kernel may read and write.
LANDLOCK_READ_FOLDERS = ("/usr", "/lib", "/lib32", "/lib64", "/bin", "/sbin", "/etc", "/opt",
                         "/proc", "/sys", "/run", "/dev")
# Device files a kernel may write; not /dev/shm, a memory-backed folder shared by all.
LANDLOCK_WRITE_FILES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
                        "/dev/tty", "/dev/ptmx", "/dev/pts")


@dataclass
class SandboxSpec:
    """Where and how one student's kernel runs.

    ``folder`` must be named ``course-sandbox-*`` and hold ``work/`` (the kernel's working
    folder, prepared by the caller). ``read_only``: host folders the kernel may read besides
    the system and Python (``package_folders()``). ``env``: variables added to the kernel's
    cleared environment. ``uid``: the uid the kernel runs as when the grader is root
    (default ``kernel_uid()``).
    """

    folder: Path
    memory_mb: int
    file_size_mb: int
    max_processes: int = 256
    read_only: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    uid: int | None = None

    def __post_init__(self) -> None:
        self.folder = Path(os.path.abspath(self.folder))


# -- the mechanism ---------------------------------------------------------------------------
@functools.cache
def mechanism() -> str:
    """``"bubblewrap"``, ``"landlock"`` or ``"none"``: the strongest sandbox that works here
    (probed once per process)."""
    if _bubblewrap_works():
        return "bubblewrap"
    return "landlock" if landlock_abi() >= 1 else "none"


def _bubblewrap_works() -> bool:
    """Does ``bwrap`` run a command with the namespaces and mounts the sandbox uses?"""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return False
    probe = [bwrap, *_isolation_arguments(), "--ro-bind", "/", "/", "--proc", "/proc",
             "--dev", "/dev", "--tmpfs", "/tmp", "--remount-ro", "/tmp", "--", "true"]
    try:
        return subprocess.run(probe, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _as_root() -> bool:
    return os.geteuid() == 0


def kernel_uid(spec: SandboxSpec) -> int | None:
    """The host uid the kernel runs as: its own uid when bubblewrap runs as root (so it is not
    root and RLIMIT_NPROC counts only its processes); None (the grader's user) otherwise."""
    if mechanism() != "bubblewrap" or not _as_root():
        return None
    return spec.uid if spec.uid is not None else KERNEL_UID_BASE + os.getpid() % _PID_SPAN


def package_folders() -> list[str]:
    """The folders of the ``course`` and ``utils`` packages: the kernel imports them (the
    venv's editable install points into the repository, whose root must stay hidden)."""
    import utils

    return [_course_folder(), str(Path(utils.__file__).parent)]


# -- environment and command -----------------------------------------------------------------
def kernel_environment(spec: SandboxSpec) -> dict[str, str]:
    """The kernel's whole environment: nothing from the grader's but ``spec.env``."""
    home, tmp = spec.folder / "home", str(spec.folder / "tmp")
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(home),
           "TMPDIR": tmp, "TEMP": tmp, "TMP": tmp, "IPYTHONDIR": str(home / ".ipython"),
           "MPLCONFIGDIR": str(home / ".matplotlib"), "KERAS_HOME": str(home / ".keras"),
           "XDG_CACHE_HOME": str(home / ".cache"),
           "JUPYTER_RUNTIME_DIR": str(spec.folder / "runtime"), "LANG": "C.UTF-8",
           "PYTHONNOUSERSITE": "1", "USER": "student", "LOGNAME": "student"}
    env.update(spec.env)
    return env


def isolated_python(command: list[str]) -> list[str]:
    """``command`` (a Python command line) with ``-I`` added after the interpreter."""
    if not command or not Path(command[0]).name.startswith("python"):
        raise ValueError(f"not a Python command, cannot isolate it: {command[:1]}")
    return command if command[1:2] == ["-I"] else [command[0], "-I", *command[1:]]


def wrap_command(kernel_cmd: list[str], spec: SandboxSpec) -> list[str]:
    """The command line that runs ``kernel_cmd`` confined by ``mechanism()``."""
    for path in spec.read_only:
        _refuse_parent_folder(os.path.abspath(path), spec)
    how = mechanism()
    launcher = [sys.executable, "-I", "-m", "course.grading.sandbox",
                f"--memory-mb={spec.memory_mb}",
                f"--file-size-mb={spec.file_size_mb}"]
    if how == "bubblewrap":
        launcher += [f"--max-processes={spec.max_processes}",
                     f"--chdir={spec.folder / 'work'}"]
        uid = kernel_uid(spec)
        if uid is not None:
            launcher += [f"--uid={uid}", f"--gid={uid}"]
        prefix = [shutil.which("bwrap") or "bwrap", *_bubblewrap_arguments(spec), "--"]
    elif how == "landlock":
        prefix, launcher = [], launcher + _landlock_arguments(spec)
    else:
        prefix = []
    return [*prefix, *launcher, "--", *isolated_python(kernel_cmd)]


def _isolation_arguments(switches_user: bool = True) -> list[str]:
    """Namespaces and privileges (see the module docstring for the root case); as root, the
    command keeps CAP_SETUID and CAP_SETGID only if it ``switches_user`` (the launcher)."""
    arguments = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
                 "--unshare-cgroup-try", "--hostname", "sandbox", "--die-with-parent",
                 "--new-session"]
    if _as_root():
        kept = ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"] if switches_user else []
        return [*arguments, "--cap-drop", "ALL", *kept]
    return [*arguments, "--unshare-user", "--disable-userns"]


def _bubblewrap_arguments(spec: SandboxSpec, switches_user: bool = True) -> list[str]:
    arguments = [*_isolation_arguments(switches_user), "--clearenv"]
    for name, value in kernel_environment(spec).items():
        arguments += ["--setenv", name, value]
    arguments += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    readable, folder = _readable_folders(spec), str(spec.folder)
    etc = [f"/etc/{name}" for name in _ETC_ENTRIES]
    arguments += _traversable_parents([*etc, *readable, folder]) + _system_mounts(etc)
    for path in readable:
        arguments += ["--ro-bind", path, path]
    arguments += ["--bind", folder, folder]
    for path in ("/", "/tmp", "/dev"):
        arguments += ["--remount-ro", path]
    return [*arguments, "--chdir", "/"]  # the launcher enters work/ once it is the kernel's uid


def _traversable_parents(paths: list[str]) -> list[str]:
    """Create the folders above ``paths`` with mode 0755 (bubblewrap would make them 0700,
    which locks out the kernel's uid when it is not root)."""
    mounted = [*_SYSTEM_FOLDERS, "/proc", "/dev", *paths]
    parents = {str(parent) for path in paths for parent in Path(path).parents}
    arguments = []
    for parent in sorted(parents - {"/", "/tmp"}, key=lambda p: p.count("/")):
        if not _inside_any(parent, mounted):
            arguments += ["--perms", "0755", "--dir", parent]
    return arguments


def _system_mounts(etc: list[str]) -> list[str]:
    arguments = []
    for path in _SYSTEM_FOLDERS:
        arguments += ["--ro-bind", path, path]
    for path in _SYSTEM_LINKS:
        if os.path.islink(path):
            arguments += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            arguments += ["--ro-bind", path, path]
    for path in etc:
        arguments += ["--ro-bind-try", path, path]
    return arguments


def _python_folders() -> set[str]:
    return {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.realpath(sys.prefix),
            os.path.realpath(sys.base_prefix),
            os.path.dirname(os.path.realpath(sys.executable))}


def _readable_folders(spec: SandboxSpec) -> list[str]:
    """Python, the ``course`` package (the launcher) and ``spec.read_only``, without the
    folders already inside another one."""
    wanted = {os.path.abspath(p) for p in (*_python_folders(), _course_folder(),
                                           *spec.read_only)}
    kept = [p for p in wanted if os.path.exists(p) and not _inside_any(p, _SYSTEM_FOLDERS)]
    return sorted(p for p in kept if not _inside_any(p, [q for q in kept if q != p]))


def _refuse_parent_folder(path: str, spec: SandboxSpec) -> None:
    """Refuse a read-only folder holding the sandbox or holding a package folder (the
    repository root, ``/``...): it would expose what the kernel must not read."""
    parents_of = [str(spec.folder), *(p for p in package_folders() if p != path)]
    if any(_inside_any(p, [path]) for p in parents_of):
        raise ValueError(f"read-only folder {path} holds the sandbox or the repository")


def _inside_any(path: str, folders) -> bool:
    """Is ``path`` one of ``folders`` or below one of them?"""
    return any(path == f or path.startswith(f.rstrip("/") + "/") for f in folders)


def _course_folder() -> str:
    """The ``course`` package's folder (this module is in its ``grading`` subpackage)."""
    return str(Path(__file__).parents[1])


def _landlock_arguments(spec: SandboxSpec) -> list[str]:
    readable = {*LANDLOCK_READ_FOLDERS, *_python_folders(), _course_folder(),
                *spec.read_only}
    return [*(f"--read={p}" for p in sorted(readable)),
            *(f"--write={p}" for p in (*LANDLOCK_WRITE_FILES, str(spec.folder)))]


# -- the folder ------------------------------------------------------------------------------
def is_sandbox_folder(folder: Path) -> bool:
    """Is ``folder`` a real folder named like a sandbox (so it is safe to empty parts of)?"""
    return folder.name.startswith(SANDBOX_PREFIX) and folder.is_dir() and not folder.is_symlink()


def prepare(spec: SandboxSpec) -> None:
    """Recreate ``home/``, ``tmp/`` and ``runtime/`` empty (before every start and restart)
    and give the folder to the kernel's uid when it has one of its own."""
    if not is_sandbox_folder(spec.folder):
        raise ValueError(f"not a sandbox folder ({SANDBOX_PREFIX}*): {spec.folder}")
    for name in FRESH_FOLDERS:
        path = spec.folder / name
        if path.is_symlink() or path.is_file():
            path.unlink()
        elif path.exists():
            shutil.rmtree(path)
        path.mkdir(mode=0o700)
    (spec.folder / "work").mkdir(exist_ok=True)
    uid = kernel_uid(spec)
    if uid is not None:
        _give_to(spec.folder, uid)


def _give_to(folder: Path, uid: int) -> None:
    """chown ``folder`` and everything below it to ``uid`` (links themselves, not followed)."""
    os.chown(folder, uid, uid, follow_symlinks=False)
    for base, folders, files in os.walk(folder):
        for name in (*folders, *files):
            os.chown(os.path.join(base, name), uid, uid, follow_symlinks=False)


def log_path(spec: SandboxSpec) -> Path:
    """Where the kernel's stdout and stderr go (recreated on every start)."""
    return spec.folder / "runtime" / LOG_FILE


# -- jupyter_client --------------------------------------------------------------------------
class SandboxProvisioner(LocalProvisioner):
    """Launches the kernel of its ``SandboxedKernelManager`` in its ``sandbox_spec``."""

    def _spec(self) -> SandboxSpec:
        spec = getattr(self.parent, "sandbox_spec", None)
        if spec is None:
            raise RuntimeError("set sandbox_spec on the kernel manager before starting it")
        return spec

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        """Fresh folders, ipc transport in ``runtime/``, the wrapped command and the cleared
        environment."""
        spec = self._spec()
        prepare(spec)
        _use_ipc(self.parent, spec)
        kwargs = await super().pre_launch(**kwargs)
        uid = kernel_uid(spec)
        if uid is not None:
            os.chown(self.parent.connection_file, uid, uid, follow_symlinks=False)
        self._kernel_cmd = list(kwargs["cmd"])
        kwargs["cmd"] = wrap_command(kwargs["cmd"], spec)
        kwargs["env"] = kernel_environment(spec)
        kwargs["cwd"] = str(spec.folder / "work")
        return kwargs

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        """Start ``cmd`` with stdout and stderr in the sandbox's log, never the grader's."""
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC
        spec = self._spec()
        log = os.open(log_path(spec), flags, 0o600)
        try:
            if self._can_fork(spec):
                try:
                    return await self._launch_forked(spec, log, kwargs["env"])
                except kernel_template.TemplateError as error:
                    os.write(log, f"[forked start failed, starting anew: {error}]\n".encode())
            kwargs.update(stdout=log, stderr=log)
            return await super().launch_kernel(cmd, **kwargs)
        finally:
            os.close(log)

    def _can_fork(self, spec: SandboxSpec) -> bool:
        """Can the kernel be forked from the template (``course.grading.kernel_template``)?"""
        command = getattr(self, "_kernel_cmd", [])
        return (kernel_template.available() and mechanism() == "bubblewrap"
                and kernel_uid(spec) is not None and command[1:3] == ["-m", "ipykernel_launcher"])

    async def _launch_forked(self, spec: SandboxSpec, log: int, env: dict[str, str]):
        """Start the sandbox with a placeholder in it, then have the template fork the kernel
        into its namespaces."""
        holder = subprocess.Popen(
            [shutil.which("bwrap") or "bwrap", *_bubblewrap_arguments(spec, switches_user=False),
             "--",
             "/bin/sh", "-c", "echo ready && exec cat >/dev/null"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, close_fds=True)
        try:
            await _await_line(holder, timeout=30)
            placeholder = _namespace_process(holder.pid, 2)
            if placeholder is None:
                raise kernel_template.TemplateError("the sandbox did not start")
            uid = kernel_uid(spec)
            order = {"holder": placeholder.pid, "uid": uid, "gid": uid,
                     "memory_mb": spec.memory_mb, "file_size_mb": spec.file_size_mb,
                     "max_processes": spec.max_processes, "cwd": str(spec.folder / "work"),
                     "env": env, "log": str(log_path(spec)),
                     "connection_file": self.parent.connection_file,
                     "argv": _kernel_arguments(self._kernel_cmd)}
            kernel = kernel_template.launch(order)
        except BaseException:
            _stop_holder(holder)
            raise
        self.process = SandboxedFork(holder, kernel)
        self.pid, self.pgid = kernel.pid, None
        self.cwd = order["cwd"]
        return self.connection_info

    async def send_signal(self, signum: int) -> None:
        """With bubblewrap, signals other than SIGKILL go to the kernel inside (signalling
        ``bwrap`` would kill the sandbox); SIGKILL kills the whole sandbox."""
        if isinstance(self.process, SandboxedFork):
            return self.process.kill() if signum == signal.SIGKILL \
                else self.process.send_signal(signum)
        if mechanism() != "bubblewrap" or self.process is None:
            return await super().send_signal(signum)
        if signum == signal.SIGKILL:
            return await self._kill_sandbox()
        kernel = _namespace_process(self.process.pid, 2)
        try:
            if kernel is not None:
                return kernel.send_signal(signum)
        except psutil.NoSuchProcess:
            pass  # it just ended: bwrap ends too
        if signum != signal.SIGINT:
            await super().send_signal(signum)

    async def _kill_sandbox(self, wait_seconds: float = 5.0) -> None:
        """SIGKILL the sandbox's init, then wait for ``bwrap`` to exit: Linux kills every
        process of a PID namespace whose init dies, so none is left when this returns."""
        init = _namespace_process(self.process.pid, 1)
        if init is not None:
            with contextlib.suppress(psutil.NoSuchProcess):
                init.kill()
            deadline = asyncio.get_running_loop().time() + wait_seconds
            while self.process.poll() is None and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.02)
        if self.process.poll() is None:
            await super().send_signal(signal.SIGKILL)


async def _await_line(process: subprocess.Popen, timeout: float) -> None:
    """Wait until ``process`` writes a line (the placeholder is running)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not select.select([process.stdout], [], [], 0)[0]:
        if process.poll() is not None or asyncio.get_running_loop().time() > deadline:
            raise kernel_template.TemplateError("the sandbox did not start")
        await asyncio.sleep(0.005)
    if not process.stdout.readline():
        raise kernel_template.TemplateError("the sandbox did not start")


def _stop_holder(holder: subprocess.Popen) -> None:
    """Kill the sandbox's init (hence every process in it) and reap ``bwrap``."""
    init = _namespace_process(holder.pid, 1)
    with contextlib.suppress(psutil.NoSuchProcess, AttributeError):
        init.kill()
    with contextlib.suppress(OSError):
        holder.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        holder.wait(timeout=5)
    for pipe in (holder.stdin, holder.stdout):
        with contextlib.suppress(OSError):
            pipe.close()


def _kernel_arguments(command: list[str]) -> list[str]:
    """``ipykernel_launcher``'s arguments other than the connection file."""
    arguments, rest = [], command[3:]
    while rest:
        if rest[0] == "-f" and len(rest) > 1:
            rest = rest[2:]
            continue
        arguments.append(rest.pop(0))
    return arguments


class SandboxedFork:
    """A forked kernel and its sandbox seen as one ``subprocess.Popen`` (``pid``: the
    kernel's). When the kernel ends, the sandbox is taken down; killing it kills both."""

    stdin = stdout = stderr = None

    def __init__(self, holder: subprocess.Popen, kernel: kernel_template.ForkedStudentKernel):
        self.pid = kernel.pid
        self._holder, self._kernel = holder, kernel
        self._stopped = False

    def poll(self) -> int | None:
        code = self._kernel.poll()
        if code is not None:
            self._stop()
        return code

    def wait(self, timeout: float | None = None) -> int:
        code = self._kernel.wait(timeout)
        self._stop()
        return code

    def send_signal(self, signum: int) -> None:
        self._kernel.send_signal(signum)

    def terminate(self) -> None:
        self._kernel.terminate()

    def kill(self) -> None:
        self._kernel.kill()
        self._stop()

    def _stop(self) -> None:
        if not self._stopped:
            self._stopped = True
            _stop_holder(self._holder)


def _use_ipc(km, spec: SandboxSpec) -> None:
    """Connection file and unix sockets in ``runtime/`` (no TCP: the sandbox has no network)."""
    runtime = spec.folder / "runtime"
    prefix = str(runtime / "kernel-ipc")
    if len(prefix) > _IPC_PATH_MAX - 4:
        raise ValueError(f"sandbox folder path too long for ipc sockets: {spec.folder}")
    km.transport = "ipc"
    km.cache_ports = False
    km.connection_file = str(runtime / CONNECTION_FILE)
    km.ip = prefix


def _namespace_process(bwrap_pid: int, namespace_pid: int) -> psutil.Process | None:
    """The descendant of ``bwrap_pid`` whose pid inside the sandbox is ``namespace_pid``
    (1: bwrap's init; 2: the kernel, which ``course.grading.sandbox`` became)."""
    try:
        descendants = psutil.Process(bwrap_pid).children(recursive=True)
    except psutil.Error:
        return None
    for process in descendants:
        if _inner_pid(process.pid) == namespace_pid:
            return process
    return None


def _inner_pid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("NSpid:"):
                    return int(line.split()[-1])
    except (OSError, ValueError):
        return None
    return None


class SandboxedKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` whose kernel runs in ``sandbox_spec`` (set it before
    ``start_kernel``; it is read again on every restart)."""

    sandbox_spec: SandboxSpec | None = None

    async def _async_pre_start_kernel(self, **kw: Any):
        if self.provisioner is None:
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.provisioner = SandboxProvisioner(kernel_id=self.kernel_id,
                                                  kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)

    pre_start_kernel = _async_pre_start_kernel
