"""``course collect --zip``: an LMS download (Canvas, Moodle) placed in ``submitted/``.

Every zip is built here. The tests prove that Canvas and Moodle file names reach
``submitted/<student>/<chapter>/<chapter>.ipynb``, that every file that cannot be placed is
reported with its reason, that unsafe names write nothing, and that an existing submission is
never replaced silently.
"""

from __future__ import annotations

import json
import stat
import zipfile
from pathlib import Path

import pytest

from course.chapters import CourseError
from course.grading import collect
from tests.helpers import TINY_CHAPTER, course_cli, make_course

CH = TINY_CHAPTER


def notebook_bytes(marker: str) -> bytes:
    """A small notebook whose only cell says ``marker`` (to tell the files apart)."""
    return json.dumps({"cells": [{"cell_type": "markdown", "metadata": {}, "source": marker}],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


def make_zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def submitted(root: Path, student: str, chapter: str = CH) -> Path:
    return root / "submitted" / student / chapter / f"{chapter}.ipynb"


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def course(tmp_path: Path) -> Path:
    return make_course(tmp_path / "course")


def test_canvas_names_are_placed_by_student_and_chapter(course, tmp_path):
    download = make_zip(tmp_path / "submissions.zip", {
        f"lovelaceada_1001_5001_{CH}.ipynb": notebook_bytes("ada"),
        f"turingalan_LATE_1002_5002_{CH}-1.ipynb": notebook_bytes("alan"),  # resubmitted, late
    })
    placed, skipped = collect.collect_zip(download, course)
    assert skipped == []
    assert [(p.student, p.chapter, p.action) for p in placed] == [
        ("lovelaceada", CH, "new"), ("turingalan", CH, "new")]
    assert submitted(course, "lovelaceada").read_bytes() == notebook_bytes("ada")
    assert submitted(course, "turingalan").read_bytes() == notebook_bytes("alan")


def test_moodle_names_flat_and_in_folders_with_the_chapter_given(course, tmp_path):
    download = make_zip(tmp_path / "moodle.zip", {
        "Ada Lovelace_2001_assignsubmission_file_my homework.ipynb": notebook_bytes("ada"),
        f"José Núñez_2002_assignsubmission_file_/{CH}.ipynb": notebook_bytes("jose"),
    })
    placed, skipped = collect.collect_zip(download, course, chapter="01")
    assert skipped == []
    assert [(p.student, p.chapter) for p in placed] == [("ada_lovelace", CH), ("jose_nunez", CH)]
    assert submitted(course, "ada_lovelace").read_bytes() == notebook_bytes("ada")
    assert submitted(course, "jose_nunez").read_bytes() == notebook_bytes("jose")
    assert files_under(course / "submitted") == [f"ada_lovelace/{CH}/{CH}.ipynb",
                                                 f"jose_nunez/{CH}/{CH}.ipynb"]


def test_every_file_that_cannot_be_placed_is_reported_with_its_reason(course, tmp_path):
    download = make_zip(tmp_path / "mixed.zip", {
        f"lovelaceada_1001_5001_{CH}.ipynb": notebook_bytes("ada"),
        "lovelaceada_1001_5001_notes.txt": b"my notes",
        "homework.ipynb": notebook_bytes("whose?"),
        "hopper_1003_5003_some_other_chapter.ipynb": notebook_bytes("grace"),
    })
    placed, skipped = collect.collect_zip(download, course)
    assert [p.student for p in placed] == ["lovelaceada"]
    reasons = {s.entry: s.reason for s in skipped}
    assert reasons == {
        "lovelaceada_1001_5001_notes.txt": "not a notebook (only .ipynb files are collected)",
        "homework.ipynb": "name matches neither the Canvas nor the Moodle pattern "
                          "(see `course collect -h`)",
        "hopper_1003_5003_some_other_chapter.ipynb":
            "cannot tell the chapter from 'some_other_chapter.ipynb' (name one with --chapter)",
    }
    assert files_under(course / "submitted") == [f"lovelaceada/{CH}/{CH}.ipynb"]


def test_unsafe_names_write_nothing(course, tmp_path):
    link = zipfile.ZipInfo(f"hopper_1003_5003_{CH}.ipynb")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(tmp_path / "evil.zip", "w") as archive:
        archive.writestr(f"../lovelaceada_1001_5001_{CH}.ipynb", notebook_bytes("slip"))
        archive.writestr(f"/tmp/turingalan_1002_5002_{CH}.ipynb", notebook_bytes("absolute"))
        archive.writestr(f"a/../../x/Ada Lovelace_1_assignsubmission_file_{CH}.ipynb", b"{}")
        archive.writestr(link, "/etc/passwd")
    placed, skipped = collect.collect_zip(tmp_path / "evil.zip", course)
    assert placed == []
    assert [s.reason for s in skipped] == [
        "unsafe path (contains '..'); nothing written",
        "unsafe path (absolute); nothing written",
        "unsafe path (contains '..'); nothing written",
        "a symbolic link; nothing written"]
    assert not (course / "submitted").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["course", "evil.zip"]


def test_two_notebooks_for_one_student_and_chapter_are_both_refused(course, tmp_path):
    download = make_zip(tmp_path / "twice.zip", {
        f"lovelaceada_1001_5001_{CH}.ipynb": notebook_bytes("first"),
        f"lovelaceada_1001_5002_{CH}-1.ipynb": notebook_bytes("second"),
        f"turingalan_1002_5003_{CH}.ipynb": notebook_bytes("alan"),
    })
    placed, skipped = collect.collect_zip(download, course)
    assert [p.student for p in placed] == ["turingalan"]
    assert [s.entry for s in skipped] == [f"lovelaceada_1001_5001_{CH}.ipynb",
                                          f"lovelaceada_1001_5002_{CH}-1.ipynb"]
    assert all(s.reason.startswith(f"2 notebooks for lovelaceada / {CH} in the zip")
               for s in skipped)
    assert not submitted(course, "lovelaceada").exists()


def test_two_accounts_with_one_name_are_refused(course, tmp_path):
    download = make_zip(tmp_path / "namesakes.zip", {
        f"smithjohn_1001_5001_{CH}.ipynb": notebook_bytes("one"),
        f"smithjohn_1002_5002_{CH}.ipynb": notebook_bytes("another"),
    })
    placed, skipped = collect.collect_zip(download, course)
    assert placed == []
    assert {s.reason for s in skipped} == {
        "LMS accounts 1001, 1002 would share the student id 'smithjohn'; place by hand"}


def test_an_existing_submission_is_kept_unless_forced(course, tmp_path):
    target = submitted(course, "lovelaceada")
    target.parent.mkdir(parents=True)
    target.write_bytes(notebook_bytes("handed in earlier"))
    download = make_zip(tmp_path / "again.zip", {
        f"lovelaceada_1001_5001_{CH}.ipynb": notebook_bytes("handed in later")})

    placed, skipped = collect.collect_zip(download, course)
    assert placed == []
    assert [s.reason for s in skipped] == [
        f"submitted/lovelaceada/{CH}/{CH}.ipynb already exists and differs; --force replaces it"]
    assert target.read_bytes() == notebook_bytes("handed in earlier")

    placed, skipped = collect.collect_zip(download, course, force=True)
    assert [p.action for p in placed] == ["replaced"] and skipped == []
    assert target.read_bytes() == notebook_bytes("handed in later")

    placed, skipped = collect.collect_zip(download, course)  # the same file again
    assert [p.action for p in placed] == ["unchanged"] and skipped == []


def test_cli_reports_placed_and_not_placed_files(course, tmp_path):
    download = make_zip(tmp_path / "submissions.zip", {
        f"lovelaceada_1001_5001_{CH}.ipynb": notebook_bytes("ada"),
        "../escape_1_2_x.ipynb": b"{}",
    })
    result = course_cli(course, "collect", "--zip", str(download), "--chapter", "01")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines == [
        "submissions.zip: 1 notebook(s) placed in submitted/, 1 file(s) not placed",
        f"  lovelaceada / {CH}: new (lovelaceada_1001_5001_{CH}.ipynb)",
        "not placed:",
        "  ../escape_1_2_x.ipynb: unsafe path (contains '..'); nothing written"]


def test_cli_fails_in_one_line_when_nothing_can_be_placed(course, tmp_path):
    download = make_zip(tmp_path / "empty.zip", {"readme.txt": b"hello"})
    result = course_cli(course, "collect", "--zip", str(download))
    assert result.returncode == 1
    assert result.stderr.strip() == ("course collect: error: no notebook of empty.zip could "
                                     "be placed")

    result = course_cli(course, "collect", "--zip", str(tmp_path / "missing.zip"))
    assert result.returncode == 1
    assert result.stderr.startswith("course collect: error: cannot read ")

    result = course_cli(course, "collect", env={"COURSE_EXCHANGE": ""})
    assert result.returncode == 1
    assert "COURSE_EXCHANGE is not set" in result.stderr


def test_a_bad_chapter_is_refused_before_anything_is_read(course, tmp_path):
    with pytest.raises(CourseError, match="unknown chapter '99'"):
        collect.collect_zip(tmp_path / "never-read.zip", course, chapter="99")
