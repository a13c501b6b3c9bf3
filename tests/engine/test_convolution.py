"""Convolution in 1-D and 2-D: hand-computed maps, every option against plain loops, batches."""

from __future__ import annotations

import random

import numpy as np
import pytest

from grader.engine.convolution import Pool, check_feature_map, feature_map, output_size
from grader.spec.models import FieldValueError, Rounding


def one(signal_or_image, kernel, **options) -> list:
    """The output for a single variant, as plain lists."""
    result = feature_map(np.array([signal_or_image], dtype=float), kernel, **options)
    return result.output[0].tolist()


# ---------------------------------------------------------------- 1-D by hand


@pytest.mark.parametrize(
    ("signal", "kernel", "options", "expected"),
    [
        # cross-correlation: y_i = x_i − x_{i+2} = [1 − 3, 2 − 4]
        ([1, 2, 3, 4], [1, 0, -1], {}, [-2, -2]),
        # flipped, K = [−1, 0, 1]: y_i = −x_i + x_{i+2}
        ([1, 2, 3, 4], [1, 0, -1], {"flip": True}, [2, 2]),
        # an impulse shows the orientation of an asymmetric kernel [1, 2, 3]:
        # no flip: y_0 = x_1·K_1 = 2, y_1 = x_1·K_0 = 1; flip, K = [3, 2, 1]: y_0 = 2, y_1 = 3
        ([0, 1, 0, 0], [1, 2, 3], {}, [2, 1]),
        ([0, 1, 0, 0], [1, 2, 3], {"flip": True}, [2, 3]),
        # padding 1: x̃ = [0, 1, 2, 3, 4, 0]; y = [0 − 2, 1 − 3, 2 − 4, 3 − 0], (4 + 2 − 3)/1 + 1 = 4
        ([1, 2, 3, 4], [1, 0, -1], {"padding": 1}, [-2, -2, -2, 3]),
        # stride 2 on the padded signal: positions 0 and 2 of the above, floor(3/2) + 1 = 2
        ([1, 2, 3, 4], [1, 0, -1], {"padding": 1, "stride": 2}, [-2, -2]),
        # stride 2 that does not divide: windows at 0 and 2 of [1..5]; the one at 4 would run off
        ([1, 2, 3, 4, 5], [1, 1], {"stride": 2}, [3, 7]),
        # bias 1 then relu: [−2 + 1, −2 + 1] → [0, 0]; flipped: [2 + 1, 2 + 1] → [3, 3]
        ([1, 2, 3, 4], [1, 0, -1], {"bias": 1, "activation": "relu"}, [0, 0]),
        ([1, 2, 3, 4], [1, 0, -1], {"bias": 1, "activation": "relu", "flip": True}, [3, 3]),
        # a kernel as long as the padded signal: one entry, 1·1 + 2·2 = 5
        ([1, 2], [1, 2], {}, [5]),
        # a scalar kernel scales: [2, 4, 6]
        ([1, 2, 3], 2, {}, [2, 4, 6]),
        # pooling the map [1, 3, 2, 5, 4, 0] (kernel [1]): max 2/2 → [3, 5, 4], average → [2, 3.5, 2]
        ([1, 3, 2, 5, 4, 0], [1], {"pool": Pool("max", 2)}, [3, 5, 4]),
        ([1, 3, 2, 5, 4, 0], [1], {"pool": Pool("average", 2)}, [2, 3.5, 2]),
        # pool stride 1: overlapping windows, [max(1,3), max(3,2), max(2,5), max(5,4), max(4,0)]
        ([1, 3, 2, 5, 4, 0], [1], {"pool": Pool("max", 2, stride=1)}, [3, 3, 5, 5, 4]),
        # a map of 5 under pools of 2, stride 2: the fifth entry is in no window
        ([1, 3, 2, 5, 9], [1], {"pool": Pool("max", 2)}, [3, 5]),
        # pool of 3, stride 2 on [1, 3, 2, 5, 4, 0]: windows at 0 and 2 → [3, 5]
        ([1, 3, 2, 5, 4, 0], [1], {"pool": Pool("max", 3, stride=2)}, [3, 5]),
        # every option but flip: x̃ = [0, 1, −2, 3, −4, 0], K = [−1, 1, 1]:
        # y = [0 + 1 − 2, −1 − 2 + 3, 2 + 3 − 4, −3 − 4 + 0] + 0.5
        #        = [−0.5, 0.5, 1.5, −6.5] → relu [0, 0.5, 1.5, 0] → max pool 2 → [0.5, 1.5]
        (
            [1, -2, 3, -4],
            [-1, 1, 1],
            {"padding": 1, "bias": 0.5, "activation": "relu", "pool": Pool("max", 2)},
            [0.5, 1.5],
        ),
    ],
)
def test_signals_by_hand(signal, kernel, options, expected):
    assert one(signal, kernel, **options) == pytest.approx(expected, abs=1e-15)


