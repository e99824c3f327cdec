"""The kernels of ``make lab``: what a student sees in a notebook."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ROOT / "lab" / "ipython"


def _outputs_of_importing_tensorflow(ipython_dir: Path) -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import tensorflow as tf\nprint('imported')\n"
                                          "import warnings; warnings.warn('a Python warning')")]
    # (ipykernel never captures low-level output under pytest: drop its marker, as outside)
    env = {k: v for k, v in os.environ.items()
           if k not in ("TF_CPP_MIN_LOG_LEVEL", "PYTEST_CURRENT_TEST")}
    env["IPYTHONDIR"] = str(ipython_dir)
    NotebookClient(nb, timeout=120, kernel_name="python3").execute(env=env)
    return "\n".join(output.get("text", "") for output in nb.cells[0].outputs)


def test_make_lab_starts_jupyterlab_with_the_course_kernel_profile():
    recipe = re.search(r"^lab:.*\n\t(.*)$", (ROOT / "Makefile").read_text(), re.M).group(1)
    assert "IPYTHONDIR=$(CURDIR)/lab/ipython" in recipe and "-u MPLBACKEND" in recipe


def test_tensorflow_log_lines_stay_out_of_the_notebook_python_warnings_do_not(tmp_path):
    course_profile = tmp_path / "course"
    shutil.copytree(PROFILE, course_profile)
    shown = _outputs_of_importing_tensorflow(course_profile)
    assert "imported" in shown and "a Python warning" in shown
    assert "I0000" not in shown and "absl" not in shown

    plain = _outputs_of_importing_tensorflow(tmp_path / "plain")  # what it was without it
    assert "I0000" in plain or "absl" in plain
