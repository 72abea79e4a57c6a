"""What the commands share: the options they have in common, and the one mapping from errors to
what the user sees and the exit code.

Exit codes are a contract: 0 ok; 1 a gate tripped (a band at or past --fail-at); 2 bad input, a
usage error or an output that cannot be written; 130 stopped by Ctrl-C. Bad input is one
`file: key: problem` line per problem on stderr, never a traceback (unless --debug).

Imported by every command, so it stays light: typer, and riskcli.errors.
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
    typer.Option("--questionnaire", help="Questionnaire YAML (default: the bundled one).",
                 show_default=False),
]
RulesOpt = Annotated[
    Path | None,
    typer.Option("--rules", help="Rule pack YAML (default: the bundled llama-pattern pack).",
                 show_default=False),
]


def _interval_level(value: float | None) -> float | None:
    if value is not None and not 0.5 <= value <= 0.99:
        raise typer.BadParameter(f"expected a level between 0.5 and 0.99, e.g. 0.9; got {value:g}")
    return value


IntervalOpt = Annotated[
    float | None,
    typer.Option("--interval", metavar="<level>", show_default=False, callback=_interval_level,
                 help="Width of the interval beside every figure, e.g. 0.9 (default: the "
                      "pack's, 0.8)."),
]


StrictOpt = Annotated[
    bool,
    typer.Option("--strict", help="An answer to a question that does not apply is an error "
                 "(exit 2), not a warning that it is ignored."),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", metavar="<key=value>", show_default=False,
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


TextOrJsonOpt = Annotated[OutputFormat, typer.Option("--format", help="text or json.")]


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
        typer.echo(str(problem), err=True)


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
