"""``course.settings``: one ``CourseSettings`` object read from ``nbgrader_config.py``.

The tests prove the precedence (default < ``nbgrader_config.py`` < environment variable), that
nbgrader's own options follow the settings, that an invalid value or an unknown name stops
with a one-line error naming where it came from, and that the commands find the course's
folders where ``CourseDirectory`` puts them.
"""

from __future__ import annotations

import ast
import os
import re
import zipfile
from pathlib import Path

import nbformat
import pytest
from traitlets.config.loader import PyFileConfigLoader

from course.authoring.execute import execute_notebook
from course.chapters import ROOT, CourseError
from course.grading import autograde, cluster_task, collect, environment, gradebook
from course.nbgrader_cli import kernel_environment, with_threads
from course.reporting import feedback
from course.settings import STDERR_WARNINGS, CourseSettings, load_settings
from tests.helpers import TINY_CHAPTER, make_course, tiny_notebook
from utils.runtime import THREADS_ENV

CH = TINY_CHAPTER
NO_ENV: dict[str, str] = {}


def write_config(root: Path, *lines: str) -> Path:
    """A course directory at ``root`` whose ``nbgrader_config.py`` holds only ``lines``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "nbgrader_config.py").write_text("\n".join(["c = get_config()", *lines, ""]))
    return root


def test_defaults_where_the_course_has_no_config_file(tmp_path):
    settings = load_settings(tmp_path, NO_ENV)
    assert (settings.cell_timeout, settings.submission_timeout, settings.tf_threads) == \
        (120, 900.0, 1)
    assert (settings.max_notebook_mb, settings.max_submission_mb) == (50.0, 200.0)
    assert settings.stderr_ignore == STDERR_WARNINGS and settings.exchange == ""
    assert settings.folder("submitted") == tmp_path / "submitted"


def test_the_config_file_overrides_a_default_and_the_environment_overrides_both(tmp_path):
    root = write_config(tmp_path, "c.CourseSettings.cell_timeout = 60",
                        "c.CourseSettings.max_notebook_mb = 2.5")
    from_file = load_settings(root, NO_ENV)
    assert (from_file.cell_timeout, from_file.max_notebook_mb) == (60, 2.5)
    from_env = load_settings(root, {"COURSE_CELL_TIMEOUT": "7", "COURSE_TF_THREADS": "4"})
    assert (from_env.cell_timeout, from_env.tf_threads, from_env.max_notebook_mb) == (7, 4, 2.5)
    assert load_settings(root, {"COURSE_CELL_TIMEOUT": ""}).cell_timeout == 60, \
        "an empty variable counts as unset"


def test_the_config_file_is_read_again_when_it_changes(tmp_path):
    root = write_config(tmp_path, "c.CourseSettings.cell_timeout = 60")
    assert load_settings(root, NO_ENV).cell_timeout == 60
    write_config(tmp_path, "c.CourseSettings.cell_timeout = 90")
    assert load_settings(root, NO_ENV).cell_timeout == 90


def test_the_environment_reaches_the_settings_by_default(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_SUBMISSION_TIMEOUT", "30")
    assert load_settings(tmp_path).submission_timeout == 30.0


def test_every_setting_has_an_overriding_variable_and_a_unit():
    names = CourseSettings.environment_names()
    assert names["tf_threads"] == THREADS_ENV
    assert all(variable.startswith("COURSE_") for variable in names.values())
    assert len(set(names.values())) == len(names)
    traits = CourseSettings.class_traits(config=True)
    assert all(traits[name].help for name in names)
    assert "exchange" not in CourseSettings.grading_names()


def test_nbgrader_config_lists_every_setting_with_its_default():
    """The commented block of ``nbgrader_config.py`` stays in step with ``CourseSettings``."""
    text = (ROOT / "nbgrader_config.py").read_text()
    listed = dict(re.findall(r"^# c\.CourseSettings\.(\w+) = (.+?)\s+#", text, re.MULTILINE))
    traits = CourseSettings.class_traits(config=True)
    assert sorted(listed) == sorted(traits)
    for name, value in listed.items():
        default = STDERR_WARNINGS if value == "STDERR_WARNINGS" else ast.literal_eval(value)
        assert default == traits[name].default_value, name


def test_the_course_config_sets_the_course_id_and_folders_once():
    settings = load_settings(ROOT, NO_ENV)
    assert settings.course_id == "deep-learning"
    assert settings.folder("autograded") == ROOT / "autograded"
    text = (ROOT / "nbgrader_config.py").read_text()
    assert text.count(repr(settings.course_id).replace("'", '"')) == 1


def set_in_block(root: Path, line: str) -> None:
    """Uncomment the settings block's line for the setting of ``line`` and give it that
    value."""
    config = root / "nbgrader_config.py"
    name = line.split("=")[0].strip()
    text, found = re.subn(rf"^# {re.escape(name)} = .*$", line, config.read_text(),
                          flags=re.MULTILINE)
    assert found == 1
    config.write_text(text)


def test_nbgrader_options_follow_the_settings(tmp_path, monkeypatch):
    root = make_course(tmp_path / "course")
    set_in_block(root, "c.CourseSettings.memory_limit_mb = 2048")
    monkeypatch.setenv("COURSE_CELL_TIMEOUT", "33")
    monkeypatch.setenv("COURSE_EXCHANGE", str(tmp_path / "exchange"))
    c = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    assert c.Execute.timeout == 33
    assert c.Exchange.root == str(tmp_path / "exchange")
    assert c.IgnorePattern.pattern == STDERR_WARNINGS
    assert (c.JudgedExecute.memory_limit_mb, c.JudgedExecute.disk_limit_mb) == (2048, 1024)
    assert load_settings(root).memory_limit_mb == 2048


def test_a_setting_set_below_the_settings_block_is_refused(tmp_path):
    root = make_course(tmp_path / "course")
    with (root / "nbgrader_config.py").open("a") as config:
        config.write("\nc.CourseSettings.memory_limit_mb = 2048\n")
    with pytest.raises(CourseError, match=r"c.CourseSettings.memory_limit_mb set after "
                                          r"from_config\(c\) reads the settings"):
        load_settings(root, NO_ENV)


@pytest.mark.parametrize("lines, environ, expected", [
    (["c.CourseSettings.submission_timeout = -5"], {},
     r"nbgrader_config.py: CourseSettings.submission_timeout must be a number above 0, not -5"),
    (["c.CourseSettings.cell_timeout = 'abc'"], {}, r"nbgrader_config.py: .*cell_timeout"),
    (["c.CourseSettings.submision_timeout = 60"], {},
     r"c.CourseSettings.submision_timeout is not a setting \(did you mean submission_timeout"),
    (["c.CourseSettings.stderr_ignore = '(unclosed'"], {}, r"not a regular expression"),
    ([], {"COURSE_SUBMISSION_TIMEOUT": "abc"},
     r"COURSE_SUBMISSION_TIMEOUT='abc': expected a float \(CourseSettings.submission_timeout"),
    ([], {"COURSE_CELL_TIMEOUT": "1.5"}, r"COURSE_CELL_TIMEOUT='1.5': expected an int"),
    ([], {"COURSE_TF_THREADS": "0"},
     r"COURSE_TF_THREADS='0': CourseSettings.tf_threads must be a number above 0, not 0"),
    ([], {"COURSE_MAX_NOTEBOOK_MB": "nan"}, r"max_notebook_mb must be a number above 0"),
])
def test_an_invalid_setting_is_a_one_line_error_naming_its_source(tmp_path, lines, environ,
                                                                  expected):
    root = write_config(tmp_path, *lines)
    with pytest.raises(CourseError, match=expected) as caught:
        load_settings(root, environ)
    assert "\n" not in str(caught.value)


def test_a_command_stops_on_an_invalid_variable(tmp_path, monkeypatch):
    root = make_course(tmp_path / "course")
    monkeypatch.setenv("COURSE_MAX_SUBMISSION_MB", "-1")
    with pytest.raises(CourseError, match="COURSE_MAX_SUBMISSION_MB='-1'"):
        autograde.find_jobs([CH], root)


@pytest.fixture
def renamed_course(tmp_path: Path) -> Path:
    """A course whose folders are not nbgrader's defaults, with one submission (alice)."""
    root = make_course(tmp_path / "course")
    with (root / "nbgrader_config.py").open("a") as config:
        config.write('\nc.CourseDirectory.course_id = "other-course"\n'
                     'c.CourseDirectory.submitted_directory = "handed_in"\n'
                     'c.CourseDirectory.autograded_directory = "graded"\n'
                     'c.CourseDirectory.feedback_directory = "returned"\n')
    folder = root / "handed_in" / "alice" / CH
    folder.mkdir(parents=True)
    nbformat.write(tiny_notebook(), str(folder / f"{CH}.ipynb"))
    return root


