"""The judge: runs *inside the trusted judge kernel*, which never executes student code.

The grader runs the instructor's cells (setup, the lesson cells a test depends on, the test
cells with their hidden tests) in the judge kernel. Every graded name there is bound by
``bind``: a function the student wrote becomes a *proxy* whose call runs the student's
function in the student's kernel and brings the result back by value (``course.grading.codec``); a
value (a multiple-choice answer) is copied by value. So:

- the test's source and expected values never enter the student's process; the student's
  function sees only its arguments;
- what comes back is plain data rebuilt by the judge (no student class, no student method
  can run during a comparison);
- arguments the student's function mutated are copied back into the judge's objects;
- Python's and NumPy's global random states travel with each call (both ways), so a
  notebook that seeds once draws the same numbers as in a single kernel; NumPy's error
  state and "warnings as errors" for ``RuntimeWarning`` travel too, so
  ``utils.checks.strict_numerics`` sees the student's overflow;
- what the student's function printed is shown as plain text; an exception it raised is
  raised again here as the same built-in exception type (others as ``StudentCodeError``),
  with the student's own traceback in the message.

Limits (see docs/grading-integrity.md): only values the codec accepts cross; a function
passed as an argument crosses as its source text; a Keras model built from custom classes
cannot be rebuilt here.
"""

from __future__ import annotations

import base64
import builtins
import inspect
import queue
import random
import time
import warnings

from course.grading import codec
from course.grading.student_kernel import FUNCTION_KEY, REPLY_MIME

OUTPUT_LIMIT = 64 * 1024  # characters of the student's printed output shown per call


class StudentCodeError(Exception):
    """The student's code raised an exception that is not a built-in one."""


class StudentKernelError(Exception):
    """The student's kernel did not answer (it died, or the call ran past the time limit)."""


class _Channel:
    """A client of the student's kernel: sends one request, waits for its one reply."""

    def __init__(self, connection_info: dict, timeout: float):
        from jupyter_client.blocking import BlockingKernelClient

        self.timeout = timeout
        self.client = BlockingKernelClient()
        self.client.load_connection_info(connection_info)
        self.client.start_channels(shell=True, iopub=True, stdin=False, hb=True,
                                   control=False)

    def close(self) -> None:
        self.client.stop_channels()

    def request(self, request: dict, what: str) -> tuple[dict, str]:
        """``(reply, printed text)`` of ``request`` sent to the student's kernel."""
        blob = base64.b64encode(codec.encode(request)).decode("ascii")
        code = f"__import__('course.grading.student_kernel').grading.student_kernel.serve({blob!r})"
        msg_id = self.client.execute(code, silent=False, store_history=False,
                                     allow_stdin=False)
        payload, printed = self._collect(msg_id, what, time.monotonic() + self.timeout)
        if payload is None:
            raise StudentKernelError(f"{what}: the student's kernel sent no answer")
        try:
            reply = codec.decode(base64.b64decode(payload, validate=True))
        except (ValueError, TypeError) as error:
            raise codec.CodecError(f"{what}: the answer could not be read ({error})") from None
        if type(reply) is not dict:
            raise codec.CodecError(f"{what}: the answer could not be read")
        return reply, printed

    def _collect(self, msg_id: str, what: str, deadline: float) -> tuple[str | None, str]:
        payload, printed, size = None, [], 0
        quiet_since = time.monotonic()
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise StudentKernelError(f"{what} did not return within {self.timeout:.0f} s")
            try:
                msg = self.client.get_iopub_msg(timeout=min(remaining, 1.0))
            except queue.Empty:
                if time.monotonic() - quiet_since > 3 and not self.client.hb_channel.is_beating():
                    raise StudentKernelError(f"{what}: the student's kernel died while running "
                                             "it") from None
                continue
            quiet_since = time.monotonic()
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg.get("msg_type"), msg.get("content", {})
            if kind == "stream" and size < OUTPUT_LIMIT:
                text = str(content.get("text", ""))[:OUTPUT_LIMIT - size]
                printed.append(text)
                size += len(text)
            elif kind == "display_data" and payload is None:
                data = content.get("data", {})
                if isinstance(data.get(REPLY_MIME), str):
                    payload = data[REPLY_MIME]
            elif kind == "status" and content.get("execution_state") == "idle":
                return payload, "".join(printed)


