"""JSON Schema of an answers file, derived from the questionnaire so editors and CI agree with it.

The schema says what `riskcli validate` says, file for file, as far as JSON Schema can: a value
is refused by both or by neither, an answer is required exactly when its question applies (each
`when` translated into `if`/`then`), exclusive choices stand alone, and a blank answer (null) is
an unanswered question. What JSON Schema cannot express is named in the schema's descriptions
(`LIMITS`, and any condition it cannot translate), and `riskcli validate` remains the full check;
`tests/test_schema_agreement.py` holds the two to the same verdict on a corpus of files.

A condition is translated into two schemas, one holding when it is true and one when it is false;
a document matching neither is one where validate cannot judge it (it reads an answer that is
missing or wrong, already an error of its own), and then, as in validate, nothing is required.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jinja2 import nodes

from riskcli.answers import resolve
from riskcli.questionnaire import Question, Questionnaire
from riskcli.terminal import BIDI_CONTROLS
from riskcli.values import CONTROL_CHARACTERS, MAX_TEXT_CHARS, MAX_WHOLE_NUMBER, to_plain

Schema = dict[str, Any] | bool

DATE_PATTERN = (
    r"^(?!0000)(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    r"|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))"
    r"|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)$"
)
"""A real calendar date as YYYY-MM-DD (leap years included, year 0000 excluded): what
`values` accepts, so an editor flags 2023-02-30 as validate does."""

LIMITS = (
    "riskcli validate checks three things this schema cannot: an estimate {low, high} needs low "
    "below high (JSON Schema cannot compare two values); a number may not be .nan (JSON has no "
    "NaN); and a plain number YAML 1.1 reads differently from YAML 1.2 (0200, 1:00:00, 1_000) is "
    "refused as written, where this schema only sees the number an editor read."
)
"""Said in the schema and in docs/guide.md; each has a file in tests/schema_corpus/ that the two
checks are expected to judge differently."""

_BIDI = "".join(f"\\u{ord(c):04x}" for c in sorted(BIDI_CONTROLS))
"""Refused in text as values.py refuses them, written as escapes both regex dialects read."""
_BLANK: dict[str, Any] = {"not": {"type": "string", "pattern": r"^\s*$"}}
"""Required text may not be blank (values.py); null, a question left unanswered, is not text."""
_SCALARS: dict[str, dict[str, Any]] = {
    "bool": {"type": "boolean"},
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "text": {"type": "string", "maxLength": MAX_TEXT_CHARS,
             "pattern": f"^[^{CONTROL_CHARACTERS.pattern[1:-1]}{_BIDI}]*$"},
    "date": {"type": "string", "format": "date", "pattern": DATE_PATTERN},
}
_NULL: dict[str, Any] = {"type": "null"}
_NOT_NULL: dict[str, Any] = {"not": _NULL}


def answers_schema(questionnaire: Questionnaire) -> dict[str, Any]:
    conditions = _Conditions(questionnaire)
    rules, untranslated = _requirements(questionnaire, conditions)
    answers: dict[str, Any] = {
        "description": " ".join([LIMITS, *untranslated]),
        "type": "object" if _empty_is_invalid(questionnaire) else ["object", "null"],
        "additionalProperties": False,
        "required": [q.id for q in questionnaire.questions if _required_always(q)],
        "properties": {q.id: question_schema(q, nullable=not _required_always(q))
                       for q in questionnaire.questions},
    }
    if rules:
        answers["allOf"] = rules
    schema: dict[str, Any] = {
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
            "answers": answers,
            "decision": DECISION,
        },
    }
    if conditions.defs:
        schema["$defs"] = conditions.defs
    return schema


def _required_always(question: Question) -> bool:
    return question.required and question.default is None and question.when is None


def _empty_is_invalid(questionnaire: Questionnaire) -> bool:
    """`answers:` left blank is read as no answers at all; the schema allows null exactly when
    validate would accept an empty file."""
    return bool(resolve({}, questionnaire)[1])


def _requirements(questionnaire: Questionnaire,
                  conditions: _Conditions) -> tuple[list[Schema], list[str]]:
    """One `if`/`then` per condition: the questions it makes required. Questions whose condition
    cannot be translated are said in words instead."""
    grouped: dict[str, tuple[Schema, str, list[str]]] = {}
    untranslated: list[str] = []
    for question in questionnaire.questions:
        if not question.required or question.default is not None or question.when is None:
            continue
        try:
            applies = conditions.applies(question).true
        except Untranslatable as exc:
            untranslated.append(f"riskcli validate also requires {question.id} when "
                                f"`{question.when}`, which this schema cannot express ({exc}).")
            continue
        key = json.dumps(applies, sort_keys=True)
        grouped.setdefault(key, (applies, str(question.when), []))[2].append(question)
    rules: list[Schema] = []
    for applies, when, questions in grouped.values():
        then = {"required": [q.id for q in questions],
                "properties": {q.id: _answered(q) for q in questions}}
        said = {"description": f"Answered when `{when}`"}
        # `then` without `if` is ignored by JSON Schema: a condition always true requires outright
        rules.append({**said, **then} if applies is True else {**said, "if": applies, "then": then})
    return rules, untranslated


def _answered(question: Question) -> dict[str, Any]:
    """Not blank: the kinds of value the question takes, without null (its property schema says
    the rest)."""
    if question.type == "choice":
        return {"enum": question.choice_values}
    kind = "array" if question.type == "multi_choice" else _SCALARS[question.type]["type"]
    return {"type": [kind, "object"] if question.estimable else kind}


def question_schema(question: Question, nullable: bool = False) -> dict[str, Any]:
    """What one answer may be; `nullable` when a blank answer is not a problem in itself (the
    question may not apply, is optional, or has a default)."""
    schema: dict[str, Any] = {"title": question.prompt}
    if question.help:
        schema["description"] = question.help
    if question.type == "choice":
        schema["enum"] = [*question.choice_values, *([None] if nullable else [])]
    elif question.type == "multi_choice":
        schema.update(_multi_choice(question))
    else:
        schema.update(_SCALARS[question.type])
    if question.type == "text" and question.required:
        schema.update(_BLANK)
    bounds = _bounds(question)
    schema.update(bounds)
    if question.estimable:
        # An estimate {low, high}: both ends within the bounds and above zero (low < high is
        # checked by `riskcli validate`; JSON Schema cannot compare two values). A blank answer
        # rides on this branch: `required` and `properties` constrain objects only.
        end = {**_SCALARS[question.type], **bounds, "exclusiveMinimum": 0}
        end.pop("minimum", None)
        number = {key: schema.pop(key) for key in ("type", *bounds) if key in schema}
        schema["oneOf"] = [number, {
            "type": ["object", "null"] if nullable else "object", "additionalProperties": False,
            "required": ["low", "high"], "properties": {"low": end, "high": end}}]
    elif nullable and "type" in schema:
        schema["type"] = [schema["type"], "null"]
    if question.default is not None:
        schema["default"] = to_plain(question.default)
    return schema


def _multi_choice(question: Question) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "array", "uniqueItems": True,
                              "items": {"enum": question.choice_values}}
    if question.required:
        schema["minItems"] = 1
    alone = [{"description": f"{c.value} stands alone", "if": {"contains": {"const": c.value}},
              "then": {"maxItems": 1}} for c in question.choices if c.exclusive]
    if alone:
        schema["allOf"] = alone
    return schema


def _bounds(question: Question) -> dict[str, Any]:
    """The question's own bounds, and for whole numbers the one every count has (values.py)."""
    bounds: dict[str, Any] = {}
    low, high = question.min, question.max
    if question.type == "int":
        low = -MAX_WHOLE_NUMBER if low is None else max(low, -MAX_WHOLE_NUMBER)
        high = MAX_WHOLE_NUMBER if high is None else min(high, MAX_WHOLE_NUMBER)
    if low is not None:
        bounds["exclusiveMinimum" if question.min_exclusive else "minimum"] = _number(low)
    if high is not None:
        bounds["maximum"] = _number(high)
    return bounds


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


