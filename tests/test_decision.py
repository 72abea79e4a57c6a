"""From a score to a decision: the gate judges the mode under consideration, a decision block
records what was chosen and which risks were accepted, and every tripped gate says why."""

from __future__ import annotations

import json

import pytest
import yaml

from riskcli.cli.app import app
from riskcli.schema import answers_schema

LLAMA_1 = "llama-1-2023.yaml"
LLAMA_2 = "llama-2-2023.yaml"


def _with_decision(write_answers, answers: dict, decision: dict, name: str = "decided.yaml"):
    path = write_answers(answers, name=name)
    document = yaml.safe_load(path.read_text())
    document["decision"] = decision
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


PIVOT = {"mode": "permissive_open", "approved_by": "Meta AI leadership",
         "approved_on": "2023-07-18"}
RISK = {"finding": "no-leak-response-plan", "reason": "The release is deliberate.",
        "owner": "AI Strategy Lead", "expires": "2024-07-18"}


def test_a_team_that_follows_the_advice_passes_its_gate(runner, examples_dir):
    result = runner.invoke(app, ["score", "--fail-at", "high", str(examples_dir / LLAMA_2)])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


@pytest.mark.parametrize("output", ["text", "json"])
def test_a_tripped_gate_says_which_mode_and_band_whatever_the_format(runner, examples_dir,
                                                                      output):
    path = examples_dir / LLAMA_1
    result = runner.invoke(app, ["score", "--fail-at", "high", "--format", output, str(path)])
    assert result.exit_code == 1
    assert result.stderr == f"{path}: gate: gated is critical, at or above --fail-at high\n"
    if output == "json":
        json.loads(result.stdout)


def test_fail_on_differs_trips_when_the_plan_is_not_the_advice(runner, examples_dir):
    path = examples_dir / LLAMA_1
    result = runner.invoke(app, ["score", "--fail-on-differs", str(path)])
    assert result.exit_code == 1
    assert "gated differs from the recommendation (permissive_open)" in result.stderr
    follows = runner.invoke(app, ["score", "--fail-on-differs", str(examples_dir / LLAMA_2)])
    assert follows.exit_code == 0


def test_a_decision_that_follows_the_advice_is_judged_as_decided(runner, write_answers,
                                                                llama1_answers):
    path = _with_decision(write_answers, llama1_answers, PIVOT)
    result = runner.invoke(app, ["score", "--format", "json", "--fail-at", "high",
                                 "--fail-on-differs", str(path)])
    assert result.exit_code == 0, result.output
    decision = json.loads(result.stdout)["results"][0]["decision"]
    assert decision == {**PIVOT, "status": "decided", "accepted_risks": []}
    text = runner.invoke(app, ["score", str(path)]).stdout
    assert ("decided: permissive_open, approved by Meta AI leadership on 2023-07-18"
            in text)


def test_a_decision_against_the_advice_must_say_why(runner, write_answers, llama1_answers):
    against = {"mode": "gated", "approved_by": "A lead", "approved_on": "2023-02-24"}
    path = _with_decision(write_answers, llama1_answers, against)
    result = runner.invoke(app, ["score", str(path)])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"{path}: decision.mode: decided gated, but the recommendation is permissive_open; add "
        "an accepted risk for differs-from-recommendation that says why")
    why = {**against, "accepted_risks": [{"finding": "differs-from-recommendation",
                                          "reason": "Research access first; open in 6 months.",
                                          "owner": "AI Strategy Lead", "expires": "2023-08-24"}]}
    path = _with_decision(write_answers, llama1_answers, why)
    covered = runner.invoke(app, ["score", "--fail-on-differs", "--today", "2023-03-01",
                                  str(path)])
    assert covered.exit_code == 0, covered.output
    assert "accepted risk    differs-from-recommendation [AI Strategy Lead, until 2023-08-24]" in (
        covered.stdout)


def test_an_expired_accepted_risk_fails_the_gate_naming_it(runner, write_answers,
                                                          llama1_answers):
    path = _with_decision(write_answers, llama1_answers, {**PIVOT, "accepted_risks": [RISK]})
    before = runner.invoke(app, ["score", "--today", "2024-07-18", str(path)])
    assert before.exit_code == 0, before.output
    after = runner.invoke(app, ["score", "--today", "2024-07-19", str(path)])
    assert after.exit_code == 1
    assert after.stderr == (f"{path}: gate: accepted risk no-leak-response-plan "
                            "(AI Strategy Lead) expired on 2024-07-18\n")


