"""`riskcli score` for CI: SARIF a code-scanning upload accepts (checked against the SARIF 2.1.0
schema), JUnit any test reporter parses, GitHub annotations the runner reads, a step summary, and
all of them in one run; JSON streamed, byte for byte what it was."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tracemalloc
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import yaml

from riskcli import ci_formats as ci
from riskcli.cli.app import app
from riskcli.formatting import ScoreOutput
from riskcli.scoring import load_engine, score_file

SCHEMAS = Path(__file__).resolve().parent / "schemas"
DECISION = """decision:
  mode: gated
  approved_by: Research leadership
  approved_on: 2023-02-20
  accepted_risks:
    - finding: differs-from-recommendation
      reason: Research access only, for now.
      owner: AI Strategy Lead
      expires: 2099-01-01
    - finding: demand-extreme
      reason: "Demand is what it is: 100% expected, noted."
      owner: AI Strategy Lead
      expires: 2099-01-01
    - finding: no-leak-response-plan
      reason: A plan is being written.
      owner: AI Strategy Lead
      expires: 2020-01-01
"""


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.Draft7Validator:
    """The vendored schema keeps the log's own schema under definitions.Root (see
    tests/schemas/README.md): validate against that, with every definition in reach."""
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator({**schema, "$ref": "#/definitions/Root"})


def score(runner, *args: str):
    return runner.invoke(app, ["score", *map(str, args)])


def results_of(log: dict) -> list[dict]:
    return log["runs"][0]["results"]


def line_of(path: Path, key: str) -> int:
    """The line an answer key is written on, found the way a reader would."""
    for number, text in enumerate(path.read_text().splitlines(), 1):
        if re.match(rf"\s+{re.escape(key)}:", text):
            return number
    raise AssertionError(f"{key} not in {path}")


@pytest.fixture
def accepted(tmp_path, examples_dir, monkeypatch) -> Path:
    """LLaMA 1, decided gated against the advice, with two live accepted risks and an expired
    one; the current folder is the file's, as a repository root is in CI."""
    path = tmp_path / "answers.yaml"
    path.write_text((examples_dir / "llama-1-2023.yaml").read_text() + DECISION)
    monkeypatch.chdir(tmp_path)
    return path


# --- SARIF ----------------------------------------------------------------------------------------


def test_sarif_of_the_examples_validates_and_every_result_has_a_line(
        runner, repo_root, monkeypatch, sarif_validator, example_paths):
    monkeypatch.chdir(repo_root)
    result = score(runner, "--format", "sarif", "examples/")
    assert result.exit_code == 0, result.output
    log = json.loads(result.stdout)
    sarif_validator.validate(log)
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    files = set()
    for res in results_of(log):
        location = res["locations"][0]["physicalLocation"]
        assert location["region"]["startLine"] >= 1
        files.add(location["artifactLocation"]["uri"])
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
    assert files == {f"examples/{p.name}" for p in example_paths}


