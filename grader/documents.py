"""Safe YAML/JSON reading that remembers the line of every key, for error messages.

PyYAML's safe loader already refuses to build arbitrary Python objects, but it silently keeps the
last of two duplicate keys and expands aliases without bound once the document is walked. So the
document is composed into a node tree (C parser when available), then converted here: duplicate
keys, tags outside the YAML core schema and documents that alias-expand past a budget are
rejected, and the line of every mapping key and sequence item is recorded by its path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from grader.errors import GraderError

try:  # the C parser is several times faster; fall back to pure Python where libyaml is absent
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

__all__ = ["Document", "DocumentError", "FieldPath", "load_text", "load_file", "MAX_NODES"]

FieldPath = tuple[str | int, ...]

#: Node budget after alias expansion: far above any real spec, far below an alias bomb.
MAX_NODES = 100_000

_CORE_TAGS = {
    "tag:yaml.org,2002:" + name
    for name in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp")
}


class DocumentError(GraderError):
    """A document that is not well-formed YAML/JSON, with the line where known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.message = message
        self.line = line
        super().__init__(message)


@dataclass(frozen=True)
class Document:
    """A loaded document: its data, and the 1-based line of every key or item by path."""

    data: Any
    lines: dict[FieldPath, int] = field(default_factory=dict)

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """The line of the deepest prefix of `path` that the document has."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None


class _Converter:
    def __init__(self, construct_scalar: Callable[[yaml.ScalarNode], Any]) -> None:
        self.construct_scalar = construct_scalar
        self.lines: dict[FieldPath, int] = {}
        self.nodes = 0

    def convert(self, node: yaml.Node, path: FieldPath) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise DocumentError(
                f"document too large: more than {MAX_NODES} values after expanding aliases",
                node.start_mark.line + 1,
            )
        line = node.start_mark.line + 1
        self.lines.setdefault(path, line)
        if node.tag not in _CORE_TAGS:
            raise DocumentError(f"tag {node.tag!r} is not allowed (plain YAML values only)", line)
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise DocumentError("mapping keys must be plain values", key_node.start_mark.line + 1)
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise DocumentError("merge keys ('<<') are not supported", key_node.start_mark.line + 1)
                key = self.convert(key_node, path)
                if not isinstance(key, (str, int)):
                    key = str(key)
                key_line = key_node.start_mark.line + 1
                if key in result:
                    first = self.lines.get((*path, key))
                    raise DocumentError(
                        f"duplicate key {key!r} (first defined on line {first})", key_line
                    )
                self.lines[(*path, key)] = key_line
                result[key] = self.convert(value_node, (*path, key))
                self.lines[(*path, key)] = key_line
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*path, index)) for index, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        return self.construct_scalar(node)


def load_text(text: str) -> Document:
    """Parse one YAML (or JSON) document from text; raise DocumentError when it is not one."""
    loader = _SafeLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line = None if mark is None else mark.line + 1
            problem = error.problem or error.context or "invalid YAML"
            raise DocumentError(f"invalid YAML: {problem}", line) from None
        except yaml.YAMLError as error:
            raise DocumentError(f"invalid YAML: {error}") from None
        if node is None:
            raise DocumentError("the file is empty", 1)
        converter = _Converter(loader.construct_object)
        try:
            data = converter.convert(node, ())
        except yaml.MarkedYAMLError as error:  # a scalar the core schema cannot build
            mark = error.problem_mark or error.context_mark
            raise DocumentError(
                f"invalid value: {error.problem}", None if mark is None else mark.line + 1
            ) from None
        except ValueError as error:  # e.g. a timestamp with an impossible date
            raise DocumentError(f"invalid value: {error}") from None
        return Document(data, converter.lines)
    finally:
        loader.dispose()


def load_file(path: Path) -> Document:
    """Read and parse a file; unreadable or undecodable files raise DocumentError."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise DocumentError(f"cannot read file: {error.strerror or error}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DocumentError(f"not UTF-8 text (byte {error.start})") from None
    return load_text(text)