class Judge:
    """Binds graded names in the judge's namespace to the student's kernel."""

    def __init__(self, namespace: dict, connection_info: dict, timeout: float):
        self.namespace = namespace
        self.channel = _Channel(connection_info, timeout)

    def reconnect(self, connection_info: dict) -> None:
        """Talk to a restarted student kernel."""
        self.channel.close()
        self.channel = _Channel(connection_info, self.channel.timeout)

    def bind(self, names: list[str], values_only: bool = False) -> list[str]:
        """Bind ``names`` as the student's kernel holds them now (functions as proxies unless
        ``values_only``); returns a message for each name that could not be bound."""
        reply, _ = self.channel.request({"kind": "describe", "names": list(names)},
                                        "reading your answers")
        kinds, values = dict(reply.get("kinds", {})), dict(reply.get("values", {}))
        problems = [f"{name}: {message}" for name, message in dict(reply.get("errors", {})).items()]
        for name in names:
            kind = kinds.get(name, "missing")
            self.namespace.pop(name, None)
            if kind == "callable" and values_only:
                problems.append(f"{name} is a function in your kernel; a value was expected")
            elif kind == "callable":
                self.namespace[name] = self._proxy(name)
            elif kind == "value" and name in values:
                self.namespace[name] = values[name]
            elif kind == "missing" and values_only:
                problems.append(f"{name} is not defined in your kernel (did the cell that "
                                "computes it run without an error?)")
        return problems

    def _proxy(self, name: str, mode: str = "call"):
        judge = self

        def proxy(*args, **kwargs):
            return judge.call(name, args, kwargs, mode)

        proxy.__name__ = proxy.__qualname__ = proxy.__course_proxy__ = name
        proxy.__doc__ = f"Calls the student's {name} in the student's kernel."
        # utils.checks.compiled, .gradients and .functional_model run there too
        proxy.__course_compiled__ = lambda: self._proxy(name, "compiled")
        proxy.__course_gradients__ = lambda *args: judge.call(name, args, {}, "gradients")
        proxy.__course_functional__ = lambda *args: judge.call(name, args, {}, "functional")
        return proxy

    def call(self, name: str, args: tuple, kwargs: dict, mode: str = "call"):
        """``name(*args, **kwargs)`` run in the student's kernel (see the module docstring)."""
        import numpy as np

        what = _call_text(name, args, kwargs)
        sent_args = [_encode_argument(value, what) for value in args]
        sent_kwargs = {key: _encode_argument(value, what) for key, value in kwargs.items()}
        request = {"kind": "call", "name": name, "mode": mode,
                   "args": sent_args, "kwargs": sent_kwargs,
                   "random": random.getstate(), "numpy_random": np.random.get_state(),
                   "errstate": dict(np.geterr()), "warnings_as_errors": _runtime_warnings_raise()}
        reply, printed = self.channel.request(request, what)
        if printed:
            print(printed, end="" if printed.endswith("\n") else "\n")
        if not reply.get("ok"):
            raise _student_error(name, reply, what)
        random.setstate(reply["random"])
        np.random.set_state(reply["numpy_random"])
        self._copy_back(dict(reply.get("changed", {})), args, kwargs, what)
        return reply.get("result")

    @staticmethod
    def _copy_back(changed: dict, args: tuple, kwargs: dict, what: str) -> None:
        for key, fresh in changed.items():
            target = args[key] if isinstance(key, int) and key < len(args) else kwargs.get(key)
            if target is not None and not codec.refresh(target, fresh):
                warnings.warn(f"{what} changed its argument {key!r} in a way the grader "
                              "could not copy back", stacklevel=3)


def _encode_argument(value, what: str) -> bytes:
    try:
        if inspect.isfunction(value):
            return codec.encode({FUNCTION_KEY: function_spec(value)})
        return codec.encode(codec.tensors_to_arrays(value))
    except codec.CodecError as error:
        raise codec.CodecError(f"{what}: an argument cannot be sent ({error})") from None


