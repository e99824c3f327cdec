"""What runs on a Dask worker: grade one submission from bytes, return the result as bytes.

A worker needs no copy of the course: only this repository installed (``pip install -e .``,
same ``requirements.txt``). Each task receives

- a **chapter bundle** (``chapter_bundle``, made once per chapter and run):
  ``nbgrader_config.py``, the chapter's ``source/`` and ``release/`` folders, the course's
  signing key for grading notes (``course.grading.grading_notes``), the instructor's grading
  environment (``course.grading.environment``) and the per-submission time limit;
- a **submission** (``submission_payload``): the files of ``submitted/<student>/<chapter>/``.

``grade_submission`` first compares the worker's grading environment with the instructor's
and refuses (``EnvironmentMismatch``, naming what differs) when they differ: installed
packages, the installed ``course`` and ``utils`` files (the student's sandboxed kernel imports
``utils`` from the installed package, so it is checked, not replaced) or the settings that
can change a grade (``course.settings``; the worker's come from the bundle's
``nbgrader_config.py`` and its own ``COURSE_*`` environment variables). Then it builds a
scratch course directory (``tempfile``), grades the submission there
with ``course.grading.autograde.grade_one`` (the same worker processes, sandbox, judge and
bookkeeping as grading on one machine) and returns plain data::

    {"worker": "tcp://10.0.0.5:40123",
     "outcome": {...},                       # course.grading.outcomes.Outcome as a dict
     "gradebook": {...},                     # course.grading.gradebook.export_submission
     "autograded": {"files": {path: bytes}, "links": {}} | None}   # autograded/<s>/<c>/

The scratch directory is removed afterwards; nothing is written anywhere else. Per worker
process, two things are kept between tasks to save time, never to change a result: a fork
server (``course.grading.forkserver``, started on first use) and the scratch gradebook with each
chapter bundle registered (``nbgrader generate_assignment`` once per bundle digest).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
from dataclasses import asdict
from pathlib import Path

from course.authoring import release
from course.fingerprint import content_digest, digest_of
from course.grading import autograde, environment, gradebook, grading_notes
from course.grading.forkserver import ForkServer, ForkServerError
from course.nbgrader_cli import kernel_environment
from course.settings import load_settings

SCRATCH_PREFIX = "course-cluster-"


class EnvironmentMismatch(RuntimeError):
    """The worker's grading environment differs from the instructor's."""


# -- folders as bytes ------------------------------------------------------------------------
def pack_folder(folder: Path) -> dict:
    """``{"files": {relative path: bytes}, "links": {relative path: link target}}`` of
    everything below ``folder`` (symbolic links kept as links, never followed)."""
    files, links = {}, {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            links[rel] = os.readlink(path)
        elif path.is_file():
            files[rel] = path.read_bytes()
    return {"files": files, "links": links}


def unpack_folder(packed: dict, folder: Path, links: bool = True) -> None:
    """Write ``pack_folder``'s data below ``folder`` (links recreated only with ``links``,
    after every file, so nothing is written through one); a path that is absolute or climbs
    with ``..`` is refused."""
    folder.mkdir(parents=True, exist_ok=True)
    entries = [(rel, data, False) for rel, data in packed["files"].items()]
    if links:
        entries += [(rel, target, True) for rel, target in packed.get("links", {}).items()]
    for rel, content, is_link in entries:
        if Path(rel).is_absolute() or ".." in Path(rel).parts:
            raise ValueError(f"refusing to write outside {folder}: {rel}")
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if is_link:
            os.symlink(content, target)
        else:
            target.write_bytes(content)


# -- what the instructor's process sends -----------------------------------------------------
def chapter_bundle(chapter: str, root: Path, grading_environment: environment.Environment,
                   timeout: float) -> dict:
    """Everything a worker needs to grade submissions of ``chapter`` (plain data, bytes)::

        {"chapter": str, "course": {"files": {path: bytes}, "links": {}},
         "secret": bytes, "environment": dict, "timeout": seconds, "digest": sha256 hex}

    ``course`` holds ``nbgrader_config.py``, ``source/<chapter>/`` and
    ``release/<chapter>/``; ``digest`` covers their paths and contents
    (``course.fingerprint.digest_of``; the scratch gradebook's cache key)."""
    files = {"nbgrader_config.py": (root / "nbgrader_config.py").read_bytes()}
    for part in ("source", "release"):
        packed = pack_folder(root / part / chapter)
        files.update({f"{part}/{chapter}/{rel}": data for rel, data in packed["files"].items()
                      if "__pycache__" not in rel and ".ipynb_checkpoints" not in rel})
    digest = digest_of({rel: content_digest(data) for rel, data in files.items()})
    return {"chapter": chapter, "course": {"files": files, "links": {}},
            "secret": grading_notes.course_key(root), "environment":
            grading_environment.to_data(), "timeout": float(timeout),
            "digest": digest}


def submission_payload(job: autograde.Job) -> dict:
    """``{"chapter", "student", "folder": pack_folder(submitted/<student>/<chapter>/)}``."""
    return {"chapter": job.chapter, "student": job.student, "folder": pack_folder(job.folder)}


# -- what the worker runs --------------------------------------------------------------------
def grade_submission(bundle: dict, submission: dict) -> dict:
    """Grade one submission in a scratch course (see the module docstring for the shapes);
    raises ``EnvironmentMismatch`` when this worker's grading environment differs."""
    worker = worker_address()
    instructor = environment.Environment.from_data(bundle["environment"])
    chapter, student = submission["chapter"], submission["student"]
    with tempfile.TemporaryDirectory(prefix=SCRATCH_PREFIX, ignore_cleanup_errors=True) as tmp:
        root = Path(tmp) / "course"
        unpack_folder(bundle["course"], root, links=False)
        problem = environment.differences(instructor, environment.current(root))
        if problem:
            raise EnvironmentMismatch(f"worker {worker} refused to grade: {problem} (grades "
                                      "must not depend on where they were computed)")
        settings = load_settings(root)
        _build_course(root, bundle)
        job = autograde.Job(chapter, student, settings.folder("submitted") / student / chapter)
        unpack_folder(submission["folder"], job.folder)
        outcome = autograde.grade_one(job, root, timeout=bundle["timeout"], force=True,
                                      server=_fork_server(settings.tf_threads))
        graded = settings.folder("autograded") / student / chapter
        return {"worker": worker, "outcome": asdict(outcome),
                "gradebook": gradebook.export_submission(chapter, student, root),
                "autograded": pack_folder(graded) if graded.is_dir() else None}


def worker_address() -> str:
    """The Dask worker running this task (``"local"`` outside a worker)."""
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return "local"


def _build_course(root: Path, bundle: dict) -> None:
    """Complete the scratch course unpacked from ``bundle`` at ``root``: the signing key and
    the registered gradebook."""
    secret = root / grading_notes.SECRET_NAME
    handle = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(handle, "wb") as stream:
        stream.write(bundle["secret"])
    _registered_gradebook(root, bundle)


_CACHE_LOCK = threading.RLock()
_CACHE: dict[str, object] = {}


def _cache_folder() -> Path:
    """This worker process's cache folder (scratch gradebooks, the fork server's folder)."""
    with _CACHE_LOCK:
        folder = _CACHE.get("folder")
        if folder is None or not Path(folder).is_dir():
            folder = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX + "cache-"))
            _CACHE["folder"] = folder
            atexit.register(close_worker_cache)
        return Path(folder)


