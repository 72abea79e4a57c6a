"""What changed between two answers files, and how each change moved the decision.

A reviewer of a pull request needs more than "score 100 -> 23": they need to see which edited
answer did it. Each change is therefore also scored alone, applied to the old answers (answers that
stop applying are dropped, as `assess` drops them), so its own effect on the leak rate is visible.

A file added since the revision `--rev` names has no old side: every answer is an addition, and
the decision before is "no file"; a file removed since then, likewise, has no new side.
"""

import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from riskcli.answers import Answers, answers_from_bytes, load_answers, resolve
from riskcli.errors import InputFileError, Problem, RiskcliError
from riskcli.results import ScoreResult, Value
from riskcli.scoring import Engine, score_values
from riskcli.values import to_plain
from riskcli.walk import prune
from riskcli.yamlio import MAX_YAML_BYTES


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
    question that only applies together with another change, or the file was added or removed)."""
    rate_alone: float | None


class DecisionDiff(Value):
    old: Side | None
    """None: the file did not exist at the revision (it was added since)."""
    new: Side | None
    """None: the file no longer exists (it was removed since the revision)."""
    changes: list[AnswerChange]
    band_changed: bool
    recommendation_changed: bool


def load_side(engine: Engine, path: Path, rev: str | None = None, *,
              sets: Mapping[str, Any] | None = None, strict: bool = False) -> Answers | None:
    """One side of a diff: the file now, or as it was at `rev` (None when it did not exist
    there); `sets` laid over its answers, and the side named for them."""
    if rev is None:
        answers = load_answers(path, engine.questionnaire, sets=sets, strict=strict)
    else:
        raw = git_show(path, rev)
        if raw is None:
            return None
        answers = answers_from_bytes(raw, f"{path}@{rev}", engine.questionnaire, sets=sets,
                                     strict=strict)
    return answers._replace(path=f"{answers.path} with --set") if sets else answers


def git_show(path: Path, rev: str) -> bytes | None:
    """The file's bytes at a git revision, asked of git in the file's own folder (or the
    nearest one that still exists); None when the revision exists but the file is not in it."""
    folder, relative = _git_place(path)
    if rev.startswith("-"):
        # git would read it as an option: --rev=--output=x makes git show write a file
        raise InputFileError(Problem(str(path), "--rev", f"{rev!r} is not a revision"))
    spec = f"{rev}:./{relative}"
    sized = _git(path, folder, "cat-file", "-s", spec)
    if sized.returncode == 0 and sized.stdout.strip().isdigit():
        _within_limit(path, rev, int(sized.stdout))  # before a byte of it is read
    done = _git(path, folder, "show", spec)
    if done.returncode == 0:
        _within_limit(path, rev, len(done.stdout))  # the revision may have moved since
        return done.stdout
    if (_git(path, folder, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").returncode
            == 0 and _git(path, folder, "cat-file", "-e", f"{rev}:./{relative}").returncode):
        return None
    reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
    raise InputFileError(Problem(str(path), "--rev", f"git show {rev} failed: "
                                 f"{reason[-1] if reason else 'no reason given'}"))


def _within_limit(path: Path, rev: str, size: int) -> None:
    """The limit an answers file read from disk has (yamlio.read_bytes), for one read from git."""
    if size > MAX_YAML_BYTES:
        raise InputFileError(Problem(f"{path}@{rev}", "", f"is {size:,} bytes; the limit is "
                                     f"{MAX_YAML_BYTES:,} bytes", code="io"))


def _git(path: Path, folder: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", "-C", str(folder), *args], capture_output=True,
                              check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InputFileError(Problem(str(path), "--rev", f"git could not run: {exc}")) from None


def _git_place(path: Path) -> tuple[Path, str]:
    """The nearest existing folder of `path` and the path from there: a removed file's folder
    may have gone with it."""
    folder, parts = path.parent, [path.name]
    while str(folder) not in ("", ".") and not folder.is_dir() and folder != folder.parent:
        parts.insert(0, folder.name)
        folder = folder.parent
    return (folder if str(folder) else Path(".")), "/".join(parts)


def diff_answers(engine: Engine, old: Answers | None, new: Answers | None) -> DecisionDiff:
    """What changed from `old` to `new`; either may be None (the file added, or removed)."""
    before, after = _side(engine, old), _side(engine, new)
    old_values: dict[str, Any] = old.values if old is not None else {}
    new_values: dict[str, Any] = new.values if new is not None else {}
    keys = [q.id for q in engine.questionnaire.questions
            if old_values.get(q.id) != new_values.get(q.id)]
    if before is None or after is None:  # nothing to apply a change to, alone
        changes = [_change(engine, key, old_values, new_values, alone=False) for key in keys]
        return DecisionDiff(old=before, new=after, changes=changes, band_changed=True,
                            recommendation_changed=True)
    changes = [_change(engine, key, old_values, new_values) for key in keys]
    return DecisionDiff(
        old=before, new=after, changes=changes, band_changed=before.band != after.band,
        recommendation_changed=(before.recommendation, before.hosted_only)
        != (after.recommendation, after.hosted_only),
    )


def _change(engine: Engine, key: str, old: dict[str, Any], new: dict[str, Any], *,
            alone: bool = True) -> AnswerChange:
    alone_result = _score_alone(engine, key, old, new) if alone else None
    return AnswerChange(
        key=key, prompt=engine.questionnaire.by_id[key].prompt,
        old=to_plain(old.get(key)), new=to_plain(new.get(key)),
        score_alone=alone_result.exposure.score if alone_result else None,
        rate_alone=alone_result.exposure.rate_per_day if alone_result else None,
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


def _side(engine: Engine, answers: Answers | None) -> Side | None:
    if answers is None:
        return None
    result = score_values(engine, answers.values, file=answers.path, sha256=answers.sha256)
    e = result.exposure
    return Side(
        file=result.file, band=e.band, score=e.score, p_leak_horizon=e.p_leak["horizon"],
        median_days_to_leak=e.median_days_to_leak, rate_per_day=e.rate_per_day,
        recommendation=result.recommendation.mode,
        hosted_only=result.recommendation.hosted_only,
    )
