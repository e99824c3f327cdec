"""Shared fixtures. What the tests build from code (cells, the tiny chapter, courses, the
command line) is in ``tests/helpers.py``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import make_course


@pytest.fixture
def tiny_course(tmp_path: Path) -> Path:
    """A throw-away course holding the tiny chapter (source only, not released)."""
    return make_course(tmp_path / "course")
