"""Reading nbgrader notebooks: graded cells, graded names, and solution code.

Conventions (checked by ``python -m course validate``):

- an answer cell (``solution: true``) defines graded names at top level: functions, or
  UPPER_CASE answer variables for multiple-choice questions;
- every graded name ``f`` has exactly one test cell with grade id ``test_<f lowercased>``;
- test cells may hold hidden tests between ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS``.
"""

from __future__ import annotations

import ast
import copy
import re
from pathlib import Path

import nbformat
from nbformat import NotebookNode

SOLUTION_BEGIN = "### BEGIN SOLUTION"
SOLUTION_END = "### END SOLUTION"
HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
HIDDEN_END = "### END HIDDEN TESTS"


def assignment_notebook(root: Path | str, folder: str, resources: dict) -> Path:
    """``root/<folder>/<assignment>/<notebook>.ipynb`` for the notebook nbgrader is
    processing (``resources["nbgrader"]`` names it); ``folder`` is source or release."""
    info = resources.get("nbgrader", {})
    return Path(root) / folder / info.get("assignment", "") / f"{info.get('notebook')}.ipynb"


def read(path: Path | str) -> NotebookNode:
    return nbformat.read(str(path), as_version=4)


def write(nb: NotebookNode, path: Path | str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def nbgrader_meta(cell: NotebookNode) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_answer(cell: NotebookNode) -> bool:
    meta = nbgrader_meta(cell)
    return bool(meta.get("solution")) and cell.cell_type == "code"


def is_test(cell: NotebookNode) -> bool:
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution") and cell.cell_type == "code"


def is_manual(cell: NotebookNode) -> bool:
    """A manually graded answer (an open question in markdown, or a graded answer code cell)."""
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and bool(meta.get("solution"))


def grade_id(cell: NotebookNode) -> str | None:
    return nbgrader_meta(cell).get("grade_id")


def defined_names(source: str) -> list[str]:
    """Top-level public functions and UPPER_CASE variables defined by a code cell."""
    tree = ast.parse(strip_magics(source))
    names = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [t.id for t in targets if isinstance(t, ast.Name) and t.id.isupper()]
    return names


def strip_magics(source: str) -> str:
    """Comment out IPython magics and shell escapes so the code parses as Python."""
    return re.sub(r"(?m)^(\s*)([%!])", r"\1#\2", source)


def graded_names(nb: NotebookNode) -> dict[str, int]:
    """Graded names mapped to the index of the answer cell that defines them."""
    names = {}
    for index, cell in enumerate(nb.cells):
        if is_answer(cell):
            for name in defined_names(cell.source):
                names[name] = index
    return names


def test_cell_id(name: str) -> str:
    return f"test_{name.lower()}"


def solution_code(source: str) -> str:
    """The answer cell's code as a student would write it: solution delimiters removed."""
    lines = [line for line in source.split("\n")
             if SOLUTION_BEGIN not in line and SOLUTION_END not in line]
    return "\n".join(lines)


def fill_answers(release: NotebookNode, source: NotebookNode) -> NotebookNode:
    """A copy of the release notebook with every answer cell holding the source's solution,
    as a student who solved everything would hand it in."""
    solutions = {grade_id(c): c.source for c in source.cells if nbgrader_meta(c).get("solution")}
    filled = copy.deepcopy(release)
    for cell in filled.cells:
        gid = grade_id(cell)
        if nbgrader_meta(cell).get("solution") and gid in solutions:
            cell.source = solution_code(solutions[gid]) if cell.cell_type == "code" \
                else solutions[gid]
    return filled
