"""Output formats by name; adding one is one entry in FORMATS."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

from grader.compare.results import Report
from grader.report.gradebook import GradebookRow, render_csv, render_csv_rows
from grader.report.gradescope import write_gradescope
from grader.report.table import render_table
from grader.spec.loader import ProblemSet

__all__ = ["DIRECTORY_FORMATS", "FORMATS", "ROW_FORMATS", "render", "render_json"]


def render_json(report: Report) -> str:
    """The JSON report: {"problems", "students": [{"student", "score", "max_score", "results"}], "errors",
    "specs": {problem id: its spec's content hash}}."""
    return json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


#: format name → renderer of a whole report as text.
FORMATS: dict[str, Callable[[Report], str]] = {
    "table": render_table,
    "json": render_json,
    "csv": render_csv,
}

#: formats that need only each student's scores, rendered from plain rows without building a
#: report (the fast path for a large class); each also has its FORMATS entry.
ROW_FORMATS: dict[str, Callable[[list[str], Iterable[GradebookRow]], str]] = {
    "csv": render_csv_rows,
}

#: format name → writer of a whole report as a directory of files (`--output DIR` required).
DIRECTORY_FORMATS: dict[str, Callable[[Report, Path, ProblemSet | None], None]] = {
    "gradescope": write_gradescope,
}


def render(report: Report, format_name: str) -> str:
    """Render a report in the named format."""
    return FORMATS[format_name](report)
