"""Item statistics (`grader.report.stats`): every figure computed by hand on small classes.

The shipped course: keys lstm-states-1 = [0, 0, 1, -1, 1, 0], lstm-states-2 = [1, -1, 0, 1, -1],
lstm-info = c; one point each.
"""

from __future__ import annotations

import csv
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.grading import ClassGrader
from grader.report.stats import ClassStatistics, ProblemStatistics, class_statistics, normalized_text
from grader.report.stats_formats import render_stats_csv, render_stats_table
from grader.spec.loader import load_problems
from grader.submissions.formats import read_submissions
from tests.conftest import PROBLEMS

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)

#: s1 right everywhere (total 3); s2 right but for lstm-states-2's tie-rule slip (total 2);
#: s3 wrong then right on lstm-states-1, five minutes apart, and wrong on lstm-info (total 1);
#: s4 unreadable on lstm-states-1, the tie-rule slip typed without brackets (total 0).
CLASS = [
    ("s1", "lstm-states-1", "[0, 0, 1, -1, 1, 0]", "2026-01-01T09:00:00+00:00"),
    ("s1", "lstm-states-2", "[1, -1, 0, 1, -1]", "2026-01-01T09:00:00+00:00"),
    ("s1", "lstm-info", "c", "2026-01-01T09:00:00+00:00"),
    ("s2", "lstm-states-1", "0,0,1,-1,1,0", "2026-01-01T09:00:00+00:00"),
    ("s2", "lstm-states-2", "[1, -1, 1, -1, 1]", "2026-01-01T09:00:00+00:00"),
    ("s2", "lstm-info", "c", "2026-01-01T09:00:00+00:00"),
    ("s3", "lstm-states-1", "[0, 0, 1, -1, 1, 0]", "2026-01-01T10:05:00+00:00"),
    ("s3", "lstm-states-1", "[0, 1, -1, 1, 0]", "2026-01-01T10:00:00+00:00"),  # earlier, listed later
    ("s3", "lstm-info", "c, d", "2026-01-01T10:00:00+00:00"),
    ("s4", "lstm-states-1", "1,,2", "2026-01-01T11:00:00+00:00"),
    ("s4", "lstm-states-2", "1, -1, 1, -1, 1", "2026-01-01T11:00:00+00:00"),
]


def statistics(tmp_path: Path, rows: list[tuple[str, str, str, str]], top: int = 10) -> ClassStatistics:
    path = tmp_path / "class.csv"
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["student", "problem", "answer", "submitted_at"])
        writer.writerows(rows)
    grader = ClassGrader(load_problems(PROBLEMS), now=NOW)
    grader.add(read_submissions(path, blocks=True))
    return class_statistics(grader, top=top)


def problem(stats: ClassStatistics, problem_id: str) -> ProblemStatistics:
    return next(entry for entry in stats.problems if entry.problem == problem_id)


@pytest.mark.parametrize(
    ("problem_id", "field", "expected"),
    [
        ("lstm-states-1", "students", 4),
        ("lstm-states-1", "attempted", 4),  # s4's unreadable answer is an attempt, worth 0
        ("lstm-states-1", "mean_score", 0.75),  # (1 + 1 + 1 + 0) / 4
        ("lstm-states-1", "facility", 0.75),  # 0.75 / 1 point
        ("lstm-states-1", "first_attempt_correct", 0.5),  # s1, s2 of 4 (s3's first in time is wrong)
        ("lstm-states-1", "eventually_correct", 0.75),  # s1, s2, s3
        ("lstm-states-1", "attempts_used", {"0": 1, "1": 2, "2": 1}),  # s4 0 (invalid), s3 2
        ("lstm-states-1", "score_distribution", {"0": 1, "1": 3}),  # s4 0; s1, s2, s3 1
        ("lstm-states-1", "explained_by_mistakes", 1.0),  # the one wrong attempt: h_0 dropped
        ("lstm-states-1", "mistakes", {"shifted": 1.0}),
        ("lstm-states-2", "students", 4),
        ("lstm-states-2", "attempted", 3),  # s3 never answered it
        ("lstm-states-2", "mean_score", 0.333333),  # (1 + 0 + 0) / 3
        ("lstm-states-2", "first_attempt_correct", 0.333333),
        ("lstm-states-2", "eventually_correct", 0.333333),
        ("lstm-states-2", "attempts_used", {"1": 3}),
        ("lstm-states-2", "score_distribution", {"0": 2, "1": 1}),  # s3 not counted: no attempt
        ("lstm-states-2", "explained_by_mistakes", 1.0),  # both wrong answers: ±0.5 rounded away
        ("lstm-states-2", "mistakes", {"tie_rule": 1.0}),
        ("lstm-info", "attempted", 3),
        ("lstm-info", "mean_score", 0.666667),  # (1 + 1 + 0) / 3
        ("lstm-info", "explained_by_mistakes", 0.0),  # a choice answer has no catalogue mistake
        ("lstm-info", "mistakes", {}),
    ],
)
def test_counts_and_shares(tmp_path: Path, problem_id: str, field: str, expected: Any) -> None:
    assert getattr(problem(statistics(tmp_path, CLASS), problem_id), field) == expected


