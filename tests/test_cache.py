"""The content cache (riskcli.cache): what it serves is what a run without it computes, and it
never serves content that was edited, built by other code, or tampered with."""

from __future__ import annotations

import json
import os
import pickle
import shutil
from pathlib import Path

import pytest

from riskcli import cache
from riskcli.cli.app import app
from riskcli.resources import default_questionnaire, default_rules, default_templates
from riskcli.scoring import load_engine

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.yaml"))


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("RISKCLI_CACHE_DIR", str(folder))
    monkeypatch.delenv("RISKCLI_NO_CACHE", raising=False)
    return folder


@pytest.fixture
def content(tmp_path: Path) -> tuple[Path, Path]:
    """A private copy of the bundled questionnaire and pack, free to edit."""
    questionnaire = tmp_path / "distribution.yaml"
    rules = tmp_path / "rules.yaml"
    shutil.copyfile(default_questionnaire(), questionnaire)
    shutil.copyfile(default_rules(), rules)
    return questionnaire, rules


def _entries(folder: Path, kind: str = "engine") -> list[Path]:
    return sorted(folder.glob(f"{kind}-*.pickle"))


def _run(runner, args: list[str]) -> tuple[str, str, int]:
    result = runner.invoke(app, args)
    return result.stdout, result.stderr, result.exit_code


def test_every_output_is_the_same_from_the_cache_as_without_it(
        runner, cache_dir, monkeypatch, tmp_path):
    commands = [
        ["score", *map(str, EXAMPLES), "--format", "json"],
        ["score", *map(str, EXAMPLES)],
        ["levers", str(EXAMPLES[0])],
        ["report", str(EXAMPLES[0]), "-o", "-", "--format", "html"],
        ["report", str(EXAMPLES[0]), "-o", "-", "--format", "md"],
    ]
    monkeypatch.setenv("RISKCLI_NO_CACHE", "1")
    without = [_run(runner, args) for args in commands]
    assert not cache_dir.exists(), "RISKCLI_NO_CACHE=1 must not create the cache"
    monkeypatch.delenv("RISKCLI_NO_CACHE")
    filled = [_run(runner, args) for args in commands]  # builds and stores
    served = [_run(runner, args) for args in commands]  # served from the entries
    assert _entries(cache_dir) and _entries(cache_dir, "template-html")
    assert _entries(cache_dir, "template-md")
    assert filled == without
    assert served == without
    assert json.loads(served[0][0])["results"], "the comparison must hold real results"


def test_an_entry_is_served_without_building_again(cache_dir, content, monkeypatch):
    questionnaire, rules = content
    first = load_engine(questionnaire, rules)
    monkeypatch.setattr("riskcli.scoring.build_rules", _must_not_build)
    again = load_engine(questionnaire, rules)
    assert again.rules == first.rules and again.questionnaire == first.questionnaire
    assert again.rules is not first.rules


def _must_not_build(*args, **kwargs):
    raise AssertionError("built again although the cache holds this content")


def test_edited_content_is_never_served_stale(cache_dir, content):
    questionnaire, rules = content
    before = load_engine(questionnaire, rules)
    text = rules.read_text("utf-8")
    assert before.rules.rules[0].title in text
    rules.write_text(text.replace(before.rules.rules[0].title, "An edited title", 1), "utf-8")
    after = load_engine(questionnaire, rules)
    assert after.rules.rules[0].title == "An edited title"
    q_text = questionnaire.read_text("utf-8")
    prompt = after.questionnaire.questions[0].prompt
    questionnaire.write_text(q_text.replace(prompt, "An edited prompt?", 1), "utf-8")
    assert load_engine(questionnaire, rules).questionnaire.questions[0].prompt == (
        "An edited prompt?")
    assert len(_entries(cache_dir)) == 3


def test_an_edited_template_is_never_served_stale(runner, cache_dir, tmp_path):
    folder = tmp_path / "templates"
    shutil.copytree(default_templates(), folder)
    args = ["report", str(EXAMPLES[0]), "-o", "-", "--format", "md", "--templates", str(folder)]
    assert "Edited heading" not in runner.invoke(app, args).stdout
    card = folder / "model_card.md.j2"
    card.write_text("## Edited heading\n" + card.read_text("utf-8"), "utf-8")
    assert runner.invoke(app, args).stdout.startswith("## Edited heading")


