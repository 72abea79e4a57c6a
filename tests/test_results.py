"""Scored results are built without validation (for speed); they must be exactly what validation
would build: same values, same types (5.0, never 5, in a float field), same JSON."""

from __future__ import annotations

import random
import warnings
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from riskcli.answers import resolve
from riskcli.formatting import json_result
from riskcli.results import ScoreResult
from riskcli.scoring import load_engine, score_file, score_values
from riskcli.walk import prune

RULE_CASES = Path(__file__).parent / "rule_cases"


@pytest.fixture(scope="module")
def engine():
    return load_engine()


def assert_as_validated(result: ScoreResult) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a serializer meeting an unexpected type warns
        validated = ScoreResult.model_validate(result.model_dump())
        assert_same(validated, result, "result")
        assert json_result(validated) == json_result(result)


def assert_same(expected: Any, got: Any, where: str) -> None:
    """Equal and of the same type all the way down (5 == 5.0 in Python, but not here)."""
    assert type(got) is type(expected), f"{where}: {type(got).__name__} {got!r}"
    if isinstance(expected, BaseModel):
        for name in type(expected).model_fields:
            assert_same(getattr(expected, name), getattr(got, name), f"{where}.{name}")
    elif isinstance(expected, list):
        assert len(got) == len(expected), where
        for index, (a, b) in enumerate(zip(expected, got, strict=True)):
            assert_same(a, b, f"{where}[{index}]")
    elif isinstance(expected, dict):
        assert list(got) == list(expected), where
        for key in expected:
            assert_same(expected[key], got[key], f"{where}[{key!r}]")
    else:
        assert got == expected, where


def test_the_shipped_examples_score_to_validated_results(engine, example_paths):
    for path in example_paths:
        assert_as_validated(score_file(engine, path))


def random_answers(engine, base: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    given = dict(base)
    for question in engine.questionnaire.questions:
        if question.type == "choice":
            given[question.id] = rng.choice(question.choice_values)
        elif question.type == "multi_choice":
            plain = [c.value for c in question.choices if not c.exclusive]
            given[question.id] = rng.sample(plain, rng.randint(1, len(plain)))
        elif question.type == "bool":
            given[question.id] = rng.random() < 0.5
        elif question.type == "int":
            low = int(question.min or 0) + (1 if question.min_exclusive else 0)
            high = int(question.max) if question.max is not None else 10**6
            given[question.id] = rng.choice(
                [n for n in (low, low + 1, 7, 365, 2_000, 100_000) if n <= high])
        elif question.type == "float":
            given[question.id] = rng.choice([0.5, 3, 234, 1_000.25])  # an int among them
    values, problems = resolve(prune(engine.questionnaire, given), engine.questionnaire)
    assert not problems, problems
    return values


def test_varied_answers_score_to_validated_results(engine, llama1_answers):
    rng = random.Random(5)
    for _ in range(150):
        assert_as_validated(score_values(engine, random_answers(engine, llama1_answers, rng)))


def test_a_pack_whose_numbers_are_written_as_integers_still_gives_floats(tmp_path, engine):
    """YAML reads `multiply: 5` and `below: 20` as ints; the rule pack's validation makes them
    floats before any result sees them."""
    import yaml

    from riskcli.resources import default_rules

    text = Path(default_rules()).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    for rule in data["rules"]:
        if rule.get("effect", {}).get("multiply") is not None:
            rule["effect"]["multiply"] = max(1, round(rule["effect"]["multiply"]))
    pack = tmp_path / "rules.yaml"
    pack.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    integer_engine = load_engine(None, pack)
    for path in sorted(Path(__file__).parents[1].joinpath("examples").glob("*.yaml")):
        assert_as_validated(score_file(integer_engine, path))
