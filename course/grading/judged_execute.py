"""``JudgedExecute``: nbgrader's Execute step for untrusted submissions, with a judge.

Two kernels grade a submission (configured in ``nbgrader_config.py``):

- the **student's kernel** runs the notebook's cells except the tests (answers, lesson cells,
  the student's own cells), so the feedback shows the student's plots and prints. It runs
  sandboxed (``course.grading.kernel_sandbox``: bubblewrap, else Landlock) in a folder holding a
  copy
  of the submission's files, with memory and disk limits enforced from outside
  (``course.grading.watchdog``) and each cell's output capped;
- the **judge kernel** runs only the instructor's code from the source notebook: the setup
  cell, the lesson cells a test depends on, and the test cells with their hidden tests. Graded
  names there call into the student's kernel and bring values back by value
  (``course.grading.judge_kernel``). A test's grade comes from the judge alone.

A student's kernel that dies (exit, crash, a limit) is restarted in a fresh copy of its
folder, the cells that ran before are run again, and grading goes on, so only that cell's
work is lost (after ``max_restarts`` deaths, later cells are marked as not run). A cell that
ignores the timeout interrupt gets its kernel killed. Everything the grader did is written
into the notebook's grading notes (``course.grading.grading_notes``).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from jupyter_core.utils import ensure_async, run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Integer

from course import notebooks as nbs
from course.grading import grading_notes, kernel_sandbox, written_files
from course.grading.judge import JudgeKernel, JudgeProgram, bind_code, install_code, used_names
from course.grading.watchdog import ResourceWatchdog
from utils.runtime import THREADS_ENV


class JudgedExecute(Execute):
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
    max_processes = Integer(
        256, help="Processes and threads the student's kernel may run at once.",
    ).tag(config=True)
    max_restarts = Integer(
        2, help="Kernel deaths after which the kernel is restarted and grading goes on.",
    ).tag(config=True)
    stop_grace_seconds = Integer(
        15, help="How long a kernel may take to stop after a timeout interrupt.",
    ).tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", kernel_sandbox.SandboxedKernelManager)
        # Killed at the end, not asked to exit: a TensorFlow kernel takes about a second to
        # exit, and nothing it would still do (its files are what it wrote) counts.
        kwargs.setdefault("shutdown_kernel", "immediate")
        super().__init__(*args, **kwargs)

    # -- the run as a whole ----------------------------------------------------------------
    def preprocess(self, nb, resources, km=None):
        self._notes: list[str] = []
        self._death = ""
        self._timed_out = False
        self._restarts = 0
        self._history: list[NotebookNode] = []  # student-kernel cells run so far (replay)
        self._output_bytes: dict[int, int] = {}
        self._watchdog: ResourceWatchdog | None = None
        root = Path(self.config.CourseDirectory.root or ".")
        source_path = nbs.assignment_notebook(root, "source", resources)
        self._program = JudgeProgram.from_source(nbs.read(source_path))
        self._judge_done: set[int] = set()
        self._judge_ready: asyncio.Future | None = None
        self._sandbox = Path(tempfile.mkdtemp(prefix="course-sandbox-"))
        self._judge = JudgeKernel(source_path.parent, _judge_environment())
        folder = Path(resources.get("metadata", {}).get("path") or ".")
        self._submission_folder = folder
        try:
            resources.setdefault("metadata", {})["path"] = str(self._reset_files())
            nb, resources = super().preprocess(nb, resources, km=km)
        finally:
            if self._watchdog is not None:
                self._watchdog.stop()
            run_sync(self._judge.stop)()
            self._notes += written_files.keep(self._sandbox / "work", folder,
                                              _graded_folder(self.config, resources),
                                              self.file_size_limit_mb, self.disk_limit_mb)
            if self._sandbox.name.startswith("course-sandbox-"):
                shutil.rmtree(self._sandbox, ignore_errors=True)
            resources["metadata"]["path"] = str(folder)
        grading_notes.add(nb, notes=self._notes, root=root,
                          identity=grading_notes.identity_from(resources))
        return nb, resources

    def _reset_files(self) -> Path:
        """The sandbox's work folder as at the start: the submission's files (without
        notebooks: the graded copy holds the hidden tests) and nothing else."""
        work = self._sandbox / "work"
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(self._submission_folder, work, symlinks=True,
                        ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
        return work

    def _spec(self) -> kernel_sandbox.SandboxSpec:
        return kernel_sandbox.SandboxSpec(
            folder=self._sandbox, memory_mb=self.memory_limit_mb,
            file_size_mb=self.file_size_limit_mb, max_processes=self.max_processes,
            read_only=kernel_sandbox.package_folders(), env=_student_environment())

    async def async_start_new_kernel(self, **kwargs):
        self.km.sandbox_spec = self._spec()
        mechanism = kernel_sandbox.mechanism()
        self._notes_on_sandbox(mechanism)
        await asyncio.gather(super().async_start_new_kernel(**kwargs),
                             self._judge.start(self.startup_timeout))
        self._watch()

    start_new_kernel = run_sync(async_start_new_kernel)

    def _notes_on_sandbox(self, mechanism: str) -> None:
        if mechanism == "landlock":
            self._notes.append("The submission ran confined by Linux Landlock (bubblewrap is "
                               "not installed on the grading machine).")
        elif mechanism == "none":
            self._notes.append("File isolation is not available on this machine (neither "
                               "bubblewrap nor Linux Landlock); the submission ran in its own "
                               "folder with resource limits only.")

    def _watch(self) -> None:
        if self._watchdog is not None:
            self._watchdog.stop()
        pid = self._kernel_pid()
        if pid:
            self._watchdog = ResourceWatchdog(pid, self._sandbox, self.memory_limit_mb,
                                              self.disk_limit_mb).start()

    def _kernel_pid(self) -> int | None:
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        return getattr(process, "pid", None)

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

    async def _kernel_stopped(self, grace: float | None = None) -> bool:
        """Does the student's kernel answer within the grace time (after an interrupt)?"""
        msg_id = self.kc.execute("", silent=True, store_history=False)
        deadline = time.monotonic() + (grace if grace is not None else self.stop_grace_seconds)
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
        if nbs.is_test(cell):
            return await self._judge_test(cell, cell_index, execution_count)
        if self._judge_ready is None:  # the setup cell: the judge runs its own copy meanwhile
            self._judge_ready = asyncio.ensure_future(self._prepare_judge())
        return await self._run_student_cell(cell, cell_index, execution_count, store_history)

    async def _run_student_cell(self, cell, cell_index, execution_count, store_history):
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
        self._history.append(cell)
        return cell

    # -- the judge -------------------------------------------------------------------------
    async def _prepare_judge(self) -> str:
        """Run the setup cell and install the judge; returns why it failed (empty if not)."""
        for code in (self._program.setup, install_code(self._connection_info(), self.timeout)):
            error = await self._judge_run(code)
            if error:
                return f"the grader could not start its judge: {error}"
        return ""

    def _connection_info(self) -> dict:
        return self.km.get_connection_info(session=False)

    async def _judge_run(self, code: str) -> str:
        """Run instructor code silently in the judge; the error it raised (empty if none)."""
        kc = self._judge.kc
        msg_id = kc.execute(code, silent=True, store_history=False)
        deadline = time.monotonic() + self.timeout + 30
        while time.monotonic() < deadline:
            try:
                reply = await kc.shell_channel.get_msg(timeout=1)
            except Exception:  # queue.Empty
                if not await ensure_async(self._judge.km.is_alive()):
                    return "the judge kernel stopped"
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                content = reply["content"]
                if content.get("status") == "ok":
                    return ""
                return f"{content.get('ename')}: {content.get('evalue')}"
        await ensure_async(self._judge.km.interrupt_kernel())
        return f"no answer within {self.timeout + 30} s"

    async def _bind(self, names: set[str], values_only: bool = False) -> str:
        """Bind ``names`` in the judge to the student's kernel; why that failed (if it did)."""
        if not names:
            return ""
        error = await self._judge_run(bind_code(sorted(names), values_only))
        if error:
            return error
        problems = await self._judge_value("__course_judge_problems__")
        return "; ".join(problems or [])

    async def _judge_value(self, expression: str):
        kc = self._judge.kc
        msg_id = kc.execute("", silent=True, store_history=False,
                            user_expressions={"v": expression})
        reply = await self._judge_reply(msg_id)
        try:
            import ast

            return ast.literal_eval(reply["content"]["user_expressions"]["v"]["data"]
                                    ["text/plain"])
        except Exception:  # missing or malformed: the judge is trusted, so a bug of ours
            return None

    async def _judge_reply(self, msg_id: str):
        while True:
            reply = await self._judge.kc.shell_channel.get_msg(timeout=self.timeout + 30)
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply

    async def _judge_test(self, cell, cell_index, execution_count):
        """Run a test cell in the judge, after the lesson cells it needs."""
        gid = nbs.grade_id(cell)
        failure = await self._judge_ready if self._judge_ready is not None else "no setup cell"
        before = self._program.tests.get(gid, len(self._program.lesson))
        problems = [failure] if failure else []
        for index, fetch in self._program.slice_for(cell.source, before, self._judge_done):
            if problems:
                break
            lesson = self._program.lesson[index]
            if index not in self._judge_done:
                self._judge_done.add(index)
                error = (await self._bind(used_names(lesson.source) & self._program.graded)
                         or await self._judge_run(lesson.source))
                if error:
                    problems.append(f"the lesson cell {lesson.key} it depends on failed: {error}")
            error = await self._bind(fetch, values_only=True)
            if error and not problems:
                problems.append(f"what the lesson cell {lesson.key} computed with your code "
                                f"could not be read: {error}")
        if not problems:
            bound = await self._bind(used_names(cell.source) & self._program.graded)
            if bound:
                problems.append(f"your answer could not be read: {bound}")
        if problems:
            cell.outputs = [_error("NotGraded", f"test {gid} was not run: {problems[0]}")]
        else:
            cell = await self._in_judge(cell, cell_index, execution_count)
        await self._check_student_kernel(f"test {gid}")
        return cell

    async def _in_judge(self, cell, cell_index, execution_count):
        student, timeout = (self.km, self.kc), self.timeout
        self.km, self.kc = self._judge.km, self._judge.kc
        self.timeout = 3 * timeout  # each call into the student's kernel has ``timeout``
        self._judging = True
        try:
            return await super().async_execute_cell(cell, cell_index, execution_count, True)
        except (DeadKernelError, CellTimeoutError) as error:
            cell.outputs.append(_error(type(error).__name__, f"the test did not finish: {error}"))
            return cell
        finally:
            self._judging = False
            self.km, self.kc = student
            self.timeout = timeout

    async def _check_raise_for_error(self, cell, cell_index, exec_reply):
        """A test's grade is the judge's reply: one that is not "ok" leaves an error output
        in the cell (nbgrader grades by outputs) even when the kernel displayed none."""
        if getattr(self, "_judging", False) and exec_reply is not None:
            content = exec_reply["content"]
            if content.get("status") != "ok" and not any(
                    output.output_type == "error" for output in cell.outputs):
                cell.outputs.append(_error(
                    content.get("ename") or "TestFailed",
                    content.get("evalue") or f"the judge replied {content.get('status')!r}"))
        return await super()._check_raise_for_error(cell, cell_index, exec_reply)

    async def _check_student_kernel(self, where: str) -> None:
        """After the judge called into the student's kernel: is it alive and idle again?"""
        if self._death:
            return
        if await ensure_async(self.km.is_alive()) and await self._kernel_stopped(grace=2):
            return
        if await ensure_async(self.km.is_alive()):
            await ensure_async(self.km.interrupt_kernel())
            if await self._kernel_stopped():
                self._notes.append(f"Your code did not return within the time limit during "
                                   f"{where}; it was stopped.")
                return
            await self._kill_kernel()
        await self._recover(where, self._death_reason())

    # -- a dead kernel ---------------------------------------------------------------------
    async def _recover(self, where: str, reason: str) -> None:
        """After the student's kernel died in ``where``: restart it and run again the cells
        that ran before (at most ``max_restarts`` times), else mark every later cell as not
        run."""
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
        if self._watchdog is not None:
            self._watchdog.stop()
            self._watchdog = None
        self._reset_files()
        try:
            await ensure_async(self.km.restart_kernel(now=True))
            await ensure_async(self.kc.wait_for_ready(timeout=self.startup_timeout))
        except Exception:  # the kernel cannot be started again
            return False
        self._watch()
        for cell in self._history:
            reply = await self._send(cell.source)
            if reply is None or not await ensure_async(self.kc.is_alive()):
                return False
        if self._judge_ready is not None and not await self._judge_ready:
            await self._judge_run("__course_judge__.reconnect("
                                  f"{_plain(self._connection_info())!r})")
        return True

    async def _send(self, code: str):
        msg_id = self.kc.execute(code, silent=True, store_history=False)
        try:
            return await self.async_wait_for_reply(msg_id)
        except DeadKernelError:
            return None

    execute_cell = run_sync(async_execute_cell)

    async def _kill_kernel(self) -> None:
        pid = self._kernel_pid()
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def _death_reason(self) -> str:
        if self._watchdog is not None and self._watchdog.reason:
            return self._watchdog.reason
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        code = process.poll() if process is not None else None
        number = -code if code is not None and code < 0 else (code or 0) - 128
        if number > 0:  # a signal; bubblewrap reports a kernel killed by N as 128 + N
            name = signal.Signals(number).name if number in signal.valid_signals() \
                else str(number)
            return f"the kernel process was killed by signal {name}"
        return f"the kernel process exited (exit code {code})"


