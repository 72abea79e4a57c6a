"""`riskcli diff --rev`: the revision is handed to git, so it must never be read as an option."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from hostile_helpers import assert_clean_refusal

from riskcli.cli.app import app

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


@pytest.mark.parametrize("rev", ["--output=written", "-p", "--help"],
                         ids=["output-option", "short-option", "help"])
def test_a_revision_that_looks_like_an_option_is_refused(
    runner, tmp_path, monkeypatch, example_paths, rev
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "written:").mkdir()  # where git show --output=written:./a.yaml would write
    shutil.copy(example_paths[0], tmp_path / "a.yaml")
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "a.yaml"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "a"], check=True)
    result = runner.invoke(app, ["diff", "a.yaml", f"--rev={rev}"])
    (line,) = assert_clean_refusal(result.exit_code, result.stderr, "a.yaml")
    assert f"--rev: {rev!r} is not a revision" in line
    assert list((tmp_path / "written:").iterdir()) == []
