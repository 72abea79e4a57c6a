"""How sure a figure is: seeded, stratified draws over what the model does not know exactly.

Two things are uncertain: each copy source's base hazard h0 (fitted to a handful of precedents,
so its calibration carries a spread) and the answers given as estimates ({low, high}). Every
figure riskcli prints is a monotone function of the total leak rate lambda, so one interval on
lambda gives the interval on P(leak by t), the median days to leak and the score alike.

The draws are a Latin hypercube: each uncertain quantity is cut into DRAWS equally likely strata,
one value per stratum, and the strata are paired across quantities by a permutation seeded from
the quantity's own name. Nothing depends on the clock or on the order files are scored in, so the
same answers give the same bytes, and two files share the same draws (their differences are the
answers', never the sampling's). Only the standard library is used: `random` for the seeded
permutations and the Gamma sample, `statistics.NormalDist` for the lognormal spread.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from functools import cache

DRAWS = 256
"""Strata per uncertain quantity. With one uncertain quantity the interval ends are exact to the
stratum (1/256 in probability); with several, the Latin hypercube keeps the sampling error of an
80% interval's ends to a few percent of lambda (figures print to two significant digits)."""

GAMMA_SAMPLE = 4096
"""Gamma variates drawn once per shape to read the strata's quantiles from: sixteen a stratum."""


def stratum_centres(n: int = DRAWS) -> list[float]:
    return [(i + 0.5) / n for i in range(n)]


def _pair(values: list[float], name: str) -> list[float]:
    """The same values in the order a permutation seeded by `name` gives: the hypercube pairing."""
    order = list(range(len(values)))
    random.Random(f"riskcli-pairing:{name}").shuffle(order)
    return [values[i] for i in order]


@cache
def gamma_relative(shape: float, name: str, n: int = DRAWS) -> tuple[float, ...]:
    """Strata of Gamma(shape) divided by its median, paired for quantity `name`.

    The rate of the Gamma cancels: what scoring needs is how far h0 may sit from its central
    value, so the pack's own h0 stays the point estimate and the draws spread around it.
    """
    rng = random.Random(f"riskcli-gamma:{shape!r}")
    sample = sorted(rng.gammavariate(shape, 1.0) for _ in range(GAMMA_SAMPLE))
    median = _quantile(sample, 0.5)
    strata = [_quantile(sample, u) / median for u in stratum_centres(n)]
    return tuple(_pair(strata, name))


@cache
def lognormal_relative(low: float, high: float, name: str, n: int = DRAWS) -> tuple[float, ...]:
    """Strata of a lognormal whose 90% interval is [low, high], divided by its median
    (riskquant's reading of a low/high estimate)."""
    from statistics import NormalDist  # statistics imports decimal and fractions: only here

    normal = NormalDist()
    sigma = (math.log(high) - math.log(low)) / (2 * normal.inv_cdf(0.95))
    strata = [math.exp(sigma * normal.inv_cdf(u)) for u in stratum_centres(n)]
    return tuple(_pair(strata, name))


@cache
def log_uniform_unit(name: str, n: int = DRAWS) -> tuple[float, ...]:
    """Strata of U(0, 1) paired for answer `name`: an estimate {low, high} is
    low * (high / low) ** u, log-uniform between its ends."""
    return tuple(_pair(stratum_centres(n), f"answer:{name}"))


def log_uniform_logs(low: float, high: float, unit: Sequence[float]) -> list[float]:
    """The natural logarithms of the log-uniform draws low * (high / low) ** u."""
    start, span = math.log(low), math.log(high) - math.log(low)
    return [start + span * u for u in unit]


def quantile(values: Sequence[float], q: float) -> float:
    """The q-quantile of unsorted values (linear between order statistics)."""
    return _quantile(sorted(values), q)


def _quantile(ordered: Sequence[float], q: float) -> float:
    position = q * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    weight = position - below
    return ordered[below] * (1 - weight) + ordered[above] * weight


def central_interval(values: Sequence[float], level: float) -> tuple[float, float]:
    """The central `level` interval of the draws, e.g. the 10th and 90th percentiles for 0.8."""
    return sorted_central_interval(sorted(values), level)


def sorted_central_interval(ordered: Sequence[float], level: float) -> tuple[float, float]:
    """`central_interval` of draws already in order."""
    tail = (1 - level) / 2
    return _quantile(ordered, tail), _quantile(ordered, 1 - tail)


class Scaled(Sequence[float]):
    """`ordered` times `scale`, each product made when it is read: the draws of a rate that is
    one number times a source's ordered h0 strata, in order when `scale` >= 0 (rounding keeps
    order), of which an interval reads four items, not 256."""

    def __init__(self, ordered: Sequence[float], scale: float):
        self._ordered, self._scale = ordered, scale

    def __len__(self) -> int:
        return len(self._ordered)

    def __getitem__(self, index):  # type: ignore[override]  # an int index only
        return self._scale * self._ordered[index]
