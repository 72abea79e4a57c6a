"""`riskcli validate`: check answers files against the questionnaire, without scoring them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from riskcli.cli.common import (
    INPUT_ERROR,
    QuestionnaireOpt,
    SetOpt,
    StrictOpt,
    load_questionnaire_option,
    parse_sets_option,
    print_problems,
)
from riskcli.errors import RiskcliError


def validate(
    files: Annotated[list[Path], typer.Argument(help="Answers files to check.")],
    set_: SetOpt = None,
    strict: StrictOpt = False,
    questionnaire: QuestionnaireOpt = None,
) -> None:
    """Check answers files against the questionnaire without scoring them.

    An answer to a question that does not apply is ignored with a warning on stderr (exit 0),
    or an error with --strict (exit 2).
    """
    from riskcli.answers import load_answers

    q = load_questionnaire_option(questionnaire)
    sets = parse_sets_option(set_, q)
    failed = False
    for path in files:
        try:
            answers = load_answers(path, q, sets=sets, strict=strict)
        except RiskcliError as exc:
            print_problems(exc.problems)
            failed = True
        else:
            print_problems(list(answers.warnings))
            typer.echo(f"{path}: ok")
    if failed:
        raise typer.Exit(INPUT_ERROR)
