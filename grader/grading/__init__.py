"""Grading: one answer, one student, a whole class. The library functions the fronts call.

`grade_answer` is the one place where a raw answer becomes a ProblemResult. A class is graded by
`ClassGrader`, which streams submissions in chunks: each chunk's students are mapped to their
variants in bulk (their seeds hashed ahead, in a worker process when `parallel`; keys of new
variants computed in one engine pass), every attempt is folded into the gradebook (a plain
result, or an `AttemptTally` when a student has several or timed attempts), and identical
(problem, variant, answer) triples are graded once: a class of 100,000 typically types a few
thousand distinct answers. A `SubmissionBlock` (common JSONL lines, kept as parsed) is folded
column by column. Memory holds the gradebook and those caches, never the submissions themselves.

The parts: `answer` (one answer), `identities` (answer identities), `memo` (the memo of graded
answers, which the service's checker shares), `gradebook` (the gradebook's columns), `chunks` (the
streaming of chunks) and `classes` (`ClassGrader`, which puts them together).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Submissions per chunk: enough to vectorize variant draws, small enough to stream.
CHUNK_SIZE = 4096
#: Chunks read ahead of the one being folded, so that the variant worker hashes meanwhile.
LOOKAHEAD = 2

# the parts, imported when first used (PEP 562): `grading.columnar` is imported without them,
# so that a class graded from its cached table never imports numpy
if TYPE_CHECKING:
    from grader.compare.attempts import missing_result
    from grader.grading.answer import grade_and_read, grade_answer, grade_answers, parse_answer
    from grader.grading.classes import (
        ClassGrader,
        grade_directory,
        grade_submission,
        grade_submissions,
    )
    from grader.grading.gradebook import AttemptColumns, AttemptHistory, Gradebook
    from grader.grading.identities import answer_identity, answer_of
    from grader.grading.memo import GradedAnswers

_HOMES = {
    "missing_result": "grader.compare.attempts",
    "grade_and_read": "grader.grading.answer",
    "grade_answer": "grader.grading.answer",
    "grade_answers": "grader.grading.answer",
    "parse_answer": "grader.grading.answer",
    "AttemptColumns": "grader.grading.gradebook",
    "AttemptHistory": "grader.grading.gradebook",
    "Gradebook": "grader.grading.gradebook",
    "GradedAnswers": "grader.grading.memo",
    "ClassGrader": "grader.grading.classes",
    "grade_directory": "grader.grading.classes",
    "grade_submission": "grader.grading.classes",
    "grade_submissions": "grader.grading.classes",
    "answer_identity": "grader.grading.identities",
    "answer_of": "grader.grading.identities",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


__all__ = [
    "CHUNK_SIZE",
    "LOOKAHEAD",
    "AttemptColumns",
    "AttemptHistory",
    "ClassGrader",
    "GradedAnswers",
    "Gradebook",
    "answer_identity",
    "answer_of",
    "grade_and_read",
    "grade_answer",
    "grade_answers",
    "grade_directory",
    "grade_submission",
    "grade_submissions",
    "missing_result",
    "parse_answer",
]
