"""Neighbouring semantics: the readings of a problem's evaluation rules that an author or a student
could plausibly have meant instead (exact vs saturating activations, carry, each tie rule).

Each model kind adds its own conventions (`ModelKind.knobs`, e.g. z vs 1 − z in a GRU): a
neighbour of those changes the model rather than the evaluation (`knob_neighbours`).

Both the key audit (`grade check`) and the mistake catalogue start from these lists, so a
neighbour the audit warns about is also a mistake the feedback can name.
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.engine.kinds import Knob, kind_of
from grader.spec.models import (
    TIE_RULES,
    Evaluation,
    ExactActivation,
    ModelSpec,
    Problem,
    SaturatingActivation,
)

__all__ = ["Neighbour", "neighbours", "knob_neighbours", "TIE_WORDS", "describe_evaluation"]

#: tie rule → how a sentence says it ("rounded ±0.5 … toward zero").
TIE_WORDS: dict[str, str] = {
    "toward_zero": "toward zero",
    "away_from_zero": "away from zero",
    "even": "to the even neighbour",
    "up": "up",
    "down": "down",
}


@dataclass(frozen=True)
class Neighbour:
    """One alternative reading: a short name, what it changes, and the evaluation it gives."""

    name: str
    description: str
    evaluation: Evaluation
    #: which rule it changes: "activation", "carry", "ties", or "model" for a kind's knob
    rule: str
    #: for a kind's knob: the model under the other reading, and the knob
    model: ModelSpec | None = None
    knob: Knob | None = None


def _replace(evaluation: Evaluation, **changes: object) -> Evaluation:
    return evaluation.model_copy(update=changes)


def neighbours(evaluation: Evaluation) -> list[Neighbour]:
    """Every evaluation that differs from `evaluation` in exactly one rule, in a fixed order."""
    found: list[Neighbour] = []
    activation = evaluation.activation
    if isinstance(activation, SaturatingActivation):
        found.append(
            Neighbour(
                "activation_exact",
                "activation: exact (the true sigmoid and tanh, no saturation)",
                _replace(evaluation, activation=ExactActivation(kind="exact")),
                "activation",
            )
        )
    else:
        found.append(
            Neighbour(
                "activation_saturating",
                "activation: saturating at 1 (sigmoid, tanh clamped for |z| ≥ 1)",
                _replace(evaluation, activation=SaturatingActivation(kind="saturating", at=1.0)),
                "activation",
            )
        )
    rounding = evaluation.rounding
    if rounding is None:
        return found
    if evaluation.carry == "rounded":
        found.append(
            Neighbour(
                "carry_exact",
                "carry: exact (step t+1 sees the unrounded h_t)",
                _replace(evaluation, carry="exact"),
                "carry",
            )
        )
    else:
        found.append(
            Neighbour(
                "carry_rounded",
                "carry: rounded (step t+1 sees the rounded h_t)",
                _replace(evaluation, carry="rounded"),
                "carry",
            )
        )
    halves = "±0.5" if rounding.places == 0 else "half-way values"
    for rule in TIE_RULES:
        if rule == rounding.ties:
            continue
        found.append(
            Neighbour(
                f"ties_{rule}",
                f"ties: {rule} ({halves} rounded {TIE_WORDS[rule]})",
                _replace(evaluation, rounding=rounding.model_copy(update={"ties": rule})),
                "ties",
            )
        )
    return found


def knob_neighbours(problem: Problem) -> list[Neighbour]:
    """The problem's model under each of its kind's conventions read the other way, when that
    gives another model."""
    if problem.model is None:
        return []
    found = []
    for knob in kind_of(problem.model).knobs:
        other = knob.alternative(problem.model)
        if other is not None:
            found.append(Neighbour(knob.name, knob.description, problem.evaluation, "model", other, knob))
    return found


def describe_evaluation(evaluation: Evaluation) -> str:
    """The rules in one line, e.g. `activation exact, rounding to integer (ties even), carry rounded`."""
    activation = evaluation.activation
    parts = [
        f"activation saturating at {activation.at:g}"
        if isinstance(activation, SaturatingActivation)
        else "activation exact"
    ]
    rounding = evaluation.rounding
    if rounding is None:
        parts.append("no rounding")
    else:
        target = "integer" if rounding.to == "integer" else f"{rounding.places} decimals"
        parts.append(f"rounding to {target} (ties {rounding.ties})")
        parts.append(f"carry {evaluation.carry}")
    return ", ".join(parts)
