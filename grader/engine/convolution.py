"""Convolution of a signal (1-D) or an image (2-D) with one kernel, batched over variants.

With the input padded by p zeros on every side into x̃, a kernel K of size k (k_h × k_w in 2-D)
and stride s, entry i (i, j in 2-D) of the map is

    flip: false (cross-correlation)   y_i = b + Σ_m K_m x̃_{s·i + m}
    flip: true  (textbook convolution) the same with K reversed along every axis

so the map has floor((n + 2p − k)/s) + 1 entries along each axis of size n. Then the activation
(identity or relu, or sigmoid or tanh as the feedforward layers have them) and, when asked for,
pooling: the max or the average of each size × size window, windows `stride` apart, no padding.

Arrays carry a leading axis of V variants: a signal is (V, n), an image (V, h, w).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike, NDArray

from grader.engine.feedforward import EXACT, apply_activation
from grader.engine.rounding import round_with_ties
from grader.spec.models import Activation, FieldValueError, Rounding

__all__ = [
    "CONVOLUTION_ACTIVATIONS",
    "FeatureMap",
    "Pool",
    "check_feature_map",
    "feature_map",
    "output_size",
]

Array = NDArray[np.float64]
Carry = Literal["rounded", "exact"]


@dataclass(frozen=True)
class Pool:
    """Pooling after the activation: max or average of size × size windows, `stride` apart."""

    kind: Literal["max", "average"]
    size: int
    stride: int | None = None  # None: the window's size, so that windows do not overlap

    @property
    def step(self) -> int:
        """The stride in effect."""
        return self.size if self.stride is None else self.stride


@dataclass(frozen=True, eq=False)
class FeatureMap:
    """Every stage of the computation for V variants; `output` is the answer."""

    padded: Array  # (V, n + 2p) or (V, h + 2p, w + 2p)
    kernel: Array  # the kernel as applied: reversed along every axis when flipped
    pre_activation: Array  # the map before the activation, bias included
    activated_raw: Array  # after the activation, unrounded
    activated: Array  # after the activation, as reported (rounded when the spec rounds)
    pooled: Array | None  # after pooling the map that carry says pooling sees; None without a pool
    output: Array  # the feature map asked for: pooled when pooling, else activated; as reported


def output_size(size: int, window: int, padding: int = 0, stride: int = 1) -> int:
    """floor((n + 2p − k)/s) + 1, the length of a map along one axis."""
    return (size + 2 * padding - window) // stride + 1


def _windows(values: Array, size: tuple[int, ...], stride: int) -> Array:
    """The windows of `size` over the trailing axes, `stride` apart: (V, *positions, *size)."""
    axes = tuple(range(1, 1 + len(size)))
    view = sliding_window_view(values, size, axis=axes)
    index = (slice(None),) + (slice(None, None, stride),) * len(size)
    picked: Array = view[index]
    return picked


def feature_map(
    signal_or_image: ArrayLike,
    kernel: ArrayLike,
    *,
    bias: float = 0.0,
    flip: bool = False,
    padding: int = 0,
    stride: int = 1,
    activation: str = "identity",
    pool: Pool | None = None,
    activation_mode: Activation = EXACT,
    rounding: Rounding | None = None,
    carry: Carry = "rounded",
) -> FeatureMap:
    """The feature map of V signals (V, n) under a vector kernel or V images (V, h, w) under a
    matrix kernel. Rounding applies to the reported maps; with `carry: rounded` pooling sees the
    rounded activations (which changes an average, never a max)."""
    applied = np.asarray(kernel, dtype=np.float64)
    if applied.ndim == 0:
        applied = applied.reshape(1)
    x = np.asarray(signal_or_image, dtype=np.float64)
    if x.ndim != applied.ndim + 1:
        raise FieldValueError(
            ("inputs",),
            f"a kernel with {applied.ndim} axes needs inputs of shape (variants, "
            f"{'n' if applied.ndim == 1 else 'h, w'}); got {x.ndim} axes",
        )
    _check_shapes(x.shape[1:], applied.shape, padding, stride, activation, pool)
    if flip:
        applied = np.flip(applied)
    padded = np.pad(x, [(0, 0)] + [(padding, padding)] * applied.ndim)

    def report(values: Array) -> Array:
        return values if rounding is None else round_with_ties(values, rounding.places, rounding.ties)

    with np.errstate(over="ignore", invalid="ignore"):
        windows = _windows(padded, applied.shape, stride)
        axes = tuple(range(windows.ndim - applied.ndim, windows.ndim))
        pre: Array = np.tensordot(windows, applied, axes=(axes, tuple(range(applied.ndim)))) + bias
        raw = apply_activation(activation, pre, activation_mode=activation_mode)
        activated = report(raw)
        pooled: Array | None = None
        if pool is not None:
            seen = activated if carry == "rounded" else raw
            pool_windows = _windows(seen, (pool.size,) * applied.ndim, pool.step)
            last = tuple(range(pool_windows.ndim - applied.ndim, pool_windows.ndim))
            if pool.kind == "max":
                pooled = np.asarray(pool_windows.max(axis=last), dtype=np.float64)
            else:
                pooled = np.asarray(pool_windows.mean(axis=last), dtype=np.float64)
        output = activated if pooled is None else report(pooled)
    return FeatureMap(
        padded=padded,
        kernel=applied,
        pre_activation=pre,
        activated_raw=raw,
        activated=activated,
        pooled=pooled,
        output=output,
    )


# ---------------------------------------------------------------- checks for the spec layer

#: The activations a feature map may take.
CONVOLUTION_ACTIVATIONS: tuple[str, ...] = ("identity", "relu", "sigmoid", "tanh")


def _size_text(shape: tuple[int, ...]) -> str:
    return "×".join(str(n) for n in shape)


def check_feature_map(
    signal_or_image: ArrayLike,
    kernel: ArrayLike,
    *,
    padding: int = 0,
    stride: int = 1,
    activation: str = "identity",
    pool: Pool | None = None,
) -> None:
    """Raise FieldValueError (a ValueError whose `path` names the field) for one spec's signal or
    image and options that cannot make a map: inputs of the wrong rank, a kernel larger than the
    padded input, a stride or pool size below 1, a pool larger than the map."""
    kernel_array = np.asarray(kernel, dtype=np.float64)
    try:
        x = np.asarray(signal_or_image, dtype=np.float64)
    except ValueError:
        raise FieldValueError(("inputs",), "every row of the image needs the same number of values") from None
    _check_shapes(x.shape, kernel_array.shape, padding, stride, activation, pool)


def _check_shapes(
    input_shape: tuple[int, ...],
    kernel_shape: tuple[int, ...],
    padding: int,
    stride: int,
    activation: str,
    pool: Pool | None,
) -> None:
    """check_feature_map on shapes: one signal (n,) or image (h, w) and its kernel."""
    if not kernel_shape:
        kernel_shape = (1,)
    if len(kernel_shape) > 2:
        raise FieldValueError(("kernel",), f"expected a vector or a matrix; got {len(kernel_shape)} axes")
    if len(input_shape) != len(kernel_shape):
        expected = "a signal (a list of numbers)" if len(kernel_shape) == 1 else "an image (a list of rows)"
        kernel_kind = "vector" if len(kernel_shape) == 1 else "matrix"
        got = {0: "a number", 1: "a list of numbers", 2: "a list of rows"}.get(
            len(input_shape), f"{len(input_shape)} axes"
        )
        raise FieldValueError(("inputs",), f"a {kernel_kind} kernel takes {expected}; got {got}")
    if padding < 0:
        raise FieldValueError(("padding",), f"expected 0 or more zeros on every side; got {padding}")
    if stride < 1:
        raise FieldValueError(("stride",), f"expected a stride of at least 1; got {stride}")
    padded = tuple(n + 2 * padding for n in input_shape)
    if any(k > n for k, n in zip(kernel_shape, padded, strict=True)):
        raise FieldValueError(
            ("kernel",),
            f"the kernel ({_size_text(kernel_shape)}) is larger than the padded input "
            f"({_size_text(padded)} with padding {padding})",
        )
    if activation not in CONVOLUTION_ACTIVATIONS:
        raise FieldValueError(
            ("activation",), f"expected one of {', '.join(CONVOLUTION_ACTIVATIONS)}; got {activation!r}"
        )
    if pool is None:
        return
    if pool.kind not in ("max", "average"):
        raise FieldValueError(("pool", "kind"), f"expected one of max, average; got {pool.kind!r}")
    if pool.size < 1:
        raise FieldValueError(("pool", "size"), f"expected a pool size of at least 1; got {pool.size}")
    if pool.step < 1:
        raise FieldValueError(("pool", "stride"), f"expected a pool stride of at least 1; got {pool.step}")
    mapped = tuple(output_size(n, k, padding, stride) for n, k in zip(input_shape, kernel_shape, strict=True))
    if any(pool.size > n for n in mapped):
        raise FieldValueError(
            ("pool", "size"),
            f"the pool ({pool.size} wide) is larger than the feature map ({_size_text(mapped)})",
        )
