"""The key audit: which neighbouring semantics change an answer, and values at a rounding boundary."""

from __future__ import annotations

import pytest

from grader.feedback.audit import audit_problem
from grader.feedback.semantics import neighbours
from grader.spec.models import AUDIT_WARNINGS, Evaluation, Problem
from tests.feedback.conftest import SATURATING, seed_variant


def _summary(problem):
    audit = audit_problem(problem)
    changes = [(c.neighbour.name, c.positions, c.alternative.tolist()) for c in audit.changes]
    boundaries = [(b.semantics, b.positions, b.values) for b in audit.boundaries]
    return changes, boundaries


def test_lstm_states_2_depends_on_carry_and_tie_rule(shipped):
    changes, boundaries = _summary(shipped["lstm-states-2"])
    assert changes == [
        ("carry_exact", (3, 4), [1, -1, 0, 0, 1]),
        ("ties_away_from_zero", (2, 3, 4), [1, -1, 1, -1, 1]),
        ("ties_up", (2, 3, 4), [1, -1, 1, -1, 1]),
    ]
    assert boundaries == [("as specified", (2,), (0.5,))]


def test_lstm_states_1_depends_on_the_tie_rule_at_its_last_step(shipped):
    # h_5 = 0.5 tanh(-1 saturated) = -0.5: toward zero 0; away from zero and down -1
    changes, boundaries = _summary(shipped["lstm-states-1"])
    assert changes == [
        ("ties_away_from_zero", (5,), [0, 0, 1, -1, 1, -1]),
        ("ties_down", (5,), [0, 0, 1, -1, 1, -1]),
    ]
    assert boundaries == [("as specified", (5,), (-0.5,))]


@pytest.mark.parametrize("inputs", [[1, 1, 1, 1], [0, 1, 1, 1]])
def test_inputs_without_a_tie_are_clean(inputs):
    # only x = 0 after h = ±1 gives ±0.5; these inputs never do
    assert _summary(seed_variant("seed", inputs)) == ([], [])


def test_choose_from_inputs_are_audited_one_batch_per_length():
    problem = seed_variant("seed", {"choose_from": [[1, 1, 1], [1, 1, 0, 1, 1], [0, 1, 1, 1, 1]]})
    audit = audit_problem(problem)
    assert {c.inputs_label for c in audit.changes} == {"choose_from[1]"}


def test_random_inputs_beyond_the_limit_are_noted_not_audited():
    problem = seed_variant("seed", {"random": {"alphabet": [0, 1], "length": 40}})
    audit = audit_problem(problem)
    assert audit.changes == () and len(audit.notes) == 1 and "not audited" in audit.notes[0]


def _risks(problem):
    return {risk.id: risk.explanation for risk in audit_problem(problem).reveals}


DUE = "2023-03-29T08:59:00-03:00"
LATER_POSITIONS = {"show": "verdict", "after_due": "positions"}
LAST_SOLUTION = {"show": "count", "after_last_attempt": "solution"}
LATER_SOLUTION = {"show": "count", "after_due": "solution"}


# Positions feedback names every wrong entry: with k values an entry can take, each wrong attempt
# rules out one value of every wrong entry at once, so k - 1 wrong attempts find the key and
# attempt k enters it. h_t is in [-1, 1]: rounded to an integer, k = 3 ({-1, 0, 1}); to 2
# decimals, k = 201. The ledger reports c_t from c_{-1} = -0.5 over 5 steps: |c_t| <= 0.5 + 5,
# rounded to an integer at most ±6, so k = 13.
@pytest.mark.parametrize(
    ("name", "extra", "expected"),
    [
        ("seed", {"max_attempts": 5}, "an entry takes at most 3 values"),
        ("seed", {"max_attempts": 3}, "2 wrong attempts reveal every entry and attempt 3 enters the key"),
        ("seed", {"max_attempts": 2}, None),  # attempt 3 is not allowed
        ("seed", {}, "(unlimited attempts)"),
        ("seed", {"max_attempts": 5, "reveal": "diagnosis"}, "`diagnosis` feedback names every wrong entry"),
        ("seed", {"max_attempts": 5, "reveal": "count"}, None),
        ("seed", {"max_attempts": 5, "reveal": "verdict"}, None),
        # after the due date, positions only matter while late attempts are accepted
        ("seed", {"max_attempts": 5, "due": DUE, "reveal": LATER_POSITIONS}, None),
        (
            "seed",
            {"max_attempts": 5, "due": DUE, "late": "accept", "reveal": LATER_POSITIONS},
            "`positions` feedback names every wrong entry",
        ),
        # the last attempt's escalation comes after the last attempt
        ("seed", {"max_attempts": 5, "reveal": LAST_SOLUTION}, None),
        ("two_decimals", {"max_attempts": 5}, None),
        (
            "two_decimals",
            {},
            "an entry takes at most 201 values (h_t = o_t tanh(c_t) lies in [-1, 1], rounded to 2 decimals)",
        ),
        (
            "ledger",
            {},
            "an entry takes at most 13 values (|c_t| <= |c_{-1}| + t + 1 <= 5.5, rounded to an integer)",
        ),
        ("seed", {"evaluation": {"activation": "exact"}}, None),  # no rounding: values are not countable
    ],
)
def test_positions_feedback_that_gives_the_key_away_is_a_warning(name, extra, expected):
    risks = _risks(seed_variant(name, **extra))
    if expected is None:
        assert "reveal:positions" not in risks
    else:
        assert expected in risks["reveal:positions"]


