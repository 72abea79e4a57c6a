"""The decision record as a reviewer reads it: sections, figures, footer, reproducibility.

Figures are compared with the ScoreResult they came from, formatted by the same rule the CLI uses,
never hard-coded. PDF renders cost about two seconds each, so each example is rendered once per
session and shared.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from pypdf import PdfReader

from riskcli.cli.app import app
from riskcli.report.formatting import multiplier, split_label
from riskcli.report.render import render
from riskcli.report.templates import load_templates, markdown_escape
from riskcli.resources import default_templates
from riskcli.results import ScoreResult
from riskcli.scoring import Engine, load_engine, score_file
from riskcli.wording import band_words, days_text, percent, percent_range

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
EXAMPLE_NAMES = ["llama-1-2023", "llama-2-2023", "gpt-2-partners-2019"]
SECTIONS = ["Distribution decision record", "Recommendation", "Context", "Decision drivers",
            "Options considered", "Outcome", "Leak exposure of a gated release",
            "Factor contributions", "What it would take", "Findings and mitigations",
            "Consequences", "Sign-off", "Appendix: every answer"]


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


@pytest.mark.slow
def test_the_pdf_record_has_every_section_of_a_decision_record(rendered):
    _, pdf = rendered["llama-1-2023"]
    text = "\n".join(pdf_pages(pdf))
    for heading in SECTIONS:
        assert_in_text(heading, text)


def key_figure_cells(exposure) -> list[tuple[str, str]]:
    """(label, figure) of each key figure the record must show, in order: one P(leak) per day
    the pack reports, the horizon, the median."""
    horizon = exposure.horizon_days
    days = [int(day) for day in exposure.p_leak if day != "horizon"]
    cells = [(f"P(leak) within {day} days" + (" (the horizon)" if day == horizon else ""),
              percent(exposure.p_leak[str(day)])) for day in days]
    if horizon not in days:
        cells.append((f"P(leak) within {days_text(horizon)} (the horizon)",
                      percent(exposure.p_leak["horizon"])))
    cells.append(("median time to a leak", days_text(exposure.median_days_to_leak)))
    return cells


def exposure_option(result: ScoreResult):
    """The gated option whose exposure the record's key figures are: the weights as answered."""
    weights = "downloaded" if result.answers["weights_leave_premises"] else "hosted"
    return next(o for o in result.options if o.weights == weights)


def option_name(result: ScoreResult, mode: str) -> str:
    return split_label(next(o for o in result.options if o.mode == mode).label)[0]


@pytest.mark.slow
@pytest.mark.parametrize("name", EXAMPLE_NAMES, ids=EXAMPLE_NAMES)
def test_each_record_prints_the_figures_of_its_own_score(rendered, name):
    """Each key figure opens the cell its label closes, in order, under the score and band and
    the line that says whose exposure they are."""
    result, pdf = rendered[name]
    page = squashed(pdf_pages(pdf)[0])
    exposure = result.exposure
    header = page.index(squashed("Leak exposure of gated release"))
    header += len(squashed("Leak exposure of gated release"))
    assert page[header:].startswith(squashed(f"{exposure.score} / 100")), page[header:][:80]
    # The badge, and what the band could be when the interval straddles a cut.
    band = squashed(band_words(exposure.band, *exposure.interval.bands))
    start = page.index(band, header) + len(band)
    gated = split_label(exposure_option(result).label)[0]
    head = squashed(f"Leak exposure as answered: {gated}"
                    if exposure_option(result).mode == result.decision.mode
                    else f"For comparison only: {gated}, as answered")
    assert page[start:].startswith(head), page[start:][:80]
    start += len(head)
    for label, figure in key_figure_cells(exposure):
        end = page.index(squashed(label), start)
        cell = page[start:end]
        assert cell.startswith(squashed(figure)), f"{label}: {figure!r} is not in its cell {cell!r}"
        start = end + len(squashed(label))
    considered = option_name(result, result.decision.mode)
    assert_in_text(f"Option under consideration {considered}", page)
    assert_in_text(f"Recommended option {option_name(result, result.recommendation.mode)}", page)
    assert_in_text(result.recommendation.headline, page)


@pytest.mark.slow
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


