"""What would it take: the levers an organisation controls, what each would do, and the fewest
changes that reach a target band.

The questionnaire marks the answers the organisation controls (`lever:`) and the facts it does
not (`fact:`); only levers are ever suggested. Every alternative is scored exactly as `score`
would score the answers with that change (answers that stop applying are dropped), so a path
applied with `riskcli score --set ...` lands in the band promised here.

- One at a time: every other choice, the other yes/no, and each numeric step (x0.5, x0.1, x2),
  ranked by how far it moves the leak rate.
- Break-even: for each numeric lever, the value at which the score crosses the cut into the
  target band. The horizon is closed form (t = -ln(1 - p) / lambda); headcounts are found by
  bisection on the exact model, which is monotone in them (see tests/test_no_cliffs.py).
- Path: the fewest lever changes (up to three) that bring the gated exposure to the target
  band, then the smallest change. Changes combine almost multiplicatively, so a combination
  whose single-change ratios cannot reach the target even with a generous margin is not scored.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from riskcli.answers import apart, resolve
from riskcli.exposure import compute_exposure, effect_multipliers, fired_rules, point_rate
from riskcli.questionnaire import Question
from riskcli.results import Exposure, OptionAssessment, ScoreResult
from riskcli.scoring import Engine, score_values
from riskcli.values import to_plain
from riskcli.wording import days_text

MAX_CHANGES = 3
TOP_LEVERS = 3
"""Levers named where there is room for only a few: the end of `assess`, the model card."""
MARGIN = 3.0
"""How far the product of single-change ratios may miss the target and the combination still be
scored exactly (interactions between curves and sources can help a combination that much)."""


@dataclass(frozen=True)
class Change:
    key: str
    value: Any
    """As it would be written in the answers file (and to --set)."""
    shown: str


@dataclass(frozen=True)
class Outcome:
    changes: list[Change]
    rate_per_day: float
    horizon_days: int
    p_horizon: float
    p_interval: list[float]
    median_days: float | None
    median_interval: list[float | None] | None
    band: str
    rules_moved: list[str]
    """Rules with an effect that fire, stop firing or change multiplier."""
    owners: list[str]
    """Who would carry the changes out: the levers' owners."""


@dataclass(frozen=True)
class BreakEven:
    key: str
    value: float
    text: str


@dataclass(frozen=True)
class LeverReport:
    file: str
    band: str
    target: str
    rate_per_day: float
    horizon_days: int
    median_days: float | None
    p_horizon: float
    effects: list[Outcome]
    """One change each, the largest movement of the leak rate first."""
    break_evens: list[BreakEven]
    paths: list[Outcome]
    """The fewest changes that reach the target with the weights still downloaded, best first;
    empty when none does (then `reachable_by` says what does)."""
    reachable_by: list[str] = field(default_factory=list)
    """When gated downloads cannot reach the target: the options that are in it already."""
    notes: list[str] = field(default_factory=list)


def lever_report(engine: Engine, values: Mapping[str, Any], target: str | None = None,
                 file: str = "<answers>") -> LeverReport:
    pack, q = engine.rules, engine.questionnaire
    bands = pack.model.band_names
    base = score_values(engine, values, file=file)
    exposure = base.exposure
    target = target or bands[max(bands.index(exposure.band) - 1, 0)]
    effects = [outcome for change in _alternatives(q.questions, values)
               if (outcome := _outcome(engine, values, [change], exposure)) is not None]
    effects.sort(key=lambda o: (-abs(math.log(_ratio(o, exposure))), o.changes[0].key,
                                o.changes[0].shown))
    paths = _paths(engine, values, effects, exposure, target)
    above = bands.index(exposure.band) > bands.index(target)
    reachable = _options_in(base.options, bands, target) if above and not paths else []
    notes = [] if above else [f"already {exposure.band}, within the target {target}"]
    return LeverReport(
        file=file, band=exposure.band, target=target, rate_per_day=exposure.rate_per_day,
        horizon_days=exposure.horizon_days, median_days=exposure.median_days_to_leak,
        p_horizon=exposure.p_leak["horizon"],
        effects=effects, break_evens=_break_evens(engine, values, exposure, target),
        paths=paths, reachable_by=reachable, notes=notes,
    )


def report_for(engine: Engine, result: ScoreResult, target: str | None = None) -> LeverReport:
    """`lever_report` for a scored result (the record, the end of `assess`): its answers read
    back as `score` read them."""
    questionnaire = engine.questionnaire
    given = {q.id: result.answers[q.id] for q in questionnaire.questions if q.id in result.answers}
    values, _ = resolve(given, questionnaire)
    return lever_report(engine, values, target, result.file)


