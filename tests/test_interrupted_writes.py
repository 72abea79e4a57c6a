"""No lost data: a process killed at any moment leaves the old file or the new one, never half.

`assess` saves after every answer; killed with SIGKILL (no handler runs, nothing is flushed) it
must leave a valid answers file holding every answer given before the kill. `report` writes only
after the whole render; killed, interrupted or failing midway, it leaves no output file or the
previous one intact. Both go through `fileio.write_atomic`, which is also hammered directly.
"""

from __future__ import annotations

import errno
import importlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pexpect
import pytest
import yaml
from assess_helpers import asked, default_sigint, spawn_riskcli, typed

from riskcli.answers import load_partial_answers
from riskcli.cli.app import app
from riskcli.questionnaire import Question
from riskcli.values import coerce, to_plain

REPO_SRC = Path(__file__).resolve().parents[1] / "src"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR",)}
    env.update(NO_COLOR="1", TERM="xterm-256color", PYTHONPATH=str(REPO_SRC))
    return env


def reach(child, question: Question) -> None:
    child.expect_exact(question.prompt)
    child.expect_exact("> ")


# --- assess, killed between answers ----------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("answered", [1, 14, -1], ids=["after-1", "after-14", "before-the-last"])
def test_assess_killed_with_sigkill_keeps_every_answer_given_before(
    tmp_path, questionnaire, llama1_answers, answered
):
    questions = asked(questionnaire, llama1_answers)
    given, waiting = questions[:answered], questions[answered]
    child = spawn_riskcli("assess", "-o", "answers.yaml", cwd=tmp_path, env=_env())
    try:
        for question in given:
            reach(child, question)
            child.sendline(typed(llama1_answers[question.id]))
        reach(child, waiting)  # the previous answer is on disk before this prompt appears
        child.kill(signal.SIGKILL)
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.signalstatus == signal.SIGKILL
    path = tmp_path / "answers.yaml"
    saved = yaml.safe_load(path.read_text("utf-8"))["answers"]
    assert saved == {q.id: to_plain(coerce(q, llama1_answers[q.id])) for q in given}
    # A valid half-done file: `assess --resume` takes it as it is.
    assert set(load_partial_answers(path, questionnaire)) == {q.id for q in given}


@pytest.mark.slow
def test_assess_resumes_after_a_sigkill_and_finishes_a_valid_file(
    tmp_path, questionnaire, llama1_answers, runner
):
    questions = asked(questionnaire, llama1_answers)
    first, rest = questions[:10], questions[10:]
    child = spawn_riskcli("assess", "-o", "answers.yaml", cwd=tmp_path, env=_env())
    for question in first:
        reach(child, question)
        child.sendline(typed(llama1_answers[question.id]))
    reach(child, rest[0])
    child.kill(signal.SIGKILL)
    child.close(force=True)
    child = spawn_riskcli("assess", "-o", "answers.yaml", "--resume", cwd=tmp_path, env=_env())
    for question in rest:
        reach(child, question)
        child.sendline(typed(llama1_answers[question.id]))
    child.expect_exact("Render the decision record")
    child.expect_exact("[y/N] > ")
    child.sendline("")  # no record now
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert runner.invoke(app, ["validate", str(tmp_path / "answers.yaml")]).exit_code == 0


# --- write_atomic, killed at random moments --------------------------------------------------

_WRITER = """
import sys
from riskcli.fileio import write_atomic
path, first, second = sys.argv[1], sys.argv[2].encode(), sys.argv[3].encode()
print("ready", flush=True)
n = 0
while True:
    write_atomic(path, (first if n % 2 else second) * 2000)
    n += 1
"""


@pytest.mark.slow
def test_a_file_killed_mid_write_is_always_the_old_or_the_new_one(tmp_path):
    """Kill a process that rewrites one file in a loop, 25 times at random moments."""
    path = tmp_path / "answers.yaml"
    old, new = b"old: version\n" * 2000, b"new: version\n" * 2000
    path.write_bytes(old)
    chance = random.Random(6)  # fixed seed: the same moments on every run
    for _ in range(25):
        proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(path), "old: version\n",
                                 "new: version\n"], env=_env(), stdout=subprocess.PIPE)
        assert proc.stdout is not None
        proc.stdout.readline()
        time.sleep(chance.uniform(0.0, 0.05))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        assert path.read_bytes() in (old, new)
    # Temporary files a kill left behind are hidden and never read as answers files.
    leftovers = [p.name for p in tmp_path.iterdir() if p != path]
    assert all(name.startswith(".answers.yaml.") and name.endswith(".tmp") for name in leftovers)


def test_a_failing_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    from riskcli import fileio

    path = tmp_path / "record.md"
    path.write_text("previous\n", "utf-8")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(fileio.os, "fsync", full)
    with pytest.raises(OSError):
        fileio.write_atomic(path, "new content\n")
    assert path.read_text("utf-8") == "previous\n"
    assert list(tmp_path.iterdir()) == [path]


# --- report, failing or killed midway --------------------------------------------------------

