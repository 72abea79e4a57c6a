"""What-if without editing files: answers to questions that no longer apply are ignored with a
warning (`--strict` makes them errors), and `--set key=value` scores a variant of a file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from riskcli.answers import apart, load_answers, parse_sets
from riskcli.cli.app import app
from riskcli.errors import AnswersError
from riskcli.values import Range

HOSTED_ONLY_DROPS = [
    "access_holders", "access_organizations", "vetting", "legal_terms",
    "per_recipient_fingerprinting", "download_controls", "artifact_form", "artifact_size_gb",
]
IGNORED = re.compile(r"^(?P<file>.+): (?P<key>\w+): answered, but the question applies only when "
                     r"`weights_leave_premises`, which is false here; ignored( \(line \d+\))?$")
HOSTED = "weights_leave_premises=false"


@pytest.fixture
def llama1(examples_dir: Path) -> Path:
    return examples_dir / "llama-1-2023.yaml"


@pytest.fixture
def hosted_copy(tmp_path: Path, llama1: Path) -> Path:
    """The LLaMA 1 example with one line edited, as a team exploring "only host it?" would."""
    text = llama1.read_text("utf-8")
    assert text.count("weights_leave_premises: true") == 1
    path = tmp_path / "hosted.yaml"
    path.write_text(text.replace("weights_leave_premises: true", "weights_leave_premises: false"),
                    "utf-8")
    return path


def ignored_keys(stderr: str, file: str) -> list[str]:
    """The keys of the stderr lines, each of which must be an 'ignored' warning about `file`."""
    lines = stderr.splitlines()
    matches = [IGNORED.match(line) for line in lines]
    assert all(matches), lines
    assert {m["file"] for m in matches if m} == {file}
    return [m["key"] for m in matches if m]


# -- answers to questions that no longer apply ------------------------------------------------


def test_score_ignores_answers_that_no_longer_apply_with_one_warning_each(runner, hosted_copy):
    result = runner.invoke(app, ["score", str(hosted_copy)])
    assert result.exit_code == 0, result.output
    assert ignored_keys(result.stderr, str(hosted_copy)) == HOSTED_ONLY_DROPS
    assert "gated_hosted" in result.stdout


def test_strict_makes_answers_that_no_longer_apply_errors_again(runner, hosted_copy):
    result = runner.invoke(app, ["score", "--strict", str(hosted_copy)])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == len(HOSTED_ONLY_DROPS)
    assert all(line.startswith(f"{hosted_copy}: ") and line.endswith(")")
               and "which is false here; remove it (line" in line for line in lines)
    assert result.stdout == ""


@pytest.mark.parametrize("command", [["validate"], ["score", "--format", "json"],
                                     ["report", "-o", "{out}"]], ids=lambda c: c[0])
def test_every_command_that_reads_answers_warns_and_goes_on(runner, hosted_copy, tmp_path,
                                                           command):
    args = [word.format(out=tmp_path / "record.md") for word in command]
    result = runner.invoke(app, [*args, str(hosted_copy)])
    assert result.exit_code == 0, result.output
    assert ignored_keys(result.stderr, str(hosted_copy)) == HOSTED_ONLY_DROPS
    strict = runner.invoke(app, [*args, "--strict", str(hosted_copy)])
    assert strict.exit_code == 2
    assert strict.stderr.count("; remove it") == len(HOSTED_ONLY_DROPS)


def test_diff_warns_once_per_ignored_answer(runner, hosted_copy, llama1):
    result = runner.invoke(app, ["diff", str(llama1), str(hosted_copy)])
    assert result.exit_code == 0, result.output
    assert ignored_keys(result.stderr, str(hosted_copy)) == HOSTED_ONLY_DROPS
    assert "weights_leave_premises       True -> False" in result.stdout
    assert runner.invoke(app, ["diff", "--strict", str(llama1), str(hosted_copy)]).exit_code == 2


def test_an_ignored_answer_is_a_warning_and_not_a_value(questionnaire, hosted_copy):
    answers = load_answers(hosted_copy, questionnaire)
    assert not set(HOSTED_ONLY_DROPS) & set(answers.values)
    assert [w.key for w in answers.warnings] == HOSTED_ONLY_DROPS
    assert {w.code for w in answers.warnings} == {"not-applicable"}
    with pytest.raises(AnswersError) as caught:
        load_answers(hosted_copy, questionnaire, strict=True)
    assert [p.key for p in caught.value.problems] == HOSTED_ONLY_DROPS


def test_warnings_are_told_from_errors_by_code_not_wording(questionnaire, hosted_copy):
    from dataclasses import replace

    from riskcli.errors import Problem

    odd = Problem("a.yaml", "vetting", "anything at all", code="not-applicable")
    other = Problem("a.yaml", "model_name", "answered, but the question applies only when `x`",
                    code="type")
    errors, warnings = apart([odd, other], strict=False)
    assert errors == [other]
    assert warnings == [replace(odd, message="anything at all; ignored")]
    errors, warnings = apart([odd, other], strict=True)
    assert warnings == [] and errors[0].message == "anything at all; remove it"


# -- --set ------------------------------------------------------------------------------------


def score_json(runner, *args: str) -> dict:
    result = runner.invoke(app, ["score", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    [scored] = json.loads(result.stdout)["results"]
    return scored


def test_set_scores_the_same_as_the_edited_file(runner, llama1, hosted_copy):
    edited = score_json(runner, str(hosted_copy))
    what_if = score_json(runner, "--set", HOSTED, str(llama1))
    assert what_if["exposure"] == edited["exposure"]
    assert what_if["recommendation"] == edited["recommendation"]
    assert what_if["answers"] == edited["answers"]
    assert what_if["file"] == str(llama1)


def test_set_drops_the_answers_it_makes_inapplicable_with_the_same_warning(runner, llama1):
    result = runner.invoke(app, ["score", "--set", HOSTED, str(llama1)])
    assert result.exit_code == 0, result.output
    assert ignored_keys(result.stderr, str(llama1)) == HOSTED_ONLY_DROPS
    strict = runner.invoke(app, ["score", "--strict", "--set", HOSTED, str(llama1)])
    assert strict.exit_code == 2


def test_set_leaves_the_file_untouched(runner, llama1):
    before = llama1.read_bytes()
    score_json(runner, "--set", HOSTED, "--set", "vetting=none", str(llama1))
    assert llama1.read_bytes() == before


def test_set_values_are_read_as_the_questionnaire_types_them(runner, llama1):
    answers = score_json(
        runner, str(llama1), "--set", "access_holders=40",
        "--set", "access_organizations={low: 20, high: 80}", "--set", "download_controls=[none]",
        "--set", "legal_terms=none", "--set", "per_recipient_fingerprinting=yes",
        "--set", "model_name=42", "--set", "decision_date=2023-03-01",
        "--set", "artifact_size_gb=12.5",
    )["answers"]
    assert answers["access_holders"] == 40
    assert answers["access_organizations"] == {"low": 20, "high": 80}
    assert answers["download_controls"] == ["none"]
    assert answers["legal_terms"] == "none"
    assert answers["per_recipient_fingerprinting"] is True
    assert answers["model_name"] == "42"
    assert answers["decision_date"] == "2023-03-01"
    assert answers["artifact_size_gb"] == 12.5


def test_set_values_are_checked_like_answers_in_a_file(questionnaire):
    sets = parse_sets(["access_holders={low: 20, high: 80}", "vetting=none"], questionnaire)
    assert sets == {"access_holders": Range(20, 80), "vetting": "none"}


@pytest.mark.parametrize(("pair", "line"), [
    ("acess_holders=40", "--set: acess_holders: unknown key; did you mean access_holders?"),
    ("access_holders=many", "--set: access_holders: expected a whole number"),
    ("access_holders={low: 80, high: 20}", "--set: access_holders: an estimate needs"),
    ("weights_leave_premises=maybe", "--set: weights_leave_premises: expected true or false"),
    ("vetting=everyone", "--set: vetting: expected one of"),
    ("download_controls=[none", "--set: download_controls: invalid YAML"),
    ("decision_date=2023-02-30", "--set: decision_date: \"2023-02-30\" is not a real date"),
    ("vetting", "--set: vetting: expected KEY=VALUE"),
])
@pytest.mark.parametrize("command", ["score", "validate", "diff"])
def test_a_bad_set_is_one_line_and_exit_2(runner, llama1, pair, line, command):
    result = runner.invoke(app, [command, "--set", pair, str(llama1)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [result.stderr.splitlines()[0]]
    assert result.stderr.startswith(line), result.stderr
    assert result.stdout == ""


def test_the_same_key_set_twice_is_refused(runner, llama1):
    result = runner.invoke(app, ["score", "--set", "vetting=none", "--set", "vetting=none",
                                 str(llama1)])
    assert result.exit_code == 2
    assert result.stderr == "--set: vetting: given twice; give each answer once\n"


def test_an_empty_set_leaves_the_question_unanswered(runner, llama1):
    assert score_json(runner, "--set", "horizon_days=", str(llama1))["answers"][
        "horizon_days"] == 365  # the default, as `horizon_days:` in the file gives
    result = runner.invoke(app, ["score", "--set", "model_name=", str(llama1)])
    assert result.exit_code == 2
    assert result.stderr == f"{llama1}: model_name: missing required answer\n"


def test_a_set_answer_to_a_question_that_does_not_apply_names_set(runner, hosted_copy):
    result = runner.invoke(app, ["score", "--set", "vetting=none", str(hosted_copy)])
    assert result.exit_code == 0, result.output
    assert ("--set: vetting: answered, but the question applies only when "
            "`weights_leave_premises`, which is false here; ignored") in result.stderr.splitlines()


def test_set_applies_to_every_file_scored(runner, example_paths):
    result = runner.invoke(app, ["score", "--format", "json", "--set", HOSTED,
                                 *map(str, example_paths)])
    assert result.exit_code == 0, result.output
    results = json.loads(result.stdout)["results"]
    assert len(results) == len(example_paths)
    assert all(r["answers"]["weights_leave_premises"] is False for r in results)


def test_the_digest_of_a_what_if_is_not_the_files(runner, llama1):
    plain = score_json(runner, str(llama1))["answers_sha256"]
    what_if = score_json(runner, "--set", "vetting=none", str(llama1))["answers_sha256"]
    assert len(what_if) == 64 and what_if != plain


def test_report_records_the_what_if(runner, llama1, tmp_path):
    out = tmp_path / "card.md"
    result = runner.invoke(app, ["report", str(llama1), "-o", str(out), "--set", HOSTED])
    assert result.exit_code == 0, result.output
    assert ignored_keys(result.stderr, str(llama1)) == HOSTED_ONLY_DROPS
    plain = tmp_path / "plain.md"
    assert runner.invoke(app, ["report", str(llama1), "-o", str(plain)]).exit_code == 0
    assert out.read_text("utf-8") != plain.read_text("utf-8")


def test_diff_set_changes_the_new_side(runner, llama1, hosted_copy):
    """`diff FILE --set k=v` shows what that change alone would do to FILE."""
    result = runner.invoke(app, ["diff", "--format", "json", str(llama1), "--set", HOSTED])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["new"]["file"] == f"{llama1} with --set"
    edited = json.loads(runner.invoke(app, ["diff", "--format", "json", str(llama1),
                                            str(hosted_copy)]).stdout)
    assert doc["changes"] == edited["changes"]
    assert {k: v for k, v in doc["new"].items() if k != "file"} == {
        k: v for k, v in edited["new"].items() if k != "file"}
    both = runner.invoke(app, ["diff", "--format", "json", str(hosted_copy), str(hosted_copy),
                               "--set", "weights_leave_premises=true"])
    sides = json.loads(both.stdout)
    assert sides["new"]["recommendation"] == doc["old"]["recommendation"]  # the file's own
    assert sides["old"]["recommendation"] == doc["new"]["recommendation"]


def test_diff_needs_something_to_compare_with(runner, llama1):
    result = runner.invoke(app, ["diff", str(llama1)])
    assert result.exit_code == 2
    assert "give NEW, --rev REV or --set KEY=VALUE" in result.stderr
