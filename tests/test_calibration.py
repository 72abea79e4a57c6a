"""`riskcli calibrate`: the fit is the censored-likelihood posterior, and the shipped pack is what
a fresh fit on the shipped precedents gives."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import yaml

from riskcli.calibration import calibrate, check
from riskcli.precedents import load_precedents
from riskcli.resources import content_dir
from riskcli.scoring import load_engine

ENGINE = load_engine()
HOSTED = {
    "model_name": "M", "organization": "O", "decision_owner": "D", "decision_date": "2024-01-01",
    "intended_mode": "gated", "safety_framework": "internal", "weights_leave_premises": False,
    "public_demand": "moderate", "comparable_open_model_exists": False,
    "misuse_severity_if_public": "moderate", "horizon_days": 365, "leak_response_plan": True,
    "pivot_acceptable": True, "rationale": "synthetic",
}
"""Hosted only, at the reference demand: the insiders are the only source, K = headcount."""


def _write(folder: Path, name: str, outcome: dict, insiders) -> None:
    folder.mkdir(exist_ok=True)
    document = {"questionnaire": {"id": "distribution", "version": "1.0"}, "title": name,
                "outcome": outcome, "sources": ["synthetic"],
                "answers": {**HOSTED, "insiders_with_weight_access": insiders}}
    (folder / f"{name}.yaml").write_text(yaml.safe_dump(document, sort_keys=False))


def _insiders_fit(folder: Path):
    [fit] = [f for f in calibrate(ENGINE, load_precedents(folder, ENGINE.questionnaire)).fits
             if f.source == "insiders"]
    return fit


def test_exact_leak_times_give_the_gamma_posterior_of_a_poisson_rate(tmp_path):
    """One leak after 50 days among 200 people and two quiet 1,000-day spells of 100 people:
    with the Jeffreys prior the posterior is Gamma(1 + 1/2, 200*50 + 2*100*1000) exactly."""
    _write(tmp_path, "leaked", {"leaked_after_days": 50}, 200)
    _write(tmp_path, "quiet-a", {"no_leak_for_days": 1000}, 100)
    _write(tmp_path, "quiet-b", {"no_leak_for_days": 1000}, 100)
    fit = _insiders_fit(tmp_path)
    assert fit.shape == pytest.approx(1.5, rel=0.02)
    assert fit.rate == pytest.approx(210_000, rel=0.02)
    assert fit.leaks == 1
    assert fit.person_days == pytest.approx(210_000)
    assert fit.precedents == ["leaked", "quiet-a", "quiet-b"]


def test_a_source_that_never_leaked_gets_an_upper_bound(tmp_path):
    _write(tmp_path, "quiet", {"no_leak_for_days": 1000}, 500)
    fit = _insiders_fit(tmp_path)
    assert fit.leaks == 0
    # Gamma(1/2, 500,000): its 95th percentile is chi-square(1) 0.95 / (2 * 500,000).
    assert fit.upper == pytest.approx(3.8415 / 1_000_000, rel=0.03)
    assert fit.median < fit.upper


def test_a_leak_known_only_by_a_bound_counts_for_less_than_an_exact_one(tmp_path):
    exact, bound = tmp_path / "exact", tmp_path / "bound"
    _write(exact, "p", {"leaked_after_days": 20}, 100)
    _write(bound, "p", {"leaked_before_day": 20}, 100)
    assert _insiders_fit(bound).shape < _insiders_fit(exact).shape


def test_an_estimated_headcount_widens_the_fit(tmp_path):
    point, ranged = tmp_path / "point", tmp_path / "ranged"
    _write(point, "p", {"leaked_after_days": 20}, 300)
    _write(ranged, "p", {"leaked_after_days": 20}, {"low": 100, "high": 900})
    a, b = _insiders_fit(point), _insiders_fit(ranged)
    assert b.high / b.low > a.high / a.low


SHIPPED = load_precedents(content_dir("precedents"), ENGINE.questionnaire)
CALIBRATION = calibrate(ENGINE, SHIPPED)


def test_the_shipped_pack_records_a_fresh_fit_on_the_shipped_precedents():
    assert check(ENGINE.rules, CALIBRATION) == []


def test_the_shipped_precedents_cover_the_cases_history_gives():
    names = {p.name for p in SHIPPED}
    assert {"llama-1-2023", "stable-diffusion-v1-2022", "miqu-2024", "gpt-2-partners-2019",
            "frontier-api-insiders"} <= names
    assert all(p.sources for p in SHIPPED)


@pytest.mark.parametrize("row", CALIBRATION.rows, ids=[r.name for r in CALIBRATION.rows])
def test_history_is_plausible_under_the_shipped_pack(row):
    """A precedent that leaked must not look safe, nor one that did not leak look doomed."""
    low, high = row.p_interval
    if row.leaked:
        assert high >= 0.25, f"{row.name} leaked, yet the pack gives at most {high:.0%}"
    else:
        assert low <= 0.5, f"{row.name} did not leak, yet the pack gives at least {low:.0%}"


def test_llama_1_leaks_in_days_to_weeks_and_partners_far_later():
    rows = {r.name: r for r in CALIBRATION.rows}
    assert 1 <= rows["llama-1-2023"].median_days <= 30
    assert rows["gpt-2-partners-2019"].median_days > 20 * rows["llama-1-2023"].median_days


def test_a_hand_edited_base_hazard_fails_the_check(tmp_path):
    from riskcli.resources import default_rules

    data = yaml.safe_load(default_rules().read_text())
    data["model"]["sources"][0]["base_daily_hazard"] *= 2
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    engine = load_engine(rules_path=path)
    problems = check(engine.rules, calibrate(engine, SHIPPED))
    assert any(p.startswith("recipients: base_daily_hazard") for p in problems)
    assert math.isfinite(engine.rules.model.sources[0].base_daily_hazard)


def test_calibrate_prints_the_fit_and_every_precedent(runner):
    from riskcli.cli.app import app

    result = runner.invoke(app, ["calibrate", "--check"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    for fit in CALIBRATION.fits:
        assert f"  {fit.source}" in out
    for row in CALIBRATION.rows:
        assert f"  {row.name}" in out and row.outcome in out
    assert "check: the pack's recorded calibration matches a fresh fit" in out


def test_calibrate_check_fails_on_a_hand_edited_pack_and_says_why(runner, tmp_path):
    from riskcli.cli.app import app
    from riskcli.resources import default_rules

    text = default_rules().read_text()
    path = tmp_path / "rules.yaml"
    edited = re.sub(r"base_daily_hazard: [0-9.e+-]+", "base_daily_hazard: 1.0e-05", text, count=1)
    assert edited != text
    path.write_text(edited)
    result = runner.invoke(app, ["calibrate", "--check", "--rules", str(path)])
    assert result.exit_code == 1
    assert "calibrate --check: recipients: base_daily_hazard is 1e-05; a fresh fit gives" in (
        result.stderr)


def test_calibrate_json_carries_the_fit_and_the_rows(runner):
    import json

    from riskcli.cli.app import app

    result = runner.invoke(app, ["calibrate", "--format", "json"])
    document = json.loads(result.stdout)
    assert [f["source"] for f in document["fits"]] == [f.source for f in CALIBRATION.fits]
    assert len(document["rows"]) == len(CALIBRATION.rows)
    assert document["check"] is None
