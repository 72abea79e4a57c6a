"""What the commands share: the options they have in common, and the one mapping from errors to
what the user sees and the exit code.

Exit codes are a contract: 0 ok; 1 a gate tripped (a band at or past --fail-at); 2 bad input, a
usage error or an output that cannot be written; 130 stopped by Ctrl-C. Bad input is one
`file: key: problem` line per problem on stderr, never a traceback (unless --debug).

Imported by every command, so it stays light: typer, riskcli.errors and riskcli.terminal.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from riskcli.errors import OutputFileError, Problem, RiskcliError
from riskcli.terminal import safe

if TYPE_CHECKING:
    from riskcli.questionnaire import Questionnaire
    from riskcli.rulepack import RulePack

INPUT_ERROR = 2
"""Bad input, a usage error, an output that cannot be written."""
INTERRUPTED = 130
"""The shell's code for a process stopped by Ctrl-C."""

F = TypeVar("F", bound=Callable[..., Any])


# --- options --------------------------------------------------------------------------------------

QuestionnaireOpt = Annotated[
    Path | None,
    typer.Option("--questionnaire", metavar="FILE", show_default=False,
                 help="Questionnaire YAML (default: the bundled one)."),
]
RulesOpt = Annotated[
    Path | None,
    typer.Option("--rules", metavar="FILE", show_default=False,
                 help="Rule pack YAML (default: the bundled llama-pattern pack)."),
]


def _interval_level(value: float | None) -> float | None:
    if value is not None and not 0.5 <= value <= 0.99:
        raise typer.BadParameter(f"expected a level between 0.5 and 0.99, e.g. 0.9; got {value:g}")
    return value


IntervalOpt = Annotated[
    float | None,
    typer.Option("--interval", metavar="LEVEL", show_default=False, callback=_interval_level,
                 help="Width of the interval beside every figure, e.g. 0.9 (default: the "
                      "pack's, 0.8)."),
]


def _jobs(value: int | None) -> int | None:
    if value is not None and value < 1:
        raise typer.BadParameter(f"expected a whole number of processes of at least 1, got {value}")
    return value


JobsOpt = Annotated[
    int | None,
    typer.Option("--jobs", "-j", metavar="N", show_default=False, callback=_jobs,
                 help="Processes to work in (default: one per core, for large batches only); "
                      "the output is the same whatever N."),
]


