"""Hostile YAML at the one reader: bombs, endless files, control characters, refused quickly.

The limits these tests pin are the ones SECURITY.md documents; time and memory are measured on a
real `riskcli` process, so a regression shows as a number, not as a hung CI job.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hostile_helpers import HEADER, assert_clean_refusal, billion_laughs, run_riskcli

from riskcli.errors import InputFileError
from riskcli.yamlio import (
    MAX_YAML_BYTES,
    MAX_YAML_DEPTH,
    MAX_YAML_VALUES,
    load_yaml,
    parse_yaml,
    read_bytes,
)

QUICK_SECONDS = 5.0
"""A refusal is quick when it is this fast on a loaded CI machine (measured: about 0.3 s)."""
BOUNDED_KIB = 150 * 1024
"""Peak memory of a refusing process; an idle `riskcli validate` peaks near 40 MiB."""


def refusal(text: str | bytes, name: str = "hostile.yaml") -> str:
    raw = text.encode() if isinstance(text, str) else text
    with pytest.raises(InputFileError) as exc_info:
        parse_yaml(raw, name)
    (problem,) = exc_info.value.problems
    return str(problem)


@pytest.mark.parametrize("key", ["model_name", "weights_leave_premises", "access_holders",
                                 "download_controls", "decision_date"])
def test_a_billion_laughs_is_refused_before_anything_walks_it(key):
    line = refusal(billion_laughs(key=key))
    assert f"more than {MAX_YAML_VALUES:,} values once aliases are expanded" in line


@pytest.mark.slow
def test_a_billion_laughs_through_the_cli_is_quick_and_small(tmp_path: Path):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(billion_laughs(), encoding="utf-8")
    assert bomb.stat().st_size < 1024
    run = run_riskcli("validate", bomb)
    assert_clean_refusal(run.code, run.stderr, str(bomb))
    assert run.seconds < QUICK_SECONDS, run
    assert run.peak_kib < BOUNDED_KIB, run


@pytest.mark.slow
def test_a_50_mb_file_through_the_cli_is_refused_quickly_without_reading_it(tmp_path: Path):
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.write(HEADER.encode() + b"answers:\n  rationale: ")
        handle.write(b"x" * (50 * 1024 * 1024))
    run = run_riskcli("score", big)
    (line,) = assert_clean_refusal(run.code, run.stderr, str(big))
    assert f"the limit is {MAX_YAML_BYTES:,} bytes" in line
    assert run.seconds < QUICK_SECONDS, run
    assert run.peak_kib < BOUNDED_KIB, run


@pytest.mark.slow
@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_an_endless_file_is_refused_at_the_size_limit_not_read_forever():
    run = run_riskcli("validate", "/dev/zero", timeout=30)
    (line,) = assert_clean_refusal(run.code, run.stderr, "/dev/zero")
    assert f"longer than the limit of {MAX_YAML_BYTES:,} bytes" in line
    assert run.peak_kib < BOUNDED_KIB, run


def test_a_pipe_is_read_like_a_file(tmp_path: Path, llama1_answers, write_answers):
    """`riskcli validate <(git show HEAD:answers.yaml)`: a pipe's size is unknown until read."""
    source = write_answers(llama1_answers)
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    pid = os.fork()
    if pid == 0:  # the writer end, as a shell would run it
        try:
            with fifo.open("wb") as handle:
                handle.write(source.read_bytes())
        finally:
            os._exit(0)
    try:
        assert read_bytes(fifo) == source.read_bytes()
    finally:
        os.waitpid(pid, 0)


def test_many_plain_values_are_refused_at_the_same_limit():
    line = refusal("a: [" + "1, " * (MAX_YAML_VALUES + 10) + "1]\n")
    assert f"more than {MAX_YAML_VALUES:,} values" in line


def test_aliases_cannot_nest_past_the_depth_limit():
    chain = "a0: &a0 [x]\n" + "".join(
        f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, MAX_YAML_DEPTH + 5))
    line = refusal(chain)
    assert f"nested more than {MAX_YAML_DEPTH} levels deep once aliases are expanded" in line


