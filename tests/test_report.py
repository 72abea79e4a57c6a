"""The decision record as a reviewer reads it: sections, figures, footer, reproducibility.

Figures are compared with the ScoreResult they came from, formatted by the same rule the CLI uses,
never hard-coded. PDF renders cost about two seconds each, so each example is rendered once per
session and shared.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from riskcli.recommendation import days_text, percent
from riskcli.report.formatting import multiplier, split_label
from riskcli.report.render import render
from riskcli.report.templates import load_templates
from riskcli.resources import default_templates
from riskcli.results import ScoreResult
from riskcli.scoring import Engine, load_engine, score_file

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
EXAMPLE_NAMES = ["llama-1-2023", "llama-2-2023", "gpt-2-partners-2019"]
SECTIONS = ["Distribution decision record", "Recommendation", "Context", "Decision drivers",
            "Options considered", "Outcome", "Leak exposure of a gated release",
            "Factor contributions", "Findings and mitigations", "Consequences", "Sign-off",
            "Appendix: every answer"]


@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine()


@pytest.fixture(scope="module")
def rendered(engine: Engine) -> dict[str, tuple[ScoreResult, bytes]]:
    """Each example scored and rendered to PDF once for the whole module."""
    templates = load_templates(default_templates())
    out = {}
    for name in EXAMPLE_NAMES:
        result = score_file(engine, EXAMPLES / f"{name}.yaml")
        out[name] = (result, render(result, engine, "pdf", templates))
    return out


def pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def squashed(text: str) -> str:
    """Text without whitespace or case: cells wrap anywhere and some headings are upper-cased."""
    return re.sub(r"\s+", "", text).casefold()


def assert_in_text(needle: str, text: str) -> None:
    assert squashed(needle) in squashed(text), f"{needle!r} not in the record"


def test_the_pdf_record_has_every_section_of_a_decision_record(rendered):
    _, pdf = rendered["llama-1-2023"]
    text = "\n".join(pdf_pages(pdf))
    for heading in SECTIONS:
        assert_in_text(heading, text)


@pytest.mark.parametrize("name", EXAMPLE_NAMES, ids=EXAMPLE_NAMES)
def test_each_record_prints_the_figures_of_its_own_score(rendered, name):
    result, pdf = rendered[name]
    text = "\n".join(pdf_pages(pdf))
    exposure = result.exposure
    for day in ("7", "30", "90", "365", "horizon"):
        assert_in_text(percent(exposure.p_leak[day]), text)
    assert_in_text(days_text(exposure.median_days_to_leak), text)
    assert_in_text(f"{exposure.score} / 100", text)
    assert_in_text(exposure.band, text)
    recommended = next(o for o in result.options if o.mode == result.recommendation.mode)
    assert_in_text(f"Recommended option {split_label(recommended.label)[0]}", text)
    assert_in_text(result.recommendation.headline, text)


@pytest.mark.parametrize("name", EXAMPLE_NAMES, ids=EXAMPLE_NAMES)
def test_every_contribution_shows_its_rule_factor_multiplier_and_triggering_answers(
        rendered, engine, name):
    result, pdf = rendered[name]
    text = "\n".join(pdf_pages(pdf))
    for c in result.exposure.contributions:
        assert_in_text(c.rule_id, text)
        assert_in_text(c.factor, text)
        assert_in_text(multiplier(c.multiplier), text)
        for key in c.answers:
            assert_in_text(engine.questionnaire.by_id[key].prompt, text)


@pytest.mark.parametrize("name", EXAMPLE_NAMES, ids=EXAMPLE_NAMES)
def test_every_finding_is_a_checklist_item_with_its_owner(rendered, name):
    result, pdf = rendered[name]
    text = "\n".join(pdf_pages(pdf))
    for finding in result.findings:
        assert_in_text(f"{finding.title} {finding.rule_id}", text)
        assert_in_text(f"Owner: {finding.owner}", text)


def test_the_appendix_lists_every_answer_with_its_prompt(rendered, engine):
    result, pdf = rendered["llama-1-2023"]
    appendix = "\n".join(pdf_pages(pdf)).split("Appendix: every answer", 1)[1]
    for key in result.answers:
        assert_in_text(engine.questionnaire.by_id[key].prompt, appendix)
    assert_in_text("Affiliation checked - e.g. an institutional e-mail", appendix)


def test_every_page_carries_the_footer_that_lets_a_reader_rescore(rendered):
    result, pdf = rendered["llama-1-2023"]
    pages = pdf_pages(pdf)
    assert len(pages) > 3
    for number, text in enumerate(pages, start=1):
        assert_in_text(f"Page {number} of {len(pages)}", text)
        assert_in_text(f"Questionnaire {result.questionnaire.id} {result.questionnaire.version}",
                       text)
        assert_in_text(f"rules {result.rules.id} {result.rules.version}", text)
        assert_in_text(result.answers_sha256, text)
        assert_in_text("riskcli score llama-1-2023.yaml", text)


def test_the_pdf_is_dated_with_the_decision_date(rendered):
    result, pdf = rendered["llama-1-2023"]
    meta = PdfReader(io.BytesIO(pdf)).metadata
    decided = dt.date.fromisoformat(result.answers["decision_date"])
    assert meta.creation_date.date() == decided
    assert meta.modification_date.date() == decided
    assert "LLaMA" in meta.title


def test_a_record_that_differs_from_the_intended_mode_is_flagged(rendered):
    result, pdf = rendered["llama-1-2023"]
    assert result.recommendation.differs_from_intended
    assert_in_text("Differs from the option under consideration", pdf_pages(pdf)[0])


def test_a_record_that_agrees_with_the_intended_mode_is_not_flagged(rendered):
    result, pdf = rendered["gpt-2-partners-2019"]
    assert not result.recommendation.differs_from_intended
    assert "Differs from the option" not in "".join(pdf_pages(pdf))


def test_identical_answers_render_a_byte_identical_pdf_on_any_day(rendered, engine, monkeypatch):
    """Font subsets carry a timestamp; a year later on the clock must change nothing."""
    result, first = rendered["llama-1-2023"]
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 400 * 86400)
    second = render(result, engine, "pdf", load_templates(default_templates()))
    assert first == second


@pytest.mark.parametrize("fmt", ["html", "md"], ids=["html", "markdown"])
def test_identical_answers_render_identical_html_and_markdown(engine, fmt):
    result = score_file(engine, EXAMPLES / "llama-1-2023.yaml")
    assert render(result, engine, fmt) == render(result, engine, fmt)


def test_the_html_record_embeds_both_charts_as_inline_svg(engine):
    result = score_file(engine, EXAMPLES / "llama-1-2023.yaml")
    html = render(result, engine, "html").decode()
    assert html.count("<svg") == 2
    assert 'class="chart exposure-chart band-critical"' in html
    assert "<img" not in html
    assert "riskcli-asset:" not in html, "a standalone HTML file cannot load bundled assets"


def test_the_model_card_section_has_the_options_table_with_the_same_numbers(engine):
    result = score_file(engine, EXAMPLES / "llama-1-2023.yaml")
    md = render(result, engine, "md").decode()
    assert md.startswith("## Distribution decision\n")
    lines = md.splitlines()
    header = lines.index(
        "| Option | Weights public | Leak exposure | Kept | Given up | Obligations |")
    assert lines[header + 1] == "|---|---|---|---|---|---|"
    rows = lines[header + 2: header + 2 + len(result.options)]
    for row, option in zip(rows, result.options, strict=True):
        assert row.startswith(f"| {split_label(option.label)[0]}")
        assert row.count(" | ") == 5, row
    gated = next(r for r in rows if r.startswith("| Gated"))
    horizon = percent(result.exposure.p_leak["horizon"]).replace(">", "&gt;")
    assert f"{horizon} within {days_text(result.exposure.horizon_days)}" in gated
    assert "(recommended)" in next(r for r in rows if r.startswith("| Permissive-open"))
    assert f"`{result.answers_sha256}`" in md
    assert "`riskcli score llama-1-2023.yaml`" in md
