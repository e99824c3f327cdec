"""The grading pipeline end to end on a tiny, fast course (no TensorFlow training).

Covers: release, serial and parallel autograde giving identical grades, broken submissions
graded zero with a reason while the others are graded, reruns that skip graded work,
feedback without hidden tests, the CSV/HTML report, and the command line's bad-input cases.
"""

from __future__ import annotations

import csv
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from course import notebooks as nbs
from course.authoring import release
from course.grading import autograde, gradebook, outcomes
from course.reporting import feedback, report
from tests.helpers import (
    TINY_CHAPTER,
    build_submissions,
    course_cli,
    make_course,
    nbgrader_cell,
    submit,
    tiny_notebook,
)

pytestmark = pytest.mark.slow

CH = TINY_CHAPTER


def cell_grades(root: Path) -> dict:
    return {(s.student, s.chapter, s.cell): s.score for s in gradebook.scores(root)}


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, Path]:
    """The tiny course graded serially and, in a copy, with two workers."""
    serial = make_course(tmp_path_factory.mktemp("serial") / "course")
    release.release([CH], serial)
    build_submissions(serial)
    parallel = tmp_path_factory.mktemp("parallel") / "course"
    shutil.copytree(serial, parallel)
    autograde.autograde([CH], serial, workers=1)
    autograde.autograde([CH], parallel, workers=2)
    return {"serial": serial, "parallel": parallel}


def test_reference_full_blank_zero_partial_between(graded):
    points = gradebook.automatic_points(graded["serial"])
    assert points == {"reference": 3.0, "blank": 0.0, "partial": 2.0, "broken_json": 0.0,
                      "renamed": 0.0}


def test_parallel_grades_equal_serial_grades(graded):
    assert cell_grades(graded["parallel"]) == cell_grades(graded["serial"])


def test_every_submission_has_an_outcome_with_a_reason_when_not_graded(graded):
    found = {o.student: o for o in outcomes.load_all(graded["parallel"])}
    assert set(found) == {"reference", "blank", "partial", "broken_json", "renamed"}
    assert found["reference"].status == "graded" and found["reference"].reason == ""
    assert found["broken_json"].status == "failed"
    assert "is not a valid notebook" in found["broken_json"].reason
    assert "must keep its name" in found["renamed"].reason


def _autograded_at(root: Path) -> dict[str, int]:
    """When each student's autograded notebook was last written (ns)."""
    return {path.parts[-3]: path.stat().st_mtime_ns
            for path in (root / "autograded").glob(f"*/{CH}/{CH}.ipynb")}


def test_rerun_skips_graded_submissions_and_regrades_changed_ones(graded, tmp_path):
    root = tmp_path / "course"              # a copy: the other tests keep the graded course
    shutil.copytree(graded["serial"], root)
    before = _autograded_at(root)
    assert set(before) == {"reference", "blank", "partial"}
    autograde.autograde([CH], root, workers=2)
    assert _autograded_at(root) == before, "nothing changed, so nothing is graded again"
    changed = nbs.read(root / "submitted" / "partial" / CH / f"{CH}.ipynb")
    changed.cells[4].source = "ANSWER = {'b'}"
    nbformat.write(changed, str(root / "submitted" / "partial" / CH / f"{CH}.ipynb"))
    autograde.autograde([CH], root, workers=2)
    after = _autograded_at(root)
    assert after["partial"] != before["partial"]      # regraded: its files changed
    assert after["blank"] == before["blank"] and after["reference"] == before["reference"]
    assert gradebook.automatic_points(root)["partial"] == 3.0


def test_feedback_has_no_hidden_tests_and_explains_failures(graded):
    root = graded["parallel"]
    pages = feedback.feedback([CH], root)
    assert pages == 5
    for student in ("reference", "blank", "partial"):
        text = feedback.page_text(root / "feedback" / student / CH / f"{CH}.html")
        assert "double(1.0)" in text            # visible test shown
        assert "double(21.5)" not in text       # hidden test removed, traceback shortened
    text = feedback.page_text(root / "feedback" / "broken_json" / CH / f"{CH}.html")
    assert "could not be graded" in text and "not a valid notebook" in text


