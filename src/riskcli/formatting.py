"""Score results for people (text) and machines (JSON). Formatters only read ScoreResults."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from riskcli.exposure import median_days
from riskcli.results import ScoreResult
from riskcli.rulepack import Keys
from riskcli.wording import days_text, percent

if TYPE_CHECKING:
    from riskcli.diffing import DecisionDiff, Side

TOP_CONTRIBUTIONS = 3
WIDTH = 96


def text_summary(result: ScoreResult, keys: Keys) -> str:
    """The compact block a lead reads: band, odds, recommendation, what drives the number."""
    e, r = result.exposure, result.recommendation
    lines = [
        f"{result.file}: {result.answers.get(keys.model_name, '')}",
        f"  gated exposure   {e.band.upper()}  score {e.score}/100",
        f"  P(leak)          {_p_row(result)}",
        f"  median to leak   {days_text(e.median_days_to_leak)}",
        f"  recommendation   {r.headline}",
    ]
    if r.differs_from_intended:
        lines.append(f"                   (differs from the intended mode: {r.intended_mode})")
    lines += [textwrap.fill(reason, WIDTH, initial_indent="    - ", subsequent_indent="      ")
              for reason in r.reasons]
    if e.contributions:
        lines.append("  top drivers (rule, factor x multiplier, median to leak without it)")
        for c in e.contributions[:TOP_CONTRIBUTIONS]:
            without = _days(median_days(c.lambda_without))
            lines.append(f"    {c.rule_id:<28} {c.factor + ' x' + format(c.multiplier, 'g'):<24} "
                         f"{without}")
    return "\n".join(lines)


def _p_row(result: ScoreResult) -> str:
    p = result.exposure.p_leak
    cells = [f"{day}d {percent(p[day])}" for day in p if day != "horizon"]
    cells.append(f"horizon ({result.exposure.horizon_days}d) {percent(p['horizon'])}")
    return "   ".join(cells)


TABLE_HEADER = f"{'band':<9} {'score':>5} {'P(horizon)':>10} {'median':>12}  {'recommend':<16} file"


def table_row(res: ScoreResult) -> str:
    """One line per file when scoring many, so a folder reads at a glance."""
    e = res.exposure
    median = _days(e.median_days_to_leak)
    mode = res.recommendation.mode + (" (hosted)" if res.recommendation.hosted_only else "")
    return (f"{e.band:<9} {e.score:>5} {percent(e.p_leak['horizon']):>10} {median:>12}  "
            f"{mode:<16} {res.file}")


def json_result(result: ScoreResult) -> str:
    """One result as JSON, formatted as `json.dumps(..., indent=2)` formats the document."""
    return json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False,
                      allow_nan=False)


def _nested(part: str) -> str:
    """A result's JSON as it reads inside the document's list: every line four spaces deeper.
    JSON escapes each newline inside a string, so every line break in a part is layout."""
    return "    " + part.replace("\n", "\n    ")


def _json_chunks(items: Sequence[str], version: str) -> Iterator[str]:
    """The document `json.dumps(payload, indent=2)` writes, in pieces, from nested items."""
    yield f'{{\n  "riskcli_version": {json.dumps(version, ensure_ascii=False)},\n  "results": '
    if not items:
        yield "[]\n}"
        return
    yield "[\n"
    for index, item in enumerate(items):
        yield item if index == 0 else ",\n" + item
    yield "\n  ]\n}"


class ScoreOutput:
    """What `riskcli score` prints, built up while the files are scored.

    Each result is formatted as soon as it exists and only its text and band are kept, so scoring
    a folder of ten thousand files never holds ten thousand results: memory stays flat, and the
    garbage collector does not rescan an ever longer list of them (which made time per file grow
    with the number of files). The first result is kept whole: when it is the only one, the
    compact summary is printed instead of a table.
    """

    def __init__(self, as_json: bool, keys: Keys):
        self.as_json = as_json
        self.keys = keys
        self.bands: list[str] = []
        self._parts: list[str] = []
        self._first: ScoreResult | None = None

    def add(self, result: ScoreResult) -> None:
        if self._first is None:
            self._first = result
        self.bands.append(result.exposure.band)
        self._parts.append(_nested(json_result(result)) if self.as_json else table_row(result))

    def chunks(self, version: str) -> Iterator[str]:
        """The output in pieces to write one after the other, the last ending the line; nothing
        when there is nothing to print. A JSON document of ten thousand results (a hundred
        megabytes) is written piece by piece, never copied into one string. `version` goes in
        the JSON document."""
        if self.as_json:
            yield from _json_chunks(self._parts, version)
            yield "\n"
        elif len(self._parts) == 1 and self._first is not None:
            yield text_summary(self._first, self.keys) + "\n"
        elif self._parts:
            yield "\n".join([TABLE_HEADER, *self._parts]) + "\n"


def diff_text(diff: DecisionDiff) -> str:
    """A pull-request reviewer's view: the decision before and after, then each change alone."""
    old, new = diff.old, diff.new
    lines = [
        f"{old.file} -> {new.file}",
        f"  band             {old.band} -> {new.band}" + _flag(diff.band_changed),
        f"  score            {old.score} -> {new.score}",
        f"  P(horizon)       {percent(old.p_leak_horizon)} -> {percent(new.p_leak_horizon)}",
        f"  median to leak   {_days(old.median_days_to_leak)} -> {_days(new.median_days_to_leak)}",
        f"  recommendation   {_mode(old)} -> {_mode(new)}" + _flag(diff.recommendation_changed),
    ]
    if not diff.changes:
        lines.append("  no answer changed")
        return "\n".join(lines)
    lines.append(f"  {len(diff.changes)} answer(s) changed; each applied alone to the old answers:")
    for change in diff.changes:
        lines.append(f"    {change.key:<28} {_value(change.old)} -> {_value(change.new)}")
        if change.rate_alone is None:
            lines.append(f"    {'':<28} alone: only applies together with the other changes")
        else:
            median = _days(median_days(change.rate_alone))
            lines.append(f"    {'':<28} alone: score {old.score} -> {change.score_alone}, median "
                         f"{_days(old.median_days_to_leak)} -> {median}")
    return "\n".join(lines)


def _flag(changed: bool) -> str:
    return "  (changed)" if changed else ""


def _days(days: float | None) -> str:
    """Days to leak without the explanation in brackets, for tables and one-line rows."""
    return days_text(days).split(" (")[0]


def _mode(side: Side) -> str:
    return side.recommendation + (" (hosted only)" if side.hosted_only else "")


def _value(value: object) -> str:
    if value is None:
        return "(absent)"
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."
