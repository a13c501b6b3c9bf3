"""`grade key PATH…`: the canonical answers, computed by the engine, as text or JSON."""

from __future__ import annotations

import json
import math

import pytest

from tests.conftest import PROBLEMS, SEED_SPEC


def test_shipped_problems_as_json_golden(grade, golden, monkeypatch):
    monkeypatch.chdir(PROBLEMS.parent)
    run = grade("key", "problems/", "--format", "json")
    assert run.code == 0, run.err
    golden("key_problems.json", run.out)


def test_shipped_problems_give_the_three_seed_answers(grade):
    run = grade("key", PROBLEMS, "--format", "json")
    assert json.loads(run.out) == {
        "lstm-states-1": [0, 0, 1, -1, 1, 0],
        "lstm-states-2": [1, -1, 0, 1, -1],
        "lstm-info": ["c"],
    }


def test_text_format_lines_up_ids(grade):
    run = grade("key", PROBLEMS)
    assert run.code == 0
    assert run.out.splitlines() == [
        "lstm-states-1  [0, 0, 1, -1, 1, 0]",
        "lstm-states-2  [1, -1, 0, 1, -1]",
        "lstm-info      [c]",
    ]


def test_keys_come_from_the_engine_not_from_expected(grade, write_spec):
    # the same model, new inputs and no `expected:`: the key can only have been computed
    path = write_spec(SEED_SPEC.replace("[1, 1, 0, 1, 1]", "[1, 1, 1, 0, 1]"))
    run = grade("key", path, "--format", "json")
    assert json.loads(run.out) == {"states": [1, -1, 1, 0, 1]}


# f = 0, i = o = 1 and the cell input tanh(1), exact activations: c_t = tanh(1) = 0.76159…,
# h_t = tanh(c_t) = 0.64201…
ONE_UNIT = """\
    id: states
    title: States
    statement: s
    model:
      cell: lstm
      gates:
        forget: {W_h: 0, W_x: 0, b: -100}
        input:  {W_h: 0, W_x: 0, b: 100}
        output: {W_h: 0, W_x: 0, b: 100}
        cell:   {W_h: 0, W_x: 0, b: 1}
    inputs: [0, 0]
    evaluation:
      activation: exact
      rounding: ROUNDING
    answer: {kind: sequence, of: OF}
    """


@pytest.mark.parametrize(
    ("rounding", "of", "values"),
    [
        ("{decimals: 2, ties: toward_zero}", "h", [0.64, 0.64]),
        ("{decimals: 3}", "c", [0.762, 0.762]),
        ("none", "h", [math.tanh(math.tanh(1))] * 2),
        ("none", "c", [math.tanh(1)] * 2),
    ],
)
def test_json_numbers_are_plain_numbers(grade, write_spec, rounding, of, values):
    spec = ONE_UNIT.replace("ROUNDING", rounding).replace("OF", of)
    run = grade("key", write_spec(spec), "--format", "json")
    assert run.code == 0, run.err
    assert json.loads(run.out)["states"] == pytest.approx(values, rel=1e-15, abs=0)


def test_vector_keys_are_lists_of_vectors(grade, write_spec):
    spec = """\
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
    run = grade("key", write_spec(spec), "--format", "json")
    assert run.code == 0, run.err
    # x = 1: the two cell inputs are tanh(±100) = ±1, so h = [1, -1]; x = 0: tanh(0) = 0
    assert json.loads(run.out) == {"pair": [[1, -1], [0, 0]]}


def test_output_file_instead_of_stdout(grade, tmp_path):
    target = tmp_path / "keys" / "answers.json"
    run = grade("key", PROBLEMS, "--format", "json", "--output", target)
    assert run.code == 0
    assert run.out == ""
    assert json.loads(target.read_text())["lstm-states-2"] == [1, -1, 0, 1, -1]


def test_an_unwritable_output_is_a_usage_error_and_nothing_is_written(grade, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    run = grade("key", PROBLEMS, "--output", blocker / "answers.json")
    assert run.code == 2
    assert run.err == f"grade: error: cannot write {blocker / 'answers.json'}: {blocker} is not a directory\n"
    assert "Traceback" not in run.err
    assert blocker.read_text() == "not a directory"


def test_a_problem_whose_inputs_vary_per_student(grade, write_spec):
    spec = SEED_SPEC.replace("[1, 1, 0, 1, 1]", "{random: {alphabet: [0, 1], length: 5}}").replace(
        "statement: Enter [h_0, ..., h_T].", "statement: 'Inputs {inputs}: enter [h_0, ..., h_4].'"
    )
    path = write_spec(spec)
    text = grade("key", path, PROBLEMS / "lstm-info.yaml")
    assert text.code == 0
    assert text.out.splitlines() == [
        "states     varies per student (`grade variant states --student ID`)",
        "lstm-info  [c]",
    ]
    as_json = grade("key", path, PROBLEMS / "lstm-info.yaml", "--format", "json")
    assert as_json.code == 0
    assert json.loads(as_json.out) == {"lstm-info": ["c"]}
    assert as_json.err == (
        "grade: note: left out states: inputs vary per student "
        "(see `grade variant PROBLEM --student ID`)\n"
    )
