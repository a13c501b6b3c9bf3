"""What the parser tests share: choice questions built on the fly (by id, and by Open edX text)."""

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


# Open edX's problem response report gives a choice answer as the selected choices' texts, joined
# by ", " (LoncapaProblem.find_answer_text); texts are matched whole, ignoring case, whitespace and
# LaTeX delimiters, and only when the answer does not read as choice ids.
EDX_TEXTS = {
    "a": "Whether the total number of zeros is odd.",
    "b": "Odd, then even.",  # a comma inside a text
    "c": "Whether $h_t$ is odd.",  # the course shows it as \(h_t\)
    "d": "Odd",  # b's text up to its comma
}


def texts(multiple: bool = True, by_id: dict[str, str] = EDX_TEXTS) -> ChoiceAnswer:
    return ChoiceAnswer.model_validate(
        {
            "kind": "choice",
            "multiple": multiple,
            "choices": [
                {"id": i, "text": text, "correct": index == 0}
                for index, (i, text) in enumerate(by_id.items())
            ],
        }
    )
