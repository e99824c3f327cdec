"""A corpus of bad submissions, built by code on a small TensorFlow-free chapter.

Each ``Attack`` writes one student's submission into ``submitted/<name>/<chapter>/``. Its
``honest`` value is the most automatic points the submission's honest content can earn (out
of ``TOTAL_POINTS``): what is left when the attack itself earns nothing. ``evidence`` is a
phrase that must appear in what the grader tells instructor and student about it (outcome
reason, grading notes, review flags, or the error shown under a test). ``exact`` attacks
must earn exactly ``honest`` (the damage is repaired, the honest work still counts).

Used by ``tests/test_integrity.py`` and by ``tests/attack_table.py``, which grades the same
corpus with stock ``nbgrader autograde`` for comparison.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import nbformat

from course import notebooks as nbs
from tests.helpers import TINY_CHAPTER, nbgrader_cell, tiny_notebook

CH = TINY_CHAPTER
TOTAL_POINTS = 4.0
# Limits the corpus is graded under (small, so the suite stays fast).
LIMITS = {"COURSE_CELL_TIMEOUT": "10", "COURSE_MEMORY_LIMIT_MB": "1536",
          "COURSE_OUTPUT_LIMIT_KB": "64", "COURSE_FILE_SIZE_LIMIT_MB": "8",
          "COURSE_DISK_LIMIT_MB": "64",
          "COURSE_MAX_NOTEBOOK_MB": "2", "COURSE_SUBMISSION_TIMEOUT": "300"}


def attack_notebook():
    """The tiny chapter plus ``half(x)``, tested the way the issue's example is written:
    ``assert abs(half(x) - expected) < tol`` (1 point). 4 automatic points in all."""
    return tiny_notebook(extra_cells=[
        nbgrader_cell("answer", "def half(x):\n    ### BEGIN SOLUTION\n    return x / 2\n"
                                "    ### END SOLUTION", "answer_half"),
        nbgrader_cell("test", "assert abs(half(3.0) - 1.5) < 1e-9, 'half(3.0) should be 1.5'\n"
                              "### BEGIN HIDDEN TESTS\n"
                              "assert abs(half(-7.0) + 3.5) < 1e-9, 'half(-7.0) should be -3.5'\n"
                              "### END HIDDEN TESTS", "test_half", 1),
    ])


@dataclass(frozen=True)
class Attack:
    name: str
    what: str
    honest: float
    evidence: str
    build: Callable[["Corpus"], object]   # a notebook, or a function writing into the folder
    exact: bool = False
    needs: str = ""   # "landlock" or "bubblewrap": the defence relies on that sandbox


@dataclass
class Corpus:
    """What the attacks are built from: the course root and the reference submission."""
    root: Path
    reference: nbformat.NotebookNode

    def folder(self, student: str) -> Path:
        path = self.root / "submitted" / student / CH
        path.mkdir(parents=True, exist_ok=True)
        return path

    def answer(self, grade_id: str, source: str, nb=None):
        nb = copy.deepcopy(nb if nb is not None else self.reference)
        _cell(nb, grade_id).source = source
        return nb

    def wrong(self, *names: str):
        """The reference with the given answers wrong (double, answer, half)."""
        wrong = {"double": "def double(x):\n    return x",
                 "answer": "ANSWER = {'a'}", "half": "def half(x):\n    return x"}
        nb = self.reference
        for name in names:
            nb = self.answer(f"answer_{name}", wrong[name], nb)
        return nb

    def add_after(self, grade_id: str, source: str, nb=None):
        nb = copy.deepcopy(nb if nb is not None else self.reference)
        index = nb.cells.index(_cell(nb, grade_id))
        nb.cells.insert(index + 1, nbformat.v4.new_code_cell(source))
        return nb

    @property
    def source_notebook(self) -> str:
        return str(self.root / "source" / CH / f"{CH}.ipynb")


def _cell(nb, grade_id: str):
    return next(c for c in nb.cells if nbs.grade_id(c) == grade_id)


def _without(nb, *grade_ids: str):
    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if nbs.grade_id(c) not in grade_ids]
    return nb


def _moved(nb):
    nb = copy.deepcopy(nb)
    answer = _cell(nb, "answer_double")
    nb.cells.remove(answer)
    nb.cells.insert(nb.cells.index(_cell(nb, "test_double")) + 1, answer)
    return nb


def _retyped(nb):
    nb = copy.deepcopy(nb)
    test = _cell(nb, "test_double")
    markdown = nbformat.v4.new_markdown_cell(test.source, metadata=test.metadata)
    nb.cells[nb.cells.index(test)] = markdown
    return nb


def _duplicated(nb):
    nb = copy.deepcopy(nb)
    test = _cell(nb, "test_double")
    fake = copy.deepcopy(test)
    fake.source, fake.id = "pass", nbformat.v4.new_code_cell().id
    nb.cells.insert(nb.cells.index(test), fake)
    return nb


def _text(content: str):
    return lambda corpus: lambda folder: (folder / f"{CH}.ipynb").write_text(content)


def _gigantic(corpus: Corpus):
    nb = copy.deepcopy(corpus.reference)
    _cell(nb, "answer_double").outputs = [nbformat.v4.new_output(
        "stream", name="stdout", text="x" * (3 * 2**20))]
    return nb


def _renamed(corpus: Corpus):
    return lambda folder: nbformat.write(corpus.reference, str(folder / "my_homework.ipynb"))


def _symlink(corpus: Corpus):
    def write(folder: Path) -> None:
        nbformat.write(corpus.reference, str(folder / f"{CH}.ipynb"))
        os.symlink(corpus.root / "gradebook.db", folder / "notes.db")
    return write


_STEAL_ANSWER = """import re
try:
    text = {reader}
    ANSWER = eval(re.search(r"assert_choice\\(ANSWER, (\\{{[^}}]*\\}})", text).group(1))
