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
from assess_helpers import asked, typed

from riskcli.answers import save_answers
from riskcli.cli.app import app
from riskcli.prompting import parse_reply
from riskcli.questionnaire import Questionnaire
from riskcli.values import AnswerValueError, coerce, expectation, to_plain
from riskcli.yamlio import load_yaml


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
    """The answers as every riskcli command reads them (dates as text)."""
    return load_yaml(path).data["answers"]


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


# -- comments, editing one answer -------------------------------------------------------------


def comment_lines(text: str) -> list[str]:
    """Every comment in a file, in order, from its `#` on."""
    return [line[line.index("#"):] for line in text.splitlines() if "#" in line]


def test_init_hand_edits_resume_and_edit_keep_every_comment(
    assess, runner, answers_path, questionnaire, llama1_answers
):
    assert runner.invoke(app, ["init", "-o", answers_path.name]).exit_code == 0
    text = answers_path.read_text(encoding="utf-8")
    text = text.replace("  model_name:\n", "  model_name: Nova-7B  # working name\n")
    text = text.replace("  organization:\n", "  # the legal entity, not the brand\n"
                                             "  organization: Example Labs\n")
    text = text.replace("  access_holders:\n", "  access_holders: 300  # estimate from the pilot\n")
    answers_path.write_text(text, encoding="utf-8")
    written = comment_lines(text)
    assert written[0].startswith("# yaml-language-server: $schema=")

    rest = {**llama1_answers, "model_name": "Nova-7B", "organization": "Example Labs"}
    lines = script(questionnaire, rest, start="decision_owner")
    lines[position(questionnaire, rest, "access_holders") - 2] = ""  # Enter keeps the 300
    resumed = assess(lines, "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert "Kept for later: access_holders = 300" in flat(resumed.output)
    assert comment_lines(answers_path.read_text(encoding="utf-8")) == written
    assert saved(answers_path)["access_holders"] == 300

    edited = assess(["2k"], "--edit", "access_holders")
    assert edited.exit_code == 0, edited.output
    after = answers_path.read_text(encoding="utf-8")
    assert comment_lines(after) == written
    assert "  access_holders: 2000  # estimate from the pilot\n" in after
    assert runner.invoke(app, ["validate", answers_path.name]).exit_code == 0


def test_resume_and_edit_of_the_llama_example_keep_its_sources_and_estimate_marks(
    assess, answers_path, examples_dir
):
    example = (examples_dir / "llama-1-2023.yaml").read_text(encoding="utf-8")
    answers_path.write_text(example, encoding="utf-8")
    resumed = assess([], "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert "Your answers" in resumed.output
    assert answers_path.read_text(encoding="utf-8") == example

    edited = assess(["20"], "--edit", "access_holders")
    assert edited.exit_code == 0, edited.output
    after = answers_path.read_text(encoding="utf-8")
    assert comment_lines(after) == comment_lines(example)
    assert len(after.splitlines()) == len(example.splitlines())
    assert "# estimate, see header" in after and "# Sources (see also" in after


def test_edit_asks_only_the_named_question_and_shows_the_score_before_and_after(
    assess, answers_path, questionnaire, llama1_answers
):
    from riskcli.scoring import load_engine, score_file
    from riskcli.wording import percent

    save_answers(answers_path, questionnaire, llama1_answers)
    engine = load_engine()
    old = score_file(engine, answers_path).exposure
    result = assess(["20"], "--edit", "access_holders")
    assert result.exit_code == 0, result.output
    new = score_file(engine, answers_path).exposure
    shown = flat(result.output)
    asked_prompts = [q.id for q in questionnaire.questions if flat(q.prompt) in shown]
    assert asked_prompts == ["access_holders"]
    assert "[1000-5000] > " in result.output  # the current answer is what Enter keeps
    assert saved(answers_path)["access_holders"] == 20
    shown = flat(result.output[result.output.index("Before and after"):])
    assert f"band {old.band} -> {new.band}" in shown
    assert f"P(horizon) {percent(old.p_leak['horizon'])} -> {percent(new.p_leak['horizon'])}" \
        in shown
    assert "median to leak" in shown and old.band != new.band


def test_edit_asks_what_a_changed_answer_makes_apply_and_nothing_else(
    assess, answers_path, questionnaire, llama1_answers
):
    hosted = {**llama1_answers, "weights_leave_premises": False}
    save_answers(answers_path, questionnaire, {k: v for k, v in hosted.items()
                                               if k in {q.id for q in asked(questionnaire,
                                                                              hosted)}})
    newly = [q for q in asked(questionnaire, llama1_answers)
             if q.when == "weights_leave_premises"]
    lines = ["y", *[typed(llama1_answers[q.id]) for q in newly]]
    result = assess(lines, "--edit", "weights_leave_premises")
    assert result.exit_code == 0, result.output
    shown = flat(result.output)
    asked_prompts = [q.id for q in questionnaire.questions if flat(q.prompt) in shown]
    assert asked_prompts == ["weights_leave_premises", *[q.id for q in newly]]
    assert saved(answers_path) == plain_values(questionnaire, llama1_answers)


def test_edit_takes_several_keys_in_questionnaire_order(
    assess, answers_path, questionnaire, llama1_answers
):
    save_answers(answers_path, questionnaire, llama1_answers)
    # asked in questionnaire order, whatever the order on the command line
    result = assess(["Someone else", "30"], "--edit", "horizon_days", "--edit", "decision_owner")
    assert result.exit_code == 0, result.output
    answers = saved(answers_path)
    assert (answers["decision_owner"], answers["horizon_days"]) == ("Someone else", 30)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--edit", "acess_holders"],
                     "--edit: acess_holders: unknown key; did you mean access_holders?",
                     id="unknown-key"),
        pytest.param(["--edit", "vetting"], "--edit: vetting: is not asked with these answers "
                     "(only when weights_leave_premises)", id="does-not-apply"),
    ],
)
def test_an_edit_that_cannot_be_asked_is_one_line_and_exit_2(
    assess, answers_path, questionnaire, llama1_answers, args, message
):
    hosted = {**llama1_answers, "weights_leave_premises": False}
    save_answers(answers_path, questionnaire, {k: v for k, v in hosted.items()
                                               if k in {q.id for q in asked(questionnaire,
                                                                              hosted)}})
    before = answers_path.read_bytes()
    result = assess(["20"], *args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message)
    assert answers_path.read_bytes() == before


