"""Which characters of a record no font can draw: the PDF must never be silently unreadable.

WeasyPrint draws each character with the first font of the CSS font-family list that has it,
then with any font fontconfig knows (the stylesheets end every list with a generic family). A
character none of them has prints as a hatched box, with no error. So before a PDF is laid out,
the record's text is checked: first against the template folder's own fonts (their cmap, read
with fontTools, which WeasyPrint already depends on), then, only for what those lack, against
the system's fonts (fontconfig's `fc-list`, one call). Most records hold nothing outside the
bundled fonts, and pay only for reading their cmaps.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from riskcli.errors import Problem

FONT_SUFFIXES = frozenset({".woff2", ".woff", ".ttf", ".otf"})
_UNDRAWN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"})
"""Controls, format characters (joiners, bidi marks), spaces and separators: no font needs a
glyph for them, and WeasyPrint draws none."""
_FC_TIMEOUT = 20.0
_NAMED = 12
"""At most this many characters are named in the warning; the rest are counted."""


@dataclass(frozen=True)
class Undrawable:
    """Characters of a record no font draws, in order of first appearance."""

    characters: list[str]
    system_checked: bool
    """False when fontconfig's fc-list is not installed, so only the bundled fonts were read."""
    keys: list[str]
    """The answers that hold them ([] when they come from the questionnaire or the pack)."""


def undrawable(html: str, fonts: Iterable[Path],
               answers: Mapping[str, Any] | None = None) -> Undrawable | None:
    """What in `html`'s text neither `fonts` (the template folder's) nor a system font draws;
    None when everything can be drawn."""
    text = record_text(html)
    covered = bundled_coverage(tuple(sorted(set(fonts))))
    missing = [c for c in dict.fromkeys(text) if ord(c) not in covered and _needs_glyph(c)]
    if not missing:
        return None
    system = system_coverage()
    if system is not None:
        missing = [c for c in missing if not _in_ranges(ord(c), system)]
        if not missing:
            return None
    wanted = set(missing)
    keys = [key for key, value in (answers or {}).items() if wanted & set(str(value))]
    return Undrawable(missing, system is not None, keys)


def record_text(html: str) -> str:
    """The text a reader sees: element text and SVG labels, entities decoded, without the
    stylesheets (their comments are never drawn)."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


class _TextParser(HTMLParser):
    _HIDDEN = frozenset({"style", "script", "title", "head"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _needs_glyph(char: str) -> bool:
    return unicodedata.category(char) not in _UNDRAWN_CATEGORIES


@functools.lru_cache(maxsize=8)
def bundled_coverage(fonts: tuple[Path, ...]) -> frozenset[int]:
    """Every code point one of `fonts` maps to a glyph. A font that cannot be read adds nothing:
    WeasyPrint would not draw with it either. Kept in `riskcli.cache` by the fonts' bytes:
    reading the cmaps with fontTools took longer than the rest of the check."""
    from riskcli.cache import cached

    raws: list[tuple[str, bytes]] = []
    for path in fonts:
        if path.suffix.lower() not in FONT_SUFFIXES:
            continue
        try:
            raws.append((str(path), path.read_bytes()))
        except OSError:
            continue
    return cached("font-coverage", raws, lambda: _coverage([raw for _, raw in raws]))


def _coverage(fonts: list[bytes]) -> frozenset[int]:
    import io

    from fontTools.ttLib import TTFont, TTLibError  # WeasyPrint's own dependency

    covered: set[int] = set()
    for raw in fonts:
        try:
            with TTFont(io.BytesIO(raw), lazy=True) as font:
                covered.update(font.getBestCmap() or {})
        except (OSError, TTLibError, ValueError, KeyError, AssertionError):
            continue
    return frozenset(covered)


def system_coverage() -> list[tuple[int, int]] | None:
    """The code point ranges some font fontconfig knows has (sorted, merged), or None when
    fc-list is not installed or fails: then nothing can be said about the system's fonts."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        run = subprocess.run([fc_list, "--format", "%{charset}\n"], capture_output=True,
                             text=True, timeout=_FC_TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if run.returncode != 0:
        return None
    return parse_charsets(run.stdout)


def parse_charsets(text: str) -> list[tuple[int, int]]:
    """fontconfig's charsets ('20-7e a0-17f 2013') as merged, sorted (low, high) ranges."""
    ranges = []
    for token in text.split():
        low, _, high = token.partition("-")
        try:
            ranges.append((int(low, 16), int(high or low, 16)))
        except ValueError:
            continue
    ranges.sort()
    merged: list[tuple[int, int]] = []
    for low, high in ranges:
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def _in_ranges(point: int, ranges: list[tuple[int, int]]) -> bool:
    index = bisect_right(ranges, (point, float("inf"))) - 1
    return index >= 0 and ranges[index][0] <= point <= ranges[index][1]


def warning(found: Undrawable, file: str) -> Problem:
    """One line naming what will print as boxes, and how to get a font that draws it."""
    named = ", ".join(f"{c} (U+{ord(c):04X})" for c in found.characters[:_NAMED])
    more = len(found.characters) - _NAMED
    if more > 0:
        named += f" and {more} more"
    where = "the system's fonts" if found.system_checked else (
        "the system's fonts could not be checked (fontconfig's fc-list is not installed)")
    fix = ("install a font that has them (Chinese, Japanese, Korean on Debian: fonts-noto-cjk; "
           "emoji: fonts-noto-color-emoji)")
    if found.system_checked:
        message = (f"no font draws {named}: neither the template folder's fonts nor {where} "
                   f"have them, so the PDF shows boxes there; {fix}")
    else:
        message = (f"the template folder's fonts cannot draw {named}, and {where}; the PDF may "
                   f"show boxes there; {fix}")
    return Problem(file, ", ".join(found.keys), message, code="fonts")
