"""Problem sets written on the fly for the comparison and policy tables."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from grader.spec.loader import ProblemSet, load_problems

#: The seed's model (LSTM states 2): inputs [1, 1, 0, 1, 1] give the key [1, -1, 0, 1, -1].
SEED_SEQUENCE = """
id: states
title: States
statement: Enter [h_0, ..., h_4].
model:
  cell: lstm
  gates:
    forget: {W_h: 0,    W_x: 0,   b: -100}
    input:  {W_h: 0,    W_x: 100, b: 100}
    output: {W_h: 0,    W_x: 100, b: 0}
    cell:   {W_h: -100, W_x: 50,  b: 0}
inputs: [1, 1, 0, 1, 1]
evaluation:
  activation: {kind: saturating, at: 1}
  rounding: {to: integer, ties: toward_zero}
answer: {kind: sequence}
"""

#: Four checkboxes, a and c correct.
CHECKBOXES = """
id: boxes
title: Boxes
statement: Tick every true statement.
answer:
  kind: choice
  multiple: true
  allow_blank: true
  choices:
    - {id: a, text: A, correct: true}
    - {id: b, text: B}
    - {id: c, text: C, correct: true}
    - {id: d, text: D}
"""


@pytest.fixture
def make_problems(tmp_path: Path) -> Callable[..., ProblemSet]:
    """Write specs (base text plus extra top-level YAML lines) and load them."""

    def make(*specs: str) -> ProblemSet:
        directory = tmp_path / f"problems{len(list(tmp_path.iterdir()))}"
        directory.mkdir()
        for index, text in enumerate(specs):
            (directory / f"p{index}.yaml").write_text(text)
        return load_problems(directory)

    return make
