"""The integrity building blocks without a kernel: structure repair, static scan, grading
notes and the sandbox launcher (exercised in this process)."""

from __future__ import annotations

import copy
import subprocess
import sys

import nbformat
import pytest

from course import notebooks as nbs
from course.chapters import ROOT, CourseError
from course.grading import grading_notes, scan, structure
from course.grading.sandbox import landlock_abi
from tests.helpers import tiny_notebook


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


def _tricked(cell, **extra):
    """``cell`` with metadata a hostile student might add."""
    cell.metadata.update({"tags": ["skip-execution"], "course": {"notes": ["all fine"]},
                          "jupyter": {"source_hidden": True}, "editable": True, **extra})
    return cell


def test_locked_cells_come_back_as_the_release_cell_exactly():
    release = tiny_notebook()
    submitted = copy.deepcopy(release)
    _tricked(submitted.cells[1])                           # setup
    _tricked(submitted.cells[3]).metadata["nbgrader"]["points"] = 99   # test_double
    rebuilt, notes = structure.restore(submitted, release)
    for index in (1, 3):
        assert rebuilt.cells[index] == release.cells[index]
    assert "skip-execution" not in str(rebuilt.cells[3].metadata)
    assert notes == ["Cell setup was tagged skip-execution; the tag was ignored (every cell "
                     "runs and is graded the same way).",
                     "Cell test_double was tagged skip-execution; the tag was ignored (every "
                     "cell runs and is graded the same way)."]


def test_answer_cells_keep_the_source_under_the_release_metadata():
    release = tiny_notebook()
    submitted = copy.deepcopy(release)
    _tricked(submitted.cells[2]).source = "def double(x):\n    return x * 2"
    _tricked(submitted.cells[6], deletable=False).source = "My own answer."
    submitted.cells[6]["attachments"] = {"plot.png": {"image/png": "iVBORw0KGgo="}}
    rebuilt, notes = structure.restore(submitted, release)
    assert rebuilt.cells[2].source == "def double(x):\n    return x * 2"
    assert rebuilt.cells[6].source == "My own answer."
    for index in (2, 6):
        assert rebuilt.cells[index].metadata == release.cells[index].metadata
    assert rebuilt.cells[6].attachments == {"plot.png": {"image/png": "iVBORw0KGgo="}}
    assert len(notes) == 2 and all("skip-execution" in n for n in notes)


def test_student_cells_lose_all_metadata_and_forged_notes_cells_are_dropped():
    extra = _tricked(nbformat.v4.new_code_cell("print('mine')"),
                     nbgrader={"grade": True, "grade_id": "bonus", "points": 5})
    extra.metadata["tags"] = "raises-exception skip-execution"  # nbclient tests `in` a string
    forged = nbformat.v4.new_markdown_cell("## Grading notes\n\n- nothing to report",
                                           metadata={"course": {"notes": []}})
    release = tiny_notebook()
    submitted = tiny_notebook()
    submitted.cells += [extra, forged]  # after validation: the tags are not a list
    rebuilt, notes = structure.restore(submitted, release)
    assert rebuilt.cells[-1].source == "print('mine')" and rebuilt.cells[-1].metadata == {}
    assert not any(c.source.startswith("## Grading notes") for c in rebuilt.cells)
    assert notes == ["Cell #8 of the handed-in notebook was tagged skip-execution, "
                     "raises-exception; the tags were ignored (every cell runs and is graded "
                     "the same way).",
                     "Cell #9 of the handed-in notebook carried grading-notes metadata; it was "
                     "removed (only the grader writes grading notes)."]


def test_reference_and_blank_submissions_get_no_notes():
    release = tiny_notebook()
    release.cells[0].metadata["deletable"] = False  # lesson cells may carry harmless keys
    reference = copy.deepcopy(release)
    reference.cells[2].source = "def double(x):\n    return 2 * x"
    for submitted in (reference, copy.deepcopy(release)):
        rebuilt, notes = structure.restore(submitted, release)
        assert notes == []
        assert [c.source for c in rebuilt.cells] == [c.source for c in submitted.cells]


def _restore_structure(root, submitted, student="eve"):
    """Run the ``RestoreStructure`` preprocessor as nbgrader does, in the course at ``root``."""
    from traitlets.config import Config

    release = tiny_notebook()
    nbs.write(release, root / "release" / "01_x" / "01_x.ipynb")
    config = Config()
    config.CourseDirectory.root = str(root)
    resources = {"nbgrader": {"student": student, "assignment": "01_x", "notebook": "01_x"}}
    rebuilt, _ = structure.RestoreStructure(config=config).preprocess(submitted, resources)
    return rebuilt


def test_forged_notes_on_an_open_answer_never_reach_the_report(tmp_path):
    submitted = tiny_notebook()
    open_answer = submitted.cells[6]
    open_answer.source = "## Grading notes\n\n- The grader checked this by hand: full marks."
    open_answer.metadata["course"] = {"notes": ["full marks granted"], "flags": [],
                                      "signature": "0" * 64}
    rebuilt = _restore_structure(tmp_path, submitted)
    owner = grading_notes.identity("eve", "01_x")
    assert grading_notes.read(rebuilt, root=tmp_path, identity=owner) == {"notes": [],
                                                                          "flags": []}
    assert all("course" not in c.metadata for c in rebuilt.cells)
    assert rebuilt.cells[6].source == open_answer.source   # the answer itself is kept


