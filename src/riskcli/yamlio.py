"""The one way riskcli reads YAML: safe, fast, strict about duplicates, and able to point at lines.

Answers files are committed by teams and rule packs are written by other organisations, so YAML is
untrusted input here: only the safe loader (the libyaml C loader when present), a size limit, and
duplicate keys reported instead of PyYAML's silent last-wins. Values are read as YAML 1.2 reads
them, as editors do, and a plain number YAML 1.1 would read otherwise (`0200`, `1:00:00`) is
refused with both readings rather than silently taken one way.
"""

from __future__ import annotations

import math
import re
import stat
from collections.abc import Hashable
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, NamedTuple

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
(a segfault, not an exception) somewhere past 40,000 levels, which fits in 40 KB (`[` is a level),
so a text longer than _SHORT_TEXT has its depth checked on the event stream, which is iterative,
before anything is composed; a shorter one cannot nest deep enough to crash, and is checked on
the composed nodes (see parse_yaml)."""

_SHORT_TEXT = 4096
"""Characters a text may have and be composed before its shape is checked: at most 4,096 levels
(one character each), about 1 MB of C stack (measured: 2,000 levels fit in a 1 MB thread stack,
4,000 do not), an eighth of the main thread's 8 MB. Answers files are 1 to 3 KB."""

MAX_YAML_VALUES = 100_000
"""Values (scalars, lists, mappings) a document may hold once every alias is expanded; the bundled
rule pack, the largest real file, holds under 1,000. The loader shares an aliased object rather than
copying it, but whatever walks the data afterwards (a check, an error message, a copy) sees every
expansion: the "billion laughs", nine anchors of nine aliases each, is a few hundred bytes and 9^9
values. It is counted before anything is constructed (on the composed nodes, each counted once, or
on the event stream for a long text), and refused."""

_OPENS = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSES = (yaml.SequenceEndEvent, yaml.MappingEndEvent)

# --- YAML 1.2 scalars ----------------------------------------------------------------------------
# Editors (the yaml-language-server reading the schema `init` writes) read YAML 1.2, PyYAML reads
# YAML 1.1, and the two disagree on plain values: `yes` is true in 1.1 and text in 1.2, `0200` is
# 128 in 1.1 and 200 in 1.2, `1:00:00` is 3600 in 1.1 and text in 1.2, `1e3` is text in 1.1 and
# 1000.0 in 1.2. riskcli reads the YAML 1.2 core schema, as the editor does, and refuses the plain
# numbers whose two readings differ, naming both, rather than silently pick one: a file then means
# the same to every tool that accepts it. Timestamps are left as text (YAML 1.2 has none), so the
# answers loader can say "2023-02-30 is not a date" instead of crashing in the constructor.

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_NUMBER = "tag:riskcli:number"
"""Every plain scalar that YAML 1.1 or YAML 1.2 reads as a number resolves to this tag, whose
constructor reads it both ways and refuses it when the readings differ."""

_INT_12 = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT_12 = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_SPECIAL_12 = {**{f"{sign}.{word}": float(f"{sign or '+'}inf") for sign in ("", "+", "-")
                  for word in ("inf", "Inf", "INF")},
               ".nan": math.nan, ".NaN": math.nan, ".NAN": math.nan}
_LEADING_ZERO = re.compile(r"[-+]?0[0-9]+")
"""An integer YAML 1.1 reads as octal (or as text, `09`) and YAML 1.2 as decimal."""
_BOOL_12 = {"true": True, "True": True, "TRUE": True,
            "false": False, "False": False, "FALSE": False}
_NUMBER_FIRST = "-+.0123456789"


def _yaml11(tag: str) -> re.Pattern[str]:
    """PyYAML's own YAML 1.1 pattern for `tag`, so "what 1.1 reads" is PyYAML's word, not ours."""
    return next(regexp for regexp_tag, regexp in yaml.resolver.Resolver.yaml_implicit_resolvers["1"]
                if regexp_tag == tag)


_INT_11, _FLOAT_11 = _yaml11(_INT), _yaml11(_FLOAT)

MAX_INT_DIGITS = 4300
"""Python refuses to turn an integer of more digits into text (a denial-of-service guard), so one
would crash the first message, log line or record that shows it; it is refused on reading."""
_MAX_INT_BITS = int(MAX_INT_DIGITS * math.log2(10)) - 8
"""Integers of at most this many bits have fewer than MAX_INT_DIGITS digits."""


