"""Item statistics of a graded class: what the gradebook does not show.

Per problem, and per variant of a problem whose inputs vary, from every attempt (not only the
one that counts): how many attempted, the mean score and facility, the share right on the
first attempt and eventually, the attempts used, the time from first to correct attempt, the
discrimination of the item, and the distribution of answers, each with its status and the
catalogued mistake that explains it. The formulas are in docs/stats.md; in short:

- `mean_score` and `facility` (= mean_score / max_score) are over the students who attempted;
- `point_biserial` is the Pearson correlation, over every student, of the problem's counted
  score (0 without an attempt) with the student's total over the other problems; None when
  either is constant;
- `upper_lower` is the mean score of the top 27 % of students by total minus that of the bottom
  27 %, divided by the problem's points (ties at the cut broken by order of first appearance);
- an answer is counted once per attempt, after the problem's own parser reads it, so `1,-1,0`
  and `[1, -1, 0]` are one answer;
- `bad_key` flags a problem when most of the strongest students' last answers are one identical
  answer graded wrong: the key, not the class, is then the first suspect (`grade check`).

`class_statistics` reads a `ClassGrader` (`grade stats SUBMISSIONS`); `statistics_of` is the
pure core that any source of attempt histories feeds (`grade stats --db`, the staff page).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import compress
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict

from grader.compare.attempts import in_time_order
from grader.compare.results import ProblemResult, Status
from grader.engine.keybook import KeyBook
from grader.engine.keys import Key, fixed_inputs, format_number
from grader.feedback.explain import format_value
from grader.feedback.mistakes import matching_mistakes, mistake_answers, variants_for
from grader.grading import AttemptColumns, AttemptHistory, ClassGrader, answer_of, parse_answer
from grader.parse import InvalidAnswer
from grader.parse.arrays import normalise_text
from grader.spec.loader import ProblemSet
from grader.spec.models import ChoiceAnswer, Problem

__all__ = [
    "AnswerCount",
    "AnswerReading",
    "BadKey",
    "ClassStatistics",
    "DEFAULT_TOP",
    "Discrimination",
    "ProblemStatistics",
    "TimeToCorrect",
    "VariantStatistics",
    "class_statistics",
    "normalized_text",
    "read_answers",
    "statistics_of",
]

#: Answers listed per problem (and per variant) unless asked otherwise.
DEFAULT_TOP = 10
#: The share of each end of the class the upper/lower difference compares (Kelley's 27 %).
GROUP_SHARE = 0.27
#: A wrong answer given by more than this share of the upper group's students flags the key...
BAD_KEY_SHARE = 0.5
#: ...when at least this many of them give it (two strong students agreeing is not yet a pattern).
BAD_KEY_MIN_STUDENTS = 3


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Discrimination(_Model):
    """How well the problem separates strong students from weak ones."""

    point_biserial: float | None
    upper_lower: float | None


class AnswerCount(_Model):
    """One distinct answer (as the parser reads it) and what it was graded."""

    answer: str
    count: int
    status: Status
    score: float
    #: the catalogue mistake that explains it (`feedback.mistakes.MISTAKES`), if any
    mistake: str | None = None
    #: the mistake's variant, e.g. `ties_away_from_zero` or `sign_flipped:cell.W_h`
    mistake_variant: str | None = None


class TimeToCorrect(_Model):
    """Seconds from a student's first attempt to their first correct one (timed attempts only)."""

    students: int
    median_seconds: float
    mean_seconds: float


class BadKey(_Model):
    """A wrong answer most of the strongest students agree on: check the key first."""

    answer: str
    students: int
    share: float
    hint: str


class VariantStatistics(_Model):
    """The statistics of one problem over one set of students (all of them, or one variant's)."""

    students: int
    attempted: int
    mean_score: float | None
    facility: float | None
    first_attempt_correct: float | None
    eventually_correct: float | None
    #: attempts used (valid, accepted) → students who used that many, over those who attempted
    attempts_used: dict[str, int]
    #: counted score → students who got it, over those who attempted (lowest first)
    score_distribution: dict[str, int]
    time_to_correct: TimeToCorrect | None
    discrimination: Discrimination
    answers: list[AnswerCount]
    #: share of wrong (incorrect or partial) attempts that a catalogue mistake explains
    explained_by_mistakes: float | None
    #: that share per mistake
    mistakes: dict[str, float]
    bad_key: BadKey | None


