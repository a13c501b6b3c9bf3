"""Regrading after a fix: every student's results recomputed with new specs, and what changed.

A regrade changes scores, never a student's attempt history: the same attempts are folded by the
same rules (`compare.attempts`), with their times and late penalties, and only the grading of each
answer uses the new specs. Each (student, problem) whose score or status differs becomes a
`Change`, with the reason read from the difference of the old and new specs where the old ones
are known (the key changed at positions …, the tolerance changed, the scheme changed), else from
their content hashes. A regrade never lowers a score unless `allow_lower`: a lower score is left
in place and listed with `kept: true`.

Two sources of the old results:
- `regrade_class`: a previous JSON report and the submissions it was graded from (`grade regrade
  SUBMISSIONS --previous OLD.json`);
- `regrade_database`: the attempts stored by the service or `grade --db` (`grade regrade --db`),
  whose `apply` updates the stored results and records the regrade in one transaction.

Problem ids in the old results but not in the new specs are listed as removed and keep their
results; ids only in the new specs are listed as added; neither is regraded.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, ValidationError

from grader.compare.answers import entries_for
from grader.compare.results import InputIssue, ProblemResult, Report, StudentReport
from grader.engine.keys import Key, answer_symbol, compute_key, format_number
from grader.engine.variants import variant_for
from grader.errors import SubmissionError, UsageError
from grader.spec.loader import ProblemSet
from grader.spec.models import Problem, describe_shape
from grader.submissions.models import Submission, SubmissionBlock

if TYPE_CHECKING:
    from grader.storage import Storage, StoredSubmission

__all__ = [
    "Change",
    "ProblemTotals",
    "Regrade",
    "RegradeInputError",
    "key_reason",
    "load_previous_report",
    "regrade_class",
    "regrade_database",
    "render_table",
    "spec_reasons",
]


class RegradeInputError(UsageError):
    """Old results that cannot be regraded with these specs (another class's report, unknown
    problems); nothing is regraded."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Change(_Model):
    """One (student, problem) whose score or status the new specs change."""

    student: str
    problem: str
    old_score: float
    new_score: float
    old_status: str
    new_status: str
    reason: str
    #: True: a lower score left in place (never-lower policy); the student keeps `old_score`.
    kept: bool = False


class ProblemTotals(_Model):
    """Per problem: results changed (every listed change), raised, lowered (applied only with
    `allow_lower`) and kept (lower scores left in place)."""

    changed: int = 0
    raised: int = 0
    lowered: int = 0
    kept: int = 0


class Regrade(_Model):
    """What a regrade changes; `report` holds every student's results after it (not in the JSON)."""

    changes: list[Change]
    problems: dict[str, ProblemTotals]
    removed: list[str] = []
    added: list[str] = []
    #: Problem id → {"before": content hash(es) of the specs that graded the old results (None:
    #: unknown), "after": the new spec's}.
    specs: dict[str, dict[str, Any]] = {}
    #: Stored submissions whose result changes (or was applied, with `apply`); 0 for a report.
    submissions_updated: int = 0
    applied: bool = False
    report: Report | None = None

    def summary(self) -> dict[str, Any]:
        """The JSON contract: {"changes", "problems", "removed", "added", "specs", …}."""
        return self.model_dump(mode="json", exclude={"report"})


# -- reasons ---------------------------------------------------------------------------------


def spec_reasons(old: Problem, new: Problem) -> tuple[str, ...]:
    """What changed from `old` to `new` that can change a score, other than the key: the
    tolerance, the scheme, the points, the attempt and late rules, and what computes the key."""
    reasons: list[str] = []
    old_tolerance = getattr(old.answer, "compare", None)
    new_tolerance = getattr(new.answer, "compare", None)
    if old_tolerance != new_tolerance:
        reasons.append(f"the tolerance changed ({_tolerance(old_tolerance)} → {_tolerance(new_tolerance)})")
    if old.scoring != new.scoring:
        reasons.append(f"the scheme changed ({old.scoring} → {new.scoring})")
    if old.points != new.points:
        reasons.append(f"the points changed ({format_number(old.points)} → {format_number(new.points)})")
    rules = ("max_attempts", "counts", "due", "late")
    changed_rules = [name for name in rules if getattr(old, name) != getattr(new, name)]
    if changed_rules:
        reasons.append("the attempt rules changed (" + ", ".join(changed_rules) + ")")
    return tuple(reasons)


