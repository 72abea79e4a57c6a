"""What a valid answer to one question is: the single place that checks and normalises a value.

The answers loader, the questionnaire's own defaults and the interactive prompt all go through
`coerce`, so a value accepted in one place is accepted everywhere, with the same message when not.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from riskcli.terminal import bidi_control

if TYPE_CHECKING:
    from riskcli.questionnaire import Question

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
"""ASCII digits only: `\\d` would also take other scripts' digits, which no date is written in."""
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Control characters other than tab and line breaks: text is printed to terminals (where ESC
starts an escape sequence) and into the record, and no one types them on purpose."""
MAX_WHOLE_NUMBER = 2**53
"""Counts and days meet floats in the exposure model: past 2^53 a whole number is no longer exact as
a float, and past about 10^308 it cannot be converted at all, so a questionnaire that sets no `max`
still gets this one."""
_MAX_FLOAT = sys.float_info.max
MAX_TEXT_CHARS = 20_000
"""Free text ends up in a PDF; a rationale longer than ten pages is a pasted file, not an answer."""


class AnswerValueError(ValueError):
    """The value does not fit the question; the message says what was expected."""


class Range(float):
    """An estimate: somewhere between `low` and `high`, read as log-uniform between them.

    It is a float whose value is the central estimate (the geometric mean, the median of a
    log-uniform), so conditions, comparisons and the point figures read it as one number, while
    the exposure model draws across the whole range for its intervals. Two ranges are equal when
    their ends are; a range never equals a plain number, so a changed estimate is a change.
    """

    low: float
    high: float

    def __new__(cls, low: float, high: float) -> Range:
        value = super().__new__(cls, math.sqrt(low) * math.sqrt(high))
        value.low, value.high = low, high
        return value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Range) and (self.low, self.high) == (other.low, other.high)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((self.low, self.high))

    def __repr__(self) -> str:
        return f"Range({self.low!r}, {self.high!r})"

    def __reduce__(self):  # copies and pickles keep both ends
        return (Range, (self.low, self.high))


def coerce(question: Question, value: Any) -> Any:
    """Return the normalised value, or raise AnswerValueError saying what was expected."""
    if question.estimable:
        if isinstance(value, Range):  # already checked: check it again
            return _check_range(question, {"low": _whole(question, value.low),
                                           "high": _whole(question, value.high)})
        if isinstance(value, Mapping):
            return _check_range(question, value)
    return _CHECKERS[question.type](question, value)


def expectation(question: Question, estimate_as: str = "{low: X, high: Y}") -> str:
    """The phrase a user reads after 'expected': the same in files, prompts and the schema.
    `estimate_as` is how an estimate is written where the phrase is read."""
    kind = question.type
    estimate = f" (or an estimate, {estimate_as})" if question.estimable else ""
    if kind == "int":
        return "a whole number" + _range_words(question) + estimate
    if kind == "float":
        return "a number" + _range_words(question) + estimate
    if kind == "bool":
        return "true or false"
    if kind == "date":
        return "a date as YYYY-MM-DD"
    if kind == "text":
        return "text"
    values = ", ".join(c.value for c in question.choices)
    if kind == "choice":
        return f"one of: {values}"
    if question.required:
        return f"a list of one or more of: {values}"
    return f"a list of any of: {values}"


def _range_words(q: Question) -> str:
    low = _fmt(q.min) if q.min is not None else None
    high = _fmt(q.max) if q.max is not None else None
    if low is not None and high is not None:
        if q.min_exclusive:
            return f" greater than {low} and at most {high}"
        return f" between {low} and {high}"
    if low is not None:
        return f" greater than {low}" if q.min_exclusive else f" of at least {low}"
    if high is not None:
        return f" of at most {high}"
    return ""


def _fmt(number: float) -> str:
    """Thousands separated, as a person types them back (the prompt accepts "2,000")."""
    return f"{int(number):,}" if float(number).is_integer() else f"{number:,}"


def _fail(question: Question, got: Any, hint: str = "") -> AnswerValueError:
    shown = _shown(got)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return AnswerValueError(f"expected {expectation(question)}, got {shown}{hint}")


def _shown(got: Any) -> str:
    if isinstance(got, str):
        return f'"{got}"'
    if isinstance(got, int) and got.bit_length() > 64:
        # repr() itself refuses past 4,300 digits, which a hex literal in YAML reaches in 1 KB
        return f"a {got.bit_length():,}-bit integer"
    return repr(got)


TYPED_YES_NO = {"y": True, "yes": True, "true": True, "n": False, "no": False, "false": False}
"""What a person types for a yes/no question where the reply is not YAML (`--set`, lower-cased);
in a file it is YAML: true or false."""
YAML_11_BOOLEANS = frozenset({"yes", "no", "on", "off", "y", "n"})
"""Words YAML 1.1 (and riskcli before 0.2) read as true or false; riskcli reads YAML 1.2, as
editors do, where they are text."""


def _bool_hint(value: Any) -> str:
    """Why a yes/no word is not the boolean someone used to YAML 1.1 expects, and a bare
    true/false not a choice."""
    if isinstance(value, str) and value.lower() in YAML_11_BOOLEANS:
        return " (YAML reads yes/no/on/off as text, as YAML 1.2 does; write true or false)"
    if isinstance(value, bool):
        return " (true and false are YAML booleans, not choices)"
    return ""


def _check_bool(q: Question, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise _fail(q, value, _bool_hint(value))


def _check_number(q: Question, value: Any) -> int | float:
    whole = q.type == "int"
    if isinstance(value, int) and not isinstance(value, bool):
        if whole and abs(value) > MAX_WHOLE_NUMBER:
            raise _fail(q, value, f" (whole numbers stop at {MAX_WHOLE_NUMBER:,})")
        if abs(value) > _MAX_FLOAT:  # an integer past what a float holds
            raise _fail(q, value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise _fail(q, value)
        if whole and not value.is_integer():
            # 1e3 and 1000.0 are whole numbers written as floats: JSON Schema's "integer" takes
            # them
            raise _fail(q, value)
        if whole and abs(value) > MAX_WHOLE_NUMBER:
            raise _fail(q, value, f" (whole numbers stop at {MAX_WHOLE_NUMBER:,})")
    else:
        raise _fail(q, value)
    number = int(value) if whole else float(value)
    too_low = q.min is not None and (number <= q.min if q.min_exclusive else number < q.min)
    too_high = q.max is not None and number > q.max
    if too_low or too_high:
        raise _fail(q, value)
    return number


def _check_range(q: Question, value: Mapping[Any, Any]) -> Range:
    """`{low: 1000, high: 5000}`: both ends checked as single answers would be."""
    if set(value) != {"low", "high"}:
        raise AnswerValueError("an estimate is written {low: X, high: Y}, with exactly those two "
                               f"keys; got {', '.join(map(str, value)) or 'none'}")
    low, high = (_check_number(q, value[end]) for end in ("low", "high"))
    if not 0 < low < high:
        raise AnswerValueError(f"an estimate needs 0 < low < high (ranges are read on a log "
                               f"scale); got low {_fmt(low)}, high {_fmt(high)}")
    return Range(float(low), float(high))


def _whole(q: Question, end: Any) -> Any:
    """A range read back from a Range holds floats; a whole count stays a whole number."""
    if q.type == "int" and isinstance(end, float) and end.is_integer():
        return int(end)
    return end


def _check_text(q: Question, value: Any) -> str:
    if not isinstance(value, str):
        raise _fail(q, value, " (quote it to make it text)")
    if len(value) > MAX_TEXT_CHARS:
        raise AnswerValueError(
            f"text is {len(value):,} characters; the limit is {MAX_TEXT_CHARS:,}"
        )
    # Printable text holds no control character (they are all unprintable): the usual answer
    # skips the search.
    control = None if value.isprintable() else CONTROL_CHARACTERS.search(value)
    if control:
        raise AnswerValueError(
            f"text holds the control character U+{ord(control.group()):04X} at character "
            f"{control.start() + 1}; remove it"
        )
    # Every bidi control is outside ASCII: skipping the scan for ASCII text took 13 us off
    # checking an answers file of four texts.
    bidi = None if value.isascii() else bidi_control(value)
    if bidi:
        raise AnswerValueError(
            f"text holds the bidi control U+{ord(bidi[1]):04X} at character {bidi[0] + 1}, which "
            "shows the text in another order than it is written; remove it"
        )
    text = value.strip()
    if q.required and not text:
        raise AnswerValueError("expected text, got a blank answer")
    return text


def _check_date(q: Question, value: Any) -> dt.date:
    day = iso_date(value)
    if day is None:
        raise _fail(q, value)
    return day


def iso_date(value: Any) -> dt.date | None:
    """The one reading of a date in any file riskcli reads (answers and the decision block):
    YYYY-MM-DD and nothing else, as the JSON Schema says. None when the value is not written as a
    date at all; AnswerValueError when it is but names no real day (2023-02-30)."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise AnswerValueError(f'"{value}" is not a real date (expected YYYY-MM-DD)') from None
    return None


