"""Measure the bad-submission corpus under stock ``nbgrader autograde`` and ``course autograde``.

    .venv/bin/python -m tests.attack_table [--doc docs/grading-integrity.md]

Builds the corpus of ``tests/attack_corpus.py`` twice in a temporary folder: one course
graded by stock nbgrader (default preprocessors, the same cell timeout, one
``nbgrader autograde --student`` per submission, as an instructor would run it) and one graded
by ``python -m course autograde --workers 2``. Writes a markdown table, one row per attack,
between the ``attack-table`` markers of the document:
the points honest content earns, what each grader gave, and what else happened (a submission
lost, another student's file overwritten, the grader killed). Stock runs are watched from
outside (wall time, memory) so that a runaway submission cannot take the machine down; a
stock run stopped that way is reported as such.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from course import notebooks as nbs
from course.authoring import release
from course.chapters import ROOT
from course.cli.bench import stock_config
from course.grading import gradebook, outcomes
from course.settings import load_settings
from tests import attack_corpus as corpus
from tests.helpers import make_course

CH = corpus.CH
STOCK_WALL_SECONDS = 300
STOCK_MEMORY_MB = 6144

def build(root: Path) -> list[corpus.Attack]:
    make_course(root, corpus.attack_notebook())
    release.release([CH], root)
    source = nbs.read(root / "source" / CH / f"{CH}.ipynb")
    blank = nbs.read(root / "release" / CH / f"{CH}.ipynb")
    return corpus.build(root, nbs.fill_answers(blank, source), blank)


def _kernels(runtime_dir: str) -> set[int]:
    """Kernels started with a connection file in ``runtime_dir`` (the stock runs' own)."""
    return {p.pid for p in psutil.process_iter(["cmdline"])
            if runtime_dir in " ".join(p.info["cmdline"] or [])}


def _stop(processes: list[psutil.Process]) -> None:
    for process in processes:
        try:
            process.kill()
        except psutil.Error:
            pass


def stock_grade(root: Path, student: str, env: dict[str, str]) -> str:
    """Run stock ``nbgrader autograde`` for one student; '' or what went wrong."""
    runtime_dir = env["JUPYTER_RUNTIME_DIR"]
    command = [sys.executable, "-m", "nbgrader", "autograde", CH, "--student", student,
               "--force", "--log-level=ERROR"]
    run = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    watched, start, problem = psutil.Process(run.pid), time.monotonic(), ""
    while run.poll() is None:
        try:
            family = [watched, *watched.children(recursive=True)]
            used = sum(p.memory_info().rss for p in family) / 2**20
        except psutil.Error:
            family, used = [], 0.0
        if used > STOCK_MEMORY_MB:
            problem = f"used over {STOCK_MEMORY_MB} MB: stopped by this script"
        elif time.monotonic() - start > STOCK_WALL_SECONDS:
            problem = f"ran over {STOCK_WALL_SECONDS} s: stopped by this script"
        if problem:
            _stop(family)
            break
        time.sleep(0.1)
    run.wait()
    if not problem and run.returncode < 0:
        problem = "grader process killed by the submission"
    elif not problem and run.returncode:
        problem = f"nbgrader exited with status {run.returncode}"
    leftover = _kernels(runtime_dir)
    if leftover:
        _stop([psutil.Process(pid) for pid in leftover if psutil.pid_exists(pid)])
        problem = (problem + "; " if problem else "") + "kernel left running"
    return problem


def digest(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.is_symlink()}


def run_stock(root: Path, students: list[str]) -> dict[str, str]:
    (root / "nbgrader_config.py").write_text(stock_config(load_settings(root)))
    problems = {}
    for student in students:
        # Stock kernels run the attacks unconfined: each gets a throwaway home, so that an
        # IPython startup file or a config an attack writes cannot reach this machine's
        # other kernels (it would, with the real home).
        home = root.parent / "stock-home" / student
        home.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **corpus.LIMITS, "PYTHONPATH": str(ROOT), "HOME": str(home),
               "IPYTHONDIR": str(home / ".ipython"),
               "JUPYTER_RUNTIME_DIR": str(root.parent / "stock-runtime")}
        before = digest(root / "submitted")
        problems[student] = stock_grade(root, student, env)
        changed = sorted({path.split("/")[0] for path, data in digest(root / "submitted").items()
                          if before.get(path) != data})
        changed += ["source/"] if any(p.name.endswith(".evil") for p in root.rglob("*")) else []
        junk = Path("/dev/shm/course-junk")  # the shm_filler attack's file
        if junk.exists():
            changed.append(f"/dev/shm ({junk.stat().st_size // 2**20} MB left in memory)")
            junk.unlink()
        if changed:
            problems[student] += ("; " if problems[student] else "") + \
                f"overwrote files of: {', '.join(changed)}"
    return problems


