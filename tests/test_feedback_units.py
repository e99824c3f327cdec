"""Feedback without nbgrader: the hidden-text scan (plain and encoded), withheld pages that
never block the class, and the report's "Feedback withheld" section, all HTML-escaped."""

from __future__ import annotations

import base64
import copy
import subprocess
import urllib.parse
from pathlib import Path

import pandas as pd
import pytest

from course import notebooks as nbs
from course.chapters import CourseError
from course.cli import main as cli
from course.grading import outcomes
from course.reporting import feedback, report
from tests.helpers import TINY_CHAPTER, make_course, tiny_notebook

CH = TINY_CHAPTER
HIDDEN = "checks.assert_close(double(21.5), 43.0, 'double(21.5)')"
CLEAN = ("<html><head><style>.x{background:url(data:image/png;base64,iVBORw0KGgoAAAANSUhEUg"
         "AAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==)}</style>"
         "</head><body><pre>checks.assert_close(double(1.0), 2.0, 'double(1.0)')</pre>"
         "<pre>deadbeefdeadbeefdeadbeefdeadbeefdeadbeef</pre></body></html>")


def _release(source):
    """The student version of ``source``: hidden tests removed, solutions stubbed."""
    release = copy.deepcopy(source)
    for cell in release.cells:
        if nbs.HIDDEN_BEGIN in cell.source:
            cell.source = cell.source.split(nbs.HIDDEN_BEGIN)[0].rstrip()
        if nbs.nbgrader_meta(cell).get("solution"):
            cell.source = "# YOUR CODE HERE\nraise NotImplementedError()"
    return release


@pytest.fixture
def course(tmp_path: Path) -> Path:
    root = make_course(tmp_path / "course")
    nbs.write(_release(tiny_notebook()), root / "release" / CH / f"{CH}.ipynb")
    return root


def _page(root: Path, student: str, body: str) -> Path:
    path = root / "feedback" / student / CH / f"{CH}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(CLEAN.replace("</body>", body + "</body>"))
    return path


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_hidden_lines_are_the_hidden_tests_only(course):
    lines = feedback.hidden_lines(CH, course)
    assert HIDDEN in lines
    assert not any("double(1.0)" in line for line in lines)


@pytest.mark.parametrize("body, how", [
    (f"<pre>{HIDDEN.replace(chr(39), '&#x27;')}</pre>", "plain"),
    (f'<div title="{HIDDEN.replace(chr(39), "&#39;")}"></div>', "plain"),
    (f"<!-- {HIDDEN} -->", "plain"),
    (f"<pre>{urllib.parse.quote(HIDDEN)}</pre>", "plain"),
    (f"<pre>b'{_b64(HIDDEN)}'</pre>", "base64"),
    (f"<pre>{base64.urlsafe_b64encode(HIDDEN.encode()).decode().rstrip('=')}</pre>", "base64"),
    (f"<pre>xyz{_b64('#' * 50 + HIDDEN)}</pre>", "base64"),
    (f"<pre>{base64.encodebytes(('x = 1  # ' * 40 + HIDDEN).encode()).decode()}</pre>",
     "base64"),
    (f"<pre>{HIDDEN.encode().hex()}</pre>", "hex"),
    (f"<pre>{_b64(_b64(HIDDEN))}</pre>", "base64 in base64"),
    (f"<pre>{_b64(HIDDEN.encode().hex())}</pre>", "hex in base64"),
])
def test_leak_scan_finds_plain_and_encoded_hidden_lines(body, how):
    page = CLEAN.replace("</body>", body + "</body>")
    assert feedback.leaked_lines(page, [HIDDEN]) == [(HIDDEN, how)]


def test_leak_scan_leaves_ordinary_pages_alone():
    assert feedback.leaked_lines(CLEAN, [HIDDEN]) == []
    assert feedback.leaked_lines(CLEAN + HIDDEN, []) == []


