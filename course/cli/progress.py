"""Progress bars for long runs (tqdm), quiet when output is not a terminal."""

from __future__ import annotations

import sys

from tqdm.auto import tqdm


def progress(total: int, description: str):
    """A tqdm bar over ``total`` steps; use as a context manager and call ``update(1)``."""
    return tqdm(total=total, desc=description, unit="nb", file=sys.stderr, leave=False,
                disable=None, dynamic_ncols=True)
