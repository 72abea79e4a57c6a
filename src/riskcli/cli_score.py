"""`riskcli score` and `riskcli lint`: registered on the app by importing this module."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from riskcli.cli import QuestionnaireOpt, RulesOpt, app, print_problems, reports_errors


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


class Band(StrEnum):
    low = "low"
    moderate = "moderate"
    high = "high"
    critical = "critical"


@app.command()
@reports_errors
def score(
    paths: Annotated[list[Path], typer.Argument(help="Answers files or folders of them.")],
    output: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = (
        OutputFormat.text),
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
        raise typer.Exit(2)
    if fail_at is not None:
        bands = engine.rules.model.band_names
        if fail_at.value not in bands:
            raise typer.BadParameter(f"the rule pack's bands are {', '.join(bands)}")
        limit = bands.index(fail_at.value)
        if any(bands.index(band) >= limit for band in out.bands):
            raise typer.Exit(1)


def _version() -> str:
    from riskcli import __version__

    return __version__


@app.command()
@reports_errors
def lint(questionnaire: QuestionnaireOpt = None, rules: RulesOpt = None) -> None:
    """Check a questionnaire and rule pack together and report every problem."""
    from riskcli.scoring import load_engine

    engine = load_engine(questionnaire, rules)
    pack = engine.rules
    typer.echo(f"ok: questionnaire {engine.questionnaire.id} {engine.questionnaire.version} "
               f"({len(engine.questionnaire.questions)} questions), rules {pack.id} {pack.version} "
               f"({len(pack.rules)} rules, {len(pack.model.factors)} factors)")


@app.command("rules")
@reports_errors
def rules_command(
    output: Annotated[str, typer.Option("--format", help="text or md (Markdown, for docs).")] = (
        "text"),
    questionnaire: QuestionnaireOpt = None,
    rules: RulesOpt = None,
) -> None:
    """List the rule pack: every rule's condition, effect, severity, owner and rationale."""
    from riskcli.listing import rules_markdown, rules_text
    from riskcli.scoring import load_engine

    pack = load_engine(questionnaire, rules).rules
    if output == "md":
        typer.echo(rules_markdown(pack), nl=False)
    elif output == "text":
        typer.echo(rules_text(pack))
    else:
        raise typer.BadParameter("expected text or md", param_hint="--format")
