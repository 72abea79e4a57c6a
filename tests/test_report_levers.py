"""'What it would take' in the record: the tornado chart, the path to the target band and the
break-even points in the HTML (and so the PDF) record, and the short version in the model card.

The expected figures come from `riskcli levers` itself (its JSON), never hard-coded, so the record
and the command cannot drift apart.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from riskcli.answers import resolve
from riskcli.cli.app import app
from riskcli.report.charts import _WIDTH, _text_width
from riskcli.report.render import render
from riskcli.report.templates import markdown_escape
from riskcli.results import ScoreResult
from riskcli.scoring import Engine, load_engine, score_file
from riskcli.wording import days_text, percent

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
LLAMA_1 = EXAMPLES / "llama-1-2023.yaml"
LLAMA_2 = EXAMPLES / "llama-2-2023.yaml"
GPT_2 = EXAMPLES / "gpt-2-partners-2019.yaml"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine()


def levers_json(runner, path: Path, *args: str) -> dict[str, Any]:
    """What `riskcli levers --format json` says about a file."""
    result = runner.invoke(app, ["levers", str(path), "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def tornado(html: str) -> ET.Element:
    match = re.search(r'<svg [^>]*class="chart tornado-chart[^"]*".*?</svg>', html, re.S)
    assert match, "the record has no tornado chart"
    return ET.fromstring(match.group(0))


def texts(svg: ET.Element, css: str) -> list[ET.Element]:
    return [t for t in svg.iter(f"{SVG}text") if css in (t.get("class") or "").split()]


def lever_ids(engine: Engine, result: ScoreResult) -> list[str]:
    """The questionnaire's levers the answers hold."""
    values, _ = resolve({k: v for k, v in result.answers.items()
                         if k in engine.questionnaire.by_id}, engine.questionnaire)
    return [q.id for q in engine.questionnaire.questions if q.lever is not None and q.id in values]


def rows(svg: ET.Element) -> dict[str, list[str]]:
    """Each bar's row label and the texts on its row (end labels and notes), by height."""
    by_row: dict[str, list[str]] = {}
    labels = {t.get("y"): t.text or "" for t in texts(svg, "row-label")}
    for t in [*texts(svg, "end-label"), *texts(svg, "caption")]:
        by_row.setdefault(labels[t.get("y")], []).append(t.text or "")
    return by_row


