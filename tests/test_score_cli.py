"""`riskcli score` and `riskcli lint` as CI uses them: one JSON document, byte-stable output,
folders in sorted order, exit codes as a contract, custom rule packs honoured or cleanly refused."""

from __future__ import annotations

import json
import re
import shutil

import pytest
import yaml

from riskcli.cli.app import app
from riskcli.resources import default_rules


def _json(runner, *args):
    result = runner.invoke(app, ["score", "--format", "json", *map(str, args)])
    return result, json.loads(result.stdout) if result.stdout.strip() else None


def test_one_file_prints_a_summary_a_lead_can_read(runner, examples_dir):
    result = runner.invoke(app, ["score", str(examples_dir / "llama-1-2023.yaml")])
    assert result.exit_code == 0
    out = result.stdout
    for expected in ("CRITICAL", "score 100/100", "median to leak", "Release permissively",
                     "differs from the plan: gated", "demand-extreme",
                     "proposed: gated is under consideration; recommended: permissive_open"):
        assert expected in out
    assert re.search(r"median to leak   1\.\d days \(80%: 0\.\d–\d\.\d days\)", out)
    assert re.search(r"P\(leak by 7d\)    \d\d%  \(80%: \d\d% to >99%\)", out)


def test_a_folder_prints_one_row_per_file_in_sorted_order(runner, examples_dir):
    result = runner.invoke(app, ["score", str(examples_dir)])
    assert result.exit_code == 0
    rows = result.stdout.strip().splitlines()
    assert rows[0].startswith("considered")
    files = [row.split()[-1] for row in rows[1:]]
    assert files == sorted(str(p) for p in examples_dir.glob("*.yaml"))


def test_json_is_one_document_with_every_promised_field(runner, examples_dir):
    result, doc = _json(runner, examples_dir / "llama-1-2023.yaml", examples_dir)
    assert result.exit_code == 0
    assert set(doc) == {"riskcli_version", "results"}
    assert len(doc["results"]) == 4  # the file, then the folder's three
    first = doc["results"][0]
    assert first["file"].endswith("llama-1-2023.yaml")
    assert first["questionnaire"] == {"id": "distribution", "version": "1.0"}
    assert first["rules"] == {"id": "llama-pattern", "version": "1.0"}
    assert len(first["answers_sha256"]) == 64
    exposure = first["exposure"]
    assert set(exposure["p_leak"]) == {"7", "30", "90", "365", "horizon"}
    for key in ("median_days_to_leak", "score", "band", "contributions"):
        assert key in exposure
    assert [o["mode"] for o in first["options"]] == ["gated", "gated_hosted", "permissive_open",
                                                     "fully_open"]
    assert first["decision"] == {"status": "proposed", "mode": "gated", "approved_by": None,
                                 "approved_on": None, "accepted_risks": []}
    assert first["recommendation"]["mode"] == "permissive_open"
    assert first["recommendation"]["reasons"]
    finding = first["findings"][0]
    assert set(finding) >= {"rule_id", "severity", "title", "mitigation", "owner"}


