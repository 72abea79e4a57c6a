"""Text is data on the terminal: whatever riskcli prints that came from a file or a name (a file
name, an answer, a key, the text of a questionnaire or a rule pack) is shown, never obeyed.

ESC starts a sequence a terminal runs (clear the screen, retitle the window, a hidden link), a
C1 control does the same in one byte, and a bidi override (U+202E) shows text in another order
than it is written. Each is printed as an escape (`\\x1b`, `\\u202e`) by `riskcli.terminal.safe`,
and rich never reads such text as markup.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

from riskcli.cli.app import app
from riskcli.terminal import safe

OBEYED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""What no output of riskcli may hold raw (tab and newline are layout)."""
HOSTILE = "a\x1b[2J\x1b]0;pwned\x07\u202eb\x9bc"
"""ESC clearing the screen, a window title, a bidi override and a C1 CSI."""


def assert_shown_not_obeyed(*outputs: str) -> None:
    for output in outputs:
        assert not OBEYED.search(output), repr(OBEYED.search(output))


@pytest.mark.parametrize(
    ("text", "shown"),
    [("plain", "plain"),
     ("\x1b[2Jclear", "\\x1b[2Jclear"),
     ("right\u202eleft", "right\\u202eleft"),
     ("iso\u2066late\u2069", "iso\\u2066late\\u2069"),
     ("c1\x9bcsi", "c1\\x9bcsi"),
     ("two\nlines\ttab\r", "two\\nlines\\ttab\\r"),
     ("line\u2028separator", "line\\u2028separator")],
    ids=["plain", "esc", "bidi-override", "bidi-isolates", "c1", "layout", "line-separator"],
)
def test_what_a_terminal_would_obey_is_written_as_an_escape(text, shown):
    assert safe(text) == shown


@pytest.mark.parametrize(
    "text",
    ["Café Müller", "深度求索", "Llama 2 — 7B–70B", "1\u00a0000\u202f€",
     "family 👨\u200d👩\u200d👧", "[default 365]"],
    ids=["accents", "cjk", "dashes", "no-break-spaces", "emoji-joiners", "brackets"],
)
def test_text_people_write_is_shown_as_written(text):
    assert safe(text) == text


def test_a_block_keeps_its_own_lines_and_tabs_but_nothing_else():
    assert safe("one\n\ttwo\x1b", lines=True) == "one\n\ttwo\\x1b"


# --- file names -----------------------------------------------------------------------------


@pytest.fixture
def hostile_file(tmp_path, example_paths) -> Path:
    path = tmp_path / f"{HOSTILE}.yaml"
    path.write_bytes(example_paths[0].read_bytes())
    return path


@pytest.mark.parametrize(
    "args",
    [["validate", "{file}"], ["score", "{file}"], ["score", "{file}", "{file}"],
     ["score", "{file}", "--fail-at", "low"], ["diff", "{file}", "{file}"],
     ["levers", "{file}"], ["validate", "{missing}"]],
    ids=["validate-ok-line", "score-summary", "score-table", "gate-line", "diff", "levers",
         "problem-line"],
)
def test_a_file_name_is_shown_not_obeyed(runner, hostile_file, args):
    fill = {"file": str(hostile_file), "missing": str(hostile_file.with_name(HOSTILE))}
    result = runner.invoke(app, [arg.format(**fill) for arg in args])
    assert result.exit_code in (0, 1, 2), result.output
    assert_shown_not_obeyed(result.stdout, result.stderr)
    assert safe(HOSTILE) in result.stdout + result.stderr


@pytest.mark.parametrize("command", [["score", "--format", "json"],
                                     ["levers", "--format", "json"]], ids=["score", "levers"])
def test_json_escapes_what_a_terminal_would_obey_and_reads_back_the_same(
    runner, hostile_file, command
):
    import json

    result = runner.invoke(app, [*command, str(hostile_file)])
    assert result.exit_code == 0, result.output
    assert_shown_not_obeyed(result.stdout)
    document = json.loads(result.stdout)
    file = document["results"][0]["file"] if command[0] == "score" else document["file"]
    assert file == str(hostile_file)


# --- answers ----------------------------------------------------------------------------------


def test_an_answer_with_a_bidi_control_is_refused_in_one_line(runner, write_answers,
                                                              llama1_answers):
    llama1_answers["model_name"] = "LLaMA \u202e7B"
    path = write_answers(llama1_answers)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"{path}: model_name: text holds the bidi control U+202E")
    assert_shown_not_obeyed(result.stderr)


