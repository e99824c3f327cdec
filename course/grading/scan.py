"""Static scan of a student's code for constructs an instructor should look at.

``scan(cells, module_names)`` reads the student-written code cells (answer cells and cells
the student added) and returns one line per finding: "cell answer_sigmoid, line 3: replaces
np.allclose". The scan only flags; the grade comes from running the tests in the grader's
judge kernel, and the sandbox and the judge are what stop an attack. Flags point a human at
what may be an attempt:
patching modules or builtins, reaching into the interpreter or the grader, reading or writing
files outside the submission, running shell commands, stopping the kernel.
"""

from __future__ import annotations

import ast
import re

from course.notebooks import strip_magics

SUSPICIOUS_MODULES = {
    "builtins": "imports builtins", "ctypes": "imports ctypes", "gc": "imports gc",
    "inspect": "imports inspect", "importlib": "imports importlib",
    "subprocess": "imports subprocess", "socket": "imports socket", "signal": "imports signal",
    "threading": "imports threading", "multiprocessing": "imports multiprocessing",
    "shutil": "imports shutil", "sqlite3": "imports sqlite3", "nbformat": "imports nbformat",
    "nbgrader": "imports nbgrader", "course": "imports the grader's package",
    "IPython": "imports IPython", "ipykernel": "imports ipykernel",
}
SUSPICIOUS_NAMES = {
    "__builtins__": "uses __builtins__", "__import__": "uses __import__",
    "__course_judge__": "touches the grader's judge", "get_ipython": "uses get_ipython()",
    "globals": "uses globals()", "exec": "uses exec()", "eval": "uses eval()",
    "compile": "uses compile()", "setattr": "uses setattr()", "delattr": "uses delattr()",
    "_ih": "reads the input history", "In": "reads the input history",
    "_getframe": "inspects the call stack",
}
SUSPICIOUS_ATTRIBUTES = {
    "__code__": "uses __code__", "__closure__": "uses __closure__",
    "__globals__": "uses __globals__", "__subclasses__": "uses __subclasses__",
    "f_back": "inspects the call stack", "f_locals": "inspects the call stack",
    "f_globals": "inspects the call stack", "_getframe": "inspects the call stack",
    "settrace": "sets a trace function", "setprofile": "sets a profile function",
    "_exit": "stops the kernel (os._exit)", "kill": "sends a signal",
    "system": "runs a shell command", "popen": "runs a shell command",
    "excepthook": "replaces an exception hook", "displayhook": "touches the display hook",
    "events": "registers IPython event callbacks",
    "showtraceback": "touches IPython's traceback display",
    "user_expressions": "touches the kernel's expression evaluation",
    "ast_transformers": "touches IPython's code transformers",
    "input_transformers_post": "touches IPython's code transformers",
    "input_transformers_cleanup": "touches IPython's code transformers",
}
_PATH_LITERAL = re.compile(r"^(/|~|\.\.)|gradebook|\.ipynb$|(^|/)(source|submitted|autograded)/")
_FILE_FUNCTIONS = {"open", "Path", "read_text", "read_bytes", "write_text", "write_bytes", "remove",
                   "unlink", "rmtree", "rename", "replace", "listdir", "scandir", "walk", "glob",
                   "loadtxt", "load", "read_csv", "connect", "chdir"}


def imported_names(sources: list[str]) -> set[str]:
    """Names bound by import statements in ``sources`` (``np``, ``checks``, ``utils``, ...)."""
    names: set[str] = set()
    for tree in filter(None, map(_parse, sources)):
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(strip_magics(source))
    except (SyntaxError, ValueError):
        return None


def scan_source(source: str, module_names: set[str]) -> list[tuple[int, str]]:
    """``(line, finding)`` pairs for one cell's code."""
    found = [(number, "runs an IPython magic or shell command")
             for number, line in enumerate(source.splitlines(), 1)
             if line.lstrip().startswith(("%", "!"))]
    if "\x00" in source:
        found.append((1, "contains null bytes"))
    tree = _parse(source)
    if tree is None:
        return found
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 1)
        for finding in _node_findings(node, module_names):
            found.append((line, finding))
    return sorted(set(found))


def _node_findings(node: ast.AST, module_names: set[str]) -> list[str]:
    findings = []
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        roots = [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
        roots += [a.name for a in node.names] if isinstance(node, ast.Import) else []
        findings += [SUSPICIOUS_MODULES[r.split(".")[0]] for r in roots
                     if r.split(".")[0] in SUSPICIOUS_MODULES]
    elif isinstance(node, ast.Name) and node.id in SUSPICIOUS_NAMES:
        findings.append(SUSPICIOUS_NAMES[node.id])
    elif isinstance(node, ast.Attribute):
        if SUSPICIOUS_ATTRIBUTES.get(node.attr):
            findings.append(SUSPICIOUS_ATTRIBUTES[node.attr])
        if node.attr == "modules" and _root_name(node) == "sys":
            findings.append("uses sys.modules")
        if node.attr == "exit" and _root_name(node) == "sys":
            findings.append("calls sys.exit")
        if isinstance(node.ctx, (ast.Store, ast.Del)) and _root_name(node) in module_names:
            findings.append(f"replaces {ast.unparse(node)}")
    elif isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        for argument in node.args[:1]:
            if (name in _FILE_FUNCTIONS and isinstance(argument, ast.Constant)
                    and isinstance(argument.value, str) and _PATH_LITERAL.search(argument.value)):
                findings.append(f"{name}() on {argument.value!r}")
    elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if isinstance(target, ast.Name) and target.id in _SHADOWED_BUILTINS:
                findings.append(f"rebinds the built-in name {target.id}")
    elif isinstance(node, ast.FunctionDef) and node.name in _SHADOWED_BUILTINS:
        findings.append(f"rebinds the built-in name {node.name}")
    return findings


_SHADOWED_BUILTINS = {"abs", "all", "any", "isinstance", "len", "max", "min", "print", "round",
                      "sum", "float", "int", "bool", "type", "AssertionError", "Exception",
                      "range", "zip", "sorted", "set", "str", "repr"}


def _root_name(node: ast.AST) -> str:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.value if not isinstance(node, ast.Call) else node.func
    return node.id if isinstance(node, ast.Name) else ""


def scan(cells: list[tuple[str, str]], module_names: set[str]) -> list[str]:
    """Flags for ``cells`` given as ``(label, source)``: "cell answer_relu, line 2: ..."."""
    return [f"cell {label}, line {line}: {finding}"
            for label, source in cells for line, finding in scan_source(source, module_names)]