# ---------------------------------------------------------------- 2-D by hand

IMAGE = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
POOLED = [[1, 5, 2, 0], [3, 4, 8, 1], [0, 0, 9, 2], [7, 1, 3, 3]]


@pytest.mark.parametrize(
    ("image", "kernel", "options", "expected"),
    [
        # y_ij = x_ij − x_{i+1,j+1}: −4 everywhere; flipped, K = [[−1, 0], [0, 1]]: +4
        (IMAGE, [[1, 0], [0, -1]], {}, [[-4, -4], [-4, -4]]),
        (IMAGE, [[1, 0], [0, -1]], {"flip": True}, [[4, 4], [4, 4]]),
        # asymmetric K = [[1, 2], [3, 4]]: y_00 = 1·1 + 2·2 + 3·4 + 4·5 = 37, y_01 = 2 + 6 + 15 + 24
        # = 47, y_10 = 4 + 10 + 21 + 32 = 67, y_11 = 5 + 12 + 24 + 36 = 77
        (IMAGE, [[1, 2], [3, 4]], {}, [[37, 47], [67, 77]]),
        # flipped, K = [[4, 3], [2, 1]]: y_00 = 4 + 6 + 8 + 5 = 23, 33, 53, 63
        (IMAGE, [[1, 2], [3, 4]], {"flip": True}, [[23, 33], [53, 63]]),
        # padding 1 around [[1, 2], [3, 4]], a 2×2 sum: (2 + 2 − 2)/1 + 1 = 3 per axis
        ([[1, 2], [3, 4]], [[1, 1], [1, 1]], {"padding": 1}, [[1, 3, 2], [4, 10, 6], [3, 7, 4]]),
        # stride 2 of a 1×1 kernel picks every other row and column of range(16)
        (np.arange(16).reshape(4, 4).tolist(), [[1]], {"stride": 2}, [[0, 2], [8, 10]]),
        # stride 2 that does not divide: 3×3 image, 2×2 kernel, (3 − 2)/2 + 1 = 1: one window
        (IMAGE, [[1, 1], [1, 1]], {"stride": 2}, [[12]]),
        # 2×2 pools of POOLED: max [[5, 8], [7, 9]], average [[13/4, 11/4], [8/4, 17/4]]
        (POOLED, [[1]], {"pool": Pool("max", 2)}, [[5, 8], [7, 9]]),
        (POOLED, [[1]], {"pool": Pool("average", 2)}, [[3.25, 2.75], [2, 4.25]]),
        # overlapping 2×2 max pools, stride 1: 3×3
        (POOLED, [[1]], {"pool": Pool("max", 2, stride=1)}, [[5, 8, 8], [4, 9, 9], [7, 9, 9]]),
        # bias −40 then relu on the asymmetric map: [[0, 7], [27, 37]], then a 2×2 average: 71/4
        (
            IMAGE,
            [[1, 2], [3, 4]],
            {"bias": -40, "activation": "relu", "pool": Pool("average", 2)},
            [[17.75]],
        ),
    ],
)
def test_images_by_hand(image, kernel, options, expected):
    assert one(image, kernel, **options) == [pytest.approx(row, abs=1e-12) for row in expected]


