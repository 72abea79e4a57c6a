"""The rule pack: exposure-model parameters, rules, option texts and recommendation policy as data.

A rule pack is written against one questionnaire. Loading checks the two together, because a rule
that names a missing answer key or misspells a choice value would otherwise just never fire, and a
risk tool that silently under-reports is worse than one that refuses to start.
"""

from __future__ import annotations

import string
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from riskcli.conditions import Condition, compile_condition, literal_comparisons
from riskcli.errors import ConditionError, Problem, RulesError
from riskcli.questionnaire import Questionnaire
from riskcli.strict import Identifier, Strict, Text, validate_document
from riskcli.yamlio import line_of, load_yaml

Owner = Literal["AI Strategy Lead", "Research Scientist", "Foundation Model Researcher",
                "AI Engineer"]
"""The roles the incident file names as owning this decision and its mitigations."""
Severity = Literal["info", "low", "medium", "high", "critical"]
Mode = Literal["gated", "permissive_open", "fully_open"]
MODES: tuple[Mode, ...] = ("gated", "permissive_open", "fully_open")
RULE_ID = r"^[a-z][a-z0-9-]*$"

TEXT_FIELDS = ("p_horizon", "horizon_days", "median_days", "band", "score", "severity")
"""Placeholders a recommendation text may use, e.g. "{p_horizon} by day {horizon_days}"."""


class Effect(Strict):
    factor: Identifier
    """A factor declared under model.factors."""
    multiply: float = Field(gt=0, le=1000)
    """Multiplier on the per-person daily hazard of every source the factor applies to."""


class Rule(Strict):
    id: str = Field(pattern=RULE_ID)
    title: str
    when: str | bool
    """Condition on answers; the rule fires when it is true."""
    effect: Effect | None = None
    """None: a finding only, which moves no number."""
    severity: Severity
    rationale: str
    """Why, citing the failure pattern. Printed in the record and by `riskcli lint`."""
    mitigation: str
    owner: Owner


class Source(Strict):
    id: Identifier
    title: str
    population: Identifier
    """Answer key (an int question) counting the people in this source."""
    when: str | bool | None = None
    """Condition for the source to exist at all (recipients only when weights leave)."""
    base_daily_hazard: float = Field(gt=0, lt=1)
    """h0: chance per person per day of a leak at the reference setting (see calibration)."""
    note: str = ""


class Factor(Strict):
    id: Identifier
    title: str
    applies_to: list[Identifier] = Field(min_length=1)


class BandThreshold(Strict):
    band: Identifier
    below: float | None = None
    """Scores below this are in this band; the last band has no bound."""


class Keys(Strict):
    """Which answers the model reads by role, so a questionnaire may name them differently."""

    horizon: Identifier
    intended_mode: Identifier
    misuse_severity: Identifier


class ExposureModel(Strict):
    report_days: list[int] = Field(min_length=1)
    sources: list[Source] = Field(min_length=1)
    factors: list[Factor] = Field(min_length=1)
    bands: list[BandThreshold] = Field(min_length=2)

    @model_validator(mode="after")
    def _consistent(self) -> ExposureModel:
        if any(day < 1 for day in self.report_days) or self.report_days != sorted(
                set(self.report_days)):
            raise ValueError("report_days must be increasing whole days of at least 1")
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
    owner: Owner


class ConditionalText(Strict):
    when: str | bool
    text: str


