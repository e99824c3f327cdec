"""The fork server (course.grading.forkserver), the forked judge kernel
(course.grading.forked_kernel) and
the students' kernels forked from the template (course.grading.kernel_template)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from course import notebooks as nbs
from course.grading.forkserver import ForkServer, ForkServerError, server_environment
from course.grading.kernel_sandbox import mechanism
from course.nbgrader_cli import kernel_environment
from tests.helpers import (
    TINY_CHAPTER,
    build_submissions,
    course_cli,
    make_course,
    nbgrader_cell,
    tiny_notebook,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with ForkServer(tmp_path_factory.mktemp("forkserver"), kernel_environment(threads=1)) \
            as running:
        yield running


def test_forked_worker_runs_nbgrader_and_reports_its_exit_code(server, tmp_path):
    log = tmp_path / "worker.log"
    log.touch()
    worker = server.start([str(tmp_path), "--version"], str(log))
    assert worker.wait(120) == 0
    assert worker.returncode == 0
    assert log.read_text().strip(), "the worker's output goes to its log"

    failing = tmp_path / "failing.log"
    failing.touch()
    broken = server.start([str(tmp_path), "autograde", "no-such-chapter", "--student", "x"],
                          str(failing))
    assert broken.wait(120) != 0
    assert "no-such-chapter" in failing.read_text()


def test_forked_workers_are_separate_processes_in_their_own_session(server, tmp_path):
    pids = set()
    for number in range(2):
        log = tmp_path / f"{number}.log"
        log.touch()
        worker = server.start([str(tmp_path), "--version"], str(log))
        pids.add(worker.pid)
        worker.wait(120)
    assert len(pids) == 2


def test_a_stopped_server_refuses_new_workers(tmp_path):
    stopped = ForkServer(tmp_path, kernel_environment(threads=1))
    stopped.close()
    log = tmp_path / "late.log"
    log.touch()
    with pytest.raises(ForkServerError):
        stopped.start([str(tmp_path), "--version"], str(log))


JUDGE_SCRIPT = textwrap.dedent("""
    import os, sys, json
    import numpy, tensorflow  # as in a worker forked by the server
    from jupyter_core.utils import run_sync
    from course.grading import forked_kernel

    forked_kernel.reserve()
    km = forked_kernel.ForkedKernelManager(kernel_name="python3")
    folder = sys.argv[1]
    env = {**os.environ, "COURSE_MARK": "judge", "HOME": folder}
    run_sync(km.start_kernel)(env=env, cwd=folder)
    from jupyter_client import BlockingKernelClient
    kc = BlockingKernelClient()
    kc.load_connection_info(km.get_connection_info())
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    code = ("import os, sys, json; print(json.dumps(['tensorflow' in sys.modules, os.getcwd(), "
            "os.environ.get('COURSE_MARK'), os.getpgid(0) == os.getpid(), os.getppid()]))")
    kc.execute_interactive(code, timeout=60, output_hook=lambda m: m["content"].get(
        "text") and print(m["content"]["text"], end=""))
    print(json.dumps({"me": os.getpid(), "kernel": km.provisioner.pid}))
    run_sync(km.shutdown_kernel)(now=True)
    print(json.dumps({"alive_after_shutdown": km.provisioner.process is not None and
                      km.provisioner.process.poll() is None}))
""")


def test_judge_kernel_is_forked_with_its_folder_environment_and_process_group(tmp_path):
    script = tmp_path / "judge.py"
    script.write_text(JUDGE_SCRIPT)
    folder = tmp_path / "judge"
    folder.mkdir()
    result = subprocess.run([sys.executable, str(script), str(folder)], capture_output=True,
                            text=True, timeout=180, env=kernel_environment(threads=1))
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [json.loads(line) for line in result.stdout.splitlines()
             if line.startswith(("[", "{"))]
    imported, cwd, mark, own_group, parent = lines[0]
    assert imported, "the kernel inherits TensorFlow from the process it was forked from"
    assert cwd == str(folder) and mark == "judge" and own_group
    assert parent == lines[1]["me"], "the kernel is a child of the worker"
    assert lines[2] == {"alive_after_shutdown": False}


def test_server_starts_with_the_allow_listed_environment_only():
    env = {"PATH": "/usr/bin", "HOME": "/home/teacher", "COURSE_CELL_TIMEOUT": "10",
           "OMP_NUM_THREADS": "1", "GITHUB_TOKEN": "secret", "AWS_SECRET_ACCESS_KEY": "secret"}
    kept = server_environment(env)
    assert kept == {"PATH": "/usr/bin", "HOME": "/home/teacher", "COURSE_CELL_TIMEOUT": "10",
                    "OMP_NUM_THREADS": "1"}


@pytest.mark.skipif(mechanism() != "bubblewrap" or os.geteuid() != 0,
                    reason="students' kernels are forked with bubblewrap, as root")
def test_students_kernel_is_forked_into_its_sandbox_during_grading(tmp_path):
    """The tiny chapter imports no TensorFlow: a kernel that has it is the template's fork.
    Its parent is outside its PID namespace (0); the grader's secret is not in its memory's
    environment block."""
    probe = ("import os, sys\nprint('PROBE', 'tensorflow' in sys.modules, os.getppid(), "
             "os.getuid(), repr(open('/proc/self/environ', 'rb').read().strip(b'\\0')))")
    root = make_course(tmp_path / "course", tiny_notebook([nbgrader_cell("code", probe)]))
    assert course_cli(root, "release", TINY_CHAPTER).returncode == 0
    build_submissions(root)
    result = course_cli(root, "autograde", "--workers", "1",
                        env={"GRADER_ONLY_SECRET": "do-not-leak"})
    assert result.returncode == 0, result.stdout + result.stderr
    graded = nbs.read(root / "autograded" / "reference" / TINY_CHAPTER / f"{TINY_CHAPTER}.ipynb")
    printed = "".join(output.get("text", "") for cell in graded.cells
                      for output in cell.get("outputs", []))
    assert "PROBE True 0 " in printed, printed
    assert "PROBE True 0 0 " not in printed, "the kernel is not root"
    assert "do-not-leak" not in printed and "b''" in printed
