"""The record's status, mode and accepted risks: the model card, the HTML and the PDF say what the
JSON and the text say.

A record without a decision block is Proposed and names what is recommended, never a decision; one
with a block says what was decided, by whom and when, and lists each accepted risk (finding,
reason, owner, expiry). The band that colours the record is the one of the option under
consideration, so Llama 2 (permissive-open) shows no CRITICAL for the gated exposure it is not
choosing, and no gating finding.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from pypdf import PdfReader

from riskcli.cli.app import app
from riskcli.report.formatting import long_date, split_label
from riskcli.report.render import render
from riskcli.report.templates import markdown_escape
from riskcli.results import ScoreResult
from riskcli.scoring import Engine, load_engine, score_file

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
LLAMA_1 = EXAMPLES / "llama-1-2023.yaml"
LLAMA_2 = EXAMPLES / "llama-2-2023.yaml"
GPT_2 = EXAMPLES / "gpt-2-partners-2019.yaml"

RISK = {"finding": "no-leak-response-plan",
        "reason": "The weights are released deliberately; a leak changes nothing we rely on.",
        "owner": "AI Strategy Lead", "expires": "2024-07-18"}
DECIDED = {"mode": "permissive_open", "approved_by": "Meta AI leadership",
           "approved_on": "2023-07-18", "accepted_risks": [RISK]}
"""LLaMA 1 decided as recommended (permissive-open), accepting that no leak plan exists."""
DIFFERS = {"mode": "gated", "approved_by": "Meta AI research leadership",
           "approved_on": "2023-02-20", "accepted_risks": [
               {"finding": "differs-from-recommendation",
                "reason": "Researchers first; we revisit after the first leak.",
                "owner": "AI Strategy Lead", "expires": "2023-08-20"}]}
"""LLaMA 1 decided gated against the recommendation, saying why."""
HOSTED_AWAY = ("access_holders", "access_organizations", "vetting", "legal_terms",
               "per_recipient_fingerprinting", "download_controls", "artifact_form",
               "artifact_size_gb")


def variant(folder: Path, name: str, source: Path = LLAMA_1, decision: dict | None = None,
            drop: tuple[str, ...] = (), **changes: Any) -> Path:
    """A copy of an example with some answers changed or dropped and a decision block."""
    document = yaml.safe_load(source.read_text("utf-8"))
    answers = {key: value for key, value in document["answers"].items() if key not in drop}
    answers.update(changes)
    document["answers"] = answers
    if decision is not None:
        document["decision"] = decision
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), "utf-8")
    return path


@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("decisions")
    return {
        "llama-1": LLAMA_1, "llama-2": LLAMA_2, "gpt-2": GPT_2,
        "decided": variant(folder, "llama-1-decided", decision=DECIDED),
        "differs": variant(folder, "llama-1-decided-gated", decision=DIFFERS),
        "severe": variant(folder, "llama-1-severe", misuse_severity_if_public="severe"),
        "hosted": variant(folder, "llama-1-hosted", drop=HOSTED_AWAY,
                          weights_leave_premises=False),
    }


VARIANTS = ["llama-1", "llama-2", "gpt-2", "decided", "differs", "severe", "hosted"]


def name_of(result: ScoreResult, mode: str) -> str:
    return split_label(next(o for o in result.options if o.mode == mode).label)[0]


def squashed(text: str) -> str:
    return re.sub(r"\s+", "", text).casefold()


class RecordText(HTMLParser):
    """The HTML record as a reader sees it: its text, the body's band class, each band badge by
    what it is the band of (and whether it is filled), and the severities in section 8."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.body_class = ""
        self.badges: list[tuple[str, str, bool]] = []
        """(of, band, filled)"""
        self.severities: list[str] = []
        self._section = ""
        self._h2 = False
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if tag in ("style", "svg", "title"):
            self._skip += 1
        if tag == "body":
            self.body_class = attributes.get("class") or ""
        elif tag == "h2":
            self._h2, self._section = True, ""
        elif tag == "span" and "band-badge" in classes:
            self.badges.append((attributes.get("data-of") or "", attributes.get("data-band") or "",
                                "aside" not in classes))
        elif tag == "span" and "sev" in classes and self._section.endswith(
                "Findings and mitigations"):
            self.severities.append(next(c.removeprefix("sev-") for c in classes
                                        if c.startswith("sev-")))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "svg", "title"):
            self._skip -= 1
        elif tag == "h2":
            self._h2 = False

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.text.append(data)
        if self._h2:
            self._section += data.strip()

    @property
    def plain(self) -> str:
        return " ".join(" ".join(self.text).split())


