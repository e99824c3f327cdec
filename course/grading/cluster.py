"""``course autograde --cluster ADDRESS``: grade on a Dask distributed cluster, one writer.

``ADDRESS`` is a running scheduler (``tcp://host:8786``, ``tls://...``; any Dask
deployment), or ``local:N`` for a ``LocalCluster`` of N worker processes with one thread
each on this machine. Dask is imported only here, so grading without ``--cluster`` never
starts a Dask process.

What is graded, and what is skipped as already graded, is decided as on one machine
(``course.grading.autograde.plan``). Each submission is a task (``course.grading.cluster_task``)
that gets
everything as bytes, grades in a scratch course on its worker with the same machinery as
local grading and returns the graded notebook folder, the gradebook entry and the outcome.
Only this process writes the course: results are merged as they arrive
(``distributed.as_completed``), each one once, under the submission's lock and the gradebook
lock, outcome last; so a run killed midway leaves the unmerged submissions without an
outcome and the next run grades exactly those.

Faults: a worker that dies mid-task costs time only (the scheduler runs the task elsewhere);
once more than ``ALLOWED_FAILURES`` workers died running it, the task fails with
``KilledWorker`` and the submission is recorded as could not be graded, as is a submission
whose worker refused to grade because its environment differs (never retried within the
run). Both reasons start like a grader crash
(``course.grading.autograde.GRADER_CRASHED``), so a plain rerun grades them again.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from course.chapters import ROOT, CourseError, source_notebook
from course.cli.progress import progress
from course.grading import autograde as local
from course.grading import cluster_task, environment, gradebook, outcomes
from course.settings import load_settings

ALLOWED_FAILURES = 2  # a task fails with KilledWorker when more workers than this died on it
CONNECT_TIMEOUT = "60s"


@dataclass
class ClusterRun:
    """What a cluster run did: every outcome (submission order), how many submissions each
    worker graded (``{worker address: count}``; ``"none"`` for those no worker finished),
    the dashboard's address and the wall seconds of the grading (connection included)."""

    outcomes: list[outcomes.Outcome]
    workers: dict[str, int] = field(default_factory=dict)
    dashboard: str = ""
    seconds: float = 0.0


def local_size(address: str) -> int | None:
    """N for ``local:N`` (None for a scheduler address)."""
    if not address.startswith("local:"):
        return None
    count = address.split(":", 1)[1]
    if not count.isdigit() or int(count) < 1:
        raise CourseError(f"--cluster local:N needs a number of workers N >= 1 (got {address})")
    return int(count)


@contextlib.contextmanager
def connect(address: str):
    """A ``distributed.Client`` on ``address`` (a ``LocalCluster`` for ``local:N``, closed
    afterwards; an existing cluster is left running)."""
    import dask
    from distributed import Client, LocalCluster

    size = local_size(address)
    if size is not None:
        # Dask's own log lines (shutdown races, workers it restarts) stay quiet: what matters
        # reaches the outcomes (a lost task is a KilledWorker there).
        with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES}), \
                LocalCluster(n_workers=size, threads_per_worker=1, processes=True,
                             host="127.0.0.1", dashboard_address="127.0.0.1:0",
                             silence_logs=logging.CRITICAL) as cluster, \
                Client(cluster, set_as_default=False) as client:
            try:
                yield client
            finally:
                with contextlib.suppress(Exception):
                    client.run(cluster_task.close_worker_cache)
        return
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        raise CourseError(f"cannot reach the Dask scheduler at {address}: {error}") from None
    with client:
        _limit_failures(client)
        yield client


def _limit_failures(client) -> None:
    """Lower the scheduler's ``allowed_failures`` to ``ALLOWED_FAILURES`` (Dask's default is
    3; a lower setting is kept); a scheduler that refuses keeps its own setting."""
    bound = ALLOWED_FAILURES
    with contextlib.suppress(Exception):
        client.run_on_scheduler(lambda dask_scheduler: setattr(
            dask_scheduler, "allowed_failures", min(dask_scheduler.allowed_failures, bound)))


def dashboard(client) -> str:
    """The address of the scheduler's dashboard, as Dask reports it (the scheduler serves it
    when bokeh is installed where it runs and it was not started with ``--no-dashboard``)."""
    return client.dashboard_link or "unknown"


