"""The integrity building blocks without a kernel: structure repair, static scan, grading
notes, the sandbox launcher and the in-kernel guard (exercised in this process)."""

from __future__ import annotations

import builtins
import copy
import subprocess
import sys

import nbformat
import numpy as np
import pytest

from course import grading_notes, kernel_guard, scan, structure
from course import notebooks as nbs
from course.sandbox import landlock_abi
from tests.conftest import tiny_notebook


def _ids(nb) -> list:
    return [nbs.grade_id(c) for c in nb.cells]


def test_intact_submission_is_rebuilt_unchanged():
    release = tiny_notebook()
    rebuilt, notes = structure.restore(copy.deepcopy(release), release)
    assert notes == []
    assert [c.source for c in rebuilt.cells] == [c.source for c in release.cells]


def test_structure_repairs_deleted_moved_retyped_and_duplicated_cells():
    release = tiny_notebook()
    submitted = copy.deepcopy(release)
    answer = submitted.cells.pop(2)                      # answer_double moved below its test
    submitted.cells.insert(3, answer)
    submitted.cells = [c for c in submitted.cells if nbs.grade_id(c) != "test_answer"]
    extra = nbformat.v4.new_code_cell("helper = 1")      # a student cell before the setup
    submitted.cells.insert(0, extra)
    rebuilt, notes = structure.restore(submitted, release)
    assert _ids(rebuilt) == [None, "setup", None, "answer_double", "test_double",
                             "answer_answer", "test_answer", "open_why"]
    assert rebuilt.cells[2].source == "helper = 1"       # runs after the setup cell
    assert any("moved" in n for n in notes) and any("test_answer was missing" in n for n in notes)


def test_structure_restores_edited_and_retyped_tests_and_keeps_answers():
    release = tiny_notebook()
    submitted = copy.deepcopy(release)
    submitted.cells[2].source = "def double(x):\n    return x + x"
    submitted.cells[3].source = "pass"
    submitted.cells[5] = nbformat.v4.new_markdown_cell(submitted.cells[5].source,
                                                       metadata=submitted.cells[5].metadata)
    rebuilt, notes = structure.restore(submitted, release)
    assert rebuilt.cells[2].source == "def double(x):\n    return x + x"
    assert rebuilt.cells[3].source == release.cells[3].source
    assert rebuilt.cells[5].cell_type == "code"
    assert len(notes) == 2


@pytest.mark.parametrize("code, finding", [
    ("import builtins\nbuiltins.abs = lambda x: 0", "replaces builtins.abs"),
    ("np.allclose = lambda *a: True", "replaces np.allclose"),
    ("checks.assert_close = print", "replaces checks.assert_close"),
    ("get_ipython().showtraceback = None", "traceback display"),
    ("import ctypes", "imports ctypes"),
    ("open('/etc/passwd').read()", "open() on '/etc/passwd'"),
    ("open('../../source/x.ipynb')", "open() on"),
    ("import os\nos._exit(1)", "os._exit"),
    ("!ls", "shell command"),
    ("def abs(x):\n    return 0", "rebinds the built-in name abs"),
    ("f = sys._getframe(1)", "call stack"),
])
def test_scan_flags_suspicious_code(code, finding):
    flags = scan.scan([("answer_f", code)], {"np", "checks", "builtins", "os", "sys"})
    assert any(finding in f for f in flags), flags


def test_scan_leaves_ordinary_answers_alone():
    code = ("def relu(x):\n    return np.maximum(0, x)\n\nMC_X = {'a'}\n"
            "history = model.fit(x, y)\nwith open('results.txt', 'w') as f:\n    f.write('1')")
    assert scan.scan([("answer_relu", code)], {"np"}) == []


def test_grading_notes_round_trip_and_render():
    nb = tiny_notebook()
    grading_notes.add(nb, notes=["n1"], flags=["f1"])
    grading_notes.add(nb, notes=["n1", "n2"])
    assert grading_notes.read(nb) == {"notes": ["n1", "n2"], "flags": ["f1"]}
    assert nb.cells[0].source.startswith("## Grading notes")
    assert "Flagged for instructor review" in nb.cells[0].source
    assert grading_notes.read(tiny_notebook()) == {"notes": [], "flags": []}


def test_guard_restores_patched_builtins_modules_and_names():
    namespace = {"np": np, "limit": 3}
    guard = kernel_guard._Guard(frozenset({"builtins", "numpy"}), namespace, None)
    guard.protect_names(["np", "limit"])
    original_abs, original_any = builtins.abs, np.any
    try:
        builtins.abs = lambda value: 0
        np.any = lambda *a, **k: False
        namespace["np"] = None
        answer = guard.restore("n")
        assert answer[:3] == ["n", id(guard), id(kernel_guard._Guard)]
        assert {"builtins.abs", "numpy.any", "name np"} <= set(answer[3:])
        assert builtins.abs is original_abs and np.any is original_any
        assert namespace["np"] is np
        assert guard.restore("m")[3:] == []
    finally:
        builtins.abs, np.any = original_abs, original_any


def test_guard_notices_replaced_function_code():
    def target(x):
        return x
    namespace = {"target": target}
    guard = kernel_guard._Guard(frozenset(), namespace, None)
    guard._entries.append(("target", namespace, "target", target,
                           kernel_guard._function_state(target)))
    original = target.__code__
    target.__code__ = (lambda x: 0).__code__
    assert "target (code)" in guard.restore("n")
    assert target.__code__ is original


@pytest.mark.skipif(landlock_abi() < 1, reason="needs Linux Landlock")
def test_sandbox_denies_reading_and_writing_outside_its_folders(tmp_path):
    inside, outside = tmp_path / "inside", tmp_path / "outside"
    inside.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("hidden")
    code = (f"import pathlib\npathlib.Path({str(inside)!r}, 'ok.txt').write_text('1')\n"
            f"try:\n    open({str(outside / 'secret.txt')!r}).read()\n    print('read')\n"
            "except PermissionError:\n    print('denied')")
    readable = [sys.base_prefix, sys.prefix, "/usr", "/lib", "/lib64", "/etc"]
    command = [sys.executable, "-m", "course.sandbox", *[f"--read={p}" for p in readable],
               f"--write={inside}", "--", sys.executable, "-S", "-c", code]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "denied", result.stderr
    assert (inside / "ok.txt").read_text() == "1"
