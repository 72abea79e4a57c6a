"""The README shows what a newcomer will see: its sample output is the tool's real output."""

from __future__ import annotations

import re

from riskcli.cli.app import app


def test_the_readme_shows_what_score_prints_for_the_llama_1_example(runner, repo_root,
                                                                      monkeypatch):
    monkeypatch.chdir(repo_root)
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"What `riskcli score examples/llama-1-2023\.yaml` prints.*?```\n(.*?)```",
                      readme, re.S)
    assert shown, "the README no longer shows score's output"
    result = runner.invoke(app, ["score", "examples/llama-1-2023.yaml"])
    assert result.exit_code == 0
    assert result.stdout == shown.group(1)
