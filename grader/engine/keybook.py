"""Keys for a whole class: one engine pass per problem (per distinct input length), reused by all.

A problem with fixed inputs has one key. A problem with per-student variants has one key per
distinct input sequence drawn; students are mapped to variants in bulk (`variant_ids`), and the
keys of variants not seen before are computed together, stacked into one batch per length.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from grader.engine.keys import Key, compute_key, compute_keys, fixed_inputs
from grader.engine.variants import PickRequest, Variant, draw_variants, pick_request, render_statement
from grader.spec.loader import ProblemSet
from grader.spec.models import Problem

__all__ = ["KeyBook", "ProblemVariants"]

Array = NDArray[np.float64]


@dataclass
class ProblemVariants:
    """The variants of one problem met so far: inputs and key by variant id, ids by inputs."""

    inputs: list[Array | None] = field(default_factory=list)
    keys: list[Key] = field(default_factory=list)
    ids: dict[bytes, int] = field(default_factory=dict)


@dataclass
class KeyBook:
    """Canonical answers by problem id and, for per-student variants, by student."""

    problems: ProblemSet
    #: Keys of problems every student answers with the same inputs (and of choice problems).
    fixed: dict[str, Key] = field(default_factory=dict)
    variants: dict[str, ProblemVariants] = field(default_factory=dict)

    @property
    def salt(self) -> str:
        return self.problems.course.salt

    @classmethod
    def build(cls, problems: ProblemSet, students: Sequence[str] = ()) -> KeyBook:
        """Compute every fixed key, and the keys of every variant `students` draw."""
        book = cls(problems)
        for problem in problems:
            variants = ProblemVariants()
            varies = pick_request(problem) is not None  # inputs drawn per student
            if not varies:
                key = compute_key(problem)
                book.fixed[problem.id] = key
                variants.inputs.append(fixed_inputs(problem) if problem.fixed_inputs else None)
                variants.keys.append(key)
            book.variants[problem.id] = variants
            if students and varies:
                book.variant_ids(problem.id, students)
        return book

    def varies(self, problem_id: str) -> bool:
        """True when students of `problem_id` get different inputs."""
        return problem_id not in self.fixed

    def pick_requests(self) -> list[PickRequest]:
        """What hashing the variants of every varying problem needs (`variants.picks_for`)."""
        # a problem varies exactly when it has a pick request (`build`)
        return [request for request in map(pick_request, self.problems) if request is not None]

    def variant_ids(
        self, problem_id: str, students: Sequence[str], picks: NDArray[np.int64] | None = None
    ) -> NDArray[np.int64]:
        """Each student's variant id (B,), computing the keys of new variants in one pass per length.

        `picks`: the students' hashed picks for the problem when already drawn (`picks_for`).
        """
        if not self.varies(problem_id):
            return np.zeros(len(students), dtype=np.int64)
        problem = self.problems[problem_id]
        known = self.variants[problem_id]
        draw = draw_variants(problem, students, self.salt, picks)
        local_to_global = np.empty(len(draw.inputs), dtype=np.int64)
        new: dict[int, list[tuple[int, Array]]] = {}  # length → [(local index, inputs)]
        for index, inputs in enumerate(draw.inputs):
            identity = inputs.tobytes() + bytes(str(inputs.shape), "ascii")
            global_id = known.ids.get(identity)
            if global_id is None:
                global_id = len(known.inputs)
                known.ids[identity] = global_id
                known.inputs.append(inputs)
                known.keys.append(np.empty(0))  # filled below
                new.setdefault(len(inputs), []).append((global_id, inputs))
            local_to_global[index] = global_id
        for group in new.values():
            batch = np.stack([inputs for _, inputs in group])
            keys = compute_keys(problem, batch)
            for (global_id, _), key in zip(group, keys, strict=True):
                known.keys[global_id] = key
        return local_to_global[draw.codes]

    def key_of(self, problem_id: str, variant_id: int) -> Key:
        """The key of one variant of a problem (variant 0 for fixed problems)."""
        return self.variants[problem_id].keys[variant_id]

    def inputs_of(self, problem_id: str, variant_id: int) -> Array | None:
        """The inputs of one variant (None for a problem without inputs)."""
        return self.variants[problem_id].inputs[variant_id]

    def key_for(self, problem_id: str, student: str) -> Key:
        """The key `student` is graded against for `problem_id`."""
        fixed = self.fixed.get(problem_id)
        if fixed is not None:
            return fixed
        return self.key_of(problem_id, int(self.variant_ids(problem_id, [student])[0]))

    def keys_for(self, problem_id: str, students: Sequence[str]) -> list[Key]:
        """The keys of many students at once (vectorized over students)."""
        ids = self.variant_ids(problem_id, students)
        keys = self.variants[problem_id].keys
        return [keys[i] for i in ids.tolist()]

    def variant_for(self, problem_id: str, student: str) -> Variant:
        """`student`'s inputs and statement for `problem_id`."""
        problem: Problem = self.problems[problem_id]
        variant_id = int(self.variant_ids(problem_id, [student])[0])
        inputs = self.inputs_of(problem_id, variant_id)
        return Variant(problem_id, student, inputs, render_statement(problem, inputs))
