"""Worked solutions: every step of the engine's computation, as a TA would write it out.

Per time step: x_t, the h_{t-1} and c_{t-1} it starts from, each gate's pre-activation z and
value, c_t, and h_t before and after rounding. Rendered as an aligned text table, a Markdown
table (for course pages) or JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from grader.engine.keys import describe_key, fixed_inputs, key_to_json, trace_for
from grader.engine.lstm import Trace, parameters_of
from grader.feedback.semantics import describe_evaluation
from grader.spec.models import GATE_NAMES, Problem, SequenceAnswer

__all__ = ["WorkedSolution", "worked_solution", "SOLUTION_FORMATS", "render_solution", "format_value"]

Array = NDArray[np.float64]

#: gate name → (symbol of its pre-activation, symbol of its value)
_GATE_SYMBOLS = {
    "forget": ("z_f", "f_t"),
    "input": ("z_i", "i_t"),
    "output": ("z_o", "o_t"),
    "cell": ("z_c", "tanh(z_c)"),
}


def format_value(value: Any) -> str:
    """A number (or a vector of them) as a person writes it: 1, -0.5, 0.761594, [1, 0]."""
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0 or array.size == 1:
        number = float(array.reshape(-1)[0]) + 0.0
        if number.is_integer() and abs(number) < 1e15:
            return str(int(number))
        return f"{number:.6g}"
    return "[" + ", ".join(format_value(v) for v in array.reshape(-1)) + "]"


@dataclass(frozen=True)
class WorkedSolution:
    """The engine's trace of one input sequence, with the problem's rules spelled out."""

    problem: Problem
    trace: Trace  # batch of one
    c_initial: Array  # (n,) c_{-1}

    @property
    def rounded(self) -> bool:
        return self.problem.evaluation.rounding is not None

    @property
    def reports(self) -> str:
        return self.problem.answer.of if isinstance(self.problem.answer, SequenceAnswer) else "h"

    @property
    def answer(self) -> Array:
        reported = self.trace.h[0] if self.reports == "h" else self.trace.c_reported[0]
        assert self.problem.model is not None
        values: Array = reported[:, 0] if self.problem.model.scalar else reported
        return values

    def columns(self) -> list[str]:
        """Column headers, in order."""
        headers = ["t", "x_t", "h_{t-1}", "c_{t-1}"]
        for name in GATE_NAMES:
            headers.extend(_GATE_SYMBOLS[name])
        headers.append("c_t")
        if self.reports == "c" and self.rounded:
            headers.append("c_t rounded")
        if self.rounded:
            headers.extend(["h_t before rounding", "h_t rounded"])
        else:
            headers.append("h_t")
        return headers

    def rows(self) -> list[list[Any]]:
        """One row of values per time step, matching `columns()` (numbers or lists of numbers)."""
        trace = self.trace
        steps = trace.x.shape[1]
        result = []
        for t in range(steps):
            c_prev = self.c_initial if t == 0 else trace.c[0, t - 1]
            row: list[Any] = [t, trace.x[0, t], trace.h_seen[0, t], c_prev]
            for g in range(len(GATE_NAMES)):
                row.extend([trace.z[0, t, g], trace.gates[0, t, g]])
            row.append(trace.c[0, t])
            if self.reports == "c" and self.rounded:
                row.append(trace.c_reported[0, t])
            if self.rounded:
                row.extend([trace.h_raw[0, t], trace.h[0, t]])
            else:
                row.append(trace.h[0, t])
            result.append(row)
        return result


def worked_solution(problem: Problem, inputs: Array | None = None) -> WorkedSolution:
    """The worked solution for the problem's own inputs, or for `inputs` (T, d)."""
    if not isinstance(problem.answer, SequenceAnswer) or problem.model is None:
        raise ValueError(f"problem {problem.id!r} is not a sequence problem; there is nothing to work out")
    batch = fixed_inputs(problem) if inputs is None else np.asarray(inputs, dtype=np.float64)
    trace = trace_for(problem, batch[None])
    return WorkedSolution(problem, trace, parameters_of(problem.model).c0)


def _cells(solution: WorkedSolution) -> list[list[str]]:
    return [[format_value(v) for v in row] for row in solution.rows()]


def _header(solution: WorkedSolution) -> list[str]:
    problem = solution.problem
    return [
        f"{problem.id}: {problem.title}",
        f"rules: {describe_evaluation(problem.evaluation)}",
    ]


def _answer_line(solution: WorkedSolution) -> str:
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
    lines += ["", f"Answer: ${solution.reports}$ = {describe_key(solution.answer)}"]
    return "\n".join(lines) + "\n"


def _json_value(value: Any) -> Any:
    array = np.asarray(value, dtype=np.float64)
    if array.size == 1:
        number = float(array.reshape(-1)[0]) + 0.0
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    return [_json_value(v) for v in array.reshape(-1)]


def solution_data(solution: WorkedSolution) -> dict[str, Any]:
    """The worked solution as JSON-ready data: one mapping per step, keyed by column name."""
    columns = solution.columns()
    steps = [
        {column: _json_value(value) for column, value in zip(columns, row, strict=True)}
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