@pytest.mark.parametrize(
    ("problem_id", "point_biserial", "upper_lower"),
    [
        # totals 3, 2, 1, 0; the top and bottom 27 % of 4 are round(1.08) = 1 student each: s1, s4.
        # lstm-states-1: x = [1, 1, 1, 0], rest = totals - x = [2, 1, 0, 0]; deviations
        # [.25, .25, .25, -.75] and [1.25, .25, -.75, -.75]: cov .75, ss .75 and 2.75,
        # r = .75 / sqrt(.75 × 2.75) = 0.522233; s1 - s4 = 1 - 0
        ("lstm-states-1", 0.522233, 1.0),
        # lstm-states-2: x = [1, 0, 0, 0] (s3 absent: 0), rest = [2, 2, 1, 0]; deviations
        # [.75, -.25, -.25, -.25] and [.75, .75, -.25, -1.25]: cov .75, ss .75 and 2.75: 0.522233
        ("lstm-states-2", 0.522233, 1.0),
        # lstm-info: x = [1, 1, 0, 0], rest = [2, 1, 1, 0]: cov 1, ss 1 and 2, r = 1/sqrt(2)
        ("lstm-info", 0.707107, 1.0),
    ],
)
def test_discrimination(tmp_path: Path, problem_id: str, point_biserial: float, upper_lower: float) -> None:
    found = problem(statistics(tmp_path, CLASS), problem_id).discrimination
    assert (found.point_biserial, found.upper_lower) == (point_biserial, upper_lower)


def test_discrimination_is_null_when_the_scores_are_constant(tmp_path: Path) -> None:
    rows = [(s, "lstm-info", "c", "2026-01-01T09:00:00+00:00") for s in ("a", "b", "c")]
    rows.append(("a", "lstm-states-2", "[1, -1, 0, 1, -1]", "2026-01-01T09:00:00+00:00"))
    found = problem(statistics(tmp_path, rows), "lstm-info").discrimination
    # everyone scores 1 on lstm-info: no correlation to speak of; upper 1 - lower 1 = 0
    assert (found.point_biserial, found.upper_lower) == (None, 0.0)


def test_answers_are_normalized_counted_per_attempt_and_most_frequent_first(tmp_path: Path) -> None:
    found = problem(statistics(tmp_path, CLASS), "lstm-states-2").answers
    assert [(a.answer, a.count, a.status.value, a.score, a.mistake) for a in found] == [
        ("[1, -1, 1, -1, 1]", 2, "incorrect", 0.0, "tie_rule"),  # s2 and s4, typed two ways
        ("[1, -1, 0, 1, -1]", 1, "correct", 1.0, None),
    ]
    first = problem(statistics(tmp_path, CLASS), "lstm-states-1").answers
    assert [(a.answer, a.count, a.status.value, a.mistake) for a in first] == [
        ("[0, 0, 1, -1, 1, 0]", 3, "correct", None),  # s1, s2 (no brackets), s3's second
        ("1,,2", 1, "invalid", None),  # unreadable: kept as typed ('1' sorts before '[')
        ("[0, 1, -1, 1, 0]", 1, "incorrect", "shifted"),
    ]


def test_top_limits_the_answers_listed(tmp_path: Path) -> None:
    found = problem(statistics(tmp_path, CLASS, top=1), "lstm-states-1").answers
    assert [(a.answer, a.count) for a in found] == [("[0, 0, 1, -1, 1, 0]", 3)]


def test_time_from_first_to_correct_attempt(tmp_path: Path) -> None:
    found = problem(statistics(tmp_path, CLASS), "lstm-states-1").time_to_correct
    assert found is not None
    # s1 0 s, s2 0 s, s3 10:00 → 10:05 = 300 s: median 0, mean 100
    assert (found.students, found.median_seconds, found.mean_seconds) == (3, 0.0, 100.0)


