"""Checking answers online: the course policy, the grading core and the stored attempts, together.

`Checker` is the library the HTTP routes, the answer page and the XQueue adapter all call; it holds
no state of its own beyond the problems and their fixed keys (computed once at start), and caches
of what the database or the grading core already said, so any number of server processes can
share one database: attempts, the per-student limits and XQueue deliveries are all counted there.
The clock stays outside: every call takes `now`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from functools import lru_cache
from typing import Any

import numpy as np

from grader.compare.attempts import Made, fold_attempts, folded_result
from grader.compare.policy import attempts_left, late_by, lateness, reveal_level
from grader.compare.results import ProblemResult, Report, Status, StudentReport
from grader.engine.keybook import KeyBook
from grader.engine.keys import Key, compute_key, describe_key, key_to_json
from grader.engine.variants import Variant, variant_for
from grader.feedback.explain import WorkedSolution, render_solution, worked_solution
from grader.feedback.mistakes import MistakeTable, mistake_answers
from grader.grading import GradedAnswers, answer_identity, answer_of, grade_and_read
from grader.parse.errors import MAX_ANSWER_CHARS
from grader.record import UNREAD, answer_data, answer_text, new_submission
from grader.service.errors import ServiceError
from grader.service.models import (
    ChoiceView,
    KeyView,
    ProblemSummary,
    ProblemView,
    SubmissionOutcome,
    SubmissionRecord,
)
from grader.spec.loader import ProblemSet
from grader.spec.models import ChoiceAnswer, Problem
from grader.storage import (
    AlreadyDelivered,
    AttemptsExhausted,
    Delivered,
    Delivery,
    Limits,
    NewSubmission,
    RateLimited,
    Storage,
    StoredSubmission,
)

__all__ = ["Checker", "answer_text", "new_submission", "recorded_attempts", "storable", "stored_result"]

#: Students remembered as rate-limited per process, at most (see Checker._limited_until).
_REMEMBERED_REFUSALS = 10_000
#: Answers longer than this (characters or JSON bytes) are graded without caching the result.
_CACHED_ANSWER_LENGTH = 256
#: Graded answers remembered per process, at most (see Checker.graded).
_REMEMBERED_RESULTS = 65536


def storable(text: str) -> bool:
    """False for text no database can store: U+0000 (PostgreSQL refuses it) or a lone surrogate
    (JSON's "\\ud800" decodes to one; it has no UTF-8 encoding)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _unstorable(raw: Any) -> bool:
    if isinstance(raw, str):
        return not storable(raw)
    if isinstance(raw, list):
        return any(_unstorable(item) for item in raw)
    return False


def _made(problem: Problem, stored: StoredSubmission) -> Made:
    """A recorded attempt as the fold reads it (its lateness from the days stored with it)."""
    valid = stored.status != Status.INVALID.value
    return Made(valid, stored.score, late_by(problem, stored.days_late), stored.submitted_at)


def _as_graded(problem: Problem, stored: StoredSubmission) -> ProblemResult:
    """A recorded attempt's result as `grade_answer` gave it (with the score it is worth)."""
    return ProblemResult(
        problem=problem.id,
        status=Status(stored.status),
        score=stored.score,
        max_score=stored.max_score,
        feedback=stored.feedback,
        attempts_used=0 if stored.status == Status.INVALID.value else 1,
        max_attempts=problem.max_attempts,
    )


def recorded_attempts(
    problem: Problem, stored: Sequence[StoredSubmission]
) -> tuple[list[ProblemResult], ProblemResult, int]:
    """A student's recorded attempts at `problem` as graded, the result the gradebook reports for
    them, and the attempts they used: the gradebook's fold, for readers of every attempt too."""
    # the batch grader's fold and result (`compare.attempts`), on the attempts in the order
    # stored (the fold orders them by time)
    graded = [_as_graded(problem, submission) for submission in stored]
    fold = fold_attempts(problem, [_made(problem, submission) for submission in stored])
    counted = None if fold.counted is None else graded[fold.counted]
    invalid = None if fold.invalid is None else graded[fold.invalid]
    return graded, folded_result(problem, fold, counted, invalid), fold.used


def stored_result(problem: Problem, stored: Sequence[StoredSubmission]) -> ProblemResult:
    """A student's result on `problem` from their stored attempts, as the gradebook reports it."""
    return recorded_attempts(problem, stored)[1]


def _record(stored: StoredSubmission) -> SubmissionRecord:
    return SubmissionRecord(**{name: getattr(stored, name) for name in SubmissionRecord.model_fields})


class Checker:
    """The answer-checking service's library: views, submissions, grades, keys, the gradebook."""

    def __init__(self, problems: ProblemSet, storage: Storage, limits: Limits | None = None) -> None:
        self.problems = problems
        self.storage = storage
        #: Per-student limits, kept in the database (every worker shares them); none by default.
        self.limits = limits or Limits()
        #: Problem id → the content hash of its spec, recorded with every submission it grades.
        self.spec_hashes = problems.content_hashes
        #: Students the database refused for the rate limit, with the end of that window (seconds
        #: since the epoch). Only the database admits a submission; this remembers its refusals
        #: (a window's count only grows until it ends), so the rest of a flood is refused before
        #: it is graded, without asking the database again.
        self._limited_until: dict[str, int] = {}
        # Fixed keys once at start. Per-student keys are computed per request from the student's
        # variant (pure functions): KeyBook's variant cache is not shared across request threads.
        self._fixed = KeyBook.build(problems).fixed
        # Inputs every student of a problem shares, once: grading needs only them, not the
        # statement a variant renders around them.
        self._shared_inputs: dict[str, Any] = {}
        for problem in problems:
            if problem.id in self._fixed:
                inputs = self.variant(problem, "").inputs
                if inputs is not None:
                    inputs.setflags(write=False)  # shared by every request to the problem
                self._shared_inputs[problem.id] = inputs
        # Answers of the catalogued mistakes depend on the problem and the inputs only, not on what
        # a student typed: computed once per (problem, inputs) here, so diagnosing a wrong answer
        # runs no engine pass per request (one per catalogued mistake otherwise).
        self._mistake_rows = lru_cache(maxsize=4096)(self._compute_mistake_row)
        #: Keys of per-student variants, by the variant's inputs (many students share a variant).
        self._variant_keys = lru_cache(maxsize=16384)(self._compute_variant_key)
        #: Grading is a pure function of (problem, inputs, answer, reveal level); a class sends the
        #: same few wrong answers again and again, so results are kept under exactly that: the memo
        #: batch grading keeps, the inputs named by their bytes and shape.
        self.graded = GradedAnswers(limit=_REMEMBERED_RESULTS, longest=_CACHED_ANSWER_LENGTH)

    # -- problems and keys -------------------------------------------------------------------

    def problem(self, problem_id: str) -> Problem:
        try:
            return self.problems[problem_id]
        except KeyError:
            raise ServiceError(
                "unknown_problem", f"no problem {problem_id!r}; known: {', '.join(self.problems.ids)}"
            ) from None

    def variant(self, problem: Problem, student: str) -> Variant:
        return variant_for(problem, student, self.problems.course.salt)

    def key(self, problem: Problem, student: str) -> Key:
        """The key `student` is graded against (their variant's, for problems whose inputs vary)."""
        fixed = self._fixed.get(problem.id)
        if fixed is not None:
            return fixed
        inputs = np.ascontiguousarray(self.variant(problem, student).inputs, dtype=np.float64)
        key: Key = self._variant_keys(problem.id, inputs.tobytes(), inputs.shape)
        return key

    def _compute_variant_key(self, problem_id: str, inputs: bytes, shape: tuple[int, ...]) -> Key:
        sequence = np.frombuffer(inputs, dtype=np.float64).reshape(shape)
        key = compute_key(self.problems[problem_id], sequence)
        if isinstance(key, np.ndarray):
            key.setflags(write=False)  # shared by every request of this variant
        return key

    def _compute_mistake_row(self, problem_id: str, inputs: bytes, shape: tuple[int, ...]) -> dict[str, Any]:
        problem = self.problems[problem_id]
        sequence = np.frombuffer(inputs, dtype=np.float64).reshape(shape)
        rows = mistake_answers(problem, sequence[None])
        row = {name: answers[0] for name, answers in rows.items()}
        fixed = self._fixed.get(problem_id)
        key = fixed if fixed is not None else self._variant_keys(problem_id, inputs, shape)
        if isinstance(key, tuple):
            return row
        # stacked once, so diagnosing each new answer is one comparison with every mistake at once
        return MistakeTable(problem, row, np.asarray(key, dtype=np.float64))

    def mistakes(self, problem: Problem, inputs: Any) -> dict[str, Any] | None:
        """The catalogued mistakes' answers for these inputs (None for choice problems)."""
        if problem.model is None or inputs is None or isinstance(problem.answer, ChoiceAnswer):
            return None
        sequence = np.ascontiguousarray(inputs, dtype=np.float64)
        row: dict[str, Any] = self._mistake_rows(problem.id, sequence.tobytes(), sequence.shape)
        return row

    def _grade_uncached(
        self, problem_id: str, inputs: bytes | None, shape: tuple[int, ...], raw: Any, level: str
    ) -> tuple[ProblemResult, Any]:
        problem = self.problems[problem_id]
        array = None if inputs is None else np.frombuffer(inputs, dtype=np.float64).reshape(shape)
        fixed = self._fixed.get(problem_id)
        key = fixed if fixed is not None else self._variant_keys(problem_id, inputs, shape)
        mistakes = self.mistakes(problem, array)
        return grade_and_read(problem, raw, key, level=level, inputs=array, mistakes=mistakes)

    def grade(self, problem: Problem, inputs: Any, raw: Any, level: str) -> ProblemResult:
        """`grade_answer` on a variant's `inputs` at reveal `level`, cached by exactly those."""
        return self._grade_and_read(problem, inputs, raw, level)[0]

    def _grade_and_read(
        self, problem: Problem, inputs: Any, raw: Any, level: str
    ) -> tuple[ProblemResult, Any]:
        """`grade`, and the answer as stored (JSON data, None when unreadable) when it was read to
        grade it; `UNREAD` when the result came from the memo."""
        array = None if inputs is None else np.ascontiguousarray(inputs, dtype=np.float64)
        packed = None if array is None else array.tobytes()
        shape = () if array is None else array.shape
        identity = answer_identity(raw)
        result = self.graded.get(problem.id, (packed, shape), identity, level)
        if result is not None:
            return result, UNREAD
        # graded from the answer its identity gives back, as a cached result would have been
        result, given = self._grade_uncached(problem.id, packed, shape, answer_of(identity), level)
        self.graded.put(problem.id, (packed, shape), identity, level, result)
        return result, None if given is None else answer_data(problem, given)

    def summaries(self) -> list[ProblemSummary]:
        return [
            ProblemSummary(
                id=problem.id,
                title=problem.title,
                points=problem.points,
                statement=problem.statement,
                due=problem.due,
                max_attempts=problem.max_attempts,
            )
            for problem in self.problems
        ]

    def key_view(self, problem_id: str, student: str | None) -> KeyView:
        """Staff only: the key of a problem, of `student`'s variant when inputs vary."""
        problem = self.problem(problem_id)
        who = student or ""
        variant = self.variant(problem, who)
        key = self.key(problem, who)
        return KeyView(
            problem=problem.id,
            student=student,
            inputs=variant.inputs_json(),
            key=key_to_json(key),
            text=describe_key(key),
        )

    # -- one student's view --------------------------------------------------------------------

    def view(self, problem_id: str, student: str, *, now: datetime) -> ProblemView:
        """The problem as `student` sees it now."""
        problem = self.problem(problem_id)
        used = self.storage.attempts_used(student, problem.id)
        level = reveal_level(problem, attempts_used=used, now=now)
        variant = self.variant(problem, student)
        choices = None
        if isinstance(problem.answer, ChoiceAnswer):
            choices = [ChoiceView(id=c.id, text=c.text) for c in problem.answer.choices]
        return ProblemView(
            id=problem.id,
            title=problem.title,
            points=problem.points,
            statement=variant.statement,
            student=student,
            inputs=variant.inputs_json(),
            answer_kind=problem.answer.kind,
            multiple=isinstance(problem.answer, ChoiceAnswer) and problem.answer.multiple,
            choices=choices,
            due=problem.due,
            late_policy=problem.late.policy,
            accepting=lateness(problem, now).accepted,
            max_attempts=problem.max_attempts,
            attempts_used=used,
            attempts_left=attempts_left(problem, used),
            reveal=level,
            solution=describe_key(self.key(problem, student)) if level == "solution" else None,
            worked_solution=self._worked_text(problem, variant) if level == "solution" else None,
        )

    def worked(self, problem_id: str, student: str) -> WorkedSolution | None:
        """The worked solution of `student`'s variant (None for a choice problem), revealed or not:
        the caller shows it only when the view or outcome says `reveal` is `solution`."""
        problem = self.problem(problem_id)
        return self._worked(problem, self.variant(problem, student))

    @staticmethod
    def _worked(problem: Problem, variant: Variant) -> WorkedSolution | None:
        if isinstance(problem.answer, ChoiceAnswer):
            return None
        return worked_solution(problem, variant.inputs)

    @classmethod
    def _worked_text(cls, problem: Problem, variant: Variant) -> str | None:
        worked = cls._worked(problem, variant)
        return None if worked is None else render_solution(worked, "text")

    # -- submitting ------------------------------------------------------------------------------

    def submit(
        self,
        problem_id: str,
        student: str,
        raw: Any,
        *,
        now: datetime,
        source: str = "api",
        received: datetime | None = None,
        delivery: Delivery | None = None,
    ) -> SubmissionOutcome:
        """Grade and record one answer; invalid answers are recorded but use no attempt.

        `now` is when it was submitted (lateness, reveal); `received`, when this server got it (the
        rate limit's window; default `now`). A `delivery` answered before gets the same outcome
        again, recording nothing. Past `limits.max_unreadable`, an unreadable answer is checked but
        not stored (its outcome has no id). Raises ServiceError: unknown_problem, answer_too_long,
        invalid_request (a NUL character), past_due, no_attempts_left, rate_limited,
        delivery_conflict (nothing is recorded then).
        """
        problem = self.problem(problem_id)
        if delivery is not None:
            delivered = self.storage.delivered(delivery)
            if delivered is not None:
                return self._replayed(problem, student, delivery, delivered)
        text = answer_text(raw)
        if len(text) > MAX_ANSWER_CHARS:
            raise ServiceError(
                "answer_too_long", f"the answer has {len(text)} characters; the limit is {MAX_ANSWER_CHARS}"
            )
        if _unstorable(raw):
            raise ServiceError(
                "invalid_request", "answer: contains a NUL character (U+0000) or a lone UTF-16 surrogate"
            )
        late = lateness(problem, now)
        if not late.accepted:
            raise ServiceError(
                "past_due",
                f"{problem.id} was due {problem.due.isoformat() if problem.due else ''}; "
                "late answers are not accepted",
            )
        moment = received or now
        if self.limits.rate is not None and student in self._limited_until:
            self._check_still_limited(student, moment)
        key = self.key(problem, student)
        if problem.id in self._shared_inputs:
            inputs = self._shared_inputs[problem.id]
        else:
            inputs = self.variant(problem, student).inputs
        result, parsed = self._grade_and_read(problem, inputs, raw, problem.reveal.show)
        if result.status is Status.INVALID:
            new = new_submission(
                problem,
                student,
                raw,
                result,
                submitted_at=now,
                source=source,
                late=late,
                spec_hash=self.spec_hashes[problem.id],
            )
            try:
                submission_id, used = self.storage.record_uncounted(
                    new, problem.max_attempts, limits=self.limits, now=moment, delivery=delivery
                )
            except AttemptsExhausted as exhausted:
                raise self._no_attempts(problem, exhausted.used) from None
            except (RateLimited, AlreadyDelivered) as refusal:
                return self._refused(problem, student, delivery, refusal, moment)
            level = reveal_level(problem, attempts_used=used, now=now)
            if submission_id is None:
                note = (
                    f" It was not stored: {self.limits.max_unreadable} unreadable answers to "
                    f"{problem.id} are stored already."
                )
                new = replace(new, feedback=new.feedback + note)
            return self._outcome(new, submission_id, counted=False, used=used, level=level, key=key)
        # Read and graded before the attempt is claimed, at each level this attempt may reveal
        # (an attempt before the last reveals what the first does; the last may say more): the
        # claim holds the database's write lock, which no reading of an answer may prolong.
        graded: dict[str, ProblemResult] = {problem.reveal.show: result}
        for used in (1, problem.max_attempts or 1):
            possible = reveal_level(problem, attempts_used=used, now=now)
            if possible not in graded:
                graded[possible] = self.grade(problem, inputs, raw, possible)
        records = {
            level: new_submission(
                problem,
                student,
                raw,
                graded_at,
                submitted_at=now,
                source=source,
                late=late,
                spec_hash=self.spec_hashes[problem.id],
                parsed=parsed,
            )
            for level, graded_at in graded.items()
        }
        try:
            with self.storage.claim_attempt(
                student,
                problem.id,
                problem.max_attempts,
                rate=self.limits.rate,
                now=moment,
                delivery=delivery,
            ) as (number, record):
                level = reveal_level(problem, attempts_used=number, now=now)
                new = records[level]
                submission_id = record(new)
        except AttemptsExhausted:
            raise self._no_attempts(problem, problem.max_attempts or 0) from None
        except (RateLimited, AlreadyDelivered) as refusal:
            return self._refused(problem, student, delivery, refusal, moment)
        return self._outcome(new, submission_id, counted=True, used=number, level=level, key=key)

    def _check_still_limited(self, student: str, moment: datetime) -> None:
        """Raise rate_limited while the window the database refused `student` in lasts."""
        window_end = self._limited_until.get(student)
        if window_end is None:
            return
        if moment.timestamp() < window_end:
            assert self.limits.rate is not None
            raise self._rate_limited(self.limits.rate.retry_after(window_end, moment))
        self._limited_until.pop(student, None)

    def _refused(
        self,
        problem: Problem,
        student: str,
        delivery: Delivery | None,
        refusal: Exception,
        moment: datetime,
    ) -> SubmissionOutcome:
        """The storage refused to record: past the rate limit (raised as rate_limited), or the
        delivery was answered meanwhile by a concurrent one (its outcome, as that one answered)."""
        if isinstance(refusal, RateLimited):
            if len(self._limited_until) >= _REMEMBERED_REFUSALS:
                self._limited_until.clear()  # a memo: forgetting only costs the next refusal a query
            self._limited_until[student] = refusal.window_end
            raise self._rate_limited(refusal.limit.retry_after(refusal.window_end, moment)) from None
        assert delivery is not None
        delivered = self.storage.delivered(delivery)
        assert delivered is not None, "a delivery is stored before AlreadyDelivered is raised"
        return self._replayed(problem, student, delivery, delivered)

    def _rate_limited(self, retry_after: int) -> ServiceError:
        rate = self.limits.rate
        assert rate is not None
        return ServiceError(
            "rate_limited",
            f"at most {rate.submissions} submissions per {rate.seconds // 60 or 1} minute(s); "
            f"retry in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )

    def _replayed(
        self, problem: Problem, student: str, delivery: Delivery, delivered: Delivered
    ) -> SubmissionOutcome:
        """The outcome first sent for `delivery`, rebuilt from what was stored then."""
        stored = delivered.submission
        if (stored.student, stored.problem) != (student, problem.id):
            raise ServiceError(
                "delivery_conflict",
                f"queue {delivery.queue!r} submission {delivery.id} was answered for another "
                "learner or problem",
            )
        new = NewSubmission(
            student=stored.student,
            problem=stored.problem,
            submitted_at=stored.submitted_at,
            source=stored.source,
            raw=stored.raw,
            parsed=stored.parsed,
            status=stored.status,
            score=stored.score,
            max_score=stored.max_score,
            feedback=stored.feedback,
            days_late=stored.days_late,
        )
        used = delivered.attempts_used
        level = reveal_level(problem, attempts_used=used, now=stored.submitted_at)
        key = self.key(problem, student)
        return self._outcome(new, stored.id, counted=stored.counted, used=used, level=level, key=key)

    @staticmethod
    def _no_attempts(problem: Problem, used: int) -> ServiceError:
        return ServiceError(
            "no_attempts_left", f"all {problem.max_attempts} attempts at {problem.id} are used ({used})"
        )

    def _outcome(
        self,
        new: NewSubmission,
        submission_id: int | None,
        *,
        counted: bool,
        used: int,
        level: str,
        key: Key,
    ) -> SubmissionOutcome:
        problem = self.problems[new.problem]
        return SubmissionOutcome(
            id=submission_id,
            problem=new.problem,
            student=new.student,
            submitted_at=new.submitted_at,
            status=new.status,
            score=new.score,
            max_score=new.max_score,
            feedback=new.feedback,
            counted=counted,
            attempts_used=used,
            max_attempts=problem.max_attempts,
            attempts_left=attempts_left(problem, used),
            days_late=new.days_late,
            reveal=level,
            solution=describe_key(key) if level == "solution" else None,
        )

    # -- records and grades ------------------------------------------------------------------

    def submissions(
        self,
        *,
        student: str | None = None,
        problem: str | None = None,
        after: int | None = None,
        limit: int | None = None,
    ) -> list[SubmissionRecord]:
        if problem is not None:
            self.problem(problem)
        stored = self.storage.submissions(student=student, problem=problem, after=after, limit=limit)
        return [_record(s) for s in stored]

    @staticmethod
    def _result(problem: Problem, stored: list[StoredSubmission]) -> ProblemResult:
        return stored_result(problem, stored)

    def _student_report(self, student: str, stored: list[StoredSubmission]) -> StudentReport:
        by_problem: dict[str, list[StoredSubmission]] = {}
        for submission in stored:
            by_problem.setdefault(submission.problem, []).append(submission)
        results = [self._result(problem, by_problem.get(problem.id, [])) for problem in self.problems]
        return StudentReport(
            student=student,
            score=round(sum(r.score for r in results), 6),
            max_score=sum(r.max_score for r in results),
            results=results,
        )

    def grades(self, student: str) -> StudentReport:
        """`student`'s own results on every problem (the last counted attempt, or the best)."""
        return self._student_report(student, self.storage.submissions(student=student))

    def lti_score(self, student: str, problem_id: str) -> tuple[float, float] | None:
        """(score, maximum) of `student` on a problem as the gradebook has it (for an LMS's line
        item); None for a problem no longer in the course."""
        if problem_id not in self.problems.problems:
            return None
        stored = self.storage.submissions(student=student, problem=problem_id)
        result = self._result(self.problems[problem_id], stored)
        return result.score, result.max_score

    def gradebook(self) -> Report:
        """Every student who submitted, as the batch path's report (same formats as the CLI)."""
        by_student: dict[str, list[StoredSubmission]] = {}
        for submission in self.storage.submissions():
            if submission.problem in self.problems.problems:
                by_student.setdefault(submission.student, []).append(submission)
        students = [self._student_report(student, by_student[student]) for student in sorted(by_student)]
        return Report(problems=self.problems.ids, students=students, specs=self.problems.content_hashes)

    def outdated(self) -> dict[str, list[str]]:
        """Problem id → the students (sorted) with an attempt graded by another version of its spec
        than the one loaded (or recorded before hashes were kept): results `grade regrade` would
        recompute."""
        students: dict[str, set[str]] = {}
        for submission in self.storage.submissions():
            current = self.spec_hashes.get(submission.problem)
            if current is not None and submission.spec_hash != current:
                students.setdefault(submission.problem, set()).add(submission.student)
        return {problem: sorted(students[problem]) for problem in self.problems.ids if problem in students}
