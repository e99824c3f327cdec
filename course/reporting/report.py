"""``course report``: ``reports/grades.csv`` (nbgrader's export format) and an HTML report
with the automatic, manual and total score tables, score distributions, per-test pass rates,
the submissions with a grading remark and the feedback pages withheld for review.

The page is the Jinja2 template ``course/reporting/templates/report.html.j2``, rendered with
autoescaping on: student ids, chapter and cell names, reasons, notes and flags come from
submissions (a folder name, text a student's code made the grader write), and every value the
template writes is HTML-escaped.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import jinja2
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from nbgrader.plugins.export import CsvExportPlugin  # noqa: E402

from course.chapters import ROOT, CourseError  # noqa: E402
from course.grading import gradebook, outcomes
from course.reporting import feedback  # noqa: E402

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


def _png_base64(figure) -> str:
    """``figure`` as a PNG image in base64 text (for a ``data:`` URL); closes the figure."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode()


def _distribution_plot(frame: pd.DataFrame) -> str:
    """Box plot of automatic scores (%) by chapter, as ``_png_base64`` ("" without any)."""
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
    return _png_base64(figure)


def _pass_rate_plot(rates: pd.DataFrame, chapter: str) -> str:
    """Bar chart of ``chapter``'s per-test pass rates, as ``_png_base64``."""
    part = rates[rates.chapter == chapter]
    figure, ax = plt.subplots(figsize=(6, 0.3 * len(part) + 1))
    ax.barh(part.cell, 100 * part.passed)
    ax.set(xlabel="submissions with full points (%)", xlim=(0, 100), title=chapter)
    ax.invert_yaxis()
    return _png_base64(figure)


_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("course.reporting", "templates"), autoescape=True,
    trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)


def _score_table(table: pd.DataFrame) -> dict | None:
    """An ``automatic_scores``-like table as plain data for the template:
    ``{"chapters": [column, ...], "rows": [(student, [text per chapter]), ...]}``
    (None when empty)."""
    if table.empty:
        return None
    return {"chapters": [str(chapter) for chapter in table.columns],
            "rows": [(str(student), [str(text) for text in texts])
                     for student, texts in table.iterrows()]}


def write_html(frame: pd.DataFrame, root: Path = ROOT) -> Path:
    """``reports/report.html`` for ``frame`` (``score_frame``), the outcomes with a reason,
    note or flag, and the feedback withheld for review."""
    target = root / "reports" / "report.html"
    rates = pass_rates(frame)
    page = _TEMPLATES.get_template("report.html.j2").render(
        automatic=_score_table(automatic_scores(frame)),
        distribution=_distribution_plot(frame),
        manual=_score_table(manual_scores(frame)),
        total=_score_table(total_scores(frame)),
        withheld=feedback.load_withheld(root), withheld_csv=str(feedback.WITHHELD_CSV),
        remarks=[o for o in outcomes.load_all(root) if o.reason or o.notes or o.flags],
        pass_rates=[_pass_rate_plot(rates, c) for c in sorted(rates.chapter.unique())],
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page, encoding="utf-8")
    return target


def report(root: Path = ROOT) -> tuple[Path, Path]:
    frame = score_frame(root)
    if frame.empty:
        raise CourseError("the gradebook has no graded submissions; run `course autograde` first")
    return export_csv(root), write_html(frame, root)
