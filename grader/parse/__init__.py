"""Parsing of what students typed: numbers, vectors and matrices, and choice selections."""

from grader.parse.arrays import parse_sequence
from grader.parse.choices import parse_choices
from grader.parse.errors import InvalidAnswer
from grader.parse.shapes import describe_shape, parse_array, read_array

__all__ = ["InvalidAnswer", "describe_shape", "parse_array", "parse_choices", "parse_sequence", "read_array"]
