"""utils.checks: each helper passes on right values and fails with a telling message."""

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

from utils import checks


def failure(func, *args, **kwargs) -> str:
    with pytest.raises(AssertionError) as info:
        func(*args, **kwargs)
    return str(info.value)


def test_assert_close_message_names_call_expected_and_actual():
    message = failure(checks.assert_close, 0.5, 0.5474, "sigmoid(0.19)", rtol=1e-4)
    assert message.startswith("sigmoid(0.19) returned 0.5; expected 0.5474 (|diff| 0.047")


def test_assert_close_passes_within_tolerance():
    checks.assert_close(np.array([1.0, 2.0]), [1.0 + 1e-9, 2.0], "f(x)")


def test_assert_close_reports_index_of_worst_entry():
    message = failure(checks.assert_close, [[0.0, 1.0], [2.0, 9.0]], [[0, 1], [2, 3]], "f(A)")
    assert "at index (1, 1)" in message and "returned 9" in message


def test_assert_close_rejects_none_shape_and_nan():
    assert "return" in failure(checks.assert_close, None, 1.0, "f(1)")
    assert "shape (3,)" in failure(checks.assert_close, np.zeros(3), np.zeros((3, 1)), "f(x)")
    assert "overflow" in failure(checks.assert_close, np.nan, 1.0, "f(1)")


def test_assert_close_accepts_matching_infinities():
    checks.assert_close(np.inf, np.inf, "f(inf)")
    failure(checks.assert_close, -np.inf, np.inf, "f(inf)")


def test_assert_close_hint_is_appended():
    assert "Hint: check the sign" in failure(checks.assert_close, 1.0, -1.0, "f(1)",
                                             hint="check the sign")


def test_assert_equal_compares_dicts_key_by_key():
    checks.assert_equal({"W1": (3, 4)}, {"W1": (3, 4)}, "layer_shapes(3, 4, 1)")
    message = failure(checks.assert_equal, {"W1": (4, 3)}, {"W1": (3, 4)}, "layer_shapes(3, 4, 1)")
    assert "layer_shapes(3, 4, 1)['W1'] returned (4, 3); expected (3, 4)" in message
    assert "keys" in failure(checks.assert_equal, {"W": 1}, {"W1": 1}, "f()")
    assert "tuple" in failure(checks.assert_equal, [3, 4], (3, 4), "shape")


def test_assert_shape_and_dtype():
    checks.assert_shape(np.zeros((2, 3)), (2, 3), "W")
    assert "W has shape (3, 2); expected (2, 3)" in failure(checks.assert_shape, np.zeros((3, 2)),
                                                           (2, 3), "W")
    checks.assert_dtype(np.zeros(2), "f", "x")
    assert "floating-point" in failure(checks.assert_dtype, np.zeros(2, dtype=int), "f", "x")


def test_assert_raises():
    checks.assert_raises(ValueError, int, "x")
    assert "returned normally" in failure(checks.assert_raises, ValueError, int, "3")
    assert "raised TypeError" in failure(checks.assert_raises, ValueError, int, None)


def test_strict_numerics_turns_overflow_into_failure():
    with checks.strict_numerics("ok(1)"):
        np.exp(1.0)
    with pytest.raises(AssertionError, match="not numerically safe"):
        with checks.strict_numerics("naive_sigmoid(-1000)"):
            1 / (1 + np.exp(np.float64(1000.0)))


def test_check_cases_reports_the_failing_case():
    cases = [checks.Case((1.0,), 2.0), checks.Case((3.0,), 7.0, hint="odd")]
    message = failure(checks.check_cases, lambda x: 2 * x, cases, name="double")
    assert message.startswith("double(3) returned 6; expected 7") and "Hint: odd" in message


def test_relative_error_matches_definition():
    assert checks.relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert checks.relative_error([1.0], [3.0]) == pytest.approx(0.5)
    assert checks.relative_error([0.0], [0.0]) == 0.0


def test_assert_gradient_accepts_right_and_rejects_wrong_gradient():
    x = np.array([[0.5, -1.0], [2.0, 0.1]])
    checks.assert_gradient(lambda v: float(np.sum(v ** 3)), x, 3 * x ** 2, "dW")
    message = failure(checks.assert_gradient, lambda v: float(np.sum(v ** 3)), x, x ** 2, "dW")
    assert "does not match the numerical gradient" in message


def test_layer_summary_and_assert_layers():
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    rows = checks.layer_summary(model)
    assert rows[0]["params"] == 16 and rows[1]["activation"] == "sigmoid"
    checks.assert_layers(model, [{"class": "Dense", "units": 4}, {"activation": "sigmoid"}], "m")
    message = failure(checks.assert_layers, model, [{"units": 4}, {"activation": "softmax"}], "m")
    assert "layer 1 (Dense) has activation = 'sigmoid'; expected 'softmax'" in message
    assert "has 2 layers" in failure(checks.assert_layers, model, [{"units": 4}], "m")


