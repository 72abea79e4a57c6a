"""The exposure model against history, and the behaviour a lead relies on: more holders never lower
exposure; fingerprinting, stronger vetting or hosted-only access never raise it; every figure
re-derives from the formula printed in the rule pack."""

from __future__ import annotations

import math
import random
from dataclasses import replace

import pytest
import yaml
from scoring_helpers import score_with

from riskcli.answers import resolve
from riskcli.errors import ConditionError
from riskcli.exposure import (
    _populations,
    _rates_without_h0_spread,
    fired_rules,
    leak_probability,
    rate_draws,
    rate_interval,
)
from riskcli.resources import default_rules
from riskcli.rulepack import RulePack
from riskcli.scoring import Engine, load_engine, score_file
from riskcli.uncertainty import central_interval
from riskcli.values import Range
from riskcli.walk import prune


@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine()


def test_llama_1_leaks_within_days_as_history_did(engine, examples_dir):
    """The fitted pack puts LLaMA 1's median at about a day; the torrent on day 7 sits inside the
    interval of P(leak by day 7)."""
    exposure = score_file(engine, examples_dir / "llama-1-2023.yaml").exposure
    assert 1 <= exposure.median_days_to_leak <= 30
    _, slowest = exposure.interval.median_days_to_leak
    assert slowest <= 30
    assert exposure.interval.p_leak["7"][1] >= 0.5
    assert exposure.p_leak["365"] >= 0.95
    assert exposure.band == "critical"


@pytest.mark.parametrize("fingerprinting", [False, True], ids=["as-reported", "fingerprinted"])
def test_a_handful_of_partners_under_signed_agreements_rarely_leaks(
    engine, examples_dir, fingerprinting
):
    """Over the 77 days they held the weights (no leak in history), the partners' chance of a
    leak is small; over a year it would not be (Miqu leaked from a few customers in months)."""
    base = score_file(engine, examples_dir / "gpt-2-partners-2019.yaml").answers
    result = score_with(engine, base, per_recipient_fingerprinting=fingerprinting)
    assert base["legal_terms"] == "signed_agreement" and base["access_organizations"] <= 5
    assert base["horizon_days"] == 77
    assert result.exposure.p_leak["horizon"] <= 0.15
    assert result.exposure.band in ("low", "moderate")


def test_llama_1_is_far_more_exposed_than_the_partner_release(engine, examples_dir):
    llama = score_file(engine, examples_dir / "llama-1-2023.yaml").exposure
    partners = score_file(engine, examples_dir / "gpt-2-partners-2019.yaml").exposure
    assert llama.rate_per_day > 100 * partners.rate_per_day


HOLDER_COUNTS = [0, 1, 10, 49, 50, 51, 100, 999, 1000, 1001, 5000, 100_000]


@pytest.mark.parametrize("vetting", ["none", "affiliation_checked", "identity_verified_contract"])
def test_more_access_holders_never_lower_exposure(engine, llama1_answers, vetting):
    rates = [
        score_with(engine, llama1_answers, access_holders=n, access_organizations=min(n, 5),
                   vetting=vetting).exposure.rate_per_day
        for n in HOLDER_COUNTS
    ]
    assert rates == sorted(rates)
    assert rates[-1] > rates[0]


def test_more_organisations_never_lower_exposure(engine, llama1_answers):
    rates = [score_with(engine, llama1_answers, access_holders=40, access_organizations=n)
             .exposure.rate_per_day for n in (1, 5, 10, 11, 40)]
    assert rates == sorted(rates)


SETTINGS = [
    pytest.param({"public_demand": "moderate"}, id="llama-moderate-demand"),
    pytest.param({}, id="llama"),
    pytest.param({"access_holders": 30, "access_organizations": 3}, id="small-population"),
    pytest.param({"artifact_form": "adapter_only", "download_controls": ["none"]}, id="adapter"),
]


@pytest.mark.parametrize("changes", SETTINGS)
def test_fingerprinting_never_raises_exposure(engine, llama1_answers, changes):
    without = score_with(engine, llama1_answers, per_recipient_fingerprinting=False, **changes)
    with_fp = score_with(engine, llama1_answers, per_recipient_fingerprinting=True, **changes)
    assert with_fp.exposure.rate_per_day < without.exposure.rate_per_day


