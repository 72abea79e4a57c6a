"""Content is data everywhere: a pack or questionnaire that names things its own way works end to
end, and what it gets wrong is refused at load, before any file is written."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from riskcli.cli.app import app
from riskcli.errors import QuestionnaireError, RulesError
from riskcli.questionnaire import Questionnaire
from riskcli.resources import default_questionnaire, default_rules, default_templates
from riskcli.rulepack import RulePack, load_rules
from riskcli.scoring import load_engine, score_file

RENAMED_KEYS = {
    "model_name": "system_name",
    "organization": "releasing_org",
    "decision_owner": "accountable_person",
    "decision_date": "decided_on",
    "weights_leave_premises": "downloads_allowed",
}


def _rename(text: str) -> str:
    for old, new in RENAMED_KEYS.items():
        text = re.sub(rf"\b{old}\b", new, text)
    return text


@pytest.fixture
def renamed_content(tmp_path: Path, repo_root: Path) -> dict[str, Path]:
    """The bundled questionnaire, pack and LLaMA 1 example with five answer keys renamed; only the
    pack's `keys:` mapping says which answer plays which role."""
    questionnaire = tmp_path / "q.yaml"
    questionnaire.write_text(_rename(default_questionnaire().read_text()))
    pack = yaml.safe_load(_rename(default_rules().read_text()))
    roles = yaml.safe_load(default_rules().read_text())["keys"]
    pack["keys"] = {role: RENAMED_KEYS.get(key, key) for role, key in roles.items()}
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump(pack, sort_keys=False))
    answers = tmp_path / "answers.yaml"
    answers.write_text(_rename((repo_root / "examples/llama-1-2023.yaml").read_text()))
    return {"questionnaire": questionnaire, "rules": rules, "answers": answers}


def _content_options(content: dict[str, Path]) -> list[str]:
    return ["--questionnaire", str(content["questionnaire"]), "--rules", str(content["rules"])]


