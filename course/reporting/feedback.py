"""``course feedback``: HTML feedback for every graded submission, hidden tests kept out.

nbgrader's ``generate_feedback`` renders the autograded notebooks (configured in
``nbgrader_config.py`` to strip hidden tests and tracebacks). A submission that could not be
graded gets a short page that states why. Finally every page is scanned for lines of hidden
tests (``hidden_lines``).

One submission never blocks feedback for the class. A page that would show hidden-test text
(student code can read the running test's source from the call stack and print it), or that
nbgrader could not render, is *withheld*: replaced by a page telling the student that
feedback for this chapter awaits the instructor's review, and listed in
``reports/withheld_feedback.csv`` (student, chapter, reason), which ``course report`` shows.
The command still succeeds and warns how many pages were withheld. Only a failure that
leaves the whole chapter without pages is an error.

What the leak scan detects, in the raw HTML (tags, attributes, comments and scripts
included) and in its visible text, after decoding HTML entities:

- a hidden-test line (20 characters or more, not shown elsewhere in the student's notebook)
  quoted verbatim, or percent-encoded (``%63%68...``);
- the same inside base64 (standard or URL-safe, with or without padding, wrapped over
  several lines or not) or hexadecimal text: every run of 28+ base64 characters or 40+ hex
  digits is decoded as UTF-8 and scanned again, one more level deep (base64 in base64).

What it does not detect: other encodings (ROT13, base32/85, reversed or interleaved text,
compression, Python or JavaScript escapes such as ``\\x63``, UTF-16), a line split across
outputs or shorter than 20 characters, text changed in spacing or wording, text drawn in an
image, and what is not a line of the test at all: the hidden tests' *inputs*, which a
student's function can print when a hidden test calls it.
"""

from __future__ import annotations

import base64
import binascii
import csv
import html
import re
import sys
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from course import notebooks as nbs
from course.chapters import ROOT, CourseError, release_notebook, source_notebook
from course.grading import outcomes
from course.nbgrader_cli import last_error_line, run_nbgrader
from course.settings import load_settings

WITHHELD_CSV = Path("reports") / "withheld_feedback.csv"
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{28,}={0,2}")
_BASE64_LINE = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")
_HEX_RUN = re.compile(r"[0-9a-fA-F]{40,}")
_DECODE_DEPTH = 2

_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{chapter}: feedback for {student}</title></head>
<body><h1>{chapter}</h1><p>Student: {student}</p>
<p><strong>Your submission could not be graded automatically; it scored 0 points.</strong></p>
<p>Reason: {reason}</p>
<p>Fix the problem, check your notebook with <em>Validate</em> in JupyterLab, and hand it in
again.</p></body></html>
"""

_WITHHELD_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{chapter}: feedback for {student}</title></head>
<body><h1>{chapter}</h1><p>Student: {student}</p>
<p><strong>Feedback for this chapter is withheld pending instructor review.</strong></p>
<p>Your submission was graded; your instructor will look at it and get back to you.</p>
</body></html>
"""


@dataclass(frozen=True)
class Withheld:
    """A feedback page kept from a student, and why (for the instructor's report)."""

    student: str
    chapter: str
    reason: str


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


def _page_views(raw: str) -> list[str]:
    """What the scan reads of a page: the whole source (attributes, comments and scripts
    included, where a leak hides from the eye but not from "view source"), its visible text,
    and the source with percent-escapes decoded; entities decoded in each."""
    source = html.unescape(raw)
    text = html.unescape(re.sub(r"<[^>]+>", "", raw))
    return [source, text, urllib.parse.unquote(source)]


def _base64_candidates(text: str) -> list[str]:
    """Runs of base64 characters, single-line and wrapped over lines (``encodebytes``)."""
    return _BASE64_RUN.findall(text) + _wrapped_base64(text)


