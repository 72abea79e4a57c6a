"""Conditions evaluate exactly as Jinja's own compiled expressions would, only without compiling.

`riskcli.expressions` replaces Jinja's generated code with closures for speed; these tests hold it
to Jinja as the reference: same value, or the same error, for the shipped conditions over many
answers and for random expressions of the whole condition grammar.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2.runtime import Undefined

from riskcli import conditions
from riskcli.conditions import Condition, compile_condition
from riskcli.errors import ConditionError
from riskcli.scoring import load_engine

NAMES = ("a", "b", "c", "items")
VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.sampled_from([0.5, -2.0, 3.25]),
    st.sampled_from(["x", "y", "X", ""]), st.lists(st.sampled_from(["x", "y", "z"]), max_size=3),
)


def jinja_reference(condition: Condition, answers: dict[str, Any]) -> Any:
    """What the condition meant before: Jinja compiles it and runs it in a template context."""
    fn = conditions._ENV.compile_expression(condition.source, undefined_to_none=False)
    return fn(**{name: answers.get(name) for name in condition.names})


def outcome(function, *args) -> tuple[str, Any]:
    try:
        value = function(*args)
    except Exception as exc:  # the exact error is part of the behaviour being compared
        return "raises", (type(exc), str(exc))
    if isinstance(value, Undefined):
        return "undefined", value._undefined_hint
    return "value", (type(value), value)


def fast(condition: Condition, answers: dict[str, Any]) -> Any:
    return condition._fn(answers)


def same_as_jinja(condition: Condition, answers: dict[str, Any]) -> None:
    assert outcome(fast, condition, answers) == outcome(jinja_reference, condition, answers), (
        condition.source, answers)


@pytest.fixture(scope="module")
def shipped_conditions() -> list[Condition]:
    engine = load_engine()
    found = list(engine.questionnaire.conditions.values()) + list(engine.rules.conditions.values())
    assert len(found) > 20
    return found


def test_every_shipped_condition_agrees_with_jinja_over_varied_answers(shipped_conditions):
    engine = load_engine()
    rng = random.Random(11)
    questions = engine.questionnaire.questions
    for _ in range(300):
        answers: dict[str, Any] = {}
        for question in questions:
            if rng.random() < 0.1:
                continue  # absent, as a skipped question is
            if question.choices:
                values = question.choice_values
                answers[question.id] = (rng.choice(values) if question.type == "choice"
                                        else rng.sample(values, rng.randint(0, len(values))))
            elif question.type == "bool":
                answers[question.id] = rng.random() < 0.5
            elif question.type in ("int", "float"):
                answers[question.id] = rng.choice([0, 1, 5, 50, 2_000, 100_000, 2.5])
            else:
                answers[question.id] = rng.choice(["", "text"])
        for condition in shipped_conditions:
            same_as_jinja(condition, answers)


def expressions() -> st.SearchStrategy[str]:
    atoms = st.one_of(
        st.sampled_from(NAMES),
        st.integers(-3, 20).map(str),
        st.sampled_from(["'x'", "'y'", "''", "2.5", "none", "true", "false", "['x', 'z']",
                         "('y',)"]),
    )

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        binary = st.tuples(inner, st.sampled_from(
            ["and", "or", "+", "-", "*", "/", "//", "%", "==", "!=", "<", "<=", ">", ">=",
             "in", "not in"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
        chained = st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} < {t[1]} <= {t[2]})")
        unary = st.tuples(st.sampled_from(["not ", "-", "+"]), inner).map(
            lambda t: f"({t[0]}{t[1]})")
        conditional = st.one_of(
            st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
            st.tuples(inner, inner).map(lambda t: f"({t[0]} if {t[1]})"),
        )
        filtered = st.tuples(inner, st.sampled_from(
            ["length", "lower", "upper", "abs", "int", "float", "round", "round(1)",
             "int(7)"])).map(lambda t: f"({t[0]} | {t[1]})")
        tested = st.tuples(inner, st.sampled_from(
            ["none", "not none", "number", "string", "in ['x', 'y']", "in items"])).map(
            lambda t: f"({t[0]} is {t[1]})")
        return st.one_of(binary, chained, unary, conditional, filtered, tested)

    return st.recursive(atoms, extend, max_leaves=6)


@settings(max_examples=400, deadline=None)
@given(source=expressions(), values=st.fixed_dictionaries({name: VALUES for name in NAMES}))
def test_any_condition_of_the_grammar_agrees_with_jinja(source, values):
    try:
        condition = compile_condition(source, NAMES)
    except ConditionError:
        return  # refused at compile time, so there is nothing to evaluate
    same_as_jinja(condition, values)
    assert outcome(condition.evaluate, values)[0] in ("value", "raises")


def test_an_if_without_else_that_is_false_gives_jinjas_undefined():
    condition = compile_condition("a if b", NAMES)
    assert condition.evaluate({"a": 1, "b": False}) is False
    with pytest.raises(ConditionError, match="no else section"):
        compile_condition("(a if b) + 1", NAMES).evaluate({"a": 1, "b": False})
