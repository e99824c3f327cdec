"""Grading on a Dask cluster (``course autograde --cluster``) gives the grades of one machine.

A real ``dask scheduler`` and ``dask worker`` processes on 127.0.0.1 grade the tiny course of
``tests/test_pipeline.py``; the central course must end up as a local ``--workers 1`` run
leaves it (gradebook entries, outcomes, graded notebooks), also when a worker is killed
midway, when the instructor's process is killed midway and run again, and a worker whose
installed packages differ must refuse to grade.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from course.authoring import release
from course.chapters import ROOT
from course.grading import (
    autograde,
    cluster,
    cluster_task,
    environment,
    gradebook,
    grading_notes,
    outcomes,
)
from tests.helpers import TINY_CHAPTER, build_submissions, course_cli, make_course

pytestmark = pytest.mark.slow

CH = TINY_CHAPTER
STUDENTS = {"reference", "blank", "partial", "broken_json", "renamed"}
DASK = str(Path(sys.executable).parent / "dask")


class DaskProcesses:
    """A scheduler and workers started as subprocesses on 127.0.0.1 (each in its own process
    group, killed by ``stop``)."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.processes: dict[str, subprocess.Popen] = {}
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.address = f"tcp://127.0.0.1:{self.port}"
        self._start("scheduler", [DASK, "scheduler", "--host", "127.0.0.1", "--port",
                                  str(self.port), "--no-dashboard"],
                    {"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "2"})

    def _start(self, name: str, command: list[str], env: dict[str, str]) -> None:
        """Start ``command``, its output in ``logs/<name>.log`` and its temporary files
        (scratch courses, sandboxes) under ``logs/tmp``."""
        tmp = self.logs / "tmp"
        tmp.mkdir(exist_ok=True)
        log = open(self.logs / f"{name}.log", "w")  # noqa: SIM115  (closed with the process)
        self.processes[name] = subprocess.Popen(
            command, stdout=log, stderr=log, stdin=subprocess.DEVNULL, cwd=ROOT,
            env={**os.environ, "TMPDIR": str(tmp), **env}, start_new_session=True)

    def start_worker(self, name: str, env: dict[str, str] | None = None) -> None:
        self._start(name, [DASK, "worker", self.address, "--nthreads", "1", "--no-nanny",
                           "--no-dashboard", "--host", "127.0.0.1", "--name", name,
                           "--death-timeout", "60"], env or {})

    def wait_for_workers(self, count: int, timeout: float = 180) -> dict[str, str]:
        """``{worker name: address}`` once ``count`` workers are connected."""
        from distributed import Client

        with Client(self.address, timeout="60s", set_as_default=False) as client:
            client.wait_for_workers(count, timeout=timeout)
            return {info["name"]: address
                    for address, info in client.scheduler_info(n_workers=-1)["workers"].items()}

    def kill(self, name: str, grace: float = 0) -> None:
        """SIGKILL ``name``'s process group (after SIGTERM and ``grace`` seconds if given)."""
        process = self.processes[name]
        if process.poll() is None and grace:
            os.killpg(process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=grace)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop(self) -> None:
        for name in reversed(list(self.processes)):
            self.kill(name, grace=10)


def normalised(path: Path):
    """A graded file's content, without what differs between any two runs: a notebook's
    execution times and the path of the sandbox's scratch folder in tracebacks."""
    if path.suffix != ".ipynb":
        return path.read_bytes()
    nb = json.loads(re.sub(r"(/[\w.-]+)*/course-sandbox-\w+", "course-sandbox", path.read_text()))
    for cell in nb["cells"]:
        cell.get("metadata", {}).pop("execution", None)
    return nb


def state(root: Path) -> dict:
    """Everything a run leaves for each submission, but times: gradebook entry, outcome,
    graded files."""
    found = {}
    for outcome in outcomes.load_all(root):
        graded = root / "autograded" / outcome.student / CH
        files = {str(p.relative_to(graded)): normalised(p)
                 for p in sorted(graded.rglob("*")) if p.is_file()} if graded.is_dir() else {}
        found[outcome.student] = {
            "gradebook": gradebook.export_submission(CH, outcome.student, root),
            "outcome": (outcome.status, outcome.reason, outcome.notes, outcome.flags,
                        outcome.fingerprint),
            "files": files}
    return found


def submissions_in_gradebook(root: Path) -> int:
    with gradebook.open_gradebook(root) as gb:
        return len(gb.find_assignment(CH).submissions)


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> dict:
    """The tiny course with five submissions (``base``, never graded) and what a local
    ``--workers 1`` run leaves in a copy of it (``local``)."""
    base = make_course(tmp_path_factory.mktemp("base") / "course")
    release.release([CH], base)
    build_submissions(base)
    grading_notes.course_key(base)  # one signing key for every copy
    local = tmp_path_factory.mktemp("local") / "course"
    shutil.copytree(base, local)
    autograde.autograde([CH], local, workers=1)
    return {"base": base, "local": state(local)}


def copy_of(course: dict, tmp_path: Path) -> Path:
    root = tmp_path / "course"
    shutil.copytree(course["base"], root)
    return root


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    processes = DaskProcesses(tmp_path_factory.mktemp("dask"))
    try:
        processes.start_worker("w1")
        processes.start_worker("w2")
        processes.workers = processes.wait_for_workers(2)
        yield processes
    finally:
        processes.stop()


def test_cluster_grades_equal_local_grades(course, dask_cluster, tmp_path):
    root = copy_of(course, tmp_path)
    messages = []
    run = cluster.autograde([CH], root, dask_cluster.address, say=messages.append)
    assert state(root) == course["local"]
    assert {o.student for o in run.outcomes} == STUDENTS
    assert sum(run.workers.values()) == len(STUDENTS)
    assert set(run.workers) <= set(dask_cluster.workers.values())
    assert messages and messages[0].startswith("Dask dashboard: http://127.0.0.1:")
    # a rerun finds everything graded and connects to nothing
    again = cluster.autograde([CH], root, "tcp://127.0.0.1:1")
    assert again.workers == {} and [o.seconds for o in again.outcomes] == \
        [o.seconds for o in run.outcomes]


def test_a_worker_killed_midway_costs_only_time(course, dask_cluster, tmp_path):
    root = copy_of(course, tmp_path)
    dask_cluster.start_worker("victim")
    victim = dask_cluster.wait_for_workers(3)["victim"]
    done: dict = {}
    runner = threading.Thread(target=lambda: done.setdefault(
        "run", cluster.autograde([CH], root, dask_cluster.address)))
    runner.start()
    killed = _kill_while_grading(dask_cluster, "victim", victim, runner)
    runner.join(timeout=600)
    assert killed, "the victim worker never graded a submission long enough to be killed"
    assert state(root) == course["local"]
    assert len(outcomes.load_all(root)) == len(STUDENTS)
    assert submissions_in_gradebook(root) == len(STUDENTS)
    assert sum(done["run"].workers.values()) == len(STUDENTS)


def _kill_while_grading(processes: DaskProcesses, name: str, address: str,
                        runner: threading.Thread) -> bool:
    """SIGKILL worker ``name`` once it has been grading the same submission for 2 s."""
    from distributed import Client

    def executing(dask_worker) -> list[str]:
        return [str(task.key) for task in dask_worker.state.executing]

    with Client(processes.address, timeout="60s", set_as_default=False) as client:
        seen: dict[str, float] = {}
        while runner.is_alive():
            try:
                running = client.run(executing, workers=[address]).get(address, [])
            except Exception:  # noqa: BLE001  (the worker is busy starting: ask again)
                running = []
            busy = [k for k in running if k.startswith("course-grade-")]
            for key in busy:
                seen.setdefault(key, time.monotonic())
            if any(time.monotonic() - seen[key] > 2 for key in busy):
                processes.kill(name)
                return True
            time.sleep(0.2)
    return False


def test_a_worker_with_other_packages_refuses(course, tmp_path):
    root = copy_of(course, tmp_path)
    (tmp_path / "dask").mkdir()
    other = DaskProcesses(tmp_path / "dask")
    try:
        other.start_worker("odd", {environment.EXTRA_PACKAGES: "fake-package==1.0"})
        other.wait_for_workers(1)
        run = cluster.autograde([CH], root, other.address)
    finally:
        other.stop()
    assert {o.status for o in run.outcomes} == {"failed"}
    for outcome in run.outcomes:
        assert outcome.reason.startswith(autograde.GRADER_CRASHED)
        assert "refused to grade: installed packages differ: fake-package 1.0 here, " \
               "missing on the instructor's machine" in outcome.reason
        assert "grades must not depend on where they were computed" in outcome.reason
    assert set(gradebook.automatic_points(root).values()) == {0.0}
    assert submissions_in_gradebook(root) == len(STUDENTS)


def test_the_instructors_process_killed_midway_then_rerun(course, dask_cluster, tmp_path):
    root = copy_of(course, tmp_path)
    folder = root / "reports" / "outcomes" / CH
    client = subprocess.Popen(
        [sys.executable, "-m", "course", "--root", str(root), "autograde", CH, "--cluster",
         dask_cluster.address], cwd=ROOT, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while client.poll() is None and not list(folder.glob("*.json")) \
                and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        if client.poll() is None:
            os.killpg(client.pid, signal.SIGKILL)
        client.wait()
    merged = {p.stem: p.read_text() for p in folder.glob("*.json")}
    assert 0 < len(merged) < len(STUDENTS), "kill the client after its first result only"
    rerun = course_cli(root, "autograde", CH, "--cluster", dask_cluster.address)
    assert rerun.returncode == 0, rerun.stderr
    assert "submissions per worker" in rerun.stdout
    assert state(root) == course["local"]
    assert submissions_in_gradebook(root) == len(STUDENTS)
    for student, text in merged.items():  # merged before the kill: not graded again
        assert (folder / f"{student}.json").read_text() == text


def test_environment_differences_name_what_differs(monkeypatch):
    here = environment.current()
    assert environment.differences(here, here) == ""
    monkeypatch.setenv(environment.EXTRA_PACKAGES, "fake-package==1.0, numpy==0.1")
    monkeypatch.setenv("COURSE_CELL_TIMEOUT", "7")
    other = environment.current()
    assert other.fingerprint != here.fingerprint
    problem = environment.differences(here, other)
    assert "fake-package 1.0 here, missing on the instructor's machine" in problem
    assert "COURSE_CELL_TIMEOUT=7 here" in problem
    changed = environment.Environment(here.packages, {**here.code, "utils/checks.py": "0"},
                                      here.settings)
    assert "course files differ: utils/checks.py" in environment.differences(changed, here)


def test_packed_folders_round_trip_and_stay_inside(tmp_path):
    source = tmp_path / "source"
    (source / "sub").mkdir(parents=True)
    (source / "sub" / "a.txt").write_bytes(b"\x00bytes")
    (source / "link").symlink_to("../../gradebook.db")
    packed = cluster_task.pack_folder(source)
    assert packed == {"files": {"sub/a.txt": b"\x00bytes"}, "links": {"link": "../../gradebook.db"}}
    cluster_task.unpack_folder(packed, tmp_path / "copy")
    assert (tmp_path / "copy" / "sub" / "a.txt").read_bytes() == b"\x00bytes"
    assert os.readlink(tmp_path / "copy" / "link") == "../../gradebook.db"
    with pytest.raises(ValueError, match="outside"):
        cluster_task.unpack_folder({"files": {"../escape.txt": b""}}, tmp_path / "other")


def test_grading_without_cluster_imports_no_dask():
    code = ("import sys, course.cli.main, course.cli.bench, course.cli.demo; "
            "print(sorted(m for m in ('dask', 'distributed') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
