"""The one error of the parsing stage."""

from __future__ import annotations

__all__ = ["MAX_ANSWER_CHARS", "InvalidAnswer"]

#: Longer answers are refused before any parsing: no homework answer is this long.
MAX_ANSWER_CHARS = 10_000


class InvalidAnswer(ValueError):
    """Student input that is not a well-formed answer; the message says what was expected."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)