def autograde(chapters: list[str], root: Path = ROOT, address: str = "local:2",
              force: bool = False, students: list[str] | None = None,
              say=print) -> ClusterRun:
    """Grade every submission of ``chapters`` on the cluster at ``address``; ``say`` gets
    one-line messages (the dashboard's address). Returns the outcomes and per-worker
    counts."""
    local_size(address)
    start = time.perf_counter()
    jobs, results, todo = local.plan(chapters, root, force, students)
    run = ClusterRun(outcomes=[])
    counts: Counter[str] = Counter()
    if todo:
        with connect(address) as client:
            run.dashboard = dashboard(client)
            say(f"Dask dashboard: {run.dashboard}")
            results.update(_grade(client, todo, root, address, counts))
    run.outcomes = [results[job] for job in jobs]
    run.workers = dict(sorted(counts.items()))
    run.seconds = time.perf_counter() - start
    return run


def _grade(client, todo: list[local.Job], root: Path, address: str,
           counts: Counter) -> dict[local.Job, outcomes.Outcome]:
    """Submit ``todo`` (at most a window of tasks in flight, so a cohort's files are read as
    the workers need them) and merge each result as it arrives."""
    from distributed import as_completed

    grading_environment = environment.current(root)
    timeout = load_settings(root).submission_timeout
    # Each task carries its chapter's bundle: a shared dependency would tie every task to
    # the worker holding it; with at most a window of tasks in flight, the copies are few.
    bundles = {chapter: cluster_task.chapter_bundle(chapter, root, grading_environment, timeout)
               for chapter in sorted({job.chapter for job in todo})}
    waiting = list(reversed(todo))
    pending: dict = {}
    done: dict[local.Job, outcomes.Outcome] = {}
    completed = as_completed(loop=client.loop)

    def fill() -> None:
        window = max(8, 2 * sum(client.nthreads().values()))
        while waiting and len(pending) < window:
            job = waiting.pop()
            files = outcomes.fingerprint(job.folder, source_notebook(job.chapter, root))
            outcomes.discard(job.chapter, job.student, root)  # grading starts
            future = client.submit(
                cluster_task.grade_submission, bundles[job.chapter],
                cluster_task.submission_payload(job), pure=False, retries=0,
                key=f"course-grade-{job.chapter}-{job.student}-{files[:16]}")
            pending[future] = (job, files)
            completed.add(future)

    fill()
    with progress(len(todo), f"autograding on {address}") as bar, \
            gradebook.long_session(root) as gb:
        for future in completed:
            job, files = pending.pop(future)
            worker, outcome = _merge(future, job, files, root, gb)
            done[job] = outcome
            counts[worker] += 1
            future.release()
            bar.update(1)
            fill()
    return done


def _merge(future, job: local.Job, files: str, root: Path,
           gb) -> tuple[str, outcomes.Outcome]:
    """Write one finished task's result into the course (once; ``gb``: the run's gradebook
    session): ``(worker, outcome)``."""
    from distributed import KilledWorker

    try:
        result = future.result()
    except KilledWorker as error:
        return "none", _record_failure(job, files, root, gb, (
            "the worker grading it died each time it was tried "
            f"({type(error).__name__}: {_first_line(error)})"))
    except cluster_task.EnvironmentMismatch as error:
        return "none", _record_failure(job, files, root, gb, str(error))
    except Exception as error:  # noqa: BLE001  (any task error: recorded, never lost)
        return "none", _record_failure(job, files, root, gb,
                                       f"{type(error).__name__}: {_first_line(error)}")
    outcome = outcomes.Outcome(**result["outcome"])
    outcome.fingerprint = files
    graded = load_settings(root).folder("autograded") / job.student / job.chapter
    with local._submission_lock(job, root):
        gradebook.import_submission(job.chapter, job.student, result["gradebook"],
                                    outcome.status == "graded", root, gb)
        if result["autograded"] is not None:
            _replace_folder(graded, result["autograded"])
        outcomes.save(outcome, root)
    return result["worker"], outcome


def _record_failure(job: local.Job, files: str, root: Path, gb,
                    why: str) -> outcomes.Outcome:
    """Record a submission no worker could grade: every score zero, the reason kept."""
    outcome = outcomes.Outcome(student=job.student, chapter=job.chapter, status="failed",
                               reason=f"{local.GRADER_CRASHED}: {why}", seconds=0.0,
                               fingerprint=files)
    with local._submission_lock(job, root):
        gradebook.import_submission(job.chapter, job.student, None, False, root, gb)
        outcomes.save(outcome, root)
    return outcome


def _replace_folder(folder: Path, packed: dict) -> None:
    """Make ``folder`` hold exactly ``packed``'s files (written beside it, then swapped)."""
    partial = folder.with_name(f".{folder.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    cluster_task.unpack_folder(packed, partial, links=False)
    if folder.exists():
        shutil.rmtree(folder)
    os.replace(partial, folder)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:300] if text else "no message"