def test_leaky_page_is_withheld_and_the_class_gets_its_feedback(course, capsys):
    clean = _page(course, "alice", "<p>Grading notes</p>")
    _page(course, "mallory", f"<pre>{HIDDEN}</pre>")
    _page(course, "trudy", f"<pre>{_b64(HIDDEN)}</pre>")
    outcomes.save(outcomes.Outcome("bob", CH, "failed", "not a <valid> notebook", 0.1, "x"),
                  course)
    before = clean.read_text()
    assert feedback.feedback([CH], course) == 4
    assert clean.read_text() == before
    for student in ("mallory", "trudy"):
        text = feedback.page_text(course / "feedback" / student / CH / f"{CH}.html")
        assert "withheld pending instructor review" in text and "double(21.5)" not in text
    assert "not a <valid> notebook" in feedback.page_text(
        course / "feedback" / "bob" / CH / f"{CH}.html")
    withheld = feedback.load_withheld(course)
    assert [(w.student, w.chapter) for w in withheld] == [("mallory", CH),
                                                           ("trudy", CH)]
    assert "(plain)" in withheld[0].reason and "(base64)" in withheld[1].reason
    assert not any("21.5" in w.reason for w in withheld)
    warning = capsys.readouterr().err.strip().splitlines()
    assert len(warning) == 1 and "2 feedback page(s) withheld" in warning[0]
    assert feedback.find_leaks(CH, course) == []


def test_feedback_command_exits_zero_with_a_one_line_warning(course, capsys):
    _page(course, "mallory", f"<pre>{HIDDEN}</pre>")
    assert cli.main(["--root", str(course), "feedback"]) == 0
    captured = capsys.readouterr()
    assert "1 feedback page(s) withheld" in captured.err
    assert len(captured.err.strip().splitlines()) == 1


def test_withheld_list_is_replaced_per_chapter(course):
    feedback.save_withheld(["02_x"], [feedback.Withheld("eve", "02_x", "r, with \"quotes\"")],
                           course)
    feedback.save_withheld([CH], [feedback.Withheld("mallory", CH, "leak")], course)
    feedback.save_withheld([CH], [], course)
    assert feedback.load_withheld(course) == [feedback.Withheld("eve", "02_x",
                                                                'r, with "quotes"')]


def _autograded(root: Path, *students: str) -> None:
    for student in students:
        nbs.write(tiny_notebook(), root / "autograded" / student / CH / f"{CH}.ipynb")


def test_a_page_nbgrader_cannot_render_is_withheld_not_fatal(course, monkeypatch):
    _autograded(course, "alice", "mallory")

    def generate(args, root, check=True):
        _page(root, "alice", "")  # nbgrader renders alice, fails on mallory, exits 1
        return subprocess.CompletedProcess(args, 1, "", "[ERROR] There was an error")

    monkeypatch.setattr(feedback, "run_nbgrader", generate)
    assert feedback.feedback([CH], course) == 2
    [withheld] = feedback.load_withheld(course)
    assert withheld.student == "mallory" and "could not render" in withheld.reason
    assert "withheld pending" in feedback.page_text(
        course / "feedback" / "mallory" / CH / f"{CH}.html")


def test_a_chapter_nbgrader_cannot_render_at_all_is_an_error(course, monkeypatch):
    _autograded(course, "alice")
    monkeypatch.setattr(feedback, "run_nbgrader", lambda args, root, check=True:
                        subprocess.CompletedProcess(args, 1, "", "[ERROR] database locked"))
    with pytest.raises(CourseError, match="database locked"):
        feedback.feedback([CH], course)


def test_report_shows_withheld_feedback_and_escapes_student_fields(course):
    evil = "<img src=x onerror=alert(1)>"  # a folder name cannot hold a slash
    outcomes.save(outcomes.Outcome(evil, CH, "graded", "", 0.1, "x", notes=[f"note {evil}"],
                                   flags=[f"flag {evil}"]), course)
    outcomes.save(outcomes.Outcome("bob", f"{CH}<b>", "failed<i>", f"reason {evil}", 0.1, "x"),
                  course)
    feedback.save_withheld([CH], [feedback.Withheld(evil, CH, f"why {evil}")], course)
    frame = pd.DataFrame([{"student": evil, "chapter": CH, "cell": "test_double", "score": 2.0,
                           "max_score": 2.0, "automatic": True,
                           "awaiting_manual": False}])
    page = report.write_html(frame, course).read_text()
    assert "<h2>Feedback withheld</h2>" in page and "why &lt;img" in page
    assert "<img src=x" not in page and "<b>" not in page and "<i>" not in page
    assert page.count("&lt;img src=x onerror=alert(1)&gt;") == 8  # every field it was put in
