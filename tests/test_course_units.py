"""course.notebooks, course.authoring.validate (metadata), course.authoring.mutants and
course.cli.demo, without
executing notebooks."""

import shutil
import subprocess
import sys

import nbformat
import pytest
from nbgrader.utils import find_all_files
from traitlets.config import PyFileConfigLoader

from course import notebooks as nbs
from course.authoring import mutants, release, validate
from course.chapters import CourseError, resolve_chapters
from course.cli import demo
from tests.helpers import (
    TINY_CHAPTER,
    build_submissions,
    course_cli,
    make_course,
    nbgrader_cell,
    tiny_notebook,
)


def test_graded_names_and_solution_code():
    nb = tiny_notebook()
    assert nbs.graded_names(nb) == {"double": 2, "ANSWER": 4}
    assert "BEGIN SOLUTION" not in nbs.solution_code(nb.cells[2].source)
    source = "%matplotlib inline\ndef f():\n    pass\nMC = 1\n_y = 2"
    assert nbs.defined_names(source) == ["f", "MC"]


def test_tiny_notebook_has_no_metadata_problems():
    assert validate.metadata_problems(tiny_notebook()) == []


@pytest.mark.parametrize("breakage, expected", [
    (lambda nb: nb.cells[5].metadata["nbgrader"].update(grade_id="test_double"),
     "grade id 'test_double' is used by 2 cells"),
    (lambda nb: nb.cells[3].metadata["nbgrader"].update(grade_id=""), "no grade id"),
    (lambda nb: nb.cells[3].metadata["nbgrader"].update(grade_id="test_other"),
     "graded name 'double' has no test cell 'test_double'"),
    (lambda nb: nb.cells[3].metadata["nbgrader"].update(points=0), "has no points"),
    (lambda nb: nb.cells[1].metadata["nbgrader"].update(locked=False), "locked setup cell"),
    (lambda nb: nb.cells[1].outputs.append(nbformat.v4.new_output("stream", text="x")),
     "stored outputs"),
    (lambda nb: setattr(nb.cells[3], "source", nb.cells[3].source.replace(
        "### END HIDDEN TESTS", "")), "unbalanced hidden-test delimiters"),
])
def test_metadata_problems_are_reported(breakage, expected):
    nb = tiny_notebook()
    breakage(nb)
    assert any(expected in problem for problem in validate.metadata_problems(nb))


def test_check_metadata_raises_one_line_error(tmp_path):
    nb = tiny_notebook([nbgrader_cell("test", "pass", "test_double", 1)])
    root = make_course(tmp_path / "c", nb)
    with pytest.raises(CourseError, match="grade id 'test_double' is used by 2 cells"):
        validate.check_metadata("01_ann_basics", root)


def test_resolve_chapters_by_name_or_number(tmp_path):
    root = make_course(tmp_path / "c")
    assert resolve_chapters(["1"], root) == ["01_ann_basics"]
    assert resolve_chapters(None, root) == ["01_ann_basics"]
    with pytest.raises(CourseError, match="unknown chapter '07_rnn'"):
        resolve_chapters(["07_rnn"], root)


def test_fill_answers_uses_solutions_without_delimiters():
    source = tiny_notebook()
    release = tiny_notebook()
    release.cells[2].source = "def double(x):\n    raise NotImplementedError()"
    filled = nbs.fill_answers(release, source)
    assert "return 2 * x" in filled.cells[2].source
    assert "BEGIN SOLUTION" not in filled.cells[2].source
    assert filled.cells[6].source == "Because doubling is linear."


def test_mutant_must_find_its_text():
    nb = tiny_notebook()
    good = mutants.Mutant("double", "triples", "2 * x", "3 * x")
    assert "3 * x" in mutants.apply_mutants(nb, [good]).cells[2].source
    assert "2 * x" in nb.cells[2].source  # the input is left unchanged
    with pytest.raises(CourseError, match="not found"):
        mutants.apply_mutants(nb, [mutants.Mutant("double", "stale", "4 * x", "5 * x")])
    with pytest.raises(CourseError, match="no answer cell defines"):
        mutants.apply_mutants(nb, [mutants.Mutant("triple", "unknown", "x", "y")])


def test_sweep_notebook_layout():
    nb = tiny_notebook()
    sweep = mutants.build_sweep(nb, [mutants.Mutant("double", "triples", "2 * x", "3 * x")])
    tags = [c.metadata.get("sweep") for c in sweep.cells[len(nb.cells):]]
    assert tags == ["mutant-0-answer", "mutant-0-test", "mutant-0-restore"]
    assert "double(21.5)" in sweep.cells[-2].source  # hidden tests are part of the sweep


def test_mistakes_mutate_every_other_graded_name():
    nb = tiny_notebook()
    chosen = demo.mistakes_for(nb, [mutants.Mutant("double", "a", "2 * x", "3 * x"),
                                    mutants.Mutant("double", "b", "2 * x", "x"),
                                    mutants.Mutant("ANSWER", "c", "{'b'}", "{'a'}")])
    assert [m.description for m in chosen] == ["a"]


TRIPLES = ('from course.authoring.mutants import Mutant\n\n'
           'MUTANTS = [Mutant("double", "triples", "2 * x", "3 * x")]\n')
LOOPS = ('from course.authoring.mutants import Mutant\n\n'
         'VARIANTS = [Mutant("double", "adds", "2 * x", "x + x")]\n')


