"""`regrade_class`: a class regraded with fixed specs, each change with its hand-worked reason.

The course is the seed's LSTM (problems/lstm-states-2.yaml), inputs [1, 1, 0, 1, 1]: its key is
[1, -1, 0, 1, -1]; with the tie h_2 = 0.5 rounded away from zero (the "bug" fixed below) it is
[1, -1, 1, -1, 1], so the keys differ at h_2, h_3 and h_4.
"""

from __future__ import annotations

import textwrap
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from grader.compare.results import Report
from grader.engine.keys import compute_key
from grader.grading import grade_submissions
from grader.regrade import Change, ProblemTotals, RegradeInputError, key_reason, regrade_class
from grader.spec.loader import ProblemSet, load_problem, load_problems
from grader.submissions.models import Attempt, Submission
from tests.conftest import ROOT, SEED_SPEC

KEY = [1, -1, 0, 1, -1]
BUGGY_KEY = [1, -1, 1, -1, 1]
BUGGY = ("ties: toward_zero", "ties: away_from_zero")

CHOICE_SPEC = """\
id: pick
title: Pick
statement: Which?
answer:
  kind: choice
  multiple: true
  choices:
    - {id: a, text: A}
    - {id: b, text: B, correct: true}
    - {id: c, text: C}
"""


def _course(directory: Path, *specs: str) -> ProblemSet:
    directory.mkdir(parents=True)
    for number, spec in enumerate(specs):
        (directory / f"{number}.yaml").write_text(textwrap.dedent(spec), encoding="utf-8")
    return load_problems(directory)


def _class(answers: dict[str, dict[str, Any]]) -> list[Submission]:
    return [
        Submission(student, {pid: [Attempt(answer)] for pid, answer in given.items()})
        for student, given in answers.items()
    ]


def _regrade(
    tmp_path: Path, old: str, new: str, answers: dict[str, dict[str, Any]], **options: Any
) -> tuple[Report, Any]:
    before = _course(tmp_path / "old", old, CHOICE_SPEC)
    after = _course(tmp_path / "new", new, CHOICE_SPEC)
    previous = grade_submissions(before, _class(answers))
    return previous, regrade_class(previous, after, _class(answers), old_problems=before, **options)


ANSWERS = {
    "ann": {"states": KEY, "pick": ["b"]},  # right all along: wrong under the buggy key
    "ben": {"states": BUGGY_KEY, "pick": ["b"]},  # typed the buggy key
    "cid": {"states": [0, 0, 0, 0, 0], "pick": ["a"]},  # wrong either way
}


def test_a_key_fix_raises_and_keeps_lower_scores(tmp_path: Path) -> None:
    previous, regrade = _regrade(tmp_path, SEED_SPEC.replace(*BUGGY), SEED_SPEC, ANSWERS)
    reason = "the key changed at positions h_2, h_3, h_4"
    assert regrade.changes == [
        Change(student="ann", problem="states", old_score=0.0, new_score=1.0,
               old_status="incorrect", new_status="correct", reason=reason, kept=False),
        Change(student="ben", problem="states", old_score=1.0, new_score=0.0,
               old_status="correct", new_status="incorrect", reason=reason, kept=True),
    ]
    assert regrade.problems == {
        "states": ProblemTotals(changed=2, raised=1, lowered=0, kept=1),
        "pick": ProblemTotals(),
    }
    scores = {s.student: s.score for s in regrade.report.students}
    assert scores == {"ann": 2.0, "ben": 2.0, "cid": 0.0}  # ben keeps the point the bug gave him
    assert regrade.report.specs["states"] != previous.specs["states"]


def test_allow_lower_applies_lower_scores(tmp_path: Path) -> None:
    _, regrade = _regrade(tmp_path, SEED_SPEC.replace(*BUGGY), SEED_SPEC, ANSWERS, allow_lower=True)
    assert [(c.student, c.kept) for c in regrade.changes] == [("ann", False), ("ben", False)]
    assert regrade.problems["states"] == ProblemTotals(changed=2, raised=1, lowered=1, kept=0)
    assert {s.student: s.score for s in regrade.report.students} == {"ann": 2.0, "ben": 1.0, "cid": 0.0}


def test_a_tolerance_change(tmp_path: Path) -> None:
    loose = SEED_SPEC.replace("  of: h\n", "  of: h\n  compare: {abs_tol: 0.25}\n")
    answers = {"ann": {"states": [1.2, -1, 0, 1, -1]}, "ben": {"states": [1.5, -1, 0, 1, -1]}}
    _, regrade = _regrade(tmp_path, SEED_SPEC, loose, answers)
    assert [(c.student, c.old_score, c.new_score, c.new_status) for c in regrade.changes] == [
        ("ann", 0.0, 1.0, "correct"),  # |1.2 − 1| ≤ 0.25; |1.5 − 1| is not
    ]
    assert regrade.changes[0].reason == "the tolerance changed (default → abs_tol 0.25, rel_tol 0)"


def test_a_scheme_change(tmp_path: Path) -> None:
    per_element = SEED_SPEC + "scoring: per_element\n"
    answers = {"ann": {"states": [1, -1, 0, 0, 0]}, "ben": {"states": KEY}}
    _, regrade = _regrade(tmp_path, SEED_SPEC, per_element, answers)
    assert [(c.student, c.old_score, c.new_score, c.old_status, c.new_status) for c in regrade.changes] == [
        ("ann", 0.0, 0.6, "incorrect", "partial"),  # 3 of 5 entries right
    ]
    assert regrade.changes[0].reason == "the scheme changed (all_or_nothing → per_element)"
    assert regrade.problems["states"] == ProblemTotals(changed=1, raised=1)


