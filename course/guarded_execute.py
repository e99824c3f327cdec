"""``GuardedExecute``: nbgrader's Execute step, hardened for untrusted submissions.

What it adds to nbgrader's ``Execute`` (configured in ``nbgrader_config.py``):

- **own folder**: the kernel runs in a fresh temporary sandbox holding a copy of the
  submission's files (no notebooks: the notebook being graded holds the hidden tests), a
  copy of ``utils``, and its own home, temp and runtime folders;
- **confinement** (``course.sandbox``): the kernel can read only the Python installation,
  system folders and its sandbox, and write only its sandbox (Linux Landlock); it cannot
  signal processes outside it; its address space and written file sizes are capped;
- **limits enforced from outside**: a watchdog thread kills the kernel when its memory (RSS of
  the kernel and its children) passes ``memory_limit_mb`` or its folder holds more than
  ``disk_limit_mb``; each cell's stored output is cut at
  ``output_limit_kb`` and a cell that floods more than ten times that is interrupted; a kernel
  that does not stop after a timeout interrupt is killed;
- **a dead kernel is not a crash**: the cell that killed it gets an error saying why
  (exit code, signal, memory, disk, a loop that ignored the interrupt); the kernel is
  restarted in a fresh copy of its folder, the cells that ran before are run again, and
  grading goes on, so only that
  cell's work is lost (after ``max_restarts`` deaths, later cells are marked as not run);
- **the grading guard** (``course.kernel_guard``): installed right after the setup cell;
  before each graded test cell it restores whatever student code patched (builtins, numpy,
  ``utils.checks``, IPython's machinery, the setup cell's names); after the test it checks
  nothing was patched while the test ran, and voids the test when something was. A guard
  that no longer answers correctly voids every later test.

Everything it did is written into the notebook's grading notes (``course.grading_notes``).
"""

from __future__ import annotations

import ast
import asyncio
import itertools
import os
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import ensure_async, run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Integer, List, Unicode

import utils
from course import grading_notes
from course import notebooks as nbs
from course.sandbox import landlock_abi
from course.watchdog import folder_bytes

GUARD_SOURCE = (Path(__file__).parent / "kernel_guard.py").read_text()
SYSTEM_READ_FOLDERS = ("/usr", "/lib", "/lib32", "/lib64", "/bin", "/sbin", "/etc", "/opt",
                       "/proc", "/sys", "/run", "/dev")
# Device files a kernel may write; not /dev/shm, a memory-backed folder shared by all.
SYSTEM_WRITE_FILES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
                      "/dev/tty", "/dev/ptmx", "/dev/pts")


class SandboxedKernelManager(AsyncKernelManager):
    """Starts the kernel through ``python -m course.sandbox`` with ``sandbox_arguments``."""

    sandbox_arguments: list[str] = []

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        command = [sys.executable, "-m", "course.sandbox", *self.sandbox_arguments, "--",
                   *kernel_cmd]
        return await super()._async_launch_kernel(command, **kw)


