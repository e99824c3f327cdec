"""Executing a notebook in a fresh kernel, the way a student's "Restart & Run All" would."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from nbclient import NotebookClient
from nbformat import NotebookNode

from course import notebooks as nbs
from course.nbgrader_cli import with_threads


@dataclass
class Execution:
    seconds: float
    errors: list[str]         # "cell 12 (test_sigmoid): AssertionError: ..."
    notebook: NotebookNode


def execute_notebook(path: Path, timeout: int = 300, threads: int | None = 1) -> Execution:
    """Run every cell of the notebook at ``path`` in a copy of its folder (so nothing is
    written next to it), ``timeout`` seconds per cell at most, in a kernel with ``threads``
    TensorFlow threads (None: TensorFlow's own count); errors do not stop the run and are
    all reported."""
    nb = nbs.read(path)
    with tempfile.TemporaryDirectory(prefix="course-run-") as tmp:
        workdir = Path(tmp) / path.parent.name
        shutil.copytree(path.parent, workdir, ignore=shutil.ignore_patterns("*.ipynb"))
        client = NotebookClient(nb, timeout=timeout, allow_errors=True, kernel_name="python3",
                                resources={"metadata": {"path": str(workdir)}})
        start = time.perf_counter()
        client.execute(stderr=subprocess.DEVNULL,  # kernel start-up logs
                       env=with_threads(dict(os.environ), threads))
        seconds = time.perf_counter() - start
    errors = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                label = nbs.grade_id(cell) or cell.cell_type
                errors.append(f"cell {index} ({label}): {output.ename}: {output.evalue}")
    return Execution(seconds, errors, nb)
