"""Grading integrity: the bad-submission corpus graded by the real ``course autograde``.

Every attack of ``tests/attack_corpus.py`` is graded in one run together with the reference
and blank students. Each must earn no point its honest content does not earn, carry a reason
the instructor and the student can read, and leave the other submissions untouched. Then the
grader is killed midway (SIGKILL) and rerun: nothing is lost, nothing is graded twice, no
worker or kernel outlives it.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from course import notebooks as nbs
from course.authoring import release
from course.chapters import ROOT
from course.grading import gradebook, kernel_sandbox, outcomes
from course.grading.sandbox import landlock_abi
from tests import attack_corpus as corpus
from tests.helpers import course_cli, make_course

pytestmark = pytest.mark.slow

CH = corpus.CH
ATTACKS = {a.name: a for a in corpus.attacks(Path("/corpus"))}


def _tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


def _new_corpus_course(root: Path) -> Path:
    make_course(root, corpus.attack_notebook())
    release.release([CH], root)
    source = nbs.read(root / "source" / CH / f"{CH}.ipynb")
    blank = nbs.read(root / "release" / CH / f"{CH}.ipynb")
    corpus.build(root, nbs.fill_answers(blank, source), blank)
    return root


@pytest.fixture(scope="module")
def graded_corpus(tmp_path_factory) -> dict:
    root = _new_corpus_course(tmp_path_factory.mktemp("corpus") / "course")
    before = {"submitted": _tree_digest(root / "submitted"),
              "source": _tree_digest(root / "source")}
    running = _grading_processes(root)
    result = course_cli(root, "autograde", "--workers", "2", env=corpus.LIMITS, timeout=3000)
    assert result.returncode == 0, result.stderr[-3000:]
    time.sleep(1)
    return {"root": root, "points": gradebook.automatic_points(root), "before": before,
            "stdout": result.stdout, "left_running": _grading_processes(root) - running}


def _evidence(root: Path, student: str) -> str:
    """Everything the grader says about a submission: outcome, notes, flags, test errors."""
    outcome = outcomes.load(CH, student, root)
    said = [outcome.status, outcome.reason, *outcome.notes, *outcome.flags]
    graded = root / "autograded" / student / CH / f"{CH}.ipynb"
    if graded.exists():
        for cell in nbs.read(graded).cells:
            said += [f"{o.get('ename')}: {o.get('evalue')}" for o in cell.get("outputs", [])
                     if o.get("output_type") == "error"]
    return "\n".join(said)


def _skip_without_defence(attack: corpus.Attack) -> None:
    sandbox = kernel_sandbox.mechanism()
    if attack.needs == "bubblewrap" and sandbox != "bubblewrap":
        pytest.skip("this defence needs bubblewrap")
    if attack.needs == "landlock" and sandbox != "bubblewrap" and landlock_abi() < 6:
        pytest.skip("this defence needs bubblewrap or Linux Landlock ABI 6 or later")


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_earns_no_unearned_point_and_says_why(graded_corpus, name):
    attack, root = ATTACKS[name], graded_corpus["root"]
    _skip_without_defence(attack)
    earned = graded_corpus["points"].get(name)
    assert earned is not None, f"{name} has no grade: the submission was lost"
    assert earned <= attack.honest, f"{name} earned {earned}; honest content earns {attack.honest}"
    if attack.exact:
        assert earned == attack.honest, f"{name} earned {earned}; its honest work earns " \
                                        f"{attack.honest}"
    said = _evidence(root, name)
    assert attack.evidence.lower() in said.lower(), f"{name}: no '{attack.evidence}' in:\n{said}"


def test_reference_and_blank_graded_in_the_same_run_are_unaffected(graded_corpus):
    assert graded_corpus["points"]["reference"] == corpus.TOTAL_POINTS
    assert graded_corpus["points"]["blank"] == 0.0
    for student in ("reference", "blank"):
        assert outcomes.load(CH, student, graded_corpus["root"]).notes == []


def test_no_submission_or_source_file_was_changed(graded_corpus):
    root = graded_corpus["root"]
    if landlock_abi() < 1:
        pytest.skip("file isolation needs Linux Landlock")
    assert _tree_digest(root / "submitted") == graded_corpus["before"]["submitted"]
    assert _tree_digest(root / "source") == graded_corpus["before"]["source"]


def test_nothing_escaped_the_sandbox_or_outlived_grading(graded_corpus):
    assert not (graded_corpus["root"] / corpus.ESCAPE_MARKER).exists()
    assert graded_corpus["left_running"] == set()


def test_every_submission_has_one_gradebook_entry_and_an_outcome(graded_corpus):
    root = graded_corpus["root"]
    students = {p.name for p in (root / "submitted").iterdir()}
    assert set(graded_corpus["points"]) == students
    assert {o.student for o in outcomes.load_all(root)} == students


def test_feedback_tells_the_student_what_the_grader_did(graded_corpus):
    root = graded_corpus["root"]
    result = course_cli(root, "feedback", timeout=1200)
    assert result.returncode == 0, result.stderr[-2000:]
    page = (root / "feedback" / "deleted_tests" / CH / f"{CH}.html").read_text()
    assert "Grading notes" in page and "test_double was missing" in page
    assert "double(21.5)" not in page  # the restored hidden test stays hidden
    flagged = (root / "feedback" / "patch_builtins" / CH / f"{CH}.html").read_text()
    assert "Flagged for instructor review" in flagged


def test_report_lists_notes_and_flags_for_the_instructor(graded_corpus):
    root = graded_corpus["root"]
    result = course_cli(root, "report")
    assert result.returncode == 0, result.stderr[-2000:]
    html = (root / "reports" / "report.html").read_text()
    assert "skip_tag" in html and "the tags were ignored" in html
    assert "replaces builtins.abs" in html


# -- crash safety ---------------------------------------------------------------------------

def _slow_submissions(root: Path, count: int) -> None:
    source = nbs.read(root / "source" / CH / f"{CH}.ipynb")
    reference = nbs.fill_answers(nbs.read(root / "release" / CH / f"{CH}.ipynb"), source)
    reference.cells.append(nbformat.v4.new_code_cell("import time\ntime.sleep(4)"))
    for number in range(count):
        folder = root / "submitted" / f"student{number}" / CH
        folder.mkdir(parents=True)
        nbformat.write(reference, str(folder / f"{CH}.ipynb"))


def _grading_processes(root: Path) -> set[int]:
    """Workers of the course at ``root`` and sandboxed kernels (of any course)."""
    found = set()
    for process in psutil.process_iter(["cmdline"]):
        text = " ".join(process.info["cmdline"] or [])
        if (str(root) in text or "course-sandbox-" in text) and process.pid != os.getpid():
            found.add(process.pid)
    return found


def test_killing_autograde_midway_loses_and_duplicates_nothing(tmp_path):
    root = make_course(tmp_path / "course", corpus.attack_notebook())
    release.release([CH], root)
    _slow_submissions(root, 5)
    command = [sys.executable, "-m", "course", "--root", str(root), "autograde", "--workers", "2"]
    already_running = _grading_processes(root)
    run = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while not list((root / "reports" / "outcomes").glob(f"{CH}/*.json")):
        assert time.monotonic() < deadline and run.poll() is None, "no submission was graded"
        time.sleep(0.2)
    run.send_signal(signal.SIGKILL)
    run.wait()
    time.sleep(3)
    leftovers = _grading_processes(root) - already_running
    assert not leftovers, f"still running after the kill: {sorted(leftovers)}"
    finished_first = {o.student: outcomes.outcome_path(CH, o.student, root).stat().st_mtime_ns
                      for o in outcomes.load_all(root)}
    assert 0 < len(finished_first) < 5

    result = course_cli(root, "autograde", "--workers", "2")
    assert result.returncode == 0, result.stderr[-2000:]
    points = gradebook.automatic_points(root)
    assert points == {f"student{n}": corpus.TOTAL_POINTS for n in range(5)}
    with gradebook.open_gradebook(root) as gb:
        assert len(gb.assignment_submissions(CH)) == 5
    assert {o.student for o in outcomes.load_all(root)} == set(points)
    for student, mtime in finished_first.items():  # finished work was not graded again
        assert outcomes.outcome_path(CH, student, root).stat().st_mtime_ns == mtime
