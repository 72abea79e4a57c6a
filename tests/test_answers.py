"""Answers files: valid ones load with defaults filled; each mistake is a problem naming its key."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest

from riskcli.answers import check_answers, load_answers, save_answers
from riskcli.errors import AnswersError
from riskcli.questionnaire import Questionnaire
from riskcli.values import Range, to_plain
from riskcli.yamlio import load_yaml

HOSTED_ONLY_DROPS = [
    "access_holders", "access_organizations", "vetting", "legal_terms",
    "per_recipient_fingerprinting", "download_controls", "artifact_form", "artifact_size_gb",
]


def problems_of(path: Path, questionnaire: Questionnaire):
    with pytest.raises(AnswersError) as exc_info:
        load_answers(path, questionnaire)
    return exc_info.value.problems


def test_every_example_validates(example_paths: list[Path], questionnaire: Questionnaire):
    for path in example_paths:
        answers = load_answers(path, questionnaire)
        assert answers.values["model_name"], path


def test_llama_example_loads_typed_values(questionnaire: Questionnaire, examples_dir: Path):
    values = load_answers(examples_dir / "llama-1-2023.yaml", questionnaire).values
    assert values["decision_date"] == dt.date(2023, 2, 24)
    assert values["intended_mode"] == "gated"
    assert values["weights_leave_premises"] is True
    assert values["access_holders"] == Range(1000, 5000)
    assert isinstance(values["artifact_size_gb"], float)
    assert values["download_controls"] == ["expiring_links"]
    assert list(values) == [q.id for q in questionnaire.questions if q.id in values]


def test_digest_identifies_the_exact_file(write_answers, llama1_answers, questionnaire):
    first = load_answers(write_answers(llama1_answers, name="a.yaml"), questionnaire)
    llama1_answers["rationale"] = "Changed."
    second = load_answers(write_answers(llama1_answers, name="b.yaml"), questionnaire)
    assert len(first.sha256) == 64
    assert first.sha256 != second.sha256


# Each case: what to change in the LLaMA 1 answers, the key the problem must name, and words the
# problem must contain (what was expected). A change is (key, value); value DELETE removes the key.
DELETE = object()
BAD_ANSWERS = {
    "wrong-type-text-for-int": (
        ("access_holders", "many"), "access_holders", ["whole number", '"many"'],
    ),
    "float-for-int": (("access_holders", 2.5), "access_holders", ["whole number", "2.5"]),
    "bool-for-int": (("access_holders", True), "access_holders", ["whole number", "True"]),
    "negative-count": (("access_holders", -1), "access_holders", ["between 0 and", "-1"]),
    "zero-size": (("artifact_size_gb", 0), "artifact_size_gb", ["greater than 0"]),
    "horizon-zero": (("horizon_days", 0), "horizon_days", ["between 1 and"]),
    "nan-float": (("artifact_size_gb", math.nan), "artifact_size_gb", ["a number", "nan"]),
    "inf-float": (("artifact_size_gb", math.inf), "artifact_size_gb", ["a number", "inf"]),
    "text-for-bool": (("leak_response_plan", "no"), "leak_response_plan", ["true or false"]),
    "number-for-text": (("model_name", 7), "model_name", ["text", "quote it"]),
    "unknown-key": (("acess_holders", 5), "acess_holders", ["unknown key",
                                                            "did you mean access_holders?"]),
    "unknown-key-without-suggestion": (("colour", "red"), "colour", ["unknown key"]),
    "bad-choice": (
        ("vetting", "affiliation"), "vetting",
        ["one of: none, self_attested", "did you mean affiliation_checked?"],
    ),
    "yaml-boolean-for-choice": (
        ("vetting", False), "vetting", ["one of:", "got False", "YAML booleans, not choices"],
    ),
    "yes-for-bool": (
        ("leak_response_plan", "yes"), "leak_response_plan",
        ["true or false", '"yes"', "as YAML 1.2 does; write true or false"],
    ),
    "required-multi-choice-empty": (
        ("download_controls", []), "download_controls",
        ["a list of one or more of: expiring_links", "got []", "write [none] if none apply"],
    ),
    "date-with-spaces": (
        ("decision_date", " 2023-02-24"), "decision_date", ["YYYY-MM-DD"],
    ),
    "date-in-other-digits": (
        ("decision_date", "２０２３-02-24"), "decision_date", ["YYYY-MM-DD"],
    ),
    "fractional-float-for-int": (
        ("horizon_days", 364.5), "horizon_days", ["whole number", "364.5"],
    ),
    "missing-required-answer": (("model_name", DELETE), "model_name", ["missing required"]),
    "missing-required-conditional-answer": (
        ("vetting", DELETE), "vetting", ["missing required"],
    ),
    "non-existent-date": (
        ("decision_date", "2023-02-30"), "decision_date", ["not a real date", "YYYY-MM-DD"],
    ),
    "date-in-wrong-format": (
        ("decision_date", "24/02/2023"), "decision_date", ["YYYY-MM-DD"],
    ),
    "exclusive-choice-combined": (
        ("download_controls", ["none", "expiring_links"]), "download_controls",
        ['"none" cannot be combined'],
    ),
    "multi-choice-not-a-list": (
        ("download_controls", "expiring_links"), "download_controls", ["a list", "[a, b]"],
    ),
    "multi-choice-bad-item": (
        ("download_controls", ["expiring_link"]), "download_controls",
        ["a list of one or more of", "did you mean expiring_links?"],
    ),
    "multi-choice-repeated-item": (
        ("download_controls", ["rate_limits", "rate_limits"]), "download_controls",
        ["listed twice"],
    ),
}


@pytest.mark.parametrize(
    ("change", "key", "words"), list(BAD_ANSWERS.values()), ids=list(BAD_ANSWERS)
)
def test_bad_answer_is_one_problem_naming_key_and_expectation(
    write_answers, llama1_answers, questionnaire, change, key, words
):
    name, value = change
    if value is DELETE:
        del llama1_answers[name]
    else:
        llama1_answers[name] = value
    path = write_answers(llama1_answers)
    problems = problems_of(path, questionnaire)
    assert [p.key for p in problems] == [key], [str(p) for p in problems]
    problem = problems[0]
    assert problem.file == str(path)
    for word in words:
        assert word in problem.message
    if value is not DELETE:
        line = path.read_text(encoding="utf-8").splitlines()[problem.line - 1]
        assert line.lstrip().startswith(f"{name}:")


@pytest.mark.parametrize("word", ["yes", "no", "on", "off", "Yes"], ids=str)
def test_yaml_11_boolean_word_is_text_as_in_yaml_12(
    write_answers, llama1_answers, questionnaire, word
):
    """riskcli reads YAML 1.2, as the editor reading the JSON Schema does: `no` is text, so a
    yes/no question refuses it with the fix, and a text question takes it as written."""
    llama1_answers["leak_response_plan"] = "PLACEHOLDER"
    llama1_answers["organization"] = "PLACEHOLDER2"
    path = write_answers(llama1_answers)
    text = path.read_text(encoding="utf-8")
    text = text.replace("leak_response_plan: PLACEHOLDER", f"leak_response_plan: {word}")
    path.write_text(text.replace("organization: PLACEHOLDER2", f"organization: {word}"), "utf-8")
    problems = problems_of(path, questionnaire)
    assert [p.key for p in problems] == ["leak_response_plan"]
    assert f'expected true or false, got "{word}"' in problems[0].message
    assert "write true or false" in problems[0].message
    path.write_text(text.replace(f"leak_response_plan: {word}", "leak_response_plan: true")
                    .replace("organization: PLACEHOLDER2", f"organization: {word}"), "utf-8")
    assert load_answers(path, questionnaire).values["organization"] == word


def test_a_whole_number_written_as_a_float_is_a_whole_number(
    write_answers, llama1_answers, questionnaire
):
    """`1e3` and `365.0` are whole: the JSON Schema's "integer" takes them, and so does validate."""
    llama1_answers["horizon_days"] = "PLACEHOLDER"
    path = write_answers(llama1_answers)
    text = path.read_text(encoding="utf-8")
    for written, read in [("1e3", 1000), ("365.0", 365), ("2.5e2", 250)]:
        path.write_text(text.replace("horizon_days: PLACEHOLDER", f"horizon_days: {written}"),
                        "utf-8")
        value = load_answers(path, questionnaire).values["horizon_days"]
        assert value == read and type(value) is int