def test_the_schema_rejects_a_broken_log(runner, repo_root, monkeypatch, sarif_validator):
    """The validation above can fail: a result without a message, or at line 0, is refused."""
    monkeypatch.chdir(repo_root)
    log = json.loads(score(runner, "--format", "sarif", "examples/llama-1-2023.yaml").stdout)
    first = results_of(log)[0]
    del first["message"]
    with pytest.raises(jsonschema.ValidationError):
        sarif_validator.validate(log)
    first["message"] = {"text": "x"}
    first["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    with pytest.raises(jsonschema.ValidationError):
        sarif_validator.validate(log)


def test_a_finding_sits_at_the_line_of_the_answer_its_rule_reads(runner, accepted):
    log = json.loads(score(runner, "--format", "sarif", "answers.yaml").stdout)
    line = {r["ruleId"]: r["locations"][0]["physicalLocation"]["region"]["startLine"]
            for r in results_of(log)}
    assert line["vetting-affiliation-only"] == line_of(accepted, "vetting")
    assert line["no-fingerprinting"] == line_of(accepted, "per_recipient_fingerprinting")
    assert line["artifact-size"] == line_of(accepted, "artifact_size_gb")  # its curve's answer
    assert line["demand-extreme"] == line_of(accepted, "public_demand")
    assert line["differs-from-recommendation"] == line_of(accepted, "mode")


def test_an_answer_given_with_set_has_no_line_in_the_file(runner, accepted):
    log = json.loads(score(runner, "--format", "sarif", "answers.yaml",
                           "--set", "public_demand=extreme").stdout)
    found = next(r for r in results_of(log) if r["ruleId"] == "demand-extreme")
    assert found["locations"][0]["physicalLocation"]["region"]["startLine"] == 1


def test_accepted_risks_are_suppressions_of_the_results_they_name(runner, accepted,
                                                                  sarif_validator):
    result = score(runner, "--format", "sarif", "--today", "2024-01-01", "answers.yaml")
    log = json.loads(result.stdout)
    sarif_validator.validate(log)
    by_rule = {r["ruleId"]: r for r in results_of(log)}
    demand = by_rule["demand-extreme"]  # still reported, not dropped
    (suppression,) = demand["suppressions"]
    assert suppression["kind"] == "inSource" and suppression["status"] == "accepted"
    assert suppression["justification"] == "Demand is what it is: 100% expected, noted."
    risk_line = suppression["location"]["physicalLocation"]["region"]["startLine"]
    assert accepted.read_text().splitlines()[risk_line - 1].strip() == "- finding: demand-extreme"
    assert by_rule["differs-from-recommendation"]["suppressions"][0]["status"] == "accepted"
    expired = by_rule["no-leak-response-plan"]["suppressions"][0]
    assert expired["status"] == "rejected" and expired["properties"]["expired"] is True
    gate = by_rule["riskcli/gate"]
    assert "expired on 2020-01-01" in gate["message"]["text"] and gate["level"] == "error"
    assert result.exit_code == 1


def test_fingerprints_hold_when_lines_move_and_days_pass(runner, accepted):
    def fingerprints(*extra: str) -> dict[str, str]:
        log = json.loads(score(runner, "--format", "sarif", "answers.yaml", *extra).stdout)
        return {r["ruleId"] + str(r["message"]["text"]): r["partialFingerprints"]
                for r in results_of(log)}

    before = fingerprints("--today", "2024-01-01")
    accepted.write_text("# a new header comment\n\n" + accepted.read_text())
    assert fingerprints("--today", "2025-06-30") == before


def test_each_rule_links_to_its_section_of_the_rule_catalogue(runner, repo_root, monkeypatch):
    url = "https://example.org/riskcli/blob/v1/docs/rules.md"
    monkeypatch.chdir(repo_root)
    log = json.loads(score(runner, "--format", "sarif", "--rules-url", url,
                           "examples/llama-1-2023.yaml").stdout)
    catalogue = (repo_root / "docs" / "rules.md").read_text()
    pack_rules = [r for r in log["runs"][0]["tool"]["driver"]["rules"] if "/" not in r["id"]
                  and r["id"] != "differs-from-recommendation"]
    assert pack_rules
    for rule in pack_rules:
        anchor = rule["helpUri"].removeprefix(url + "#")
        assert f'<a id="{anchor}"></a>`{rule["id"]}`' in catalogue
        assert rule["help"]["text"].startswith("Mitigation")


def test_a_relative_rules_url_is_refused(runner, examples_dir):
    result = score(runner, "--format", "sarif", "--rules-url", "docs/rules.md", examples_dir)
    assert result.exit_code == 2 and "absolute" in result.stderr


def test_security_severity_follows_the_pack_s_order(runner, repo_root, monkeypatch):
    monkeypatch.chdir(repo_root)
    log = json.loads(score(runner, "--format", "sarif", "examples/gpt-2-partners-2019.yaml").stdout)
    engine = load_engine()
    by_severity: dict[str, set] = {}
    for rule in log["runs"][0]["tool"]["driver"]["rules"]:
        severity = next((r.severity for r in engine.rules.rules if r.id == rule["id"]), None)
        if severity:
            by_severity.setdefault(severity, set()).add(
                rule["properties"].get("security-severity"))
    scores = [by_severity[s] for s in engine.rules.severities]
    assert all(len(s) == 1 for s in scores)
    numbers = [float(next(iter(s))) for s in scores[:-1]]
    assert numbers == sorted(numbers, reverse=True) and numbers[0] >= 9.0  # GitHub's critical
    assert scores[-1] == {None}  # informational findings are notes, not security alerts


def test_sarif_is_what_json_dumps_writes_and_the_same_every_run(runner, repo_root, monkeypatch):
    monkeypatch.chdir(repo_root)
    first = score(runner, "--format", "sarif", "examples/").stdout
    assert first == json.dumps(json.loads(first), indent=2, ensure_ascii=False) + "\n"
    assert score(runner, "--format", "sarif", "examples/").stdout == first


def test_an_invalid_file_is_a_notification_and_the_others_still_results(
        runner, tmp_path, examples_dir, monkeypatch, sarif_validator):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "good.yaml").write_bytes((examples_dir / "llama-2-2023.yaml").read_bytes())
    (tmp_path / "bad.yaml").write_text("questionnaire: {id: distribution, version: '1.0'}\n"
                                       "answers: {horizon_days: soon}\n")
    result = score(runner, "--format", "sarif", ".")
    assert result.exit_code == 2
    log = json.loads(result.stdout)
    sarif_validator.validate(log)
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    notices = invocation["toolExecutionNotifications"]
    assert {n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for n in notices} == {"bad.yaml"}
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in results_of(log)} == {"good.yaml"}