# --- conditions ----------------------------------------------------------------------------------


class Untranslatable(Exception):
    """A condition JSON Schema cannot say; the message says which part."""


@dataclass(frozen=True)
class _Truth:
    """A condition as two schemas over the answers object: documents that make it true, and
    documents that make it false. Neither: validate cannot judge it (and requires nothing)."""

    true: Schema
    false: Schema


_ORDER = {"gt": ("exclusiveMinimum", operator.gt), "gteq": ("minimum", operator.ge),
          "lt": ("exclusiveMaximum", operator.lt), "lteq": ("maximum", operator.le)}
_FLIPPED = {"gt": "lt", "gteq": "lteq", "lt": "gt", "lteq": "gteq", "eq": "eq", "ne": "ne"}


class _Conditions:
    """The questionnaire's `when`s as schemas. A condition reads the answers validate has settled:
    the answer given, the default when none is, nothing when its question does not apply; so an
    atom over answer `x` also reads whether x applies, kept once in `$defs` for each question."""

    def __init__(self, questionnaire: Questionnaire):
        self.questionnaire = questionnaire
        self.defs: dict[str, Schema] = {}
        self._truths: dict[str, _Truth | Untranslatable] = {}

    def applies(self, question: Question) -> _Truth:
        if question.condition is None:
            return _Truth(True, False)
        known = self._truths.get(question.id)
        if known is None:
            try:
                known = self._truth(question.condition.tree)
            except Untranslatable as exc:
                known = exc
            self._truths[question.id] = known
        if isinstance(known, Untranslatable):
            raise known
        return known

    def _applies_ref(self, question: Question) -> _Truth:
        truth = self.applies(question)
        if truth.true is True or truth.true is False:
            return truth
        name = question.id
        self.defs[f"{name}.applies"], self.defs[f"{name}.skipped"] = truth.true, truth.false
        return _Truth({"$ref": f"#/$defs/{name}.applies"}, {"$ref": f"#/$defs/{name}.skipped"})

    def _truth(self, node: nodes.Node) -> _Truth:
        if isinstance(node, nodes.Not):
            inner = self._truth(node.node)
            return _Truth(inner.false, inner.true)
        if isinstance(node, nodes.And):  # Jinja's and/or stop at the first operand that decides
            left, right = self._truth(node.left), self._truth(node.right)
            return _Truth(_all(left.true, right.true),
                          _any(left.false, _all(left.true, right.false)))
        if isinstance(node, nodes.Or):
            left, right = self._truth(node.left), self._truth(node.right)
            return _Truth(_any(left.true, _all(left.false, right.true)),
                          _all(left.false, right.false))
        if isinstance(node, nodes.Const):
            return _Truth(bool(node.value), not node.value)
        if isinstance(node, nodes.Name):
            question = self.questionnaire.by_id[node.name]
            return self._atom(question, _truthy(question), bool)
        if isinstance(node, nodes.Test) and node.name == "none" and isinstance(node.node,
                                                                               nodes.Name):
            return self._atom(self.questionnaire.by_id[node.node.name], False,
                              lambda value: value is None)
        if isinstance(node, nodes.Compare) and len(node.ops) == 1:
            return self._compare(node.expr, node.ops[0].op, node.ops[0].expr)
        raise Untranslatable(f"it uses {_what(node)}")

    def _compare(self, left: nodes.Node, op: str, right: nodes.Node) -> _Truth:
        if isinstance(left, nodes.Name) and not isinstance(right, nodes.Name):
            question, constant = self.questionnaire.by_id[left.name], _constant(right)
            if op in ("in", "notin"):
                test, judge = _one_of(question, constant)
                if op == "notin":
                    return self._atom(question, {"not": test}, lambda v: not judge(v))
                return self._atom(question, test, judge)
        elif isinstance(right, nodes.Name) and not isinstance(left, nodes.Name):
            question, constant = self.questionnaire.by_id[right.name], _constant(left)
            if op in ("in", "notin"):
                test, judge = _contains(question, constant)
                if op == "notin":
                    return self._atom(question, {"not": test}, lambda v: not judge(v))
                return self._atom(question, test, judge)
            op = _FLIPPED[op]
        elif isinstance(left, nodes.Name):
            raise Untranslatable("it compares two answers")
        else:  # an expression on one side (`count * 2 > 10`), or two constants
            _constant(left), _constant(right)
            raise Untranslatable("it compares two constants")
        if op in ("eq", "ne"):
            test = _equal_to(question, constant)
            if op == "ne":
                return self._atom(question, _not(test), lambda v: v != constant)
            return self._atom(question, test, lambda v: v == constant)
        keyword, compare = _ORDER[op]
        if question.type not in ("int", "float") or question.estimable or not _is_number(
                constant):
            raise Untranslatable(f"it orders {question.id} against {constant!r}")
        return self._atom(question, {keyword: constant}, lambda v: compare(v, constant))

    def _atom(self, question: Question, test: Schema, judge: Callable[[Any], Any]) -> _Truth:
        """A test of the value validate settles for `question`: `test` holds for exactly the
        answers given that pass; `judge` decides the value of an unanswered question (its
        default, or nothing) the way Jinja would, an error meaning it cannot be judged."""
        applies = self._applies_ref(question)
        name = question.id
        unanswered = {"not": {"required": [name], "properties": {name: _NOT_NULL}}}
        if_blank, if_skipped = _judged(judge, question.default), _judged(judge, None)

        def side(want: bool) -> Schema:
            value = _not_null(test) if want else _neither(test)
            given = value and {"required": [name], "properties": {name: value}}
            applied = _all(applies.true, _any(given, unanswered if if_blank is want else False))
            return _any(applied, applies.false if if_skipped is want else False)

        return _Truth(side(True), side(False))