def test_a_wrong_value_to_a_skipped_question_is_an_error_not_a_warning(
    write_answers, llama1_answers, questionnaire
):
    """Ignored or not, `many` is never a count; the right values there stay warnings."""
    llama1_answers["weights_leave_premises"] = False
    llama1_answers["access_holders"] = "many"
    llama1_answers["download_controls"] = []
    with pytest.raises(AnswersError) as caught:
        load_answers(write_answers(llama1_answers), questionnaire)
    assert [(p.key, p.code) for p in caught.value.problems] == [
        ("access_holders", "type"), ("download_controls", "type")]


def test_the_questionnaire_version_is_text(write_answers, llama1_answers, questionnaire):
    """`version: 1.0` unquoted is the number 1.0, which the JSON Schema refuses too."""
    path = write_answers(llama1_answers, header={"id": "distribution", "version": 1.0})
    [problem] = problems_of(path, questionnaire)
    assert problem.key == "questionnaire"
    assert 'expected the version as text, quoted: version: "1.0"' in problem.message


def test_answer_to_a_skipped_question_is_ignored_with_a_warning(
    write_answers, llama1_answers, questionnaire
):
    llama1_answers["weights_leave_premises"] = False
    answers = load_answers(write_answers(llama1_answers), questionnaire)
    assert sorted(w.key for w in answers.warnings) == sorted(HOSTED_ONLY_DROPS)
    assert not set(HOSTED_ONLY_DROPS) & set(answers.values)
    for warning in answers.warnings:
        assert "weights_leave_premises" in warning.message
        assert warning.message.endswith("; ignored")


