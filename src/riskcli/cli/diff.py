"""`riskcli diff`: what changed between two answers files (or one file and its git past), and how
each change moved the decision."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from riskcli.cli.common import (
    OutputFormat,
    QuestionnaireOpt,
    RulesOpt,
    TextOrJsonOpt,
    usage_error,
)


def diff(
    old: Annotated[Path, typer.Argument(
        help="The earlier answers file (or the file, with --rev).")],
    new: Annotated[Path | None, typer.Argument(help="The later answers file.")] = None,
    rev: Annotated[str | None, typer.Option(
        "--rev", help="Compare OLD at this git revision with OLD now (e.g. HEAD~1).")] = None,
    output: TextOrJsonOpt = OutputFormat.text,
    questionnaire: QuestionnaireOpt = None,
    rules: RulesOpt = None,
) -> None:
    """Show what changed between two answers files and how each change moved the decision."""
    from riskcli.diffing import diff_answers, load_side
    from riskcli.formatting import diff_text
    from riskcli.scoring import load_engine

    if (new is None) == (rev is None):
        raise usage_error("give either NEW or --rev REV, not both or neither")
    engine = load_engine(questionnaire, rules)
    before = load_side(engine, old, rev)
    after = load_side(engine, new if new is not None else old)
    result = diff_answers(engine, before, after)
    if output is OutputFormat.json:
        typer.echo(json.dumps(result.model_dump(mode="json"), indent=2, allow_nan=False))
    else:
        typer.echo(diff_text(result))
