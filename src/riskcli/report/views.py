"""The shapes a template reads: plain, frozen, already-formatted values.

Kept apart from `context`, which fills them, so a template author can read what is available
without reading how it is computed. Raw numbers sit beside their text for charts and tests.
Findings and mitigations need no reshaping, so the results' own value objects are used as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from riskcli.results import Finding, Mitigation


@dataclass(frozen=True)
class AnswerView:
    key: str
    prompt: str
    text: str
    """Human-readable value (choice labels, Yes/No, long dates)."""
    short: str
    """The same with choice labels cut before their explanation, for tables."""
    asked: bool
    condition: str | None = None
    """For a skipped question: the `when` that was false."""


@dataclass(frozen=True)
class SectionView:
    title: str
    answers: list[AnswerView]


@dataclass(frozen=True)
class PointView:
    days: int
    label: str
    """'7', '30', … or the horizon's day count."""
    p: float
    percent: str
    low: float
    high: float
    """The ends of the interval on P(leak by this day)."""
    range: str
    """'22–76%'."""


@dataclass(frozen=True)
class ExposureView:
    rate: str
    rate_value: float
    horizon_days: int
    horizon: str
    p_horizon: str
    points: list[PointView]
    median: str
    median_value: float | None
    score: int
    band: str
    sources: list[SourceView]
    level: str
    """The intervals' level: '80%'."""
    rate_low: float
    rate_high: float
    """The ends of the interval on lambda: the chart's band is P(leak by t) at each."""
    rate_range: str
    p_horizon_range: str
    median_range: str
    """'3.4–19 days'; the text for 'never' when nobody can copy the weights."""
    score_range: str
    """'2–78', or one figure when both ends agree."""
    band_low: str
    band_high: str
    """The bands at the interval's ends: the same as `band` unless the interval straddles a cut."""
    straddles: bool
    band_words: str
    """'high, could be moderate–critical', or just the band."""
    band_could: str
    """What band_words adds after the band (', could be moderate–critical'), or ''; for a badge
    that shows the band itself and then this."""


@dataclass(frozen=True)
class SourceView:
    title: str
    active: bool
    population: str
    """The headcount; for an estimate, its range ('20–4,000')."""
    population_estimated: bool
    population_central: str
    """The central value an estimate is scored at (its geometric mean): '283'."""
    population_prompt: str
    base_hazard: str
    factors: list[tuple[str, str]]
    daily_hazard: str
    rate: str
    share: str


@dataclass(frozen=True)
class HazardFitView:
    """Where one active copy source's base hazard comes from, and how far it may be off."""

    source: str
    """The source's title."""
    base_hazard: str
    base_hazard_range: str
    """The interval on h0 at the record's level."""
    fitted: bool
    """Fitted to precedents; otherwise a spread the pack states."""
    precedents: list[str]
    """The precedent files (by name) it was fitted on."""
    leaks: int
    """Leaks among them put down to this source (the fit's own count: a leaked precedent counts
    for the source that held most of its leak rate)."""
    spread: str
    """For a stated spread: its 90% range; '' for a fit."""


@dataclass(frozen=True)
class EstimateView:
    key: str
    prompt: str
    range: str
    """'20–4,000', without the '(estimate)' the answer tables add."""


@dataclass(frozen=True)
class UncertaintyView:
    """What the 'How sure is this' paragraph names: the data only; the wording is the template's."""

    level: str
    hazards: list[HazardFitView]
    """The active copy sources, in the pack's order."""
    precedents: list[str]
    """Every precedent any of them was fitted on, once, in order of first appearance."""
    leaks: int
    """Leaks among those precedents: the sources' counts added up, each leak being put down to
    one source."""
    estimates: list[EstimateView]
    multipliers: int
    """Fired rules whose multiplier moved the leak rate: priors, not fitted."""


@dataclass(frozen=True)
class ContributionView:
    rule_id: str
    title: str
    factor: str
    multiplier: str
    multiplier_value: float
    raises: bool
    delta: str
    without: str
    sources: list[str]
    answers: list[AnswerView]


@dataclass(frozen=True)
class OptionView:
    """One option as the record compares it: its own band, figures, findings and obligations."""

    mode: str
    label: str
    name: str
    """The label before its parenthesis: 'Permissive-open'."""
    detail: str
    """The parenthesis, if any: 'public weights, licence with conditions'."""
    weights: str
    """downloaded, hosted or public."""
    weights_public: bool
    assessed: bool
    """False when the answers cannot assess it (downloads, when the answers describe hosted
    access): it has no band and no figures."""
    band: str | None
    """Its own band: the leak exposure of a gated option, the harm if public of the others."""
    p_horizon: str
    p_horizon_range: str
    """Its own interval ('<1–4%'); '' for an option with no leak figures."""
    median: str
    """Its median time to a leak; '' for an option with no leak figures."""
    exposure: str
    misuse_severity: str
    public_weights_acceptable: bool
    kept: list[str]
    given_up: list[str]
    obligations: list[Mitigation]
    findings: list[str]
    """Ids of the fired rules that concern it."""
    plan: bool
    """The option the answers plan: the intended mode, with the weights as answered."""
    considered: bool
    """The option under consideration: the decided one, else the plan."""
    recommended: bool
    intended: bool
    """The same as `plan`; kept for templates written before the plan had a name."""


