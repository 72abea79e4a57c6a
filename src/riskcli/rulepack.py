"""The rule pack: exposure-model parameters, rules, option texts and recommendation policy as data.

A rule pack is written against one questionnaire. Loading checks the two together, because a rule
that names a missing answer key or misspells a choice value would otherwise just never fire, and a
risk tool that silently under-reports is worse than one that refuses to start.
"""

import math
from collections.abc import Mapping, Sequence
from functools import cached_property
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import Field, PrivateAttr, ValidationInfo, field_validator, model_validator

from riskcli.conditions import Condition, compile_condition, literal_comparisons
from riskcli.errors import ConditionError, ModelError, RulesError
from riskcli.questionnaire import Questionnaire
from riskcli.strict import (
    Conditioned,
    CrossCheckErrors,
    Identifier,
    Strict,
    Text,
    check_placeholders,
    validate_document,
)
from riskcli.uncertainty import gamma_relative, lognormal_relative
from riskcli.yamlio import load_yaml

Weights = Literal["downloaded", "hosted", "public"]
"""Where the weights are under a mode: handed to recipients, kept on your servers, or public."""
DIFFERS = "differs-from-recommendation"
"""The finding id an accepted risk names to say why the decision differs from the advice."""
RULE_ID = r"^[a-z][a-z0-9-]*$"

TEXT_FIELDS = ("p_horizon", "horizon_days", "median_days", "band", "score", "severity")
"""Placeholders a recommendation text may use, e.g. "{p_horizon} by day {horizon_days}"."""

MAX_MULTIPLIER = 1000.0
MIN_MULTIPLIER = 1 / MAX_MULTIPLIER
"""A rule moves a hazard at most a thousandfold either way; the bundled rules stay within x0.05
and x5. A subnormal multiplier (1e-320) would make every figure divided by it infinite."""
HAZARD_RANGE = (1e-100, 1e100)
"""Where one person's daily hazard must stay: h0, times any product of the multipliers its rules
can fire, times the spread of its draws. The bundled pack spans about 1e-15 to 1e-1. Inside it,
lambda for any headcount from 1 to 1e100 is a normal float, and so are its median, its interval
and every ratio the levers take; outside it, a product underflows to a subnormal or zero (an
infinite median, a division by zero) or overflows."""
MAX_DAYS = 36_500
"""A century: the latest report day. P(leak) past it is 1 for any real pack, and a day count past
1e308 cannot even be turned into a float. (The horizon is an answer: whole-number answers stop at
values.MAX_WHOLE_NUMBER, whatever the questionnaire's `max`.)"""
MAX_SPREAD = 1e6
"""How far apart the ends of a stated 90% interval of h0 may be (the bundled spread: twelvefold).
Past it the draws overflow a float."""
MIN_GAMMA_SHAPE = 0.1
"""The fit of a source with no leak at all has a shape of about 0.5 (a censored one a little
less); a shape near 0 puts the median of its draws at 0, and every ratio to it is infinite."""


