"""`grade explain`: the worked solution, by file or id, for other inputs, in three formats."""

from __future__ import annotations

import json

import pytest

from tests.conftest import PROBLEMS


@pytest.mark.parametrize(
    ("fmt", "name"), [("text", "explain_lstm-states-2.txt"), ("markdown", "explain_lstm-states-2.md")]
)
def test_lstm_states_2_golden(grade, golden, fmt, name):
    run = grade("explain", PROBLEMS / "lstm-states-2.yaml", "--format", fmt)
    assert run.code == 0
    golden(name, run.out)


def test_by_id_with_other_inputs_as_json(grade):
    run = grade(
        "explain", "lstm-states-1", "--problems", PROBLEMS, "--inputs", "[0, 1, 1]", "--format", "json"
    )
    assert run.code == 0
    data = json.loads(run.out)
    # x = 0 from h = 0: c = 0, h = 0; x = 1: c = 1, h = 1; x = 1 from h = 1: c = -1, h = -1
    assert (data["problem"], data["answer"]) == ("lstm-states-1", [0, 1, -1])


def test_writes_a_file(grade, tmp_path):
    out = tmp_path / "solution.md"
    assert grade("explain", PROBLEMS / "lstm-states-2.yaml", "--format", "markdown", "-o", out).code == 0
    assert out.read_text(encoding="utf-8").startswith("### LSTM states 2 (`lstm-states-2`)")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["lstm-info", "--problems", PROBLEMS], "lstm-info is a choice problem"),
        (["nope", "--problems", PROBLEMS], "no problem 'nope' under"),
        (["missing.yaml"], "missing.yaml: no such problem spec file"),
        ([PROBLEMS / "lstm-states-2.yaml", "--inputs", "[0, x]"], "--inputs: 'x' (at character 5)"),
    ],
)
def test_bad_usage_exits_2_with_a_message(grade, argv, message):
    run = grade("explain", *argv)
    assert run.code == 2 and message in run.err and "Traceback" not in run.err


def test_inputs_that_vary_per_student_must_be_given(grade, write_spec):
    text = (PROBLEMS / "lstm-states-2.yaml").read_text(encoding="utf-8")
    text = text.replace("inputs: [1, 1, 0, 1, 1]", "inputs: {choose_from: [[1, 1, 1], [1, 1, 0, 1, 1]]}")
    text = text.replace("expected: [1, -1, 0, 1, -1]\n", "").replace(
        "statement: |\n", "statement: |\n  For the inputs {inputs}:\n"
    )
    spec = write_spec(text, "variants.yaml")
    run = grade("explain", spec)
    assert run.code == 2 and 'inputs vary per student; give them with --inputs "[...]"' in run.err
    # x = 1, 1, 0 from h = 0: h = 1, -1, then 0.5 rounded toward zero
    assert grade("explain", spec, "--inputs", "[1, 1, 0]").out.endswith("= [1, -1, 0]\n")


VECTOR_RNN = """\
id: vector-rnn
title: RNN
statement: Enter [h_0, h_1].
model: {cell: rnn, W_h: [[1, 0], [0, 1]], W_x: [[1, 0, 1], [0, 1, 0]], b: [0, 0], nonlinearity: identity}
inputs: [[1, 0, 0], [0, 1, 0]]
answer: {kind: sequence, of: h}
"""


def test_inputs_of_the_wrong_width_are_named_as_inputs(grade, write_spec):
    # the message is about x_t, what --inputs gives, not about h_t, what the answer reports
    run = grade("explain", write_spec(VECTOR_RNN), "--inputs", "[[1, 0], [0, 1, 0]]")
    assert run.code == 2
    assert run.err.splitlines() == ["grade: error: --inputs: entry 0 has 2 numbers; each x_t here has 3"]
