"""The safe YAML reader: values as an author means them, the line of every key, and its refusals."""

from __future__ import annotations

import pytest

from grader.documents import MAX_DEPTH, DocumentError, load_file, load_json, load_text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1e-6", 1e-6),  # YAML 1.1 would read these four as strings
        ("-2E3", -2000.0),
        ("1.0e308", 1e308),
        (".5e3", 500.0),
        ("1.0e-6", 1e-6),
        ("1.5", 1.5),
        ("12", 12),
        ("-0", 0),
        ("1_000", 1000),
        (".inf", float("inf")),
        ("1e", "1e"),
        ('"1e3"', "1e3"),
        ("e5", "e5"),
        ("true", True),
        ("False", False),
        ("TRUE", True),
        # YAML 1.1's other booleans are text, as in YAML 1.2
        ("yes", "yes"),
        ("No", "No"),
        ("ON", "ON"),
        ("off", "off"),
        ("y", "y"),
        ("n", "n"),
        ("~", None),
        ("toward_zero", "toward_zero"),
    ],
)
def test_scalars(text, value):
    assert load_text(f"a: {text}\n").data == {"a": value}


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("yes: 1\n", ["yes"]),  # a key is the text written, never True
        ("1: a\n", ["1"]),
        ("~: a\n", ["~"]),
        ("'x': 1\n\"y\": 2\n", ["x", "y"]),
    ],
)
def test_keys_are_the_text_written(text, keys):
    assert list(load_text(text).data) == keys


def test_the_text_written_of_every_value_that_is_not_text():
    document = load_text("a: 00123\nb: [yes, 1e3, true, ~, '7']\nc: 2023-03-20\nd: 1:30\n")
    # YAML 1.1 reads 00123 as octal (83) and 1:30 as sexagesimal (90)
    assert document.data["a"] == 83 and document.data["d"] == 90
    assert document.written == {
        ("a",): "00123", ("b", 1): "1e3", ("b", 2): "true", ("c",): "2023-03-20", ("d",): "1:30"
    }


def test_the_line_of_every_key_and_item():
    document = load_text("a: 1\nb:\n  c: [x,\n      y]\n  d:\n    - 1\n    - 2\n")
    assert document.lines[("a",)] == 1
    assert document.lines[("b", "c")] == 3
    assert document.lines[("b", "c", 1)] == 4
    assert document.lines[("b", "d", 1)] == 7
    assert document.line_of(("b", "d", 1, "no-such")) == 7  # the deepest known prefix
    assert document.line_of(("zzz",)) == 1  # the document itself


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("a: 1\na: 2\n", 2, "duplicate key 'a' (first defined on line 1)"),
        ("a: {b: 1, b: 2}\n", 1, "duplicate key 'b' (first defined on line 1)"),
        ("1: x\n'1': y\n", 2, "duplicate key '1' (first defined on line 1)"),
        ("a: !!python/object:os.system {}\n", 1,
         "tag 'tag:yaml.org,2002:python/object:os.system' is not allowed (plain YAML values only)"),
        ("a: !!str 1\nb: !!set {x}\n", 2,
         "tag 'tag:yaml.org,2002:set' is not allowed (plain YAML values only)"),
        ("a: &x [*x]\n", 1, "an alias refers to a value that contains it (a cycle)"),
        ("a: &x {b: *x}\n", 1, "an alias refers to a value that contains it (a cycle)"),
        ("a: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n", 1,
         f"nested too deeply (more than {MAX_DEPTH} levels)"),
        ("", 1, "the file is empty"),
        ("a: 2023-02-30\n", 1, "invalid value '2023-02-30': day is out of range for month"),
    ],
)
def test_refusals(text, line, message):
    with pytest.raises(DocumentError) as error:
        load_text(text)
    assert (error.value.line, error.value.message) == (line, message)


def test_nesting_up_to_the_limit_is_fine():
    depth = MAX_DEPTH - 1
    data = load_text("a: " + "[" * depth + "]" * depth + "\n").data
    for _ in range(depth):
        data = data["a"] if isinstance(data, dict) else data[0]
    assert data == []


def test_shared_aliases_are_fine_below_the_budget():
    data = load_text("a: &a [1, 2]\nb: [*a, *a, *a]\n").data
    assert data == {"a": [1, 2], "b": [[1, 2]] * 3}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"a: caf\xe9\n", "not UTF-8 text (byte 6)"),
        (b"\xef\xbb\xbfa: 1\n", None),  # a byte-order mark is fine
    ],
)
def test_files(tmp_path, content, message):
    path = tmp_path / "f.yaml"
    path.write_bytes(content)
    if message is None:
        assert load_file(path).data == {"a": 1}
    else:
        with pytest.raises(DocumentError) as error:
            load_file(path)
        assert error.value.message == message


