"""How numbers and answers read in the record: the one place the report turns figures into text.

The PDF, the HTML and the model-card Markdown all print the same figures, so each kind of number
(a probability, a number of days, a leak rate, a multiplier) is formatted here once. Probabilities
and durations defer to the rules `riskcli score` and the recommendation's sentences already use, so
a reviewer never finds '>99%' in a reason and '99.9%' in the table beside it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any

from riskcli import wording
from riskcli.questionnaire import Question

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
MISSING = "—"

SHORT_LIMIT = 300
"""Characters of one answer in a table cell, a title or a sentence; the appendix has it whole."""
_RUN = 500
"""A run of this many characters with no space is cut into pieces a line can break between;
shorter ones (a URL, a digest) are left as typed, so they copy whole."""
_PIECE = 50
_LONG_RUN = re.compile(rf"(?:&#?\w+;|[^\s<>&]){{{_RUN},}}")
_ATOM = re.compile(r"&#?\w+;|[^&]")
_ZERO_WIDTH_SPACE = "\u200b"


def clip(text: str, limit: int) -> str:
    """`text`, cut to `limit` characters with an ellipsis when longer."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def breakable_html(html: str) -> str:
    """`html` with a zero-width space every few characters of each very long unbroken run of
    text (outside tags), so a line can break there.

    WeasyPrint breaks a word too long for its line by measuring it again from each candidate
    break, so its time grows with the square of the word: four answers of 20,000 characters
    without a space took a minute and a half. Cut into pieces, the same text lays out like prose.
    """
    parts = re.split(r"(<[^>]*>)", html)
    for index in range(0, len(parts), 2):  # the text between tags
        if len(parts[index]) >= _RUN:
            parts[index] = _LONG_RUN.sub(_pieces, parts[index])
    return "".join(parts)


def _pieces(match: re.Match[str]) -> str:
    atoms = _ATOM.findall(match.group(0))  # an entity (&amp;) is one character, never split
    return _ZERO_WIDTH_SPACE.join("".join(atoms[i: i + _PIECE])
                                  for i in range(0, len(atoms), _PIECE))


def percent(p: float | None) -> str:
    """The CLI's rule (riskcli.wording.percent), so the record, `score` and the recommendation's
    own sentences agree: never '100%' for something short of certain."""
    return MISSING if p is None else wording.percent(p)


def days(value: float | None) -> str:
    """The CLI's rule (riskcli.wording.days_text), for the same reason."""
    return wording.days_text(value)


def rate(value: float, signed: bool = False) -> str:
    """A leak rate per day with three significant figures, small values as powers of ten.

    Partner-only releases have rates around 10⁻⁵ per day; '0.0000123' hides the magnitude a
    reviewer needs to see, so those read as 1.23 × 10⁻⁵.
    """
    sign = ""
    if signed:
        sign = "+" if value > 0 else ("−" if value < 0 else "±")
    magnitude = abs(value)
    if magnitude == 0:
        return f"{sign}0"
    if magnitude >= 0.01:
        return f"{sign}{_significant(magnitude)}"
    exponent = math.floor(math.log10(magnitude))
    mantissa = magnitude / 10**exponent
    if round(mantissa, 2) >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{sign}{mantissa:.2f} × 10{str(exponent).translate(_SUPERSCRIPT)}"


def rate_range(low: float, high: float) -> str:
    """Two leak rates (or hazards) as one range: '0.0356–0.202', '1.16–5.94 × 10⁻⁴' when both
    ends share a power of ten, '5.94 × 10⁻³ to 0.0120' when they do not (a dash between two
    powers of ten would read as a minus sign)."""
    first, last = rate(low), rate(high)
    if first == last:
        return first
    head, times, power = first.partition(" × ")
    if times and last.endswith(f"{times}{power}"):
        return f"{head}–{last}"
    if not times and " × " not in last:
        return f"{first}–{last}"
    return f"{first} to {last}"


def percent_range(low: float, high: float) -> str:
    """'22–76%': the CLI's rule (riskcli.wording.percent_range)."""
    return wording.percent_range(low, high)


def days_range(low: float | None, high: float | None) -> str:
    """'3.4–19 days': the CLI's rule (riskcli.wording.days_range)."""
    return wording.days_range(low, high)


def number_range(question: Question | None, low: float, high: float) -> str:
    """An estimate's two ends as its answer reads them: '20–4,000'."""
    whole = question is not None and question.type == "int"
    first, last = (integer(int(end)) if whole else f"{float(end):,.6g}" for end in (low, high))
    return f"{first}–{last}"


def score_range(low: int, high: int) -> str:
    """'2–78', or one figure when both ends agree."""
    return str(low) if low == high else f"{low}–{high}"


def band_words(band: str, low: str, high: str) -> str:
    """'high, could be moderate–critical': the CLI's rule (riskcli.wording.band_words)."""
    return wording.band_words(band, low, high)


def level(value: float) -> str:
    """An interval's level, 0.8 as '80%' (riskcli.wording.level_words)."""
    return wording.level_words(value)


def _significant(value: float) -> str:
    digits = max(0, 2 - math.floor(math.log10(value)))
    return f"{value:,.{digits}f}"


def multiplier(value: float) -> str:
    return f"×{value:.3g}"


def integer(value: int) -> str:
    return f"{value:,}"


def long_date(value: str | dt.date) -> str:
    """'2023-02-24' as '24 February 2023': unambiguous for readers on both sides of the Atlantic."""
    date = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    return f"{date.day} {_MONTHS[date.month - 1]} {date.year}"


def short_label(label: str) -> str:
    """The part of a choice label before its explanation ('Extreme - a headline model …')."""
    return label.split(" - ", 1)[0].strip()


def split_label(label: str) -> tuple[str, str]:
    """'Gated (access on application)' -> ('Gated', 'access on application')."""
    head, sep, tail = label.partition(" (")
    if sep and tail.endswith(")"):
        return head.strip(), tail[:-1].strip()
    return label.strip(), ""


def answer_text(question: Question | None, value: Any, short: bool = False) -> str:
    """An answer as a person reads it: choice labels rather than stored values, Yes/No, dates."""
    if value is None:
        return MISSING
    if question is None:
        return _plain(value)
    kind = question.type
    if kind == "bool":
        return "Yes" if value else "No"
    if kind == "choice":
        return _choice_label(question, value, short)
    if kind == "multi_choice":
        return "; ".join(_choice_label(question, item, short) for item in value) or MISSING
    if kind == "date":
        return long_date(value)
    if isinstance(value, Mapping) and set(value) == {"low", "high"}:
        return f"{_number(kind, value['low'])}–{_number(kind, value['high'])} (estimate)"
    if kind in ("int", "float"):
        return _number(kind, value)
    return str(value)


def _number(kind: str, value: Any) -> str:
    return integer(int(value)) if kind == "int" else f"{float(value):,.6g}"


def _choice_label(question: Question, value: Any, short: bool) -> str:
    choice = question.choice(str(value))
    if choice is None:
        return str(value)
    return short_label(choice.label) if short else choice.label


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return "; ".join(_plain(item) for item in value)
    return str(value)
