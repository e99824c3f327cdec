"""``course demo``: the whole pipeline on three demo students.

- ``reference`` hands in the solutions (expects full automatic marks),
- ``blank`` hands in the release untouched (expects zero),
- ``mistakes`` hands in the solutions with plausible errors: the first mutant of every
  other graded name (``source/<chapter>/mutants.py``), so it lands in between. A chapter
  without that file stops the demo (``CourseError`` naming the path): handing in the
  solutions instead would pass for a grader that cannot tell right from wrong.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from nbformat import NotebookNode

from course import notebooks as nbs
from course.authoring.mutants import Mutant, apply_mutants, load_mutants
from course.chapters import ROOT, release_notebook, source_notebook
from course.settings import load_settings

DEMO_STUDENTS = ("reference", "blank", "mistakes")


def mistakes_for(nb: NotebookNode, mutants: list[Mutant]) -> list[Mutant]:
    """The first mutant of every other graded name, in notebook order."""
    first = {}
    for mutant in mutants:
        first.setdefault(mutant.name, mutant)
    names = [name for name in nbs.graded_names(nb) if name in first]
    return [first[name] for name in names[::2]]


def demo_notebooks(chapter: str, root: Path = ROOT) -> dict[str, NotebookNode]:
    """The notebook each demo student hands in for ``chapter``."""
    release = nbs.read(release_notebook(chapter, root))
    reference = nbs.fill_answers(release, nbs.read(source_notebook(chapter, root)))
    mistakes = apply_mutants(reference, mistakes_for(reference, load_mutants(chapter, root)))
    return {"reference": reference, "blank": release, "mistakes": mistakes}


def build_submissions(chapters: list[str], root: Path = ROOT) -> None:
    """Write ``submitted/<demo student>/<chapter>/`` for every chapter: the release folder's
    files, with the student's notebook."""
    settings = load_settings(root)
    for chapter in chapters:
        for student, nb in demo_notebooks(chapter, root).items():
            folder = settings.folder("submitted") / student / chapter
            if folder.exists():
                shutil.rmtree(folder)
            shutil.copytree(settings.folder("release") / chapter, folder)
            nbs.write(nb, folder / f"{chapter}.ipynb")