class Curve(Strict):
    """A multiplier that follows a numeric answer smoothly: no threshold where lambda jumps.

    Between two points the multiplier is interpolated linearly in the logarithm of the answer
    (a population of 40 sits a third of the way from 20 to 200 as 20 -> 60 does from 200 -> 600);
    before the first point and after the last it stays at that point's multiplier.
    """

    answer: Identifier
    """A whole-number or number question of the questionnaire."""
    points: list[tuple[float, float]] = Field(min_length=2)
    """[answer, multiplier] pairs, answers above 0 and increasing, multipliers above 0."""

    @field_validator("points")
    @classmethod
    def _increasing(cls, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        xs = [x for x, _ in points]
        if any(x <= 0 for x in xs) or xs != sorted(set(xs)):
            raise ValueError("curve points need answers above 0, strictly increasing")
        if any(b <= a for a, b in pairwise(math.log(x) for x in xs)):
            raise ValueError("curve points need answers far enough apart that their logarithms "
                             "differ")
        if any(not MIN_MULTIPLIER <= m <= MAX_MULTIPLIER for _, m in points):
            raise ValueError(f"curve multipliers must be between {MIN_MULTIPLIER:g} and "
                             f"{MAX_MULTIPLIER:g}")
        return points

    def at_logs(self, logs: Sequence[float]) -> list[float]:
        """The multiplier at many answers given by their logarithms (the draws of an estimate):
        the same interpolation as `at`, a segment at a time, with no per-value call."""
        result = [self.points[0][1]] * len(logs)
        knots = [(math.log(x), m) for x, m in self.points]
        for (l0, m0), (l1, m1) in pairwise(knots):
            slope = (m1 - m0) / (l1 - l0)
            result = [m0 + slope * (v - l0) if l0 < v <= l1 else r
                      for v, r in zip(logs, result, strict=True)]
        last_log, last = knots[-1]
        return [last if v > last_log else r for v, r in zip(logs, result, strict=True)]

    def at(self, value: float) -> float:
        points = self.points
        if value <= points[0][0]:
            return points[0][1]
        for (x0, m0), (x1, m1) in pairwise(points):
            if value <= x1:
                t = (math.log(value) - math.log(x0)) / (math.log(x1) - math.log(x0))
                return m0 + t * (m1 - m0)
        return points[-1][1]


class Effect(Strict):
    factor: Identifier
    """A factor declared under model.factors."""
    multiply: float | None = Field(None, ge=MIN_MULTIPLIER, le=MAX_MULTIPLIER)
    """Multiplier on the per-person daily hazard of every source the factor applies to."""
    curve: Curve | None = None
    """Instead of `multiply`: a multiplier that follows a numeric answer (see Curve)."""

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        if (self.multiply is None) == (self.curve is None):
            raise ValueError("an effect has either `multiply` or `curve`, not both or neither")
        return self

    def multiplier(self, values: Mapping[str, Any]) -> float:
        """The multiplier for these answers; a curve reads its answer's central value."""
        if self.curve is None:
            assert self.multiply is not None
            return self.multiply
        value = values.get(self.curve.answer)
        if value is None:
            raise ModelError(f"the curve on {self.factor} needs an answer to "
                             f"{self.curve.answer}, which is not given")
        return self.curve.at(float(value))

    def summary(self) -> str:
        """The effect as the catalogue prints it, without answers: 'x 5', or 'x 0.6 at 20
        access_holders, rising smoothly to x 1 at 200'."""
        if self.curve is None:
            return f"x {self.multiply:g}"
        steps = [f"x {m:g} at {x:g}" for x, m in self.curve.points]
        return (f"curve on {self.curve.answer}: {', '.join(steps)} (log-linear between, flat "
                "beyond)")

    def describe(self, values: Mapping[str, Any]) -> str:
        """'demand x 5', or 'population x 0.652 (curve on access_holders)'."""
        if self.curve is None:
            return f"{self.factor} x {self.multiplier(values):g}"
        return f"{self.factor} x {self.multiplier(values):.3g} (curve on {self.curve.answer})"


class Rule(Conditioned):
    id: str = Field(pattern=RULE_ID)
    title: str
    when: str | bool
    """Condition on answers; the rule fires when it is true."""
    effect: Effect | None = None
    """None: a finding only, which moves no number."""
    severity: Identifier
    """One of the pack's `severities`."""
    modes: list[Identifier] | None = None
    """The options (ids under `options`) this finding concerns; every option when absent. A
    finding about vetting recipients says nothing about a release whose weights are public."""
    rationale: str
    """Why, citing the failure pattern. Printed in the record and by `riskcli lint`."""
    mitigation: str
    owner: str
    """One of the pack's `owners`."""


class GammaFit(Strict):
    """The posterior of h0 given the precedents, as `riskcli calibrate` summarises it."""

    shape: float = Field(ge=MIN_GAMMA_SHAPE, le=1e6)
    """About the number of leaks in the evidence plus one half (a leak known only by a bound
    counts for less)."""
    rate: float = Field(gt=0)
    """About the exposure in the evidence: person-days at the reference setting."""
    leaks: int = Field(ge=0)
    """Leaks in the evidence put down to this source: precedents that leaked where it held most
    of the fitted rate."""
    precedents: list[str] = Field(min_length=1)
    """The precedent files (by name, without .yaml) in which this source could copy the weights:
    the evidence the fit used."""


class Spread(Strict):
    """A stated 90% interval of h0, read as a lognormal, for a source with no fit."""

    low: float = Field(gt=0, lt=1)
    high: float = Field(gt=0, lt=1)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.low < self.high:
            raise ValueError("spread needs low < high")
        if self.high / self.low > MAX_SPREAD:
            raise ValueError(f"spread's high is {self.high / self.low:.3g} times its low; the "
                             f"limit is {MAX_SPREAD:g}")
        return self


class Uncertainty(Strict):
    fit: GammaFit | None = None
    spread: Spread | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        if (self.fit is None) == (self.spread is None):
            raise ValueError("uncertainty has either `fit` or `spread`, not both or neither")
        return self


class Source(Conditioned):
    id: Identifier
    title: str
    population: Identifier
    """Answer key (an int question) counting the people in this source."""
    when: str | bool | None = None
    """Condition for the source to exist at all (recipients only when weights leave)."""
    base_daily_hazard: float = Field(gt=0, lt=1)
    """h0: chance per person per day of a leak at the reference setting: the central value of
    the fit below (`riskcli calibrate` writes both)."""
    uncertainty: Uncertainty
    """How far h0 may be from its central value: a fit to precedents, or a stated spread."""
    note: str = ""

    @field_validator("base_daily_hazard")
    @classmethod
    def _normal(cls, h0: float) -> float:
        if h0 < HAZARD_RANGE[0]:
            raise ValueError(f"{h0:g} is below the limit of {HAZARD_RANGE[0]:g} per person per "
                             "day")
        return h0

    @cached_property
    def relative_hazards(self) -> tuple[float, ...]:
        """h0's strata divided by its central value (see riskcli.uncertainty), drawn once."""
        fit, spread = self.uncertainty.fit, self.uncertainty.spread
        if fit is not None:
            return gamma_relative(fit.shape, f"source:{self.id}")
        assert spread is not None
        return lognormal_relative(spread.low, spread.high, f"source:{self.id}")


class Factor(Strict):
    id: Identifier
    title: str
    applies_to: list[Identifier] = Field(min_length=1)


class BandThreshold(Strict):
    band: Identifier
    below: float | None = None
    """Scores below this are in this band; the last band has no bound."""


class Keys(Strict):
    """Which answers the code reads by role, so a questionnaire may name them differently: the
    one mapping from a role to an answer key. Nothing outside it reads an answer by name."""

    model_name: Identifier
    """Text: what the record and the model card are about."""
    organization: Identifier
    """Text: who releases it."""
    decision_owner: Identifier
    """Text: who owns the decision."""
    decision_date: Identifier
    """Date: the record's date."""
    downloads: Identifier
    """Yes/no: recipients download the weights (a gated Hugging Face repository fits only then)."""
    horizon: Identifier
    """Whole number: days the gated phase must hold."""
    intended_mode: Identifier
    """Choice: the distribution mode under consideration."""
    misuse_severity: Identifier
    """Choice: harm if the weights become public."""


KEY_TYPES: dict[str, str] = {
    "model_name": "text", "organization": "text", "decision_owner": "text",
    "decision_date": "date", "downloads": "bool", "horizon": "int", "intended_mode": "choice",
    "misuse_severity": "choice",
}
"""The question type each role must have."""


class ExposureModel(Strict):
    report_days: list[int] = Field(min_length=1)
    """Days P(leak) is reported at: increasing, from 1 to MAX_DAYS."""
    interval: float = Field(0.8, gt=0, lt=1)
    """Default width of the intervals printed beside every figure (`--interval` overrides)."""
    sources: list[Source] = Field(min_length=1)
    factors: list[Factor] = Field(min_length=1)
    bands: list[BandThreshold] = Field(min_length=2)

    @field_validator("report_days")
    @classmethod
    def _days(cls, days: list[int]) -> list[int]:
        if any(not 1 <= day <= MAX_DAYS for day in days) or days != sorted(set(days)):
            raise ValueError(f"report_days must be increasing whole days from 1 to {MAX_DAYS:,}")
        return days

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        bounds = [b.below for b in self.bands]
        if bounds[-1] is not None or any(b is None for b in bounds[:-1]):
            raise ValueError("every band but the last needs `below`; the last has none")
        if bounds[:-1] != sorted(bounds[:-1]) or not 0 < bounds[0] <= bounds[-2] <= 100:
            raise ValueError("band bounds must increase within 0-100")
        sources = {s.id for s in self.sources}
        for factor in self.factors:
            unknown = set(factor.applies_to) - sources
            if unknown:
                raise ValueError(f"factor {factor.id} applies to unknown source(s) "
                                 f"{', '.join(sorted(unknown))}")
        return self

    @cached_property
    def band_names(self) -> list[str]:
        return [b.band for b in self.bands]


class MitigationSpec(Strict):
    text: str
    owner: str
    """One of the pack's `owners`."""


class ConditionalText(Conditioned):
    when: str | bool
    text: str


class Outcome(Strict):
    mode: Identifier
    """The option recommended (an id under `options`). A gated outcome recommends the gated
    option whose weights match the answers (downloaded or hosted)."""
    headline: str | dict[str, str]
    """One sentence, or one per band (every band of the model), so the words match the figures:
    "viable" at a one-in-three chance of a leak would mislead."""
    reasons: list[str] = Field(min_length=1)
    extra_reasons: list[ConditionalText] = Field(default_factory=list)
    mitigations: list[MitigationSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _known_placeholders(self) -> Self:
        headlines = list(self.headline.values()) if isinstance(self.headline, dict) else [
            self.headline]
        check_placeholders([*headlines, *self.reasons, *(e.text for e in self.extra_reasons)],
                           TEXT_FIELDS)
        return self

    def headline_for(self, band: str) -> str:
        return self.headline[band] if isinstance(self.headline, dict) else self.headline


class RecommendationPolicy(Strict):
    gating_fails_at: float = Field(gt=0, le=1)
    """P(leak by the horizon) at or above which gated distribution is judged likely to fail."""
    unacceptable_tolerance: float = Field(ge=0, le=1)
    """When public weights are not acceptable, the P(leak by horizon) already too high to accept."""
    public_weights_acceptable: str | bool
    """Condition on answers: could the organisation live with these weights being public?"""
    pivot: Outcome
    hosted: Outcome
    gated: Outcome
    _acceptable: Condition = PrivateAttr()

    @property
    def acceptable(self) -> Condition:
        """`public_weights_acceptable`, compiled."""
        return self._acceptable


class OptionSpec(Strict):
    label: str
    weights: Weights
    """How the option is assessed: downloaded and hosted by their own leak exposure (hosted from
    the same answers, with the weights kept on your servers), public by the harm if public."""
    intended: Identifier
    """The intended-mode answer that plans this option (with `weights`, for gated ones)."""
    kept: list[str]
    given_up: list[str]
    obligations: list[MitigationSpec]


class HarmBand(Conditioned):
    """One line of the table that bands an option whose weights are public by design: the first
    whose `when` holds gives the band. Exposure is not the question there; harm is."""

    when: str | bool
    band: Identifier


class RulePack(Strict):
    id: Identifier
    version: Text
    title: str
    description: str = ""
    questionnaire: Identifier
    """Id of the questionnaire whose answer keys these rules read."""
    calibration: str
    """How the base hazards and multipliers were set against history. Shipped, not optional."""
    owners: list[str] = Field(min_length=1)
    """The roles that own findings and mitigations; every `owner` below must be one of them."""
    severities: list[Identifier] = Field(min_length=1)
    """Finding severities, most severe first: the one order every list of findings follows. The
    last is informational: its findings' mitigations are advice, not obligations."""
    keys: Keys
    model: ExposureModel
    recommendation: RecommendationPolicy
    options: dict[Identifier, OptionSpec]
    """The options compared side by side, in table order."""
    public_harm: list[HarmBand] = Field(min_length=1)
    """How an option with public weights is banded; the last line should be `when: true`."""
    rules: list[Rule]

    @field_validator("options")
    @classmethod
    def _every_kind(cls, options: dict[str, OptionSpec]) -> dict[str, OptionSpec]:
        kinds = {spec.weights for spec in options.values()}
        missing = [kind for kind in ("downloaded", "hosted", "public") if kind not in kinds]
        if missing:
            raise ValueError(f"needs an option for every kind of weights; none is "
                             f"{', '.join(missing)}")
        return options

    def option_for(self, intended: str, downloads: bool) -> str | None:
        """The option an intended mode plans, given whether the weights leave the premises."""
        candidates = [mode for mode, spec in self.options.items() if spec.intended == intended]
        for mode in candidates:
            weights = self.options[mode].weights
            if weights == "public" or (weights == "downloaded") == downloads:
                return mode
        return candidates[0] if candidates else None

    @cached_property
    def factor(self) -> dict[str, Factor]:
        return {f.id: f for f in self.model.factors}

    def severity_rank(self, severity: str) -> int:
        """0 for the most severe: sort findings and obligations by this."""
        return self.severities.index(severity)

    @model_validator(mode="after")
    def _check_against_questionnaire(self, info: ValidationInfo) -> Self:
        """Compile every condition and check every cross-reference against the questionnaire, here
        and nowhere else, so no rule pack (however it was built) holds an unchecked condition."""
        questionnaire = (info.context or {}).get("questionnaire")
        if not isinstance(questionnaire, Questionnaire):
            raise ValueError("a rule pack is checked against its questionnaire; load it with "
                             "riskcli.rulepack.load_rules")
        problems = _CrossCheck(self, questionnaire).problems()
        if problems:
            raise CrossCheckErrors(problems)
        return self


class _CrossCheck:
    """Collects every problem of a pack against a questionnaire, compiling conditions as it goes."""

    def __init__(self, pack: RulePack, questionnaire: Questionnaire):
        self.pack, self.q = pack, questionnaire
        self.found: list[tuple[str, tuple[Any, ...], str]] = []

    def problem(self, key: str, path: tuple[Any, ...], message: str) -> None:
        self.found.append((key, path, message))

    def problems(self) -> list[tuple[str, tuple[Any, ...], str]]:
        pack, q = self.pack, self.q
        if pack.questionnaire != q.id:
            self.problem("questionnaire", ("questionnaire",), "rules are written for "
                         f"questionnaire {pack.questionnaire}, but the questionnaire is {q.id}")
        self._keys()
        self._rules()
        self._sources()
        self._hazard_ranges()
        policy = pack.recommendation
        policy._acceptable = self._compile(
            policy.public_weights_acceptable, "recommendation.public_weights_acceptable",
            ("recommendation", "public_weights_acceptable"))
        for name in ("pivot", "hosted", "gated"):
            outcome = getattr(policy, name)
            for index, extra in enumerate(outcome.extra_reasons):
                path = ("recommendation", name, "extra_reasons", index, "when")
                extra._condition = self._compile(
                    extra.when, f"recommendation.{name}.extra_reasons[{index}]: when", path)
            self._owners(outcome.mitigations, f"recommendation.{name}.mitigations",
                         ("recommendation", name, "mitigations"))
            if isinstance(outcome.headline, dict) and set(outcome.headline) != set(
                    pack.model.band_names):
                self.problem(f"recommendation.{name}.headline", ("recommendation", name,
                             "headline"), "a headline per band names every band of the model "
                             f"({', '.join(pack.model.band_names)}) and no other")
        for name in ("pivot", "hosted", "gated"):
            outcome = getattr(policy, name)
            if outcome.mode not in pack.options:
                self.problem(f"recommendation.{name}.mode", ("recommendation", name, "mode"),
                             _unknown_option(outcome.mode, pack))
        for question in self.q.questions:
            if question.lever is not None and question.lever.owner not in pack.owners:
                self.problem("owners", ("owners",), f"question {question.id} names the lever "
                             f"owner {question.lever.owner!r}, which the pack does not declare")
        intended = self.q.by_id.get(pack.keys.intended_mode)
        for mode, option in pack.options.items():
            self._owners(option.obligations, f"options.{mode}.obligations",
                         ("options", mode, "obligations"))
            if intended is not None and option.intended not in intended.choice_values:
                self.problem(f"options.{mode}.intended", ("options", mode, "intended"),
                             f"{option.intended!r} is not a choice of {intended.id} "
                             f"({', '.join(intended.choice_values)})")
        for index, line in enumerate(pack.public_harm):
            path = ("public_harm", index)
            condition = self._compile(line.when, f"public_harm[{index}]: when", (*path, "when"))
            if condition is not None:
                line._condition = condition
            if line.band not in pack.model.band_names:
                self.problem(f"public_harm[{index}]: band", (*path, "band"),
                             f"{line.band!r} is not a band of the model "
                             f"({', '.join(pack.model.band_names)})")
        return self.found

    def _keys(self) -> None:
        for role, kind in KEY_TYPES.items():
            key = getattr(self.pack.keys, role)
            question = self.q.by_id.get(key)
            if question is None or question.type != kind:
                article = "an" if kind[0] in "aeiou" else "a"
                self.problem(f"keys.{role}", ("keys", role),
                             f"{key!r} is not {article} {kind} question of the questionnaire")

    def _rules(self) -> None:
        pack = self.pack
        seen: set[str] = set()
        for index, rule in enumerate(pack.rules):
            key, path = f"rule {rule.id}", ("rules", index)
            if rule.id in seen:
                self.problem(key, (*path, "id"), "id is used twice")
            seen.add(rule.id)
            if rule.effect and rule.effect.factor not in pack.factor:
                self.problem(f"{key}: effect.factor", (*path, "effect"),
                             f"unknown factor {rule.effect.factor!r} (the model has: "
                             f"{', '.join(pack.factor)})")
            if rule.severity not in pack.severities:
                self.problem(f"{key}: severity", (*path, "severity"),
                             f"{rule.severity!r} is not one of the pack's severities "
                             f"({', '.join(pack.severities)})")
            if rule.owner not in pack.owners:
                self.problem(f"{key}: owner", (*path, "owner"), _undeclared_owner(rule.owner, pack))
            for mode in rule.modes or []:
                if mode not in pack.options:
                    self.problem(f"{key}: modes", (*path, "modes"), _unknown_option(mode, pack))
            condition = self._compile(rule.when, f"{key}: when", (*path, "when"))
            if condition is not None:
                rule._condition = condition
                self._no_cliff(rule, key, path)
            if rule.effect is not None and rule.effect.curve is not None:
                self._numeric_answer(rule.effect.curve.answer, f"{key}: effect.curve.answer",
                                     (*path, "effect", "curve", "answer"))

    def _no_cliff(self, rule: Rule, key: str, path: tuple[Any, ...]) -> None:
        """A multiplier switched on by a number makes lambda jump where the number crosses the
        threshold (51 holders leaking twice as fast as 50): numbers move lambda through curves."""
        if rule.effect is None or rule.effect.multiply is None:
            return
        numeric = sorted(name for name in rule.condition.names
                         if self.q.by_id[name].type in ("int", "float"))
        if numeric:
            self.problem(f"{key}: when", (*path, "when"),
                         f"a multiplier that switches on {', '.join(numeric)} makes the leak rate "
                         "jump at the threshold; give the effect a `curve` over the answer, or "
                         "make the rule a finding only")

    def _numeric_answer(self, answer: str, key: str, path: tuple[Any, ...]) -> None:
        question = self.q.by_id.get(answer)
        if question is None or question.type not in ("int", "float"):
            self.problem(key, path, f"{answer!r} is not a number question of the questionnaire")

    def _sources(self) -> None:
        for index, source in enumerate(self.pack.model.sources):
            key, path = f"model.sources {source.id}", ("model", "sources", index)
            question = self.q.by_id.get(source.population)
            if question is None or question.type != "int":
                self.problem(f"{key}: population", (*path, "population"),
                             f"{source.population!r} is not a whole-number question of the "
                             "questionnaire")
            if source.when is not None:
                source._condition = self._compile(source.when, f"{key}: when", (*path, "when"))

    def _hazard_ranges(self) -> None:
        """One person's daily hazard, at the most and the least the rules that can fire on its
        source multiply it (rules that never fire together counted together: a bound) and at
        the ends of its draws, must stay within HAZARD_RANGE, so no product scoring takes can
        overflow, or underflow to a subnormal or zero. Worked in logarithms: the bound itself
        may be far past a float."""
        pack = self.pack
        low, high = (math.log10(bound) for bound in HAZARD_RANGE)
        for index, source in enumerate(pack.model.sources):
            key, path = f"model.sources {source.id}", ("model", "sources", index)
            try:
                draws = source.relative_hazards
            except (ArithmeticError, ValueError) as exc:
                self.problem(f"{key}: uncertainty", (*path, "uncertainty"),
                             f"its draws cannot be computed ({exc})")
                continue
            h0 = math.log10(source.base_daily_hazard)
            most = h0 + math.log10(max(draws))
            least = h0 + (math.log10(min(draws)) if min(draws) > 0 else -math.inf)
            for rule in pack.rules:
                factor = pack.factor.get(rule.effect.factor) if rule.effect else None
                if rule.effect is None or factor is None or source.id not in factor.applies_to:
                    continue
                curve = rule.effect.curve
                multipliers = [m for _, m in curve.points] if curve else [rule.effect.multiply]
                most += max(math.log10(max(multipliers)), 0.0)
                least += min(math.log10(min(multipliers)), 0.0)
            if most > high:
                self.problem(f"{key}: base_daily_hazard", (*path, "base_daily_hazard"),
                             f"with every rule that can fire on {source.id}, one person's daily "
                             f"hazard can reach 1e{most:+.0f}, past the limit of "
                             f"{HAZARD_RANGE[1]:g}; lower the multipliers or h0")
            if least < low:
                reach = "0" if least == -math.inf else f"1e{least:+.0f}"
                self.problem(f"{key}: base_daily_hazard", (*path, "base_daily_hazard"),
                             f"with every rule that can fire on {source.id}, one person's daily "
                             f"hazard can fall to {reach}, below the limit of "
                             f"{HAZARD_RANGE[0]:g}; raise the multipliers or h0")

    def _owners(self, specs: list[MitigationSpec], key: str, path: tuple[Any, ...]) -> None:
        for index, spec in enumerate(specs):
            if spec.owner not in self.pack.owners:
                self.problem(f"{key}[{index}]: owner", (*path, index, "owner"),
                             _undeclared_owner(spec.owner, self.pack))

    def _compile(self, source: str | bool, key: str, path: tuple[Any, ...]) -> Condition | None:
        try:
            condition = compile_condition(source, self.q.by_id)
        except ConditionError as exc:
            self.problem(key, path, str(exc))
            return None
        for answer_key, literal in literal_comparisons(condition):
            question = self.q.by_id[answer_key]
            if question.choices and literal not in question.choice_values:
                self.problem(key, path, f"compares {answer_key} with {literal!r}, which is not one "
                             f"of its choices ({', '.join(question.choice_values)}); the rule "
                             "could never fire")
        return condition


def _unknown_option(mode: str, pack: RulePack) -> str:
    return f"{mode!r} is not an option of the pack ({', '.join(pack.options)})"


def _undeclared_owner(owner: str, pack: RulePack) -> str:
    return (f"owner {owner!r} is not declared in the pack's `owners` "
            f"({', '.join(pack.owners)})")


def load_rules(path: Path | str, questionnaire: Questionnaire) -> RulePack:
    loaded = load_yaml(path)
    return build_rules(loaded.data, questionnaire, loaded.path)


def build_rules(data: Any, questionnaire: Questionnaire, name: str) -> RulePack:
    """Validate, compile and cross-check; every problem is reported at once."""
    return validate_document(RulePack, data, name, RulesError, "id, version, model, rules",
                             context={"questionnaire": questionnaire})
