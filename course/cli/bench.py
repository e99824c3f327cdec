"""``course bench``: measured figures for this machine (printed, never asserted).

1. Each chapter's solution notebook executed in a fresh kernel (TensorFlow import included).
2. Autograde wall time for the same submissions (half reference, half blank) with **stock**
   ``nbgrader autograde`` (default preprocessors: none of this course's, only the course
   folder, the cell timeout and ``IgnorePattern``; one process, one submission after
   another), ``course autograde --workers 1``, ``--workers 2`` and ``--cluster local:2`` (Dask,
   two worker processes of one thread: the cluster path's overhead per submission is its
   time minus ``--workers 2``'s, divided by the submissions), in a scratch copy of the course
   (the real gradebook is not touched), and whether all of them gave the same grades.
3. The fixed cost per submission: ``course autograde --workers 1`` on blank submissions (a
   run of one, and what each further one adds).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from course import notebooks as nbs
from course.authoring import release
from course.authoring.execute import execute_notebook
from course.chapters import ROOT, source_notebook
from course.cli import demo
from course.grading import autograde, gradebook
from course.nbgrader_cli import kernel_environment
from course.settings import CourseSettings, load_settings

console = Console()

# nbgrader as it comes: only where the course is and its id, the same cell timeout (the
# course's, which COURSE_CELL_TIMEOUT overrides as in the course), and TensorFlow's stderr
# warnings ignored (without that stock nbgrader zeroes correct test cells).
STOCK_CONFIG = """c = get_config()
import os
from course.settings import from_config
ROOT = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.root = ROOT
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(ROOT, "gradebook.db")
c.CourseSettings.cell_timeout = {cell_timeout!r}
c.Execute.timeout = from_config(c).cell_timeout
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = {pattern!r}
"""


def stock_config(settings: CourseSettings) -> str:
    """``STOCK_CONFIG`` for the course of ``settings``: its course id, cell timeout and
    stderr pattern."""
    return STOCK_CONFIG.format(course_id=settings.course_id, cell_timeout=settings.cell_timeout,
                               pattern=settings.stderr_ignore)


def time_solutions(chapters: list[str], root: Path = ROOT) -> dict[str, float]:
    """Wall seconds to run each solution notebook top to bottom in a fresh kernel, with
    TensorFlow's default threads (as on a student's machine)."""
    seconds = {}
    for chapter in chapters:
        result = execute_notebook(source_notebook(chapter, root), threads=None)
        seconds[chapter] = result.seconds
        status = "ok" if not result.errors else f"ERROR {result.errors[0]}"
        console.print(f"  {chapter}: {result.seconds:.1f} s {status}")
    return seconds


def scratch_course(chapter: str, submissions: int, root: Path = ROOT) -> Path:
    """A copy of the course with ``submissions`` students for ``chapter`` (alternately the
    reference and the blank demo notebooks)."""
    scratch = root / ".bench" / "course"
    if scratch.exists():
        shutil.rmtree(scratch)
    for part in ("source", "release"):
        shutil.copytree(root / part / chapter, scratch / part / chapter)
    shutil.copy(root / "nbgrader_config.py", scratch)
    submitted = load_settings(scratch).folder("submitted")
    notebooks = demo.demo_notebooks(chapter, root)
    for number in range(submissions):
        kind = "reference" if number % 2 == 0 else "blank"
        folder = submitted / f"student{number + 1:02d}" / chapter
        nbs.write(notebooks[kind], folder / f"{chapter}.ipynb")
    return scratch


def _fresh_gradebook(scratch: Path, chapter: str) -> None:
    autograded = load_settings(scratch).folder("autograded")
    for path in (gradebook.db_path(scratch), autograded, scratch / "reports"):
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    release.register([chapter], scratch)


def _grades(scratch: Path) -> dict:
    return {(s.student, s.cell): s.score for s in gradebook.scores(scratch)}


def _stock_autograde(scratch: Path, chapter: str) -> None:
    """Stock ``nbgrader autograde`` of every submission, with a stock configuration."""
    config = scratch / "nbgrader_config.py"
    course_config = config.read_text()
    config.write_text(stock_config(load_settings(scratch)))
    try:
        subprocess.run([sys.executable, "-m", "nbgrader", "autograde", chapter, "--force"],
                       cwd=scratch, env=kernel_environment(threads=None), capture_output=True,
                       check=True)
    finally:
        config.write_text(course_config)


CLUSTER_LABEL = "course autograde --cluster local:2"


def time_autograde(chapter: str, submissions: int, root: Path = ROOT) -> list[tuple]:
    """(label, seconds, grades) for stock nbgrader, workers=1, workers=2 and a local Dask
    cluster of two workers (its start-up included, as an instructor would wait for it)."""
    from course.grading import cluster

    scratch = scratch_course(chapter, submissions, root)
    runs = []
    _fresh_gradebook(scratch, chapter)
    start = time.perf_counter()
    _stock_autograde(scratch, chapter)
    runs.append(("stock nbgrader autograde", time.perf_counter() - start, _grades(scratch)))
    for workers in (1, 2):
        _fresh_gradebook(scratch, chapter)
        start = time.perf_counter()
        autograde.autograde([chapter], scratch, workers=workers, force=True)
        runs.append((f"course autograde --workers {workers}", time.perf_counter() - start,
                     _grades(scratch)))
    _fresh_gradebook(scratch, chapter)
    start = time.perf_counter()
    cluster.autograde([chapter], scratch, "local:2", force=True, say=lambda line: None)
    runs.append((CLUSTER_LABEL, time.perf_counter() - start, _grades(scratch)))
    return runs


def cluster_overhead(runs: list[tuple], submissions: int) -> float:
    """Seconds per submission the Dask path adds to ``--workers 2`` (same two workers; the
    cluster's start-up included)."""
    seconds = {label: value for label, value, _ in runs}
    return (seconds[CLUSTER_LABEL] - seconds["course autograde --workers 2"]) / submissions


def fixed_cost(chapter: str, root: Path = ROOT, blanks: int = 4) -> tuple[float, float]:
    """What every submission pays whatever it contains (kernels, imports, bookkeeping), from
    ``course autograde --workers 1`` on blank submissions: ``(seconds for a run of one,
    seconds each further one adds)``. The first figure includes starting the run (the fork
    server's imports); the second is the per-submission cost in a class-sized run."""
    scratch = scratch_course(chapter, 2 * blanks, root)
    submitted = load_settings(scratch).folder("submitted")
    students = sorted(p.name for p in submitted.iterdir())
    for reference in students[::2]:
        shutil.rmtree(submitted / reference)
    seconds = []
    for chosen in (students[1:2], students[1::2]):
        _fresh_gradebook(scratch, chapter)
        start = time.perf_counter()
        autograde.autograde([chapter], scratch, workers=1, force=True, students=chosen)
        seconds.append(time.perf_counter() - start)
    return seconds[0], (seconds[1] - seconds[0]) / (blanks - 1)


def bench(chapters: list[str], submissions: int = 8, root: Path = ROOT) -> None:
    console.print(f"[bold]Solution notebooks[/bold] ({os.cpu_count()} CPU cores)")
    seconds = time_solutions(chapters, root)
    table = Table(title="Solution notebook, fresh kernel (target: at most 90 s each)")
    table.add_column("chapter")
    table.add_column("seconds", justify="right")
    for chapter, value in seconds.items():
        table.add_row(chapter, f"{value:.1f}")
    table.add_row("all", f"{sum(seconds.values()):.1f}")
    console.print(table)

    chapter = chapters[0]
    console.print(f"[bold]Autograde[/bold]: {submissions} submissions of {chapter}")
    runs = time_autograde(chapter, submissions, root)
    baseline = runs[0][1]
    table = Table(title=f"Autograde wall time, {submissions} submissions of {chapter}")
    for column in ("grader", "seconds", "speed-up vs stock", "same grades as stock"):
        table.add_column(column, justify="left" if column == "grader" else "right")
    for label, value, grades in runs:
        table.add_row(label, f"{value:.1f}", f"{baseline / value:.2f}x",
                      "yes" if grades == runs[0][2] else "NO")
    console.print(table)
    console.print(f"Dask path (--cluster local:2) overhead vs --workers 2: "
                  f"{cluster_overhead(runs, submissions):+.1f} s per submission")
    alone, each = fixed_cost(chapter, root)
    console.print(f"fixed cost (blank {chapter}, --workers 1): a run of one submission "
                  f"{alone:.1f} s; each further submission {each:.1f} s")
