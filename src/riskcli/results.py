"""The value objects a score produces. Formatters (text, JSON, Markdown, HTML/PDF) only read these.

Every number a reader sees is here with what it came from: each copy source's population and
hazard, each fired rule's multiplier and how much it moved the leak rate, and the answers it read.
"""

from typing import Any, Self

from pydantic import BaseModel, ConfigDict


class Value(BaseModel):
    """Results are built by riskcli's own scorer from checked answers and a validated rule pack,
    with `model_construct`: validating them again cost a sixth of the time to score a file, and
    building their validators at import a tenth of `riskcli score`'s start-up (hence
    `defer_build`: a class is built on first validation or JSON dump). tests/test_results.py
    holds every scored result equal, type for type, to what validation would have built."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    @classmethod
    def model_construct(cls, _fields_set: set[str] | None = None, **values: Any) -> Self:
        """pydantic's `model_construct` for fields without aliases, which these have: the
        same `__dict__` and fields set, in a fraction of the time (a file builds about forty of
        these, and pydantic's general version was a fifth of scoring it). The scorer passes
        every field, in field order: then the keyword dict is the `__dict__` itself (5.7 us ->
        1.2 us a call on the 2,000-file bench)."""
        plan = cls.__dict__.get("_plain_fields")
        if plan is None:
            plan = _plain_fields(cls)
            type.__setattr__(cls, "_plain_fields", plan)
        if not plan:  # an alias somewhere: pydantic's own handles it
            return super().model_construct(_fields_set, **values)
        order, names, defaults = plan
        m = cls.__new__(cls)
        if tuple(values) == order:  # every field, in order: nothing to add or reorder
            given = values
            fields_set = set(order) if _fields_set is None else _fields_set
        else:
            given = {}
            for name in order:
                if name in values:
                    given[name] = values[name]
                elif name in defaults:
                    given[name] = defaults[name].get_default(call_default_factory=True,
                                                             validated_data=given)
            fields_set = set(values).intersection(names) if _fields_set is None else _fields_set
        object.__setattr__(m, "__dict__", given)
        object.__setattr__(m, "__pydantic_fields_set__", fields_set)
        object.__setattr__(m, "__pydantic_extra__", None)
        object.__setattr__(m, "__pydantic_private__", None)
        return m


def _plain_fields(cls: type[Value]) -> Any:
    """(field names in order, their set, {name: field} of those with a default) for a class
    whose fields have no alias and which has no post-init; () otherwise."""
    fields = cls.__pydantic_fields__
    if cls.__pydantic_post_init__ or any(
            field.alias is not None or field.validation_alias is not None
            for field in fields.values()):
        return ()
    return (tuple(fields), frozenset(fields),
            {name: field for name, field in fields.items() if not field.is_required()})


class Ref(Value):
    id: str
    version: str


class Mitigation(Value):
    text: str
    owner: str


class SourceExposure(Value):
    """One population that could copy the weights, and its share of the leak rate."""

    source: str
    title: str
    active: bool
    population: int | float
    """Headcount; the central value (geometric mean) when the answer is an estimate."""
    population_key: str | None
    base_daily_hazard: float
    factors: dict[str, float]
    """Product of the fired rules' multipliers on each factor that applies to this source."""
    daily_hazard: float
    rate_per_day: float
    """population x daily_hazard: this source's part of the total leak rate."""
    share: float


class Contribution(Value):
    """One fired rule with a multiplier, and what it did to the leak rate."""

    rule_id: str
    title: str
    factor: str
    multiplier: float
    sources: list[str]
    lambda_without: float
    """The leak rate per day had this rule not fired."""
    delta_lambda: float
    """rate_per_day - lambda_without: positive raises exposure, negative lowers it."""
    answers: dict[str, Any]
    """The answers the rule's condition read, so the reader sees why it fired."""


class Interval(Value):
    """How sure the figures are: each as [low, high], the central `level` of the draws over each
    source's fitted base hazard and over the answers given as estimates."""

    level: float
    """0.8 for an 80% interval."""
    rate_per_day: list[float]
    p_leak: dict[str, list[float]]
    """Same keys as Exposure.p_leak."""
    median_days_to_leak: list[float | None] | None
    """[fastest, slowest]; None when nobody can copy the weights."""
    score: list[int]
    bands: list[str]
    """The bands of the two ends: different when the interval straddles a band cut."""
    estimates: list[str]
    """Answer keys given as estimates {low, high}, which widen the interval."""


class Exposure(Value):
    rate_per_day: float
    """lambda = sum over sources of population x daily hazard."""
    horizon_days: int
    p_leak: dict[str, float]
    """P(leak by t) = 1 - exp(-lambda t) at "7", "30", "90", "365" and "horizon" days."""
    median_days_to_leak: float | None
    """ln 2 / lambda; None when nobody can copy the weights (lambda = 0)."""
    score: int
    band: str
    interval: Interval
    sources: list[SourceExposure]
    contributions: list[Contribution]


class Finding(Value):
    rule_id: str
    severity: str
    title: str
    rationale: str
    mitigation: str
    owner: str
    effect: str | None
    """'factor x multiplier', or None for a finding-only rule."""


class OptionAssessment(Value):
    """One distribution option assessed as itself, as the record's side-by-side table shows it.

    A gated option is banded by its own leak exposure (the hosted one from the same answers, with
    the weights kept on your servers); an option with public weights by the harm if public."""

    mode: str
    label: str
    weights: str
    """downloaded, hosted or public."""
    weights_public: bool
    assessed: bool
    """False when the answers cannot assess it (downloads, when the answers describe hosted
    access and give no recipients)."""
    p_leak_horizon: float | None
    """Gated options: P(leak by the horizon); public weights: None."""
    p_leak_interval: list[float] | None
    median_days_to_leak: float | None
    band: str | None
    """Its band: leak exposure for gated options, harm if public for the others."""
    exposure: str
    """One-line summary of what the band measures for this option."""
    misuse_severity: str
    public_weights_acceptable: bool
    kept: list[str]
    given_up: list[str]
    obligations: list[Mitigation]
    findings: list[str]
    """Ids of the fired rules that concern this option."""
    plan: bool
    """The option the answers plan: the intended mode, with the weights as answered."""
    recommended: bool


class Recommendation(Value):
    mode: str
    """The option recommended (an id of the pack's options)."""
    hosted_only: bool
    """Gated, but weights must stay on your servers: downloadable gating is no perimeter here."""
    intended_mode: str
    """The intended-mode answer, as given."""
    plan_mode: str
    """The option the answers plan (the intended mode with the weights as answered)."""
    differs_from_intended: bool
    """The recommendation is not the planned option (a hosted recommendation differs from a
    plan to hand out the weights)."""
    headline: str
    reasons: list[str]
    mitigations: list[Mitigation]


class AcceptedRisk(Value):
    finding: str
    reason: str
    owner: str
    expires: str
    """ISO date after which the acceptance no longer holds."""


class Decision(Value):
    """The decision block of an answers file: what was chosen, by whom, which risks accepted."""

    status: str
    """proposed (no mode decided yet) or decided."""
    mode: str
    """The option under consideration: the decided one, else the plan."""
    approved_by: str | None
    approved_on: str | None
    accepted_risks: list[AcceptedRisk]


class ScoreResult(Value):
    file: str
    questionnaire: Ref
    rules: Ref
    answers_sha256: str
    answers: dict[str, Any]
    """Checked answers in questionnaire order, dates as ISO text."""
    exposure: Exposure
    options: list[OptionAssessment]
    recommendation: Recommendation
    decision: Decision
    findings: list[Finding]
    """The fired rules that concern the option under consideration (decision.mode)."""
