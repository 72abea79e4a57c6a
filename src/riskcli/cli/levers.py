"""`riskcli levers`: what it would take to reach a band, lever by lever."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated

import typer

from riskcli.cli.common import (
    IntervalOpt,
    OutputFormat,
    QuestionnaireOpt,
    RulesOpt,
    SetOpt,
    StrictOpt,
    TextOrJsonOpt,
    band_option,
    check_band,
    parse_sets_option,
    print_problems,
)


def levers(
    answers: Annotated[Path, typer.Argument(
        metavar="FILE", show_default=False, help="Answers file to explore.")],
    target: Annotated[str | None, band_option(
        "--target", "The band to reach (default: the band below the current one).")] = None,
    output: TextOrJsonOpt = OutputFormat.text,
    set_answers: SetOpt = None,
    strict: StrictOpt = False,
    interval: IntervalOpt = None,
    questionnaire: QuestionnaireOpt = None,
    rules: RulesOpt = None,
) -> None:
    """Show what each lever would do, and the fewest changes to a band.

    What would it take: each lever's effect alone, the break-even points, and the fewest changes
    (up to three) that bring gated downloads to the target band.
    """
    from riskcli.answers import load_answers
    from riskcli.formatting import levers_text
    from riskcli.levers import lever_report
    from riskcli.scoring import load_engine
    from riskcli.terminal import safe_json

    engine = load_engine(questionnaire, rules, interval)
    check_band(target, engine.rules, "--target")
    sets = parse_sets_option(set_answers, engine.questionnaire)
    loaded = load_answers(answers, engine.questionnaire, sets=sets, strict=strict)
    print_problems(list(loaded.warnings))
    report = lever_report(engine, loaded.values, target, loaded.path)
    if output is OutputFormat.json:
        typer.echo(safe_json(json.dumps(dataclasses.asdict(report), indent=2, ensure_ascii=False,
                                        allow_nan=False, default=str)))
    else:
        typer.echo(levers_text(report))
