"""What the tests build from code: nbgrader cells, a tiny chapter without TensorFlow, throw-away
courses holding it, its demo submissions, and the ``course`` command line run on a course."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from course import notebooks as nbs
from course.chapters import ROOT

TINY_CHAPTER = "01_ann_basics"  # the tiny courses reuse a real chapter name


def nbgrader_cell(kind: str, source: str, grade_id: str = "", points: float = 0):
    """A notebook cell with nbgrader metadata: kind is md, code, setup, answer, test or open."""
    if kind in ("md", "open"):
        cell = nbformat.v4.new_markdown_cell(source)
    else:
        cell = nbformat.v4.new_code_cell(source)
    meta = {"schema_version": 3, "task": False, "grade_id": grade_id}
    if kind == "answer":
        meta.update(grade=False, solution=True, locked=False)
    elif kind == "test":
        meta.update(grade=True, solution=False, locked=True, points=points)
    elif kind == "open":
        meta.update(grade=True, solution=True, locked=False, points=points)
    elif kind == "setup":
        meta.update(grade=False, solution=False, locked=True)
    else:
        return cell
    cell.metadata["nbgrader"] = meta
    return cell


def tiny_notebook(extra_cells=()):
    """A fast chapter without TensorFlow: ``double(x)`` (2 points) and ``ANSWER`` (1 point)."""
    cells = [
        nbgrader_cell("md", "# Tiny chapter"),
        nbgrader_cell("setup", "import numpy as np\nfrom utils import checks", "setup"),
        nbgrader_cell("answer", "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n"
                                "    ### END SOLUTION", "answer_double"),
        nbgrader_cell("test", "checks.assert_close(double(1.0), 2.0, 'double(1.0)')\n"
                              "### BEGIN HIDDEN TESTS\n"
                              "checks.assert_close(double(21.5), 43.0, 'double(21.5)')\n"
                              "### END HIDDEN TESTS", "test_double", 2),
        nbgrader_cell("answer", "### BEGIN SOLUTION\nANSWER = {'b'}\n### END SOLUTION",
                      "answer_answer"),
        nbgrader_cell("test", "checks.check_choice_format(ANSWER, 'abc', 'ANSWER')\n"
                              "### BEGIN HIDDEN TESTS\n"
                              "checks.assert_choice(ANSWER, {'b'}, 'ANSWER')\n"
                              "### END HIDDEN TESTS", "test_answer", 1),
        nbgrader_cell("open", "Because doubling is linear.", "open_why", 1),
        *extra_cells,
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


def make_course(root: Path, nb=None, chapter: str = TINY_CHAPTER) -> Path:
    """A course directory at ``root`` holding one chapter (the tiny notebook by default)."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "nbgrader_config.py", root)
    folder = root / "source" / chapter
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb if nb is not None else tiny_notebook(), str(folder / f"{chapter}.ipynb"))
    return root


def submit(root: Path, student: str, nb=None, text: str | None = None,
           name: str = f"{TINY_CHAPTER}.ipynb") -> None:
    """Hand in ``nb`` (or the raw ``text``) as ``submitted/<student>/<tiny chapter>/<name>``."""
    folder = root / "submitted" / student / TINY_CHAPTER
    folder.mkdir(parents=True, exist_ok=True)
    if text is not None:
        (folder / name).write_text(text)
    else:
        nbformat.write(nb, str(folder / name))


def build_submissions(root: Path) -> None:
    """Five submissions of a released tiny course: ``reference`` (full marks), ``blank``,
    ``partial`` (``ANSWER`` wrong), ``broken_json`` (not a notebook) and ``renamed`` (the
    reference under another file name)."""
    source = nbs.read(root / "source" / TINY_CHAPTER / f"{TINY_CHAPTER}.ipynb")
    blank = nbs.read(root / "release" / TINY_CHAPTER / f"{TINY_CHAPTER}.ipynb")
    reference = nbs.fill_answers(blank, source)
    partial = nbs.fill_answers(blank, source)
    partial.cells[4].source = "ANSWER = {'a'}"
    submit(root, "reference", reference)
    submit(root, "blank", blank)
    submit(root, "partial", partial)
    submit(root, "broken_json", text='{"cells": [')
    submit(root, "renamed", reference, name="my_homework.ipynb")


def course_cli(root: Path, *args: str, timeout: float = 900,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m course --root ROOT ARGS`` (with ``env`` added to the environment)
    and capture its output."""
    return subprocess.run([sys.executable, "-m", "course", "--root", str(root), *args],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                          env={**os.environ, **(env or {})})