def test_a_file_name_that_is_no_valid_uri_is_percent_encoded(runner, tmp_path, examples_dir,
                                                             monkeypatch):
    monkeypatch.chdir(tmp_path)
    name = "model #1 50%.yaml"
    (tmp_path / name).write_bytes((examples_dir / "llama-2-2023.yaml").read_bytes())
    log = json.loads(score(runner, "--format", "sarif", name).stdout)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in results_of(log)}
    assert uris == {"model%20%231%2050%25.yaml"}


@pytest.mark.slow
def test_done_when_score_format_sarif_examples_validates(repo_root, tmp_path, sarif_validator):
    """The issue's own check: `riskcli score --format sarif examples/ > r.sarif`."""
    out = tmp_path / "r.sarif"
    with out.open("w") as handle:
        done = subprocess.run([sys.executable, "-m", "riskcli", "score", "--format", "sarif",
                               "examples/"], cwd=repo_root, stdout=handle, check=False)
    assert done.returncode == 0
    log = json.loads(out.read_text())
    sarif_validator.validate(log)
    assert all(r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1
               for r in results_of(log))


# --- JUnit ----------------------------------------------------------------------------------------


def test_junit_has_a_case_per_file_failed_when_its_gate_trips(runner, repo_root, monkeypatch,
                                                             tmp_path):
    monkeypatch.chdir(repo_root)
    bad = tmp_path / "bad.yaml"
    bad.write_text("answers: [1\n")
    result = score(runner, "--format", "junit", "--fail-at", "high", "examples/", bad)
    assert result.exit_code == 2
    suite = ET.fromstring(result.stdout).find("testsuite")
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert set(cases) == {"examples/gpt-2-partners-2019.yaml", "examples/llama-1-2023.yaml",
                          "examples/llama-2-2023.yaml", str(bad)}
    failure = cases["examples/llama-1-2023.yaml"].find("failure")
    assert "critical, at or above --fail-at high" in failure.get("message")
    assert cases[str(bad)].find("error") is not None
    assert cases["examples/llama-2-2023.yaml"].find("failure") is None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "1", "1")


def test_junit_stays_parseable_whatever_a_file_name_holds(runner, tmp_path, examples_dir,
                                                         monkeypatch):
    monkeypatch.chdir(tmp_path)
    name = 'a<&>"\x1b[2J.yaml'
    (tmp_path / name).write_bytes((examples_dir / "llama-1-2023.yaml").read_bytes())
    result = score(runner, "--format", "junit", "--fail-at", "high", name)
    case = ET.fromstring(result.stdout).find("testsuite/testcase")
    assert case.get("name") == 'a<&>"\\x1b[2J.yaml'


# --- GitHub annotations ---------------------------------------------------------------------------


def test_workflow_commands_escape_what_the_runner_would_read_as_syntax():
    line = ci.workflow_command("error", "50% done\r\nnext: a, b", file="a,b:c.yaml", line=3,
                               title="t: x")
    assert line == "::error file=a%2Cb%3Ac.yaml,line=3,title=t%3A x::50%25 done%0D%0Anext: a, b\n"


def test_github_annotations_by_severity_gate_and_accepted_risk(runner, accepted):
    result = score(runner, "--format", "github", "--fail-at", "critical", "--today",
                   "2024-01-01", "--set", "vetting=none", "answers.yaml")
    lines = result.stdout.splitlines()
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)

    def annotation(rule: str) -> str:
        return next(line for line in lines if f"title=riskcli {rule}" in line)

    assert annotation("vetting-none").startswith("::error ")  # the pack's top severity
    assert annotation("terms-click-through").startswith("::warning ")
    assert annotation("expiring-links").startswith("::notice ")  # informational
    demand = annotation("demand-extreme (accepted risk)")
    where = f"file=answers.yaml,line={line_of(accepted, 'public_demand')}"
    assert demand.startswith(f"::notice {where}")
    assert "Demand is what it is" in demand
    gates = [line for line in lines if "title=riskcli gate" in line]
    assert len(gates) == 2 and all(g.startswith("::error ") for g in gates)
    assert result.exit_code == 1


# --- the step summary, and several outputs in one run ---------------------------------------------


def table_rows(markdown: str) -> list[list[str]]:
    rows = [line for line in markdown.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows[2:]]


