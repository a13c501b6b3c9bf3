"""grader: auto-grading of quantitative ML homework, answers computed from YAML problem specs.

The public API for course tooling::

    from pathlib import Path
    import grader

    problems = grader.load_problems(Path("problems"))
    key = grader.compute_key(problems["lstm-states-2"])          # array([ 1., -1., 0., 1., -1.])
    result = grader.grade_answer(problems["lstm-states-2"], "[1,-1,0,0,1]", key)
    report = grader.grade_directory(problems, Path("submissions"))
"""

from grader.compare.results import InputIssue, ProblemResult, Report, Status, StudentReport
from grader.engine.keybook import KeyBook
from grader.engine.keys import compute_key, compute_keys, describe_key, key_to_json
from grader.errors import GraderError, SpecError, SubmissionError, UsageError
from grader.grading import grade_answer, grade_directory, grade_submission, grade_submissions
from grader.parse import InvalidAnswer, parse_choices, parse_sequence
from grader.spec.loader import ProblemSet, load_problem, load_problems
from grader.spec.models import Problem
from grader.submissions.formats import read_submissions
from grader.submissions.models import Attempt, Submission

__version__ = "0.1.0"

__all__ = [
    "__version__",
    # spec
    "Problem",
    "ProblemSet",
    "load_problem",
    "load_problems",
    # engine
    "KeyBook",
    "compute_key",
    "compute_keys",
    "describe_key",
    "key_to_json",
    # parse
    "InvalidAnswer",
    "parse_sequence",
    "parse_choices",
    # submissions
    "Attempt",
    "Submission",
    "read_submissions",
    # grading and results
    "Status",
    "ProblemResult",
    "StudentReport",
    "InputIssue",
    "Report",
    "grade_answer",
    "grade_submission",
    "grade_submissions",
    "grade_directory",
    # errors
    "GraderError",
    "SpecError",
    "SubmissionError",
    "UsageError",
]
