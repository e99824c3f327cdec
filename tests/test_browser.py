"""The student's and the instructor's JupyterLab, tested in a real browser.

Playwright drives headless Chromium against JupyterLab servers started with the environment
of the Makefile's ``lab``, ``lab-exchange`` and ``formgrader`` recipes, on temporary copies of
the course. The tests prove that, for a student working in chapter 01's notebook under
``make lab``:

- a matplotlib plot shows inline, and TensorFlow's C++ log lines do not show as stderr blocks;
- a right answer's test cell says in one line "✓ all visible checks passed", a wrong answer's
  test cell shows the failed check's message without the frames of ``utils/checks.py`` or
  ``contextlib``;
- nbgrader's instructor and exchange tools (Create Assignment, Formgrader, the assignment and
  course lists) are absent, and the Validate button names the failing test cells;

that, through nbgrader's exchange (a local exchange folder), a student under
``make lab-exchange`` fetches a chapter in the Assignments panel, answers in it, submits it,
and after the instructor's ``course collect``, ``course autograde``, ``course feedback`` and
``nbgrader release_feedback`` fetches the feedback showing the points of that answer;

and that ``make formgrader`` serves nbgrader's formgrader listing the course's chapter, where
a manual grade given to an open question reaches ``reports/grades.csv`` and the total of
``reports/report.html``. The exchange and manual-grading tests use the small chapter of
``tests/helpers.py`` (named like chapter 01, no TensorFlow), so grading takes seconds.

When a test fails, every page still open in the browser is saved as a PNG in the test's
temporary folder, ``<pytest basetemp>/<test name>0/screenshots/`` (pytest prints the basetemp,
by default ``/tmp/pytest-of-<user>/pytest-<N>/``; the path of each file is printed in the
test's captured teardown output).
"""

from __future__ import annotations

import csv
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
from types import SimpleNamespace

import nbformat
import pytest

from course import notebooks as nbs
from course.grading.gradebook import open_gradebook
from course.reporting.feedback import page_text
from tests.helpers import course_cli, make_course

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
    ``make`` would run them (its exported PATH and MPLBACKEND, then the recipe's ``env``
    line; its other lines check or create folders that a test provides)."""
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(rf"^{re.escape(target)}:.*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    (line,) = [line[1:] for line in recipe.splitlines() if line.startswith("\tenv ")]
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
def jupyterlab(target: str, root_dir: Path, cwd: Path, log: Path,
               extra_env: dict[str, str] | None = None):
    """A JupyterLab server started by ``target``'s recipe with ``root_dir`` as its root (and
    ``extra_env`` added to its environment, as a person's shell would); yields its base URL.
    Its whole process group is stopped at the end."""
    env, command = make_recipe(target)
    env.update(extra_env or {})
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


@pytest.fixture(autouse=True)
def screenshots_on_failure(request, browser, tmp_path):
    """After a test that failed, a screenshot of every page open in the browser, saved in
    ``tmp_path/screenshots/`` (pytest logs a failed phase before the teardown runs); then the
    pages the test opened with the ``page`` fixture are closed. Yields that list of pages."""
    failed_before = request.session.testsfailed
    opened = []
    yield opened
    try:
        if request.session.testsfailed > failed_before:
            folder = tmp_path / "screenshots"
            folder.mkdir(exist_ok=True)
            pages = [page for context in browser.contexts for page in context.pages]
            for number, page in enumerate(pages, start=1):
                path = folder / f"page-{number}.png"
                try:
                    page.screenshot(path=path, full_page=True, timeout=10 * SECONDS)
                    print(f"screenshot of {page.url}: {path}")
                except sync_api.Error as error:
                    print(f"no screenshot of {page.url}: {error}")
    finally:
        for page in opened:
            page.close()


@pytest.fixture
def page(browser, screenshots_on_failure):
    """A new browser page for one test (screenshot if the test fails, then closed)."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.set_default_timeout(60 * SECONDS)
    screenshots_on_failure.append(page)
    return page


