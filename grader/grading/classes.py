"""Grading a class: `ClassGrader` streams submissions into a columnar gradebook; the functions
that grade one submission, a list of them, or a directory of per-student files."""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

import grader.grading as package
from grader.compare.attempts import AttemptTally, missing_result
from grader.compare.policy import reveal_level
from grader.compare.results import InputIssue, ProblemResult, Report, Status, StudentReport
from grader.engine.keybook import KeyBook
from grader.engine.parallel import PickHasher
from grader.errors import SubmissionError
from grader.feedback.mistakes import mistake_answers
from grader.grading.answer import grade_answer, grade_answers, may_diagnose
from grader.grading.chunks import Chunk, chunks, no_cyclic_gc
from grader.grading.gradebook import PENDING, AttemptColumns, Cell, Gradebook
from grader.grading.identities import answer_identity, answer_of
from grader.grading.memo import GradedAnswers
from grader.report.gradebook import GradebookColumns
from grader.spec.loader import ProblemSet
from grader.spec.models import Problem
from grader.submissions.files import read_submission_directory
from grader.submissions.models import Attempt, Submission, SubmissionBlock

__all__ = [
    "ClassGrader",
    "grade_directory",
    "grade_submission",
    "grade_submissions",
]

Array = NDArray[np.float64]

#: A problem a line does not answer, and a line whose answers are folded the general way.
_ABSENT: Any = object()
_NO_ANSWERS: dict[str, Any] = {}
#: Submission(...) and Attempt(...) without the named tuples' Python-level __new__
_plain = tuple.__new__


