"""`riskcli assess` in a real pseudo-terminal: Ctrl-C, a closed input, resuming, confirming."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pexpect
import pytest
import yaml
from assess_helpers import asked, spawn_riskcli, typed

from riskcli.questionnaire import Question
from riskcli.values import coerce, to_plain

pytestmark = pytest.mark.slow  # every test drives riskcli in a pseudo-terminal

COLOUR = re.compile(r"\x1b\[[0-9;]*3[0-7]m")
"""A foreground colour escape (bold or dim alone is not colour)."""


def on_disk(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["answers"]


def as_saved(question: Question, value: Any) -> Any:
    return to_plain(coerce(question, value))


@pytest.fixture
def spawn(tmp_path: Path):
    """Start `python -m riskcli assess ...` in a pseudo-terminal inside tmp_path."""
    children = []

    def start(*args: str, colour: bool = False):
        env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
        env["TERM"] = "xterm-256color"
        if not colour:
            env["NO_COLOR"] = "1"
        child = spawn_riskcli("assess", *args, cwd=tmp_path, env=env)
        children.append(child)
        return child

    yield start
    for child in children:
        if child.isalive():
            child.terminate(force=True)


def reach(child, question: Question) -> None:
    """Wait until the question is asked and the input line is waiting for a reply."""
    child.expect_exact(question.prompt)
    child.expect_exact("> ")


def answer(child, question: Question, value: Any) -> None:
    reach(child, question)
    child.sendline(typed(value))


def screen(child) -> str:
    return child.logfile_read.getvalue()


def finish(child) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


def test_an_answer_given_before_ctrl_c_is_kept_and_resume_continues_to_the_end(
    spawn, tmp_path, runner, questionnaire, llama1_answers
):
    from riskcli.cli.app import app

    questions = asked(questionnaire, llama1_answers)
    first, rest = questions[:6], questions[6:]
    child = spawn("-o", "answers.yaml")
    for question in first:
        answer(child, question, llama1_answers[question.id])
    reach(child, rest[0])
    child.sendintr()
    child.expect_exact("Continue with: riskcli assess -o answers.yaml --resume")
    assert finish(child) == 130
    path = tmp_path / "answers.yaml"
    assert on_disk(path) == {q.id: as_saved(q, llama1_answers[q.id]) for q in first}

    child = spawn("-o", "answers.yaml", "--resume")
    for question in rest:
        answer(child, question, llama1_answers[question.id])
    child.expect_exact("Render the decision record to answers.pdf now? [y/N] > ")
    child.sendline("")
    child.expect_exact("riskcli report answers.yaml -o answers.pdf")
    assert finish(child) == 0
    assert first[0].prompt not in screen(child)
    assert not (tmp_path / "answers.pdf").exists()
    assert on_disk(path) == {q.id: as_saved(q, llama1_answers[q.id]) for q in questions}
    assert runner.invoke(app, ["validate", str(path)]).exit_code == 0


def test_a_closed_input_stops_like_ctrl_c_and_keeps_the_answers(
    spawn, tmp_path, questionnaire, llama1_answers
):
    questions = asked(questionnaire, llama1_answers)
    child = spawn("-o", "answers.yaml")
    answer(child, questions[0], llama1_answers[questions[0].id])
    reach(child, questions[1])
    child.sendeof()
    child.expect_exact("1 answer is saved in answers.yaml")
    assert finish(child) == 130
    assert on_disk(tmp_path / "answers.yaml") == {
        questions[0].id: llama1_answers[questions[0].id]
    }


def test_a_resume_after_going_back_starts_where_the_lead_was(
    spawn, tmp_path, questionnaire, llama1_answers
):
    questions = asked(questionnaire, llama1_answers)
    child = spawn("-o", "answers.yaml")
    for question in questions[:3]:
        answer(child, question, llama1_answers[question.id])
    reach(child, questions[3])
    child.sendline("<")
    reach(child, questions[2])
    child.sendintr()
    assert finish(child) == 130
    assert list(on_disk(tmp_path / "answers.yaml")) == [q.id for q in questions[:3]]

    child = spawn("-o", "answers.yaml", "--resume")
    reach(child, questions[3])
    child.sendintr()
    assert finish(child) == 130


@pytest.mark.parametrize("reply", [pytest.param("n", id="declined"),
                                   pytest.param("", id="enter-means-no")])
def test_an_existing_file_is_kept_unless_the_lead_confirms(spawn, tmp_path, reply):
    path = tmp_path / "answers.yaml"
    path.write_text("questionnaire: {id: distribution, version: '1.0'}\nanswers: {}\n")
    before = path.read_bytes()
    child = spawn("-o", "answers.yaml")
    child.expect_exact("already exists")
    child.expect_exact("[y/N] > ")
    child.sendline(reply)
    child.expect_exact("answers.yaml left unchanged.")
    assert finish(child) == 0  # a choice, not an error
    assert path.read_bytes() == before


def test_a_confirmed_overwrite_starts_a_new_assessment(
    spawn, tmp_path, questionnaire, llama1_answers
):
    path = tmp_path / "answers.yaml"
    path.write_text("questionnaire: {id: distribution, version: '1.0'}\nanswers: {}\n")
    questions = asked(questionnaire, llama1_answers)
    child = spawn("-o", "answers.yaml")
    child.expect_exact("[y/N] > ")
    child.sendline("y")
    answer(child, questions[0], "A new model")
    reach(child, questions[1])
    child.sendintr()
    assert finish(child) == 130
    assert on_disk(path) == {questions[0].id: "A new model"}


@pytest.mark.parametrize(
    ("colour", "expected"),
    [pytest.param(True, True, id="terminal-has-colour"),
     pytest.param(False, False, id="no-color-respected")],
)
def test_colour_only_on_a_terminal_without_no_color(
    spawn, questionnaire, llama1_answers, colour, expected
):
    questions = asked(questionnaire, llama1_answers)
    choice_at = next(i for i, q in enumerate(questions) if q.type == "choice")
    child = spawn("-o", "answers.yaml", colour=colour)
    for question in questions[:choice_at]:
        answer(child, question, llama1_answers[question.id])
    child.expect_exact(questions[choice_at].choices[-1].label)
    child.expect_exact("> ")
    child.sendintr()
    finish(child)
    assert bool(COLOUR.search(screen(child))) is expected


def test_the_end_of_assess_renders_the_record_when_the_lead_says_yes(
    spawn, tmp_path, questionnaire, llama1_answers
):
    child = spawn("-o", "answers.yaml")
    for question in asked(questionnaire, llama1_answers):
        answer(child, question, llama1_answers[question.id])
    child.expect_exact("Render the decision record to answers.pdf now? [y/N] > ")
    child.sendline("y")
    child.expect_exact("answers.pdf: pdf decision record for answers.yaml", timeout=120)
    assert finish(child) == 0
    assert (tmp_path / "answers.pdf").read_bytes().startswith(b"%PDF")


def test_two_runs_on_the_same_new_file_never_both_win(spawn, tmp_path, questionnaire):
    first_question = questionnaire.questions[0]
    one, two = spawn("-o", "answers.yaml"), spawn("-o", "answers.yaml")
    reach(one, first_question)
    reach(two, first_question)  # both found the name free
    one.sendline("First run")
    reach(one, questionnaire.questions[1])
    two.sendline("Second run")
    two.expect_exact("answers.yaml: already exists")
    assert finish(two) == 2
    one.sendintr()
    assert finish(one) == 130
    assert on_disk(tmp_path / "answers.yaml") == {first_question.id: "First run"}


@pytest.mark.parametrize("decoding", ["strict", "surrogateescape"])
def test_bytes_that_are_not_utf8_are_refused_and_asked_again(
    tmp_path, questionnaire, decoding
):
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(NO_COLOR="1", TERM="xterm-256color", PYTHONIOENCODING=f"utf-8:{decoding}")
    child = spawn_riskcli("assess", "-o", "answers.yaml", cwd=tmp_path, env=env,
                          codec_errors="replace")
    try:
        reach(child, questionnaire.questions[0])
        os.write(child.child_fd, b"Nova \xff\xfe\r")
        child.expect_exact("not valid UTF-8")
        child.expect_exact("> ")
        child.sendline("Nova")
        reach(child, questionnaire.questions[1])
        child.sendintr()
        assert finish(child) == 130
    finally:
        child.close(force=True)
    assert on_disk(tmp_path / "answers.yaml") == {questionnaire.questions[0].id: "Nova"}
