"""Reports: a graded class rendered as a table, JSON, and the formats in `FORMATS`."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grader.report.formats import DIRECTORY_FORMATS, FORMATS, ROW_FORMATS, render

__all__ = ["DIRECTORY_FORMATS", "FORMATS", "FORMAT_NAMES", "ROW_FORMATS", "render"]

#: The names of FORMATS and DIRECTORY_FORMATS, sorted, for a command's --format choices without
#: importing the renderers (they load the models and numpy); a test keeps them equal.
FORMAT_NAMES = ("csv", "gradescope", "json", "table")


def __getattr__(name: str) -> Any:
    # the renderers are imported when first used (PEP 562): `grader.report.files` and
    # `grader.report.numbers` are imported without them on the columnar path
    if name in ("DIRECTORY_FORMATS", "FORMATS", "ROW_FORMATS", "render"):
        return getattr(importlib.import_module("grader.report.formats"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
