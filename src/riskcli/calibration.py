"""Fitting each copy source's base hazard h0 to the precedents: `riskcli calibrate`.

Each precedent is an exponential waiting time with rate lambda_i = h0 * K_i + c_i, where K_i is
the source's headcount times the pack's multipliers for that case (reference person-days per day)
and c_i the other sources' rate. What history says enters the likelihood as:

    leaked after t days      lambda e^(-lambda t)        (an exact time)
    leaked before day c      1 - e^(-lambda c)           (interval-censored: only a bound)
    no leak for t days       e^(-lambda t)               (right-censored)

An estimated answer ({low, high}) is integrated over, stratum by stratum, so vague precedents
count for less. With a Jeffreys prior (h0^-1/2, the usual one for a Poisson rate) the posterior of
h0 is computed exactly on a fine logarithmic grid: its median is the value the pack records, its
central interval is printed, and a Gamma with the same mean and variance is what scoring draws
from (for exact times and no estimates the posterior is exactly that Gamma: shape = leaks + 1/2,
rate = person-days). Sources are fitted one at a time with the others held at their fitted
values, repeated until nothing moves. The pack's multipliers are held as they are: five cases
cannot fit eight factors too.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from riskcli.exposure import leak_probability, median_days, person_days_per_day
from riskcli.precedents import Outcome, Precedent
from riskcli.rulepack import RulePack, Source
from riskcli.scoring import Engine, score_values

CREDIBLE = 0.9
"""Width of the interval printed for each fitted h0."""
UPPER = 0.95
"""One-sided bound printed for a source whose precedents never leaked."""
GRID = [10 ** (exponent / 40) for exponent in range(-12 * 40, -1 * 40 + 1)]
"""h0 from 1e-12 to 1e-1 per person per day, 40 points a decade."""
ROUNDS = 50
TOLERANCE = 1e-6
CHECK_TOLERANCE = 0.02
"""Relative difference between the pack and a fresh fit that `calibrate --check` accepts: the
pack records three significant digits."""


@dataclass(frozen=True)
class SourceFit:
    source: str
    title: str
    median: float
    """Posterior median: what the pack records as base_daily_hazard."""
    low: float
    high: float
    """Central CREDIBLE interval of the posterior."""
    upper: float
    """One-sided UPPER bound: all the evidence allows when nothing leaked."""
    shape: float
    rate: float
    """The Gamma with the posterior's mean and variance, which scoring draws h0 from."""
    leaks: int
    """Leaks this source most likely caused: those where it held most of the fitted rate."""
    precedents: list[str]
    """Every precedent in which this source could copy the weights."""
    person_days: float
    """Reference person-days of exposure in the evidence, at the central estimates."""
    pack_value: float


@dataclass(frozen=True)
class PrecedentRow:
    name: str
    title: str
    outcome: str
    leaked: bool
    day: float
    median_days: float | None
    """Under the pack as it is, at the central estimates."""
    p_by_day: float
    """P(leak by the day history reports) under the pack."""
    p_interval: list[float]


@dataclass(frozen=True)
class Calibration:
    pack: str
    level: float
    fits: list[SourceFit]
    rows: list[PrecedentRow]
    unfitted: list[str] = field(default_factory=list)
    """Sources no precedent exercises: their spread stays as the pack states it."""


def calibrate(engine: Engine, precedents: Sequence[Precedent]) -> Calibration:
    pack = engine.rules
    exposures = [_strata(person_days_per_day(pack, p.values)) for p in precedents]
    hazards = {s.id: s.base_daily_hazard for s in pack.model.sources}
    fitted = [s for s in pack.model.sources
              if any(any(k > 0 for k in e[s.id]) for e in exposures)]
    for _ in range(ROUNDS):
        moved = 0.0
        for source in fitted:
            weights = _posterior(source.id, hazards, precedents, exposures)
            new = _grid_quantile(weights, 0.5)
            moved = max(moved, abs(new / hazards[source.id] - 1))
            hazards[source.id] = new
        if moved < TOLERANCE:
            break
    fits = [_summarise(source, hazards, precedents, exposures) for source in fitted]
    level = engine.interval or pack.model.interval
    return Calibration(
        pack=f"{pack.id} {pack.version}", level=level, fits=fits,
        rows=[_row(engine, p) for p in precedents],
        unfitted=[s.id for s in pack.model.sources if s not in fitted])


def check(pack: RulePack, calibration: Calibration) -> list[str]:
    """What in the pack no longer matches a fresh fit: one sentence each, empty when it agrees."""
    by_id = {s.id: s for s in pack.model.sources}
    problems = []
    for fit in calibration.fits:
        source = by_id[fit.source]
        recorded = source.uncertainty.fit
        if recorded is None:
            problems.append(f"{fit.source}: the pack states a spread; precedents give a fit")
            continue
        pairs = [("base_daily_hazard", source.base_daily_hazard, fit.median),
                 ("uncertainty.fit.shape", recorded.shape, fit.shape),
                 ("uncertainty.fit.rate", recorded.rate, fit.rate)]
        problems += [f"{fit.source}: {name} is {have:.3g}; a fresh fit gives {want:.3g}"
                     for name, have, want in pairs if abs(have / want - 1) > CHECK_TOLERANCE]
        if recorded.leaks != fit.leaks or recorded.precedents != fit.precedents:
            problems.append(f"{fit.source}: the fit records {recorded.leaks} leaks in "
                            f"{', '.join(recorded.precedents)}; the precedents give "
                            f"{fit.leaks} in {', '.join(fit.precedents)}")
    return problems