def test_leak_detector_finds_hidden_lines(graded, tmp_path):
    root = graded["parallel"]
    assert "checks.assert_close(double(21.5), 43.0, 'double(21.5)')" in feedback.hidden_lines(
        CH, root)
    page = root / "feedback" / "blank" / CH / f"{CH}.html"
    original = page.read_text()
    try:
        page.write_text(original + "checks.assert_close(double(21.5), 43.0, 'double(21.5)')")
        assert feedback.find_leaks(CH, root)
    finally:
        page.write_text(original)


def test_report_csv_in_nbgrader_export_format_and_html(graded):
    csv_path, html_path = report.report(graded["serial"])
    rows = list(csv.DictReader(csv_path.open()))
    assert {"student_id", "assignment", "score", "max_score"} <= set(rows[0])
    scores = {r["student_id"]: float(r["score"]) for r in rows}
    assert scores["reference"] == 3.0 and scores["blank"] == 0.0
    assert float(rows[0]["max_score"]) == 4.0  # 3 automatic + 1 manual point
    page = html_path.read_text()
    assert "data:image/png;base64" in page and "broken_json" in page


def test_two_runs_at_once_keep_the_gradebook_consistent(tmp_path):
    root = make_course(tmp_path / "course")
    release.release([CH], root)
    build_submissions(root)
    # two instructors' commands, as separate processes, grading the same course at once
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda _: course_cli(root, "autograde", CH, "--workers", "1",
                                                  "--force"), range(2)))
    assert [run.returncode for run in runs] == [0, 0], [run.stderr for run in runs]
    points = gradebook.automatic_points(root)
    assert points == {"reference": 3.0, "blank": 0.0, "partial": 2.0, "broken_json": 0.0,
                      "renamed": 0.0}
    with gradebook.open_gradebook(root) as gb:
        assert len(gb.find_assignment(CH).submissions) == 5


WARNING_TEST = """\
import warnings
import keras
keras.layers.Dense(2, input_shape=(3,))  # Keras warns on stderr about input_shape
warnings.warn("a library warning", UserWarning)
checks.assert_close(double(2.0), 4.0, 'double(2.0)')"""


def test_tensorflow_warning_in_a_test_cell_keeps_its_points(tmp_path):
    nb = tiny_notebook([nbgrader_cell("test", WARNING_TEST, "test_warning", 1)])
    root = make_course(tmp_path / "course", nb)
    release.release([CH], root)
    reference = nbs.fill_answers(nbs.read(root / "release" / CH / f"{CH}.ipynb"), nb)
    submit(root, "reference", reference)
    autograde.autograde([CH], root, workers=1)
    graded = nbs.read(root / "autograded" / "reference" / CH / f"{CH}.ipynb")
    assert cell_grades(root)[("reference", CH, "test_warning")] == 1.0
    assert not any(o.get("name") == "stderr" for o in graded.cells[-1].outputs)
    # Without the IgnorePattern preprocessor the same correct cell would score zero.
    with (root / "nbgrader_config.py").open("a") as config:
        config.write("\nc.IgnorePattern.enabled = False\n")
    autograde.autograde([CH], root, workers=1, force=True)
    assert cell_grades(root)[("reference", CH, "test_warning")] == 0.0


def test_cli_unknown_chapter(tiny_course):
    result = course_cli(tiny_course, "validate", "99_nope")
    assert result.returncode == 1
    assert result.stderr.strip() == ("course validate: error: unknown chapter '99_nope'; "
                                     "available: 01_ann_basics")


def test_cli_missing_submissions_folder(tiny_course):
    result = course_cli(tiny_course, "autograde")
    assert result.returncode == 1
    assert "no submissions folder" in result.stderr and len(result.stderr.splitlines()) == 1


def test_cli_duplicate_and_missing_grade_ids(tmp_path):
    nb = tiny_notebook()
    nb.cells[5].metadata["nbgrader"]["grade_id"] = "test_double"
    root = make_course(tmp_path / "course", nb)
    result = course_cli(root, "validate", "--no-execute")
    assert result.returncode == 1
    assert "grade id 'test_double' is used by 2 cells" in result.stderr
    assert "graded name 'ANSWER' has no test cell 'test_answer'" in result.stderr


