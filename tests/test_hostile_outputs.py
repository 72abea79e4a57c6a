"""Where a command is told to write: a folder, a folder that does not exist, a file it cannot
replace. Each is one clean problem naming the path, and nothing else is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_helpers import assert_clean_refusal

from riskcli.cli.app import app


def _command(command: str, out: Path, answers: Path) -> list[str]:
    return {
        "init": ["init", "-o", str(out), "--force"],
        "report-md": ["report", str(answers), "-o", str(out), "--format", "md"],
        "report-pdf": ["report", str(answers), "-o", str(out), "--format", "pdf"],
        "assess": ["assess", "-o", str(out)],
    }[command]


@pytest.mark.parametrize("command", ["init", "report-md", "report-pdf", "assess"])
@pytest.mark.parametrize("where", ["a-folder", "missing-folder"])
def test_an_output_that_cannot_be_a_file_is_one_clean_problem(
    runner, tmp_path, example_paths, command, where
):
    out = tmp_path / "out.yaml"
    if where == "a-folder":
        out.mkdir()
    else:
        out = tmp_path / "nowhere" / "out.yaml"
    result = runner.invoke(app, _command(command, out, example_paths[0]))
    (line,) = assert_clean_refusal(result.exit_code, result.stderr, str(out))
    assert ("does not exist" if where == "missing-folder" else "directory") in line
    assert [p.name for p in tmp_path.iterdir()] == (["out.yaml"] if where == "a-folder" else [])
