"""The decision written into a model card (`riskcli card README.md answers.yaml`).

A model card is someone else's file: riskcli owns two marked places in it and nothing else.

- The decision section, between `<!-- BEGIN RISKCLI -->` and `<!-- END RISKCLI -->` lines in the
  Markdown (appended after a blank line the first time).
- For a gated download, the `extra_gated_*` keys of the Hugging Face access form, between
  `# BEGIN RISKCLI` and `# END RISKCLI` comment lines in the YAML front matter (added before its
  closing `---` the first time; a front matter is started when the card has none).

Every byte outside them stays as it was: line endings (the card's own, CRLF included, are used
for the lines riskcli writes), a byte-order mark, a missing final newline, the comments, quoting
and key order of the front matter. That is why the front matter is merged as text rather than
through `huggingface_hub`'s `ModelCard`/`metadata_update`: they load the YAML and dump it again,
which drops comments and `null` keys and rewrites quoting, list style and indentation of the
whole block (checked with huggingface_hub 2.4). The merged front matter is parsed again before
anything is written, so riskcli never leaves a card whose YAML does not load.

Updating is pure (bytes in, bytes out); an unchanged card is not rewritten at all.
"""

from __future__ import annotations

import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from riskcli.errors import InputFileError, Problem
from riskcli.fileio import write_atomic
from riskcli.report.hf import GATED_KEYS
from riskcli.yamlio import dump_yaml, parse_yaml, read_bytes

BEGIN = "<!-- BEGIN RISKCLI -->"
END = "<!-- END RISKCLI -->"
FRONT_BEGIN = "# BEGIN RISKCLI"
FRONT_END = "# END RISKCLI"
FENCE = "---"
BOM = b"\xef\xbb\xbf"

MAX_CARD_BYTES = 8 * 1024 * 1024
"""Model cards are tens of kilobytes; one holding inline images may reach a few megabytes."""

State = Literal["current", "stale", "missing"]


@dataclass(frozen=True)
class CardUpdate:
    """The card as it should be, and what the card as found was: `current` (nothing to do),
    `stale` (riskcli's places hold something else) or `missing` (no section yet)."""

    content: bytes
    state: State


def update_card(original: bytes | None, section: str, front_matter: Mapping[str, Any] | None,
                name: str) -> CardUpdate:
    """The card with `section` between its markers and `front_matter` (the extra_gated_* keys, or
    None when the recommendation hands out no gated download) in its front matter's block.

    `original` None is a card that does not exist yet. Raises InputFileError (one problem, with
    its line) for a card riskcli cannot edit safely: not UTF-8, a front matter that never closes
    or does not load, markers repeated or out of order, or access-form keys set outside the block.
    """
    raw = original or b""
    bom = BOM if raw.startswith(BOM) else b""
    try:
        text = raw[len(bom):].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputFileError(Problem(name, "", f"is not UTF-8 text (bad byte at offset "
                                     f"{exc.start + len(bom)})", code="io")) from None
    eol = "\r\n" if "\r\n" in text.split("\n", 1)[0] + "\n" else "\n"
    lines = _lines(text)
    head_size = _front_matter_size(lines, name)
    head = _merge_front_matter(lines[:head_size], front_matter, eol, name)
    body, state = _merge_section(lines[head_size:], head_size, section, eol, name,
                                 before=bool(head))
    content = bom + "".join(head + body).encode("utf-8")
    if content == raw and original is not None:
        return CardUpdate(content, "current")
    if state == "current":
        state = "stale"  # the section matches, the front matter does not
    return CardUpdate(content, state)


# --- the front matter ----------------------------------------------------------------------------


def _front_matter_size(lines: list[str], name: str) -> int:
    """Lines the front matter takes, both `---` lines included; 0 when the card has none."""
    if not lines or _bare(lines[0]).rstrip() != FENCE:
        return 0
    for index, line in enumerate(lines[1:], start=1):
        if _bare(line).rstrip() == FENCE:
            return index + 1
    raise InputFileError(Problem(name, "front matter", "starts with a '---' line but has no "
                                 "closing '---' line; close it, or remove the first line", 1))


def _merge_front_matter(head: list[str], front_matter: Mapping[str, Any] | None, eol: str,
                        name: str) -> list[str]:
    inner = head[1:-1]
    _load_front_matter(inner, name)
    span = _marked_span(inner, FRONT_BEGIN, FRONT_END, name, first_line=2, exact=True)
    outside = inner if span is None else inner[:span[0]] + inner[span[1] + 1:]
    if front_matter is not None:
        taken = [key for key in GATED_KEYS if key in (_load_front_matter(outside, name) or {})]
        if taken:
            raise InputFileError(Problem(
                name, f"front matter: {taken[0]}", f"is set outside the '{FRONT_BEGIN}' block; "
                "delete it (riskcli card writes the access form the answers call for), or add "
                "the form by hand and stop riskcli writing it with --no-front-matter", 1))
    block = [] if front_matter is None else _front_block(front_matter, eol)
    start, stop = span if span is not None else (len(inner), len(inner) - 1)
    merged = inner[:start] + block + inner[stop + 1:]  # a new block goes last
    if not head:
        return [] if not block else [FENCE + eol, *block, FENCE + eol]
    if not merged and span is not None:
        return []  # the front matter held riskcli's block and nothing else
    loaded = _load_front_matter(merged, name, merged_here=True)
    if front_matter is not None and any(
            (loaded or {}).get(key) != value for key, value in front_matter.items()):
        raise InputFileError(Problem(name, f"front matter: {FRONT_BEGIN}", "the block is not at "
                                     "the top level of the front matter; move it there", 2))
    return [head[0], *merged, head[-1]]


