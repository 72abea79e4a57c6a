"""`riskcli validate` and the JSON Schema an editor checks against give the same verdict.

Every file of tests/schema_corpus/ says on its first line what both must say of it: `valid`,
`invalid`, or `schema-limit` (validate refuses what JSON Schema cannot express, as the schema's
own description says). The schema side reads the file with riskcli's own loader, which reads YAML
1.2 as editors do; a file that loader refuses is refused by both.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskcli.answers import answers_from_bytes, check_answers
from riskcli.cli.app import app
from riskcli.errors import InputFileError, RiskcliError
from riskcli.questionnaire import Questionnaire, build_questionnaire
from riskcli.schema import DATE_PATTERN, LIMITS, answers_schema
from riskcli.yamlio import dump_yaml, parse_yaml

CORPUS_DIR = Path(__file__).parent / "schema_corpus"
CORPUS = sorted(CORPUS_DIR.glob("*.yaml"))
VERDICTS = {"valid": (True, True), "invalid": (False, False), "schema-limit": (False, True)}


def expectation(path: Path) -> str:
    first = path.read_text("utf-8").splitlines()[0]
    match = re.fullmatch(r"# expect: (valid|invalid|schema-limit)", first)
    assert match, f"{path.name}: first line must be '# expect: valid|invalid|schema-limit'"
    return match[1]


@pytest.fixture(scope="module")
def schema_validator(runner_module) -> jsonschema.Draft202012Validator:
    result = runner_module.invoke(app, ["schema"])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture(scope="module")
def runner_module():
    from typer.testing import CliRunner
    return CliRunner()


def schema_errors(validator: jsonschema.Draft202012Validator, raw: bytes) -> list[str] | None:
    """Where and what the schema refuses; None when the file cannot be read at all."""
    try:
        data = parse_yaml(raw, "corpus.yaml")
    except InputFileError:
        return None
    return ["/".join(map(str, e.absolute_path)) + ": " + e.message
            for e in validator.iter_errors(data)]


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_validate_and_the_json_schema_give_the_same_verdict(runner_module, schema_validator,
                                                            path):
    result = runner_module.invoke(app, ["validate", str(path)])
    assert result.exit_code in (0, 2), result.output
    errors = schema_errors(schema_validator, path.read_bytes())
    verdict = (result.exit_code == 0, errors == [])
    assert verdict == VERDICTS[expectation(path)], (result.stderr, errors)
    if errors is None:  # refused on reading: one line, naming the line and what to write
        [line] = result.stderr.splitlines()
        assert "(line " in line
    elif errors:
        # the same complaint, not two unrelated ones: each key validate names is in the schema's
        for line in result.stderr.splitlines():
            key = re.split(r"[.\[]", line.split(": ")[1])[-1].rstrip("]0123456789")
            assert any(key in error for error in errors), (line, errors)


def test_the_corpus_covers_every_kind_of_answer_condition_and_choice(questionnaire):
    valid, problems = [], []
    for path in CORPUS:
        try:
            answers = answers_from_bytes(path.read_bytes(), path.name, questionnaire)
            valid.append((path, answers))
        except RiskcliError as exc:
            problems += exc.problems
    assert len(CORPUS) >= 30
    refused_types = {questionnaire.by_id[p.key].type for p in problems
                     if p.key in questionnaire.by_id and p.code == "type"}
    assert refused_types == {q.type for q in questionnaire.questions}
    missing = {p.key for p in problems if p.code == "missing"}
    for question in questionnaire.questions:
        if question.when is not None:  # each condition seen true and false in valid files
            seen = {question.id in answers.values for _, answers in valid}
            assert seen == {True, False}, question.id
    conditional = {q.id for q in questionnaire.questions if q.when is not None and q.required}
    assert missing & conditional, "no file leaves out a question only its condition requires"
    for question in questionnaire.questions:
        for choice in question.choices:
            if choice.exclusive:
                assert any(f'"{choice.value}" cannot be combined' in p.message
                           and p.key == question.id for p in problems), choice.value
    assert any(p.code == "unknown-key" for p in problems)
    assert any(p.key.startswith("decision") for p in problems)
    assert any(answers.decision is not None for _, answers in valid)
    assert any(getattr(v, "low", None) for _, answers in valid for v in answers.values.values())


def test_each_schema_limit_is_said_in_the_schema(runner_module):
    schema = json.loads(runner_module.invoke(app, ["schema"]).stdout)
    assert schema["properties"]["answers"]["description"].startswith(LIMITS)
    limits = [path for path in CORPUS if expectation(path) == "schema-limit"]
    assert {p.stem for p in limits} == {"estimate-low-above-high", "float-nan"}
    assert "low below high" in LIMITS and "NaN" in LIMITS


def test_the_date_pattern_is_exactly_the_real_dates():
    pattern = re.compile(DATE_PATTERN)
    for year in ("0001", "0004", "0100", "0400", "1900", "2000", "2023", "2024", "9999", "0000"):
        for month in range(0, 14):
            for day in range(0, 33):
                text = f"{year}-{month:02}-{day:02}"
                try:
                    dt.date.fromisoformat(text)
                    real = True
                except ValueError:
                    real = False
                assert bool(pattern.fullmatch(text)) is real, text


# --- every condition form the schema translates, on documents drawn at random ---------------------

FORMS = """
id: forms
version: "1"
title: Every condition form
sections:
  - id: all
    title: All
    questions:
      - {id: gate, prompt: Gate?, type: bool}
      - id: kind
        prompt: Kind?
        type: choice
        choices: [{value: a, label: A}, {value: b, label: B}, {value: c, label: C}]
      - {id: count, prompt: Count?, type: int, min: 0, max: 100, default: 10}
      - {id: note, prompt: Note?, type: text, required: false}
      - id: tags
        prompt: Tags?
        type: multi_choice
        required: false
        choices: [{value: x, label: X}, {value: y, label: Y},
                  {value: nil, label: None, exclusive: true}]
      - {id: size, prompt: Size?, type: float, estimable: true, min: 0, min_exclusive: true,
         max: 1000, when: gate}
      - {id: q_eq, prompt: "?", type: int, when: "kind == 'a'"}
      - {id: q_in, prompt: "?", type: bool, when: "kind in ['a', 'b']"}
      - {id: q_notin, prompt: "?", type: bool, when: "kind not in ('c',)"}
      - {id: q_ne, prompt: "?", type: bool, when: "kind != 'b'"}
      - {id: q_gt, prompt: "?", type: bool, when: "count > 50"}
      - {id: q_le, prompt: "?", type: bool, when: "count <= 10"}
      - {id: q_flip, prompt: "?", type: bool, when: "5 < count"}
      - {id: q_and, prompt: "?", type: bool, when: "gate and kind == 'c'"}
      - {id: q_or, prompt: "?", type: bool, when: "not gate or count >= 20"}
      - {id: q_contains, prompt: "?", type: bool, when: "'x' in tags"}
      - {id: q_without, prompt: "?", type: bool, when: "'nil' not in tags"}
      - {id: q_none, prompt: "?", type: bool, when: "note is none"}
      - {id: q_some, prompt: "?", type: bool, when: "note is not none"}
      - {id: q_text, prompt: "?", type: bool, when: note}
      - {id: q_size, prompt: "?", type: bool, when: size}
      - {id: q_size_eq, prompt: "?", type: bool, when: "size == 2.5"}
      - {id: q_after, prompt: "?", type: bool, when: "q_eq > 3"}
      - {id: q_chain, prompt: "?", type: bool, when: "q_and"}
      - {id: q_negative, prompt: "?", type: bool, when: "count > -1 and not q_in"}
      - {id: q_not_and, prompt: "?", type: bool, when: "not (gate and kind == 'c')"}
      - {id: q_flip_gt, prompt: "?", type: bool, when: "50 > count"}
      - {id: q_not_error, prompt: "?", type: bool, when: "not q_eq > 3"}
      - {id: q_or_error, prompt: "?", type: bool, when: "q_eq > 3 or gate"}
      - {id: q_not_and_error, prompt: "?", type: bool, when: "not (gate and q_eq > 3)"}
      - {id: q_number_in, prompt: "?", type: bool, when: "count in [0, 100]"}
      - {id: q_size_ne, prompt: "?", type: bool, when: "size != 2.5"}
      - {id: q_without_y, prompt: "?", type: bool, when: "'y' not in tags"}
      - {id: q_always, prompt: "?", type: bool, when: true}
      - {id: q_arith, prompt: "?", type: bool, when: "count * 2 > 10"}
