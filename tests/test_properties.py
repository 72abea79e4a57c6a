"""Properties that hold for every input, checked on generated ones (hypothesis).

- Any answers an interactive walk could produce score without error, with every P(leak) in [0, 1],
  a median time to leak > 0 (None exactly when nobody can copy), a score in [0, 100] and a band of
  the pack, and the result serialises as strict JSON.
- Any mutation of a valid answers file (bytes, lines or values) either validates or fails with a
  RiskcliError whose problems print one line each: never another exception.
- Any condition text either compiles or is refused with a ConditionError, and a compiled one
  evaluates to a bool or fails with a ConditionError.

Runs are bounded and derandomized, so CI sees the same examples every time.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskcli.answers import answers_from_bytes
from riskcli.conditions import compile_condition
from riskcli.errors import ConditionError, RiskcliError
from riskcli.formatting import json_result
from riskcli.questionnaire import Question, Questionnaire
from riskcli.scoring import Engine, load_engine, score_values
from riskcli.values import MAX_WHOLE_NUMBER, coerce

BOUNDED = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                   suppress_health_check=[HealthCheck.too_slow])
EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"
ENGINE = load_engine()


# --- answers within the questionnaire's types -----------------------------------------------

def _text() -> st.SearchStrategy[str]:
    printable = st.characters(blacklist_categories=("Cs", "Cc"))
    return st.text(printable, min_size=1, max_size=40).filter(lambda s: s.strip())


def _number(question: Question) -> st.SearchStrategy[Any]:
    low = question.min if question.min is not None else -MAX_WHOLE_NUMBER
    high = question.max if question.max is not None else MAX_WHOLE_NUMBER
    if question.type == "int":
        # Small counts are where the bands change; also reach the whole range and its bounds.
        first, last = math.ceil(low), math.floor(high)
        return st.one_of(st.integers(first, min(last, first + 200)), st.integers(first, last),
                         st.sampled_from([first, last]))
    return st.floats(low, high, exclude_min=question.min_exclusive, allow_nan=False,
                     allow_infinity=False)


def _multi(question: Question) -> st.SearchStrategy[list[str]]:
    exclusive = [c.value for c in question.choices if c.exclusive]
    others = [c.value for c in question.choices if not c.exclusive]
    return st.one_of(st.sampled_from([[value] for value in exclusive] or [[]]),
                     st.lists(st.sampled_from(others), unique=True, min_size=1))


def value_for(question: Question) -> st.SearchStrategy[Any]:
    kind = question.type
    if kind == "choice":
        return st.sampled_from(question.choice_values)
    if kind == "multi_choice":
        return _multi(question)
    if kind == "bool":
        return st.booleans()
    if kind in ("int", "float"):
        return _number(question)
    if kind == "date":
        return st.dates(dt.date(1970, 1, 1), dt.date(2100, 12, 31))
    return _text()


def walk(data: st.DataObject, questionnaire: Questionnaire) -> dict[str, Any]:
    """Answers as `assess` would collect them: only questions that apply, optional ones maybe
    left out (their defaults then apply, as the loader fills them)."""
    values: dict[str, Any] = {}
    for question in questionnaire.questions:
        if not questionnaire.applies(question, values):
            continue
        if not question.required and question.default is not None and data.draw(st.booleans()):
            values[question.id] = question.default
            continue
        values[question.id] = coerce(question, data.draw(value_for(question), label=question.id))
    return values


def assert_sound(engine: Engine, values: dict[str, Any]) -> None:
    result = score_values(engine, values)
    exposure = result.exposure
    assert all(0.0 <= p <= 1.0 for p in exposure.p_leak.values()), exposure.p_leak
    assert math.isfinite(exposure.rate_per_day) and exposure.rate_per_day >= 0
    if exposure.rate_per_day == 0:
        assert exposure.median_days_to_leak is None
    else:
        assert exposure.median_days_to_leak is not None and exposure.median_days_to_leak > 0
    assert 0 <= exposure.score <= 100
    assert exposure.band in engine.rules.model.band_names
    assert result.recommendation.mode in ENGINE.rules.options
    json.loads(json_result(result))  # strict JSON: no NaN or Infinity anywhere


@pytest.mark.slow  # hundreds of generated examples: seconds
@BOUNDED
@given(data=st.data())
def test_any_answers_a_walk_can_give_score_within_bounds(data):
    assert_sound(ENGINE, walk(data, ENGINE.questionnaire))


@pytest.mark.slow  # hundreds of generated examples: seconds
@BOUNDED
@given(data=st.data())
def test_answers_written_to_a_file_and_read_back_score_the_same(data):
    from riskcli.answers import answers_document
    from riskcli.yamlio import dump_yaml

    values = walk(data, ENGINE.questionnaire)
    raw = dump_yaml(answers_document(ENGINE.questionnaire, values)).encode("utf-8")
    loaded = answers_from_bytes(raw, "generated.yaml", ENGINE.questionnaire)
    assert score_values(ENGINE, loaded.values).exposure == score_values(ENGINE, values).exposure


# --- mutations of valid answers files ------------------------------------------------------

EXAMPLES = {path.name: path.read_bytes() for path in sorted(EXAMPLES_DIR.glob("*.yaml"))}
ODD_VALUES = [
    "", "~", "null", "yes", "no", "on", "0", "-1", "1e999", "1.0e+999", ".nan", "-.inf", ".inf",
    "0x" + "f" * 40, "0x" + "f" * 5000, "1" + "0" * 5000, "0o777", "1_000", "12:30:00",
    "2023-02-30", "2023-02-24T10:00:00Z",
    "[]", "{}", "[a, [b, [c]]]", "{a: {b: c}}", "&x [1]", "*x", "!!binary aGVsbG8=",
    "!!python/object/apply:os.system ['true']", "!!str 5", "!!int x", "!!float y", "'\\x1b'",
    '"\\x1b[2J"', '"\\u202e"', "|\n    block", ">-\n    folded", "'unterminated", "\"a\\q\"",
    "? complex", "- item", "@reserved", "`tick", "%TAG", "9" * 400, "-" * 3, "a: b: c",
]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    raw = draw(st.sampled_from(sorted(EXAMPLES)))
    data = bytearray(EXAMPLES[raw])
    lines = bytes(data).split(b"\n")
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["value", "value", "value", "value", "flip", "insert",
                                     "delete", "line-drop", "line-dup", "line-swap", "truncate"]))
        if kind in ("flip", "insert", "delete", "truncate"):
            data = bytearray(b"\n".join(lines))
            if not data:
                break
            at = draw(st.integers(0, len(data) - 1))
            if kind == "flip":
                data[at] = draw(st.one_of(st.integers(32, 126), st.integers(0, 255)))
            elif kind == "insert":
                data[at:at] = draw(st.one_of(
                    st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1,
                            max_size=8).map(str.encode),
                    st.binary(min_size=1, max_size=8)))
            elif kind == "delete":
                del data[at:at + draw(st.integers(1, 16))]
            else:
                del data[at:]
            lines = bytes(data).split(b"\n")
        elif kind == "value":
            answer_lines = [i for i, line in enumerate(lines) if line.startswith(b"  ")
                            and b":" in line]
            if answer_lines:
                i = draw(st.sampled_from(answer_lines))
                key = lines[i].split(b":", 1)[0]
                lines[i] = key + b": " + draw(st.sampled_from(ODD_VALUES)).encode("utf-8")
        elif len(lines) > 1:
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            if kind == "line-drop":
                del lines[i]
            elif kind == "line-dup":
                lines.insert(j, lines[i])
            else:
                lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


@pytest.mark.slow  # hundreds of generated examples: seconds
@settings(BOUNDED, max_examples=400)
@given(raw=mutated())
def test_a_mutated_answers_file_validates_or_fails_cleanly(raw):
    try:
        answers = answers_from_bytes(raw, "mutated.yaml", ENGINE.questionnaire)
    except RiskcliError as exc:
        assert exc.problems
        for problem in exc.problems:
            line = str(problem)
            assert "\n" not in line and line.startswith("mutated.yaml:"), line
        return
    assert_sound(ENGINE, answers.values)


def _json_like() -> st.SearchStrategy[Any]:
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20),
                        st.dates())
    return st.recursive(scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
        max_leaves=20)


@pytest.mark.slow  # hundreds of generated examples: seconds
@BOUNDED
@given(answers=st.dictionaries(st.sampled_from([q.id for q in ENGINE.questionnaire.questions]
                                               + ["extra", ""]), _json_like(), max_size=12))
def test_any_yaml_values_under_the_answer_keys_validate_or_fail_cleanly(answers):
    document = {"questionnaire": {"id": "distribution", "version": "1.0"}, "answers": answers}
    raw = yaml.safe_dump(document, allow_unicode=True).encode("utf-8")
    try:
        loaded = answers_from_bytes(raw, "generated.yaml", ENGINE.questionnaire)
    except RiskcliError as exc:
        assert all("\n" not in str(problem) for problem in exc.problems)
        return
    assert_sound(ENGINE, loaded.values)


# --- conditions -----------------------------------------------------------------------------

KNOWN = ["vetting", "access_holders", "rationale", "download_controls", "artifact_size_gb"]
TOKENS = [*KNOWN, "self", "_x", "cycler", "lipsum", "range", "none", "true", "1", "0", "1e308",
          "9" * 30, "'none'", "'x'", "[", "]", "(", ")", ",", ".", "__class__", "|", "length",
          "lower", "int", "round", "attr", "+", "-", "*", "/", "//", "%", "**", "==", "!=", "<",
          ">=", " in ", " not ", " and ", " or ", " if ", " else ", " is ", "number", "{", "}",
          ":", "~", "{{", "}}", "{%", "%}", "lambda", "import", "\n", "\x1b", "'", '"']
ANSWERS = {"vetting": "none", "access_holders": 2**53, "rationale": "x" * 1000,
           "download_controls": ["expiring_links"], "artifact_size_gb": 1e308}


@BOUNDED
@given(parts=st.lists(st.sampled_from(TOKENS), min_size=1, max_size=25))
def test_any_condition_text_compiles_or_is_refused_and_evaluates_or_fails_cleanly(parts):
    try:
        condition = compile_condition("".join(parts), KNOWN)
    except ConditionError:
        return
    try:
        assert isinstance(condition.evaluate(ANSWERS), bool)
        assert isinstance(condition.evaluate({}), bool)
    except ConditionError:
        pass


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_example_is_sound(name):
    """The property's seeds: each unmutated example validates and scores within bounds."""
    assert_sound(ENGINE, answers_from_bytes(EXAMPLES[name], name, ENGINE.questionnaire).values)
