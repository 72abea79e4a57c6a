"""Answers files: what teams commit, what `assess` writes after every question, what `score` reads.

    questionnaire: {id: distribution, version: "1.0"}
    answers:
      model_name: LLaMA
      ...

Checking walks the questionnaire in order, exactly as `assess` does, so a file is valid precisely
when an interactive run could have produced it: skipped questions absent, defaults filled in.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from riskcli.decision import DecisionBlock, read_decision
from riskcli.errors import AnswersError, Problem
from riskcli.fileio import write_atomic
from riskcli.questionnaire import Question, Questionnaire
from riskcli.values import AnswerValueError, coerce, to_plain
from riskcli.yamlio import dump_yaml, line_of, load_yaml, parse_yaml, read_bytes

_TOP_KEYS = ("questionnaire", "answers", "decision")


@dataclass(frozen=True)
class Answers:
    """Checked answers, in questionnaire order, plus the digest that identifies the file."""

    path: str
    values: dict[str, Any]
    sha256: str
    decision: DecisionBlock | None = None
    """The decision block, checked on its own; scoring checks what it names against the pack."""


def load_answers(path: Path | str, questionnaire: Questionnaire) -> Answers:
    return answers_from_bytes(read_bytes(path), str(path), questionnaire)


def load_partial_answers(path: Path | str, questionnaire: Questionnaire) -> dict[str, Any]:
    """The checked answers of a half-done file (for `assess --resume`): only 'missing' is forgiven.

    A key left blank (`rationale:`) is a question still to answer, like a missing key. Defaults
    are not filled in, because a resumed walk must still ask those questions.
    """
    loaded = load_yaml(path)
    values, problems = check_answers(loaded.data, questionnaire, loaded.path)
    raw = loaded.data.get("answers") if isinstance(loaded.data, Mapping) else None
    given = {k: v for k, v in raw.items() if v is not None} if isinstance(raw, Mapping) else {}
    real = [p for p in problems if p.code != "missing"]
    if real:
        raise AnswersError(real)
    return {key: value for key, value in values.items() if key in given}


def answers_from_bytes(raw: bytes, name: str, questionnaire: Questionnaire) -> Answers:
    """Check answers that did not come from a file on disk (e.g. `git show REV:path`)."""
    data = parse_yaml(raw, name)
    values, problems = check_answers(data, questionnaire, name)
    try:
        decision = read_decision(data, name)
    except AnswersError as exc:
        problems, decision = [*problems, *exc.problems], None
    if problems:
        raise AnswersError(problems)
    return Answers(name, values, hashlib.sha256(raw).hexdigest(), decision)


def check_answers(
    data: Any, questionnaire: Questionnaire, name: str
) -> tuple[dict[str, Any], list[Problem]]:
    """Pure check of a parsed answers document; returns the values and every problem found."""
    problems = _check_envelope(data, questionnaire, name)
    if problems:
        return {}, problems
    return resolve(data["answers"] or {}, questionnaire, name)


def _check_envelope(data: Any, questionnaire: Questionnaire, name: str) -> list[Problem]:
    if not isinstance(data, Mapping):
        return [Problem(name, "", "expected a mapping with `questionnaire` and `answers`",
                        code="type")]
    problems = [
        Problem(name, str(key), f"unknown top-level key (expected {' and '.join(_TOP_KEYS)})",
                line_of(data, key), code="unknown-key")
        for key in data if key not in _TOP_KEYS
    ]
    ref = data.get("questionnaire")
    if not isinstance(ref, Mapping) or set(ref) != {"id", "version"}:
        problems.append(Problem(name, "questionnaire",
                                'expected {id: ..., version: "..."} naming the questionnaire',
                                line_of(data, "questionnaire")))
    elif (ref["id"], str(ref["version"])) != (questionnaire.id, questionnaire.version):
        problems.append(Problem(
            name, "questionnaire",
            f"answers are for {ref['id']} {ref['version']}, but the questionnaire is "
            f"{questionnaire.id} {questionnaire.version}", line_of(data, "questionnaire")))
    if "answers" not in data:
        problems.append(Problem(name, "answers", "missing (expected a mapping of answers)"))
    elif data["answers"] is not None and not isinstance(data["answers"], Mapping):
        problems.append(Problem(name, "answers", "expected a mapping of question id to answer",
                                line_of(data, "answers")))
    return problems


def resolve(
    given: Mapping[str, Any], questionnaire: Questionnaire, name: str = "<answers>"
) -> tuple[dict[str, Any], list[Problem]]:
    """Walk the questions in order: check given values, skip what does not apply, fill defaults."""
    values: dict[str, Any] = {}
    problems = [_unknown_key(key, questionnaire, name, line_of(given, key))
                for key in given if key not in questionnaire.by_id]
    # Questions whose answer is missing or rejected (already reported), and those behind them:
    # their conditions cannot be judged, so whether they apply is not said; a wrong value given
    # to one is still reported, so a file shows every problem in one run.
    unsettled: set[str] = set()
    for question in questionnaire.questions:
        line = line_of(given, question.id)
        answer = given.get(question.id)
        applies = questionnaire.applies(question, values, unsettled)
        if applies is None:
            unsettled.add(question.id)
            if answer is not None:
                problems.extend(_type_problem(question, answer, name, line))
            continue
        if not applies:
            if answer is not None:
                problems.append(Problem(
                    name, question.id, "answered, but the question applies only when "
                    f"`{question.when}`, which is false here; remove it", line,
                    code="not-applicable"))
            continue
        if answer is None:
            if question.default is not None:
                values[question.id] = question.default
            elif question.required:
                problems.append(Problem(name, question.id, "missing required answer",
                                        code="missing"))
                unsettled.add(question.id)
            continue
        try:
            values[question.id] = coerce(question, answer)
        except AnswerValueError as exc:
            problems.append(Problem(name, question.id, str(exc), line, code="type"))
            unsettled.add(question.id)
    return values, problems


def _type_problem(question: Question, answer: Any, name: str, line: int | None) -> list[Problem]:
    try:
        coerce(question, answer)
    except AnswerValueError as exc:
        return [Problem(name, question.id, str(exc), line, code="type")]
    return []


def _unknown_key(key: Any, questionnaire: Questionnaire, name: str, line: int | None) -> Problem:
    close = difflib.get_close_matches(str(key), list(questionnaire.by_id), n=1)
    hint = f"; did you mean {close[0]}?" if close else ""
    return Problem(name, str(key), f"unknown key{hint}", line, code="unknown-key")


def answers_document(questionnaire: Questionnaire, values: Mapping[str, Any]) -> dict[str, Any]:
    """The on-disk shape, answers in questionnaire order so files diff cleanly."""
    ordered = {q.id: to_plain(values[q.id]) for q in questionnaire.questions if q.id in values}
    return {
        "questionnaire": {"id": questionnaire.id, "version": questionnaire.version},
        "answers": ordered,
    }


def save_answers(path: Path | str, questionnaire: Questionnaire, values: Mapping[str, Any]) -> None:
    write_atomic(path, dump_yaml(answers_document(questionnaire, values)))
