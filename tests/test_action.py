"""The GitHub Action (action.yml): a valid action by GitHub's own metadata schema, and its steps,
run locally as the runner would run them, score the examples, write SARIF, the step summary and
the records, and keep the gate's exit code."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SCHEMAS = Path(__file__).resolve().parent / "schemas"


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    return yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))


def test_action_yml_is_a_valid_action_by_github_s_metadata_schema(action):
    schema = json.loads((SCHEMAS / "github-action.json").read_text(encoding="utf-8"))
    jsonschema.validate(action, schema)
    assert action["runs"]["using"] == "composite"
    broken = {**action, "inputs": {**action["inputs"], "paths": {"default": "."}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)  # an input needs a description: the schema bites


def test_action_offers_the_inputs_and_outputs_a_workflow_needs(action):
    wanted = {"paths", "fail-at", "fail-on-differs", "records", "records-dir"}
    assert wanted <= set(action["inputs"])
    assert {"sarif", "records-dir"} <= set(action["outputs"])
    install = action["runs"]["steps"][0]["run"]
    assert 'pip install --quiet "${{ github.action_path }}"' in install


def test_no_input_is_pasted_into_a_script(action):
    """An input written as ${{ inputs.x }} inside `run` would be pasted into the shell script
    before bash reads it: a path like `$(curl ...)` would run. They go through env instead."""
    for step in action["runs"]["steps"]:
        assert "inputs." not in step.get("run", ""), step.get("name")


def _expand(text: str, inputs: dict[str, str], action_path: Path) -> str:
    """What the runner does to `${{ ... }}` before a step runs, for the expressions used here."""
    def value(match: re.Match[str]) -> str:
        expression = match.group(1).strip()
        if expression == "github.action_path":
            return str(action_path)
        if expression.startswith("inputs."):
            return inputs[expression.removeprefix("inputs.")]
        raise AssertionError(f"expression the test does not know: {expression}")

    return re.sub(r"\$\{\{(.*?)\}\}", value, text)


def _run_action(action: dict[str, Any], given: dict[str, str], workspace: Path,
                venv: Path) -> tuple[int, dict[str, str], str]:
    """Each step's script in bash, in `workspace`, as the runner would: inputs with their
    defaults, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, stopping at the first failing step."""
    inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    inputs.update(given)
    runner_temp = workspace.parent / "runner-temp"
    runner_temp.mkdir(exist_ok=True)
    output_file, summary = runner_temp / "output", runner_temp / "summary.md"
    env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
           "GITHUB_ACTION_PATH": str(REPO), "GITHUB_OUTPUT": str(output_file),
           "GITHUB_STEP_SUMMARY": str(summary), "RUNNER_TEMP": str(runner_temp),
           "GITHUB_RUN_ID": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    code, log = 0, ""
    for step in action["runs"]["steps"]:
        assert step["shell"] == "bash"
        step_env = {k: _expand(str(v), inputs, REPO) for k, v in step.get("env", {}).items()}
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                               _expand(step["run"], inputs, REPO)],
                              cwd=workspace, env={**env, **step_env}, capture_output=True,
                              text=True, stdin=subprocess.DEVNULL, timeout=600)
        log += done.stdout + done.stderr
        code = done.returncode
        if code:
            break
    outputs = dict(line.split("=", 1) for line in output_file.read_text().splitlines()
                   if "=" in line) if output_file.exists() else {}
    return code, outputs, log


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment seeing this interpreter's packages, so the action's own install
    step builds and installs riskcli from the checkout without fetching its dependencies."""
    root = tmp_path_factory.mktemp("action-venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", root], check=True)
    return root


@pytest.mark.slow
def test_the_action_s_steps_score_the_examples_and_keep_the_gate_s_exit_code(
        action, venv, tmp_path, examples_dir):
    workspace = tmp_path / "workspace"
    (workspace / "models").mkdir(parents=True)
    for example in sorted(examples_dir.glob("*.yaml")):
        (workspace / "models" / example.name).write_bytes(example.read_bytes())

    code, outputs, log = _run_action(
        action, {"paths": "models", "fail-at": "high", "records-format": "md"}, workspace, venv)

    assert code == 1, log  # LLaMA 1's gated plan is critical: the gate trips
    sarif = json.loads((workspace / outputs["sarif"]).read_text())
    files = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
             for r in sarif["runs"][0]["results"]}
    assert files == {f"models/{p.name}" for p in examples_dir.glob("*.yaml")}
    assert any(r["ruleId"] == "riskcli/gate" for r in sarif["runs"][0]["results"])
    summary = (tmp_path / "runner-temp" / "summary.md").read_text()
    assert summary.count("| `models/") == 3 and "tripped" in summary
    records = sorted(p.name for p in (workspace / outputs["records-dir"]).iterdir())
    assert records == ["models_gpt-2-partners-2019.md", "models_llama-1-2023.md",
                       "models_llama-2-2023.md"]
    assert "::error file=models/llama-1-2023.yaml" in log  # annotations on the runner's log
    assert outputs["exit-code"] == "1"


@pytest.mark.slow
def test_the_action_passes_when_no_gate_trips_and_can_skip_records(
        action, venv, tmp_path, examples_dir):
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "a.yaml").write_bytes((examples_dir / "llama-2-2023.yaml").read_bytes())

    code, outputs, log = _run_action(action, {"records": "no", "sarif": "out.sarif"},
                                     workspace, venv)

    assert code == 0, log
    assert outputs["records-dir"] == "" and not (workspace / "riskcli-records").exists()
    assert json.loads((workspace / "out.sarif").read_text())["version"] == "2.1.0"


def test_the_readme_workflow_uses_the_action_as_it_is(action):
    """The workflow the README shows: real inputs only, and uploads of what the action writes."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    workflows = [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", readme, re.S)
                 if "upload-sarif" in block]
    assert len(workflows) == 1
    steps = workflows[0]["jobs"]["riskcli"]["steps"]
    ours = next(step for step in steps if step.get("id") == "riskcli")
    assert set(ours["with"]) <= set(action["inputs"])
    uses = {step.get("uses", "").split("@")[0]: step for step in steps}
    sarif = uses["github/codeql-action/upload-sarif"]
    assert sarif["with"]["sarif_file"] == ours["with"]["sarif"] and sarif["if"] == "always()"
    artifact = uses["actions/upload-artifact"]
    assert artifact["with"]["path"].rstrip("/") == ours["with"]["records-dir"]
