"""The ``python -m course`` command line (``main``) and the commands that only orchestrate
others: ``demo`` (the whole pipeline on generated submissions) and ``bench`` (timings)."""
