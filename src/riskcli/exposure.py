"""The leak-exposure model: an explicit hazard model, so every number can be explained.

    P(leak by t days) = 1 - exp(-lambda * t),   lambda = sum over sources of N_s * h_s,
    h_s = h0_s * product of the multipliers of fired rules on the factors that apply to s.

A constant hazard is the simplest model that says what the LLaMA leak showed: with many holders of
a static file, the chance that one of them shares it compounds day after day towards one. All
parameters come from the rule pack; this module holds none.

Every figure is given twice: the point value, from each source's central h0 and the central value
of every estimate (what a reviewer re-derives by hand), and an interval from the draws of
`riskcli.uncertainty` over h0 and over the estimates. All figures are monotone in lambda, so the
interval on lambda gives every other interval.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from riskcli.conditions import ConditionGroup, group_by_answers
from riskcli.errors import ConditionError, ModelError
from riskcli.perpack import per_pack
from riskcli.results import Contribution, Exposure, Interval, SourceExposure
from riskcli.rulepack import Rule, RulePack, Source
from riskcli.uncertainty import (
    DRAWS,
    Scaled,
    central_interval,
    log_uniform_logs,
    log_uniform_unit,
    sorted_central_interval,
)
from riskcli.values import Range, to_plain

HORIZON = "horizon"


def leak_probability(rate_per_day: float, days: float) -> float:
    """1 - exp(-lambda t), computed without cancellation for tiny rates."""
    return -math.expm1(-rate_per_day * days)


def median_days(rate_per_day: float) -> float | None:
    """None when no leak is expected ever: a rate of 0, or one so small (a subnormal float, at
    the far end of an interval's draws) that the median is past what a float holds."""
    if rate_per_day <= 0:
        return None
    median = math.log(2) / rate_per_day
    return median if math.isfinite(median) else None


def fired_rules(pack: RulePack, values: Mapping[str, Any], *,
                derived: bool = False) -> list[Rule]:
    """The rules whose condition holds. For `derived` answers (the hosted variant, which drops
    the recipients' answers), a condition that cannot be judged without a dropped answer does
    not fire; for answers as given it is an error the scorer reports."""
    try:
        held = [place for group in _model(pack).when
                for place in group.holding(values, lenient=derived)]
    except ConditionError:  # the error of the first rule in the pack's order, as it reads
        for rule in pack.rules:
            rule.condition.evaluate(values)
        raise
    held.sort()
    return [pack.rules[place] for place in held]


@dataclass(slots=True)
class _Population:
    """One copy source for one answers file, with its factor products worked out once (at
    construction: functools.cached_property takes a lock per first read, 1 us each, 6 a file).
    Never changed once built."""

    source: Source
    active: bool
    size: float
    """The central value when the answer is an estimate."""
    factors: dict[str, float]
    """Product of the fired rules' multipliers on each factor that applies to this source."""
    effects: tuple[Rule, ...]
    """The fired rules with an effect on this source."""
    daily_hazard: float = field(init=False)
    rate: float = field(init=False)

    def __post_init__(self) -> None:
        self.daily_hazard = self.source.base_daily_hazard * math.prod(self.factors.values())
        self.rate = self.size * self.daily_hazard


class _PackModel(NamedTuple):
    """What the model reads of a pack for every file, worked out once per pack
    (`riskcli.perpack`)."""

    when: list[ConditionGroup[int]]
    """The rules' conditions grouped by the answers they read, each giving its rule's place."""
    moves: dict[str, frozenset[str]]
    """Rule id (of a rule with an effect) -> ids of the sources its factor applies to."""
    shows: dict[str, tuple[str, ...]]
    """Rule id -> the answers its contribution shows: those its condition and curve read."""
    fixed: dict[str, float]
    """Rule id -> its multiplier to six digits, for a `multiply` (a curve's reads an answer)."""
    days: dict[str, int]
    """The report days by name, as `p_leak` lists them before the horizon."""


def _model(pack: RulePack) -> _PackModel:
    return per_pack(pack, _build_model)


def _build_model(pack: RulePack) -> _PackModel:
    effects = [rule for rule in pack.rules if rule.effect is not None]
    return _PackModel(
        when=group_by_answers((rule.condition, place) for place, rule in enumerate(pack.rules)),
        moves={rule.id: frozenset(pack.factor[rule.effect.factor].applies_to)
               for rule in effects if rule.effect},
        shows={rule.id: tuple(sorted(rule.condition.names | _curve_answer(rule)))
               for rule in effects},
        fixed={rule.id: _sig(rule.effect.multiply) for rule in effects
               if rule.effect and rule.effect.multiply is not None},
        days={str(day): day for day in pack.model.report_days},
    )


def compute_exposure(pack: RulePack, values: Mapping[str, Any], fired: Sequence[Rule],
                     level: float | None = None, *, detailed: bool = True) -> Exposure:
    """`level`: width of the intervals (default: the pack's `model.interval`). Without
    `detailed`, the per-source and per-rule breakdowns are left empty and `p_leak` (point and
    interval) gives the horizon alone: a variant that only needs its figures at the horizon
    (the hosted option, the levers' alternatives) skips building the rest."""
    effects, multipliers, populations = _populations(pack, values, fired)
    rate = _total_rate([p.rate for p in populations])
    horizon = int(values[pack.keys.horizon])
    days = _model(pack).days | {HORIZON: horizon} if detailed else {HORIZON: horizon}
    score = score_from_probability(leak_probability(rate, horizon))
    median = median_days(rate)
    return Exposure.model_construct(
        rate_per_day=_sig(rate),
        horizon_days=horizon,
        p_leak={name: _round(leak_probability(rate, day)) for name, day in days.items()},
        median_days_to_leak=_sig(median) if median is not None else None,
        score=score,
        band=band_for(pack, score),
        interval=_interval(pack, populations, values, days, level or pack.model.interval),
        sources=_sources(populations, rate) if detailed else [],
        contributions=(_contributions(pack, populations, effects, multipliers, rate, values)
                       if detailed else []),
    )


def effect_multipliers(values: Mapping[str, Any], fired: Sequence[Rule]) -> dict[str, float]:
    """Rule id -> multiplier of each fired rule that moves lambda, as `contributions` gives
    them, without the per-rule `lambda without` a variant compared only by its multipliers
    (the levers' alternatives) does not need."""
    rows = {}
    for rule in fired:
        if rule.effect is not None and (multiplier := rule.effect.multiplier(values)) != 1:
            rows[rule.id] = _sig(multiplier)
    return rows


def point_rate(pack: RulePack, values: Mapping[str, Any]) -> float:
    """lambda alone, at the central values: what a search over one answer needs, without the
    intervals' draws."""
    _, _, populations = _populations(pack, values, fired_rules(pack, values))
    return _total_rate([p.rate for p in populations])


def score_from_probability(p: float) -> int:
    """Score = 100 x P(leak by the horizon), rounded half up: the one number bands are cut on."""
    return min(100, max(0, math.floor(100 * p + 0.5)))


def band_for(pack: RulePack, score: float) -> str:
    for threshold in pack.model.bands:
        if threshold.below is None or score < threshold.below:
            return threshold.band
    raise AssertionError("the last band has no bound")  # guaranteed by ExposureModel


def _populations(pack: RulePack, values: Mapping[str, Any], fired: Sequence[Rule]
                 ) -> tuple[list[Rule], dict[str, float], list[_Population]]:
    """The fired rules with an effect, their multipliers for these answers (curves read their
    answer here, once), and every copy source's population built from them."""
    effects = [rule for rule in fired if rule.effect is not None]
    multipliers = {rule.id: rule.effect.multiplier(values) for rule in effects if rule.effect}
    moves = _model(pack).moves
    populations = [_population(source, values, effects, multipliers, moves)
                   for source in pack.model.sources]
    return effects, multipliers, populations


def _population(source: Source, values: Mapping[str, Any], effects: Sequence[Rule],
                multipliers: Mapping[str, float], moves: Mapping[str, frozenset[str]]
                ) -> _Population:
    condition = source.condition
    active = condition is None or condition.evaluate(values)
    size = float(values.get(source.population) or 0) if active else 0.0
    mine = tuple(rule for rule in effects if source.id in moves[rule.id])
    factors: dict[str, float] = {}
    for rule in mine:
        assert rule.effect is not None
        factors[rule.effect.factor] = factors.get(rule.effect.factor, 1.0) * multipliers[rule.id]
    return _Population(source, active, size, factors, mine)


def _total_rate(rates: Sequence[float]) -> float:
    """Refuses a rate past what a float holds, which only a pack of extreme multipliers reaches:
    an infinite rate would print as 'median 0.0 days' and break the JSON output."""
    try:
        rate = math.fsum(rates)
    except OverflowError:  # fsum of finite terms whose sum overflows
        rate = math.inf
    return _finite(rate)


def _finite(rate: float) -> float:
    """The pack's HAZARD_RANGE keeps one person's hazard a normal float; only a headcount past
    1e100 (a questionnaire without a `max`) can still take lambda past one."""
    if not math.isfinite(rate):
        raise ModelError("the multipliers of the rules that fire drive the leak rate past 1e308 "
                         "per day, beyond what can be computed; check the pack's multipliers "
                         "and the headcounts")
    return rate


def person_days_per_day(pack: RulePack, values: Mapping[str, Any]) -> dict[str, list[float]]:
    """Per source, its rate divided by its h0 (headcount x multipliers: reference person-days per
    day) in each stratum of the estimates; what `riskcli calibrate` fits h0 against."""
    _, _, populations = _populations(pack, values, fired_rules(pack, values))
    rows: dict[str, list[float]] = {}
    for population in populations:
        rates = _rates_without_h0_spread(population, values) if population.active else [0.0]
        rows[population.source.id] = [rate / population.source.base_daily_hazard
                                      for rate in rates]
    return rows


def rate_draws(populations: Sequence[_Population], values: Mapping[str, Any]) -> list[float]:
    """lambda in each of the DRAWS strata: h0 drawn around its central value, and every estimate
    that feeds a population or a curve drawn log-uniformly between its ends."""
    active = [population for population in populations if population.active]
    spreads = [_estimate_rates(population, values) for population in active]
    if len(active) == 2 and spreads == [None, None]:
        # half the bench's files: both sums in one pass over the strata, not two (~3 us)
        (a, x), (b, y) = [(p.rate, p.source.relative_hazards) for p in active]
        return [a * r + b * s for r, s in zip(x, y, strict=True)]
    totals: list[float] | None = None
    for population, spread in zip(active, spreads, strict=True):
        relative = population.source.relative_hazards
        rate = population.rate
        # the first source's draws start the totals (0.0 + x is x): one pass fewer
        if spread is None:
            totals = ([rate * r for r in relative] if totals is None
                      else [t + rate * r for t, r in zip(totals, relative, strict=True)])
        else:
            totals = ([s * r for s, r in zip(spread, relative, strict=True)] if totals is None
                      else [t + s * r for t, s, r in zip(totals, spread, relative, strict=True)])
    return [0.0] * DRAWS if totals is None else totals


def _rates_without_h0_spread(population: _Population,
                             values: Mapping[str, Any]) -> Sequence[float]:
    """This source's rate in each stratum of the estimates that feed it (its headcount, its
    curves), at its central h0: the same rate in every stratum when no estimate feeds it."""
    spread = _estimate_rates(population, values)
    return [population.rate] * DRAWS if spread is None else spread


def _estimate_rates(population: _Population, values: Mapping[str, Any]) -> list[float] | None:
    """`_rates_without_h0_spread`, or None when no estimate feeds this source (its rate is the
    same in every stratum)."""
    rates: list[float] | None = None
    key = population.source.population
    size = values.get(key)
    if isinstance(size, Range):
        logs = log_uniform_logs(size.low, size.high, log_uniform_unit(key))
        scale = population.rate / population.size
        rates = [scale * math.exp(v) for v in logs]
    for rule in population.effects:
        curve = rule.effect.curve if rule.effect else None
        answer = values.get(curve.answer) if curve else None
        if curve is None or not isinstance(answer, Range):
            continue
        logs = log_uniform_logs(answer.low, answer.high, log_uniform_unit(curve.answer))
        central = curve.at(float(answer))
        if rates is None:
            rates = [population.rate] * DRAWS
        rates = [rate * m / central for rate, m in zip(rates, curve.at_logs(logs), strict=True)]
    return rates


def rate_interval(populations: Sequence[_Population], values: Mapping[str, Any],
                  level: float) -> tuple[float, float]:
    """The central `level` interval of `rate_draws`. When one source is active and no estimate
    feeds it, its draws are its rate times its h0 strata, whose order is known once per source:
    the interval reads four of them, in the same arithmetic, instead of making and sorting 256
    (35 -> 3 us a file for the two-thirds of the bench's files this holds for).
    tests/test_exposure.py holds the two ways equal."""
    active = [population for population in populations if population.active]
    if len(active) == 1 and _estimate_rates(active[0], values) is None:
        only = active[0]
        return sorted_central_interval(Scaled(_ordered_hazards(only.source), only.rate), level)
    return central_interval(rate_draws(populations, values), level)


def _ordered_hazards(source: Source) -> tuple[float, ...]:
    return per_pack(source, _sort_hazards)


def _sort_hazards(source: Source) -> tuple[float, ...]:
    return tuple(sorted(source.relative_hazards))


def _interval(pack: RulePack, populations: Sequence[_Population], values: Mapping[str, Any],
              days: Mapping[str, int], level: float) -> Interval:
    low, high = rate_interval(populations, values, level)
    low, high = _finite(low), _finite(high)
    horizon = days[HORIZON]
    scores = [score_from_probability(leak_probability(rate, horizon)) for rate in (low, high)]
    slowest, fastest = median_days(low), median_days(high)
    return Interval.model_construct(
        level=level,
        rate_per_day=[_sig(low), _sig(high)],
        p_leak={name: [_round(leak_probability(low, day)), _round(leak_probability(high, day))]
                for name, day in days.items()},
        median_days_to_leak=None if fastest is None else [
            _sig(fastest), _sig(slowest) if slowest is not None else None],
        score=scores,
        bands=[band_for(pack, score) for score in scores],
        estimates=[key for key, value in values.items() if isinstance(value, Range)],
    )


def _sources(populations: Sequence[_Population], rate: float) -> list[SourceExposure]:
    rows = []
    for population in populations:
        source = population.source
        source_rate = population.rate
        rows.append(SourceExposure.model_construct(
            source=source.id, title=source.title, active=population.active,
            population=_whole(population.size), population_key=source.population,
            base_daily_hazard=source.base_daily_hazard,
            factors={k: _sig(v) for k, v in population.factors.items()},
            daily_hazard=_sig(population.daily_hazard), rate_per_day=_sig(source_rate),
            share=_round(source_rate / rate) if rate > 0 else 0.0,
        ))
    return rows


def _contributions(pack: RulePack, populations: Sequence[_Population], effects: Sequence[Rule],
                   multipliers: Mapping[str, float], rate: float,
                   values: Mapping[str, Any]) -> list[Contribution]:
    """Each multiplier's effect as 'lambda had this rule not fired', largest movement first. A
    curve at a plateau (x1) moves nothing and is left out."""
    model = _model(pack)
    rows = []
    for rule in effects:
        assert rule.effect is not None
        multiplier = multipliers[rule.id]
        if multiplier == 1:
            continue
        moved = model.moves[rule.id]
        without = _total_rate([p.rate / multiplier if p.source.id in moved else p.rate
                               for p in populations])
        shown = model.fixed.get(rule.id)
        rows.append(Contribution.model_construct(
            rule_id=rule.id, title=rule.title, factor=rule.effect.factor,
            multiplier=_sig(multiplier) if shown is None else shown,
            sources=list(pack.factor[rule.effect.factor].applies_to),
            lambda_without=_sig(without), delta_lambda=_sig(rate - without),
            answers={name: to_plain(values.get(name)) for name in model.shows[rule.id]},
        ))
    rows.sort(key=lambda c: (-abs(c.delta_lambda), c.rule_id))
    return rows


def _curve_answer(rule: Rule) -> set[str]:
    curve = rule.effect.curve if rule.effect else None
    return {curve.answer} if curve else set()


def _whole(size: float) -> int | float:
    """A headcount as a whole number; the central value of an estimate may fall between two."""
    return int(size) if size.is_integer() else _sig(size)


def _round(p: float) -> float:
    return round(p, 6)


def _sig(x: float) -> float:
    """Six significant digits: enough to re-derive every figure, stable across platforms."""
    return float(f"{x:.6g}")
