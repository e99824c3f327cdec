"""The code base passes its linter (ruff, configured in pyproject.toml)."""

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
