"""``course report``: ``reports/grades.csv`` (nbgrader's export format) and an HTML report
with the automatic, manual and total score tables, score distributions, per-test pass rates,
the submissions with a grading remark and the feedback pages withheld for review.

Student ids, reasons, notes and flags come from submissions (a folder name, text a student's
code made the grader write), so every such field is HTML-escaped where the report writes it.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from nbgrader.plugins.export import CsvExportPlugin  # noqa: E402

from course import feedback, gradebook, outcomes  # noqa: E402
from course.chapters import ROOT, CourseError  # noqa: E402

COLUMNS = ["student", "chapter", "cell", "score", "max_score", "automatic", "awaiting_manual"]


def score_frame(root: Path = ROOT) -> pd.DataFrame:
    """One row per graded cell per submission: student, chapter, cell, score, max_score,
    automatic (an autograder test), awaiting_manual (a hand-graded cell not graded yet)."""
    rows = gradebook.scores(root)
    return pd.DataFrame([r.__dict__ for r in rows], columns=COLUMNS)


def _table(frame: pd.DataFrame, text) -> pd.DataFrame:
    """``text(points of one student and chapter)`` by student (rows) and chapter (columns)."""
    if frame.empty:
        return pd.DataFrame()
    groups = frame.groupby(["student", "chapter"])
    return groups.apply(text, include_groups=False).unstack("chapter").fillna("-")


def automatic_scores(frame: pd.DataFrame) -> pd.DataFrame:
    """Automatic points by student (rows) and chapter (columns), as ``"score / max"``."""
    return _table(frame[frame.automatic],
                  lambda g: f"{g.score.sum():g} / {g.max_score.sum():g}")


def manual_scores(frame: pd.DataFrame) -> pd.DataFrame:
    """Hand-graded points by student and chapter: ``"score / max"``, with how many cells
    still await grading."""
    def text(group: pd.DataFrame) -> str:
        waiting = int(group.awaiting_manual.sum())
        graded = group[~group.awaiting_manual]
        shown = f"{graded.score.sum():g} / {graded.max_score.sum():g}"
        return shown + (f" ({waiting} awaiting manual grading)" if waiting else "")
    return _table(frame[~frame.automatic], text)


def total_scores(frame: pd.DataFrame) -> pd.DataFrame:
    """Automatic plus hand-graded points by student and chapter, as ``"score / max"`` (the
    ``score`` of ``reports/grades.csv``), with how many cells still await manual grading."""
    def text(group: pd.DataFrame) -> str:
        waiting = int(group.awaiting_manual.sum())
        shown = f"{group.score.sum():g} / {group.max_score.sum():g}"
        return shown + (f" ({waiting} awaiting manual grading)" if waiting else "")
    return _table(frame, text)


def pass_rates(frame: pd.DataFrame) -> pd.DataFrame:
    """Share of submissions earning a test cell's full points, by chapter and cell."""
    auto = frame[frame.automatic].copy()
    auto["passed"] = auto.score >= auto.max_score
    return auto.groupby(["chapter", "cell"]).passed.mean().reset_index()


def export_csv(root: Path = ROOT) -> Path:
    """Grades in nbgrader's CSV export format (``nbgrader export``)."""
    target = root / "reports" / "grades.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    with gradebook.open_gradebook(root) as gb:
        CsvExportPlugin(to=str(target)).export(gb)
    return target


