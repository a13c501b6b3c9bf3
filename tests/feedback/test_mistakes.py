"""The mistake catalogue: each entry, on a problem where it is the only explanation of an answer."""

from __future__ import annotations

import numpy as np
import pytest

from grader.engine.keys import compute_key, compute_keys
from grader.engine.kinds import kind_named
from grader.feedback.mistakes import catalogue, diagnose, matching_mistakes, mistake_answers
from tests.feedback.conftest import seed_variant

# (problem, inputs, the student's answer, the one variant that explains it); keys by hand:
CASES = [
    # h_2 = 0.5 carried unrounded: step 3 sees 0.5, z_c = -50 + 50 = 0, so h_3 = 0, h_4 = 1
    ("seed", [1, 1, 0, 1, 1], [1, -1, 0, 0, 1], "carry_exact"),
    # key [1, 0, 0, 1, 0]; carrying the rounded h_1 = 0 instead of -0.231 ends in c_4 = -0.5625
    ("half_forget_exact_carry", [1, 0, 0, 1, 1], [1, 0, 0, 1, -1], "carry_rounded"),
    # c = -0.5, 0.5: toward zero [0, 0]; away [-1, 1]; down [-1, 0]
    ("ledger", [0, 1], [-1, 1], "ties_away_from_zero"),
    ("ledger", [0, 1], [-1, 0], "ties_down"),
    # c = -0.5, 0.5, 0.5: up [0, 1, 1]
    ("ledger", [0, 1, 0], [0, 1, 1], "ties_up"),
    # c = 0.5, 1.5: toward zero [0, 1]; even [0, 2]
    ("ledger", [1, 1], [0, 2], "ties_even"),
    # h_1 = o tanh(c) = tanh(1): 1 saturated, 0.76 exact
    ("two_decimals", [0, 1], [0, 0.76], "activation_exact"),
    # exact: [0.76, 0.5 tanh(-1) = -0.38]; saturating: [1, -0.5]
    ("exact_two_decimals", [1, 0], [1, -0.5], "activation_saturating"),
    # h_1 = 0.5 tanh(-1) = -0.5 before rounding
    ("seed", [1, 0], [1, -0.5], "rounding_skipped"),
    # o = 0.5 after x = 0: h_0 = 0.5 tanh(tanh(0.8)) = 0.29 → 0; without o, 0.58 → 1, then -1
    ("cell_bias", [0, 0], [1, -1], "output_gate_ignored"),
    # f = 0.5: c = 1, -0.5, 0.75, -0.625 → h [1, 0, 1, -1]; f = 1: c = 1, 0, 1, 0 → [1, 0, 1, 0]
    ("half_forget", [1, 0, 1, 1], [1, 0, 1, 0], "forget_gate_one"),
    # c_2 = tanh(100) = 1 while h_2 = 0.5 → 0
    ("seed", [1, 1, 0, 1], [1, -1, 1, 1], "c_instead_of_h"),
    # c = 0.5, 1.5, 2.5 → [0, 1, 2]; h = tanh(c) → [0, 1, 1]
    ("ledger", [1, 1, 1], [0, 1, 1], "h_instead_of_c"),
    ("seed", [1, 1], [0, 1], "starts_at_initial_state"),
    ("seed", [0, 0], [0, 0, 0], "includes_initial_state"),
    ("seed", [0, 0], [0], "first_step_dropped"),
    # W^{c,h} = +100: step 1 sees z_c = 100 + 50, so h_1 = 1
    ("seed", [1, 1], [1, 1], "sign_flipped:cell.W_h"),
    ("seed", [0, 1], [0, -1], "sign_flipped:cell.W_x"),
    # [1, 0] read first: h = [1, -0.5 → 0]
    ("seed", [0, 1], [1, 0], "inputs_reversed"),
]


@pytest.mark.parametrize(("problem", "inputs", "given", "variant"), CASES)
def test_each_mistake_is_the_only_explanation(problem, inputs, given, variant):
    spec = seed_variant(problem, inputs)
    key = compute_key(spec)
    assert isinstance(key, np.ndarray)
    matches = diagnose(spec, key, np.array(given, dtype=float))
    assert [m.variant for m in matches] == [variant]
    assert matches[0].sentence


