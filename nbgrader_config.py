"""nbgrader configuration: the repository root is the course directory."""

import os

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

ROOT = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "deep-learning"
c.CourseDirectory.root = ROOT
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(ROOT, "gradebook.db")
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints", "*.pyc", "__pycache__", ".DS_Store", "*.egg-info", "*.log",
]

# nbgrader's exchange (release_assignment, collect, release_feedback) on a shared machine or
# JupyterHub: a folder every student can write to, named by COURSE_EXCHANGE. Unset, the
# course uses no exchange (submissions come as folders or an LMS zip: `course collect`).
if os.environ.get("COURSE_EXCHANGE"):
    c.Exchange.root = os.path.abspath(os.environ["COURSE_EXCHANGE"])

# Student stubs.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Execution. The heaviest training cell takes well under 30 s on a 2-core CPU; 120 s leaves
# room for a slow laptop yet stops an infinite loop in a couple of minutes.
c.Execute.timeout = int(os.environ.get("COURSE_CELL_TIMEOUT", "120"))
c.Execute.interrupt_on_timeout = True
c.Execute.startup_timeout = 120

# TensorFlow and Python warnings go to stderr, and nbgrader gives zero points to a graded
# cell with stderr output. Drop stderr outputs made only of such warnings. Errors raised by
# a test are error outputs, not stderr, so this cannot turn a failing test into a pass.
from course.nbgrader_cli import STDERR_WARNINGS  # noqa: E402

c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = os.environ.get("COURSE_STDERR_IGNORE", STDERR_WARNINGS)

c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100

# Autograde: untrusted submissions. The notebook is first rebuilt on the released structure
# (deleted, edited, moved or duplicated cells repaired, code scanned), then run by two
# kernels: the student's, sandboxed (bubblewrap, else Landlock) with memory/disk/output
# limits enforced from outside, runs the answers; a judge kernel that never runs student
# code runs the tests and calls the student's functions by value. See course/judged_execute.py.
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties, CheckCellMetadata, ClearOutput, DeduplicateIds, IgnorePattern,
    LimitOutput, OverwriteCells, OverwriteKernelspec, SaveAutoGrades,
)

from course.judged_execute import JudgedExecute  # noqa: E402
from course.structure import RestoreStructure  # noqa: E402

c.Autograde.sanitize_preprocessors = [
    ClearOutput, RestoreStructure, DeduplicateIds, OverwriteKernelspec, OverwriteCells,
    CheckCellMetadata,
]
c.Autograde.autograde_preprocessors = [
    JudgedExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
    AssignLatePenalties, CheckCellMetadata,
]
c.JudgedExecute.memory_limit_mb = int(os.environ.get("COURSE_MEMORY_LIMIT_MB", "4096"))
c.JudgedExecute.output_limit_kb = int(os.environ.get("COURSE_OUTPUT_LIMIT_KB", "256"))
c.JudgedExecute.file_size_limit_mb = int(os.environ.get("COURSE_FILE_SIZE_LIMIT_MB", "256"))
c.JudgedExecute.disk_limit_mb = int(os.environ.get("COURSE_DISK_LIMIT_MB", "1024"))

# Feedback: hidden tests and the tracebacks that quote them are removed before rendering.
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import GetGrades  # noqa: E402

from course.feedback_filters import HideHiddenTests  # noqa: E402

c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]