def test_multiple_choice_helpers():
    checks.check_choice_format({"a", "c"}, "abcd", "MC")
    assert "set of letters" in failure(checks.check_choice_format, "a", "abcd", "MC")
    assert "not options" in failure(checks.check_choice_format, {"z"}, "abcd", "MC")
    assert "empty" in failure(checks.check_choice_format, set(), "abcd", "MC")
    checks.assert_choice({"a", "c"}, {"c", "a"}, "MC")
    message = failure(checks.assert_choice, {"a"}, {"a", "c"}, "MC")
    assert "not the right set" in message and "'c'" not in message


def test_describe_is_short_for_large_arrays():
    assert checks.describe(np.zeros((100, 3))) == "array of shape (100, 3) (float64)"
    assert checks.call_repr("f", 0.19, axis=-1) == "f(0.19, axis=-1)"


def test_gradients_differentiates_tensorflow_code_and_reports_numpy_code_as_none():
    import tensorflow as tf

    value, grads = checks.gradients(lambda a, b: tf.reduce_sum(a * a) + 3.0 * tf.reduce_sum(b),
                                    [1.0, -2.0], [0.5])
    checks.assert_close(value, 6.5, "value")
    checks.assert_close(grads[0], [2.0, -4.0], "d/da")
    checks.assert_close(grads[1], [3.0], "d/db")
    _, (grad_numpy,) = checks.gradients(lambda a: np.sum(np.asarray(a) ** 2), [1.0])
    assert grad_numpy is None


def test_compiled_runs_the_function_as_a_graph():
    import tensorflow as tf

    traced = []

    def step(x):
        traced.append(tf.executing_eagerly())
        return x * 2.0

    checks.assert_close(checks.compiled(step)(tf.constant(1.5)), 3.0, "compiled step")
    assert traced == [False]


def test_graded_function_stand_ins_compute_gradients_and_compile_where_they_live():
    calls = []

    def stand_in(x):
        return x

    stand_in.__course_gradients__ = lambda *args: calls.append(("gradients", args)) or (1, [2])
    stand_in.__course_compiled__ = lambda: (lambda *args: calls.append(("compiled", args)))
    stand_in.__course_functional__ = lambda *args: calls.append(("functional", args))
    assert checks.gradients(stand_in, 5.0) == (1, [2])
    checks.compiled(stand_in)(7.0)
    checks.functional_model(stand_in, (3,), 4)
    assert calls == [("gradients", (5.0,)), ("compiled", (7.0,)), ("functional", ((3,), 4))]


def test_functional_model_wraps_a_functional_block():
    import keras

    model = checks.functional_model(lambda x, units: keras.layers.Dense(units)(x), (3,), 2)
    assert isinstance(model, keras.Model) and tuple(model.output.shape) == (None, 2)


def test_a_failed_check_shows_the_test_line_and_the_message_not_the_checks_frames():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import numpy as np\nfrom utils import checks"),
                nbformat.v4.new_code_cell("checks.assert_close(np.array([1.0, 2.0]), [1.0, 3.0], "
                                          "'f(x)')"),
                nbformat.v4.new_code_cell("with checks.strict_numerics('h(-1000)'):\n"
                                          "    np.exp(np.array([1000.0]))"),
                nbformat.v4.new_code_cell("def mine():\n    assert 1 == 2, 'own assert'\nmine()")]
    NotebookClient(nb, timeout=60, allow_errors=True, kernel_name="python3").execute()
    tracebacks = []
    for cell in nb.cells[1:]:
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert len(errors) == 1 and errors[0].ename == "AssertionError"
        tracebacks.append(re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(errors[0].traceback)))
    assert "returned 2 at index (1,); expected 3" in tracebacks[0]
    assert "not numerically safe" in tracebacks[1]
    for text in tracebacks[:2]:
        assert "checks.py" not in text and "contextlib" not in text
    assert "mine()" in tracebacks[2] and "own assert" in tracebacks[2], \
        "the student's own frames stay in the traceback"


def test_a_cell_whose_checks_pass_says_so_in_one_line():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import numpy as np\nfrom utils import checks"),
                nbformat.v4.new_code_cell("checks.assert_close(np.sqrt(4.0), 2.0, 'sqrt(4.0)')\n"
                                          "checks.assert_equal(1, 1, 'sqrt(1)')"),
                nbformat.v4.new_code_cell("checks.check_choice_format({'a'}, 'abc', 'MC_X')"),
                nbformat.v4.new_code_cell("x = 1"),
                nbformat.v4.new_code_cell("checks.assert_equal(1, 1, 'f()')\n"
                                          "checks.assert_equal(2, 3, 'g()')")]
    NotebookClient(nb, timeout=60, allow_errors=True, kernel_name="python3").execute()
    printed = ["".join(o.get("text", "") for o in cell.outputs) for cell in nb.cells]
    assert printed[1] == "✓ all visible checks passed (2)\n"
    assert printed[2] == "✓ all visible checks passed (1)\n"
    assert printed[3] == "", "a cell without checks prints nothing"
    assert "✓" not in printed[4], "a cell with a failed check does not claim success"


def test_the_messages_the_readme_quotes_are_the_ones_students_see():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    quoted = re.search(r"\(`(sigmoid\(0\.19\) returned [^`]*)`\)", readme).group(1)
    with pytest.raises(AssertionError) as failure:
        checks.assert_close(0.5, 0.5474, "sigmoid(0.19)")
    assert str(failure.value) == quoted
    assert "`✓ all visible checks passed (3)`" in readme
