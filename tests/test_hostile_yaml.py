"""Hostile YAML at the one reader: endless files and control characters, refused quickly.

The limits these tests pin are the ones SECURITY.md documents; time and memory are measured on a
real `riskcli` process, so a regression shows as a number, not as a hung CI job.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hostile_helpers import assert_clean_refusal, run_riskcli

from riskcli.errors import InputFileError
from riskcli.yamlio import MAX_YAML_BYTES, parse_yaml, read_bytes

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