@pytest.mark.parametrize("changes", SETTINGS)
def test_stronger_vetting_never_raises_exposure(engine, llama1_answers, changes):
    order = ["none", "self_attested", "affiliation_checked", "identity_verified_contract"]
    rates = [score_with(engine, llama1_answers, vetting=v, **changes).exposure.rate_per_day
             for v in order]
    assert rates == sorted(rates, reverse=True)


@pytest.mark.parametrize("changes", SETTINGS)
def test_stronger_legal_terms_never_raise_exposure(engine, llama1_answers, changes):
    order = ["none", "click_through", "signed_agreement", "enforced_agreement"]
    rates = [score_with(engine, llama1_answers, legal_terms=t, **changes).exposure.rate_per_day
             for t in order]
    assert rates == sorted(rates, reverse=True)


@pytest.mark.parametrize("changes", SETTINGS)
def test_hosted_only_access_never_raises_exposure(engine, llama1_answers, changes):
    downloads = score_with(engine, llama1_answers, **changes)
    hosted = score_with(engine, llama1_answers, weights_leave_premises=False, **changes)
    assert hosted.exposure.rate_per_day <= downloads.exposure.rate_per_day
    recipients = next(s for s in hosted.exposure.sources if s.source == "recipients")
    assert not recipients.active and recipients.rate_per_day == 0


def test_every_figure_follows_from_the_formula(engine, llama1_answers):
    exposure = score_with(engine, llama1_answers).exposure
    rate = exposure.rate_per_day
    assert rate == pytest.approx(sum(s.rate_per_day for s in exposure.sources), rel=1e-5)
    for source in exposure.sources:
        assert source.rate_per_day == pytest.approx(source.population * source.daily_hazard,
                                                    rel=1e-5)
        assert source.daily_hazard == pytest.approx(
            source.base_daily_hazard * math.prod(source.factors.values()), rel=1e-5)
    for day in ("7", "30", "90", "365"):
        assert exposure.p_leak[day] == pytest.approx(1 - math.exp(-rate * int(day)), abs=1e-5)
    assert exposure.median_days_to_leak == pytest.approx(math.log(2) / rate, rel=1e-5)
    assert exposure.score == round(100 * exposure.p_leak["horizon"])


def test_each_contribution_is_the_rate_had_the_rule_not_fired(engine, llama1_answers):
    exposure = score_with(engine, llama1_answers).exposure
    demand = next(c for c in exposure.contributions if c.rule_id == "demand-extreme")
    assert demand.lambda_without == pytest.approx(exposure.rate_per_day / 5, rel=1e-4)
    assert demand.answers == {"public_demand": "extreme"}
    moved = [abs(c.delta_lambda) for c in exposure.contributions]
    assert moved == sorted(moved, reverse=True)


def test_nobody_able_to_copy_means_no_leak_and_no_median(engine, llama1_answers):
    exposure = score_with(engine, llama1_answers, weights_leave_premises=False,
                          insiders_with_weight_access=0).exposure
    assert exposure.rate_per_day == 0 and exposure.median_days_to_leak is None
    assert exposure.p_leak["horizon"] == 0 and exposure.band == "low"


def test_leak_probability_is_accurate_for_tiny_rates():
    assert leak_probability(1e-12, 1) == pytest.approx(1e-12, rel=1e-9)


@pytest.mark.parametrize(
    ("changes", "mode", "hosted"),
    [
        pytest.param({}, "permissive_open", False, id="llama-pivot"),
        pytest.param({"misuse_severity_if_public": "severe"}, "gated_hosted", True,
                     id="severe-hosted"),
        pytest.param({"access_holders": 30, "access_organizations": 3,
                      "vetting": "identity_verified_contract", "legal_terms": "signed_agreement",
                      "public_demand": "moderate", "horizon_days": 90},
                     "gated", False, id="partners-gated"),
    ],
)
def test_recommendation_follows_the_incident_lessons(engine, llama1_answers, changes, mode, hosted):
    recommendation = score_with(engine, llama1_answers, **changes).recommendation
    assert (recommendation.mode, recommendation.hosted_only) == (mode, hosted)
    assert recommendation.reasons and recommendation.mitigations
    assert all(m.owner for m in recommendation.mitigations)


