"""What the parser tests share: a choice question built on the fly."""

from __future__ import annotations

from grader.spec.models import ChoiceAnswer


def choices(multiple: bool = True, allow_blank: bool = False, ids: str = "abcd") -> ChoiceAnswer:
    """A choice question over `ids`, each choice's text its id in capitals, the second-last correct."""
    return ChoiceAnswer.model_validate(
        {
            "kind": "choice",
            "multiple": multiple,
            "allow_blank": allow_blank,
            "choices": [{"id": i, "text": i.upper(), "correct": i == ids[-2]} for i in ids],
        }
    )
