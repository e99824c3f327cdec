"""The grader's side of the judge: which instructor cells a test needs, and the judge kernel.

Test cells never run in the student's kernel. They run in a *judge kernel* that executes
only the instructor's code, taken from the source notebook: the setup cell, then before each
test the lesson cells whose names the test uses (its dependency slice, found from the names
each cell binds and uses), then the test itself. Graded names (what the answer cells define)
are bound there by ``course.judge_kernel`` to the student's kernel: functions as proxies,
answers by value.
"""

from __future__ import annotations

import ast
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import ensure_async

from course import notebooks as nbs


def _tree(source: str):
    try:
        return ast.parse(nbs.strip_magics(source))
    except SyntaxError:
        return None


def bound_names(source: str, imports: bool = True) -> set[str]:
    """Names a cell binds at top level (definitions, assignments and, with ``imports``,
    imports)."""
    tree = _tree(source)
    names: set[str] = set()
    for node in tree.body if tree is not None else []:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)) and imports:
            names |= {(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"}
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.With)):
            targets = [n for n in ast.walk(node) if isinstance(n, ast.Name)
                       and isinstance(n.ctx, ast.Store)]
            names |= {n.id for n in targets}
    return names


def used_names(source: str) -> set[str]:
    """Every name a cell reads (anywhere, also inside functions it defines)."""
    tree = _tree(source)
    if tree is None:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


@dataclass
class JudgeProgram:
    """The instructor's cells of one assignment, as the judge runs them."""

    setup: str = ""
    graded: set[str] = field(default_factory=set)   # names the answer cells define
    lesson: list[tuple[str, str]] = field(default_factory=list)  # (key, source) in order
    tests: dict[str, int] = field(default_factory=dict)  # test grade id -> lesson cells before

    @classmethod
    def from_source(cls, source_nb) -> "JudgeProgram":
        program = cls()
        for index, cell in enumerate(source_nb.cells):
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            if nbs.is_answer(cell):
                program.graded |= bound_names(cell.source, imports=False)
            elif nbs.is_test(cell):
                program.tests[nbs.grade_id(cell)] = len(program.lesson)
            elif not program.setup and nbs.nbgrader_meta(cell).get("locked"):
                program.setup = cell.source
            else:
                program.lesson.append((f"#{index + 1}", cell.source))
        return program

    def slice_for(self, test_source: str, before: int, done: set[int]) -> list[int]:
        """Indexes of the lesson cells (among the first ``before``, not in ``done``) the test
        needs, in order: each binds a name that the test, or a cell already chosen, uses."""
        needed = used_names(test_source) - self.graded
        chosen = []
        for index in range(before - 1, -1, -1):
            binds = bound_names(self.lesson[index][1]) - self.graded
            if binds & needed:
                needed -= binds
                if index not in done:
                    chosen.append(index)
                    needed |= used_names(self.lesson[index][1]) - self.graded
        return sorted(chosen)


class JudgeKernel:
    """A trusted kernel in a folder of its own holding the assignment's instructor files."""

    def __init__(self, assignment_folder: Path, environment: dict[str, str]):
        self.folder = Path(tempfile.mkdtemp(prefix="course-judge-"))
        work = self.folder / "work"
        shutil.copytree(assignment_folder, work,
                        ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
        home = self.folder / "home"
        home.mkdir()
        self.km = AsyncKernelManager(kernel_name="python3")
        self.environment = {**environment, "HOME": str(home), "MPLBACKEND": "Agg",
                            "JUPYTER_RUNTIME_DIR": str(self.folder)}
        self.work = work
        self.kc = None

    async def start(self, startup_timeout: float) -> None:
        self.km.connection_file = str(self.folder / "judge.json")
        await ensure_async(self.km.start_kernel(env=self.environment, cwd=str(self.work),
                                                stdout=open(os.devnull, "w"),  # noqa: SIM115
                                                stderr=open(os.devnull, "w")))  # noqa: SIM115
        self.kc = self.km.client()
        await ensure_async(self.kc.start_channels())
        await ensure_async(self.kc.wait_for_ready(timeout=startup_timeout))
        self.kc.allow_stdin = False

    async def stop(self) -> None:
        try:
            if self.kc is not None:
                await ensure_async(self.kc.stop_channels())
            await ensure_async(self.km.shutdown_kernel(now=True))
        except Exception:  # already gone
            pass
        if self.folder.name.startswith("course-judge-"):
            shutil.rmtree(self.folder, ignore_errors=True)


def install_code(connection_info: dict, timeout: float) -> str:
    """Code that sets the judge up in the judge kernel."""
    info = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in connection_info.items()}
    return ("import course.judge_kernel as __course_judge__\n"
            f"__course_judge__.install({info!r}, {float(timeout)!r})")


def bind_code(names: list[str]) -> str:
    return f"__course_judge_problems__ = __course_judge__.bind({sorted(names)!r})"


def python_executable() -> str:
    return sys.executable