def _wrapped_base64(text: str) -> list[str]:
    """Consecutive lines made only of base64 characters, joined: text encoded by
    ``base64.encodebytes`` (76 characters a line). Found line by line, in linear time (a
    regular expression over several lines backtracks quadratically on long runs)."""
    blocks, current = [], []
    for line in [*text.splitlines(), ""]:
        stripped = line.strip()
        if len(stripped) >= 4 and _BASE64_LINE.fullmatch(stripped):
            current.append(stripped)
            continue
        if len(current) >= 2:
            blocks.append("".join(current))
        current = []
    return blocks


def _decode_base64(run: str) -> list[str]:
    """``run`` decoded from base64 at each of the 4 possible alignments (junk letters may
    precede the encoded text), as UTF-8 with undecodable bytes dropped."""
    decoded = []
    standard = run.rstrip("=").replace("-", "+").replace("_", "/")
    for start in range(4):
        part = standard[start:]
        part = part[:len(part) - len(part) % 4] if len(part) % 4 == 1 else part
        try:
            data = base64.b64decode(part + "=" * (-len(part) % 4))
        except (binascii.Error, ValueError):
            continue
        decoded.append(data.decode("utf-8", errors="ignore"))
    return decoded


def _decode_hex(run: str) -> list[str]:
    """``run`` decoded from hexadecimal at both alignments."""
    decoded = []
    for start in range(2):
        part = run[start:]
        part = part[:len(part) - len(part) % 2]
        decoded.append(bytes.fromhex(part).decode("utf-8", errors="ignore"))
    return decoded


def decoded_texts(text: str, depth: int = _DECODE_DEPTH) -> list[tuple[str, str]]:
    """``(encoding, decoded text)`` for every base64 or hex run in ``text``, and for the runs
    inside those, ``depth`` levels deep."""
    found = []
    for label, runs, decode in (("base64", _base64_candidates(text), _decode_base64),
                                ("hex", _HEX_RUN.findall(text), _decode_hex)):
        for run in dict.fromkeys(runs):
            found += [(label, d) for d in decode(run) if d]
    if depth > 1:
        found += [(f"{inner_label} in {label}", inner)
                  for label, outer in list(found)
                  for inner_label, inner in decoded_texts(outer, depth - 1)]
    return found


def leaked_lines(raw_html: str, secrets: list[str]) -> list[tuple[str, str]]:
    """``(line, how)`` for every hidden-test line the page shows: ``how`` is ``plain`` or the
    encoding it was found under (see the module docstring for what is covered)."""
    if not secrets:
        return []
    views = _page_views(raw_html)
    texts = [("plain", view) for view in views]
    texts += [pair for view in views for pair in decoded_texts(view)]
    leaks: dict[str, str] = {}
    for how, text in texts:
        for line in secrets:
            if line not in leaks and line in text:
                leaks[line] = how
    return list(leaks.items())


def _leak_reason(leaks: list[tuple[str, str]]) -> str:
    """Why a page is withheld, for the instructor; never the hidden text itself."""
    hows = sorted({how for _, how in leaks})
    return (f"the page would show {len(leaks)} hidden-test line(s) ({', '.join(hows)}); "
            "check the autograded notebook before releasing its feedback")


def _pages(chapter: str, root: Path) -> list[Path]:
    return sorted(load_settings(root).folder("feedback").glob(f"*/{chapter}/*.html"))


def find_leaks(chapter: str, root: Path = ROOT) -> list[str]:
    """Feedback pages of the chapter that quote a hidden-test line (``page: line (how)``)."""
    secrets = hidden_lines(chapter, root)
    return [f"{page.relative_to(root)}: {line} ({how})" for page in _pages(chapter, root)
            for line, how in leaked_lines(page.read_text(errors="replace"), secrets)]


def _page_path(student: str, chapter: str, root: Path) -> Path:
    return load_settings(root).folder("feedback") / student / chapter / f"{chapter}.html"


def _write_failure_page(outcome: outcomes.Outcome, root: Path) -> None:
    page = _page_path(outcome.student, outcome.chapter, root)
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(_PAGE.format(chapter=html.escape(outcome.chapter),
                                 student=html.escape(outcome.student),
                                 reason=html.escape(outcome.reason or outcome.status)))


