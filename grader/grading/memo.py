"""The memo of graded answers: each distinct answer graded once, by batch grading and the service.

Grading is a pure function of the problem, the inputs the key and the feedback come from, the
answer and the reveal level; a class types a few thousand distinct answers, and a service's
students send the same few wrong ones again and again. `GradedAnswers` keeps a result under
exactly those four: `ClassGrader` names the inputs by variant id, the service's `Checker` by the
inputs' own bytes and shape. Answers are named by `answer_identity`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable

from grader.compare.results import ProblemResult

__all__ = ["GradedAnswers", "VariantTables"]

#: One problem's results at one reveal level: variant → answer identity → result.
VariantTables = defaultdict[Hashable, dict[Hashable, ProblemResult]]


class GradedAnswers:
    """Results by (problem, variant, answer identity, reveal level), each graded once.

    `limit` bounds the results kept (a long-running service; a class's memo is unbounded): past
    it the memo starts again empty, which only costs the answers sent again a second grading.
    Identities longer than `longest` (characters or bytes) are not kept: long answers are rare
    and not worth their memory. Safe to share between threads: a lookup or an insertion is one
    dictionary operation, and two threads grading the same new answer store equal results.
    """

    def __init__(self, *, limit: int | None = None, longest: int | None = None) -> None:
        if limit is not None and limit < 1:
            raise ValueError(f"limit: expected at least 1 result; got {limit}")
        self.limit = limit
        self.longest = longest
        self._tables: dict[tuple[Hashable, str], VariantTables] = {}
        self._count = 0

    def tables(self, problem: Hashable, level: str) -> VariantTables:
        """One problem's results at `level`, variant → identity → result: for a fold that looks a
        column of answers up without a key tuple per answer. A variant not met yet reads as an
        empty table."""
        tables = self._tables.get((problem, level))
        if tables is None:
            tables = self._tables.setdefault((problem, level), defaultdict(dict))
        return tables

    def get(
        self, problem: Hashable, variant: Hashable, identity: Hashable, level: str
    ) -> ProblemResult | None:
        """The result graded before for exactly these, or None."""
        tables = self._tables.get((problem, level))
        if tables is None:
            return None
        table = tables.get(variant)
        return None if table is None else table.get(identity)

    def __contains__(self, key: tuple[Hashable, Hashable, Hashable, str]) -> bool:
        problem, variant, identity, level = key
        return self.get(problem, variant, identity, level) is not None

    def put(
        self, problem: Hashable, variant: Hashable, identity: Hashable, level: str, result: ProblemResult
    ) -> None:
        """Keep `result` (unless the identity is longer than `longest`)."""
        if self.longest is not None and isinstance(identity, (str, bytes)) and len(identity) > self.longest:
            return
        if self.limit is not None and self._count >= self.limit:
            self._tables = {}
            self._count = 0
        self._count += 1
        self.tables(problem, level)[variant][identity] = result

    def __len__(self) -> int:
        """The results kept (approximate while threads insert at once)."""
        return self._count
