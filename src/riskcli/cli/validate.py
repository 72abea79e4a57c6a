"""`riskcli validate`: check answers files against the questionnaire, without scoring them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from riskcli.cli.common import (
    INPUT_ERROR,
    QuestionnaireOpt,
    load_questionnaire_option,
    print_problems,
)
from riskcli.errors import RiskcliError


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
        raise typer.Exit(INPUT_ERROR)
