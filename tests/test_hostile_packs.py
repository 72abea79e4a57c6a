"""Hostile or broken questionnaires and rule packs, as --questionnaire and --rules load them.

Each case edits one field of the bundled file; loading must end in problems that name the file and
the field, one line each, with exit code 2, for every command that loads the file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hostile_helpers import assert_clean_refusal

from riskcli.cli import app


def _question(data: dict[str, Any], question_id: str) -> dict[str, Any]:
    return next(q for s in data["sections"] for q in s["questions"] if q["id"] == question_id)


def _edited(source: Path, target: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    data = yaml.safe_load(source.read_text("utf-8"))
    edit(data)
    target.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
    return target


NON_FINITE_BOUNDS = {
    "max-inf": ("access_holders", "max", math.inf),
    "min-nan": ("horizon_days", "min", math.nan),
    "min-minus-inf": ("artifact_size_gb", "min", -math.inf),
}


@pytest.mark.parametrize("command", ["validate", "schema", "questions", "lint"])
@pytest.mark.parametrize(("question_id", "field", "value"), list(NON_FINITE_BOUNDS.values()),
                         ids=list(NON_FINITE_BOUNDS))
def test_a_bound_of_inf_or_nan_is_refused_when_the_questionnaire_loads(
    runner, repo_root, tmp_path, example_paths, command, question_id, field, value
):
    def edit(data: dict[str, Any]) -> None:
        _question(data, question_id)[field] = value

    path = _edited(repo_root / "questionnaires" / "distribution.yaml", tmp_path / "q.yaml", edit)
    files = [str(example_paths[0])] if command == "validate" else []
    result = runner.invoke(app, [command, *files, "--questionnaire", str(path)])
    (line,) = assert_clean_refusal(result.exit_code, result.stderr, str(path))
    assert f"question {question_id}: {field}: Input should be a finite number" in line


def test_the_schema_is_strict_json(runner):
    """JSON has no Infinity or NaN; a schema holding them breaks every editor that reads it."""
    result = runner.invoke(app, ["schema"])
    json.loads(result.stdout, parse_constant=lambda name: pytest.fail(f"schema holds {name}"))


def _add_rules(count: int, multiply: float) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        data["rules"].extend(
            {"id": f"extreme-{i}", "title": "Extreme", "when": True,
             "effect": {"factor": "demand", "multiply": multiply}, "severity": "low",
             "rationale": "r", "mitigation": "m", "owner": "AI Engineer"}
            for i in range(count))

    return edit


@pytest.mark.parametrize("command", ["score-text", "score-json", "report-md", "diff"])
def test_multipliers_that_overflow_the_leak_rate_are_a_clean_error(
    runner, repo_root, tmp_path, example_paths, command
):
    """120 rules x1000 multiply the hazard by 1e360: past a float, so no figure can be given."""
    pack = _edited(repo_root / "rules" / "llama-pattern.yaml", tmp_path / "rules.yaml",
                   _add_rules(120, 1000))
    answers = str(example_paths[0])
    args = {"score-text": ["score", answers], "score-json": ["score", "--format", "json", answers],
            "report-md": ["report", answers, "-o", str(tmp_path / "r.md")],
            "diff": ["diff", answers, answers]}[command]
    result = runner.invoke(app, [*args, "--rules", str(pack)])
    (line,) = assert_clean_refusal(result.exit_code, result.stderr, answers)
    assert "cannot be scored with llama-pattern" in line
    assert "past 1e308 per day" in line
    assert not (tmp_path / "r.md").exists()


def test_multipliers_that_underflow_mean_nobody_can_copy(runner, repo_root, tmp_path,
                                                         example_paths):
    pack = _edited(repo_root / "rules" / "llama-pattern.yaml", tmp_path / "rules.yaml",
                   _add_rules(120, 1e-300))
    result = runner.invoke(app, ["score", "--format", "json", str(example_paths[0]),
                                 "--rules", str(pack)])
    assert result.exit_code == 0, result.output
    exposure = json.loads(result.stdout)["results"][0]["exposure"]
    assert exposure["score"] == 0
    assert exposure["median_days_to_leak"] is None