class LeversSection(HTMLParser):
    """The 'What it would take' section: each path row's lever, its result row, and its text."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.path_rows: list[str] = []
        self.result_row: list[str] = []
        self.text: list[str] = []
        self._in_result = False
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in ("svg", "style"):
            self._skip += 1
        if tag == "h2":
            self.inside = False
        if not self.inside:
            return
        if tag == "tr" and attributes.get("data-lever") and not self.result_row:
            self.path_rows.append(attributes["data-lever"] or "")
        if tag == "tr" and attributes.get("data-figure") == "path-result":
            self._in_result = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("svg", "style"):
            self._skip -= 1
        if tag == "tr":
            self._in_result = False

    def handle_data(self, data: str) -> None:
        if data.strip() == "What it would take":
            self.inside = True
        if not self.inside or self._skip:
            return
        self.text.append(data)
        if self._in_result:
            self.result_row.append(data)

    @property
    def plain(self) -> str:
        return " ".join(" ".join(self.text).split())


def levers_section(html: str) -> LeversSection:
    parser = LeversSection()
    parser.feed(html)
    parser.close()
    return parser


# --- the tornado chart --------------------------------------------------------------------------

def test_the_tornado_has_one_bar_per_lever_the_answers_hold_and_no_fact(engine, runner):
    result = score_file(engine, LLAMA_1)
    svg = tornado(render(result, engine, "html").decode())
    shown = [t.text for t in texts(svg, "row-label")]
    assert sorted(shown) == sorted(lever_ids(engine, result))
    facts = {q.id for q in engine.questionnaire.questions if q.fact}
    assert facts and not facts & set(shown)
    assert not facts & {q.id for q in engine.questionnaire.questions if q.lever is not None}
    # Widest bar on top: dropping the downloads moves the median by years, the rest by days.
    assert shown[0] == "weights_leave_premises"
    assert [line.get("class") for line in svg.iter(f"{SVG}line")].count("now") == 1


def test_each_bar_end_names_the_alternative_that_gives_it(engine, runner):
    result = score_file(engine, LLAMA_1)
    report = levers_json(runner, LLAMA_1)
    svg = tornado(render(result, engine, "html").decode())
    now = report["median_days"]
    by_row = rows(svg)
    for key, labels in by_row.items():
        effects = [e for e in report["effects"] if e["changes"][0]["key"] == key]
        sooner = min(effects, key=lambda e: e["median_days"])
        later = max(effects, key=lambda e: e["median_days"])
        expected = []
        if sooner["median_days"] < now:
            expected.append(f"{sooner['changes'][0]['shown']} · {days_text(sooner['median_days'])}")
        if later["median_days"] > now:
            expected.append(f"{later['changes'][0]['shown']} · {days_text(later['median_days'])}")
        if key == "download_controls":  # every control together reads "all"
            expected = [re.sub(r"^expiring_links, download_logging, rate_limits", "all", e)
                        for e in expected]
        assert labels == (expected or ["does not move the median"]), key
    assert "no · 17 years" in by_row["weights_leave_premises"]
    assert by_row["horizon_days"] == ["does not move the median"]


def test_the_centre_line_is_the_median_as_answered(engine):
    result = score_file(engine, LLAMA_1)
    svg = tornado(render(result, engine, "html").decode())
    (label,) = texts(svg, "now-label")
    assert label.text == f"as answered: {days_text(result.exposure.median_days_to_leak)}"


@pytest.mark.parametrize(("path", "sets"), [
    (LLAMA_1, {}), (LLAMA_2, {}), (GPT_2, {}), (LLAMA_1, {"weights_leave_premises": False}),
], ids=["llama-1", "llama-2", "gpt-2", "hosted"])
def test_every_label_of_the_tornado_stays_inside_the_plot(engine, path, sets):
    """The scale is fitted to the labels: none runs off the chart or into the row labels."""
    result = score_file(engine, path, sets=sets)
    svg = tornado(render(result, engine, "html").decode())
    plot_left = min(float(r.get("x") or 0) for r in svg.iter(f"{SVG}line")
                    if "axis" in (r.get("class") or "").split())
    labels = [*texts(svg, "end-label"), *texts(svg, "caption")]
    assert labels
    for text in labels:
        x, width = float(text.get("x") or 0), _text_width(text.text or "")
        if text.get("text-anchor") == "end":
            assert x - width >= plot_left - 1, text.text
        else:
            assert x + width <= _WIDTH + 1, text.text


def test_a_lever_whose_alternatives_cannot_be_scored_keeps_its_row(engine):
    """Hosted answers: offering downloads opens questions they leave unanswered."""
    result = score_file(engine, LLAMA_1, sets={"weights_leave_premises": False})
    svg = tornado(render(result, engine, "html").decode())
    by_row = rows(svg)
    assert sorted(by_row) == sorted(lever_ids(engine, result))
    assert by_row["weights_leave_premises"] == ["no alternative can be scored from these answers"]
    assert "access_holders" not in by_row


# --- what it would take -------------------------------------------------------------------------

def test_the_record_shows_the_path_riskcli_levers_prints(engine, runner):
    report = levers_json(runner, LLAMA_1)
    assert report["target"] == "high" and report["paths"]
    path = report["paths"][0]
    html = render(score_file(engine, LLAMA_1), engine, "html").decode()
    section = levers_section(html)
    changes = path["changes"]
    assert section.path_rows == [c["key"] for c in changes]
    result = " ".join(" ".join(section.result_row).split())
    assert result.startswith("Together")
    assert f"{path['band']} {percent(path['p_horizon'])} within 365 days" in result
    assert f"median {days_text(path['median_days'])}" in result
    for owner in path["owners"]:
        assert owner in result
    for rule in path["rules_moved"]:
        assert rule in result
    sets = " ".join(f"--set {c['key']}={c['shown']}" for c in changes)
    assert f"Check it: riskcli score llama-1-2023.yaml {sets}" in section.plain
    assert "The fewest changes to high" in section.plain
    assert "2 changes bring Gated, weights downloaded from critical to high" in section.plain


def test_the_break_even_points_are_those_riskcli_levers_prints(engine, runner):
    report = levers_json(runner, LLAMA_1)
    section = levers_section(render(score_file(engine, LLAMA_1), engine, "html").decode())
    assert report["break_evens"]
    for point in report["break_evens"]:
        assert point["text"] in section.plain


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_with_no_path_under_gated_downloads_the_record_names_what_reaches_the_target(
        engine, runner, fmt):
    report = levers_json(runner, LLAMA_1, "--target", "low")
    assert not report["paths"] and report["reachable_by"] == ["gated_hosted"]
    text = render(score_file(engine, LLAMA_1), engine, fmt, target="low").decode()
    if fmt == "html":
        plain = levers_section(text).plain
        assert ("No combination of up to three lever changes brings Gated, weights downloaded "
                "to low without changing whether recipients download the weights. What does: "
                "Gated, hosted only (recipients reach a served model), low by its leak exposure."
                in plain)
        assert "The target is low , from critical as answered." in plain
    else:
        assert ("**What it would take** to bring Gated, weights downloaded from CRITICAL to LOW: "
                "no combination of up to three lever changes does it without changing whether "
                "recipients download the weights. What does: Gated, hosted only (leak "
                "exposure: LOW).") in text


def test_llama_2_has_no_path_to_high_and_names_every_option_in_it(engine, runner):
    report = levers_json(runner, LLAMA_2)
    assert not report["paths"]
    result = score_file(engine, LLAMA_2)
    names = {o.mode: o.label.partition(" (")[0] for o in result.options}
    plain = levers_section(render(result, engine, "html").decode()).plain
    assert "No path to high" in plain
    what_does = plain.split("What does:")[1]
    for mode in report["reachable_by"]:
        assert names[mode] in what_does


def test_a_record_already_in_the_lowest_band_has_nothing_to_reach(engine):
    result = score_file(engine, GPT_2)
    assert result.exposure.band == engine.rules.model.band_names[0]
    plain = levers_section(render(result, engine, "html").decode()).plain
    assert "Nothing to reach" in plain
    assert "Gated, weights downloaded is already in the lowest band, low." in plain
    card = render(result, engine, "md").decode()
    assert ("**What it would take:** nothing to reach; Gated, weights downloaded is already LOW, "
            "the lowest band.") in card


def test_a_band_that_is_not_the_packs_is_refused(engine):
    with pytest.raises(ValueError, match="'severe' is not a band"):
        render(score_file(engine, LLAMA_1), engine, "html", target="severe")


# --- the model card -----------------------------------------------------------------------------

def test_the_model_card_has_the_path_and_the_top_three_levers(engine, runner):
    report = levers_json(runner, LLAMA_1)
    path = report["paths"][0]
    card = render(score_file(engine, LLAMA_1), engine, "md").decode()
    owner = {q.id: q.lever.owner for q in engine.questionnaire.questions if q.lever}
    changes = " and ".join(f"`{c['key']}` = {markdown_escape(c['shown'])} ({owner[c['key']]})"
                           for c in path["changes"])
    p_horizon = markdown_escape(percent(path["p_horizon"]))
    assert (f"**What it would take** to bring Gated, weights downloaded from CRITICAL to HIGH, "
            f"without changing whether recipients download the weights: {changes}. Together "
            f"they give HIGH: {p_horizon} within 365 days") in card
    sets = " ".join(f"--set {c['key']}={c['shown']}" for c in path["changes"])
    assert f"Check with `riskcli score llama-1-2023.yaml {sets}`." in card
    # The top three levers: the best alternative of each of the three that lower the odds most.
    now = report["rate_per_day"] * 365
    best: dict[str, dict[str, Any]] = {}
    for effect in report["effects"]:
        if effect["rate_per_day"] * effect["horizon_days"] < now:
            best.setdefault(effect["changes"][0]["key"], effect)
    top = list(best.values())[:3]
    lines = [line for line in card.splitlines() if line.startswith("- `")]
    listed = card.split("**Levers that lower the odds most**")[1].split("\n\n**")[0]
    assert [line for line in lines if line in listed] == [
        f"- `{e['changes'][0]['key']}` = {markdown_escape(e['changes'][0]['shown'])}: "
        f"{e['band'].upper()}, {markdown_escape(percent(e['p_horizon']))} within "
        f"{days_text(e['horizon_days'])}, median {days_text(e['median_days'])} "
        f"({e['owners'][0]})" for e in top]
    assert [e["changes"][0]["key"] for e in top] == [
        "weights_leave_premises", "artifact_form", "access_holders"]