def test_cli_validate_executes_and_reports_a_failing_source(tmp_path):
    nb = tiny_notebook()
    nb.cells[2].source = nb.cells[2].source.replace("return 2 * x", "return 3 * x")
    root = make_course(tmp_path / "course", nb)
    result = course_cli(root, "validate")
    assert result.returncode == 1
    assert "test_double" in result.stderr and "AssertionError" in result.stderr


def test_cli_release_check_detects_stale_release(tiny_course):
    assert course_cli(tiny_course, "release").returncode == 0
    assert course_cli(tiny_course, "release", "--check").returncode == 0
    path = tiny_course / "release" / CH / f"{CH}.ipynb"
    nb = nbs.read(path)
    nb.cells[0].source = "# Edited by hand"
    nbs.write(nb, path)
    result = course_cli(tiny_course, "release", "--check")
    assert result.returncode == 1 and "out of date for 01_ann_basics" in result.stderr


def _manual_code_answer():
    """A code answer graded by hand (nbgrader: solution and grade cell, no test)."""
    cell = nbgrader_cell("answer", "### BEGIN SOLUTION\nreason = 'linear'\n### END SOLUTION",
                         "manual_reason")
    cell.metadata["nbgrader"].update(grade=True, points=3)
    return cell


WRITES_FILES = """import os
with open('side-effect.txt', 'w') as f:
    f.write('written by the notebook')
os.makedirs('figures', exist_ok=True)
with open('figures/plot.txt', 'w') as f:
    f.write('a figure')
with open('copy.ipynb', 'w') as f:
    f.write('{}')"""


def test_files_a_submission_writes_are_kept_beside_the_graded_notebook(tmp_path):
    nb = tiny_notebook([_manual_code_answer(), nbgrader_cell("code", WRITES_FILES)])
    root = make_course(tmp_path / "course", nb)
    release.release([CH], root)
    submit(root, "writer", nbs.fill_answers(nbs.read(root / "release" / CH / f"{CH}.ipynb"), nb))
    (root / "submitted" / "writer" / CH / "data.txt").write_text("handed in")
    autograde.autograde([CH], root, workers=1)
    graded = root / "autograded" / "writer" / CH
    assert (graded / "side-effect.txt").read_text() == "written by the notebook"
    assert (graded / "figures" / "plot.txt").read_text() == "a figure"
    assert (graded / "data.txt").read_text() == "handed in"
    assert not (graded / "copy.ipynb").exists()
    notes = " ".join(outcomes.load(CH, "writer", root).notes)
    assert "kept beside the graded notebook: figures/plot.txt, side-effect.txt" in notes
    assert "not kept: copy.ipynb (a notebook)" in notes
    # the hand-graded code answer is not counted as automatic and awaits grading
    rows = {s.cell: s for s in gradebook.scores(root)}
    assert rows["test_double"].automatic and not rows["manual_reason"].automatic
    assert rows["manual_reason"].awaiting_manual and not rows["test_double"].awaiting_manual
    assert gradebook.automatic_points(root)["writer"] == 3.0


def test_report_without_automatically_graded_cells(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbgrader_cell("setup", "import numpy as np", "setup"), _manual_code_answer(),
        nbgrader_cell("open", "Because doubling is linear.", "open_why", 1)])
    nb.metadata["kernelspec"] = tiny_notebook().metadata["kernelspec"]
    root = make_course(tmp_path / "course", nb)
    release.release([CH], root)
    submit(root, "student", nbs.fill_answers(nbs.read(root / "release" / CH / f"{CH}.ipynb"),
                                             nb))
    autograde.autograde([CH], root, workers=1)
    result = course_cli(root, "report")
    assert result.returncode == 0, result.stderr
    assert (root / "reports" / "grades.csv").exists()
    html = (root / "reports" / "report.html").read_text()
    assert "No automatically graded cells." in html
    assert "0 / 0 (2 awaiting manual grading)" in html
