"""Assertions for notebook test cells, with messages written for students.

Every check raises ``AssertionError`` whose message names the call, the input, the expected
and the actual value, for example::

    sigmoid(0.19) returned 0.5; expected 0.5474 (|diff| 0.047 > 1.5e-05)

Test cells call these helpers instead of bare ``assert`` so that every chapter reports
mistakes the same way. The helpers never print; they return ``None`` on success.

Taught in 01_ann_basics (how to read a failing test); used by every chapter.
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# ----------------------------------------------------------------------------- formatting


def describe(value: Any, max_items: int = 8) -> str:
    """A short human-readable rendering of a value: numbers to 4 significant digits,
    small arrays in full, large arrays by shape and dtype."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.4g}"
    if isinstance(value, (list, tuple)) and len(value) <= max_items:
        inner = ", ".join(describe(v) for v in value)
        if isinstance(value, list):
            return f"[{inner}]"
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if hasattr(value, "numpy") and callable(value.numpy):
        value = value.numpy()
    if isinstance(value, np.ndarray) or _is_numeric_array(value):
        arr = np.asarray(value)
        if arr.ndim == 0:
            return describe(arr.item())
        if arr.size <= max_items:
            return np.array2string(arr, precision=4, separator=", ", suppress_small=False)
        return f"array of shape {arr.shape} ({arr.dtype})"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _is_numeric_array(value: Any) -> bool:
    try:
        arr = np.asarray(value)
    except Exception:
        return False
    return arr.dtype.kind in "biuf" and arr.ndim > 0


