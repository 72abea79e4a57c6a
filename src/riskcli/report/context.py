"""The record's view model: a ScoreResult and its questionnaire as plain, already-formatted values.

Templates only place text; every figure arrives here formatted (see `formatting`), so the PDF, the
HTML and the model card cannot disagree, and a template author never does arithmetic. Raw numbers
stay alongside for charts and tests. Nothing here holds record wording: that lives in templates.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from riskcli.errors import AnswersError, Problem
from riskcli.formatting import set_arguments
from riskcli.levers import LeverReport, Outcome, report_for, top_levers
from riskcli.questionnaire import Question, Questionnaire
from riskcli.report import formatting as fmt
from riskcli.report.views import (
    AcceptedRiskView,
    AnswerView,
    BreakEvenView,
    ContributionView,
    EstimateView,
    ExposureView,
    HazardFitView,
    LeverChangeView,
    LeverPathView,
    LeversView,
    OptionView,
    PointView,
    RecordView,
    SectionView,
    SourceView,
    TornadoBarView,
    TornadoEndView,
    UncertaintyView,
)
from riskcli.results import (
    AcceptedRisk,
    Contribution,
    Finding,
    Mitigation,
    OptionAssessment,
    ScoreResult,
    SourceExposure,
)
from riskcli.rulepack import DIFFERS, Keys, RulePack, Source
from riskcli.scoring import Engine
from riskcli.terminal import command_line
from riskcli.uncertainty import central_interval

HORIZON = "horizon"


def build_view(result: ScoreResult, engine: Engine, target: str | None = None) -> RecordView:
    """The record's view; `target` is the band "What it would take" aims at (default: the band
    below the exposure's, as `riskcli levers`)."""
    questionnaire, pack = engine.questionnaire, engine.rules
    keys = pack.keys
    values = result.answers
    answers = _answers(values, questionnaire)
    options = [_option(o, result) for o in result.options]
    by_mode = {o.mode: o for o in options}
    recommendation, decision = result.recommendation, result.decision
    considered = by_mode[decision.mode]
    plan = by_mode[recommendation.plan_mode]
    exposure_option = _exposure_option(result, options, keys)
    findings = sorted(result.findings, key=lambda f: _severity_rank(pack, f))
    mitigations = list(recommendation.mitigations)
    accepted = [_accepted(risk, pack) for risk in decision.accepted_risks]
    file_name = PurePath(result.file).name
    date = answers.get(keys.decision_date)
    return RecordView(
        title=fmt.clip(str(values.get(keys.model_name, file_name)), fmt.SHORT_LIMIT),
        organization=fmt.clip(str(values.get(keys.organization, fmt.MISSING)), fmt.SHORT_LIMIT),
        decision_owner=fmt.clip(str(values.get(keys.decision_owner, fmt.MISSING)),
                                fmt.SHORT_LIMIT),
        date=date.text if date is not None and date.asked else fmt.MISSING,
        date_iso=record_date(result, keys).isoformat(),
        answers=answers,
        sections=[SectionView(s.title, [answers[q.id] for q in s.questions])
                  for s in questionnaire.sections],
        exposure=_exposure(result, questionnaire),
        uncertainty=_uncertainty(result, pack, questionnaire),
        contributions=sorted((_contribution(c, values, questionnaire)
                              for c in result.exposure.contributions), key=_strength),
        options=options,
        status=decision.status,
        decided=decision.status == "decided",
        approved_by=decision.approved_by or "",
        approved_on=fmt.long_date(decision.approved_on) if decision.approved_on else "",
        considered=considered,
        plan=plan,
        recommended=by_mode[recommendation.mode],
        differs=considered.mode != recommendation.mode,
        exposure_option=exposure_option,
        exposure_considered=exposure_option is not None and exposure_option.considered,
        accepted_risks=accepted,
        accepted={risk.finding: risk for risk in accepted},
        intended=plan,
        differs_from_intended=recommendation.differs_from_intended,
        hosted_only=recommendation.hosted_only,
        headline=recommendation.headline,
        reasons=list(recommendation.reasons),
        mitigations=mitigations,
        findings=findings,
        owners=_owners(findings, mitigations, accepted),
        questionnaire=f"{result.questionnaire.id} {result.questionnaire.version}",
        rules=f"{result.rules.id} {result.rules.version}",
        sha256=result.answers_sha256,
        answers_file=file_name,
        rescore_command=score_command(file_name),
        levers=_levers(result, engine, answers, options, file_name, target),
        raw=dict(values),
    )


def score_command(file_name: str) -> str:
    """`riskcli score FILE` as a shell reads it back: the name quoted (a file named
    `a$(touch X).yaml` runs nothing), and one starting with '-' made a path, not an option."""
    return command_line(["riskcli", "score", PurePath(file_name)])


