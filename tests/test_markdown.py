"""Text is data in every Markdown riskcli writes: whatever a value holds, CommonMark (with GFM
tables, as hubs and CI pages render it) shows it as the text it is, never as markup."""

from __future__ import annotations

import html
import re

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from riskcli.cli.app import app
from riskcli.markdown import markdown_code, markdown_paragraphs, markdown_text

MD = MarkdownIt("commonmark").enable("table").enable("strikethrough")

HOSTILE = [
    "<img src=x onerror=alert(1)>", "<script>alert(1)</script>", "[click](javascript:alert(1))",
    "![x](http://example.com/t.png)", "a | b | c", "# heading", "1. item", "- item", "> quote",
    "**bold** _em_ ~~gone~~", "&lt;not a tag&gt;", "back\\slash\\", "`code` ``x``",
    "line one\nline two\r\n\n- not an item", "<!-- comment -->", "$x$ $$y$$", "===", "***",
    "<https://example.com>", "+ plus", "C# and F#",
]

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _inline(markdown: str) -> str:
    """The HTML of one paragraph, without the <p> around it."""
    rendered = MD.render(markdown).strip()
    assert rendered.startswith("<p>") and rendered.endswith("</p>"), rendered
    return rendered[3:-4]


@pytest.mark.parametrize("value", HOSTILE)
def test_text_renders_as_itself(value):
    assert _inline(markdown_text(value)) == html.escape(_one_line(value), quote=False)


@pytest.mark.parametrize("value", HOSTILE)
def test_text_in_a_list_item_stays_one_item_of_text(value):
    rendered = MD.render(f"- {markdown_text(value)}\n")
    assert rendered == f"<ul>\n<li>{html.escape(_one_line(value), quote=False)}</li>\n</ul>\n"


@pytest.mark.parametrize("value", HOSTILE)
def test_text_and_code_in_a_table_cell_stay_in_their_cell(value):
    table = ("| a | b | c |\n|---|---|---|\n"
             f"| {markdown_text(value)} | {markdown_code(value, table=True)} | end |\n")
    cells = re.findall(r"<td>(.*?)</td>", MD.render(table), re.S)
    shown = html.escape(_one_line(value), quote=False)
    assert cells[0] == shown
    assert cells[1] == f"<code>{shown}</code>" or cells[1] == (
        f"<code>{shown.replace('|', '&#124;')}</code>")  # the <code> element form
    assert cells[2] == "end"


@given(TEXT)
def test_any_text_renders_as_itself(value):
    shown = markdown_text(value)
    expected = _one_line(value)
    if not expected or re.search("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                                 "\u2066-\u2069]", expected):
        return  # empty, or spelled out (next test)
    assert html.unescape(_inline(shown)) == expected


@given(TEXT)
def test_any_code_span_shows_exactly_the_value(value):
    """A code span closes at the first backtick run as long as its fence: whatever runs the
    value holds, the span ends where riskcli meant it to."""
    expected = _one_line(value)
    if not expected or re.search("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                                 "\u2066-\u2069]", expected):
        return
    rendered = _inline(f"x {markdown_code(value)} y")
    assert rendered.startswith("x <code>") and rendered.endswith("</code> y"), rendered
    assert html.unescape(rendered[len("x <code>"):-len("</code> y")]) == expected


def test_invisible_characters_are_spelled_out():
    """A right-to-left override would show `exe.txt` as `txt.exe`; ESC starts terminal codes."""
    assert markdown_text("a\u202etxt.exe") == "a\\\\u202etxt.exe"
    assert _inline(markdown_text("a\u202etxt.exe")) == "a\\u202etxt.exe"
    assert markdown_code("x\x1b[2J") == "`x\\x1b[2J`"


def test_paragraphs_and_items_of_multi_line_text_are_kept_and_nothing_else():
    text = "First *para*\ngraph.\n\nIntro:\n- one <b>\n  wrapped\n- two\n\n# not a heading\n"
    assert MD.render(markdown_paragraphs(text)) == (
        "<p>First *para* graph.</p>\n<p>Intro:</p>\n<ul>\n<li>one &lt;b&gt; wrapped</li>\n"
        "<li>two</li>\n</ul>\n<p># not a heading</p>\n")


def test_rules_markdown_escapes_every_text_of_the_pack(runner, repo_root, tmp_path):
    pack = yaml.safe_load((repo_root / "rules" / "llama-pattern.yaml").read_text("utf-8"))
    rule = pack["rules"][0]
    rule["title"] = "<script>alert(1)</script> | cell"
    rule["rationale"] = "[click](javascript:alert(1)) and <img src=x>"
    rule["mitigation"] = "1. do\n# this"
    pack["description"] = "<iframe src=x></iframe>"
    pack["calibration"] = "Fine.\n\n<b>bold</b>\n- [x](javascript:y)\n"
    hostile = tmp_path / "hostile.yaml"
    hostile.write_text(yaml.safe_dump(pack, sort_keys=False, allow_unicode=True), "utf-8")
    result = runner.invoke(app, ["rules", "--format", "md", "--rules", str(hostile)])
    assert result.exit_code == 0, result.output
    rendered = MD.render(result.stdout)
    for tag in ("<script", "<img", "<iframe", "<b>", "<a href", "<ol", "<h1>this"):
        assert tag not in rendered, tag
    assert "&lt;script&gt;alert(1)&lt;/script&gt; | cell" in rendered
    assert "<li>[x](javascript:y)</li>" in rendered
