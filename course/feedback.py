"""``course feedback``: HTML feedback for every graded submission, hidden tests kept out.

nbgrader's ``generate_feedback`` renders the autograded notebooks (configured in
``nbgrader_config.py`` to strip hidden tests and tracebacks). A submission that could not be
graded gets a short page that states why. Finally every page is scanned for lines of hidden
tests; finding one is an error, so a leak can never reach students unnoticed.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from course import notebooks as nbs
from course import outcomes
from course.chapters import ROOT, CourseError, release_notebook, source_notebook
from course.nbgrader_cli import run_nbgrader

_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{chapter}: feedback for {student}</title></head>
<body><h1>{chapter}</h1><p>Student: {student}</p>
<p><strong>Your submission could not be graded automatically; it scored 0 points.</strong></p>
<p>Reason: {reason}</p>
<p>Fix the problem, check your notebook with <em>Validate</em> in JupyterLab, and hand it in
again.</p></body></html>
"""


def hidden_lines(chapter: str, root: Path = ROOT, min_length: int = 20) -> list[str]:
    """Lines that only the chapter's hidden tests contain: not in the student version, and not
    elsewhere in the source (a line the solution also has may appear in a student's answer)."""
    release = release_notebook(chapter, root)
    visible = [c.source for c in nbs.read(release).cells] if release.exists() else []
    hidden = []
    for cell in nbs.read(source_notebook(chapter, root)).cells:
        inside = False
        for line in cell.source.split("\n"):
            if nbs.HIDDEN_BEGIN in line:
                inside = True
            elif nbs.HIDDEN_END in line:
                inside = False
            elif inside:
                hidden.append(line.strip())
            else:
                visible.append(line)
    shown = "\n".join(visible)
    return [line for line in hidden if len(line) >= min_length and line not in shown]


def page_text(path: Path) -> str:
    """The visible text of an HTML page (tags removed, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(errors="replace")))


def find_leaks(chapter: str, root: Path = ROOT) -> list[str]:
    """Feedback pages of the chapter that quote a hidden-test line."""
    secrets = hidden_lines(chapter, root)
    leaks = []
    for page in sorted((root / "feedback").glob(f"*/{chapter}/*.html")):
        text = page_text(page)
        leaks += [f"{page.relative_to(root)}: {line}" for line in secrets if line in text]
    return leaks


def _write_failure_page(outcome: outcomes.Outcome, root: Path) -> None:
    page = root / "feedback" / outcome.student / outcome.chapter / f"{outcome.chapter}.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(_PAGE.format(chapter=html.escape(outcome.chapter),
                                 student=html.escape(outcome.student),
                                 reason=html.escape(outcome.reason or outcome.status)))


def feedback(chapters: list[str], root: Path = ROOT) -> int:
    """Write feedback for every autograded submission of ``chapters``; returns the number of
    pages written."""
    for chapter in chapters:
        if any((root / "autograded").glob(f"*/{chapter}/*.ipynb")):
            run_nbgrader(["generate_feedback", chapter, "--force"], root)
    for outcome in outcomes.load_all(root):
        if outcome.chapter in chapters and outcome.status != "graded":
            _write_failure_page(outcome, root)
    leaks = [leak for chapter in chapters for leak in find_leaks(chapter, root)]
    if leaks:
        raise CourseError(f"feedback quotes hidden tests ({len(leaks)} lines), e.g. {leaks[0]}")
    return sum(len(list((root / "feedback").glob(f"*/{c}/*.html"))) for c in chapters)
