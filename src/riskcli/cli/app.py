"""The `riskcli` program: the Typer app, its root options, and the list of commands.

Each command is a plain function in the module named for it (`riskcli score` is `cli/score.py`);
this module registers them, wrapped in the one error mapping of `cli/common.py`. Commands never
import the app, so nothing imports in a circle. The command modules import only what parsing
needs: each command imports its work inside the function, so start-up stays light.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from riskcli.cli.assess import assess
from riskcli.cli.calibrate import calibrate
from riskcli.cli.card import card
from riskcli.cli.common import INTERRUPTED, reports_errors, set_debugging
from riskcli.cli.diff import diff
from riskcli.cli.init import init
from riskcli.cli.levers import levers
from riskcli.cli.lint import lint
from riskcli.cli.questions import questions
from riskcli.cli.report import report
from riskcli.cli.rules import rules
from riskcli.cli.schema import schema
from riskcli.cli.score import score
from riskcli.cli.validate import validate

app = typer.Typer(
    name="riskcli",
    help="Score how exposed gated model-weight distribution is to a leak, and record the decision.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

# In the order `riskcli --help` lists them.
COMMANDS = [validate, schema, questions, assess, score, lint, rules, diff, init, report, card,
            calibrate, levers]

for command in COMMANDS:
    app.command(command.__name__)(reports_errors(command))


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
    # No docstring: Typer would print it as the app's help.
    set_debugging(debug)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:  # before a command started, or while the app was being built
        sys.exit(INTERRUPTED)
