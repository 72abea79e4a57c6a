"""Many answers files at once: folders expanded in a stable order, errors never stop the batch."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from riskcli.errors import Problem, RiskcliError
from riskcli.results import ScoreResult
from riskcli.scoring import Engine, score_file

YAML_SUFFIXES = (".yaml", ".yml")


def expand_paths(paths: Sequence[Path]) -> tuple[list[Path], list[Problem]]:
    """Files as given; folders walked recursively for *.yaml/*.yml in sorted order."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file())
            if not found:
                problems.append(Problem(str(path), "", "folder holds no *.yaml or *.yml file"))
            files.extend(found)
        else:
            files.append(path)
    return files, problems


def score_many(engine: Engine, files: Sequence[Path]) -> tuple[list[ScoreResult], list[Problem]]:
    results: list[ScoreResult] = []
    problems: list[Problem] = []
    for path in files:
        try:
            results.append(score_file(engine, path))
        except RiskcliError as exc:
            problems.extend(exc.problems)
    return results, problems
