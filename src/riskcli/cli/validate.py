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
    say,
)
from riskcli.errors import RiskcliError


def validate(
    paths: Annotated[list[Path], typer.Argument(
        metavar="FILE...", show_default=False,
        help="Answers files, or folders of them (walked as `score` walks them).")],
    set_: SetOpt = None,
    strict: StrictOpt = False,
    questionnaire: QuestionnaireOpt = None,
) -> None:
    """Check answers files against the questionnaire, without scoring.

    Folders are walked for *.yaml and *.yml files in sorted order, skipping hidden names; a
    file or folder that cannot be read is a problem, and the rest are still checked. An answer
    to a question that does not apply is ignored with a warning on stderr (exit 0), or an error
    with --strict (exit 2).
    """
    from riskcli.answers import load_answers
    from riskcli.inputs import expand_paths

    q = load_questionnaire_option(questionnaire)
    sets = parse_sets_option(set_, q)
    files, problems = expand_paths(paths)
    print_problems(problems)
    failed = bool(problems)
    for path in files:
        try:
            answers = load_answers(path, q, sets=sets, strict=strict)
        except RiskcliError as exc:
            print_problems(exc.problems)
            failed = True
        else:
            print_problems(list(answers.warnings))
            say(f"{path}: ok")
    if failed:
        raise typer.Exit(INPUT_ERROR)