def close_worker_cache() -> None:
    """Stop this worker process's fork server and remove its cache folder (run on a
    ``local:N`` cluster's workers before it closes, and when a worker process exits)."""
    with _CACHE_LOCK:
        server, folder = _CACHE.pop("server", None), _CACHE.pop("folder", None)
    if isinstance(server, ForkServer):
        server.close()
    if folder is not None and Path(folder).name.startswith(SCRATCH_PREFIX):
        shutil.rmtree(folder, ignore_errors=True)


def _registered_gradebook(root: Path, bundle: dict) -> None:
    """``root/gradebook.db`` with the bundle's chapter registered (copied from this worker
    process's cache, or registered once with ``nbgrader generate_assignment``)."""
    with _CACHE_LOCK:
        cached = _cache_folder() / f"{bundle['digest']}.db"
        if not cached.exists():
            release.register([bundle["chapter"]], root)
            shutil.copy(gradebook.db_path(root), cached.with_suffix(".partial"))
            os.replace(cached.with_suffix(".partial"), cached)
            return
    shutil.copy(cached, gradebook.db_path(root))


def _fork_server(threads: int) -> ForkServer | None:
    """This worker process's fork server, whose kernels run ``threads`` TensorFlow threads
    (started on first use, restarted if it died or ``threads`` changed); None where it cannot
    start (grading then starts each worker as a new Python)."""
    with _CACHE_LOCK:
        server = _CACHE.get("server")
        if isinstance(server, ForkServer) and server.alive:
            if _CACHE.get("threads") == threads:
                return server
            server.close()
        try:
            server = ForkServer(_cache_folder(), kernel_environment(threads))
        except ForkServerError:
            server = None
        _CACHE["server"], _CACHE["threads"] = server, threads
        return server