@pytest.mark.parametrize("key", ["model_name", "organization"])
@pytest.mark.parametrize("blank", ["", "   "], ids=["empty", "spaces"])
def test_a_blank_name_is_a_validation_problem_not_a_gap_in_the_card(
    runner, write_answers, llama1_answers, key, blank
):
    llama1_answers[key] = blank
    path = write_answers(llama1_answers)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{path}: {key}: expected text, got a blank answer (line {_line_of(path, key)})"]


def _line_of(path: Path, key: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if line.strip().startswith(key))


# --- questionnaire and pack text --------------------------------------------------------------


def _edited(source: Path, target: Path, old: str, new: str) -> Path:
    text = source.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    target.write_text(text.replace(old, new), encoding="utf-8")
    return target


@pytest.fixture
def hostile_questionnaire(repo_root, tmp_path) -> Path:
    """The bundled questionnaire whose first prompt holds rich markup and, through a `\\e`
    escape in a double-quoted YAML string, ESC (the YAML file itself holds no control byte)."""
    return _edited(repo_root / "questionnaires" / "distribution.yaml", tmp_path / "q.yaml",
                   "prompt: Model name (and sizes, if several)",
                   'prompt: "Model [bold]name[/bold] [link=https://evil.example]here[/link] '
                   '\\e[2J[/v2]"')


def test_questions_shows_markup_and_escapes_as_text(runner, hostile_questionnaire):
    result = runner.invoke(app, ["questions", "--questionnaire", str(hostile_questionnaire)],
                           env={"COLUMNS": "200"})
    if result.exit_code == 2:  # refusing the control character at load is as good
        assert_shown_not_obeyed(result.stderr)
        return
    assert result.exit_code == 0, result.output
    assert_shown_not_obeyed(result.stdout)
    assert "[bold]name[/bold] [link=https://evil.example]here[/link]" in result.stdout
    assert "\\x1b[2J[/v2]" in result.stdout
    assert "[default 365]" in result.stdout  # the bundled horizon question's default


@pytest.fixture
def hostile_pack(repo_root, tmp_path) -> Path:
    pack = _edited(repo_root / "rules" / "llama-pattern.yaml", tmp_path / "rules.yaml",
                   'headline: "Release permissively, deliberately: gated distribution will '
                   'likely fail"',
                   'headline: "Release \\e[2J\\u202epermissively [/red]"')
    return _edited(pack, pack, "title: Anyone who asks receives the weights",
                   'title: "Anyone \\e]8;;https://evil.example\\aasks"')


@pytest.mark.parametrize(("command", "shown"),
                         [("score", "Release \\x1b[2J\\u202epermissively [/red]."),
                          ("rules", "Anyone \\x1b]8;;https://evil.example\\x07asks")])
def test_pack_text_is_shown_not_obeyed(runner, hostile_pack, example_paths, command, shown):
    files = [str(example_paths[1])] if command == "score" else []
    result = runner.invoke(app, [command, *files, "--rules", str(hostile_pack)],
                           env={"COLUMNS": "200"})
    assert_shown_not_obeyed(result.stdout, result.stderr)
    if result.exit_code == 0:  # (refusing the control character at load is as good)
        assert shown in result.stdout


# --- a real terminal --------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("columns", [60, 80])
def test_score_in_a_terminal_fits_its_width_and_breaks_no_word(repo_root, columns):
    """`riskcli score examples/llama-1-2023.yaml` in a pseudo-terminal of 60 and 80 columns (no
    COLUMNS in the environment: the width is the terminal's), against the text unwrapped."""
    import pexpect

    from riskcli.formatting import text_summary
    from riskcli.scoring import load_engine, score_file

    name = "examples/llama-1-2023.yaml"
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    child = pexpect.spawn(sys.executable, ["-m", "riskcli", "score", name], cwd=repo_root,
                          env=env, dimensions=(200, columns), encoding="utf-8", timeout=60)
    child.expect(pexpect.EOF)
    shown = child.before.replace("\r\n", "\n")
    child.close()
    assert child.exitstatus == 0, shown
    assert [line for line in shown.splitlines() if len(line) > columns] == []
    engine = load_engine()
    wide = text_summary(score_file(engine, repo_root / name), engine.rules.keys, 10_000)
    assert shown.split() == wide.replace(str(repo_root / name), name).split()
