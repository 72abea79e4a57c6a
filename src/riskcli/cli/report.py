"""`riskcli report`: the decision record (PDF or HTML), or the model card's Markdown section.

Parses options and calls `riskcli.report.write_report`; the report package is imported inside the
command so other commands never load it (and WeasyPrint only loads for a PDF).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from riskcli.cli.common import (
    IntervalOpt,
    QuestionnaireOpt,
    RulesOpt,
    SetOpt,
    StrictOpt,
    UsageError,
    band_option,
    check_band,
    parse_sets_option,
    print_problems,
    writing,
)
from riskcli.errors import Problem

if TYPE_CHECKING:
    from riskcli.report.templates import TemplateSet
    from riskcli.results import ScoreResult
    from riskcli.rulepack import Keys


class ReportFormat(StrEnum):
    pdf = "pdf"
    html = "html"
    md = "md"


def report(
    answers: Annotated[Path, typer.Argument(
        metavar="FILE", show_default=False, help="Answers file to score and record.")],
    out: Annotated[Path, typer.Option(
        "-o", "--output", show_default=False,
        help="File to write (.pdf, .html, .md); - writes an md or html record to stdout.")],
    output_format: Annotated[ReportFormat | None, typer.Option(
        "--format", help="pdf, html or md (default: from the output file's extension).",
        show_default=False)] = None,
    templates: Annotated[Path | None, typer.Option(
        "--templates", metavar="FOLDER", show_default=False,
        help="Template folder (default: the bundled report_templates).")] = None,
    target: Annotated[str | None, band_option(
        "--target",
        "The band 'What it would take' aims at (default: the band below the current one).",
    )] = None,
    interval: IntervalOpt = None,
    set_: SetOpt = None,
    strict: StrictOpt = False,
    questionnaire: QuestionnaireOpt = None,
    rules: RulesOpt = None,
) -> None:
    """Render the decision record: PDF, HTML or model-card Markdown.

    The record is a PDF or HTML document; Markdown is the model card's section. With --set, the
    record is of the answers as changed (its digest is not the file's).
    """
    from riskcli.fileio import check_output_path, is_stdout
    from riskcli.progress import Progress
    from riskcli.report import format_for, render, write_report
    from riskcli.report.render import PDF_STAGES
    from riskcli.report.templates import load_templates
    from riskcli.resources import default_templates
    from riskcli.scoring import load_engine, score_file

    to_stdout = is_stdout(out)
    fmt = output_format.value if output_format else None if to_stdout else format_for(out)
    if fmt is None and to_stdout:
        raise UsageError(Problem(str(out), "--format", "standard output has no extension to "
                                 "tell the format from; pass --format md or html"))
    if fmt is None:
        raise UsageError(Problem(str(out), "--format", "cannot tell the format from the "
                                 "extension; use .pdf, .html or .md, or pass --format"))
    if to_stdout and fmt == "pdf":
        raise UsageError(Problem(str(out), "--format", "a PDF is not written to standard "
                                 "output; give a file name, or use --format md or html"))
    if not to_stdout:
        check_output_path(out, "a file name for the record",
                          inputs=[answers, questionnaire, rules, templates])
    template_set = load_templates(templates or default_templates())
    engine = load_engine(questionnaire, rules, interval)
    check_band(target, engine.rules, "--target")
    sets = parse_sets_option(set_, engine.questionnaire)
    result = score_file(engine, answers, sets=sets, strict=strict,
                       warn=lambda warning: print_problems([warning]))
    if to_stdout:
        # Standard output holds the document alone; what would follow it goes to stderr.
        typer.echo(render(result, engine, fmt, template_set, None, target).decode("utf-8"),
                   nl=False)
    else:
        # A PDF takes a second or two: a bar on a terminal's stderr names each stage, then
        # vanishes.
        bar = Progress(f"rendering {out.name}", PDF_STAGES,
                       enabled=None if fmt == "pdf" else False)
        undrawn: list[Problem] = []  # printed once the bar is gone
        with writing(out), bar:
            write_report(result, engine, out, fmt, template_set, bar.stage, target,
                         warn=undrawn.append)
        print_problems(undrawn)
        typer.echo(f"{out}: {fmt} decision record for {answers}")
    if fmt == "md":
        _suggest_front_matter(result, template_set, engine.rules.keys, err=to_stdout)


def _suggest_front_matter(result: ScoreResult, templates: TemplateSet, keys: Keys, *,
                          err: bool = False) -> None:
    """For a gated download, the Hugging Face access form that matches the answers (its wording
    was checked with the template folder, before anything was written)."""
    from riskcli.report.hf import front_matter_text, gating_front_matter

    front_matter = gating_front_matter(result, templates.gating, keys)
    if front_matter is not None:
        typer.echo("\nFor a gated Hugging Face repository, put this front matter at the top of "
                   "README.md (it matches the vetting and terms answered):\n", err=err)
        typer.echo(front_matter_text(front_matter), nl=False, err=err)