def test_a_node_that_contains_itself_is_refused():
    assert "recursive" in refusal("answers: &a\n  model_name: *a\n")


@pytest.mark.parametrize(
    "text",
    [
        "base: &b {vetting: none}\nanswers:\n  <<: *b\n",
        "labels: &l [a, b]\nother: *l\nmore: *l\n",
        "a: &x hello\nb: [*x, *x]\n",
    ],
    ids=["merge-key", "shared-list", "shared-scalar"],
)
def test_ordinary_anchors_and_aliases_still_load(text):
    assert parse_yaml(text.encode(), "ok.yaml")


@pytest.mark.parametrize(
    ("raw", "code", "line"),
    [
        (b"\x00\x01", "U+0000", 1),
        (b'a: 1\nb: "x\x07"\n', "U+0007", 2),
        (b"a: 1\n\x1b[2J: 2\n", "U+001B", 2),
    ],
    ids=["nul", "bell-in-quotes", "escape-sequence"],
)
def test_control_characters_are_one_line_with_the_line_they_are_on(raw, code, line):
    text = refusal(raw)
    assert "\n" not in text
    assert f"character {code}" in text
    assert text.endswith(f"(line {line})")


@pytest.mark.slow
@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system",
        "!!python/object/apply:subprocess.check_output",
        "!!python/object/new:os.system",
        "!!python/module:os",
        "!python/object/apply:os.system",
        "!<tag:yaml.org,2002:python/object/apply:os.system>",
    ],
    ids=["apply-os-system", "apply-subprocess", "new", "module", "local-tag", "verbatim-tag"],
)
def test_python_tags_in_an_answers_file_run_nothing(tmp_path: Path, tag: str):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.yaml"
    path.write_text(f"{HEADER}answers:\n  model_name: {tag} [['touch', '{marker}']]\n",
                    encoding="utf-8")
    run = run_riskcli("validate", path)
    assert_clean_refusal(run.code, run.stderr, str(path))
    assert not marker.exists()
    with pytest.raises(InputFileError):
        load_yaml(path)
    assert not marker.exists()


HUGE_HEX = "0x" + "f" * 3600
"""Under 4 KB of hex, but past 4,300 decimal digits: Python cannot turn it into text."""


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [("a: 1\nb: 1" + "0" * 5000 + "\n", "b", "got an integer of 5,001 digits"),
     ("a: 1\nb: " + HUGE_HEX + "\n", "b", "got a 14,400-bit integer"),
     ("a: 1\nb: 0o" + "7" * 5000 + "\n", "b", "got a 15,000-bit integer"),
     ("a: 1\n? " + HUGE_HEX + "\n: x\n", "", "got a 14,400-bit integer"),
     ("a: 1\nb: [1, " + HUGE_HEX + "]\n", "b[1]", "got a 14,400-bit integer")],
    ids=["decimal", "hex", "octal", "as-a-key", "in-a-list"],
)
def test_an_integer_too_long_for_python_is_refused_on_reading(text, key, words):
    """Refused where it is read, so no message, log line or record can crash trying to show it."""
    with pytest.raises(InputFileError) as exc_info:
        parse_yaml(text.encode(), "big.yaml")
    (problem,) = exc_info.value.problems
    assert (problem.key, problem.line) == (key, 2)
    assert "expected a number of at most 4,300 digits" in problem.message
    assert words in problem.message


def test_the_longest_integer_python_can_show_is_read():
    assert parse_yaml(("a: " + "9" * 4300 + "\n").encode(), "ok.yaml")["a"] == 10**4300 - 1