def html_record(result: ScoreResult, engine: Engine) -> RecordText:
    parser = RecordText()
    parser.feed(render(result, engine, "html").decode())
    parser.close()
    return parser


def markdown(result: ScoreResult, engine: Engine) -> str:
    return render(result, engine, "md").decode()


def md(text: str) -> str:
    """What the model card prints for a value: Markdown-escaped."""
    return markdown_escape(text)


# --- Llama 2: the mode under consideration is permissive-open -----------------------------------

def test_llama_2_shows_no_gating_finding_and_no_critical_for_the_mode_considered(engine):
    result = score_file(engine, LLAMA_2)
    assert result.decision.mode == "permissive_open"
    record = html_record(result, engine)
    gating = {rule.id for rule in engine.rules.rules
              if rule.modes is not None and "permissive_open" not in rule.modes}
    assert not gating & {f.rule_id for f in result.findings}
    assert record.severities, "section 8 lists the findings that concern permissive-open"
    assert not {"critical", "high"} & set(record.severities)
    assert record.body_class == "band-low"
    filled = [(of, band) for of, band, is_filled in record.badges if is_filled]
    assert filled and all(band == "low" for _, band in filled), record.badges
    # The gated exposure is still shown, for comparison, as an outline.
    assert ("exposure", "critical", False) in record.badges
    assert "For comparison only: Gated, weights downloaded, as answered" in record.plain
    assert "makes the weights public by design, so no gate has to hold" in record.plain
    assert "would be able to copy full weights" in record.plain
    assert "will be able to copy" not in record.plain
    card = markdown(result, engine)
    assert "Under consideration: Permissive-open (harm if public: LOW)" in card
    assert "(for comparison: not the option under consideration)" in card


def test_a_gated_plan_is_coloured_by_its_own_exposure(engine):
    result = score_file(engine, LLAMA_1)
    record = html_record(result, engine)
    assert record.body_class == "band-critical"
    assert ("considered", "critical", True) in record.badges
    assert ("exposure", "critical", True) in record.badges
    assert ("recommended", "moderate", False) in record.badges
    assert "high" in record.severities, "LLaMA 1's gating findings concern the gated plan"
    assert "will be able to copy full weights (234 GB) while the gating must hold" in record.plain


# --- proposed and decided ------------------------------------------------------------------------

def test_a_proposed_card_says_recommended_and_never_decision(engine):
    card = markdown(score_file(engine, LLAMA_1), engine)
    assert "**Proposed**, awaiting sign-off. Under consideration: Gated, weights downloaded" in card
    assert "**Recommended:** Permissive-open (harm if public: MODERATE)." in card
    assert "Decision:" not in card
    assert "decided" not in card.casefold()
    assert "Accepted risks" not in card


def test_a_proposed_html_record_says_proposed_and_recommended(engine):
    record = html_record(score_file(engine, LLAMA_1), engine).plain
    assert "Status Proposed, awaiting sign-off" in record
    assert "Recommended: Permissive-open" in record
    assert "Decided" not in record
    assert "Adopt the recommendation: Permissive-open" in record


def test_a_decided_card_names_the_mode_the_approver_the_date_and_each_accepted_risk(
        engine, files):
    result = score_file(engine, files["decided"])
    assert result.decision.status == "decided"
    card = markdown(result, engine)
    assert ("**Decided:** Permissive-open, approved by Meta AI leadership on 18 July 2023 "
            "(harm if public: MODERATE).") in card
    assert "**Recommended:** Permissive-open, which the decision follows." in card
    assert "Proposed" not in card
    lines = card.splitlines()
    header = lines.index("| Finding | Reason | Owner | Expires |")
    assert lines[header + 2] == (
        f"| No plan for the day the weights leak (`no-leak-response-plan`) | {md(RISK['reason'])}"
        " | AI Strategy Lead | 18 July 2024 |")
    assert "| Gated, weights downloaded (plan) |" in card
    assert "| Permissive-open (decided, recommended) |" in card


