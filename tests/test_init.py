"""`riskcli init`: a commented starter file a team can fill in by hand and commit."""

from __future__ import annotations

import json

import yaml

from riskcli.cli.app import app


def _init(runner, tmp_path, *args):
    out = tmp_path / "answers.yaml"
    return runner.invoke(app, ["init", "-o", str(out), *args]), out


def test_starter_lists_every_question_in_order_with_its_help(runner, tmp_path, questionnaire):
    result, out = _init(runner, tmp_path)
    assert result.exit_code == 0
    text = out.read_text()
    assert list(yaml.safe_load(text)["answers"]) == [q.id for q in questionnaire.questions]
    assert "#   identity_verified_contract  Identity verified and under contract" in text
    assert "only when weights_leave_premises" in text
    assert "  horizon_days: 365" in text  # defaults are filled in


def test_starter_points_editors_at_the_schema_written_beside_it(runner, tmp_path, questionnaire):
    _, out = _init(runner, tmp_path)
    header = out.read_text().splitlines()[0]
    assert header == "# yaml-language-server: $schema=riskcli-answers.schema.json"
    schema = json.loads((tmp_path / "riskcli-answers.schema.json").read_text())
    assert set(schema["properties"]["answers"]["properties"]) == set(questionnaire.by_id)


def test_a_filled_in_starter_validates_and_scores(runner, tmp_path, llama1_answers):
    _, out = _init(runner, tmp_path)
    document = yaml.safe_load(out.read_text())
    assert all(value is None for key, value in document["answers"].items()
               if key != "horizon_days")
    document["answers"].update(llama1_answers)
    out.write_text(yaml.safe_dump(document, sort_keys=False))
    assert runner.invoke(app, ["validate", str(out)]).exit_code == 0
    assert runner.invoke(app, ["score", str(out)]).exit_code == 0


def test_an_empty_starter_names_every_answer_still_missing(runner, tmp_path):
    _, out = _init(runner, tmp_path)
    result = runner.invoke(app, ["validate", str(out)])
    assert result.exit_code == 2
    assert f"{out}: model_name: missing required answer" in result.stderr


def test_init_never_overwrites_answers_without_force(runner, tmp_path):
    out = tmp_path / "answers.yaml"
    out.write_text("keep me\n")
    result = runner.invoke(app, ["init", "-o", str(out)])
    assert result.exit_code == 2
    assert "already exists" in result.stderr
    assert out.read_text() == "keep me\n"
    assert runner.invoke(app, ["init", "-o", str(out), "--force"]).exit_code == 0
    assert out.read_text().startswith("# yaml-language-server")
