"""Helpers for tests that score answers in memory (no files), shared by the scoring test modules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from riskcli.answers import resolve
from riskcli.results import ScoreResult
from riskcli.scoring import Engine, score_values
from riskcli.walk import prune


def answers_with(engine: Engine, base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict:
    """`base` with `changes` applied, dropping answers that stop applying (as `assess` does)."""
    values, problems = resolve(prune(engine.questionnaire, {**base, **changes}),
                               engine.questionnaire)
    assert not problems, problems
    return values


def score_with(engine: Engine, base: Mapping[str, Any], **changes: Any) -> ScoreResult:
    return score_values(engine, answers_with(engine, base, changes))
