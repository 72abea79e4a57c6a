"""What changed between two answers files, and how each change moved the decision.

A reviewer of a pull request needs more than "score 100 -> 23": they need to see which edited
answer did it. Each change is therefore also scored alone, applied to the old answers (answers that
stop applying are dropped, as `assess` drops them), so its own effect on the leak rate is visible.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from riskcli.answers import Answers, answers_from_bytes, load_answers, resolve
from riskcli.errors import InputFileError, Problem, RiskcliError
from riskcli.results import ScoreResult, Value
from riskcli.scoring import Engine, score_values
from riskcli.values import to_plain
from riskcli.walk import prune


class Side(Value):
    file: str
    band: str
    score: int
    p_leak_horizon: float
    median_days_to_leak: float | None
    rate_per_day: float
    recommendation: str
    hosted_only: bool


class AnswerChange(Value):
    key: str
    prompt: str
    old: Any
    new: Any
    score_alone: int | None
    """The score had only this answer changed; None when it cannot stand alone (it belongs to a
    question that only applies together with another change)."""
    rate_alone: float | None


class DecisionDiff(Value):
    old: Side
    new: Side
    changes: list[AnswerChange]
    band_changed: bool
    recommendation_changed: bool


def load_side(engine: Engine, path: Path, rev: str | None = None, *,
              sets: Mapping[str, Any] | None = None, strict: bool = False) -> Answers:
    """One side of a diff: the file now, or as it was at `rev`; `sets` laid over its answers,
    and the side named for them."""
    if rev is None:
        answers = load_answers(path, engine.questionnaire, sets=sets, strict=strict)
    else:
        answers = answers_from_bytes(git_show(path, rev), f"{path}@{rev}",
                                     engine.questionnaire, sets=sets, strict=strict)
    return replace(answers, path=f"{answers.path} with --set") if sets else answers


def git_show(path: Path, rev: str) -> bytes:
    """The file's bytes at a git revision, asked of git in the file's own folder."""
    folder = path.parent if str(path.parent) else Path(".")
    if rev.startswith("-"):
        # git would read it as an option: --rev=--output=x makes git show write a file
        raise InputFileError(Problem(str(path), "--rev", f"{rev!r} is not a revision"))
    try:
        done = subprocess.run(["git", "-C", str(folder), "show", f"{rev}:./{path.name}"],
                              capture_output=True, check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InputFileError(Problem(str(path), "--rev", f"git could not run: {exc}")) from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputFileError(Problem(str(path), "--rev", f"git show {rev} failed: "
                                     f"{reason[-1] if reason else 'no reason given'}"))
    return done.stdout


def diff_answers(engine: Engine, old: Answers, new: Answers) -> DecisionDiff:
    old_result = score_values(engine, old.values, file=old.path, sha256=old.sha256)
    new_result = score_values(engine, new.values, file=new.path, sha256=new.sha256)
    keys = [q.id for q in engine.questionnaire.questions
            if old.values.get(q.id) != new.values.get(q.id)]
    changes = [_change(engine, key, old.values, new.values) for key in keys]
    before, after = _side(old_result), _side(new_result)
    return DecisionDiff(
        old=before, new=after, changes=changes, band_changed=before.band != after.band,
        recommendation_changed=(before.recommendation, before.hosted_only)
        != (after.recommendation, after.hosted_only),
    )


def _change(engine: Engine, key: str, old: dict[str, Any], new: dict[str, Any]) -> AnswerChange:
    alone = _score_alone(engine, key, old, new)
    return AnswerChange(
        key=key, prompt=engine.questionnaire.by_id[key].prompt,
        old=to_plain(old.get(key)), new=to_plain(new.get(key)),
        score_alone=alone.exposure.score if alone else None,
        rate_alone=alone.exposure.rate_per_day if alone else None,
    )


def _score_alone(engine: Engine, key: str, old: dict[str, Any],
                 new: dict[str, Any]) -> ScoreResult | None:
    changed = dict(old)
    if key in new:
        changed[key] = new[key]
    else:
        changed.pop(key, None)
    kept = prune(engine.questionnaire, changed)
    if key in new and key not in kept:
        return None
    values, problems = resolve(kept, engine.questionnaire)
    if problems:  # e.g. weights now leave the premises but the recipient answers are not given
        return None
    try:
        return score_values(engine, values)
    except RiskcliError:
        return None


def _side(result: ScoreResult) -> Side:
    e = result.exposure
    return Side(
        file=result.file, band=e.band, score=e.score, p_leak_horizon=e.p_leak["horizon"],
        median_days_to_leak=e.median_days_to_leak, rate_per_day=e.rate_per_day,
        recommendation=result.recommendation.mode,
        hosted_only=result.recommendation.hosted_only,
    )