def test_edit_of_a_file_that_does_not_exist_is_refused(assess, answers_path):
    result = assess(["x"], "--edit", "model_name")
    assert result.exit_code == 2
    assert "answers.yaml: no such file; --edit changes the answers of an existing file" \
        in result.stderr
    assert not answers_path.exists()


def test_the_file_may_be_named_as_an_argument_but_not_twice(runner, answers_path, questionnaire,
                                                            llama1_answers):
    save_answers(answers_path, questionnaire, llama1_answers)
    same = runner.invoke(app, ["assess", "answers.yaml", "--resume"])
    assert same.exit_code == 0, same.output
    two = runner.invoke(app, ["assess", "answers.yaml", "-o", "other.yaml"])
    assert two.exit_code == 2
    assert "other.yaml" in two.output and "give one" in two.output


def test_resume_through_a_link_writes_the_real_file_and_keeps_the_link(
    assess, tmp_path, questionnaire, llama1_answers
):
    real = tmp_path / "real.yaml"
    first = {k: llama1_answers[k] for k in list(llama1_answers)[:8]}
    save_answers(real, questionnaire, first)
    link = tmp_path / "link.yaml"
    link.symlink_to(real.name)
    next_id = list(llama1_answers)[8]
    result = assess(script(questionnaire, llama1_answers, start=next_id), "--resume",
                    output=link)
    assert result.exit_code == 0, result.output
    assert link.is_symlink()
    assert saved(real) == plain_values(questionnaire, llama1_answers)


def test_resume_offers_an_answer_that_waited_for_an_earlier_one(
    assess, answers_path, write_answers, questionnaire, llama1_answers
):
    # access_holders depends on weights_leave_premises, which the file does not answer yet
    given = {k: v for k, v in llama1_answers.items() if k != "weights_leave_premises"}
    write_answers(given)
    waiting = [q for q in questionnaire.questions if q.when == "weights_leave_premises"]
    result = assess(["y", *[""] * len(waiting)], "--resume")
    assert result.exit_code == 0, result.output
    assert "Kept for later: access_holders = 1000-5000" in flat(result.output)
    assert "→ 1000-5000" in result.output
    assert saved(answers_path) == plain_values(questionnaire, llama1_answers)


# -- typing answers the way people write them ---------------------------------------------------


@pytest.mark.parametrize(
    ("qid", "text", "value"),
    [
        pytest.param("artifact_size_gb", "60GB", 60.0, id="size-in-the-questions-unit"),
        pytest.param("artifact_size_gb", "60 GB", 60.0, id="size-with-a-space"),
        pytest.param("artifact_size_gb", "1.2TB", 1200.0, id="size-in-terabytes"),
        pytest.param("artifact_size_gb", "500 MB", 0.5, id="size-in-megabytes"),
        pytest.param("artifact_size_gb", "1 GiB", 1.073741824, id="binary-units-are-not-gb"),
        pytest.param("access_holders", "1,000", 1000, id="count-with-a-comma"),
        pytest.param("access_holders", "2k", 2000, id="count-in-thousands"),
        pytest.param("access_holders", "1.5M", 1_500_000, id="count-in-millions"),
    ],
)
def test_sizes_and_counts_are_stored_as_plain_numbers(questionnaire, qid, text, value):
    assert parse_reply(questionnaire.by_id[qid], text) == value