def _tolerance(tolerance: Any) -> str:
    if tolerance is None:
        return "default"
    return f"abs_tol {format_number(tolerance.abs_tol)}, rel_tol {format_number(tolerance.rel_tol)}"


def key_reason(problem: Problem, old_key: Key, new_key: Key) -> str | None:
    """ "the key changed at positions h_2, h_3" (0-based time steps; an array answer's entries in
    its own terms, as feedback names them), or the correct choices; None when the keys agree."""
    if isinstance(old_key, tuple) or isinstance(new_key, tuple):
        if old_key == new_key:
            return None
        return f"the key changed: correct choices {_choices(old_key)} → {_choices(new_key)}"
    old_array, new_array = np.asarray(old_key), np.asarray(new_key)
    entries = entries_for(problem, new_array.shape)
    if old_array.shape != new_array.shape:
        if entries is None:
            return f"the key changed: {len(old_array)} steps → {len(new_array)}"
        return f"the key changed: {_shape(old_array)} → {_shape(new_array)}"
    differs = np.asarray(~np.isclose(old_array, new_array, rtol=0.0, atol=1e-12))
    if entries is not None:
        wrong = [int(index) for index in np.flatnonzero(differs.reshape(-1))]
        return f"the key changed at {entries.names(wrong)}" if wrong else None
    if differs.ndim > 1:
        differs = np.asarray(differs.any(axis=tuple(range(1, differs.ndim))))
    positions = [int(t) for t in np.flatnonzero(differs)]
    if not positions:
        return None
    name = answer_symbol(problem)
    return "the key changed at positions " + ", ".join(f"{name}_{t}" for t in positions)


def _shape(key: NDArray[np.float64]) -> str:
    return describe_shape(key.tolist() if key.ndim else float(key))


def _choices(key: Key) -> str:
    return ", ".join(key) if isinstance(key, tuple) else "?"


@dataclass
class _Reasons:
    """Why a student's result changed: one reason per (problem, the student's old and new inputs),
    so a class of thousands computes a few keys and hashes."""

    problems: ProblemSet
    old_problems: ProblemSet | None
    old_hashes: dict[str, set[str | None]]
    _said: dict[tuple[str, bytes | None, bytes | None], str] = field(default_factory=dict)

    @staticmethod
    def _inputs(problems: ProblemSet, problem: Problem, student: str) -> Any:
        """The student's inputs (None: everyone's are the problem's own, or it has none)."""
        if problem.inputs is None or problem.fixed_inputs:
            return None
        return variant_for(problem, student, problems.course.salt).inputs

    def why(self, student: str, problem_id: str) -> str:
        new = self.problems[problem_id]
        old = None if self.old_problems is None else self.old_problems.problems.get(problem_id)
        old_problems = self.old_problems
        old_inputs = None if old is None or old_problems is None else self._inputs(old_problems, old, student)
        new_inputs = self._inputs(self.problems, new, student)
        cache = (problem_id, _packed(old_inputs), _packed(new_inputs))
        said = self._said.get(cache)
        if said is None:
            said = self._said[cache] = self._reason(old, new, old_inputs, new_inputs)
        return said

    def _reason(self, old: Problem | None, new: Problem, old_inputs: Any, new_inputs: Any) -> str:
        if old is not None:
            reasons = []
            key = key_reason(new, compute_key(old, old_inputs), compute_key(new, new_inputs))
            if key is not None:
                reasons.append(key)
            reasons.extend(spec_reasons(old, new))
            if reasons:
                return "; ".join(reasons)
            if old.content_hash != new.content_hash:
                return "the spec changed (statement, feedback or evaluation details)"
        after = self.problems.content_hash(new.id)
        before = self.old_hashes.get(new.id, set())
        if before and before <= {after}:
            return "the spec is unchanged; the answers graded or the grader's rules differ"
        shown = ", ".join(sorted(_short(h) for h in before)) or "unknown"
        return f"the spec changed (content hash {shown} → {_short(after)})"


