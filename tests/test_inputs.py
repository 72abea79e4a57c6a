"""Which files the paths on a command line mean, the same for every command that takes paths:
folders walked in sorted order, hidden names skipped unless named, `*.yaml`/`*.yml` in any case,
links followed only inside the folder named and each folder once, and a path that cannot be read
is a problem line (exit 2) while the rest are still used."""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import pytest
from hostile_helpers import assert_clean_refusal

from riskcli.batch import expand_paths as batch_expand_paths
from riskcli.cli.app import app
from riskcli.inputs import expand_paths

NOT_ANSWERS = "questionnaire: {id: distribution, version: '1.0'}\nanswers:\n  SECRET_KEY_1: 1\n"
"""A YAML file that is not an answers file: were it read, its key would be echoed back."""


def _scored(runner, *args: str | Path) -> tuple[int, list[str], str]:
    """Exit code, the files scored (from the JSON), and stderr."""
    result = runner.invoke(app, ["score", "--format", "json", *map(str, args)])
    files = [r["file"] for r in json.loads(result.stdout)["results"]] if result.stdout else []
    return result.exit_code, files, result.stderr


def _copy(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


@pytest.fixture
def repo(tmp_path, example_paths, monkeypatch) -> Path:
    """A repository as teams have them: answers beside CI config, a virtualenv and git."""
    monkeypatch.chdir(tmp_path)
    _copy(example_paths[0], tmp_path / "answers" / "gpt2.yaml")
    _copy(example_paths[1], tmp_path / "answers" / "LLAMA.YAML")
    _copy(example_paths[2], tmp_path / "answers" / "next" / "llama2.Yml")
    for hidden in (".github/workflows/ci.yml", ".venv/lib/site-packages/pkg/config.yaml",
                   ".pre-commit-config.yaml", ".git/x.yaml", "answers/.draft.yaml"):
        (tmp_path / hidden).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / hidden).write_text(NOT_ANSWERS)
    (tmp_path / "README.md").write_text("# not YAML\n")
    return tmp_path


# --- walking ----------------------------------------------------------------------------------


def test_score_dot_in_a_repository_scores_only_the_answers_files(runner, repo):
    code, files, stderr = _scored(runner, ".")
    assert (code, stderr) == (0, "")
    assert files == ["answers/LLAMA.YAML", "answers/gpt2.yaml", "answers/next/llama2.Yml"]


def test_a_hidden_folder_or_file_named_directly_is_read(runner, repo):
    code, files, stderr = _scored(runner, ".github", "answers/.draft.yaml")
    assert code == 2
    assert f"{Path('.github/workflows/ci.yml')}: SECRET_KEY_1: unknown key" in stderr
    assert "answers/.draft.yaml: SECRET_KEY_1: unknown key" in stderr
    assert files == []


def test_folders_are_walked_depth_first_in_sorted_order(tmp_path):
    for name in ("b.yaml", "a/z.yaml", "a.yaml", "a/b/c.yml", "A.YAML", "a-b.yaml", "c.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x: 1\n")
    files, problems = expand_paths([tmp_path])
    assert problems == []
    assert [f.relative_to(tmp_path).as_posix() for f in files] == [
        "A.YAML", "a/b/c.yml", "a/z.yaml", "a-b.yaml", "a.yaml", "b.yaml"]


def test_batch_keeps_the_walk_it_always_had(tmp_path):
    """`riskcli.batch.expand_paths` is the same walk, for code that imports it from there."""
    (tmp_path / "a.yaml").write_text("x: 1\n")
    assert batch_expand_paths([tmp_path, tmp_path / "named.txt"]) == (
        [tmp_path / "a.yaml", tmp_path / "named.txt"], [])


def test_a_folder_with_no_answers_file_is_a_problem(runner, tmp_path):
    (tmp_path / ".hidden.yaml").write_text(NOT_ANSWERS)
    code, files, stderr = _scored(runner, tmp_path)
    assert files == []
    (line,) = assert_clean_refusal(code, stderr, str(tmp_path))
    assert "folder holds no *.yaml or *.yml file" in line


def test_a_very_deep_tree_is_walked_without_recursion(tmp_path, example_paths):
    deep = str(tmp_path)
    for _ in range(1200):  # os.makedirs would recurse once per level itself
        deep += "/d"
        os.mkdir(deep)
    shutil.copyfile(example_paths[0], deep + "/a.yaml")
    try:
        files, problems = expand_paths([tmp_path])
        assert (files, problems) == ([Path(deep, "a.yaml")], [])
    finally:  # pytest's own clean-up (shutil.rmtree) recurses once per level too
        os.unlink(deep + "/a.yaml")
        while deep != str(tmp_path):
            os.rmdir(deep)
            deep = os.path.dirname(deep)


@pytest.mark.parametrize("command", ["score", "validate"])
def test_validate_and_score_take_the_same_folders(runner, repo, command):
    result = runner.invoke(app, [command, "."])
    assert result.exit_code == 0, result.output
    if command == "validate":
        assert result.stdout.splitlines() == [
            "answers/LLAMA.YAML: ok", "answers/gpt2.yaml: ok", "answers/next/llama2.Yml: ok"]


# --- what cannot be read ----------------------------------------------------------------------


@pytest.fixture
def unreadable(monkeypatch):
    """Make paths unreadable as the OS would say it. Tests run as root in CI containers, where
    chmod 000 stops nothing, so the refusal is simulated where riskcli meets it: listing a
    folder, opening a file."""
    denied: set[str] = set()
    real_scandir, real_open = os.scandir, Path.open

    def scandir(path=".", *args, **kwargs):
        if os.path.abspath(path) in denied:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real_scandir(path, *args, **kwargs)

    def path_open(self, *args, **kwargs):
        if os.path.abspath(self) in denied:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(Path, "open", path_open)

    def deny(path: Path) -> Path:
        denied.add(os.path.abspath(path))
        return path

    return deny