class MarkedDict(dict):
    """A mapping that remembers the line of each key, so a problem can name where it is."""

    lines: dict[Any, int]


class ScalarRefused(yaml.constructor.ConstructorError):
    """A plain value riskcli will not guess at; `path` is filled in on the way out (the keys and
    list positions above it), so the problem can name the key as well as the line."""

    def __init__(self, message: str, mark: yaml.Mark | None):
        super().__init__(None, None, message, mark)
        self.path: list[Any] = []


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    def resolve(self, kind: type[yaml.Node], value: str, implicit: tuple[bool, bool]) -> str:
        """PyYAML's resolve, less what riskcli's table never holds (path resolvers, resolvers for
        any first character): it took 30 of the 75 us libyaml took to compose an answers file.
        libyaml calls it for every node (48 an answers file): module names, not `yaml.X` and
        `self.yaml_implicit_resolvers` looked up at each call (its 12 us a file -> 8)."""
        if kind is _SCALAR_NODE:
            if implicit[0]:
                resolvers = _IMPLICIT.get(value[:1])
                if resolvers is not None:
                    for tag, regexp in resolvers:
                        if regexp.match(value):
                            return tag
            return _STR
        return _SEQ if kind is _SEQUENCE_NODE else _MAP

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """An explicit tag on a value that does not fit it (`!!float y`, `!!bool maybe`,
        `!!timestamp 2023-02-30`, `!!map [1]`) makes PyYAML's constructors raise ValueError,
        KeyError, TypeError or AttributeError; make that a YAML problem on the value's line."""
        try:
            if type(node) is _SCALAR_NODE:
                read = _SCALAR_READERS.get(node.tag)
                if read is not None:
                    # A scalar holds no other node, so PyYAML's bookkeeping (memo, recursion,
                    # generators) is no use to it: skipping it saved 25 us an answers file.
                    return read(self, node)
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


def _resolvers_12() -> dict[str | None, list[tuple[str, re.Pattern[str]]]]:
    """The YAML 1.2 core schema's implicit types, numbers going through _NUMBER: PyYAML's null,
    merge-key and `!`/`&`/`*` resolvers are kept; its 1.1 booleans, numbers, `=` and timestamps
    are not."""
    number = re.compile("^(?:" + "|".join(f"(?:{p})" for p in (
        _INT_12.pattern, _FLOAT_12.pattern, *map(re.escape, _SPECIAL_12),
        _INT_11.pattern, _FLOAT_11.pattern)) + ")$", re.X)
    boolean = re.compile("^(?:" + "|".join(_BOOL_12) + ")$")
    kept = {"tag:yaml.org,2002:null", "tag:yaml.org,2002:merge", "tag:yaml.org,2002:yaml"}
    table: dict[str | None, list[tuple[str, re.Pattern[str]]]] = {}
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items():
        table[first] = [(tag, regexp) for tag, regexp in resolvers if tag in kept]
    for first in _NUMBER_FIRST:
        table.setdefault(first, []).insert(0, (_NUMBER, number))
    for first in "tTfF":
        table.setdefault(first, []).append((_BOOL, boolean))
    return {first: resolvers for first, resolvers in table.items() if resolvers}


_Loader.yaml_implicit_resolvers = _IMPLICIT = _resolvers_12()
_SCALAR_NODE, _SEQUENCE_NODE = yaml.ScalarNode, yaml.SequenceNode


