"""Quality bars of every chapter (SPEC.md): the source executes, the reference submission
earns full automatic marks and the untouched release zero (through the real demo), every
graded name has a mutant and every mutant loses its points, and release/ is in sync."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from course import notebooks as nbs
from course.authoring import validate
from course.authoring.mutants import INSTRUCTOR_FILES, load_mutants, run_mutant_sweep
from course.authoring.release import check as release_check
from course.chapters import CHAPTERS, ROOT, available_chapters, source_notebook
from course.grading import gradebook, outcomes
from tests.helpers import course_cli

CHAPTER_LIST = available_chapters()


@pytest.mark.parametrize("chapter", CHAPTER_LIST)
def test_source_metadata_follows_the_conventions(chapter):
    validate.check_metadata(chapter)


@pytest.mark.parametrize("chapter", CHAPTER_LIST)
def test_setup_cell_seeds_and_summarises_the_device(chapter):
    setup = next(c for c in nbs.read(source_notebook(chapter)).cells if c.cell_type == "code")
    assert "utils.set_seed(" in setup.source and "utils.device_summary()" in setup.source


@pytest.mark.parametrize("chapter", CHAPTER_LIST)
def test_graded_names_have_a_mutant_each(chapter):
    names = set(nbs.graded_names(nbs.read(source_notebook(chapter))))
    mutated = {m.name for m in load_mutants(chapter)}
    assert names - mutated == set(), f"graded names without a mutant: {names - mutated}"
    assert mutated - names == set(), f"mutants of unknown names: {mutated - names}"


@pytest.mark.parametrize("chapter", CHAPTER_LIST)
def test_graded_names_have_a_variant_each(chapter):
    names = set(nbs.graded_names(nbs.read(source_notebook(chapter))))
    varied = {v.name for v in load_mutants(chapter, kind="variants")}
    assert names - varied == set(), f"graded names without a variant: {names - varied}"
    assert varied - names == set(), f"variants of unknown names: {varied - names}"


@pytest.mark.parametrize("chapter", CHAPTER_LIST)
def test_release_holds_no_mutants_or_variants(chapter):
    released = {p.name for p in (ROOT / "release" / chapter).rglob("*")}
    assert released & set(INSTRUCTOR_FILES) == set()


def test_chapters_are_known_and_in_order():
    assert CHAPTER_LIST == [c for c in CHAPTERS if c in CHAPTER_LIST]
    assert "01_ann_basics" in CHAPTER_LIST and "02_backprop" in CHAPTER_LIST


@pytest.mark.slow
def test_release_is_in_sync_with_source():
    assert release_check(CHAPTER_LIST) == []


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTER_LIST)
def test_every_mutant_loses_and_every_variant_keeps_its_points(chapter):
    result = run_mutant_sweep(chapter)
    assert result.reference_errors == [], "the unmutated notebook has errors"
    assert result.broken == {}, "mutants whose own answer cell fails to run"
    survivors = [f"{m.name}: {m.description}" for m in result.survivors]
    assert survivors == [], "mutants that still pass their test"
    assert len(result.killed) == len(load_mutants(chapter))
    assert result.rejected == {}, "variants (right answers) that lost points"
    assert result.variants == len(load_mutants(chapter, kind="variants"))


@pytest.fixture(scope="session")
def demo_course(tmp_path_factory) -> tuple[Path, str]:
    """``python -m course demo`` run on a copy of this course (the repository is untouched);
    ``source/`` brings each chapter's mutants along."""
    root = tmp_path_factory.mktemp("demo") / "course"
    root.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", root)
    shutil.copytree(ROOT / "source", root / "source")
    result = course_cli(root, "demo", "--workers", "2", timeout=3600)
    assert result.returncode == 0, result.stderr[-2000:]
    return root, result.stdout


def _auto_points(root: Path) -> dict[tuple[str, str], tuple[float, float]]:
    totals: dict[tuple[str, str], tuple[float, float]] = {}
    for s in gradebook.scores(root):
        if s.automatic:
            score, top = totals.get((s.student, s.chapter), (0.0, 0.0))
            totals[(s.student, s.chapter)] = (score + s.score, top + s.max_score)
    return totals


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTER_LIST)
def test_demo_reference_full_blank_zero_mistakes_between(demo_course, chapter):
    points = _auto_points(demo_course[0])
    score, top = points[("reference", chapter)]
    assert top > 0 and score == top, f"reference earned {score} of {top}"
    assert points[("blank", chapter)][0] == 0.0
    assert 0.0 < points[("mistakes", chapter)][0] < top
    for student in ("reference", "blank", "mistakes"):  # the grader raised no false alarm
        outcome = outcomes.load(chapter, student, demo_course[0])
        assert outcome.notes == [] and outcome.flags == [], (student, outcome.notes, outcome.flags)


@pytest.mark.slow
def test_demo_prints_the_score_table_and_writes_reports(demo_course):
    root, stdout = demo_course
    assert "Demo: automatic points by student and chapter" in stdout
    for student in ("reference", "blank", "mistakes"):
        assert student in stdout
    assert (root / "reports" / "grades.csv").exists()
    assert (root / "reports" / "report.html").exists()
    for chapter in CHAPTER_LIST:
        assert (root / "feedback" / "reference" / chapter / f"{chapter}.html").exists()