def _replace_line(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("document", "old", "new"),
    [("questionnaire", 'version: "1.0"', f"version: {HUGE_HEX}"),
     ("questionnaire", "id: distribution", f"id: {HUGE_HEX}"),
     ("questionnaire", "      - id: model_name", f"      - id: {HUGE_HEX}"),
     ("questionnaire", "        type: text", f"        ? {HUGE_HEX}\n        : text"),
     ("rules", "  - id: vetting-none", f"  - id: {HUGE_HEX}"),
     ("rules", 'version: "1.0"', f"version: {HUGE_HEX}"),
     ("answers", "answers:\n", f"answers:\n  ? {HUGE_HEX}\n  : 1\n"),
     ("answers", 'version: "1.0"', f"version: {HUGE_HEX}")],
    ids=["questionnaire-version", "questionnaire-id", "question-id", "question-key", "rule-id",
         "pack-version", "answer-key", "answers-version"],
)
def test_a_huge_integer_anywhere_is_one_problem_line(runner, tmp_path, repo_root, example_paths,
                                                     document, old, new):
    from riskcli.cli.app import app

    sources = {"questionnaire": repo_root / "questionnaires" / "distribution.yaml",
               "rules": repo_root / "rules" / "llama-pattern.yaml", "answers": example_paths[0]}
    bad = tmp_path / f"{document}.yaml"
    bad.write_text(_replace_line(sources[document].read_text("utf-8"), old, new), "utf-8")
    option = {"questionnaire": ["--questionnaire", str(bad)], "rules": ["--rules", str(bad)],
              "answers": [str(bad)]}[document]
    answers = [] if document == "answers" else [str(example_paths[0])]
    result = runner.invoke(app, ["score", *answers, *option])
    [line] = assert_clean_refusal(result.exit_code, result.stderr, str(bad))
    assert "expected a number of at most 4,300 digits, got a 14,400-bit integer" in line
    assert "(line " in line


def test_a_huge_integer_in_one_file_does_not_stop_a_folder_run(runner, tmp_path, example_paths):
    from riskcli.cli.app import app

    folder = tmp_path / "answers"
    folder.mkdir()
    good = folder / "b-good.yaml"
    good.write_bytes(example_paths[0].read_bytes())
    bad = folder / "a-bad.yaml"
    bad.write_text(_replace_line(good.read_text("utf-8"), "model_name:",
                                 f"model_name: {HUGE_HEX}\n  model_name_was:"), "utf-8")
    result = runner.invoke(app, ["score", "--format", "json", str(folder)])
    assert result.exit_code == 2
    [line] = [line for line in result.stderr.splitlines() if line.strip()]
    assert line.startswith(str(bad)) and "14,400-bit integer" in line
    [scored] = json.loads(result.stdout)["results"]
    assert scored["file"] == str(good)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("a: !!float y\n", "cannot read 'y' as !!float"),
        ("a: !!int x\n", "cannot read 'x' as !!int"),
        ("a: !!bool maybe\n", "cannot read 'maybe' as !!bool"),
        ("a: !!timestamp garbage\n", "cannot read 'garbage' as !!timestamp"),
        ("a: !!timestamp 2023-02-30\n", "cannot read '2023-02-30' as !!timestamp"),
        ("a: !!map [1]\n", "cannot read a sequence as !!map"),
        ("a:\n  - b: !!float " + "z" * 100 + "\n", "cannot read 'zzzzz"),
    ],
    ids=["float", "int", "bool", "timestamp-text", "timestamp-impossible", "map-of-list",
         "nested-long-value"],
)
def test_a_value_that_does_not_fit_its_explicit_tag_is_a_yaml_problem(text, words):
    line = refusal(text)
    assert words in line
    assert "invalid YAML" in line and "(line " in line
    assert len(line) < 140


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_diff_rev_refuses_a_blob_past_the_size_limit_before_reading_it(
    runner, tmp_path, monkeypatch, example_paths
):
    """The same 2 MiB `validate` holds a file on disk to, for the same bytes committed to git."""
    from riskcli.cli.app import app

    monkeypatch.chdir(tmp_path)
    answers = tmp_path / "a.yaml"
    answers.write_bytes(example_paths[0].read_bytes() + b"#" * MAX_YAML_BYTES + b"\n")
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "a.yaml"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "big"], check=True)
    answers.write_bytes(example_paths[0].read_bytes())
    result = runner.invoke(app, ["diff", "a.yaml", "--rev", "HEAD"])
    [line] = assert_clean_refusal(result.exit_code, result.stderr, "a.yaml@HEAD")
    size = MAX_YAML_BYTES + len(example_paths[0].read_bytes()) + 1
    assert line == f"a.yaml@HEAD: is {size:,} bytes; the limit is {MAX_YAML_BYTES:,} bytes"