def run(*command: str, cwd: Path, env: dict[str, str] | None = None,
        timeout: float = 300) -> subprocess.CompletedProcess:
    """Run a command the way the instructor types it (``.venv/bin`` first on PATH); fail the
    test with its output when it fails."""
    environment = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
                   **(env or {})}
    result = subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout}\n{result.stderr}"
    return result


def course_command(root: Path, *args: str, env: dict[str, str] | None = None):
    """``python -m course --root ROOT ARGS``; fails the test with its output when it fails."""
    result = course_cli(root, *args, env=env)
    assert result.returncode == 0, f"course {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result


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


# ----------------------------------------------------------------------------- the exchange


@pytest.fixture(scope="module")
def exchange(tmp_path_factory):
    """The small chapter released into a local nbgrader exchange by the instructor
    (``course release``, ``nbgrader release_assignment``), and the student's JupyterLab
    (``make lab-exchange``) on an empty folder, the student named ``ada``."""
    tmp = tmp_path_factory.mktemp("exchange")
    course = make_course(tmp / "course")
    folder = tmp / "exchange"
    folder.mkdir()
    folder.chmod(0o777)  # as nbgrader asks of a shared exchange: everyone writes there
    env = {"COURSE_EXCHANGE": str(folder)}
    course_command(course, "release", "01")
    run(str(BIN / "nbgrader"), "release_assignment", CHAPTER, cwd=course, env=env)
    work = tmp / "ada"
    work.mkdir()
    student_env = {**env, "COURSE_STUDENT": "ada",
                   "JUPYTER_DATA_DIR": str(tmp / "jupyter-data")}  # nbgrader's submit cache
    with jupyterlab("lab-exchange", root_dir=work, cwd=work, log=tmp / "lab-exchange.log",
                    extra_env=student_env) as url:
        yield SimpleNamespace(course=course, env=env, work=work, url=url)


def test_through_the_exchange_a_student_fetches_submits_and_gets_feedback(page, exchange):
    page.goto(f"{exchange.url}/lab?token={TOKEN}")
    menus = page.locator("#jp-menu-panel .lm-MenuBar-itemLabel")
    menus.filter(has_text="Nbgrader").click()
    menu = page.locator(".lm-Menu")
    sync_api.expect(menu).to_contain_text("Assignment List")
    items = menu.locator(".lm-Menu-itemLabel").all_inner_texts()
    assert not {"Course List", "Formgrader"} & set(items), items  # the instructor's
    menu.locator(".lm-Menu-itemLabel", has_text="Assignment List").click()

    panel = page.locator("#nbgrader-assignment-list")
    released = panel.locator("#released_assignments_list")
    sync_api.expect(released).to_contain_text(CHAPTER)
    released.get_by_role("button", name="Fetch").click()
    fetched = panel.locator("#fetched_assignments_list")
    sync_api.expect(fetched.get_by_role("button", name="Submit")).to_have_count(1)
    assert (exchange.work / NOTEBOOK).exists()

    # the student opens the notebook from the panel, answers double(x), saves
    fetched.locator(".assignment-notebooks-link").click()
    fetched.locator(".nested_list_item a", has_text=CHAPTER).click()
    page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for()
    answer = cell_with(page, "def double(x):")
    answer.locator(".jp-InputArea-editor .cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text("def double(x):\n    return 2 * x")
    page.keyboard.press("Control+s")
    deadline = time.monotonic() + 30
    while "return 2 * x" not in (exchange.work / NOTEBOOK).read_text():
        assert time.monotonic() < deadline, "the notebook was not saved"
        time.sleep(0.5)

    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="Assignments").click()
    fetched.get_by_role("button", name="Submit").click()
    submitted = panel.locator("#submitted_assignments_list")
    sync_api.expect(submitted.get_by_role("button", name="Fetch Feedback")).to_have_count(1)

    # the instructor's side, as typed in a terminal
    collected = course_command(exchange.course, "collect", "01", env=exchange.env)
    assert f"Collecting submission: ada {CHAPTER}" in collected.stdout, collected.stdout
    course_command(exchange.course, "autograde", "01", env=exchange.env)
    course_command(exchange.course, "feedback", "01", env=exchange.env)
    run(str(BIN / "nbgrader"), "release_feedback", CHAPTER, cwd=exchange.course,
        env=exchange.env)

    submitted.get_by_role("button", name="Fetch Feedback").click()
    sync_api.expect(submitted).to_contain_text("(view feedback)")
    (page_path,) = (exchange.work / CHAPTER / "feedback").glob(f"*/{CHAPTER}.html")
    feedback_page = page_path.read_text()
    assert f"{CHAPTER} (Score: 2.0 / 4.0)" in feedback_page  # double's 2 points
    assert "return 2 * x" in page_text(page_path)


