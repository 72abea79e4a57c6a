"""The command line's shape and its one error mapping: each command lives in the module named for
it, nothing imports the app, and every command reports bad input, usage errors, write failures and
Ctrl-C the same way."""

from __future__ import annotations

import ast
import errno
import inspect
import os
from pathlib import Path

import pytest

from riskcli.cli.app import app
from riskcli.errors import InputFileError

CLI_DIR = Path(__file__).resolve().parents[1] / "src" / "riskcli" / "cli"
NOT_COMMANDS = {"__init__", "app", "common"}


def test_every_command_is_the_module_named_for_it():
    registered = {info.name: inspect.unwrap(info.callback) for info in app.registered_commands}
    modules = {path.stem for path in CLI_DIR.glob("*.py")} - NOT_COMMANDS
    assert sorted(registered) == sorted(modules)
    for name, function in registered.items():
        assert (function.__module__, function.__name__) == (f"riskcli.cli.{name}", name)


def _imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth (functions included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            found |= {node.module or ""} | {f"{node.module}.{alias.name}" for alias in node.names}
    return found


@pytest.mark.parametrize("path", sorted(CLI_DIR.glob("*.py")), ids=lambda path: path.name)
def test_no_module_but_the_entry_points_imports_the_app(path):
    assert not {"riskcli.cli.app", "riskcli.cli.app.app"} & _imported_modules(path)


def test_importing_the_cli_package_imports_nothing():
    tree = ast.parse((CLI_DIR / "__init__.py").read_text("utf-8"))
    assert [node for node in tree.body if not isinstance(node, ast.Expr)] == []


def test_bad_input_is_one_line_and_exit_2_and_debug_shows_the_traceback(runner, tmp_path):
    args = ["report", str(tmp_path / "missing.yaml"), "-o", str(tmp_path / "record.md")]
    debugged = runner.invoke(app, ["--debug", *args])
    assert isinstance(debugged.exception, InputFileError)
    plain = runner.invoke(app, args)  # --debug does not outlive its run
    assert plain.exit_code == 2
    assert plain.stderr == f"{tmp_path / 'missing.yaml'}: no such file\n"
    assert plain.exception is None or isinstance(plain.exception, SystemExit)


@pytest.mark.parametrize(
    ("args", "target"),
    [(["init", "-o", "{tmp}/answers.yaml"], "{tmp}/riskcli-answers.schema.json"),
     (["report", "{example}", "-o", "{tmp}/record.md"], "{tmp}/record.md"),
     (["report", "{example}", "-o", "{tmp}/record.html"], "{tmp}/record.html")],
    ids=["init", "report-md", "report-html"],
)
def test_a_write_failure_reads_the_same_whichever_command_writes(
    runner, tmp_path, monkeypatch, example_paths, args, target
):
    from riskcli import fileio

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(fileio.os, "fsync", full)
    fill = {"tmp": tmp_path, "example": example_paths[0]}
    result = runner.invoke(app, [arg.format(**fill) for arg in args])
    assert result.exit_code == 2
    assert result.stderr == f"{target.format(**fill)}: cannot be written: No space left on device\n"
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [(["diff", "{example}"], "Invalid value: give NEW, --rev REV or --set"),
     (["rules", "--format", "xx"], "Invalid value for --format: expected text or md"),
     (["score", "--fail-at", "purple", "{example}"], "Invalid value for '--fail-at': 'purple'"),
     (["score", "--format", "xml", "{example}"], "Invalid value for '--format'")],
    ids=["diff-sides", "rules-format", "score-fail-at", "score-format-parsed"],
)
def test_usage_errors_read_the_same_whether_the_parser_or_the_command_finds_them(
    runner, example_paths, args, message
):
    result = runner.invoke(app, [arg.format(example=example_paths[0]) for arg in args])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[:2] == [lines[0], f"Try 'riskcli {args[0]} --help' for help."]
    assert lines[0].startswith(f"Usage: riskcli {args[0]} ")
    assert lines[3].startswith(f"Error: {message}")
    assert result.stdout == ""


def test_ctrl_c_exits_130_without_a_traceback(runner, monkeypatch, example_paths):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("riskcli.scoring.load_engine", interrupted)
    result = runner.invoke(app, ["score", str(example_paths[0])])
    assert result.exit_code == 130
    assert "Traceback" not in result.output
