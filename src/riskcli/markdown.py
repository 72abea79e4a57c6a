"""Text as Markdown data: the one way riskcli puts text it did not write into Markdown.

Everything riskcli writes as Markdown (the model-card section, `report --format md`,
`rules --format md`, the CI step summary) holds text from answers files, rule packs and file
names. A hub or a CI page renders that Markdown as HTML, so a value must never become markup:
not a link, not a heading, not a table cell boundary, not live HTML, and not the end of the code
span it sits in. Standard library only, so any formatter can import it for nothing.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["markdown_code", "markdown_paragraphs", "markdown_text"]

_SPECIAL = str.maketrans({
    # CommonMark backslash escapes: emphasis, links and images, code spans, GFM tables and
    # strikethrough, headings, and math on hubs that render $...$.
    "\\": "\\\\", "`": "\\`", "*": "\\*", "_": "\\_", "[": "\\[", "]": "\\]", "|": "\\|",
    "~": "\\~", "#": "\\#", "$": "\\$",
    # HTML-significant: entities, so `<img ...>` or `&lt;` stay text after rendering.
    "<": "&lt;", ">": "&gt;", "&": "&amp;",
})

_BLOCK_START = re.compile(r"^(?:([-+=])|(\d{1,9})([.)])(?= |$))")
"""What makes a line a list item, a setext underline or an ordered item when a value starts one
(`- {{ reason }}` whose reason is "1. x" would otherwise become a nested list)."""

_INVISIBLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Control characters and bidirectional overrides: invisible, or reordering the text around them
(U+202E shows `exe.txt` as `txt.exe`). They are written out as `\\u202e` so a reader sees them."""


def _visible(value: Any) -> str:
    """One line: every run of whitespace (newlines included) is one space, and what would be
    invisible is spelled out."""
    text = " ".join(str(value).split())
    return _INVISIBLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def markdown_text(value: Any) -> str:
    """Plain text that renders as itself wherever it is placed in a line of Markdown, a table
    cell included; newlines become spaces, so a value never starts a block of its own."""
    text = _visible(value).translate(_SPECIAL)
    return _BLOCK_START.sub(_escape_block_start, text, count=1)


def _escape_block_start(match: re.Match[str]) -> str:
    sign, digits, punctuation = match.groups()
    return f"\\{sign}" if sign else f"{digits}\\{punctuation}"


def markdown_code(value: Any, *, table: bool = False) -> str:
    """An inline code span that shows the value exactly, whatever backticks it holds.

    CommonMark closes a code span at the first backtick run as long as the opening one, so the
    fence is one backtick longer than the longest run inside, with a space on each side when the
    value starts or ends with a backtick or a space (one space each side is stripped again).
    Inside a GFM table a `|` ends the cell even in a code span, and no escape survives both the
    cell splitter and the span, so there a value holding `|` is written as an HTML `<code>`
    element with entities instead.
    """
    text = _visible(value)
    if table and "|" in text:
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return f"<code>{escaped.replace('|', '&#124;')}</code>"
    if not text:
        return "` `"
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text[0] in "` " or text[-1] in "` " else ""
    return f"{fence}{pad}{text}{pad}{fence}"


_ITEM = re.compile(r"^ {0,3}- ")


def markdown_paragraphs(value: Any) -> str:
    """Multi-line text (a pack's calibration notes): its paragraphs, split by blank lines, and its
    `- ` items stay paragraphs and list items; everything inside them is `markdown_text`. The
    text's layout is kept, never its markup: nothing else in it is read as Markdown."""
    blocks = [b for b in re.split(r"\n[ \t]*\n", str(value).strip()) if b.strip()]
    return "\n\n".join(_block(block) for block in blocks)


def _block(block: str) -> str:
    """A paragraph, then the items that start lines with `- ` (their wrapped lines with them)."""
    parts: list[list[str]] = [[]]
    for line in block.splitlines():
        if _ITEM.match(line):
            parts.append([_ITEM.sub("", line)])
        else:
            parts[-1].append(line)
    lead, items = " ".join(parts[0]), [" ".join(item) for item in parts[1:]]
    lines = ([markdown_text(lead)] if lead.strip() else []) + [
        f"- {markdown_text(item)}" for item in items]
    return "\n".join(lines)