def _construct_mapping(loader: _Loader, node: yaml.MappingNode):
    """A key written twice is refused; a key a merge (`<<: *base`) brings in is overridden by
    one written in the mapping itself, as YAML's merge key says (flatten_mapping puts the merged
    pairs first, the first-listed mapping's last, so each later pair wins)."""
    written = len(node.value)
    # flatten_mapping only acts on merge (`<<`) and `!!value` keys; a mapping without one (every
    # mapping of an answers file) skips its walk over the pairs (2.5 us a file), and a plain loop
    # looks for one faster than any() over a generator (1 us).
    for key_node, _ in node.value:
        if key_node.tag in _FLATTENED:
            written -= sum(1 for pair_key, _ in node.value if pair_key.tag == _MERGE)
            loader.flatten_mapping(node)
            break
    merged = len(node.value) - written
    data = MarkedDict()
    data.lines = lines = {}
    yield data
    own: set[Any] = set()
    construct = loader.construct_object
    for index, (key_node, value_node) in enumerate(node.value):
        # Text is read in place (what construct_object would return for it): a key or a value is
        # most often text, and two calls less each saved 12 us an answers file.
        if key_node.tag == _STR and type(key_node) is _SCALAR_NODE:
            key = key_node.value
        else:
            key = construct(key_node, deep=True)
            if not isinstance(key, Hashable):
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping", node.start_mark, "a key must be a plain value",
                    key_node.start_mark,
                )
        if index >= merged:
            if key in own:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping", node.start_mark,
                    f"duplicate key {key!r} (first on line {lines[key]})",
                    key_node.start_mark,
                )
            own.add(key)
        if value_node.tag == _STR and type(value_node) is _SCALAR_NODE:
            data[key] = value_node.value
        else:
            try:
                data[key] = construct(value_node, deep=True)
            except ScalarRefused as exc:
                exc.path.insert(0, key)
                raise
        lines[key] = key_node.start_mark.line + 1


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode):
    data: list[Any] = []
    yield data
    for index, item in enumerate(node.value):
        try:
            data.append(loader.construct_object(item, deep=True))
        except ScalarRefused as exc:
            exc.path.insert(0, index)
            raise


def _construct_number(loader: _Loader, node: yaml.ScalarNode) -> int | float | str:
    """A plain value YAML 1.1 or 1.2 reads as a number: its YAML 1.2 reading, when YAML 1.1 reads
    it the same way (or as text, as `1e3` and `0o17`); refused, with both readings, otherwise."""
    text = node.value
    if _PLAIN_DECIMAL.fullmatch(text):
        return float(text) if "." in text else int(text)
    return _read_both_ways(text, node)


_PLAIN_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]{0,17})(?:\.[0-9]+)?")
"""`12`, `-3`, `2.5`: what both YAML versions read alike, without asking each (2.5 us a number
less, 9 us an answers file); tests/test_yamlio.py holds it to what _read_both_ways reads."""


def _read_both_ways(text: str, node: yaml.ScalarNode) -> int | float | str:
    ours = _read_12(text, node)
    theirs = _read_11(text) if _INT_11.fullmatch(text) or _FLOAT_11.fullmatch(text) else None
    if _LEADING_ZERO.fullmatch(text) or (theirs is not None and not _same(theirs, ours)):
        raise ScalarRefused(_two_readings(text, theirs, ours), node.start_mark)
    return text if ours is None else ours


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    """`!!int 12`: read as a plain number would be, and it must be a whole one."""
    value = _construct_number(loader, node)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(node.value)
    return value


def _construct_float(loader: _Loader, node: yaml.ScalarNode) -> float:
    value = _construct_number(loader, node)
    if not isinstance(value, int | float):
        raise ValueError(node.value)
    return float(value)


def _construct_bool(loader: _Loader, node: yaml.ScalarNode) -> bool:
    """`!!bool`: YAML 1.2's true and false only (`!!bool yes` is as unclear as `yes`)."""
    return _BOOL_12[node.value]


_MERGE = "tag:yaml.org,2002:merge"
_FLATTENED = frozenset({_MERGE, "tag:yaml.org,2002:value"})
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_Loader.add_constructor(_MAP, _construct_mapping)
_Loader.add_constructor(_SEQ, _construct_sequence)
_Loader.add_constructor(_NUMBER, _construct_number)
_Loader.add_constructor(_INT, _construct_int)
_Loader.add_constructor(_FLOAT, _construct_float)
_Loader.add_constructor(_BOOL, _construct_bool)
_SCALAR_READERS: dict[str, Any] = {
    **{tag: _Loader.yaml_constructors[tag] for tag in (_NUMBER, _INT, _FLOAT, _BOOL)},
    _STR: lambda loader, node: node.value, _NULL: lambda loader, node: None,
}
"""What each tag's constructor makes of a scalar node (PyYAML's str and null ones are a
construct_scalar call away from these), called directly by _Loader.construct_object."""