def test_llama_1_recommendation_is_flagged_as_differing_from_the_gated_intent(engine, examples_dir):
    recommendation = score_file(engine, examples_dir / "llama-1-2023.yaml").recommendation
    assert recommendation.intended_mode == "gated" and recommendation.differs_from_intended


def test_every_option_is_assessed_as_itself(engine, llama1_answers):
    options = score_with(engine, llama1_answers).options
    assert [o.mode for o in options] == ["gated", "gated_hosted", "permissive_open", "fully_open"]
    gated, hosted, permissive, fully = options
    assert gated.p_leak_horizon is not None and not gated.weights_public
    assert hosted.p_leak_horizon is not None and hosted.p_leak_horizon < gated.p_leak_horizon
    assert permissive.weights_public and fully.weights_public and permissive.p_leak_horizon is None
    assert permissive.band == "moderate"  # harm if public: moderate severity, no open equivalent
    assert all(o.obligations and o.band for o in options)
    assert "vetting-affiliation-only" in gated.findings
    assert "vetting-affiliation-only" not in hosted.findings + permissive.findings


def test_a_hosted_recommendation_differs_from_a_plan_to_hand_out_weights(engine,
                                                                           llama1_answers):
    """Severe misuse: keep the weights hosted. That is a change of plan, and its obligations are
    the hosted option's own (nothing about fingerprinting recipients' copies)."""
    result = score_with(engine, llama1_answers, misuse_severity_if_public="severe")
    recommendation = result.recommendation
    assert recommendation.mode == "gated_hosted" and recommendation.plan_mode == "gated"
    assert recommendation.differs_from_intended
    hosted = next(o for o in result.options if o.mode == "gated_hosted")
    assert hosted.recommended and hosted.band == "low"
    texts = " ".join(m.text for m in recommendation.mitigations).lower()
    assert "fingerprint" not in texts


def test_llama_2_judges_its_own_permissive_release_not_the_gate(engine, examples_dir):
    result = score_file(engine, examples_dir / "llama-2-2023.yaml")
    assert result.decision.mode == "permissive_open" and result.decision.status == "proposed"
    permissive = next(o for o in result.options if o.mode == "permissive_open")
    assert permissive.band == "low"
    assert all(f.severity in ("info", "low", "medium") for f in result.findings)
    assert not {"research-applicant-population", "vetting-self-attested"} & {
        f.rule_id for f in result.findings}


def test_the_one_source_interval_is_the_interval_of_every_draw(engine, llama1_answers):
    """`rate_interval` skips making the draws when one source is active and no estimate feeds
    it; the interval must be the one the 256 draws give, to the last bit, in every case."""
    rng = random.Random(19)
    pack = engine.rules
    took_the_shortcut = 0
    for _ in range(600):
        sizes = {"access_holders": rng.choice([1, 2, 19, 20, 450, 10**6]),
                 "access_organizations": rng.choice([1, 3, 12, 40]),
                 "insiders_with_weight_access": rng.choice([0, 1, 7, 3000]),
                 "artifact_size_gb": rng.choice([0.5, 2, 13.7, 500])}
        for key in sizes:
            if rng.random() < 0.15:
                low = rng.randint(1, 100)
                sizes[key] = {"low": low, "high": low * rng.randint(2, 50)}
        given = {**llama1_answers, **sizes,
                 "weights_leave_premises": rng.random() < 0.6,
                 "vetting": rng.choice(["none", "self_attested", "identity_verified_contract"])}
        values, problems = resolve(prune(engine.questionnaire, given), engine.questionnaire)
        assert not problems, problems
        _, _, populations = _populations(pack, values, fired_rules(pack, values))
        if rng.random() < 0.3:  # rates far from the pack's: tiny, zero, huge
            scale = rng.choice([0.0, 1e-200, 1e-9, 3.7, 1e120])
            populations = [replace(p, factors={**p.factors, "test": scale}) for p in populations]
        level = rng.choice([0.5, 0.8, 0.9, 0.95, rng.uniform(0.01, 0.999)])
        expected = central_interval(rate_draws(populations, values), level)
        assert rate_interval(populations, values, level) == expected, (values, level)
        took_the_shortcut += sum(p.active for p in populations) == 1 and not any(
            isinstance(v, Range) for v in values.values())
    assert took_the_shortcut > 100