def test_answer_to_a_skipped_question_must_be_removed_when_strict(
    write_answers, llama1_answers, questionnaire
):
    llama1_answers["weights_leave_premises"] = False
    with pytest.raises(AnswersError) as caught:
        load_answers(write_answers(llama1_answers), questionnaire, strict=True)
    problems = caught.value.problems
    assert sorted(p.key for p in problems) == sorted(HOSTED_ONLY_DROPS)
    for problem in problems:
        assert "weights_leave_premises" in problem.message
        assert problem.message.endswith("; remove it")


def test_a_wrong_value_is_reported_when_its_question_may_or_may_not_apply(
    write_answers, llama1_answers, questionnaire
):
    """Without weights_leave_premises nobody can say whether access_holders is asked, but
    `many` is never a count: both problems are reported in one run."""
    del llama1_answers["weights_leave_premises"]
    llama1_answers["access_holders"] = "many"
    llama1_answers["vetting"] = "everyone"
    problems = problems_of(write_answers(llama1_answers), questionnaire)
    assert [(p.key, p.code) for p in problems] == [
        ("weights_leave_premises", "missing"), ("access_holders", "type"), ("vetting", "type")]
    assert '"many"' in problems[1].message and problems[1].line is not None


def test_every_problem_in_a_file_is_reported_in_one_run(runner, write_answers, llama1_answers):
    from riskcli.cli.app import app

    del llama1_answers["weights_leave_premises"]
    llama1_answers["access_holders"] = "many"
    path = write_answers(llama1_answers)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert [line.split(": ")[1] for line in result.stderr.splitlines()] == [
        "weights_leave_premises", "access_holders"]


def test_skipped_questions_are_absent_not_defaulted(write_answers, llama1_answers, questionnaire):
    llama1_answers["weights_leave_premises"] = False
    for key in HOSTED_ONLY_DROPS:
        del llama1_answers[key]
    values = load_answers(write_answers(llama1_answers), questionnaire).values
    for key in HOSTED_ONLY_DROPS:
        assert key not in values
    assert to_plain(values["insiders_with_weight_access"]) == llama1_answers[
        "insiders_with_weight_access"]


