"""`riskcli report`: the decision record (PDF or HTML), or the model card's Markdown section.

Parses options and calls `riskcli.report.write_report`; the report package is imported inside the
command so other commands never load it (and WeasyPrint only loads for a PDF). Many answers files
(or folders of them) with `-o FOLDER/` are rendered in one process, `--jobs` records at a time,
each into FOLDER/<name>.<format> (a folder's files at their place below it), byte for byte what
`report FILE -o FOLDER/<name>.<format>` writes.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from riskcli.cli.common import (
    INPUT_ERROR,
    IntervalOpt,
    JobsOpt,
    QuestionnaireOpt,
    RecordTargetOpt,
    RulesOpt,
    SetOpt,
    StrictOpt,
    TemplatesOpt,
    UsageError,
    check_band,
    parse_sets_option,
    print_problems,
    say,
    writing,
)
from riskcli.errors import Problem, RiskcliError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from riskcli.report.templates import TemplateSet
    from riskcli.results import ScoreResult
    from riskcli.rulepack import Keys
    from riskcli.scoring import Engine


class ReportFormat(StrEnum):
    pdf = "pdf"
    html = "html"
    md = "md"


def report(
    answers: Annotated[list[Path], typer.Argument(
        metavar="FILE...", show_default=False,
        help="Answers file to score and record; several, or folders of them, with -o FOLDER/.")],
    output: Annotated[str, typer.Option(
        "-o", "--output", metavar="FILE", show_default=False,
        help="File to write (.pdf, .html, .md); - writes an md or html record to stdout; "
             "FOLDER/ (or an existing folder) gets one record per answers file.")],
    output_format: Annotated[ReportFormat | None, typer.Option(
        "--format", help="pdf, html or md (default: from the output file's extension).",
        show_default=False)] = None,
    templates: TemplatesOpt = None,
    target: RecordTargetOpt = None,
    interval: IntervalOpt = None,
    set_: SetOpt = None,
    strict: StrictOpt = False,
    jobs: JobsOpt = None,
    questionnaire: QuestionnaireOpt = None,
    rules: RulesOpt = None,
) -> None:
    """Render the decision record: PDF, HTML or model-card Markdown.

    The record is a PDF or HTML document; Markdown is the model card's section. With --set, the
    record is of the answers as changed (its digest is not the file's). With -o FOLDER/, every
    answers file named gets FOLDER/<name>.pdf (or --format's extension), and a folder's files
    their place below it, rendered --jobs at a time; one problem line per file that fails,
    exit 2 if any did.
    """
    from riskcli.fileio import check_output_path, is_stdout
    from riskcli.progress import Progress
    from riskcli.report import format_for, render, write_report
    from riskcli.report.render import PDF_STAGES
    from riskcli.report.templates import load_templates
    from riskcli.resources import default_templates
    from riskcli.scoring import load_engine, score_file

    out = Path(output)  # the text is kept: a trailing / asks for a folder
    if _many(answers, output):
        _report_many(answers, output, output_format, templates, target, interval, set_, strict,
                     jobs, questionnaire, rules)
        return
    answers_file = answers[0]
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
                          inputs=[answers_file, questionnaire, rules, templates])
    template_set = load_templates(templates or default_templates())
    engine = load_engine(questionnaire, rules, interval)
    check_band(target, engine.rules, "--target")
    sets = parse_sets_option(set_, engine.questionnaire)
    result = score_file(engine, answers_file, sets=sets, strict=strict,
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
        typer.echo(f"{out}: {fmt} decision record for {answers_file}")
    if fmt == "md":
        _suggest_front_matter(result, template_set, engine.rules.keys, err=to_stdout)


def _many(answers: list[Path], output: str) -> bool:
    """Several records: more than one answers path, or -o ending in /. One path with -o naming
    a file is one record, as ever: a folder there is refused as not an answers file, and -o
    naming an existing folder as not a file name."""
    return len(answers) > 1 or output.endswith(("/", os.sep))


def _report_many(answers: list[Path], output: str, output_format: ReportFormat | None,
                 templates: Path | None, target: str | None, interval: float | None,
                 set_: list[str] | None, strict: bool, jobs: int | None,
                 questionnaire: Path | None, rules: Path | None) -> None:
    """One record per answers file into the folder `output`, in the order the files were named
    (folders walked as `score` walks them): a file named is recorded as OUT/<name>.<format>, a
    file found in a folder at the same place below OUT as below that folder. Everything is
    loaded once, WeasyPrint included, before the workers start."""
    import functools

    from riskcli.batch import expand_paths, render_each
    from riskcli.fileio import check_output_path, is_stdout
    from riskcli.progress import Progress
    from riskcli.report.templates import load_templates
    from riskcli.resources import default_templates
    from riskcli.scoring import load_engine

    out = Path(output)
    if is_stdout(out):
        raise UsageError(Problem(output, "--output", "several records cannot share standard "
                                 "output; give a folder, as -o FOLDER/"))
    if out.exists() and not out.is_dir():
        raise UsageError(Problem(str(out), "--output", "is a file; several records are "
                                 "written to a folder"))
    if not (output.endswith(("/", os.sep)) or out.is_dir()):
        raise UsageError(Problem(output, "--output", "several records are written to a "
                                 "folder: end -o with / (e.g. -o records/)"))
    fmt = output_format.value if output_format else "pdf"
    files, problems, places = [], [], []
    for root in answers:  # a file found in a folder keeps its place below that folder
        found, missed = expand_paths([root])
        files += found
        problems += missed
        places += [path.relative_to(root) if root.is_dir() and path.is_relative_to(root)
                   else Path(path.name) for path in found]
    template_set = load_templates(templates or default_templates())
    engine = load_engine(questionnaire, rules, interval)
    check_band(target, engine.rules, "--target")
    sets = parse_sets_option(set_, engine.questionnaire)
    with writing(out):
        out.mkdir(parents=True, exist_ok=True)
    pairs: list[tuple[Path, Path]] = []
    taken: dict[Path, Path] = {}
    for path, place in zip(files, places, strict=True):
        target_file = out / place.with_suffix(f".{fmt}")
        if target_file in taken:
            problems.append(Problem(str(path), "", f"its record would be {target_file}, as "
                                    f"the record of {taken[target_file]} is; name one "
                                    "of them on its own", code="io"))
            continue
        taken[target_file] = path
        try:
            with writing(target_file.parent):
                target_file.parent.mkdir(parents=True, exist_ok=True)
            check_output_path(target_file, "a file name for the record",
                              inputs=[*files, questionnaire, rules, templates])
        except RiskcliError as exc:
            problems.extend(exc.problems)
            continue
        pairs.append((path, target_file))
    print_problems(problems)
    if fmt == "pdf":  # WeasyPrint and the template folder's fonts, loaded once for every worker
        from riskcli.report.pdf import load

        load(template_set)

    render_one = functools.partial(record_one, engine, template_set, fmt, target, sets, strict)
    # Records take a second or two each: on a terminal, a bar under the lines said so far.
    progress = Progress("rendering", len(pairs), "records")
    failed = bool(problems)
    with progress:
        for done, rendered in enumerate(render_each(pairs, render_one, jobs), 1):
            progress.close()
            print_problems(rendered.warnings + rendered.problems)
            if not rendered.problems:
                say(f"{rendered.out}: {fmt} decision record for {rendered.answers}")
            failed |= bool(rendered.problems)
            progress.update(done)
    if failed:
        raise typer.Exit(INPUT_ERROR)


def record_one(engine: Engine, templates: TemplateSet, fmt: str, target: str | None,
               sets: Mapping[str, object], strict: bool, answers: Path, out: Path,
               warn: Callable[[Problem], None]) -> None:
    """One answers file scored and its record written, as a single `report` does it."""
    from riskcli.report import write_report
    from riskcli.scoring import score_file

    result = score_file(engine, answers, sets=sets, strict=strict, warn=warn)
    with writing(out):
        write_report(result, engine, out, fmt, templates, None, target,  # type: ignore[arg-type]
                     warn=warn)


def _suggest_front_matter(result: ScoreResult, templates: TemplateSet, keys: Keys, *,
                          err: bool = False) -> None:
    """For a gated download, the Hugging Face access form that matches the answers (its wording
    was checked with the template folder, before anything was written)."""
    from riskcli.report.hf import front_matter_text, gating_front_matter

    front_matter = gating_front_matter(result, templates.gating, keys)
    if front_matter is not None:
        from riskcli.terminal import command_line

        card = command_line(["riskcli", "card", "README.md", Path(result.file)])
        typer.echo("\nFor a gated Hugging Face repository, the access form below matches the "
                   f"vetting and terms answered; `{card}` merges it into the card's own front "
                   "matter, with the decision section:\n", err=err)
        typer.echo(front_matter_text(front_matter), nl=False, err=err)