class ProblemStatistics(VariantStatistics):
    """A problem's statistics over the whole class, and per variant when its inputs vary."""

    problem: str
    max_score: float
    #: per variant (by variant id), only for problems whose inputs vary per student
    variants: dict[str, VariantStatistics] = {}


class ClassStatistics(_Model):
    """The JSON contract of `grade stats`: `{"students", "problems": [...]}`."""

    students: int
    problems: list[ProblemStatistics]


@dataclass(frozen=True)
class AnswerReading:
    """What statistics need of one distinct answer: its normalized text and diagnosed mistake."""

    text: str
    mistake: str | None = None
    mistake_variant: str | None = None


#: (problem, variant, answer identity, graded wrong?) → its reading (a wrong one diagnosed)
ReadAnswer = Callable[[Problem, int, Hashable, bool], AnswerReading]


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 6)


def normalized_text(problem: Problem, raw: Any) -> str:
    """An answer as the problem's parser reads it: `1,-1,0` and `[1, -1, 0]` give one text."""
    try:
        given = parse_answer(problem, raw)
    except InvalidAnswer:
        return normalise_text(raw if isinstance(raw, str) else str(raw))
    if isinstance(problem.answer, ChoiceAnswer):
        return ", ".join(given)
    array = np.asarray(given, dtype=np.float64)
    if array.ndim == 2:
        return "[" + ", ".join(format_value(row) for row in array) + "]"
    return format_value(array) if array.size != 1 else f"[{format_value(array)}]"


def read_answers(keys: KeyBook) -> ReadAnswer:
    """A reader of answers against `keys`: normalizes each, and diagnoses the wrong sequence
    answers with the catalogue (every variant's mistake answers computed at once, one engine pass
    per input length, when a problem first needs them)."""
    readings: dict[tuple[str, int, Hashable], AnswerReading] = {}
    rows: dict[str, list[dict[str, Any]]] = {}
    catalogue: dict[str, dict[str, str]] = {}

    def mistakes_of(problem: Problem, variant: int) -> dict[str, Any]:
        known = rows.get(problem.id)
        if known is None or variant >= len(known):
            known = rows[problem.id] = _mistake_rows(problem, keys)
        return known[variant]

    def read(problem: Problem, variant: int, identity: Hashable, wrong: bool) -> AnswerReading:
        cache_key = (problem.id, variant, identity)
        found = readings.get(cache_key)
        if found is not None:
            return found
        raw = answer_of(identity) if isinstance(identity, (str, bytes)) else identity
        reading = AnswerReading(normalized_text(problem, raw))
        if wrong and problem.model is not None and not isinstance(problem.answer, ChoiceAnswer):
            reading = _diagnosed(problem, keys.key_of(problem.id, variant), raw, reading, variant)
        readings[cache_key] = reading
        return reading

    def _diagnosed(
        problem: Problem, key: Key, raw: Any, reading: AnswerReading, variant: int
    ) -> AnswerReading:
        try:
            given = parse_answer(problem, raw)
        except InvalidAnswer:
            return reading
        key_array = np.asarray(key, dtype=np.float64)
        names = matching_mistakes(problem, mistakes_of(problem, variant), key_array, given)
        if not names:
            return reading
        by_variant = catalogue.get(problem.id)
        if by_variant is None:
            by_variant = catalogue[problem.id] = {v.name: m.name for m, v in variants_for(problem)}
        return AnswerReading(reading.text, by_variant[names[0]], names[0])

    return read


