"""Grading notes: what the grader did to a submission, kept in the graded notebook itself.

The notes live in one markdown cell at the top of the autograded notebook (marked by its
``course`` metadata), so the student reads them in the feedback and the instructor in the report
(``course.autograde`` copies them into the submission's outcome). Two kinds:

- ``notes``: what changed how the notebook was graded ("test cell test_sigmoid was missing; it
  was restored from the assignment", "test_relu voided: builtins.abs was replaced while it ran");
- ``flags``: suspicious code for an instructor to review. A flag never changes a score.
"""

from __future__ import annotations

import nbformat


def _cell(nb) -> nbformat.NotebookNode | None:
    return next((c for c in nb.cells
                 if c.cell_type == "markdown" and "course" in c.get("metadata", {})), None)


def read(nb) -> dict[str, list[str]]:
    """``{"notes": [...], "flags": [...]}`` recorded in ``nb`` (empty lists when none)."""
    cell = _cell(nb)
    stored = cell.metadata.get("course", {}) if cell is not None else {}
    return {"notes": list(stored.get("notes", [])), "flags": list(stored.get("flags", []))}


def add(nb, notes: list[str] = (), flags: list[str] = ()) -> None:
    """Append ``notes`` and ``flags`` to the notes cell of ``nb`` (created when missing)."""
    if not notes and not flags:
        return
    current = read(nb)
    current["notes"] += [n for n in notes if n not in current["notes"]]
    current["flags"] += [f for f in flags if f not in current["flags"]]
    cell = _cell(nb)
    if cell is None:
        cell = nbformat.v4.new_markdown_cell()
        if nb.get("nbformat_minor", 5) < 5:  # cell ids exist from nbformat 4.5 on
            cell.pop("id", None)
        nb.cells.insert(0, cell)
    cell.metadata["course"] = current
    cell.source = render(current)


def render(current: dict[str, list[str]]) -> str:
    lines = ["## Grading notes", ""]
    lines += [f"- {note}" for note in current["notes"]]
    if current["flags"]:
        lines += ["", "### Flagged for instructor review (no points were taken for these)", ""]
        lines += [f"- {flag}" for flag in current["flags"]]
    return "\n".join(lines)