def test_the_trace_holds_every_stage():
    result = feature_map(
        np.array([[1.0, -2.0, 3.0, -4.0]]),
        [-1, 1, 1],
        padding=1,
        bias=0.5,
        activation="relu",
        pool=Pool("max", 2),
        flip=True,
    )
    # flipped K = [1, 1, −1] over x̃ = [0, 1, −2, 3, −4, 0]:
    # [0 + 1 + 2, 1 − 2 − 3, −2 + 3 + 4, 3 − 4 − 0] + 0.5 = [3.5, −3.5, 5.5, −0.5]
    assert result.padded.tolist() == [[0, 1, -2, 3, -4, 0]]
    assert result.kernel.tolist() == [1, 1, -1]
    assert result.pre_activation.tolist() == [[3.5, -3.5, 5.5, -0.5]]
    assert result.activated.tolist() == [[3.5, 0, 5.5, 0]]
    assert result.pooled is not None and result.pooled.tolist() == [[3.5, 5.5]]
    assert result.output.tolist() == [[3.5, 5.5]]


@pytest.mark.parametrize(
    ("carry", "ties", "expected"),
    [
        # x = [0.25, 0.5] to 1 decimal: 0.25 is a tie; an average pool over both entries
        # carry rounded, toward zero: (0.2 + 0.5)/2 = 0.35 → 0.3
        ("rounded", "toward_zero", [[0.2, 0.5], [0.3]]),
        # carry rounded, away: (0.3 + 0.5)/2 = 0.4
        ("rounded", "away_from_zero", [[0.3, 0.5], [0.4]]),
        # carry exact: (0.25 + 0.5)/2 = 0.375 → 0.4 whatever the ties
        ("exact", "toward_zero", [[0.2, 0.5], [0.4]]),
    ],
)
def test_rounding_and_carry_into_the_pool(carry, ties, expected):
    result = feature_map(
        np.array([[0.25, 0.5]]),
        [1],
        pool=Pool("average", 2),
        rounding=Rounding(decimals=1, ties=ties),
        carry=carry,
    )
    assert result.activated[0].tolist() == pytest.approx(expected[0], abs=1e-12)
    assert result.output[0].tolist() == pytest.approx(expected[1], abs=1e-12)


@pytest.mark.parametrize(
    ("size", "window", "padding", "stride", "expected"),
    [(4, 3, 0, 1, 2), (4, 3, 1, 1, 4), (4, 3, 1, 2, 2), (5, 2, 0, 2, 2), (2, 2, 0, 1, 1), (7, 3, 2, 3, 3)],
)
def test_output_size_is_floor_of_n_plus_2p_minus_k_over_s_plus_1(size, window, padding, stride, expected):
    assert output_size(size, window, padding, stride) == expected
    result = feature_map(np.zeros((1, size)), np.ones(window), padding=padding, stride=stride)
    assert result.output.shape == (1, expected)


def test_inputs_must_have_one_axis_more_than_the_kernel():
    with pytest.raises(FieldValueError, match=r"a kernel with 2 axes needs inputs of shape") as caught:
        feature_map(np.zeros((1, 4)), [[1, 2], [3, 4]])
    assert caught.value.path == ("inputs",)


# ---------------------------------------------------------------- against plain loops


def plain_map(x, kernel, *, bias, flip, padding, stride, activation, pool):
    """The definition with Python lists and index arithmetic, for a 1-D list or a 2-D list of rows."""
    two_d = isinstance(x[0], list)
    rows = x if two_d else [x]
    K = kernel if two_d else [kernel]
    if flip:
        K = [row[::-1] for row in K[::-1]]
    pad_rows = padding if two_d else 0
    width = len(rows[0]) + 2 * padding
    zero_row = [0.0] * width
    padded = (
        [zero_row] * pad_rows
        + [[0.0] * padding + list(row) + [0.0] * padding for row in rows]
        + [zero_row] * pad_rows
    )
    kh, kw = len(K), len(K[0])
    row_starts = range(0, len(padded) - kh + 1, stride) if two_d else [0]
    mapped = []
    for i in row_starts:
        out_row = []
        for j in range(0, width - kw + 1, stride):
            total = bias + sum(K[a][b] * padded[i + a][j + b] for a in range(kh) for b in range(kw))
            out_row.append(max(total, 0.0) if activation == "relu" else total)
        mapped.append(out_row)
    if pool is not None:
        size, step = pool.size, pool.step
        pooled = []
        pool_rows = range(0, len(mapped) - size + 1, step) if two_d else [0]
        for i in pool_rows:
            out_row = []
            for j in range(0, len(mapped[0]) - size + 1, step):
                window = [mapped[i + a][j + b] for a in range(size if two_d else 1) for b in range(size)]
                out_row.append(max(window) if pool.kind == "max" else sum(window) / len(window))
            pooled.append(out_row)
        mapped = pooled
    return mapped if two_d else mapped[0]


