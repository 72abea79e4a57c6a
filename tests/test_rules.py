"""The rule pack: every rule fires where it should and stays quiet where it should not, the
catalogue is well-formed, and a broken or custom pack is caught at load with a precise message."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from scoring_helpers import answers_with

from riskcli.errors import RulesError
from riskcli.exposure import fired_rules
from riskcli.resources import default_rules
from riskcli.rulepack import build_rules, load_rules
from riskcli.scoring import Engine, load_engine

CASES_FILE = Path(__file__).parent / "rule_cases" / "llama-pattern.yaml"
CASES: dict[str, dict[str, list[dict[str, Any]]]] = yaml.safe_load(CASES_FILE.read_text())


@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine()


def _cases(kind: str) -> list[Any]:
    return [
        pytest.param(rule_id, fragment, id=f"{rule_id}-{kind}-{i}")
        for rule_id, cases in CASES.items()
        for i, fragment in enumerate(cases[kind])
    ]


@pytest.mark.parametrize(("rule_id", "fragment"), _cases("fires"))
def test_rule_fires_on_its_case(engine, llama1_answers, rule_id, fragment):
    values = answers_with(engine, llama1_answers, fragment)
    assert rule_id in {r.id for r in fired_rules(engine.rules, values)}


@pytest.mark.parametrize(("rule_id", "fragment"), _cases("quiet"))
def test_rule_stays_quiet_on_its_case(engine, llama1_answers, rule_id, fragment):
    values = answers_with(engine, llama1_answers, fragment)
    assert rule_id not in {r.id for r in fired_rules(engine.rules, values)}


def test_every_rule_has_cases_and_every_case_names_a_rule(engine):
    rule_ids = {r.id for r in engine.rules.rules}
    assert set(CASES) == rule_ids
    for rule_id, cases in CASES.items():
        assert cases["fires"], f"{rule_id} has no case where it fires"
        if rule_id != "document-decision":  # the one rule that always applies
            assert cases["quiet"], f"{rule_id} has no case where it stays quiet"


def test_rule_catalogue_is_documented(engine):
    ids = [r.id for r in engine.rules.rules]
    assert len(ids) == len(set(ids))
    for rule in engine.rules.rules:
        assert re.fullmatch(r"[a-z][a-z0-9-]*", rule.id)
        assert len(rule.title) > 10 and len(rule.rationale) > 20 and len(rule.mitigation) > 10


def test_shipped_pack_documents_its_calibration(engine):
    calibration = engine.rules.calibration
    for case in ("LLaMA 1", "Stable Diffusion", "GPT-2", "Miqu"):
        assert case in calibration


def _pack_data() -> dict[str, Any]:
    return yaml.safe_load(default_rules().read_text())


def _first_rule(data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    data["rules"][0].update(changes)
    return data


BROKEN = [
    pytest.param(lambda d: _first_rule(d, when="vettting == 'none'"),
                 "rule vetting-none: when", "unknown answer key(s): vettting", id="unknown-key"),
    pytest.param(lambda d: _first_rule(d, when="vetting == 'nobody'"),
                 "rule vetting-none: when", "not one of its choices", id="misspelt-choice"),
    pytest.param(lambda d: _first_rule(d, effect={"factor": "vettin", "multiply": 2}),
                 "rule vetting-none: effect.factor", "unknown factor 'vettin'",
                 id="unknown-factor"),
    pytest.param(lambda d: _first_rule(d, when="''.__class__.__mro__"),
                 "rule vetting-none: when", "uses getattr", id="sandbox-escape"),
    pytest.param(lambda d: _first_rule(d, owner="Intern"),
                 "rule vetting-none: owner", "is not declared in the pack's `owners`",
                 id="unknown-owner"),
    pytest.param(lambda d: _first_rule(d, severity="urgent"),
                 "rule vetting-none: severity", "is not one of the pack's severities",
                 id="unknown-severity"),
    pytest.param(lambda d: _first_rule(d, colour="red"),
                 "rule vetting-none: colour", "unknown field", id="unknown-field"),
    pytest.param(lambda d: d["options"].pop("gated_hosted") and d,
                 "options", "none is hosted", id="missing-option"),
    pytest.param(lambda d: d["model"]["bands"].reverse() or d,
                 "model", "band", id="bands-out-of-order"),
    pytest.param(lambda d: d["recommendation"]["pivot"].update(headline="{secret.__class__}") or d,
                 "recommendation.pivot", "unknown placeholder", id="unknown-placeholder"),
    pytest.param(lambda d: d["model"]["sources"][0].update(population="model_name") or d,
                 "model.sources recipients: population", "not a whole-number question",
                 id="population-not-a-count"),
    pytest.param(lambda d: d.update(questionnaire="other") or d,
                 "questionnaire", "written for questionnaire other", id="other-questionnaire"),
]


@pytest.mark.parametrize(("breaks", "key", "message"), BROKEN)
def test_broken_pack_is_refused_naming_file_key_and_problem(questionnaire, breaks, key, message):
    with pytest.raises(RulesError) as caught:
        build_rules(breaks(_pack_data()), questionnaire, "pack.yaml")
    problems = caught.value.problems
    assert any(p.file == "pack.yaml" and p.key == key and message in p.message
               for p in problems), [str(p) for p in problems]


def test_every_problem_in_a_pack_is_reported_at_once(questionnaire):
    data = _pack_data()
    data["rules"][0]["when"] = "nope"
    data["rules"][1]["effect"] = {"factor": "nothing", "multiply": 2}
    with pytest.raises(RulesError) as caught:
        build_rules(data, questionnaire, "pack.yaml")
    assert len(caught.value.problems) == 2


def test_pack_loads_from_a_file_path(questionnaire):
    pack = load_rules(default_rules(), questionnaire)
    assert pack.id == "llama-pattern"
