"""Where a command is told to write: a folder, a folder that does not exist, a device, a FIFO, a
socket, a link, one of its own inputs, a name at the file system's limit. Each refusal is one
clean problem naming the path, and nothing is replaced or written beside it; a link to a regular
file is written through; `-o -` is standard output for text."""

from __future__ import annotations

import os
import shutil
import socket
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hostile_helpers import assert_clean_refusal

from riskcli import fileio
from riskcli.answers import save_answers
from riskcli.cli.app import app
from riskcli.errors import OutputFileError
from riskcli.resources import default_templates

WRITERS = ["init", "report-md", "report-html", "report-pdf", "assess", "card"]
"""Every command that writes a file where it is told to (card: the model card it updates)."""


def _command(command: str, out: Path, answers: Path) -> list[str]:
    return {
        "init": ["init", "-o", str(out), "--force"],
        "report-md": ["report", str(answers), "-o", str(out), "--format", "md"],
        "report-html": ["report", str(answers), "-o", str(out), "--format", "html"],
        "report-pdf": ["report", str(answers), "-o", str(out), "--format", "pdf"],
        "assess": ["assess", "-o", str(out)],
        "card": ["card", str(out), str(answers), "--create"],
    }[command]


@pytest.mark.parametrize(("command", "where"), [
    (command, where) for command in WRITERS for where in ("a-folder", "missing-folder")
    # init makes the folders it is told to write in (test_init.py)
    if not (command == "init" and where == "missing-folder")])
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


# --- targets a rename must never replace ------------------------------------------------------


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _socket(path: Path) -> None:
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(path))
    listener.close()  # the socket file stays


def _char_device(path: Path) -> None:
    """A /dev/null of our own, so a regression cannot turn the real one into a record."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a device node needs root (or CAP_MKNOD)")


def _link_to(target: str | Callable[[Path], None]) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        if callable(target):
            real = path.with_name("real-" + path.name)
            target(real)
            path.symlink_to(real)
        else:
            path.symlink_to(target)
    return make


SPECIAL = {
    "fifo": _fifo,
    "socket": _socket,
    "char-device": _char_device,
    "link-to-fifo": _link_to(_fifo),
    "link-to-dev-stdout": _link_to("/dev/stdout"),
    "link-to-proc-fd": _link_to("/proc/self/fd/2"),
    "broken-link": _link_to("nowhere/out.yaml"),
}


def _kinds(folder: Path) -> dict[str, int]:
    """Every entry's name and file type, links not followed."""
    return {p.name: stat.S_IFMT(p.lstat().st_mode) for p in folder.iterdir()}


@pytest.mark.parametrize("command", WRITERS)
@pytest.mark.parametrize("kind", list(SPECIAL))
def test_an_output_that_is_not_a_regular_file_is_refused_and_left_alone(
    runner, tmp_path, example_paths, command, kind
):
    out = tmp_path / "out.yaml"
    SPECIAL[kind](out)
    before = _kinds(tmp_path)
    result = runner.invoke(app, _command(command, out, example_paths[0]))
    (line,) = assert_clean_refusal(result.exit_code, result.stderr, str(out))
    assert "regular file" in line or "open file" in line
    assert _kinds(tmp_path) == before  # nothing replaced, no schema or record beside it


def test_init_naming_dev_null_writes_no_schema_into_dev(runner):
    before = sorted(os.listdir("/dev"))
    result = runner.invoke(app, ["init", "-o", "/dev/null", "--force"])
    (line,) = assert_clean_refusal(result.exit_code, result.stderr, "/dev/null")
    assert line == ("/dev/null: is a character device, not a regular file; riskcli only "
                    "replaces regular files")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert sorted(os.listdir("/dev")) == before


def test_writing_through_dev_stdout_is_refused_with_a_pointer_to_dash(runner, example_paths):
    result = runner.invoke(app, ["report", str(example_paths[0]), "-o", "/dev/stdout",
                                 "--format", "md"])
    (line,) = assert_clean_refusal(result.exit_code, result.stderr, "/dev/stdout")
    assert "use -o - for standard output" in line


@pytest.mark.parametrize("kind", ["fifo", "socket", "link-to-fifo", "broken-link"])
def test_write_atomic_itself_refuses_what_it_must_not_replace(tmp_path, kind):
    """Commands still to come (score --sarif, card) write through write_atomic alone."""
    out = tmp_path / "out.yaml"
    SPECIAL[kind](out)
    before = _kinds(tmp_path)
    with pytest.raises(OutputFileError):
        fileio.write_atomic(out, "a: 1\n")
    assert _kinds(tmp_path) == before


# --- links to regular files are written through -----------------------------------------------


@pytest.mark.parametrize("command", ["init", "report-md", "report-html"])
def test_a_link_to_a_regular_file_is_written_through_and_kept(
    runner, tmp_path, example_paths, command
):
    real = tmp_path / "kept" / "real.out"
    real.parent.mkdir()
    real.write_text("previous\n")
    link = tmp_path / "link.out"
    link.symlink_to(real)
    result = runner.invoke(app, _command(command, link, example_paths[0]))
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == real
    assert real.read_text() != "previous\n"
    assert sorted(p.name for p in real.parent.iterdir()) == ["real.out"]  # no temporary left


