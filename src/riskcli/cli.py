"""Command-line glue: parse options, call one plain function, print, and map errors to exit codes.

Exit codes are a contract: 0 ok, 1 a gate tripped (a band at or past --fail-at), 2 bad input.
Nothing here is needed to test the logic underneath.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from riskcli.errors import Problem, RiskcliError
from riskcli.resources import default_questionnaire

app = typer.Typer(
    name="riskcli",
    help="Score how exposed gated model-weight distribution is to a leak, and record the decision.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

_state = {"debug": False}
F = TypeVar("F", bound=Callable[..., Any])

QuestionnaireOpt = Annotated[
    Path | None,
    typer.Option("--questionnaire", help="Questionnaire YAML (default: the bundled one).",
                 show_default=False),
]
RulesOpt = Annotated[
    Path | None,
    typer.Option("--rules", help="Rule pack YAML (default: the bundled llama-pattern pack).",
                 show_default=False),
]


def print_problems(problems: list[Problem]) -> None:
    for problem in problems:
        typer.echo(str(problem), err=True)


def reports_errors(command: F) -> F:
    """Turn typed input errors into one line each on stderr and exit code 2; never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except RiskcliError as exc:
            if _state["debug"]:
                raise
            print_problems(exc.problems)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def _version(value: bool) -> None:
    if value:
        from riskcli import __version__

        typer.echo(f"riskcli {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    _state["debug"] = debug


def load_questionnaire_option(path: Path | None):
    from riskcli.questionnaire import load_questionnaire

    return load_questionnaire(path or default_questionnaire())


@app.command()
@reports_errors
def validate(
    files: Annotated[list[Path], typer.Argument(help="Answers files to check.")],
    questionnaire: QuestionnaireOpt = None,
) -> None:
    """Check answers files against the questionnaire without scoring them."""
    from riskcli.answers import load_answers

    q = load_questionnaire_option(questionnaire)
    failed = False
    for path in files:
        try:
            load_answers(path, q)
        except RiskcliError as exc:
            print_problems(exc.problems)
            failed = True
        else:
            typer.echo(f"{path}: ok")
    if failed:
        raise typer.Exit(2)


@app.command()
@reports_errors
def schema(questionnaire: QuestionnaireOpt = None) -> None:
    """Print the JSON Schema of an answers file (for editors and CI)."""
    from riskcli.schema import answers_schema

    typer.echo(json.dumps(answers_schema(load_questionnaire_option(questionnaire)), indent=2))


@app.command()
@reports_errors
def questions(questionnaire: QuestionnaireOpt = None) -> None:
    """List the questionnaire: sections, answer keys, types and choices."""
    from riskcli.listing import print_questions

    print_questions(load_questionnaire_option(questionnaire))


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


# Commands living in their own modules register themselves on `app` when imported.
from riskcli import cli_assess, cli_diff, cli_init, cli_report, cli_score  # noqa: E402, F401
