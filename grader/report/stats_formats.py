"""Item statistics rendered: a readable table, the JSON contract, a CSV of figures, an HTML page.

Adding a format is one entry in STATS_FORMATS. The HTML page draws its charts with matplotlib
(the `report` extra), imported only when a page is asked for.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from grader.engine.keys import format_number
from grader.report.gradebook import neutralise
from grader.report.stats import ClassStatistics, ProblemStatistics, VariantStatistics

__all__ = ["STATS_FORMATS", "render_stats", "render_stats_csv", "render_stats_json", "render_stats_table"]


def stats_data(stats: ClassStatistics) -> dict[str, Any]:
    """The JSON contract as data: each problem's id and points first, then its figures."""
    problems = []
    for entry in stats.problems:
        data = entry.model_dump(mode="json")
        problems.append({"problem": data.pop("problem"), "max_score": data.pop("max_score"), **data})
    return {"students": stats.students, "problems": problems}


def render_stats_json(stats: ClassStatistics) -> str:
    """`{"students", "problems": [{"problem", "max_score", "students", "attempted", …}]}`."""
    return json.dumps(stats_data(stats), indent=2, ensure_ascii=False) + "\n"


def share_text(value: float | None) -> str:
    """A share as a percentage a person reads (`–` when there is nothing to share)."""
    return "–" if value is None else f"{value * 100:.0f}%"


def number_text(value: float | None, digits: int = 2) -> str:
    """A figure rounded for reading (`–` when undefined)."""
    return "–" if value is None else format_number(round(value, digits))


def _figures(entry: VariantStatistics, max_score: float) -> list[str]:
    time = entry.time_to_correct
    return [
        f"  students {entry.students}, attempted {entry.attempted}, mean "
        f"{number_text(entry.mean_score)}/{format_number(max_score)}, facility {number_text(entry.facility)}",
        f"  correct on the first attempt {share_text(entry.first_attempt_correct)}, eventually "
        f"{share_text(entry.eventually_correct)}; attempts used "
        + (", ".join(f"{used}: {count}" for used, count in entry.attempts_used.items()) or "–"),
        f"  discrimination: point-biserial {number_text(entry.discrimination.point_biserial)}, "
        f"upper-lower {number_text(entry.discrimination.upper_lower)}"
        + ("" if time is None else f"; to a correct attempt: median {number_text(time.median_seconds, 0)} s"),
        f"  wrong attempts explained by a catalogued mistake: {share_text(entry.explained_by_mistakes)}"
        + "".join(f", {name} {share_text(share)}" for name, share in entry.mistakes.items()),
    ]


def _answers(entry: VariantStatistics) -> list[str]:
    if not entry.answers:
        return []
    width = max(len(str(answer.count)) for answer in entry.answers)
    lines = ["  answers (most frequent first):"]
    for answer in entry.answers:
        mistake = "" if answer.mistake is None else f"  ({answer.mistake}: {answer.mistake_variant})"
        lines.append(
            f"    {str(answer.count).rjust(width)}  {answer.answer}  {answer.status.value} "
            f"{format_number(answer.score)}{mistake}"
        )
    return lines


def _bad_key(entry: VariantStatistics) -> list[str]:
    return [] if entry.bad_key is None else [f"  ! suspect key: {entry.bad_key.hint}"]


def render_stats_table(stats: ClassStatistics) -> str:
    """Per problem: its figures, its top answers, a bad-key warning; per variant in brief."""
    lines = [f"{stats.students} student{'s' if stats.students != 1 else ''}"]
    for entry in stats.problems:
        points = format_number(entry.max_score)
        lines += ["", f"{entry.problem} ({points} point{'s' if entry.max_score != 1 else ''})"]
        lines += _figures(entry, entry.max_score) + _bad_key(entry) + _answers(entry)
        if entry.variants:
            lines.append(f"  {len(entry.variants)} variants (facility, point-biserial):")
            for variant, figures in entry.variants.items():
                lines.append(
                    f"    variant {variant}: {figures.students} students, facility "
                    f"{number_text(figures.facility)}, point-biserial "
                    f"{number_text(figures.discrimination.point_biserial)}"
                    + ("" if figures.bad_key is None else f"  ! suspect key: {figures.bad_key.answer}")
                )
    return "\n".join(lines) + "\n"


CSV_COLUMNS = (
    "problem", "variant", "max_score", "students", "attempted", "mean_score", "facility",
    "first_attempt_correct", "eventually_correct", "point_biserial", "upper_lower",
    "explained_by_mistakes", "median_seconds_to_correct", "top_answer", "top_answer_count",
    "top_answer_status", "suspect_key_answer",
)


def _csv_row(entry: ProblemStatistics, variant: str, figures: VariantStatistics) -> list[str]:
    def number(value: float | None) -> str:
        return "" if value is None else format_number(round(value, 6))

    top = figures.answers[0] if figures.answers else None
    time = figures.time_to_correct
    return [
        neutralise(entry.problem), variant, number(entry.max_score), str(figures.students),
        str(figures.attempted), number(figures.mean_score), number(figures.facility),
        number(figures.first_attempt_correct), number(figures.eventually_correct),
        number(figures.discrimination.point_biserial), number(figures.discrimination.upper_lower),
        number(figures.explained_by_mistakes), "" if time is None else number(time.median_seconds),
        "" if top is None else neutralise(top.answer), "" if top is None else str(top.count),
        "" if top is None else top.status.value,
        "" if figures.bad_key is None else neutralise(figures.bad_key.answer),
    ]


def _render_html(stats: ClassStatistics) -> str:
    from grader.report.stats_html import render_stats_html  # matplotlib: the `report` extra

    return render_stats_html(stats)


def render_stats_csv(stats: ClassStatistics) -> str:
    """One row per problem (variant empty) and per variant of a problem whose inputs vary."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for entry in stats.problems:
        writer.writerow(_csv_row(entry, "", entry))
        for variant, figures in entry.variants.items():
            writer.writerow(_csv_row(entry, variant, figures))
    return buffer.getvalue()


#: format name → renderer of a class's statistics as text.
STATS_FORMATS: dict[str, Callable[[ClassStatistics], str]] = {
    "table": render_stats_table,
    "json": render_stats_json,
    "csv": render_stats_csv,
    "html": _render_html,
}


def render_stats(stats: ClassStatistics, format_name: str) -> str:
    """Render statistics in the named format."""
    return STATS_FORMATS[format_name](stats)
