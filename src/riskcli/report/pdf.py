"""HTML to PDF through WeasyPrint, fetching nothing but the template folder's own assets.

Importing this module imports WeasyPrint (about 0.4 s), so only `render.render_pdf` imports it,
inside the function: `riskcli score` and the HTML and Markdown formats never pay for it. What
a record's render would otherwise repeat (fontconfig, the fonts, parsing record.css) is loaded
once per process (`load`), and the garbage collector stays out of the way of a render.

Answers are escaped before they reach the HTML, so a rationale holding `<img src="file:///…">`
is text. The fetcher is the second wall: it serves the files the template folder's stylesheets
name (see `templates.load_templates`) and refuses every other URL (file:, http:, data: alike).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import io
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from riskcli.collector import collector_paused
from riskcli.report.libraries import ldconfig_lookup
from riskcli.report.templates import ASSET_SCHEME, FONTS, STYLESHEET, TemplateSet

try:  # its libraries found from one ldconfig listing, not by running gcc (see libraries)
    with ldconfig_lookup(), contextlib.redirect_stdout(io.StringIO()):
        import weasyprint
except OSError:  # a library only the standard lookup names: load as WeasyPrint alone does
    import weasyprint
from weasyprint.css.counters import CounterStyle
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

# What is loaded by now (Python's, riskcli's and WeasyPrint's modules, the checked content) lives
# as long as the process: out of the cyclic collector's sight, it is not walked again at each
# full collection, nor one last time at exit (0.1 s of a record), and worker processes forked
# for `report DIR -o OUT/` do not copy its pages by touching it.
gc.freeze()

_MEDIA_TYPES = {".css": "text/css", ".woff2": "font/woff2", ".woff": "font/woff",
                ".ttf": "font/ttf", ".otf": "font/otf"}


class RefusedURL(ValueError):
    """A URL outside the bundled assets; WeasyPrint skips the resource and renders on."""


class AssetFetcher(URLFetcher):
    """Serves `riskcli-asset:NAME` for the bundled files only; remembers every URL asked for."""

    def __init__(self, templates: TemplateSet):
        super().__init__(fail_on_errors=False)
        self._assets = dict(templates.assets)
        self.requested: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        self.requested.append(url)
        path = self._assets.get(url)
        if path is None:
            self.refused.append(url)
            raise RefusedURL(f"riskcli fetches only bundled template assets, not {url[:200]}")
        media_type = _MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media_type})


def html_to_pdf(html: str, templates: TemplateSet, date: dt.date,
                fetcher: AssetFetcher | None = None,
                on_stage: Callable[[str], None] | None = None) -> bytes:
    """Render to PDF bytes; the same HTML and date give the same bytes.

    Metadata dates come from the HTML's dcterms meta tags (the decision date). The embedded font
    subsets carry a timestamp too, which fontTools takes from SOURCE_DATE_EPOCH when set: it is
    pinned to the decision date for the length of the render. Layout and writing are WeasyPrint's
    two steps of `write_pdf`, taken one at a time so `on_stage` can name each as it begins.
    """
    # Laying out and writing a record allocates a few hundred thousand objects, which the
    # collector would walk again every 700 allocations: a tenth of the render. What the render
    # leaves in reference cycles (about 80,000 objects: the parsed document, its styles and
    # boxes) is collected once the document is gone, so memory stays flat over the records of
    # `report DIR -o OUT/`.
    with collector_paused(collect_after=True):
        return _render(html, templates, date, fetcher, on_stage)


def layout(html: str, templates: TemplateSet, fetcher: AssetFetcher | None = None,
           **options: Any) -> weasyprint.Document:
    """`html` laid out in pages as riskcli lays out a record: with the template folder's fonts
    and stylesheet (see `Loaded`), fetching only its assets."""
    loaded = load(templates)
    document = weasyprint.HTML(string=html, base_url=ASSET_SCHEME,
                               url_fetcher=fetcher or AssetFetcher(templates))
    with _quiet_refusals():
        return document.render(font_config=loaded.fonts, counter_style=loaded.counter_styles,
                               color_profiles=loaded.color_profiles,
                               stylesheets=[loaded.stylesheet], **options)


def _render(html: str, templates: TemplateSet, date: dt.date, fetcher: AssetFetcher | None,
            on_stage: Callable[[str], None] | None) -> bytes:
    stage = on_stage or _no_stage
    options = {"pdf_identifier": True}  # derived from the content
    with _source_date_epoch(date), _quiet_refusals():
        stage("laying out pages")
        laid_out = layout(html, templates, fetcher or AssetFetcher(templates), **options)
        stage("writing the PDF")
        small = _small_fonts(templates)
        if not small:
            return laid_out.write_pdf(**options)
        whole = laid_out.write_pdf(**options, full_fonts=True)
        if all(_digest(font.file_content) in small for font in laid_out.fonts.values()):
            return whole
        # A laid-out document is written once (writing consumes some of its state): lay the
        # pages out again, for subset fonts, asking for the same URLs (`fetcher` heard them).
        return layout(html, templates, **options).write_pdf(**options)


@dataclass(frozen=True)
class Loaded:
    """A template folder as WeasyPrint uses it, loaded once per process for every record it
    renders (and every worker it forks): its fonts, registered with fontconfig and Pango, and
    the record's stylesheet, parsed.

    WeasyPrint makes a font configuration per document unless given one: it loads fontconfig's
    configuration, copies every @font-face font to a temporary folder of its own and registers
    it, and Pango loads and measures each font again (8% of a record's time). It parses a
    document's stylesheets with the document, and compiles every selector to Python (20 ms for
    the record's). The record's HTML for a PDF leaves its stylesheet out, and WeasyPrint is
    handed this one: a user stylesheet rather than the author's, which makes no difference in
    the cascade, as the document has no style rules of its own (fonts.css holds @font-face
    rules only, and the record no style attributes). The PDF's bytes are those of a document
    holding the stylesheet.
    """

    fonts: FontConfiguration
    stylesheet: weasyprint.CSS
    counter_styles: CounterStyle
    """The stylesheets' @counter-style rules, where a document's would be."""
    color_profiles: dict[str, Any]
    """The stylesheets' @color-profile rules, likewise."""


_LOADED: dict[bytes, Loaded] = {}


def load(templates: TemplateSet) -> Loaded:
    """`templates` loaded for WeasyPrint, once per process (see `Loaded`).

    Both stylesheets are read here, so the @font-face fonts are registered, and their folder
    made, in this process before `report DIR -o OUT/` forks its workers: workers end without
    running finalizers, and a folder one of them made would be left in /tmp. Kept per template
    folder (its stylesheets and fonts, by content): a folder with other fonts or rules gets its
    own.
    """
    key = hashlib.sha256(b"".join(
        _digest(name.encode()) + _digest(templates.text(name).encode())
        for name in (FONTS, STYLESHEET)) + b"".join(
        _digest(url.encode()) + _digest(path.read_bytes())
        for url, path in sorted(templates.assets.items()))).digest()
    loaded = _LOADED.get(key)
    if loaded is None:
        _LOADED.clear()  # one template folder at a time; the configuration it drops is deleted
        fonts, counter_styles, color_profiles = FontConfiguration(), CounterStyle(), {}
        fetcher = AssetFetcher(templates)
        with _quiet_refusals():
            sheets = [weasyprint.CSS(string=templates.text(name), base_url=ASSET_SCHEME,
                                     url_fetcher=fetcher, font_config=fonts,
                                     counter_style=counter_styles,
                                     color_profiles=color_profiles)
                      for name in (FONTS, STYLESHEET)]  # the order a record names them in
        loaded = _LOADED[key] = Loaded(fonts, sheets[-1], counter_styles, color_profiles)
    return loaded


FULL_FONT_BYTES = 128 * 1024
"""A template folder's font at most this large is embedded whole rather than subset."""


def _small_fonts(templates: TemplateSet) -> set[bytes]:
    """The digests of the template folder's fonts that a PDF may embed whole.

    WeasyPrint subsets every embedded font at every render, with fontTools unless
    HarfBuzz-Subset is installed, and that took a fifth of a record's time. The bundled fonts
    are already cut to the characters records print (see fonts/README.md), so a PDF that uses
    only them embeds them whole, which costs nothing to make. A font from the system (a
    character the bundled fonts lack), a large font or a WOFF a template folder brings is
    subset as usual: the pages are then laid out and written again, without whole fonts.
    """
    return {_digest(path.read_bytes()) for path in templates.assets.values()
            if path.suffix.lower() in (".otf", ".ttf") and path.stat().st_size <= FULL_FONT_BYTES}


def _digest(content: bytes) -> bytes:
    return hashlib.sha256(content).digest()


def _no_stage(name: str) -> None:
    pass


@contextlib.contextmanager
def _source_date_epoch(date: dt.date) -> Iterator[None]:
    epoch = int(dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC).timestamp())
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(max(epoch, 0))
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


@contextlib.contextmanager
def _quiet_refusals() -> Iterator[None]:
    """A refused URL is the fetcher doing its job; WeasyPrint would log each one as an error."""
    logger = logging.getLogger("weasyprint")
    previous = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(previous)
