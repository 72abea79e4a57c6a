"""Precedents: historical releases with what happened, as data the calibration is fitted to.

A precedent file is an answers file (the same questionnaire, the same checks; estimated figures
as {low, high}) plus what history says:

    questionnaire: {id: distribution, version: "1.0"}
    title: LLaMA 1 (Meta AI), gated research release
    outcome: {leaked_after_days: 7}      # or leaked_before_day: 12, or no_leak_for_days: 77
    sources: ["Meta AI, ...", ...]       # the public sources of every fact
    estimates: {access_holders: why}     # answers that are estimates, and why those values
    answers: {...}
"""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from pydantic import Field, model_validator

from riskcli.answers import apart, check_answers
from riskcli.errors import AnswersError, Problem
from riskcli.questionnaire import Questionnaire
from riskcli.strict import Strict, validate_document
from riskcli.yamlio import load_yaml

_ANSWER_KEYS = ("questionnaire", "answers")


class Outcome(Strict):
    """What happened, counted in days from when the holders got access; exactly one is given."""

    leaked_after_days: float | None = Field(None, gt=0)
    """The weights were public this many days after access began."""
    leaked_before_day: float | None = Field(None, gt=0)
    """Only a bound is known: public at some point before this day."""
    no_leak_for_days: float | None = Field(None, gt=0)
    """No leak was seen over this many days."""

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        given = [v for v in (self.leaked_after_days, self.leaked_before_day,
                             self.no_leak_for_days) if v is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of leaked_after_days, leaked_before_day, "
                             "no_leak_for_days")
        return self

    @property
    def leaked(self) -> bool:
        return self.no_leak_for_days is None

    @property
    def days(self) -> float:
        return next(v for v in (self.leaked_after_days, self.leaked_before_day,
                                self.no_leak_for_days) if v is not None)

    def describe(self) -> str:
        if self.leaked_after_days is not None:
            return f"leaked after {self.leaked_after_days:g} days"
        if self.leaked_before_day is not None:
            return f"leaked before day {self.leaked_before_day:g}"
        return f"no leak in {self.days:g} days"


class _History(Strict):
    """The part of a precedent file that is not answers."""

    title: str
    outcome: Outcome
    sources: list[str] = Field(min_length=1)
    estimates: dict[str, str] = Field(default_factory=dict)


@dataclass(frozen=True)
class Precedent:
    name: str
    """The file name without .yaml: how packs and reports refer to it."""
    title: str
    outcome: Outcome
    sources: list[str]
    estimates: dict[str, str]
    values: dict[str, Any]
    """Checked answers, as `score` would read them."""


def load_precedent(path: Path, questionnaire: Questionnaire) -> Precedent:
    loaded = load_yaml(path)
    data, name = loaded.data, loaded.path
    if not isinstance(data, Mapping):
        raise AnswersError(Problem(name, "", "expected a mapping with questionnaire, title, "
                                   "outcome, sources, estimates and answers", code="type"))
    history = validate_document(_History, {k: v for k, v in data.items()
                                           if k not in _ANSWER_KEYS}, name, AnswersError,
                                "title, outcome, sources")
    values, problems = check_answers({k: v for k, v in data.items() if k in _ANSWER_KEYS},
                                     questionnaire, name)
    problems, _ = apart(problems, strict=True)  # a precedent is curated: no stray answers
    problems += [Problem(name, f"estimates.{key}", "names no answer given in this file",
                         code="reference") for key in history.estimates if key not in values]
    if problems:
        raise AnswersError(problems)
    return Precedent(path.stem, history.title, history.outcome, history.sources,
                     history.estimates, values)


def load_precedents(folder: Path, questionnaire: Questionnaire) -> list[Precedent]:
    """Every *.yaml in the folder, by name; all problems in all files reported together."""
    if not folder.is_dir():
        raise AnswersError(Problem(str(folder), "", "precedents folder not found", code="io"))
    precedents, problems = [], []
    for path in sorted(folder.glob("*.yaml")):
        try:
            precedents.append(load_precedent(path, questionnaire))
        except AnswersError as exc:
            problems += exc.problems
    if problems:
        raise AnswersError(problems)
    if not precedents:
        raise AnswersError(Problem(str(folder), "", "holds no precedent (*.yaml)", code="io"))
    return precedents
