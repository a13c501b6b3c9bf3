"""Safe YAML/JSON reading that remembers the line of every key, for error messages.

PyYAML's safe loader already refuses to build arbitrary Python objects, but it silently keeps the
last of two duplicate keys and expands aliases without bound once the document is walked. So the
document is composed into a node tree (C parser when available), then converted here: duplicate
keys, tags outside the YAML core schema, documents that alias-expand past a budget, nest too
deeply or contain themselves are rejected; keys are kept as written (`yes:` is 'yes', not True);
and the line of every mapping key and sequence item is recorded by its path, and the text of
every value that YAML typed as something other than text (`student: 00123`, an octal number to
YAML 1.1). As in YAML 1.2, numbers in exponent form (`1e-6`) are numbers, and only `true` and
`false` are booleans: YAML 1.1's `yes`, `no`, `on` and `off` are text, so a checkbox answer
`[yes]`, a student `no` or a choice `{id: on, text: On}` mean what was written.

Nesting is limited while the node tree is composed, not only afterwards: libyaml's composer
recurses in C once per level, and `[` repeated 100,000 times overflows the C stack (the process
dies; no exception to catch). So the tree is composed by PyYAML's Python composer over the C
parser's events, which stops at MAX_DEPTH with the line and path of the value.
"""

from __future__ import annotations

import json
import re
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

__all__ = [
    "MAX_DEPTH", "MAX_NODES", "Document", "DocumentError", "FieldPath", "first_too_deep", "load_file",
    "load_json", "load_text",
]

FieldPath = tuple[str | int, ...]


#: Node budget after alias expansion: far above any real spec, far below an alias bomb.
MAX_NODES = 100_000
#: Nesting budget: a spec nests a handful of levels; this keeps composition and conversion far
#: from Python's stack limit, whatever the input (deep brackets, an alias that contains itself).
MAX_DEPTH = 64

_CORE_TAGS = {
    "tag:yaml.org,2002:" + name
    for name in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp")
}


class DocumentError(GraderError):
    """A document that is not well-formed YAML/JSON, with the line and the value's path where known."""

    def __init__(self, message: str, line: int | None = None, path: FieldPath | None = None) -> None:
        self.message = message
        self.line = line
        self.path = path
        super().__init__(message)


def _too_deep(line: int | None, path: FieldPath) -> DocumentError:
    return DocumentError(f"nested too deeply (more than {MAX_DEPTH} levels)", line, path)


class _DepthLimitedComposer(yaml.composer.Composer):
    """PyYAML's composer, refusing a value nested more than MAX_DEPTH levels before composing it."""

    path: list[str | int]
    peek_event: Callable[[], yaml.Event]  # the parser's, which comes with the loader

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        # `index` is where the node goes: a sequence item's position, a mapping value's key node,
        # None for the document and for a key (which sits at its mapping's depth)
        if index is not None:
            if isinstance(index, int):
                self.path.append(index)
            else:
                self.path.append(str(index.value) if isinstance(index, yaml.ScalarNode) else "?")
            if len(self.path) > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise _too_deep(None if mark is None else mark.line + 1, tuple(self.path))
        try:
            return super().compose_node(parent, index)
        finally:
            if index is not None:
                self.path.pop()


class _Loader(_DepthLimitedComposer, _SafeLoader):
    """The safe loader, composing with a nesting limit, and reading `1e-6` and `1.0e6` as numbers
    as YAML 1.2 does (YAML 1.1, which PyYAML implements, wants a dot and a signed exponent:
    `1.0e-6`, `1.0e+6`)."""

    def __init__(self, stream: str) -> None:
        _SafeLoader.__init__(self, stream)
        self.anchors: dict[Any, yaml.Node] = {}  # the composer's state, which the C loader lacks
        self.path = []


_BOOL = "tag:yaml.org,2002:bool"
_Loader.yaml_implicit_resolvers = {  # YAML 1.1's booleans (yes, no, on, off, …) out, 1.2's in
    first: [(tag, pattern) for tag, pattern in resolvers if tag != _BOOL]
    for first, resolvers in _SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9]+)[eE][-+]?[0-9]+$"),
    list("-+.0123456789"),
)




class _PurePythonLoader(_DepthLimitedComposer, yaml.SafeLoader):
    """`_Loader` on PyYAML's pure-Python parser, to say where a text libyaml refuses nests too deeply.

    libyaml's scanner (as PyYAML 6.0.4 bundles it) stops at 1,000 flow levels with "exceeded
    maximum nesting depth", before the composer sees level MAX_DEPTH + 1, so without the line and
    path of the value; this parser yields its events as it goes, and the composer stops at it.
    """

    def __init__(self, stream: str) -> None:
        yaml.SafeLoader.__init__(self, stream)
        self.path = []


_PurePythonLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
_LIBYAML_DEPTH_LIMIT = "maximum nesting depth"


