"""Whatever a spec file holds, loading it gives a Problem or a located SpecError, nothing else."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.errors import SpecError
from grader.spec.loader import load_problem
from tests.conftest import SEED_SPEC

relaxed = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=150)

#: Characters that matter to YAML and to the spec: structure, numbers, tags, anchors.
YAML_ALPHABET = st.sampled_from(
    [*"[]{}:,-#&*!|>'\"\n\t .0123456789e_abcdxyz", "!!python/", "W_h", "nan", "&a", "*a"]
)


@st.composite
def mutated_spec(draw: st.DrawFn) -> str:
    """The seed spec with a few characters deleted, replaced or inserted."""
    text = SEED_SPEC + draw(st.sampled_from(["", "expected: [1, -1, 0, 1, -1]\n"]))
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["delete", "replace", "insert"]))
        piece = draw(YAML_ALPHABET)
        if action == "delete":
            text = text[:position] + text[position + 1 :]
        elif action == "replace":
            text = text[:position] + piece + text[position + 1 :]
        else:
            text = text[:position] + piece + text[position:]
    return text


def load(text: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "spec.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            load_problem(path)
        except SpecError as error:
            assert error.file == str(path)
            assert error.message


@relaxed
@given(mutated_spec())
def test_a_mutated_spec_loads_or_is_a_spec_error(text):
    load(text)


@relaxed
@given(st.text(max_size=300))
def test_any_text_loads_or_is_a_spec_error(text):
    load(text)
