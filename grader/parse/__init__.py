"""Parsing of what students typed: arrays of numbers and choice selections."""

from grader.parse.arrays import parse_sequence
from grader.parse.choices import parse_choices
from grader.parse.errors import InvalidAnswer

__all__ = ["InvalidAnswer", "parse_choices", "parse_sequence"]