def test_a_questionnaire_with_other_key_names_scores_with_the_model_name(runner, renamed_content):
    result = runner.invoke(app, ["score", str(renamed_content["answers"]),
                                 *_content_options(renamed_content)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].endswith(": LLaMA (7B, 13B, 33B, 65B)")


def test_a_questionnaire_with_other_key_names_gets_a_full_record(runner, renamed_content,
                                                                 tmp_path):
    out = tmp_path / "card.md"
    result = runner.invoke(app, ["report", str(renamed_content["answers"]), "-o", str(out),
                                 *_content_options(renamed_content)])
    assert result.exit_code == 0, result.output
    card = out.read_text()
    assert "Meta AI" in card
    assert "24 February 2023" in card
    assert "Meta AI research leadership" in card


def test_a_gated_download_with_other_key_names_still_gets_its_access_form(
        runner, renamed_content, tmp_path):
    answers = renamed_content["answers"]
    text = answers.read_text()
    text = re.sub(r"misuse_severity_if_public: \w+", "misuse_severity_if_public: low", text)
    text = re.sub(r"public_demand: \w+", "public_demand: low", text)
    text = re.sub(r"access_holders: .*", "access_holders: 20", text)
    text = re.sub(r"access_organizations: .*", "access_organizations: 2", text)
    answers.write_text(text)
    result = runner.invoke(app, ["report", str(answers), "-o", str(tmp_path / "card.md"),
                                 *_content_options(renamed_content)])
    assert result.exit_code == 0, result.output
    assert "extra_gated_heading: Request access to LLaMA (7B, 13B, 33B, 65B)" in result.stdout


def _pack_data() -> dict:
    return yaml.safe_load(default_rules().read_text())


def test_a_pack_may_declare_its_own_owner_roles(tmp_path, questionnaire, llama1_answers,
                                                write_answers):
    data = _pack_data()
    data["owners"].append("Chief Risk Officer")
    data["rules"][0]["owner"] = "Chief Risk Officer"  # vetting-none
    pack_path = tmp_path / "rules.yaml"
    pack_path.write_text(yaml.safe_dump(data, sort_keys=False))
    engine = load_engine(rules_path=pack_path)
    result = score_file(engine, write_answers({**llama1_answers, "vetting": "none"}))
    assert [f.owner for f in result.findings if f.rule_id == "vetting-none"] == [
        "Chief Risk Officer"]


def test_undeclared_owners_are_each_named_by_their_rule(tmp_path, questionnaire):
    data = _pack_data()
    data["owners"].remove("AI Engineer")
    pack_path = tmp_path / "rules.yaml"
    pack_path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(RulesError) as caught:
        load_rules(pack_path, questionnaire)
    engineer_rules = [r["id"] for r in data["rules"] if r["owner"] == "AI Engineer"]
    named = [p.key for p in caught.value.problems]
    assert [f"rule {rule_id}: owner" for rule_id in engineer_rules] == [
        key for key in named if key.startswith("rule ")]
    assert all(p.code == "reference" for p in caught.value.problems)


def test_findings_follow_the_pack_s_own_severity_order(tmp_path, runner, llama1_answers,
                                                        write_answers):
    """One order, from the content: a pack with its own severity names sorts the record by it."""
    names = {"critical": "blocker", "high": "major", "medium": "minor", "low": "trivial",
             "info": "note"}
    data = _pack_data()
    data["severities"] = [names[s] for s in data["severities"]]
    for rule in data["rules"]:
        rule["severity"] = names[rule["severity"]]
    pack_path = tmp_path / "rules.yaml"
    pack_path.write_text(yaml.safe_dump(data, sort_keys=False))
    out = tmp_path / "record.html"
    result = runner.invoke(app, ["report", str(write_answers(llama1_answers)), "-o", str(out),
                                 "--rules", str(pack_path)])
    assert result.exit_code == 0, result.output
    html = out.read_text()
    shown = [m for m in re.findall(r"\b(blocker|major|minor|trivial|note)\b", html)]
    ranks = [list(names.values()).index(name) for name in shown if name != "note"]
    assert ranks, "no severity shown in the record"
    assert ranks == sorted(ranks)


def test_a_questionnaire_built_with_plain_model_validate_knows_when_questions_apply():
    data = yaml.safe_load(default_questionnaire().read_text())
    built = Questionnaire.model_validate(data)
    holders = built.by_id["access_holders"]
    assert built.applies(holders, {"weights_leave_premises": False}) is False
    assert built.applies(holders, {"weights_leave_premises": True}) is True


def test_a_questionnaire_condition_naming_a_later_question_is_refused_by_model_validate():
    data = yaml.safe_load(default_questionnaire().read_text())
    data["sections"][0]["questions"][0]["when"] = "horizon_days > 1"
    with pytest.raises(ValueError, match="not asked before this question"):
        Questionnaire.model_validate(data)


def test_a_rule_pack_cannot_exist_without_its_questionnaire():
    with pytest.raises(ValueError, match="checked against its questionnaire"):
        RulePack.model_validate(_pack_data())


def test_a_rule_pack_built_with_model_validate_scores(questionnaire, llama1_answers):
    pack = RulePack.model_validate(_pack_data(), context={"questionnaire": questionnaire})
    from riskcli.answers import resolve
    from riskcli.scoring import Engine, score_values

    values, problems = resolve(llama1_answers, questionnaire)
    assert not problems
    assert score_values(Engine(questionnaire, pack), values).exposure.band == "critical"


def test_a_mistyped_placeholder_in_the_access_form_wording_is_refused_before_writing(
        runner, tmp_path, llama1_answers, write_answers):
    folder = tmp_path / "templates"
    shutil.copytree(default_templates(), folder)
    spec = folder / "hf_gating.yaml"
    spec.write_text(spec.read_text().replace("Request access to {model_name}",
                                             "Request access to {model}"))
    out = tmp_path / "card.md"
    answers = write_answers({**llama1_answers, "misuse_severity_if_public": "low",
                             "public_demand": "low", "access_holders": 20,
                             "access_organizations": 2})
    result = runner.invoke(app, ["report", str(answers), "-o", str(out), "--templates",
                                 str(folder)])
    line = next(n for n, text in enumerate(spec.read_text().splitlines(), 1) if "{model}" in text)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"{spec}: heading: unknown placeholder {{model}} (allowed: model_name, organization) "
        f"(line {line})"]
    assert not out.exists()


def test_load_time_problems_in_a_questionnaire_name_the_question(tmp_path):
    data = yaml.safe_load(default_questionnaire().read_text())
    data["sections"][0]["questions"][1]["when"] = "no_such_answer"
    path = tmp_path / "q.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    from riskcli.questionnaire import load_questionnaire

    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)
    second = data["sections"][0]["questions"][1]["id"]
    [problem] = caught.value.problems
    assert problem.key == f"question {second}: when"
    assert problem.line is not None
