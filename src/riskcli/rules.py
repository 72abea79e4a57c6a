"""Loading a rule pack against a questionnaire: every cross-reference checked, every problem listed.

`riskcli lint` is this loader run for its problems, so an organisation maintaining its own pack gets
the whole list in one go rather than one error per edit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from riskcli.conditions import compile_condition, literal_comparisons
from riskcli.errors import ConditionError, Problem, RulesError
from riskcli.models import validate_document
from riskcli.questionnaire import Questionnaire
from riskcli.rulepack import RulePack
from riskcli.yamlio import line_of, load_yaml


def load_rules(path: Path | str, questionnaire: Questionnaire) -> RulePack:
    loaded = load_yaml(path)
    return build_rules(loaded.data, questionnaire, loaded.path)


def build_rules(data: Any, questionnaire: Questionnaire, name: str) -> RulePack:
    pack = validate_document(RulePack, data, name, RulesError, "id, version, model, rules")
    problems = _cross_check(pack, questionnaire, data, name)
    if problems:
        raise RulesError(problems)
    return pack


def _cross_check(pack: RulePack, q: Questionnaire, data: dict, name: str) -> list[Problem]:
    problems: list[Problem] = []

    def problem(key: str, message: str, line: int | None = None) -> None:
        problems.append(Problem(name, key, message, line))

    if pack.questionnaire != q.id:
        problem("questionnaire", f"rules are written for questionnaire {pack.questionnaire}, "
                f"but the questionnaire is {q.id}", line_of(data, "questionnaire"))
    _check_keys(pack, q, problem)
    seen: set[str] = set()
    raw_rules = data.get("rules") or []
    for rule, raw in zip(pack.rules, raw_rules, strict=True):
        key = f"rule {rule.id}"
        if rule.id in seen:
            problem(key, "id is used twice", line_of(raw, "id"))
        seen.add(rule.id)
        if rule.effect and rule.effect.factor not in pack.factor:
            problem(f"{key}: effect.factor", f"unknown factor {rule.effect.factor!r} (the model "
                    f"has: {', '.join(pack.factor)})", line_of(raw, "effect"))
        _compile(pack, q, f"rule:{rule.id}", rule.when, f"{key}: when", problem,
                 line_of(raw, "when"))
    for source in pack.model.sources:
        key = f"model.sources {source.id}"
        question = q.by_id.get(source.population)
        if question is None or question.type != "int":
            problem(f"{key}: population", f"{source.population!r} is not a whole-number question "
                    "of the questionnaire")
        if source.when is not None:
            _compile(pack, q, f"source:{source.id}", source.when, f"{key}: when", problem)
    policy = pack.recommendation
    _compile(pack, q, "acceptable", policy.public_weights_acceptable,
             "recommendation.public_weights_acceptable", problem)
    for outcome_name in ("pivot", "hosted", "gated"):
        outcome = getattr(policy, outcome_name)
        for index, extra in enumerate(outcome.extra_reasons):
            _compile(pack, q, f"{outcome_name}:extra:{index}", extra.when,
                     f"recommendation.{outcome_name}.extra_reasons[{index}]: when", problem)
    return problems


def _check_keys(pack: RulePack, q: Questionnaire, problem) -> None:
    wanted = {"horizon": ("int",), "intended_mode": ("choice",), "misuse_severity": ("choice",)}
    for role, types in wanted.items():
        key = getattr(pack.keys, role)
        question = q.by_id.get(key)
        if question is None or question.type not in types:
            problem(f"keys.{role}", f"{key!r} is not a {types[0]} question of the questionnaire")


def _compile(pack: RulePack, q: Questionnaire, slot: str, source: str | bool, key: str,
             problem, line: int | None = None) -> None:
    try:
        condition = compile_condition(source, q.by_id)
    except ConditionError as exc:
        problem(key, str(exc), line)
        return
    for answer_key, literal in literal_comparisons(condition):
        question = q.by_id[answer_key]
        if question.choices and literal not in question.choice_values:
            problem(key, f"compares {answer_key} with {literal!r}, which is not one of its choices "
                    f"({', '.join(question.choice_values)}); the rule could never fire", line)
    pack.conditions[slot] = condition
