"""nbgrader preprocessor that keeps hidden tests out of the feedback students receive.

Autograded notebooks hold the hidden tests (nbgrader restores them before grading). Before
feedback is rendered this removes the hidden regions from test cells and shortens the error
output of every graded test cell to its last line (``AssertionError: message``), because a
Python traceback quotes the lines of the test that failed.
"""

from __future__ import annotations

from nbgrader.preprocessors import ClearHiddenTests
from nbgrader.utils import is_grade


class HideHiddenTests(ClearHiddenTests):
    """Clear hidden-test regions and replace tracebacks of graded cells by their summary."""

    def preprocess_cell(self, cell, resources, index):
        cell, resources = super().preprocess_cell(cell, resources, index)
        if cell.cell_type == "code" and is_grade(cell):
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources
