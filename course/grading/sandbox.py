"""Start a student's kernel confined: ``python -m course.grading.sandbox [options] -- COMMAND...``.

Applied to the process, then inherited by the kernel it ``exec``s into:

- file access (Linux Landlock): read-only below the ``--read`` folders, read-write below the
  ``--write`` folders, nothing else, so a submission cannot open the source notebooks, the
  gradebook or another student's work, nor write outside its own sandbox folder. Where
  possible (Landlock ABI 6+) it cannot signal processes outside its sandbox either;
- resource limits: address space (``--memory-mb`` plus headroom for the virtual memory
  TensorFlow reserves), size of any file it writes (``--file-size-mb``), no core dumps,
  and, with ``--max-processes``, the processes and threads of its user (RLIMIT_NPROC: only
  meaningful where that user runs nothing else, see ``course.grading.kernel_sandbox``);
- with ``--uid``/``--gid`` (started as root, as ``course.grading.kernel_sandbox`` does inside
  bubblewrap), it gives up root for that user before running the command, and fails rather
  than run the command with privileges it could not drop; ``--chdir`` then enters the
  command's working folder as that user;
- it is killed when the grading process that started it dies.

``landlock_abi()`` tells whether the running Linux kernel supports Landlock (0: no); without
it the kernel still runs in its own folder with the limits, and grading notes say so.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import resource
import signal
import sys

_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446  # same on all arches
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_PDEATHSIG, _PR_SET_DUMPABLE, _PR_SET_NO_NEW_PRIVS = 1, 4, 38
_SCOPE_SIGNAL = 1 << 1

_READ = (1 << 0) | (1 << 2) | (1 << 3)      # execute, read file, read dir
_ALL_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1,
               5: (1 << 16) - 1}
_IOCTL_DEV = 1 << 15
VIRTUAL_HEADROOM_MB = 4096  # address space TensorFlow reserves beyond what it uses


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def libc() -> ctypes.CDLL:
    """The C library, with ``errno`` kept for ``ctypes.get_errno()``."""
    return ctypes.CDLL(None, use_errno=True)


def landlock_abi() -> int:
    """The Landlock ABI version of the running Linux kernel (0 when unsupported)."""
    if not sys.platform.startswith("linux"):
        return 0
    version = libc().syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0),
                              ctypes.c_uint32(_CREATE_RULESET_VERSION))
    return max(int(version), 0)


def die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when the process that started it dies."""
    if sys.platform.startswith("linux"):
        libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def make_dumpable() -> None:
    """Let this process read its own ``/proc/self`` files again, as after an ``exec``
    (Linux clears the flag when a process gives up root)."""
    libc().prctl(_PR_SET_DUMPABLE, 1, 0, 0, 0)


def restrict_files(read: list[str], write: list[str]) -> None:
    """Allow only reading below ``read`` and reading/writing below ``write`` from now on."""
    c, abi = libc(), landlock_abi()
    if abi < 1:
        raise OSError("Landlock is not supported by this Linux kernel")
    handled = _ALL_BY_ABI.get(abi, _ALL_BY_ABI[5])
    attr = _RulesetAttr(handled, 0, _SCOPE_SIGNAL if abi >= 6 else 0)
    size = ctypes.sizeof(_RulesetAttr) if abi >= 6 else 16
    ruleset = c.syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size),
                           ctypes.c_uint32(0))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        for paths, access in ((read, _READ), (write, handled)):
            for path in paths:
                _allow(c, ruleset, path, access)
        if c.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(NO_NEW_PRIVS) failed")
        if c.syscall(_SYS_RESTRICT_SELF, ruleset, ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)


def _allow(c: ctypes.CDLL, ruleset: int, path: str, access: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # a folder this machine does not have
    try:
        if not os.path.isdir(path):  # files accept only file rights
            access &= (1 << 0) | (1 << 1) | (1 << 2) | (1 << 14) | _IOCTL_DEV
        rule = _PathBeneathAttr(access, fd)
        if c.syscall(_SYS_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(rule),
                        ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
    finally:
        os.close(fd)


def limit_resources(memory_mb: int, file_size_mb: int) -> None:
    """Cap address space, written file size and core dumps (inherited across exec)."""
    if memory_mb > 0:
        limit = (memory_mb + VIRTUAL_HEADROOM_MB) * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if file_size_mb > 0:
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_mb * 2**20,) * 2)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-large write fails, not kills
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def limit_processes(count: int) -> None:
    """Cap the processes and threads this user may have at once (RLIMIT_NPROC)."""
    resource.setrlimit(resource.RLIMIT_NPROC, (count, count))


def drop_privileges(uid: int, gid: int) -> None:
    """Become ``uid``/``gid`` with no supplementary groups and no capabilities; raise
    ``OSError`` when that did not fully happen, so the command never runs privileged."""
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getresuid() != (uid,) * 3 or os.getresgid() != (gid,) * 3 or os.getgroups():
        raise OSError(f"could not become uid {uid}, gid {gid}")
    with open("/proc/self/status") as status:
        held = [line for line in status if line.startswith(("CapPrm:", "CapEff:", "CapAmb:"))]
    if any(int(line.split()[1], 16) for line in held):
        raise OSError(f"capabilities left after becoming uid {uid}: {held}")
    if libc().prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(NO_NEW_PRIVS) failed")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m course.grading.sandbox")
    parser.add_argument("--read", action="append", default=[])
    parser.add_argument("--write", action="append", default=[])
    parser.add_argument("--memory-mb", type=int, default=0)
    parser.add_argument("--file-size-mb", type=int, default=0)
    parser.add_argument("--max-processes", type=int, default=0)
    parser.add_argument("--uid", type=int, default=None)
    parser.add_argument("--gid", type=int, default=None)
    parser.add_argument("--chdir", default=None)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command to run")
    limit_resources(args.memory_mb, args.file_size_mb)
    if args.max_processes > 0:
        limit_processes(args.max_processes)
    if args.uid is not None:
        drop_privileges(args.uid, args.gid if args.gid is not None else args.uid)
    die_with_parent()  # after drop_privileges: Linux clears it when credentials change
    if args.chdir:
        os.chdir(args.chdir)  # after drop_privileges: a folder only the new user may enter
        os.environ["PWD"] = os.getcwd()
    if args.read or args.write:
        restrict_files(args.read, args.write)
    os.execvp(command[0], command)
    return 127  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
