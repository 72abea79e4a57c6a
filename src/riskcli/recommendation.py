"""The options side by side, each assessed as itself, and the recommendation.

The recommendation follows the incident file's lessons, with its thresholds and texts in the rule
pack: gating likely to fail and public weights acceptable -> release permissively, deliberately
(Meta's post-leak pivot); public weights not acceptable and exposure past tolerance -> keep weights
hosted, because downloadable gating is no perimeter; otherwise gated is viable, with the fired
rules' mitigations as its named obligations.

Each option is judged on its own terms: a gated option by its own leak exposure (the hosted one
from the same answers with the weights kept on your servers, so its findings and obligations are
its own), an option whose weights are public by design by the harm if public, and a finding
appears only under the options it concerns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from riskcli.conditions import Condition
from riskcli.errors import ModelError
from riskcli.perpack import per_pack
from riskcli.results import Exposure, Finding, Mitigation, OptionAssessment, Recommendation
from riskcli.rulepack import MitigationSpec, OptionSpec, Rule, RulePack
from riskcli.wording import days_text, percent, percent_words, sentence


@dataclass(frozen=True)
class Variant:
    """The answers as a gated option sees them (as given, or with the weights kept hosted),
    with what fired and the exposure they give."""

    values: Mapping[str, Any]
    fired: Sequence[Rule]
    exposure: Exposure
    fired_ids: frozenset[str] = field(init=False, repr=False, compare=False)
    """The ids of `fired`, which each option's obligations are read against."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "fired_ids", frozenset([rule.id for rule in self.fired]))


class _Parts(NamedTuple):
    """What options, findings and obligations print that is the same for every answers file,
    built once per pack (`riskcli.perpack`): 16 obligations and findings a file were rebuilt from
    the same rule text each time."""

    concerns: dict[str, frozenset[str]]
    """Option -> ids of the rules whose findings concern it."""
    obligations: dict[str, tuple[tuple[str, Mitigation], ...]]
    """Option -> (rule id, obligation) of each rule that concerns it and names an obligation
    (informational rules give advice, not obligations), most severe first, pack order within a
    severity: the order `_rule_mitigations` lists them in."""
    repeated: dict[str, bool]
    """Option -> whether two of its rules name the same obligation (listed once)."""
    option_obligations: dict[str, tuple[Mitigation, ...]]
    """Option -> the obligations its spec names."""
    outcome_mitigations: dict[str, tuple[Mitigation, ...]]
    """pivot, hosted, gated -> the mitigations the policy names with that outcome."""
    findings: dict[str, Finding | None]
    """Rule id -> its finding; None when its effect reads an answer (a curve's multiplier)."""
    acceptable: Condition
    """The policy's `public_weights_acceptable`: read through its property (a pydantic private
    attribute, found by BaseModel.__getattr__) it took 1.8 us, twice a file."""


def _parts(pack: RulePack) -> _Parts:
    return per_pack(pack, _build_parts)


def _build_parts(pack: RulePack) -> _Parts:
    informational = pack.severities[-1]
    ranked = sorted(pack.rules, key=lambda r: pack.severity_rank(r.severity))  # stable
    obliging = [(rule, Mitigation.model_construct(text=rule.mitigation.strip(), owner=rule.owner))
                for rule in ranked if rule.mitigation.strip() and rule.severity != informational]
    concerns = {mode: frozenset(r.id for r in concerning(mode, pack.rules))
                for mode in pack.options}
    obligations = {mode: tuple((rule.id, m) for rule, m in obliging if rule.id in ids)
                   for mode, ids in concerns.items()}
    policy = pack.recommendation
    return _Parts(
        concerns=concerns,
        obligations=obligations,
        repeated={mode: len({m.text for _, m in listed}) < len(listed)
                  for mode, listed in obligations.items()},
        option_obligations={mode: tuple(_mitigations(spec.obligations))
                            for mode, spec in pack.options.items()},
        outcome_mitigations={name: tuple(_mitigations(getattr(policy, name).mitigations))
                             for name in ("pivot", "hosted", "gated")},
        findings={rule.id: _finding(rule, {}) for rule in pack.rules
                  if rule.effect is None or rule.effect.curve is None},
        acceptable=policy.acceptable,
    )


def findings_from(pack: RulePack, rules: Sequence[Rule], values: Mapping[str, Any]
                  ) -> list[Finding]:
    shared = _parts(pack).findings
    return [finding if (finding := shared.get(r.id)) is not None else _finding(r, values)
            for r in rules]


def _finding(r: Rule, values: Mapping[str, Any]) -> Finding:
    return Finding.model_construct(
        rule_id=r.id, severity=r.severity, title=r.title, rationale=r.rationale.strip(),
        mitigation=r.mitigation.strip(), owner=r.owner,
        effect=r.effect.describe(values) if r.effect else None,
    )


def public_weights_acceptable(pack: RulePack, values: Mapping[str, Any]) -> bool:
    return _parts(pack).acceptable.evaluate(values)


def downloads(pack: RulePack, values: Mapping[str, Any]) -> bool:
    return values.get(pack.keys.downloads) is True


def plan_of(pack: RulePack, values: Mapping[str, Any]) -> str:
    """The option the answers plan: the intended mode, with the weights as answered."""
    intended = str(values[pack.keys.intended_mode])
    mode = pack.option_for(intended, downloads(pack, values))
    if mode is None:
        raise ModelError(f"no option of the pack is planned by {pack.keys.intended_mode} "
                         f"{intended!r}")
    return mode


def concerning(mode: str, rules: Sequence[Rule]) -> list[Rule]:
    """The fired rules a finding of which concerns this option."""
    return [rule for rule in rules if rule.modes is None or mode in rule.modes]