def test_summary_is_a_table_row_per_file_appended_to_what_is_there(
        runner, tmp_path, examples_dir, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = yaml.safe_load((examples_dir / "llama-1-2023.yaml").read_text())
    data["answers"]["model_name"] = "Pipe | model\nwith a newline"
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(data))
    (tmp_path / "b.yaml").write_text("not: [valid\n")
    summary = tmp_path / "summary.md"
    summary.write_text("Earlier step's text.\n")
    result = score(runner, "--summary", summary, "--fail-at", "high", "a.yaml", "b.yaml")
    assert result.exit_code == 2
    text = summary.read_text()
    assert text.startswith("Earlier step's text.\n")
    rows = table_rows(text)
    assert len(rows) == 2 and all(len(row) == 8 for row in rows)
    assert rows[0][1] == "Pipe \\| model with a newline"
    assert rows[0][2:4] == ["`gated`", "critical"] and rows[0][7].startswith("tripped")
    assert rows[1][0] == "`b.yaml`" and rows[1][7].startswith("invalid")


def test_several_outputs_in_one_run_leave_stdout_as_it_was(runner, repo_root, monkeypatch,
                                                           tmp_path, sarif_validator):
    monkeypatch.chdir(repo_root)
    alone = score(runner, "--format", "json", "examples/")
    paths = {kind: tmp_path / f"out.{kind}" for kind in ("sarif", "junit", "summary")}
    together = score(runner, "--format", "json", "examples/", *[
        arg for kind, path in paths.items() for arg in (f"--{kind}", path)])
    assert together.exit_code == 0 and together.stdout == alone.stdout
    sarif_validator.validate(json.loads(paths["sarif"].read_text()))
    assert ET.parse(paths["junit"]).getroot().get("tests") == "3"
    assert len(table_rows(paths["summary"].read_text())) == 3


def test_an_output_that_cannot_be_written_stops_the_run_before_scoring(runner, examples_dir,
                                                                      tmp_path):
    existing = tmp_path / "r.sarif"
    existing.write_text("old")
    result = score(runner, "--sarif", tmp_path / "no" / "r.sarif", "--junit", existing,
                   examples_dir)
    assert result.exit_code == 2 and "does not exist" in result.stderr
    assert result.stdout == "" and existing.read_text() == "old"


# --- streaming ------------------------------------------------------------------------------------


def test_json_output_is_what_json_dumps_writes(runner, repo_root, monkeypatch):
    monkeypatch.chdir(repo_root)
    out = score(runner, "--format", "json", "examples/").stdout
    assert out == json.dumps(json.loads(out), indent=2, ensure_ascii=False) + "\n"


def test_streamed_json_writes_each_result_as_it_is_scored(examples_dir):
    engine = load_engine()
    written: list[str] = []
    out = ScoreOutput(as_json=True, keys=engine.rules.keys, write=written.append, version="9")
    for path in sorted(examples_dir.glob("*.yaml")):
        out.add(score_file(engine, path))
        assert str(path) in written[-1]  # out before the next file is scored
    document = "".join(written) + "".join(out.chunks())
    assert [r["file"] for r in json.loads(document)["results"]] == [
        str(p) for p in sorted(examples_dir.glob("*.yaml"))]


@pytest.mark.parametrize("kind", ["json", "sarif", "github", "summary"])
def test_a_streamed_format_holds_no_memory_per_file(kind, examples_dir, tmp_path):
    """Memory stays flat: writing 400 files' output peaks no higher than writing 40."""
    engine = load_engine()
    result = score_file(engine, examples_dir / "llama-1-2023.yaml")
    run = ci.Run(engine.rules, "0", ci.dt.date(2024, 1, 1), tmp_path)

    def peak(count: int) -> int:
        tracemalloc.start()
        writer = ci.writer(kind, run, lambda text: None)
        for _ in range(count):
            writer.add(result, (), ci.NO_LINES)
        writer.close()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak

    peak(5)  # warm caches
    assert peak(400) < 1.5 * peak(40)


def test_a_batch_leaves_no_garbage_behind_while_the_collector_is_paused(tmp_path, examples_dir):
    """json's indenting encoder leaves reference cycles that only the collector frees; the batch
    pauses it for speed, so without its periodic young collection a SARIF log of 4,000 files
    grew to 210 MB."""
    import gc

    from riskcli.batch import COLLECT_EVERY, score_each

    engine = load_engine()
    files = []
    for index in range(COLLECT_EVERY * 3):
        path = tmp_path / f"m{index:03d}.yaml"
        path.write_bytes((examples_dir / "llama-1-2023.yaml").read_bytes())
        files.append(path)
    run = ci.Run(engine.rules, "0", ci.dt.date(2024, 1, 1), tmp_path)
    writer = ci.writer("sarif", run, lambda text: None)
    gc.collect()
    score_each(engine, files, lambda result: writer.add(result, (), ci.NO_LINES))
    assert gc.collect() < 1000  # one file's SARIF alone leaves about 500 objects in cycles
