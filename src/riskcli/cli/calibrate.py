"""`riskcli calibrate`: fit each copy source's base hazard to the precedents, beside the pack's.

With --check, CI learns when a pack and its precedents have drifted apart (exit 1).
"""

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
    TextOrJsonOpt,
    say,
)

DRIFTED = 1
"""--check: the pack's recorded calibration no longer matches a fresh fit."""


def calibrate(
    precedents: Annotated[Path | None, typer.Option(
        "--precedents", metavar="FOLDER", show_default=False,
        help="Folder of precedent files (default: the bundled precedents).")] = None,
    check: Annotated[bool, typer.Option(
        "--check", help="Exit 1 when the pack's recorded calibration differs from a fresh fit."
    )] = False,
    output: TextOrJsonOpt = OutputFormat.text,
    interval: IntervalOpt = None,
    questionnaire: QuestionnaireOpt = None,
    rules: RulesOpt = None,
) -> None:
    """Fit each copy source's base hazard to the precedents.

    The pack's value is shown beside each fit; --check turns a difference into exit 1 for CI.
    """
    from riskcli import calibration
    from riskcli.formatting import calibration_text
    from riskcli.precedents import load_precedents
    from riskcli.resources import default_precedents
    from riskcli.scoring import load_engine
    from riskcli.terminal import safe_json

    engine = load_engine(questionnaire, rules, interval)
    found = load_precedents(precedents or default_precedents(), engine.questionnaire)
    fit = calibration.calibrate(engine, found)
    problems = calibration.check(engine.rules, fit) if check else None
    if output is OutputFormat.json:
        document = {**dataclasses.asdict(fit), "check": problems}
        typer.echo(safe_json(json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False)))
    else:
        typer.echo(calibration_text(fit, problems))
    if problems:
        for problem in problems:
            say(f"calibrate --check: {problem}", err=True)
        raise typer.Exit(DRIFTED)
