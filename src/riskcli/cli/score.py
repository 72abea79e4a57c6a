"""`riskcli score`: score answers files, print text or JSON, and gate CI on a band (--fail-at).

The score path is the one run most often, by CI on every commit: it prints plain text and never
imports rich (see CONTRIBUTING.md).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from riskcli.cli.common import (
    INPUT_ERROR,
    OutputFormat,
    QuestionnaireOpt,
    RulesOpt,
    TextOrJsonOpt,
    print_problems,
    usage_error,
)

GATE_TRIPPED = 1
"""A file's band is at or past --fail-at."""


class Band(StrEnum):
    low = "low"
    moderate = "moderate"
    high = "high"
    critical = "critical"


def score(
    paths: Annotated[list[Path], typer.Argument(help="Answers files or folders of them.")],
    output: TextOrJsonOpt = OutputFormat.text,
    fail_at: Annotated[Band | None, typer.Option(
        "--fail-at", help="Exit 1 when any file's band is at or above this.")] = None,
    questionnaire: QuestionnaireOpt = None,
    rules: RulesOpt = None,
) -> None:
    """Score answers files: exposure of gated distribution, the three options, a recommendation.

    Exit codes: 0 ok; 1 a band at or above --fail-at; 2 an input is invalid (other files are still
    scored).
    """
    from riskcli.batch import expand_paths, score_each
    from riskcli.formatting import ScoreOutput
    from riskcli.progress import for_files
    from riskcli.scoring import load_engine

    engine = load_engine(questionnaire, rules)
    files, problems = expand_paths(paths)
    out = ScoreOutput(as_json=output is OutputFormat.json, keys=engine.rules.keys)
    with for_files(len(files)) as progress:
        problems += score_each(engine, files, out.add, progress.update)
    print_problems(problems)
    for chunk in out.chunks(_version() if out.as_json else ""):
        typer.echo(chunk, nl=False)
    if problems:
        raise typer.Exit(INPUT_ERROR)
    if fail_at is not None:
        bands = engine.rules.model.band_names
        if fail_at.value not in bands:
            raise usage_error(f"the rule pack's bands are {', '.join(bands)}")
        limit = bands.index(fail_at.value)
        if any(bands.index(band) >= limit for band in out.bands):
            raise typer.Exit(GATE_TRIPPED)


def _version() -> str:
    from riskcli import __version__

    return __version__