except Exception:
    ANSWER = {{'a'}}"""

_AST_ERASER = """import ast
class EraseTests(ast.NodeTransformer):
    def visit_Module(self, node):
        node.body = [ast.Pass()]
        return node
get_ipython().ast_transformers.append(EraseTests())"""

_FAKE_CHECKS = """class checks:
    @staticmethod
    def assert_close(*args, **kwargs):
        pass
    check_choice_format = assert_choice = assert_close"""

_VANDAL = """victim = {victim!r}
for path, text in ((victim, "{{}}"), ({source!r} + ".evil", "x")):
    with open(path, "w") as handle:
        handle.write(text)"""


_ANYTHING_EQUAL = """class Anything(float):
    def __eq__(self, other):
        return True
    __le__ = __ge__ = __eq__
    def __sub__(self, other):
        return Anything(0.0)
    __rsub__ = __add__ = __radd__ = __mul__ = __rmul__ = __sub__
    def __abs__(self):
        return 0.0
    def __float__(self):
        return 0.0
    def __array__(self, *args, **kwargs):
        return np.zeros(())
def half(x):
    return Anything(0.0)"""

_FRAME_READER = """import sys
class Mirror:
    \"\"\"Reads the expected value out of the caller's frame.\"\"\"
    def __array__(self, *args, **kwargs):
        frame = sys._getframe(1)
        while frame is not None:
            for name in ("expected", "desired", "b"):
                if name in frame.f_locals and not isinstance(frame.f_locals[name], Mirror):
                    return np.asarray(frame.f_locals[name], dtype=float)
            frame = frame.f_back
        return np.zeros(())
    def __float__(self):
        return float(self.__array__())
def double(x):
    return Mirror()"""

_LINECACHE_SET = """import linecache, re
class Oracle(set):
    \"\"\"Compares equal to the set the running test cell expects, read from linecache.\"\"\"
    def _expected(self):
        for filename in list(linecache.cache):
            text = "".join(linecache.getlines(filename))
            found = re.search(r"assert_choice\\(ANSWER, (\\{[^}]*\\})", text)
            if found:
                return eval(found.group(1))
        return {'a'}
    def __eq__(self, other):
        return True
    def __iter__(self):
        return iter(self._expected())
    def __len__(self):
        return len(self._expected())
    __hash__ = None
