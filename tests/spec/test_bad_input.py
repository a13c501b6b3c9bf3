"""Every bad input of issue 2: `grade check` prints `file:line: field: message` and exits 2.

Each case is a spec (the seed's, with one thing broken) and the exact line expected on stderr.
Line numbers refer to SEED_SPEC in tests/conftest.py (for the vector cases, to VECTOR_SPEC here).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.errors import EXIT_USAGE
from grader.spec.models import known_warnings
from tests.conftest import SEED_SPEC

VECTOR_SPEC = """\
id: vector
title: Vector
statement: Enter [h_0, h_1].
model:
  cell: lstm
  gates:
    forget: {W_h: [[1, 0], [0, 1]], W_x: [[1, 0, 1], [0, 1, 0]], b: [0, 0]}
    input:  {W_h: [[1, 0], [0, 1]], W_x: [[1, 0, 1], [0, 1, 0]], b: [0, 0]}
    output: {W_h: [[1, 0], [0, 1]], W_x: [[1, 0, 1], [0, 1, 0]], b: [0, 0]}
    cell:   {W_h: [[1, 0], [0, 1]], W_x: [[1, 0, 1], [0, 1, 0]], b: [0, 0]}
  initial: {h: 0, c: [0, 0]}
inputs: [[1, 0, 0], [0, 1, 0]]
answer: {kind: sequence}
"""

RNN_SPEC = """\
id: rnn
title: RNN
statement: Enter [h_0, h_1].
model:
  cell: rnn
  W_h: [[1, 0], [0, 1]]
  W_x: [[1, 0, 1], [0, 1, 0]]
  b: [0, 0]
  nonlinearity: tanh
  initial: {h: [0, 0]}
inputs: [[1, 0, 0], [0, 1, 0]]
answer: {kind: sequence, of: h}
"""

GRU_SPEC = """\
id: gru
title: GRU
statement: Enter [h_0, h_1].
model:
  cell: gru
  gates:
    update:    {W_h: [[1, 0], [0, 1]], W_x: [[1], [0]], b: [0, 0]}
    reset:     {W_h: [[1, 0], [0, 1]], W_x: [[1], [0]], b: [0, 0]}
    candidate: {W_h: [[1, 0], [0, 1]], W_x: [[1], [0]], b: [0, 0]}
  initial: {h: 0}
inputs: [1, 0]
answer: {kind: sequence, of: h}
"""

NETWORK_SPEC = """\
id: network
title: Network
statement: Enter the gradient.
model:
  network: feedforward
  layers:
    - {W: [[1, 0], [0, 1]], b: [0, 0], activation: relu}
    - {W: [[1, 1], [1, -1]], b: [0, 0], activation: {kind: softmax, beta: 2}}
  loss: {kind: cross_entropy, target: 1}
inputs: [[1, 0], [0, 1]]
answer: {kind: gradient, wrt: layers.1.W}
"""

CHOICE_SPEC = """\
id: info
title: Info
statement: Which?
answer:
  kind: choice
  multiple: true
  choices:
    - {id: a, text: A}
    - {id: b, text: B, correct: true}
"""


def edit(base: str, old: str, new: str) -> str:
    """`base` with its one occurrence of `old` replaced."""
    assert base.count(old) == 1, f"{old!r} must occur once"
    return base.replace(old, new)


def seed(old: str, new: str) -> str:
    return edit(SEED_SPEC, old, new)


CONV_1D_SPEC = """\
id: conv-1d
title: Convolution
statement: Enter the feature map.
model:
  network: convolution
  kernel: [1, 0, -1]
  padding: 0
  stride: 1
  pool: {kind: max, size: 2}
inputs: [1, 2, 3, 4, 5]
answer: {kind: outputs}
"""

CONV_2D_SPEC = """\
id: conv-2d
title: Convolution
statement: Enter the feature map.
model:
  network: convolution
  kernel: [[1, 0], [0, -1]]
inputs:
  - [1, 2, 3]
  - [4, 5, 6]