def _judged(judge: Callable[[Any], Any], value: Any) -> bool | None:
    try:
        return bool(judge(value))
    except (TypeError, ValueError, ArithmeticError):
        return None


def _truthy(question: Question) -> Schema:
    """The answers that are true as a condition reads them (Python's truth, after `coerce`)."""
    kind = question.type
    if kind == "bool":
        return {"const": True}
    if kind in ("int", "float"):
        return {"not": {"const": 0}}  # an estimate is above zero, so true
    if kind == "text":
        return {"pattern": r"\S"}  # text is read stripped of surrounding spaces
    if kind == "multi_choice":
        return {"minItems": 1}
    return True  # a choice, a date: never empty


def _equal_to(question: Question, constant: Any) -> Schema:
    if constant is None:
        return False  # an answer given is never none
    if _fits(question, constant) or (question.type == "multi_choice" and isinstance(
            constant, list) and all(isinstance(item, str) for item in constant)):
        return {"const": constant}
    raise Untranslatable(f"it compares {question.id} with {constant!r}")


def _one_of(question: Question, constant: Any) -> tuple[Schema, Callable[[Any], bool]]:
    if not isinstance(constant, list | tuple) or not all(_fits(question, c) for c in constant):
        raise Untranslatable(f"it looks for {question.id} in {constant!r}")
    return {"enum": list(constant)}, lambda value: value in constant


