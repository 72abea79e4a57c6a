"""`riskcli assess` driven with scripted input: what a lead types, what they see, what is saved."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from assess_helpers import asked, typed

from riskcli.answers import save_answers
from riskcli.cli.app import app
from riskcli.prompting import parse_reply
from riskcli.questionnaire import Questionnaire
from riskcli.values import AnswerValueError, coerce, expectation, to_plain


def script(questionnaire: Questionnaire, answers: Mapping[str, Any],
           start: str | None = None) -> list[str]:
    """The lines that answer, in order, every question that applies (from `start` on)."""
    lines: list[str] = []
    started = start is None
    for question in asked(questionnaire, answers):
        started = started or question.id == start
        if started:
            lines.append(typed(answers[question.id]))
    return lines


def position(questionnaire: Questionnaire, answers: Mapping[str, Any], qid: str) -> int:
    """Index in `script(...)` of the line that answers `qid`."""
    asked = [q.id for q in questionnaire.questions if q.id in answers]
    return asked.index(qid)


def flat(text: str) -> str:
    """Output with rich's line wrapping undone, so a help paragraph can be searched for."""
    return " ".join(text.split())


def saved(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["answers"]


def plain_values(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Answers as the file stores them (floats as floats, dates as text)."""
    return {key: to_plain(coerce(questionnaire.by_id[key], value))
            for key, value in answers.items()}


@pytest.fixture
def answers_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path / "answers.yaml"


@pytest.fixture
def assess(runner, answers_path: Path):
    """Run `riskcli assess -o answers.yaml [args]` with the given lines typed."""

    def run(lines: list[str], *args: str, output: Path | None = None):
        target = output or answers_path.name  # relative, as a lead types it
        text = "".join(f"{line}\n" for line in lines)
        return runner.invoke(app, ["assess", "-o", str(target), *args], input=text)

    return run


# -- a whole run ------------------------------------------------------------------------------


def test_a_full_run_saves_every_answer_in_a_file_validate_accepts(
    assess, runner, answers_path, questionnaire, llama1_answers
):
    result = assess(script(questionnaire, llama1_answers))
    assert result.exit_code == 0, result.output
    assert saved(answers_path) == plain_values(questionnaire, llama1_answers)
    checked = runner.invoke(app, ["validate", str(answers_path)])
    assert checked.exit_code == 0, checked.output


def test_a_full_run_ends_with_the_summary_and_the_report_command(
    assess, questionnaire, llama1_answers
):
    result = assess(script(questionnaire, llama1_answers))
    output = result.output
    summary = output[output.index("Your answers"):]
    assert "access_holders" in summary and "1000-5000" in summary
    assert "riskcli report answers.yaml -o answers.pdf" in output


@pytest.mark.slow
def test_piped_output_has_no_escape_codes(tmp_path, questionnaire, llama1_answers):
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env["TERM"] = "xterm-256color"
    done = subprocess.run(
        [sys.executable, "-m", "riskcli", "assess", "-o", "answers.yaml"],
        input="\n".join(script(questionnaire, llama1_answers)) + "\n",
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert questionnaire.sections[0].title in done.stdout
    assert "\x1b" not in done.stdout + done.stderr


# -- typing answers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("qid", "text", "value"),
    [
        pytest.param("access_holders", "2,000", 2000, id="int-with-thousands-commas"),
        pytest.param("access_holders", " 2000 ", 2000, id="int-with-spaces"),
        pytest.param("artifact_size_gb", "234", 234.0, id="float-as-whole-number"),
        pytest.param("artifact_size_gb", "0.5", 0.5, id="float"),
        pytest.param("intended_mode", "1", "gated", id="choice-by-number"),
        pytest.param("intended_mode", "permissive_open", "permissive_open", id="choice-by-value"),
        pytest.param("intended_mode", "Permissive-Open", "permissive_open",
                     id="choice-value-case-and-dashes-forgiven"),
        pytest.param("download_controls", "1,3", ["expiring_links", "rate_limits"],
                     id="multi-by-numbers"),
        pytest.param("download_controls", "download_logging, 1",
                     ["download_logging", "expiring_links"], id="multi-values-and-numbers"),
        pytest.param("weights_leave_premises", "Y", True, id="bool-y"),
        pytest.param("weights_leave_premises", "no", False, id="bool-no"),
        pytest.param("decision_date", "2023-02-24", "2023-02-24", id="date"),
    ],
)
def test_typed_replies_become_answer_values(questionnaire, qid, text, value):
    parsed = parse_reply(questionnaire.by_id[qid], text)
    shown = parsed.isoformat() if hasattr(parsed, "isoformat") else parsed
    assert shown == value


@pytest.mark.parametrize(
    ("qid", "text", "reason"),
    [
        pytest.param("access_holders", "many", 'got "many"', id="int-not-a-number"),
        pytest.param("access_holders", "2.5", "got 2.5", id="int-with-decimals"),
        pytest.param("access_holders", "-1", "got -1", id="int-below-min"),
        pytest.param("artifact_size_gb", "0", "got 0", id="float-not-above-min"),
        pytest.param("decision_date", "2023-02-30", "not a real date", id="date-not-real"),
        pytest.param("decision_date", "24/02/2023", "YYYY-MM-DD", id="date-wrong-shape"),
        pytest.param("intended_mode", "9", "from 1 to 3", id="choice-number-out-of-range"),
        pytest.param("intended_mode", "gatd", "did you mean gated?", id="choice-typo"),
        pytest.param("weights_leave_premises", "maybe", "expected y or n", id="bool-unclear"),
        pytest.param("download_controls", "1,1", "listed twice", id="multi-twice"),
        pytest.param("download_controls", "none,1", "cannot be combined", id="multi-exclusive"),
    ],
)
def test_wrong_input_is_asked_again_with_the_reason(
    assess, answers_path, questionnaire, llama1_answers, qid, text, reason
):
    lines = script(questionnaire, llama1_answers)
    lines.insert(position(questionnaire, llama1_answers, qid), text)
    result = assess(lines)
    assert result.exit_code == 0, result.output
    assert reason in flat(result.output)
    assert saved(answers_path) == plain_values(questionnaire, llama1_answers)


def test_the_reason_for_a_number_names_the_allowed_range(questionnaire):
    question = questionnaire.by_id["access_holders"]
    expected = expectation(question, estimate_as="e.g. 1000-5000")
    with pytest.raises(AnswerValueError, match=re.escape(f"expected {expected}")):
        parse_reply(question, "lots")


def test_enter_on_a_required_question_without_default_asks_again(
    assess, questionnaire, llama1_answers
):
    result = assess(["", *script(questionnaire, llama1_answers)])
    assert result.exit_code == 0, result.output
    assert "an answer is required" in result.output


def test_enter_takes_the_default(assess, answers_path, questionnaire, llama1_answers):
    lines = script(questionnaire, llama1_answers)
    index = position(questionnaire, llama1_answers, "horizon_days")
    assert questionnaire.by_id["horizon_days"].default == 365
    lines[index] = ""
    result = assess(lines)
    assert result.exit_code == 0, result.output
    assert saved(answers_path)["horizon_days"] == 365
    assert "→ 365" in result.output  # Enter types nothing; the lead sees what it took


def test_question_mark_shows_the_help_and_asks_again(
    assess, answers_path, questionnaire, llama1_answers
):
    lines = script(questionnaire, llama1_answers)
    lines.insert(position(questionnaire, llama1_answers, "access_holders"), "?")
    result = assess(lines)
    assert result.exit_code == 0, result.output
    assert flat(questionnaire.by_id["access_holders"].help) in flat(result.output)
    assert saved(answers_path)["access_holders"] == llama1_answers["access_holders"]


def test_question_mark_on_a_choice_shows_what_each_choice_means(
    assess, questionnaire, llama1_answers
):
    lines = script(questionnaire, llama1_answers)
    lines.insert(position(questionnaire, llama1_answers, "intended_mode"), "?")
    result = assess(lines)
    for choice in questionnaire.by_id["intended_mode"].choices:
        assert flat(choice.help) in flat(result.output)


# -- going back and skipping ------------------------------------------------------------------


def test_going_back_and_pressing_enter_keeps_the_earlier_answer(
    assess, answers_path, questionnaire, llama1_answers
):
    lines = script(questionnaire, llama1_answers)
    lines[1:1] = ["<", ""]  # at the second question: back to the first, Enter keeps it
    result = assess(lines)
    assert result.exit_code == 0, result.output
    assert f"[{lines[0]}] > " in result.output  # the earlier answer is offered on Enter
    assert saved(answers_path) == plain_values(questionnaire, llama1_answers)


def test_going_back_to_change_an_answer_drops_the_answers_that_no_longer_apply(
    assess, runner, answers_path, questionnaire, llama1_answers
):
    lines = script(questionnaire, llama1_answers)
    at = position(questionnaire, llama1_answers, "access_organizations")
    hosted = {**llama1_answers, "weights_leave_premises": False}
    rest = script(questionnaire, hosted, start="insiders_with_weight_access")
    # answer access_holders, then at access_organizations go back twice and say "no"
    result = assess([*lines[:at], "<", "<", "n", *rest])
    assert result.exit_code == 0, result.output
    answers = saved(answers_path)
    assert answers["weights_leave_premises"] is False
    for qid in ("access_holders", "vetting", "download_controls", "artifact_size_gb"):
        assert qid not in answers
    assert "No longer applies, removed: access_holders" in result.output
    assert runner.invoke(app, ["validate", str(answers_path)]).exit_code == 0


def test_flipping_a_toggle_back_offers_the_dropped_answers_again(
    assess, answers_path, questionnaire, llama1_answers
):
    lines = script(questionnaire, llama1_answers)
    at = position(questionnaire, llama1_answers, "access_organizations")
    holders = lines[at - 1]
    # answer access_holders; back to weights_leave_premises, "no" (access_holders is dropped);
    # back again, "yes": access_holders returns with its earlier answer on Enter
    result = assess([*lines[:at], "<", "<", "n", "<", "y", "", *lines[at:]])
    assert result.exit_code == 0, result.output
    assert saved(answers_path) == plain_values(questionnaire, llama1_answers)
    assert result.output.count(f"[{holders}] > ") == 2  # going back, and once it returned
    assert f"→ {holders}" in result.output


def test_questions_that_do_not_apply_are_never_asked(assess, questionnaire, llama1_answers):
    hosted = {**llama1_answers, "weights_leave_premises": False}
    result = assess(script(questionnaire, hosted))
    assert result.exit_code == 0, result.output
    for question in questionnaire.questions:
        if question.when == "weights_leave_premises":
            assert question.prompt not in result.output


def test_going_back_at_the_first_question_says_there_is_nothing_before_it(
    assess, questionnaire, llama1_answers
):
    result = assess(["<", *script(questionnaire, llama1_answers)])
    assert result.exit_code == 0, result.output
    assert "nothing to go back to" in result.output


# -- stopping and resuming --------------------------------------------------------------------


def test_answers_given_before_the_input_ends_are_kept(
    assess, answers_path, questionnaire, llama1_answers
):
    lines = script(questionnaire, llama1_answers)[:5]
    result = assess(lines)
    assert result.exit_code == 130
    asked = [q.id for q in questionnaire.questions if q.id in llama1_answers][:5]
    assert list(saved(answers_path)) == asked
    assert "riskcli assess -o answers.yaml --resume" in result.stderr


def test_stopping_before_the_first_answer_saves_nothing(assess, answers_path):
    result = assess([])
    assert result.exit_code == 130
    assert "nothing was saved" in result.stderr
    assert not answers_path.exists()


def test_resume_continues_at_the_first_unanswered_question(
    assess, answers_path, questionnaire, llama1_answers
):
    first = {k: llama1_answers[k] for k in list(llama1_answers)[:8]}
    save_answers(answers_path, questionnaire, plain_values(questionnaire, first))
    next_id = list(llama1_answers)[8]
    result = assess(script(questionnaire, llama1_answers, start=next_id), "--resume")
    assert result.exit_code == 0, result.output
    assert questionnaire.questions[0].prompt not in result.output
    assert saved(answers_path) == plain_values(questionnaire, llama1_answers)


def test_resume_asks_a_question_whose_default_was_never_taken(
    assess, answers_path, questionnaire, llama1_answers
):
    incomplete = {k: v for k, v in llama1_answers.items() if k != "horizon_days"}
    save_answers(answers_path, questionnaire, plain_values(questionnaire, incomplete))
    result = assess(["30"], "--resume")
    assert result.exit_code == 0, result.output
    assert questionnaire.by_id["horizon_days"].prompt in result.output
    assert saved(answers_path)["horizon_days"] == 30


def test_resume_asks_the_questions_left_blank_in_the_file(
    assess, answers_path, write_answers, questionnaire, llama1_answers
):
    write_answers({**llama1_answers, "rationale": None})
    result = assess(["Because."], "--resume")
    assert result.exit_code == 0, result.output
    assert questionnaire.by_id["rationale"].prompt in result.output
    assert saved(answers_path)["rationale"] == "Because."


def test_resume_of_a_complete_file_goes_straight_to_the_summary(
    assess, answers_path, questionnaire, llama1_answers
):
    save_answers(answers_path, questionnaire, plain_values(questionnaire, llama1_answers))
    before = answers_path.read_bytes()
    result = assess([], "--resume")
    assert result.exit_code == 0, result.output
    assert "Your answers" in result.output
    assert answers_path.read_bytes() == before


def test_resume_without_a_file_starts_a_new_assessment(
    assess, answers_path, questionnaire, llama1_answers
):
    result = assess(script(questionnaire, llama1_answers), "--resume")
    assert result.exit_code == 0, result.output
    assert "does not exist yet" in result.output
    assert saved(answers_path) == plain_values(questionnaire, llama1_answers)


@pytest.mark.parametrize(
    ("answers", "header", "message"),
    [
        pytest.param({"decision_date": "2023-02-30"}, None,
                     'decision_date: "2023-02-30" is not a real date', id="wrong-value"),
        pytest.param({"acess_holders": 3}, None, "did you mean access_holders", id="unknown-key"),
        pytest.param({"model_name": "X"}, {"id": "other", "version": "9"},
                     "answers are for other 9", id="other-questionnaire"),
    ],
)
def test_resume_of_a_broken_file_is_refused_with_the_problem(
    assess, write_answers, answers, header, message
):
    path = write_answers(answers, header=header)
    before = path.read_bytes()
    result = assess(["anything"], "--resume", output=path)
    assert result.exit_code == 2
    assert message in result.stderr
    assert path.read_bytes() == before


def test_an_existing_file_is_not_overwritten_without_a_terminal_to_confirm(
    assess, answers_path, questionnaire, llama1_answers
):
    answers_path.write_text("questionnaire: {id: distribution, version: '1.0'}\nanswers: {}\n")
    before = answers_path.read_bytes()
    result = assess(script(questionnaire, llama1_answers))
    assert result.exit_code == 2
    assert "already exists" in result.stderr and "--resume" in result.stderr
    assert answers_path.read_bytes() == before


def test_an_output_folder_that_does_not_exist_is_refused_before_any_question(
    assess, tmp_path, questionnaire
):
    result = assess(["LLaMA"], output=tmp_path / "missing" / "answers.yaml")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr
    assert questionnaire.questions[0].prompt not in result.output


def test_a_broken_rule_pack_is_refused_before_any_question(assess, tmp_path, questionnaire):
    rules = tmp_path / "rules.yaml"
    rules.write_text("id: [unclosed\n")
    result = assess(["LLaMA"], "--rules", str(rules))
    assert result.exit_code == 2
    assert str(rules) in result.stderr
    assert questionnaire.questions[0].prompt not in result.output


# -- the score ---------------------------------------------------------------------------------


def test_a_full_run_scores_exactly_like_the_hand_written_file(
    assess, answers_path, examples_dir, questionnaire, llama1_answers
):
    from riskcli.scoring import load_engine, score_file

    assert assess(script(questionnaire, llama1_answers)).exit_code == 0
    engine = load_engine()
    different = {"file", "answers_sha256"}
    interactive = score_file(engine, answers_path).model_dump(exclude=different)
    hand_written = score_file(engine, examples_dir / "llama-1-2023.yaml")
    assert interactive == hand_written.model_dump(exclude=different)


def test_the_run_ends_with_band_odds_and_recommendation(
    assess, answers_path, questionnaire, llama1_answers
):
    from riskcli.formatting import text_summary
    from riskcli.scoring import load_engine, score_file

    result = assess(script(questionnaire, llama1_answers))
    engine = load_engine()
    scored = score_file(engine, answers_path.name)
    assert text_summary(scored, engine.rules.keys) in result.output
    assert scored.exposure.band.upper() in result.output
    assert scored.recommendation.headline in " ".join(result.output.split())


def test_a_custom_questionnaire_is_asked_scored_and_named_in_the_commands(
    assess, tmp_path, questionnaire, llama1_answers
):
    from riskcli.resources import default_questionnaire

    custom = tmp_path / "custom.yaml"
    text = default_questionnaire().read_text(encoding="utf-8")
    first = questionnaire.questions[0].prompt
    custom.write_text(text.replace(first, "What do you call the model?"), encoding="utf-8")
    lines = script(questionnaire, llama1_answers)
    result = assess(lines, "--questionnaire", str(custom))
    assert result.exit_code == 0, result.output
    assert "What do you call the model?" in result.output
    assert f"riskcli report answers.yaml -o answers.pdf --questionnaire {custom}" in result.output
    stopped = assess(lines[:3], "--resume", "--questionnaire", str(custom),
                     output=tmp_path / "other.yaml")
    assert f"--resume --questionnaire {custom}" in stopped.stderr


def test_a_file_that_cannot_be_written_ends_with_one_line_not_a_traceback(
    assess, monkeypatch, questionnaire, llama1_answers
):
    import errno

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("riskcli.answers.save_answers", full_disk)
    result = assess(script(questionnaire, llama1_answers))
    assert result.exit_code == 2
    assert "answers.yaml: cannot be written: No space left on device" in result.stderr
    assert "Traceback" not in result.output