def _check_choice(q: Question, value: Any) -> str:
    if isinstance(value, str) and value in q.choice_values:
        return value
    raise _fail(q, value, _bool_hint(value) or _suggest(value, q.choice_values))


def _check_multi(q: Question, value: Any) -> list[str]:
    if not isinstance(value, list):
        raise _fail(q, value, " (write a YAML list, e.g. [a, b])")
    chosen: list[str] = []
    for item in value:
        if not isinstance(item, str) or item not in q.choice_values:
            raise _fail(q, item, _bool_hint(item) or _suggest(item, q.choice_values))
        if item in chosen:
            raise AnswerValueError(f'"{item}" is listed twice')
        chosen.append(item)
    exclusive = [c.value for c in q.choices if c.exclusive and c.value in chosen]
    if exclusive and len(chosen) > 1:
        raise AnswerValueError(f'"{exclusive[0]}" cannot be combined with other choices')
    if not chosen and q.required:
        # an empty list would read as "nothing applies" to a reader and as no answer to a rule
        alone = [c.value for c in q.choices if c.exclusive]
        hint = f" (write [{alone[0]}] if none apply)" if alone else ""
        raise AnswerValueError(f"expected {expectation(q)}, got []{hint}")
    return chosen


def _suggest(value: Any, options: list[str]) -> str:
    if not isinstance(value, str):
        return ""
    close = difflib.get_close_matches(value, options, n=1)
    return f"; did you mean {close[0]}?" if close else ""


_CHECKERS = {
    "bool": _check_bool,
    "int": _check_number,
    "float": _check_number,
    "text": _check_text,
    "date": _check_date,
    "choice": _check_choice,
    "multi_choice": _check_multi,
}


def to_plain(value: Any) -> Any:
    """JSON/YAML-friendly form of a normalised value (dates as ISO text, estimates as
    {low, high} with whole numbers kept whole)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Range):
        return {"low": _plain_number(value.low), "high": _plain_number(value.high)}
    return value


def _plain_number(number: float) -> int | float:
    return int(number) if number.is_integer() else number