def test_answers_digest_is_the_files_sha256(runner, examples_dir):
    import hashlib

    path = examples_dir / "llama-1-2023.yaml"
    _, doc = _json(runner, path)
    assert doc["results"][0]["answers_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_inputs_give_byte_identical_output(runner, examples_dir):
    first = runner.invoke(app, ["score", "--format", "json", str(examples_dir)]).stdout
    second = runner.invoke(app, ["score", "--format", "json", str(examples_dir)]).stdout
    assert first == second
    text_a = runner.invoke(app, ["score", str(examples_dir)]).stdout
    assert text_a == runner.invoke(app, ["score", str(examples_dir)]).stdout


@pytest.mark.parametrize(
    ("fail_at", "code"),
    [("critical", 1), ("high", 1), ("low", 1)],
    ids=["critical", "high", "low"],
)
def test_fail_at_trips_when_a_band_reaches_it(runner, examples_dir, fail_at, code):
    result = runner.invoke(app, ["score", "--fail-at", fail_at, str(examples_dir)])
    assert result.exit_code == code


def test_fail_at_passes_when_every_band_is_below_it(runner, examples_dir):
    result = runner.invoke(app, ["score", "--fail-at", "moderate",
                                 str(examples_dir / "gpt-2-partners-2019.yaml")])
    assert result.exit_code == 0


COLOURS = ["green", "amber", "red", "black"]


@pytest.fixture
def colour_pack(tmp_path):
    """The bundled pack with its bands renamed: band names are pack data, not code."""

    def colour_the_bands(data):
        data["id"] = "colour-bands"
        bands = data["model"]["bands"]
        rename = dict(zip([band["band"] for band in bands], COLOURS, strict=True))
        for band in bands:
            band["band"] = rename[band["band"]]
        for line in data["public_harm"]:
            line["band"] = rename[line["band"]]
        _rename_band_keys(data, rename)

    return _custom_pack(tmp_path, colour_the_bands)


def _rename_band_keys(node, rename):
    """Whatever the pack keys by band (a headline per band, ...) follows the new names."""
    if isinstance(node, dict):
        if set(node) == set(rename):
            for old, new in rename.items():
                node[new] = node.pop(old)
        for value in node.values():
            _rename_band_keys(value, rename)
    elif isinstance(node, list):
        for item in node:
            _rename_band_keys(item, rename)


@pytest.mark.parametrize("example", ["gpt-2-partners-2019", "llama-1-2023"])
def test_fail_at_takes_the_band_names_of_the_loaded_pack(
    runner, examples_dir, colour_pack, example
):
    path = examples_dir / f"{example}.yaml"
    _, doc = _json(runner, "--rules", colour_pack, path)
    result_doc = doc["results"][0]
    considered = result_doc["decision"]["mode"]
    band = next(o["band"] for o in result_doc["options"] if o["mode"] == considered)
    above = COLOURS[COLOURS.index(band) + 1:]
    for fail_at, code in [(band, 1), (COLOURS[0], 1), *[(name, 0) for name in above]]:
        result = runner.invoke(app, ["score", "--rules", str(colour_pack), "--fail-at", fail_at,
                                     str(path)])
        assert (fail_at, result.exit_code) == (fail_at, code), result.output
        expected = f"{path}: gate: {considered} is {band}, at or above --fail-at {fail_at}\n"
        assert result.stderr == (expected if code else "")


@pytest.mark.parametrize(
    ("fail_at", "pack", "bands"),
    [("purple", "colour", "green, amber, red, black"),
     ("high", "colour", "green, amber, red, black"),
     ("purple", "bundled", "low, moderate, high, critical")],
    ids=["unknown-name", "a-bundled-band-name-in-a-custom-pack", "unknown-name-bundled-pack"],
)
def test_fail_at_naming_no_band_of_the_pack_says_which_bands_there_are(
    runner, examples_dir, colour_pack, fail_at, pack, bands
):
    rules = ["--rules", str(colour_pack)] if pack == "colour" else []
    pack_id = "colour-bands" if pack == "colour" else "llama-pattern"
    result = runner.invoke(app, ["score", *rules, "--fail-at", fail_at, str(examples_dir)])
    assert result.exit_code == 2
    assert result.stdout == ""  # refused before anything is scored
    assert (f"Invalid value for '--fail-at': '{fail_at}' is not a band of rule pack {pack_id} "
            f"(bands: {bands})") in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("words", "pack"),
    [("riskcli score --fail-at ", "bundled"), ("riskcli score --fail-at h", "bundled"),
     ("riskcli score --rules {pack} --fail-at ", "colour"),
     ("riskcli score --rules missing.yaml --fail-at ", "missing")],
    ids=["bundled", "bundled-prefix", "custom-pack", "unreadable-pack"],
)
def test_the_shell_completes_fail_at_with_the_pack_s_band_names(runner, colour_pack, words, pack):
    words = words.format(pack=colour_pack)
    expected = {"bundled": (["high"] if words.endswith("h") else
                            ["low", "moderate", "high", "critical"]),
                "colour": COLOURS, "missing": []}[pack]
    env = {"_RISKCLI_COMPLETE": "complete_bash", "COMP_WORDS": words,
           "COMP_CWORD": str(len(words.split(" ")) - 1)}
    result = runner.invoke(app, [], env=env, prog_name="riskcli")
    assert result.exit_code == 0
    assert result.stdout.split() == expected


def test_an_invalid_file_exits_2_and_the_others_are_still_scored(
    runner, examples_dir, write_answers, llama1_answers
):
    llama1_answers["vetting"] = "everyone"
    bad = write_answers(llama1_answers, name="bad.yaml")
    result, doc = _json(runner, examples_dir / "gpt-2-partners-2019.yaml", bad)
    assert result.exit_code == 2
    assert [r["file"] for r in doc["results"]] == [str(examples_dir / "gpt-2-partners-2019.yaml")]
    assert f"{bad}: vetting: expected one of" in result.stderr
    assert "Traceback" not in result.output


