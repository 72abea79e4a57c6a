"""The record says how sure each figure is: intervals in place, the band the interval could reach,
the shaded band on the curve, and the "How sure is this" paragraph.

The HTML record is parsed (standard library only) and each interval is read from the element that
holds it, then compared with the result's own numbers formatted by riskcli.wording, so the record
and `score` cannot disagree. Nothing here hard-codes a figure.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from riskcli import wording
from riskcli.report.formatting import answer_text, rate_range
from riskcli.report.render import render
from riskcli.results import ScoreResult
from riskcli.scoring import Engine, load_engine, score_file

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
EXAMPLE_NAMES = ["llama-1-2023", "llama-2-2023", "gpt-2-partners-2019"]
STRADDLE = "gpt-2-estimated-holders"


# --- a small HTML tree, enough to find an element and read its text ------------------------------

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str]):
        self.tag, self.attrs = tag, attrs
        self.children: list[Node | str] = []

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return " ".join("".join(parts).split())

    def iter(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None,
                 **attrs: str) -> list[Node]:
        return [n for n in self.iter()
                if (tag is None or n.tag == tag) and (cls is None or cls in n.classes)
                and all(n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())]

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> Node:
        found = self.find_all(tag, cls, **attrs)
        assert len(found) == 1, f"expected one <{tag} class={cls} {attrs}>, found {len(found)}"
        return found[0]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


# --- fixtures -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine()


@pytest.fixture(scope="module")
def straddle_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """GPT-2's partners, but the number of holders given as a wide estimate: 20 to 4,000."""
    data = yaml.safe_load((EXAMPLES / "gpt-2-partners-2019.yaml").read_text(encoding="utf-8"))
    data["answers"]["access_holders"] = {"low": 20, "high": 4000}
    path = tmp_path_factory.mktemp("answers") / f"{STRADDLE}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def records(engine: Engine, straddle_file: Path) -> dict[str, tuple[ScoreResult, Node, str]]:
    """Each example and the straddling case: its result, its parsed HTML, its Markdown."""
    paths = {name: EXAMPLES / f"{name}.yaml" for name in EXAMPLE_NAMES} | {
        STRADDLE: straddle_file}
    out = {}
    for name, path in paths.items():
        result = score_file(engine, path)
        html = render(result, engine, "html").decode("utf-8")
        md = render(result, engine, "md").decode("utf-8")
        out[name] = (result, parse(html), md)
    return out


ALL = [*EXAMPLE_NAMES, STRADDLE]


def level_of(result: ScoreResult) -> str:
    return wording.level_words(result.exposure.interval.level)


# --- every figure carries its interval, in its place --------------------------------------------

@pytest.mark.parametrize("name", ALL, ids=ALL)
def test_each_p_leak_figure_on_page_one_shows_its_interval(records, name):
    result, tree, _ = records[name]
    exposure, interval = result.exposure, result.exposure.interval
    level = level_of(result)
    for day, p in exposure.p_leak.items():
        if day == "horizon" and str(exposure.horizon_days) in exposure.p_leak:
            continue  # the horizon is one of the report days, whose cell says so
        cell = tree.find("td", data_figure=f"p-{day}")
        assert cell.find(cls="fig").text() == wording.percent(p)
        ends = wording.percent_range(*interval.p_leak[day])
        assert cell.find(cls="range").text() == f"{level}: {ends}"


@pytest.mark.parametrize("name", ALL, ids=ALL)
def test_the_median_and_the_score_show_their_intervals(records, name):
    result, tree, _ = records[name]
    exposure, interval = result.exposure, result.exposure.interval
    level = level_of(result)
    median = tree.find("td", data_figure="median")
    assert median.find(cls="fig").text() == wording.days_text(exposure.median_days_to_leak)
    assert median.find(cls="ends").text() == wording.days_range(*interval.median_days_to_leak)
    low, high = interval.score
    score = tree.find("td", data_figure="score")
    expected = str(low) if low == high else f"{low}–{high}"
    assert score.find(cls="ends").text() == expected
    assert f"{exposure.score} / 100 ({level}: {expected})" in score.text()


@pytest.mark.parametrize("name", ALL, ids=ALL)
def test_section_five_gives_the_rate_and_score_intervals_and_the_context_the_horizon_interval(
        records, name):
    result, tree, _ = records[name]
    interval = result.exposure.interval
    level = level_of(result)
    formula = tree.find("p", cls="formula").text()
    assert f"({level}: {rate_range(*interval.rate_per_day)})" in formula
    horizon_range = wording.percent_range(*interval.p_leak["horizon"])
    body = tree.find("body").text()
    assert f"({level} interval: {horizon_range})" in body
    options = tree.find("table", cls="options").text()
    assert f"{level}: {horizon_range}" in options