def _packed(inputs: Any) -> bytes | None:
    return None if inputs is None else np.ascontiguousarray(inputs, dtype=np.float64).tobytes()


def _short(content_hash: str | None) -> str:
    return "none recorded" if content_hash is None else content_hash[:12]


# -- comparing results -------------------------------------------------------------------------


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=0.0, abs_tol=1e-9)


@dataclass
class _Tally:
    """Changes and per-problem totals as results are compared (`compare`)."""

    allow_lower: bool
    reasons: _Reasons
    problem_ids: list[str]
    changes: list[Change] = field(default_factory=list)
    totals: dict[str, dict[str, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.totals = {pid: {"changed": 0, "raised": 0, "lowered": 0, "kept": 0} for pid in self.problem_ids}

    def compare(self, student: str, old: ProblemResult, new: ProblemResult) -> ProblemResult:
        """The result the student ends with (`new`, or `old` when a lower score is kept)."""
        if _same(old.score, new.score) and old.status == new.status:
            return new
        counts = self.totals[new.problem]
        counts["changed"] += 1
        kept = new.score < old.score and not _same(old.score, new.score) and not self.allow_lower
        if kept:
            counts["kept"] += 1
        elif new.score > old.score and not _same(old.score, new.score):
            counts["raised"] += 1
        elif new.score < old.score and not _same(old.score, new.score):
            counts["lowered"] += 1
        self.changes.append(
            Change(
                student=student,
                problem=new.problem,
                old_score=old.score,
                new_score=new.score,
                old_status=old.status.value,
                new_status=new.status.value,
                reason=self.reasons.why(student, new.problem),
                kept=kept,
            )
        )
        return old if kept else new

    def result(self, **extra: Any) -> Regrade:
        return Regrade(
            changes=self.changes,
            problems={pid: ProblemTotals(**counts) for pid, counts in self.totals.items()},
            **extra,
        )


# -- from a previous report --------------------------------------------------------------------


def load_previous_report(path: Path) -> Report:
    """A JSON report written by `grade --format json`; RegradeInputError naming the file, and the
    line or field, when it cannot be read as one."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RegradeInputError(f"{path}: cannot read the previous report: {error}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise RegradeInputError(f"{path}:{error.lineno}: not JSON: {error.msg}") from None
    try:
        return Report.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise RegradeInputError(
            f"{path}: {where}: {first['msg']} (expected a report of `grade --format json`)"
        ) from None


def _check_previous(previous: Report, problems: ProblemSet, students: Sequence[str]) -> None:
    """Refuse a previous report that is not of this class: unknown problems, other students."""
    listed = set(previous.problems)
    unlisted = sorted({r.problem for s in previous.students for r in s.results} - listed)
    if unlisted:
        raise RegradeInputError(
            f"--previous: results for problems the report does not list: {', '.join(unlisted)}"
        )
    if not listed & set(problems.ids):
        raise RegradeInputError(
            f"--previous: none of its problems ({', '.join(previous.problems) or 'none'}) is in "
            f"--problems ({', '.join(problems.ids)}): is it another class's report?"
        )
    before = [s.student for s in previous.students]
    known, graded = set(before), set(students)
    missing = [s for s in students if s not in known]
    gone = [s for s in before if s not in graded]
    if missing or gone:
        parts = []
        if missing:
            parts.append(f"{len(missing)} student(s) not in it ({_names(missing)})")
        if gone:
            parts.append(f"{len(gone)} of its student(s) not in the submissions ({_names(gone)})")
        raise RegradeInputError(
            "--previous: not a report of these submissions: "
            + "; ".join(parts)
            + " (is it another class's report?)"
        )


def _names(names: Sequence[str], shown: int = 5) -> str:
    more = f", … {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _student(name: str, results: list[ProblemResult]) -> StudentReport:
    return StudentReport(
        student=name,
        score=round(sum(r.score for r in results), 6),
        max_score=sum(r.max_score for r in results),
        results=results,
    )


def regrade_class(
    previous: Report,
    problems: ProblemSet,
    submissions: Iterable[Submission | SubmissionError | SubmissionBlock],
    *,
    now: datetime | None = None,
    allow_lower: bool = False,
    old_problems: ProblemSet | None = None,
) -> Regrade:
    """Regrade the class `previous` reports, from the `submissions` it was graded from, with
    `problems`. `old_problems` (the specs `previous` was graded with) gives detailed reasons.

    Raises RegradeInputError for a report of another class (other students, no problem in common)
    or that lists results of problems it does not name. The regrade's `report` is `previous` with
    the regraded results: removed problems keep theirs; added ones are not in it.
    """
    from grader.grading import ClassGrader

    common = [pid for pid in previous.problems if pid in problems.problems]
    removed = [pid for pid in previous.problems if pid not in problems.problems]
    added = [pid for pid in problems.ids if pid not in set(previous.problems)]
    grader = ClassGrader(problems, now=now)
    grader.add(submissions)
    graded = grader.report()
    _check_previous(previous, problems, [s.student for s in graded.students])
    new_by_student = {s.student: {r.problem: r for r in s.results} for s in graded.students}
    old_hashes = {pid: {previous.specs.get(pid)} for pid in previous.problems}
    reasons = _Reasons(problems, old_problems, old_hashes)
    tally = _Tally(allow_lower, reasons, common)
    students = []
    for student in previous.students:
        new = new_by_student[student.student]
        results = [
            tally.compare(student.student, old, new[old.problem]) if old.problem in new else old
            for old in student.results
        ]
        students.append(_student(student.student, results))
    specs_after = {
        pid: problems.content_hash(pid) if pid in problems.problems else previous.specs.get(pid)
        for pid in previous.problems
    }
    errors = [issue for issue in graded.errors if not _about(issue, removed)]
    report = Report(
        problems=list(previous.problems),
        students=students,
        errors=errors,
        specs={pid: h for pid, h in specs_after.items() if h is not None},
    )
    specs = {pid: {"before": previous.specs.get(pid), "after": problems.content_hash(pid)} for pid in common}
    return tally.result(removed=removed, added=added, specs=specs, report=report)


def _about(issue: InputIssue, problem_ids: list[str]) -> bool:
    """True for the grader's note on an answer to a removed problem (listed as removed instead)."""
    return issue.field is not None and any(issue.field == f"answers.{pid}" for pid in problem_ids)


# -- from the stored attempts ------------------------------------------------------------------


@dataclass(frozen=True)
class _Update:
    id: int
    status: str
    score: float
    feedback: str
    spec_hash: str


def regrade_database(
    problems: ProblemSet,
    storage: Storage,
    *,
    apply: bool = False,
    allow_lower: bool = False,
    by: str = "",
    now: datetime,
    old_problems: ProblemSet | None = None,
) -> Regrade:
    """Regrade every stored attempt with `problems`; with `apply`, update the stored results and
    record the regrade (`by`, `now`, the spec hashes before and after, the counts) in one
    transaction.

    Each attempt keeps its number, time and days late; its answer is graded again and its score
    multiplied by its late factor again. A (student, problem) whose folded result would be lower
    keeps every stored attempt as it was (unless `allow_lower`). Stored results of problems not
    in `problems` are listed as removed and kept. Applying again with the same specs changes
    nothing more.
    """
    from grader.compare.attempts import late_score
    from grader.compare.policy import late_by, reveal_level
    from grader.service.checking import Checker, stored_result

    stored = storage.submissions()
    checker = Checker(problems, storage)
    by_pair: dict[tuple[str, str], list[StoredSubmission]] = {}
    removed_rows: dict[str, int] = {}
    old_hashes: dict[str, set[str | None]] = {}
    for submission in stored:
        if submission.problem not in problems.problems:
            removed_rows[submission.problem] = removed_rows.get(submission.problem, 0) + 1
            continue
        by_pair.setdefault((submission.student, submission.problem), []).append(submission)
        old_hashes.setdefault(submission.problem, set()).add(submission.spec_hash)
    reasons = _Reasons(problems, old_problems, old_hashes)
    tally = _Tally(allow_lower, reasons, [pid for pid in problems.ids if pid in old_hashes])
    updates: list[_Update] = []
    for (student, problem_id), rows in sorted(by_pair.items()):
        problem = problems[problem_id]
        after = problems.content_hash(problem_id)
        inputs = checker.variant(problem, student).inputs
        regraded = []
        for row in rows:
            level = reveal_level(problem, attempts_used=row.attempt or 0, now=row.submitted_at)
            graded = checker.grade(problem, inputs, row.raw, level)
            late = late_by(problem, row.days_late)
            regraded.append(
                _replace(
                    row,
                    status=graded.status.value,
                    score=late_score(graded.score, late),
                    feedback=graded.feedback,
                    spec_hash=after,
                )
            )
        old = stored_result(problem, rows)
        new = stored_result(problem, regraded)
        final = tally.compare(student, old, new)
        if final is old and final is not new:
            continue  # kept: every stored attempt stays as it was
        for before, row in zip(rows, regraded, strict=True):
            if (before.status, before.score, before.feedback, before.spec_hash) != (
                row.status,
                row.score,
                row.feedback,
                row.spec_hash,
            ):
                updates.append(_Update(row.id, row.status, row.score, row.feedback, after))
    removed = sorted(removed_rows)
    added = [pid for pid in problems.ids if pid not in old_hashes]
    specs = {
        pid: {"before": sorted(old_hashes[pid], key=lambda h: h or ""), "after": problems.content_hash(pid)}
        for pid in problems.ids
        if pid in old_hashes
    }
    result = tally.result(removed=removed, added=added, specs=specs, submissions_updated=len(updates))
    if apply and updates:
        totals = {
            name: sum(getattr(t, name) for t in result.problems.values())
            for name in ("changed", "raised", "lowered", "kept")
        }
        storage.apply_regrade(
            [(u.id, u.status, u.score, u.feedback, u.spec_hash) for u in updates],
            by=by,
            at=now,
            specs_before={pid: spec["before"] for pid, spec in specs.items()},
            specs_after={pid: spec["after"] for pid, spec in specs.items()},
            counts=totals,
        )
        result = result.model_copy(update={"applied": True})
    return result


def _replace(row: StoredSubmission, **changes: Any) -> StoredSubmission:
    from dataclasses import replace

    return replace(row, **changes)


# -- rendering ---------------------------------------------------------------------------------


def render_table(regrade: Regrade) -> str:
    """The changes, one line each, then each problem's totals and the removed and added ids."""
    lines = []
    if regrade.changes:
        rows = [
            (
                change.student,
                change.problem,
                f"{format_number(change.old_score)} → {format_number(change.new_score)}"
                + (f" (kept {format_number(change.old_score)})" if change.kept else ""),
                f"{change.old_status} → {change.new_status}",
                change.reason,
            )
            for change in regrade.changes
        ]
        header = ("student", "problem", "score", "status", "why")
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
        for row in [header, *rows]:
            cells = [cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)]
            lines.append("  ".join([*cells, row[4]]))
        lines.append("")
    for problem_id, totals in regrade.problems.items():
        lines.append(
            f"{problem_id}: {totals.changed} changed ({totals.raised} raised, {totals.lowered} lowered, "
            f"{totals.kept} kept)"
        )
    if regrade.removed:
        lines.append(f"removed (not regraded, results kept): {', '.join(regrade.removed)}")
    if regrade.added:
        lines.append(f"added (not regraded): {', '.join(regrade.added)}")
    return "\n".join(lines) + "\n"