def test_invalid_input_wins_over_fail_at(runner, tmp_path, examples_dir):
    broken = tmp_path / "broken.yaml"
    broken.write_text("answers: [\n")
    result = runner.invoke(app, ["score", "--fail-at", "low", str(examples_dir), str(broken)])
    assert result.exit_code == 2
    assert "broken.yaml: invalid YAML" in result.stderr


def test_an_empty_folder_is_an_input_error(runner, tmp_path):
    result = runner.invoke(app, ["score", str(tmp_path)])
    assert result.exit_code == 2
    assert "no *.yaml" in result.stderr


def _custom_pack(tmp_path, change):
    data = yaml.safe_load(default_rules().read_text())
    change(data)
    path = tmp_path / "custom-rules.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_a_custom_rule_pack_changes_the_result_as_written(runner, tmp_path, examples_dir):
    def halve_recipient_hazard(data):
        data["id"] = "our-pack"
        data["model"]["sources"][0]["base_daily_hazard"] /= 2

    pack = _custom_pack(tmp_path, halve_recipient_hazard)
    llama = examples_dir / "llama-1-2023.yaml"
    _, standard = _json(runner, llama)
    result, custom = _json(runner, "--rules", pack, llama)
    assert result.exit_code == 0
    assert custom["results"][0]["rules"]["id"] == "our-pack"
    std_rate = standard["results"][0]["exposure"]["rate_per_day"]
    insiders = standard["results"][0]["exposure"]["sources"][1]["rate_per_day"]
    expected = (std_rate - insiders) / 2 + insiders
    assert custom["results"][0]["exposure"]["rate_per_day"] == pytest.approx(expected, rel=1e-4)


def test_a_custom_rule_can_add_a_finding(runner, tmp_path, examples_dir):
    def add_rule(data):
        data["rules"].append({
            "id": "export-review", "title": "Weights go to many organisations abroad",
            "when": "access_organizations > 100", "severity": "medium",
            "rationale": "Export rules may apply.", "mitigation": "Ask counsel.",
            "owner": "AI Strategy Lead",
        })

    pack = _custom_pack(tmp_path, add_rule)
    _, doc = _json(runner, "--rules", pack, examples_dir / "llama-1-2023.yaml")
    assert "export-review" in [f["rule_id"] for f in doc["results"][0]["findings"]]


def test_a_broken_rule_pack_is_a_clear_error(runner, tmp_path, examples_dir):
    pack = _custom_pack(tmp_path, lambda d: d["rules"][0].update(when="vetting == 'nobody'"))
    result = runner.invoke(app, ["score", "--rules", str(pack), str(examples_dir)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"{pack}: rule vetting-none: when: compares vetting with 'nobody', which is not one of its "
        "choices (none, self_attested, affiliation_checked, identity_verified_contract); the rule "
        f"could never fire (line {_line_of(pack, 'nobody')})"
    ]


def _line_of(path, text):
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_lint_accepts_the_bundled_content(runner):
    result = runner.invoke(app, ["lint"])
    assert result.exit_code == 0
    assert "llama-pattern" in result.stdout


def test_lint_lists_every_problem_of_a_broken_pack(runner, tmp_path):
    def break_twice(data):
        data["rules"][0]["when"] = "vettting == 'none'"
        data["rules"][1]["effect"] = {"factor": "nothing", "multiply": 2}

    pack = _custom_pack(tmp_path, break_twice)
    result = runner.invoke(app, ["lint", "--rules", str(pack)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2
    assert "vettting" in lines[0] and "unknown factor 'nothing'" in lines[1]


def test_lint_checks_a_custom_questionnaire_against_the_pack(runner, tmp_path, repo_root):
    questionnaire = tmp_path / "q.yaml"
    shutil.copy(repo_root / "questionnaires" / "distribution.yaml", questionnaire)
    text = questionnaire.read_text().replace("id: public_demand", "id: outside_demand")
    questionnaire.write_text(text)
    result = runner.invoke(app, ["lint", "--questionnaire", str(questionnaire)])
    assert result.exit_code == 2
    assert "public_demand" in result.stderr


def test_rules_lists_every_rule_with_its_effect(runner):
    result = runner.invoke(app, ["rules"])
    assert result.exit_code == 0
    assert "demand-extreme  [high]  demand x 5" in result.stdout
    assert "when: weights_leave_premises and vetting == 'none'" in result.stdout


def test_committed_rule_docs_match_the_rule_pack(runner, repo_root):
    """docs/rules.md is generated from the pack; regenerate with
    `riskcli rules --format md > docs/rules.md` when the pack changes."""
    result = runner.invoke(app, ["rules", "--format", "md"])
    assert result.exit_code == 0
    assert (repo_root / "docs" / "rules.md").read_text() == result.stdout