def test_a_different_interval_level_is_named_everywhere(straddle_file):
    engine = load_engine(interval=0.9)
    result = score_file(engine, straddle_file)
    tree = parse(render(result, engine, "html").decode("utf-8"))
    assert result.exposure.interval.level == 0.9
    seven = tree.find("td", data_figure="p-7").find(cls="range").text()
    assert seven.startswith("90%: ")
    assert "shaded: 90% interval" in tree.find("svg", cls="exposure-chart").text()
    assert "80%" not in tree.find("div", cls="how-sure").text()


# --- the band an interval could reach -----------------------------------------------------------

def test_the_band_badge_says_when_the_interval_straddles_a_band_cut(records):
    result, tree, md = records[STRADDLE]
    exposure = result.exposure
    low_band, high_band = exposure.interval.bands
    assert low_band != high_band, "the constructed case must straddle a band cut"
    words = wording.band_words(exposure.band, low_band, high_band)
    assert words == f"{exposure.band}, could be {low_band}–{high_band}"
    score = tree.find("td", data_figure="score")
    badge = score.find(cls="band-badge").text() + score.find(cls="band-could").text()
    assert badge == words
    assert f"band {words}" in tree.find("p", cls="formula").text()
    assert f"band {words}" in md


@pytest.mark.parametrize("name", ALL, ids=ALL)
def test_the_band_is_qualified_only_when_the_interval_straddles_a_cut(records, name):
    result, tree, md = records[name]
    exposure = result.exposure
    low_band, high_band = exposure.interval.bands
    score = tree.find("td", data_figure="score")
    assert score.find(cls="band-badge").text() == exposure.band
    if low_band == high_band:
        assert "could be" not in tree.find("body").text()
        assert "could be" not in md
        assert not tree.find_all(cls="band-could")
    else:
        words = wording.band_words(exposure.band, low_band, high_band)
        assert exposure.band + score.find(cls="band-could").text() == words


# --- the curve's shaded band --------------------------------------------------------------------

def _points(node: Node) -> list[tuple[float, float]]:
    numbers = [float(v) for v in re.split(r"[ ,]+", node.attrs["points"].strip())]
    return list(zip(numbers[::2], numbers[1::2], strict=True))


@pytest.mark.parametrize("name", ALL, ids=ALL)
def test_the_exposure_chart_shades_the_interval_around_the_central_curve(records, name):
    result, tree, _ = records[name]
    chart = tree.find("svg", cls="exposure-chart")
    band = _points(chart.find("polygon", cls="interval-band"))
    curve = _points(chart.find("polyline", cls="curve"))
    upper, lower = band[: len(curve)], band[len(curve):][::-1]
    assert len(band) == 2 * len(curve)
    for (x, y), (xu, yu), (xl, yl) in zip(curve, upper, lower, strict=True):
        assert x == pytest.approx(xu) == pytest.approx(xl)
        assert yu <= y + 1e-6 and y <= yl + 1e-6, "the central curve lies inside its band"
    assert f"shaded: {level_of(result)} interval" in chart.text()
    assert chart.find_all("line", cls="horizon"), "the horizon marker is kept"


def test_the_band_is_wider_when_an_answer_is_an_estimate(records):
    plain = _points(records["gpt-2-partners-2019"][1].find("polygon", cls="interval-band"))
    wide = _points(records[STRADDLE][1].find("polygon", cls="interval-band"))
    plain_rates = records["gpt-2-partners-2019"][0].exposure.interval.rate_per_day
    wide_rates = records[STRADDLE][0].exposure.interval.rate_per_day
    assert wide_rates[1] / wide_rates[0] > plain_rates[1] / plain_rates[0]
    assert len(plain) == len(wide)


# --- How sure is this ---------------------------------------------------------------------------

def _fitted_sources(engine: Engine, result: ScoreResult) -> list:
    active = {s.source for s in result.exposure.sources if s.active}
    return [s for s in engine.rules.model.sources if s.id in active]


