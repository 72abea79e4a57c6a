"""No cliffs: a small change in a number moves the leak rate a little, in the direction the pack
documents, over the whole valid range of every numeric answer."""

from __future__ import annotations

import math
from itertools import pairwise
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from riskcli.answers import resolve
from riskcli.rulepack import RulePack
from riskcli.scoring import Engine, load_engine, score_values
from riskcli.walk import prune

ENGINE = load_engine()
QUESTIONNAIRE = ENGINE.questionnaire
NUMERIC = [q for q in QUESTIONNAIRE.questions if q.type in ("int", "float")]
EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("*.yaml"))
STEP = 1.01
SLACK = 1.03
"""A 1% change may move lambda by its proportional effect through a headcount, times at most 3%."""


def _base(path: Path) -> dict:
    return yaml.safe_load(path.read_text())["answers"]


def _rate(engine: Engine, answers: dict) -> float:
    values, problems = resolve(prune(engine.questionnaire, answers), engine.questionnaire)
    assert not problems, problems
    return score_values(engine, values).exposure.rate_per_day


def _direction(pack: RulePack, key: str) -> int:
    """+1 when lambda may only grow with the answer, -1 when only shrink, 0 when it must not
    move: read off the pack (headcounts and the curves over the answer)."""
    signs = {1 for s in pack.model.sources if s.population == key}
    for rule in pack.rules:
        curve = rule.effect.curve if rule.effect else None
        if curve is not None and curve.answer == key:
            first, last = curve.points[0][1], curve.points[-1][1]
            signs.add(1 if last > first else -1)
    assert len(signs) <= 1, f"{key} moves lambda both ways in the pack"
    return signs.pop() if signs else 0


def _bounds(question) -> tuple[float, float]:
    low = max(question.min or 0, 1)
    high = min(question.max or 1e6, 1e6)
    return low, high


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
@pytest.mark.parametrize("question", NUMERIC, ids=[q.id for q in NUMERIC])
def test_lambda_moves_monotonically_in_the_pack_s_direction(question, path):
    base = _base(path)
    direction = _direction(ENGINE.rules, question.id)
    low, high = _bounds(question)
    grid = [low * (high / low) ** (i / 60) for i in range(61)]
    if question.type == "int":
        grid = sorted({round(x) for x in grid})
    rates = [_rate(ENGINE, {**base, question.id: x}) for x in grid]
    steps = [b - a for a, b in pairwise(rates)]
    if direction > 0:
        assert all(step >= 0 for step in steps)
    elif direction < 0:
        assert all(step <= 0 for step in steps)
    else:
        assert len(set(rates)) == 1


@settings(max_examples=60, deadline=None, derandomize=True)
@given(data=st.data())
def test_a_one_percent_change_never_moves_lambda_past_its_proportional_effect(data):
    path = data.draw(st.sampled_from(EXAMPLES), label="example")
    question = data.draw(st.sampled_from(NUMERIC), label="question")
    low, high = _bounds(question)
    x = math.exp(data.draw(st.floats(math.log(low), math.log(high / STEP)), label="log x"))
    base = _base(path)
    if question.type == "int":
        x = max(round(x), 100)  # a 1% step of a count needs a count of at least 100
        moved = round(x * STEP)
    else:
        moved = x * STEP
    before = _rate(ENGINE, {**base, question.id: x})
    after = _rate(ENGINE, {**base, question.id: moved})
    proportional = moved / x if _direction(ENGINE.rules, question.id) > 0 else 1.0
    assert after <= before * proportional * SLACK
    assert after >= before / (proportional * SLACK)


@pytest.mark.parametrize(("key", "before", "after"), [
    ("access_holders", 50, 51),
    ("access_organizations", 10, 11),
    ("artifact_size_gb", 10, 9.9),
], ids=["50-to-51-holders", "10-to-11-organisations", "10-to-9.9-GB"])
def test_the_old_thresholds_move_lambda_by_a_few_percent_not_by_half(key, before, after):
    """On the GPT-2 partners example, 50 -> 51 holders used to halve the median time to leak."""
    base = _base(Path(__file__).parents[1] / "examples" / "gpt-2-partners-2019.yaml")
    base.update(access_holders=50, access_organizations=10, artifact_size_gb=10)
    old = _rate(ENGINE, {**base, key: before})
    new = _rate(ENGINE, {**base, key: after})
    headcount = after / before if key == "access_holders" else 1.0
    assert abs(new / (old * headcount) - 1) < 0.03