class Outcome(Strict):
    mode: Mode
    hosted_only: bool = False
    headline: str
    reasons: list[str] = Field(min_length=1)
    extra_reasons: list[ConditionalText] = Field(default_factory=list)
    mitigations: list[MitigationSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _known_placeholders(self) -> Outcome:
        for text in [self.headline, *self.reasons, *(e.text for e in self.extra_reasons)]:
            for _, name, spec, conversion in string.Formatter().parse(text):
                if name is not None and name not in TEXT_FIELDS:
                    raise ValueError(f"unknown placeholder {{{name}}} (allowed: "
                                     f"{', '.join(TEXT_FIELDS)})")
                # The values arrive formatted; a spec such as {score:>999999999} would only pad
                # (to gigabytes) or fail on text, and a conversion has nothing to convert.
                if spec or conversion:
                    raise ValueError(f"placeholder {{{name}}} takes no format spec or conversion "
                                     f"(found {{{name}{'!' + conversion if conversion else ''}"
                                     f"{':' + spec if spec else ''}}})")
        return self


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


class OptionSpec(Strict):
    label: str
    kept: list[str]
    given_up: list[str]
    obligations: list[MitigationSpec]


class RulePack(Strict):
    id: Identifier
    version: Text
    title: str
    description: str = ""
    questionnaire: Identifier
    """Id of the questionnaire whose answer keys these rules read."""
    calibration: str
    """How the base hazards and multipliers were set against history. Shipped, not optional."""
    keys: Keys
    model: ExposureModel
    recommendation: RecommendationPolicy
    options: dict[Mode, OptionSpec]
    rules: list[Rule]

    @field_validator("options")
    @classmethod
    def _every_mode(cls, options: dict[Mode, OptionSpec]) -> dict[Mode, OptionSpec]:
        missing = [m for m in MODES if m not in options]
        if missing:
            raise ValueError(f"must describe every mode; missing {', '.join(missing)}")
        return options

    @cached_property
    def conditions(self) -> dict[str, Condition]:
        """Compiled conditions by place ("rule:<id>", "source:<id>", ...), filled at load."""
        return {}

    @cached_property
    def factor(self) -> dict[str, Factor]:
        return {f.id: f for f in self.model.factors}


def load_rules(path: Path | str, questionnaire: Questionnaire) -> RulePack:
    loaded = load_yaml(path)
    return build_rules(loaded.data, questionnaire, loaded.path)


def build_rules(data: Any, questionnaire: Questionnaire, name: str) -> RulePack:
    pack = validate_document(RulePack, data, name, RulesError, "id, version, model, rules")
    problems = _cross_check(pack, questionnaire, data, name)
    if problems:
        raise RulesError(problems)
    return pack


def _cross_check(pack: RulePack, q: Questionnaire, data: dict, name: str) -> list[Problem]:
    problems: list[Problem] = []

    def problem(key: str, message: str, line: int | None = None) -> None:
        problems.append(Problem(name, key, message, line))

    if pack.questionnaire != q.id:
        problem("questionnaire", f"rules are written for questionnaire {pack.questionnaire}, "
                f"but the questionnaire is {q.id}", line_of(data, "questionnaire"))
    _check_keys(pack, q, problem)
    seen: set[str] = set()
    raw_rules = data.get("rules") or []
    for rule, raw in zip(pack.rules, raw_rules, strict=True):
        key = f"rule {rule.id}"
        if rule.id in seen:
            problem(key, "id is used twice", line_of(raw, "id"))
        seen.add(rule.id)
        if rule.effect and rule.effect.factor not in pack.factor:
            problem(f"{key}: effect.factor", f"unknown factor {rule.effect.factor!r} (the model "
                    f"has: {', '.join(pack.factor)})", line_of(raw, "effect"))
        _compile(pack, q, f"rule:{rule.id}", rule.when, f"{key}: when", problem,
                 line_of(raw, "when"))
    for source in pack.model.sources:
        key = f"model.sources {source.id}"
        question = q.by_id.get(source.population)
        if question is None or question.type != "int":
            problem(f"{key}: population", f"{source.population!r} is not a whole-number question "
                    "of the questionnaire")
        if source.when is not None:
            _compile(pack, q, f"source:{source.id}", source.when, f"{key}: when", problem)
    policy = pack.recommendation
    _compile(pack, q, "acceptable", policy.public_weights_acceptable,
             "recommendation.public_weights_acceptable", problem)
    for outcome_name in ("pivot", "hosted", "gated"):
        outcome = getattr(policy, outcome_name)
        for index, extra in enumerate(outcome.extra_reasons):
            _compile(pack, q, f"{outcome_name}:extra:{index}", extra.when,
                     f"recommendation.{outcome_name}.extra_reasons[{index}]: when", problem)
    return problems


def _check_keys(pack: RulePack, q: Questionnaire, problem) -> None:
    wanted = {"horizon": ("int",), "intended_mode": ("choice",), "misuse_severity": ("choice",)}
    for role, types in wanted.items():
        key = getattr(pack.keys, role)
        question = q.by_id.get(key)
        if question is None or question.type not in types:
            problem(f"keys.{role}", f"{key!r} is not a {types[0]} question of the questionnaire")


def _compile(pack: RulePack, q: Questionnaire, slot: str, source: str | bool, key: str,
             problem, line: int | None = None) -> None:
    try:
        condition = compile_condition(source, q.by_id)
    except ConditionError as exc:
        problem(key, str(exc), line)
        return
    for answer_key, literal in literal_comparisons(condition):
        question = q.by_id[answer_key]
        if question.choices and literal not in question.choice_values:
            problem(key, f"compares {answer_key} with {literal!r}, which is not one of its choices "
                    f"({', '.join(question.choice_values)}); the rule could never fire", line)
    pack.conditions[slot] = condition
