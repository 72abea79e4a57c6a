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
     (["rules", "--format", "xx"], "Invalid value for '--format': 'xx' is not one of"),
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


# --- help --------------------------------------------------------------------------------------

WORKFLOW = ["assess", "score", "report", "levers", "diff", "card", "validate", "init"]


def _listed_commands(help_text: str) -> list[tuple[str, str]]:
    """(name, description) of each command in `riskcli --help`, continuation lines joined."""
    rows: list[list[str]] = []
    for line in help_text.split("Commands:\n", 1)[1].splitlines():
        if line.startswith("  ") and not line.startswith("   "):
            name, _, text = line.strip().partition(" ")
            rows.append([name, text.strip()])
        elif line.strip() and rows:
            rows[-1][1] += " " + line.strip()
    return [(name, text) for name, text in rows]


def test_bare_riskcli_prints_the_help_to_stdout_and_exits_0(runner):
    result = runner.invoke(app, [])
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: riskcli [OPTIONS] COMMAND [ARGS]...")
    assert "Commands:" in result.stdout
    assert result.stderr == ""


def test_help_lists_the_workflow_first_each_with_its_whole_first_line(runner):
    result = runner.invoke(app, ["--help"], env={"COLUMNS": "80"})
    listed = _listed_commands(result.stdout)
    names = [name for name, _ in listed]
    registered = [info.name for info in app.registered_commands]
    assert sorted(names) == sorted(registered)
    assert [name for name in names if name in WORKFLOW] == [n for n in WORKFLOW if n in names]
    assert names[:len(WORKFLOW)] == [n for n in WORKFLOW if n in names]
    docstrings = {info.name: inspect.unwrap(info.callback).__doc__ for info in
                  app.registered_commands}
    for name, text in listed:
        first = docstrings[name].strip().splitlines()[0]
        assert text == first, name  # whole, never cut to '...'
        assert first.endswith(".") and not first.endswith("..."), f"{name}: {first!r}"


@pytest.mark.parametrize("columns", ["80", "120"])
def test_each_command_fits_one_line_of_the_help_at_80_columns_and_wider(runner, columns):
    result = runner.invoke(app, ["--help"], env={"COLUMNS": columns})
    lines = result.stdout.split("Commands:\n", 1)[1].splitlines()
    assert [line for line in lines if line.startswith("   ")] == []  # no continuation line


@pytest.mark.parametrize("name", sorted(info.name for info in app.registered_commands))
def test_command_help_names_what_each_argument_and_option_takes_in_words(runner, name):
    result = runner.invoke(app, [name, "--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    usage = result.stdout.splitlines()[0]
    assert "{" not in usage and "<" not in usage, usage
    for typer_word in ("<list[", "<str>", "<path>", "<int>", "<float>", "<key", "<band>"):
        assert typer_word not in result.stdout, (name, typer_word)


def test_arguments_read_as_their_metavar_in_usage_help_and_errors(runner):
    help_text = runner.invoke(app, ["score", "--help"]).stdout
    assert help_text.startswith("Usage: riskcli score [OPTIONS] FILE...\n")
    assert "\n  FILE...  " in help_text
    missing = runner.invoke(app, ["score"])
    assert missing.exit_code == 2
    assert "Missing argument 'FILE...'" in missing.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [(["score", "--interval", "abc", "{example}"], 'expected a number, got "abc"'),
     (["score", "--format", "xml", "{example}"], "'xml' is not one of 'text', 'json'"),
     (["levers", "--format", "yaml", "{example}"], "'yaml' is not one of 'text', 'json'")],
    ids=["number", "choice", "levers-choice"],
)
def test_a_value_the_parser_refuses_is_said_in_riskcli_words_not_pydantic_s(
    runner, example_paths, args, expected
):
    result = runner.invoke(app, [arg.format(example=example_paths[0]) for arg in args])
    assert result.exit_code == 2
    assert expected in result.stderr
    for pydantic_words in ("Value error", "Input should", "unable to parse"):
        assert pydantic_words not in result.stderr


@pytest.mark.parametrize(
    ("words", "offered"),
    [("riskcli levers a.yaml --target ", ["low", "moderate", "high", "critical"]),
     ("riskcli report a.yaml --target h", ["high"]),
     ("riskcli score --fail-at m", ["moderate"]),
     ("riskcli score --set vett", ["vetting="]),
     ("riskcli rules --format ", ["text", "md"]),
     ("riskcli report a.yaml --format ", ["pdf", "html", "md"])],
    ids=["levers-target", "report-target", "fail-at", "set-key", "rules-format", "report-format"],
)
def test_the_shell_completes_bands_keys_and_choices(runner, words, offered):
    """What bash gets back when the user presses Tab after `words`."""
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    result = runner.invoke(app, [], prog_name="riskcli", env={
        "_RISKCLI_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(cword)})
    assert result.stdout.split() == offered
