"""Reports: a graded class rendered as a table, JSON, and the formats in `FORMATS`."""

from grader.report.formats import DIRECTORY_FORMATS, FORMATS, ROW_FORMATS, render

__all__ = ["DIRECTORY_FORMATS", "FORMATS", "ROW_FORMATS", "render"]
