"""`riskcli assess`: the questionnaire answered in the terminal, saved after every answer.

The command only settles the files (what to write, whether it may be overwritten, what a resumed
or edited file already holds), then hands the questionnaire to `prompting.interview` and scores
the result. Every save rewrites the answers into the file's own text, so its comments stay.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from riskcli.cli.common import (
    INTERRUPTED,
    QuestionnaireOpt,
    RulesOpt,
    UsageError,
    usage_error,
    writing,
)
from riskcli.errors import InputFileError, Problem, RiskcliError

if TYPE_CHECKING:
    from riskcli.answers import Answers
    from riskcli.prompting import Prompter
    from riskcli.questionnaire import Questionnaire
    from riskcli.scoring import Engine
    from riskcli.walk import Walk

DEFAULT_FILE = Path("answers.yaml")

FileArg = Annotated[
    Path | None,
    typer.Argument(metavar="FILE", show_default=False,
                   help="Answers file to write, resume or edit (default: answers.yaml)."),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option("-o", "--output", show_default=False,
                 help="The answers file, as an option (rewritten after every answer)."),
]
ResumeOpt = Annotated[
    bool,
    typer.Option("--resume", help="Continue the answers file at its first unanswered question."),
]
EditOpt = Annotated[
    list[str] | None,
    typer.Option("--edit", metavar="KEY", show_default=False,
                 help="Ask this question of an existing file again, then what newly applies "
                      "(repeatable); shows the score before and after."),
]


@dataclass(frozen=True)
class _Start:
    """What the file holds when the interview starts."""

    values: dict[str, Any] | None
    """The answers given (None: a new file)."""
    raw: bytes | None = None
    """The file's bytes, into which every save writes the answers (None: write a new file)."""