def test_folder_names_come_from_course_directory(renamed_course):
    settings = load_settings(renamed_course, NO_ENV)
    assert settings.course_id == "other-course"
    assert [settings.folder(name).name for name in ("submitted", "autograded", "feedback")] \
        == ["handed_in", "graded", "returned"]
    with pytest.raises(ValueError, match="no course folder 'gradebook'"):
        settings.folder("gradebook")


def test_autograde_finds_submissions_in_the_configured_folder(renamed_course):
    assert autograde.find_jobs([CH], renamed_course) == [
        autograde.Job(CH, "alice", renamed_course / "handed_in" / "alice" / CH)]


def test_collect_places_a_zip_in_the_configured_folder(renamed_course, tmp_path):
    download = tmp_path / "canvas.zip"
    with zipfile.ZipFile(download, "w") as archive:
        archive.writestr(f"lovelaceada_1001_5001_{CH}.ipynb", nbformat.writes(tiny_notebook()))
    placed, skipped = collect.collect_zip(download, renamed_course)
    assert skipped == [] and [p.student for p in placed] == ["lovelaceada"]
    assert (renamed_course / "handed_in" / "lovelaceada" / CH / f"{CH}.ipynb").is_file()
    assert not (renamed_course / "submitted").exists()


def test_collect_refuses_a_notebook_over_the_configured_size(renamed_course, tmp_path,
                                                              monkeypatch):
    monkeypatch.setenv("COURSE_MAX_NOTEBOOK_MB", "0.001")
    download = tmp_path / "canvas.zip"
    with zipfile.ZipFile(download, "w") as archive:
        archive.writestr(f"lovelaceada_1001_5001_{CH}.ipynb", nbformat.writes(tiny_notebook()))
    placed, [skipped] = collect.collect_zip(download, renamed_course)
    assert placed == [] and skipped.reason == "larger than 0.001 MB"


def test_feedback_pages_go_to_the_configured_folder(renamed_course):
    assert feedback._page_path("alice", CH, renamed_course) == \
        renamed_course / "returned" / "alice" / CH / f"{CH}.html"


def test_the_gradebook_uses_the_configured_course_id(renamed_course, monkeypatch):
    opened = []

    class Gradebook:
        def __init__(self, db_url, course_id):
            opened.append(course_id)

        def close(self):
            pass

    monkeypatch.setattr(gradebook.api, "Gradebook", Gradebook)
    with gradebook.open_gradebook(renamed_course), gradebook.long_session(renamed_course):
        pass
    assert opened == ["other-course", "other-course"]


def test_the_grading_environment_holds_the_values_of_the_settings(tmp_path):
    root = write_config(tmp_path, "c.CourseSettings.cell_timeout = 60",
                        "c.CourseSettings.exchange = '/srv/exchange'")
    values = environment.grading_settings(load_settings(root, NO_ENV))
    assert values["COURSE_CELL_TIMEOUT"] == "60", "a value from the file counts, not only "\
                                                  "variables"
    assert values["COURSE_TF_THREADS"] == "1"
    assert "COURSE_EXCHANGE" not in values, "where the exchange is changes no grade"


def test_threads_reach_a_child_environment_without_touching_this_one(monkeypatch):
    monkeypatch.setenv(THREADS_ENV, "8")
    assert with_threads({"A": "1"}, 2) == {"A": "1", THREADS_ENV: "2", "OMP_NUM_THREADS": "2"}
    assert THREADS_ENV not in kernel_environment(None), "None: TensorFlow picks its threads"
    assert kernel_environment(3)[THREADS_ENV] == "3"
    assert os.environ[THREADS_ENV] == "8"


def test_a_cluster_worker_takes_the_settings_of_the_bundle_and_compares_them(tmp_path,
                                                                             monkeypatch):
    root = make_course(tmp_path / "course")
    set_in_block(root, "c.CourseSettings.cell_timeout = 60")
    bundle = cluster_task.chapter_bundle(CH, root, environment.current(root), 900)
    assert bundle["environment"]["settings"]["COURSE_CELL_TIMEOUT"] == "60"
    monkeypatch.setenv("COURSE_CELL_TIMEOUT", "7")
    submission = {"chapter": CH, "student": "alice", "folder": {"files": {}, "links": {}}}
    with pytest.raises(cluster_task.EnvironmentMismatch,
                       match="COURSE_CELL_TIMEOUT=7 here, 60 on the instructor's machine"):
        cluster_task.grade_submission(bundle, submission)


def test_a_notebook_runs_with_the_threads_asked_for_in_its_own_environment(tmp_path,
                                                                           monkeypatch):
    monkeypatch.setenv(THREADS_ENV, "8")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        f"import os; print(os.environ.get({THREADS_ENV!r}))")])
    nbformat.write(nb, str(tmp_path / "threads.ipynb"))
    run = execute_notebook(tmp_path / "threads.ipynb", timeout=60, threads=3)
    assert run.errors == [] and run.notebook.cells[0].outputs[0].text.strip() == "3"
    assert os.environ[THREADS_ENV] == "8"