CHOICE = {
    "id": "info",
    "title": "Info",
    "statement": "Which?",
    "max_attempts": 2,
    "answer": {
        "kind": "choice",
        "multiple": True,
        "choices": [{"id": "a", "text": "A", "correct": True}, {"id": "b", "text": "B"}],
    },
}


@pytest.mark.parametrize(
    ("problem", "expected"),
    [
        (
            seed_variant("seed", max_attempts=5, reveal=LAST_SOLUTION),
            "`after_last_attempt: solution` shows the solution to a student who used their 5 attempts",
        ),
        (seed_variant("seed", reveal="solution"), "`show: solution` shows the solution after any"),
        (
            seed_variant("seed", max_attempts=5, due=DUE, late="accept", reveal=LATER_SOLUTION),
            "`after_due: solution` shows the solution while late attempts are accepted",
        ),
        (Problem.model_validate({**CHOICE, "reveal": LAST_SOLUTION}), "after_last_attempt"),
        # safe: the solution only after the due date, with late attempts rejected
        (seed_variant("seed", max_attempts=5, due=DUE, reveal=LATER_SOLUTION), None),
        # safe: every student has their own inputs
        (
            seed_variant(
                "seed",
                {"choose_from": [[1, 1, 0], [0, 1, 1]]},
                max_attempts=5,
                reveal=LAST_SOLUTION,
            ),
            None,
        ),
        # unlimited attempts: there is no last attempt
        (seed_variant("seed", reveal=LAST_SOLUTION), None),
        (Problem.model_validate(CHOICE), None),
    ],
)
def test_a_solution_shown_to_one_student_of_a_class_with_the_same_inputs_is_a_warning(problem, expected):
    risks = _risks(problem)
    if expected is None:
        assert "reveal:shared_solution" not in risks
    else:
        assert expected in risks["reveal:shared_solution"]


def test_every_finding_has_an_id_a_spec_can_accept():
    problem = seed_variant("seed", max_attempts=5, reveal={"show": "solution"})
    audit = audit_problem(problem)
    assert audit.changes and audit.boundaries and audit.reveals
    assert {finding.id for finding in audit.findings} <= set(AUDIT_WARNINGS)


@pytest.mark.parametrize("activation", [SATURATING, "exact"])
def test_every_neighbour_has_a_warning_id(activation):
    for carry in ("rounded", "exact"):
        evaluation = Evaluation.model_validate(
            {"activation": activation, "rounding": {"to": "integer"}, "carry": carry}
        )
        assert {f"semantics:{n.name}" for n in neighbours(evaluation)} <= set(AUDIT_WARNINGS)


def _two_units(max_attempts):
    gate = {"W_h": [[0, 0], [0, 0]], "W_x": [[1], [1]], "b": [0, 0]}
    return Problem.model_validate(
        {
            "id": "pair",
            "title": "Pair",
            "statement": "Enter [h_0, h_1].",
            "model": {"cell": "lstm", "gates": {"forget": gate, "input": gate, "output": gate, "cell": gate}},
            "inputs": [[1], [0]],
            "evaluation": {"rounding": {"to": "integer"}},
            "answer": "sequence",
            "max_attempts": max_attempts,
        }
    )


@pytest.mark.parametrize(("max_attempts", "warned"), [(9, True), (8, False)])
def test_a_vector_entry_takes_every_combination_of_its_units(max_attempts, warned):
    # positions name a wrong step, not a wrong unit: 3 values per unit, 3^2 = 9 per entry
    risks = _risks(_two_units(max_attempts))
    assert ("reveal:positions" in risks) == warned
    if warned:
        assert "an entry takes at most 9 values" in risks["reveal:positions"]
        assert "for each of 2 units" in risks["reveal:positions"]


# --- keys no student can type -----------------------------------------------------------------

