"""The pre-commit hooks, run the way pre-commit runs them: `entry` split by shell rules, then the
hook's `args`, then the staged file names that match `files`."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

HOOKS_FILE = Path(__file__).resolve().parents[1] / ".pre-commit-hooks.yaml"
HOOKS = {hook["id"]: hook for hook in yaml.safe_load(HOOKS_FILE.read_text())}


def _run_hook(hook_id: str, filenames: list[str], cwd: Path) -> subprocess.CompletedProcess:
    hook = HOOKS[hook_id]
    matching = [name for name in filenames if re.search(hook["files"], name)]
    command = shlex.split(hook["entry"]) + hook.get("args", []) + matching
    executable = shutil.which(command[0])
    if executable is None:  # the console script sits beside this interpreter in a venv
        command = [sys.executable, "-m", "riskcli", *command[1:]]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=60)


def test_both_hooks_are_declared_for_python(repo_root):
    assert set(HOOKS) == {"riskcli-validate", "riskcli-score"}
    for hook in HOOKS.values():
        assert hook["language"] == "python" and hook["entry"].startswith("riskcli ")


@pytest.mark.parametrize(
    ("name", "matches"),
    [("answers.yaml", True), ("models/llm/answers-2026.yml", True), ("riskcli/llama.yaml", True),
     (".github/workflows/ci.yaml", False), ("config.yaml", False)],
    ids=["answers", "nested-answers", "riskcli-folder", "workflow", "other-yaml"],
)
def test_hooks_pick_answers_files_and_leave_other_yaml_alone(name, matches):
    assert bool(re.search(HOOKS["riskcli-validate"]["files"], name)) is matches


@pytest.mark.slow
def test_validate_hook_passes_good_answers_and_fails_bad_ones(tmp_path, examples_dir):
    shutil.copy(examples_dir / "llama-1-2023.yaml", tmp_path / "answers.yaml")
    (tmp_path / "answers-bad.yaml").write_text("questionnaire: {id: distribution}\n")
    good = _run_hook("riskcli-validate", ["answers.yaml", "config.yaml"], tmp_path)
    assert good.returncode == 0, good.stderr
    bad = _run_hook("riskcli-validate", ["answers.yaml", "answers-bad.yaml"], tmp_path)
    assert bad.returncode == 2
    assert bad.stderr.startswith("answers-bad.yaml: questionnaire:")


@pytest.mark.slow
def test_score_hook_fails_a_commit_that_makes_exposure_critical(tmp_path, examples_dir):
    shutil.copy(examples_dir / "gpt-2-partners-2019.yaml", tmp_path / "answers-partners.yaml")
    shutil.copy(examples_dir / "llama-1-2023.yaml", tmp_path / "answers-llama.yaml")
    assert _run_hook("riskcli-score", ["answers-partners.yaml"], tmp_path).returncode == 0
    failed = _run_hook("riskcli-score", ["answers-partners.yaml", "answers-llama.yaml"], tmp_path)
    assert failed.returncode == 1
    assert "answers-llama.yaml" in failed.stdout
    assert failed.stderr == ("answers-llama.yaml: gate: gated is critical, at or above "
                             "--fail-at critical\n")


@pytest.mark.slow
def test_score_hook_passes_a_team_that_follows_the_advice(tmp_path, examples_dir):
    """Llama 2: weights public by design, as recommended; its gating exposure is not the gate."""
    shutil.copy(examples_dir / "llama-2-2023.yaml", tmp_path / "answers-llama-2.yaml")
    passed = _run_hook("riskcli-score", ["answers-llama-2.yaml"], tmp_path)
    assert passed.returncode == 0, passed.stderr
