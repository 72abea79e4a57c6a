"""Hostile YAML at the one reader: bombs, endless files, control characters, refused quickly.

The limits these tests pin are the ones SECURITY.md documents; time and memory are measured on a
real `riskcli` process, so a regression shows as a number, not as a hung CI job.
"""

from __future__ import annotations

import os
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


def test_an_integer_too_long_for_python_is_a_yaml_problem_on_its_line():
    line = refusal("a: 1\nb: 1" + "0" * 5000 + "\n")
    assert "an integer 5,001 characters long is too long (line 2)" in line


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
