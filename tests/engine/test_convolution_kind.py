"""The convolution kind: `model: {network: convolution, …}` with `answer: {kind: outputs}`, keys
checked against hand-computed maps and numpy's own correlate, and its conventions and mistakes."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from grader.engine.keys import compute_key, compute_keys
from grader.engine.variants import draw_variants
from grader.errors import EXIT_USAGE
from grader.feedback.audit import audit_problem
from grader.feedback.explain import worked_solution
from grader.feedback.mistakes import diagnose
from grader.grading import grade_answer, grade_answers
from grader.spec.models import Problem
from tests.conftest import ROOT


def conv_problem(model: dict[str, Any], inputs: Any, evaluation: dict[str, Any] | None = None) -> Problem:
    statement = "Enter the feature map for {inputs}." if isinstance(inputs, dict) else "Enter the map."
    return Problem.model_validate(
        {
            "id": "conv",
            "title": "Convolution",
            "statement": statement,
            "model": {"network": "convolution", **model},
            "inputs": inputs,
            "evaluation": evaluation or {},
            "answer": {"kind": "outputs"},
            "reveal": "diagnosis",
        }
    )


# name, model, inputs, evaluation, the map worked out by hand
KEYS = [
    # [1,2,3]·[1,0,-1] = -2, [2,3,4]·… = -2
    ("1-D cross-correlation", {"kernel": [1, 0, -1]}, [1, 2, 3, 4], None, [-2, -2]),
    # flipped kernel [-1, 0, 1]: 2, 2
    ("1-D textbook convolution", {"kernel": [1, 0, -1], "flip": True}, [1, 2, 3, 4], None, [2, 2]),
    # padded [0,1,2,3,0]: [0,1]→1, [1,2]→3 … with kernel [1, 1]: 1, 3, 5, 3
    ("padding", {"kernel": [1, 1], "padding": 1}, [1, 2, 3], None, [1, 3, 5, 3]),
    # windows at 0 and 2 of [1,2,3,4,5]: 1+2=3, 3+4=7
    ("stride 2", {"kernel": [1, 1], "stride": 2}, [1, 2, 3, 4, 5], None, [3, 7]),
    # z = x − 2 = −1, 0, 1, 2; relu: 0, 0, 1, 2; max pool 2: 0, 2
    (
        "bias, relu, max pooling",
        {"kernel": [1], "bias": -2, "activation": "relu", "pool": {"kind": "max", "size": 2}},
        [1, 2, 3, 4],
        None,
        [0, 2],
    ),
    # map 1, 2, 3, 4; average pool 2 stride 1: 1.5, 2.5, 3.5 → rounded half to even: 2, 2, 4
    (
        "average pooling, rounded",
        {"kernel": [1], "pool": {"kind": "average", "size": 2, "stride": 1}},
        [1, 2, 3, 4],
        {"rounding": {"to": "integer", "ties": "even"}},
        [2, 2, 4],
    ),
    # image [[1,2,3],[4,5,6],[7,8,9]], kernel [[1,0],[0,-1]]: 1−5, 2−6, 4−8, 5−9 = −4 everywhere
    ("2-D", {"kernel": [[1, 0], [0, -1]]}, [[1, 2, 3], [4, 5, 6], [7, 8, 9]], None, [[-4, -4], [-4, -4]]),
    # the same kernel flipped, [[-1,0],[0,1]]: +4 everywhere; then max pool 2: 4
    (
        "2-D flipped, pooled",
        {"kernel": [[1, 0], [0, -1]], "flip": True, "pool": {"kind": "max", "size": 2}},
        [[1, 2, 3], [4, 5, 6], [7, 8, 9]],
        None,
        [[4]],
    ),
]


@pytest.mark.parametrize(
    ("model", "inputs", "evaluation", "key"), [c[1:] for c in KEYS], ids=[c[0] for c in KEYS]
)
def test_keys_are_the_hand_computed_maps(model, inputs, evaluation, key):
    computed = compute_key(conv_problem(model, inputs, evaluation))
    np.testing.assert_allclose(np.asarray(computed), np.asarray(key, dtype=float), atol=1e-12)


def test_a_1d_key_is_numpys_correlate_and_convolve():
    signal, kernel = [0.5, -1.0, 2.0, 3.0, -0.25, 1.0], [0.2, -0.7, 1.3]
    valid = compute_key(conv_problem({"kernel": kernel}, signal))
    flipped = compute_key(conv_problem({"kernel": kernel, "flip": True}, signal))
    np.testing.assert_allclose(valid, np.correlate(signal, kernel, "valid"), atol=1e-12)
    np.testing.assert_allclose(flipped, np.convolve(signal, kernel, "valid"), atol=1e-12)


def test_answers_are_graded_as_a_list_or_a_list_of_rows():
    one = conv_problem({"kernel": [1, 0, -1]}, [1, 2, 3, 4])
    two = conv_problem({"kernel": [[1, 0], [0, -1]]}, [[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    assert grade_answer(one, "-2, -2", compute_key(one)).score == 1.0
    assert grade_answer(two, "[[-4, -4], [-4, -4]]", compute_key(two)).score == 1.0
    assert grade_answer(two, "-4 -4; -4 -4", compute_key(two)).score == 1.0
    wrong = grade_answer(two, "[-4, -4, -4, -4]", compute_key(two))
    assert (wrong.score, wrong.attempts_used) == (0.0, 0)
    assert wrong.feedback == (
        "Could not read your answer: expected 2 rows of 2 numbers (a 2×2 matrix); got one row of 4 "
        "numbers: put each row in brackets, or separate rows with ';' or new lines. Enter the feature "
        "map as 2 rows of 2 numbers (a 2×2 matrix): each row in brackets, [[…], […]], or rows apart by "
        "';' or new lines. This used no attempt."
    )


def test_a_map_is_graded_per_entry_and_named_by_row_and_column():
    two = conv_problem({"kernel": [[1, 0], [0, -1]]}, [[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    key = compute_key(two)  # [[-4, -4], [-4, -4]]
    per_entry = two.model_copy(update={"scoring": "per_element"})
    result = grade_answer(per_entry, "-4 -4; 4 -4", key, level="positions")
    assert result.score == 0.75
    assert result.feedback == (
        "Not correct: row 2, column 1 of the feature map is wrong; the other entries are right."
    )
    one = conv_problem({"kernel": [1, 0, -1]}, [1, 2, 3, 4])
    assert grade_answer(one, "-2, 2", compute_key(one), level="positions").feedback == (
        "Not correct: entry 2 of the feature map is wrong; the other entries are right."
    )


def test_an_outputs_answer_belongs_to_a_network_and_a_sequence_to_a_cell():
    with pytest.raises(ValueError, match="convolution` model's answer is 'outputs'; got 'sequence'"):
        Problem.model_validate(
            {
                "id": "c",
                "title": "C",
                "statement": "s",
                "inputs": [1, 2],
                "model": {"network": "convolution", "kernel": [1]},
                "answer": {"kind": "sequence"},
            }
        )


def test_variants_are_computed_for_every_student_in_one_batch():
    problem = conv_problem(
        {"kernel": [1, -1], "activation": "relu", "pool": {"kind": "max", "size": 2}},
        {"random": {"alphabet": [0, 1, 2], "length": 7}},
    )
    draw = draw_variants(problem, [f"s{i}" for i in range(30)], "salt")
    keys = compute_keys(problem, np.stack(draw.inputs))
    for index, inputs in enumerate(draw.inputs):
        signal = np.asarray(inputs, dtype=float).reshape(-1)
        mapped = np.maximum(np.correlate(signal, [1, -1], "valid"), 0)
        np.testing.assert_allclose(keys[index], [mapped[0:2].max(), mapped[2:4].max(), mapped[4:6].max()])


def test_the_worked_solution_shows_the_padded_input_windows_and_pooling():
    solution = worked_solution(
        conv_problem(
            {
                "kernel": [1, 1],
                "padding": 1,
                "activation": "relu",
                "bias": -2,
                "pool": {"kind": "max", "size": 2},
            },
            [1, 2, 3],
        )
    )
    assert solution.columns() == ["entry", "window", "z = b + Σ K·window", "relu(z)"]
    rows = solution.rows()
    assert rows[0][:2] == ["padded input", [0.0, 1.0, 2.0, 3.0, 0.0]]
    # windows [0,1], [1,2], [2,3], [3,0]: z = −1, 1, 3, 1; relu 0, 1, 3, 1; max pool 1, 3
    assert [(row[1], float(row[2]), float(row[3])) for row in rows[2:6]] == [
        ([0.0, 1.0], -1.0, 0.0),
        ([1.0, 2.0], 1.0, 1.0),
        ([2.0, 3.0], 3.0, 3.0),
        ([3.0, 0.0], 1.0, 1.0),
    ]
    assert [(row[0], row[1], float(row[3])) for row in rows[6:]] == [
        ("max pool 0", [0.0, 1.0], 1.0),
        ("max pool 1", [3.0, 1.0], 3.0),
    ]


def test_the_audit_flags_the_flip_of_an_asymmetric_kernel_only():
    asymmetric = audit_problem(conv_problem({"kernel": [1, 0, -1]}, [1, 2, 3, 4]))
    symmetric = audit_problem(conv_problem({"kernel": [1, 2, 1]}, [1, 2, 3, 4]))
    assert "semantics:kernel_flip" in [change.id for change in asymmetric.changes]
    assert "semantics:kernel_flip" not in [change.id for change in symmetric.changes]


def test_the_audit_flags_a_value_within_1e_9_of_a_rounding_tie():
    # 0.1 + 0.2 + 0.2 = 0.5000000000000001 in float64: a tie in all but the last bit
    near = audit_problem(
        conv_problem({"kernel": [1, 1, 1]}, [0.1, 0.2, 0.2], {"rounding": {"to": "integer"}})
    )
    clear = audit_problem(
        conv_problem({"kernel": [1, 1, 1]}, [0.1, 0.2, 0.3], {"rounding": {"to": "integer"}})
    )
    assert "boundary" in [finding.id for finding in near.findings]
    assert "boundary" not in [finding.id for finding in clear.findings]


# name, model, inputs, the wrong answer worked out by hand, the one mistake that explains it
MISTAKES = [
    # key [1·1 + 2·0, 1·0 + 2·3] = [1, 6] for [1, 0, 3]; the kernel flipped, [2, 1]: [2, 3]
    ("kernel flipped", {"kernel": [1, 2]}, [1, 0, 3], [2, 3], "kernel_flip"),
    # key z = x + 3 → [4, 2, 6]; without b: [1, −1, 3]
    ("bias forgotten", {"kernel": [1], "bias": 3}, [1, -1, 3], [1, -1, 3], "bias_forgotten"),
    # key relu(x·2) of [1, −1, 3, −2] → [2, 0, 6, 0]; without relu: [2, −2, 6, −4]
    (
        "activation forgotten",
        {"kernel": [2], "activation": "relu"},
        [1, -1, 3, -2],
        [2, -2, 6, -4],
        "activation_forgotten",
    ),
    # map [1, 5, 2, 4]; max pool 2 → [5, 4]; average → [3, 3]
    (
        "average for max",
        {"kernel": [1], "pool": {"kind": "max", "size": 2}},
        [1, 5, 2, 4],
        [3, 3],
        "pooling_swapped",
    ),
]


# mistakes that give a map of another size: a 1-D answer of that length is diagnosed by name
MISTAKES += [
    # padded [0, 1, 2, 3, 0] under [1, 1]: key [1, 3, 5, 3]; unpadded [1, 2, 3]: [3, 5]
    ("padding forgotten", {"kernel": [1, 1], "padding": 1}, [1, 2, 3], [3, 5], "padding_forgotten"),
    # map [1, 5, 2, 4]: pooled 2 apart [5, 4]; 1 apart [5, 5, 4]
    (
        "pooling stride 1",
        {"kernel": [1], "pool": {"kind": "max", "size": 2}},
        [1, 5, 2, 4],
        [5, 5, 4],
        "pool_stride_one",
    ),
]


@pytest.mark.parametrize(
    ("model", "inputs", "given", "variant"), [c[1:] for c in MISTAKES], ids=[c[0] for c in MISTAKES]
)
def test_each_mistake_is_the_only_explanation(model, inputs, given, variant):
    problem = conv_problem(model, inputs)
    key = compute_key(problem)
    assert isinstance(key, np.ndarray)
    matches = diagnose(problem, key, np.array(given, dtype=float))
    assert [match.variant for match in matches] == [variant]
    assert matches[0].sentence


# --- the shipped samples: problems/convolution with its course settings, submissions/convolution

SAMPLES = ROOT / "problems" / "convolution"
SAMPLE_SUBMISSIONS = ROOT / "submissions" / "convolution"
NOW = ("--now", "2023-03-20T12:00:00+00:00")


def test_the_samples_pass_their_own_strict_check(grade, golden, monkeypatch):
    monkeypatch.chdir(ROOT)
    run = grade("check", "--strict", "problems/convolution")
    assert run.code == 0, run.err
    golden("check_convolution.txt", run.out)


def test_the_sample_keys_are_the_hand_worked_maps(grade):
    run = grade("key", SAMPLES, "--format", "json")
    assert run.code == 0, run.err
    # conv-1d: relu(1 + x̃_i − x̃_{i+2}) = 0 0 1 0 0 4 4 3, max of pairs; conv-2d: worked in its statement
    assert json.loads(run.out) == {"conv-1d": [0, 1, 4, 4], "conv-2d": [[4, 3], [4, 7]]}


@pytest.mark.parametrize(
    ("fmt", "name"), [("table", "grade_convolution.txt"), ("json", "grade_convolution.json")]
)
def test_the_sample_submissions_grade_to_the_golden_reports(grade, golden, fmt, name):
    run = grade(SAMPLE_SUBMISSIONS, "--problems", SAMPLES, "--format", fmt, *NOW)
    assert run.code == 0, run.err
    golden(name, run.out)


@pytest.mark.parametrize("problem", ["conv-1d", "conv-2d"])
def test_each_sample_has_a_worked_solution(grade, golden, problem):
    run = grade("explain", SAMPLES / f"{problem}.yaml")
    assert run.code == 0, run.err
    golden(f"explain_{problem}.txt", run.out)


def test_explain_works_a_sample_for_other_inputs_and_names_bad_ones(grade):
    # on [[1, 2, 3], [3, 4, 5], [0, 0, 0]]: z = −1 + x_00 − x_01 + 2 x_11 → [[6, 8], [−2, −2]];
    # relu, then the one 2×2 max: 8
    run = grade("explain", SAMPLES / "conv-2d.yaml", "--inputs", "1 2 3; 3 4 5; 0 0 0")
    assert run.code == 0, run.err
    assert run.out.splitlines()[-1] == "answer: the feature map = [[8]]"
    wrong = grade("explain", SAMPLES / "conv-2d.yaml", "--inputs", "[1, 2, 3, 4]")
    assert wrong.code == EXIT_USAGE
    assert wrong.err == (
        "grade: error: --inputs: a matrix kernel takes an image (a list of rows); got a list of numbers\n"
    )
    short = grade("explain", SAMPLES / "conv-1d.yaml", "--inputs", "[1]")
    assert short.code == EXIT_USAGE
    assert "the pool (2 wide) is larger than the feature map (1)" in short.err


def test_explain_as_json_names_the_rows_of_the_table(grade):
    run = grade("explain", SAMPLES / "conv-1d.yaml", "--format", "json")
    assert run.code == 0, run.err
    steps = json.loads(run.out)["steps"]
    assert steps[0]["entry"] == "padded input" and steps[0]["window"] == [0, 3, 1, 4, 1, 5, 9, 2, 6, 0]
    assert steps[-1] == {"entry": "max pool 3", "window": [4, 3], "z = b + Σ K·window": "", "relu(z)": 4}


def test_a_map_of_the_wrong_size_is_described_as_a_map():
    one = conv_problem({"kernel": [1, 0, -1]}, [1, 2, 3, 4])
    two = conv_problem({"kernel": [[1, 0], [0, -1]]}, [[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    assert grade_answer(one, "-2", compute_key(one)).feedback == (
        "Expected the feature map as 2 numbers (a vector); you gave 1 number."
    )
    wrong = grade_answer(two, "[[-4, -4, -4]]", compute_key(two))
    assert wrong.attempts_used == 1 and wrong.feedback == (
        "Expected the feature map as 2 rows of 2 numbers (a 2×2 matrix); you gave 1 row of 3 numbers "
        "(a 1×3 matrix)."
    )


def test_a_map_of_the_wrong_size_from_a_named_mistake_says_which():
    problem = conv_problem({"kernel": [1, 1], "padding": 1}, [1, 2, 3])
    feedback = grade_answer(problem, "3, 5", compute_key(problem)).feedback
    assert feedback == (
        "Expected the feature map as 4 numbers (a vector); you gave 2 numbers (a vector). Your answer is "
        "what you get without the padding; this problem adds one zero on every side of the input before "
        "sliding the kernel, which makes the map larger."
    )


def test_a_2d_map_of_the_wrong_width_is_graded_and_diagnosed_not_refused():
    problem = conv_problem({"kernel": [[1, 1], [0, 1]], "padding": 1}, [[1, 2, 3], [4, 5, 6], [1, 1, 1]])
    key = compute_key(problem)  # 4×4; without the padding, [[8, 11], [10, 12]]
    result = grade_answer(problem, "8 11; 10 12", key)
    assert result.attempts_used == 1 and result.score == 0.0
    assert result.feedback == (
        "Expected the feature map as 4 rows of 4 numbers (a 4×4 matrix); you gave 2 rows of 2 numbers "
        "(a 2×2 matrix). Your answer is what you get without the padding; this problem adds one zero on "
        "every side of the input before sliding the kernel, which makes the map larger."
    )
    batch = grade_answers(problem, [("8 11; 10 12", key, None, None)])
    assert [r.feedback for r in batch] == [result.feedback]
