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


def days_text(days: float | None) -> str:
    if days is None:
        return "never (nobody can copy the weights)"
    if days < 10:
        return f"{days:.1f} days"
    if days < 3650:
        return f"{days:,.0f} days"
    return f"{days / 365.25:,.0f} years"
