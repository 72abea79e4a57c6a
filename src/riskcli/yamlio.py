"""The one way riskcli reads YAML: safe, fast, strict about duplicates, and able to point at lines.

Answers files are committed by teams and rule packs are written by other organisations, so YAML is
untrusted input here: only the safe loader (the libyaml C loader when present), a size limit, and
duplicate keys reported instead of PyYAML's silent last-wins. Timestamps are left as text so the
answers loader can say "2023-02-30 is not a date" instead of crashing inside the YAML constructor.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from riskcli.errors import InputFileError, Problem

try:
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - libyaml missing; the pure-Python loader is equivalent
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

MAX_YAML_BYTES = 2 * 1024 * 1024
"""Answers, questionnaires and rule packs are a few kilobytes; anything past 2 MiB is a mistake or
an attack, and is refused before parsing."""

MAX_YAML_DEPTH = 64
"""Real files nest four or five levels. libyaml's composer recurses in C and crashes the interpreter
(a segfault, not an exception) somewhere past 40,000 levels, which fits in 100 KB, so depth is
checked on the event stream, which is iterative, before anything is composed."""

MAX_YAML_VALUES = 100_000
"""Values (scalars, lists, mappings) a document may hold once every alias is expanded; the bundled
rule pack, the largest real file, holds under 1,000. The loader shares an aliased object rather than
copying it, but whatever walks the data afterwards (a check, an error message, a copy) sees every
expansion: the "billion laughs", nine anchors of nine aliases each, is a few hundred bytes and 9^9
values. Counting on the event stream refuses it before anything is composed."""

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_OPENS = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSES = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


class MarkedDict(dict):
    """A mapping that remembers the line of each key, so a problem can name where it is."""

    lines: dict[Any, int]


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """An explicit tag on a value that does not fit it (`!!float y`, `!!bool maybe`,
        `!!timestamp 2023-02-30`, `!!map [1]`) makes PyYAML's constructors raise ValueError,
        KeyError, TypeError or AttributeError; make that a YAML problem on the value's line."""
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except (ValueError, LookupError, TypeError, AttributeError, OverflowError):
            if isinstance(node, yaml.ScalarNode):
                shown = repr(node.value) if len(node.value) <= 40 else repr(node.value[:37]) + "..."
            else:
                shown = f"a {node.id}"
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {shown} as {tag}", node.start_mark) from None


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _Loader, node: yaml.MappingNode):
    loader.flatten_mapping(node)
    data = MarkedDict()
    data.lines = {}
    yield data
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(
                "while reading a mapping", node.start_mark, "a key must be a plain value",
                key_node.start_mark,
            )
        if key in data:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping", node.start_mark,
                f"duplicate key {key!r} (first on line {data.lines[key]})", key_node.start_mark,
            )
        data[key] = loader.construct_object(value_node, deep=True)
        data.lines[key] = key_node.start_mark.line + 1


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    """Python refuses to read an integer of more than 4,300 decimal digits (a denial-of-service
    guard) with a bare ValueError; say so as a YAML problem on its line instead."""
    try:
        return loader.construct_yaml_int(node)
    except ValueError:
        if len(node.value) <= 4300:
            raise  # not a number at all (`!!int x`): construct_object words it
        raise yaml.constructor.ConstructorError(
            None, None, f"an integer {len(node.value):,} characters long is too long",
            node.start_mark,
        ) from None


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


@dataclass(frozen=True)
class LoadedYaml:
    """Parsed data plus the exact bytes, whose digest identifies the file in a decision record."""

    path: str
    data: Any
    raw: bytes


def read_bytes(path: Path | str, *, max_bytes: int = MAX_YAML_BYTES) -> bytes:
    """Read a whole input file, refusing directories, missing files and oversized files cleanly."""
    p = Path(path)
    name = str(path)
    if p.is_dir():
        raise InputFileError(Problem(name, "", "is a directory; expected a YAML file", code="io"))
    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise InputFileError(
                Problem(name, "", f"is {size:,} bytes; the limit is {max_bytes:,} bytes", code="io")
            )
        # stat says 0 for /dev/zero and pipes, so the read itself is bounded too.
        with p.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
        if len(raw) > max_bytes:
            raise InputFileError(
                Problem(name, "", f"is longer than the limit of {max_bytes:,} bytes", code="io")
            )
        return raw
    except FileNotFoundError:
        raise InputFileError(Problem(name, "", "no such file", code="io")) from None
    except OSError as exc:
        reason = f"cannot be read: {exc.strerror}"
        raise InputFileError(Problem(name, "", reason, code="io")) from None


