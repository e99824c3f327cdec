"""Helpers shared by every chapter notebook of the course.

Modules, by purpose:

- ``utils.runtime``  -- ``set_seed`` and ``device_summary`` for each notebook's setup cell;
- ``utils.datasets`` -- offline, deterministic data loaders and generators;
- ``utils.plots``    -- the figures the lessons draw (curves, boundaries, functions);
- ``utils.checks``   -- assertions for test cells, with messages written for students;
- ``utils.training`` -- small Keras training helpers (quiet ``fit``, accuracy).
"""

from utils import checks, datasets, plots, training
from utils.runtime import device_summary, set_seed

__all__ = ["checks", "datasets", "plots", "training", "device_summary", "set_seed"]
