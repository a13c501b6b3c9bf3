"""The recurrent kinds' shared parts (`engine.recurrent`): parameters built once per model."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from grader.engine.recurrent import per_model


class Model:
    """A stand-in for a spec model: any object, told apart by identity."""

    def __init__(self, value: float) -> None:
        self.value = value


def test_a_model_object_is_built_once_and_its_arrays_are_read_only() -> None:
    built: list[Any] = []

    @per_model
    def arrays(model: Model) -> tuple[np.ndarray, ...]:
        built.append(model)
        return (np.full(2, model.value), np.zeros(1))

    model = Model(1.5)
    first = arrays(model)
    assert arrays(model) is first
    assert built == [model]
    with pytest.raises(ValueError, match="read-only"):
        first[0][0] = 0.0
    # another object, even an equal one, is built for itself
    other = Model(1.5)
    assert arrays(other) is not first
    assert np.array_equal(arrays(other)[0], first[0])
    assert built == [model, other]


def test_past_its_bound_the_memo_starts_again_and_still_answers_right() -> None:
    @per_model
    def arrays(model: Model) -> tuple[np.ndarray, ...]:
        return (np.full(1, model.value),)

    models = [Model(float(index)) for index in range(300)]
    for model in models:
        assert arrays(model)[0][0] == model.value
    assert [arrays(model)[0][0] for model in models] == [model.value for model in models]
