"""An answer nobody knows exactly can be given as an estimate: {low, high} in a file, `low-high`
at the prompt, and the JSON Schema editors use knows it."""

from __future__ import annotations

import json
import re

import pytest

from riskcli.answers import answers_document, check_answers
from riskcli.prompting import parse_reply, show_value
from riskcli.schema import answers_schema
from riskcli.values import AnswerValueError, Range, to_plain
from riskcli.yamlio import dump_yaml, parse_yaml


def _check(questionnaire, answers):
    document = {"questionnaire": {"id": questionnaire.id, "version": questionnaire.version},
                "answers": answers}
    return check_answers(document, questionnaire, "a.yaml")


def test_an_estimate_in_a_file_is_read_as_a_range(questionnaire, llama1_answers):
    values, problems = _check(questionnaire, {**llama1_answers,
                                              "access_holders": {"low": 1000, "high": 5000}})
    assert problems == []
    assert values["access_holders"] == Range(1000, 5000)
    assert to_plain(values["access_holders"]) == {"low": 1000, "high": 5000}


@pytest.mark.parametrize(("given", "expected"), [
    ({"low": 5000, "high": 1000}, "0 < low < high"),
    ({"low": 0, "high": 10}, "0 < low < high"),
    ({"low": 10}, "exactly those two keys"),
    ({"low": 10, "high": 20, "mode": 15}, "exactly those two keys"),
    ({"low": 10, "high": 2.5e8}, "between 0 and 100,000,000"),
    ({"low": 10.5, "high": 20}, "a whole number"),
], ids=["reversed", "zero-low", "missing-high", "extra-key", "past-max", "fraction-of-a-count"])
def test_a_malformed_estimate_is_one_clear_problem(questionnaire, llama1_answers, given,
                                                     expected):
    _, problems = _check(questionnaire, {**llama1_answers, "access_holders": given})
    [problem] = problems
    assert problem.key == "access_holders"
    assert problem.code == "type"
    assert expected in problem.message


def test_only_questions_marked_estimable_take_an_estimate(questionnaire, llama1_answers):
    _, problems = _check(questionnaire, {**llama1_answers,
                                         "horizon_days": {"low": 30, "high": 90}})
    [problem] = problems
    assert problem.key == "horizon_days"


@pytest.mark.parametrize("typed", ["1000-5000", "1,000 - 5,000", "1000 to 5000", "1000–5000"],
                         ids=["dash", "thousands-and-spaces", "to", "en-dash"])
def test_an_estimate_typed_at_the_prompt(questionnaire, typed):
    question = questionnaire.by_id["access_holders"]
    value = parse_reply(question, typed)
    assert value == Range(1000, 5000)
    assert show_value(question, value) == "1000-5000"


def test_a_wrong_estimate_at_the_prompt_says_how_to_type_one(questionnaire):
    with pytest.raises(AnswerValueError, match=re.escape("e.g. 1000-5000")):
        parse_reply(questionnaire.by_id["access_holders"], "lots")


def test_an_estimate_is_saved_and_read_back_unchanged(questionnaire, llama1_answers):
    values, _ = _check(questionnaire, {**llama1_answers,
                                       "artifact_size_gb": {"low": 1.5, "high": 4}})
    text = dump_yaml(answers_document(questionnaire, values))
    again, problems = check_answers(parse_yaml(text.encode(), "b.yaml"), questionnaire, "b.yaml")
    assert problems == []
    assert again["artifact_size_gb"] == Range(1.5, 4.0)


def test_the_json_schema_accepts_an_estimate_and_refuses_a_malformed_one(questionnaire,
                                                                        llama1_answers):
    import jsonschema
    validator = jsonschema.Draft202012Validator(json.loads(json.dumps(
        answers_schema(questionnaire))))
    document = {"questionnaire": {"id": questionnaire.id, "version": questionnaire.version},
                "answers": {**llama1_answers, "decision_date": "2023-02-24",
                            "access_holders": {"low": 1000, "high": 5000}}}
    assert list(validator.iter_errors(document)) == []
    document["answers"]["access_holders"] = {"low": 1000}
    assert list(validator.iter_errors(document))
