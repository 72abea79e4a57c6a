"""The progress bar: drawn on stderr for a person at a terminal, never for a pipe, a log or CI."""

from __future__ import annotations

import io
import os
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from riskcli import progress
from riskcli.progress import Progress


class Terminal(io.StringIO):
    """A stderr that says it is a terminal, recording what was written to it."""

    def isatty(self) -> bool:
        return True


def screen(written: str) -> str:
    """What a terminal line shows after the writes: each carriage return starts over."""
    line = ""
    for chunk in written.split("\r"):
        line = chunk + line[len(chunk):]
    return line


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_on_a_terminal_the_bar_shows_the_count_and_is_erased_at_the_end():
    stream, clock = Terminal(), Clock()
    with Progress("scoring", 200, "files", stream=stream, clock=clock) as bar:
        for done in range(1, 201):
            clock.now += 0.01
            bar.update(done)
            if done == 100:
                assert screen(stream.getvalue()).startswith("scoring  [")
                assert "/200 files" in screen(stream.getvalue())
    assert "200/200 files" in stream.getvalue()
    assert screen(stream.getvalue()).strip() == ""


def test_redraws_are_rate_limited_but_the_last_count_is_always_drawn():
    stream, clock = Terminal(), Clock()
    with Progress("scoring", 1000, "files", stream=stream, clock=clock) as bar:
        for done in range(1, 1001):
            clock.now += 0.001  # a second in all: about ten redraws, not a thousand
            bar.update(done)
        drawn = stream.getvalue().count("\r")
        assert drawn <= 1 + 1 / progress.INTERVAL + 2
        assert screen(stream.getvalue()).rstrip().endswith("1,000/1,000 files")


@pytest.mark.parametrize("stream", [io.StringIO(), None], ids=["string-buffer", "devnull"])
def test_when_stderr_is_not_a_terminal_nothing_is_written(stream):
    target = stream if stream is not None else open(os.devnull, "w")  # noqa: SIM115
    try:
        with Progress("scoring", 10, "files", stream=target) as bar:
            for done in range(1, 11):
                bar.update(done)
        if isinstance(target, io.StringIO):
            assert target.getvalue() == ""
    finally:
        target.close()


def test_a_terminal_that_breaks_mid_run_does_not_fail_the_work():
    stream = Terminal()
    with Progress("scoring", 10, "files", stream=stream) as bar:
        stream.close()
        for done in range(1, 11):
            bar.update(done)
    assert bar.done == 10


def test_stages_show_their_name_and_how_many_are_done():
    stream = Terminal()
    with Progress("rendering record.pdf", 3, stream=stream) as bar:
        bar.stage("loading WeasyPrint")
        assert screen(stream.getvalue()).startswith("rendering record.pdf: loading WeasyPrint  [")
        bar.stage("laying out pages")
        assert screen(stream.getvalue()).rstrip().endswith("1/3")
    assert screen(stream.getvalue()).strip() == ""


def test_a_few_files_get_no_bar_even_on_a_terminal(monkeypatch):
    monkeypatch.setattr(sys, "stderr", Terminal())
    assert not progress.for_files(progress.MIN_FILES - 1).enabled
    assert progress.for_files(progress.MIN_FILES).enabled


# --- the real command, with stderr a pseudo-terminal or a pipe --------------------------------

@pytest.fixture
def folder_of_answers(tmp_path: Path, examples_dir: Path) -> Path:
    folder = tmp_path / "answers"
    folder.mkdir()
    for index in range(progress.MIN_FILES + 10):
        shutil.copyfile(examples_dir / "llama-1-2023.yaml", folder / f"a{index:03d}.yaml")
    return folder


def run_score(folder: Path, stderr_tty: bool) -> tuple[bytes, bytes, int]:
    return run_riskcli(["score", str(folder)], stderr_tty)


def run_riskcli(args: list[str], stderr_tty: bool) -> tuple[bytes, bytes, int]:
    """stdout, stderr and exit code of `riskcli ARGS`, stderr a pseudo-terminal or a pipe."""
    command = [sys.executable, "-m", "riskcli", *args]
    if not stderr_tty:
        done = subprocess.run(command, capture_output=True, timeout=120)
        return done.stdout, done.stderr, done.returncode
    controller, terminal = os.openpty()
    try:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=terminal)
        os.close(terminal)
        stdout = process.stdout.read() if process.stdout else b""
        process.wait(timeout=120)
        err = b""
        while select.select([controller], [], [], 0.5)[0]:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal's other end is closed: all read
                break
            if not chunk:
                break
            err += chunk
        return stdout, err, process.returncode
    finally:
        os.close(controller)


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs pseudo-terminals")
def test_scoring_a_folder_shows_a_bar_on_a_terminal_and_leaves_stdout_unchanged(
        folder_of_answers):
    out_tty, err_tty, code_tty = run_score(folder_of_answers, stderr_tty=True)
    out_pipe, err_pipe, code_pipe = run_score(folder_of_answers, stderr_tty=False)
    files = progress.MIN_FILES + 10
    assert code_tty == code_pipe == 0
    assert f"{files}/{files} files".encode() in err_tty
    assert b"scoring  [" in err_tty
    assert screen(err_tty.decode()).strip() == ""
    assert out_tty == out_pipe
    assert err_pipe == b""


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs pseudo-terminals")
def test_rendering_a_pdf_names_its_stages_on_a_terminal_and_nothing_in_a_pipe(
        tmp_path, examples_dir):
    answers = str(examples_dir / "llama-1-2023.yaml")
    tty_pdf, pipe_pdf = tmp_path / "tty.pdf", tmp_path / "pipe.pdf"
    out_tty, err_tty, code_tty = run_riskcli(["report", answers, "-o", str(tty_pdf)], True)
    out_pipe, err_pipe, code_pipe = run_riskcli(["report", answers, "-o", str(pipe_pdf)], False)
    assert code_tty == code_pipe == 0
    for stage in (b"loading WeasyPrint", b"laying out pages", b"writing the PDF"):
        assert b"rendering tty.pdf: " + stage in err_tty
    assert screen(err_tty.decode()).strip() == ""
    assert err_pipe == b""
    assert out_tty.replace(b"tty.pdf", b"pipe.pdf") == out_pipe
    assert tty_pdf.read_bytes() == pipe_pdf.read_bytes()


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs pseudo-terminals")
def test_markdown_and_html_records_are_instant_and_get_no_bar(tmp_path, examples_dir):
    answers = str(examples_dir / "llama-1-2023.yaml")
    for name in ("record.md", "record.html"):
        _, err, code = run_riskcli(["report", answers, "-o", str(tmp_path / name)], True)
        assert code == 0
        assert b"rendering" not in err
