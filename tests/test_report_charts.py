"""The record's charts read honestly: the exposure curve on a 0-100% axis (a small risk is a line
along the floor, enlarged only in a labelled inset), and a factor chart that stays on one page
however many rules fire.

Every figure is read back from the SVG and compared with the result it came from; nothing here
hard-codes a probability.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import yaml

from riskcli.exposure import leak_probability
from riskcli.report.render import render
from riskcli.resources import default_rules
from riskcli.scoring import Engine, load_engine, score_file

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine()


def _svg(html: str, kind: str) -> str:
    match = re.search(rf'<svg [^>]*class="chart {kind}[^"]*".*?</svg>', html, re.S)
    assert match, f"the record has no {kind}"
    return match.group(0)


def _figcaption_after(html: str, kind: str) -> str:
    start = html.index(_svg(html, kind))
    caption = re.search(r"<figcaption>(.*?)</figcaption>", html[start:], re.S)
    assert caption
    return " ".join(caption.group(1).split())


def _y_ticks(svg: str) -> list[str]:
    """The main plot's y tick labels, top to bottom order not assumed."""
    return re.findall(r'<text class="tick" x="[\d.]+" y="[\d.]+" text-anchor="end">([^<]*)</text>',
                      svg)


def _points(svg: str, cls: str) -> list[tuple[float, float]]:
    match = re.search(rf'<(?:polyline|polygon) class="{cls}"[^>]* points="([^"]+)"', svg)
    assert match, f"no {cls} in the chart"
    numbers = [float(v) for v in re.split(r"[ ,]+", match.group(1).strip())]
    return list(zip(numbers[::2], numbers[1::2], strict=True))


def _html(engine: Engine, path: Path, sets: dict | None = None) -> tuple[str, object]:
    result = score_file(engine, path, sets=sets)
    return render(result, engine, "html").decode("utf-8"), result


def _low_risk(engine: Engine) -> tuple[str, object]:
    """The LLaMA 1 answers with the weights kept on the servers: a few percent in a year."""
    return _html(engine, EXAMPLES / "llama-1-2023.yaml", {"weights_leave_premises": False})


def test_the_exposure_axis_runs_from_0_to_100_percent_even_for_a_small_risk(engine):
    html, result = _low_risk(engine)
    svg = _svg(html, "exposure-chart")
    assert result.exposure.p_leak["horizon"] < 0.2, "the case must be a small risk"
    assert _y_ticks(svg) == ["0%", "25%", "50%", "75%", "100%"]
    # The curve's highest point sits as high on the plot as its probability, not at the top.
    curve = _points(svg, "curve")
    floor = max(y for _, y in curve)
    top_of_plot = min(float(y) for y in re.findall(
        r'<line class="grid" x1="[\d.]+" y1="([\d.]+)"', svg))
    height = floor - top_of_plot
    x_max = max(result.exposure.horizon_days, 365)
    p_end = leak_probability(result.exposure.rate_per_day, x_max)
    reached = (floor - min(y for _, y in curve)) / height
    assert reached == pytest.approx(p_end, abs=0.02)


def test_a_small_risk_is_enlarged_in_a_labelled_inset_that_the_caption_names(engine):
    html, result = _low_risk(engine)
    svg = _svg(html, "exposure-chart")
    title = re.search(r'<text class="inset-title"[^>]*>([^<]*)</text>', svg)
    assert title, "a small risk gets an enlarged inset"
    ceiling = re.fullmatch(r"enlarged: 0–([\d.]+)%", title.group(1))
    assert ceiling, title.group(1)
    top = float(ceiling.group(1)) / 100
    x_max = max(result.exposure.horizon_days, 365)
    high = result.exposure.interval.rate_per_day[1]
    assert leak_probability(high, x_max) <= top < 1, "the inset holds the whole band"
    caption = _figcaption_after(html, "exposure-chart")
    assert "on a y axis from 0 to 100%" in caption
    assert f"enlarges the same curve to 0–{ceiling.group(1)}%" in caption
    # The inset's own curve and band, kept apart from the main ones.
    assert len(re.findall(r'class="curve"', svg)) == 1
    assert len(re.findall(r'class="inset-curve"', svg)) == 1
    assert len(re.findall(r'class="inset-interval-band"', svg)) == 1


@pytest.mark.parametrize("name", ["llama-1-2023", "gpt-2-partners-2019"])
def test_a_risk_that_reads_on_the_full_scale_has_no_inset(engine, name):
    html, result = _html(engine, EXAMPLES / f"{name}.yaml")
    x_max = max(result.exposure.horizon_days, 365)
    assert leak_probability(result.exposure.interval.rate_per_day[1], x_max) > 0.4
    svg = _svg(html, "exposure-chart")
    assert 'class="inset' not in svg
    assert _y_ticks(svg) == ["0%", "25%", "50%", "75%", "100%"]
    caption = _figcaption_after(html, "exposure-chart")
    assert "on a y axis from 0 to 100%." in caption
    assert "inset" not in caption


def _pack_with_many_rules(tmp_path: Path, count: int) -> Path:
    """The bundled pack plus `count` rules that fire on every download, each a small raise."""
    pack = yaml.safe_load(Path(default_rules()).read_text(encoding="utf-8"))
    for index in range(count):
        pack["rules"].append({
            "id": f"extra-{index:03d}", "title": f"Extra rule {index}",
            "when": "weights_leave_premises",
            "effect": {"factor": "demand", "multiply": round(1 + (index + 1) / 1000, 4)},
            "modes": ["gated"], "severity": "low", "rationale": "A rule of a large pack.",
            "mitigation": "None.", "owner": pack["owners"][0]})
    path = tmp_path / "big-pack.yaml"
    path.write_text(yaml.safe_dump(pack, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def test_the_factor_chart_shows_the_strongest_bars_and_counts_the_rest(tmp_path):
    engine = load_engine(rules_path=_pack_with_many_rules(tmp_path, 40))
    html, result = _html(engine, EXAMPLES / "llama-1-2023.yaml")
    svg = _svg(html, "factor-chart")
    bars = re.findall(r'<text class="row-label"[^>]*>([^<]*)</text>', svg)
    moved = [c for c in result.exposure.contributions if c.multiplier != 1]
    assert len(moved) > 24
    assert len(bars) == 24
    strongest = sorted(moved, key=lambda c: -abs(math.log(c.multiplier)))[:24]
    assert {c.rule_id for c in strongest} == set(bars)
    assert f"+{len(moved) - 24} weaker rules: in the table below" in svg
    # Every rule is still in the table under the chart.
    table = html[html.index('<table class="data contributions">'):]
    for contribution in moved:
        assert f"<code>{contribution.rule_id}</code>" in table
    assert "the 24 strongest" in _figcaption_after(html, "factor-chart")