class GuardedExecute(Execute):
    memory_limit_mb = Integer(
        4096, help="Memory (RSS of the kernel and its children) a submission may use.",
    ).tag(config=True)
    output_limit_kb = Integer(
        256, help="Output kept per cell; a cell producing ten times more is interrupted.",
    ).tag(config=True)
    file_size_limit_mb = Integer(256, help="Largest file a submission may write.").tag(config=True)
    disk_limit_mb = Integer(
        1024, help="Total size of the files a submission may leave in its folder.",
    ).tag(config=True)
    guard_prefixes = List(
        Unicode(), ["builtins", "math", "cmath", "operator", "functools", "numpy", "utils",
                    "keras"],
        help="Modules (by top-level name) whose functions the guard protects.",
    ).tag(config=True)
    max_restarts = Integer(
        2, help="Kernel deaths after which the kernel is restarted and grading goes on.",
    ).tag(config=True)
    stop_grace_seconds = Integer(
        15, help="How long a kernel may take to stop after a timeout interrupt.",
    ).tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(*args, **kwargs)

    # -- the run as a whole ----------------------------------------------------------------
    def preprocess(self, nb, resources, km=None):
        self._notes: list[str] = []
        self._death: str = ""
        self._limit_exceeded = ""
        self._guard_state = "waiting"  # waiting | on | broken
        self._timed_out = False
        self._restarts = 0
        self._history: list[NotebookNode] = []  # code cells run so far, replayed on a restart
        self._output_bytes: dict[int, int] = {}
        self._solution_names = _solution_names(self._source_notebook(resources))
        self._sandbox = Path(tempfile.mkdtemp(prefix="course-sandbox-"))
        try:
            folder = Path(resources.get("metadata", {}).get("path") or ".")
            resources.setdefault("metadata", {})["path"] = str(self._prepare_sandbox(folder))
            nb, resources = super().preprocess(nb, resources, km=km)
        finally:
            if self._sandbox_folder_ok():
                shutil.rmtree(self._sandbox, ignore_errors=True)
            resources["metadata"]["path"] = str(folder)
        grading_notes.add(nb, notes=self._notes,
                          root=self.config.CourseDirectory.root or ".",
                          identity=grading_notes.identity_from(resources))
        return nb, resources

    def _source_notebook(self, resources):
        """The instructor's notebook of this assignment (None when it cannot be found)."""
        path = nbs.assignment_notebook(self.config.CourseDirectory.root or ".", "source",
                                       resources)
        return nbs.read(path) if path.is_file() else None

    def _sandbox_folder_ok(self) -> bool:
        return self._sandbox.is_dir() and self._sandbox.name.startswith("course-sandbox-")

    def _prepare_sandbox(self, folder: Path) -> Path:
        shutil.copytree(Path(utils.__file__).parent, self._sandbox / "lib" / "utils",
                        ignore=shutil.ignore_patterns("__pycache__"))
        for name in ("home", "runtime"):
            (self._sandbox / name).mkdir()
        self._submission_folder = folder
        return self._reset_files()

    def _reset_files(self) -> Path:
        """The sandbox's work and temp folders as at the start: the submission's files
        (without notebooks: the graded copy holds the hidden tests) and nothing else."""
        work, tmp = self._sandbox / "work", self._sandbox / "tmp"
        for path in (work, tmp):
            shutil.rmtree(path, ignore_errors=True)
        shutil.copytree(self._submission_folder, work, symlinks=True,
                        ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
        tmp.mkdir()
        return work

    def _kernel_environment(self) -> dict[str, str]:
        home, tmp = str(self._sandbox / "home"), str(self._sandbox / "tmp")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JPY_", "JUPYTER"))}
        env.update(HOME=home, TMPDIR=tmp, TEMP=tmp, TMP=tmp, PYTHONPATH=str(self._sandbox / "lib"),
                   IPYTHONDIR=f"{home}/.ipython", MPLCONFIGDIR=f"{home}/.matplotlib",
                   KERAS_HOME=f"{home}/.keras", XDG_CACHE_HOME=f"{home}/.cache",
                   JUPYTER_RUNTIME_DIR=str(self._sandbox / "runtime"), PYTHONNOUSERSITE="1")
        return env

    def _sandbox_arguments(self) -> list[str]:
        arguments = [f"--memory-mb={self.memory_limit_mb}",
                     f"--file-size-mb={self.file_size_limit_mb}"]
        if landlock_abi() < 1:
            self._notes.append("File isolation is not available on this machine (Linux "
                               "Landlock unsupported); the submission ran in its own folder "
                               "without it.")
            return arguments
        readable = {*SYSTEM_READ_FOLDERS, sys.prefix, sys.base_prefix, sys.exec_prefix,
                    os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix),
                    os.path.dirname(os.path.realpath(sys.executable))}
        arguments += [f"--read={path}" for path in sorted(readable)]
        arguments += [f"--write={path}" for path in (*SYSTEM_WRITE_FILES, str(self._sandbox))]
        return arguments

    async def async_start_new_kernel(self, **kwargs):
        self.km.sandbox_arguments = self._sandbox_arguments()
        self.km.connection_file = str(self._sandbox / "runtime" / "kernel.json")
        kwargs.setdefault("env", self._kernel_environment())
        await super().async_start_new_kernel(**kwargs)
        threading.Thread(target=self._watch_limits, args=(self.km,), daemon=True).start()

    start_new_kernel = run_sync(async_start_new_kernel)

    # -- memory and disk watchdog (a thread outside the kernel) --------------------------
    def _kernel_pid(self, km) -> int | None:
        process = getattr(getattr(km, "provisioner", None), "process", None)
        return getattr(process, "pid", None)

    def _watch_limits(self, km) -> None:
        """Kill the kernel when its memory (every 0.1 s) or its folder's size (every 1 s)
        passes the limit."""
        for tick in itertools.count():
            pid = self._kernel_pid(km)
            try:
                kernel = psutil.Process(pid)
                family = [kernel, *kernel.children(recursive=True)]
                used = sum(p.memory_info().rss for p in family)
            except (psutil.Error, TypeError, ValueError):
                return
            if used > self.memory_limit_mb * 2**20:
                self._limit_exceeded = f"it used more than the memory limit " \
                                       f"({self.memory_limit_mb} MB)"
            elif tick % 10 == 0 and folder_bytes(self._sandbox) > self.disk_limit_mb * 2**20:
                self._limit_exceeded = f"it wrote more than the disk limit " \
                                       f"({self.disk_limit_mb} MB)"
            if self._limit_exceeded:
                for process in family:
                    try:
                        process.send_signal(signal.SIGKILL)
                    except psutil.Error:
                        pass
                return
            time.sleep(0.1)

    # -- output limit ----------------------------------------------------------------------
    def output(self, outs, msg, display_id, cell_index):
        size = len(str(msg.get("content", "")))
        total = self._output_bytes.get(cell_index, 0) + size
        self._output_bytes[cell_index] = total
        limit = self.output_limit_kb * 1024
        if total <= limit or msg["msg_type"] == "error":
            return super().output(outs, msg, display_id, cell_index)
        if total - size <= limit:
            outs.append(NotebookNode(output_type="stream", name="stdout", text=(
                f"\n[output cut: this cell printed more than {self.output_limit_kb} KB]\n")))
        if total > 10 * limit and total - size <= 10 * limit:
            label = _label(self.nb.cells[cell_index], cell_index)
            self._notes.append(f"Cell {label} was stopped: it printed more than "
                               f"{10 * self.output_limit_kb} KB.")
            asyncio.ensure_future(ensure_async(self.km.interrupt_kernel()))
        return None

    # -- timeouts --------------------------------------------------------------------------
    async def _async_handle_timeout(self, timeout, cell=None):
        self._timed_out = True
        return await super()._async_handle_timeout(timeout, cell)

    async def _kernel_stopped(self) -> bool:
        """After a timeout interrupt: does the kernel answer again within the grace time?"""
        msg_id = self.kc.execute("", silent=True, store_history=False)
        deadline = time.monotonic() + self.stop_grace_seconds
        while time.monotonic() < deadline:
            try:
                reply = await self.kc.shell_channel.get_msg(timeout=1)
            except Exception:  # queue.Empty: no message yet
                if not await ensure_async(self.kc.is_alive()):
                    return False
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                return True
        return False

    # -- cells -----------------------------------------------------------------------------
    async def async_execute_cell(self, cell, cell_index, execution_count=None,
                                 store_history=True):
        if cell.cell_type != "code" or not cell.source.strip():
            return await super().async_execute_cell(cell, cell_index, execution_count,
                                                    store_history)
        if self._death:
            cell.outputs = [_error("NotRun", f"this cell did not run: {self._death}")]
            return cell
        kind = _kind(cell)
        if self._guard_state == "waiting" and kind != "instructor":
            await self._install_guard()
        if kind == "test":
            replaced = await self._guard_call(f"before {nbs.grade_id(cell)}")
            if replaced:
                self._notes.append(f"Before {nbs.grade_id(cell)}: student code had replaced "
                                   f"{_short(replaced)}; the originals were put back for the test.")
        self._timed_out, died = False, ""
        try:
            cell = await super().async_execute_cell(cell, cell_index, execution_count,
                                                    store_history)
        except DeadKernelError:
            died = self._death_reason()
        except CellTimeoutError:  # no reply at all, not even after the interrupt
            self._timed_out = True
            cell.outputs.append(_error("CellTimeoutError", f"no reply within {self.timeout} s"))
        if self._timed_out and not died:
            if await self._kernel_stopped():
                self._notes.append(f"Cell {_label(cell, cell_index)} was stopped after the "
                                   f"time limit ({self.timeout} s).")
            else:
                await self._kill_kernel()
                died = f"it did not stop after the time limit ({self.timeout} s)"
        if died:
            cell.outputs.append(_error("KernelDied", died))
            await self._recover(f"cell {_label(cell, cell_index)}", died)
            return cell
        if kind == "test":
            await self._check_test(cell)
        elif kind == "instructor" and self._guard_state == "on":
            await self._protect_names(cell)
        self._history.append(cell)
        return cell

    async def _check_test(self, cell) -> None:
        replaced = await self._guard_call(f"after {nbs.grade_id(cell)}")
        if self._death or not (replaced or self._guard_state == "broken"):
            return
        why = (f"{_short(replaced)} replaced while it ran" if replaced
               else "the grading guard was disabled")
        self._notes.append(f"Test {nbs.grade_id(cell)} was voided: {why}.")
        cell.outputs.append(_error("GradingIntegrityError",
                                   f"this test's result was voided: {why}"))

    async def _protect_names(self, cell) -> None:
        names = [n for n in _bound_names(cell.source) if n not in self._solution_names]
        await self._send(f"__course_guard__.protect_names({names!r})")

    # -- a dead kernel ---------------------------------------------------------------------
    async def _recover(self, where: str, reason: str) -> None:
        """After the kernel died in ``where``: restart it and run again the cells that ran
        before (at most ``max_restarts`` times), else mark every later cell as not run."""
        if self._restarts < self.max_restarts and await self._restart_and_replay():
            self._restarts += 1
            self._notes.append(f"The kernel died while running {where}: {reason}. It was "
                               "restarted, the cells before it were run again, and grading "
                               "went on.")
            return
        self._death = reason
        self._notes.append(f"The kernel died while running {where}: {reason}. Later cells "
                           "were not run.")

    async def _restart_and_replay(self) -> bool:
        self._limit_exceeded = ""
        self._reset_files()
        try:
            await ensure_async(self.km.restart_kernel(now=True))
            await ensure_async(self.kc.wait_for_ready(timeout=self.startup_timeout))
        except Exception:  # the kernel cannot be started again
            return False
        threading.Thread(target=self._watch_limits, args=(self.km,), daemon=True).start()
        self._guard_state = "waiting"
        for cell in self._history:
            kind = _kind(cell)
            if self._guard_state == "waiting" and kind != "instructor":
                await self._install_guard()
            reply = await self._send(cell.source)
            if reply is None or not await ensure_async(self.kc.is_alive()):
                return False
            if kind == "instructor" and self._guard_state == "on":
                await self._protect_names(cell)
        return True

    execute_cell = run_sync(async_execute_cell)

    async def _kill_kernel(self) -> None:
        pid = self._kernel_pid(self.km)
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def _death_reason(self) -> str:
        if self._limit_exceeded:
            return self._limit_exceeded
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        code = process.poll() if process is not None else None
        if code is not None and code < 0:
            name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
            return f"the kernel process was killed by signal {name}"
        return f"the kernel process exited (exit code {code})"

    # -- the guard -------------------------------------------------------------------------
    async def _install_guard(self) -> None:
        keep = ("In", "Out", "exit", "quit", "get_ipython", *sorted(self._solution_names))
        install = (f"exec(compile({GUARD_SOURCE!r}, '<grading guard>', 'exec'), _g := {{}})\n"
                   f"_course_guard_ids = _g['install']({list(self.guard_prefixes)!r}, "
                   "[n for n in get_ipython().user_ns if not n.startswith('_') "
                   f"and n not in {keep!r}])\n"
                   "del _g")
        reply = await self._send(install, {"ids": "_course_guard_ids"})
        try:
            data = reply["content"]["user_expressions"]["ids"]["data"]["text/plain"]
            self._guard_ids = ast.literal_eval(data)[:2]
            await self._send("del _course_guard_ids")
            self._guard_state = "on"
        except Exception:  # no reply, or the install failed
            self._guard_state = "broken"
            self._notes.append("The grading guard could not be installed; tests were voided.")

    async def _send(self, code: str, expressions: dict | None = None):
        msg_id = self.kc.execute(code, silent=True, store_history=False,
                                 user_expressions=expressions or {})
        try:
            return await self.async_wait_for_reply(msg_id)
        except DeadKernelError:
            return None

    async def _guard_call(self, when: str) -> list[str]:
        """What the guard had to restore (it restores it); marks the guard broken when its
        reply is missing or forged."""
        if self._guard_state != "on":
            return []
        nonce = secrets.token_hex(8)
        reply = await self._send("", {"r": f"__course_guard__.restore({nonce!r})"})
        try:
            data = reply["content"]["user_expressions"]["r"]["data"]["text/plain"]
            answer = ast.literal_eval(data)
            if answer[:3] != [nonce, *self._guard_ids]:
                raise ValueError("not the guard that was installed")
            return [str(label) for label in answer[3:]]
        except Exception:  # missing reply, error, or a forged one
            if not await ensure_async(self.kc.is_alive()):
                self._death = self._death_reason()
                self._notes.append(f"The kernel died {when}: {self._death}. Later cells "
                                   "were not run.")
                return []
            self._guard_state = "broken"
            self._notes.append(f"The grading guard stopped answering ({when}); this and "
                               "later tests were voided.")
            return []