def test_every_catalogue_entry_has_a_case():
    covered = set()
    for problem, inputs, given, _ in CASES:
        spec = seed_variant(problem, inputs)
        key = compute_key(spec)
        assert isinstance(key, np.ndarray)
        covered.update(m.mistake for m in diagnose(spec, key, np.array(given, dtype=float)))
    assert covered == {mistake.name for mistake in catalogue(kind_named("lstm"))}


@pytest.mark.parametrize(
    ("given", "variants", "sentence"),
    [
        (
            [1, -1, 0, 0, 1],
            ["carry_exact"],
            "Your h_3 and h_4 follow from feeding the unrounded h_2 = 0.5 forward instead of your "
            "rounded h_2 = 0; this problem uses the rounded h_t in the next step.",
        ),
        (
            [1, -1, 1, -1, 1],
            ["ties_away_from_zero", "ties_up", "output_gate_ignored"],
            "Your h_2: before rounding it is 0.5, exactly half-way, and you rounded it away from zero "
            "to 1; this problem rounds ±0.5 toward zero. Your h_3 and h_4 follow correctly from that.",
        ),
    ],
)
def test_the_issue_cases_on_lstm_states_2(shipped, given, variants, sentence):
    problem = shipped["lstm-states-2"]
    matches = diagnose(problem, compute_key(problem), np.array(given, dtype=float))
    assert [m.variant for m in matches] == variants
    assert matches[0].sentence == sentence


def test_a_right_answer_matches_no_mistake(shipped):
    problem = shipped["lstm-states-2"]
    key = compute_key(problem)
    assert isinstance(key, np.ndarray)
    assert diagnose(problem, key, key) == ()


def test_mistake_answers_for_a_batch_equal_one_at_a_time():
    problem = seed_variant("seed")
    batch = np.array([[1, 1, 0, 1, 1], [0, 0, 1, 1, 1], [1, 0, 1, 0, 1]], dtype=float)[..., None]
    together = mistake_answers(problem, batch)
    for b in range(len(batch)):
        alone = mistake_answers(problem, batch[b : b + 1])
        for name, answers in together.items():
            np.testing.assert_array_equal(answers[b], alone[name][0])
    keys = compute_keys(problem, batch)
    row = {name: answers[0] for name, answers in together.items()}
    assert matching_mistakes(problem, row, keys[0], np.array([1, -1, 0, 0, 1.0])) == ("carry_exact",)


def test_a_tie_at_the_last_kept_decimal_is_named_as_a_half_way_value():
    # c = -0.05, 0.95, 1.95 kept to 1 decimal: toward zero [-0, 0.9, 1.9]; away [-0.1, 1, 2]
    problem = seed_variant(
        "ledger",
        [0, 1, 1],
        initial={"h": 0, "c": -0.05},
        evaluation={
            "activation": {"kind": "saturating", "at": 1},
            "rounding": {"decimals": 1, "ties": "toward_zero"},
        },
    )
    key = compute_key(problem)
    assert isinstance(key, np.ndarray)
    np.testing.assert_allclose(key, [0, 0.9, 1.9])
    matches = diagnose(problem, key, np.array([-0.1, 1.0, 2.0]))
    assert [m.variant for m in matches] == ["ties_away_from_zero"]
    assert matches[0].sentence == (
        "Your c_0: before rounding it is -0.05, exactly half-way, and you rounded it away from zero to "
        "-0.1; this problem rounds half-way values toward zero. Your c_1 and c_2 follow correctly from that."
    )


def test_sentences_for_an_answer_of_c_speak_of_c_and_quote_no_c_as_an_h():
    # LSTM states 2 reporting c: key [1, -1, 1, 1, -1]; carrying h_2 = 0.5 gives c_3 = tanh(0) = 0
    problem = seed_variant("seed", [1, 1, 0, 1, 1], answer={"kind": "sequence", "of": "c"})
    key = compute_key(problem)
    assert isinstance(key, np.ndarray)
    assert key.tolist() == [1, -1, 1, 1, -1]
    matches = diagnose(problem, key, np.array([1, -1, 1, 0, 1.0]))
    assert [m.variant for m in matches] == ["carry_exact", "rounding_skipped"]
    assert [m.sentence for m in matches] == [
        "Your c_3 and c_4 follow from feeding the unrounded h_2 = 0.5 forward instead of the rounded "
        "h_2 = 0; this problem uses the rounded h_t in the next step.",
        "You did not round: your values are c_t before rounding. This problem rounds each c_t to the "
        "closest integer (and h_t, whose rounded value the next step uses).",
    ]
