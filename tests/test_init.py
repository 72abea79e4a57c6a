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


def test_init_makes_the_folders_it_is_told_to_write_in(runner, tmp_path):
    out = tmp_path / "a" / "b" / "answers.yaml"
    result = runner.invoke(app, ["init", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("# yaml-language-server")
    assert (out.parent / "riskcli-answers.schema.json").is_file()


def test_init_under_a_file_is_one_clean_problem(runner, tmp_path):
    (tmp_path / "a").write_text("a file\n")
    out = tmp_path / "a" / "b" / "answers.yaml"
    result = runner.invoke(app, ["init", "-o", str(out)])
    assert result.exit_code == 2
    assert result.stderr == f"{out}: {tmp_path / 'a'} is not a folder\n"
    assert (tmp_path / "a").read_text() == "a file\n"


def test_init_to_stdout_writes_the_starter_and_no_file(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["init", "-o", "-"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# yaml-language-server: $schema=riskcli-answers.schema.json")
    assert "model_name" in yaml.safe_load(result.stdout)["answers"]
    assert list(tmp_path.iterdir()) == []


def test_a_second_answers_file_beside_the_same_schema_keeps_it(runner, tmp_path):
    _init(runner, tmp_path)
    schema = tmp_path / "riskcli-answers.schema.json"
    before = schema.stat().st_mtime_ns, schema.stat().st_ino
    result = runner.invoke(app, ["init", "-o", str(tmp_path / "second.yaml")])
    assert result.exit_code == 0, result.output
    assert (schema.stat().st_mtime_ns, schema.stat().st_ino) == before
    assert (tmp_path / "second.yaml").is_file()


def test_a_different_schema_beside_the_output_is_not_overwritten_without_force(runner, tmp_path):
    schema = tmp_path / "riskcli-answers.schema.json"
    schema.write_text('{"title": "our own schema"}\n')
    result = runner.invoke(app, ["init", "-o", str(tmp_path / "answers.yaml")])
    assert result.exit_code == 2
    assert result.stderr == (f"{schema}: already exists and is not this questionnaire's schema; "
                             "not overwriting it (use --force)\n")
    assert schema.read_text() == '{"title": "our own schema"}\n'
    assert not (tmp_path / "answers.yaml").exists()
    forced = runner.invoke(app, ["init", "-o", str(tmp_path / "answers.yaml"), "--force"])
    assert forced.exit_code == 0
    assert json.loads(schema.read_text())["$schema"].startswith("https://json-schema.org/")


def test_init_never_names_its_answers_file_like_its_schema(runner, tmp_path):
    out = tmp_path / "riskcli-answers.schema.json"
    result = runner.invoke(app, ["init", "-o", str(out)])
    assert result.exit_code == 2
    assert "is the name of the schema file" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_line_break_in_questionnaire_text_never_becomes_a_live_answer_line(runner, tmp_path):
    """Labels, values and help all land in `#` comments; a line break (or YAML 1.1's NEL, LS,
    PS) inside one must not end the comment and start an answer line of its own."""
    from riskcli.resources import default_questionnaire

    document = yaml.safe_load(default_questionnaire().read_text(encoding="utf-8"))
    question = next(q for s in document["sections"] for q in s["questions"] if q.get("choices"))
    question["choices"][0]["label"] = "Label" + "".join(
        f"{breaker}  injected_{i}: 1"
        for i, breaker in enumerate(["\n", "\r", "\x85", "\u2028", "\u2029"]))
    question["help"] = "Help\n  injected_help: 1"
    source = tmp_path / "q.yaml"
    source.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "a.yaml"
    result = runner.invoke(app, ["init", "--questionnaire", str(source), "-o", str(out)])
    assert result.exit_code == 0, result.output
    answers = yaml.safe_load(out.read_text(encoding="utf-8"))["answers"]
    assert not [key for key in answers if str(key).startswith("injected")]
    assert "injected_0: 1" in out.read_text(encoding="utf-8")  # kept, inside the comment
