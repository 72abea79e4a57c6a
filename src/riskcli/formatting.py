"""Score results for people (text) and machines (JSON). Formatters only read ScoreResults."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from json.encoder import encode_basestring as _json_string  # C, as ensure_ascii=False uses
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from riskcli import terminal
from riskcli.exposure import median_days
from riskcli.results import OptionAssessment, ScoreResult
from riskcli.rulepack import Keys
from riskcli.terminal import command_line, wrap
from riskcli.wording import (
    band_words,
    days_range,
    days_text,
    level_words,
    percent,
    percent_range,
)

if TYPE_CHECKING:
    from riskcli.calibration import Calibration
    from riskcli.diffing import DecisionDiff, Side
    from riskcli.levers import LeverReport
    from riskcli.levers import Outcome as LeverOutcome
    from riskcli.scoring import Engine

TOP_CONTRIBUTIONS = 3
INDENT = " " * 19
"""Where the values start, after a two-space margin and a 16-character label and a space."""


def text_summary(result: ScoreResult, keys: Keys, width: int | None = None) -> str:
    """The compact block a lead reads: the decision's status, every option with its band, the
    exposure as answered with intervals, the recommendation with the obligations it names, and
    what drives the number. Laid out for `width` columns (the terminal's when None): a row that
    does not fit puts its figures on the next line, and text breaks only between words."""
    width = terminal.width() if width is None else width
    e, r = result.exposure, result.recommendation
    level = level_words(e.interval.level)
    low_band, high_band = e.interval.bands
    low_score, high_score = e.interval.score
    lines = [
        f"{result.file}: {result.answers.get(keys.model_name, '')}",  # names a file: one line
        *_status_rows(result, width),
        *_option_rows(result, width),
        *_beside(f"  {_exposure_label(result):<16} "
                 f"{band_words(e.band.upper(), low_band, high_band)}",
                 f"  score {e.score}/100 ({level}: {_span(low_score, high_score)})", width),
        *_p_rows(result, level, width),
        *_beside(f"  median to leak   {days_text(e.median_days_to_leak)}",
                 _median_interval(result, level), width),
        *_wrapped(f"{r.mode}: {r.headline}", "  recommendation   ", INDENT, width),
    ]
    if r.differs_from_intended:
        lines += _wrapped(f"(differs from the plan: {r.plan_mode})", INDENT, INDENT, width)
    for reason in r.reasons:
        lines += _wrapped(reason, "    - ", "      ", width)
    if r.mitigations:
        lines.append("  obligations      (owner in brackets)")
        for m in r.mitigations:
            lines += _wrapped(f"{m.text} [{m.owner}]", "    - ", "      ", width)
    if e.interval.estimates:
        lines += _wrapped(f"{', '.join(e.interval.estimates)} (given as ranges; they widen the "
                          "intervals)", "  estimates        ", INDENT, width)
    if e.contributions:
        lines += _wrapped("top drivers (rule, factor x multiplier, median to leak without it)",
                          "  ", "    ", width)
        lines += _columns([(f"    {c.rule_id:<28} ", f"{c.factor} x{c.multiplier:.3g}",
                            _days(median_days(c.lambda_without)))
                           for c in e.contributions[:TOP_CONTRIBUTIONS]], 24, width)
    return _shown(lines)


def _shown(lines: list[str]) -> str:
    """The lines as a terminal may show them: whatever came from a file (a file name, an answer,
    a pack's text) is escaped if a terminal would obey it, and a line break inside a value keeps
    to its line as `\\n`."""
    return "\n".join(terminal.safe(line) for line in lines)


def _wrapped(text: str, first: str, rest: str, width: int) -> list[str]:
    return wrap(terminal.safe(text), width, first, rest)


def _beside(first: str, second: str, width: int, rest: str = INDENT) -> list[str]:
    """`second` after `first` on one line when it fits; else on the next line, at `rest`, so a
    figure and its interval are never split between lines."""
    first, second = terminal.safe(first), terminal.safe(second)
    if not second.strip():
        return wrap(first, width, "", rest)
    if len(first) + len(second) <= width:
        return [first + second]
    return [*wrap(first, width, "", rest), *wrap(second.strip(), width, rest, rest)]


def _columns(rows: list[tuple[str, str, str]], middle: int, width: int) -> list[str]:
    """Rows of a label and two figures, aligned; when any row is too wide, every row puts its
    figures on a line of their own under the label, so the block stays one shape."""
    rows = [tuple(terminal.safe(cell) for cell in row) for row in rows]  # type: ignore[misc]
    wide = [f"{label}{a:<{middle}} {b}".rstrip() for label, a, b in rows]
    if all(len(line) <= width for line in wide):
        return wide
    lines = []
    for label, a, b in rows:
        lines += wrap(label.rstrip(), width, "", "      ")
        lines += wrap(f"{a}  {b}".strip(), width, "      ", "        ")
    return lines


def _status_rows(result: ScoreResult, width: int) -> list[str]:
    d = result.decision
    if d.status == "decided":
        status = f"decided: {d.mode}, approved by {d.approved_by} on {d.approved_on}"
    else:
        status = (f"proposed: {d.mode} is under consideration; recommended: "
                  f"{result.recommendation.mode}")
    rows = _wrapped(status, "  status           ", INDENT, width)
    for risk in d.accepted_risks:
        rows += _wrapped(f"{risk.finding} [{risk.owner}, until {risk.expires}]: {risk.reason}",
                         "  accepted risk    ", INDENT, width)
    return rows


def _option_rows(result: ScoreResult, width: int) -> list[str]:
    """Every option on one line: its band and what the band measures, the one under
    consideration and the recommended one marked. When any is too wide, each option takes two
    lines, what the band measures under its name."""
    cells = []
    for index, option in enumerate(result.options):
        considered = option.mode == result.decision.mode
        mark = {(True, True): "considered+rec", (True, False): "considered",
                (False, True): "recommended"}.get((considered, option.recommended), "")
        label = "options" if index == 0 else ""
        band = (option.band or "n/a").upper()
        cells.append((terminal.safe(f"  {label:<16} {mark:<15}{option.mode:<16} {band:<9}"),
                      terminal.safe(_brief(option))))
    wide = [f"{name} {brief}" for name, brief in cells]
    if all(len(line) <= width for line in wide):
        return wide
    lines = []
    for name, brief in cells:
        lines += wrap(name.rstrip(), width, "", INDENT)
        lines += wrap(brief, width, INDENT + "  ", INDENT + "    ")
    return lines


def _brief(option: OptionAssessment) -> str:
    if option.weights == "public":
        return f"public from day 0; misuse {option.misuse_severity}"
    if option.p_leak_horizon is None:
        return "not assessed (no recipients answered)"
    return (f"P(horizon) {percent(option.p_leak_horizon)}, median "
            f"{_days(option.median_days_to_leak)}")


def _exposure_label(result: ScoreResult) -> str:
    """The exposure as answered is the hosted option's when the downloaded one could not be
    assessed (the answers keep the weights on your servers)."""
    downloaded = any(o.weights == "downloaded" and o.assessed for o in result.options)
    return "gated exposure" if downloaded else "hosted exposure"


def _span(low: int, high: int) -> str:
    return str(low) if low == high else f"{low}–{high}"


def _p_rows(result: ScoreResult, level: str, width: int) -> list[str]:
    """One line per report day, the horizon marked (or added when it is not a report day)."""
    e = result.exposure
    rows: list[str] = []
    for day, p in e.p_leak.items():
        if day == "horizon" and str(e.horizon_days) in e.p_leak:
            continue
        shown = e.horizon_days if day == "horizon" else day
        mark = "  (horizon)" if str(shown) == str(e.horizon_days) else ""
        low, high = e.interval.p_leak[day]
        label = f"P(leak by {shown}d)"
        rows += _beside(f"  {label:<16} {percent(p):<4}",
                        f" ({level}: {percent_range(low, high)}){mark}", width)
    return rows


def _median_interval(result: ScoreResult, level: str) -> str:
    span = result.exposure.interval.median_days_to_leak
    if span is None:
        return ""
    return f" ({level}: {days_range(span[0], span[1])})"


TABLE_HEADER = (f"{'considered':<16} {'band':<9} {'recommended':<16} {'P(leak)':>8} "
                f"{'interval':>12} {'median':>11}  file")
"""P(leak) and median are the gated exposure as answered; band is the considered option's."""


def table_row(res: ScoreResult) -> str:
    """One line per file when scoring many, so a folder reads at a glance: the option under
    consideration with its band, the recommendation (starred when it differs), the exposure."""
    e, r = res.exposure, res.recommendation
    considered = next(o for o in res.options if o.mode == res.decision.mode)
    recommended = r.mode + ("*" if r.mode != res.decision.mode else "")
    low, high = e.interval.p_leak["horizon"]
    return terminal.safe(f"{considered.mode:<16} {considered.band or 'n/a':<9} {recommended:<16} "
                         f"{percent(e.p_leak['horizon']):>8} {percent_range(low, high):>12} "
                         f"{_days(e.median_days_to_leak):>11}  {res.file}")


def json_result(result: ScoreResult, indent: str = "") -> str:
    """One result as JSON, formatted as `json.dumps(..., indent=2)` formats the document, every
    line after the first `indent` deeper (as it reads nested in the document's list)."""
    return terminal.safe_json(json_text(result.model_dump(mode="json"), indent))


def json_text(value: Any, indent: str = "") -> str:
    """`json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False)` with every line after
    the first `indent` deeper, in 0.6 of the time (a bench result: 280 -> 160 us, most of
    `--format json`'s output): given an indent, the standard library encodes in Python
    through a generator per level, each piece passed up every level; this is one recursive
    function appending to a list. What it does not know (a float that is not finite, a key
    that is not text, any other type) goes to json.dumps, so the text, or the error, is always
    the standard library's; tests/test_formatting.py holds the two equal."""
    parts: list[str] = []
    try:
        _encode(value, parts, indent)
    except (_Unplain, RecursionError):  # RecursionError: a cycle, which json.dumps names
        text = json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False)
        return text.replace("\n", "\n" + indent)  # JSON escapes every newline in a string
    return "".join(parts)


class _Unplain(Exception):
    """A value `json_text` leaves to json.dumps."""


def _encode(value: Any, parts: list[str], indent: str) -> None:
    """`value` as json.dumps writes it at `indent`, in the order its encoder tests types."""
    if isinstance(value, str):
        parts.append(_json_string(value))
    elif value is None:
        parts.append("null")
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    elif isinstance(value, int):
        parts.append(int.__repr__(value))
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise _Unplain
        parts.append(float.__repr__(value))
    elif isinstance(value, list | tuple):
        if not value:
            parts.append("[]")
            return
        inner = indent + "  "
        before = "[\n" + inner
        for item in value:
            parts.append(before)
            before = ",\n" + inner
            _encode(item, parts, inner)
        parts.append("\n" + indent + "]")
    elif isinstance(value, dict):
        if not value:
            parts.append("{}")
            return
        inner = indent + "  "
        before = "{\n" + inner
        for key, item in value.items():
            if not isinstance(key, str):
                raise _Unplain
            parts.append(f"{before}{_json_string(key)}: ")
            before = ",\n" + inner
            _encode(item, parts, inner)
        parts.append("\n" + indent + "}")
    else:
        raise _Unplain


def _json_head(version: str) -> str:
    """The JSON document up to its list of results, as `json.dumps(payload, indent=2)` writes
    it; then each nested result after `_json_joint`, then `_json_tail`."""
    return f'{{\n  "riskcli_version": {json.dumps(version, ensure_ascii=False)},\n  "results": '


def _json_joint(index: int) -> str:
    return "[\n" if index == 0 else ",\n"


def _json_tail(count: int) -> str:
    return "[]\n}\n" if count == 0 else "\n  ]\n}\n"


class ScoreOutput:
    """What `riskcli score` prints as text or JSON, built up while the files are scored.

    JSON given `write` is written as it is made: the document's head at once, then each result
    the moment it is scored, so memory stays flat however many files there are (holding them
    until the end took 1.8 GB for 100,000 files) and the bytes are those `json.dumps` writes
    for the whole document. Without `write` the pieces are kept for `chunks`. Text keeps one
    table row per file (the progress bar shares the terminal while files are scored) and the
    first result whole: when it is the only one, the compact summary is printed instead of a
    table. No result is kept past its formatting, which also spares the garbage collector an
    ever longer list to rescan.
    """

    def __init__(self, as_json: bool, keys: Keys, *, write: Callable[[str], None] | None = None,
                 version: str = ""):
        self.as_json = as_json
        self.keys = keys
        self._parts: list[str] = []
        self._first: ScoreResult | None = None
        self._count = 0
        self._write = write if as_json else None
        if self._write is not None:
            self._write(_json_head(version))

    def add(self, result: ScoreResult) -> None:
        if not self.as_json:
            if self._first is None:
                self._first = result
            self._parts.append(table_row(result))
            return
        piece = _json_joint(self._count) + "    " + json_result(result, "    ")
        self._count += 1
        if self._write is not None:
            self._write(piece)
        else:
            self._parts.append(piece)

    def chunks(self, version: str = "") -> Iterator[str]:
        """What is left to print, in pieces to write one after the other, the last ending the
        line; nothing when there is nothing to print. Streamed JSON leaves only its end; kept
        JSON is the whole document, with `version` in it, written piece by piece (ten thousand
        results are a hundred megabytes), never copied into one string."""
        if self.as_json:
            if self._write is None:
                yield _json_head(version)
                yield from self._parts
            yield _json_tail(self._count)
        elif len(self._parts) == 1 and self._first is not None:
            yield text_summary(self._first, self.keys) + "\n"
        elif self._parts:
            yield "\n".join([TABLE_HEADER, *self._parts]) + "\n"


def diff_text(diff: DecisionDiff, width: int | None = None) -> str:
    """A pull-request reviewer's view: the decision before and after, then each change alone."""
    width = terminal.width() if width is None else width
    old, new = diff.old, diff.new
    lines = [
        f"{old.file} -> {new.file}",  # names to copy: never broken
        f"  band             {old.band} -> {new.band}" + _flag(diff.band_changed),
        f"  score            {old.score} -> {new.score}",
        f"  P(horizon)       {percent(old.p_leak_horizon)} -> {percent(new.p_leak_horizon)}",
        f"  median to leak   {_days(old.median_days_to_leak)} -> {_days(new.median_days_to_leak)}",
        f"  recommendation   {_mode(old)} -> {_mode(new)}" + _flag(diff.recommendation_changed),
    ]
    if not diff.changes:
        lines.append("  no answer changed")
        return _shown(lines)
    lines += _wrapped(f"{len(diff.changes)} answer(s) changed; each applied alone to the old "
                      "answers:", "  ", "    ", width)
    for change in diff.changes:
        if change.rate_alone is None:
            alone = "alone: only applies together with the other changes"
        else:
            alone = (f"alone: score {old.score} -> {change.score_alone}, median "
                     f"{_days(old.median_days_to_leak)} -> {_days(median_days(change.rate_alone))}")
        lines += _change_rows(change.key, f"{_value(change.old)} -> {_value(change.new)}", alone,
                              width)
    return _shown(lines)


def _change_rows(key: str, values: str, alone: str, width: int) -> list[str]:
    """A changed answer: its key, then the values and what the change does alone, in a column
    beside the key when they fit, else under it."""
    column = f"    {'':<28} "
    if all(len(column) + len(terminal.safe(text)) <= width for text in (values, alone)):
        return [f"    {terminal.safe(key):<28} {terminal.safe(values)}",
                f"{column}{terminal.safe(alone)}"]
    return [*_wrapped(key, "    ", "      ", width), *_wrapped(values, "      ", "        ", width),
            *_wrapped(alone, "      ", "        ", width)]


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
    if isinstance(value, dict) and set(value) == {"low", "high"}:
        return f"{value['low']}-{value['high']} (estimate)"
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def calibration_text(cal: Calibration, problems: list[str] | None = None,
                     width: int | None = None) -> str:
    """`riskcli calibrate`: each source's fit beside the pack's value, then each precedent as the
    pack sees it, then the lines that would record the fit."""
    width = terminal.width() if width is None else width
    lines = [
        f"Calibration of rule pack {cal.pack} against {len(cal.rows)} precedents.",
        *_wrapped("Base hazard h0 (per person per day at the reference setting), fitted by the "
                  "censored exponential likelihood, one source at a time with the others at "
                  "their fitted values:", "", "", width),
        "",
        f"  {'source':<12} {'leaks':>5} {'person-days':>12}  {'fitted h0':>9}  "
        f"{'90% interval':<22} {'pack':>9}",
    ]
    for fit in cal.fits:
        span = (f"{_sci(fit.low)}–{_sci(fit.high)}" if fit.leaks
                else f"at most {_sci(fit.upper)} (95%)")
        same = abs(fit.pack_value / fit.median - 1) <= 0.02
        lines.append(f"  {fit.source:<12} {fit.leaks:>5} {fit.person_days:>12,.0f}  "
                     f"{_sci(fit.median):>9}  {span:<22} {_sci(fit.pack_value):>9}"
                     + ("" if same else "  (differs)"))
    if cal.unfitted:
        lines.append(f"  no precedent exercises: {', '.join(cal.unfitted)} (its stated spread "
                     "stays)")
    lines += [
        "",
        *_wrapped("With this few precedents the multipliers cannot be fitted as well: they are "
                  "held as the pack sets them (priors), and only each source's h0 is fitted. A "
                  "source with no leak gets the upper bound the evidence allows.", "", "", width),
        "",
        f"Precedents under the pack as it is ({level_words(cal.level)} intervals):",
        f"  {'precedent':<26} {'what happened':<24} {'model median':>13}  P(leak by that day)",
    ]
    for row in cal.rows:
        lines.append(f"  {row.name:<26} {row.outcome:<24} {_days(row.median_days):>13}  "
                     f"{percent(row.p_by_day)} ({percent_range(*row.p_interval)})")
    lines += ["", "To record this fit, set in the pack's model.sources:"]
    for fit in cal.fits:
        lines.append(f"  {fit.source}: base_daily_hazard: {_sci(fit.median)}; uncertainty: "
                     f"{{fit: {{shape: {fit.shape:.3g}, rate: {_sci(fit.rate)}, leaks: "
                     f"{fit.leaks}, precedents: [{', '.join(fit.precedents)}]}}}}")
    if problems is not None:
        lines.append("")
        lines += ([f"check: {p}" for p in problems] if problems else
                  ["check: the pack's recorded calibration matches a fresh fit"])
    return _shown(lines)


def _sci(value: float) -> str:
    """Three significant digits in the form YAML and Python read back: 2.1e-05."""
    return f"{value:.2e}"


def levers_text(report: LeverReport, width: int | None = None) -> str:
    """`riskcli levers`: what each lever would do, the break-even points, the path."""
    width = terminal.width() if width is None else width
    lines = [
        *_wrapped(f"{report.file}: {report.band} now (P(leak by the horizon) "
                  f"{percent(report.p_horizon)}, median {_days(report.median_days)}); target "
                  f"{report.target}", "", "  ", width),
        *[line for note in report.notes for line in _wrapped(note, "  ", "    ", width)],
        "  one change at a time (largest effect first):",
    ]
    for outcome in report.effects:
        change = outcome.changes[0]
        moved = f"  rules: {', '.join(outcome.rules_moved)}" if outcome.rules_moved else ""
        lines += _wrapped(
            f"{change.key} = {change.shown}: {outcome.band}, P {percent(outcome.p_horizon)} "
            f"({percent_range(*outcome.p_interval)}), median {_days(outcome.median_days)} "
            f"[{', '.join(outcome.owners)}]{moved}", "    ", "      ", width)
    if report.break_evens:
        lines.append("  break-even points:")
        for b in report.break_evens:
            lines += _wrapped(b.text, "    ", "      ", width)
    if report.paths:
        lines.append(f"  fewest changes to reach {report.target} (weights still downloaded):")
        for outcome in report.paths:
            changes = ", ".join(f"{c.key} = {c.shown}" for c in outcome.changes)
            lines += _wrapped(
                f"{changes} -> {outcome.band}, P {percent(outcome.p_horizon)}, median "
                f"{_days(outcome.median_days)} [{', '.join(outcome.owners)}]; check with:",
                "    ", "      ", width)
            # A command to copy keeps to one line: broken, a pasted line would run half of it.
            score = command_line(["riskcli", "score", PurePath(report.file)])
            lines.append(f"      {score} {set_arguments(outcome)}")
    elif report.reachable_by:
        lines += _wrapped(
            f"no path of up to three changes brings gated downloads to {report.target}; what "
            f"does: {', '.join(report.reachable_by)}", "  ", "    ", width)
    return _shown(lines)


def set_arguments(outcome: LeverOutcome) -> str:
    """The --set arguments that apply a path, values as YAML reads them, shell-quoted."""
    import yaml

    def flow(value: object) -> str:
        text = yaml.safe_dump(value, default_flow_style=True, width=10_000)
        return text.removesuffix("\n...\n").strip()

    return command_line([word for c in outcome.changes
                         for word in ("--set", f"{c.key}={flow(c.value)}")])


def top_levers_text(engine: Engine, result: ScoreResult, width: int | None = None) -> str:
    """The end of `assess`: the best change of each of the levers that lower the odds most."""
    from riskcli.levers import report_for, top_levers

    width = terminal.width() if width is None else width
    best = top_levers(report_for(engine, result))
    if not best:
        return "What would lower the odds most: no single lever lowers them."
    lines = ["What would lower the odds most (the best change of each lever):"]
    for outcome in best:
        change = outcome.changes[0]
        lines += _wrapped(f"{change.key} = {change.shown}: {outcome.band}, P(leak by the "
                          f"horizon) {percent(outcome.p_horizon)}, median "
                          f"{_days(outcome.median_days)} [{', '.join(outcome.owners)}]",
                          "  - ", "    ", width)
    return _shown(lines)


NO_FILE = "(no file)"


def one_sided_text(diff: DecisionDiff, missing: str, width: int | None = None) -> str:
    """A file added or removed since the revision, for a reviewer: the decision it brings (or
    takes away) beside "no file", then every answer it adds (or removes). `missing` names the
    side that is not there (`path@rev`, or the path)."""
    added = diff.old is None
    side = diff.new if added else diff.old
    if side is None or (diff.old is not None and diff.new is not None):
        raise ValueError("one_sided_text is for a diff with exactly one side")

    def row(label: str, value: str) -> str:
        before, after = (NO_FILE, value) if added else (value, NO_FILE)
        return f"  {label:<16} {before} -> {after}"

    width = terminal.width() if width is None else width
    ends = (f"{missing} {NO_FILE}", side.file) if added else (side.file, f"{missing} {NO_FILE}")
    lines = [
        f"{ends[0]} -> {ends[1]}",
        row("band", side.band),
        row("score", str(side.score)),
        row("P(horizon)", percent(side.p_leak_horizon)),
        row("median to leak", _days(side.median_days_to_leak)),
        row("recommendation", _mode(side)),
        f"  {len(diff.changes)} answer(s) {'added' if added else 'removed'}:",
    ]
    for change in diff.changes:
        lines += _beside(f"    {terminal.safe(change.key):<28}",
                         f" {_value(change.new if added else change.old)}", width, "      ")
    return _shown(lines)