StrictOpt = Annotated[
    bool,
    typer.Option("--strict", help="An answer to a question that does not apply is an error "
                 "(exit 2), not a warning that it is ignored."),
]
def complete_set(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion of --set: the answer keys of the questionnaire named by --questionnaire
    (or the bundled one), then, after `key=`, the choices of that question. Read straight from
    the YAML, unchecked; a questionnaire that cannot be read offers nothing."""
    from riskcli.resources import default_questionnaire
    from riskcli.yamlio import load_yaml

    key, equals, _ = incomplete.partition("=")
    try:
        path = ctx.params.get("questionnaire") or default_questionnaire()
        questions = {str(q["id"]): q for s in load_yaml(path).data["sections"]
                     for q in s["questions"]}
        if not equals:
            return [f"{name}=" for name in questions if name.startswith(incomplete)]
        question = questions.get(key) or {}
        values = (["true", "false"] if question.get("type") == "bool" else
                  [str(choice["value"]) for choice in question.get("choices") or []])
    except (RiskcliError, LookupError, TypeError, AttributeError):
        return []
    return [f"{key}={value}" for value in values if f"{key}={value}".startswith(incomplete)]


SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", metavar="KEY=VALUE", show_default=False, autocompletion=complete_set,
                 help="Answer a question differently without editing the file (repeatable), "
                      "e.g. --set weights_leave_premises=false."),
]


def parse_sets_option(pairs: list[str] | None, questionnaire: Questionnaire) -> dict[str, Any]:
    """The `--set` answers, checked once before any file is read: a bad one is a
    `--set: key: problem` line and exit 2."""
    from riskcli.answers import parse_sets

    return parse_sets(pairs or [], questionnaire)


class OutputFormat(StrEnum):
    """`--format` of the commands that print a result: for a person, or for a program."""

    text = "text"
    json = "json"


TextOrJsonOpt = Annotated[OutputFormat, typer.Option(
    "--format", metavar="[text|json]", help="For people (text) or for programs (json).")]


def load_questionnaire_option(path: Path | None) -> Questionnaire:
    """The questionnaire `--questionnaire` names, or the bundled one."""
    from riskcli.questionnaire import load_questionnaire
    from riskcli.resources import default_questionnaire

    return load_questionnaire(path or default_questionnaire())


# --- errors ---------------------------------------------------------------------------------------


class UsageError(RiskcliError):
    """The command line asks for something its inputs cannot give (found after parsing, where the
    problem is about one file)."""


def usage_error(message: str, option: str | None = None) -> typer.BadParameter:
    """A command line that cannot work, found by the command rather than by the parser: reported
    in the parser's own words (`Error: Invalid value for OPTION: ...`, after the usage line) with
    exit code 2. `option` is how the message names the option."""
    return typer.BadParameter(message, param_hint=option)


def complete_band(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion of a band (--fail-at, --target): the band names of the pack named by
    --rules, or of the bundled pack. Read straight from the YAML, unchecked; a pack that cannot
    be read offers none."""
    from riskcli.resources import default_rules
    from riskcli.yamlio import load_yaml

    try:
        bands = load_yaml(ctx.params.get("rules") or default_rules()).data["model"]["bands"]
        names = [str(band["band"]) for band in bands]
    except (RiskcliError, LookupError, TypeError):
        return []
    return [name for name in names if name.startswith(incomplete)]


def band_option(name: str, help: str) -> Any:
    """A band named on the command line: shown as BAND, completed from the pack's bands, and
    checked against the loaded pack by `check_band` (band names are pack data)."""
    return typer.Option(name, metavar="BAND", show_default=False, autocompletion=complete_band,
                        help=help)


TemplatesOpt = Annotated[Path | None, typer.Option(
    "--templates", metavar="FOLDER", show_default=False,
    help="Template folder (default: the bundled report_templates).")]

RecordTargetOpt = Annotated[str | None, band_option(
    "--target", "The band 'What it would take' aims at (default: the band below the current one).")]
"""The record's and the card's --target (levers has its own wording: there it is the point)."""


def check_band(name: str | None, pack: RulePack, option: str) -> None:
    """A band named on the command line (--fail-at, --target) must be one of the loaded pack's:
    band names are pack data, so the message says which ones this pack has."""
    bands = pack.model.band_names
    if name is not None and name not in bands:
        raise usage_error(f"{name!r} is not a band of rule pack {pack.id} "
                          f"(bands: {', '.join(bands)})", f"'{option}'")


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """Report a failure to write `path` (disk full, no permission, ...) like any bad input: one
    `path: cannot be written: reason` line and exit code 2, whichever command was writing."""
    try:
        yield
    except OSError as exc:
        reason = f"cannot be written: {exc.strerror or exc}"
        raise OutputFileError(Problem(str(path), "", reason, code="io")) from None


def print_problems(problems: list[Problem]) -> None:
    for problem in problems:
        typer.echo(str(problem), err=True)  # a Problem escapes itself, as `say` does


def say(line: str, err: bool = False) -> None:
    """One line for the user that names something from outside (a file name, an id): what a
    terminal would obey in it (ESC, bidi controls, a newline) is shown escaped instead
    (`terminal.safe`), so `riskcli validate $'\\e[2J.yaml'` cannot clear the screen."""
    typer.echo(safe(line), err=err)


def reports_errors(command: F) -> F:
    """The one mapping from errors to messages and exit codes; the app wraps every command in it.

    Typed input errors print one line per problem on stderr and exit 2 (with --debug they are
    raised as they are, so the traceback shows where they came from); Ctrl-C exits 130.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except RiskcliError as exc:
            if debugging():
                raise
            print_problems(exc.problems)
            raise typer.Exit(INPUT_ERROR) from None
        except KeyboardInterrupt:
            raise typer.Exit(INTERRUPTED) from None

    return wrapper  # type: ignore[return-value]


_debug = {"on": False}


def set_debugging(on: bool) -> None:
    """Set by the root command's --debug, on every run."""
    _debug["on"] = on


def debugging() -> bool:
    return _debug["on"]
