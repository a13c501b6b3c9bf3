"""Specs that are right: the issue's example as written, short forms, defaults, directories."""

from __future__ import annotations

import pydantic
import pytest

from grader.engine.keys import compute_key
from grader.errors import SpecError
from grader.spec.loader import load_problem, load_problems
from grader.spec.models import ExactActivation, Rounding, SaturatingActivation
from tests.conftest import PROBLEMS, SEED_SPEC

# issue 2, verbatim: "This file must load as written and give [1, -1, 0, 1, -1]"
ISSUE_EXAMPLE = """\
id: lstm-states-2
title: LSTM states 2
points: 1
statement: |
  Now, we run the same model again ... Enter [h_0, h_1, h_2, h_3, h_4].
model:
  cell: lstm
  gates:                       # W^{g,h}, W^{g,x}, b_g for each gate g
    forget: {W_h: 0,    W_x: 0,   b: -100}
    input:  {W_h: 0,    W_x: 100, b: 100}
    output: {W_h: 0,    W_x: 100, b: 0}
    cell:   {W_h: -100, W_x: 50,  b: 0}
  initial: {h: 0, c: 0}
inputs: [1, 1, 0, 1, 1]
evaluation:
  activation: {kind: saturating, at: 1}     # or: exact
  rounding: {to: integer, ties: toward_zero}
  carry: rounded                            # or: exact
answer:
  kind: sequence
  of: h                                     # or: c
"""


def test_the_issue_example_loads_as_written(write_spec):
    problem = load_problem(write_spec(ISSUE_EXAMPLE))
    assert compute_key(problem).tolist() == [1, -1, 0, 1, -1]


@pytest.mark.parametrize(
    ("old", "new", "field", "value"),
    [
        ("{kind: saturating, at: 1}", "exact", "activation", ExactActivation(kind="exact")),
        ("{kind: saturating, at: 1}", "{kind: saturating}", "activation",
         SaturatingActivation(kind="saturating", at=1.0)),
        ("{to: integer, ties: toward_zero}", "none", "rounding", None),
        ("{to: integer, ties: toward_zero}", "{decimals: 3}", "rounding",
         Rounding(decimals=3, ties="away_from_zero")),
        ("  carry: rounded\n", "", "carry", "rounded"),
    ],
)
def test_short_forms_and_defaults(write_spec, old, new, field, value):
    problem = load_problem(write_spec(SEED_SPEC.replace(old, new)))
    assert getattr(problem.evaluation, field) == value


def test_defaults_of_a_minimal_spec(write_spec):
    problem = load_problem(
        write_spec(
            """\
            id: tiny
            title: Tiny
            statement: s
            model:
              cell: lstm
              gates:
                forget: {W_h: 0, W_x: 0, b: 0}
                input: {W_h: 0, W_x: 0, b: 0}
                output: {W_h: 0, W_x: 0, b: 0}
                cell: {W_h: 0, W_x: 0, b: 0}
            inputs: [0]
            answer: {kind: sequence}
            """
        )
    )
    assert problem.points == 1
    assert problem.model is not None and problem.model.initial.h == 0 and problem.model.initial.c == 0
    assert problem.evaluation.activation == ExactActivation(kind="exact")
    assert problem.evaluation.rounding is None
    assert problem.evaluation.carry == "rounded"
    assert problem.answer.kind == "sequence" and problem.answer.of == "h"
    # exact: σ(0)·tanh(σ(0)·tanh(0)) = 0
    assert compute_key(problem).tolist() == [0.0]


def test_problems_are_frozen():
    problem = load_problems(PROBLEMS)["lstm-states-2"]
    with pytest.raises(pydantic.ValidationError):
        problem.points = 2  # type: ignore[misc]


def test_the_shipped_course_in_the_course_order():
    problems = load_problems(PROBLEMS)
    assert problems.ids == ["lstm-states-1", "lstm-states-2", "lstm-info"]
    info = problems["lstm-info"]
    assert [choice.id for choice in info.answer.choices] == ["a", "b", "c", "d"]
    assert info.answer.correct_ids == ("c",)
    assert "consecutive ones is odd" in info.answer.choices[2].text


def test_files_and_directories_mix_and_yml_counts(write_spec, tmp_path):
    write_spec(SEED_SPEC, "course/states.yml")
    write_spec("not: a spec", "course/notes.txt")
    other = write_spec(SEED_SPEC.replace("id: states", "id: other"), "elsewhere.yaml")
    problems = load_problems([tmp_path / "course", other])
    assert problems.ids == ["states", "other"]
    assert problems.sources["other"] == other