def _read_12(text: str, node: yaml.ScalarNode) -> int | float | None:
    """The YAML 1.2 core schema's reading: a number, or None for text."""
    if text in _SPECIAL_12:
        return _SPECIAL_12[text]
    if _INT_12.fullmatch(text):
        base = {"0o": 8, "0x": 16}.get(text[:2], 10)
        if base == 10:
            digits = len(text.lstrip("+-"))
            if digits > MAX_INT_DIGITS:
                raise _too_long(f"an integer of {digits:,} digits", node)
            return int(text)
        value = int(text[2:], base)
        if value.bit_length() > _MAX_INT_BITS:
            raise _too_long(f"a {value.bit_length():,}-bit integer", node)
        return value
    if _FLOAT_12.fullmatch(text):
        return float(text)
    return None


def _too_long(what: str, node: yaml.ScalarNode) -> ScalarRefused:
    return ScalarRefused(f"expected a number of at most {MAX_INT_DIGITS:,} digits, got {what}, "
                         "which is too long to read", node.start_mark)


_YAML_11 = yaml.constructor.SafeConstructor()
"""PyYAML's own YAML 1.1 constructors (their int and float readings keep no state)."""

_SOME_NUMBER = object()
"""YAML 1.1 reads it as a number too large to work out here (it is refused either way)."""


def _read_11(text: str) -> int | float | object:
    """PyYAML's YAML 1.1 reading of a value its int or float pattern matches."""
    if len(text) > 40 and ":" in text:  # base 60: each `:` multiplies by 60, quadratic in length
        return _SOME_NUMBER
    node = yaml.ScalarNode(_INT if _INT_11.fullmatch(text) else _FLOAT, text)
    try:
        if node.tag == _INT:
            return _YAML_11.construct_yaml_int(node)
        return _YAML_11.construct_yaml_float(node)
    except ValueError:  # past Python's limit on digits
        return _SOME_NUMBER


def _same(theirs: object, ours: int | float | None) -> bool:
    if ours is None or theirs is _SOME_NUMBER or type(theirs) is not type(ours):
        return False
    return theirs == ours or (isinstance(ours, float) and math.isnan(ours))


def _two_readings(text: str, theirs: object, ours: int | float | None) -> str:
    shown = f"`{text}`" if len(text) <= 40 else f"`{text[:37]}...`"

    def reading(value: object) -> str:
        if value is None:
            return "text"
        if value is _SOME_NUMBER or (isinstance(value, int) and value.bit_length() > 64):
            return "a large number"
        return repr(value)

    if _same(theirs, ours):  # 00 to 07: the same number, but the form is the octal one
        return (f"{shown} has a leading 0, which YAML 1.1 reads as octal; write {reading(ours)}, "
                "or quote it if it is text")
    numbers = list(dict.fromkeys(reading(v) for v in (ours, theirs)
                                 if v is not None and reading(v) != "a large number"))
    write = (f"write {' or '.join(numbers)}, whichever you meant" if len(numbers) > 1
             else f"write {numbers[0]}" if numbers else "write the number in decimal")
    return (f"{shown} reads as {reading(theirs)} in YAML 1.1 but as {reading(ours)} in YAML 1.2; "
            f"{write}, or quote it if it is text")


class LoadedYaml(NamedTuple):
    """Parsed data plus the exact bytes, whose digest identifies the file in a decision record."""

    path: str
    data: Any
    raw: bytes


def read_bytes(path: Path | str, *, max_bytes: int = MAX_YAML_BYTES) -> bytes:
    """Read a whole input file, refusing directories, missing files and oversized files cleanly."""
    p = Path(path)
    name = str(path)
    try:
        info = p.stat()
        if stat.S_ISDIR(info.st_mode):
            raise InputFileError(
                Problem(name, "", "is a directory; expected a YAML file", code="io"))
        if info.st_size > max_bytes:
            reason = f"is {info.st_size:,} bytes; the limit is {max_bytes:,} bytes"
            raise InputFileError(Problem(name, "", reason, code="io"))
        with p.open("rb") as handle:
            # The size stat gave, and a byte more to see the end: asking for the limit made a
            # 2 MiB buffer for every file, 15 of the 35 us it took to read an answers file.
            raw = handle.read(info.st_size + 1)
            if len(raw) > info.st_size:  # stat says 0 for /dev/zero and pipes: read on, bounded
                raw += handle.read(max_bytes + 1 - len(raw))
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
        return _load(text, name)
    except ScalarRefused as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise InputFileError(Problem(name, _path_text(exc.path), exc.problem or "", line,
                                     code="yaml")) from None
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