@pytest.mark.parametrize(("decision", "key", "message"), [
    ({"mode": "permissive_open"}, "decision", "a decided mode needs approved_by and approved_on"),
    ({**PIVOT, "mode": "open_sesame"}, "decision.mode", "'open_sesame' is not an option"),
    ({**PIVOT, "accepted_risks": [{**RISK, "finding": "no-such-rule"}]},
     "decision.accepted_risks[0].finding", "'no-such-rule' is neither a rule"),
    ({**PIVOT, "accepted_risks": [{**RISK, "owner": "Intern"}]},
     "decision.accepted_risks[0].owner", "'Intern' is not an owner role"),
    ({**PIVOT, "accepted_risks": [{**RISK, "expires": "2024-02-30"}]},
     "decision.accepted_risks[0].expires", "date"),
    ({**PIVOT, "colour": "red"}, "decision.colour", "unknown field"),
], ids=["decided-without-approval", "unknown-mode", "unknown-finding", "unknown-owner",
        "not-a-date", "unknown-field"])
def test_a_bad_decision_block_is_one_clear_problem(runner, write_answers, llama1_answers,
                                                  decision, key, message):
    path = _with_decision(write_answers, llama1_answers, decision)
    result = runner.invoke(app, ["score", str(path)])
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"{path}: {key}: ") and message in line, line


def test_the_json_schema_knows_the_decision_block(questionnaire, llama1_answers):
    import jsonschema
    validator = jsonschema.Draft202012Validator(answers_schema(questionnaire))
    document = {"questionnaire": {"id": questionnaire.id, "version": questionnaire.version},
                "answers": {**llama1_answers, "decision_date": "2023-02-24"},
                "decision": {**PIVOT, "accepted_risks": [RISK]}}
    assert list(validator.iter_errors(document)) == []
    document["decision"] = {"mode": "permissive_open"}
    assert list(validator.iter_errors(document))


def test_the_severe_misuse_variant_is_a_change_of_plan(runner, write_answers, llama1_answers):
    path = write_answers({**llama1_answers, "misuse_severity_if_public": "severe"})
    result = runner.invoke(app, ["score", "--format", "json", str(path)])
    recommendation = json.loads(result.stdout)["results"][0]["recommendation"]
    assert recommendation["mode"] == "gated_hosted" and recommendation["hosted_only"]
    assert recommendation["differs_from_intended"] and recommendation["plan_mode"] == "gated"
    text = runner.invoke(app, ["score", str(path)]).stdout
    assert "(differs from the plan: gated)" in text
    assert "obligations" in text and "fingerprint" not in text.split("obligations")[1].lower()


@pytest.mark.parametrize("written", [1689638400, "2023-07-18T00:00:00", "18 July 2023",
                                     "2023-7-18", "2023-02-30"])
@pytest.mark.parametrize("key", ["approved_on", "expires"])
def test_decision_dates_are_written_as_dates_and_nothing_else(runner, write_answers,
                                                              llama1_answers, written, key):
    """As the answers' own dates and the JSON Schema: a timestamp or a date-time is refused,
    not quietly read as a day."""
    decision = {**PIVOT, "accepted_risks": [RISK]}
    if key == "approved_on":
        decision["approved_on"] = written
    else:
        decision["accepted_risks"] = [{**RISK, "expires": written}]
    path = _with_decision(write_answers, llama1_answers, decision)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert key in line
    assert "YYYY-MM-DD" in line or "not a real date" in line


def test_a_file_without_a_decision_is_scored_as_an_empty_validated_block():
    """Scoring constructs the empty block instead of validating it (start-up): it must be the
    block validation gives, field for field, or a file without a decision would read otherwise."""
    from riskcli.decision import DecisionBlock, _undecided

    validated = DecisionBlock.model_validate({})
    assert _undecided() == validated
    assert _undecided().__dict__ == validated.__dict__
    assert _undecided().model_fields_set == validated.model_fields_set
