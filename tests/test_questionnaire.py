"""Questionnaire loading: the bundled one matches the design; a broken one names the spot."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from riskcli.errors import QuestionnaireError
from riskcli.questionnaire import Questionnaire, load_questionnaire
from riskcli.resources import default_questionnaire

# DESIGN.md, "Core answer keys the standard questionnaire must have": key -> (type, choices, min).
# `min` is (bound, exclusive) for numbers; choices are in the table's order and spelling.
CORE_KEYS: dict[str, tuple[str, list[str] | None, tuple[float, bool] | None]] = {
    "model_name": ("text", None, None),
    "organization": ("text", None, None),
    "decision_owner": ("text", None, None),
    "decision_date": ("date", None, None),
    "intended_mode": ("choice", ["gated", "permissive_open", "fully_open"], None),
    "weights_leave_premises": ("bool", None, None),
    "access_holders": ("int", None, (0, False)),
    "access_organizations": ("int", None, (0, False)),
    "insiders_with_weight_access": ("int", None, (0, False)),
    "vetting": (
        "choice",
        ["none", "self_attested", "affiliation_checked", "identity_verified_contract"],
        None,
    ),
    "legal_terms": (
        "choice", ["none", "click_through", "signed_agreement", "enforced_agreement"], None,
    ),
    "per_recipient_fingerprinting": ("bool", None, None),
    "download_controls": (
        "multi_choice", ["expiring_links", "download_logging", "rate_limits", "none"], None,
    ),
    "artifact_form": (
        "choice", ["full_weights", "quantized", "adapter_only", "encrypted_or_enclave"], None,
    ),
    "artifact_size_gb": ("float", None, (0, True)),
    "public_demand": ("choice", ["low", "moderate", "high", "extreme"], None),
    "comparable_open_model_exists": ("bool", None, None),
    "misuse_severity_if_public": ("choice", ["low", "moderate", "high", "severe"], None),
    "horizon_days": ("int", None, (1, False)),
    "safety_framework": (
        "choice",
        ["anthropic_rsp", "openai_preparedness", "deepmind_fsf", "internal", "none"],
        None,
    ),
    "leak_response_plan": ("bool", None, None),
    "pivot_acceptable": ("bool", None, None),
    "rationale": ("text", None, None),
}

RECIPIENT_KEYS = [
    "access_holders", "access_organizations", "vetting", "legal_terms",
    "per_recipient_fingerprinting", "download_controls", "artifact_form", "artifact_size_gb",
]


def test_bundled_questionnaire_loads_with_an_id_and_a_quoted_version(questionnaire):
    assert questionnaire.id == "distribution"
    assert isinstance(questionnaire.version, str) and questionnaire.version
    assert questionnaire.sections


@pytest.mark.parametrize("key", list(CORE_KEYS), ids=list(CORE_KEYS))
def test_bundled_questionnaire_has_core_key_as_designed(questionnaire: Questionnaire, key: str):
    kind, choices, minimum = CORE_KEYS[key]
    assert key in questionnaire.by_id, f"core key {key} is missing"
    question = questionnaire.by_id[key]
    assert question.type == kind
    if choices is not None:
        assert sorted(question.choice_values) == sorted(choices)
    else:
        assert question.choices == []
    if minimum is not None:
        bound, exclusive = minimum
        assert question.min == bound
        assert question.min_exclusive is exclusive


def test_bundled_questions_all_have_prompts_and_choice_labels(questionnaire: Questionnaire):
    for question in questionnaire.questions:
        assert question.prompt.strip(), question.id
        for choice in question.choices:
            assert choice.label.strip(), f"{question.id}.{choice.value}"


def test_explained_terms_carry_help_text(questionnaire: Questionnaire):
    """A strategy lead must be told what fingerprinting means and how to count access holders."""
    for key in ("per_recipient_fingerprinting", "access_holders", "weights_leave_premises"):
        assert len(questionnaire.by_id[key].help) > 80, key


def test_none_is_the_only_exclusive_download_control(questionnaire: Questionnaire):
    question = questionnaire.by_id["download_controls"]
    assert [c.value for c in question.choices if c.exclusive] == ["none"]


@pytest.mark.parametrize(
    ("leaves", "expect_asked"),
    [(True, True), (False, False)],
    ids=["weights-downloaded", "hosted-only"],
)
def test_recipient_questions_are_asked_only_when_weights_leave_the_premises(
    questionnaire: Questionnaire, leaves: bool, expect_asked: bool
):
    answers = {"weights_leave_premises": leaves}
    for key in RECIPIENT_KEYS:
        assert questionnaire.applies(questionnaire.by_id[key], answers) is expect_asked, key
    insiders = questionnaire.by_id["insiders_with_weight_access"]
    assert questionnaire.applies(insiders, answers) is True


def test_default_questionnaire_path_points_at_the_bundled_file(repo_root: Path):
    path = default_questionnaire()
    assert path.name == "distribution.yaml"
    assert path.read_bytes() == (repo_root / "questionnaires" / "distribution.yaml").read_bytes()


# --- malformed definitions -------------------------------------------------------------------

HOSTED = """\
id: hosted
prompt: Hosted only?
type: bool
"""
HOLDERS = """\
id: holders
prompt: How many people?
type: int
min: 0
max: 100
"""
MODE = """\
id: mode
prompt: Which mode?
type: choice
choices:
  - {value: gated, label: Gated}
  - {value: open, label: Open}
