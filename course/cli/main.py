"""Command line of the course toolkit: ``python -m course <command> [chapters]``.

Every command takes chapter names (default: all chapters with a source notebook), and exits
non-zero with a one-line reason when it fails.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from course.authoring import release as release_mod
from course.authoring import validate as validate_mod
from course.chapters import ROOT, CourseError, resolve_chapters
from course.cli import bench as bench_mod
from course.cli import demo as demo_mod
from course.grading import autograde as autograde_mod
from course.grading import collect as collect_mod
from course.reporting import feedback as feedback_mod
from course.reporting import report as report_mod

console = Console()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m course", description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="course directory (default: this repository)")
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, help_text: str, chapters: bool = True) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        if chapters:
            sub.add_argument("chapters", nargs="*", help="chapter names or numbers (default: all)")
        return sub

    sub = command("validate", "check nbgrader metadata and execute the source notebooks")
    sub.add_argument("--no-execute", action="store_true", help="check metadata only")
    sub.add_argument("--workers", type=int, default=2, help="notebooks executed at once")
    sub = command("release", "generate release/ from source/ with nbgrader")
    sub.add_argument("--check", action="store_true",
                     help="fail if release/ differs from what source/ generates")
    sub = command("autograde", "grade submitted/<student>/<chapter>/ into the gradebook")
    sub.add_argument("--workers", type=int, default=2, help="submissions graded at once")
    sub.add_argument("--force", action="store_true", help="regrade submissions already graded")
    sub.add_argument("--student", action="append", help="grade only this student (repeatable)")
    sub.add_argument("--cluster", metavar="ADDRESS",
                     help="grade on a Dask cluster: a scheduler address (tcp://host:8786) or "
                          "local:N for N worker processes on this machine (--workers is then "
                          "not used)")
    sub = command("collect", "bring submissions into submitted/<student>/<chapter>/ from "
                             "nbgrader's exchange (COURSE_EXCHANGE) or an LMS zip (--zip)")
    sub.add_argument("--zip", type=Path, metavar="FILE",
                     help="a Canvas or Moodle download whose file names name the students")
    sub.add_argument("--chapter", help="with --zip: the chapter of every notebook in the zip "
                                       "(default: the chapter each file is named after)")
    sub.add_argument("--force", action="store_true",
                     help="with --zip: replace a different notebook already in submitted/")
    sub.formatter_class = argparse.RawDescriptionHelpFormatter
    sub.epilog = COLLECT_PATTERNS
    command("feedback", "write HTML feedback for autograded submissions")
    command("report", "write reports/grades.csv and reports/report.html", chapters=False)
    sub = command("demo", "run the whole pipeline on three demo students")
    sub.add_argument("--workers", type=int, default=2, help="notebooks run at once")
    sub = command("bench", "time the solution notebooks and autograde (plain vs parallel)")
    sub.add_argument("--submissions", type=int, default=8,
                     help="submissions graded in the autograde benchmark")
    return parser


def print_outcomes(results) -> None:
    graded = sum(o.status == "graded" for o in results)
    console.print(f"{len(results)} submissions: {graded} graded, {len(results) - graded} "
                  "could not be graded (scored 0)")
    for o in results:
        if o.reason:
            console.print(f"  {o.student} / {o.chapter}: {o.status}: {o.reason}", markup=False)
        elif o.notes or o.flags:
            console.print(f"  {o.student} / {o.chapter}: {len(o.notes)} grading note(s), "
                          f"{len(o.flags)} flag(s) for review (see the report)", markup=False)


def print_score_table(root: Path, title: str = "Automatic points") -> None:
    frame = report_mod.score_frame(root)
    if frame.empty:
        return
    scores = report_mod.automatic_scores(frame)
    table = Table(title=title)
    table.add_column("student")
    for chapter in scores.columns:
        table.add_column(chapter, justify="right")
    for student, row in scores.iterrows():
        table.add_row(student, *row.tolist())
    console.print(table)


def run(args: argparse.Namespace) -> None:
    root = args.root.resolve()
    chapters = resolve_chapters(getattr(args, "chapters", None), root)
    if args.command == "validate":
        seconds = validate_mod.validate(chapters, root, execute=not args.no_execute,
                                        workers=args.workers)
        for chapter in chapters:
            timing = f" (executed in {seconds[chapter]:.1f} s)" if chapter in seconds else ""
            console.print(f"{chapter}: ok{timing}")
    elif args.command == "release":
        release_mod.release(chapters, root, check_only=args.check)
        console.print(f"release/ {'is in sync' if args.check else 'written'} for "
                      f"{', '.join(chapters)}")
    elif args.command == "autograde":
        if args.cluster:
            results = run_on_cluster(chapters, root, args)
        else:
            results = autograde_mod.autograde(chapters, root, workers=args.workers,
                                              force=args.force, students=args.student)
        print_outcomes(results)
        print_score_table(root)
    elif args.command == "collect":
        run_collect(chapters, root, args)
    elif args.command == "feedback":
        pages = feedback_mod.feedback(chapters, root)
        console.print(f"{pages} feedback pages in feedback/")
    elif args.command == "report":
        csv_path, html_path = report_mod.report(root)
        console.print(f"wrote {csv_path} and {html_path}")
    elif args.command == "demo":
        run_demo(chapters, root, args.workers)
    elif args.command == "bench":
        bench_mod.bench(chapters, submissions=args.submissions, root=root)


COLLECT_PATTERNS = """file names in an LMS zip:
  Canvas  <studentname>_<id>_<submissionid>_<filename>   (also <studentname>_LATE_...)
  Moodle  <Full Name>_<id>_assignsubmission_file_<filename>   (or that folder/<filename>)
