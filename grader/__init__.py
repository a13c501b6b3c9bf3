"""grader: auto-grading of quantitative ML homework, answers computed from YAML problem specs.

The public API for course tooling::

    from pathlib import Path
    import grader

    problems = grader.load_problems(Path("problems"))
    key = grader.compute_key(problems["lstm-states-2"])          # array([ 1., -1., 0., 1., -1.])
    result = grader.grade_answer(problems["lstm-states-2"], "[1,-1,0,0,1]", key)
    report = grader.grade_directory(problems, Path("submissions"))
    # after a spec fix: what changes, from the previous report and the same submissions
    regrade = grader.regrade_class(report, fixed_problems, grader.read_submissions(Path("submissions")))
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grader.compare.results import InputIssue, ProblemResult, Report, Status, StudentReport
    from grader.engine.keybook import KeyBook
    from grader.engine.keys import compute_key, compute_keys, describe_key, key_to_json
    from grader.errors import GraderError, SpecError, SubmissionError, UsageError
    from grader.grading import grade_answer, grade_directory, grade_submission, grade_submissions
    from grader.parse import InvalidAnswer, parse_choices, parse_sequence
    from grader.regrade import Change, Regrade, RegradeInputError, regrade_class, regrade_database
    from grader.spec.loader import ProblemSet, load_problem, load_problems
    from grader.spec.models import Problem
    from grader.submissions.formats import read_submissions
    from grader.submissions.models import Attempt, Submission

__version__ = "0.1.0"

#: public name → the module that defines it. Imported on first use (PEP 562), so that importing
#: any grader module (`grade --help` imports grader.cli) does not load numpy and every model.
_HOMES = {
    "InputIssue": "grader.compare.results",
    "ProblemResult": "grader.compare.results",
    "Report": "grader.compare.results",
    "Status": "grader.compare.results",
    "StudentReport": "grader.compare.results",
    "KeyBook": "grader.engine.keybook",
    "compute_key": "grader.engine.keys",
    "compute_keys": "grader.engine.keys",
    "describe_key": "grader.engine.keys",
    "key_to_json": "grader.engine.keys",
    "GraderError": "grader.errors",
    "SpecError": "grader.errors",
    "SubmissionError": "grader.errors",
    "UsageError": "grader.errors",
    "grade_answer": "grader.grading",
    "grade_directory": "grader.grading",
    "grade_submission": "grader.grading",
    "grade_submissions": "grader.grading",
    "InvalidAnswer": "grader.parse",
    "parse_choices": "grader.parse",
    "parse_sequence": "grader.parse",
    "Change": "grader.regrade",
    "Regrade": "grader.regrade",
    "RegradeInputError": "grader.regrade",
    "regrade_class": "grader.regrade",
    "regrade_database": "grader.regrade",
    "ProblemSet": "grader.spec.loader",
    "load_problem": "grader.spec.loader",
    "load_problems": "grader.spec.loader",
    "Problem": "grader.spec.models",
    "read_submissions": "grader.submissions.formats",
    "Attempt": "grader.submissions.models",
    "Submission": "grader.submissions.models",
}

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
    # regrading after a fix
    "Change",
    "Regrade",
    "regrade_class",
    "regrade_database",
    # errors
    "GraderError",
    "SpecError",
    "SubmissionError",
    "UsageError",
    "RegradeInputError",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'grader' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # found once; later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])
