"""``reports/report.html`` is rendered from a template with autoescaping: text a submission
controls (student ids, reasons, notes, flags) reaches the page as text, never as markup."""

from __future__ import annotations

import pandas as pd

from course.grading import outcomes
from course.reporting import feedback, report
from tests.helpers import TINY_CHAPTER as CH
from tests.helpers import make_course

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_a_script_in_a_student_id_or_note_is_escaped(tmp_path):
    root = make_course(tmp_path / "course")
    student = "eve<script>"  # a folder name holds no slash
    outcomes.save(outcomes.Outcome(student, CH, "failed", f"reason {SCRIPT}", 0.1, "x",
                                   notes=[f"note {SCRIPT}", "second note"],
                                   flags=[f"flag {SCRIPT}"]), root)
    feedback.save_withheld([CH], [feedback.Withheld(student, CH, f"why {SCRIPT}")], root)
    frame = pd.DataFrame([{"student": SCRIPT, "chapter": CH, "cell": f"test {SCRIPT}",
                           "score": 1.0, "max_score": 2.0, "automatic": True,
                           "awaiting_manual": False}])
    page = report.write_html(frame, root).read_text()
    assert "<script" not in page
    assert page.count(ESCAPED) == 6  # automatic and total tables, reason, note, flag, withheld
    assert page.count("eve&lt;script&gt;") == 2  # the remark's and the withheld page's student
    assert f"note {ESCAPED}<br>second note" in page  # notes one a line


def test_the_tables_keep_their_layout_and_empty_sections_say_so(tmp_path):
    root = make_course(tmp_path / "course")
    frame = pd.DataFrame([{"student": "ada", "chapter": CH, "cell": "open", "score": 0.0,
                           "max_score": 1.0, "automatic": False, "awaiting_manual": True}])
    page = report.write_html(frame, root).read_text()
    assert "<p>No automatically graded cells.</p>" in page
    manual = page.split("<h2>Manually graded points by student and chapter</h2>")[1]
    assert manual.lstrip().startswith('<table border="1" class="dataframe">')
    assert f"<th>{CH}</th>" in manual and "<th>ada</th>" in manual
    assert "<td>0 / 1 (1 awaiting manual grading)</td>" in manual
    assert "Feedback withheld" not in page and "grading remark" not in page