def _course_with_instructor_files(tmp_path):
    root = make_course(tmp_path / "c")
    folder = root / "source" / "01_ann_basics"
    (folder / "mutants.py").write_text(TRIPLES)
    (folder / "variants.py").write_text(LOOPS)
    (folder / "points.csv").write_text("x,y\n1,2\n")  # a data file students do get
    return root, folder


def test_mutants_and_variants_load_from_the_chapter_source_folder(tmp_path):
    root, folder = _course_with_instructor_files(tmp_path)
    assert mutants.mutants_file("01_ann_basics", root) == folder / "mutants.py"
    assert [m.replace for m in mutants.load_mutants("01_ann_basics", root)] == ["3 * x"]
    assert [v.replace for v in mutants.load_mutants("01_ann_basics", root, "variants")] \
        == ["x + x"]


@pytest.mark.parametrize("kind", mutants.KINDS)
def test_a_chapter_without_mutants_or_variants_is_an_error_naming_the_file(tmp_path, kind):
    root, folder = _course_with_instructor_files(tmp_path)
    (folder / f"{kind}.py").unlink()
    with pytest.raises(CourseError, match=f"expected {folder / kind}.py"):
        mutants.load_mutants("01_ann_basics", root, kind)


def test_the_demo_stops_rather_than_hand_in_solutions_as_mistakes(tmp_path):
    root, folder = _course_with_instructor_files(tmp_path)
    (root / "release" / "01_ann_basics").mkdir(parents=True)
    shutil.copy(folder / "01_ann_basics.ipynb", root / "release" / "01_ann_basics")
    mistakes = demo.demo_notebooks("01_ann_basics", root)["mistakes"]
    assert "3 * x" in mistakes.cells[2].source
    (folder / "mutants.py").unlink()
    with pytest.raises(CourseError, match="mutants.py"):
        demo.demo_notebooks("01_ann_basics", root)


def test_mutants_and_variants_reach_neither_release_nor_the_graded_folder(tmp_path):
    root, folder = _course_with_instructor_files(tmp_path)
    release.release(["01_ann_basics"], root)
    released = root / "release" / "01_ann_basics"
    assert sorted(p.name for p in released.iterdir()) == ["01_ann_basics.ipynb", "points.csv"]
    # nbgrader autograde copies these source files over the submission before grading
    ignore = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config() \
        .CourseDirectory.ignore
    copied = find_all_files(str(folder), [*ignore, "*.ipynb"])
    assert sorted(p.rsplit("/", 1)[1] for p in copied) == ["points.csv"]
    assert set(mutants.INSTRUCTOR_FILES) <= set(ignore)



def _alice_submission(tmp_path):
    """A course with one submission (alice, 01_ann_basics): ``(root, its autograde Job)``."""
    from course.grading import autograde

    root = make_course(tmp_path / "course")
    folder = root / "submitted" / "alice" / "01_ann_basics"
    folder.mkdir(parents=True)
    nbformat.write(tiny_notebook(), str(folder / "01_ann_basics.ipynb"))
    return root, autograde.Job("01_ann_basics", "alice", folder)


def test_a_grader_crash_is_retried_once_before_the_submission_scores_zero(tmp_path,
                                                                         monkeypatch):
    from course.grading import autograde

    root, job = _alice_submission(tmp_path)
    attempts = []

    def crashing_worker(job, root, timeout, server=None):
        attempts.append(job.student)
        return "failed", f"{autograde.GRADER_CRASHED}: RuntimeError: Kernel didn't respond"

    monkeypatch.setattr(autograde, "_run_worker", crashing_worker)
    monkeypatch.setattr(autograde.gradebook, "record_ungradable", lambda *args: None)
    outcome = autograde._grade(job, root, 60)
    assert attempts == ["alice", "alice"]
    assert outcome.status == "failed" and "Kernel didn't respond" in outcome.reason


def test_a_rerun_grades_again_what_the_grader_crashed_on_but_not_what_it_graded(tmp_path,
                                                                                 monkeypatch):
    from course.grading import autograde

    root, job = _alice_submission(tmp_path)
    monkeypatch.setattr(autograde.gradebook, "record_ungradable", lambda *args: None)
    monkeypatch.setattr(autograde, "_run_worker", lambda *args, **kwargs: (
        "failed", f"{autograde.GRADER_CRASHED}: RuntimeError: Kernel didn't respond"))
    autograde.outcomes.save(autograde._grade(job, root, 60), root)
    assert not autograde._already_graded(job, root), "a grader crash is graded again"

    monkeypatch.setattr(autograde, "_run_worker", lambda *args, **kwargs: (
        "timeout", "grading was stopped after 60 s"))
    autograde.outcomes.save(autograde._grade(job, root, 60), root)
    assert autograde._already_graded(job, root), "the submission's own timeout stands"


def test_a_worker_stops_on_an_error_in_the_course_configuration(tiny_course):
    """Rather than grade a submission without the file's configuration (stock nbgrader: no
    sandbox, no judge)."""
    assert course_cli(tiny_course, "release", TINY_CHAPTER).returncode == 0
    build_submissions(tiny_course)
    config = tiny_course / "nbgrader_config.py"
    config.write_text(config.read_text() + "\nraise RuntimeError('broken course configuration')\n")
    result = subprocess.run([sys.executable, "-m", "course.grading.worker", str(tiny_course),
                             "autograde", TINY_CHAPTER, "--student", "reference"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert "broken course configuration" in result.stdout + result.stderr
    assert not (tiny_course / "autograded" / "reference").exists()
