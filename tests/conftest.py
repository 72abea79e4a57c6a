"""Fixtures every test module may use: paths, the CLI runner, the bundled questionnaire, answers.

Kept general on purpose: a new test file should find what it needs here without editing this one.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from riskcli.questionnaire import Questionnaire, load_questionnaire
from riskcli.resources import default_questionnaire
from riskcli.yamlio import load_yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES_DIR = REPO_ROOT / "examples"
LLAMA_1_EXAMPLE = EXAMPLES_DIR / "llama-1-2023.yaml"


def plain(data: Any) -> Any:
    """Plain dicts and lists (riskcli's YAML loader returns dict subclasses that carry lines)."""
    if isinstance(data, Mapping):
        return {key: plain(value) for key, value in data.items()}
    if isinstance(data, list):
        return [plain(item) for item in data]
    return data


@pytest.fixture(scope="session", autouse=True)
def _hypothesis_keeps_its_caches_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory):
    """Hypothesis writes caches under ./.hypothesis, the repo, by default; with pytest-xdist each
    worker keeps its own under its own temporary folder, so tests write nothing in the repo."""
    from hypothesis.configuration import set_hypothesis_home_dir

    set_hypothesis_home_dir(tmp_path_factory.mktemp("hypothesis"))
    yield
    set_hypothesis_home_dir(None)


@pytest.fixture(scope="session", autouse=True)
def _content_cache_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory):
    """riskcli keeps compiled content in the user's cache folder (riskcli.cache); the tests,
    and the processes they start, keep theirs in a temporary one (one per xdist worker)."""
    import os

    previous = os.environ.get("RISKCLI_CACHE_DIR")
    os.environ["RISKCLI_CACHE_DIR"] = str(tmp_path_factory.mktemp("riskcli-cache"))
    yield
    if previous is None:
        os.environ.pop("RISKCLI_CACHE_DIR", None)
    else:
        os.environ["RISKCLI_CACHE_DIR"] = previous


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return EXAMPLES_DIR


@pytest.fixture(scope="session")
def example_paths() -> list[Path]:
    """Every shipped example answers file."""
    paths = sorted(EXAMPLES_DIR.glob("*.yaml"))
    assert paths, f"no examples found in {EXAMPLES_DIR}"
    return paths


@pytest.fixture
def runner() -> CliRunner:
    """Click >= 8.2 keeps stderr apart (`result.stderr`) and mixes both into `result.output`."""
    return CliRunner()


@pytest.fixture(scope="session")
def questionnaire() -> Questionnaire:
    """The bundled standard questionnaire, loaded once. Treat it as read-only."""
    return load_questionnaire(default_questionnaire())


@pytest.fixture(scope="session")
def _llama1_answers_once() -> dict[str, Any]:
    return plain(load_yaml(LLAMA_1_EXAMPLE).data["answers"])


@pytest.fixture
def llama1_answers(_llama1_answers_once: dict[str, Any]) -> dict[str, Any]:
    """The LLaMA 1 example's answers as a fresh plain dict (dates as text): mutate freely."""
    return copy.deepcopy(_llama1_answers_once)


@pytest.fixture
def write_answers(
    tmp_path: Path, questionnaire: Questionnaire
) -> Callable[..., Path]:
    """Write an answers file into tmp_path and return its path.

    `write_answers(answers)` wraps the dict in the envelope naming the bundled questionnaire;
    `header=` replaces that envelope's `questionnaire` mapping, `name=` the file name.
    """

    def write(
        answers: Mapping[str, Any] | None,
        *,
        name: str = "answers.yaml",
        header: Mapping[str, Any] | None = None,
    ) -> Path:
        ref = dict(header) if header is not None else {
            "id": questionnaire.id, "version": questionnaire.version,
        }
        document = {"questionnaire": ref, "answers": plain(answers) if answers else answers}
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8"
        )
        return path

    return write