@pytest.mark.slow
@pytest.mark.parametrize("name", EXAMPLE_NAMES, ids=EXAMPLE_NAMES)
def test_every_finding_is_a_checklist_item_with_its_owner(rendered, name):
    result, pdf = rendered[name]
    text = "\n".join(pdf_pages(pdf))
    for finding in result.findings:
        assert_in_text(f"{finding.title} {finding.rule_id}", text)
        assert_in_text(f"Owner: {finding.owner}", text)


@pytest.mark.slow
def test_the_appendix_lists_every_answer_with_its_prompt(rendered, engine):
    result, pdf = rendered["llama-1-2023"]
    appendix = "\n".join(pdf_pages(pdf)).split("Appendix: every answer", 1)[1]
    for key in result.answers:
        assert_in_text(engine.questionnaire.by_id[key].prompt, appendix)
    assert_in_text("Affiliation checked - e.g. an institutional e-mail", appendix)


@pytest.mark.slow
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


@pytest.mark.slow
def test_the_pdf_is_dated_with_the_decision_date(rendered):
    result, pdf = rendered["llama-1-2023"]
    meta = PdfReader(io.BytesIO(pdf)).metadata
    decided = dt.date.fromisoformat(result.answers["decision_date"])
    assert meta.creation_date.date() == decided
    assert meta.modification_date.date() == decided
    assert "LLaMA" in meta.title


@pytest.mark.slow
def test_a_record_that_differs_from_the_intended_mode_is_flagged(rendered):
    result, pdf = rendered["llama-1-2023"]
    assert result.recommendation.differs_from_intended
    assert_in_text("Differs from the option under consideration", pdf_pages(pdf)[0])


@pytest.mark.slow
def test_a_record_that_agrees_with_the_intended_mode_is_not_flagged(rendered):
    result, pdf = rendered["gpt-2-partners-2019"]
    assert not result.recommendation.differs_from_intended
    assert "Differs from the option" not in "".join(pdf_pages(pdf))


@pytest.mark.slow
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


def test_the_html_record_embeds_its_three_charts_as_inline_svg(engine):
    result = score_file(engine, EXAMPLES / "llama-1-2023.yaml")
    html = render(result, engine, "html").decode()
    assert html.count("<svg") == 3
    assert 'class="chart exposure-chart band-critical"' in html
    assert 'class="chart factor-chart band-critical"' in html
    assert 'class="chart tornado-chart band-critical"' in html
    assert "<img" not in html
    assert "riskcli-asset:" not in html, "a standalone HTML file cannot load bundled assets"


def test_the_model_card_section_has_the_options_table_with_the_same_numbers(engine):
    result = score_file(engine, EXAMPLES / "llama-1-2023.yaml")
    md = render(result, engine, "md").decode()
    assert md.startswith("## Distribution decision\n")
    lines = md.splitlines()
    header = lines.index(
        "| Option | Weights | Band | Exposure | Kept | Given up | Obligations |")
    assert lines[header + 1] == "|---|---|---|---|---|---|---|"
    rows = lines[header + 2: header + 2 + len(result.options)]
    assert len(rows) == 4
    for row, option in zip(rows, result.options, strict=True):
        assert row.startswith(f"| {split_label(option.label)[0]}")
        assert row.count(" | ") == 6, row
        assert f"| {option.band.upper()} (" in row, row
        # Each option's own interval: the hosted one is not the downloads' exposure.
        if option.p_leak_interval is not None:
            figure = (f"{percent(option.p_leak_horizon)} within "
                      f"{days_text(result.exposure.horizon_days)} "
                      f"(80%: {percent_range(*option.p_leak_interval)})")
            assert markdown_escape(figure) in row, row
    gated, hosted, permissive, fully = rows
    assert gated.startswith("| Gated, weights downloaded (under consideration) |")
    assert "| CRITICAL (leak exposure) |" in gated
    assert hosted.startswith("| Gated, hosted only | Hosted | LOW (leak exposure) |")
    assert permissive.startswith(
        "| Permissive-open (recommended) | Public | MODERATE (harm if public) |")
    assert fully.startswith("| Fully-open | Public |")
    assert f"`{result.answers_sha256}`" in md
    assert "`riskcli score llama-1-2023.yaml`" in md


# --- the record's key figures, against what `riskcli score --format json` computed -------------

