"""The grader's side of the judge: which instructor cells a test needs, and the judge kernel.

Test cells never run in the student's kernel. They run in a *judge kernel* that executes
only the instructor's code, taken from the source notebook: the setup cell, then before each
test the lesson cells whose names the test uses (its dependency slice, found from the names
each cell binds and uses), then the test itself. Graded names (what the answer cells define)
are bound there by ``course.grading.judge_kernel`` to the student's kernel: functions as proxies,
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

from jupyter_core.utils import ensure_async

from course import notebooks as nbs
from course.grading.forked_kernel import ForkedKernelManager


def _tree(source: str):
    try:
        return ast.parse(nbs.strip_magics(source))
    except SyntaxError:
        return None


def _names(node, context) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, context)}


def _loaded(node) -> set[str]:
    return _names(node, ast.Load)


def _stored(node) -> set[str]:
    return _names(node, ast.Store)


def bound_names(source: str, imports: bool = True) -> set[str]:
    """Names a cell binds at top level (definitions, assignments and, with ``imports``,
    imports)."""
    tree = _tree(source)
    names: set[str] = set()
    for node in tree.body if tree is not None else []:
        names |= _binds(node, imports)
    return names


def _binds(node, imports: bool = True) -> set[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"} \
            if imports else set()
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.With)):
        return _stored(node)
    return set()


def used_names(source: str) -> set[str]:
    """Every name a cell reads (anywhere, also inside functions it defines)."""
    tree = _tree(source)
    return _loaded(tree) if tree is not None else set()


def _local(node) -> set[str]:
    """Every name ``node`` binds anywhere: assignment and loop targets, parameters, the names
    of functions and classes it defines (nested ones too), exception and import aliases."""
    names = _stored(node)
    for sub in ast.walk(node):
        if isinstance(sub, ast.arg):
            names.add(sub.arg)
        elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(sub.name)
        elif isinstance(sub, ast.ExceptHandler) and sub.name:
            names.add(sub.name)
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in sub.names if a.name != "*"}
    return names


def _free(node) -> set[str]:
    """Names read by ``node`` that it does not bind itself anywhere (loop variables,
    function parameters, locals and nested definitions are left out)."""
    return _loaded(node) - _local(node)


def free_names(source: str) -> set[str]:
    """Names a cell reads that must come from earlier cells."""
    tree = _tree(source)
    return _free(tree) if tree is not None else set()


def _is_definition(node) -> bool:
    """Code that only defines something (its body runs later, when called)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import,
                         ast.ImportFrom)):
        return True
    return isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda)