def test_a_decided_html_record_names_the_decision_and_lists_the_accepted_risks(engine, files):
    result = score_file(engine, files["decided"])
    record = html_record(result, engine)
    text = record.plain
    assert "Status Decided approved by Meta AI leadership on 18 July 2023" in text
    assert "Decided option Permissive-open" in text
    assert "Decided: Permissive-open, approved by Meta AI leadership on 18 July 2023" in text
    assert ("No plan for the day the weights leak no-leak-response-plan "
            f"{RISK['reason']} AI Strategy Lead 18 July 2024") in text
    assert "Approved by Meta AI leadership 18 July 2023" in text, "the sign-off row"
    assert record.body_class == "band-moderate"
    assert "Proposed" not in text


def test_a_decision_against_the_recommendation_says_so_and_shows_why(engine, files):
    result = score_file(engine, files["differs"])
    card = markdown(result, engine)
    assert ("**Decided:** Gated, weights downloaded, approved by Meta AI research leadership on "
            "20 February 2023") in card
    assert "**Recommended:** Permissive-open (harm if public: MODERATE)." in card
    assert "the accepted risks below say why" in card
    assert ("| The decision differs from the recommendation (`differs-from-recommendation`) | "
            "Researchers first; we revisit after the first leak. | AI Strategy Lead | "
            "20 August 2023 |") in card
    assert "| Gated, weights downloaded (decided) |" in card
    text = html_record(result, engine).plain
    assert "The decision differs from the recommendation." in text
    assert "The decision differs from the recommendation differs-from-recommendation" in text


def test_an_accepted_finding_is_marked_where_it_is_listed(engine, tmp_path):
    """An accepted risk on a finding of the option under consideration shows under that
    finding, with its reason, owner and expiry."""
    path = variant(tmp_path, "proposed-accepting", decision={"accepted_risks": [RISK]})
    result = score_file(engine, path)
    assert result.decision.status == "proposed"
    assert "no-leak-response-plan" in {f.rule_id for f in result.findings}
    text = html_record(result, engine).plain
    assert "No plan for the day the weights leak no-leak-response-plan Accepted" in text
    assert f"Accepted: {RISK['reason']} (AI Strategy Lead, until 18 July 2024)" in text
    assert "Accepted risks" in markdown(result, engine)


# --- every option side by side ------------------------------------------------------------------

@pytest.mark.parametrize("name", VARIANTS)
def test_the_options_table_shows_every_option_with_its_band_and_marks_once(engine, files, name):
    result = score_file(engine, files[name])
    card = markdown(result, engine).splitlines()
    header = card.index("| Option | Weights | Band | Exposure | Kept | Given up | Obligations |")
    rows = card[header + 2: header + 2 + len(result.options)]
    assert [row.split(" | ")[0].removeprefix("| ").split(" (")[0] for row in rows] == [
        split_label(o.label)[0] for o in result.options]
    for row, option in zip(rows, result.options, strict=True):
        cell = row.split(" | ")[0]
        assert cell.count("(") <= 1, cell
        marks = cell.partition(" (")[2].rstrip(")").split(", ") if "(" in cell else []
        assert ("recommended" in marks) == (option.mode == result.recommendation.mode)
        assert (("decided" in marks) or ("under consideration" in marks)) == (
            option.mode == result.decision.mode)
        band = row.split(" | ")[2]
        assert band == (f"{option.band.upper()} ("
                        f"{'harm if public' if option.weights == 'public' else 'leak exposure'})"
                        if option.band else "Not assessed"), row
    html = html_record(result, engine)
    shown = [(band, filled) for of, band, filled in html.badges if of == "option"]
    assert [band for band, _ in shown] == [o.band for o in result.options if o.band]
    assert [filled for _, filled in shown] == [
        o.mode == result.decision.mode for o in result.options if o.band]


def test_a_hosted_recommendation_differs_from_a_downloads_plan_in_the_record(engine, files):
    result = score_file(engine, files["severe"])
    assert result.recommendation.mode == "gated_hosted"
    card = markdown(result, engine)
    assert "**Recommended:** Gated, hosted only (leak exposure: LOW)." in card
    assert "> **Note:** the option under consideration, Gated, weights downloaded, differs" in card
    hosted = next(o for o in result.options if o.mode == "gated_hosted")
    assert hosted.p_leak_interval != list(result.exposure.interval.p_leak["horizon"])
    text = html_record(result, engine).plain
    assert "Differs from the option under consideration." in text
    assert "Recommended: Gated, hosted only" in text