def test_other_code_never_reads_an_entry(cache_dir, monkeypatch):
    """A new riskcli (or Python, pydantic, Jinja2) makes new keys: an entry from other code is
    not read, let alone unpickled."""
    builds = []
    sources = [("a.yaml", b"x: 1\n")]
    assert cache.cached("test", sources, lambda: builds.append(1) or "built") == "built"
    assert cache.cached("test", sources, lambda: builds.append(2) or "built") == "built"
    assert builds == [1]
    monkeypatch.setattr(cache, "code_fingerprint", lambda: b"another version")
    assert cache.cached("test", sources, lambda: builds.append(3) or "rebuilt") == "rebuilt"
    assert builds == [1, 3]


def test_an_edit_to_any_module_changes_the_code_fingerprint(tmp_path):
    package = tmp_path / "riskcli"
    (package / "report").mkdir(parents=True)
    (package / "scoring.py").write_text("A = 1\n")
    (package / "report" / "pdf.py").write_text("B = 1\n")
    first = cache.code_fingerprint(package)
    cache._fingerprints.clear()
    assert cache.code_fingerprint(package) == first
    cache._fingerprints.clear()
    (package / "report" / "pdf.py").write_text("B = 22\n")
    assert cache.code_fingerprint(package) != first
    cache._fingerprints.clear()


@pytest.mark.parametrize("tamper", ["flip-a-byte", "truncate", "swap-entries", "forge"])
def test_a_tampered_entry_is_refused_and_never_unpickled(cache_dir, tmp_path, tamper):
    marker = tmp_path / "unpickled"
    sources, other = [("a.yaml", b"x: 1\n")], [("b.yaml", b"x: 2\n")]
    cache.cached("test", sources, lambda: "good a")
    cache.cached("test", other, lambda: "good b")
    entry_a = _entry_of(cache_dir, "test", sources)
    entry_b = _entry_of(cache_dir, "test", other)
    data = entry_a.read_bytes()
    if tamper == "flip-a-byte":
        entry_a.write_bytes(data[:-3] + bytes([data[-3] ^ 1]) + data[-2:])
    elif tamper == "truncate":
        entry_a.write_bytes(data[: len(data) // 2])
    elif tamper == "swap-entries":
        entry_a.write_bytes(entry_b.read_bytes())
    else:  # a payload that would run code when unpickled, under a MAC made with another key
        payload = pickle.dumps(_Touch(str(marker)))
        forged = cache.FORMAT + cache._mac(os.urandom(32), entry_a.name, payload) + payload
        entry_a.write_bytes(forged)
    assert cache.cached("test", sources, lambda: "rebuilt a") == "rebuilt a"
    assert not marker.exists()
    assert cache.cached("test", sources, lambda: "not used") == "rebuilt a", "stored again"


class _Touch:
    """Unpickling this creates a file: the proof a payload ran."""

    def __init__(self, path: str):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))


def _entry_of(folder: Path, kind: str, sources) -> Path:
    return folder / f"{kind}-{cache._key(kind, sources)}.pickle"


def test_a_key_others_can_read_turns_the_cache_off(cache_dir):
    builds = []
    cache.cached("test", [("a", b"1")], lambda: builds.append(1))
    key = cache_dir / cache.KEY_FILE
    key.chmod(0o644)
    cache.cached("test", [("b", b"2")], lambda: builds.append(2))
    cache.cached("test", [("b", b"2")], lambda: builds.append(3))
    assert builds == [1, 2, 3]
    assert len(_entries(cache_dir, "test")) == 1


def test_the_key_is_private_and_the_folder_safe_to_delete(cache_dir, content):
    questionnaire, rules = content
    load_engine(questionnaire, rules)
    assert (cache_dir / cache.KEY_FILE).stat().st_mode & 0o077 == 0
    shutil.rmtree(cache_dir)
    assert load_engine(questionnaire, rules).rules.id == load_engine().rules.id
    assert _entries(cache_dir)


def test_the_folder_follows_the_platform_conventions(monkeypatch, tmp_path):
    monkeypatch.delenv("RISKCLI_CACHE_DIR", raising=False)
    monkeypatch.delenv("RISKCLI_NO_CACHE", raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "riskcli"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "riskcli"
    monkeypatch.setenv("RISKCLI_NO_CACHE", "1")
    assert cache.cache_dir() is None