def parse_yaml(raw: bytes, name: str) -> Any:
    """Parse YAML bytes with the safe loader; every failure becomes one Problem with a line."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            Problem(name, "", f"is not UTF-8 text (bad byte at offset {exc.start})", code="yaml")
        ) from None
    try:
        _check_shape(text, name)
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or exc.context or "invalid YAML"
        if exc.context and what.startswith("but "):  # "expected X" + "but found Y"
            what = f"{exc.context}, {what}"
        raise InputFileError(Problem(name, "", f"invalid YAML: {what}", line,
                                     code="yaml")) from None
    except yaml.reader.ReaderError as exc:
        # Its str() spans two lines; say the same on one, with the line it is on.
        line = text.count("\n", 0, exc.position) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        what = f"invalid YAML: character U+{code:04X}: {exc.reason}"
        raise InputFileError(Problem(name, "", what, line, code="yaml")) from None
    except yaml.YAMLError as exc:
        raise InputFileError(Problem(name, "", f"invalid YAML: {exc}", code="yaml")) from None
    except RecursionError:
        raise InputFileError(Problem(name, "", "YAML is nested too deeply", code="yaml")) from None


@dataclass
class _Open:
    """A list or mapping whose end has not been read yet."""

    anchor: str | None
    first: int
    """Values counted before it opened."""
    height: int = 1
    """Levels of nesting it holds, itself included."""


def _check_shape(text: str, name: str) -> None:
    """Refuse too deep or too many values, counting what aliases expand to, before composing."""
    stack: list[_Open] = []
    anchored: dict[str, tuple[int, int]] = {}  # anchor -> (values, height) of a finished node
    total = 0
    for event in yaml.parse(text, Loader=_BaseLoader):
        line = event.start_mark.line + 1
        if isinstance(event, _OPENS):
            if len(stack) >= MAX_YAML_DEPTH:
                raise _too_deep(name, line, "")
            stack.append(_Open(event.anchor, total))
            total += 1
        elif isinstance(event, _CLOSES):
            node = stack.pop()
            if node.anchor is not None:
                anchored[node.anchor] = (total - node.first, node.height)
            if stack:
                stack[-1].height = max(stack[-1].height, node.height + 1)
        elif isinstance(event, yaml.ScalarEvent):
            total += 1
            if event.anchor is not None:
                anchored[event.anchor] = (1, 0)
        elif isinstance(event, yaml.AliasEvent):
            # An anchor not finished yet (a node containing itself) is left to the composer,
            # which refuses it.
            values, height = anchored.get(event.anchor, (1, 0))
            if len(stack) + height > MAX_YAML_DEPTH:
                raise _too_deep(name, line, " once aliases are expanded")
            total += values
            if stack:
                stack[-1].height = max(stack[-1].height, height + 1)
        if total > MAX_YAML_VALUES:
            raise InputFileError(Problem(
                name, "", f"YAML holds more than {MAX_YAML_VALUES:,} values once aliases are "
                "expanded", line, code="yaml"))


def _too_deep(name: str, line: int, how: str) -> InputFileError:
    return InputFileError(Problem(
        name, "", f"YAML is nested more than {MAX_YAML_DEPTH} levels deep{how}", line, code="yaml"))


def load_yaml(path: Path | str, *, max_bytes: int = MAX_YAML_BYTES) -> LoadedYaml:
    raw = read_bytes(path, max_bytes=max_bytes)
    return LoadedYaml(str(path), parse_yaml(raw, str(path)), raw)


def line_of(mapping: Any, key: Any) -> int | None:
    """The line a key was written on, when the mapping came from this loader."""
    lines = getattr(mapping, "lines", None)
    return lines.get(key) if lines else None


def dump_yaml(data: Any) -> str:
    """Block-style YAML that keeps key order, for files people read and diff."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)