def _mistake_rows(problem: Problem, keys: KeyBook) -> list[dict[str, Any]]:
    """Each variant's catalogued mistake answers, by variant id: one batch per input length."""
    inputs = [
        np.asarray(fixed_inputs(problem) if given is None else given, dtype=np.float64)
        for given in keys.variants[problem.id].inputs
    ]
    by_length: dict[int, list[int]] = {}
    for variant, sequence in enumerate(inputs):
        by_length.setdefault(len(sequence), []).append(variant)
    found: list[dict[str, Any]] = [{} for _ in inputs]
    for variants in by_length.values():
        answers = mistake_answers(problem, np.stack([inputs[v] for v in variants]))
        for position, variant in enumerate(variants):
            found[variant] = {name: values[position] for name, values in answers.items()}
    return found


def class_statistics(grader: ClassGrader, *, top: int = DEFAULT_TOP) -> ClassStatistics:
    """The statistics of the class `grader` has graded (`grade stats SUBMISSIONS`)."""
    problems = grader.problems
    scores: dict[str, Sequence[float]] = dict(zip(problems.ids, grader.gradebook_rows().scores, strict=True))
    columns = {problem.id: grader.attempt_columns(problem.id) for problem in problems}
    varies = {problem.id: grader.keys.varies(problem.id) for problem in problems}
    return statistics_of(problems, columns, scores, read_answers(grader.keys), varies=varies, top=top)


def statistics_of(
    problems: ProblemSet,
    columns: dict[str, AttemptColumns],
    scores: dict[str, Sequence[float]],
    read: ReadAnswer,
    *,
    varies: dict[str, bool] | None = None,
    top: int = DEFAULT_TOP,
) -> ClassStatistics:
    """The statistics from each problem's attempts and counted scores, one entry per student row
    in the same order for every problem."""
    ids = [problem.id for problem in problems]
    students = len(scores[ids[0]]) if ids else 0
    matrix = np.asarray([scores[pid] for pid in ids], dtype=np.float64).reshape(len(ids), students)
    totals = matrix.sum(axis=0)
    result = []
    for position, problem in enumerate(problems):
        tallies, last = _tally(problem, columns[problem.id], read)
        variants = np.asarray(columns[problem.id].variants, dtype=np.int64).reshape(students)
        attempted = np.asarray([result is not None for result in columns[problem.id].plain], dtype=np.bool_)
        attempted = attempted.reshape(students)
        attempted[list(columns[problem.id].tallied)] = True
        context = _Context(problem, matrix[position], totals, attempted, top, last)
        whole = _figures(context, np.arange(students), _merged(tallies.values()))
        by_variant: dict[str, VariantStatistics] = {}
        if varies is not None and varies.get(problem.id, False):
            for variant in sorted(set(variants.tolist())):
                members = np.flatnonzero(variants == variant)
                by_variant[str(variant)] = _figures(context, members, tallies.get(variant, _Tally()))
        head = {"problem": problem.id, "max_score": problem.points, "variants": by_variant}
        result.append(ProblemStatistics(**head, **dict(whole)))
    return ClassStatistics(students=students, problems=result)


@dataclass
class _Tally:
    """What the attempts of some students add up to (`_tally`); merged across variants."""

    first_correct: int = 0
    eventually: int = 0
    used: Counter[int] = field(default_factory=Counter)
    waits: list[float] = field(default_factory=list)
    answers: Counter[tuple[str, Status, float, str | None, str | None]] = field(default_factory=Counter)
    wrong: int = 0
    explained: Counter[str] = field(default_factory=Counter)
    #: row → (normalized text, status) of the last readable attempt, for rows of several attempts
    last: dict[int, tuple[str, Status]] = field(default_factory=dict)


def _merged(tallies: Iterable[_Tally]) -> _Tally:
    whole = _Tally()
    for part in tallies:
        whole.first_correct += part.first_correct
        whole.eventually += part.eventually
        whole.used.update(part.used)
        whole.waits += part.waits
        whole.answers.update(part.answers)
        whole.wrong += part.wrong
        whole.explained.update(part.explained)
    return whole


_WRONG = (Status.INCORRECT, Status.PARTIAL)


