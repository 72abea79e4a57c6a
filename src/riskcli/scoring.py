"""Scoring: answers in, one ScoreResult out. The questionnaire and rules are loaded and compiled
once per run (an Engine), so scoring a folder of files costs one YAML parse and a few arithmetic
operations per file."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from riskcli.answers import load_answers
from riskcli.decision import DecisionBlock, settle
from riskcli.errors import AnswersError, ConditionError, InputFileError, ModelError, Problem
from riskcli.exposure import compute_exposure, fired_rules
from riskcli.perpack import per_pack
from riskcli.questionnaire import Questionnaire, build_questionnaire, load_questionnaire
from riskcli.recommendation import (
    Variant,
    assess_options,
    concerning,
    downloads,
    findings_from,
    plan_of,
    recommend,
    variant_for,
)
from riskcli.resources import default_questionnaire, default_rules
from riskcli.results import Ref, ScoreResult
from riskcli.rulepack import RulePack, build_rules, load_rules
from riskcli.values import to_plain
from riskcli.walk import prune
from riskcli.yamlio import parse_yaml, read_bytes


class Engine(NamedTuple):
    questionnaire: Questionnaire
    rules: RulePack
    interval: float | None = None
    """Width of the printed intervals; None: the pack's `model.interval`."""


def load_engine(questionnaire_path: Path | str | None = None,
                rules_path: Path | str | None = None, interval: float | None = None) -> Engine:
    """The questionnaire and the pack, checked and compiled; from `riskcli.cache` when these
    bytes were checked before by the same code."""
    from riskcli.cache import cached

    q_path = questionnaire_path or default_questionnaire()
    r_path = rules_path or default_rules()
    try:
        q_raw, r_raw = read_bytes(q_path), read_bytes(r_path)
    except InputFileError:  # the loaders say what is wrong, in their order
        questionnaire = load_questionnaire(q_path)
        return Engine(questionnaire, load_rules(r_path, questionnaire), interval)

    def build() -> tuple[Questionnaire, RulePack]:
        questionnaire = build_questionnaire(parse_yaml(q_raw, str(q_path)), str(q_path))
        pack = build_rules(parse_yaml(r_raw, str(r_path)), questionnaire, str(r_path))
        for source in pack.model.sources:
            _ = source.relative_hazards  # seeded draws, made once here and kept with the pack
        return questionnaire, pack

    questionnaire, rules = cached("engine", [(str(q_path), q_raw), (str(r_path), r_raw)], build)
    return Engine(questionnaire, rules, interval)


def score_values(engine: Engine, values: Mapping[str, Any], *, file: str = "<answers>",
                 sha256: str = "", decision: DecisionBlock | None = None) -> ScoreResult:
    """Score checked answers (as `load_answers` or `resolve` return them): every option as
    itself, the recommendation, and the decision's mode under consideration."""
    pack, q = engine.rules, engine.questionnaire
    try:
        answered = _variant(engine, values)
        hosted = answered
        if downloads(pack, values):
            kept_hosted = prune(q, {**values, pack.keys.downloads: False})
            hosted = _variant(engine, kept_hosted, derived=True)
        plan = plan_of(pack, values)
        recommendation = recommend(pack, answered, hosted, plan)
        options = assess_options(pack, answered, hosted, plan, recommendation.mode)
    except (ConditionError, ModelError) as exc:
        raise AnswersError(Problem(file, "", f"cannot be scored with {pack.id}: {exc}",
                                   code="model")) from None
    settled = settle(decision, pack, plan, recommendation.mode, file)
    chosen = pack.options[settled.mode]
    considered = concerning(settled.mode, variant_for(chosen, answered, hosted).fired)
    return ScoreResult.model_construct(
        file=file,
        questionnaire=per_pack(q, _ref),
        rules=per_pack(pack, _ref),
        answers_sha256=sha256,
        answers={key: to_plain(value) for key, value in values.items()},
        exposure=answered.exposure,
        options=options,
        recommendation=recommendation,
        decision=settled,
        findings=findings_from(pack, considered, values),
    )


def _ref(content: Questionnaire | RulePack) -> Ref:
    """The same (frozen) reference in every result of a run."""
    return Ref.model_construct(id=content.id, version=content.version)


def _variant(engine: Engine, values: Mapping[str, Any], derived: bool = False) -> Variant:
    """The answers scored; a derived variant (the hosted option) keeps only its figures."""
    fired = fired_rules(engine.rules, values, derived=derived)
    exposure = compute_exposure(engine.rules, values, fired, engine.interval,
                                detailed=not derived)
    return Variant(values, fired, exposure)


Warn = Callable[[Problem], None]


def score_file(engine: Engine, path: Path | str, *, sets: Mapping[str, Any] | None = None,
               strict: bool = False, warn: Warn | None = None) -> ScoreResult:
    """One answers file as the commands score it: the `--set` answers laid over the file's, and
    each answer ignored because its question does not apply handed to `warn` (with `strict`,
    an error instead)."""
    answers = load_answers(path, engine.questionnaire, sets=sets, strict=strict)
    if warn is not None:
        for warning in answers.warnings:
            warn(warning)
    return score_values(engine, answers.values, file=answers.path, sha256=answers.sha256,
                        decision=answers.decision)