def _load(text: str, name: str) -> Any:
    """Compose once, check the shape, then construct: a short text's shape is checked on the
    composed nodes (23 us an answers file) rather than on a second parse into event objects (60 us).
    _check_shape stays the one judge of what is refused and the words and line it is refused with:
    it is run whenever the composed nodes are too deep or too many, or composing failed (a shape
    problem earlier in the stream than the error is the one reported, as when it ran first)."""
    checked = len(text) > _SHORT_TEXT
    if checked:
        _check_shape(text, name)
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.YAMLError:
            if not checked:
                _check_shape(text, name)
            raise
        if node is None:
            return None
        if not checked and _exceeds_shape(node):
            _check_shape(text, name)  # an alias's line, which the composed nodes do not keep
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _exceeds_shape(root: yaml.Node) -> bool:
    """Whether _check_shape refuses the document composed as `root`: the same values and levels,
    counted on the nodes, each collection once (an alias is the node it names, already counted)."""
    if isinstance(root, yaml.ScalarNode):
        return False
    measured: dict[yaml.Node, tuple[int, int]] = {}
    try:
        values, height = _measure(root, 0, measured)
    except _TooDeep:
        return True
    return values > MAX_YAML_VALUES or height > MAX_YAML_DEPTH


class _TooDeep(Exception):
    """A collection opened below MAX_YAML_DEPTH others: measuring stops there."""


def _measure(node: yaml.Node, depth: int, measured: dict[yaml.Node, tuple[int, int]]
             ) -> tuple[int, int]:
    """(values, levels) of a list or mapping node with every alias expanded, as _check_shape
    counts them: a node met again is its first count, and one met inside itself counts as one
    value of no depth."""
    known = measured.get(node)
    if known is not None:
        return known
    if depth == MAX_YAML_DEPTH:
        raise _TooDeep
    measured[node] = (1, 0)
    values, height = 1, 0
    children = node.value if isinstance(node, yaml.SequenceNode) else chain(*node.value)
    for child in children:
        if isinstance(child, yaml.ScalarNode):
            values += 1
        else:
            child_values, child_height = _measure(child, depth + 1, measured)
            values += child_values
            height = max(height, child_height)
    measured[node] = (values, height + 1)
    return values, height + 1


def _path_text(path: list[Any]) -> str:
    """`answers.horizon_days`, `sections[1].questions[0].max`: where a refused value sits."""
    return "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in path
                   ).lstrip(".")


@dataclass
class _Open:
    """A list or mapping whose end has not been read yet."""

    anchor: str | None
    first: int
    """Values counted before it opened."""
    height: int = 1
    """Levels of nesting it holds, itself included."""


def _check_shape(text: str, name: str) -> None:
    """Refuse too deep or too many values, counting what aliases expand to, before composing.

    libyaml 0.2.6 refuses, as it scans ahead, a document nested past its own limit (1,000 levels),
    before the event that opens level 65 reaches this check. Such a document is too deep here as
    well, and is walked again by PyYAML's Python parser (iterative, without that limit) so it is
    refused with the same words and line whichever libyaml is installed."""
    try:
        _walk_shape(text, name, _BaseLoader)
    except yaml.MarkedYAMLError as exc:
        if exc.problem != _LIBYAML_TOO_DEEP or _BaseLoader is yaml.SafeLoader:
            raise
        _walk_shape(text, name, yaml.SafeLoader)
        raise  # not reached: the Python parser refuses the same document as too deep


_LIBYAML_TOO_DEEP = "exceeded maximum nesting depth"


def _walk_shape(text: str, name: str, loader: type) -> None:
    stack: list[_Open] = []
    anchored: dict[str, tuple[int, int]] = {}  # anchor -> (values, height) of a finished node
    total = 0
    for event in yaml.parse(text, Loader=loader):
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


class _Dumper(yaml.SafeDumper):
    """Writes text plain only when both YAML 1.1 and riskcli's YAML 1.2 read it back as text:
    `1e3`, `0o17` and `yes` are quoted, so a file written here reads the same everywhere."""


_Dumper.yaml_implicit_resolvers = {
    first: [*yaml.SafeDumper.yaml_implicit_resolvers.get(first, []),
            *_Loader.yaml_implicit_resolvers.get(first, [])]
    for first in {*yaml.SafeDumper.yaml_implicit_resolvers, *_Loader.yaml_implicit_resolvers}
}


def dump_yaml(data: Any) -> str:
    """Block-style YAML that keeps key order, for files people read and diff."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False)
