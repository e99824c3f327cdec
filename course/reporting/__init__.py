"""What students and instructors read after grading: ``feedback`` (HTML feedback pages,
hidden tests withheld; ``feedback_filters`` is the nbgrader preprocessor that strips them)
and ``report`` (the instructor's report: scores, notes, flags, withheld pages)."""
