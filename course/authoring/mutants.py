"""Mutants and variants: wrong answers every test must catch, right ones it must accept.

A chapter's mutants live next to its source notebook, in ``source/<chapter>/mutants.py``, as
a list ``MUTANTS`` of ``Mutant(name, description, find, replace)``: the answer cell that
defines ``name`` gets ``find`` replaced by ``replace`` (``find`` must occur in the solution, so
a mutant cannot silently stop applying when the solution changes). Its *variants* live in
``source/<chapter>/variants.py`` as ``VARIANTS``, written the same way: correct answers by
the docstring's contract in another idiom (loops instead of vectorised code, no
``np.asarray`` where arrays are promised, Keras objects instead of strings, ...). Both files
are the instructor's: ``CourseDirectory.ignore`` in ``nbgrader_config.py`` keeps them out of
``release/`` and out of the folder a submission is graded in.

``run_mutant_sweep`` executes a chapter's source notebook once, then for each mutant and
variant runs the changed answer cell, the test cell of its name and the original answer cell
again, and reports which tests still passed: a surviving mutant is a test that cannot fail,
a failing variant a test that takes points from a right answer. The demo's ``mistakes``
student is built from the same mutants.
"""

from __future__ import annotations

import copy
import importlib.util
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat import NotebookNode

from course import notebooks as nbs
from course.chapters import ROOT, CourseError, source_notebook
from course.nbgrader_cli import with_threads
from course.settings import load_settings


@dataclass(frozen=True)
class Mutant:
    """Replace ``find`` by ``replace`` in the answer cell defining ``name``."""

    name: str
    description: str
    find: str
    replace: str


KINDS = ("mutants", "variants")
INSTRUCTOR_FILES = tuple(f"{kind}.py" for kind in KINDS)  # never copied to a student


def mutants_file(chapter: str, root: Path = ROOT, kind: str = "mutants") -> Path:
    """``source/<chapter>/mutants.py`` or ``source/<chapter>/variants.py``."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    return source_notebook(chapter, root).parent / f"{kind}.py"


def load_mutants(chapter: str, root: Path = ROOT, kind: str = "mutants") -> list[Mutant]:
    """The chapter's ``MUTANTS`` (``kind="mutants"``) or ``VARIANTS`` (``"variants"``);
    a chapter without the file is an error, never an empty list."""
    path = mutants_file(chapter, root, kind)
    if not path.is_file():
        raise CourseError(f"{chapter} has no {kind}: expected {path}")
    spec = importlib.util.spec_from_file_location(f"{kind}_{chapter}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(getattr(module, kind.upper()))


def mutated_source(nb: NotebookNode, mutant: Mutant) -> tuple[int, str]:
    """Index of the answer cell defining ``mutant.name`` and its mutated source."""
    names = nbs.graded_names(nb)
    if mutant.name not in names:
        raise CourseError(f"mutant '{mutant.description}': no answer cell defines {mutant.name}")
    index = names[mutant.name]
    source = nb.cells[index].source
    if mutant.find not in source:
        raise CourseError(f"mutant '{mutant.description}': {mutant.find!r} not found in the "
                          f"answer cell of {mutant.name}")
    mutated = source.replace(mutant.find, mutant.replace)
    if mutated == source:
        raise CourseError(f"mutant '{mutant.description}' does not change the code")
    return index, mutated


def apply_mutants(nb: NotebookNode, mutants: list[Mutant]) -> NotebookNode:
    """A copy of ``nb`` with every mutant applied to its answer cell."""
    mutated = copy.deepcopy(nb)
    for mutant in mutants:
        index, source = mutated_source(mutated, mutant)
        mutated.cells[index].source = source
    return mutated


def _code_cell(source: str, tag: str) -> NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["sweep"] = tag
    return cell


def build_sweep(nb: NotebookNode, mutants: list[Mutant]) -> NotebookNode:
    """The whole notebook, then one block per mutant: mutated answer, its test, restore."""
    sweep = copy.deepcopy(nb)
    for cell in sweep.cells:
        if cell.cell_type == "code":
            cell.metadata["sweep"] = "reference"
    tests = {nbs.grade_id(c): c for c in nb.cells if nbs.is_test(c)}
    for number, mutant in enumerate(mutants):
        index, source = mutated_source(nb, mutant)
        test_id = nbs.test_cell_id(mutant.name)
        if test_id not in tests:
            raise CourseError(f"mutant '{mutant.description}': no test cell {test_id}")
        sweep.cells.append(_code_cell(source, f"mutant-{number}-answer"))
        sweep.cells.append(_code_cell(tests[test_id].source, f"mutant-{number}-test"))
        sweep.cells.append(_code_cell(nb.cells[index].source, f"mutant-{number}-restore"))
    return sweep


def _errors(cell: NotebookNode) -> list[str]:
    return [f"{o.ename}: {o.evalue}" for o in cell.get("outputs", []) if o.output_type == "error"]


@dataclass
class SweepResult:
    reference_errors: list[str]   # errors in the unmutated notebook (should be none)
    survivors: list[Mutant]       # mutants whose test still passed
    killed: dict[str, str]        # mutant description -> first error of its test
    broken: dict[str, str]        # mutant description -> error of its answer cell itself
    rejected: dict[str, str] = field(default_factory=dict)  # variant -> error it got
    variants: int = 0             # variants run


def run_mutant_sweep(chapter: str, root: Path = ROOT, timeout: int = 300) -> SweepResult:
    """Execute the chapter's sweep notebook in one kernel and sort mutants into killed and
    surviving."""
    nb = nbs.read(source_notebook(chapter, root))
    mutants = load_mutants(chapter, root)
    variants = load_mutants(chapter, root, "variants")
    sweep = build_sweep(nb, mutants + variants)
    env = with_threads(dict(os.environ), load_settings(root).tf_threads)
    with tempfile.TemporaryDirectory(prefix="course-sweep-") as tmp:
        workdir = Path(tmp) / chapter
        shutil.copytree(source_notebook(chapter, root).parent, workdir,
                        ignore=shutil.ignore_patterns("*.ipynb", *INSTRUCTOR_FILES))
        NotebookClient(sweep, timeout=timeout, allow_errors=True, kernel_name="python3",
                       resources={"metadata": {"path": str(workdir)}}).execute(
            stderr=subprocess.DEVNULL, env=env)  # stderr: kernel start-up logs
    reference_errors = [
        f"cell {i}: {err}" for i, cell in enumerate(sweep.cells)
        if cell.metadata.get("sweep") == "reference" for err in _errors(cell)
    ]
    cells = {c.metadata.get("sweep"): c for c in sweep.cells}
    survivors, killed, broken, rejected = [], {}, {}, {}
    for number, mutant in enumerate(mutants + variants):
        answer_errors = _errors(cells[f"mutant-{number}-answer"])
        test_errors = _errors(cells[f"mutant-{number}-test"])
        label = f"{mutant.name}: {mutant.description}"
        if number >= len(mutants):
            if answer_errors or test_errors:
                rejected[label] = (answer_errors or test_errors)[0]
        elif answer_errors:
            broken[label] = answer_errors[0]
        elif test_errors:
            killed[label] = test_errors[0]
        else:
            survivors.append(mutant)
    return SweepResult(reference_errors, survivors, killed, broken, rejected, len(variants))