@dataclass(frozen=True)
class AcceptedRiskView:
    """A risk the decision accepts, with its finding's title when the pack names it."""

    finding: str
    """A rule id, or differs-from-recommendation."""
    title: str
    """The rule's title; '' for differs-from-recommendation (the template words it)."""
    differs: bool
    """The acceptance of a decision that differs from the recommendation."""
    reason: str
    owner: str
    expires: str
    """'18 July 2024'."""
    expires_iso: str


@dataclass(frozen=True)
class TornadoEndView:
    """One end of a lever's bar: the alternative that gives it and the median it gives."""

    value: str
    """The alternative as `riskcli levers` and `--set` show it: 'encrypted_or_enclave', '224'."""
    every: bool
    """A multiple choice with every choice that is not exclusive: the chart may say 'all'."""
    days: float | None
    """The median days to a leak with this alternative; None: never."""
    median: str


@dataclass(frozen=True)
class TornadoBarView:
    """One lever in the tornado chart: the lowest and highest median among its alternatives."""

    key: str
    prompt: str
    owner: str
    sooner: TornadoEndView | None
    """The alternative with the shortest median, when it is shorter than as answered."""
    later: TornadoEndView | None
    """The alternative with the longest median, when it is longer than as answered."""
    scored: int
    """Alternatives that could be scored (0: each opens a question these answers leave open)."""
    span: float
    """How far the bar reaches, in powers of ten of the median (inf when one end is never)."""


@dataclass(frozen=True)
class LeverChangeView:
    """One lever changed: from the answer as given to an alternative, and what that alone does."""

    key: str
    prompt: str
    before: str
    """The answer as given, as the answer tables read it."""
    after: str
    """The alternative as the answer tables would read it."""
    value: str
    """The alternative as `riskcli levers` and `--set` show it."""
    owner: str
    rules: list[str]
    """Rules this change alone fires, stops firing or changes the multiplier of."""
    band: str
    """The band with this change alone."""
    p_horizon: str
    horizon: str
    """The horizon P is within: the answer's, or the change's when the change is the horizon."""
    median: str


@dataclass(frozen=True)
class LeverPathView:
    """The fewest lever changes that reach the target band, and where they land together."""

    changes: list[LeverChangeView]
    band: str
    p_horizon: str
    p_horizon_range: str
    horizon: str
    """The horizon P is within, with the path's changes."""
    median: str
    median_range: str
    owners: list[str]
    rules: list[str]
    check_command: str
    """The `riskcli score … --set …` line that checks the band."""


@dataclass(frozen=True)
class BreakEvenView:
    key: str
    prompt: str
    answer: str
    """The answer as given."""
    text: str
    """'stays in high or below up to 22 access_holders', as `riskcli levers` prints it."""


@dataclass(frozen=True)
class LeversView:
    """What it would take: the levers' one-at-a-time effects, the path to the target band,
    the break-even points (`riskcli levers` with its default target)."""

    band: str
    target: str
    default_target: bool
    """The target is the default, the band below `band` (or `band` itself when it is the lowest)."""
    lowest: bool
    """`band` is the pack's lowest band."""
    above_target: bool
    """The exposure is above the target band: there is something to reach."""
    paths: list[LeverPathView]
    """Best first; empty when no path of up to three changes reaches the target."""
    reachable_by: list[OptionView]
    """When no path does: the options already in the target band."""
    break_evens: list[BreakEvenView]
    tornado: list[TornadoBarView]
    """One bar per lever the answers hold, the widest first; facts are never levers."""
    top: list[LeverChangeView]
    """The three levers that lower P(leak by the horizon) most, each by its best alternative."""
    median_value: float | None
    """The median as answered: the tornado's centre line."""
    median: str


@dataclass(frozen=True)
class RecordView:
    """Everything a template may print. `answers` maps every question id, asked or not."""

    title: str
    organization: str
    decision_owner: str
    date: str
    date_iso: str
    answers: dict[str, AnswerView]
    sections: list[SectionView]
    exposure: ExposureView
    uncertainty: UncertaintyView
    contributions: list[ContributionView]
    options: list[OptionView]
    status: str
    """proposed or decided."""
    decided: bool
    approved_by: str
    approved_on: str
    """'18 July 2023'; '' while the record is proposed."""
    considered: OptionView
    """The option under consideration: the decided one, else the plan."""
    plan: OptionView
    recommended: OptionView
    differs: bool
    """The option under consideration is not the recommended one."""
    exposure_option: OptionView | None
    """The gated option whose leak exposure `exposure` is (weights as answered); None when the
    answers assess no gated option."""
    exposure_considered: bool
    """`exposure` is the exposure of the option under consideration."""
    accepted_risks: list[AcceptedRiskView]
    accepted: dict[str, AcceptedRiskView]
    """The accepted risks by finding id, for a template that marks an accepted finding."""
    intended: OptionView
    """The same as `plan`, for templates written before the plan had a name."""
    differs_from_intended: bool
    """The recommendation is not the plan (as `score` reports it)."""
    hosted_only: bool
    headline: str
    reasons: list[str]
    mitigations: list[Mitigation]
    findings: list[Finding]
    """The fired rules that concern the option under consideration."""
    owners: list[str]
    questionnaire: str
    rules: str
    sha256: str
    answers_file: str
    rescore_command: str
    levers: LeversView | None = None
    """What it would take to reach the band below; None for a record built without it."""
    raw: dict[str, Any] = field(default_factory=dict)
    """The checked answers as stored, for templates that test a value (`raw.pivot_acceptable`)."""
