"""`riskcli assess`: the questionnaire answered in the terminal, saved after every answer.

The command only settles the files (what to write, whether it may be overwritten, what a resumed
file already holds), then hands the questionnaire to `prompting.interview` and scores the result.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from riskcli.cli.common import INTERRUPTED, QuestionnaireOpt, RulesOpt, writing
from riskcli.errors import Problem, RiskcliError

if TYPE_CHECKING:
    from rich.console import Console

    from riskcli.prompting import Prompter
    from riskcli.questionnaire import Questionnaire
    from riskcli.scoring import Engine

OutputOpt = Annotated[
    Path,
    typer.Option("-o", "--output", help="Answers file to write (rewritten after every answer)."),
]
ResumeOpt = Annotated[
    bool,
    typer.Option("--resume", help="Continue the answers file at its first unanswered question."),
]


def assess(
    output: OutputOpt = Path("answers.yaml"),
    resume: ResumeOpt = False,
    questionnaire: QuestionnaireOpt = None,
    rules: RulesOpt = None,
) -> None:
    """Answer the questionnaire in the terminal, then see the score.

    Every answer is saved as it is given, so Ctrl-C loses nothing.
    """
    from rich.console import Console

    from riskcli.answers import save_answers
    from riskcli.prompting import Prompter, interview
    from riskcli.walk import Walk

    if sys.stdin.isatty():
        import readline  # noqa: F401  (line editing and arrow keys in input())

    from riskcli.scoring import load_engine

    prompter = Prompter(Console(highlight=False))
    errors = Console(highlight=False, stderr=True)
    # Loaded before the first question, so a broken rule pack fails now, not after the interview;
    # the walk uses the engine's questionnaire, so what is asked is exactly what is scored.
    engine = load_engine(questionnaire_path=questionnaire, rules_path=rules)
    q = engine.questionnaire
    resume_command = _resume_command(output, questionnaire, rules)

    given = _starting_answers(output, resume, q, prompter, resume_command)
    walk = Walk(q, given)
    _introduce(prompter, q, output, given, walk.done)
    saved = given is not None

    def save(values: dict[str, Any]) -> None:
        nonlocal saved
        with writing(output):
            save_answers(output, q, values)
        saved = True

    try:
        interview(walk, prompter, save)
    except (KeyboardInterrupt, EOFError):
        _say_stopped(errors, output, saved, len(walk.values), resume_command)
        raise typer.Exit(INTERRUPTED) from None
    if not saved:
        save(walk.values)
    prompter.summary(q, walk.values)
    _show_score(prompter, engine, output, questionnaire, rules)


def _resume_command(output: Path, questionnaire: Path | None, rules: Path | None) -> str:
    """The exact command that continues this run, with the same questionnaire and rules."""
    return _command(["assess", "-o", str(output), "--resume"], questionnaire, rules)


def _command(words: list[str], questionnaire: Path | None, rules: Path | None) -> str:
    """A riskcli command line to copy, naming the custom questionnaire and rules if any."""
    words = ["riskcli", *words]
    if questionnaire is not None:
        words += ["--questionnaire", str(questionnaire)]
    if rules is not None:
        words += ["--rules", str(rules)]
    return shlex.join(words)


def _starting_answers(
    output: Path, resume: bool, q: Questionnaire, prompter: Prompter, resume_command: str
) -> dict[str, Any] | None:
    """The answers to start from (None: a new file), after making sure nothing is clobbered."""
    from riskcli.fileio import check_output_path

    name = str(output)
    check_output_path(output, "an answers file name")
    if not output.exists():
        if resume:
            prompter.say(f"{name} does not exist yet; starting a new assessment.")
        return None
    if resume:
        from riskcli.answers import load_partial_answers

        return load_partial_answers(output, q)
    _confirm_overwrite(output, prompter, resume_command)
    return None


def _confirm_overwrite(output: Path, prompter: Prompter, resume_command: str) -> None:
    """Overwrite an existing file only when a person at a terminal says so."""
    hint = f"continue it with --resume, or choose another file with -o; {output} is unchanged"
    if not sys.stdin.isatty():
        raise RiskcliError(Problem(str(output), "", f"already exists; {hint}"))
    prompter.say(f"{output} already exists. To continue it instead, answer N and run:",
                 style="bold")
    prompter.say(f"  {resume_command}")
    try:
        reply = prompter.read("Start a new assessment and overwrite it? [y/N] > ")
    except (KeyboardInterrupt, EOFError):
        prompter.console.print()
        reply = ""
    if reply.strip().lower() not in ("y", "yes"):
        raise RiskcliError(Problem(str(output), "", f"not overwritten; {hint}"))
    prompter.console.print()


def _introduce(
    prompter: Prompter, q: Questionnaire, output: Path, given: dict[str, Any] | None, done: bool
) -> None:
    prompter.say(f"{q.title} ({q.id} {q.version})", style="bold")
    if q.description:
        prompter.say(q.description)
    if given is not None:
        state = "every question is answered" if done else "continuing where it stopped"
        prompter.say(f"{output} holds {len(given)} answers; {state}.")
    prompter.say(
        f"Answers are saved to {output} after every question. Type ? for help, < to go back; "
        "Ctrl-C stops, and --resume continues later.", style="dim",
    )


def _say_stopped(
    errors: Console, output: Path, saved: bool, count: int, resume_command: str
) -> None:
    """On stderr, unwrapped, so the command can be copied as it is."""
    from rich.text import Text

    errors.print()
    if not saved:
        kept = f"{output} is unchanged" if output.exists() else "nothing was saved"
        errors.print(Text(f"Stopped before the first answer; {kept}."), soft_wrap=True)
        return
    answers = "answer is" if count == 1 else "answers are"
    errors.print(Text(f"Stopped. {count} {answers} saved in {output}."), soft_wrap=True)
    errors.print(Text(f"Continue with: {resume_command}"), soft_wrap=True)


def _show_score(
    prompter: Prompter, engine: Engine, output: Path, questionnaire: Path | None,
    rules: Path | None,
) -> None:
    """Score the file as written, exactly as `riskcli score` would, and say how to record it."""
    from rich.text import Text

    from riskcli.formatting import text_summary, top_levers_text
    from riskcli.scoring import score_file

    result = score_file(engine, output)
    console = prompter.console
    console.print()
    console.rule(Text("Score", style="bold"), align="left")
    console.print(Text(text_summary(result, engine.rules.keys)), soft_wrap=True)
    console.print()
    console.print(Text(top_levers_text(engine, result)), soft_wrap=True)
    more = _command(["levers", str(output)], questionnaire, rules)
    prompter.say(f"Every lever, break-even points and the path to a band: {more}", style="dim")
    report = _command(["report", str(output), "-o", str(output.with_suffix(".pdf"))],
                      questionnaire, rules)
    console.print()
    prompter.say("Render the decision record with:")
    console.print(Text(f"  {report}", style="bold"), soft_wrap=True)