def _contains(question: Question, constant: Any) -> tuple[Schema, Callable[[Any], bool]]:
    if question.type != "multi_choice" or not isinstance(constant, str):
        raise Untranslatable(f"it looks for {constant!r} in {question.id}")
    return {"contains": {"const": constant}}, lambda value: constant in value


def _fits(question: Question, constant: Any) -> bool:
    """A constant a condition compares this answer with the way JSON Schema's `const` does: the
    same type (Python says True == 1; JSON Schema does not)."""
    if question.type == "bool":
        return isinstance(constant, bool)
    if question.type in ("int", "float"):
        return _is_number(constant)
    return question.type == "choice" and isinstance(constant, str)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _constant(node: nodes.Node) -> Any:
    if isinstance(node, nodes.Const):
        return node.value
    if isinstance(node, nodes.Neg | nodes.Pos) and isinstance(node.node, nodes.Const) and (
            _is_number(node.node.value)):
        return -node.node.value if isinstance(node, nodes.Neg) else node.node.value
    if isinstance(node, nodes.List):
        return [_constant(item) for item in node.items]
    if isinstance(node, nodes.Tuple):
        return tuple(_constant(item) for item in node.items)
    raise Untranslatable(f"it uses {_what(node)}")


def _what(node: nodes.Node) -> str:
    if isinstance(node, nodes.Filter):
        return f"the filter {node.name}"
    if isinstance(node, nodes.BinExpr | nodes.UnaryExpr):
        return "arithmetic"
    if isinstance(node, nodes.CondExpr):
        return "an if-expression"
    if isinstance(node, nodes.Test):
        return f"the test {node.name}"
    return f"a {type(node).__name__.lower()}"