def random_options(rng: random.Random, kernel_sizes: tuple[int, ...], input_sizes: tuple[int, ...]) -> dict:
    """Options that fit: the kernel never larger than the padded input, pools never larger than the map."""
    padding = rng.randint(0, 2)
    stride = rng.randint(1, 3)
    options = {
        "bias": rng.choice([0.0, rng.uniform(-1, 1)]),
        "flip": rng.random() < 0.5,
        "padding": padding,
        "stride": stride,
        "activation": rng.choice(["identity", "relu"]),
        "pool": None,
    }
    smallest = min(
        (n + 2 * padding - k) // stride + 1 for n, k in zip(input_sizes, kernel_sizes, strict=True)
    )
    if rng.random() < 0.7:
        size = rng.randint(1, smallest)
        stride_choice = rng.choice([None, 1, 2])
        options["pool"] = Pool(rng.choice(["max", "average"]), size, stride_choice)
    return options


@pytest.mark.parametrize("seed", range(25))
def test_signals_match_a_plain_loop_for_every_variant(seed):
    rng = random.Random(seed)
    length = rng.randint(1, 9)
    kernel_length = rng.randint(1, length)
    kernel = [rng.uniform(-2, 2) for _ in range(kernel_length)]  # asymmetric almost surely
    options = random_options(rng, (kernel_length,), (length,))
    signals = [[rng.uniform(-3, 3) for _ in range(length)] for _ in range(rng.randint(1, 5))]
    result = feature_map(np.array(signals), kernel, **options)
    for v, signal in enumerate(signals):
        expected = plain_map(signal, kernel, **options)
        assert result.output[v].tolist() == pytest.approx(expected, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("seed", range(25))
def test_images_match_a_plain_loop_for_every_variant(seed):
    rng = random.Random(1000 + seed)
    height, width = rng.randint(1, 6), rng.randint(1, 6)
    kh, kw = rng.randint(1, height), rng.randint(1, width)
    kernel = [[rng.uniform(-2, 2) for _ in range(kw)] for _ in range(kh)]
    options = random_options(rng, (kh, kw), (height, width))
    images = [[[rng.uniform(-3, 3) for _ in range(width)] for _ in range(height)] for _ in range(3)]
    result = feature_map(np.array(images), kernel, **options)
    for v, image in enumerate(images):
        expected = plain_map(image, kernel, **options)
        assert result.output[v].tolist() == [pytest.approx(row, rel=1e-12, abs=1e-12) for row in expected]


def test_flip_matters_only_for_an_asymmetric_kernel():
    signal = np.array([[0.0, 1.0, 0.0, 2.0, 0.0]])
    symmetric, asymmetric = [1.0, 2.0, 1.0], [1.0, 2.0, 3.0]
    assert np.array_equal(
        feature_map(signal, symmetric, flip=True).output, feature_map(signal, symmetric).output
    )
    assert not np.array_equal(
        feature_map(signal, asymmetric, flip=True).output, feature_map(signal, asymmetric).output
    )


# ---------------------------------------------------------------- checks for the spec layer


@pytest.mark.parametrize(
    ("inputs", "kernel", "options", "path", "message"),
    [
        (
            [1, 2],
            [1, 2, 3],
            {},
            ("kernel",),
            "the kernel (3) is larger than the padded input (2 with padding 0)",
        ),
        (
            [[1, 2], [3, 4]],
            [[1, 1, 1], [1, 1, 1]],
            {},
            ("kernel",),
            "the kernel (2×3) is larger than the padded input (2×2 with padding 0)",
        ),
        (
            [1, 2],
            [1, 2, 3, 4, 5],
            {"padding": 1},
            ("kernel",),
            "the kernel (5) is larger than the padded input (4 with padding 1)",
        ),
        ([1, 2, 3], [1], {"stride": 0}, ("stride",), "expected a stride of at least 1; got 0"),
        ([1, 2, 3], [1], {"padding": -1}, ("padding",), "expected 0 or more zeros on every side; got -1"),
        (
            [1, 2, 3],
            [1],
            {"pool": Pool("max", 0)},
            ("pool", "size"),
            "expected a pool size of at least 1; got 0",
        ),
        (
            [1, 2, 3],
            [1],
            {"pool": Pool("max", 2, stride=0)},
            ("pool", "stride"),
            "expected a pool stride of at least 1; got 0",
        ),
        (
            [1, 2, 3, 4],
            [1, 1],
            {"pool": Pool("max", 4)},
            ("pool", "size"),
            "the pool (4 wide) is larger than the feature map (3)",
        ),
        (
            [[1, 2, 3], [4, 5, 6]],
            [[1]],
            {"pool": Pool("average", 3)},
            ("pool", "size"),
            "the pool (3 wide) is larger than the feature map (2×3)",
        ),
        (
            [[1, 2], [3, 4]],
            [1, 2],
            {},
            ("inputs",),
            "a vector kernel takes a signal (a list of numbers); got a list of rows",
        ),
        (
            [1, 2, 3],
            [[1]],
            {},
            ("inputs",),
            "a matrix kernel takes an image (a list of rows); got a list of numbers",
        ),
        (
            [[1, 2], [3, 4]],
            5,
            {},
            ("inputs",),
            "a vector kernel takes a signal (a list of numbers); got a list of rows",
        ),
        (4, [1], {}, ("inputs",), "a vector kernel takes a signal (a list of numbers); got a number"),
        ([[1, 2], [3]], [[1]], {}, ("inputs",), "every row of the image needs the same number of values"),
        ([1, 2], [[[1]]], {}, ("kernel",), "expected a vector or a matrix; got 3 axes"),
        (
            [1, 2],
            [1],
            {"activation": "softmax"},
            ("activation",),
            "expected one of identity, relu, sigmoid, tanh; got 'softmax'",
        ),
    ],
)
def test_options_that_cannot_make_a_map_are_refused_naming_the_field(inputs, kernel, options, path, message):
    with pytest.raises(FieldValueError) as caught:
        check_feature_map(inputs, kernel, **options)
    assert (caught.value.path, caught.value.message) == (path, message)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("options", "path"),
    [
        ({"stride": 0}, ("stride",)),
        ({"pool": Pool("max", 0)}, ("pool", "size")),
        ({"pool": Pool("max", 9)}, ("pool", "size")),
        ({"padding": 0, "stride": 1, "pool": None, "activation": "elu"}, ("activation",)),
    ],
)
def test_feature_map_itself_refuses_them_too(options, path):
    with pytest.raises(FieldValueError) as caught:
        feature_map(np.zeros((2, 4)), [1, 1], **options)
    assert caught.value.path == path


@pytest.mark.parametrize(
    ("inputs", "kernel", "options"),
    [
        ([1, 2], [1, 2], {}),  # a kernel exactly as long as the input
        ([1, 2], [1, 2, 3, 4], {"padding": 1}),  # padding makes room for it
        ([1, 2, 3], 5, {}),  # a scalar kernel is a vector of one
        ([1, 2, 3, 4], [1, 1], {"pool": Pool("max", 3)}),  # a pool exactly as large as the map
    ],
)
def test_options_that_fit_pass_their_check(inputs, kernel, options):
    check_feature_map(inputs, kernel, **options)