the student id is the name in lower case, letters and digits (Moodle's spaces become _)"""


def run_collect(chapters: list[str], root: Path, args: argparse.Namespace) -> None:
    """``collect``: from the exchange (nbgrader collect), or from an LMS zip with a line for
    every file placed and every file not placed."""
    if args.zip is None:
        if args.chapter or args.force:
            raise CourseError("--chapter and --force go with --zip")
        lines = collect_mod.collect_exchange(chapters, root)
        for line in lines or ["no submissions in the exchange"]:
            console.print(line, markup=False)
        return
    if args.chapters:
        raise CourseError("with --zip, name the chapter with --chapter")
    placed, skipped = collect_mod.collect_zip(args.zip, root, chapter=args.chapter,
                                              force=args.force)
    console.print(f"{args.zip.name}: {len(placed)} notebook(s) placed in submitted/, "
                  f"{len(skipped)} file(s) not placed", markup=False)
    for p in placed:
        console.print(f"  {p.student} / {p.chapter}: {p.action} ({p.entry})", markup=False)
    if skipped:
        console.print("not placed:", markup=False)
        for s in skipped:
            console.print(f"  {s.entry}: {s.reason}", markup=False)
    if not placed:
        raise CourseError(f"no notebook of {args.zip.name} could be placed")


def run_on_cluster(chapters: list[str], root: Path, args: argparse.Namespace) -> list:
    """``autograde --cluster``: grade on Dask (imported only here) and print which worker
    graded how many submissions."""
    from course.grading import cluster as cluster_mod

    run = cluster_mod.autograde(chapters, root, args.cluster, force=args.force,
                                students=args.student,
                                say=lambda line: console.print(line, markup=False))
    if run.workers:
        console.print(f"graded on {args.cluster} in {run.seconds:.0f} s; submissions per "
                      "worker:", markup=False)
        for worker, count in run.workers.items():
            label = worker if worker != "none" else "(no worker finished it)"
            console.print(f"  {label}: {count}", markup=False)
    else:
        console.print("nothing to grade on the cluster: every submission is already graded",
                      markup=False)
    return run.outcomes


def run_demo(chapters: list[str], root: Path, workers: int) -> None:
    start = time.perf_counter()
    step = "[bold]{}[/bold]".format
    console.print(step(f"1/6 validate {len(chapters)} source notebooks"))
    validate_mod.validate(chapters, root, workers=workers)
    console.print(step("2/6 release: generate the student notebooks"))
    release_mod.release(chapters, root)
    console.print(step("3/6 demo submissions: " + ", ".join(demo_mod.DEMO_STUDENTS)))
    demo_mod.build_submissions(chapters, root)
    console.print(step(f"4/6 autograde ({workers} workers)"))
    print_outcomes(autograde_mod.autograde(chapters, root, workers=workers,
                                           students=list(demo_mod.DEMO_STUDENTS)))
    console.print(step("5/6 feedback"))
    feedback_mod.feedback(chapters, root)
    console.print(step("6/6 report"))
    csv_path, html_path = report_mod.report(root)
    print_score_table(root, "Demo: automatic points by student and chapter")
    console.print(f"grades: {csv_path}, report: {html_path}, feedback: {root / 'feedback'} "
                  f"({time.perf_counter() - start:.0f} s)")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        run(args)
    except CourseError as error:
        print(f"course {args.command}: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"course {args.command}: interrupted", file=sys.stderr)
        return 130
    return 0