@pytest.mark.parametrize("previous", [True, False], ids=["previous-record", "no-record"])
def test_a_report_that_cannot_be_written_keeps_the_previous_record(
    runner, tmp_path, monkeypatch, example_paths, previous
):
    from riskcli import fileio

    out = tmp_path / "record.md"
    if previous:
        out.write_text("previous record\n", "utf-8")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(fileio.os, "fsync", full)
    result = runner.invoke(app, ["report", str(example_paths[0]), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert f"{out}: cannot be written: No space left on device" in result.stderr
    assert (out.read_text("utf-8") if previous else out.exists()) == (
        "previous record\n" if previous else False)
    assert [p.name for p in tmp_path.iterdir()] == (["record.md"] if previous else [])


def test_a_report_whose_render_fails_midway_writes_nothing(
    runner, tmp_path, monkeypatch, example_paths
):
    render_module = importlib.import_module("riskcli.report.render")  # not the function

    out = tmp_path / "record.html"
    out.write_text("previous record\n", "utf-8")

    def broken(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("the renderer fell over halfway")

    monkeypatch.setattr(render_module, "render_html", broken)
    result = runner.invoke(app, ["report", str(example_paths[0]), "-o", str(out)])
    assert result.exit_code != 0
    assert out.read_text("utf-8") == "previous record\n"
    assert [p.name for p in tmp_path.iterdir()] == ["record.html"]


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT], ids=["sigkill", "ctrl-c"])
def test_a_report_stopped_during_the_pdf_render_leaves_the_previous_record(
    tmp_path, example_paths, how
):
    out = tmp_path / "record.pdf"
    out.write_bytes(b"%PDF previous record")
    chance = random.Random(7)
    interrupted = 0
    for _ in range(3):
        # The child gets the default Ctrl-C handler even when pytest runs with SIGINT ignored.
        proc = subprocess.Popen([sys.executable, "-m", "riskcli", "report",
                                 str(example_paths[0]), "-o", str(out)], env=_env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                preexec_fn=default_sigint)
        time.sleep(chance.uniform(0.2, 1.2))  # importing WeasyPrint, laying out, writing
        proc.send_signal(how)
        _, err = proc.communicate(timeout=60)
        if proc.returncode == 0:  # finished before the signal: the new record is whole
            assert out.read_bytes().startswith(b"%PDF-")
            out.write_bytes(b"%PDF previous record")
            continue
        interrupted += 1
        # A Ctrl-C that lands while Python is still importing riskcli (a loaded machine) ends in
        # Python's own KeyboardInterrupt traceback; anything else must be a clean stop.
        assert b"Traceback" not in err or err.rstrip().endswith(b"KeyboardInterrupt"), err
        assert out.read_bytes() == b"%PDF previous record"
    # A render takes seconds; every signal above lands before the record could be finished.
    assert interrupted >= 1, "no attempt was stopped: the signal reached no running render"
    leftovers = [p.name for p in tmp_path.iterdir() if p != out]
    if how == signal.SIGINT:  # Ctrl-C unwinds through write_atomic, which removes its temporary
        assert leftovers == []
    else:  # nothing runs after SIGKILL; a temporary left behind is hidden and never read
        assert all(name.startswith(".record.pdf.") for name in leftovers)


def test_the_rename_itself_is_synced_to_disk(tmp_path, monkeypatch):
    """Content synced, renamed, then the folder synced: a power cut keeps the new file."""
    import stat

    from riskcli import fileio

    synced: list[str] = []
    real_fsync = os.fsync

    def recording(fd: int) -> None:
        synced.append("folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real_fsync(fd)

    monkeypatch.setattr(fileio.os, "fsync", recording)
    fileio.write_atomic(tmp_path / "answers.yaml", "a: 1\n")
    assert synced == ["file", "folder"]


@pytest.mark.parametrize("target", ["answers", "questionnaire", "rules", "link-to-answers"])
def test_a_report_never_overwrites_one_of_its_own_inputs(
    runner, tmp_path, example_paths, repo_root, target
):
    answers = tmp_path / "answers.yaml"
    answers.write_bytes(example_paths[0].read_bytes())
    questionnaire = tmp_path / "q.yaml"
    questionnaire.write_bytes((repo_root / "questionnaires" / "distribution.yaml").read_bytes())
    rules = tmp_path / "rules.yaml"
    rules.write_bytes((repo_root / "rules" / "llama-pattern.yaml").read_bytes())
    out = {"answers": answers, "questionnaire": questionnaire, "rules": rules,
           "link-to-answers": tmp_path / "link.md"}[target]
    if target == "link-to-answers":
        out.symlink_to(answers)
    before = {p: p.read_bytes() for p in (answers, questionnaire, rules)}
    result = runner.invoke(app, ["report", str(answers), "-o", str(out), "--format", "md",
                                 "--questionnaire", str(questionnaire), "--rules", str(rules)])
    assert result.exit_code == 2, result.output
    assert f"{out}: is the input file" in result.stderr
    assert {p: p.read_bytes() for p in before} == before