def record_date(result: ScoreResult, keys: Keys) -> dt.date:
    """The date the record carries, and the PDF's metadata dates: the decision's own date.

    The pack checks at load that its decision date is a date question; an answer that still is
    not one (a result built by other means) is one problem line, never a traceback.
    """
    value = result.answers.get(keys.decision_date)
    if value is None:
        return dt.date(1970, 1, 1)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise AnswersError(Problem(
            result.file, keys.decision_date,
            f"the record's date must be a date (YYYY-MM-DD), not {fmt.clip(str(value), 60)!r}",
            code="type")) from None


def _answers(values: dict[str, Any], questionnaire: Questionnaire) -> dict[str, AnswerView]:
    views: dict[str, AnswerView] = {}
    for q in questionnaire.questions:
        asked = q.id in values
        value = values.get(q.id)
        views[q.id] = AnswerView(
            key=q.id, prompt=q.prompt, asked=asked, text=fmt.answer_text(q, value),
            # A line in a table or a heading: a pasted essay stays whole in the appendix only.
            short=fmt.clip(fmt.answer_text(q, value, short=True), fmt.SHORT_LIMIT),
            condition=None if asked or q.when is None else str(q.when))
    return views


def _exposure(result: ScoreResult, questionnaire: Questionnaire) -> ExposureView:
    exposure = result.exposure
    interval = exposure.interval
    # The pack's report days, as `score` prints them: every entry but the horizon's.
    points = [_point(day, p, interval.p_leak[day])
              for day, p in exposure.p_leak.items() if day != HORIZON]
    p_horizon = exposure.p_leak[HORIZON]
    band_low, band_high = interval.bands
    band_words = fmt.band_words(exposure.band, band_low, band_high)
    fastest_slowest = interval.median_days_to_leak
    return ExposureView(
        rate=fmt.rate(exposure.rate_per_day), rate_value=exposure.rate_per_day,
        horizon_days=exposure.horizon_days, horizon=fmt.days(exposure.horizon_days),
        p_horizon=fmt.percent(p_horizon), points=points,
        median=fmt.days(exposure.median_days_to_leak),
        median_value=exposure.median_days_to_leak,
        score=exposure.score, band=exposure.band,
        sources=[_source(s, result.answers, questionnaire) for s in exposure.sources],
        level=fmt.level(interval.level),
        rate_low=interval.rate_per_day[0], rate_high=interval.rate_per_day[1],
        rate_range=fmt.rate_range(*interval.rate_per_day),
        p_horizon_range=fmt.percent_range(*interval.p_leak[HORIZON]),
        median_range=(fmt.days_range(*fastest_slowest) if fastest_slowest is not None
                      else fmt.days(None)),
        score_range=fmt.score_range(*interval.score),
        band_low=band_low, band_high=band_high, straddles=band_low != band_high,
        band_words=band_words,
        band_could=band_words.removeprefix(exposure.band) if band_words != exposure.band else "",
    )


def _point(day: str, p: float, ends: list[float]) -> PointView:
    low, high = ends
    return PointView(int(day), day, p, fmt.percent(p), low, high, fmt.percent_range(low, high))


def _source(source: SourceExposure, values: dict[str, Any],
            questionnaire: Questionnaire) -> SourceView:
    key = source.population_key or ""
    question = questionnaire.by_id.get(key)
    ends = _estimate_ends(values.get(key)) if source.active else None
    central = fmt.integer(round(source.population))
    return SourceView(
        title=source.title, active=source.active,
        population=fmt.number_range(question, *ends) if ends else fmt.integer(source.population),
        population_estimated=ends is not None, population_central=central,
        population_prompt=question.prompt if question else "",
        base_hazard=fmt.rate(source.base_daily_hazard),
        factors=[(name, fmt.multiplier(value)) for name, value in source.factors.items()],
        daily_hazard=fmt.rate(source.daily_hazard), rate=fmt.rate(source.rate_per_day),
        share=fmt.percent(source.share))


def _estimate_ends(value: Any) -> tuple[float, float] | None:
    """An estimate's (low, high) as results hold it ({low, high}), or None for a plain answer."""
    if isinstance(value, Mapping) and set(value) == {"low", "high"}:
        return value["low"], value["high"]
    return None


