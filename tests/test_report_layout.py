"""Every page of every shipped record reads as a page: no table row left alone at the top or the
bottom of a page, no heading left at the bottom of one, and no page half empty because a block
that did not fit moved on (the last page may end where the record ends).

Each example and each precedent (its answers, without the calibration data around them) is laid
out by WeasyPrint once, and the boxes of each page are read back from the layout.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from riskcli.report.formatting import breakable_html
from riskcli.report.pdf import layout
from riskcli.report.render import render_html
from riskcli.report.templates import load_templates
from riskcli.resources import default_templates
from riskcli.scoring import load_engine, score_file

ROOT = Path(__file__).resolve().parents[1]
RECORDS = sorted(ROOT.glob("examples/*.yaml")) + sorted(ROOT.glob("precedents/*.yaml"))
NAMES = [f"{path.parent.name}/{path.stem}" for path in RECORDS]
MIN_FILL = 0.55
"""How far down its text column every page but the last is filled, at least."""


def _answers_file(path: Path, tmp: Path) -> Path:
    """A precedent keeps its answers beside its outcome and sources; score only the answers."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    if "outcome" not in document:
        return path
    out = tmp / path.name
    out.write_text(yaml.safe_dump({"questionnaire": document["questionnaire"],
                                   "answers": document["answers"]}, sort_keys=False,
                                  allow_unicode=True), encoding="utf-8")
    return out


def _boxes(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", None) or []:
        yield from _boxes(child)


def _classes(element: Any) -> set[str]:
    return set((element.get("class") or "").split()) if element is not None else set()


@pytest.fixture(scope="module", params=RECORDS, ids=NAMES)
def pages(request, tmp_path_factory) -> list[dict[str, Any]]:
    """Per page: the content's top and bottom, the text column's height, the lowest heading's
    bottom, and the body rows each table has on it."""
    engine = load_engine()
    templates = load_templates(default_templates())
    result = score_file(engine, _answers_file(request.param, tmp_path_factory.mktemp("answers")))
    html = breakable_html(render_html(result, engine, templates, for_pdf=True))
    pages = layout(html, templates).pages  # as the PDF is laid out
    root = pages[0]._page_box.children[0].element  # <html>
    parents = {child: parent for parent in root.iter() for child in parent}
    out = []
    for page in pages:
        page_box = page._page_box
        body = page_box.children[0].children[0]
        top = page_box.content_box_y()
        bottom, heading, rows = top, top, {}
        for box in _boxes(body):
            element = box.element
            if element is None or "page-footer" in _classes(element) or not box.height:
                continue
            end = box.position_y + box.margin_height()
            if type(box).__name__ in ("LineBox", "TableRowBox", "BlockReplacedBox",
                                      "InlineReplacedBox"):
                bottom = max(bottom, end)
            if element.tag in ("h2", "h3") and type(box).__name__ == "BlockBox":
                heading = max(heading, box.position_y + box.border_height())
            if type(box).__name__ == "TableRowBox" and parents[element].tag == "tbody":
                table = parents[parents[element]]
                rows[table] = rows.get(table, 0) + 1
        out.append({"top": top, "bottom": bottom, "height": page_box.height,
                    "heading": heading, "rows": rows})
    return out


@pytest.mark.slow
def test_no_table_leaves_a_single_row_on_a_page(pages):
    spans: dict[Any, list[tuple[int, int]]] = {}
    for number, page in enumerate(pages, 1):
        for table, count in page["rows"].items():
            spans.setdefault(table, []).append((number, count))
    for table, parts in spans.items():
        if len(parts) > 1:
            assert min(count for _, count in parts) >= 2, (
                f"table {table.get('class')!r} split as (page, rows) {parts}")


@pytest.mark.slow
def test_no_page_ends_with_a_heading(pages):
    for number, page in enumerate(pages, 1):
        assert page["heading"] < page["bottom"] - 1, f"page {number} ends with a heading"


@pytest.mark.slow
def test_no_page_but_the_last_is_left_half_empty(pages):
    fills = [(page["bottom"] - page["top"]) / page["height"] for page in pages]
    short = [(number, round(fill, 2)) for number, fill in enumerate(fills[:-1], 1)
             if fill < MIN_FILL]
    assert not short, f"pages filled less than {MIN_FILL:.0%}: {short} (all: {fills})"
