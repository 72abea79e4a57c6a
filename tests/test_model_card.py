"""The model-card path: `report --format md` is a section a Hugging Face README accepts, and a
recommended option that hands out the weights through a gate comes with an access form that asks
what the answers say admission requires."""

from __future__ import annotations

import pytest
import yaml
from huggingface_hub import ModelCard

from riskcli.cli.app import app

FRONT_MATTER_INTRO = "merges it into the card's own front matter"


def _report_md(runner, answers, tmp_path):
    out = tmp_path / "card.md"
    result = runner.invoke(app, ["report", str(answers), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return result.stdout, out.read_text()


def _front_matter(stdout: str) -> str:
    return stdout[stdout.index("---\n"):]


def test_markdown_section_and_front_matter_make_a_valid_hugging_face_card(
    runner, examples_dir, tmp_path
):
    stdout, section = _report_md(runner, examples_dir / "gpt-2-partners-2019.yaml", tmp_path)
    readme = _front_matter(stdout) + "\n# GPT-2 1.5B\n\nAbout the model.\n\n" + section
    card = ModelCard(readme)
    data = card.data.to_dict()
    assert set(data) == {"extra_gated_heading", "extra_gated_prompt", "extra_gated_fields",
                         "extra_gated_button_content"}
    assert "## Distribution decision" in card.text
    assert "| Gated, weights downloaded (under consideration, recommended) |" in card.text
    assert ("**Recommended:** Gated, weights downloaded, the option under consideration."
            in card.text)


def test_access_form_matches_contract_vetting_and_signed_terms(runner, examples_dir, tmp_path):
    stdout, _ = _report_md(runner, examples_dir / "gpt-2-partners-2019.yaml", tmp_path)
    front = yaml.safe_load(_front_matter(stdout).strip("-\n"))
    fields = front["extra_gated_fields"]
    assert fields["Organisation"] == "text" and fields["Agreement reference"] == "text"
    assert fields["My organisation has signed the access agreement"] == "checkbox"
    assert "agreement signed by your organisation with OpenAI" in front["extra_gated_prompt"]
    assert front["extra_gated_heading"] == "Request access to GPT-2 1.5B"


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"vetting": "affiliation_checked", "legal_terms": "click_through"}, "Affiliation"),
     ({"vetting": "self_attested", "legal_terms": "click_through"}, "Intended use")],
    ids=["affiliation", "self-attested"],
)
def test_access_form_follows_the_vetting_answer(runner, examples_dir, tmp_path, write_answers,
                                                changes, field):
    answers = yaml.safe_load((examples_dir / "gpt-2-partners-2019.yaml").read_text())["answers"]
    answers.update(changes, decision_date=str(answers["decision_date"]))
    stdout, _ = _report_md(runner, write_answers(answers), tmp_path)
    front = yaml.safe_load(_front_matter(stdout).strip("-\n"))
    assert field in front["extra_gated_fields"]
    assert "I accept the licence and its use restrictions" in front["extra_gated_fields"]


@pytest.mark.parametrize("example", ["llama-1-2023.yaml", "llama-2-2023.yaml"])
def test_no_access_form_when_the_recommendation_is_not_a_gated_download(
    runner, examples_dir, tmp_path, example
):
    stdout, _ = _report_md(runner, examples_dir / example, tmp_path)
    assert FRONT_MATTER_INTRO not in stdout


@pytest.mark.parametrize(
    "changes",
    [{"misuse_severity_if_public": "severe"},
     {"weights_leave_premises": False, "access_holders": None, "access_organizations": None,
      "vetting": None, "legal_terms": None, "per_recipient_fingerprinting": None,
      "download_controls": None, "artifact_form": None, "artifact_size_gb": None}],
    ids=["hosted-recommended", "hosted-answered"],
)
def test_no_access_form_when_the_recommended_option_keeps_the_weights_hosted(
    runner, examples_dir, tmp_path, write_answers, changes
):
    """A gated recommendation whose weights stay on your servers has no download to gate."""
    answers = yaml.safe_load((examples_dir / "llama-1-2023.yaml").read_text())["answers"]
    answers.update(changes, decision_date=str(answers["decision_date"]))
    answers = {key: value for key, value in answers.items() if value is not None}
    stdout, card = _report_md(runner, write_answers(answers), tmp_path)
    assert "**Recommended:** Gated, hosted only" in card
    assert FRONT_MATTER_INTRO not in stdout


def test_the_access_form_follows_the_recommended_options_weights_not_its_name(
    runner, examples_dir, repo_root, tmp_path
):
    """A pack may name its options as it likes: what decides the form is that the recommended
    option hands out downloaded weights."""
    pack = yaml.safe_load((repo_root / "rules" / "llama-pattern.yaml").read_text("utf-8"))
    pack["options"] = {("partners" if mode == "gated" else mode): spec
                       for mode, spec in pack["options"].items()}
    pack["recommendation"]["gated"]["mode"] = "partners"
    for rule in pack["rules"]:
        if rule.get("modes"):
            rule["modes"] = ["partners" if mode == "gated" else mode for mode in rule["modes"]]
    rules = tmp_path / "renamed.yaml"
    rules.write_text(yaml.safe_dump(pack, sort_keys=False, allow_unicode=True), "utf-8")
    out = tmp_path / "card.md"
    made = runner.invoke(app, ["report", str(examples_dir / "gpt-2-partners-2019.yaml"),
                               "--rules", str(rules), "-o", str(out)])
    assert made.exit_code == 0, made.output
    assert FRONT_MATTER_INTRO in made.stdout
    assert "| Gated, weights downloaded (under consideration, recommended) |" in out.read_text()


def test_names_in_the_access_prompt_are_text_not_markdown(runner, examples_dir, tmp_path,
                                                          write_answers):
    """The Hub renders extra_gated_prompt as Markdown: a model name holding HTML or a link is
    escaped there, and kept as typed in the heading, which is plain text."""
    answers = yaml.safe_load((examples_dir / "gpt-2-partners-2019.yaml").read_text())["answers"]
    answers.update(model_name="GPT <img src=x onerror=alert(1)> [x](javascript:y)",
                   decision_date=str(answers["decision_date"]))
    stdout, _ = _report_md(runner, write_answers(answers), tmp_path)
    front = yaml.safe_load(_front_matter(stdout).strip("-\n"))
    assert front["extra_gated_heading"] == (
        "Request access to GPT <img src=x onerror=alert(1)> [x](javascript:y)")
    assert "<img" not in front["extra_gated_prompt"]
    assert ("GPT &lt;img src=x onerror=alert(1)&gt; \\[x\\](javascript:y) is distributed by "
            "OpenAI" in front["extra_gated_prompt"])
