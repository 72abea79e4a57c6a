"""Answers files: what teams commit, what `assess` writes after every question, what `score` reads.

    questionnaire: {id: distribution, version: "1.0"}
    answers:
      model_name: LLaMA
      ...

Checking walks the questionnaire in order, exactly as `assess` does, so a file is valid precisely
when an interactive run could have produced it: skipped questions absent, defaults filled in. An
answer to a question that does not apply (its `when` is false) is ignored with a warning, as
`assess` drops it; `--strict` makes it an error (`apart` is the one place that decides). Its value
is still checked: a wrong value is an error wherever it is, as the JSON Schema says too.

`--set key=value` answers are laid over a file's answers in one place, `AnswersMap`, so every
command that reads answers sees the same merge, and a problem names where its answer came from.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from itertools import chain
from pathlib import Path
from typing import Any, NamedTuple

from riskcli.answers_io import answers_text
from riskcli.decision import DecisionBlock, read_decision
from riskcli.errors import AnswersError, Problem, RiskcliError
from riskcli.fileio import write_atomic
from riskcli.questionnaire import Question, Questionnaire
from riskcli.values import TYPED_YES_NO, AnswerValueError, coerce, to_plain
from riskcli.yamlio import line_of, load_yaml, parse_yaml, read_bytes

_TOP_KEYS = ("questionnaire", "answers", "decision")


class Answers(NamedTuple):
    """Checked answers, in questionnaire order, plus the digest that identifies the file."""

    path: str
    values: dict[str, Any]
    sha256: str
    decision: DecisionBlock | None = None
    """The decision block, checked on its own; scoring checks what it names against the pack."""
    warnings: tuple[Problem, ...] = ()
    """Answers ignored because their question does not apply (none with strict=True)."""


def load_answers(path: Path | str, questionnaire: Questionnaire, *,
                 sets: Mapping[str, Any] | None = None, strict: bool = False) -> Answers:
    """A checked answers file, with `sets` (from `parse_sets`) laid over its answers."""
    return answers_from_bytes(read_bytes(path), str(path), questionnaire, sets=sets,
                              strict=strict)


def load_partial_answers(path: Path | str, questionnaire: Questionnaire) -> dict[str, Any]:
    """The checked answers of a half-done file (for `assess --resume`): only 'missing' is forgiven.

    A key left blank (`rationale:`) is a question still to answer, like a missing key. Defaults
    are not filled in, because a resumed walk must still ask those questions. An answer whose
    question cannot be decided yet (it depends on an answer not given) or does not apply is
    returned too, never silently dropped: the walk holds it back and offers it when its question
    comes up (one that does not apply and does not fit its question is left out, as ignored).
    """
    loaded = load_yaml(path)
    values, problems = check_answers(loaded.data, questionnaire, loaded.path)
    problems, _ = apart(problems, strict=False)  # the walk sets aside what does not apply
    raw = loaded.data.get("answers") if isinstance(loaded.data, Mapping) else None
    given = {k: v for k, v in raw.items() if v is not None} if isinstance(raw, Mapping) else {}
    real = [p for p in problems if p.code != "missing"]
    if real:
        raise AnswersError(real)
    kept: dict[str, Any] = {}
    for question in questionnaire.questions:
        if question.id in values and question.id in given:
            kept[question.id] = values[question.id]
        elif question.id in given:
            with contextlib.suppress(AnswerValueError):
                kept[question.id] = coerce(question, given[question.id])
    return kept


def answers_from_bytes(raw: bytes, name: str, questionnaire: Questionnaire, *,
                       sets: Mapping[str, Any] | None = None, strict: bool = False) -> Answers:
    """Check answers that did not come from a file on disk (e.g. `git show REV:path`).

    With `sets`, the digest is of the file's bytes followed by the `--set` answers: it names
    what was scored, so it never passes for the file's own.
    """
    return answers_from_data(parse_yaml(raw, name), raw, name, questionnaire, sets=sets,
                             strict=strict)


def answers_from_data(data: Any, raw: bytes, name: str, questionnaire: Questionnaire, *,
                      sets: Mapping[str, Any] | None = None, strict: bool = False) -> Answers:
    """`answers_from_bytes` after parsing: `data` is `raw` as `parse_yaml` read it (apart so
    the parse and the checks can be timed on their own)."""
    values, problems = check_answers(data, questionnaire, name, sets=sets)
    problems, warnings = apart(problems, strict=strict)
    try:
        decision = read_decision(data, name)
    except AnswersError as exc:
        problems, decision = [*problems, *exc.problems], None
    if problems:
        raise AnswersError(problems)
    return Answers(name, values, _digest(raw, sets), decision, tuple(warnings))


def _digest(raw: bytes, sets: Mapping[str, Any] | None) -> str:
    digest = hashlib.sha256(raw)
    for key, value in (sets or {}).items():
        digest.update(f"\n{SET} {key}={to_plain(value)!r}".encode())
    return digest.hexdigest()


def check_answers(
    data: Any, questionnaire: Questionnaire, name: str, *,
    sets: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], list[Problem]]:
    """Pure check of a parsed answers document; returns the values and every problem found,
    answers to questions that do not apply among them (`apart` tells those from errors)."""
    problems = _check_envelope(data, questionnaire, name)
    if problems:
        return {}, problems
    return resolve(data["answers"] or {}, questionnaire, name, sets=sets)


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
    elif not isinstance(ref["version"], str):  # `1.0` unquoted is a number; "1.10" is not 1.1
        problems.append(Problem(name, "questionnaire", f'expected the version as text, quoted: '
                                f'version: "{questionnaire.version}"',
                                line_of(data, "questionnaire")))
    elif (ref["id"], ref["version"]) != (questionnaire.id, questionnaire.version):
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
    given: Mapping[str, Any], questionnaire: Questionnaire, name: str = "<answers>", *,
    sets: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], list[Problem]]:
    """Walk the questions in order: check given values, skip what does not apply, fill defaults.

    `sets` are `--set` answers, laid over `given`. Every problem is returned, an answer to a
    question that does not apply (code `not-applicable`, left out of the values) among them:
    `apart` says whether that one is an error or a warning.
    """
    answers = AnswersMap(given, name, sets)
    values: dict[str, Any] = {}
    known = questionnaire.by_id
    problems = [answers.problem(key, unknown_key(key, questionnaire), "unknown-key")
                for key in answers if key not in known]
    # Questions whose answer is missing or rejected (already reported), and those behind them:
    # their conditions cannot be judged, so whether they apply is not said; a wrong value given
    # to one is still reported, so a file shows every problem in one run.
    unsettled: set[str] = set()
    answer_to, applies_to = answers.get, questionnaire.applies  # looked up once, not per question
    for question in questionnaire.questions:
        answer = answer_to(question.id)
        applies = applies_to(question, values, unsettled)
        if applies is None:
            unsettled.add(question.id)
            if answer is not None:
                problems.extend(_type_problem(question, answer, answers))
            continue
        if not applies:
            wrong = _type_problem(question, answer, answers) if answer is not None else []
            problems.extend(wrong)  # a wrong value is wrong whether or not it is used
            if answer is not None and not wrong:
                problems.append(answers.problem(
                    question.id, f"answered, but the question applies only when "
                    f"`{question.when}`, which is false here", NOT_APPLICABLE))
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
            problems.append(answers.problem(question.id, str(exc), "type"))
            unsettled.add(question.id)
    return values, problems


def _type_problem(question: Question, answer: Any, answers: AnswersMap) -> list[Problem]:
    try:
        coerce(question, answer)
    except AnswerValueError as exc:
        return [answers.problem(question.id, str(exc), "type")]
    return []


NOT_APPLICABLE = "not-applicable"


def apart(problems: Sequence[Problem], *, strict: bool) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings): the one place that decides what an answer to a question that does not
    apply is. By default it is ignored, as `assess` drops it, and each is a warning; with
    `strict` each is an error. Told apart by code, worded here."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    for problem in problems:
        if problem.code != NOT_APPLICABLE:
            errors.append(problem)
        elif strict:
            errors.append(replace(problem, message=f"{problem.message}; remove it"))
        else:
            warnings.append(replace(problem, message=f"{problem.message}; ignored"))
    return errors, warnings


SET = "--set"
"""Where a problem about a `--set` answer says it is."""


class AnswersMap:
    """The answers one reading sees, like Copier's AnswersMap: a file's answers with the `--set`
    answers laid over them (the command line wins). It knows where each answer came from, so a
    problem names the file and line, or `--set`. An empty `--set key=` is a null answer: the
    question counts as unanswered, as `key:` does in a file."""

    def __init__(self, given: Mapping[str, Any], name: str,
                 sets: Mapping[str, Any] | None = None):
        self.given, self.name, self.sets = given, name, sets or {}
        if not self.sets:  # the usual run: the file's own answers, read without a detour
            self.get = given.get  # type: ignore[method-assign]

    def __iter__(self) -> Iterator[str]:
        if not self.sets:
            return iter(self.given)
        return chain(self.given, (key for key in self.sets if key not in self.given))

    def get(self, key: str) -> Any:
        return self.sets[key] if key in self.sets else self.given.get(key)

    def problem(self, key: Any, message: str, code: str) -> Problem:
        """A problem with the answer to `key`, named where it was given: `--set`, or the file and
        its line."""
        if key in self.sets:
            return Problem(SET, str(key), message, code=code)
        return Problem(self.name, str(key), message, line_of(self.given, key), code=code)


def parse_sets(pairs: Sequence[str], questionnaire: Questionnaire) -> dict[str, Any]:
    """`--set key=value` pairs, each value read as its question types it, checked once.

    Text, choice and date answers are taken as written (`--set legal_terms=none`), yes/no as
    `assess` takes them (`yes`, `n`); the others are read as YAML, as in a file (`--set
    weights_leave_premises=false`,
    `--set access_holders='{low: 20, high: 80}'`, `--set download_controls='[none]'`). An
    empty value leaves the question unanswered. Raises one `--set: key: problem` each.
    """
    sets: dict[str, Any] = {}
    problems: list[Problem] = []
    for pair in pairs:
        key, equals, text = pair.partition("=")
        key = key.strip()
        if not equals or not key:
            problems.append(Problem(SET, pair, "expected KEY=VALUE"))
            continue
        question = questionnaire.by_id.get(key)
        if question is None:
            problems.append(Problem(SET, key, unknown_key(key, questionnaire), code="unknown-key"))
        elif key in sets:
            problems.append(Problem(SET, key, "given twice; give each answer once"))
        else:
            try:
                sets[key] = _set_value(question, text)
            except AnswerValueError as exc:
                problems.append(Problem(SET, key, str(exc), code="type"))
    if problems:
        raise AnswersError(problems)
    return sets


def _set_value(question: Question, text: str) -> Any:
    if not text.strip():
        return None
    if question.type in ("text", "choice", "date"):
        return coerce(question, text.strip())
    if question.type == "bool" and text.strip().lower() in TYPED_YES_NO:
        return TYPED_YES_NO[text.strip().lower()]
    try:
        value = parse_yaml(text.encode("utf-8"), SET)
    except RiskcliError as exc:
        raise AnswerValueError(exc.problems[0].message) from None
    return None if value is None else coerce(question, value)


def unknown_key(key: Any, questionnaire: Questionnaire) -> str:
    """What a mistyped answer key gets, wherever one is named (file, --set, --edit): the
    closest real key, when there is one."""
    close = difflib.get_close_matches(str(key), list(questionnaire.by_id), n=1)
    return f"unknown key; did you mean {close[0]}?" if close else "unknown key"


def answers_document(questionnaire: Questionnaire, values: Mapping[str, Any]) -> dict[str, Any]:
    """The on-disk shape, answers in questionnaire order so files diff cleanly."""
    ordered = {q.id: to_plain(values[q.id]) for q in questionnaire.questions if q.id in values}
    return {
        "questionnaire": {"id": questionnaire.id, "version": questionnaire.version},
        "answers": ordered,
    }


def save_answers(path: Path | str, questionnaire: Questionnaire, values: Mapping[str, Any],
                 previous: bytes | None = None, *, exclusive: bool = False) -> bytes:
    """Write `values` atomically: into `previous` (the file's bytes as last read or written),
    keeping its comments and layout, or as a new file (with `exclusive`, only if nothing has
    taken the name meanwhile). Returns the bytes written, the `previous` of the next save."""
    content = answers_text(questionnaire, values, previous, str(path))
    write_atomic(path, content, exclusive=exclusive)
    return content
