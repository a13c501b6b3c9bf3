"""Reports: a graded class rendered as a table, JSON, and the formats in `FORMATS`."""

from grader.report.formats import FORMATS, render

__all__ = ["FORMATS", "render"]