def _strata(rows: dict[str, list[float]]) -> dict[str, list[float]]:
    """Scoring's strata of the estimates, all of them (a subsample moved the fit by a sixth);
    one when no estimate touches a source."""
    return {key: [values[0]] if len(set(values)) == 1 else values for key, values in rows.items()}


def _likelihood(outcome: Outcome) -> Callable[[float], float]:
    if outcome.leaked_after_days is not None:
        t = outcome.leaked_after_days
        return lambda rate: rate * math.exp(-rate * t)
    if outcome.leaked_before_day is not None:
        c = outcome.leaked_before_day
        return lambda rate: leak_probability(rate, c)
    t = outcome.days
    return lambda rate: math.exp(-rate * t)


def _posterior(source: str, hazards: dict[str, float], precedents: Sequence[Precedent],
               exposures: Sequence[dict[str, list[float]]]) -> list[float]:
    """Posterior weights of h0 on GRID (Jeffreys prior; the grid is logarithmic, so the prior
    h^-1/2 times the grid's h gives h^1/2), normalised."""
    log_post = [0.5 * math.log(h) for h in GRID]
    for precedent, exposure in zip(precedents, exposures, strict=True):
        mine = exposure[source]
        if not any(mine):
            continue
        others = _others(source, hazards, exposure, len(mine))
        f = _likelihood(precedent.outcome)
        for index, h in enumerate(GRID):
            mean = math.fsum(f(h * k + c) for k, c in zip(mine, others, strict=True)) / len(mine)
            log_post[index] += math.log(mean) if mean > 0 else -math.inf
    top = max(log_post)
    weights = [math.exp(lp - top) for lp in log_post]
    total = math.fsum(weights)
    return [w / total for w in weights]


def _others(source: str, hazards: dict[str, float], exposure: dict[str, list[float]],
            count: int) -> list[float]:
    """The other sources' rate in each stratum, at their current h0."""
    totals = [0.0] * count
    for other, rates in exposure.items():
        if other == source:
            continue
        column = rates if len(rates) == count else [rates[0]] * count
        totals = [t + hazards[other] * r for t, r in zip(totals, column, strict=True)]
    return totals


def _grid_quantile(weights: Sequence[float], q: float) -> float:
    """The q-quantile of the grid posterior, interpolated in log h between grid points."""
    cumulative = 0.0
    for index, weight in enumerate(weights):
        if cumulative + weight >= q:
            fraction = (q - cumulative) / weight if weight > 0 else 0.0
            lower = math.log(GRID[index - 1]) if index else math.log(GRID[0])
            return math.exp(lower + fraction * (math.log(GRID[index]) - lower))
        cumulative += weight
    return GRID[-1]


def _summarise(source: Source, hazards: dict[str, float], precedents: Sequence[Precedent],
               exposures: Sequence[dict[str, list[float]]]) -> SourceFit:
    weights = _posterior(source.id, hazards, precedents, exposures)
    mean = math.fsum(w * h for w, h in zip(weights, GRID, strict=True))
    second = math.fsum(w * h * h for w, h in zip(weights, GRID, strict=True))
    variance = second - mean * mean
    tail = (1 - CREDIBLE) / 2
    involved = [(p, e) for p, e in zip(precedents, exposures, strict=True) if any(e[source.id])]
    return SourceFit(
        source=source.id, title=source.title, median=_grid_quantile(weights, 0.5),
        low=_grid_quantile(weights, tail), high=_grid_quantile(weights, 1 - tail),
        upper=_grid_quantile(weights, UPPER),
        shape=mean * mean / variance, rate=mean / variance,
        leaks=sum(1 for p, e in involved
                  if p.outcome.leaked and _share(source.id, hazards, e) > 0.5),
        precedents=[p.name for p, _ in involved],
        person_days=math.fsum(_central(e[source.id]) * p.outcome.days for p, e in involved),
        pack_value=source.base_daily_hazard)


def _share(source: str, hazards: dict[str, float], exposure: dict[str, list[float]]) -> float:
    """The source's share of the precedent's rate at the fitted h0, central estimates."""
    rates = {key: hazards[key] * _central(values) for key, values in exposure.items()}
    total = math.fsum(rates.values())
    return rates[source] / total if total > 0 else 0.0


def _central(values: Sequence[float]) -> float:
    return sorted(values)[len(values) // 2]


def _row(engine: Engine, precedent: Precedent) -> PrecedentRow:
    exposure = score_values(engine, precedent.values, file=precedent.name).exposure
    low, high = exposure.interval.rate_per_day
    day = precedent.outcome.days
    return PrecedentRow(
        name=precedent.name, title=precedent.title, outcome=precedent.outcome.describe(),
        leaked=precedent.outcome.leaked, day=day,
        median_days=median_days(exposure.rate_per_day),
        p_by_day=leak_probability(exposure.rate_per_day, day),
        p_interval=[leak_probability(low, day), leak_probability(high, day)])
