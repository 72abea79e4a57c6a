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


@dataclass(frozen=True)
class SourceView:
    title: str
    active: bool
    population: str
    population_prompt: str
    base_hazard: str
    factors: list[tuple[str, str]]
    daily_hazard: str
    rate: str
    share: str


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
    mode: str
    label: str
    name: str
    """The label before its parenthesis: 'Permissive-open'."""
    detail: str
    """The parenthesis, if any: 'public weights, licence with conditions'."""
    weights_public: bool
    p_horizon: str
    band: str | None
    exposure: str
    misuse_severity: str
    public_weights_acceptable: bool
    kept: list[str]
    given_up: list[str]
    obligations: list[Mitigation]
    recommended: bool
    intended: bool


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
    contributions: list[ContributionView]
    options: list[OptionView]
    recommended: OptionView
    intended: OptionView
    differs_from_intended: bool
    hosted_only: bool
    headline: str
    reasons: list[str]
    mitigations: list[Mitigation]
    findings: list[Finding]
    owners: list[str]
    questionnaire: str
    rules: str
    sha256: str
    answers_file: str
    rescore_command: str
    raw: dict[str, Any] = field(default_factory=dict)
    """The checked answers as stored, for templates that test a value (`raw.pivot_acceptable`)."""