def test_assess_resume_through_a_link_updates_the_real_file(
    runner, tmp_path, questionnaire, llama1_answers, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    real = tmp_path / "store" / "answers.yaml"
    real.parent.mkdir()
    incomplete = {k: v for k, v in llama1_answers.items() if k != "horizon_days"}
    from riskcli.values import coerce

    save_answers(real, questionnaire,
                 {k: coerce(questionnaire.by_id[k], v) for k, v in incomplete.items()})
    link = tmp_path / "answers.yaml"
    link.symlink_to(real)
    result = runner.invoke(app, ["assess", "-o", "answers.yaml", "--resume"], input="30\n")
    assert result.exit_code == 0, result.output
    assert link.is_symlink()
    assert yaml.safe_load(real.read_text())["answers"]["horizon_days"] == 30


# --- outputs never replace an input of the same command ---------------------------------------


def test_a_report_never_writes_over_a_file_of_its_template_folder(
    runner, tmp_path, example_paths
):
    folder = tmp_path / "templates"
    shutil.copytree(default_templates(), folder)
    target = folder / "record.html.j2"
    before = target.read_bytes()
    result = runner.invoke(app, ["report", str(example_paths[0]), "-o", str(target),
                                 "--format", "html", "--templates", str(folder)])
    (line,) = assert_clean_refusal(result.exit_code, result.stderr, str(target))
    assert f"is a file in the input folder {folder}" in line
    assert target.read_bytes() == before


def test_init_never_writes_over_its_own_questionnaire(runner, tmp_path, repo_root):
    q = tmp_path / "q.yaml"
    shutil.copyfile(repo_root / "questionnaires" / "distribution.yaml", q)
    before = q.read_bytes()
    result = runner.invoke(app, ["init", "-o", str(q), "--questionnaire", str(q), "--force"])
    (line,) = assert_clean_refusal(result.exit_code, result.stderr, str(q))
    assert "is the input file" in line
    assert q.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q.yaml"]


def test_init_never_writes_its_schema_over_its_questionnaire(runner, tmp_path, repo_root):
    q = tmp_path / "riskcli-answers.schema.json"
    shutil.copyfile(repo_root / "questionnaires" / "distribution.yaml", q)
    before = q.read_bytes()
    result = runner.invoke(app, ["init", "-o", str(tmp_path / "a.yaml"), "--questionnaire",
                                 str(q), "--force"])
    assert_clean_refusal(result.exit_code, result.stderr, str(q))
    assert q.read_bytes() == before
    assert not (tmp_path / "a.yaml").exists()


# --- names at the file system's limit ---------------------------------------------------------

@pytest.mark.parametrize(("command", "suffix"), [
    ("init", ".yaml"), ("report-md", ".md"), ("report-html", ".html")])
def test_a_long_but_legal_output_name_is_written(
    runner, tmp_path, example_paths, command, suffix
):
    out = tmp_path / ("r" * (245 - len(suffix)) + suffix)
    result = runner.invoke(app, _command(command, out, example_paths[0]))
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_temporary_names_stay_within_the_limit_and_apart(tmp_path):
    for length in (1, 200, 241, 242, 255):
        name = ("é" * length)[: length // 2] if length == 255 else "x" * length
        fileio.write_atomic(tmp_path / name, "a: 1\n")
        assert (tmp_path / name).read_text() == "a: 1\n"
    long_a, long_b = "a" * 250 + "1", "a" * 250 + "2"
    assert (fileio._temporary_prefix(long_a, tmp_path)
            != fileio._temporary_prefix(long_b, tmp_path))


# --- exclusive creation -----------------------------------------------------------------------


def test_an_exclusive_write_refuses_a_name_that_exists(tmp_path):
    out = tmp_path / "answers.yaml"
    out.write_text("someone else's\n")
    with pytest.raises(OutputFileError, match="already exists"):
        fileio.write_atomic(out, "mine\n", exclusive=True)
    assert out.read_text() == "someone else's\n"
    assert list(tmp_path.iterdir()) == [out]


def test_an_exclusive_write_loses_a_race_clearly(tmp_path, monkeypatch):
    """Two `assess` runs on one new file: the other run's first save lands while this one is
    writing its own; this one must fail, not silently replace it."""
    out = tmp_path / "answers.yaml"
    real_fsync = os.fsync

    def other_run_saves_first(fd: int) -> None:
        real_fsync(fd)
        if not out.exists():
            out.write_text("the other run's answers\n")

    monkeypatch.setattr(fileio.os, "fsync", other_run_saves_first)
    with pytest.raises(OutputFileError, match="another run"):
        fileio.write_atomic(out, "mine\n", exclusive=True)
    assert out.read_text() == "the other run's answers\n"
    assert list(tmp_path.iterdir()) == [out]


def test_an_exclusive_write_creates_a_new_file_whole(tmp_path):
    out = tmp_path / "answers.yaml"
    fileio.write_atomic(out, "a: 1\n", exclusive=True)
    assert out.read_text() == "a: 1\n"
    assert list(tmp_path.iterdir()) == [out]


# --- -o - is standard output ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_a_text_record_goes_to_stdout_with_dash(runner, tmp_path, example_paths, fmt,
                                                monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["report", str(example_paths[1]), "-o", "-", "--format", fmt])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("## Distribution decision" if fmt == "md" else "<!DOCTYPE")
    assert "decision record for" not in result.stdout
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "pdf"], "-: --format: a PDF is not written to standard output"),
    ([], "-: --format: standard output has no extension"),
])
def test_a_pdf_or_no_format_on_stdout_is_one_line(runner, tmp_path, example_paths, args,
                                                  message, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["report", str(example_paths[0]), "-o", "-", *args])
    (line,) = assert_clean_refusal(result.exit_code, result.stderr, "-")
    assert line.startswith(message)
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []
