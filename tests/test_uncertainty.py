"""Every figure says how sure it is: intervals from the calibration's spread and the estimates."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from riskcli.answers import resolve
from riskcli.exposure import leak_probability, median_days
from riskcli.scoring import Engine, load_engine, score_values
from riskcli.uncertainty import DRAWS, gamma_relative, log_uniform_unit
from riskcli.values import Range

ENGINE = load_engine()
EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("*.yaml"))


def _score(answers: dict, engine: Engine = ENGINE):
    values, problems = resolve(answers, engine.questionnaire)
    assert not problems, problems
    return score_values(engine, values)


def _answers(path: Path) -> dict:
    return yaml.safe_load(path.read_text())["answers"]


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_figure_has_an_interval_around_its_point(path):
    exposure = _score(_answers(path)).exposure
    interval = exposure.interval
    assert set(interval.p_leak) == set(exposure.p_leak)
    for day, p in exposure.p_leak.items():
        low, high = interval.p_leak[day]
        assert low <= p <= high
    low_rate, high_rate = interval.rate_per_day
    assert low_rate < exposure.rate_per_day < high_rate
    fastest, slowest = interval.median_days_to_leak
    assert fastest < exposure.median_days_to_leak < slowest
    assert interval.score[0] <= exposure.score <= interval.score[1]
    assert interval.level == 0.8


def test_the_interval_follows_the_rate_interval_through_the_model():
    exposure = _score(_answers(EXAMPLES[0])).exposure
    low, high = exposure.interval.rate_per_day
    assert exposure.interval.p_leak["7"] == pytest.approx(
        [leak_probability(low, 7), leak_probability(high, 7)], abs=1e-5)
    assert exposure.interval.median_days_to_leak == pytest.approx(
        [median_days(high), median_days(low)], rel=1e-5)


def test_an_estimate_widens_the_interval_of_the_same_answer_as_a_point():
    base = _answers(EXAMPLES[0])
    point = _score({**base, "access_holders": 2000}).exposure
    ranged = _score({**base, "access_holders": {"low": 800, "high": 5000}}).exposure
    width = lambda e: e.interval.rate_per_day[1] / e.interval.rate_per_day[0]  # noqa: E731
    assert width(ranged) > width(point) * 1.2
    assert "access_holders" in ranged.interval.estimates
    assert "access_holders" not in point.interval.estimates


def test_an_estimate_s_central_value_is_its_geometric_mean():
    base = _answers(EXAMPLES[0])
    ranged = _score({**base, "access_holders": {"low": 1000, "high": 4000}}).exposure
    point = _score({**base, "access_holders": 2000}).exposure
    assert ranged.rate_per_day == pytest.approx(point.rate_per_day, rel=1e-5)


def test_a_wider_level_gives_a_wider_interval():
    answers = _answers(EXAMPLES[0])
    narrow = _score(answers).exposure.interval.rate_per_day
    wide = _score(answers, Engine(ENGINE.questionnaire, ENGINE.rules, 0.9)).exposure
    assert wide.interval.level == 0.9
    assert wide.interval.rate_per_day[0] < narrow[0] < narrow[1] < wide.interval.rate_per_day[1]


def test_an_interval_that_straddles_a_band_cut_names_both_bands():
    partners = next(p for p in EXAMPLES if p.stem == "gpt-2-partners-2019")
    answers = {**_answers(partners), "access_holders": {"low": 20, "high": 200}}
    exposure = _score(answers).exposure
    assert exposure.interval.bands == ["low", "high"]
    from riskcli.formatting import text_summary

    values, _ = resolve(answers, ENGINE.questionnaire)
    text = text_summary(score_values(ENGINE, values, file="p.yaml"), ENGINE.rules.keys)
    assert f"{exposure.band.upper()}, could be low–high" in text


def test_the_draws_are_a_latin_hypercube_of_the_calibrated_spread():
    """Each stratum once: sorted, the draws are the strata's centres, whatever the pairing."""
    unit = log_uniform_unit("access_holders")
    assert sorted(unit) == [(i + 0.5) / DRAWS for i in range(DRAWS)]
    assert unit != log_uniform_unit("artifact_size_gb")  # independent pairings
    relative = sorted(gamma_relative(2.5, "source:x"))
    assert relative[DRAWS // 2 - 1] < 1 < relative[DRAWS // 2 + 1]


def test_a_range_is_its_central_value_in_conditions_but_keeps_both_ends():
    estimate = Range(1000.0, 4000.0)
    assert estimate == Range(1000.0, 4000.0)
    assert estimate != 2000.0 and estimate > 1999 and estimate < 2001
    assert {estimate: 1}[Range(1000.0, 4000.0)] == 1


@pytest.mark.slow
def test_the_same_file_scores_to_the_same_bytes_in_separate_processes(tmp_path):
    """Seeds come from names, never from the clock or the interpreter's hash seed."""
    answers = {**_answers(EXAMPLES[0]), "access_holders": {"low": 800, "high": 5000}}
    path = tmp_path / "a.yaml"
    path.write_text(yaml.safe_dump({"questionnaire": {"id": "distribution", "version": "1.0"},
                                    "answers": answers}))
    outputs = []
    for seed in ("1", "2"):
        done = subprocess.run([sys.executable, "-m", "riskcli", "score", "--format", "json",
                               str(path)], capture_output=True, check=True,
                              env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"})
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert "access_holders" in json.loads(outputs[0])["results"][0]["exposure"]["interval"][
        "estimates"]
