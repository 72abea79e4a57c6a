"""HTML to PDF through WeasyPrint, fetching nothing but the template folder's own assets.

Importing this module imports WeasyPrint (about 0.6 s), so only `render.render_pdf` imports it,
inside the function: `riskcli score` and the HTML and Markdown formats never pay for it.

Answers are escaped before they reach the HTML, so a rationale holding `<img src="file:///…">`
is text. The fetcher is the second wall: it serves the files the template folder's stylesheets
name (see `templates.load_templates`) and refuses every other URL (file:, http:, data: alike).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import os
from collections.abc import Callable, Iterator
from typing import Any

import weasyprint
from weasyprint.urls import URLFetcher, URLFetcherResponse

from riskcli.report.templates import ASSET_SCHEME, TemplateSet

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
    fetcher = fetcher or AssetFetcher(templates)
    document = weasyprint.HTML(string=html, base_url=ASSET_SCHEME, url_fetcher=fetcher)
    stage = on_stage or _no_stage
    options = {"pdf_identifier": True}  # derived from the content
    with _source_date_epoch(date), _quiet_refusals():
        stage("laying out pages")
        laid_out = document.render(**options)
        stage("writing the PDF")
        small = _small_fonts(templates)
        if not small:
            return laid_out.write_pdf(**options)
        whole = laid_out.write_pdf(**options, full_fonts=True)
        if all(_digest(font.file_content) in small for font in laid_out.fonts.values()):
            return whole
        # A laid-out document is written once (writing consumes some of its state): lay the
        # pages out again, for subset fonts, asking for the same URLs (`fetcher` heard them).
        again = weasyprint.HTML(string=html, base_url=ASSET_SCHEME,
                                url_fetcher=AssetFetcher(templates))
        return again.render(**options).write_pdf(**options)


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
