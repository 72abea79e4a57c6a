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
    SetOpt,
    StrictOpt,
    TextOrJsonOpt,
    parse_sets_option,
    print_problems,
    usage_error,
)


def diff(
    old: Annotated[Path, typer.Argument(
        metavar="OLD", show_default=False,
        help="The earlier answers file (or the file, with --rev or --set alone).")],
    new: Annotated[Path | None, typer.Argument(
        metavar="NEW", show_default=False, help="The later answers file.")] = None,
    rev: Annotated[str | None, typer.Option(
        "--rev", metavar="REV", show_default=False,
        help="Compare OLD at this git revision with OLD now (e.g. HEAD~1); a file added or "
             "removed since then is all answers added or removed.")] = None,
    set_: SetOpt = None,
    strict: StrictOpt = False,
    output: TextOrJsonOpt = OutputFormat.text,
    questionnaire: QuestionnaireOpt = None,
    rules: RulesOpt = None,
) -> None:
    """Show what changed between two answers files, and what it did.

    Each changed answer is applied alone to the old answers, to show how it moved the decision.

    --set changes the new side only: `diff FILE --set key=value` shows what that change would
    do to FILE, and `diff FILE --rev REV --set ...` what it would do on top of the edits since REV.
    """
    from riskcli.diffing import diff_answers, load_side
    from riskcli.formatting import diff_text, one_sided_text
    from riskcli.scoring import load_engine

    if new is not None and rev is not None:
        raise usage_error("give either NEW or --rev REV, not both")
    if new is None and rev is None and not set_:
        raise usage_error("give NEW, --rev REV or --set KEY=VALUE to compare OLD with")
    engine = load_engine(questionnaire, rules)
    sets = parse_sets_option(set_, engine.questionnaire)
    before = load_side(engine, old, rev, strict=strict)
    removed = rev is not None and before is not None and not old.exists()
    if removed and sets:
        raise usage_error(f"{old} no longer exists, so there is nothing to --set", "'--set'")
    after = None if removed else load_side(engine, new if new is not None else old, sets=sets,
                                           strict=strict)
    warnings = [*(before.warnings if before else ()), *(after.warnings if after else ())]
    print_problems(list(dict.fromkeys(warnings)))
    result = diff_answers(engine, before, after)
    if output is OutputFormat.json:
        typer.echo(json.dumps(result.model_dump(mode="json"), indent=2, allow_nan=False))
    elif result.old is None or result.new is None:
        typer.echo(one_sided_text(result, f"{old}@{rev}" if result.old is None else str(old)))
    else:
        typer.echo(diff_text(result))
