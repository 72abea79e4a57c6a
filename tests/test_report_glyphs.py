"""A record is never silently unreadable: text no font draws is named in one warning.

The bundled fonts draw Latin text; an organisation named 深度求索 or an emoji falls back to the
fonts installed on the system (fontconfig), and what none of them has is named on stderr, once,
while the PDF is still written (exit 0). Which fonts a machine has varies, so the tests that need
a verdict about the system's fonts give one (`system_coverage` replaced); one test checks that
verdict against fontconfig's own answer on this machine.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from riskcli.cli.app import app
from riskcli.report import glyphs
from riskcli.report.pdf import AssetFetcher
from riskcli.report.render import render_html, render_pdf
from riskcli.report.templates import load_templates
from riskcli.resources import default_templates
from riskcli.scoring import load_engine, score_file

ROOT = Path(__file__).resolve().parents[1]
ORGANISATION = "深度求索 🦙"


@pytest.fixture(scope="module")
def engine():
    return load_engine()


@pytest.fixture(scope="module")
def fonts() -> list[Path]:
    templates = load_templates(default_templates())
    return [p for p in templates.assets.values() if p.suffix.lower() in glyphs.FONT_SUFFIXES]


def _no_system_font(monkeypatch, ranges: list[tuple[int, int]] | None) -> None:
    monkeypatch.setattr(glyphs, "system_coverage", lambda: ranges)


def test_the_text_read_is_what_a_reader_sees_not_the_stylesheet():
    html = ("<html><head><style>/* 深 */ p { color: red }</style><title>度</title></head>"
            "<body><p>a &amp; b</p><svg><text>求</text></svg></body></html>")
    text = glyphs.record_text(html)
    assert "深" not in text and "度" not in text
    assert "a & b" in text and "求" in text


def test_a_record_the_bundled_fonts_draw_asks_nothing_of_the_system(engine, fonts, monkeypatch):
    def refuse() -> None:
        raise AssertionError("the system's fonts were asked about")

    monkeypatch.setattr(glyphs, "system_coverage", refuse)
    templates = load_templates(default_templates())
    for example in sorted((ROOT / "examples").glob("*.yaml")):
        html = render_html(score_file(engine, example), engine, templates, for_pdf=True)
        assert glyphs.undrawable(html, fonts) is None, example.name


def test_what_neither_the_bundled_nor_the_system_fonts_draw_is_named_with_its_answer(
        engine, fonts, monkeypatch, write_answers, llama1_answers):
    _no_system_font(monkeypatch, glyphs.parse_charsets("20-7e 4e00-9fff"))  # CJK, no emoji
    llama1_answers["organization"] = ORGANISATION
    result = score_file(engine, write_answers(llama1_answers))
    html = render_html(result, engine, load_templates(default_templates()), for_pdf=True)
    found = glyphs.undrawable(html, fonts, result.answers)
    assert found is not None and found.characters == ["🦙"]
    assert found.keys == ["organization"]
    line = str(glyphs.warning(found, result.file))
    assert "organization" in line and "🦙 (U+1F999)" in line and "深" not in line
    assert "fonts-noto-color-emoji" in line


def test_without_fontconfig_the_warning_says_the_system_was_not_checked(
        engine, fonts, monkeypatch, write_answers, llama1_answers):
    monkeypatch.setattr(glyphs.shutil, "which", lambda name: None)
    llama1_answers["organization"] = ORGANISATION
    result = score_file(engine, write_answers(llama1_answers))
    html = render_html(result, engine, load_templates(default_templates()), for_pdf=True)
    found = glyphs.undrawable(html, fonts, result.answers)
    assert found is not None and not found.system_checked
    assert found.characters == list("深度求索🦙")
    assert "could not be checked" in str(glyphs.warning(found, result.file))


@pytest.mark.skipif(shutil.which("fc-list") is None, reason="fontconfig's fc-list is not installed")
def test_the_system_fonts_are_read_as_fontconfig_itself_answers():
    ranges = glyphs.system_coverage()
    assert ranges is not None
    for point in (0x41, 0x2713, 0x6DF1, 0x1F999, 0x13000, 0xE000):
        listed = subprocess.run(["fc-list", f":charset={point:x}", "file"], capture_output=True,
                                text=True, check=True).stdout.strip()
        assert glyphs._in_ranges(point, ranges) == bool(listed), f"U+{point:04X}"


def test_charsets_merge_into_sorted_ranges():
    assert glyphs.parse_charsets("41-5a 20-40\n5b 100-1ff x-y 7e") == [
        (0x20, 0x5b), (0x7e, 0x7e), (0x100, 0x1ff)]


@pytest.mark.slow
def test_report_names_undrawable_text_once_on_stderr_and_still_writes_the_pdf(
        monkeypatch, tmp_path, write_answers, llama1_answers):
    _no_system_font(monkeypatch, [])
    llama1_answers["organization"] = ORGANISATION
    llama1_answers["model_name"] = "Model 🦙"
    answers = write_answers(llama1_answers)
    out = tmp_path / "record.pdf"
    run = CliRunner().invoke(app, ["report", str(answers), "-o", str(out)])
    assert run.exit_code == 0, run.output
    assert out.read_bytes().startswith(b"%PDF")
    lines = [line for line in run.stderr.splitlines() if "U+" in line]
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith(f"{answers}: model_name, organization: no font draws ")
    for char in "深度求索🦙":
        assert lines[0].count(f"{char} (U+{ord(char):04X})") == 1, char
    assert "fonts-noto-cjk" in lines[0]


@pytest.mark.slow
def test_the_fallback_to_system_fonts_fetches_no_file(engine, write_answers, llama1_answers):
    """System fonts come through fontconfig, not the fetcher: it still serves bundled assets
    only, and nothing else is even asked for."""
    llama1_answers["organization"] = ORGANISATION
    result = score_file(engine, write_answers(llama1_answers))
    templates = load_templates(default_templates())
    fetcher = AssetFetcher(templates)
    assert render_pdf(result, engine, templates, fetcher=fetcher).startswith(b"%PDF")
    assert fetcher.requested and not fetcher.refused
    assert all(url.startswith("riskcli-asset:") for url in fetcher.requested)