def run_course(root: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "course", "--root", str(root), "autograde",
                    "--workers", "2"], cwd=ROOT, env={**os.environ, **corpus.LIMITS},
                   capture_output=True, check=True)
    return time.perf_counter() - start


def _course_says(root: Path, student: str) -> str:
    outcome = outcomes.load(CH, student, root)
    if outcome is None:
        return "no outcome"
    said = outcome.reason or "; ".join(outcome.notes) or ""
    if outcome.flags:
        said += (" " if said else "") + f"[{len(outcome.flags)} flag(s)]"
    return said


def table(attacks, stock_points, stock_problems, course_points, course_root) -> str:
    rows = ["| attack | honest points | stock `nbgrader autograde` | `course autograde` |",
            "|---|---|---|---|"]
    for student, what, honest in [("reference", "all answers right (control)", 4.0),
                                  ("blank", "release handed in untouched (control)", 0.0),
                                  *[(a.name, a.what, a.honest) for a in attacks]]:
        stock = f"{stock_points[student]:g}" if student in stock_points else "no grade"
        if stock_problems.get(student):
            stock += f" ({stock_problems[student]})"
        ours = f"{course_points.get(student, 0):g}"
        says = _course_says(course_root, student)
        ours += f": {says}" if says else ""
        rows.append(f"| `{student}`: {what} | {honest:g} | {stock} | {ours} |".replace("\n", " "))
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--doc", type=Path, default=ROOT / "docs" / "grading-integrity.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="attack-table-") as scratch:
        course_root, stock_root = Path(scratch) / "course", Path(scratch) / "stock"
        attacks = build(course_root)
        shutil.copytree(course_root, stock_root, symlinks=True)
        students = sorted(p.name for p in (stock_root / "submitted").iterdir())
        # the corpus embeds the course copy's paths; point the stock copy's at itself
        for path in (stock_root / "submitted").rglob("*.ipynb"):
            text = path.read_text(errors="surrogateescape")
            path.write_text(text.replace(str(course_root), str(stock_root)),
                            errors="surrogateescape")
        link = stock_root / "submitted" / "symlink" / CH / "notes.db"
        link.unlink()
        link.symlink_to(stock_root / "gradebook.db")
        stock_problems = run_stock(stock_root, students)
        seconds = run_course(course_root)
        text = table(attacks, gradebook.automatic_points(stock_root), stock_problems,
                     gradebook.automatic_points(course_root), course_root)
    limits = ", ".join(f"`{k}={v}`" for k, v in corpus.LIMITS.items())
    measured = (f"Measured by `python -m tests.attack_table` on {time.strftime('%Y-%m-%d')} "
                f"({os.cpu_count()} CPU cores), limits {limits}; `course autograde` graded the "
                f"{len(students)} submissions in {seconds:.0f} s with 2 workers.")
    write_between_markers(args.doc, f"{measured}\n\n{text}")
    print(text)
    return 0


def write_between_markers(doc: Path, text: str) -> None:
    start, end = "<!-- attack-table:start -->", "<!-- attack-table:end -->"
    current = doc.read_text()
    if start not in current or end not in current:
        raise SystemExit(f"{doc} has no {start} ... {end} markers")
    head, rest = current.split(start, 1)
    doc.write_text(f"{head}{start}\n{text}\n{end}{rest.split(end, 1)[1]}")


if __name__ == "__main__":
    sys.exit(main())