def test_no_change(tmp_path: Path) -> None:
    commented = "# a comment, which is not content\n" + SEED_SPEC
    previous, regrade = _regrade(tmp_path, SEED_SPEC, commented, ANSWERS)
    assert regrade.changes == []
    assert regrade.problems == {"states": ProblemTotals(), "pick": ProblemTotals()}
    assert regrade.report.students == previous.students
    assert regrade.specs["states"]["before"] == regrade.specs["states"]["after"]


def test_attempts_times_and_late_penalties_stay(tmp_path: Path) -> None:
    due = "due: 2026-03-01T00:00:00Z\nlate: {policy: penalty, per_day: 0.5}\n"
    old, new = SEED_SPEC.replace(*BUGGY) + due, SEED_SPEC + due
    on_time = datetime(2026, 2, 28, tzinfo=timezone.utc)
    a_day_late = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
    submissions = [
        Submission("ann", {"states": [Attempt([0, 0, 0, 0, 0], on_time), Attempt(KEY, a_day_late)]}),
    ]
    before = _course(tmp_path / "old", old)
    after = _course(tmp_path / "new", new)
    previous = grade_submissions(before, submissions)
    regrade = regrade_class(previous, after, submissions)
    assert [(c.old_score, c.new_score) for c in regrade.changes] == [(0.0, 0.5)]  # × 0.5, a day late
    result = regrade.report.students[0].results[0]
    assert result.attempts_used == 2
    assert result.notes == ["attempt 2 was 1 day(s) late: score × 0.5"]
    # without the old specs the reason names the specs' content hashes
    assert regrade.changes[0].reason == (
        f"the spec changed (content hash {before.content_hash('states')[:12]} → "
        f"{after.content_hash('states')[:12]})"
    )


def test_removed_and_added_problems_are_listed_not_regraded(tmp_path: Path) -> None:
    before = _course(tmp_path / "old", SEED_SPEC, CHOICE_SPEC)
    after = _course(tmp_path / "new", SEED_SPEC, CHOICE_SPEC.replace("id: pick", "id: pick-2"))
    answers = {"ann": {"states": KEY, "pick": ["b"]}}
    previous = grade_submissions(before, _class(answers))
    regrade = regrade_class(previous, after, _class(answers))
    assert (regrade.removed, regrade.added) == (["pick"], ["pick-2"])
    assert regrade.changes == [] and set(regrade.problems) == {"states"}
    assert regrade.report.problems == ["states", "pick"]
    assert regrade.report.students[0].results[1] == previous.students[0].results[1]  # kept
    assert regrade.report.errors == []  # the answer to the removed problem is not an input error


def test_a_report_of_another_class_is_refused(tmp_path: Path) -> None:
    course = _course(tmp_path / "course", SEED_SPEC, CHOICE_SPEC)
    previous = grade_submissions(course, _class({"zoe": {"states": KEY}, "yan": {"states": KEY}}))
    with pytest.raises(RegradeInputError) as refused:
        regrade_class(previous, course, _class(ANSWERS))
    assert str(refused.value) == (
        "--previous: not a report of these submissions: 3 student(s) not in it (ann, ben, cid); "
        "2 of its student(s) not in the submissions (zoe, yan) (is it another class's report?)"
    )


def test_a_report_with_no_known_problem_is_refused(tmp_path: Path) -> None:
    other = _course(tmp_path / "other", SEED_SPEC.replace("id: states", "id: elsewhere"))
    course = _course(tmp_path / "course", SEED_SPEC, CHOICE_SPEC)
    previous = grade_submissions(other, _class({"ann": {"elsewhere": KEY}}))
    with pytest.raises(RegradeInputError, match=r"none of its problems \(elsewhere\) is in --problems"):
        regrade_class(previous, course, _class({"ann": {"states": KEY}}))


def test_the_library_front_exports_the_regrade() -> None:
    import grader
    import grader.regrade as module

    for name in ("Change", "Regrade", "RegradeInputError", "regrade_class", "regrade_database"):
        assert name in grader.__all__ and getattr(grader, name) is getattr(module, name)
    assert issubclass(grader.RegradeInputError, grader.UsageError)


@pytest.mark.parametrize(
    ("spec", "entry", "reason"),
    [
        ("network/backprop.yaml", 1, "the key changed at row 1, column 2 of ∂L/∂W_1"),
        ("network/feedforward-softmax.yaml", 4, "the key changed at output 2 of point 2"),
        ("convolution/conv-2d.yaml", 2, "the key changed at row 2, column 1 of the feature map"),
        ("convolution/conv-1d.yaml", 0, "the key changed at entry 1 of the feature map"),
        ("recurrent/gru-states.yaml", 3, "the key changed at positions h_3"),
    ],
)
def test_a_changed_key_is_named_in_the_answers_own_terms(spec: str, entry: int, reason: str) -> None:
    # an array answer's entries as feedback names them, not as time steps (`(∂L/∂W_1)_0`)
    problem = load_problem(ROOT / "problems" / spec)
    old = np.asarray(compute_key(problem))
    new = old.copy()
    new.flat[entry] += 1
    assert key_reason(problem, old, new) == reason
    assert key_reason(problem, old, old.copy()) is None


def test_a_key_of_another_shape_says_both_shapes() -> None:
    problem = load_problem(ROOT / "problems" / "network" / "backprop.yaml")
    old = np.asarray(compute_key(problem))
    assert key_reason(problem, old, old[:1]) == "the key changed: a 2×2 matrix → a 1×2 matrix"