@pytest.mark.parametrize(
    ("qid", "text", "low", "high"),
    [
        pytest.param("access_holders", "2k-5k", 2000, 5000, id="counts"),
        pytest.param("artifact_size_gb", "100-200 GB", 100, 200, id="unit-after-the-high-end"),
        pytest.param("artifact_size_gb", "500GB to 1.5TB", 500, 1500, id="mixed-units"),
    ],
)
def test_estimates_take_the_same_units(questionnaire, qid, text, low, high):
    estimate = parse_reply(questionnaire.by_id[qid], text)
    assert (estimate.low, estimate.high) == (low, high)


@pytest.mark.parametrize(
    ("qid", "text", "reason"),
    [
        pytest.param("artifact_size_gb", "60 XB", 'expected a size in GB', id="unknown-unit"),
        pytest.param("access_holders", "60GB", "expected a whole number", id="unit-on-a-count"),
        pytest.param("access_holders", "1.2345k", "got 1234.5", id="fraction-of-a-person"),
    ],
)
def test_a_unit_that_does_not_fit_is_refused_with_the_reason(questionnaire, qid, text, reason):
    with pytest.raises(AnswerValueError, match=re.escape(reason)):
        parse_reply(questionnaire.by_id[qid], text)


def test_a_size_typed_in_terabytes_is_saved_in_gb(assess, answers_path, questionnaire,
                                                  llama1_answers):
    lines = script(questionnaire, llama1_answers)
    lines[position(questionnaire, llama1_answers, "artifact_size_gb")] = "1.2TB"
    result = assess(lines)
    assert result.exit_code == 0, result.output
    assert saved(answers_path)["artifact_size_gb"] == 1200
    assert "1200 GB" in result.output  # the summary shows the unit


def test_enter_on_the_decision_date_takes_today(assess, answers_path, questionnaire,
                                                llama1_answers):
    import datetime as dt

    lines = script(questionnaire, llama1_answers)
    lines[position(questionnaire, llama1_answers, "decision_date")] = ""
    days = {dt.date.today().isoformat()}
    result = assess(lines)
    days.add(dt.date.today().isoformat())  # the run may cross midnight
    assert result.exit_code == 0, result.output
    assert saved(answers_path)["decision_date"] in days
    assert any(f"[{day}] > " in result.output for day in days)


def test_the_summary_shows_choice_labels(assess, questionnaire, llama1_answers):
    result = assess(script(questionnaire, llama1_answers))
    summary = result.output[result.output.index("Your answers"):result.output.index("Score")]
    vetting = questionnaire.by_id["vetting"].choice(llama1_answers["vetting"])
    assert flat(vetting.label) in flat(summary)
    assert f"vetting {llama1_answers['vetting']}" not in flat(summary)


@pytest.mark.parametrize("name", ["LLaMA [/v2]", "[link=https://example.com]x[/link]",
                                  "[bold red]loud[/]"])
def test_answers_are_printed_as_typed_never_read_as_markup(assess, questionnaire,
                                                           llama1_answers, name):
    result = assess(script(questionnaire, {**llama1_answers, "model_name": name}))
    assert result.exit_code == 0, result.output
    summary = result.output[result.output.index("Your answers"):]
    assert name in summary


class ScriptedTerminal:
    """A lead's replies, line by line, in place of the terminal (a reply may be an exception the
    terminal's decoder raises)."""

    def __init__(self, replies: list[Any]):
        self.replies = replies

    def __call__(self, prompt: str) -> str:
        reply = self.replies.pop(0)
        if isinstance(reply, BaseException):
            raise reply
        return reply


def test_text_that_is_not_utf8_is_refused_and_asked_again(questionnaire):
    import io

    from rich.console import Console

    from riskcli.prompting import NOT_UTF8, Prompter

    screen = io.StringIO()
    prompter = Prompter(Console(file=screen, width=200))
    not_utf8 = UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")
    # surrogates: what a terminal decoding with surrogateescape leaves for the byte 0xff
    prompter.read = ScriptedTerminal(["Nova\udcff", not_utf8, "Nova"])
    value = prompter.ask(questionnaire.by_id["model_name"], None, can_go_back=False)
    assert value == "Nova"
    assert screen.getvalue().count(NOT_UTF8) == 2