def _all(*schemas: Schema) -> Schema:
    if any(s is False for s in schemas):
        return False
    kept = [s for s in schemas if s is not True]
    return True if not kept else kept[0] if len(kept) == 1 else {"allOf": kept}


def _any(*schemas: Schema) -> Schema:
    if any(s is True for s in schemas):
        return True
    kept = [s for s in schemas if s is not False]
    return False if not kept else kept[0] if len(kept) == 1 else {"anyOf": kept}


def _not(schema: Schema) -> Schema:
    if isinstance(schema, bool):
        return not schema
    return schema["not"] if set(schema) == {"not"} else {"not": schema}


def _not_null(test: Schema) -> Schema:
    """An answer given (not blank) that passes `test`."""
    excludes_null = isinstance(test, dict) and (
        ("const" in test and test["const"] is not None)
        or ("enum" in test and None not in test["enum"]))
    if excludes_null:
        return test
    return _all(_NOT_NULL, test)


def _neither(test: Schema) -> Schema:
    """An answer given (not blank) that fails `test`."""
    if isinstance(test, dict) and set(test) == {"const"}:
        return {"not": {"enum": [None, test["const"]]}}
    if isinstance(test, dict) and set(test) == {"enum"}:
        return {"not": {"enum": [None, *test["enum"]]}}
    return _not(_any(_NULL, test))


# --- the decision block --------------------------------------------------------------------------

_DATE_OR_NULL = {"type": ["string", "null"], "pattern": DATE_PATTERN}
DECISION: dict[str, Any] = {
    "title": "The decision: the option chosen, who approved it and when, and accepted risks",
    "description": "Leave out `mode` while the decision is only proposed, and then approved_by "
                   "and approved_on too. The option ids and finding ids come from the rule pack "
                   "(`riskcli rules`), which `riskcli score` checks them against.",
    "type": ["object", "null"],
    "additionalProperties": False,
    "properties": {
        "mode": {"type": ["string", "null"]},
        "approved_by": {"type": ["string", "null"]},
        "approved_on": _DATE_OR_NULL,
        "accepted_risks": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "required": ["finding", "reason", "owner", "expires"],
            "properties": {"finding": {"type": "string", "pattern": r"^[a-z][a-z0-9-]*$"},
                           "reason": {"type": "string", "minLength": 1},
                           "owner": {"type": "string"},
                           "expires": {"type": "string", "pattern": DATE_PATTERN}}}},
    },
    "if": {"required": ["mode"], "properties": {"mode": {"type": "string"}}},
    "then": {"required": ["approved_by", "approved_on"],
             "properties": {"approved_by": {"type": "string", "minLength": 1},
                            "approved_on": {"type": "string"}}},
    "else": {"properties": {"approved_by": {"enum": [None, ""]}, "approved_on": _NULL}},
}