def _root(node) -> str | None:
    """``x`` of ``x``, ``x.a``, ``x[i].b``: the variable an expression reaches into."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _changed_names(node) -> set[str]:
    """Names a statement binds or may change in place: assignment targets, and objects whose
    attribute or item it assigns or whose method it calls."""
    names = _stored(node)
    for sub in ast.walk(node):
        if isinstance(sub, (ast.Attribute, ast.Subscript)) and isinstance(sub.ctx, ast.Store):
            names.add(_root(sub))
        elif isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute):
            names.add(_root(sub.func.value))
    return names - {None}


@dataclass
class LessonCell:
    """One lesson cell as the judge handles it.

    Statements that depend on the student's code (they use a graded name, a value computed
    from one, or a lesson function that calls one) are not run again in the judge: the names
    they bind or change are read by value from the student's kernel (``fetch``), as they are
    when the test runs. The judge runs the rest (``source``): definitions and everything
    computed from instructor code alone.
    """

    key: str
    source: str
    binds: set[str]
    uses: set[str]
    fetch: set[str]


@dataclass
class JudgeProgram:
    """The instructor's cells of one assignment, as the judge runs them."""

    setup: str = ""
    graded: set[str] = field(default_factory=set)   # names the answer cells define
    lesson: list[LessonCell] = field(default_factory=list)  # in notebook order
    tests: dict[str, int] = field(default_factory=dict)  # test grade id -> lesson cells before

    @classmethod
    def from_source(cls, source_nb) -> "JudgeProgram":
        program = cls()
        lesson: list[tuple[str, str]] = []
        for index, cell in enumerate(source_nb.cells):
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            if nbs.is_answer(cell):
                program.graded |= bound_names(cell.source, imports=False)
            elif nbs.is_test(cell):
                program.tests[nbs.grade_id(cell)] = len(lesson)
            elif not program.setup and nbs.nbgrader_meta(cell).get("locked"):
                program.setup = cell.source
            else:
                lesson.append((f"#{index + 1}", cell.source))
        tainted = set(program.graded)
        definitions = {n for n in bound_names(program.setup)}  # never read by value
        program.lesson = [_split(key, source, tainted, definitions) for key, source in lesson]
        for cell in program.lesson:
            cell.fetch -= program.graded
        return program

    def slice_for(self, test_source: str, before: int, done: set[int]
                  ) -> list[tuple[int, set[str]]]:
        """What the test needs from the first ``before`` lesson cells, in order: ``(index,
        names)`` where the judge runs cell ``index`` (unless it is in ``done``) and then
        reads ``names`` from the student's kernel. A cell is needed when it binds a name the
        test, or a cell already chosen, uses."""
        needed = free_names(test_source) - self.graded
        chosen = []
        for index in range(before - 1, -1, -1):
            cell = self.lesson[index]
            fetch, run = cell.fetch & needed, cell.binds & needed
            if not fetch and not run:
                continue
            needed -= fetch | run
            if run and index not in done:
                needed |= cell.uses - self.graded
            if fetch or (run and index not in done):
                chosen.append((index, fetch))
        return sorted(chosen, key=lambda item: item[0])


def _split(key: str, source: str, tainted: set[str], definitions: set[str]) -> LessonCell:
    """Split a lesson cell into what the judge runs and what it reads. ``tainted``: names
    that depend on student code so far; ``definitions``: names of modules, functions and
    classes the instructor's code defined so far (both updated)."""
    tree = _tree(source)
    if tree is None:
        return LessonCell(key, source, set(), set(), set())
    kept, binds, uses, fetch = [], set(), set(), set()
    for node in tree.body:
        names, depends = _binds(node), bool(_loaded(node) & tainted)
        if not _is_definition(node) and depends:
            changed = _changed_names(node) - definitions
            tainted |= changed
            fetch |= changed
            binds -= changed
            continue
        if _is_definition(node):
            definitions |= names
        if depends:  # a lesson function that calls student code
            tainted |= names
        else:        # instructor code alone (re)binds these names
            tainted -= names
        kept.append(node)
        uses |= _free(node) - binds
        binds |= names
        fetch -= names
    lines = source.splitlines(keepends=True)
    text = source if len(kept) == len(tree.body) else "".join(
        "".join(lines[min([n.lineno, *(d.lineno for d in getattr(n, "decorator_list", []))]) - 1:
                      n.end_lineno]) for n in kept)
    return LessonCell(key, text, binds, uses, fetch)


class JudgeKernel:
    """A trusted kernel in a folder of its own holding the assignment's instructor files."""

    def __init__(self, assignment_folder: Path, environment: dict[str, str]):
        self.folder = Path(tempfile.mkdtemp(prefix="course-judge-"))
        work = self.folder / "work"
        shutil.copytree(assignment_folder, work,
                        ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
        home = self.folder / "home"
        home.mkdir()
        self.km = ForkedKernelManager(kernel_name="python3")
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
    return ("import course.grading.judge_kernel as __course_judge__\n"
            f"__course_judge__.install({info!r}, {float(timeout)!r})")


def bind_code(names: list[str], values_only: bool = False) -> str:
    return (f"__course_judge_problems__ = __course_judge__.bind({sorted(names)!r}, "
            f"{values_only!r})")


def python_executable() -> str:
    return sys.executable