def function_spec(function, depth: int = 0) -> dict:
    """A function the test passes to the student's function (``f`` of
    ``numerical_gradient(f, x)``, a loss), as data the student's kernel can rebuild: its
    source, the modules it uses by name, the other values it uses by value, and the
    functions it calls, the same way. The student's code may differentiate through it, so
    it must run there, not be called back."""
    if depth > 4:
        raise codec.CodecError(f"the function {function.__name__} nests too deeply")
    code = function.__code__
    spec = {"source": _definition_source(function), "name": code.co_name,
            "modules": {}, "values": {}, "functions": {}, "student": {},
            "defaults": function.__defaults__, "kwdefaults": function.__kwdefaults__}
    cells = function.__closure__ or ()
    free = dict(zip(code.co_freevars, (c.cell_contents for c in cells), strict=True))
    for name in _global_names(code):
        if name in function.__globals__:
            free[name] = function.__globals__[name]
    for name, value in free.items():
        if getattr(value, "__course_proxy__", None):
            spec["student"][name] = value.__course_proxy__
        elif inspect.ismodule(value):
            spec["modules"][name] = value.__name__
        elif inspect.isfunction(value):
            spec["functions"][name] = function_spec(value, depth + 1)
        else:
            spec["values"][name] = value
    return spec


def _global_names(code) -> set[str]:
    names = set(code.co_names)
    for constant in code.co_consts:
        if inspect.iscode(constant):
            names |= _global_names(constant)
    return names


def _definition_source(function) -> str:
    """The ``def`` or ``lambda`` that made ``function``, with its defaults replaced by
    ``None`` (their values travel separately)."""
    import ast
    import linecache

    code = function.__code__
    text = "".join(linecache.getlines(code.co_filename))
    try:
        tree = ast.parse(text)
    except SyntaxError:
        tree = None
    node = _find_definition(tree, code) if tree is not None else None
    if node is None:
        raise codec.CodecError(f"the source of the function {code.co_name} is not available")
    arguments = node.args
    arguments.defaults = [ast.Constant(None) for _ in arguments.defaults]
    arguments.kw_defaults = [None if d is None else ast.Constant(None)
                             for d in arguments.kw_defaults]
    if isinstance(node, ast.FunctionDef):
        node.decorator_list = []
    return ast.unparse(node)


def _find_definition(tree, code):
    import ast

    body = sorted((p[0], p[2]) for p in code.co_positions()
                  if p[0] is not None and p[2] is not None and p[3] not in (None, 0))
    found = []
    for node in ast.walk(tree):
        if code.co_name == "<lambda>" and isinstance(node, ast.Lambda):
            span = ((node.body.lineno, node.body.col_offset),
                    (node.body.end_lineno, node.body.end_col_offset))
            if body and span[0] <= body[0] <= span[1]:
                found.append((span, node))
        elif isinstance(node, ast.FunctionDef) and node.name == code.co_name:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            if first == code.co_firstlineno:
                found.append((((node.lineno, 0), (node.end_lineno, 0)), node))
    if not found:
        return None
    return min(found, key=lambda item: (item[0][1][0] - item[0][0][0],
                                        item[0][1][1] - item[0][0][1]))[1]


def _runtime_warnings_raise() -> bool:
    for action, _, category, _, _ in warnings.filters:
        if issubclass(RuntimeWarning, category):
            return action == "error"
    return False


def _student_error(name: str, reply: dict, what: str) -> Exception:
    ename, evalue = str(reply.get("ename", "Error")), str(reply.get("evalue", ""))
    detail = str(reply.get("traceback", "")).strip()
    message = evalue if ename != "CodecError" else f"{what} {evalue}"
    if detail and ename != "CodecError":
        message = f"{evalue}\n\nWhere it happened in your code ({name}):\n{detail}"
    kind = getattr(builtins, ename, None)
    if isinstance(kind, type) and issubclass(kind, Exception) and kind.__module__ == "builtins":
        try:
            return kind(message)
        except Exception:  # an exception type with another constructor
            pass
    return StudentCodeError(f"{ename}: {message}")


def _call_text(name: str, args: tuple, kwargs: dict) -> str:
    shown = [_short(value) for value in args] + [f"{k}={_short(v)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(shown)})"


def _short(value) -> str:
    shape = getattr(value, "shape", None)
    if shape is not None and not isinstance(value, (int, float)):
        return f"<{type(value).__name__} of shape {tuple(shape)}>"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


_judge: Judge | None = None


def install(connection_info: dict, timeout: float) -> None:
    """Set up the judge in this kernel (called once by the grader, after the setup cell)."""
    global _judge
    from IPython import get_ipython

    from utils import checks

    _judge = Judge(get_ipython().user_ns, connection_info, timeout)
    checks.install_notebook_hooks()  # imported before this kernel existed when it was forked


def bind(names: list[str], values_only: bool = False) -> list[str]:
    return _judge.bind(names, values_only)


def reconnect(connection_info: dict) -> None:
    _judge.reconnect(connection_info)
