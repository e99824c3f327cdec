"""The code base passes its linter (ruff, configured in pyproject.toml)."""

import subprocess
import sys

from course.chapters import ROOT


def test_ruff_finds_nothing():
    command = [sys.executable, "-m", "ruff", "check", "course", "utils", "tests", "tools"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