def _uncertainty(result: ScoreResult, pack: RulePack,
                 questionnaire: Questionnaire) -> UncertaintyView:
    """Where the interval comes from: each active source's h0 and its evidence, the estimates."""
    interval = result.exposure.interval
    active = {s.source for s in result.exposure.sources if s.active}
    hazards = [_hazard_fit(source, interval.level)
               for source in pack.model.sources if source.id in active]
    precedents: dict[str, None] = {}
    for hazard in hazards:
        for name in hazard.precedents:
            precedents.setdefault(name, None)
    estimates = []
    for key in interval.estimates:
        ends = _estimate_ends(result.answers.get(key))
        if ends is None:
            continue
        question = questionnaire.by_id.get(key)
        estimates.append(EstimateView(key, _prompt(questionnaire, key),
                                      fmt.number_range(question, *ends)))
    return UncertaintyView(
        level=fmt.level(interval.level), hazards=hazards, precedents=list(precedents),
        leaks=sum(h.leaks for h in hazards if h.fitted), estimates=estimates,
        multipliers=sum(1 for c in result.exposure.contributions if c.multiplier != 1))


def _hazard_fit(source: Source, level: float) -> HazardFitView:
    h0 = source.base_daily_hazard
    low, high = central_interval(source.relative_hazards, level)
    fit, spread = source.uncertainty.fit, source.uncertainty.spread
    return HazardFitView(
        source=source.title, base_hazard=fmt.rate(h0),
        base_hazard_range=fmt.rate_range(h0 * low, h0 * high), fitted=fit is not None,
        precedents=list(fit.precedents) if fit else [], leaks=fit.leaks if fit else 0,
        spread=fmt.rate_range(spread.low, spread.high) if spread else "")


def _contribution(c: Contribution, values: dict[str, Any],
                  questionnaire: Questionnaire) -> ContributionView:
    answers = [AnswerView(key=k, prompt=_prompt(questionnaire, k), asked=True,
                          text=fmt.answer_text(questionnaire.by_id.get(k), v),
                          short=fmt.answer_text(questionnaire.by_id.get(k), v, short=True))
               for k, v in c.answers.items()]
    return ContributionView(
        rule_id=c.rule_id, title=c.title, factor=c.factor,
        multiplier=fmt.multiplier(c.multiplier), multiplier_value=c.multiplier,
        raises=c.multiplier > 1, delta=fmt.rate(c.delta_lambda, signed=True),
        without=fmt.rate(c.lambda_without), sources=list(c.sources), answers=answers)


def _strength(view: ContributionView) -> tuple[float, str]:
    """Strongest multiplier first (either way), so the chart and its table read top-down."""
    value = view.multiplier_value
    return (-abs(math.log(value)) if value > 0 else 0.0), view.rule_id


def _prompt(questionnaire: Questionnaire, key: str) -> str:
    question = questionnaire.by_id.get(key)
    return question.prompt if question else key


def _option(option: OptionAssessment, result: ScoreResult) -> OptionView:
    name, detail = fmt.split_label(option.label)
    figures = option.p_leak_horizon is not None
    return OptionView(
        mode=option.mode, label=option.label, name=name, detail=detail,
        weights=option.weights, weights_public=option.weights_public, assessed=option.assessed,
        band=option.band,
        p_horizon=fmt.percent(option.p_leak_horizon),
        # Each gated option's own interval: the hosted one is not the downloads' exposure.
        p_horizon_range=fmt.percent_range(*option.p_leak_interval)
        if figures and option.p_leak_interval else "",
        median=fmt.days(option.median_days_to_leak) if figures else "",
        exposure=option.exposure, misuse_severity=option.misuse_severity,
        public_weights_acceptable=option.public_weights_acceptable,
        kept=list(option.kept), given_up=list(option.given_up),
        obligations=list(option.obligations), findings=list(option.findings),
        plan=option.plan, considered=option.mode == result.decision.mode,
        recommended=option.recommended, intended=option.plan)


def _exposure_option(result: ScoreResult, options: list[OptionView],
                     keys: Keys) -> OptionView | None:
    """The gated option whose exposure `result.exposure` is: the weights as answered."""
    weights = "downloaded" if result.answers.get(keys.downloads) is True else "hosted"
    return next((o for o in options if o.weights == weights and o.assessed), None)


def _accepted(risk: AcceptedRisk, pack: RulePack) -> AcceptedRiskView:
    titles = {rule.id: rule.title for rule in pack.rules}
    return AcceptedRiskView(
        finding=risk.finding, title=titles.get(risk.finding, ""), differs=risk.finding == DIFFERS,
        reason=risk.reason, owner=risk.owner, expires=fmt.long_date(risk.expires),
        expires_iso=risk.expires)


def _severity_rank(pack: RulePack, finding: Finding) -> tuple[int, str]:
    return pack.severity_rank(finding.severity), finding.rule_id


def _owners(findings: list[Finding], mitigations: list[Mitigation],
            accepted: list[AcceptedRiskView]) -> list[str]:
    """Each role that owns an action or carries an accepted risk, once, in order of first
    appearance: the sign-off rows."""
    seen: dict[str, None] = {}
    for owner in ([m.owner for m in mitigations] + [f.owner for f in findings]
                  + [risk.owner for risk in accepted]):
        seen.setdefault(owner, None)
    return list(seen)


