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
from dataclasses import dataclass
from typing import Any

from riskcli.errors import ModelError
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


def findings_from(rules: Sequence[Rule], values: Mapping[str, Any]) -> list[Finding]:
    return [
        Finding.model_construct(
            rule_id=r.id, severity=r.severity, title=r.title, rationale=r.rationale.strip(),
            mitigation=r.mitigation.strip(), owner=r.owner,
            effect=r.effect.describe(values) if r.effect else None,
        )
        for r in rules
    ]


def public_weights_acceptable(pack: RulePack, values: Mapping[str, Any]) -> bool:
    return pack.recommendation.acceptable.evaluate(values)


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


def variant_for(spec: OptionSpec, answered: Variant, hosted: Variant) -> Variant:
    return hosted if spec.weights == "hosted" else answered


def assess_options(pack: RulePack, answered: Variant, hosted: Variant, plan: str,
                   recommended: str) -> list[OptionAssessment]:
    values = answered.values
    acceptable = public_weights_acceptable(pack, values)
    severity = str(values[pack.keys.misuse_severity])
    harm = harm_band(pack, values)
    options = []
    for mode, spec in pack.options.items():
        variant = variant_for(spec, answered, hosted)
        mine = concerning(mode, variant.fired)
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
            obligations=_rule_mitigations(pack, mine) + _mitigations(spec.obligations),
            findings=[rule.id for rule in mine], plan=mode == plan,
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
        outcome = policy.pivot
    elif not acceptable and p >= policy.unacceptable_tolerance:
        outcome = policy.hosted
    else:
        outcome = policy.gated
    mode = outcome.mode
    if outcome is policy.gated:  # gated as answered: downloaded, or hosted if that is the plan
        mode = pack.option_for(pack.options[mode].intended, downloads(pack, values)) or mode
    spec = pack.options[mode]
    fields = _text_fields(exposure, values, pack)
    reasons = [sentence(text.format(**fields)) for text in outcome.reasons]
    reasons += [sentence(extra.text.format(**fields)) for extra in outcome.extra_reasons
                if extra.condition.evaluate(values)]
    rules = concerning(mode, variant_for(spec, answered, hosted).fired)
    mitigations = _mitigations(outcome.mitigations)
    if spec.weights != "public":
        mitigations = _rule_mitigations(pack, rules) + mitigations
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


def _rule_mitigations(pack: RulePack, fired: Sequence[Rule]) -> list[Mitigation]:
    """Obligations from what fired, most severe first, each once. The pack's least severity is
    informational: its findings carry advice, not obligations."""
    informational = pack.severities[-1]
    seen: set[str] = set()
    result = []
    for rule in sorted(fired, key=lambda r: pack.severity_rank(r.severity)):
        text = rule.mitigation.strip()
        if text and text not in seen and rule.severity != informational:
            seen.add(text)
            result.append(Mitigation.model_construct(text=text, owner=rule.owner))
    return result