def assess(
    file: FileArg = None,
    output: OutputOpt = None,
    resume: ResumeOpt = False,
    edit: EditOpt = None,
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

    path = _answers_path(file, output)
    prompter = Prompter(Console(highlight=False))
    errors = Prompter(Console(highlight=False, stderr=True))
    # Loaded before the first question, so a broken rule pack fails now, not after the interview;
    # the walk uses the engine's questionnaire, so what is asked is exactly what is scored.
    engine = load_engine(questionnaire_path=questionnaire, rules_path=rules)
    q = engine.questionnaire
    edits = _edit_keys(edit or [], q)
    resume_command = _resume_command(path, questionnaire, rules)

    inputs = [questionnaire, rules]
    start = _starting_answers(path, resume, edits, q, prompter, resume_command, inputs)
    walk = Walk(q, start.values, revisit=edits)
    _refuse_edits_not_asked(walk, edits)
    before = _scored_before(start, path, q) if edits else None
    _introduce(prompter, q, path, start.values, walk.done, edits)
    _say_set_aside(prompter, walk)
    previous = start.raw
    saved = start.values is not None
    # A new file is claimed by its first save only if no other run took the name meanwhile.
    new_file = not path.exists()

    def save(values: dict[str, Any]) -> None:
        nonlocal previous, saved, new_file
        with writing(path):
            previous = save_answers(path, q, values, previous, exclusive=new_file)
        saved, new_file = True, False

    try:
        interview(walk, prompter, save)
    except (KeyboardInterrupt, EOFError):
        _say_stopped(errors, path, saved, len(walk.values), resume_command)
        raise typer.Exit(INTERRUPTED) from None
    if not saved:
        save(walk.values)
    prompter.summary(q, walk.values)
    _show_score(prompter, engine, path, before)
    _offer_record(prompter, path, questionnaire, rules)


def _answers_path(file: Path | None, output: Path | None) -> Path:
    """FILE and -o name the same thing; either, or neither (answers.yaml), not two files."""
    if file is not None and output is not None and file != output:
        raise usage_error(f"{output} is a second answers file beside {file}; give one", "'-o'")
    return file or output or DEFAULT_FILE


def _edit_keys(keys: list[str], q: Questionnaire) -> list[str]:
    """The questions --edit names, in the order they are asked; each must be known (a typo is
    one line and exit 2, before anything is read)."""
    from riskcli.answers import unknown_key

    problems = [Problem("--edit", key, unknown_key(key, q), code="unknown-key")
                for key in keys if key not in q.by_id]
    if problems:
        raise UsageError(problems)
    return [question.id for question in q.questions if question.id in keys]


def _refuse_edits_not_asked(walk: Walk, edits: list[str]) -> None:
    """An edited question must be one the answers ask; otherwise say which answer it hangs on."""
    problems = [
        Problem("--edit", key, f"is not asked with these answers (only when "
                f"{question.when}); edit the answer it depends on")
        for key in edits if not walk.applies(question := walk.questionnaire.by_id[key])
    ]
    if problems:
        raise UsageError(problems)


def _resume_command(output: Path, questionnaire: Path | None, rules: Path | None) -> str:
    """The exact command that continues this run, with the same questionnaire and rules."""
    return _command(["assess", "-o", output, "--resume"], questionnaire, rules)


def _command(words: list[str | Path], questionnaire: Path | None, rules: Path | None) -> str:
    """A riskcli command line to copy, naming the custom questionnaire and rules if any."""
    from riskcli.terminal import command_line

    words = ["riskcli", *words]
    if questionnaire is not None:
        words += ["--questionnaire", questionnaire]
    if rules is not None:
        words += ["--rules", rules]
    return command_line(words)


def _starting_answers(
    output: Path, resume: bool, edits: list[str], q: Questionnaire, prompter: Prompter,
    resume_command: str, inputs: list[Path | None],
) -> _Start:
    """The answers to start from, after making sure nothing is clobbered: the file is a regular
    file (or a link to one, written through), and not the questionnaire or rules read."""
    from riskcli.fileio import check_output_path

    name = str(output)
    check_output_path(output, "an answers file name", inputs=inputs)
    if not output.exists():
        if edits:
            raise InputFileError(Problem(name, "", "no such file; --edit changes the answers "
                                         "of an existing file", code="io"))
        if resume:
            prompter.say(f"{name} does not exist yet; starting a new assessment.")
        return _Start(None)
    if resume or edits:
        from riskcli.answers import load_partial_answers
        from riskcli.yamlio import read_bytes

        values = load_partial_answers(output, q)
        return _Start(values, read_bytes(output))
    _confirm_overwrite(output, prompter, resume_command)
    return _Start(None)


def _confirm_overwrite(output: Path, prompter: Prompter, resume_command: str) -> None:
    """Overwrite an existing file only when a person at a terminal says so; saying no is a
    choice, not an error."""
    hint = f"continue it with --resume, or choose another file with -o; {output} is unchanged"
    if not sys.stdin.isatty():
        raise RiskcliError(Problem(str(output), "", f"already exists; {hint}"))
    prompter.say(f"{output} already exists. To continue it instead, answer N and run:",
                 style="bold")
    prompter.say(f"  {resume_command}")
    if not prompter.confirm("Start a new assessment and overwrite it?"):
        prompter.say(f"{output} left unchanged.")
        raise typer.Exit(0)
    prompter.console.print()


def _scored_before(start: _Start, output: Path, q: Questionnaire) -> Answers | None:
    """The answers as they were, for the score before and after an edit (None when the file
    could not be scored as it was, e.g. still incomplete)."""
    from riskcli.answers import answers_from_bytes

    if start.raw is None:
        return None
    try:
        return answers_from_bytes(start.raw, f"{output} (before)", q)
    except RiskcliError:
        return None


def _introduce(
    prompter: Prompter, q: Questionnaire, output: Path, given: dict[str, Any] | None, done: bool,
    edits: list[str],
) -> None:
    prompter.say(f"{q.title} ({q.id} {q.version})", style="bold")
    if q.description:
        prompter.say(q.description)
    if edits:
        state = f"asking {', '.join(edits)} again, then whatever a change makes apply"
    else:
        state = "every question is answered" if done else "continuing where it stopped"
    if given is not None:
        prompter.say(f"{output} holds {len(given)} answers; {state}.")
    prompter.say(
        f"Answers are saved to {output} after every question. Type ? for help, < to go back; "
        "Ctrl-C stops, and --resume continues later.", style="dim",
    )


def _say_set_aside(prompter: Prompter, walk: Walk) -> None:
    """A resumed file's answers the walk cannot use yet are named, never dropped unseen."""
    from riskcli.prompting import show_value

    waiting, not_applying = walk.set_aside()
    for question in waiting:
        value = show_value(question, walk.remembered[question.id])
        prompter.say(f"Kept for later: {question.id} = {value}, offered when it is asked (it "
                     f"depends on {question.when}, not answered yet)", style="yellow")
    for question in not_applying:
        value = show_value(question, walk.remembered[question.id])
        prompter.say(f"Not asked with these answers: {question.id} = {value} (only when "
                     f"{question.when}); removed at the first save, offered again if it "
                     "applies again", style="yellow")


def _say_stopped(
    errors: Prompter, output: Path, saved: bool, count: int, resume_command: str
) -> None:
    """On stderr, unwrapped, so the command can be copied as it is."""
    errors.block("")
    if not saved:
        kept = f"{output} is unchanged" if output.exists() else "nothing was saved"
        errors.block(f"Stopped before the first answer; {kept}.")
        return
    answers = "answer is" if count == 1 else "answers are"
    errors.block(f"Stopped. {count} {answers} saved in {output}.")
    errors.block(f"Continue with: {resume_command}")


def _show_score(prompter: Prompter, engine: Engine, output: Path,
                before: Answers | None) -> None:
    """Score the file as written, exactly as `riskcli score` would; after an edit, the decision
    before and after it, as `riskcli diff` shows it."""
    from rich.text import Text

    from riskcli.answers import load_answers
    from riskcli.formatting import text_summary, top_levers_text
    from riskcli.scoring import score_file

    result = score_file(engine, output)
    console = prompter.console
    console.print()
    console.rule(Text("Score", style="bold"), align="left")
    prompter.block(text_summary(result, engine.rules.keys))
    if before is not None:
        from riskcli.diffing import diff_answers
        from riskcli.formatting import diff_text

        after = load_answers(output, engine.questionnaire)
        console.print()
        console.rule(Text("Before and after this edit", style="bold"), align="left")
        prompter.block(diff_text(diff_answers(engine, before, after)))
    console.print()
    prompter.block(top_levers_text(engine, result))


def _offer_record(prompter: Prompter, output: Path, questionnaire: Path | None,
                  rules: Path | None) -> None:
    """At a terminal, offer to render the record now; otherwise (and on no) give the command."""
    record = output.with_suffix(".pdf")
    command = _command(["report", output, "-o", record], questionnaire, rules)
    levers = _command(["levers", output], questionnaire, rules)
    prompter.say(f"Every lever, break-even points and the path to a band: {levers}", style="dim")
    prompter.console.print()
    if sys.stdin.isatty():
        replaced = ", replacing the one there" if record.exists() else ""
        if prompter.confirm(f"Render the decision record to {record} now{replaced}?"):
            from riskcli.cli.report import report

            report(answers=[output], output=str(record), questionnaire=questionnaire,
                   rules=rules)
            return
        prompter.say("Render it later with:")
    else:
        prompter.say("Render the decision record with:")
    prompter.block(f"  {command}", style="bold")
