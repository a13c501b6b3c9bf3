"""Worked solutions: every step of the engine's computation, as a TA would write it out.

The columns and one row per time step come from the problem's model kind (`ModelKind.explain`:
for the LSTM, x_t, the h_{t-1} and c_{t-1} it starts from, each gate's pre-activation z and
value, c_t, and h_t before and after rounding). Rendered as an aligned text table, a Markdown
table (for course pages) or JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from grader.compare.answers import entries_for
from grader.compare.entries import plural
from grader.engine.keys import (
    answer_symbol,
    describe_key,
    fixed_inputs,
    key_to_json,
    kind_for,
    reported,
    trace_for,
)
from grader.feedback.semantics import describe_evaluation
from grader.report.numbers import format_value, json_value
from grader.spec.models import Problem, SequenceAnswer

__all__ = ["WorkedSolution", "worked_solution", "SOLUTION_FORMATS", "render_solution", "format_value"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class WorkedSolution:
    """The engine's trace of one input sequence, with the problem's rules spelled out."""

    problem: Problem
    trace: Any  # the model kind's trace, a batch of one

    @property
    def rounded(self) -> bool:
        return self.problem.evaluation.rounding is not None

    @property
    def reports(self) -> str:
        return answer_symbol(self.problem)

    @property
    def answer(self) -> Array:
        values: Array = reported(self.problem, self.trace)[0]
        return values

    def columns(self) -> list[str]:
        """Column headers, in order."""
        return kind_for(self.problem).explain(self.problem, self.trace)[0]

    def rows(self) -> list[list[Any]]:
        """One row of values per time step, matching `columns()` (numbers or lists of numbers)."""
        return kind_for(self.problem).explain(self.problem, self.trace)[1]


def worked_solution(problem: Problem, inputs: Array | None = None) -> WorkedSolution:
    """The worked solution for the problem's own inputs, or for `inputs` (T, d)."""
    if not isinstance(problem.answer, SequenceAnswer) or problem.model is None:
        raise ValueError(f"problem {problem.id!r} is not a sequence problem; there is nothing to work out")
    batch = fixed_inputs(problem) if inputs is None else np.asarray(inputs, dtype=np.float64)
    return WorkedSolution(problem, trace_for(problem, batch[None]))


def _cells(solution: WorkedSolution) -> list[list[str]]:
    return [[format_value(v) for v in row] for row in solution.rows()]


def _header(solution: WorkedSolution) -> list[str]:
    problem = solution.problem
    return [
        f"{problem.id}: {problem.title}",
        f"rules: {describe_evaluation(problem.evaluation)}",
    ]


def _answer_named(solution: WorkedSolution) -> str | None:
    """The answer in its own terms when it is an array (`∂L/∂W_1`, `outputs, one row per point`);
    None for a sequence of steps."""
    entries = entries_for(solution.problem, np.shape(solution.answer))
    if entries is None:
        return None
    if entries.layout == "points":
        per_point = "one row per point" if len(entries.shape) == 2 else "one per point"
        return f"{plural(entries.label)}, {per_point}"
    return entries.label


def _answer_line(solution: WorkedSolution) -> str:
    named = _answer_named(solution)
    if named is not None:
        return f"answer: {named} = {describe_key(solution.answer)}"
    symbol = solution.reports
    steps = len(solution.answer)
    return f"answer [{symbol}_0, …, {symbol}_{steps - 1}] = {describe_key(solution.answer)}"


def render_text(solution: WorkedSolution) -> str:
    """An aligned plain-text table."""
    table = [solution.columns(), *_cells(solution)]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = [*_header(solution), ""]
    for row in table:
        lines.append("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    lines += ["", _answer_line(solution)]
    return "\n".join(lines) + "\n"


def render_markdown(solution: WorkedSolution) -> str:
    """A Markdown table with a heading, for course pages."""
    columns = solution.columns()

    def math(header: str) -> str:
        if header == "t":
            return header
        symbol, _, words = header.partition(" ")
        symbol = symbol.replace("tanh", "\\tanh")
        return f"${symbol}$ {words}".rstrip()

    lines = [f"### {solution.problem.title} (`{solution.problem.id}`)", ""]
    lines.append(f"Rules: {describe_evaluation(solution.problem.evaluation)}.")
    lines.append("")
    lines.append("| " + " | ".join(math(c) for c in columns) + " |")
    lines.append("|" + "|".join("---:" for _ in columns) + "|")
    for row in _cells(solution):
        lines.append("| " + " | ".join(row) + " |")
    named = _answer_named(solution)
    answer = f"${solution.reports}$" if named is None else named
    lines += ["", f"Answer: {answer} = {describe_key(solution.answer)}"]
    return "\n".join(lines) + "\n"


def solution_data(solution: WorkedSolution) -> dict[str, Any]:
    """The worked solution as JSON-ready data: one mapping per step, keyed by column name."""
    columns = solution.columns()
    steps = [
        {column: json_value(value) for column, value in zip(columns, row, strict=True)}
        for row in solution.rows()
    ]
    return {
        "problem": solution.problem.id,
        "title": solution.problem.title,
        "rules": describe_evaluation(solution.problem.evaluation),
        "columns": columns,
        "steps": steps,
        "answer": key_to_json(solution.answer),
    }


def render_json(solution: WorkedSolution) -> str:
    return json.dumps(solution_data(solution), indent=2, ensure_ascii=False) + "\n"


#: output format → renderer; adding a format is one entry here.
SOLUTION_FORMATS: dict[str, Callable[[WorkedSolution], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
}


def render_solution(solution: WorkedSolution, format: str = "text") -> str:
    """The worked solution in one of SOLUTION_FORMATS."""
    return SOLUTION_FORMATS[format](solution)