def _error(name: str, message: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=name, evalue=message,
                        traceback=[f"{name}: {message}"])


def _short(labels: list[str], most: int = 5) -> str:
    shown = ", ".join(labels[:most])
    return shown + (f" and {len(labels) - most} more" if len(labels) > most else "")


def _kind(cell) -> str:
    """``test`` (graded test cell), ``instructor`` (other locked cell) or ``student``."""
    meta = nbs.nbgrader_meta(cell)
    if nbs.is_test(cell):
        return "test"
    return "instructor" if meta.get("locked") and not meta.get("grade") else "student"


def _label(cell, index: int) -> str:
    return nbs.grade_id(cell) or f"#{index + 1}"


def _bound_names(source: str) -> list[str]:
    """Names a cell binds at top level (assignments, imports, definitions)."""
    try:
        tree = ast.parse(nbs.strip_magics(source))
    except SyntaxError:
        return []
    names = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names += [(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"]
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    return names


def _solution_names(source_nb) -> set[str]:
    """Names the instructor's answer cells bind: the student is meant to bind them, so the
    guard never puts them back."""
    if source_nb is None:
        return set()
    return {name for cell in source_nb.cells if nbs.nbgrader_meta(cell).get("solution")
            and cell.cell_type == "code" for name in _bound_names(cell.source)}
