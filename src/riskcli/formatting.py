"""Score results for people (text) and machines (JSON). Formatters only read ScoreResults."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from riskcli.exposure import median_days
from riskcli.results import OptionAssessment, ScoreResult
from riskcli.rulepack import Keys
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
WIDTH = 96


def text_summary(result: ScoreResult, keys: Keys) -> str:
    """The compact block a lead reads: the decision's status, every option with its band, the
    exposure as answered with intervals, the recommendation with the obligations it names, and
    what drives the number."""
    e, r = result.exposure, result.recommendation
    level = level_words(e.interval.level)
    low_band, high_band = e.interval.bands
    low_score, high_score = e.interval.score
    lines = [
        f"{result.file}: {result.answers.get(keys.model_name, '')}",
        *_status_rows(result),
        *_option_rows(result),
        f"  {_exposure_label(result):<16} {band_words(e.band.upper(), low_band, high_band)}  "
        f"score {e.score}/100 ({level}: {_span(low_score, high_score)})",
        *_p_rows(result, level),
        f"  median to leak   {days_text(e.median_days_to_leak)}" + _median_interval(result, level),
        _wrapped(f"{r.mode}: {r.headline}", "  recommendation   ", " " * 19),
    ]
    if r.differs_from_intended:
        lines.append(f"                   (differs from the plan: {r.plan_mode})")
    lines += [_wrapped(reason, "    - ", "      ") for reason in r.reasons]
    if r.mitigations:
        lines.append("  obligations      (owner in brackets)")
        lines += [_wrapped(f"{m.text} [{m.owner}]", "    - ", "      ") for m in r.mitigations]
    if e.interval.estimates:
        lines.append(_wrapped(
            f"{', '.join(e.interval.estimates)} (given as ranges; they widen the intervals)",
            "  estimates        ", " " * 19))
    if e.contributions:
        lines.append("  top drivers (rule, factor x multiplier, median to leak without it)")
        for c in e.contributions[:TOP_CONTRIBUTIONS]:
            without = _days(median_days(c.lambda_without))
            lines.append(f"    {c.rule_id:<28} {c.factor + ' x' + format(c.multiplier, '.3g'):<24} "
                         f"{without}")
    return "\n".join(lines)


def _wrapped(text: str, first: str, rest: str) -> str:
    return textwrap.fill(text, WIDTH, initial_indent=first, subsequent_indent=rest)


def _status_rows(result: ScoreResult) -> list[str]:
    d = result.decision
    if d.status == "decided":
        rows = [f"  status           decided: {d.mode}, approved by {d.approved_by} on "
                f"{d.approved_on}"]
    else:
        rows = [f"  status           proposed: {d.mode} is under consideration; recommended: "
                f"{result.recommendation.mode}"]
    rows += [_wrapped(f"{risk.finding} [{risk.owner}, until {risk.expires}]: {risk.reason}",
                      "  accepted risk    ", " " * 19) for risk in d.accepted_risks]
    return rows


def _option_rows(result: ScoreResult) -> list[str]:
    """Every option on one line: its band and what the band measures, the one under
    consideration and the recommended one marked."""
    rows = []
    for index, option in enumerate(result.options):
        considered = option.mode == result.decision.mode
        mark = {(True, True): "considered+rec", (True, False): "considered",
                (False, True): "recommended"}.get((considered, option.recommended), "")
        label = "options" if index == 0 else ""
        band = (option.band or "n/a").upper()
        rows.append(f"  {label:<16} {mark:<15}{option.mode:<16} {band:<9} {_brief(option)}")
    return rows


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


def _p_rows(result: ScoreResult, level: str) -> list[str]:
    """One line per report day, the horizon marked (or added when it is not a report day)."""
    e = result.exposure
    rows = []
    for day, p in e.p_leak.items():
        if day == "horizon" and str(e.horizon_days) in e.p_leak:
            continue
        shown = e.horizon_days if day == "horizon" else day
        mark = "  (horizon)" if str(shown) == str(e.horizon_days) else ""
        low, high = e.interval.p_leak[day]
        label = f"P(leak by {shown}d)"
        rows.append(f"  {label:<16} {percent(p):<4} ({level}: {percent_range(low, high)}){mark}")
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
    return (f"{considered.mode:<16} {considered.band or 'n/a':<9} {recommended:<16} "
            f"{percent(e.p_leak['horizon']):>8} {percent_range(low, high):>12} "
            f"{_days(e.median_days_to_leak):>11}  {res.file}")


def json_result(result: ScoreResult) -> str:
    """One result as JSON, formatted as `json.dumps(..., indent=2)` formats the document."""
    return json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False,
                      allow_nan=False)


def _nested(part: str) -> str:
    """A result's JSON as it reads inside the document's list: every line four spaces deeper.
    JSON escapes each newline inside a string, so every line break in a part is layout."""
    return "    " + part.replace("\n", "\n    ")


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
        piece = _json_joint(self._count) + _nested(json_result(result))
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
    if isinstance(value, dict) and set(value) == {"low", "high"}:
        return f"{value['low']}-{value['high']} (estimate)"
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def calibration_text(cal: Calibration, problems: list[str] | None = None) -> str:
    """`riskcli calibrate`: each source's fit beside the pack's value, then each precedent as the
    pack sees it, then the lines that would record the fit."""
    lines = [
        f"Calibration of rule pack {cal.pack} against {len(cal.rows)} precedents.",
        *textwrap.wrap("Base hazard h0 (per person per day at the reference setting), fitted by "
                       "the censored exponential likelihood, one source at a time with the "
                       "others at their fitted values:", WIDTH),
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
        textwrap.fill("With this few precedents the multipliers cannot be fitted as well: they "
                      "are held as the pack sets them (priors), and only each source's h0 is "
                      "fitted. A source with no leak gets the upper bound the evidence allows.",
                      WIDTH),
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
    return "\n".join(lines)


def _sci(value: float) -> str:
    """Three significant digits in the form YAML and Python read back: 2.1e-05."""
    return f"{value:.2e}"


def levers_text(report: LeverReport) -> str:
    """`riskcli levers`: what each lever would do, the break-even points, the path."""
    lines = [
        f"{report.file}: {report.band} now (P(leak by the horizon) {percent(report.p_horizon)}, "
        f"median {_days(report.median_days)}); target {report.target}",
        *[f"  {note}" for note in report.notes],
        "  one change at a time (largest effect first):",
    ]
    for outcome in report.effects:
        change = outcome.changes[0]
        moved = f"  rules: {', '.join(outcome.rules_moved)}" if outcome.rules_moved else ""
        lines.append(_wrapped(
            f"{change.key} = {change.shown}: {outcome.band}, P {percent(outcome.p_horizon)} "
            f"({percent_range(*outcome.p_interval)}), median {_days(outcome.median_days)} "
            f"[{', '.join(outcome.owners)}]{moved}", "    ", "      "))
    if report.break_evens:
        lines.append("  break-even points:")
        lines += [_wrapped(b.text, "    ", "      ") for b in report.break_evens]
    if report.paths:
        lines.append(f"  fewest changes to reach {report.target} (weights still downloaded):")
        for outcome in report.paths:
            changes = ", ".join(f"{c.key} = {c.shown}" for c in outcome.changes)
            lines.append(_wrapped(
                f"{changes} -> {outcome.band}, P {percent(outcome.p_horizon)}, median "
                f"{_days(outcome.median_days)} [{', '.join(outcome.owners)}]; check with: "
                f"riskcli score {report.file} {set_arguments(outcome)}", "    ", "      "))
    elif report.reachable_by:
        lines.append(_wrapped(
            f"no path of up to three changes brings gated downloads to {report.target}; what "
            f"does: {', '.join(report.reachable_by)}", "  ", "    "))
    return "\n".join(lines)


def set_arguments(outcome: LeverOutcome) -> str:
    """The --set arguments that apply a path, values as YAML reads them, shell-quoted."""
    import shlex

    import yaml

    def flow(value: object) -> str:
        text = yaml.safe_dump(value, default_flow_style=True, width=10_000)
        return text.removesuffix("\n...\n").strip()

    return " ".join(shlex.join(["--set", f"{c.key}={flow(c.value)}"]) for c in outcome.changes)


def top_levers_text(engine: Engine, result: ScoreResult) -> str:
    """The end of `assess`: the best change of each of the levers that lower the odds most."""
    from riskcli.levers import report_for, top_levers

    best = top_levers(report_for(engine, result))
    if not best:
        return "What would lower the odds most: no single lever lowers them."
    lines = ["What would lower the odds most (the best change of each lever):"]
    for outcome in best:
        change = outcome.changes[0]
        lines.append(_wrapped(f"{change.key} = {change.shown}: {outcome.band}, P(leak by the "
                              f"horizon) {percent(outcome.p_horizon)}, median "
                              f"{_days(outcome.median_days)} [{', '.join(outcome.owners)}]",
                              "  - ", "    "))
    return "\n".join(lines)


NO_FILE = "(no file)"


def one_sided_text(diff: DecisionDiff, missing: str) -> str:
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
        lines.append(f"    {change.key:<28} {_value(change.new if added else change.old)}")
    return "\n".join(lines)