def _withhold(student: str, chapter: str, reason: str, root: Path) -> Withheld:
    """Replace the student's page by the withheld page; the reason goes to the instructor
    only."""
    page = _page_path(student, chapter, root)
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(_WITHHELD_PAGE.format(chapter=html.escape(chapter),
                                          student=html.escape(student)))
    return Withheld(student, chapter, reason)


def _render(chapter: str, root: Path) -> list[Withheld]:
    """Run nbgrader's ``generate_feedback`` for the chapter. nbgrader renders every notebook
    it can and fails at the end if one failed: the submissions left without a page are
    withheld, unless none got one (then nothing works, and that is an error)."""
    graded = sorted(load_settings(root).folder("autograded").glob(f"*/{chapter}/{chapter}.ipynb"))
    if not graded:
        return []
    result = run_nbgrader(["generate_feedback", chapter, "--force"], root, check=False)
    if result.returncode == 0:
        return []
    students = [path.parent.parent.name for path in graded]
    missing = [s for s in students if not _page_path(s, chapter, root).exists()]
    if len(missing) == len(students):
        raise CourseError(f"nbgrader generate_feedback {chapter} failed: "
                          f"{last_error_line(result.stderr)}")
    reason = (f"nbgrader could not render the feedback page (run `nbgrader generate_feedback "
              f"{chapter} --student <id>` to see why)")
    return [_withhold(s, chapter, reason, root) for s in missing]


def _withhold_leaks(chapter: str, root: Path) -> list[Withheld]:
    secrets = hidden_lines(chapter, root)
    withheld = []
    for page in _pages(chapter, root):
        leaks = leaked_lines(page.read_text(errors="replace"), secrets)
        if leaks:
            student = page.parent.parent.name
            withheld.append(_withhold(student, chapter, _leak_reason(leaks), root))
    return withheld


def load_withheld(root: Path = ROOT) -> list[Withheld]:
    """The withheld pages recorded by the last ``course feedback`` of each chapter."""
    path = root / WITHHELD_CSV
    if not path.exists():
        return []
    with path.open(newline="") as stream:
        return [Withheld(row["student"], row["chapter"], row["reason"])
                for row in csv.DictReader(stream)]


def save_withheld(chapters: list[str], withheld: list[Withheld], root: Path = ROOT) -> Path:
    """Record ``withheld`` as the list for ``chapters`` (rows of other chapters are kept, so
    feedback may be generated one chapter at a time)."""
    rows = [w for w in load_withheld(root) if w.chapter not in chapters] + withheld
    path = root / WITHHELD_CSV
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with partial.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["student", "chapter", "reason"])
        writer.writerows([w.student, w.chapter, w.reason] for w in rows)
    partial.replace(path)
    return path


def feedback(chapters: list[str], root: Path = ROOT) -> int:
    """Write feedback for every autograded submission of ``chapters``; returns the number of
    pages written (withheld ones included). Withheld pages are listed in
    ``reports/withheld_feedback.csv`` and announced by a one-line warning on stderr."""
    withheld = [w for chapter in chapters for w in _render(chapter, root)]
    failed = [o for o in outcomes.load_all(root) if o.chapter in chapters and o.status != "graded"]
    for outcome in failed:
        _write_failure_page(outcome, root)
    replaced = {(o.student, o.chapter) for o in failed}  # the failure page says why instead
    withheld = [w for w in withheld if (w.student, w.chapter) not in replaced]
    withheld += [w for chapter in chapters for w in _withhold_leaks(chapter, root)]
    path = save_withheld(chapters, withheld, root)
    if withheld:
        print(f"course feedback: warning: {len(withheld)} feedback page(s) withheld pending "
              f"instructor review (see {path} and the report)", file=sys.stderr)
    return sum(len(_pages(c, root)) for c in chapters)
