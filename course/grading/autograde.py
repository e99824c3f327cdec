"""``course autograde``: grade ``submitted/<student>/<chapter>/`` several at a time.

Each submission is graded by nbgrader's autograde in its own worker process
(``course.grading.worker``), whose student kernel runs sandboxed and whose tests run in a judge
kernel
(``course.grading.judged_execute``);
workers take turns on the SQLite gradebook through a file lock, so parallel grading gives
exactly the grades of serial grading. Every submission folder ends with a gradebook entry and
an outcome (``course.grading.outcomes``), also when grading it failed or was stopped, so none is
lost. A rerun skips submissions already graded from the same files.

Crash safety: a submission is graded under its own lock file, so two runs never grade it at
once; its outcome is removed when grading starts and written when it ends, so a run killed
midway leaves the unfinished submissions without an outcome and the next run grades them;
workers and kernels die with the run that started them.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat
import psutil
from filelock import FileLock

from course.authoring import release
from course.chapters import ROOT, CourseError, source_notebook
from course.cli.progress import progress
from course.grading import gradebook, grading_notes, outcomes
from course.grading.forkserver import ForkServer, ForkServerError
from course.nbgrader_cli import kernel_environment, last_error_line, nbgrader_command
from course.notebooks import read as read_notebook
from course.settings import CourseSettings, load_settings


@dataclass(frozen=True)
class Job:
    chapter: str
    student: str
    folder: Path


def find_jobs(chapters: list[str], root: Path = ROOT) -> list[Job]:
    """One job per ``submitted/<student>/<chapter>/`` folder of the given chapters (the
    folder named by ``CourseDirectory.submitted_directory``)."""
    submitted = load_settings(root).folder("submitted")
    if not submitted.is_dir():
        raise CourseError(f"no submissions folder: {submitted} does not exist (collect "
                          f"submissions into {submitted.name}/<student>/<chapter>/)")
    jobs = [Job(chapter, student.name, student / chapter)
            for student in sorted(submitted.iterdir())
            if student.is_dir() and not student.name.startswith(".")
            for chapter in chapters if (student / chapter).is_dir()]
    if not jobs:
        raise CourseError(f"no submissions for {', '.join(chapters)} under {submitted}")
    return jobs


def precheck(job: Job, settings: CourseSettings) -> str:
    """Why a submission cannot be graded as handed in (empty when it can), under the size
    limits of ``settings``."""
    notebook = job.folder / f"{job.chapter}.ipynb"
    if not notebook.is_file():
        others = sorted(p.name for p in job.folder.glob("*.ipynb"))
        found = f" (found {', '.join(others)}; the notebook must keep its name)" if others else ""
        return f"no {job.chapter}.ipynb in the submission{found}"
    links = sorted(str(p.relative_to(job.folder)) for p in job.folder.rglob("*") if p.is_symlink())
    if links:
        return f"the submission contains symbolic links ({', '.join(links[:3])}); hand in " \
               "plain files"
    size_mb = notebook.stat().st_size / 2**20
    if size_mb > settings.max_notebook_mb:
        return (f"{job.chapter}.ipynb is {size_mb:.0f} MB; the limit is "
                f"{settings.max_notebook_mb:.0f} MB (clear large outputs before handing in)")
    total_mb = sum(p.stat().st_size for p in job.folder.rglob("*")
                   if p.is_file() and not p.is_symlink()) / 2**20
    if total_mb > settings.max_submission_mb:
        return f"the submission holds {total_mb:.0f} MB of files; the limit is " \
               f"{settings.max_submission_mb:.0f} MB"
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


def _submission_lock(job: Job, root: Path) -> FileLock:
    """The lock to hold (``with``) while grading a submission: only one process or thread
    grades it at a time; the operating system releases it if the holder dies."""
    return FileLock(root / ".grading.locks" / job.chapter / f"{job.student}.lock")


GRADER_CRASHED = "grading failed"  # how a reason starts when nbgrader itself exited with an error


def grade_one(job: Job, root: Path = ROOT, timeout: float | None = None,
              force: bool = True, server: ForkServer | None = None) -> outcomes.Outcome:
    """Grade one submission in a worker process within ``timeout`` seconds (default: the
    course's ``submission_timeout``) and record its outcome (unless ``force`` is off and
    another run graded these same files meanwhile)."""
    if timeout is None:
        timeout = load_settings(root).submission_timeout
    with _submission_lock(job, root):
        if not force and _already_graded(job, root):
            return outcomes.load(job.chapter, job.student, root)
        outcomes.discard(job.chapter, job.student, root)
        outcome = _grade(job, root, timeout, server)
        outcomes.save(outcome, root)
        return outcome


def _grade(job: Job, root: Path, timeout: float,
           server: ForkServer | None = None) -> outcomes.Outcome:
    start = time.perf_counter()
    files_fingerprint = outcomes.fingerprint(job.folder, source_notebook(job.chapter, root))
    settings = load_settings(root)
    reason = precheck(job, settings)
    status = "failed"
    if not reason:
        status, reason = _run_worker(job, root, timeout, server)
    if status == "failed" and reason.startswith(GRADER_CRASHED):
        # The grader itself failed (a kernel that did not start on a loaded machine, ...),
        # not the submission: one more try before the submission gets zero for it.
        status, reason = _run_worker(job, root, timeout, server)
    notes = {"notes": [], "flags": []}
    if status == "graded":
        notes = grading_notes.read(read_notebook(
            settings.folder("autograded") / job.student / job.chapter / f"{job.chapter}.ipynb"),
            root=root, identity=grading_notes.identity(job.student, job.chapter))
    else:
        gradebook.record_ungradable(job.chapter, job.student, root)
    return outcomes.Outcome(
        student=job.student, chapter=job.chapter, status=status, reason=reason,
        seconds=round(time.perf_counter() - start, 2), fingerprint=files_fingerprint,
        notes=notes["notes"], flags=notes["flags"],
    )


def _run_worker(job: Job, root: Path, timeout: float,
                server: ForkServer | None = None) -> tuple[str, str]:
    """``(status, reason)`` of nbgrader's autograde of ``job`` run in a worker process
    (forked by ``server`` when there is one, else a new Python).

    The worker's output goes to a file, not a pipe: a process left behind by a submission
    can hold no pipe open, so waiting for the worker is bounded by ``timeout``."""
    args = [str(root), "autograde", job.chapter, "--student", job.student, "--force",
            "--log-level=WARN"]
    with tempfile.NamedTemporaryFile(mode="w+", prefix="course-worker-", suffix=".log") as log:
        worker = _start_worker(args, log, root, server)
        try:
            worker.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_tree(worker.pid)
            return "timeout", f"grading was stopped after {timeout:.0f} s"
        finally:
            _kill_tree(worker.pid)  # anything it left behind
        log.seek(0)
        text = log.read()
    if worker.returncode != 0:
        return "failed", f"{GRADER_CRASHED}: {last_error_line(text)}"
    return "graded", ""


def _start_worker(args: list[str], log, root: Path, server: ForkServer | None):
    if server is not None:
        try:
            return server.start(args, log.name)
        except ForkServerError:  # the server died: grading goes on without it
            pass
    threads = load_settings(root).tf_threads
    return subprocess.Popen(nbgrader_command(args[1:], root), cwd=root,
                            env=kernel_environment(threads), stdin=subprocess.DEVNULL,
                            stdout=log, stderr=log, start_new_session=True)


@contextmanager
def _fork_server(root: Path):
    """A fork server for the run's workers, or None where it cannot start (workers are then
    started as new processes: slower, same grades)."""
    try:
        server = ForkServer(root, kernel_environment(load_settings(root).tf_threads))
    except ForkServerError:
        yield None
        return
    with server:
        yield server


def _already_graded(job: Job, root: Path) -> bool:
    """Graded before from these same files, and not failed by the grader itself (a crash of
    the grader is tried again by a rerun; a submission's own failure is not)."""
    previous = outcomes.load(job.chapter, job.student, root)
    if previous is None or previous.reason.startswith(GRADER_CRASHED):
        return False
    return previous.fingerprint == outcomes.fingerprint(
        job.folder, source_notebook(job.chapter, root))


def plan(chapters: list[str], root: Path = ROOT, force: bool = False,
         students: list[str] | None = None
         ) -> tuple[list[Job], dict[Job, outcomes.Outcome], list[Job]]:
    """What a run has to do: ``(every job, the earlier outcome of each job kept as graded,
    the jobs to grade)``. Chapters missing from the gradebook are registered first. Without
    ``force``, a job graded before from the same files (its outcome and gradebook entry
    present, see ``_already_graded``) is kept."""
    jobs = find_jobs(chapters, root)
    if students:
        jobs = [j for j in jobs if j.student in students]
    missing = sorted({j.chapter for j in jobs} - gradebook.known_chapters(root))
    if missing:
        release.register(missing, root)
    graded = {(s.chapter, s.student) for s in gradebook.scores(root)}
    kept: dict[Job, outcomes.Outcome] = {}
    todo = []
    for job in jobs:
        if not force and (job.chapter, job.student) in graded and _already_graded(job, root):
            kept[job] = outcomes.load(job.chapter, job.student, root)
        else:
            todo.append(job)
    return jobs, kept, todo


def autograde(chapters: list[str], root: Path = ROOT, workers: int = 2, force: bool = False,
              students: list[str] | None = None) -> list[outcomes.Outcome]:
    """Grade every submission of ``chapters`` (``workers`` at a time) and return the
    outcomes, in submission order. Without ``force``, submissions already graded from the
    same files are skipped (their earlier outcome is returned)."""
    if workers < 1:
        raise CourseError(f"--workers must be at least 1 (got {workers})")
    jobs, results, todo = plan(chapters, root, force, students)
    with _fork_server(root) as server, ThreadPoolExecutor(max_workers=workers) as pool, \
            progress(len(todo), f"autograding ({workers} workers)") as bar:
        futures = {pool.submit(grade_one, job, root, force=force, server=server): job
                   for job in todo}
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            bar.update(1)
    return [results[job] for job in jobs]