def _front_block(front_matter: Mapping[str, Any], eol: str) -> list[str]:
    dumped = dump_yaml(dict(front_matter)).splitlines()
    return [line + eol for line in (FRONT_BEGIN, *dumped, FRONT_END)]


def _load_front_matter(inner: list[str], name: str, merged_here: bool = False) -> Any:
    """The front matter's YAML as data: a mapping, or None when it is empty."""
    try:
        data = parse_yaml("".join(inner).encode("utf-8"), name)
    except InputFileError as exc:
        problem = exc.problems[0]
        if merged_here:  # the card's own YAML loaded: riskcli's block does not fit where it is
            raise InputFileError(Problem(name, f"front matter: {FRONT_BEGIN}", "the block does "
                                         f"not fit where it is ({problem.message}); move it to "
                                         "the top level", 2)) from None
        line = problem.line + 1 if problem.line else None
        raise InputFileError(Problem(name, "front matter", problem.message, line,
                                     code="yaml")) from None
    if data is not None and not isinstance(data, dict):
        raise InputFileError(Problem(name, "front matter", "expected YAML keys and values "
                                     f"(a mapping), got a {type(data).__name__}", 2, code="type"))
    return data


# --- the section ---------------------------------------------------------------------------------


def _merge_section(body: list[str], offset: int, section: str, eol: str, name: str,
                   before: bool) -> tuple[list[str], State]:
    inner = ["" + eol, *[line + eol for line in section.strip("\n").split("\n")], "" + eol]
    span = _marked_span(body, BEGIN, END, name, first_line=offset + 1, exact=False)
    if span is not None:
        start, end = span
        current = body[start + 1:end] == inner
        return body[:start + 1] + inner + body[end:], "current" if current else "stale"
    tail: list[str] = []
    if body and not body[-1].endswith("\n"):
        tail.append(eol)  # ends the card's last line; the line itself is kept as it was
    last = body[-1] if body else ""
    if (before or any(line.strip() for line in body)) and not (
            last.endswith("\n") and not last.strip() and body):
        tail.append(eol)
    return body + tail + [BEGIN + eol, *inner, END + eol], "missing"


def _marked_span(lines: list[str], begin: str, end: str, name: str, first_line: int,
                 exact: bool) -> tuple[int, int] | None:
    """Where the begin and end marker lines are, or None when neither is there. Markers count
    only as whole lines; anything but exactly one of each, in order, is refused."""
    def found(marker: str) -> list[int]:
        return [i for i, line in enumerate(lines)
                if (_bare(line).rstrip() if exact else _bare(line).strip()) == marker]

    begins, ends = found(begin), found(end)
    where = "front matter" if exact else "card"
    if not begins and not ends:
        return None
    for marker, at in ((begin, begins), (end, ends)):
        if len(at) > 1:
            shown = ", ".join(str(first_line + i) for i in at)
            raise InputFileError(Problem(name, marker, f"appears {len(at)} times in the {where} "
                                         f"(lines {shown}); keep one {begin} line and one {end} "
                                         "line", first_line + at[1]))
    if not ends:
        raise InputFileError(Problem(name, begin, f"has no {end} line after it",
                                     first_line + begins[0]))
    if not begins:
        raise InputFileError(Problem(name, end, f"has no {begin} line before it",
                                     first_line + ends[0]))
    if ends[0] < begins[0]:
        raise InputFileError(Problem(name, end, f"comes before {begin}; put the section "
                                     "between them", first_line + ends[0]))
    return begins[0], ends[0]


def _lines(text: str) -> list[str]:
    """Lines with their endings (only `\\n` ends a line, as in Markdown and YAML): joined again
    they are the text, byte for byte."""
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _bare(line: str) -> str:
    return line.removesuffix("\n").removesuffix("\r")


# --- the file ------------------------------------------------------------------------------------


def read_card(path: Path, *, create: bool) -> bytes | None:
    """The card's bytes; None for a card that does not exist and may be created (`create`)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        if create and path.parent.is_dir():
            return None
        hint = "pass --create to start one" if not create else f"folder {path.parent} does not " \
                                                               "exist"
        raise InputFileError(Problem(str(path), "", f"no such model card; {hint}",
                                     code="io")) from None
    except OSError as exc:
        raise InputFileError(Problem(str(path), "", f"cannot be read: {exc.strerror}",
                                     code="io")) from None
    if not stat.S_ISREG(info.st_mode):
        what = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise InputFileError(Problem(str(path), "", f"is {what}; expected a model card "
                                     "(README.md)", code="io"))
    return read_bytes(path, max_bytes=MAX_CARD_BYTES)


def write_card(path: Path, content: bytes, *, new: bool) -> None:
    """Replace the card in one step (through a link, the file it names). A `new` card is
    created exclusively: of two runs starting the same card, the second fails rather than
    silently replacing the first."""
    write_atomic(path, content, exclusive=new)