"""


def questionnaire_text(*questions: str) -> str:
    body = "".join(
        "      - " + textwrap.indent(q, "        ").lstrip() for q in questions
    )
    return (
        'id: mini\nversion: "1.0"\ntitle: Mini\nsections:\n'
        "  - id: main\n    title: Main\n    questions:\n" + body
    )


def test_minimal_questionnaire_text_is_valid(tmp_path: Path):
    path = tmp_path / "mini.yaml"
    path.write_text(questionnaire_text(HOSTED, HOLDERS, MODE), encoding="utf-8")
    loaded = load_questionnaire(path)
    assert [q.id for q in loaded.questions] == ["hosted", "holders", "mode"]


BAD_DEFINITIONS = {
    "missing-prompt": (
        [HOSTED.replace("prompt: Hosted only?\n", ""), HOLDERS], "hosted", "prompt", "required",
    ),
    "missing-type": (
        [HOSTED.replace("type: bool\n", ""), HOLDERS], "hosted", "type", "required",
    ),
    "bad-type": (
        [HOSTED.replace("type: bool", "type: boolean"), HOLDERS], "hosted", "type", "'choice'",
    ),
    "bad-bound-type": (
        [HOSTED, HOLDERS.replace("min: 0", "min: zero")], "holders", "min", "number",
    ),
    "choice-without-choices": (
        [HOSTED, "id: mode\nprompt: Which mode?\ntype: choice\n"], "mode", "choices", "needs",
    ),
    "choices-on-a-bool": (
        [HOSTED + "choices:\n  - {value: a, label: A}\n"], "hosted", "choices", "cannot",
    ),
    "unknown-field": (
        [HOSTED + "colour: red\n"], "hosted", "colour", "unknown field",
    ),
    "choice-value-yes": (
        [MODE + "  - {value: yes, label: Yes please}\n"], "mode", "value", "YAML boolean",
    ),
    "choice-value-quoted-no": (
        [MODE + '  - {value: "no", label: No thanks}\n'], "mode", "value", "YAML",
    ),
    "choice-value-number": (
        [MODE + "  - {value: 1, label: One}\n"], "mode", "value", "number",
    ),
    "duplicate-choice-value": (
        [MODE + "  - {value: gated, label: Gated again}\n"], "mode", "choices", "twice",
    ),
    "duplicate-question-id": (
        [HOSTED, HOLDERS, HOSTED.replace("Hosted only?", "Again?")], "hosted", "id", "twice",
    ),
    "when-names-later-question": (
        [HOSTED + "when: not mode == 'open'\n", MODE], "hosted", "when", "mode is not asked before",
    ),
    "when-names-itself": (
        [HOSTED + "when: hosted\n"], "hosted", "when", "hosted",
    ),
    "when-names-unknown-key-resembling-a-later-one": (
        [HOSTED, HOLDERS + "when: mode_x == 'a'\n", MODE], "holders", "when", "mode_x",
    ),
    "when-names-unknown-key": (
        [HOSTED, HOLDERS + "when: not hostd\n"], "holders", "when", "hostd",
    ),
    "when-is-unsafe": (
        [HOSTED, HOLDERS + "when: hosted.__class__\n"], "holders", "when", "not allow",
    ),
    "when-is-not-an-expression": (
        [HOSTED, HOLDERS + "when: hosted ==\n"], "holders", "when", "not a valid expression",
    ),
    "default-above-max": (
        [HOLDERS + "default: 101\n"], "holders", "default", "between 0 and 100",
    ),
    "default-below-min": (
        [HOLDERS + "default: -1\n"], "holders", "default", "between 0 and 100",
    ),
    "default-not-a-choice": (
        [MODE + "default: closed\n"], "mode", "default", "one of: gated, open",
    ),
    "min-above-max": (
        [HOLDERS.replace("min: 0", "min: 200")], "holders", "min", "greater than max",
    ),
    "bounds-on-text": (
        ["id: name\nprompt: Name?\ntype: text\nmax: 3\n"], "name", "max", "only apply",
    ),
    "id-not-an-identifier": (
        [HOSTED.replace("id: hosted", "id: Hosted-Only")], "Hosted-Only", "id",
        "expected text matching",
    ),
    "required-not-a-bool": (
        [HOSTED + "required: maybe\n"], "hosted", "required", 'expected true or false, got "maybe"',
    ),
}


@pytest.mark.parametrize(
    ("questions", "question_id", "field", "explanation"),
    list(BAD_DEFINITIONS.values()),
    ids=list(BAD_DEFINITIONS),
)
def test_malformed_question_fails_naming_file_question_and_field(
    tmp_path: Path, questions: list[str], question_id: str, field: str, explanation: str
):
    path = tmp_path / "bad-questionnaire.yaml"
    path.write_text(questionnaire_text(*questions), encoding="utf-8")
    with pytest.raises(QuestionnaireError) as exc_info:
        load_questionnaire(path)
    problems = exc_info.value.problems
    assert len(problems) == 1, [str(p) for p in problems]
    problem = problems[0]
    assert problem.file == str(path)
    assert f"question {question_id}" in problem.key
    assert field in f"{problem.key} {problem.message}"
    assert explanation in problem.message
    assert str(path) in str(exc_info.value)


@pytest.mark.parametrize(
    "condition",
    ["mode_x == 'a'", "not hostd", "hosted and unknown_key"],
    ids=["typo-containing-a-later-id", "plain-typo", "typo-behind-and"],
)
def test_when_naming_an_unknown_key_does_not_blame_later_questions(
    tmp_path: Path, condition: str
):
    """Only a real later question is called "not asked before"; a typo is just unknown."""
    path = tmp_path / "typo.yaml"
    path.write_text(
        questionnaire_text(HOSTED, HOLDERS + f"when: {condition}\n", MODE), encoding="utf-8"
    )
    with pytest.raises(QuestionnaireError) as exc_info:
        load_questionnaire(path)
    message = exc_info.value.problems[0].message
    assert "unknown answer key" in message
    assert "not asked before" not in message
    assert "asked later" not in message


def test_every_problem_in_a_questionnaire_is_reported_at_once(tmp_path: Path):
    path = tmp_path / "many.yaml"
    path.write_text(
        questionnaire_text(HOSTED + "colour: red\n", HOLDERS.replace("type: int", "type: num")),
        encoding="utf-8",
    )
    with pytest.raises(QuestionnaireError) as exc_info:
        load_questionnaire(path)
    keys = [p.key for p in exc_info.value.problems]
    assert any("question hosted" in k and "colour" in k for k in keys)
    assert any("question holders" in k and "type" in k for k in keys)


def test_problem_carries_the_line_of_the_offending_question(tmp_path: Path):
    path = tmp_path / "lines.yaml"
    path.write_text(questionnaire_text(HOSTED, HOLDERS + "when: nope\n"), encoding="utf-8")
    with pytest.raises(QuestionnaireError) as exc_info:
        load_questionnaire(path)
    text = path.read_text(encoding="utf-8").splitlines()
    line = exc_info.value.problems[0].line
    assert line is not None and "when: nope" in text[line - 1]


@pytest.mark.parametrize(
    ("text", "key", "explanation"),
    [
        ("- just\n- a list\n", "", "expected a mapping"),
        ('id: mini\nversion: "1.0"\ntitle: Mini\nsections: []\n', "sections", "at least 1"),
        ('id: mini\nversion: 1.0\ntitle: Mini\nsections: []\n', "version", "number"),
        ('version: "1.0"\ntitle: Mini\nsections: []\n', "id", "required"),
        ("id: mini\nversion: '1'\ntitle: T\nsections:\n  - id: s\n    title: S\n"
         "    questions: []\n", "section s", "at least 1"),
    ],
    ids=["not-a-mapping", "no-sections", "unquoted-version", "missing-id", "empty-section"],
)
def test_malformed_questionnaire_envelope_is_reported(
    tmp_path: Path, text: str, key: str, explanation: str
):
    path = tmp_path / "env.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(QuestionnaireError) as exc_info:
        load_questionnaire(path)
    assert any(
        key in p.key and explanation in p.message and p.file == str(path)
        for p in exc_info.value.problems
    ), [str(p) for p in exc_info.value.problems]


def test_conditions_compile_against_earlier_questions_only(tmp_path: Path):
    path = tmp_path / "ok.yaml"
    path.write_text(
        questionnaire_text(HOSTED, HOLDERS + "when: not hosted\n",
                           MODE + "when: hosted or holders > 10\n"),
        encoding="utf-8",
    )
    loaded = load_questionnaire(path)
    holders, mode = loaded.by_id["holders"], loaded.by_id["mode"]
    assert loaded.applies(holders, {"hosted": False}) is True
    assert loaded.applies(holders, {"hosted": True}) is False
    assert loaded.applies(mode, {"hosted": False, "holders": 11}) is True
    assert loaded.applies(mode, {"hosted": False, "holders": 10}) is False