@pytest.mark.parametrize("value", ["1e-6", "1.0e-6", "0.000001"])
def test_exponent_notation_is_a_number(write_spec, value):
    spec = SEED_SPEC.replace("{to: integer, ties: toward_zero}", "none").replace(
        "  of: h", f"  of: h\n  compare: {{abs_tol: {value}}}"
    )
    problem = load_problem(write_spec(spec))
    assert problem.answer.compare is not None and problem.answer.compare.abs_tol == 1e-6


PAIR = """\
id: pair
title: Pair
statement: s
model:
  cell: lstm
  gates:
    forget: {W_h: [[0, 0], [0, 0]], W_x: [[0], [0]], b: [-100, -100]}
    input:  {W_h: [[0, 0], [0, 0]], W_x: [[0], [0]], b: [100, 100]}
    output: {W_h: [[0, 0], [0, 0]], W_x: [[0], [0]], b: [100, 100]}
    cell:   {W_h: [[0, 0], [0, 0]], W_x: [[100], [-100]], b: [0, 0]}
inputs: [1, 0]
evaluation:
  activation: {kind: saturating, at: 1}
  rounding: {to: integer}
answer: {kind: sequence}
"""


@pytest.mark.parametrize("expected", ["[[1, -1], [0, 0]]", "['[1, -1]', [0, 0]]"])
def test_a_vector_expected_that_agrees(write_spec, expected):
    # x = 1: cell inputs tanh(±100) = ±1 so h = [1, -1]; x = 0: tanh(0) = 0
    problem = load_problem(write_spec(PAIR + f"expected: {expected}\n"))
    assert compute_key(problem).tolist() == [[1, -1], [0, 0]]


def test_a_vector_expected_that_disagrees(grade, write_spec):
    path = write_spec(PAIR + "expected: [[1, -1], [0, 1]]\n")
    run = grade("check", path)
    assert run.code == 2
    assert run.err.splitlines() == [
        f"grade: error: {path}:16: expected: the engine computes [[1, -1], [0, 0]], "
        "but `expected` says [[1, -1], [0, 1]] (differ at h_1)"
    ]


def test_a_file_named_twice_is_loaded_once():
    problems = load_problems([PROBLEMS, PROBLEMS / "lstm-info.yaml", PROBLEMS / ".." / "problems"])
    assert problems.ids == ["lstm-states-1", "lstm-states-2", "lstm-info"]


def test_answer_short_form(write_spec):
    spec = SEED_SPEC.replace("answer:\n  kind: sequence\n  of: h\n", "answer: sequence\n")
    problem = load_problem(write_spec(spec))
    assert problem.answer.kind == "sequence" and problem.answer.of == "h"


def test_one_spec_file_is_loaded_with_the_course_file_beside_it():
    problems = load_problems(PROBLEMS / "lstm-states-2.yaml")
    assert problems.ids == ["lstm-states-2"]  # the course's `order` names the others: not an error
    assert problems.course == load_problems(PROBLEMS).course
    assert problems.course.salt == "686x-unit3-hw3"


def test_spec_files_given_one_by_one_keep_the_order_given():
    problems = load_problems([PROBLEMS / "lstm-info.yaml", PROBLEMS / "lstm-states-1.yaml"])
    assert problems.ids == ["lstm-info", "lstm-states-1"]
    assert problems.course.salt == "686x-unit3-hw3"


def test_a_spec_file_without_a_course_file_beside_it_gets_the_defaults(write_spec):
    assert load_problems(write_spec(SEED_SPEC)).course.salt == "grader"


def test_two_course_files_are_refused(write_spec, tmp_path):
    write_spec(SEED_SPEC, "one/states.yaml")
    write_spec("salt: one\n", "one/course.yaml")
    write_spec(SEED_SPEC.replace("id: states", "id: other"), "two/other.yaml")
    write_spec("salt: two\n", "two/course.yaml")
    with pytest.raises(SpecError) as raised:
        load_problems([tmp_path / "one", tmp_path / "two" / "other.yaml"])
    assert str(raised.value) == (
        f"{tmp_path / 'two' / 'course.yaml'}: a second course file: {tmp_path / 'one' / 'course.yaml'} "
        "already gives the course settings (load one course at a time)"
    )