def call_repr(name: str, *args: Any, **kwargs: Any) -> str:
    """Render a call for a message: ``call_repr("sigmoid", 0.19)`` -> ``"sigmoid(0.19)"``."""
    parts = [describe(a) for a in args] + [f"{k}={describe(v)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


_checked: list[str] = []  # what the checks of the running cell were about (see _report)


def _record(description: str) -> None:
    _checked.append(str(description))


def _fail(message: str, hint: str = "") -> None:
    raise AssertionError(f"{message}\nHint: {hint}" if hint else message)


def _as_float_array(value: Any, call: str) -> np.ndarray:
    if value is None:
        _fail(f"{call} returned None; did you forget a `return` statement?")
    if hasattr(value, "numpy") and callable(value.numpy):
        value = value.numpy()
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        _fail(f"{call} returned {describe(value)} ({type(value).__name__}); expected a number "
              "or an array of numbers")


# ----------------------------------------------------------------------------- values


def assert_close(actual: Any, expected: Any, call: str, rtol: float = 1e-5, atol: float = 1e-8,
                 hint: str = "") -> None:
    """Check ``actual`` equals ``expected`` elementwise within ``atol + rtol * |expected|``.

    ``call`` describes what produced ``actual`` (``"sigmoid(0.19)"``); ``hint`` is added to
    the message on failure. Shapes must match exactly (no broadcasting).
    """
    _record(call)
    a = _as_float_array(actual, call)
    e = np.asarray(expected, dtype=np.float64)
    if a.shape != e.shape:
        _fail(f"{call} returned shape {a.shape}; expected shape {e.shape}", hint)
    bad_finite = ~np.isfinite(a) & np.isfinite(e)
    if bad_finite.any():
        index = tuple(int(i) for i in np.argwhere(bad_finite)[0])
        where = f" at index {index}" if a.ndim else ""
        _fail(f"{call} returned {a[index]}{where}; expected {describe(e[index])} "
              "(look for overflow, log(0) or division by zero)", hint)
    with np.errstate(invalid="ignore"):  # inf - inf where both are infinite
        diff = np.abs(a - e)
    diff = np.where(np.isfinite(e), diff, np.where(a == e, 0.0, np.inf))
    tol = atol + rtol * np.abs(np.where(np.isfinite(e), e, 0.0))
    if np.any(diff > tol):
        index = np.unravel_index(np.argmax(diff - tol), diff.shape) if a.ndim else ()
        gap = f"(|diff| {diff[index]:.2g} > {tol[index]:.2g})"
        if a.ndim and a.size > 1:
            message = (f"{call} returned {describe(a[index])} at index "
                       f"{tuple(int(i) for i in index)}; expected {describe(e[index])} {gap}")
            if a.size <= 8:
                message += f"\n  returned: {describe(a)}\n  expected: {describe(e)}"
        else:
            message = f"{call} returned {describe(a)}; expected {describe(e)} {gap}"
        _fail(message, hint)


def assert_equal(actual: Any, expected: Any, call: str, hint: str = "") -> None:
    """Check exact equality (integers, strings, tuples, dicts); dicts are compared key by key."""
    _record(call)
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            _fail(f"{call} returned {describe(actual)} ({type(actual).__name__}); expected a dict",
                  hint)
        missing = [k for k in expected if k not in actual]
        extra = [k for k in actual if k not in expected]
        if missing or extra:
            _fail(f"{call} returned keys {sorted(map(str, actual))}; expected keys "
                  f"{sorted(map(str, expected))}", hint)
        for key in expected:
            assert_equal(actual[key], expected[key], f"{call}[{key!r}]", hint)
        return
    if isinstance(expected, tuple) and isinstance(actual, list):
        _fail(f"{call} returned a list {describe(actual)}; expected a tuple {describe(expected)}",
              hint)
    try:
        same = bool(actual == expected)
    except Exception:
        same = False
    if not same:
        _fail(f"{call} returned {describe(actual)}; expected {describe(expected)}", hint)


def assert_true(condition: Any, message: str, hint: str = "") -> None:
    """Fail with ``message`` unless ``condition`` is true."""
    _record(message)
    if not condition:
        _fail(message, hint)


def assert_shape(actual: Any, shape: tuple, what: str, hint: str = "") -> None:
    """Check the shape of an array (or tensor), e.g. ``assert_shape(W, (3, 4), "W1")``."""
    _record(what)
    got = tuple(np.shape(actual))
    if got != tuple(shape):
        _fail(f"{what} has shape {got}; expected {tuple(shape)}", hint)


def assert_dtype(actual: Any, kind: str, what: str, hint: str = "") -> None:
    """Check an array's dtype kind: ``"f"`` floating, ``"i"`` integer, ``"b"`` boolean."""
    _record(what)
    names = {"f": "floating-point", "i": "integer", "b": "boolean"}
    got = np.asarray(actual).dtype
    ok = got.kind in ("iu" if kind == "i" else kind)
    if not ok:
        _fail(f"{what} has dtype {got}; expected a {names.get(kind, kind)} dtype", hint)


def assert_raises(exception: type[BaseException], func: Callable, *args: Any,
                  call: str | None = None, **kwargs: Any) -> None:
    """Check that ``func(*args, **kwargs)`` raises ``exception`` (bad input gets an error)."""
    call = call or call_repr(getattr(func, "__name__", "function"), *args, **kwargs)
    _record(call)
    try:
        func(*args, **kwargs)
    except exception:
        return
    except Exception as error:  # a different error is reported by name
        _fail(f"{call} raised {type(error).__name__}: {error}; expected {exception.__name__}")
    _fail(f"{call} returned normally; expected it to raise {exception.__name__}")


@contextlib.contextmanager
def strict_numerics(call: str):
    """Turn NumPy overflow/invalid/divide warnings into test failures inside the block.

    Used to check that a function is numerically safe (e.g. ``sigmoid(-1000.0)``).
    """
    _record(call)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            try:
                yield
            except (FloatingPointError, RuntimeWarning) as error:
                raise AssertionError(
                    f"{call} is not numerically safe: NumPy reported '{error}'\nHint: avoid "
                    "computing exp() of a large positive number or log(0)") from None


def compiled(func: Callable) -> Callable:
    """``tf.function(func)``: checks that a step function also works compiled into a graph.

    When the grader runs the tests, a graded function stands for the student's function in
    the student's kernel; there the student's function is compiled instead."""
    remote = getattr(func, "__course_compiled__", None)
    if remote is not None:
        return remote()
    import tensorflow as tf

    return tf.function(func)


def gradients(func: Callable, *args: Any) -> tuple[Any, list]:
    """``(value, grads)``: ``value = func(*args)`` computed under ``tf.GradientTape`` with
    every argument turned into a float32 ``tf.Variable``, and ``grads[i]``, the gradient of
    ``value`` with respect to ``args[i]`` as a NumPy array (``None`` where TensorFlow could
    not differentiate, e.g. through NumPy code).

    When the grader runs the tests, the tape runs in the student's kernel, where the
    student's function is."""
    remote = getattr(func, "__course_gradients__", None)
    if remote is not None:
        return remote(*args)
    import tensorflow as tf

    variables = [tf.Variable(np.asarray(arg, dtype="float32")) for arg in args]
    with tf.GradientTape() as tape:
        value = func(*variables)
    if not tf.is_tensor(value):  # computed outside TensorFlow: nothing to differentiate
        return value, [None] * len(variables)
    grads = tape.gradient(value, variables)
    return value, [None if grad is None else np.asarray(grad) for grad in grads]


def functional_model(build: Callable, input_shape: tuple, *args: Any) -> Any:
    """``keras.Model(inputs, build(inputs, *args))`` with ``inputs = keras.Input(input_shape)``:
    a model made of a block written with the Keras functional API (``build`` takes a Keras
    tensor and returns one).

    When the grader runs the tests, the model is built in the student's kernel, where the
    student's function is, and comes back by value."""
    remote = getattr(build, "__course_functional__", None)
    if remote is not None:
        return remote(input_shape, *args)
    import keras

    inputs = keras.Input(tuple(input_shape))
    return keras.Model(inputs, build(inputs, *args))


# ----------------------------------------------------------------------------- tables of cases


@dataclass
class Case:
    """One data-driven test case: ``func(*args, **kwargs)`` should be close to ``expected``."""

    args: tuple
    expected: Any
    kwargs: dict = field(default_factory=dict)
    rtol: float = 1e-5
    atol: float = 1e-8
    hint: str = ""


def check_cases(func: Callable, cases: Iterable[Case], name: str | None = None) -> None:
    """Run every case through ``func``; the first failing case raises with its own message."""
    name = name or getattr(func, "__name__", "function")
    for case in cases:
        call = call_repr(name, *case.args, **case.kwargs)
        assert_close(func(*case.args, **case.kwargs), case.expected, call, case.rtol, case.atol,
                     case.hint)


# ----------------------------------------------------------------------------- gradients


def relative_error(a: Any, b: Any) -> float:
    """``max |a - b| / max(1e-8, |a| + |b|)``, the usual gradient-check measure (cs231n)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def _central_differences(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float):
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        plus = float(f(x))
        x[index] = original - eps
        minus = float(f(x))
        x[index] = original
        grad[index] = (plus - minus) / (2 * eps)
    return grad


def assert_gradient(f: Callable[[np.ndarray], float], x: Any, grad: Any, what: str,
                    tol: float = 1e-7, eps: float = 1e-5, hint: str = "") -> None:
    """Check an analytic gradient ``grad`` of the scalar function ``f`` at ``x`` against
    central differences; fails when the relative error exceeds ``tol``."""
    _record(what)
    g = _as_float_array(grad, what)
    if g.shape != np.shape(x):
        _fail(f"{what} has shape {g.shape}; expected the shape of its variable {np.shape(x)}", hint)
    numeric = _central_differences(f, x, eps)
    error = relative_error(g, numeric)
    if not error < tol:
        index = np.unravel_index(np.argmax(np.abs(g - numeric)), g.shape) if g.ndim else ()
        _fail(f"{what} does not match the numerical gradient: relative error {error:.2g} > "
              f"{tol:.0e}; at index {tuple(int(i) for i in index)} it is {describe(g[index])}, "
              f"the numerical gradient is {describe(numeric[index])}", hint)


# ----------------------------------------------------------------------------- Keras models


_LAYER_ATTRIBUTES = ("units", "filters", "kernel_size", "strides", "padding", "pool_size",
                     "rate", "return_sequences")


def layer_summary(model) -> list[dict]:
    """One dict per layer: ``class``, ``output_shape``, ``params``, ``activation`` and the
    layer's size/shape options (units, filters, kernel_size, strides, padding, ...)."""
    rows = []
    for layer in model.layers:
        row = {"class": type(layer).__name__, "params": int(layer.count_params())}
        try:
            row["output_shape"] = tuple(layer.output.shape)
        except (AttributeError, ValueError):
            pass
        activation = getattr(layer, "activation", None)
        if activation is not None:
            row["activation"] = getattr(activation, "__name__", str(activation))
        for attribute in _LAYER_ATTRIBUTES:
            if hasattr(layer, attribute):
                value = getattr(layer, attribute)
                row[attribute] = tuple(value) if isinstance(value, list) else value
        rows.append(row)
    return rows


def assert_layers(model, expected: list[dict], call: str, hint: str = "") -> None:
    """Compare a Keras model with the expected layers row by row.

    Each expected row lists only the keys that matter (``{"class": "Dense", "units": 4,
    "activation": "relu"}``); the first difference is reported with both rows.
    """
    _record(call)
    if not hasattr(model, "layers"):
        _fail(f"{call} returned {describe(model)}; expected a Keras model", hint)
    rows = layer_summary(model)
    got_classes = [r["class"] for r in rows]
    want_classes = [r.get("class", "?") for r in expected]
    if len(rows) != len(expected):
        _fail(f"{call} has {len(rows)} layers {got_classes}; expected {len(expected)} "
              f"{want_classes}", hint)
    for i, (got, want) in enumerate(zip(rows, expected, strict=True)):
        for key, value in want.items():
            if got.get(key) != value:
                _fail(f"{call}: layer {i} ({got['class']}) has {key} = {got.get(key)!r}; "
                      f"expected {value!r}\n  layer:    {got}\n  expected: {want}", hint)


# ----------------------------------------------------------------------------- multiple choice


def check_choice_format(answer: Any, options: str, name: str) -> None:
    """Check a multiple-choice answer is a set of option letters, e.g. ``{"a", "c"}``."""
    _record(name)
    if not isinstance(answer, (set, frozenset)):
        _fail(f"{name} is {describe(answer)} ({type(answer).__name__}); expected a set of "
              f"letters such as {{'a', 'c'}}")
    unknown = sorted(str(a) for a in answer if a not in set(options))
    if unknown:
        _fail(f"{name} contains {unknown}, which are not options; choose from "
              f"{sorted(options)}")
    if not answer:
        _fail(f"{name} is empty; choose at least one option")


def assert_choice(answer: Any, expected: set, name: str, hint: str = "") -> None:
    """Check a multiple-choice answer is exactly the expected set (without revealing it)."""
    _record(name)
    if set(answer) != set(expected):
        _fail(f"{name} = {sorted(answer)} is not the right set of options", hint)


# ----------------------------------------------------------------------------- tracebacks


def _without_frames_of(tb, files: set[str]):
    """The traceback ``tb`` without the frames of code in ``files`` (the chain is relinked)."""
    kept = []
    while tb is not None:
        if tb.tb_frame.f_code.co_filename not in files:
            kept.append(tb)
        tb = tb.tb_next
    for frame, following in zip(kept, kept[1:] + [None], strict=True):
        frame.tb_next = following
    return kept[0] if kept else None


def _short_traceback(shell, etype, value, tb, tb_offset=None):
    """IPython's traceback of an ``AssertionError`` without the frames inside this module and
    ``contextlib``: the test line that failed, then the message. IPython calls it instead of
    showing the traceback, so it shows it (as an error output, like any error)."""
    tb = _without_frames_of(tb, {__file__, contextlib.__file__}) or tb
    structured = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
    shell._showtraceback(etype, value, structured)


def _forget_checks(*_: Any) -> None:
    _checked.clear()


def _report_checks(result) -> None:
    """After a cell that ran checks without an error: one line saying so. (In the grader's
    judge kernel the hidden checks ran too, so it says "all checks".)"""
    if _checked and result.success:
        judge = "course.grading.judge_kernel" in sys.modules
        scope = "all checks" if judge else "all visible checks"
        print(f"✓ {scope} passed ({len(_checked)})")
    _checked.clear()


def install_notebook_hooks() -> None:
    """In an IPython kernel: short tracebacks for failed checks, a line for passed ones (done
    on import; call it again in a kernel that imported this module before it started)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    if not shell.custom_exceptions:
        shell.set_custom_exc((AssertionError,), _short_traceback)
    if _report_checks not in shell.events.callbacks["post_run_cell"]:
        shell.events.register("pre_run_cell", _forget_checks)
        shell.events.register("post_run_cell", _report_checks)


install_notebook_hooks()