# ----------------------------------------------------------------------------- the instructor


@pytest.fixture(scope="module")
def instructor_lab(tmp_path_factory):
    """``make formgrader`` on a course of the small chapter where ``grace`` handed in the
    solutions and was autograded (3 automatic points; the open question, 1 point, awaits
    manual grading); yields the course and the server's URL."""
    course = make_course(tmp_path_factory.mktemp("instructor") / "course")
    course_command(course, "release", "01")
    release = nbs.read(course / "release" / NOTEBOOK)
    answers = nbs.fill_answers(release, nbs.read(course / "source" / NOTEBOOK))
    (course / "submitted" / "grace" / CHAPTER).mkdir(parents=True)
    nbs.write(answers, course / "submitted" / "grace" / NOTEBOOK)
    course_command(course, "autograde", "01", "--workers", "1")
    with jupyterlab("formgrader", root_dir=course, cwd=course,
                    log=course.parent / "formgrader.log") as url:
        yield SimpleNamespace(course=course, url=url)


def test_formgrader_lists_the_chapter(page, instructor_lab):
    response = page.goto(f"{instructor_lab.url}/formgrader?token={TOKEN}")
    assert response.status == 200
    assignments = page.locator("#main-table")
    sync_api.expect(assignments).to_contain_text(CHAPTER)

    page.goto(f"{instructor_lab.url}/lab?token={TOKEN}")
    menus = page.locator("#jp-menu-panel .lm-MenuBar-itemLabel")
    sync_api.expect(menus.filter(has_text="Nbgrader")).to_have_count(1)
    menus.filter(has_text="Nbgrader").click()
    sync_api.expect(page.locator(".lm-Menu")).to_contain_text("Formgrader")


def grades_csv(course: Path) -> dict[str, str]:
    (row,) = csv.DictReader((course / "reports" / "grades.csv").open())
    return row


def test_a_manual_grade_given_in_formgrader_reaches_the_grades(page, instructor_lab):
    course = instructor_lab.course
    course_command(course, "report")
    before = grades_csv(course)
    assert (before["student_id"], before["score"], before["max_score"]) == ("grace", "3.0", "4.0")
    assert "3 / 4 (1 awaiting manual grading)" in (course / "reports" / "report.html").read_text()

    with open_gradebook(course) as gradebook:
        submission = gradebook.find_submission_notebook(CHAPTER, CHAPTER, "grace").id
    page.goto(f"{instructor_lab.url}/formgrader?token={TOKEN}")  # logs in: sets the cookie
    page.goto(f"{instructor_lab.url}/formgrader/submissions/{submission}/")  # Manual Grading
    score = page.locator("input.score#open_why")  # the open question's score box
    sync_api.expect(score).to_have_class(re.compile("needs_manual_grade"))
    with page.expect_response(lambda r: "/api/grade/" in r.url
                              and r.request.method == "PUT") as saved:
        score.fill("0.5")
        score.press("Tab")  # formgrader saves a score when its box changes
    assert saved.value.ok

    course_command(course, "report")
    after = grades_csv(course)
    assert (after["score"], after["max_score"]) == ("3.5", "4.0")  # 3 automatic + 0.5 manual
    report_html = (course / "reports" / "report.html").read_text()
    tables = report_html.split("<h2>")
    (manual,) = [t for t in tables if t.startswith("Manually graded points")]
    (total,) = [t for t in tables if t.startswith("Total points")]
    assert "0.5 / 1" in manual and "awaiting" not in manual
    assert "3.5 / 4" in total and "awaiting" not in total