@pytest.mark.parametrize("name", ALL, ids=ALL)
def test_how_sure_names_the_precedents_each_base_hazard_was_fitted_on(records, engine, name):
    result, tree, md = records[name]
    how_sure = tree.find("div", cls="how-sure")
    text = how_sure.text()
    assert how_sure.find("h3").text() == "How sure is this"
    assert f"has its {level_of(result)} interval" in text
    named = [n.text() for n in how_sure.find_all(cls="precedent")]
    everything: set[str] = set()
    leaks = 0
    for source in _fitted_sources(engine, result):
        fit = source.uncertainty.fit
        assert source.title in text
        if fit is None:
            assert "not fitted" in text
            continue
        everything |= set(fit.precedents)
        leaks += fit.leaks
        count = len(fit.precedents)
        assert f"fitted on {count} {'precedent' if count == 1 else 'precedents'}" in text
        for precedent in fit.precedents:
            assert precedent in named
            assert precedent in md
        if fit.leaks == 0:
            assert "no leak in them is put down to this source" in text
        else:
            verb = "is" if fit.leaks == 1 else "are"
            noun = "leak" if fit.leaks == 1 else "leaks"
            assert f"{fit.leaks} {noun} in them {verb} put down to this source" in text
    if everything:
        among = "no leak" if leaks == 0 else f"{leaks} leak{'s' if leaks != 1 else ''}"
        total = f"fitted on {len(everything)} precedent{'s' if len(everything) != 1 else ''}"
        for said in (text, md):
            assert total in said
            assert f"with {among} among them" in said
    assert "held as priors set by the rule pack, not fitted" in text
    assert "priors, not fitted" in md


def test_the_constructed_case_gives_the_holders_as_an_estimate(records):
    result, tree, md = records[STRADDLE]
    assert "access_holders" in result.exposure.interval.estimates
    assert tree.find("li", data_estimate="access_holders").find(cls="ends").text() == "20–4,000"
    assert "How many individuals will be able to obtain the weights? (20–4,000)" in md


@pytest.mark.parametrize("name", ALL, ids=ALL)
def test_how_sure_lists_the_answers_given_as_estimates_with_their_ranges(records, engine, name):
    result, tree, md = records[name]
    estimates = result.exposure.interval.estimates
    how_sure = tree.find("div", cls="how-sure")
    listed = [node.attrs["data-estimate"] for node in how_sure.iter()
              if "data-estimate" in node.attrs]
    assert listed == estimates
    if not estimates:
        assert "here none was" in how_sure.text()
        assert "no answer was given as an estimate" in md
    for key in estimates:
        question = engine.questionnaire.by_id[key]
        ends = answer_text(question, result.answers[key]).removesuffix(" (estimate)")
        item = how_sure.find("li", data_estimate=key)
        assert item.find(cls="ends").text() == ends
        assert key in item.text()
        assert f"{question.prompt} ({ends})" in md
    # The sources table shows an estimated headcount as its range, with the value scored at.
    for source in result.exposure.sources:
        if source.active and source.population_key in estimates:
            question = engine.questionnaire.by_id[source.population_key]
            ends = answer_text(question, result.answers[source.population_key])
            row = next(r for r in tree.find_all("tr") if source.title in r.text())
            assert ends.removesuffix(" (estimate)") in row.text()
            assert "estimate; scored at" in row.text()


# --- the Markdown card --------------------------------------------------------------------------

@pytest.mark.parametrize("name", ALL, ids=ALL)
def test_the_model_card_gives_each_figure_its_interval(records, name):
    result, _, md = records[name]
    exposure, interval = result.exposure, result.exposure.interval
    level = level_of(result)
    assert f"| P(leak) | {level} interval |" in md
    for day in exposure.p_leak:
        if day == "horizon":
            continue
        low, high = interval.p_leak[day]
        row = f"| {day} days | {_md(wording.percent(exposure.p_leak[day]))} | " \
              f"{_md(wording.percent_range(low, high))} |"
        assert row in md
    assert f"({level}: {wording.days_range(*interval.median_days_to_leak)})" in md


def _md(text: str) -> str:
    """How the card escapes a printed value."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")



# --- the PDF, as a reviewer gets it -------------------------------------------------------------

@pytest.mark.slow
def test_the_pdf_record_carries_the_intervals_the_band_words_and_how_sure(engine, straddle_file):
    result = score_file(engine, straddle_file)
    pdf = render(result, engine, "pdf")
    text = "".join("".join((page.extract_text() or "").split())
                   for page in PdfReader(io.BytesIO(pdf)).pages)
    exposure, interval = result.exposure, result.exposure.interval
    level = level_of(result)
    for needle in (
            "How sure is this",
            wording.band_words(exposure.band, *interval.bands),
            f"{level}: {wording.percent_range(*interval.p_leak['7'])}",
            f"{level}: {wording.days_range(*interval.median_days_to_leak)}",
            f"shaded: {level} interval",
            "20–4,000"):
        assert "".join(needle.split()) in text, needle
