"""The three distribution modes side by side, and the recommendation.

The recommendation follows the incident file's lessons, with its thresholds and texts in the rule
pack: gating likely to fail and public weights acceptable -> release permissively, deliberately
(Meta's post-leak pivot); public weights not acceptable and exposure past tolerance -> keep weights
hosted, because downloadable gating is no perimeter; otherwise gated is viable, with the fired
rules' mitigations as its named obligations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from riskcli.results import Exposure, Finding, Mitigation, OptionAssessment, Recommendation
from riskcli.rulepack import MODES, MitigationSpec, Rule, RulePack
from riskcli.wording import days_text, percent


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


def compare_options(pack: RulePack, values: Mapping[str, Any], exposure: Exposure,
                    fired: Sequence[Rule]) -> list[OptionAssessment]:
    acceptable = public_weights_acceptable(pack, values)
    severity = str(values[pack.keys.misuse_severity])
    options = []
    for mode in MODES:
        spec = pack.options[mode]
        gated = mode == "gated"
        obligations = _mitigations(spec.obligations)
        if gated:
            obligations = _rule_mitigations(pack, fired) + obligations
        options.append(OptionAssessment.model_construct(
            mode=mode, label=spec.label, weights_public=not gated,
            p_leak_horizon=exposure.p_leak["horizon"] if gated else None,
            band=exposure.band if gated else None,
            exposure=_exposure_line(exposure) if gated else "public by design from day 0",
            misuse_severity=severity, public_weights_acceptable=acceptable,
            kept=list(spec.kept), given_up=list(spec.given_up), obligations=obligations,
        ))
    return options


def recommend(pack: RulePack, values: Mapping[str, Any], exposure: Exposure,
              fired: Sequence[Rule]) -> Recommendation:
    policy = pack.recommendation
    p = exposure.p_leak["horizon"]
    acceptable = public_weights_acceptable(pack, values)
    if p >= policy.gating_fails_at and acceptable:
        outcome = policy.pivot
    elif not acceptable and p >= policy.unacceptable_tolerance:
        outcome = policy.hosted
    else:
        outcome = policy.gated
    fields = _text_fields(exposure, values, pack)
    reasons = [text.format(**fields) for text in outcome.reasons]
    reasons += [extra.text.format(**fields) for extra in outcome.extra_reasons
                if extra.condition.evaluate(values)]
    mitigations = _mitigations(outcome.mitigations)
    if outcome.mode == "gated":
        mitigations = _rule_mitigations(pack, fired) + mitigations
    intended = str(values[pack.keys.intended_mode])
    return Recommendation.model_construct(
        mode=outcome.mode, hosted_only=outcome.hosted_only, intended_mode=intended,
        differs_from_intended=intended != outcome.mode,
        headline=outcome.headline_for(exposure.band).format(**fields), reasons=reasons,
        mitigations=mitigations,
    )


def _text_fields(exposure: Exposure, values: Mapping[str, Any], pack: RulePack) -> dict[str, str]:
    return {
        "p_horizon": percent(exposure.p_leak["horizon"]),
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