def _levers(result: ScoreResult, engine: Engine, answers: dict[str, AnswerView],
            options: list[OptionView], file_name: str, target: str | None) -> LeversView:
    """`riskcli levers` on the record's answers: the same effects, path and break-even points."""
    questionnaire = engine.questionnaire
    bands = engine.rules.model.band_names
    if target is not None and target not in bands:
        raise ValueError(f"{target!r} is not a band of rule pack {engine.rules.id} "
                         f"(bands: {', '.join(bands)})")
    report = report_for(engine, result, target)
    singles = {(o.changes[0].key, o.changes[0].shown): o for o in report.effects}

    def change_view(outcome: Outcome, index: int = 0) -> LeverChangeView:
        change = outcome.changes[index]
        question = questionnaire.by_id[change.key]
        alone = singles.get((change.key, change.shown), outcome)
        return LeverChangeView(
            key=change.key, prompt=question.prompt, before=answers[change.key].short,
            after=fmt.answer_text(question, change.value, short=True), value=change.shown,
            owner=question.lever.owner if question.lever else "", rules=list(alone.rules_moved),
            band=alone.band, p_horizon=fmt.percent(alone.p_horizon),
            horizon=fmt.days(alone.horizon_days), median=fmt.days(alone.median_days))

    def path_view(outcome: Outcome) -> LeverPathView:
        return LeverPathView(
            changes=[change_view(outcome, i) for i in range(len(outcome.changes))],
            band=outcome.band, p_horizon=fmt.percent(outcome.p_horizon),
            p_horizon_range=fmt.percent_range(*outcome.p_interval),
            horizon=fmt.days(outcome.horizon_days), median=fmt.days(outcome.median_days),
            median_range=(fmt.days_range(*outcome.median_interval)
                          if outcome.median_interval is not None else fmt.days(None)),
            owners=list(outcome.owners), rules=list(outcome.rules_moved),
            check_command=f"{score_command(file_name)} {set_arguments(outcome)}")

    by_mode = {o.mode: o for o in options}
    return LeversView(
        band=report.band, target=report.target, default_target=target is None,
        lowest=report.band == bands[0],
        above_target=bands.index(report.band) > bands.index(report.target),
        paths=[path_view(o) for o in report.paths],
        reachable_by=[by_mode[mode] for mode in report.reachable_by if mode in by_mode],
        break_evens=[BreakEvenView(b.key, _prompt(questionnaire, b.key), answers[b.key].short,
                                   b.text) for b in report.break_evens],
        tornado=_tornado(report, questionnaire, result.answers),
        top=[change_view(o) for o in top_levers(report)],
        median_value=report.median_days, median=fmt.days(report.median_days))


def _tornado(report: LeverReport, questionnaire: Questionnaire,
             values: Mapping[str, Any]) -> list[TornadoBarView]:
    """One bar per lever the answers hold: the alternatives with the shortest and the longest
    median around the median as answered. A lever none of whose alternatives could be scored
    still has its row, so the chart shows every lever."""
    now = report.median_days
    bars = []
    for question in questionnaire.questions:
        if question.lever is None or question.fact or question.id not in values:
            continue
        outcomes = [o for o in report.effects if o.changes[0].key == question.id]
        sooner = min(outcomes, key=lambda o: _days_key(o.median_days), default=None)
        later = max(outcomes, key=lambda o: _days_key(o.median_days), default=None)
        if sooner is not None and not _days_key(sooner.median_days) < _days_key(now):
            sooner = None
        if later is not None and not _days_key(later.median_days) > _days_key(now):
            later = None
        low = _days_key(sooner.median_days if sooner else now)
        high = _days_key(later.median_days if later else now)
        if math.isinf(high):
            span = math.inf
        elif 0 < low < high:
            span = math.log10(high / low)
        else:
            span = 0.0
        bars.append(TornadoBarView(
            key=question.id, prompt=question.prompt, owner=question.lever.owner,
            sooner=_tornado_end(question, sooner), later=_tornado_end(question, later),
            scored=len(outcomes), span=span))
    bars.sort(key=lambda bar: -bar.span)  # stable: ties keep the questionnaire's order
    return bars


def _days_key(days: float | None) -> float:
    """A median for comparing: never (None) is longer than any number of days."""
    return math.inf if days is None else days


def _tornado_end(question: Question, outcome: Outcome | None) -> TornadoEndView | None:
    if outcome is None:
        return None
    change = outcome.changes[0]
    every = (question.type == "multi_choice" and isinstance(change.value, list)
             and len(change.value) > 1
             and set(change.value) == {c.value for c in question.choices if not c.exclusive})
    return TornadoEndView(value=change.shown, every=every, days=outcome.median_days,
                          median=fmt.days(outcome.median_days))
