"""The terminal table: students × problems, totals, and a summary per problem."""

from __future__ import annotations

from collections import Counter

from grader.compare.results import Report, Status
from grader.report.numbers import format_number

__all__ = ["render_table"]

_MARKS = {
    Status.CORRECT: "✓",
    Status.PARTIAL: "~",
    Status.INCORRECT: "✗",
    Status.INVALID: "invalid",
    Status.MISSING: "missing",
}


def _cell(score: float, status: Status) -> str:
    return f"{format_number(round(score, 4))} {_MARKS[status]}"


def _align(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [row[0].ljust(widths[0])] + [c.ljust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells).rstrip())
    return lines


def render_table(report: Report) -> str:
    """A readable table and summary; the legend explains the marks."""
    header = ["student", *report.problems, "total"]
    rows = [header]
    for student in report.students:
        cells = [student.student]
        cells += [_cell(r.score, r.status) for r in student.results]
        cells.append(f"{format_number(round(student.score, 4))}/{format_number(student.max_score)}")
        rows.append(cells)
    lines = _align(rows)
    lines.insert(1, "-" * max(len(line) for line in lines))
    count = len(report.students)
    lines.append("")
    if count:
        mean = sum(s.score for s in report.students) / count
        maximum = report.students[0].max_score
        lines.append(
            f"{count} student{'s' if count != 1 else ''} graded; mean score "
            f"{format_number(round(mean, 2))}/{format_number(maximum)}"
        )
        for index, problem in enumerate(report.problems):
            tally = Counter(s.results[index].status for s in report.students)
            parts = [f"{tally[status]} {status.value}" for status in Status if tally[status]]
            lines.append(f"  {problem}: {', '.join(parts)}")
    else:
        lines.append("no students graded")
    if report.errors:
        lines.append(f"{len(report.errors)} input problem(s) (listed on stderr)")
    lines.append("marks: ✓ correct, ~ partial, ✗ incorrect; invalid answers use no attempt")
    return "\n".join(lines) + "\n"