_GATE = {"W_h": 0.5, "W_x": 1, "b": 0}
#: one unrounded problem per kind, whose key has values like tanh(1) = 0.76159415…
_UNROUNDED = {
    "lstm": (
        {"cell": "lstm", "gates": {"forget": _GATE, "input": _GATE, "output": _GATE, "cell": _GATE}},
        [1, 0],
        "sequence",
    ),
    "rnn": ({"cell": "rnn", "W_h": 0.5, "W_x": 1, "b": 0}, [1, 0], "sequence"),
    "gru": (
        {"cell": "gru", "gates": {"update": _GATE, "reset": _GATE, "candidate": _GATE}},
        [1, 0],
        "sequence",
    ),
    "feedforward": (
        {"network": "feedforward", "layers": [{"W": [[1, -1]], "b": [0], "activation": "tanh"}]},
        [[1, 0], [0.5, 0]],
        {"kind": "outputs"},
    ),
    "gradient": (
        {
            "network": "feedforward",
            "layers": [{"W": [[1, -1]], "b": [0], "activation": "tanh"}],
            "loss": {"kind": "squared_error", "target": [1]},
        },
        [[1, 0]],
        {"kind": "gradient", "wrt": "layers.1.W"},
    ),
    "convolution": (
        {"network": "convolution", "kernel": [1, -1], "activation": "sigmoid"},
        [1, 0, 2],
        {"kind": "outputs"},
    ),
}


def _unrounded(kind, evaluation=None, compare=None):
    model, inputs, answer = _UNROUNDED[kind]
    if compare is not None:
        answer = {**(answer if isinstance(answer, dict) else {"kind": answer}), "compare": compare}
    return Problem.model_validate(
        {
            "id": f"{kind}-exact",
            "title": "Exact",
            "statement": "Enter the answer.",
            "model": model,
            "inputs": inputs,
            "evaluation": evaluation or {},
            "answer": answer,
        }
    )


@pytest.mark.parametrize("kind", list(_UNROUNDED))
def test_a_key_no_student_can_type_is_a_warning_for_every_kind(kind):
    audit = audit_problem(_unrounded(kind))
    [finding] = audit.untypable
    assert finding.id == "key:untypable" and finding.id in AUDIT_WARNINGS
    assert finding in audit.findings
    assert finding.positions and all(abs(v - round(v, 4)) > 1e-6 for v in finding.values)
    assert 2 <= finding.decimals <= 6
    assert f"decimals: {finding.decimals}" in finding.advice and "abs_tol" in finding.advice


@pytest.mark.parametrize("kind", list(_UNROUNDED))
@pytest.mark.parametrize(
    ("evaluation", "compare"),
    [({"rounding": {"decimals": 3}}, None), (None, {"abs_tol": 0.0005}), (None, {"abs_tol": 1e-6})],
)
def test_rounding_or_a_tolerance_the_author_chose_makes_a_key_typable(kind, evaluation, compare):
    # a tolerance written out is the author's choice, even the default one
    assert audit_problem(_unrounded(kind, evaluation, compare)).untypable == ()


def test_a_key_of_short_decimals_needs_no_rounding(shipped):
    # tanh(0) = 0 and identity layers: exact values a student types in full
    problem = Problem.model_validate(
        {
            "id": "short",
            "title": "Short",
            "statement": "Enter y.",
            "model": {"network": "feedforward", "layers": [{"W": [[0.5, -0.25]], "b": [0.125]}]},
            "inputs": [[1, 2], [0.5, 0.5]],
            "answer": {"kind": "outputs"},
        }
    )
    assert audit_problem(problem).untypable == ()


@pytest.mark.parametrize(
    ("second", "decimals"),
    [
        (0.5, 2),  # y = tanh(1) = 0.7616… and tanh(0.5) = 0.4621…: 0.76 and 0.46
        (0.01, 4),  # tanh(0.01) = 0.0099996…: 0.0100
        (1e-5, 6),  # tanh(1e-5) = 0.00001: at most six decimals are suggested
    ],
)
def test_the_suggested_decimals_keep_two_digits_of_the_smallest_value(second, decimals):
    problem = Problem.model_validate(
        {
            "id": "small",
            "title": "Small",
            "statement": "Enter y.",
            "model": {"network": "feedforward", "layers": [{"W": [[1]], "b": [0], "activation": "tanh"}]},
            "inputs": [[1], [second]],
            "answer": {"kind": "outputs"},
        }
    )
    [finding] = audit_problem(problem).untypable
    assert finding.decimals == decimals
    assert finding.abs_tol == pytest.approx(0.5 * 10.0**-decimals)