def test_restore_structure_signs_its_notes_for_the_notebook(tmp_path):
    submitted = tiny_notebook()
    del submitted.cells[3]                                 # test_double deleted
    rebuilt = _restore_structure(tmp_path, submitted)
    owner = grading_notes.identity("eve", "01_x")
    assert grading_notes.read(rebuilt, root=tmp_path, identity=owner)["notes"] == [
        "The test cell test_double was missing; the assignment's version was used."]
    other = grading_notes.identity("mallory", "01_x")
    assert grading_notes.read(rebuilt, root=tmp_path, identity=other)["notes"] == []


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


def test_grading_notes_round_trip_and_render(tmp_path):
    nb = tiny_notebook()
    grading_notes.add(nb, notes=["n1"], flags=["f1"], root=tmp_path)
    grading_notes.add(nb, notes=["n1", "n2"], root=tmp_path)
    assert grading_notes.read(nb, root=tmp_path) == {"notes": ["n1", "n2"], "flags": ["f1"]}
    assert nb.cells[0].source.startswith("## Grading notes")
    assert "Flagged for instructor review" in nb.cells[0].source
    assert grading_notes.read(tiny_notebook(), root=tmp_path) == {"notes": [], "flags": []}


def test_grading_notes_ignore_unsigned_foreign_and_tampered_cells(tmp_path):
    nb = tiny_notebook()
    forged = nbformat.v4.new_markdown_cell("## Grading notes", metadata={
        "course": {"notes": ["forged"], "flags": [], "signature": "0" * 64}})
    nb.cells.insert(0, forged)
    assert grading_notes.read(nb, root=tmp_path) == {"notes": [], "flags": []}
    other_course = tmp_path / "other"
    signed_elsewhere = tiny_notebook()
    grading_notes.add(signed_elsewhere, notes=["from another course"], root=other_course)
    assert grading_notes.read(signed_elsewhere, root=tmp_path)["notes"] == []
    grading_notes.add(nb, notes=["real"], root=tmp_path)
    assert "course" not in forged.metadata                  # add() strips unsigned metadata
    assert grading_notes.read(nb, root=tmp_path) == {"notes": ["real"], "flags": []}
    nb.cells[0].metadata["course"]["notes"].append("tampered")
    assert grading_notes.read(nb, root=tmp_path)["notes"] == []


@pytest.mark.parametrize("stored", [
    "text", {"notes": "n", "flags": [], "signature": "x"}, {"notes": [1], "flags": []},
    {"notes": [], "flags": [], "identity": "eve", "signature": "x"}, {"notes": [], "flags": []},
])
def test_grading_notes_survive_malformed_metadata(tmp_path, stored):
    nb = tiny_notebook()
    nb.cells[0].metadata["course"] = stored
    assert grading_notes.read(nb, root=tmp_path) == {"notes": [], "flags": []}
    grading_notes.add(nb, notes=["n"], root=tmp_path)
    assert grading_notes.read(nb, root=tmp_path)["notes"] == ["n"]


def test_grading_notes_are_bound_to_the_notebook_identity(tmp_path):
    eve, mallory = grading_notes.identity("eve", "01_x"), grading_notes.identity("mallory", "01_x")
    nb = tiny_notebook()
    grading_notes.add(nb, notes=["n1"], root=tmp_path, identity=eve)
    grading_notes.add(nb, notes=["n2"], root=tmp_path)        # keeps eve's identity
    assert grading_notes.read(nb, root=tmp_path, identity=eve)["notes"] == ["n1", "n2"]
    assert grading_notes.read(nb, root=tmp_path, identity=mallory)["notes"] == []
    grading_notes.add(nb, notes=["n3"], root=tmp_path, identity=mallory)  # eve's copy replayed
    assert grading_notes.read(nb, root=tmp_path, identity=mallory)["notes"] == ["n3"]
    assert sum("course" in c.metadata for c in nb.cells) == 1


def test_course_key_is_created_once_private_and_checked(tmp_path):
    key = grading_notes.course_key(tmp_path)
    path = tmp_path / grading_notes.SECRET_NAME
    assert len(key) == 32 and path.stat().st_mode & 0o777 == 0o600
    assert grading_notes.course_key(tmp_path) == key
    assert [p.name for p in tmp_path.iterdir()] == [grading_notes.SECRET_NAME]
    path.write_bytes(b"")
    with pytest.raises(CourseError, match="not a 32-byte key"):
        grading_notes.course_key(tmp_path)


def test_course_secret_is_git_ignored():
    result = subprocess.run(["git", "check-ignore", "-q", grading_notes.SECRET_NAME],
                            cwd=ROOT, capture_output=True)
    assert result.returncode == 0


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
    command = [sys.executable, "-m", "course.grading.sandbox", *[f"--read={p}" for p in readable],
               f"--write={inside}", "--", sys.executable, "-S", "-c", code]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "denied", result.stderr
    assert (inside / "ok.txt").read_text() == "1"