def _concerning_ids(parts: _Parts, mode: str, rules: Sequence[Rule]) -> list[str]:
    """The ids of `concerning`, with the pack's rules for each option known once."""
    ids = parts.concerns[mode]
    return [rule.id for rule in rules if rule.id in ids]


def variant_for(spec: OptionSpec, answered: Variant, hosted: Variant) -> Variant:
    return hosted if spec.weights == "hosted" else answered


def assess_options(pack: RulePack, answered: Variant, hosted: Variant, plan: str,
                   recommended: str) -> list[OptionAssessment]:
    values = answered.values
    parts = _parts(pack)
    acceptable = public_weights_acceptable(pack, values)
    severity = str(values[pack.keys.misuse_severity])
    harm = harm_band(pack, values)
    options = []
    for mode, spec in pack.options.items():
        variant = variant_for(spec, answered, hosted)
        assessed = spec.weights != "downloaded" or downloads(pack, values)
        exposure = variant.exposure if spec.weights != "public" and assessed else None
        options.append(OptionAssessment.model_construct(
            mode=mode, label=spec.label, weights=spec.weights,
            weights_public=spec.weights == "public", assessed=assessed,
            p_leak_horizon=exposure.p_leak["horizon"] if exposure else None,
            p_leak_interval=list(exposure.interval.p_leak["horizon"]) if exposure else None,
            median_days_to_leak=exposure.median_days_to_leak if exposure else None,
            band=exposure.band if exposure else (harm if spec.weights == "public" else None),
            exposure=_summary(spec, exposure, assessed, severity),
            misuse_severity=severity, public_weights_acceptable=acceptable,
            kept=list(spec.kept), given_up=list(spec.given_up),
            obligations=_rule_mitigations(parts, mode, variant.fired_ids)
            + list(parts.option_obligations[mode]),
            findings=_concerning_ids(parts, mode, variant.fired), plan=mode == plan,
            recommended=mode == recommended,
        ))
    return options


def harm_band(pack: RulePack, values: Mapping[str, Any]) -> str:
    """The band of an option whose weights are public: the first line of the pack's table."""
    for line in pack.public_harm:
        if line.condition.evaluate(values):
            return line.band
    raise ModelError("no line of the pack's public_harm table holds for these answers; end it "
                     "with `when: true`")


def recommend(pack: RulePack, answered: Variant, hosted: Variant, plan: str) -> Recommendation:
    policy = pack.recommendation
    values, exposure = answered.values, answered.exposure
    p = exposure.p_leak["horizon"]
    acceptable = public_weights_acceptable(pack, values)
    if p >= policy.gating_fails_at and acceptable:
        name = "pivot"
    elif not acceptable and p >= policy.unacceptable_tolerance:
        name = "hosted"
    else:
        name = "gated"
    outcome = getattr(policy, name)
    mode = outcome.mode
    if name == "gated":  # gated as answered: downloaded, or hosted if that is the plan
        mode = pack.option_for(pack.options[mode].intended, downloads(pack, values)) or mode
    spec = pack.options[mode]
    fields = _text_fields(exposure, values, pack)
    reasons = [sentence(text.format(**fields)) for text in outcome.reasons]
    reasons += [sentence(extra.text.format(**fields)) for extra in outcome.extra_reasons
                if extra.condition.evaluate(values)]
    parts = _parts(pack)
    mitigations = list(parts.outcome_mitigations[name])
    if spec.weights != "public":
        fired = variant_for(spec, answered, hosted).fired_ids
        mitigations = _rule_mitigations(parts, mode, fired) + mitigations
    return Recommendation.model_construct(
        mode=mode, hosted_only=spec.weights == "hosted",
        intended_mode=str(values[pack.keys.intended_mode]), plan_mode=plan,
        differs_from_intended=mode != plan,
        headline=sentence(outcome.headline_for(exposure.band).format(**fields)), reasons=reasons,
        mitigations=mitigations,
    )


def _summary(spec: OptionSpec, exposure: Exposure | None, assessed: bool, severity: str) -> str:
    if spec.weights == "public":
        return f"public by design from day 0; misuse severity {severity}"
    if not assessed:
        return "not assessed: the answers describe hosted access, with no recipients to count"
    assert exposure is not None
    return _exposure_line(exposure)


def _text_fields(exposure: Exposure, values: Mapping[str, Any], pack: RulePack) -> dict[str, str]:
    return {
        "p_horizon": percent_words(exposure.p_leak["horizon"]),  # read in sentences
        "horizon_days": str(exposure.horizon_days),
        "median_days": days_text(exposure.median_days_to_leak),
        "band": exposure.band,
        "score": str(exposure.score),
        "severity": str(values[pack.keys.misuse_severity]),
    }


def _exposure_line(exposure: Exposure) -> str:
    return (f"P(leak by day {exposure.horizon_days}) {percent(exposure.p_leak['horizon'])}; "
            f"median {days_text(exposure.median_days_to_leak)} to leak")


def _mitigations(specs: Sequence[MitigationSpec]) -> list[Mitigation]:
    return [Mitigation.model_construct(text=s.text.strip(), owner=s.owner) for s in specs]


def _rule_mitigations(parts: _Parts, mode: str, fired: frozenset[str]) -> list[Mitigation]:
    """Obligations from what fired (`fired`: rule ids) and concerns `mode`, most severe first,
    each once. The pack's least severity is informational: its findings carry advice, not
    obligations."""
    listed = [mitigation for rule_id, mitigation in parts.obligations[mode] if rule_id in fired]
    if parts.repeated[mode]:  # a text two rules name is listed once, where it first appears
        seen: set[str] = set()
        listed = [m for m in listed if not (m.text in seen or seen.add(m.text))]
    return listed