def test_a_directory_is_not_readable(tmp_path):
    with pytest.raises(DocumentError, match=r"^cannot read file: "):
        load_file(tmp_path)


DEEP = 100_000  # enough to overflow libyaml's C composer (a crash) and the stdlib JSON parser
#: the path of the first value past the limit in `a: [[[…]]]`: `a`, then 64 first items
PAST_THE_LIMIT = ("a", *[0] * MAX_DEPTH)


def brackets(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("text", "line", "path"),
    [
        pytest.param("a: " + brackets(MAX_DEPTH + 1) + "\n", 1, PAST_THE_LIMIT, id="one level too deep"),
        pytest.param("a: " + brackets(DEEP) + "\n", 1, PAST_THE_LIMIT, id="flow sequences"),
        pytest.param("x: 1\na:\n  " + brackets(DEEP) + "\n", 3, PAST_THE_LIMIT, id="on line 3"),
        # `a:` then `- ` on lines 2, 3, …: the 65th dash (line 66) is where the limit is passed
        pytest.param("a:" + "".join(f"\n{'  ' * level}- " for level in range(100)) + "1\n", 66,
                     PAST_THE_LIMIT, id="block sequences"),
        pytest.param('{"a": ' + brackets(DEEP) + "}", 1, PAST_THE_LIMIT, id="JSON text"),
        pytest.param("a: " + "{b: " * DEEP + "1" + "}" * DEEP + "\n", 1, ("a", *["b"] * MAX_DEPTH),
                     id="flow mappings"),
    ],
)
def test_deep_nesting_is_refused_where_it_happens_without_crashing(text, line, path):
    with pytest.raises(DocumentError) as error:
        load_text(text)
    assert error.value.message == f"nested too deeply (more than {MAX_DEPTH} levels)"
    assert (error.value.line, error.value.path) == (line, path)


@pytest.mark.parametrize(
    ("text", "data"),
    [
        pytest.param('{"a": [1, {"b": null}], "c": true}', {"a": [1, {"b": None}], "c": True}, id="values"),
        pytest.param('{"no": "yes"}', {"no": "yes"}, id="text"),
    ],
)
def test_json(text, data):
    document = load_json(text)
    assert document.data == data
    assert document.lines == {}  # JSON keeps no line numbers


def test_json_nesting_up_to_the_limit_is_fine():
    # the innermost list is the 64th level below the top: at the limit, not past it
    nested = load_json('{"a": ' + brackets(MAX_DEPTH) + "}").data["a"]
    levels = 1
    while nested != []:
        nested, levels = nested[0], levels + 1
    assert levels == MAX_DEPTH


@pytest.mark.parametrize(
    ("text", "line", "path", "message"),
    [
        # 65 levels: the stdlib parser reads it; the limit is the same as for YAML
        pytest.param('{"a": ' + brackets(MAX_DEPTH + 1) + "}", 1, PAST_THE_LIMIT, None, id="65 levels"),
        # the stdlib parser would raise RecursionError
        pytest.param('{"a": ' + brackets(DEEP) + "}", 1, PAST_THE_LIMIT, None, id="deep"),
        pytest.param('{\n "b": 1,\n "a":\n  ' + brackets(DEEP) + "\n}", 4, PAST_THE_LIMIT, None, id="line 4"),
        # `a`, item 0, item 1 (an object), then its `c` in `c` in …: 3 + 62 = 65 steps
        pytest.param('{"a": [[1, ' + '{"c": ' * DEEP + "1" + "}" * DEEP + "]]}", 1,
                     ("a", 0, 1, *["c"] * (MAX_DEPTH - 2)), None, id="objects"),
        pytest.param('{"a": [1,, 2]}', 1, None, "invalid JSON: Expecting value", id="not JSON"),
        pytest.param('{"a": 1,\n"b": }', 2, None, "invalid JSON: Expecting value", id="not JSON on line 2"),
    ],
)
def test_json_refusals(text, line, path, message):
    with pytest.raises(DocumentError) as error:
        load_json(text)
    expected = message or f"nested too deeply (more than {MAX_DEPTH} levels)"
    assert (error.value.line, error.value.path, error.value.message) == (line, path, expected)