class ClassGrader:
    """A gradebook filled as submissions stream in; `report()` renders it.

    The gradebook is columnar (`Gradebook`: per problem, a list of cells and of variant ids, one
    per student row); each distinct answer is graded once (`GradedAnswers`). `now` is when the
    grades are released (reveal escalation after the due date); the caller reads the clock,
    never this class. `parallel` hashes students' variant seeds in a second process while this
    one reads (`engine.parallel`); the results are the same.
    """

    def __init__(
        self,
        problems: ProblemSet,
        *,
        now: datetime | None = None,
        keys: KeyBook | None = None,
        parallel: bool = False,
    ):
        self.problems = problems
        self.now = now
        #: hash new students' variant seeds in a worker process (`engine.parallel`)
        self.parallel = parallel
        self.keys = keys if keys is not None else KeyBook.build(problems)
        self.errors: list[InputIssue] = []
        self._list: list[Problem] = list(problems)
        self._index = {problem.id: index for index, problem in enumerate(self._list)}
        # exports that name problems by title (Open edX without url_names) find them too
        for index, problem in enumerate(self._list):
            self._index.setdefault(problem.title, index)
        self._ids = frozenset(problem.id for problem in self._list)
        self._base_levels = [problem.reveal.show for problem in self._list]
        self.gradebook = Gradebook([self.keys.varies(problem.id) for problem in self._list])
        # the gradebook's columns under the names the folds' loops read (the same lists)
        self._rows = self.gradebook.rows
        self._students = self.gradebook.students
        self._cells = self.gradebook.cells
        self._answers = self.gradebook.answers
        self._variants = self.gradebook.variants
        self._whole_source: dict[str, str] = {}
        #: results by (problem index, variant id, answer identity, reveal level)
        self.memo = GradedAnswers()
        #: problem index → variant id → each catalogued mistake's answer for that variant's inputs
        self._mistakes: dict[int, dict[int, dict[str, Array]]] = {
            index: {} for index, problem in enumerate(self._list) if may_diagnose(problem)
        }
        self._levels: dict[tuple[int, int], str] = {}
        self._final: dict[tuple[Any, ...], ProblemResult] = {}

    # -- input -------------------------------------------------------------------------------

    def add(self, items: Iterable[Submission | SubmissionError | SubmissionBlock]) -> None:
        """Grade every submission of `items` (unreadable ones become report errors).

        Chunks are pipelined: a chunk's new students are sent for variant hashing when it is
        read (to the worker process when `parallel`), and it is folded once the next one is read.
        """
        hasher = PickHasher(self.keys.salt, self.keys.pick_requests(), parallel=self.parallel)
        with no_cyclic_gc(), hasher:
            waiting: deque[Chunk] = deque()
            for chunk in chunks(items, package.CHUNK_SIZE):
                waiting.append(self._prepare(chunk, hasher))
                if len(waiting) > package.LOOKAHEAD:
                    self._finish(waiting.popleft())
            while waiting:
                self._finish(waiting.popleft())

    def _new_row(self, student: str, new_students: list[str]) -> int:
        new_students.append(student)
        return self.gradebook.new_row(student)

    def _prepare(
        self, chunk: list[Submission | SubmissionError] | SubmissionBlock, hasher: PickHasher
    ) -> Chunk:
        """Give the chunk's new students their rows and send them for hashing; fold nothing yet."""
        start = len(self._students)
        new_students: list[str] = []
        submissions: list[tuple[int, Submission]] = []
        fresh: list[dict[str, Any]] | None = None
        rows = self._rows
        if isinstance(chunk, SubmissionBlock) and self._all_new(chunk):
            # the common case, checked and done column-wise: every line a new student's, every
            # problem named by a known id
            new_students = list(chunk.students)
            self.gradebook.new_rows(new_students)
            fresh = chunk.answers
        elif isinstance(chunk, SubmissionBlock):
            # a new student's line whose problems are all known ids is folded column by column
            # (`_fold_fresh`); a returning student's line, or one naming a problem by title or
            # an unknown one, goes the general way, after it
            fresh = []
            ids = self._ids
            file = chunk.file
            for line, student, answers in zip(chunk.lines, chunk.students, chunk.answers, strict=True):
                row = rows.get(student)
                if row is None:
                    row = self._new_row(student, new_students)
                    if answers.keys() <= ids:
                        fresh.append(answers)
                        continue
                    fresh.append(_NO_ANSWERS)
                attempts = {
                    pid: [_plain(Attempt, (value, None, file, line))] for pid, value in answers.items()
                }
                submissions.append((row, _plain(Submission, (student, attempts, file, False))))
        else:
            for item in chunk:
                if isinstance(item, SubmissionError):
                    self.errors.append(
                        InputIssue(
                            file=item.file or "?", line=item.line, field=item.field, message=item.message
                        )
                    )
                    continue
                if item.whole and not self._claim_whole(item):
                    continue
                row = rows.get(item.student)
                if row is None:
                    row = self._new_row(item.student, new_students)
                submissions.append((row, item))
        picks = hasher.submit(new_students) if new_students else None
        return Chunk(start, new_students, picks, fresh, submissions)

    def _all_new(self, block: SubmissionBlock) -> bool:
        """True when the block's students are distinct, new, and answer only known problem ids."""
        students = block.students
        return (
            self._rows.keys().isdisjoint(students)
            and len(set(students)) == len(students)
            and all(map(self._ids.issuperset, block.answers))
        )

    def _finish(self, chunk: Chunk) -> None:
        """Map the chunk's new students to their variants, then fold its attempts in."""
        new_students = chunk.new_students
        if new_students:
            assert chunk.picks is not None
            picks = iter(chunk.picks())
            for index, variants in enumerate(self._variants):
                if variants is not None:
                    ids = self.keys.variant_ids(self._list[index].id, new_students, next(picks))
                    variants.extend(ids.tolist())
            for index, known in self._mistakes.items():
                self._compute_mistakes(index, known)
            if chunk.fresh is not None:
                self._fold_fresh(chunk.start, chunk.fresh)
            else:
                self.gradebook.leave_empty(len(new_students))
        self._fold(chunk.submissions)

    def _fold_fresh(self, start: int, answers: list[dict[str, Any]]) -> None:
        """Fill the new rows from `start` on, one per entry of `answers`, column by column.

        Each entry is a new student's first line (one untimed answer per problem; `_NO_ANSWERS`
        for a line folded the general way): every cell is empty before, so each answer is a
        plain attempt at the base reveal level, graded once per (variant, answer) as in `_fold`,
        and looked up in the memo's tables (per problem and variant: identity → result).
        """
        absent = _ABSENT
        for index, problem in enumerate(self._list):
            problem_id, variants = problem.id, self._variants[index]
            tables = self.memo.tables(index, self._base_levels[index])
            raws = [given.get(problem_id, absent) for given in answers]
            identities = [
                raw if type(raw) is str else None if raw is absent else answer_identity(raw) for raw in raws
            ]
            variant_ids = [0] * len(raws) if variants is None else variants[start:]
            results: list[ProblemResult | None] = list(
                map(dict.get, map(tables.__getitem__, variant_ids), identities)
            )
            # answers not graded before, and problems the line does not answer (`is`, not `in`:
            # `None in results` would call pydantic's __eq__ on every result)
            unknown = [position for position, result in enumerate(results) if result is None]
            new: dict[tuple[int, Hashable], Any] = {}
            for position in unknown:
                if identities[position] is not None:
                    new.setdefault((variant_ids[position], identities[position]), raws[position])
            if new:
                self._grade_together(index, new)
            for position in unknown:
                identity = identities[position]
                if identity is not None:
                    results[position] = tables[variant_ids[position]][identity]
            self._cells[index].extend(results)  # None where the line does not answer
            self._answers[index].extend(identities)

    def _compute_mistakes(self, index: int, known: dict[int, dict[str, Array]]) -> None:
        """Mistake answers for every variant not yet diagnosed: one batch per input length."""
        problem = self._list[index]
        variants = self.keys.variants[problem.id]
        new: dict[int, list[int]] = {}
        for variant_id in range(len(variants.keys)):
            inputs = variants.inputs[variant_id]
            if variant_id not in known and inputs is not None:
                new.setdefault(len(inputs), []).append(variant_id)
        for ids in new.values():
            batch = np.stack([variants.inputs[i] for i in ids])  # type: ignore[misc]
            answers = mistake_answers(problem, batch)
            for row, variant_id in enumerate(ids):
                known[variant_id] = {name: values[row] for name, values in answers.items()}

    def _claim_whole(self, submission: Submission) -> bool:
        """A whole-student file is the student's only one: a second is skipped and reported."""
        first = self._whole_source.get(submission.student)
        if first is not None:
            self.errors.append(
                InputIssue(
                    file=submission.source or "?",
                    field="student",
                    message=f"student {submission.student!r} already submitted in {first}; "
                    "this file was skipped",
                )
            )
            return False
        self._whole_source[submission.student] = submission.source or "?"
        return True

    def _unknown_problem(self, submission: Submission, problem_id: str, attempts: list[Attempt]) -> None:
        first = attempts[0] if attempts else None
        self.errors.append(
            InputIssue(
                file=(first.file if first and first.file else submission.source) or "?",
                line=None if first is None else first.line,
                field=f"answers.{problem_id}",
                message=f"unknown problem {problem_id!r}; known: {', '.join(self.problems.ids)}",
            )
        )

    def _fold(self, submissions: list[tuple[int, Submission]]) -> None:
        """Fold a chunk's attempts into the gradebook, grading the answers new to it together.

        One pass over the chunk: a plain attempt (the only one, untimed, in an empty cell) whose
        answer was graded before is filled in at once; new answers are collected per problem and
        graded in one batch (`grade_answers`), then filled in; attempts that need a tally (several,
        timed, or a cell already filled) are folded last, in submission order, once every answer
        they need is graded.
        """
        memo = self.memo
        index_of = self._index.get
        all_cells, all_answers = self._cells, self._answers
        all_variants, base_levels = self._variants, self._base_levels
        # each problem's results at its base level: variant → identity → result
        all_tables = [memo.tables(index, level) for index, level in enumerate(base_levels)]
        new: dict[int, dict[tuple[int, Hashable], Any]] = {}
        pending: list[tuple[int, int, int, Hashable]] = []
        tallied: list[tuple[int, int, int, list[Attempt]]] = []
        for row, submission in submissions:
            for problem_id, attempts in submission.attempts.items():
                index = index_of(problem_id)
                if index is None:
                    self._unknown_problem(submission, problem_id, attempts)
                    continue
                cells, answers = all_cells[index], all_answers[index]
                variants = all_variants[index]
                variant = 0 if variants is None else variants[row]
                level = base_levels[index]
                cell = cells[row]
                if cell is None and len(attempts) == 1 and attempts[0].submitted_at is None:
                    # the common case, kept cheap
                    raw = attempts[0].answer
                    identity = raw if type(raw) is str else answer_identity(raw)
                    result = all_tables[index][variant].get(identity)
                    answers[row] = identity
                    if result is None:
                        new.setdefault(index, {}).setdefault((variant, identity), raw)
                        pending.append((index, row, variant, identity))
                        cells[row] = PENDING  # filled in below, before anything reads it
                    else:
                        cells[row] = result
                    continue
                for attempt in attempts:
                    identity = answer_identity(attempt.answer)
                    if (index, variant, identity, level) not in memo:
                        new.setdefault(index, {}).setdefault((variant, identity), attempt.answer)
                if cell is None:
                    cells[row] = AttemptTally()  # so that a later attempt in this chunk is tallied too
                tallied.append((row, index, variant, attempts))
        for index, batch in new.items():
            self._grade_together(index, batch)
        for index, row, variant, waiting in pending:
            all_cells[index][row] = all_tables[index][variant][waiting]
        for row, index, variant, attempts in tallied:
            self._tally(row, index, variant, attempts)

    def _grade_together(self, index: int, answers: dict[tuple[int, Hashable], Any]) -> None:
        """Grade new answers to one problem ((variant, identity) → raw answer) in one batch."""
        problem = self._list[index]
        level = self._base_levels[index]
        known = self._mistakes.get(index, {})
        key_of, inputs_of = self.keys.key_of, self.keys.inputs_of
        batch = [
            (raw, key_of(problem.id, variant), inputs_of(problem.id, variant), known.get(variant))
            for (variant, _), raw in answers.items()
        ]
        results = grade_answers(problem, batch, level=level)
        for (variant, answer), result in zip(answers, results, strict=True):
            self.memo.put(index, variant, answer, level, result)

    def _tally(self, row: int, index: int, variant: int, attempts: list[Attempt]) -> None:
        """Fold attempts into a cell's AttemptTally (made from its plain attempt, if it has one)."""
        problem = self._list[index]
        cells = self._cells[index]
        level = self._base_levels[index]
        cell = cells[row]
        if not isinstance(cell, AttemptTally):
            tally = AttemptTally()
            if cell is not None:
                tally.record(problem, cell, self._answers[index][row])
                self._answers[index][row] = None  # the tally keeps its attempts' identities
            cell = cells[row] = tally
        for attempt in attempts:
            identity = answer_identity(attempt.answer)
            result = self._grade(index, variant, identity, attempt.answer, level)
            cell.record(problem, result, identity, attempt.submitted_at)

    def _grade(self, index: int, variant: int, identity: Hashable, raw: Any, level: str) -> ProblemResult:
        """The result of an answer (`raw`, or None to recover it from `identity`), graded once."""
        result = self.memo.get(index, variant, identity, level)
        if result is None:
            if raw is None and isinstance(identity, (str, bytes)):
                raw = answer_of(identity)
            problem = self._list[index]
            key = self.keys.key_of(problem.id, variant)
            inputs = self.keys.inputs_of(problem.id, variant)
            mistakes = self._mistakes.get(index, {}).get(variant)
            result = grade_answer(problem, raw, key, level=level, inputs=inputs, mistakes=mistakes)
            self.memo.put(index, variant, identity, level, result)
        return result

    # -- output ------------------------------------------------------------------------------

    def _level(self, index: int, used: int) -> str:
        level = self._levels.get((index, used))
        if level is None:
            level = reveal_level(self._list[index], attempts_used=used, now=self.now)
            if level == self._base_levels[index]:
                level = self._base_levels[index]  # the same object: `_result` compares with `is`
            self._levels[(index, used)] = level
        return level

    def _result(self, index: int, row: int, variant: int, cell: Cell) -> ProblemResult:
        if cell is None:
            return self._missing(index)
        if not isinstance(cell, AttemptTally):
            if cell.status is Status.INVALID:
                return cell
            level = self._level(index, 1)
            if level is self._base_levels[index]:
                return cell
            return self._grade(index, variant, self._answers[index][row], None, level)
        return self._tally_result(index, variant, cell)

    def _tally_result(self, index: int, variant: int, tally: AttemptTally) -> ProblemResult:
        counted = tally.counted
        if counted is None:
            return tally.result(self._list[index], None)
        level = self._level(index, tally.used)
        cache_key = (index, variant, counted.answer, level, tally.used, counted.factor, tuple(tally.notes))
        final = self._final.get(cache_key)
        if final is None:
            base = counted.result
            if level != self._base_levels[index]:
                base = self._grade(index, variant, counted.answer, None, level)
            final = self._final[cache_key] = tally.result(self._list[index], base)
        return final

    def _missing(self, index: int) -> ProblemResult:
        cache_key = ("missing", index)
        result = self._final.get(cache_key)
        if result is None:
            result = self._final[cache_key] = missing_result(self._list[index])
        return result

    def _student(self, row: int) -> StudentReport:
        result = self._result
        results = [
            result(index, row, 0 if variants is None else variants[row], cells[row])
            for index, cells, variants in self._columns
        ]
        return StudentReport.model_construct(
            student=self._students[row],
            score=round(sum([r.score for r in results]), 6),
            max_score=sum([r.max_score for r in results]),
            results=results,
        )

    @property
    def _columns(self) -> list[tuple[int, list[Cell], list[int] | None]]:
        return list(zip(range(len(self._list)), self._cells, self._variants, strict=True))

    def student_report(self, student: str) -> StudentReport:
        """One student's results so far."""
        return self._student(self._rows[student])

    @property
    def student_count(self) -> int:
        return len(self.gradebook)

    def issues(self) -> list[InputIssue]:
        """The unreadable inputs met so far, by file and line."""
        return sorted(self.errors, key=lambda issue: (issue.file, issue.line or 0))

    def gradebook_rows(self) -> GradebookColumns:
        """(student, score per problem, total, maximum) per student, as columns that iterate as
        rows: the gradebook without building a StudentReport per student (what a CSV gradebook
        of a large class needs)."""
        maximum = sum(problem.points for problem in self._list)
        with no_cyclic_gc():
            columns = [self._column_scores(index) for index in range(len(self._list))]
        return GradebookColumns(list(self._students), columns, maximum)

    def _column_scores(self, index: int) -> list[float]:
        """Every student's score for one problem, in row order (`_result(...).score` per cell)."""
        cells, variants = self._cells[index], self._variants[index]
        # a plain attempt's result is final unless its reveal level escalates (then regraded)
        plain_final = self._level(index, 1) is self._base_levels[index]
        missing = self._missing(index).score
        invalid = Status.INVALID
        result = self._result
        plain = ProblemResult

        def score(row: int, cell: Cell) -> float:
            if type(cell) is plain and (plain_final or cell.status is invalid):
                return cell.score
            return result(index, row, 0 if variants is None else variants[row], cell).score

        return [
            missing
            if cell is None
            else cell.score
            if type(cell) is plain and plain_final
            else score(row, cell)
            for row, cell in enumerate(cells)
        ]

    def attempt_columns(self, problem_id: str) -> AttemptColumns:
        """Every student's attempts at one problem, as columns in row order: what item statistics
        read (every attempt, not only the one that counts), without an object per student."""
        return self.gradebook.attempt_columns(self._index[problem_id])

    def report(self) -> Report:
        """The gradebook as a report: students in the order they first appeared."""
        with no_cyclic_gc():
            students = [self._student(row) for row in range(len(self._students))]
        return Report.model_construct(
            problems=self.problems.ids,
            students=students,
            errors=self.issues(),
            specs=self.problems.content_hashes,
        )


def grade_submission(
    problems: ProblemSet, submission: Submission, keys: KeyBook | None = None, *, now: datetime | None = None
) -> StudentReport:
    """Grade every problem for one student, with the attempt rules of `compare.attempts`."""
    grader = ClassGrader(problems, now=now, keys=keys)
    grader.add([submission])
    return grader.student_report(submission.student)


def grade_submissions(
    problems: ProblemSet,
    submissions: Iterable[Submission | SubmissionError],
    *,
    now: datetime | None = None,
    keys: KeyBook | None = None,
) -> Report:
    """Grade a class; unreadable submissions become report errors and the rest is graded."""
    grader = ClassGrader(problems, now=now, keys=keys)
    grader.add(submissions)
    return grader.report()


def grade_directory(problems: ProblemSet, directory: Path, *, now: datetime | None = None) -> Report:
    """Grade every per-student file in a directory."""
    return grade_submissions(problems, read_submission_directory(directory), now=now)
