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


def _run_hook(hook_id: str, filenames: list[str], cwd: Path,
              args: list[str] | None = None) -> subprocess.CompletedProcess | None:
    """None when pre-commit would not run the hook at all (no staged file matches `files`).
    `args` stands for the `args:` of the user's .pre-commit-config.yaml."""
    hook = HOOKS[hook_id]
    matching = [name for name in filenames if re.search(hook["files"], name)]
    if not matching and not hook.get("always_run", False):
        return None
    passed = matching if hook.get("pass_filenames", True) else []
    command = shlex.split(hook["entry"]) + hook.get("args", []) + (args or []) + passed
    executable = shutil.which(command[0])
    if executable is None:  # the console script sits beside this interpreter in a venv
        command = [sys.executable, "-m", "riskcli", *command[1:]]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=60)


def test_every_hook_is_declared_for_python(repo_root):
    assert set(HOOKS) == {"riskcli-validate", "riskcli-score", "riskcli-card"}
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


@pytest.mark.parametrize(
    ("name", "runs"),
    [("README.md", True), ("models/llm/README.md", True), ("models/llm/answers.yaml", True),
     ("docs/guide.md", False), ("config.yaml", False)],
    ids=["card", "nested-card", "answers", "other-markdown", "other-yaml"],
)
def test_card_hook_runs_when_a_card_or_an_answers_file_changes(name, runs):
    assert bool(re.search(HOOKS["riskcli-card"]["files"], name)) is runs


def test_card_hook_takes_the_card_and_answers_from_args_not_the_staged_names():
    """pre-commit appends staged names; the card check needs one card and its answers file, in
    that order, so they come from the user's `args:` and the staged names are not passed."""
    hook = HOOKS["riskcli-card"]
    assert hook["pass_filenames"] is False
    assert shlex.split(hook["entry"]) == ["riskcli", "card", "--check"]
    assert "args: [models/llm/README.md, models/llm/answers.yaml]" in hook["description"]


@pytest.mark.slow
def test_card_hook_fails_a_commit_that_changes_an_answer_but_not_the_card(tmp_path, examples_dir):
    model = tmp_path / "models" / "gpt-2"
    model.mkdir(parents=True)
    shutil.copy(examples_dir / "gpt-2-partners-2019.yaml", model / "answers.yaml")
    (model / "README.md").write_text("---\nlicense: mit\n---\n# GPT-2\n")
    pair = ["models/gpt-2/README.md", "models/gpt-2/answers.yaml"]
    missing = _run_hook("riskcli-card", ["models/gpt-2/README.md"], tmp_path, args=pair)
    assert missing is not None and missing.returncode == 1
    assert missing.stderr == ("models/gpt-2/README.md: riskcli section: missing; run: riskcli "
                              "card models/gpt-2/README.md models/gpt-2/answers.yaml\n")
    written = subprocess.run([*_riskcli(), "card", *pair], cwd=tmp_path, capture_output=True,
                             text=True, timeout=60)
    assert written.returncode == 0, written.stderr
    passed = _run_hook("riskcli-card", ["models/gpt-2/README.md"], tmp_path, args=pair)
    assert passed is not None and passed.returncode == 0, passed.stderr
    answers = model / "answers.yaml"
    answers.write_text(answers.read_text().replace("legal_terms: signed_agreement",
                                                   "legal_terms: click_through"))
    stale = _run_hook("riskcli-card", ["models/gpt-2/answers.yaml"], tmp_path, args=pair)
    assert stale is not None and stale.returncode == 1
    assert stale.stderr.startswith("models/gpt-2/README.md: riskcli section: stale")
    assert _run_hook("riskcli-card", ["setup.cfg"], tmp_path, args=pair) is None


def _riskcli() -> list[str]:
    executable = shutil.which("riskcli")
    return [executable] if executable else [sys.executable, "-m", "riskcli"]


def _guide_pre_commit_config(repo_root: Path) -> dict:
    guide = (repo_root / "docs" / "guide.md").read_text("utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", guide, re.S)
    return yaml.safe_load(next(block for block in blocks if block.startswith("repos:")))


def test_the_guides_pre_commit_config_uses_hooks_that_exist_at_a_rev_that_can(repo_root):
    """The configuration users copy: every hook id is one this repository declares, the card hook
    gets a card and an answers file, and `rev:` is no release tag this repository lacks."""
    (repo,) = _guide_pre_commit_config(repo_root)["repos"]
    assert {hook["id"] for hook in repo["hooks"]} == set(HOOKS)
    card = next(hook for hook in repo["hooks"] if hook["id"] == "riskcli-card")
    readme, answers = card["args"]
    assert readme.endswith("README.md") and re.search(HOOKS["riskcli-card"]["files"], answers)
    rev = str(repo["rev"])
    if rev != "COMMIT":  # the placeholder the text explains
        found = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
                               cwd=repo_root, capture_output=True)
        assert found.returncode == 0, f"rev {rev} is not a tag or commit of this repository"


@pytest.mark.parametrize("doc", ["README.md", "docs/guide.md"])
def test_install_lines_install_from_the_repository_not_an_index(repo_root, doc):
    """riskcli is on no package index: `pip install riskcli` would fail (or install someone
    else's package), so every pip line names a path or a git URL."""
    text = (repo_root / doc).read_text("utf-8")
    for line in re.findall(r"pip install ([^\n#&]+)", text):
        target = next(word for word in line.split() if not word.startswith("-")).strip("'\"`")
        assert target.startswith((".", "/", "git+")), line
