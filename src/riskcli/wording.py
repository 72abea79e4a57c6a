"""How figures read, wherever they are shown: text output, JSON summaries, sentences and the record.

One module, so `score`, the recommendation's own sentences and the record never disagree: a
reviewer must not find '>99%' in a reason and '99.9%' in the table beside it.
"""

from __future__ import annotations


def percent(p: float) -> str:
    """Probabilities as people read them: never '100%' for something short of certain."""
    if p >= 0.995:
        return ">99%"
    if 0 < p < 0.005:
        return "<1%"
    return f"{p:.0%}"


def percent_words(p: float) -> str:
    """A probability inside a sentence: 'over 99%' and 'under 1%' where a table says '>99%' and
    '<1%' (in prose, 'is >99%' reads as a formula and '= >99%' as a typo)."""
    shown = percent(p)
    if shown[0] in "<>":
        return ("over " if shown[0] == ">" else "under ") + shown[1:]
    return shown


def sentence(text: str) -> str:
    """Text that is read as a sentence (a headline, a reason) ends as one: with a full stop,
    unless it already ends in . ! or ?."""
    text = text.rstrip()
    return text if not text or text[-1] in ".!?" else text + "."


def days_text(days: float | None) -> str:
    if days is None:
        return "never (nobody can copy the weights)"
    return _in_unit(days, _unit(days))


_UNITS = {"hours": 1 / 24, "days": 1.0, "years": 365.25}


def _unit(days: float) -> str:
    """Hours under a day (a median of '0.0 days' says nothing), years past ten years."""
    if days < 1:
        return "hours"
    return "days" if days < 3650 else "years"


def _in_unit(days: float, unit: str) -> str:
    value = days / _UNITS[unit]
    return f"{value:.1f} {unit}" if value < 10 else f"{value:,.0f} {unit}"


def percent_range(low: float, high: float) -> str:
    """'22–76%'; an end that is a bound reads as words, '96% to >99%'; one figure when both
    ends read the same."""
    first, last = percent(low), percent(high)
    if first == last:
        return first
    if first[0] in "<>" or last[0] in "<>":
        return f"{first} to {last}"
    return f"{first.removesuffix('%')}–{last}"


def days_range(low: float | None, high: float | None) -> str:
    """'3.4–19 days', both ends in the unit of the slower one ('3.2–16 years', not '1,166
    days–16 years'). None at the slow end is 'never'."""
    if low is None:
        return days_text(None)
    if high is None:
        return f"{days_text(low)} to never"
    unit = _unit(high)
    first, last = _in_unit(low, unit), _in_unit(high, unit)
    if first == last:
        return first
    return f"{first.removesuffix(' ' + unit)}–{last}"


def band_words(band: str, low: str, high: str) -> str:
    """'critical', or 'high, could be moderate–critical' when the interval straddles a cut."""
    if low == high:
        return band
    return f"{band}, could be {low}–{high}"


def level_words(level: float) -> str:
    """0.8 -> '80%'."""
    return f"{level:.0%}" if round(level * 100, 6).is_integer() else f"{level:.1%}"