def test_a_rejected_gate_answer_does_not_blame_the_questions_behind_it(
    write_answers, llama1_answers, questionnaire
):
    """A typo in weights_leave_premises is one problem, not one plus eight 'remove it' lines."""
    llama1_answers["weights_leave_premises"] = "yes please"
    problems = problems_of(write_answers(llama1_answers), questionnaire)
    assert [p.key for p in problems] == ["weights_leave_premises"]


def test_a_missing_gate_answer_does_not_blame_the_questions_behind_it(
    write_answers, llama1_answers, questionnaire
):
    del llama1_answers["weights_leave_premises"]
    problems = problems_of(write_answers(llama1_answers), questionnaire)
    assert [p.key for p in problems] == ["weights_leave_premises"]
    assert "missing required" in problems[0].message


def test_defaults_fill_unanswered_questions(write_answers, llama1_answers, questionnaire):
    del llama1_answers["horizon_days"]
    values = load_answers(write_answers(llama1_answers), questionnaire).values
    assert values["horizon_days"] == questionnaire.by_id["horizon_days"].default == 365


def test_null_answer_counts_as_unanswered(write_answers, llama1_answers, questionnaire):
    llama1_answers["horizon_days"] = None
    values = load_answers(write_answers(llama1_answers), questionnaire).values
    assert values["horizon_days"] == 365
    llama1_answers["model_name"] = None
    problems = problems_of(write_answers(llama1_answers), questionnaire)
    assert [(p.key, p.message) for p in problems] == [("model_name", "missing required answer")]


@pytest.mark.parametrize(
    ("header", "words"),
    [
        ({"id": "distribution", "version": "9.9"}, ["distribution 9.9", "distribution 1.0"]),
        ({"id": "other", "version": "1.0"}, ["other 1.0", "distribution 1.0"]),
        ({"id": "distribution"}, ["expected {id: ..., version"]),
        ({"id": "distribution", "version": "1.0", "extra": 1}, ["expected {id: ..., version"]),
    ],
    ids=["version-mismatch", "id-mismatch", "version-missing", "extra-field"],
)
def test_questionnaire_reference_must_match(write_answers, llama1_answers, questionnaire,
                                            header, words):
    problems = problems_of(write_answers(llama1_answers, header=header), questionnaire)
    assert [p.key for p in problems] == ["questionnaire"]
    for word in words:
        assert word in problems[0].message
    assert problems[0].line == 1


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("- a\n- list\n", "", "expected a mapping with `questionnaire` and `answers`"),
        ('questionnaire: {id: distribution, version: "1.0"}\n', "answers", "missing"),
        ('questionnaire: {id: distribution, version: "1.0"}\nanswers: [a]\n', "answers",
         "expected a mapping"),
        ('questionnaire: {id: distribution, version: "1.0"}\nanswers: {}\nnotes: x\n', "notes",
         "unknown top-level key"),
        ("answers: {}\n", "questionnaire", "naming the questionnaire"),
    ],
    ids=["not-a-mapping", "no-answers", "answers-not-a-mapping", "unknown-top-key",
         "no-questionnaire"],
)
def test_malformed_envelope_is_reported(tmp_path: Path, questionnaire, text, key, words):
    path = tmp_path / "env.yaml"
    path.write_text(text, encoding="utf-8")
    problems = problems_of(path, questionnaire)
    assert any(p.key == key and words in p.message for p in problems), [
        str(p) for p in problems
    ]


def test_empty_answers_lists_every_unconditional_required_question(write_answers, questionnaire):
    problems = problems_of(write_answers(None), questionnaire)
    missing = {p.key for p in problems}
    assert "model_name" in missing and "rationale" in missing
    assert "horizon_days" not in missing  # has a default
    assert all(p.message == "missing required answer" for p in problems)


def test_every_problem_in_a_file_is_reported_at_once(write_answers, llama1_answers,
                                                     questionnaire):
    llama1_answers.update(access_holders="many", vetting="affiliation", colour="red")
    del llama1_answers["rationale"]
    problems = problems_of(write_answers(llama1_answers), questionnaire)
    assert sorted(p.key for p in problems) == ["access_holders", "colour", "rationale", "vetting"]


def test_text_answers_are_trimmed(write_answers, llama1_answers, questionnaire):
    llama1_answers["model_name"] = "  LLaMA  "
    assert load_answers(write_answers(llama1_answers), questionnaire).values["model_name"] == (
        "LLaMA"
    )


