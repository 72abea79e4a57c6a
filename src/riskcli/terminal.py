"""Text on its way to a terminal: always shown, never obeyed, and wrapped to fit.

Whatever riskcli prints may come from a file someone else wrote: a file name, an answer, a key,
the text of a questionnaire or a rule pack. A terminal obeys some characters instead of showing
them: ESC starts a sequence that can clear the screen, retitle the window or write a hidden link
(C1 controls do the same in one byte), a carriage return overwrites the line, and the bidi
controls (U+202E and friends) reorder what follows, so `evil\u202eXML.yaml` reads as another name.
`safe` writes each of them as Python would (`\\x1b`, `\\u202e`), so it is seen and never obeyed;
it is the one function every text-to-terminal path goes through.

Standard library only: the score path imports this module (see CONTRIBUTING's start-up rules).
"""

from __future__ import annotations

import os
import sys
import unicodedata
from collections.abc import Sequence
from functools import cache
from pathlib import PurePath
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    import re

BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                          "\u2066\u2067\u2068\u2069")
"""The marks, embeddings, overrides and isolates that change the order text is drawn in."""
_JOINERS = frozenset("\u200c\u200d")
"""Zero-width (non-)joiners: invisible, but part of how some scripts and emoji are written."""
_LAYOUT = frozenset("\n\t")

PIPE_WIDTH = 96
"""The width of text written to a pipe or a file, and the widest riskcli writes: a log or a CI
page keeps the same lines whatever terminal ran it, and lines of prose past about a hundred
characters are hard to follow."""
MIN_WIDTH = 40
"""Narrower than this, the label columns leave no room for the figures beside them."""


def safe(text: str, lines: bool = False) -> str:
    """`text` with every character a terminal would obey written as an escape: control
    characters (C0, DEL, C1, so ESC too), bidi controls, other invisible format characters,
    line and paragraph separators, and lone surrogates. Ordinary spaces of any width and the
    joiners stay. One line unless `lines` is true, which keeps line breaks and tabs as they are,
    for a block of text the caller laid out itself."""
    if text.isprintable():
        return text
    return "".join(_escape(c) if _obeyed(c, lines) else c for c in text)


def _obeyed(c: str, lines: bool) -> bool:
    if c == " " or c.isprintable():
        return False
    if lines and c in _LAYOUT:
        return False
    if c in _JOINERS:
        return False
    return c in BIDI_CONTROLS or unicodedata.category(c) != "Zs"


def _escape(c: str) -> str:
    return c.encode("unicode_escape").decode("ascii")


@cache
def _json_obeyed() -> re.Pattern[str]:
    """Compiled on first use: most runs write no JSON, and every run imports this module."""
    import re

    return re.compile("[\x7f-\x9f\u00ad\u061c\u180e\u200b\u200e\u200f\u2028-\u202e"
                      "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]")


def safe_json(document: str) -> str:
    """JSON text with every character a terminal would obey written as a `\\uXXXX` escape.

    JSON escapes C0 controls itself, but written with `ensure_ascii=False` (so names in any
    script stay readable) it leaves DEL, C1 controls, bidi controls and line separators raw.
    Such a character can only stand inside a JSON string, where the escape reads back as the
    same character: a program parses the same document, and a terminal shows it as data."""
    if document.isascii() and "\x7f" not in document:
        return document
    return _json_obeyed().sub(lambda m: f"\\u{ord(m.group()):04x}", document)


def bidi_control(text: str) -> tuple[int, str] | None:
    """The first bidi control in `text` (its index and the character), or None. Answers refuse
    them: no one types one on purpose, and in a name they make the record and the terminal show
    one thing while the file says another."""
    for index, c in enumerate(text):
        if c in BIDI_CONTROLS:
            return index, c
    return None


def width(stream: TextIO | None = None) -> int:
    """How wide to lay text out for `stream` (stdout by default). A pipe or a file gets
    PIPE_WIDTH whatever the environment says, so a log or a diff of outputs never depends on
    who ran it; a terminal gets `COLUMNS` when it is set, else its own width. Never wider than
    PIPE_WIDTH nor narrower than MIN_WIDTH."""
    stream = stream if stream is not None else sys.stdout
    if not _is_terminal(stream):
        return PIPE_WIDTH
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        found = int(columns)
    else:
        found = _terminal_columns(stream) or PIPE_WIDTH
    return max(MIN_WIDTH, min(found, PIPE_WIDTH))


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or closed
        return False


def _terminal_columns(stream: TextIO) -> int | None:
    try:
        return os.get_terminal_size(stream.fileno()).columns or None
    except (AttributeError, OSError, ValueError):
        return None


def wrap(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    """`text` in lines of at most `width` characters, broken only between words (a word longer
    than a line keeps its line to itself rather than being cut): `first` starts the first line,
    `rest` every other one. Never empty: text with no words is `first` alone."""
    import textwrap  # only text laid out for people needs it

    lines = textwrap.wrap(text, width, initial_indent=first, subsequent_indent=rest,
                          break_long_words=False, break_on_hyphens=False)
    return lines or [first.rstrip()]


def command_line(words: Sequence[str | PurePath]) -> str:
    """A riskcli command for a person to copy into a shell: every word quoted, so a file named
    `a$(touch X).yaml` is a name and runs nothing, and each path (a PurePath word) that starts
    with '-' written `./-name`, so the pasted command reads it as a file, not an option. The one
    place riskcli writes shell: the record, `levers`, `assess`, `init` and `card` print through
    it."""
    import shlex

    return shlex.join(f"./{word}" if isinstance(word, PurePath) and str(word).startswith("-")
                      else str(word) for word in words)