class KeyFigures(HTMLParser):
    """What a reader of the HTML record sees at the top: each cell of the figures table as
    (label, figure), and each band badge's text by what it is the band of (the option under
    consideration, the recommended one, the exposure of the key figures), with whether it is
    filled (the accent: only the option under consideration's) or an outline."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[tuple[str, str]] = []
        self.badges: dict[str, str] = {}
        self.filled: dict[str, bool] = {}
        self._badge: str | None = None
        self._in_figures = False
        self._span: str | None = None
        self._cell: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "table" and "figures" in classes:
            self._in_figures = True
        elif tag == "span" and "band-badge" in classes:
            self._span = "badge"
            self._badge = dict(attrs).get("data-of") or ""
            self.badges.setdefault(self._badge, "")
            self.filled[self._badge] = "aside" not in classes
        elif tag == "span" and self._in_figures and {"fig", "lbl"} & set(classes):
            self._span = "fig" if "fig" in classes else "lbl"
            self._cell.setdefault(self._span, "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "span":
            self._span = None
        elif tag == "td" and self._in_figures and self._cell:
            self.cells.append((self._cell.get("lbl", ""), self._cell.get("fig", "")))
            self._cell = {}
        elif tag == "table":
            self._in_figures = False

    def handle_data(self, data: str) -> None:
        if self._span == "badge" and self._badge is not None:
            self.badges[self._badge] += data.strip()
        elif self._span in ("fig", "lbl"):
            self._cell[self._span] += data


def key_figures(html: str) -> KeyFigures:
    parser = KeyFigures()
    parser.feed(html)
    parser.close()
    return parser


DAY_CELL = re.compile(r"P\(leak\) within (?:the )?(\d+) days( \(the horizon\)| horizon)?")

PACKS = [
    pytest.param(None, id="standard-pack"),
    pytest.param([14, 60, 180], id="report-days-14-60-180"),
]


@pytest.mark.parametrize("name", EXAMPLE_NAMES, ids=EXAMPLE_NAMES)
@pytest.mark.parametrize("report_days", PACKS)
def test_the_record_shows_each_figure_score_computed_in_its_own_place(
        runner, tmp_path, repo_root, name, report_days):
    """The figures table holds one P(leak) cell per day the pack reports plus the horizon, each
    with the figure `score --format json` computed for that day; the median and the band too."""
    answers = EXAMPLES / f"{name}.yaml"
    options: list[str] = []
    if report_days is not None:
        pack: dict[str, Any] = yaml.safe_load(
            (repo_root / "rules" / "llama-pattern.yaml").read_text("utf-8"))
        pack["model"]["report_days"] = report_days
        rules = tmp_path / "report-days.yaml"
        rules.write_text(yaml.safe_dump(pack, sort_keys=False, allow_unicode=True), "utf-8")
        options = ["--rules", str(rules)]
    scored = runner.invoke(app, ["score", "--format", "json", str(answers), *options])
    assert scored.exit_code == 0, scored.output
    (result,) = json.loads(scored.stdout)["results"]
    exposure = result["exposure"]
    out = tmp_path / "record.html"
    made = runner.invoke(app, ["report", str(answers), "-o", str(out), *options])
    assert made.exit_code == 0, made.output

    record = key_figures(out.read_text("utf-8"))
    horizon = exposure["horizon_days"]
    days = [int(day) for day in exposure["p_leak"] if day != "horizon"]
    if report_days is not None:
        assert days == report_days
    expected = {day: percent(exposure["p_leak"][str(day)]) for day in days}
    expected[horizon] = percent(exposure["p_leak"]["horizon"])
    shown: dict[int, str] = {}
    horizon_cells: list[int] = []
    for label, figure in record.cells:
        if (match := DAY_CELL.fullmatch(label)) is None:
            continue
        day = int(match.group(1))
        assert day not in shown, f"two cells for day {day}"
        shown[day] = figure
        if match.group(2):
            horizon_cells.append(day)
    assert shown == expected
    assert horizon_cells == [horizon]
    median = exposure["median_days_to_leak"]
    assert dict(record.cells)["median time to a leak"] == (
        days_text(median) if median is not None else "never")
    assert record.badges["exposure"] == exposure["band"]
    considered = next(o for o in result["options"] if o["mode"] == result["decision"]["mode"])
    assert record.badges["considered"] == considered["band"]
    assert record.filled["considered"]
    # The exposure's badge is the accent only when it is the option under consideration's own.
    weights = "downloaded" if result["answers"]["weights_leave_premises"] else "hosted"
    assert record.filled["exposure"] == (considered["weights"] == weights)
