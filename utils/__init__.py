"""Helpers shared by every chapter notebook of the course.

Modules, by purpose:

- ``utils.runtime``  -- ``set_seed`` and ``device_summary`` for each notebook's setup cell;
- ``utils.datasets`` -- offline, deterministic data loaders and generators;
- ``utils.plots``    -- the figures the lessons draw (curves, boundaries, functions);
- ``utils.checks``   -- assertions for test cells, with messages written for students;
- ``utils.training`` -- small Keras training helpers (quiet ``fit``, accuracy).
"""

import importlib

from utils.runtime import device_summary, set_seed

__all__ = ["checks", "datasets", "plots", "training", "device_summary", "set_seed"]
_SUBMODULES = ("checks", "datasets", "plots", "training")


def __getattr__(name: str):
    """Import a submodule on first use, so ``from utils import checks`` does not load Keras."""
    if name in _SUBMODULES:
        return importlib.import_module(f"utils.{name}")
    raise AttributeError(f"module 'utils' has no attribute {name!r}")