def _tally(
    problem: Problem, columns: AttemptColumns, read: ReadAnswer
) -> tuple[dict[int, _Tally], Callable[[list[int]], list[tuple[str, Status] | None]]]:
    """Every attempt at `problem` added up per variant.

    A class's plain rows (one untimed attempt) are counted per distinct (variant, answer), not
    per student: a class of 100,000 types a few thousand distinct answers, each read once.
    """
    tallies: dict[int, _Tally] = {}
    keys = list(zip(columns.variants, columns.answers, strict=True))
    present = [result is not None for result in columns.plain]
    counts = Counter(compress(keys, present))
    results = dict(compress(zip(keys, columns.plain, strict=True), present))
    readings: dict[tuple[int, Hashable], AnswerReading] = {}
    for (variant, identity), count in counts.items():
        result = results[(variant, identity)]
        assert result is not None
        tally = tallies.setdefault(variant, _Tally())
        status = result.status
        reading = readings[(variant, identity)] = read(problem, variant, identity, status in _WRONG)
        tally.answers[(reading.text, status, result.score, reading.mistake, reading.mistake_variant)] += count
        if status is Status.INVALID:
            tally.used[0] += count
            continue
        tally.used[1] += count
        if status is Status.CORRECT:
            tally.first_correct += count
            tally.eventually += count
        elif status in _WRONG:
            tally.wrong += count
            if reading.mistake is not None:
                tally.explained[reading.mistake] += count
    for row, history in columns.tallied.items():
        _tally_history(problem, row, history, tallies.setdefault(history.variant, _Tally()), read)
    tallied_last: dict[int, tuple[str, Status]] = {}
    for tally in tallies.values():
        tallied_last.update(tally.last)

    plain_last = {
        key: (readings[key].text, result.status)
        for key, result in results.items()
        if result is not None and result.status is not Status.INVALID
    }

    def last(rows: list[int]) -> list[tuple[str, Status] | None]:
        """Students' last readable answers (read only for the rows the bad-key check asks)."""
        plain, found = columns.plain, plain_last.get
        return [tallied_last.get(row) if plain[row] is None else found(keys[row]) for row in rows]

    return tallies, last


def _tally_history(
    problem: Problem, row: int, history: AttemptHistory, tally: _Tally, read: ReadAnswer
) -> None:
    """Add one student's several (or timed) attempts, in the order they were made."""
    attempts = history.attempts
    if any(at is not None for _, _, at in attempts):
        order: Sequence[int] = in_time_order([at for _, _, at in attempts])
    else:
        order = range(len(attempts))
    tally.used[history.used] += 1
    first_valid: ProblemResult | None = None
    started: datetime | None = None
    solved = False
    for position in order:
        result, identity, at = attempts[position]
        if started is None and at is not None:
            started = at
        status = result.status
        reading = read(problem, history.variant, identity, status in _WRONG)
        tally.answers[(reading.text, status, result.score, reading.mistake, reading.mistake_variant)] += 1
        if status is Status.INVALID:
            continue
        tally.last[row] = (reading.text, status)
        if first_valid is None:
            first_valid = result
        if status in _WRONG:
            tally.wrong += 1
            if reading.mistake is not None:
                tally.explained[reading.mistake] += 1
        if status is Status.CORRECT and not solved:
            solved = True
            if started is not None and at is not None:
                tally.waits.append((at - started).total_seconds())
    if first_valid is not None and first_valid.status is Status.CORRECT:
        tally.first_correct += 1
    if solved:
        tally.eventually += 1


@dataclass(frozen=True)
class _Context:
    """One problem's columns over the whole class, which each set of students is cut from."""

    problem: Problem
    scores: NDArray[np.float64]
    totals: NDArray[np.float64]
    attempted: NDArray[np.bool_]
    top: int
    #: rows' last readable answers and their status (None: none)
    last: Callable[[list[int]], list[tuple[str, Status] | None]]


