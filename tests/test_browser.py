"""The student's and the instructor's JupyterLab, tested in a real browser.

Playwright drives headless Chromium against JupyterLab servers started with the environment
of the Makefile's ``lab`` and ``formgrader`` recipes, on temporary copies of the course. The
tests prove that, for a student working in chapter 01's notebook under ``make lab``:

- a matplotlib plot shows inline, and TensorFlow's C++ log lines do not show as stderr blocks;
- a right answer's test cell says in one line "✓ all visible checks passed", a wrong answer's
  test cell shows the failed check's message without the frames of ``utils/checks.py`` or
  ``contextlib``;
- nbgrader's instructor and exchange tools (Create Assignment, Formgrader, the assignment and
  course lists) are absent, and the Validate button names the failing test cells;

and that ``make formgrader`` serves nbgrader's formgrader listing the course's chapter.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
CHAPTER = "01_ann_basics"
NOTEBOOK = f"{CHAPTER}/{CHAPTER}.ipynb"
TOKEN = "course-browser-test"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
TENSORFLOW_LOG_MARKERS = ("cuda", "onednn", "i0000", "e0000", "w0000", "absl")
SECONDS = 1000  # Playwright counts milliseconds
sync_api.expect.set_options(timeout=60 * SECONDS)  # a kernel imports TensorFlow in 5-20 s

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (apt-get install chromium)"),
]


# ----------------------------------------------------------------------------- servers


def make_recipe(target: str) -> tuple[dict[str, str], list[str]]:
    """The environment and the command line of the Makefile's recipe for ``target``, as
    ``make`` would run them (its exported PATH and MPLBACKEND, then the recipe's ``env``)."""
    makefile = (ROOT / "Makefile").read_text()
    line = re.search(rf"^{target}:.*\n\t(.*)$", makefile, re.M).group(1)
    words = shlex.split(line.replace("$(CURDIR)", str(ROOT)).replace("$(BIN)", str(BIN)))
    assert words.pop(0) == "env", line
    # (ipykernel never captures low-level output under pytest: drop its marker, as outside)
    env = {k: v for k, v in os.environ.items()
           if k not in ("TF_CPP_MIN_LOG_LEVEL", "PYTEST_CURRENT_TEST")}
    env.update(PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", MPLBACKEND="Agg")
    while words[0] == "-u" or "=" in words[0]:
        word = words.pop(0)
        if word == "-u":
            env.pop(words.pop(0), None)
        else:
            name, value = word.split("=", 1)
            env[name] = value
    return env, words


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def jupyterlab(target: str, root_dir: Path, cwd: Path, log: Path):
    """A JupyterLab server started by ``target``'s recipe with ``root_dir`` as its root; yields
    its base URL. Its whole process group is stopped at the end."""
    env, command = make_recipe(target)
    for name, folder in [("JUPYTER_RUNTIME_DIR", "runtime"),  # nothing written to $HOME
                         ("JUPYTERLAB_SETTINGS_DIR", "settings"),
                         ("JUPYTERLAB_WORKSPACES_DIR", "workspaces")]:
        env[name] = str(log.parent / folder)
    port = free_port()
    command = [word for word in command if not word.startswith("--notebook-dir")] + [
        f"--ServerApp.root_dir={root_dir}", "--no-browser", "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={TOKEN}",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    url = f"http://127.0.0.1:{port}"
    with open(log, "wb") as out:
        server = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=5).close()
                break
            except (urllib.error.URLError, ConnectionError):
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.5)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the server shuts its kernels down
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        chromium.close()


# ----------------------------------------------------------------------------- the student


def solution_of(grade_id: str) -> str:
    """The instructor's code of an answer cell, without the solution markers."""
    source = nbformat.read(ROOT / "source" / NOTEBOOK, as_version=4)
    (cell,) = [c for c in source.cells
               if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    return "\n".join(line for line in cell.source.splitlines()
                     if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)


def student_copy(tmp: Path) -> Path:
    """The released chapter with ``sigmoid`` answered right and ``mean_squared_error``
    answered wrong (the mean absolute error), as a student could have typed them."""
    shutil.copytree(ROOT / "release" / CHAPTER, tmp / CHAPTER)
    nb = nbformat.read(tmp / NOTEBOOK, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id == "answer_sigmoid":
            cell.source = solution_of(grade_id)
        elif grade_id == "answer_mean_squared_error":
            cell.source = cell.source.replace(
                "raise NotImplementedError()", "return float(np.mean(np.abs(y_true - y_pred)))")
            assert "np.abs" in cell.source
    nbformat.write(nb, tmp / NOTEBOOK)
    return tmp


@pytest.fixture(scope="module")
def student_lab(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("student")
    release = student_copy(tmp / "release")
    with jupyterlab("lab", root_dir=release, cwd=ROOT, log=tmp / "jupyterlab.log") as url:
        yield url


@pytest.fixture(scope="module")
def notebook(browser, student_lab):
    """Chapter 01's notebook open in the student's JupyterLab, its setup cell run."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.set_default_timeout(60 * SECONDS)
    page.goto(f"{student_lab}/lab/tree/{NOTEBOOK}?token={TOKEN}")
    page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for()
    # (a cell run before the kernel is connected asks which kernel to start)
    page.locator(".jp-StatusBar-Widget", has_text="Python 3 (ipykernel) | Idle").wait_for()
    run_cell(page, "print(utils.device_summary())")
    yield page
    page.close()


def cell_with(page, snippet: str):
    """The code cell whose source contains ``snippet`` (one line of it)."""
    cells = page.locator(".jp-NotebookPanel .jp-CodeCell").filter(
        has=page.locator(".jp-InputArea-editor", has_text=snippet))
    sync_api.expect(cells).to_have_count(1)
    return cells


def run_cell(page, snippet: str):
    """Select the cell by its prompt, as a student clicks it, run it with Shift+Enter, and
    wait for its execution count; returns the cell."""
    cell = cell_with(page, snippet)
    prompt = cell.locator(".jp-InputArea-prompt")
    before = prompt.inner_text()
    prompt.click()
    page.keyboard.press("Shift+Enter")
    sync_api.expect(prompt).not_to_have_text(before)
    sync_api.expect(prompt).to_have_text(re.compile(r"\[\d+\]"), timeout=120 * SECONDS)
    return cell


def stderr_blocks(page) -> list[str]:
    """The text of every stderr output of the notebook (textContent: the browser does not lay
    out cells scrolled out of view, so their innerText is empty)."""
    blocks = page.locator('.jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"]')
    return blocks.all_text_contents()


def test_a_plot_shows_inline_and_tensorflow_log_lines_stay_out(notebook):
    run_cell(notebook, "def sigmoid(z):")
    plot = run_cell(notebook, 'title="activation functions"')
    sync_api.expect(plot.locator(".jp-RenderedImage img")).to_have_count(1)
    assert plot.locator(".jp-RenderedImage img").get_attribute("src").startswith("data:image/png")

    setup = cell_with(notebook, "print(utils.device_summary())")
    assert setup.locator(".jp-OutputArea-output").count() > 0  # the device summary
    logs = [block for block in stderr_blocks(notebook)
            if any(marker in block.lower() for marker in TENSORFLOW_LOG_MARKERS)]
    assert not logs, f"TensorFlow log lines in the notebook: {logs}"


def test_a_right_answer_passes_in_one_line_a_wrong_one_fails_with_a_short_message(notebook):
    run_cell(notebook, "def sigmoid(z):")
    passed = run_cell(notebook, "checks.assert_close(sigmoid(0.0)")
    output = passed.locator(".jp-OutputArea-output")
    sync_api.expect(output).to_contain_text("all visible checks passed")
    line = output.text_content().strip()
    assert line.startswith("✓ ") and "\n" not in line, line

    run_cell(notebook, "def mean_squared_error(")
    failed = run_cell(notebook, "checks.assert_close(mean_squared_error(")
    error = failed.locator(".jp-OutputArea-output")
    sync_api.expect(error).to_contain_text("AssertionError")
    message = error.text_content()
    assert "mean_squared_error([1, 2, 3], [1, 2, 5]) returned 0.6667" in message, message
    assert "square the differences" in message, message  # the test's hint
    assert "checks.py" not in message and "contextlib" not in message, message
    assert "✓" not in message


def test_the_student_sees_validate_and_no_instructor_or_exchange_tools(notebook):
    page_text = notebook.locator("body").inner_text()
    for absent in ("Create Assignment", "Error fetching courses", "Formgrader",
                   "Assignment List", "exchange directory", "official Jupyter news"):
        assert absent not in page_text, absent
    menus = notebook.locator("#jp-menu-panel .lm-MenuBar-itemLabel").all_inner_texts()
    assert "Kernel" in menus and "Nbgrader" not in menus, menus
    tabs = notebook.locator(".jp-SideBar .lm-TabBar-tab").evaluate_all(
        "tabs => tabs.map(tab => tab.title)")
    assert tabs and not [tab for tab in tabs if "Assignment" in tab], tabs
    sync_api.expect(notebook.locator(".jp-NotebookPanel-toolbar")).to_contain_text("Validate")


def test_validate_names_the_failing_test_cells(notebook):
    notebook.locator(".jp-NotebookPanel-toolbar").get_by_text("Validate", exact=True).click()
    dialog = notebook.locator(".jp-Dialog")  # nbgrader executes the whole notebook first
    sync_api.expect(dialog).to_contain_text("Validation Results", timeout=300 * SECONDS)
    results = dialog.text_content()
    assert "checks.assert_close(mean_squared_error(" in results  # the wrong answer
    assert "checks.assert_close(sigmoid(0.0)" not in results  # the right one
    dialog.get_by_role("button", name="Ok").click()
    sync_api.expect(dialog).to_have_count(0)


# ----------------------------------------------------------------------------- the instructor


@pytest.fixture(scope="module")
def instructor_lab(tmp_path_factory):
    """``make formgrader`` on a copy of the course with one chapter (the real gradebook stays
    untouched: the copied nbgrader_config.py puts the course root where it lies)."""
    course = tmp_path_factory.mktemp("course")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    for folder in ("source", "release"):
        shutil.copytree(ROOT / folder / CHAPTER, course / folder / CHAPTER)
    with jupyterlab("formgrader", root_dir=course, cwd=course,
                    log=course.parent / "formgrader.log") as url:
        yield url


def test_formgrader_lists_the_chapter(browser, instructor_lab):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.set_default_timeout(60 * SECONDS)
    try:
        response = page.goto(f"{instructor_lab}/formgrader?token={TOKEN}")
        assert response.status == 200
        assignments = page.locator("#main-table")
        sync_api.expect(assignments).to_contain_text(CHAPTER)

        page.goto(f"{instructor_lab}/lab?token={TOKEN}")
        menus = page.locator("#jp-menu-panel .lm-MenuBar-itemLabel")
        sync_api.expect(menus.filter(has_text="Nbgrader")).to_have_count(1)
        menus.filter(has_text="Nbgrader").click()
        sync_api.expect(page.locator(".lm-Menu")).to_contain_text("Formgrader")
    finally:
        page.close()
