"""Scoring: answers in, one ScoreResult out. The questionnaire and rules are loaded and compiled
once per run (an Engine), so scoring a folder of files costs one YAML parse and a few arithmetic
operations per file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from riskcli.answers import load_answers
from riskcli.errors import AnswersError, ConditionError, ModelError, Problem
from riskcli.exposure import compute_exposure, fired_rules
from riskcli.questionnaire import Questionnaire, load_questionnaire
from riskcli.recommendation import compare_options, findings_from, recommend
from riskcli.resources import default_questionnaire, default_rules
from riskcli.results import Ref, ScoreResult
from riskcli.rulepack import RulePack, load_rules
from riskcli.values import to_plain


@dataclass(frozen=True)
class Engine:
    questionnaire: Questionnaire
    rules: RulePack
    interval: float | None = None
    """Width of the printed intervals; None: the pack's `model.interval`."""


def load_engine(questionnaire_path: Path | str | None = None,
                rules_path: Path | str | None = None, interval: float | None = None) -> Engine:
    questionnaire = load_questionnaire(questionnaire_path or default_questionnaire())
    return Engine(questionnaire, load_rules(rules_path or default_rules(), questionnaire),
                  interval)


def score_values(engine: Engine, values: Mapping[str, Any], *, file: str = "<answers>",
                 sha256: str = "") -> ScoreResult:
    """Score checked answers (as `load_answers` or `resolve` return them)."""
    pack, q = engine.rules, engine.questionnaire
    try:
        fired = fired_rules(pack, values)
        exposure = compute_exposure(pack, values, fired, engine.interval)
        options = compare_options(pack, values, exposure, fired)
        recommendation = recommend(pack, values, exposure, fired)
    except (ConditionError, ModelError) as exc:
        raise AnswersError(Problem(file, "", f"cannot be scored with {pack.id}: {exc}")) from None
    return ScoreResult.model_construct(
        file=file,
        questionnaire=Ref.model_construct(id=q.id, version=q.version),
        rules=Ref.model_construct(id=pack.id, version=pack.version),
        answers_sha256=sha256,
        answers={key: to_plain(value) for key, value in values.items()},
        exposure=exposure,
        options=options,
        recommendation=recommendation,
        findings=findings_from(fired, values),
    )


def score_file(engine: Engine, path: Path | str) -> ScoreResult:
    answers = load_answers(path, engine.questionnaire)
    return score_values(engine, answers.values, file=answers.path, sha256=answers.sha256)
