"""Per-student variants: the documented derivation, pinned to literal draws, and the keys they give."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from grader.engine.keybook import KeyBook
from grader.engine.keys import compute_key
from grader.engine.variants import draw_variants, uniform_picks, variant_for
from grader.errors import SpecError
from grader.spec.loader import load_problems

SEED_MODEL = """
model:
  cell: lstm
  gates:
    forget: {W_h: 0,    W_x: 0,   b: -100}
    input:  {W_h: 0,    W_x: 100, b: 100}
    output: {W_h: 0,    W_x: 100, b: 0}
    cell:   {W_h: -100, W_x: 50,  b: 0}
evaluation:
  activation: {kind: saturating, at: 1}
  rounding: {to: integer, ties: toward_zero}
answer: {kind: sequence}
"""


def write_course(directory: Path, inputs: str, salt: str = "686x-unit3-hw3") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "course.yaml").write_text(f"salt: {salt}\n")
    (directory / "states.yaml").write_text(
        "id: states\ntitle: States\nstatement: 'Inputs {inputs}; enter [h_0, ...].'\n"
        f"inputs: {inputs}\n" + SEED_MODEL
    )
    return directory


# Pinned: these literal draws are the contract. If one changes, every student's variant changed.
@pytest.mark.parametrize(
    ("salt", "problem", "students", "count", "choices", "expected"),
    [
        ("salt", "p", ["alice", "bob"], 5, 3, [[2, 2, 1, 1, 2], [2, 0, 1, 0, 1]]),
        ("salt", "p", ["alice", "bob"], 1, 4, [[3], [2]]),
    ],
)
def test_uniform_picks_are_pinned(salt, problem, students, count, choices, expected):
    assert uniform_picks(salt, problem, students, count, choices).tolist() == expected


def test_uniform_picks_follow_the_documented_derivation():
    # the formula of grader.engine.variants, recomputed here by hand for one pick
    stream = hashlib.shake_256(b"grader-variant-v1\0salt\0p\0alice").digest(16)
    second_word = int.from_bytes(stream[8:16], "little")
    pick = int(((second_word >> 11) * 2.0**-53) * 3)
    assert uniform_picks("salt", "p", ["alice"], 2, 3)[0, 1] == pick


@pytest.mark.parametrize(
    ("student", "inputs", "key"),
    [
        # keys by hand with the seed's rules: x=0 gives o=0.5 and |c| ≤ 1, so h = ±0.5 or 0,
        # rounded to 0; x=1 gives o=1, c=tanh(50 − 100·h_{t−1}): h = 1 after h ≤ 0, −1 after h = 1
        ("alice", [1, 0, 1, 1, 1, 0], [1, 0, 1, -1, 1, 0]),
        ("bob", [0, 1, 0, 0, 1, 0], [0, 1, 0, 0, 1, 0]),
        ("s000001", [1, 1, 0, 0, 0, 1], [1, -1, 0, 0, 0, 1]),
        ("Ünïcode", [1, 1, 1, 1, 0, 0], [1, -1, 1, -1, 0, 0]),
    ],
)
def test_random_variants_are_pinned_with_their_keys(tmp_path, student, inputs, key):
    problems = load_problems(write_course(tmp_path, "{random: {alphabet: [0, 1], length: 6}}"))
    variant = variant_for(problems["states"], student, problems.course.salt)
    assert variant.inputs_json() == inputs
    assert variant.statement == f"Inputs {inputs}; enter [h_0, ...]."
    book = KeyBook.build(problems)
    assert book.key_for("states", student).tolist() == key
    assert book.variant_for("states", student).inputs_json() == inputs


def test_the_salt_changes_variants(tmp_path):
    one = load_problems(write_course(tmp_path / "a", "{random: {alphabet: [0, 1], length: 6}}", "a"))
    two = load_problems(write_course(tmp_path / "b", "{random: {alphabet: [0, 1], length: 6}}", "b"))
    students = [f"s{i}" for i in range(20)]
    first = [variant_for(one["states"], s, "a").inputs_json() for s in students]
    second = [variant_for(two["states"], s, "b").inputs_json() for s in students]
    assert first != second


def test_choose_from_picks_one_listed_sequence(tmp_path):
    problems = load_problems(write_course(tmp_path, "{choose_from: [[1, 1, 0], [0, 1, 1, 0]]}"))
    # uniform_picks("686x-unit3-hw3", "states", [...], 1, 2) decides; pinned:
    salt = problems.course.salt
    drawn = {s: variant_for(problems["states"], s, salt).inputs_json() for s in ("ann", "ben", "cat")}
    assert drawn == {"ann": [0, 1, 1, 0], "ben": [0, 1, 1, 0], "cat": [1, 1, 0]}
    book = KeyBook.build(problems)
    assert book.key_for("states", "cat").tolist() == [1, -1, 0]
    assert book.key_for("states", "ann").tolist() == [0, 1, -1, 0]


def test_keys_for_a_class_equal_keys_one_by_one(tmp_path):
    problems = load_problems(write_course(tmp_path, "{random: {alphabet: [0, 1, -1], length: 8}}"))
    students = [f"student{i}" for i in range(300)]
    book = KeyBook.build(problems, students)
    together = book.keys_for("states", students)
    for student, key in zip(students, together, strict=True):
        inputs = variant_for(problems["states"], student, problems.course.salt).inputs
        assert np.array_equal(key, compute_key(problems["states"], inputs))


def test_draw_groups_students_by_distinct_inputs(tmp_path):
    problems = load_problems(write_course(tmp_path, "{random: {alphabet: [0, 1], length: 2}}"))
    draw = draw_variants(problems["states"], [f"s{i}" for i in range(200)], "x")
    assert len(draw.inputs) == 4  # every one of the 2^2 sequences is drawn by someone
    assert sorted(map(tuple, (i[:, 0].tolist() for i in draw.inputs))) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert draw.codes.shape == (200,)


def test_a_variant_statement_must_show_the_inputs(tmp_path):
    (tmp_path / "p.yaml").write_text(
        "id: p\ntitle: P\nstatement: no placeholder\ninputs: {random: {alphabet: [0, 1], length: 3}}\n"
        + SEED_MODEL
    )
    with pytest.raises(SpecError) as error:
        load_problems(tmp_path)
    assert str(error.value).startswith(f"{tmp_path / 'p.yaml'}:3: statement: inputs vary per student")


def test_fixed_inputs_are_one_variant(tmp_path):
    problems = load_problems(write_course(tmp_path, "[1, 1, 0, 1, 1]"))
    book = KeyBook.build(problems)
    assert not book.varies("states")
    assert book.key_for("states", "anyone").tolist() == [1, -1, 0, 1, -1]
    statement = variant_for(problems["states"], "anyone", "s").statement
    assert statement == "Inputs [1, 1, 0, 1, 1]; enter [h_0, ...]."
