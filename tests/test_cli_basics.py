"""What a team runs in CI: validate, schema, questions, --version. Exit codes are a contract."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from riskcli.cli.app import app
from riskcli.yamlio import load_yaml

DELETE = object()
RECIPIENT_KEYS = [
    "access_holders", "access_organizations", "vetting", "legal_terms",
    "per_recipient_fingerprinting", "download_controls", "artifact_form", "artifact_size_gb",
]


def assert_no_traceback(result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_validate_accepts_every_example(runner, example_paths):
    result = runner.invoke(app, ["validate", *map(str, example_paths)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [f"{path}: ok" for path in example_paths]
    assert result.stderr == ""


# change to the LLaMA 1 answers -> the keys named, one line each, in order
BAD_FILES = {
    "wrong-type": ({"access_holders": "many"}, ["access_holders"]),
    "unknown-key": ({"acess_holders": 5}, ["acess_holders"]),
    "bad-choice": ({"vetting": "affiliation"}, ["vetting"]),
    "yaml-boolean-for-choice": ({"legal_terms": True}, ["legal_terms"]),
    "missing-required": ({"rationale": DELETE}, ["rationale"]),
    "non-existent-date": ({"decision_date": "2023-02-30"}, ["decision_date"]),
    "exclusive-multi-choice": ({"download_controls": ["none", "rate_limits"]},
                               ["download_controls"]),
    "nan-float": ({"artifact_size_gb": math.nan}, ["artifact_size_gb"]),
    "inf-float": ({"artifact_size_gb": math.inf}, ["artifact_size_gb"]),
    "bool-for-int": ({"horizon_days": True}, ["horizon_days"]),
    "several-at-once": ({"access_holders": "many", "vetting": "x", "model_name": DELETE},
                        ["model_name", "access_holders", "vetting"]),
}


@pytest.mark.parametrize(
    ("change", "keys"), list(BAD_FILES.values()), ids=list(BAD_FILES)
)
def test_validate_exits_2_with_one_line_per_problem(
    runner, write_answers, llama1_answers, change, keys
):
    for key, value in change.items():
        if value is DELETE:
            del llama1_answers[key]
        else:
            llama1_answers[key] = value
    path = write_answers(llama1_answers)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert_no_traceback(result)
    lines = result.stderr.splitlines()
    assert [line.split(": ")[1] for line in lines] == keys, lines
    for line in lines:
        assert line.startswith(f"{path}: ")
        assert len(line.split(": ")) >= 3, line
    assert result.stdout == ""


def test_validate_warns_about_answers_to_skipped_questions_and_refuses_them_when_strict(
    runner, write_answers, llama1_answers
):
    llama1_answers["weights_leave_premises"] = False
    path = write_answers(llama1_answers)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0
    assert result.stdout == f"{path}: ok\n"
    assert [line.split(": ")[1] for line in result.stderr.splitlines()] == RECIPIENT_KEYS
    strict = runner.invoke(app, ["validate", "--strict", str(path)])
    assert strict.exit_code == 2
    assert [line.split(": ")[1] for line in strict.stderr.splitlines()] == RECIPIENT_KEYS
    assert strict.stdout == ""


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ({"id": "distribution", "version": "0.9"}, "answers are for distribution 0.9"),
        ({"id": "deployment", "version": "1.0"}, "answers are for deployment 1.0"),
    ],
    ids=["version-mismatch", "id-mismatch"],
)
def test_validate_reports_questionnaire_mismatch(runner, write_answers, llama1_answers,
                                                 header, expected):
    path = write_answers(llama1_answers, header=header)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{path}: questionnaire: {expected}, but the questionnaire is distribution 1.0 (line 1)"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("questionnaire: {id: distribution\nanswers:\n", "invalid YAML"),
        ("answers:\n  a: 1\n  a: 2\n", "duplicate key 'a' (first on line 2) (line 3)"),
        ("answers: !!python/object/apply:os.system ['true']\n", "invalid YAML"),
        ("answers:\n\tmodel_name: x\n", "invalid YAML"),
        ("", "expected a mapping with `questionnaire` and `answers`"),
    ],
    ids=["broken-yaml", "duplicate-key", "python-tag", "tab-indent", "empty-file"],
)
def test_validate_reports_unreadable_yaml_on_one_line(runner, tmp_path: Path, text, expected):
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert_no_traceback(result)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{path}: ")
    assert expected in lines[0]


@pytest.mark.parametrize(
    ("name", "expected"),
    [("missing.yaml", "no such file"), ("", "folder holds no *.yaml or *.yml file")],
    ids=["missing-file", "directory"],
)
def test_validate_reports_files_it_cannot_read(runner, tmp_path: Path, name, expected):
    path = tmp_path / name if name else tmp_path
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert_no_traceback(result)
    assert result.stderr.splitlines() == [f"{path}: {expected}"]


def test_validate_checks_every_file_and_fails_if_any_is_bad(
    runner, write_answers, llama1_answers, example_paths
):
    good = example_paths[0]
    llama1_answers["vetting"] = "nobody"
    bad = write_answers(llama1_answers, name="bad.yaml")
    result = runner.invoke(app, ["validate", str(bad), str(good)])
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [f"{good}: ok"]
    assert [line.split(": ")[:2] for line in result.stderr.splitlines()] == [[str(bad), "vetting"]]


def test_validate_with_a_broken_questionnaire_names_it(runner, tmp_path: Path, example_paths):
    questionnaire = tmp_path / "q.yaml"
    questionnaire.write_text(
        'id: q\nversion: "1"\ntitle: Q\nsections:\n  - id: s\n    title: S\n    questions:\n'
        "      - id: a\n        prompt: A?\n        type: boolean\n",
        encoding="utf-8",
    )
    result = runner.invoke(
        app, ["validate", "--questionnaire", str(questionnaire), str(example_paths[0])]
    )
    assert result.exit_code == 2
    assert_no_traceback(result)
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"{questionnaire}: ")
    assert "question a" in lines[0] and "type" in lines[0]


def test_validate_against_a_custom_questionnaire(runner, tmp_path: Path):
    questionnaire = tmp_path / "q.yaml"
    questionnaire.write_text(
        'id: q\nversion: "1"\ntitle: Q\nsections:\n  - id: s\n    title: S\n    questions:\n'
        "      - id: a\n        prompt: A?\n        type: bool\n",
        encoding="utf-8",
    )
    answers = tmp_path / "a.yaml"
    answers.write_text('questionnaire: {id: q, version: "1"}\nanswers: {a: true}\n', "utf-8")
    result = runner.invoke(app, ["validate", "--questionnaire", str(questionnaire), str(answers)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{answers}: ok\n"


def test_validate_without_files_is_a_usage_error(runner):
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 2
    assert_no_traceback(result)


def schema_of(runner) -> dict:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_schema_is_json_describing_every_question(runner, questionnaire):
    schema = schema_of(runner)
    answers = schema["properties"]["answers"]
    assert list(answers["properties"]) == [q.id for q in questionnaire.questions]
    assert answers["additionalProperties"] is False
    assert schema["properties"]["questionnaire"]["properties"] == {
        "id": {"const": questionnaire.id}, "version": {"const": questionnaire.version},
    }


def test_schema_enums_match_the_choices(runner, questionnaire):
    properties = schema_of(runner)["properties"]["answers"]["properties"]
    for question in questionnaire.questions:
        prop = properties[question.id]
        if question.type == "choice":  # null: left blank, where a blank is no problem
            assert [v for v in prop["enum"] if v is not None] == question.choice_values
        elif question.type == "multi_choice":
            assert prop["type"] in ("array", ["array", "null"])
            assert prop["items"]["enum"] == question.choice_values, question.id
        else:
            assert "enum" not in prop


def test_schema_bounds_and_types_follow_the_questionnaire(runner):
    properties = schema_of(runner)["properties"]["answers"]["properties"]
    holders, estimate = properties["access_holders"]["oneOf"]
    assert holders == {"type": "integer", "minimum": 0, "maximum": 100_000_000}
    assert estimate["required"] == ["low", "high"]
    assert estimate["properties"]["low"]["exclusiveMinimum"] == 0
    size, _ = properties["artifact_size_gb"]["oneOf"]
    assert size["type"] == "number"
    assert size["exclusiveMinimum"] == 0
    assert properties["horizon_days"]["default"] == 365
    assert properties["decision_date"]["format"] == "date"
    assert properties["weights_leave_premises"]["type"] == "boolean"


def test_examples_validate_against_the_schema(runner, example_paths):
    import jsonschema
    validator = jsonschema.Draft202012Validator(schema_of(runner))
    for path in example_paths:
        errors = [e.message for e in validator.iter_errors(load_yaml(path).data)]
        assert errors == [], path


@pytest.mark.parametrize(
    ("key", "value"),
    [("vetting", "affiliation"), ("acess_holders", 3), ("access_holders", "many"),
     ("download_controls", ["expiring_links", "expiring_links"])],
    ids=["bad-choice", "unknown-key", "wrong-type", "repeated-item"],
)
def test_schema_rejects_what_validate_rejects(runner, llama1_answers, key, value):
    import jsonschema
    llama1_answers[key] = value
    document = {"questionnaire": {"id": "distribution", "version": "1.0"},
                "answers": llama1_answers}
    validator = jsonschema.Draft202012Validator(schema_of(runner))
    assert list(validator.iter_errors(document)), key


def test_questions_lists_every_question_and_choice(runner, questionnaire):
    result = runner.invoke(app, ["questions"], env={"COLUMNS": "240"})
    assert result.exit_code == 0, result.output
    for section in questionnaire.sections:
        assert section.title in result.stdout
    for question in questionnaire.questions:
        assert question.id in result.stdout
        for value in question.choice_values:
            assert value in result.stdout, f"{question.id}: {value}"


def test_questions_in_a_narrow_terminal_still_shows_every_key(runner, questionnaire):
    result = runner.invoke(app, ["questions"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    for question in questionnaire.questions:
        assert question.id in result.stdout


def test_version_flag_prints_the_installed_version(runner):
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"riskcli {version('riskcli')}\n"


@pytest.mark.slow
def test_python_dash_m_riskcli_works(tmp_path: Path):
    child = subprocess.run(
        [sys.executable, "-m", "riskcli", "--version"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout == f"riskcli {version('riskcli')}\n"


@pytest.mark.slow
def test_python_dash_m_riskcli_validate_exit_codes(tmp_path: Path, write_answers,
                                                   llama1_answers, example_paths):
    """The real process, not the test runner: exit 2 and no traceback on stderr."""
    llama1_answers["vetting"] = "nobody"
    bad = write_answers(llama1_answers)
    ok = subprocess.run(
        [sys.executable, "-m", "riskcli", "validate", str(example_paths[0])],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
    )
    failed = subprocess.run(
        [sys.executable, "-m", "riskcli", "validate", str(bad)],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
    )
    assert ok.returncode == 0, ok.stderr
    assert failed.returncode == 2
    assert "Traceback" not in failed.stderr
    assert failed.stderr.startswith(f"{bad}: vetting: expected one of:")
