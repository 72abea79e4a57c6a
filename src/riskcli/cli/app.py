"""The `riskcli` program: the Typer app, its root options, and the list of commands.

Each command is a plain function in the module named for it (`riskcli score` is `cli/score.py`);
this module registers them, wrapped in the one error mapping of `cli/common.py`. Commands never
import the app, so nothing imports in a circle. The command modules import only what parsing
needs: each command imports its work inside the function, so start-up stays light.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from riskcli.cli.common import INTERRUPTED, reports_errors, set_debugging

_SETTINGS: dict[str, Any] = dict(
    name="riskcli",
    help="Score how exposed gated model-weight distribution is to a leak, and record the decision.",
    invoke_without_command=True,  # bare `riskcli` prints the help, exit 0 (see root)
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

COMMANDS = ["validate", "schema", "questions", "assess", "score", "lint", "rules", "diff", "init",
            "report", "card", "calibrate", "levers"]
"""Every command by name: the function of that name in `cli/<name>.py`. A run imports the module
of the command it runs; the whole `app` (help, completion, tests) imports them all."""


def command(name: str) -> Callable[..., Any]:
    return getattr(importlib.import_module(f"riskcli.cli.{name}"), name)  # type: ignore[no-any-return]


HELP_ORDER = ["assess", "score", "report", "levers", "diff", "card", "validate", "init",
              "questions", "rules", "schema", "lint", "calibrate"]
"""The order `riskcli --help` lists commands in: a lead's workflow first, then the reference and
maintenance commands. A command not named here comes last, so a new one is listed as soon as
it is in COMMANDS."""


def in_help_order(names: list[str]) -> list[str]:
    rank = {name: index for index, name in enumerate(HELP_ORDER)}
    return sorted(names, key=lambda name: rank.get(name, len(HELP_ORDER)))


def summary(command: Callable[..., Any]) -> str:
    """The line `riskcli --help` shows for a command: the first line of its docstring, whole.
    Left to itself, click cuts the docstring's first paragraph to fit and ends it with '...'."""
    return (command.__doc__ or "").strip().splitlines()[0] if command.__doc__ else ""


class Command(TyperCommand):
    """A command whose help names each argument by its metavar alone, as its usage line does:
    `FILE...` rather than typer's `{paths}...` and `paths... <list[Path]>`."""

    def collect_usage_pieces(self, ctx: typer.Context) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                name = argument_name(param)
                pieces.append(name if param.required else f"[{name}]")
        return pieces

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        """Typer checks a value with pydantic and would show its words ("Value error, ...",
        "Input should be a valid number"); they are said the way every other problem is."""
        try:
            return super().parse_args(ctx, args)
        except typer.BadParameter as exc:
            errors = getattr(exc.__cause__, "errors", None)
            if callable(errors):
                from riskcli.strict import validation_message

                exc.message = validation_message(errors())
            raise

    def format_options(self, ctx: typer.Context, formatter: Any) -> None:
        arguments, options = [], []
        for param in self.get_params(ctx):
            if param.param_type_name == "option" and param.metavar is None and not param.is_flag:
                param.metavar = option_metavar(param.display_type(ctx))
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if param.param_type_name == "argument":
                arguments.append((argument_name(param), record[1]))
            else:
                options.append(record)
        for title, records in (("Arguments", arguments), ("Options", options)):
            if records:
                with formatter.section(title):
                    formatter.write_dl(records)


_METAVARS = {"path": "FILE", "str": "TEXT", "int": "N", "float": "NUMBER"}


def option_metavar(shown: str) -> str:
    """What an option takes, for an option declared without a metavar: typer's `<path>` reads
    FILE, `<str>` TEXT, and a choice `<pdf|html|md>` reads as click writes one, `[pdf|html|md]`."""
    inner = shown.strip("<>")
    if "|" in inner:
        return f"[{inner}]"
    return _METAVARS.get(inner, inner.upper())


def argument_name(param: Any) -> str:
    """`FILE...` as the declaration's metavar says it, else the name in capitals."""
    if param.metavar:
        return param.metavar
    name = (param.name or "").upper()
    return name if param.nargs == 1 else f"{name}..."


def _app(names: list[str]) -> typer.Typer:
    """The root options and these commands, registered in this order."""
    made = typer.Typer(**_SETTINGS)
    made.callback()(root)
    for name in names:
        function = command(name)
        made.command(name, cls=Command, short_help=summary(function))(reports_errors(function))
    return made


def _version(value: bool) -> None:
    if value:
        from riskcli import __version__

        typer.echo(f"riskcli {__version__}")
        raise typer.Exit()


def root(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    # No docstring: Typer would print it as the app's help.
    set_debugging(debug)
    if ctx.invoked_subcommand is None and not ctx.resilient_parsing:
        typer.echo(ctx.get_help())  # asking for nothing is asking what there is: stdout, exit 0
        raise typer.Exit()


def __getattr__(name: str) -> Any:
    """`app`, every command registered, is built on first use: a run builds only its own."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    built = globals()["app"] = _app(in_help_order(COMMANDS))
    return built


_ROOT_FLAGS = frozenset({"--debug"})
"""Root options that may stand before the command's name and still leave it found."""


def app_for(args: list[str]) -> typer.Typer:
    """The app `main` runs for these arguments: when they name a command, an app holding the
    root options and that command alone, otherwise (help, --version, a misspelt command,
    shell completion) the whole app.

    Typer builds the parameters of every registered command before it parses anything, and a
    run uses one: for `riskcli score` the other twelve cost about a tenth of its start-up. What
    the one command parses, prints and exits with is the same as in the whole app.
    """
    for arg in args:
        if arg in _ROOT_FLAGS:
            continue
        if arg in COMMANDS and not any(key.endswith("_COMPLETE") for key in os.environ):
            return _app([arg])
        break
    return __getattr__("app")


def main() -> None:
    # pydantic looks for plugins the first time it builds a validator, which typer does for
    # every option it parses: a scan of every installed distribution's entry points, about a
    # tenth of `score`'s own start-up. riskcli uses no pydantic plugin.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        app_for(sys.argv[1:])()
    except KeyboardInterrupt:  # before a command started, or while the app was being built
        sys.exit(INTERRUPTED)
