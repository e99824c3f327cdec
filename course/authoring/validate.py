"""``course validate``: check source notebooks' nbgrader metadata, then execute them."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import nbformat

from course import notebooks as nbs
from course.authoring.execute import execute_notebook
from course.chapters import ROOT, CourseError, source_notebook
from course.cli.progress import progress


def metadata_problems(nb: nbformat.NotebookNode) -> list[str]:
    """Every convention a source notebook breaks (empty when it is fine)."""
    problems = []
    ids = [nbs.grade_id(c) for c in nb.cells if nbs.nbgrader_meta(c)]
    for cell_id in ids:
        if not cell_id:
            problems.append("a cell has nbgrader metadata but no grade id")
    for cell_id, count in Counter(i for i in ids if i).items():
        if count > 1:
            problems.append(f"grade id '{cell_id}' is used by {count} cells")
    tests = set()
    for index, cell in enumerate(nb.cells):
        meta = nbs.nbgrader_meta(cell)
        if cell.cell_type == "code" and cell.get("outputs"):
            problems.append(f"cell {index} has stored outputs (source notebooks are kept clean)")
        if meta.get("grade") and not (meta.get("points") or 0) > 0:
            problems.append(f"graded cell '{meta.get('grade_id')}' has no points")
        if nbs.is_test(cell):
            tests.add(meta.get("grade_id"))
        source = cell.source
        if source.count(nbs.HIDDEN_BEGIN) != source.count(nbs.HIDDEN_END):
            problems.append(f"cell {index}: unbalanced hidden-test delimiters")
        if nbs.HIDDEN_BEGIN in source and not nbs.is_test(cell):
            problems.append(f"cell {index}: hidden tests outside a test cell")
        if nbs.is_answer(cell) and cell.cell_type == "code" and nbs.SOLUTION_BEGIN not in source:
            problems.append(f"answer cell '{meta.get('grade_id')}' has no ### BEGIN SOLUTION")
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    if not code_cells or not nbs.nbgrader_meta(code_cells[0]).get("locked"):
        problems.append("the first code cell must be the locked setup cell (imports, seed)")
    try:
        names = nbs.graded_names(nb)
    except SyntaxError as error:
        return problems + [f"an answer cell does not parse: {error}"]
    for name in names:
        if nbs.test_cell_id(name) not in tests:
            problems.append(f"graded name '{name}' has no test cell '{nbs.test_cell_id(name)}'")
    if not names:
        problems.append("no graded names (answer cells define no functions or answers)")
    return problems


def check_metadata(chapter: str, root: Path = ROOT) -> None:
    path = source_notebook(chapter, root)
    try:
        nb = nbs.read(path)
    except Exception as error:  # nbformat raises several types for unreadable files
        raise CourseError(f"{path}: not a readable notebook ({error})") from None
    problems = metadata_problems(nb)
    if problems:
        raise CourseError(f"{chapter}: " + "; ".join(problems))


def validate(chapters: list[str], root: Path = ROOT, execute: bool = True,
             workers: int = 2) -> dict[str, float]:
    """Check every chapter's metadata, then execute the source notebooks (``workers`` at a
    time). Returns execution seconds by chapter; raises ``CourseError`` on the first problem."""
    for chapter in chapters:
        check_metadata(chapter, root)
    if not execute:
        return {}
    seconds = {}
    with ThreadPoolExecutor(max_workers=workers) as pool, \
            progress(len(chapters), "executing source notebooks") as bar:
        runs = {pool.submit(execute_notebook, source_notebook(c, root)): c for c in chapters}
        failures = []
        for future in as_completed(runs):
            chapter = runs[future]
            result = future.result()
            bar.update(1)
            seconds[chapter] = result.seconds
            if result.errors:
                failures.append(f"{chapter}: {result.errors[0]}")
    if failures:
        raise CourseError("source notebook failed to execute: " + "; ".join(failures))
    return seconds