def _figure_html(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    encoded = base64.b64encode(buffer.getvalue()).decode()
    return f'<img alt="figure" src="data:image/png;base64,{encoded}">'


def _distribution_plot(frame: pd.DataFrame) -> str:
    if not frame.automatic.any():
        return ""
    per_submission = frame[frame.automatic].groupby(["chapter", "student"])[
        ["score", "max_score"]].sum()
    percent = (100 * per_submission.score / per_submission.max_score).reset_index(name="pct")
    chapters = sorted(percent.chapter.unique())
    figure, ax = plt.subplots(figsize=(max(4, 1.2 * len(chapters)), 3))
    ax.boxplot([percent[percent.chapter == c].pct for c in chapters], tick_labels=chapters)
    for i, chapter in enumerate(chapters, start=1):
        values = percent[percent.chapter == chapter].pct
        ax.scatter([i] * len(values), values, s=12, alpha=0.6)
    ax.set(ylabel="automatic score (%)", ylim=(-5, 105), title="Score distribution by chapter")
    ax.tick_params(axis="x", rotation=30)
    return _figure_html(figure)


def _pass_rate_plot(rates: pd.DataFrame, chapter: str) -> str:
    part = rates[rates.chapter == chapter]
    figure, ax = plt.subplots(figsize=(6, 0.3 * len(part) + 1))
    ax.barh(part.cell, 100 * part.passed)
    ax.set(xlabel="submissions with full points (%)", xlim=(0, 100), title=chapter)
    ax.invert_yaxis()
    return _figure_html(figure)


def _items(lines: list[str]) -> str:
    return "<br>".join(html.escape(line) for line in lines)


class _Html(str):
    """Text that is already HTML (escaped by ``_items``)."""


def _row(*fields: str) -> str:
    """A table row of plain-text fields, each escaped (``_items`` output is passed through
    ``_Html`` to mark it as already escaped)."""
    cells = [f if isinstance(f, _Html) else html.escape(str(f)) for f in fields]
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def _remarks_section(problems: list[outcomes.Outcome]) -> list[str]:
    if not problems:
        return []
    parts = ["<h2>Submissions with a grading remark</h2><p>Notes: what the grader "
             "repaired, stopped or voided. Flags: code to review by hand (flags never "
             "change a score).</p><table><tr><th>student</th><th>chapter</th>"
             "<th>status</th><th>reason</th><th>notes</th><th>flags</th></tr>"]
    parts += [_row(o.student, o.chapter, o.status, o.reason, _Html(_items(o.notes)),
                   _Html(_items(o.flags))) for o in problems]
    parts.append("</table>")
    return parts


def _withheld_section(withheld: list[feedback.Withheld]) -> list[str]:
    """Feedback pages kept from students until the instructor has looked at them."""
    if not withheld:
        return []
    parts = ["<h2>Feedback withheld</h2><p>These students received a page saying their "
             "feedback awaits your review instead of their feedback "
             f"(<code>{html.escape(str(feedback.WITHHELD_CSV))}</code>). Read the autograded "
             "notebook; to release its feedback, run <code>nbgrader generate_feedback "
             "CHAPTER --student ID --force</code> and check the page yourself.</p>"
             "<table><tr><th>student</th><th>chapter</th><th>reason</th></tr>"]
    parts += [_row(w.student, w.chapter, w.reason) for w in withheld]
    parts.append("</table>")
    return parts


def write_html(frame: pd.DataFrame, root: Path = ROOT) -> Path:
    target = root / "reports" / "report.html"
    rates = pass_rates(frame)
    problems = [o for o in outcomes.load_all(root) if o.reason or o.notes or o.flags]
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>Grades</title>",
             "<style>body{font-family:sans-serif;margin:2em} table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:3px 8px}</style></head><body>",
             "<h1>Grades</h1><h2>Automatic points by student and chapter</h2>",
             _html(automatic_scores(frame), "No automatically graded cells."),
             _distribution_plot(frame),
             "<h2>Manually graded points by student and chapter</h2>",
             _html(manual_scores(frame), "No manually graded cells."),
             "<h2>Total points by student and chapter</h2><p>Automatic plus manually "
             "graded points, as in <code>grades.csv</code>.</p>",
             _html(total_scores(frame), "No graded cells.")]
    parts += _withheld_section(feedback.load_withheld(root))
    parts += _remarks_section(problems)
    parts.append("<h2>Per-test pass rates</h2>")
    parts += [_pass_rate_plot(rates, c) for c in sorted(rates.chapter.unique())]
    parts.append("</body></html>")
    target.write_text("\n".join(parts))
    return target


def _html(table: pd.DataFrame, empty: str) -> str:
    return table.to_html(escape=True) if not table.empty else f"<p>{empty}</p>"


def report(root: Path = ROOT) -> tuple[Path, Path]:
    frame = score_frame(root)
    if frame.empty:
        raise CourseError("the gradebook has no graded submissions; run `course autograde` first")
    return export_csv(root), write_html(frame, root)
