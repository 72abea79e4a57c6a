"""Helpers for tests that score answers in memory (no files), shared by the scoring test modules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from riskcli.answers import resolve
from riskcli.results import ScoreResult
from riskcli.scoring import Engine, score_values


def answers_with(engine: Engine, base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict:
    """`base` with `changes` applied, dropping answers that stop applying (as `assess` does)."""
    given = {**base, **changes}
    questionnaire = engine.questionnaire
    kept: dict[str, Any] = {}
    for question in questionnaire.questions:
        so_far, _ = resolve(kept, questionnaire)
        if question.id in given and questionnaire.applies(question, so_far):
            kept[question.id] = given[question.id]
    values, problems = resolve(kept, questionnaire)
    assert not problems, problems
    return values


def score_with(engine: Engine, base: Mapping[str, Any], **changes: Any) -> ScoreResult:
    return score_values(engine, answers_with(engine, base, changes))