def test_no_times_no_time_to_correct(tmp_path: Path) -> None:
    rows = [(s, p, a, "") for s, p, a, _ in CLASS if s != "s3"]
    assert problem(statistics(tmp_path, rows), "lstm-states-1").time_to_correct is None


WRONG = "[1, -1, 1, -1, 1]"  # what a key rounding ±0.5 away from zero would say


@pytest.mark.parametrize(
    ("strong_wrong", "flagged"),
    [
        # 10 students: the top 27 % are round(2.7) = 3, the first three strong ones (ties kept in
        # order). All three end on WRONG: 3 ≥ 3 students and 3/3 > half
        (4, True),
        # only two of the three end on WRONG: 2 < 3 students, no flag
        (2, False),
    ],
)
def test_bad_key_flag(tmp_path: Path, strong_wrong: int, flagged: bool) -> None:
    rows = []
    for index in range(10):
        student = f"s{index}"
        if index < 4:  # strong: lstm-states-1 and lstm-info right
            rows.append((student, "lstm-states-1", "[0, 0, 1, -1, 1, 0]", ""))
            rows.append((student, "lstm-info", "c", ""))
            if index < strong_wrong:
                rows.append((student, "lstm-states-2", WRONG, ""))
            else:
                rows.append((student, "lstm-states-2", "[1, -1, 0, 1, -1]", ""))
        else:
            rows.append((student, "lstm-info", "a", ""))
    found = problem(statistics(tmp_path, rows), "lstm-states-2").bad_key
    if not flagged:
        assert found is None
        return
    assert found is not None
    assert (found.answer, found.students, found.share) == (WRONG, 3, 1.0)
    assert "grade check" in found.hint


def test_per_variant_statistics(tmp_path: Path, problems: Any) -> None:
    # `problems`: lstm-states-1 draws each student's inputs, so it has statistics per variant
    grader = ClassGrader(problems, now=NOW)
    path = tmp_path / "class.csv"
    path.write_text("student,problem,answer\n" + "".join(f"s{i},lstm-states-1,[0]\n" for i in range(6)))
    grader.add(read_submissions(path, blocks=True))
    found = problem(class_statistics(grader), "lstm-states-1")
    assert found.variants  # one entry per variant drawn
    assert sum(v.students for v in found.variants.values()) == found.students == 6
    assert all(v.mean_score == 0.0 for v in found.variants.values())
    assert problem(class_statistics(grader), "lstm-info").variants == {}


def test_the_table_and_csv_name_the_suspect_key_and_the_variants(tmp_path: Path, problems: Any) -> None:
    # 12 students: the top 27 % are round(3.24) = 3, all ending on WRONG (3 ≥ 3, 3/3 > half)
    rows = [(f"s{i}", "lstm-states-2", WRONG, "") for i in range(12)]
    table = render_stats_table(statistics(tmp_path, rows))
    assert "  ! suspect key: most of the strongest students answer [1, -1, 1, -1, 1] and are graded" in table
    grader = ClassGrader(problems, now=NOW)
    path = tmp_path / "variants.csv"
    path.write_text("student,problem,answer\n" + "".join(f"s{i},lstm-states-1,[0]\n" for i in range(6)))
    grader.add(read_submissions(path, blocks=True))
    stats = class_statistics(grader)
    count = len(problem(stats, "lstm-states-1").variants)
    assert f"  {count} variants (facility, point-biserial):" in render_stats_table(stats)
    csv_rows = list(csv.reader(render_stats_csv(stats).splitlines()))
    # a row per problem, then one per variant of lstm-states-1 (the variant column filled)
    assert [row[:2] for row in csv_rows[1:3]] == [["lstm-states-1", ""], ["lstm-states-1", "0"]]
    assert len(csv_rows) == 1 + 3 + count


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=-3, max_value=3), min_size=1, max_size=8))
def test_one_answer_however_it_is_typed(values: list[int]) -> None:
    spec = load_problems(PROBLEMS)["lstm-states-2"]
    typed = [
        values,  # JSON data
        ",".join(map(str, values)),
        "[" + ", ".join(map(str, values)) + "]",
        " [ " + " ,".join(f"{v}.0" for v in values) + " ] ",
    ]
    assert {normalized_text(spec, raw) for raw in typed} == {"[" + ", ".join(map(str, values)) + "]"}