def test_save_then_load_round_trips(tmp_path: Path, write_answers, llama1_answers, questionnaire):
    original = load_answers(write_answers(llama1_answers), questionnaire).values
    saved = tmp_path / "saved" / "answers.yaml"
    saved.parent.mkdir()
    save_answers(saved, questionnaire, original)
    assert load_answers(saved, questionnaire).values == original
    document = load_yaml(saved).data
    assert document["questionnaire"] == {"id": questionnaire.id, "version": questionnaire.version}
    assert list(document["answers"]) == list(original)
    assert document["answers"]["decision_date"] == "2023-02-24"
    assert not [p for p in saved.parent.iterdir() if p.name != "answers.yaml"]


def test_save_replaces_an_existing_file_whole(tmp_path: Path, llama1_answers, questionnaire):
    path = tmp_path / "answers.yaml"
    path.write_text("old content that is longer than nothing " * 100, encoding="utf-8")
    values, problems = check_answers(
        {"questionnaire": {"id": "distribution", "version": "1.0"}, "answers": llama1_answers},
        questionnaire, "mem",
    )
    assert problems == []
    save_answers(path, questionnaire, values)
    assert "old content" not in path.read_text(encoding="utf-8")
    assert load_answers(path, questionnaire).values == values


def test_partial_answers_save_and_report_what_is_missing(tmp_path: Path, questionnaire):
    """What `assess` writes after the first question is a valid file that is merely incomplete."""
    path = tmp_path / "partial.yaml"
    save_answers(path, questionnaire, {"model_name": "Mini"})
    problems = problems_of(path, questionnaire)
    assert "model_name" not in {p.key for p in problems}
    assert all(p.message == "missing required answer" for p in problems)


def test_a_half_done_file_resumes_with_blank_keys_unanswered_and_no_defaults(
    write_answers, llama1_answers, questionnaire
):
    from riskcli.answers import load_partial_answers

    del llama1_answers["horizon_days"]  # has a default: a resumed walk must still ask it
    llama1_answers["rationale"] = None  # a blank key is a question still to answer
    values = load_partial_answers(write_answers(llama1_answers), questionnaire)
    assert "horizon_days" not in values and "rationale" not in values
    assert values["access_holders"] == Range(1000, 5000)


def test_a_half_done_file_with_a_wrong_answer_is_still_refused(
    write_answers, llama1_answers, questionnaire
):
    from riskcli.answers import load_partial_answers

    llama1_answers["vetting"] = "everyone"
    with pytest.raises(AnswersError) as caught:
        load_partial_answers(write_answers(llama1_answers), questionnaire)
    assert [p.key for p in caught.value.problems] == ["vetting"]


def test_each_problem_carries_a_stable_code(questionnaire, llama1_answers):
    """Callers and machine formats tell problems apart by code, never by their wording."""
    given = {**llama1_answers, "access_holders": "many", "no_such_key": 1}
    del given["model_name"]
    given["weights_leave_premises"] = False
    given.pop("access_holders")
    given["vetting"] = "none"  # answered, but asked only when weights leave the premises
    given["public_demand"] = "enormous"
    _, problems = check_answers({"questionnaire": {"id": questionnaire.id,
                                                   "version": questionnaire.version},
                                 "answers": given}, questionnaire, "a.yaml")
    codes = {p.key: p.code for p in problems}
    assert codes["no_such_key"] == "unknown-key"
    assert codes["model_name"] == "missing"
    assert codes["vetting"] == "not-applicable"
    assert codes["public_demand"] == "type"


@pytest.mark.parametrize("typed", [",", " , ,", ", "])
def test_a_required_multi_choice_typed_as_nothing_is_asked_again(questionnaire, typed):
    """`,` at the assess prompt chose nothing and saved [], which hid the no-controls finding."""
    from riskcli.prompting import parse_reply
    from riskcli.values import AnswerValueError

    question = questionnaire.by_id["download_controls"]
    with pytest.raises(AnswerValueError, match="expected a list of one or more of"):
        parse_reply(question, typed)
    assert parse_reply(question, "none") == ["none"]