def top_levers(report: LeverReport, count: int = TOP_LEVERS) -> list[Outcome]:
    """The best change of each of the levers that lower lambda x horizon most: the effects come
    ranked by how far they move it, so the first of each lever that lowers it."""
    now = report.rate_per_day * report.horizon_days
    best: dict[str, Outcome] = {}
    for outcome in report.effects:
        if outcome.rate_per_day * outcome.horizon_days < now:
            best.setdefault(outcome.changes[0].key, outcome)
    return list(best.values())[:count]


def _alternatives(questions: Sequence[Question], values: Mapping[str, Any]) -> list[Change]:
    changes = []
    for question in questions:
        if question.lever is None or question.id not in values:
            continue
        current = values[question.id]
        for option in _options_for(question, current):
            if option != current:
                changes.append(Change(question.id, to_plain(option), _show(option)))
    return changes


def _options_for(question: Question, current: Any) -> list[Any]:
    if question.type == "bool":
        return [not current]
    if question.type == "choice":
        return list(question.choice_values)
    if question.type == "multi_choice":
        alone = [[c.value] for c in question.choices]
        together = [c.value for c in question.choices if not c.exclusive]
        return [*alone, together]
    assert question.lever is not None
    point = float(current)
    made = []
    for step in question.lever.steps:
        value = point * step
        if question.type == "int":
            value = max(round(value), 0)
        if question.min is not None and value < question.min:
            continue
        if question.max is not None and value > question.max:
            continue
        made.append(value)
    return made


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(value) or "(none)"
    if isinstance(value, float):
        return f"{value:,.6g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _variant(engine: Engine, values: Mapping[str, Any],
             changes: Sequence[Change]) -> dict[str, Any] | None:
    """The answers with the changes laid over them exactly as `score --set` lays them (the one
    merge, `answers.resolve`): answers that stop applying dropped, defaults filled. None when a
    change would not take effect (its question does not apply) or a question it opens has no
    answer."""
    sets = {change.key: change.value for change in changes}
    resolved, problems = resolve(values, engine.questionnaire, sets=sets)
    errors, ignored = apart(problems, strict=False)
    if errors or any(problem.key in sets for problem in ignored):
        return None
    return resolved


def _outcome(engine: Engine, values: Mapping[str, Any], changes: Sequence[Change],
             baseline: Exposure) -> Outcome | None:
    variant = _variant(engine, values, changes)
    if variant is None:
        return None
    pack = engine.rules
    fired = fired_rules(pack, variant)
    # Its figures only: the per-rule breakdown costs a pass over every fired rule, for each of
    # the dozens of alternatives, and only which multipliers changed is read from it.
    exposure = compute_exposure(pack, variant, fired, engine.interval, detailed=False)
    questions = engine.questionnaire.by_id
    return Outcome(
        changes=list(changes), rate_per_day=exposure.rate_per_day,
        horizon_days=exposure.horizon_days, p_horizon=exposure.p_leak["horizon"],
        p_interval=exposure.interval.p_leak["horizon"],
        median_days=exposure.median_days_to_leak,
        median_interval=exposure.interval.median_days_to_leak, band=exposure.band,
        rules_moved=_moved(baseline, effect_multipliers(variant, fired)),
        owners=list(dict.fromkeys(questions[c.key].lever.owner for c in changes
                                  if questions[c.key].lever is not None)),
    )


def _moved(before: Exposure, new: Mapping[str, float]) -> list[str]:
    old = {c.rule_id: c.multiplier for c in before.contributions}
    return sorted(rule for rule in old.keys() | new.keys() if old.get(rule) != new.get(rule))


def _ratio(outcome: Outcome, baseline: Exposure) -> float:
    """How much a change moves the cumulative hazard lambda x horizon, which sets P(leak by the
    horizon): a change of horizon moves it as much as a change of headcount."""
    before = baseline.rate_per_day * baseline.horizon_days
    after = outcome.rate_per_day * outcome.horizon_days
    if before == 0 or after == 0:
        return 1.0 if before == after else 1e-9
    return after / before


def _paths(engine: Engine, values: Mapping[str, Any], effects: Sequence[Outcome],
           baseline: Exposure, target: str) -> list[Outcome]:
    bands = engine.rules.model.band_names
    limit = bands.index(target)
    if bands.index(baseline.band) <= limit:
        return []
    needed = _hazard_for(engine, target)
    # Paths keep the weights downloaded: keeping them hosted is another option, shown as such
    # when no path under gated downloads reaches the target.
    downloads = engine.rules.keys.downloads
    helpful = [o for o in effects if _ratio(o, baseline) < 1 and o.changes[0].key != downloads]
    for size in range(1, MAX_CHANGES + 1):
        found = []
        for combo in combinations(helpful, size):
            keys = [o.changes[0].key for o in combo]
            if len(set(keys)) < size:
                continue
            estimate = (baseline.rate_per_day * baseline.horizon_days
                        * math.prod(_ratio(o, baseline) for o in combo))
            if estimate > needed * MARGIN:
                continue
            outcome = _outcome(engine, values, [o.changes[0] for o in combo], baseline)
            if outcome is not None and bands.index(outcome.band) <= limit:
                found.append(outcome)
        if found:
            found.sort(key=lambda o: (_size_of_change(o, values), o.p_horizon))
            return found[:5]
    return []