@dataclass(frozen=True)
class Document:
    """A loaded document: its data, the 1-based line of every key or item by path, and the text
    as written of every value that is not text (a number, a boolean, a date) by path."""

    data: Any
    lines: dict[FieldPath, int] = field(default_factory=dict)
    written: dict[FieldPath, str] = field(default_factory=dict)

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
        self.written: dict[FieldPath, str] = {}
        self.nodes = 0
        self.open: set[int] = set()  # ids of the collection nodes being converted (alias cycles)

    def convert(self, node: yaml.Node, path: FieldPath) -> Any:
        line = node.start_mark.line + 1
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise DocumentError(
                f"document too large: more than {MAX_NODES} values after expanding aliases", line
            )
        if len(path) > MAX_DEPTH:  # deeper than the text nests: through aliases
            raise _too_deep(line, path)
        self.lines.setdefault(path, line)
        self._check_tag(node)
        if isinstance(node, yaml.ScalarNode):
            value = self._scalar(node)
            if value is not None and type(value) is not str:
                self.written[path] = node.value
            return value
        if id(node) in self.open:
            raise DocumentError("an alias refers to a value that contains it (a cycle)", line)
        self.open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            return [self.convert(item, (*path, index)) for index, item in enumerate(node.value)]
        finally:
            self.open.discard(id(node))

    @staticmethod
    def _check_tag(node: yaml.Node) -> None:
        if node.tag not in _CORE_TAGS:
            raise DocumentError(
                f"tag {node.tag!r} is not allowed (plain YAML values only)", node.start_mark.line + 1
            )

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        try:
            return self.construct_scalar(node)
        except yaml.MarkedYAMLError as error:  # a scalar the core schema cannot build
            raise DocumentError(f"invalid value: {error.problem}", node.start_mark.line + 1) from None
        except ValueError as error:  # e.g. a timestamp with an impossible date
            raise DocumentError(f"invalid value {node.value!r}: {error}", node.start_mark.line + 1) from None

    def _mapping(self, node: yaml.MappingNode, path: FieldPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise DocumentError("merge keys ('<<') are not supported", key_line)
            self._check_tag(key_node)
            if not isinstance(key_node, yaml.ScalarNode):
                raise DocumentError("mapping keys must be plain values", key_line)
            # keys as written: `yes:` is the key 'yes' (not True), `1:` is '1', `~:` is '~'
            key = str(key_node.value)
            key_path: FieldPath = (*path, key)
            if key in result:
                first = self.lines.get(key_path)
                raise DocumentError(f"duplicate key {key!r} (first defined on line {first})", key_line)
            self.lines[key_path] = key_line
            result[key] = self.convert(value_node, key_path)
            self.lines[key_path] = key_line
        return result


def _syntax_error(error: yaml.MarkedYAMLError, text: str) -> DocumentError:
    """The parser's complaint, at its line, with where the construct it was reading began."""
    mark = error.problem_mark or error.context_mark
    line = None if mark is None else mark.line + 1
    if (error.context or "").startswith("expected a single document"):
        return DocumentError("invalid YAML: a second document starts here (one document per file)", line)
    context = error.context_mark
    at_end = mark is not None and not text[mark.index :].strip()
    if at_end and (context is None or not text[context.index :].strip()):
        last_line = text.rstrip().count("\n") + 1
        return DocumentError(
            "invalid YAML: the file ends in the middle of a value (a bracket or quote left open?)",
            last_line,
        )
    if at_end and error.context and context is not None:
        # an unclosed quote or bracket: point at the line where it opened, not at the end
        thing = re.sub(r"^while (parsing|scanning) ", "", error.context)
        return DocumentError(
            f"invalid YAML: {thing} that starts here is never closed (found the end of the file)",
            context.line + 1,
        )
    message = f"invalid YAML: {error.problem or error.context or 'not well-formed'}"
    if error.problem and error.context and context is not None and context.line + 1 != line:
        message += f" ({error.context} that starts on line {context.line + 1})"
    if mark is not None and text[mark.index : mark.index + 1] == "\t":
        message += " (YAML does not allow tabs for indentation; use spaces)"
    return DocumentError(message, line)


def load_text(text: str) -> Document:
    """Parse one YAML (or JSON) document from text; raise DocumentError when it is not one."""
    try:
        return _load_text(text, _Loader)
    except _TooDeepForLibyaml:
        return _load_text(text, _PurePythonLoader)


class _TooDeepForLibyaml(Exception):
    pass


def _load_text(text: str, kind: type[_Loader] | type[_PurePythonLoader]) -> Document:
    loader = kind(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as error:
            if kind is _Loader and _LIBYAML_DEPTH_LIMIT in (error.problem or ""):
                raise _TooDeepForLibyaml from None
            raise _syntax_error(error, text) from None
        except yaml.YAMLError as error:
            raise DocumentError(f"invalid YAML: {error}") from None
        except RecursionError:  # a safety net: the composer stops at MAX_DEPTH levels
            raise DocumentError(f"nested too deeply (more than {MAX_DEPTH} levels)") from None
        if node is None:
            raise DocumentError("the file is empty", 1)
        converter = _Converter(loader.construct_object)
        return Document(converter.convert(node, ()), converter.lines, converter.written)
    finally:
        loader.dispose()


def first_too_deep(data: Any) -> FieldPath | None:
    """The path of the first value nested deeper than MAX_DEPTH, found without recursion."""
    stack: list[tuple[FieldPath, Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if len(path) > MAX_DEPTH:
            return path
        if isinstance(value, dict):
            stack.extend(((*path, str(key)), item) for key, item in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend(((*path, index), value[index]) for index in range(len(value) - 1, -1, -1))
    return None


def load_json(text: str) -> Document:
    """Parse one JSON document (no line numbers kept); raise DocumentError when it is not one, or
    when it nests deeper than MAX_DEPTH levels, as a YAML document may not."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise DocumentError(f"invalid JSON: {error.msg}", error.lineno) from None
    except RecursionError:  # the stdlib's parser recurses once per level: hundreds of levels
        path = None
    else:
        path = first_too_deep(data)
        if path is None:
            return Document(data)
    try:  # JSON is YAML: the depth-limited composer says on which line, and where, nesting fails
        load_text(text)
    except DocumentError as error:
        if error.path is not None:
            raise error from None
    raise _too_deep(None, path or ())


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