def _graded_folder(config, resources: dict) -> Path | None:
    """``autograded/<student>/<assignment>/`` of the notebook being graded (None outside
    ``nbgrader autograde``)."""
    ids = resources.get("nbgrader", {})
    if not ids.get("student") or not ids.get("assignment"):
        return None
    course = config.CourseDirectory
    root = Path(course.root or ".")
    return root / (course.autograded_directory or "autograded") / ids["student"] / \
        ids["assignment"]


def _plain(info: dict) -> dict:
    return {k: (v.decode() if isinstance(v, bytes) else v) for k, v in info.items()}


def _student_environment() -> dict[str, str]:
    """Variables the student's kernel may see (everything else is cleared)."""
    keep = (THREADS_ENV, "OMP_NUM_THREADS", "TF_CPP_MIN_LOG_LEVEL", "MPLBACKEND",
            "TF_ENABLE_ONEDNN_OPTS", "CUDA_VISIBLE_DEVICES")
    return {k: os.environ[k] for k in keep if k in os.environ}


def _judge_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JPY_", "JUPYTER"))}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def _error(name: str, message: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=name, evalue=message,
                        traceback=[f"{name}: {message}"])


def _label(cell, index: int) -> str:
    return nbs.grade_id(cell) or f"#{index + 1}"