def _size_of_change(outcome: Outcome, values: Mapping[str, Any]) -> float:
    """How much a path changes: a choice counts one, a number the factor it moves by."""
    total = 0.0
    for change in outcome.changes:
        before = values.get(change.key)
        if isinstance(change.value, int | float) and not isinstance(change.value, bool) and (
                isinstance(before, int | float) and before):
            total += abs(math.log(max(float(change.value), 1e-9) / float(before)))
        else:
            total += 1.0
    return total


def _hazard_for(engine: Engine, target: str) -> float:
    """The highest cumulative hazard (lambda x horizon) whose score is in the target band."""
    return -math.log(1 - _p_cut(engine, target))


def _p_cut(engine: Engine, target: str) -> float:
    """P(leak by the horizon) below which the score is in the target band or lower: scores are
    100 P rounded half up, so `below: 35` means P < 0.345."""
    cut = next(b.below for b in engine.rules.model.bands if b.band == target)
    return 1.0 if cut is None else (cut - 0.5) / 100


def _break_evens(engine: Engine, values: Mapping[str, Any], baseline: Exposure,
                 target: str) -> list[BreakEven]:
    p_cut = _p_cut(engine, target)
    if p_cut >= 1:
        return []
    found = []
    questions = engine.questionnaire.by_id
    for key in values:
        question = questions[key]
        if question.lever is None or question.type not in ("int", "float"):
            continue
        if key == engine.rules.keys.horizon:
            found.append(_horizon_break_even(key, baseline, p_cut, target))
            continue
        point = _numeric_break_even(engine, values, question, p_cut, target)
        if point is not None:
            found.append(point)
    return found


def _horizon_break_even(key: str, baseline: Exposure, p_cut: float, target: str) -> BreakEven:
    rate = baseline.rate_per_day
    days = -math.log(1 - p_cut) / rate if rate > 0 else math.inf
    text = (f"the horizon that keeps P(leak) under {p_cut:.1%} ({target} or below): "
            + (_days_floor(days) if math.isfinite(days) else "any"))
    return BreakEven(key, math.floor(days) if math.isfinite(days) else days, text)


def _days_floor(days: float) -> str:
    return f"{math.floor(days):,} days" if days >= 1 else f"under a day ({days_text(days)})"


def _numeric_break_even(engine: Engine, values: Mapping[str, Any], question: Question,
                        p_cut: float, target: str) -> BreakEven | None:
    """The value of a headcount at which P(leak by the horizon) crosses the target band's cut,
    by bisection on the exact model (monotone in the answer)."""
    horizon = float(values[engine.rules.keys.horizon])

    def p_at(x: float) -> float | None:
        value = round(x) if question.type == "int" else x
        variant = _variant(engine, values, [Change(question.id, value, "")])
        if variant is None:
            return None
        return -math.expm1(-point_rate(engine.rules, variant) * horizon)

    low = max(question.min or 0.0, 1.0 if question.type == "int" else 1e-3)
    high = float(question.max or 1e7)
    p_low, p_high = p_at(low), p_at(high)
    if p_low is None or p_high is None or p_low == p_high:
        return None
    rising = p_high > p_low
    if (p_low if rising else p_high) >= p_cut:
        return BreakEven(question.id, math.nan, f"no {question.id} keeps it in {target} or "
                         "below")
    if (p_high if rising else p_low) < p_cut:
        return None  # every value is already in the target band
    lo, hi = math.log(low), math.log(high)
    for _ in range(40):
        mid = (lo + hi) / 2
        p = p_at(math.exp(mid))
        assert p is not None
        if (p < p_cut) == rising:
            lo = mid
        else:
            hi = mid
    x = math.exp(lo if rising else hi)
    if question.type == "int":
        x = math.floor(x) if rising else math.ceil(x)
    word = "up to" if rising else "from"
    return BreakEven(question.id, x, f"stays in {target} or below {word} {_show(x)} "
                     f"{question.id}")


def _options_in(options: Sequence[OptionAssessment], bands: list[str], target: str) -> list[str]:
    return [o.mode for o in options if o.band is not None and o.weights != "downloaded"
            and bands.index(o.band) <= bands.index(target)]

