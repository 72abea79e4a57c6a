"""JSON Schema of an answers file, derived from the questionnaire so editors and CI agree with it.

Conditional questions cannot be required in a flat schema, so only unconditional required questions
without a default are listed as required; `riskcli validate` remains the full check.
"""

from __future__ import annotations

from typing import Any

from riskcli.questionnaire import Question, Questionnaire
from riskcli.values import to_plain

_SCALARS = {
    "bool": {"type": "boolean"},
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "text": {"type": "string"},
    "date": {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
}


def answers_schema(questionnaire: Questionnaire) -> dict[str, Any]:
    required = [q.id for q in questionnaire.questions
                if q.required and q.when is None and q.default is None]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:riskcli:answers:{questionnaire.id}:{questionnaire.version}",
        "title": f"riskcli answers: {questionnaire.title}",
        "type": "object",
        "additionalProperties": False,
        "required": ["questionnaire", "answers"],
        "properties": {
            "questionnaire": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "version"],
                "properties": {
                    "id": {"const": questionnaire.id},
                    "version": {"const": questionnaire.version},
                },
            },
            "answers": {
                "type": "object",
                "additionalProperties": False,
                "required": required,
                "properties": {q.id: question_schema(q) for q in questionnaire.questions},
            },
            "decision": DECISION,
        },
    }


_DATE = _SCALARS["date"]
DECISION: dict[str, Any] = {
    "title": "The decision: the option chosen, who approved it and when, and accepted risks",
    "description": "Leave out `mode` while the decision is only proposed. The option ids and "
                   "finding ids come from the rule pack (`riskcli rules`).",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "mode": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*$"},
        "approved_by": {"type": "string", "minLength": 1},
        "approved_on": _DATE,
        "accepted_risks": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "required": ["finding", "reason", "owner", "expires"],
            "properties": {"finding": {"type": "string", "pattern": r"^[a-z][a-z0-9-]*$"},
                           "reason": {"type": "string", "minLength": 1},
                           "owner": {"type": "string"}, "expires": _DATE}}},
    },
    "dependentRequired": {"mode": ["approved_by", "approved_on"]},
}


def question_schema(question: Question) -> dict[str, Any]:
    schema: dict[str, Any] = {"title": question.prompt}
    if question.help:
        schema["description"] = question.help
    if question.type == "choice":
        schema["enum"] = question.choice_values
    elif question.type == "multi_choice":
        schema.update(type="array", uniqueItems=True, items={"enum": question.choice_values})
    else:
        schema.update(_SCALARS[question.type])
    bounds: dict[str, Any] = {}
    if question.min is not None:
        bounds["exclusiveMinimum" if question.min_exclusive else "minimum"] = _number(question.min)
    if question.max is not None:
        bounds["maximum"] = _number(question.max)
    schema.update(bounds)
    if question.estimable:
        # An estimate {low, high}: both ends within the bounds and above zero (low < high is
        # checked by `riskcli validate`; JSON Schema cannot compare two values).
        end = {**_SCALARS[question.type], **bounds, "exclusiveMinimum": 0}
        end.pop("minimum", None)
        number = {key: schema.pop(key) for key in ("type", *bounds) if key in schema}
        schema["oneOf"] = [number, {
            "type": "object", "additionalProperties": False, "required": ["low", "high"],
            "properties": {"low": end, "high": end}}]
    if question.default is not None:
        schema["default"] = to_plain(question.default)
    return schema


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value
