"""`riskcli score`: score answers files, print text, JSON or a CI format (SARIF, JUnit, GitHub
annotations, a step summary), and gate CI on a band (--fail-at).

The score path is the one run most often, by CI on every commit: it prints plain text and never
imports rich (see CONTRIBUTING.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from riskcli.cli.common import (
    INPUT_ERROR,
    IntervalOpt,
    JobsOpt,
    QuestionnaireOpt,
    RulesOpt,
    SetOpt,
    StrictOpt,
    band_option,
    check_band,
    parse_sets_option,
    print_problems,
    say,
    usage_error,
    writing,
)
from riskcli.collector import collector_paused
from riskcli.errors import Problem

if TYPE_CHECKING:
    from riskcli.fileio import AtomicFile
    from riskcli.results import ScoreResult

GATE_TRIPPED = 1
"""A gate tripped: a band at or past --fail-at, a difference with --fail-on-differs, or an
expired accepted risk."""


FailAtOpt = Annotated[str | None, band_option(
    "--fail-at", "Exit 1 when the band of the option under consideration is this one or worse.")]


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
    "--today", metavar="YYYY-MM-DD", callback=_date, show_default=False,
    help="The day accepted risks are checked against for expiry (default: the clock's).")]


class ScoreFormat(StrEnum):
    """What `score` writes to stdout: for people, for programs, or for a CI system."""

    text = "text"
    json = "json"
    sarif = "sarif"
    junit = "junit"
    github = "github"


FormatOpt = Annotated[ScoreFormat, typer.Option(
    "--format", metavar="[text|json|sarif|junit|github]",
    help="What stdout gets: text for people, json for programs, sarif (2.1.0, for code "
         "scanning), junit (XML test report), or github (workflow-command annotations).")]


def _file_option(name: str, help: str) -> object:
    return typer.Option(name, metavar="FILE", show_default=False, dir_okay=False, help=help)


SarifOpt = Annotated[Path | None, _file_option(
    "--sarif", "Also write SARIF 2.1.0 to FILE, whatever --format prints.")]
JunitOpt = Annotated[Path | None, _file_option(
    "--junit", "Also write a JUnit XML report to FILE: one test case per answers file.")]
SummaryOpt = Annotated[Path | None, _file_option(
    "--summary", "Also write a Markdown table of every file to FILE, appended when FILE exists "
                 '(as "$GITHUB_STEP_SUMMARY" expects).')]


def _url(value: str | None) -> str | None:
    from urllib.parse import urlsplit

    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http", "file") or parts.fragment or (
            parts.scheme != "file" and not parts.netloc):
        raise typer.BadParameter(f"expected an absolute http(s) or file URL without a #fragment, "
                                 f"got {value!r}")
    return value


RulesUrlOpt = Annotated[str | None, typer.Option(
    "--rules-url", metavar="URL", callback=_url, show_default=False,
    help="Where the rule catalogue (riskcli rules --format md, docs/rules.md) is published: "
         "SARIF links each rule to its section there.")]


@collector_paused()  # start-up and scoring alike; batch.score_each says when to collect
def score(
    paths: Annotated[list[Path], typer.Argument(
        metavar="FILE...", help="Answers files, or folders of them.", show_default=False)],
    output: FormatOpt = ScoreFormat.text,
    sarif: SarifOpt = None,
    junit: JunitOpt = None,
    summary: SummaryOpt = None,
    rules_url: RulesUrlOpt = None,
    fail_at: FailAtOpt = None,
    fail_on_differs: FailOnDiffersOpt = False,
    today: TodayOpt = None,
    interval: IntervalOpt = None,
    set_: SetOpt = None,
    strict: StrictOpt = False,
    jobs: JobsOpt = None,
    questionnaire: QuestionnaireOpt = None,
    rules: RulesOpt = None,
) -> None:
    """Score answers files: each option, a recommendation, the gate.

    Every option is assessed as itself, and the recommendation says which to choose. The gate
    judges the mode under consideration (the decided one, else the plan). Exit codes:
    0 ok; 1 a gate tripped (one stderr line each: a band at or above --fail-at, a difference
    from the recommendation with --fail-on-differs, an expired accepted risk); 2 an input is
    invalid (other files are still scored).
    """
    import sys
    from contextlib import ExitStack

    from riskcli import ci_formats as ci
    from riskcli.batch import expand_paths, score_each
    from riskcli.fileio import AtomicFile, check_output_path
    from riskcli.progress import for_files
    from riskcli.scoring import load_engine

    engine = load_engine(questionnaire, rules, interval)
    bands = engine.rules.model.band_names
    check_band(fail_at, engine.rules, "--fail-at")
    sets = parse_sets_option(set_, engine.questionnaire)
    extra = {kind: path for kind, path in (("sarif", sarif), ("junit", junit),
                                           ("summary", summary)) if path is not None}
    if len(set(map(str, extra.values()))) < len(extra):
        raise usage_error("--sarif, --junit and --summary must name different files")
    files, problems = expand_paths(paths)
    for path in extra.values():
        check_output_path(path, "a file", inputs=files)
    # Only documents for programs name the version; reading it from the installed metadata
    # costs the text table a few milliseconds for nothing.
    version = _version() if extra or output is not ScoreFormat.text else ""
    run = ci.Run(engine.rules, version, today or dt.date.today(), Path.cwd(), rules_url)
    warnings: list[Problem] = []
    trips: list[str] = []

    with ExitStack() as stack:
        sinks: list[AtomicFile] = []
        writers = [ci.writer(output.value, run, _echo)]
        for kind, path in extra.items():
            with writing(path):
                sinks.append(stack.enter_context(AtomicFile(path, append=kind == "summary")))
            writers.append(ci.writer(kind, run, _writer_to(sinks[-1])))
        needs_lines = any(w.needs_lines for w in writers)

        def add(result: ScoreResult) -> None:
            verdict = ci.judge(result, bands, fail_at, fail_on_differs, run.today)
            lines = ci.read_lines(result.file, sets) if needs_lines else ci.NO_LINES
            for w in writers:
                w.add(result, verdict, lines)
            trips.extend(f"{result.file}: gate: {trip.text}" for trip in verdict)

        def invalid(found: list[Problem]) -> None:
            for w in writers:
                w.problems(found)

        def warn(problem: Problem) -> None:
            warnings.append(problem)
            for w in writers:
                w.warning(problem)

        for problem in problems:
            invalid([problem])
        progress = for_files(len(files))
        # Streamed output and the bar must not share one screen.
        progress.enabled &= output is ScoreFormat.text or not sys.stdout.isatty()
        with progress:
            problems += score_each(engine, files, add, progress.update, sets=sets,
                                   strict=strict, warn=warn, on_problems=invalid, jobs=jobs)
        print_problems(warnings + problems)
        for w in writers:
            w.close()
        for sink in sinks:
            with writing(sink.path):
                sink.commit()
    for line in trips:
        say(line, err=True)
    if problems:
        raise typer.Exit(INPUT_ERROR)
    if trips:
        raise typer.Exit(GATE_TRIPPED)


def _echo(text: str) -> None:
    typer.echo(text, nl=False)


def _writer_to(sink: AtomicFile) -> Callable[[str], None]:
    def write(text: str) -> None:
        with writing(sink.path):
            sink.write(text)

    return write


def _version() -> str:
    from riskcli import __version__

    return __version__
