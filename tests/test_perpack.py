"""What scoring builds once per rule pack (obligations, findings, a rule's answer names) is that
pack's own, shared by no result in a way one caller could change for another, and gone with it."""

from __future__ import annotations

import gc
from typing import Any

import pytest
import yaml

from riskcli.answers import resolve
from riskcli.perpack import _KEPT
from riskcli.resources import default_rules
from riskcli.rulepack import RulePack
from riskcli.scoring import Engine, score_values

REWORDED = "Reworded: every recipient signs in person."
OPTION_WORDS = "Reworded option obligation."


def _pack(questionnaire, reword: bool) -> RulePack:
    data = yaml.safe_load(default_rules().read_text())
    if reword:
        for rule in data["rules"]:
            rule["mitigation"] = f"{REWORDED} ({rule['id']})"
            rule["rationale"] = "Reworded rationale."
        specs = [*data["options"].values(), *(data["recommendation"][outcome]
                                              for outcome in ("pivot", "hosted", "gated"))]
        for spec in specs:
            for obligation in spec.get("obligations", spec.get("mitigations", [])):
                obligation["text"] = OPTION_WORDS
    return RulePack.model_validate(data, context={"questionnaire": questionnaire})


def _texts(result) -> list[str]:
    return ([m.text for option in result.options for m in option.obligations]
            + [m.text for m in result.recommendation.mitigations]
            + [f.mitigation + f.rationale for f in result.findings])


@pytest.fixture
def values(questionnaire, llama1_answers) -> dict[str, Any]:
    resolved, problems = resolve(llama1_answers, questionnaire)
    assert not problems
    return resolved


def test_two_packs_in_one_process_each_print_their_own_words(questionnaire, values):
    shipped = Engine(questionnaire, _pack(questionnaire, reword=False))
    reworded = Engine(questionnaire, _pack(questionnaire, reword=True))
    for _ in range(2):  # in turn, after each has been used once
        first = _texts(score_values(shipped, values))
        second = _texts(score_values(reworded, values))
        assert first and not any(REWORDED in text or OPTION_WORDS in text for text in first)
        assert any(REWORDED in text for text in second)
        assert any(OPTION_WORDS in text for text in second)
        assert all(text.startswith(REWORDED) or text == OPTION_WORDS for text in second)


def test_changing_one_result_changes_no_other(questionnaire, values):
    engine = Engine(questionnaire, _pack(questionnaire, reword=False))
    one, two = score_values(engine, values), score_values(engine, values)
    before = two.model_dump()
    one.options[0].obligations.clear()
    one.recommendation.mitigations.append(one.recommendation.mitigations[0])
    one.findings.clear()
    one.exposure.contributions[0].sources.clear()
    one.exposure.contributions[0].answers.clear()
    one.exposure.interval.estimates.append("x")
    assert two.model_dump() == before
    assert score_values(engine, values).model_dump() == before


def test_what_a_pack_shares_goes_with_the_pack(questionnaire, values):
    pack = _pack(questionnaire, reword=True)
    score_values(Engine(questionnaire, pack), values)
    kept = id(pack)
    assert any(key[0] == kept for key in _KEPT)
    del pack
    gc.collect()
    assert not any(key[0] == kept for key in _KEPT)


def test_an_obligation_two_fired_rules_share_is_listed_once(questionnaire, values):
    shipped = _pack(questionnaire, reword=False)
    informational = shipped.severities[-1]
    gated = next(option for option in score_values(Engine(questionnaire, shipped), values).options
                 if option.mode == "gated")
    rules = {rule.id: rule for rule in shipped.rules}
    first, second = [rule_id for rule_id in gated.findings
                     if rules[rule_id].severity != informational][:2]
    data = yaml.safe_load(default_rules().read_text())
    texts = {rule["id"]: rule["mitigation"] for rule in data["rules"]}
    for rule in data["rules"]:
        if rule["id"] == second:
            rule["mitigation"] = texts[first]
    pack = RulePack.model_validate(data, context={"questionnaire": questionnaire})
    result = score_values(Engine(questionnaire, pack), values)
    option = next(option for option in result.options if option.mode == "gated")
    shown = [m.text for m in option.obligations]
    assert shown.count(texts[first].strip()) == 1
    assert len(shown) == len(gated.obligations) - 1
