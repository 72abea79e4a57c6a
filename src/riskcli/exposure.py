"""The leak-exposure model: an explicit hazard model, so every number can be explained.

    P(leak by t days) = 1 - exp(-lambda * t),   lambda = sum over sources of N_s * h_s,
    h_s = h0_s * product of the multipliers of fired rules on the factors that apply to s.

A constant hazard is the simplest model that says what the LLaMA leak showed: with many holders of
a static file, the chance that one of them shares it compounds day after day towards one. All
parameters come from the rule pack; this module holds none.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from riskcli.errors import ModelError
from riskcli.results import Contribution, Exposure, SourceExposure
from riskcli.rulepack import Rule, RulePack, Source
from riskcli.values import to_plain


def leak_probability(rate_per_day: float, days: float) -> float:
    """1 - exp(-lambda t), computed without cancellation for tiny rates."""
    return -math.expm1(-rate_per_day * days)


def median_days(rate_per_day: float) -> float | None:
    return math.log(2) / rate_per_day if rate_per_day > 0 else None


def fired_rules(pack: RulePack, values: Mapping[str, Any]) -> list[Rule]:
    return [rule for rule in pack.rules if rule.condition.evaluate(values)]


@dataclass(frozen=True)
class _Population:
    """One copy source for one answers file, with its factor products worked out once."""

    source: Source
    active: bool
    size: int
    factors: dict[str, float]
    """Product of the fired rules' multipliers on each factor that applies to this source."""

    @property
    def daily_hazard(self) -> float:
        return self.source.base_daily_hazard * math.prod(self.factors.values())

    @property
    def rate(self) -> float:
        return self.size * self.daily_hazard

    def rate_without(self, rule: Rule) -> float:
        """This source's rate had `rule` not fired."""
        assert rule.effect is not None
        factors = dict(self.factors)
        factor = rule.effect.factor
        if factor in factors:
            factors[factor] = factors[factor] / rule.effect.multiply
        return self.size * self.source.base_daily_hazard * math.prod(factors.values())


def compute_exposure(pack: RulePack, values: Mapping[str, Any], fired: Sequence[Rule]) -> Exposure:
    effects = [rule for rule in fired if rule.effect is not None]
    populations = [_population(pack, source, values, effects) for source in pack.model.sources]
    rate = _total_rate(p.rate for p in populations)
    horizon = int(values[pack.keys.horizon])
    p_leak = {str(day): _round(leak_probability(rate, day)) for day in pack.model.report_days}
    p_leak["horizon"] = _round(leak_probability(rate, horizon))
    score = score_from_probability(leak_probability(rate, horizon))
    median = median_days(rate)
    return Exposure.model_construct(
        rate_per_day=_sig(rate),
        horizon_days=horizon,
        p_leak=p_leak,
        median_days_to_leak=_sig(median) if median is not None else None,
        score=score,
        band=band_for(pack, score),
        sources=_sources(populations, rate),
        contributions=_contributions(pack, populations, effects, rate, values),
    )


def score_from_probability(p: float) -> int:
    """Score = 100 x P(leak by the horizon), rounded half up: the one number bands are cut on."""
    return min(100, max(0, math.floor(100 * p + 0.5)))


def band_for(pack: RulePack, score: float) -> str:
    for threshold in pack.model.bands:
        if threshold.below is None or score < threshold.below:
            return threshold.band
    raise AssertionError("the last band has no bound")  # guaranteed by ExposureModel


def _population(pack: RulePack, source: Source, values: Mapping[str, Any],
                effects: Sequence[Rule]) -> _Population:
    condition = source.condition
    active = condition is None or condition.evaluate(values)
    size = int(values.get(source.population) or 0) if active else 0
    return _Population(source, active, size, _factor_products(pack, source.id, effects))


def _factor_products(pack: RulePack, source_id: str, effects: Sequence[Rule]) -> dict[str, float]:
    products: dict[str, float] = {}
    for rule in effects:
        assert rule.effect is not None
        factor = pack.factor[rule.effect.factor]
        if source_id in factor.applies_to:
            products[factor.id] = products.get(factor.id, 1.0) * rule.effect.multiply
    return products


def _total_rate(rates: Iterable[float]) -> float:
    """Refuses a rate past what a float holds, which only a pack of extreme multipliers reaches:
    an infinite rate would print as 'median 0.0 days' and break the JSON output."""
    try:
        rate = math.fsum(rates)
    except OverflowError:  # fsum of finite terms whose sum overflows
        rate = math.inf
    if not math.isfinite(rate):
        raise ModelError("the multipliers of the rules that fire drive the leak rate past 1e308 "
                         "per day, beyond what can be computed; check the pack's multipliers")
    return rate


def _sources(populations: Sequence[_Population], rate: float) -> list[SourceExposure]:
    rows = []
    for population in populations:
        source = population.source
        source_rate = population.rate
        rows.append(SourceExposure.model_construct(
            source=source.id, title=source.title, active=population.active,
            population=population.size, population_key=source.population,
            base_daily_hazard=source.base_daily_hazard,
            factors={k: _sig(v) for k, v in population.factors.items()},
            daily_hazard=_sig(population.daily_hazard), rate_per_day=_sig(source_rate),
            share=_round(source_rate / rate) if rate > 0 else 0.0,
        ))
    return rows


def _contributions(pack: RulePack, populations: Sequence[_Population], effects: Sequence[Rule],
                   rate: float, values: Mapping[str, Any]) -> list[Contribution]:
    """Each multiplier's effect as 'lambda had this rule not fired', largest movement first."""
    rows = []
    for rule in effects:
        assert rule.effect is not None
        without = _total_rate(p.rate_without(rule) for p in populations)
        names = sorted(rule.condition.names)
        rows.append(Contribution.model_construct(
            rule_id=rule.id, title=rule.title, factor=rule.effect.factor,
            multiplier=rule.effect.multiply,
            sources=list(pack.factor[rule.effect.factor].applies_to),
            lambda_without=_sig(without), delta_lambda=_sig(rate - without),
            answers={name: to_plain(values.get(name)) for name in names},
        ))
    rows.sort(key=lambda c: (-abs(c.delta_lambda), c.rule_id))
    return rows


def _round(p: float) -> float:
    return round(p, 6)


def _sig(x: float) -> float:
    """Six significant digits: enough to re-derive every figure, stable across platforms."""
    return float(f"{x:.6g}")