ANSWER = Oracle({'a'})"""

_BDB_QUIT = """import bdb
def _clear(result):
    result.error_in_exec = None
get_ipython().events.register("post_run_cell", _clear)
def half(x):
    raise bdb.BdbQuit()"""

_DISPLAYHOOK = """import sys
def half(x):
    sys.displayhook("ok")
    raise ValueError("wrong")"""

_RUN_CELL_HOOKS = """import builtins
_real_abs = builtins.abs
def _patch(*args):
    builtins.abs = lambda value: 0
def _unpatch(*args):
    builtins.abs = _real_abs
get_ipython().events.register("pre_run_cell", _patch)
get_ipython().events.register("post_run_cell", _unpatch)"""

_FORGED_JUDGE = """import sys, types
fake = types.ModuleType("course.grading.judge_kernel")
fake.bind = lambda names, values_only=False: []
fake.install = fake.reconnect = lambda *args: None
sys.modules["course.grading.judge_kernel"] = fake
__course_judge__ = fake
__course_judge_problems__ = []"""

_STARTUP_FILE = """import os, pathlib
startup = pathlib.Path.home() / ".ipython" / "profile_default" / "startup"
startup.mkdir(parents=True, exist_ok=True)
(startup / "00-patch.py").write_text("import builtins\\nbuiltins.abs = lambda value: 0\\n")
os._exit(0)"""

_PRINT_CACHE = """import base64, linecache
for filename in list(linecache.cache):
    text = "".join(linecache.getlines(filename))
    print(filename, text)
    print(base64.b64encode(text.encode()).decode())
print(In, Out)"""

_PROC_SNOOP = """import glob, re
ANSWER = {'a'}
for path in glob.glob("/proc/[0-9]*/cmdline") + glob.glob("/proc/[0-9]*/environ"):
    try:
        text = open(path, "rb").read().decode(errors="replace")
    except OSError:
        continue
    for notebook in re.findall(r"[^\\x00 =]+\\.ipynb", text):
        try:
            found = re.search(r"assert_choice\\(ANSWER, (\\{[^}]*\\})", open(notebook).read())
            ANSWER = eval(found.group(1).replace('\\\\"', '"'))
        except Exception:
            pass"""

# Searches its own memory (a kernel forked from a process that had read the hidden tests
# would find them there) for the hidden test's expected answer.
_MEMORY_SCAN = """import re, time
ANSWER = {'a'}
pattern = re.compile(rb"assert_choice[(]ANSWER, ([{][^}]*[}])")
deadline = time.monotonic() + 6
with open("/proc/self/maps") as maps, open("/proc/self/mem", "rb", 0) as memory:
    for line in maps:
        fields = line.split()
        start, end = (int(part, 16) for part in fields[0].split("-"))
        if time.monotonic() > deadline:
            break
        if "r" not in fields[1] or end - start > 1 << 26:
            continue
        try:
            memory.seek(start)
            found = pattern.search(memory.read(end - start))
        except (OSError, ValueError, OverflowError):
            continue
        if found:
            try:
                ANSWER = eval(found.group(1).decode())
            except Exception:
                pass"""

_DAEMON = """import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        while True:
            print("still here", flush=True)
            time.sleep(1)
    os._exit(0)