@pytest.mark.parametrize("command", ["score", "validate"])
def test_an_unreadable_subfolder_is_a_problem_and_the_rest_are_still_read(
    runner, repo, unreadable, command
):
    unreadable(repo / "answers" / "next")
    result = runner.invoke(app, [command, "."])
    assert result.exit_code == 2
    assert result.stderr == "answers/next: cannot be read: Permission denied\n"
    assert "answers/gpt2.yaml" in result.stdout and "answers/LLAMA.YAML" in result.stdout


@pytest.mark.parametrize("command", ["score", "validate"])
def test_an_unreadable_file_named_directly_is_a_problem_and_the_rest_are_still_read(
    runner, repo, unreadable, command
):
    unreadable(repo / "answers" / "gpt2.yaml")
    result = runner.invoke(app, [command, "answers/gpt2.yaml", "answers/LLAMA.YAML"])
    assert result.exit_code == 2
    assert result.stderr == "answers/gpt2.yaml: cannot be read: Permission denied\n"
    assert "answers/LLAMA.YAML" in result.stdout


def test_a_fifo_in_a_folder_is_a_problem_never_read(runner, repo):
    """Opening a FIFO blocks until something writes to it: `score .` would hang forever."""
    os.mkfifo(repo / "answers" / "pipe.yaml")
    code, files, stderr = _scored(runner, ".")
    (line,) = assert_clean_refusal(code, stderr, "answers/pipe.yaml")
    assert "is not a regular file" in line
    assert len(files) == 3


# --- links ------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["score", "validate"])
def test_a_link_to_a_file_outside_the_folder_is_not_followed(runner, repo, tmp_path_factory,
                                                             command):
    outside = tmp_path_factory.mktemp("elsewhere") / "secret.yaml"
    outside.write_text(NOT_ANSWERS)
    (repo / "answers" / "leak.yaml").symlink_to(outside)
    result = runner.invoke(app, [command, "answers"])
    (line,) = assert_clean_refusal(result.exit_code, result.stderr, "answers/leak.yaml")
    assert "is a link to a file outside answers; not followed" in line
    assert "SECRET_KEY" not in result.output
    assert "answers/gpt2.yaml" in result.stdout


def test_a_link_to_a_folder_outside_is_not_followed_but_one_named_directly_is(
    runner, repo, tmp_path_factory, example_paths
):
    outside = tmp_path_factory.mktemp("elsewhere")
    _copy(example_paths[0], outside / "other.yaml")
    (repo / "answers" / "more").symlink_to(outside, target_is_directory=True)
    code, files, stderr = _scored(runner, "answers")
    (line,) = assert_clean_refusal(code, stderr, "answers/more")
    assert "is a link to a folder outside answers; not followed" in line
    code, files, stderr = _scored(runner, "answers/more")
    assert (code, files) == (0, ["answers/more/other.yaml"])


def test_links_inside_the_folder_are_followed_once(runner, repo):
    """Each file and folder is read once, under the first name the sorted walk meets."""
    (repo / "answers" / "latest.yaml").symlink_to("gpt2.yaml")
    (repo / "answers" / "alias").symlink_to("next", target_is_directory=True)
    code, files, stderr = _scored(runner, "answers")
    assert (code, stderr) == (0, "")
    assert files == ["answers/LLAMA.YAML", "answers/alias/llama2.Yml", "answers/gpt2.yaml"]


def test_a_link_loop_is_reported_and_the_rest_are_still_read(runner, repo):
    (repo / "answers" / "next" / "up").symlink_to("..", target_is_directory=True)
    (repo / "answers" / "self.yaml").symlink_to("self.yaml")
    code, files, stderr = _scored(runner, ".")
    lines = assert_clean_refusal(code, stderr, "answers/", lines=2)
    assert lines == ["answers/next/up: is a link back to a folder it is in (a loop); not followed",
                     "answers/self.yaml: is a broken link; not followed"]
    assert files == ["answers/LLAMA.YAML", "answers/gpt2.yaml", "answers/next/llama2.Yml"]


# --- every command that takes a path ----------------------------------------------------------


def _path_command(command: str, path: Path, other: Path) -> list[str]:
    return {
        "score": ["score", str(path), str(other)],
        "validate": ["validate", str(path), str(other)],
        "report": ["report", str(path), "-o", str(path.parent / "record.md")],
        "diff": ["diff", str(other), str(path)],
        "levers": ["levers", str(path)],
        "card": ["card", str(path.parent / "README.md"), str(path), "--create"],
    }[command]


@pytest.mark.parametrize("command", ["score", "validate", "report", "diff", "levers", "card"])
@pytest.mark.parametrize("what", ["missing", "unreadable", "empty-folder"])
def test_a_path_that_cannot_be_read_is_one_clean_problem_in_every_command(
    runner, tmp_path, example_paths, unreadable, command, what
):
    path = tmp_path / "answers.yaml"
    if what == "unreadable":
        unreadable(_copy(example_paths[0], path))
    elif what == "empty-folder":
        path.mkdir()
    other = _copy(example_paths[0], tmp_path / "other" / "b.yaml")
    result = runner.invoke(app, _path_command(command, path, other))
    assert_clean_refusal(result.exit_code, result.stderr, str(path))
    assert not (tmp_path / "record.md").exists()
    assert not (tmp_path / "README.md").exists()
