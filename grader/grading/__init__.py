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

from grader.compare.attempts import missing_result

#: Submissions per chunk: enough to vectorize variant draws, small enough to stream.
CHUNK_SIZE = 4096
#: Chunks read ahead of the one being folded, so that the variant worker hashes meanwhile.
LOOKAHEAD = 2

# the parts, after the settings above, which `ClassGrader` reads from this package when it runs
from grader.grading.answer import grade_and_read, grade_answer, grade_answers, parse_answer  # noqa: E402
from grader.grading.classes import (  # noqa: E402
    ClassGrader,
    grade_directory,
    grade_submission,
    grade_submissions,
)
from grader.grading.gradebook import AttemptColumns, AttemptHistory, Gradebook  # noqa: E402
from grader.grading.identities import answer_identity, answer_of  # noqa: E402
from grader.grading.memo import GradedAnswers  # noqa: E402

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