answer: {kind: outputs}
"""


def conv1(old: str, new: str) -> str:
    return edit(CONV_1D_SPEC, old, new)


def conv2(old: str, new: str) -> str:
    return edit(CONV_2D_SPEC, old, new)


def vector(old: str, new: str) -> str:
    return edit(VECTOR_SPEC, old, new)


def rnn(old: str, new: str) -> str:
    return edit(RNN_SPEC, old, new)


def gru(old: str, new: str) -> str:
    return edit(GRU_SPEC, old, new)


def network(old: str, new: str) -> str:
    return edit(NETWORK_SPEC, old, new)


ALLOWED_TOP = (
    "id, title, points, statement, model, inputs, evaluation, answer, expected, scoring, "
    "max_attempts, due, late, counts, reveal, audit"
)
WARNING_IDS = ", ".join(known_warnings())

# name, spec text, line, field (None: no field), message
CASES = [
    # --- YAML syntax
    ("unclosed bracket", seed("inputs: [1, 1, 0, 1, 1]", "inputs: [1, 1, 0, 1, 1"), 13, None,
     "invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence that starts on line 12)"),
    ("bad indentation", seed("  carry: rounded", " carry: rounded"), 16, None,
     "invalid YAML: did not find expected key (while parsing a block mapping that starts on line 1)"),
    ("tab indentation", seed("  carry: rounded", "\tcarry: rounded"), 16, None,
     "invalid YAML: found character that cannot start any token "
     "(YAML does not allow tabs for indentation; use spaces)"),
    ("unclosed quote", seed("title: States", 'title: "States'), 2, None,
     "invalid YAML: a quoted scalar that starts here is never closed (found the end of the file)"),
    ("unclosed bracket at the end", SEED_SPEC + "expected: [1, -1\n", 20, None,
     "invalid YAML: a flow sequence that starts here is never closed (found the end of the file)"),
    ("a value cut short", SEED_SPEC + "expected: [1, -1,\n", 20, None,
     "invalid YAML: the file ends in the middle of a value (a bracket or quote left open?)"),
    ("two documents", SEED_SPEC + "---\nid: other\n", 20, None,
     "invalid YAML: a second document starts here (one document per file)"),
    # --- unknown keys, with a did-you-mean
    ("typo at the top", seed("inputs:", "input:"), 12, "input",
     f"unknown key 'input' (did you mean 'inputs'?); expected one of {ALLOWED_TOP}"),
    ("typo in evaluation", seed("  carry:", "  cary:"), 16, "evaluation.cary",
     "unknown key 'cary' (did you mean 'carry'?); expected one of activation, rounding, carry"),
    ("typo in a gate", seed("forget: {W_h: 0,", "forget: {Wh: 0,"), 7, "model.gates.forget.Wh",
     "unknown key 'Wh' (did you mean 'W_h'?); expected one of W_h, W_x, b"),
    ("typo in a gate name", seed("    output:", "    outptu:"), 9, "model.gates.outptu",
     "unknown key 'outptu' (did you mean 'output'?); expected one of forget, input, output, cell"),
    ("typo in the random inputs",
     seed("inputs: [1, 1, 0, 1, 1]", "inputs: {random: {alphabet: [0, 1], lenght: 5}}"), 12,
     "inputs.random.lenght",
     "unknown key 'lenght' (did you mean 'length'?); expected one of alphabet, length"),
    ("typo in the kind of inputs",
     seed("inputs: [1, 1, 0, 1, 1]", "inputs: {randum: {alphabet: [0, 1], length: 5}}"), 12,
     "inputs.randum",
     "unknown key 'randum' (did you mean 'random'?); expected one of random, choose_from"),
    ("inputs as a mapping of another kind", seed("inputs: [1, 1, 0, 1, 1]", "inputs: {a: 1}"), 12,
     "inputs",
     "expected a list of inputs, or a mapping with `random:` or `choose_from:`; got keys a"),
    ("answer short form is fine, but not a bare word",
     seed("answer:\n  kind: sequence\n  of: h\n", "answer: sum\n"), 17, "answer",
     "expected one of 'sequence', 'outputs', 'gradient', 'choice'; got 'sum'"),
    ("nothing where text belongs", seed("title: States", "title:"), 2, "title",
     "expected text; got nothing"),
    ("typo in a sequence answer", seed("  of: h", "  off: h"), 19, "answer.off",
     "unknown key 'off' (did you mean 'of'?); expected one of kind, of, compare"),
    ("typo in a saturating activation", seed("kind: saturating, at: 1", "kind: saturating, att: 1"), 14,
     "evaluation.activation.att", "unknown key 'att' (did you mean 'at'?); expected one of kind, at"),
    ("a choice key in a sequence answer", seed("  of: h", "  of: h\n  choices: []"), 20, "answer.choices",
     "unknown key 'choices'; expected one of kind, of, compare"),
    ("a due date without offset", SEED_SPEC + "due: 2023-03-29T08:59:00\n", 20, "due",
     "expected a date and time with a UTC offset, like 2023-03-29T08:59:00-03:00; got 2023-03-29T08:59:00"),
    ("unknown key, no close match", SEED_SPEC + "colour: red\n", 20, "colour",
     f"unknown key 'colour'; expected one of {ALLOWED_TOP}"),
    ("a boolean-looking key stays as written", SEED_SPEC + "yes: 1\n", 20, "yes",
     f"unknown key 'yes'; expected one of {ALLOWED_TOP}"),
    # --- duplicate keys
    ("duplicate top-level key", SEED_SPEC + "inputs: [1]\n", 20, None,
     "duplicate key 'inputs' (first defined on line 12)"),
    ("duplicate nested key", seed("  of: h", "  of: h\n  of: c"), 20, None,
     "duplicate key 'of' (first defined on line 19)"),
    ("duplicate key in a flow mapping", seed("forget: {W_h: 0,", "forget: {W_h: 0, W_h: 1,"), 7, None,
     "duplicate key 'W_h' (first defined on line 7)"),
    # --- wrong types
    ("text for a number", seed("b: -100", "b: minus"), 7, "model.gates.forget.b",
     "expected a number; got 'minus'"),
    ("quoted number", seed("at: 1", 'at: "1"'), 14, "evaluation.activation.at",
     "expected a number; got '1'"),
    ("boolean for a number", seed("b: -100", "b: true"), 7, "model.gates.forget.b",
     "expected a number; got true"),
    ("points as text", seed("title: States", "title: States\npoints: lots"), 3, "points",
     "expected a number; got 'lots'"),
    ("a date for text", seed("title: States", "title: 2020-01-01"), 2, "title",
     "expected text; got the date 2020-01-01 (quote it to make it text)"),
    ("an impossible date", seed("title: States", "title: 2020-02-31"), 2, None,
     "invalid value '2020-02-31': day is out of range for month"),
    ("gates as a list", seed("  gates:\n", "  gates: [1]\n  more:\n"), 6, "model.gates",
     "expected a mapping of fields; got a list"),
    ("rounding as a word", seed("{to: integer, ties: toward_zero}", "nearest"), 15, "evaluation.rounding",
     "expected a mapping of fields; got 'nearest'"),
    ("decimals not whole", seed("to: integer", "decimals: 1.5"), 15, "evaluation.rounding.decimals",
     "expected a whole number; got 1.5"),
    ("a number too large for a float", seed("b: -100", "b: 1" + "0" * 400), 7, "model.gates.forget.b",
     "expected a number; got one too large for a float (1000000000000000000000000000000000000000… "
     "(401 characters))"),
    ("an id with a space", seed("id: states", "id: two words"), 1, "id",
     "expected an id of letters, digits, '.', '_' and '-', starting with a letter or digit "
     "(at most 64 characters); got 'two words'"),
    ("a required field missing", seed("statement: Enter [h_0, ..., h_T].\n", ""), 1, "statement",
     "required field is missing"),
    ("a sequence problem without a model",
     "id: p\ntitle: P\nstatement: s\ninputs: [1]\nanswer: {kind: sequence}\n", 1, "model",
     "a sequence problem needs a `model`"),
    # --- a missing gate
    ("missing gate", seed("    output: {W_h: 0,    W_x: 100, b: 0}\n", ""), 6, "model.gates.output",
     "required field is missing"),
    ("missing gate parameter", seed("forget: {W_h: 0,    W_x: 0,   b: -100}", "forget: {W_h: 0, W_x: 0}"),
     7, "model.gates.forget.b", "required field is missing"),
    # --- unknown tie rule, activation, cell, carry
    ("unknown tie rule", seed("toward_zero", "sideways"), 15, "evaluation.rounding.ties",
     "expected one of 'toward_zero', 'away_from_zero', 'even', 'up', 'down'; got 'sideways'"),
    ("unknown activation", seed("kind: saturating, at: 1", "kind: relu"), 14, "evaluation.activation",
     "expected one of 'saturating', 'exact'; got 'relu'"),
    ("unknown activation, short form", seed("{kind: saturating, at: 1}", "relu"), 14,
     "evaluation.activation", "expected one of 'saturating', 'exact'; got 'relu'"),
    ("unknown cell", seed("cell: lstm", "cell: lstn"), 5, "model.cell",
     "unknown model kind 'lstn'; did you mean 'lstm'?"),
    # --- the rnn kind (lines refer to RNN_SPEC)
    ("rnn: unknown nonlinearity", rnn("nonlinearity: tanh", "nonlinearity: softplus"), 9,
     "model.nonlinearity",
     "expected one of 'tanh', 'relu', 'sigmoid', 'identity'; got 'softplus'"),
    ("rnn: W_h of the wrong shape", rnn("W_h: [[1, 0], [0, 1]]", "W_h: [[1, 0, 0], [0, 1, 0]]"), 6,
     "model.W_h", "expected a 2×2 matrix (n = 2, the length of b); got a 2×3 matrix"),
    ("rnn: W_x of the wrong width", rnn("W_x: [[1, 0, 1], [0, 1, 0]]", "W_x: [[1, 0], [0, 1]]"), 11,
     "inputs[0]", "x_0 has 3 value(s), but W_x takes inputs of size 2"),
    ("rnn: W_x of the wrong height", rnn("W_x: [[1, 0, 1], [0, 1, 0]]", "W_x: [[1, 0, 1]]"), 7,
     "model.W_x", "expected a 2×d matrix (d: input size); got a 1×3 matrix"),
    ("rnn: b of the wrong length", rnn("b: [0, 0]", "b: [0, 0, 0]"), 6,
     "model.W_h", "expected a 3×3 matrix (n = 3, the length of b); got a 2×2 matrix"),
    ("rnn: initial h of the wrong length", rnn("initial: {h: [0, 0]}", "initial: {h: [0, 0, 0]}"), 10,
     "model.initial.h", "expected a number or a list of 2 numbers; got 3"),
    ("rnn: a matrix in a scalar model", rnn("b: [0, 0]", "b: 0"), 6, "model.W_h",
     "this cell is scalar (b is a number), so every parameter must be a number"),
    ("rnn: a typo in a parameter", rnn("W_x:", "Wx:"), 7, "model.Wx",
     "unknown key 'Wx' (did you mean 'W_x'?); expected one of cell, W_h, W_x, b, nonlinearity, initial"),
    ("rnn: an answer of c", rnn("of: h", "of: c"), 12, "answer.of", "expected one of 'h'; got 'c'"),
    ("rnn: a typo in the cell", rnn("cell: rnn", "cell: rnm"), 5, "model.cell",
     "unknown model kind 'rnm'; did you mean 'rnn'?"),
    ("rnn: inputs of rank 3", rnn("inputs: [[1, 0, 0], [0, 1, 0]]", "inputs: [[[1, 0, 0]], [[0, 1, 0]]]"),
     11, "inputs[0][0]", "expected a number; got a list"),
    # --- the gru kind (lines refer to GRU_SPEC)
    ("gru: a gate missing",
     gru("    reset:     {W_h: [[1, 0], [0, 1]], W_x: [[1], [0]], b: [0, 0]}\n", ""), 6,
     "model.gates.reset", "required field is missing"),
    ("gru: a typo in a gate name", gru("    update:", "    udpate:"), 7, "model.gates.udpate",
     "unknown key 'udpate' (did you mean 'update'?); expected one of update, reset, candidate"),
    ("gru: a typo in the cell", gru("cell: gru", "cell: gur"), 5, "model.cell",
     "unknown model kind 'gur'; did you mean 'gru'?"),
    ("gru: vector inputs to a scalar cell",
     gru("initial: {h: 0}\ninputs: [1, 0]", "initial: {h: 0}\ninputs: [[1, 0], [0, 1]]"), 11, "inputs[0]",
     "x_0 has 2 value(s), but W_x takes inputs of size 1"),
    ("gru: W_h of the wrong shape", gru("reset:     {W_h: [[1, 0], [0, 1]]", "reset:     {W_h: [[1, 0]]"), 8,
     "model.gates.reset.W_h", "expected a 2×2 matrix (n = 2, the length of update.b); got a 1×2 matrix"),
    ("gru: b of the wrong length",
     gru("[[1], [0]], b: [0, 0]}\n  initial", "[[1], [0]], b: [0]}\n  initial"), 9, "model.gates.candidate.b",
     "expected a list of 2 numbers (the state size, as update.b); got a list of 1"),
    ("gru: W_x columns differ between gates",
     gru("candidate: {W_h: [[1, 0], [0, 1]], W_x: [[1], [0]]",
         "candidate: {W_h: [[1, 0], [0, 1]], W_x: [[1, 0], [0, 1]]"),
     9, "model.gates.candidate.W_x", "expected 1 columns like update.W_x; got 2"),
    ("gru: a matrix in a scalar cell",
     gru("update:    {W_h: [[1, 0], [0, 1]], W_x: [[1], [0]], b: [0, 0]}",
         "update:    {W_h: 1, W_x: 1, b: 0}"),
     8, "model.gates.reset.W_h",
     "this cell is scalar (update.b is a number), so every parameter must be a number"),
    # --- the feedforward kind (lines refer to NETWORK_SPEC)
    ("network: W does not fit the layer before",
     network("{W: [[1, 1], [1, -1]]", "{W: [[1, 1, 0], [1, -1, 0]]"), 8, "model.layers[1].W",
     "expected 2 columns, one per output of the layer before (it has 2 units); got 3"),
    ("network: b does not fit W", network("b: [0, 0], activation: relu", "b: [0, 0, 0], activation: relu"), 7,
     "model.layers[0].b", "expected a number or a list of 2 (one per row of W); got 3"),
    ("network: softmax beta zero", network("beta: 2", "beta: 0"), 8, "model.layers[1].activation.beta",
     "expected a positive number (the inverse temperature); got 0"),
    ("network: softmax beta negative", network("beta: 2", "beta: -1"), 8, "model.layers[1].activation.beta",
     "expected a positive number (the inverse temperature); got -1"),
    ("network: softmax beta not a number", network("beta: 2", "beta: x"), 8,
     "model.layers[1].activation.beta",
     "expected a number; got 'x'"),
    ("network: softmax beta infinite", network("beta: 2", "beta: .inf"), 8, "model.layers[1].activation.beta",
     "expected a finite number; got inf"),
    ("network: an unknown activation", network("activation: relu}", "activation: softplus}"), 7,
     "model.layers[0].activation",
     "expected one of 'identity', 'relu', 'sigmoid', 'tanh', 'softmax'; got 'softplus'"),
    ("network: cross-entropy target out of range", network("target: 1}", "target: 2}"), 9,
     "model.loss.target",
     "expected a class index from 0 to 1 (0-based; the output has 2 classes); got 2"),
    ("network: cross-entropy on a sigmoid output",
     network("activation: {kind: softmax, beta: 2}", "activation: sigmoid"), 9, "model.loss.kind",
     "cross_entropy needs a softmax output layer; the last layer's activation is sigmoid"),
    ("network: hinge on two outputs", network("kind: cross_entropy, target: 1", "kind: hinge, target: 1"), 9,
     "model.loss.kind", "hinge takes one output; the last layer has 2"),
    ("network: wrt a missing layer", network("wrt: layers.1.W", "wrt: layers.3.W"), 11, "answer.wrt",
     "expected a layer from 1 to 2 (layers.k.W or layers.k.b, k 1-based); got 'layers.3.W'"),
    ("network: outputs of a missing layer",
     network("{kind: gradient, wrt: layers.1.W}", "{kind: outputs, layer: 3}"), 11, "answer.layer",
     "expected a layer from 1 to 2; got 3"),
    ("network: a gradient without a loss", network("  loss: {kind: cross_entropy, target: 1}\n", ""), 10,
     "answer.kind", "a gradient needs a `loss` in the model"),
    ("network: no layers",
     network("  layers:\n    - {W: [[1, 0], [0, 1]], b: [0, 0], activation: relu}\n"
             "    - {W: [[1, 1], [1, -1]], b: [0, 0], activation: {kind: softmax, beta: 2}}\n",
             "  layers: []\n"),
     6, "model.layers", "expected at least one layer; got none"),
    ("network: a point of the wrong size", network("inputs: [[1, 0], [0, 1]]", "inputs: [[1, 0], [0, 1, 1]]"),
     10, "inputs[1]", "expected 2 numbers (the columns of the first layer's W); got 3"),
    ("network: one point, not a list of points", network("inputs: [[1, 0], [0, 1]]", "inputs: [1, 0]"), 10,
     "inputs[0]", "expected 2 numbers (the columns of the first layer's W); got 1"),
    ("network: a cross-entropy target below 0", network("target: 1}", "target: -1}"), 9,
     "model.loss.target",
     "expected a class index from 0 to 1 (0-based; the output has 2 classes); got -1"),
    ("network: wrt not a parameter path", network("wrt: layers.1.W", "wrt: layer.1.W"), 11, "answer.wrt",
     "expected layers.k.W or layers.k.b (k the layer's number, 1-based); got 'layer.1.W'"),
    ("network: wrt layer 0", network("wrt: layers.1.W", "wrt: layers.0.b"), 11, "answer.wrt",
     "expected a layer from 1 to 2 (layers.k.W or layers.k.b, k 1-based); got 'layers.0.b'"),
    ("network: points of rank 3", network("inputs: [[1, 0], [0, 1]]", "inputs: [[[1, 0]], [[0, 1]]]"),
     10, "inputs[0][0]", "expected a number; got a list"),
    ("network: a recurrent kind under network:", network("network: feedforward", "network: rnn"), 5,
     "model.network", "'rnn' is a model kind given by `cell:`, not `network:`"),
    ("network: random inputs for points of 2",
     network("inputs: [[1, 0], [0, 1]]", "inputs: {random: {alphabet: [0, 1], length: 2}}"), 10,
     "inputs.random", "random inputs are numbers, but this network reads points of 2; "
     "give each student one of several lists of points with `choose_from:`"),
    ("network: a typo in the kind", network("network: feedforward", "network: feedfoward"), 5,
     "model.network",
     "unknown model kind 'feedfoward'; did you mean 'feedforward'?"),
    # --- the convolution kind (lines refer to CONV_1D_SPEC and CONV_2D_SPEC)
    ("conv: a kernel larger than the padded input", conv1("inputs: [1, 2, 3, 4, 5]", "inputs: [1, 2]"), 6,
     "model.kernel", "the kernel (3) is larger than the padded input (2 with padding 0)"),
    ("conv: a 2-D kernel larger than the image", conv2("[[1, 0], [0, -1]]", "[[1, 0], [0, -1], [1, 1]]"), 6,
     "model.kernel", "the kernel (3×2) is larger than the padded input (2×3 with padding 0)"),
    ("conv: a stride of 0", conv1("stride: 1", "stride: 0"), 8, "model.stride",
     "expected a stride of at least 1; got 0"),
    ("conv: a pool size of 0", conv1("size: 2", "size: 0"), 9, "model.pool.size",
     "expected a pool size of at least 1; got 0"),
    ("conv: a pool stride of 0", conv1("size: 2}", "size: 2, stride: 0}"), 9, "model.pool.stride",
     "expected a pool stride of at least 1; got 0"),
    ("conv: a pool larger than the map", conv1("size: 2", "size: 4"), 9, "model.pool.size",
     "the pool (4 wide) is larger than the feature map (3)"),
    ("conv: negative padding", conv1("padding: 0", "padding: -1"), 7, "model.padding",
     "expected 0 or more zeros on every side; got -1"),
    ("conv: an image for a vector kernel", conv1("inputs: [1, 2, 3, 4, 5]", "inputs: [[1, 2, 3], [4, 5, 6]]"),
     10, "inputs", "a vector kernel takes a signal (a list of numbers); got a list of rows"),
    ("conv: a signal for a matrix kernel",
     conv2("inputs:\n  - [1, 2, 3]\n  - [4, 5, 6]\n", "inputs: [1, 2, 3]\n"), 7, "inputs",
     "a matrix kernel takes an image (a list of rows); got a list of numbers"),
    ("conv: a kernel of three axes", conv2("[[1, 0], [0, -1]]", "[[[1]]]"), 6, "model.kernel[0][0]",
     "expected a number; got a list"),
    ("conv: random signals shorter than the kernel",
     edit(conv1("inputs: [1, 2, 3, 4, 5]", "inputs: {random: {alphabet: [0, 1], length: 2}}"),
          "feature map.", "feature map for {inputs}."), 6,
     "model.kernel", "the kernel (3) is larger than the padded input (2 with padding 0)"),
    ("conv: choices of two shapes",
     edit(conv1("inputs: [1, 2, 3, 4, 5]", "inputs: {choose_from: [[1, 2, 3, 4, 5], [1, 2, 3, 4, 5, 6]]}"),
          "feature map.", "feature map for {inputs}."), 10,
     "inputs.choose_from", "every choice needs the same shape"),
    ("conv: a sequence answer", conv1("kind: outputs", "kind: sequence"), 11, "answer.kind",
     "a `network: convolution` model's answer is 'outputs'; got 'sequence'"),
    ("rnn: an outputs answer", rnn("kind: sequence", "kind: outputs"), 12, "answer.kind",
     "a `cell: rnn` model's answer is 'sequence'; got 'outputs'"),
    ("conv: a typo in the network", conv1("network: convolution", "network: convolutoin"), 5, "model.network",
     "unknown model kind 'convolutoin'; did you mean 'convolution'?"),
    ("cell missing", seed("  cell: lstm\n", ""), 4, "model.cell",
     "required field is missing: name the model's kind, `cell:` (gru, lstm, rnn) "
     "or `network:` (convolution, feedforward)"),
    ("network: a kind named twice", network("network: feedforward", "network: feedforward\n  cell: rnn"), 6,
     "model.cell", "a model names its kind once; got `network: feedforward` and `cell: rnn`"),
    ("unknown carry", seed("carry: rounded", "carry: sometimes"), 16, "evaluation.carry",
     "expected one of 'rounded', 'exact'; got 'sometimes'"),
    ("unknown answer kind", seed("kind: sequence", "kind: sequense"), 17, "answer",
     "expected one of 'sequence', 'outputs', 'gradient', 'choice'; got 'sequense'"),
    ("answer without kind", seed("  kind: sequence\n", ""), 17, "answer", "missing the `kind` key"),
    ("both rounding targets", seed("to: integer", "to: integer, decimals: 2"), 15, "evaluation.rounding",
     "give exactly one of `to: integer` or `decimals: k`"),
    # --- non-positive saturation threshold
    ("threshold zero", seed("at: 1", "at: 0"), 14, "evaluation.activation.at",
     "expected a number greater than 0; got 0"),
    ("threshold negative", seed("at: 1", "at: -2.5"), 14, "evaluation.activation.at",
     "expected a number greater than 0; got -2.5"),
    # --- empty inputs
    ("empty inputs", seed("[1, 1, 0, 1, 1]", "[]"), 12, "inputs", "expected at least 1 item(s); got none"),
    # --- NaN or infinite numbers
    ("NaN parameter", seed("b: -100", "b: .nan"), 7, "model.gates.forget.b",
     "expected a finite number; got nan"),
    ("infinite input", seed("[1, 1, 0, 1, 1]", "[1, .inf]"), 12, "inputs[1]",
     "expected a finite number; got inf"),
    ("negative infinite threshold", seed("at: 1", "at: -.inf"), 14, "evaluation.activation.at",
     "expected a finite number; got -inf"),
    ("NaN initial state", seed("initial: {h: 0, c: 0}", "initial: {h: .NaN, c: 0}"), 11, "model.initial.h",
     "expected a finite number; got nan"),
    ("values that overflow float64",
     vector("forget: {W_h: [[1, 0], [0, 1]], W_x: [[1, 0, 1], [0, 1, 0]]",
            "forget: {W_h: [[1, 0], [0, 1]], W_x: [[1e308, 0, 1e308], [0, 1, 0]]")
     .replace("inputs: [[1, 0, 0], [0, 1, 0]]", "inputs: [[2, 0, -2], [0, 1, 0]]"),
     4, "model", "h_0 or c_0 is not a finite number (float64 overflows); use smaller parameters or inputs"),
    ("a number in exponent form without a dot is a number", seed("b: -100", "b: -1e2") + "expected: [0]\n",
     20, "expected", "the engine computes [1, -1, 0, 1, -1], but `expected` says [0] "
     "(the key has 5 values, `expected` 1)"),
    # --- vector shapes that do not fit
    ("W_h not n×n", vector("input:  {W_h: [[1, 0], [0, 1]]", "input:  {W_h: [[1, 0, 0], [0, 1, 0]]"), 8,
     "model.gates.input.W_h", "expected a 2×2 matrix (n = 2, the length of forget.b); got a 2×3 matrix"),
    ("ragged W_h", vector("input:  {W_h: [[1, 0], [0, 1]]", "input:  {W_h: [[1, 0], [0]]"), 8,
     "model.gates.input.W_h[1]", "every row needs 2 numbers like the first; got 1"),
    ("W_x columns differ between gates",
     vector("cell:   {W_h: [[1, 0], [0, 1]], W_x: [[1, 0, 1], [0, 1, 0]]",
            "cell:   {W_h: [[1, 0], [0, 1]], W_x: [[1, 0], [0, 1]]"),
     10, "model.gates.cell.W_x", "expected 3 columns like forget.W_x; got 2"),
    ("b of the wrong length",
     vector("output: {W_h: [[1, 0], [0, 1]], W_x: [[1, 0, 1], [0, 1, 0]], b: [0, 0]}",
            "output: {W_h: [[1, 0], [0, 1]], W_x: [[1, 0, 1], [0, 1, 0]], b: [0, 0, 0]}"),
     9, "model.gates.output.b",
     "expected a list of 2 numbers (the state size, as forget.b); got a list of 3"),
    ("a scalar gate in a vector cell",
     vector("output: {W_h: [[1, 0], [0, 1]], W_x: [[1, 0, 1], [0, 1, 0]], b: [0, 0]}",
            "output: {W_h: 1, W_x: 1, b: 0}"),
     9, "model.gates.output.b", "expected a list of 2 numbers (the state size, as forget.b); got a number"),
    ("initial state of the wrong length", vector("c: [0, 0]", "c: [0, 0, 0]"), 11, "model.initial.c",
     "expected a number or a list of 2 numbers; got 3"),
    ("an input of the wrong size", vector("[0, 1, 0]]\nanswer", "[0, 1]]\nanswer"), 12, "inputs[1]",
     "x_1 has 2 value(s), but W_x takes inputs of size 3"),
    ("scalar inputs to a vector cell", vector("inputs: [[1, 0, 0], [0, 1, 0]]", "inputs: [1, 0]"), 12,
     "inputs[0]", "x_0 has 1 value(s), but W_x takes inputs of size 3"),
    ("random inputs for a cell of vector inputs",
     vector("inputs: [[1, 0, 0], [0, 1, 0]]", "inputs: {random: {alphabet: [0, 1], length: 2}}"), 12,
     "inputs.random", "random inputs are numbers, but this cell takes 3-vectors; "
     "give each student one of several input sequences with `choose_from:`"),
    ("a matrix in a scalar cell", seed("output: {W_h: 0,", "output: {W_h: [[0]],"), 9,
     "model.gates.output.W_h",
     "this cell is scalar (forget.b is a number), so every parameter must be a number"),
    ("a vector input to a scalar cell", seed("[1, 1, 0, 1, 1]", "[1, [1, 2]]"), 12, "inputs[1]",
     "x_1 has 2 value(s), but W_x takes inputs of size 1"),
    ("an empty matrix row", vector("input:  {W_h: [[1, 0], [0, 1]]", "input:  {W_h: [[], []]"), 8,
     "model.gates.input.W_h[0]", "expected at least 1 item(s); got none"),
    # --- choice problems
    ("no correct choice", edit(CHOICE_SPEC, "B, correct: true}", "B}"), 7, "answer.choices",
     "no choice is marked `correct: true`"),
    ("unknown choice id in expected", CHOICE_SPEC + "expected: [z]\n", 10, "expected",
     "not a well-formed answer: unknown choice 'z'; the choices are a, b"),
    ("expected choice disagrees", CHOICE_SPEC + "expected: [a]\n", 10, "expected",
     "the choices marked correct are [b], but `expected` says [a]"),
    ("duplicate choice id", edit(CHOICE_SPEC, "{id: a,", "{id: B,"), 9, "answer.choices[1].id",
     "duplicate choice id 'b' (ids are compared ignoring case)"),
    ("two correct radio buttons",
     edit(
         edit(CHOICE_SPEC, "multiple: true", "multiple: false"),
         "{id: a, text: A}",
         "{id: a, text: A, correct: true}",
     ),
     7, "answer.choices", "`multiple: false` allows one correct choice; a, b are marked correct"),
    ("correct as text", edit(CHOICE_SPEC, "B, correct: true}", 'B, correct: "yes"}'), 9,
     "answer.choices[1].correct", "expected true or false; got 'yes'"),
    # only true and false are booleans (YAML 1.2): YAML 1.1's yes/no/on/off are text here too
    ("yes as a flag", edit(CHOICE_SPEC, "multiple: true", "multiple: yes"), 6, "answer.multiple",
     "expected true or false; got 'yes'"),
    ("off as a flag", edit(CHOICE_SPEC, "B, correct: true}", "B, correct: off}"), 9,
     "answer.choices[1].correct", "expected true or false; got 'off'"),
    ("a bad choice id", edit(CHOICE_SPEC, "{id: a,", '{id: "a b",'), 8, "answer.choices[0].id",
     "expected an id of letters, digits, '.', '_' and '-', starting with a letter or digit "
     "(at most 64 characters); got 'a b'"),
    ("one choice only", edit(CHOICE_SPEC, "    - {id: a, text: A}\n", ""), 7, "answer.choices",
     "expected at least 2 item(s); got 1"),
    # --- empty file, top-level list or scalar
    ("empty file", "", 1, None, "the file is empty"),
    ("only comments", "# a spec, one day\n", 1, None, "the file is empty"),
    ("top-level list", "- id: a\n- id: b\n", 1, None,
     "expected a mapping of fields at the top level; got a list"),
    ("top-level scalar", "hello\n", 1, None, "expected a mapping of fields at the top level; got 'hello'"),
    # --- tags outside plain YAML
    ("python object tag", SEED_SPEC + "x: !!python/object/apply:os.system ['true']\n", 20, None,
     "tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed (plain YAML values only)"),
    ("python name tag", SEED_SPEC + "x: !!python/name:os.system\n", 20, None,
     "tag 'tag:yaml.org,2002:python/name:os.system' is not allowed (plain YAML values only)"),
    ("binary tag", SEED_SPEC + "x: !!binary aGVsbG8=\n", 20, None,
     "tag 'tag:yaml.org,2002:binary' is not allowed (plain YAML values only)"),
    ("local tag", SEED_SPEC + "x: !include other.yaml\n", 20, None,
     "tag '!include' is not allowed (plain YAML values only)"),
    ("merge key", "base: &base {id: p}\n<<: *base\n", 2, None, "merge keys ('<<') are not supported"),
    ("complex key", SEED_SPEC + "? [a, b]\n: 1\n", 20, None, "mapping keys must be plain values"),
    # --- aliases that expand without bound or refer to themselves
    ("alias cycle", "a: &a [*a]\n", 1, None, "an alias refers to a value that contains it (a cycle)"),
    ("deep nesting", "a: " + "[" * 200 + "]" * 200 + "\n", 1, None,
     "nested too deeply (more than 64 levels)"),
    # --- expected: that disagrees with the engine, both values shown
    ("expected disagrees", SEED_SPEC + "expected: [1, -1, 0, 0, 1]\n", 20, "expected",
     "the engine computes [1, -1, 0, 1, -1], but `expected` says [1, -1, 0, 0, 1] (differ at h_3, h_4)"),
    ("expected of another length", SEED_SPEC + "expected: [1, -1, 0]\n", 20, "expected",
     "the engine computes [1, -1, 0, 1, -1], but `expected` says [1, -1, 0] "
     "(the key has 5 values, `expected` 3)"),
    ("expected of c disagrees", seed("  of: h", "  of: c") + "expected: [1, -1, 1, 1, 1]\n", 20, "expected",
     "the engine computes [1, -1, 1, 1, -1], but `expected` says [1, -1, 1, 1, 1] (differ at c_4)"),
    ("expected not an answer", SEED_SPEC + "expected: [1, banana]\n", 20, "expected",
     "not a well-formed answer: 'banana' is not a number"),
    ("expected as text", SEED_SPEC + "expected: '[1, -1, 0, 1, -1]'\n", 20, "expected",
     "expected a list; got '[1, -1, 0, 1, -1]'"),
    # --- audit: accepted warnings name a known id, once each, with a reason
    ("accepting an unknown warning id",
     SEED_SPEC + "audit:\n  accept:\n    - {id: semantics:ties_upp, reason: stated}\n", 22,
     "audit.accept[0].id",
     "unknown warning id 'semantics:ties_upp' (did you mean 'semantics:ties_up'?); "
     f"expected one of {WARNING_IDS}"),
    ("accepting a mistake name, not a warning id",
     SEED_SPEC + "audit:\n  accept:\n    - {id: carry_exact, reason: stated}\n", 22,
     "audit.accept[0].id",
     "unknown warning id 'carry_exact' (did you mean 'semantics:carry_exact'?); "
     f"expected one of {WARNING_IDS}"),
    ("accepting without a reason", SEED_SPEC + "audit:\n  accept:\n    - id: boundary\n", 22,
     "audit.accept[0].reason", "required field is missing"),
    ("accepting with a blank reason", SEED_SPEC + "audit:\n  accept:\n    - {id: boundary, reason: '  '}\n",
     22, "audit.accept[0].reason", "say why the warning is accepted; got blank text"),
    ("accepting a bare id", SEED_SPEC + "audit:\n  accept: [boundary]\n", 21, "audit.accept[0]",
     "expected a mapping of fields; got 'boundary'"),
    ("accepting the same warning twice",
     SEED_SPEC + "audit:\n  accept:\n    - {id: boundary, reason: a}\n    - {id: boundary, reason: b}\n",
     23, "audit.accept[1].id", "'boundary' is accepted twice"),
    ("typo in audit", SEED_SPEC + "audit: {acept: []}\n", 20, "audit.acept",
     "unknown key 'acept' (did you mean 'accept'?); expected one of accept"),
    ("typo in an accepted warning",
     SEED_SPEC + "audit:\n  accept:\n    - {id: boundary, reason: a, reasons: b}\n", 22,
     "audit.accept[0].reasons", "unknown key 'reasons' (did you mean 'reason'?); expected one of id, reason"),
    ("an unknown reveal level", SEED_SPEC + "reveal: {show: counts}\n", 20, "reveal.show",
     "expected one of 'verdict', 'count', 'positions', 'diagnosis', 'solution'; got 'counts'"),
]


@pytest.mark.parametrize(
    ("text", "line", "field", "message"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_bad_spec_is_one_located_line_and_exit_2(grade, write_spec, text, line, field, message):
    path = write_spec(text)
    run = grade("check", path)
    where = f"{path}:{line}" + (f": {field}" if field else "")
    assert run.code == EXIT_USAGE
    assert f"grade: error: {where}: {message}" in run.err.splitlines()
    assert "Traceback" not in run.err + run.out


#: The bad inputs of the model kinds (issue 14's list, and their neighbours): refused alike by every
#: front that loads problems, not only by `grade check`.
KIND_CASES = [case for case in CASES if case[0].split(":")[0] in ("network", "conv", "rnn", "gru")]
KIND_CASES += [case for case in CASES if case[0] == "unknown cell"]


@pytest.mark.parametrize("front", ["check DIR", "key", "SUBMISSIONS --problems DIR"])
@pytest.mark.parametrize(
    ("text", "line", "field", "message"),
    [case[1:] for case in KIND_CASES],
    ids=[case[0] for case in KIND_CASES],
)
def test_a_bad_model_stops_every_front(grade, write_spec, tmp_path, front, text, line, field, message):
    path = write_spec(text, "problems/spec.yaml")
    problems = tmp_path / "problems"
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    (submissions / "alice.yaml").write_text("student: alice\nanswers: {spec: [1, 0]}\n")
    argv = {
        "check DIR": ["check", problems],
        "key": ["key", path],
        "SUBMISSIONS --problems DIR": [submissions, "--problems", problems],
    }[front]
    run = grade(*argv)
    where = f"{path}:{line}" + (f": {field}" if field else "")
    assert run.code == EXIT_USAGE
    assert run.err.splitlines() == [f"grade: error: {where}: {message}"]
    assert run.out == ""


def test_a_file_that_is_not_utf8(grade, tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: caf\xe9\n".encode("latin-1"))
    run = grade("check", path)
    assert run.code == EXIT_USAGE
    assert run.err.splitlines() == [f"grade: error: {path}: not UTF-8 text (byte 10)"]


def test_python_tags_are_never_executed(grade, write_spec, tmp_path):
    marker = tmp_path / "executed"
    spec = SEED_SPEC + f"x: !!python/object/apply:os.system ['touch {marker}']\n"
    other = f"!!python/object/apply:subprocess.call [['touch', '{marker}']]\n"
    for text in (spec, other, f"!!python/object/new:pathlib.Path.touch ['{marker}']\n"):
        run = grade("check", write_spec(text))
        assert run.code == EXIT_USAGE
        assert "is not allowed (plain YAML values only)" in run.err
    assert not marker.exists()


def test_an_alias_bomb_fails_fast(grade, write_spec):
    # nine levels of ten aliases: 10^9 strings if expanded naively; refused after 100 000 values
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 9):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 10) + "]")
    path = write_spec("\n".join(lines) + "\n")
    run = grade("check", path)
    assert run.code == EXIT_USAGE
    assert run.err.splitlines() == [
        f"grade: error: {path}:1: document too large: more than 100000 values after expanding aliases"
    ]


def test_two_problems_with_the_same_id(grade, write_spec, tmp_path):
    write_spec(SEED_SPEC, "course/a.yaml")
    second = write_spec("# the same problem again\n" + SEED_SPEC, "course/b.yaml")
    run = grade("check", tmp_path / "course")
    assert run.code == EXIT_USAGE
    assert run.err.splitlines() == [
        f"grade: error: {second}:2: id: duplicate problem id 'states', "
        f"already defined in {tmp_path / 'course' / 'a.yaml'}"
    ]


def test_the_same_id_across_two_paths(grade, write_spec):
    first = write_spec(SEED_SPEC, "one.yaml")
    second = write_spec(SEED_SPEC, "two.yaml")
    run = grade("check", first, second)
    assert run.code == EXIT_USAGE
    assert f"{second}:1: id: duplicate problem id 'states'" in run.err


def test_course_settings_have_their_own_keys(grade, write_spec, tmp_path):
    write_spec(SEED_SPEC, "course/states.yaml")
    course = write_spec("title: Unit 3\nordr: [states]\n", "course/course.yaml")
    run = grade("check", tmp_path / "course")
    assert run.code == EXIT_USAGE
    assert run.err.splitlines() == [
        f"grade: error: {course}:2: ordr: unknown key 'ordr' (did you mean 'order'?); "
        "expected one of title, order, salt"
    ]


def test_the_first_bad_file_stops_the_check(grade, write_spec, tmp_path):
    write_spec(SEED_SPEC, "course/a.yaml")
    bad = write_spec(seed("toward_zero", "sideways"), "course/b.yaml")
    run = grade("check", tmp_path / "course")
    assert run.code == EXIT_USAGE
    assert f"grade: error: {bad}:15: evaluation.rounding.ties:" in run.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check", "no/such/dir"], "grade: error: no/such/dir: no such file or directory"),
        (["key", "no/such/file.yaml"], "grade: error: no/such/file.yaml: no such file or directory"),
    ],
)
def test_missing_paths(grade, argv, message):
    run = grade(*argv)
    assert run.code == EXIT_USAGE
    assert run.err.splitlines() == [message]


def test_a_directory_without_specs(grade, tmp_path):
    (tmp_path / "notes.txt").write_text("nothing here")
    run = grade("check", tmp_path)
    assert run.code == EXIT_USAGE
    assert run.err.splitlines() == [
        f"grade: error: {tmp_path}: no problem specs found (expected *.yaml files)"
    ]


def test_bad_specs_also_stop_grading(grade, write_spec, tmp_path):
    bad = write_spec(seed("at: 1", "at: 0"), "problems/states.yaml")
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    (submissions / "alice.yaml").write_text("student: alice\nanswers: {states: [1, -1, 0, 1, -1]}\n")
    run = grade(submissions, "--problems", tmp_path / "problems")
    assert run.code == EXIT_USAGE
    assert run.err.splitlines() == [
        f"grade: error: {bad}:14: evaluation.activation.at: expected a number greater than 0; got 0"
    ]
    assert run.out == ""


def test_paths_are_reported_as_given(grade, write_spec, monkeypatch, tmp_path):
    write_spec(seed("at: 1", "at: 0"), "relative.yaml")
    monkeypatch.chdir(tmp_path)
    run = grade("check", Path("relative.yaml"))
    assert run.err.startswith("grade: error: relative.yaml:14: ")


def test_of_several_errors_the_first_field_is_reported(grade, write_spec):
    # two mistakes: `title` (line 2) comes before `initial.h` (line 11), though the latter is deeper
    path = write_spec(seed("title: States", "title: [States]").replace("{h: 0, c: 0}", "{h: x, c: 0}"))
    run = grade("check", path)
    assert run.err.splitlines() == [f"grade: error: {path}:2: title: expected text; got a list"]


@pytest.mark.parametrize(
    ("course", "message"),
    [
        ('salt: "two words"\n', "salt: expected one word, without spaces; got 'two words'"),
        ('salt: ""\n', "salt: expected non-empty text; got ''"),
        ("order: states\n", "order: expected a list; got 'states'"),
    ],
)
def test_bad_course_settings(grade, write_spec, tmp_path, course, message):
    write_spec(SEED_SPEC, "course/states.yaml")
    path = write_spec(course, "course/course.yaml")
    run = grade("check", tmp_path / "course")
    assert run.code == EXIT_USAGE
    assert run.err.splitlines() == [f"grade: error: {path}:1: {message}"]


def test_course_order_names_an_unknown_problem(grade, write_spec, tmp_path):
    write_spec(SEED_SPEC, "course/states.yaml")
    course = write_spec("order: [states, stats]\n", "course/course.yaml")
    run = grade("check", tmp_path / "course")
    assert run.code == EXIT_USAGE
    assert run.err.splitlines() == [
        f"grade: error: {course}:1: order[1]: unknown problem id 'stats'; known: states"
    ]
