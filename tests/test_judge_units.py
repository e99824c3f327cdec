"""What the judge runs itself and what it reads from the student's kernel
(``course.grading.judge``).

The judge re-runs the instructor's lesson code a test depends on, but never a statement that
uses the student's code (directly, through a value computed from it, or through a lesson
function that calls it): the names such statements bind or change are read by value."""

from __future__ import annotations

import nbformat

from course.grading.judge import JudgeProgram, free_names
from tests.helpers import nbgrader_cell


def _program(*cells) -> JudgeProgram:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbgrader_cell("setup", "import numpy as np\nfrom utils import checks", "setup"),
                nbgrader_cell("answer", "def train(data):\n    return data.mean()", "answer_train"),
                *cells]
    return JudgeProgram.from_source(nb)


def _lesson(source: str):
    return nbgrader_cell("code", source)


def _test(source: str, grade_id: str = "test_it"):
    return nbgrader_cell("test", source, grade_id, 1)


def _slice(program: JudgeProgram, test_source: str, grade_id: str = "test_it"):
    chosen = program.slice_for(test_source, program.tests[grade_id], set())
    return [(program.lesson[index].key, sorted(fetch)) for index, fetch in chosen]


def test_instructor_statements_run_in_the_judge_student_results_are_read():
    program = _program(
        _lesson("data = np.arange(4.0)\nmodel = train(data)\nscale = 3"),
        _test("checks.assert_close(model * scale, 4.5, 'model')"))
    lesson = program.lesson[0]
    assert lesson.fetch == {"model"}
    assert lesson.binds == {"data", "scale"}
    assert "train(" not in lesson.source and "scale = 3" in lesson.source
    assert _slice(program, "checks.assert_close(model * scale, 4.5, 'model')") == [
        ("#3", ["model"])]


def test_values_derived_from_student_results_are_read_not_recomputed():
    program = _program(
        _lesson("model = train(np.ones(3))"),
        _lesson("history = []\nhistory.append(model)\nsummary = {'m': model}\nsummary['n'] = 1"),
        _test("checks.assert_true(history and summary, 'history')"))
    assert program.lesson[1].fetch == {"history", "summary"}
    assert program.lesson[1].binds == set()


def test_lesson_functions_calling_student_code_are_definitions_in_the_judge():
    program = _program(
        _lesson("def fit_twice(data):\n    return train(data) + train(data)\n"
                "smooth = lambda v: v + 1\nresult = fit_twice(np.ones(2))"),
        _test("checks.assert_close(fit_twice(np.ones(2)), smooth(1.0), 'fit_twice')"))
    lesson = program.lesson[0]
    assert lesson.fetch == {"result"}
    assert {"fit_twice", "smooth"} <= lesson.binds
    assert "def fit_twice" in lesson.source and "result =" not in lesson.source


def test_instructor_code_rebinding_a_name_clears_its_dependence_on_student_code():
    program = _program(
        _lesson("x = train(np.ones(2))"),
        _lesson("x = np.zeros(2)\ny = x + 1"),
        _test("checks.assert_close(y, [1, 1], 'y')"))
    assert program.lesson[1].fetch == set() and program.lesson[1].binds == {"x", "y"}
    assert _slice(program, "checks.assert_close(y, [1, 1], 'y')") == [("#4", [])]


def test_the_slice_follows_what_chosen_cells_use():
    test = "for item in range(3):\n    checks.assert_close(train(item), expected(item), 'x')"
    program = _program(
        _lesson("base = 2.0"),
        _lesson("unused = 5"),
        _lesson("def expected(v):\n    return v * base"),
        _test(test))
    assert _slice(program, test) == [("#3", []), ("#5", [])]


def test_functions_a_test_defines_are_not_read_from_lesson_cells():
    source = ("def scripted(losses):\n    def step(lr):\n        return losses[0]\n"
              "    return step\n"
              "try:\n    scripted([1.0])(0.1)\nexcept ValueError as error:\n    print(error)\n"
              "def helper():\n    import numpy as npx\n    return npx.ones(1), model\n")
    assert free_names(source) == {"ValueError", "print", "model"}


def test_free_names_leave_out_what_a_cell_binds_itself():
    source = "def f(a):\n    return a + b\nfor i in range(3):\n    total = i + c"
    assert free_names(source) == {"b", "c", "range"}


def test_a_judge_reply_that_is_not_ok_is_an_error_output_even_when_nothing_was_shown():
    import asyncio

    from course.grading.judged_execute import JudgedExecute

    executor = JudgedExecute()
    executor._judging = True
    cell = nbformat.v4.new_code_cell("checks.assert_true(False, 'x')")
    reply = {"content": {"status": "error", "ename": "AssertionError", "evalue": "x"}}
    asyncio.run(executor._check_raise_for_error(cell, 0, reply))
    assert [o.output_type for o in cell.outputs] == ["error"]
    assert cell.outputs[0].ename == "AssertionError"

    shown = nbformat.v4.new_code_cell("1")
    shown.outputs = [nbformat.v4.new_output("error", ename="E", evalue="v", traceback=[])]
    asyncio.run(executor._check_raise_for_error(shown, 0, reply))
    assert len(shown.outputs) == 1, "an error already shown is not doubled"

    passed = nbformat.v4.new_code_cell("1")
    asyncio.run(executor._check_raise_for_error(passed, 0, {"content": {"status": "ok"}}))
    assert passed.outputs == []
