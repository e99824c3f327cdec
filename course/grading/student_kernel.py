"""The student's side of a judged call: runs *inside the student's (sandboxed) kernel*.

The judge kernel never runs student code. When a test calls a graded name, the judge sends
the student's kernel one line,
``__import__("course.grading.student_kernel").grading.student_kernel.serve(B)``,
where ``B`` is a base64 request encoded by ``course.grading.codec``. ``serve`` answers with one
``display_data`` message of type ``REPLY_MIME`` holding the base64-encoded reply.

Nothing here is trusted: student code can replace this module, its functions or the codec
in its own process. That buys nothing, because the judge decodes every reply strictly
(``course.grading.codec.decode``) and compares values itself; a forged reply is at most a wrong or
undecodable answer to a call the student's function could have answered anyway.

Requests (dicts):

- ``{"kind": "describe", "names": [...]}`` -> ``{"kinds": {name: "callable" | "missing" |
  "value"}, "values": {name: value}, "errors": {name: message}}``;
- ``{"kind": "call", "name", "mode": "call" | "compiled" | "gradients" | "functional"
  (``_in_mode``),
  "args": [bytes], "kwargs": {key: bytes}, "random": state, "numpy_random": state,
  "errstate": {...}, "warnings_as_errors": bool}`` -> ``{"ok": True,
  "result", "changed": {position: value}, "random", "numpy_random"}`` or ``{"ok": False,
  "ename", "evalue", "traceback"}``. Each argument is encoded separately, so arguments the
  function mutated (an array filled in place, a model trained or compiled) are sent back.
"""

from __future__ import annotations

import base64
import inspect
import random
import sys
import traceback
import warnings

from course.grading import codec

REPLY_MIME = "application/x-course-judge-reply"
FUNCTION_KEY = "__course_function__"  # an argument that is a function, as its source


def serve(request_b64: str) -> None:
    """Answer one request from the judge (see the module docstring)."""
    request = codec.decode(base64.b64decode(request_b64))
    try:
        reply = _describe(request) if request["kind"] == "describe" else _call(request)
        payload = codec.encode(reply)
    except codec.CodecError as error:
        payload = codec.encode({"ok": False, "ename": "CodecError", "evalue": str(error),
                                "traceback": ""})
    _publish(payload)


def _publish(payload: bytes) -> None:
    from IPython.display import publish_display_data

    publish_display_data({REPLY_MIME: base64.b64encode(payload).decode("ascii")})


def _namespace() -> dict:
    from IPython import get_ipython

    return get_ipython().user_ns


def _describe(request: dict) -> dict:
    namespace = _namespace()
    kinds, values, errors = {}, {}, {}
    for name in request["names"]:
        if name not in namespace:
            kinds[name] = "missing"
            continue
        value = namespace[name]
        try:  # a Keras model is callable, yet it is sent by value
            if inspect.isroutine(value):
                raise codec.CodecError("a function")
            codec.encode(value)
            kinds[name], values[name] = "value", value
        except codec.CodecError as error:
            if callable(value):
                kinds[name] = "callable"
            else:
                kinds[name], errors[name] = "value", str(error)
    return {"kinds": kinds, "values": values, "errors": errors}


def _call(request: dict) -> dict:
    import numpy as np

    function = _namespace().get(request["name"])
    if function is None:
        return _failure(NameError(f"name '{request['name']}' is not defined"))
    args = [_argument(blob) for blob in request["args"]]
    kwargs = {key: _argument(blob) for key, blob in request["kwargs"].items()}
    random.setstate(request["random"])
    np.random.set_state(request["numpy_random"])
    try:
        with np.errstate(**request["errstate"]), warnings.catch_warnings():
            if request["warnings_as_errors"]:
                warnings.simplefilter("error", RuntimeWarning)
            result = _in_mode(function, request.get("mode", "call"))(*args, **kwargs)
    except BaseException as error:  # the student's code failed: report it, keep serving
        return _failure(error)
    changed = _changed_arguments(request, args, kwargs)
    return {"ok": True, "result": _encodable(result), "changed": changed,
            "random": random.getstate(), "numpy_random": np.random.get_state()}


def _in_mode(function, mode: str):
    """The student's function as the test uses it: called, compiled with ``tf.function``
    (``utils.checks.compiled``), differentiated (``utils.checks.gradients``) or built into a
    Keras model (``utils.checks.functional_model``)."""
    if mode == "compiled":
        import tensorflow as tf

        return tf.function(function)
    if mode in ("gradients", "functional"):
        from utils import checks

        helper = checks.gradients if mode == "gradients" else checks.functional_model
        return lambda *args: helper(function, *args)
    return function


def _argument(blob: bytes):
    value = codec.decode(blob)
    if type(value) is dict and set(value) == {FUNCTION_KEY}:
        return rebuild_function(value[FUNCTION_KEY])
    return value


def rebuild_function(spec: dict):
    """The function described by ``course.grading.judge_kernel.function_spec``."""
    import importlib

    namespace = {name: importlib.import_module(module)
                 for name, module in spec["modules"].items()}
    namespace.update(spec["values"])
    user = _namespace()
    namespace.update({name: user[own] for name, own in spec["student"].items() if own in user})
    namespace.update({name: rebuild_function(inner) for name, inner in spec["functions"].items()})
    if spec["name"] == "<lambda>":
        function = eval(spec["source"], namespace)  # noqa: S307 (the instructor's lambda)
    else:
        exec(spec["source"], namespace)  # noqa: S102 (the instructor's def)
        function = namespace[spec["name"]]
    function.__defaults__ = spec["defaults"]
    function.__kwdefaults__ = spec["kwdefaults"]
    return function


def _encodable(result):
    result = codec.tensors_to_arrays(result)
    codec.encode(result)  # raises CodecError naming the type when it cannot cross
    return result


def _changed_arguments(request: dict, args: list, kwargs: dict) -> dict:
    """Arguments whose encoding differs after the call, keyed by position or keyword."""
    changed = {}
    sent = {**dict(enumerate(request["args"])), **request["kwargs"]}
    for key, value in {**dict(enumerate(args)), **kwargs}.items():
        try:
            if codec.encode(value) != sent[key]:
                changed[key] = value
        except codec.CodecError:
            pass
    return changed


def _failure(error: BaseException) -> dict:
    frames = traceback.extract_tb(error.__traceback__)
    own = [f for f in frames if not f.filename.endswith("student_kernel.py")]
    lines = traceback.format_list(own[-6:])
    if sys.version_info >= (3, 11):
        lines += traceback.format_exception_only(type(error), error)
    return {"ok": False, "ename": type(error).__name__, "evalue": str(error)[:4000],
            "traceback": "".join(lines)[-8000:]}
