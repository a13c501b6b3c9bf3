"""`grade check`: validation, the key audit, --strict, and choice keys verified by simulation."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import PROBLEMS


def test_shipped_problems_audit_golden(grade, golden):
    run = grade("check", PROBLEMS)
    assert run.code == 0
    golden("check_problems.txt", run.out.replace(str(PROBLEMS), "problems"))


def test_the_audit_flags_lstm_states_2(grade):
    out = grade("check", PROBLEMS / "lstm-states-2.yaml").out
    assert "under carry: exact (step t+1 sees the unrounded h_t), the answer changes at h_3 and h_4" in out
    assert "carry_exact   [1, -1, 0, 0, 1]" in out
    assert "h_2 = 0.5 before rounding is within 1e-06 of a rounding boundary" in out


@pytest.mark.parametrize(
    ("paths", "strict", "code"),
    [
        (["lstm-states-2.yaml"], True, 3),
        (["lstm-states-2.yaml"], False, 0),
        (["lstm-info.yaml", "lstm-states-1.yaml"], True, 3),  # states-1: h_5 = -0.5 is a tie too
    ],
)
def test_strict_fails_on_warnings(grade, write_spec, paths, strict, code):
    # the shipped problems accept their reviewed warnings (`audit.accept`); without that, they fail
    copies = [
        write_spec((PROBLEMS / p).read_text(encoding="utf-8").split("\naudit:\n")[0] + "\n", p) for p in paths
    ]
    argv = ["check", *copies] + (["--strict"] if strict else [])
    assert grade(*argv).code == code


def test_strict_passes_a_problem_without_ties(grade, write_spec):
    # without the tie, and with feedback that counts wrong entries, nothing is left to accept
    text = (PROBLEMS / "lstm-states-2.yaml").read_text(encoding="utf-8").split("\naudit:\n")[0] + "\n"
    text = text.replace("inputs: [1, 1, 0, 1, 1]", "inputs: [1, 1, 1, 1]").replace(
        "expected: [1, -1, 0, 1, -1]", "expected: [1, -1, 1, -1]"
    )
    text = text.replace("show: diagnosis", "show: count")
    run = grade("check", "--strict", write_spec(text, "clean.yaml"))
    assert (run.code, run.out.splitlines()[-1]) == (0, "1 problem valid")


def test_the_lstm_info_key_is_verified_by_simulation(grade):
    out = grade("check", PROBLEMS / "lstm-info.yaml", PROBLEMS / "lstm-states-1.yaml").out
    assert "key verified by simulating lstm-states-1 on all 1024 input sequences of length 10" in out
    assert (
        "c  correct      h_t determines the parity of the current run of ones "
        "(h_t -1 → even, 0 → even, 1 → odd)"
    ) in out


D_LINE = "\n    - {id: d, text: Whether the total number of ones is odd., property: parity_of_ones"


@pytest.fixture
def course(tmp_path):
    """A copy of the shipped problems, to break one of them."""
    for path in PROBLEMS.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "property: parity_of_ones}",
            "property: parity_of_ones, correct: true}",
            "lstm-info.yaml:24: answer.choices[3].correct: choice 'd' is marked correct, but h_t of "
            "'lstm-states-1' does not determine the parity of the number of ones so far: after inputs [0] "
            "and after [1, 0] h_t = 0, but the property is even and odd",
        ),
        (  # the mark moved from c to d: c, checked first, is determined but not marked
            "parity_of_run_of_ones, correct: true}" + D_LINE + "}",
            "parity_of_run_of_ones}" + D_LINE + ", correct: true}",
            "lstm-info.yaml:23: answer.choices[2].correct: choice 'c' is not marked correct, but h_t of "
            "'lstm-states-1' determines the parity of the current run of ones on all 1024 sequences of "
            "length 10 and their prefixes (h_t = -1: even, h_t = 0: even, h_t = 1: odd)",
        ),
        (
            "property: parity_of_zeros}",
            "property: parity_of_zeroes}",
            "lstm-info.yaml:21: answer.choices[0].property: unknown property 'parity_of_zeroes'",
        ),
        (
            "check: {model: lstm-states-1,",
            "check: {model: lstm-states-9,",
            "lstm-info.yaml:19: answer.check.model: 'lstm-states-9' is not a problem with a model",
        ),
    ],
)
def test_a_contradicted_or_broken_choice_key_is_a_spec_error(grade, course, old, new, message):
    info = course / "lstm-info.yaml"
    text = info.read_text(encoding="utf-8")
    assert old in text
    info.write_text(text.replace(old, new, 1), encoding="utf-8")
    run = grade("check", course)
    assert run.code == 2
    file, rest = message.split(":", 1)
    assert run.err.startswith(f"grade: error: {course / file}:{rest}")


def test_a_choice_spec_checked_on_its_own_finds_its_model_beside_it(grade):
    run = grade("check", PROBLEMS / "lstm-info.yaml")
    assert run.code == 0
    assert "key verified by simulating lstm-states-1" in run.out


UNTYPABLE = """\
    id: exact-rnn
    title: An RNN without rounding
    statement: Enter [h_0, h_1].
    model: {cell: rnn, W_h: 0.5, W_x: 1, b: 0}
    inputs: [0.5, 0.25]
    max_attempts: 3
    answer: sequence
"""


def test_a_key_no_student_can_type_is_flagged_with_what_to_add(grade, write_spec):
    run = grade("check", "--strict", write_spec(UNTYPABLE, "exact-rnn.yaml"))
    assert run.code == 3
    assert (
        "warning [key:untypable]: a key cannot be typed: h_0 = 0.462117 and h_1 = 0.447091 need more "
        "than 4 decimals, and with no rounding the default tolerance (1e-6) accepts no shorter value"
    ) in run.out
    assert (
        "instead: round the key, `evaluation: {rounding: {decimals: 2}}` (and say so in the "
        "statement), or accept values typed to 2 decimals, `answer: {compare: {abs_tol: 0.005}}`"
    ) in run.out


@pytest.mark.parametrize(
    "fix",
    [
        "evaluation: {rounding: {decimals: 2}}\n",
        "answer: {kind: sequence, compare: {abs_tol: 0.005}}\n",
        "audit:\n  accept:\n    - {id: 'key:untypable', reason: The statement asks for six decimals.}\n",
    ],
)
def test_rounding_a_tolerance_or_an_accept_passes_strict(grade, write_spec, fix):
    text = UNTYPABLE.replace("    answer: sequence\n", "") if fix.startswith("answer") else UNTYPABLE
    spec = write_spec(text + "    " + fix.replace("\n  ", "\n      "), "fixed.yaml")
    run = grade("check", "--strict", spec)
    assert run.code == 0, run.out + run.err


def test_an_untypable_key_of_varying_points_names_its_entries(grade, write_spec):
    spec = write_spec(
        """\
        id: exact-outputs
        title: Outputs without rounding
        statement: Enter y for the points {inputs}.
        model:
          network: feedforward
          layers:
            - {W: [[1, 0], [0, 1]], b: [0, 0], activation: tanh}
        inputs: {choose_from: [[[1, 0]], [[0.5, 0.25], [0, 1]]]}
        max_attempts: 3
        answer: {kind: outputs}
        """,
        "exact-outputs.yaml",
    )
    out = grade("check", spec).out
    assert (
        "warning [key:untypable]: a key cannot be typed: output 1 of point 1 = 0.761594 for "
        "choose_from[0] (and for 1 more input sequence) needs more than 4 decimals"
    ) in out
