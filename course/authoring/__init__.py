"""What an instructor runs while writing a chapter: ``validate`` (structure and a full run),
``release`` (the student version, via ``nbgrader generate_assignment``), ``mutants`` (every
hidden test fails for a wrong answer and passes for a right one in another idiom) and
``execute`` (run a notebook in a fresh kernel, timed)."""
