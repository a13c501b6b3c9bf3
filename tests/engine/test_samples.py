"""The shipped samples of the recurrent kinds after the LSTM (problems/recurrent, with their own
course settings and submissions/recurrent): they pass their own strict check, their keys are the
engine's, and grading them gives the golden reports (`pytest --update-goldens` to regenerate)."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT

PROBLEMS = ROOT / "problems" / "recurrent"
SUBMISSIONS = ROOT / "submissions" / "recurrent"
NOW = ("--now", "2023-03-20T12:00:00+00:00")


def test_the_samples_pass_their_own_strict_check(grade, golden, monkeypatch):
    monkeypatch.chdir(ROOT)
    run = grade("check", "--strict", "problems/recurrent")
    assert run.code == 0, run.err
    golden("check_recurrent.txt", run.out)


@pytest.mark.parametrize(
    ("fmt", "name"), [("table", "grade_recurrent.txt"), ("json", "grade_recurrent.json")]
)
def test_the_sample_submissions_grade_to_the_golden_reports(grade, golden, fmt, name):
    run = grade(SUBMISSIONS, "--problems", PROBLEMS, "--format", fmt, *NOW)
    assert run.code == 0, run.err
    golden(name, run.out)


@pytest.mark.parametrize("problem", sorted(path.stem for path in PROBLEMS.glob("*-states.yaml")))
def test_each_sample_has_a_worked_solution(grade, golden, problem):
    run = grade("explain", PROBLEMS / f"{problem}.yaml")
    assert run.code == 0, run.err
    golden(f"explain_{problem}.txt", run.out)