def _figures(context: _Context, members: NDArray[np.int64], tally: _Tally) -> VariantStatistics:
    """The statistics of the students at row positions `members`, whose attempts `tally` adds up."""
    problem = context.problem
    scores = context.scores[members]
    attempted_scores = scores[context.attempted[members]]
    attempted = len(attempted_scores)
    mean = None if attempted == 0 else round(float(attempted_scores.sum()) / attempted, 6)
    values, counts = np.unique(attempted_scores, return_counts=True)
    ranked = sorted(tally.answers.items(), key=lambda item: (-item[1], item[0][0], item[0][1].value))
    return VariantStatistics(
        students=len(members),
        attempted=attempted,
        mean_score=mean,
        facility=None if mean is None else round(mean / problem.points, 6),
        first_attempt_correct=_share(tally.first_correct, attempted),
        eventually_correct=_share(tally.eventually, attempted),
        attempts_used={str(count): tally.used[count] for count in sorted(tally.used)},
        score_distribution={
            format_number(float(value)): int(count) for value, count in zip(values, counts, strict=True)
        },
        time_to_correct=_time_to_correct(tally.waits),
        discrimination=discrimination(scores, context.totals[members], problem.points),
        answers=[
            AnswerCount(
                answer=text, count=count, status=status, score=score, mistake=mistake, mistake_variant=variant
            )
            for (text, status, score, mistake, variant), count in ranked[: context.top]
        ],
        explained_by_mistakes=_share(sum(tally.explained.values()), tally.wrong),
        mistakes={name: round(count / tally.wrong, 6) for name, count in tally.explained.most_common()},
        bad_key=_bad_key(problem, context.totals, members, context.last),
    )


def _time_to_correct(waits: list[float]) -> TimeToCorrect | None:
    if not waits:
        return None
    return TimeToCorrect(
        students=len(waits),
        median_seconds=round(float(np.median(waits)), 3),
        mean_seconds=round(sum(waits) / len(waits), 3),
    )


def _upper_lower_groups(
    totals: np.ndarray[Any, np.dtype[np.float64]],
) -> tuple[np.ndarray[Any, np.dtype[np.int64]], np.ndarray[Any, np.dtype[np.int64]]]:
    """Positions of the top and bottom 27 % by total (at least one each; ties by position)."""
    size = max(1, math.floor(GROUP_SHARE * len(totals) + 0.5))
    order = np.argsort(-totals, kind="stable")
    return order[:size], order[len(order) - size :]


def discrimination(
    scores: np.ndarray[Any, np.dtype[np.float64]],
    totals: np.ndarray[Any, np.dtype[np.float64]],
    points: float,
) -> Discrimination:
    """Point-biserial r of `scores` with the rest of `totals`, and the upper/lower difference."""
    if len(scores) < 2:
        return Discrimination(point_biserial=None, upper_lower=None)
    rest = totals - scores
    point_biserial = None
    if np.ptp(scores) > 0 and np.ptp(rest) > 0:
        point_biserial = round(float(np.corrcoef(scores, rest)[0, 1]), 6)
    upper, lower = _upper_lower_groups(totals)
    upper_lower = round(float(scores[upper].mean() - scores[lower].mean()) / points, 6)
    return Discrimination(point_biserial=point_biserial, upper_lower=upper_lower)


def _bad_key(
    problem: Problem,
    totals: np.ndarray[Any, np.dtype[np.float64]],
    members: np.ndarray[Any, np.dtype[np.int64]],
    last: Callable[[list[int]], list[tuple[str, Status] | None]],
) -> BadKey | None:
    """The wrong answer most of the upper group's students end on, if there is one."""
    if len(members) < 2:
        return None
    upper, _ = _upper_lower_groups(totals[members])
    ends = last(members[upper].tolist())
    wrong = Counter(end[0] for end in ends if end is not None and end[1] is not Status.CORRECT)
    if not wrong:
        return None
    answer, count = wrong.most_common(1)[0]
    share = count / len(upper)
    if count < BAD_KEY_MIN_STUDENTS or share <= BAD_KEY_SHARE:
        return None
    return BadKey(
        answer=answer,
        students=count,
        share=round(share, 6),
        hint=f"most of the strongest students answer {answer} and are graded wrong: "
        f"check the key with `grade check --problems DIR` (problem {problem.id})",
    )
