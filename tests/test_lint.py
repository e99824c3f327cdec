"""The code base passes its linter (ruff, configured in pyproject.toml), and the README's
module map names every module."""

import subprocess
import sys

from course.chapters import ROOT


def test_ruff_finds_nothing():
    instructor_files = sorted(str(p.relative_to(ROOT)) for kind in ("mutants", "variants")
                              for p in ROOT.glob(f"source/*/{kind}.py"))
    command = [sys.executable, "-m", "ruff", "check", "course", "utils", "tests", "tools",
               *instructor_files]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]


def test_readme_architecture_names_every_module_of_the_course_package():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Architecture", 1)[1].split("\n## ", 1)[0]
    modules = sorted(p.stem for p in (ROOT / "course").rglob("*.py")
                     if p.stem not in ("__init__", "__main__"))
    assert modules and [m for m in modules if f"`{m}`" not in section] == []
    for part in ("cli", "authoring", "grading", "reporting"):
        assert f"`course/{part}`" in section
