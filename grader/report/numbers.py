"""How numbers are written for people and for JSON: the one home of number formatting."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["format_number", "format_value", "json_number", "json_value"]


def format_number(value: float) -> str:
    """A number as a person writes it, to 12 significant digits: 1 not 1.0, 0.5, -0.76159."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.12g}"


def format_value(value: Any) -> str:
    """A number (or a vector of them) in a worked solution, to 6 digits: 1, -0.5, 0.761594, [1, 0];
    a label (a row's name) as it is."""
    if isinstance(value, str):
        return value
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0 or array.size == 1:
        number = float(array.reshape(-1)[0]) + 0.0
        if number.is_integer() and abs(number) < 1e15:
            return str(int(number))
        return f"{number:.6g}"
    return "[" + ", ".join(format_value(v) for v in array.reshape(-1)) + "]"


def json_number(value: Any) -> int | float:
    """A number as JSON data: a whole number as an int while float64 holds it exactly."""
    number = float(value)
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def json_value(value: Any) -> Any:
    """A number, or a flat list of them for an array of several, as JSON data (-0.0 written as 0);
    a label (a row's name) as it is."""
    if isinstance(value, str):
        return value
    array = np.asarray(value, dtype=np.float64)
    if array.size == 1:
        return json_number(float(array.reshape(-1)[0]) + 0.0)
    return [json_value(v) for v in array.reshape(-1)]
