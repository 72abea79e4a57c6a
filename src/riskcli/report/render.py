"""One ScoreResult in, one record out: HTML, PDF or the model card's Markdown section.

All three formats share one view model (`context.build_view`), so they print the same figures.
The PDF is the HTML record run through WeasyPrint, which is imported only when a PDF is asked
for. Writing goes through `fileio.write_atomic`, and only after the whole render succeeded, so a
failed render leaves the previous file (or none) in place.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from riskcli.errors import Problem
from riskcli.exposure import leak_probability
from riskcli.fileio import write_atomic
from riskcli.report import glyphs
from riskcli.report.charts import Charts
from riskcli.report.context import build_view, record_date
from riskcli.report.formatting import breakable_html
from riskcli.report.templates import CHART_STYLE, STYLESHEET, TemplateSet, load_templates
from riskcli.report.views import RecordView
from riskcli.resources import default_templates
from riskcli.results import ScoreResult
from riskcli.scoring import Engine

if TYPE_CHECKING:
    from riskcli.report.pdf import AssetFetcher

Format = Literal["pdf", "html", "md"]
Warn = Callable[[Problem], None]
_EXTENSIONS: dict[str, Format] = {".pdf": "pdf", ".html": "html", ".htm": "html", ".md": "md",
                                  ".markdown": "md"}


def format_for(path: Path | str) -> Format | None:
    """The format an output file's extension names, or None when it names none."""
    return _EXTENSIONS.get(Path(path).suffix.lower())


def template_context(result: ScoreResult, engine: Engine, templates: TemplateSet,
                     for_pdf: bool, target: str | None = None) -> dict[str, Any]:
    view = build_view(result, engine, target)
    return {
        "record": view,
        # The exposure model's own P(leak by t), so the chart cannot drift from the figures.
        "charts": Charts(view.exposure, view.contributions, templates.text(CHART_STYLE),
                         leak_probability, view.levers.tornado if view.levers else None),
        "stylesheet": templates.text(STYLESHEET),
        "for_pdf": for_pdf,
    }


def render_html(result: ScoreResult, engine: Engine, templates: TemplateSet,
                for_pdf: bool = False, target: str | None = None) -> str:
    return templates.render_html(template_context(result, engine, templates, for_pdf, target))


def render_markdown(result: ScoreResult, engine: Engine,
                    templates: TemplateSet, target: str | None = None) -> str:
    return templates.render_markdown(template_context(result, engine, templates, False, target))


PDF_STAGES = 3
"""Stages a PDF render names to `on_stage` as each begins: loading WeasyPrint, then (in `pdf`)
laying out pages and writing the PDF."""


def render_pdf(result: ScoreResult, engine: Engine, templates: TemplateSet,
               fetcher: AssetFetcher | None = None,
               on_stage: Callable[[str], None] | None = None,
               target: str | None = None, warn: Warn | None = None) -> bytes:
    """The PDF; text no font can draw (bundled or installed) is named to `warn` first, once:
    it still renders, as boxes, but never silently. Very long unbroken runs of text get break
    points (`breakable_html`), so laying them out takes time in proportion to their length."""
    html = breakable_html(render_html(result, engine, templates, for_pdf=True, target=target))
    if warn is not None:
        fonts = [path for path in templates.assets.values()
                 if path.suffix.lower() in glyphs.FONT_SUFFIXES]
        found = glyphs.undrawable(html, fonts, result.answers)
        if found is not None:
            warn(glyphs.warning(found, result.file))
    if on_stage is not None:
        on_stage("loading WeasyPrint")
    from riskcli.report.pdf import html_to_pdf  # WeasyPrint costs ~0.6 s to import

    return html_to_pdf(html, templates, record_date(result, engine.rules.keys), fetcher, on_stage)


def render(result: ScoreResult, engine: Engine, fmt: Format,
           templates: TemplateSet | None = None,
           on_stage: Callable[[str], None] | None = None,
           target: str | None = None, *, warn: Warn | None = None) -> bytes:
    """The finished document as bytes, ready to be written; a PDF names its stages to
    `on_stage` as each begins (see PDF_STAGES), and text no font can draw to `warn`. `target`
    is the band "What it would take" aims at (default: the band below the exposure's, as
    `riskcli levers`)."""
    templates = templates or load_templates(default_templates())
    if fmt == "pdf":
        return render_pdf(result, engine, templates, on_stage=on_stage, target=target,
                          warn=warn)
    if fmt == "html":
        return render_html(result, engine, templates, target=target).encode("utf-8")
    return render_markdown(result, engine, templates, target).encode("utf-8")


def write_report(result: ScoreResult, engine: Engine, out: Path | str,
                 fmt: Format, templates: TemplateSet | None = None,
                 on_stage: Callable[[str], None] | None = None,
                 target: str | None = None, *, warn: Warn | None = None) -> None:
    """Render completely, then replace `out` in one step."""
    write_atomic(out, render(result, engine, fmt, templates, on_stage, target, warn=warn))


__all__ = ["Format", "RecordView", "format_for", "render", "write_report"]