"""

INPUTS: dict[str, tuple[list[Any], list[Any]]] = {
    "gate": ([True, False], ["yes"]),
    "kind": (["a", "b", "c"], ["d"]),
    "count": ([0, 5, 10, 20, 51, 100], [101, 2.5, "7"]),
    "note": (["", "  ", "hi"], [3]),
    "tags": ([[], ["x"], ["y"], ["x", "y"], ["nil"]], [["nil", "x"], ["z"], "x"]),
    "size": ([2.5, 1e3, {"low": 1, "high": 4}], [0, {"low": 1}, "big"]),
    "q_eq": ([0, 3, 4, 100], [2.5, True]),
}
"""The answers conditions read: right values (drawn more often) and wrong ones."""
ABSENT = object()


@pytest.fixture(scope="module")
def forms() -> Questionnaire:
    return build_questionnaire(parse_yaml(FORMS.encode(), "forms.yaml"), "forms.yaml")


@pytest.fixture(scope="module")
def forms_validator(forms) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(json.dumps(answers_schema(forms))))


def answers_drawn() -> st.SearchStrategy[dict[str, Any]]:
    """The answers conditions read (mostly right), and every yes/no question answered."""
    names = [q["id"] for q in parse_yaml(FORMS.encode(), "f")["sections"][0]["questions"]]
    inputs = st.fixed_dictionaries({
        name: st.sampled_from([*right * 4, *wrong, ABSENT, None])
        for name, (right, wrong) in INPUTS.items()})
    flags = st.fixed_dictionaries({name: st.booleans() for name in names if name not in INPUTS})
    return st.tuples(inputs, flags).map(
        lambda parts: {k: v for k, v in {**parts[0], **parts[1]}.items() if v is not ABSENT})


@pytest.mark.slow
@settings(max_examples=120, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=answers_drawn())
def test_every_translated_condition_requires_what_validate_requires(forms, forms_validator,
                                                                   answers):
    """The drawn answers, then each yes/no question left out, then each left blank: whether the
    file stays valid is whether that question's condition holds. q_arith's condition cannot be
    translated (arithmetic), so it is always answered."""
    flags = [q.id for q in forms.questions if q.id not in INPUTS and q.id != "q_arith"]
    variants = [answers, *({k: v for k, v in answers.items() if k != flag} for flag in flags),
                *({**answers, flag: None} for flag in flags if flag in answers)]
    for variant in variants:
        document = {"questionnaire": {"id": "forms", "version": "1"}, "answers": variant}
        raw = dump_yaml(document).encode()
        data = parse_yaml(raw, "drawn.yaml")
        _, problems = check_answers(data, forms, "drawn.yaml")
        valid = not [p for p in problems if p.code != "not-applicable"]
        errors = [e.message for e in forms_validator.iter_errors(data)]
        assert valid == (errors == []), ([str(p) for p in problems], errors, raw.decode())


def test_a_condition_the_schema_cannot_express_is_said_and_not_required(forms):
    schema = answers_schema(forms)
    description = schema["properties"]["answers"]["description"]
    assert ("riskcli validate also requires q_arith when `count * 2 > 10`, which this schema "
            "cannot express (it uses arithmetic)") in description
    assert "q_arith" not in json.dumps(schema["properties"]["answers"]["allOf"])
    for question in forms.questions:
        if question.when is not None and question.id != "q_arith":
            assert f"also requires {question.id} " not in description