def test_two_sources_draws_are_their_sums_stratum_by_stratum(engine, llama1_answers):
    """`rate_draws` sums two sources fed by no estimate in one pass; each draw must be what
    adding the active sources' draws in pack order gives, to the last bit."""
    rng = random.Random(23)
    pack = engine.rules
    took_the_pass = 0
    for _ in range(300):
        given = {**llama1_answers,
                 "access_holders": rng.choice([1, 2, 19, 450, 10**6]),
                 "access_organizations": rng.choice([1, 3, 12, 40]),
                 "insiders_with_weight_access": rng.choice([0, 1, 7, 3000]),
                 "weights_leave_premises": rng.random() < 0.8}
        if rng.random() < 0.2:
            given["access_holders"] = {"low": 10, "high": 10 * rng.randint(2, 50)}
        values, problems = resolve(prune(engine.questionnaire, given), engine.questionnaire)
        assert not problems, problems
        _, _, populations = _populations(pack, values, fired_rules(pack, values))
        expected = [0.0] * len(populations[0].source.relative_hazards)
        first = True
        for population in (p for p in populations if p.active):
            draws = [rate * r for rate, r in zip(_rates_without_h0_spread(population, values),
                                                 population.source.relative_hazards,
                                                 strict=True)]
            expected = draws if first else [t + d for t, d in zip(expected, draws, strict=True)]
            first = False
        assert rate_draws(populations, values) == expected, values
        took_the_pass += sum(p.active for p in populations) == 2 and not any(
            isinstance(v, Range) for v in values.values())
    assert took_the_pass > 50


def _one_by_one(pack, values, derived):
    fired = []
    for rule in pack.rules:
        try:
            if rule.condition.evaluate(values):
                fired.append(rule)
        except ConditionError:
            if not derived:
                raise
    return fired


def test_the_rules_that_fire_are_each_rule_judged_in_the_pack_s_order(engine, llama1_answers):
    """fired_rules judges rules that read the same answers together; what fires, its order and
    the error an answer provokes are those of judging each rule in turn."""
    rng = random.Random(5)
    data = yaml.safe_load(default_rules().read_text())
    # a rule that can be judged without access_holders, beside one that cannot
    extra = {key: value for key, value in data["rules"][0].items() if key != "effect"}
    data["rules"].insert(0, {**extra, "id": "judged-without-holders",
                             "when": "weights_leave_premises or access_holders > 5"})
    packs = [engine.rules]
    for _ in range(4):  # then the same rules in other orders: other groups come first
        packs.append(RulePack.model_validate(data,
                                             context={"questionnaire": engine.questionnaire}))
        rng.shuffle(data["rules"])
    failed = 0
    for _ in range(400):
        pack = rng.choice(packs)
        given = {**llama1_answers,
                 "access_holders": rng.choice([1, 20, 450, 5000]),
                 "weights_leave_premises": rng.random() < 0.7,
                 "vetting": rng.choice(["none", "self_attested", "identity_verified_contract"]),
                 "legal_terms": rng.choice(["none", "click_through", "signed_agreement"]),
                 "public_demand": rng.choice(["low", "high", "extreme"])}
        values, _ = resolve(prune(engine.questionnaire, given), engine.questionnaire)
        dropped = rng.sample(sorted(values), rng.choice([0, 0, 1, 3]))
        if rng.random() < 0.25:
            dropped.append("access_holders")
        for key in set(dropped) & set(values):
            del values[key]  # unanswered: some conditions cannot be judged
        for derived in (False, True):
            try:
                expected = _one_by_one(pack, values, derived)
            except ConditionError as exc:
                failed += 1
                with pytest.raises(ConditionError) as raised:
                    fired_rules(pack, values, derived=derived)
                assert str(raised.value) == str(exc)
            else:
                assert fired_rules(pack, values, derived=derived) == expected
    assert failed > 20
