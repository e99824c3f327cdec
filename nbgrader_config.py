"""nbgrader configuration: the repository root is the course directory."""

import os

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

ROOT = os.path.dirname(os.path.abspath(__file__))

# The course id and folders: the `course` commands read them from here too (course/settings.py).
c.CourseDirectory.course_id = "deep-learning"
c.CourseDirectory.root = ROOT
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(ROOT, "gradebook.db")
# Files of source/<chapter>/ that nbgrader copies neither into release/ nor into the folder a
# submission is graded in. mutants.py and variants.py are the instructor's wrong and right
# answers (course/authoring/mutants.py): never the students'.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints", "*.pyc", "__pycache__", ".DS_Store", "*.egg-info", "*.log",
    "mutants.py", "variants.py",
]

# The course's settings (course/settings.py says what each one means and its unit), with
# their defaults: uncomment a line here to change it (not below from_config(c), which reads
# them). Each is overridden by its COURSE_* environment variable when that is set (README,
# "Settings"): default < this file < variable.
# c.CourseSettings.cell_timeout = 120          # s a cell may run (COURSE_CELL_TIMEOUT)
# c.CourseSettings.submission_timeout = 900.0  # s a submission may take (COURSE_SUBMISSION_TIMEOUT)
# c.CourseSettings.max_notebook_mb = 50.0      # MB, handed-in notebook (COURSE_MAX_NOTEBOOK_MB)
# c.CourseSettings.max_submission_mb = 200.0   # MB, submission folder (COURSE_MAX_SUBMISSION_MB)
# c.CourseSettings.memory_limit_mb = 4096      # MB, student's kernel (COURSE_MEMORY_LIMIT_MB)
# c.CourseSettings.output_limit_kb = 256       # KB kept per cell (COURSE_OUTPUT_LIMIT_KB)
# c.CourseSettings.file_size_limit_mb = 256    # MB, one written file (COURSE_FILE_SIZE_LIMIT_MB)
# c.CourseSettings.disk_limit_mb = 1024        # MB, files left behind (COURSE_DISK_LIMIT_MB)
# c.CourseSettings.tf_threads = 1              # threads per grading kernel (COURSE_TF_THREADS)
# c.CourseSettings.stderr_ignore = STDERR_WARNINGS  # regex (COURSE_STDERR_IGNORE)
# c.CourseSettings.exchange = ""               # exchange folder, "" none (COURSE_EXCHANGE)
from course.settings import from_config  # noqa: E402

settings = from_config(c)

# nbgrader's exchange (release_assignment, collect, release_feedback) on a shared machine or
# JupyterHub: a folder every student can write to (the exchange setting). Unset, the course
# uses no exchange (submissions come as folders or an LMS zip: `course collect`).
if settings.exchange:
    c.Exchange.root = os.path.abspath(settings.exchange)

# Student stubs.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Execution. The heaviest training cell takes well under 30 s on a 2-core CPU; 120 s leaves
# room for a slow laptop yet stops an infinite loop in a couple of minutes.
c.Execute.timeout = settings.cell_timeout
c.Execute.interrupt_on_timeout = True
c.Execute.startup_timeout = 120

# TensorFlow and Python warnings go to stderr, and nbgrader gives zero points to a graded
# cell with stderr output. Drop stderr outputs made only of such warnings. Errors raised by
# a test are error outputs, not stderr, so this cannot turn a failing test into a pass.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = settings.stderr_ignore

c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100

# Autograde: untrusted submissions. The notebook is first rebuilt on the released structure
# (deleted, edited, moved or duplicated cells repaired, code scanned), then run by two
# kernels: the student's, sandboxed (bubblewrap, else Landlock) with memory/disk/output
# limits enforced from outside, runs the answers; a judge kernel that never runs student
# code runs the tests and calls the student's functions by value. See course/grading/judged_execute.py.
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties, CheckCellMetadata, ClearOutput, DeduplicateIds, IgnorePattern,
    LimitOutput, OverwriteCells, OverwriteKernelspec, SaveAutoGrades,
)

from course.grading.judged_execute import JudgedExecute  # noqa: E402
from course.grading.structure import RestoreStructure  # noqa: E402

c.Autograde.sanitize_preprocessors = [
    ClearOutput, RestoreStructure, DeduplicateIds, OverwriteKernelspec, OverwriteCells,
    CheckCellMetadata,
]
c.Autograde.autograde_preprocessors = [
    JudgedExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
    AssignLatePenalties, CheckCellMetadata,
]
c.JudgedExecute.memory_limit_mb = settings.memory_limit_mb
c.JudgedExecute.output_limit_kb = settings.output_limit_kb
c.JudgedExecute.file_size_limit_mb = settings.file_size_limit_mb
c.JudgedExecute.disk_limit_mb = settings.disk_limit_mb

# Feedback: hidden tests and the tracebacks that quote them are removed before rendering.
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import GetGrades  # noqa: E402

from course.reporting.feedback_filters import HideHiddenTests  # noqa: E402

c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]