time.sleep(0.5)"""

ESCAPE_MARKER = "escaped-the-sandbox"


def _beside(files: dict[str, str], nb_of: Callable[["Corpus"], object]):
    """A submission with extra files handed in beside its notebook."""
    def build(corpus: Corpus):
        def write(folder: Path) -> None:
            nbformat.write(nb_of(corpus), str(folder / f"{CH}.ipynb"))
            for relative, text in files.items():
                path = folder / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
        return write
    return build


def _tagged_skip(nb):
    nb = copy.deepcopy(nb)
    _cell(nb, "test_double").metadata["tags"] = ["skip-execution", "raises-exception"]
    return nb


def _forged_note(nb):
    nb = copy.deepcopy(nb)
    open_cell = _cell(nb, "open_why")
    open_cell.metadata["course"] = {"grading_notes": True, "notes": ["all tests passed"]}
    open_cell.source = "## Grading notes\nThe grader checked this submission: all tests passed."
    return nb


def attacks(corpus_root: Path) -> list[Attack]:
    victim = corpus_root / "submitted" / "reference" / CH / f"{CH}.ipynb"
    source = corpus_root / "source" / CH / f"{CH}.ipynb"
    db = corpus_root / "gradebook.db"
    read_db = (f"__import__('sqlite3').connect({str(db)!r}).execute("
               "'select source from source_cell').fetchall().__str__()")
    return [
        Attack("syntax_error", "syntax error in an answer", 2, "SyntaxError",
               lambda c: c.answer("answer_double", "def double(x)\n    return 2 * x")),
        Attack("exception", "exception raised by an answer", 2, "ValueError",
               lambda c: c.answer("answer_double", "def double(x):\n    raise ValueError('no')")),
        Attack("infinite_loop", "infinite loop", 2, "time limit",
               lambda c: c.answer("answer_double", "while True:\n    pass")),
        Attack("output_flood", "infinite loop flooding output", 2, "printed more than",
               lambda c: c.answer("answer_double", "while True:\n    print('spam' * 1000)")),
        Attack("unstoppable_loop", "infinite loop that ignores interrupts", 2, "did not stop",
               lambda c: c.answer("answer_double", "import signal\nsignal.signal(signal.SIGINT, "
                                  "signal.SIG_IGN)\nwhile True:\n    pass"), exact=True),
        Attack("memory_bomb", "memory bomb beyond the limit", 2, "memory limit",
               lambda c: c.answer("answer_double", "blocks = []\nwhile True:\n"
                                  "    blocks.append(np.ones(2**24))"), exact=True),
        Attack("disk_filler", "writes a file beyond the size limit", 4, "File too large",
               lambda c: c.add_after("test_half", "with open('big.bin', 'wb') as f:\n"
                                     "    f.write(b'0' * 20 * 2**20)"), exact=True),
        Attack("disk_bomb", "fills the disk with many files", 2, "disk limit",
               lambda c: c.answer("answer_double", "for n in range(10**6):\n"
                                  "    with open(f'junk{n}.bin', 'wb') as f:\n"
                                  "        f.write(b'0' * 2**22)"), exact=True),
        Attack("kernel_exit", "os._exit() kills the kernel", 3, "exit code 3",
               lambda c: c.answer("answer_answer", "import os\nos._exit(3)"), exact=True),
        Attack("segfault", "segfault kills the kernel", 3, "SIGSEGV",
               lambda c: c.answer("answer_answer", "import ctypes\nctypes.string_at(0)"),
               exact=True),
        Attack("repeated_kills", "every answer kills the kernel", 0, "later cells were not run",
               lambda c: c.answer("answer_half", "def half(x):\n    import os\n    os._exit(1)",
                                  c.answer("answer_answer", "import os\nos._exit(1)",
                                           c.answer("answer_double", "def double(x):\n"
                                                    "    import os\n    os._exit(1)")))),
        Attack("sys_exit", "SystemExit raised by an answer", 2, "SystemExit",
               lambda c: c.answer("answer_double", "def double(x):\n    raise SystemExit(0)")),
        Attack("deleted_tests", "test cells deleted", 4, "was missing",
               lambda c: _without(c.reference, "test_double", "test_answer"), exact=True),
        Attack("edited_test", "test cell edited to pass", 2, "was edited",
               lambda c: c.answer("test_double", "pass", c.wrong("double"))),
        Attack("reordered", "answer moved below its test", 4, "moved",
               lambda c: _moved(c.reference), exact=True),
        Attack("retyped_test", "test cell turned into markdown", 2, "changed from code",
               lambda c: _retyped(c.wrong("double"))),
        Attack("duplicated_test", "test cell duplicated with an empty copy", 2, "appears twice",
               lambda c: _duplicated(c.wrong("double"))),
        Attack("hardcoded", "answer hard-coded to the visible test", 2, "double(21.5)",
               lambda c: c.answer("answer_double",
                                  "def double(x):\n    return 2.0 if x == 1.0 else 0.0")),
        Attack("patch_builtins", "builtins.abs patched before the tests", 3, "builtins.abs",
               lambda c: c.add_after("answer_half", "import builtins\n"
                                     "builtins.abs = lambda value: 0", c.wrong("half")),
               exact=True),
        Attack("patch_numpy", "numpy.any patched", 2, "replaces np.any",
               lambda c: c.add_after("answer_double", "np.any = lambda *a, **k: False",
                                     c.wrong("double")), exact=True),
        Attack("patch_checks", "utils.checks helpers patched", 1, "replaces checks.assert_close",
               lambda c: c.add_after("setup", "checks.assert_close = lambda *a, **k: None\n"
                                     "checks.assert_choice = lambda *a, **k: None",
                                     c.wrong("double", "answer")), exact=True),
        Attack("shadow_checks", "the tests' helper module shadowed", 1,
               "double(1.0) returned 1",
               lambda c: c.add_after("setup", _FAKE_CHECKS, c.wrong("double", "answer")),
               exact=True),
        Attack("patch_during_test", "answer patches builtins.abs while its test runs", 3,
               "half(-7.0) should be -3.5",
               lambda c: c.answer("answer_half", "def half(x):\n    import builtins\n"
                                  "    builtins.abs = lambda value: 0\n"
                                  "    return x / 2 if x > 0 else 0.0"),
               exact=True),
        Attack("patch_traceback", "IPython's traceback display disabled", 2, "traceback display",
               lambda c: c.add_after("setup", "get_ipython().showtraceback = "
                                     "lambda *a, **k: None", c.wrong("double")), exact=True),
        Attack("ast_transformer", "code transformer erasing the tests", 3, "code transformers",
               lambda c: c.add_after("answer_half", _AST_ERASER, c.wrong("half")), exact=True),
        Attack("read_source", "reads the instructor's source notebook", 3, "open()",
               lambda c: c.answer("answer_answer", _STEAL_ANSWER.format(
                   reader=f"open({str(source)!r}).read()")), exact=True, needs="landlock"),
        Attack("read_gradebook", "reads hidden tests from the gradebook", 3, "sqlite3",
               lambda c: c.answer("answer_answer", _STEAL_ANSWER.format(
                   reader=read_db.replace("__import__('sqlite3')", "sqlite3"))
                   .replace("import re", "import re, sqlite3")), exact=True, needs="landlock"),
        Attack("read_own_notebook", "reads the graded copy of its notebook", 3, ".ipynb",
               lambda c: c.answer("answer_answer", _STEAL_ANSWER.format(
                   reader=f"open({CH + '.ipynb'!r}).read()")), exact=True),
        Attack("write_outside", "overwrites another student's submission", 4, "[Errno",
               lambda c: c.add_after("test_half", _VANDAL.format(victim=str(victim),
                                                                 source=str(source))),
               exact=True, needs="landlock"),
        Attack("shm_filler", "fills shared memory (/dev/shm)", 4, "/dev/shm",
               lambda c: c.add_after("test_half", "with open('/dev/shm/course-junk', 'wb') as f:\n"
                                     "    f.write(b'0' * 2**26)"), exact=True, needs="landlock"),
        Attack("kill_grader", "kills the grading process", 4, "sends a signal",
               lambda c: c.add_after("test_half", "import os, signal\n"
                                     "os.kill(os.getppid(), signal.SIGKILL)"), exact=True,
               needs="landlock"),
        Attack("anything_equal", "answer returns an object equal to anything", 3,
               "returned a", lambda c: c.answer("answer_half", _ANYTHING_EQUAL), exact=True),
        Attack("frame_reader", "answer's __array__ reads the expected value from the caller",
               2, "returned a", lambda c: c.answer("answer_double", _FRAME_READER), exact=True),
        Attack("linecache_set", "set subclass reading the running test from linecache", 3,
               "ANSWER", lambda c: c.answer("answer_answer", _LINECACHE_SET), exact=True),
        Attack("bdb_quit", "answer raises BdbQuit, a callback clears the error", 3, "BdbQuit",
               lambda c: c.answer("answer_half", _BDB_QUIT), exact=True),
        Attack("displayhook_ok", "answer displays 'ok' before failing", 3, "wrong",
               lambda c: c.answer("answer_half", _DISPLAYHOOK), exact=True),
        Attack("run_cell_hooks", "pre/post_run_cell callbacks patch abs around each test", 3,
               "half(3.0) should be 1.5",
               lambda c: c.add_after("answer_half", _RUN_CELL_HOOKS, c.wrong("half")),
               exact=True),
        Attack("forged_judge", "the judge's module and names forged in the kernel", 2,
               "touches the grader's judge",
               lambda c: c.add_after("setup", _FORGED_JUDGE, c.wrong("double")), exact=True),
        Attack("skip_tag", "test cell tagged skip-execution", 2, "tags were ignored",
               lambda c: _tagged_skip(c.wrong("double")), exact=True),
        Attack("startup_file", "IPython startup file written, then the kernel exits", 3,
               "exit code 0",
               lambda c: c.add_after("answer_half", _STARTUP_FILE, c.wrong("half")), exact=True),
        Attack("print_cache", "prints every cached cell, plain and base64", 4, "",
               lambda c: c.add_after("test_half", _PRINT_CACHE), exact=True),
        Attack("forged_note", "forged grading note in the open answer", 4, "",
               lambda c: _forged_note(c.reference), exact=True),
        Attack("proc_snoop", "reads other processes' command lines and environments", 3,
               "ANSWER", lambda c: c.answer("answer_answer", _PROC_SNOOP), exact=True,
               needs="bubblewrap"),
        Attack("memory_scan", "searches its own process memory for the hidden tests", 3,
               "ANSWER", lambda c: c.answer("answer_answer", _MEMORY_SCAN), exact=True),
        Attack("daemon", "double-forked setsid process left running", 4, "",
               lambda c: c.add_after("test_half", _DAEMON), exact=True, needs="bubblewrap"),
        Attack("fake_numpy", "numpy.py handed in beside the notebook", 4, "",
               _beside({"numpy.py": "raise SystemExit('fake numpy')"}, lambda c: c.reference),
               exact=True),
        Attack("fake_launcher", "the course's sandbox and student_kernel modules handed in", 4,
               "", _beside({name: f"open({str(corpus_root / ESCAPE_MARKER)!r}, 'w')"
                            for name in ("course/__init__.py", "course/grading/__init__.py",
                                         "course/grading/sandbox.py",
                                         "course/grading/student_kernel.py")},
                           lambda c: c.reference), exact=True),
        Attack("null_bytes", "null bytes in an answer's source", 2, "null bytes",
               lambda c: c.answer("answer_double", "def double(x):\n    return 2 * x\x00")),
        Attack("not_json", "notebook that is not JSON", 0, "not a valid notebook",
               _text('{"cells": [')),
        Attack("empty", "empty notebook file", 0, "not a valid notebook", _text("")),
        Attack("gigantic", "notebook beyond the size limit", 0, "the limit is", _gigantic),
        Attack("renamed", "notebook handed in under another name", 0, "keep its name", _renamed),
        Attack("symlink", "symbolic link to the gradebook", 0, "symbolic links", _symlink),
    ]


def build(root: Path, reference, blank) -> list[Attack]:
    """Write the reference and blank students and every attack under ``root/submitted``."""
    corpus = Corpus(root, reference)
    nbformat.write(reference, str(corpus.folder("reference") / f"{CH}.ipynb"))
    nbformat.write(blank, str(corpus.folder("blank") / f"{CH}.ipynb"))
    found = attacks(root)
    for attack in found:
        made, folder = attack.build(corpus), corpus.folder(attack.name)
        if callable(made):
            made(folder)
        else:
            nbformat.write(made, str(folder / f"{CH}.ipynb"))
    return found
