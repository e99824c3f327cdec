"""The student's kernel sandbox (``course.grading.kernel_sandbox``) against the attacks it must
stop.

Confinement is checked by running a ``python -c`` snippet through ``wrap_command`` where that
suffices, and a real kernel through ``SandboxedKernelManager`` where the kernel's own
behaviour matters (imports, restarts, signals, stdout). Tests that need namespaces are
skipped unless ``mechanism()`` is ``"bubblewrap"``.
"""

from __future__ import annotations

import ast
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psutil
import pytest

from course.chapters import ROOT
from course.grading import kernel_sandbox as ks
from course.grading import kernel_template

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")
needs_bubblewrap = pytest.mark.skipif(ks.mechanism() != "bubblewrap",
                                      reason="bubblewrap is not usable here")
needs_file_isolation = pytest.mark.skipif(ks.mechanism() == "none",
                                          reason="neither bubblewrap nor Landlock here")
SECRET = "COURSE_SECRET_TEST"


@pytest.fixture
def base():
    """A short folder under /tmp (unix socket paths are limited to 108 bytes)."""
    path = Path(tempfile.mkdtemp(prefix="ks-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def spec(base) -> ks.SandboxSpec:
    """A sandbox folder inside ``base``, with ``base/secret.txt`` beside it."""
    (base / "secret.txt").write_text("the answers")
    folder = base / "course-sandbox-test"
    (folder / "work").mkdir(parents=True)
    return ks.SandboxSpec(folder=folder, memory_mb=2048, file_size_mb=16,
                          read_only=ks.package_folders())


def run_confined(spec: ks.SandboxSpec, code: str) -> subprocess.CompletedProcess:
    """Run ``python -c code`` confined as the provisioner runs the kernel."""
    ks.prepare(spec)
    return subprocess.run(ks.wrap_command([sys.executable, "-c", code], spec),
                          cwd=spec.folder / "work", capture_output=True, text=True,
                          timeout=60, env=ks.kernel_environment(spec))


@pytest.fixture(params=["new", "forked"])
def start(request, monkeypatch) -> str:
    """How the kernel starts: a new Python in the sandbox, or forked from the template
    (``course.grading.kernel_template``, started in this process; bubblewrap as root only)."""
    if request.param == "forked":
        if ks.mechanism() != "bubblewrap" or os.geteuid() != 0:
            pytest.skip("kernels are forked only with bubblewrap, as root")
        if not kernel_template.available():
            kernel_template.spawn(("ipykernel.kernelapp", "numpy"))
    else:
        monkeypatch.setattr(kernel_template, "available", lambda: False)
    return request.param


def in_kernel(spec: ks.SandboxSpec, scenario, start: str = "new") -> None:
    """Start a sandboxed kernel (``start``: see the fixture), run ``await scenario(km, kc)``,
    always shut it down."""
    async def main():
        km = ks.SandboxedKernelManager(kernel_name="python3")
        km.sandbox_spec = spec
        await km.start_kernel(env={**os.environ})
        forked = isinstance(km.provisioner.process, ks.SandboxedFork)
        assert forked == (start == "forked"), ks.log_path(spec).read_text()[-2000:]
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=60)
            await scenario(km, kc)
        finally:
            kc.stop_channels()
            await km.shutdown_kernel(now=True)

    asyncio.run(main())


async def evaluate(kc, expression: str) -> str:
    """The repr of ``expression`` evaluated in the kernel."""
    reply = await kc.execute_interactive("", user_expressions={"v": expression}, timeout=60,
                                         output_hook=lambda msg: None)
    value = reply["content"]["user_expressions"]["v"]
    assert value["status"] == "ok", value
    return value["data"]["text/plain"]


async def run(kc, code: str) -> None:
    """Execute ``code`` in the kernel; it must succeed."""
    reply = await kc.execute_interactive(code, timeout=60, output_hook=lambda msg: None)
    assert reply["content"]["status"] == "ok", reply["content"]


def processes_with(marker: str) -> list[psutil.Process]:
    return [p for p in psutil.process_iter(["cmdline"])
            if marker in " ".join(p.info["cmdline"] or [])]


# -- the command line ----------------------------------------------------------------------
def test_every_python_is_isolated(spec):
    command = ks.wrap_command([sys.executable, "-m", "ipykernel_launcher", "-f", "k.json"],
                              spec)
    pythons = [i for i, arg in enumerate(command) if arg == sys.executable]
    assert len(pythons) == 2 and all(command[i + 1] == "-I" for i in pythons)
    with pytest.raises(ValueError):
        ks.isolated_python(["R", "--slave"])


def test_landlock_rules_write_only_the_folder(spec, monkeypatch):
    monkeypatch.setattr(ks, "mechanism", lambda: "landlock")
    command = ks.wrap_command([sys.executable, "-m", "ipykernel_launcher"], spec)
    writable = [a.split("=", 1)[1] for a in command if a.startswith("--write=")]
    assert str(spec.folder) in writable and "/dev/shm" not in writable
    assert str(ROOT) not in [a.split("=", 1)[1] for a in command if a.startswith("--read=")]


def test_read_only_may_not_expose_the_repository_or_the_sandbox(spec):
    for path in (ROOT, spec.folder.parent, "/"):
        with pytest.raises(ValueError):
            ks.wrap_command([sys.executable], ks.SandboxSpec(spec.folder, 1, 1,
                                                             read_only=[str(path)]))


def test_prepare_refuses_a_folder_that_is_not_a_sandbox(base):
    with pytest.raises(ValueError):
        ks.prepare(ks.SandboxSpec(folder=base, memory_mb=1, file_size_mb=1))


# -- files, processes, environment, network ------------------------------------------------
@needs_file_isolation
def test_cannot_read_beside_the_sandbox_nor_the_course_sources(spec):
    notebook = next(ROOT.glob("source/*/*.ipynb"))
    targets = [spec.folder.parent / "secret.txt", notebook, ROOT / "nbgrader_config.py"]
    code = ("import sys\nfor path in sys.argv[1:]:\n    try:\n        open(path).read()\n"
            "        print('READ', path)\n    except OSError:\n        pass\n")
    result = run_confined(spec, code.replace("sys.argv[1:]", repr([str(t) for t in targets])))
    assert result.returncode == 0, result.stderr
    assert "READ" not in result.stdout


@needs_file_isolation
def test_can_write_only_inside_the_folder(spec):
    outside = spec.folder.parent / "escape.txt"
    code = (f"open('inside.txt', 'w').write('ok')\ntry:\n    open({str(outside)!r}, 'w')\n"
            "    print('ESCAPED')\nexcept OSError:\n    pass\n")
    result = run_confined(spec, code)
    assert result.returncode == 0, result.stderr
    assert "ESCAPED" not in result.stdout and not outside.exists()
    assert (spec.folder / "work" / "inside.txt").read_text() == "ok"


def test_environment_holds_only_the_allow_list(spec, start, monkeypatch):
    """The kernel's initial environment, although the grader passes its own to the manager."""
    monkeypatch.setenv(SECRET, "grader-only")
    allowed = {*ks.kernel_environment(spec), "PWD", "JPY_PARENT_PID"}

    async def scenario(km, kc):
        initial = ast.literal_eval(await evaluate(kc, "open('/proc/self/environ', 'rb').read()"))
        names = {item.split(b"=", 1)[0].decode() for item in initial.split(b"\0") if item}
        assert SECRET not in names and names <= allowed, names - allowed

    in_kernel(spec, scenario, start)


@needs_bubblewrap
def test_proc_shows_only_the_sandbox(spec):
    """Neither the grader's process nor, hence, its command line or environment."""
    code = ("import json, os\nseen = {}\nfor pid in filter(str.isdigit, os.listdir('/proc')):\n"
            "    try:\n        seen[pid] = open(f'/proc/{pid}/cmdline', 'rb').read().decode()"
            " + open(f'/proc/{pid}/environ', 'rb').read().decode()\n"
            "    except OSError:\n        seen[pid] = ''\nprint(json.dumps(seen))\n")
    seen = json.loads(run_confined(spec, code).stdout)
    assert len(seen) <= 3 and str(os.getpid()) not in seen
    assert not any("pytest" in text for text in seen.values())


@needs_bubblewrap
def test_kernel_sees_only_the_sandbox_processes_and_its_own_uid(spec, start):
    async def scenario(km, kc):
        pids = ast.literal_eval(await evaluate(
            kc, "sorted(int(p) for p in __import__('os').listdir('/proc') if p.isdigit())"))
        assert len(pids) <= 3 and os.getpid() not in pids
        if os.geteuid() == 0:
            assert await evaluate(kc, "__import__('os').getuid()") != "0"
            status = ast.literal_eval(await evaluate(kc, "open('/proc/self/status').read()"))
            held = [line for line in status.splitlines() if line.startswith(("CapEff", "CapPrm"))]
            assert all(int(line.split()[1], 16) == 0 for line in held), held
        if start == "forked":  # the placeholder keeping the sandbox alive holds no privilege
            placeholder = ast.literal_eval(await evaluate(kc, "open('/proc/2/status').read()"))
            held = [line for line in placeholder.splitlines()
                    if line.startswith(("CapEff", "CapPrm"))]
            assert held and all(int(line.split()[1], 16) == 0 for line in held), held

    in_kernel(spec, scenario, start)


@needs_bubblewrap
def test_no_network_not_even_the_hosts_loopback(spec):
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        code = (f"import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), 5)\n"
                "    print('CONNECTED')\nexcept OSError:\n    pass\n")
        result = run_confined(spec, code)
    assert result.returncode == 0, result.stderr
    assert "CONNECTED" not in result.stdout


@needs_bubblewrap
def test_process_count_is_limited(spec):
    spec.max_processes = 16
    code = ("import os, time\nforked = 0\nfor _ in range(40):\n    try:\n"
            "        if os.fork() == 0:\n            time.sleep(2)\n            os._exit(0)\n"
            "        forked += 1\n    except OSError:\n        break\nprint(forked)\n")
    assert int(run_confined(spec, code).stdout) < 16


# -- the kernel ----------------------------------------------------------------------------
def test_kernel_answers_over_ipc_in_its_runtime_folder(spec, start):
    async def scenario(km, kc):
        assert await evaluate(kc, "1+1") == "2"
        assert km.transport == "ipc"
        assert Path(km.connection_file).parent == spec.folder / "runtime"

    in_kernel(spec, scenario, start)


def test_kernel_uses_its_own_home_and_temporary_folder(spec, start):
    async def scenario(km, kc):
        assert await evaluate(kc, "__import__('tempfile').gettempdir()") == \
            repr(str(spec.folder / "tmp"))
        assert await evaluate(kc, "str(__import__('pathlib').Path.home())") == \
            repr(str(spec.folder / "home"))

    in_kernel(spec, scenario, start)


def test_kernel_imports_the_course_packages(spec, start):
    async def scenario(km, kc):
        for module in ("utils", "course.grading.student_kernel"):
            path = await evaluate(kc, f"__import__({module!r}).__file__")
            assert path.strip("'").startswith(tuple(ks.package_folders()))

    in_kernel(spec, scenario, start)


def test_submitted_modules_are_never_imported(spec, start):
    work = spec.folder / "work"
    (work / "numpy.py").write_text("raise SystemExit('fake numpy imported')\n")
    (work / "course").mkdir()
    (work / "course" / "__init__.py").write_text("")
    (work / "course" / "sandbox.py").write_text("open('HIJACKED', 'w')\n")

    async def scenario(km, kc):
        real = await evaluate(kc, "__import__('numpy').__file__")
        assert "site-packages" in real
        assert not (work / "HIJACKED").exists()

    in_kernel(spec, scenario, start)


def test_kernel_output_goes_to_its_log_not_the_graders(spec, start, capfd):
    marker = uuid.uuid4().hex

    async def scenario(km, kc):
        await run(kc, f"import os\nos.write(1, b'{marker}')")

    in_kernel(spec, scenario, start)
    assert marker in ks.log_path(spec).read_text()
    assert marker not in capfd.readouterr().out


def test_restart_starts_from_an_empty_home(spec, start):
    startup = ".ipython/profile_default/startup/00-planted.py"

    async def scenario(km, kc):
        await run(kc, f"import pathlib\nplanted = pathlib.Path.home() / {startup!r}\n"
                      "planted.parent.mkdir(parents=True, exist_ok=True)\n"
                      "planted.write_text('PLANTED = 1')")
        await km.restart_kernel(now=True)
        await kc.wait_for_ready(timeout=60)
        assert await evaluate(kc, "'PLANTED' in globals()") == "False"
        assert not (spec.folder / "home" / startup).exists()

    in_kernel(spec, scenario, start)


def test_interrupt_reaches_the_kernel(spec, start):
    async def scenario(km, kc):
        msg_id = kc.execute("import time; time.sleep(60)")
        await asyncio.sleep(1)
        await km.interrupt_kernel()
        reply = await kc.get_shell_msg(timeout=10)
        while reply["parent_header"].get("msg_id") != msg_id:  # e.g. a kernel_info_reply
            reply = await kc.get_shell_msg(timeout=10)
        assert reply["content"]["ename"] == "KeyboardInterrupt"
        assert await km.is_alive()

    in_kernel(spec, scenario, start)


@needs_bubblewrap
@pytest.mark.parametrize("how", ["kill", "shutdown", "sigkill"])
def test_no_process_outlives_the_sandbox(spec, start, how):
    """A double-forked ``setsid`` daemon dies with the sandbox, whether the manager kills the
    kernel, shuts it down politely, or the grader SIGKILLs the ``bwrap`` process."""
    marker = f"daemon-{uuid.uuid4().hex}"
    daemon = ("import os, subprocess, sys\nsubprocess.Popen([sys.executable, '-c', "
              f"'import os, time\\nif os.fork() == 0:\\n os.setsid()\\n time.sleep(300)', "
              f"{marker!r}], start_new_session=True).wait()\n")

    async def scenario(km, kc):
        await run(kc, daemon)
        assert processes_with(marker)
        if how == "sigkill":
            os.kill(km.provisioner.process.pid, signal.SIGKILL)
        else:
            await km.shutdown_kernel(now=how == "kill")
            assert not processes_with(marker)  # gone when the shutdown returns

    in_kernel(spec, scenario, start)
    deadline = time.monotonic() + 5
    while processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not processes_with(marker)
