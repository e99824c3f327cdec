"""``course autograde``: grade ``submitted/<student>/<chapter>/`` several at a time.

Each submission is graded by nbgrader's autograde in its own worker process
(``course.worker``); workers take turns on the SQLite gradebook through a file lock, so
parallel grading gives exactly the grades of serial grading. Every submission folder ends
with a gradebook entry and an outcome (``course.outcomes``), also when grading it failed or
was stopped, so none is lost. A rerun skips submissions already graded from the same files.
"""

from __future__ import annotations

import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import nbformat
import psutil

from course import gradebook, outcomes, release
from course.chapters import ROOT, CourseError, source_notebook
from course.nbgrader_cli import kernel_environment, last_error_line, nbgrader_command
from course.progress import progress

SUBMISSION_TIMEOUT = float(os.environ.get("COURSE_SUBMISSION_TIMEOUT", "900"))


@dataclass(frozen=True)
class Job:
    chapter: str
    student: str
    folder: Path


def find_jobs(chapters: list[str], root: Path = ROOT) -> list[Job]:
    """One job per ``submitted/<student>/<chapter>/`` folder of the given chapters."""
    submitted = root / "submitted"
    if not submitted.is_dir():
        raise CourseError(f"no submissions folder: {submitted} does not exist (collect "
                          "submissions into submitted/<student>/<chapter>/)")
    jobs = [Job(chapter, student.name, student / chapter)
            for student in sorted(submitted.iterdir())
            if student.is_dir() and not student.name.startswith(".")
            for chapter in chapters if (student / chapter).is_dir()]
    if not jobs:
        raise CourseError(f"no submissions for {', '.join(chapters)} under {submitted}")
    return jobs


def precheck(job: Job) -> str:
    """Why a submission cannot be graded as handed in (empty when it can)."""
    notebook = job.folder / f"{job.chapter}.ipynb"
    if not notebook.is_file():
        others = sorted(p.name for p in job.folder.glob("*.ipynb"))
        found = f" (found {', '.join(others)}; the notebook must keep its name)" if others else ""
        return f"no {job.chapter}.ipynb in the submission{found}"
    try:
        nbformat.read(str(notebook), as_version=4)
    except Exception as error:  # JSON errors, schema errors, encoding errors
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        return f"{job.chapter}.ipynb is not a valid notebook ({type(error).__name__}: " \
               f"{first_line[:200]})"
    return ""


def _kill_tree(pid: int) -> None:
    try:
        parent = psutil.Process(pid)
        family = parent.children(recursive=True) + [parent]
    except psutil.NoSuchProcess:
        return
    for process in family:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(family, timeout=10)


def grade_one(job: Job, root: Path = ROOT, timeout: float = SUBMISSION_TIMEOUT) -> outcomes.Outcome:
    """Grade one submission in a worker process and record its outcome."""
    reason = precheck(job)
    start = time.perf_counter()
    command = nbgrader_command(
        ["autograde", job.chapter, "--student", job.student, "--force", "--log-level=WARN"], root)
    worker = subprocess.Popen(command, cwd=root, env=kernel_environment(threads=1),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              start_new_session=True)
    try:
        _, log = worker.communicate(timeout=timeout)
        status = "graded" if worker.returncode == 0 else "failed"
        if status == "failed" and not reason:
            reason = f"grading failed: {last_error_line(log)}"
    except subprocess.TimeoutExpired:
        _kill_tree(worker.pid)
        worker.communicate()
        status, reason = "timeout", f"grading was stopped after {timeout:.0f} s"
    if status != "graded":
        gradebook.ensure_submission(job.chapter, job.student, root)
    outcome = outcomes.Outcome(
        student=job.student, chapter=job.chapter, status=status, reason=reason,
        seconds=round(time.perf_counter() - start, 2),
        fingerprint=outcomes.fingerprint(job.folder, source_notebook(job.chapter, root)),
    )
    outcomes.save(outcome, root)
    return outcome


def _already_graded(job: Job, graded: set[tuple[str, str]], root: Path) -> bool:
    previous = outcomes.load(job.chapter, job.student, root)
    return (previous is not None and (job.chapter, job.student) in graded
            and previous.fingerprint == outcomes.fingerprint(
                job.folder, source_notebook(job.chapter, root)))


def autograde(chapters: list[str], root: Path = ROOT, workers: int = 2, force: bool = False,
              students: list[str] | None = None) -> list[outcomes.Outcome]:
    """Grade every submission of ``chapters`` (``workers`` at a time) and return the
    outcomes, in submission order. Without ``force``, submissions already graded from the
    same files are skipped (their earlier outcome is returned)."""
    if workers < 1:
        raise CourseError(f"--workers must be at least 1 (got {workers})")
    jobs = find_jobs(chapters, root)
    if students:
        jobs = [j for j in jobs if j.student in students]
    missing = sorted({j.chapter for j in jobs} - gradebook.known_chapters(root))
    if missing:
        release.register(missing, root)
    graded = {(s.chapter, s.student) for s in gradebook.scores(root)}
    results: dict[Job, outcomes.Outcome] = {}
    todo = []
    for job in jobs:
        if not force and _already_graded(job, graded, root):
            results[job] = outcomes.load(job.chapter, job.student, root)
        else:
            todo.append(job)
    with ThreadPoolExecutor(max_workers=workers) as pool, \
            progress(len(todo), f"autograding ({workers} workers)") as bar:
        futures = {pool.submit(grade_one, job, root): job for job in todo}
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            bar.update(1)
    return [results[job] for job in jobs]
