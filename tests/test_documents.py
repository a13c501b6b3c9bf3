"""The safe YAML reader: values as an author means them, the line of every key, and its refusals."""

from __future__ import annotations

import pytest

from grader.documents import MAX_DEPTH, DocumentError, load_file, load_text


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
