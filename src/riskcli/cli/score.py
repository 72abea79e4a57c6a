"""`riskcli score`: score answers files, print text or JSON, and gate CI on a band (--fail-at).

The score path is the one run most often, by CI on every commit: it prints plain text and never
imports rich (see CONTRIBUTING.md).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from riskcli.cli.common import (
    INPUT_ERROR,
    IntervalOpt,
    OutputFormat,
    QuestionnaireOpt,
    RulesOpt,
    SetOpt,
    StrictOpt,
    TextOrJsonOpt,
    check_band,
    parse_sets_option,
    print_problems,
)
from riskcli.errors import Problem

if TYPE_CHECKING:
    from riskcli.results import ScoreResult

GATE_TRIPPED = 1
"""A gate tripped: a band at or past --fail-at, a difference with --fail-on-differs, or an
expired accepted risk."""


def complete_band(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion of --fail-at: the band names of the pack named by --rules, or of the
    bundled pack. Read straight from the YAML, unchecked; a pack that cannot be read offers none."""
    from riskcli.errors import RiskcliError
    from riskcli.resources import default_rules
    from riskcli.yamlio import load_yaml

    try:
        bands = load_yaml(ctx.params.get("rules") or default_rules()).data["model"]["bands"]
        names = [str(band["band"]) for band in bands]
    except (RiskcliError, LookupError, TypeError):
        return []
    return [name for name in names if name.startswith(incomplete)]


FailAtOpt = Annotated[
    str | None,
    typer.Option("--fail-at", metavar="<band>", autocompletion=complete_band,
                 help="Exit 1 when any file's band is at or above this."),
]


FailOnDiffersOpt = Annotated[bool, typer.Option(
    "--fail-on-differs",
    help="Exit 1 when the mode under consideration differs from the recommendation and no "
         "accepted risk covers it.")]


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"expected a date as YYYY-MM-DD, got {value!r}") from None


TodayOpt = Annotated[str | None, typer.Option(
    "--today", metavar="<YYYY-MM-DD>", callback=_date, show_default=False,
    help="The day accepted risks are checked against for expiry (default: the clock's).")]


def score(
    paths: Annotated[list[Path], typer.Argument(help="Answers files or folders of them.")],
    output: TextOrJsonOpt = OutputFormat.text,
    fail_at: FailAtOpt = None,
    fail_on_differs: FailOnDiffersOpt = False,
    today: TodayOpt = None,
    interval: IntervalOpt = None,
    set_: SetOpt = None,
    strict: StrictOpt = False,
    questionnaire: QuestionnaireOpt = None,
    rules: RulesOpt = None,
) -> None:
    """Score answers files: every option assessed as itself, a recommendation, and the gate.

    The gate judges the mode under consideration (the decided one, else the plan). Exit codes:
    0 ok; 1 a gate tripped (one stderr line each: a band at or above --fail-at, a difference
    from the recommendation with --fail-on-differs, an expired accepted risk); 2 an input is
    invalid (other files are still scored).
    """
    from riskcli.batch import expand_paths, score_each
    from riskcli.decision import gate
    from riskcli.formatting import ScoreOutput
    from riskcli.progress import for_files
    from riskcli.scoring import load_engine

    engine = load_engine(questionnaire, rules, interval)
    bands = engine.rules.model.band_names
    check_band(fail_at, engine.rules, "--fail-at")
    sets = parse_sets_option(set_, engine.questionnaire)
    files, problems = expand_paths(paths)
    warnings: list[Problem] = []
    out = ScoreOutput(as_json=output is OutputFormat.json, keys=engine.rules.keys)
    day = today or dt.date.today()
    trips: list[str] = []

    def add(result: ScoreResult) -> None:
        out.add(result)
        trips.extend(f"{result.file}: gate: {trip}"
                     for trip in gate(result, bands, fail_at, fail_on_differs, day))

    with for_files(len(files)) as progress:
        problems += score_each(engine, files, add, progress.update, sets=sets, strict=strict,
                               warn=warnings.append)
    print_problems(warnings + problems)
    for chunk in out.chunks(_version() if out.as_json else ""):
        typer.echo(chunk, nl=False)
    for line in trips:
        typer.echo(line, err=True)
    if problems:
        raise typer.Exit(INPUT_ERROR)
    if trips:
        raise typer.Exit(GATE_TRIPPED)


def _version() -> str:
    from riskcli import __version__

    return __version__