def test_answers_that_keep_the_weights_hosted_cannot_assess_downloads(engine, files):
    result = score_file(engine, files["hosted"])
    assert result.decision.mode == "gated_hosted"
    card = markdown(result, engine)
    assert "| Gated, weights downloaded | Downloaded | Not assessed |" in card
    assert "| Gated, hosted only (under consideration, recommended) | Hosted | LOW (" in card
    assert "Leak exposure as answered: Gated, hosted only" in html_record(result, engine).plain


# --- the same thing as the JSON and the text ----------------------------------------------------

@pytest.mark.parametrize("name", VARIANTS)
def test_the_record_says_what_json_and_text_say(runner, engine, files, name):
    path = files[name]
    scored = runner.invoke(app, ["score", "--format", "json", "--today", "2023-01-01", str(path)])
    assert scored.exit_code == 0, scored.output
    (data,) = json.loads(scored.stdout)["results"]
    decision, recommendation = data["decision"], data["recommendation"]
    text = runner.invoke(app, ["score", "--today", "2023-01-01", str(path)])
    assert text.exit_code == 0, text.output
    status_line = next(line for line in text.stdout.splitlines() if "status" in line)
    assert decision["status"] in status_line and decision["mode"] in status_line

    result = score_file(engine, path)
    considered = name_of(result, decision["mode"])
    recommended = name_of(result, recommendation["mode"])
    card = markdown(result, engine)
    html = html_record(result, engine).plain
    if decision["status"] == "decided":
        approved = long_date(dt.date.fromisoformat(decision["approved_on"]))
        sentence = f"Decided: {considered}, approved by {decision['approved_by']} on {approved}"
        assert f"**Decided:** {sentence.removeprefix('Decided: ')}" in card
        assert sentence in html
    else:
        assert f"**Proposed**, awaiting sign-off. Under consideration: {considered} (" in card
        assert "Status Proposed, awaiting sign-off" in html
        assert f"Option under consideration {considered}" in html
        assert f"Recommended: {recommended}" in html
    assert f"**Recommended:** {recommended}" in card
    assert (f"> **Note:** the {'decision' if decision['status'] == 'decided' else 'option'}"
            in card) == (decision["mode"] != recommendation["mode"])
    for risk in decision["accepted_risks"]:
        expires = long_date(dt.date.fromisoformat(risk["expires"]))
        assert f"| {md(risk['reason'])} | {risk['owner']} | {expires} |" in card
        assert f"{risk['finding']} {risk['reason']} {risk['owner']} {expires}" in html
    if not decision["accepted_risks"]:
        assert "Accepted risks" not in card and "Accepted risks" not in html


# --- the PDF -------------------------------------------------------------------------------------

@pytest.mark.slow
def test_the_pdf_says_what_was_decided_and_which_risks_were_accepted(engine, files):
    result = score_file(engine, files["decided"])
    pages = [page.extract_text() or "" for page in
             PdfReader(io.BytesIO(render(result, engine, "pdf"))).pages]
    first = squashed(pages[0])
    assert squashed("Decided: Permissive-open, approved by Meta AI leadership on 18 July 2023") \
        in first
    assert squashed("Accepted risks") in first
    assert squashed(f"No plan for the day the weights leak no-leak-response-plan {RISK['reason']}"
                    " AI Strategy Lead 18 July 2024") in first
    assert squashed("Proposed") not in squashed("".join(pages))
    whole = squashed("\n".join(pages))
    assert squashed("Approved by Meta AI leadership 18 July 2023") in whole


@pytest.mark.slow
def test_the_llama_2_pdf_names_permissive_open_as_the_option_under_consideration(engine):
    result = score_file(engine, LLAMA_2)
    pages = [page.extract_text() or "" for page in
             PdfReader(io.BytesIO(render(result, engine, "pdf"))).pages]
    first = squashed(pages[0])
    assert squashed("Option under consideration Permissive-open low harm if public") in first
    assert squashed("For comparison only: Gated, weights downloaded, as answered") in first
    section = squashed("\n".join(pages)).split(squashed("8Findings and mitigations"))[1]
    section = section.split(squashed("9Consequences"))[0]
    for rule in engine.rules.rules:
        if rule.modes is not None and "permissive_open" not in rule.modes:
            assert squashed(rule.id) not in section, f"{rule.id} is a gating finding"
    for finding in result.findings:
        assert squashed(f"{finding.severity}{finding.title}{finding.rule_id}") in section
