"""The questionnaire: a versioned, declarative list of questions, validated and compiled at load.

Everything a lead reads (prompts, help, choice labels) is data in `questionnaires/*.yaml`; this
module only gives that data a strict shape and compiles each `when` against the questions asked
before it, so a condition can never depend on an answer that does not exist yet.
"""

from collections.abc import Collection, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import Field, field_validator, model_validator

from riskcli.conditions import compile_condition
from riskcli.errors import ConditionError, QuestionnaireError
from riskcli.strict import (
    Conditioned,
    CrossCheckErrors,
    Identifier,
    Strict,
    Text,
    validate_document,
)
from riskcli.values import AnswerValueError, coerce
from riskcli.yamlio import load_yaml

QuestionType = Literal["choice", "multi_choice", "bool", "int", "float", "text", "date"]
KEY_PATTERN = r"^[a-z][a-z0-9_]*$"
_YAML_WORDS = frozenset({"yes", "no", "on", "off", "true", "false", "null"})


class Choice(Strict):
    value: Text = Field(pattern=KEY_PATTERN)
    """What is stored in the answers file. Lower-case identifier; never a YAML boolean word."""
    label: str
    """What the lead reads."""
    help: str = ""
    """When to pick this choice, with examples."""
    exclusive: bool = False
    """multi_choice only: this choice stands alone (e.g. `none`)."""

    @field_validator("value")
    @classmethod
    def _not_a_yaml_word(cls, value: str) -> str:
        """Even quoted here, the same word unquoted in an answers file would load as a bool/null."""
        if value in _YAML_WORDS:
            raise ValueError(
                f'"{value}" is a YAML boolean or null when a user writes it unquoted (yes, no, on '
                "and off in YAML 1.1); choose another value"
            )
        return value


class Lever(Strict):
    """An answer the organisation controls: `riskcli levers` tries its alternatives."""

    owner: str
    """The role that would carry the change out (one of the rule pack's owners)."""
    steps: list[float] = Field(default_factory=list)
    """Numbers only: factors to try (0.5 halves, 10 multiplies by ten); choices and yes/no try
    every other value."""

    @field_validator("steps")
    @classmethod
    def _positive(cls, steps: list[float]) -> list[float]:
        if any(not 0 < step < 1e6 or step == 1 for step in steps):
            raise ValueError("steps are factors above 0, other than 1")
        return steps


class Question(Conditioned):
    """`condition` is `when`, compiled against the questions before this one by the
    questionnaire that holds it: a Question exists only inside a validated Questionnaire."""

    id: Identifier = Field(pattern=KEY_PATTERN)
    """The answer key in answers files and the name conditions and rules use."""
    prompt: str
    help: str = ""
    """Shown on request: what the question means, how to count, examples."""
    type: QuestionType
    choices: list[Choice] = Field(default_factory=list)
    default: Any = None
    """Taken on Enter, and filled in for an optional question left unanswered."""
    required: bool = True
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    """`min` itself is not allowed (for sizes that must be > 0)."""
    lever: Lever | None = None
    """The organisation controls this answer; what would changing it do?"""
    fact: bool = False
    """A fact about the world the organisation does not control (demand, an open equivalent,
    misuse severity): never suggested as a lever."""
    estimable: bool = False
    """int/float only: the answer may be an estimate `{low: X, high: Y}` (`X-Y` in `assess`),
    which widens the interval on every figure instead of pretending to a precision nobody has."""
    unit: Text | None = Field(default=None, pattern=r"^[A-Za-z%/]{1,16}$")
    """int/float only: what the number counts in, e.g. `GB`. Shown beside the answer in `assess`,
    which also takes a size typed in another unit (`1.2TB`, `500 MB`) and stores it in this one."""
    when: str | bool | None = None
    """A condition on earlier answers; when false the question is skipped and its key absent."""

    @field_validator("choices")
    @classmethod
    def _unique_choices(cls, choices: list[Choice]) -> list[Choice]:
        seen: set[str] = set()
        for choice in choices:
            if choice.value in seen:
                raise ValueError(f"choice value {choice.value!r} appears twice")
            seen.add(choice.value)
        return choices

    @model_validator(mode="after")
    def _fits_type(self) -> Self:
        is_choice = self.type in ("choice", "multi_choice")
        if is_choice and not self.choices:
            raise ValueError(f"a {self.type} question needs choices")
        if not is_choice and self.choices:
            raise ValueError(f"a {self.type} question cannot have choices")
        if self.type not in ("int", "float") and (self.min is not None or self.max is not None):
            raise ValueError("min/max only apply to int and float questions")
        if self.estimable and self.type not in ("int", "float"):
            raise ValueError("only int and float questions can be estimable")
        if self.unit is not None and self.type not in ("int", "float"):
            raise ValueError("only int and float questions have a unit")
        if self.lever is not None and self.fact:
            raise ValueError("a question is a lever or a fact, not both")
        if self.lever is not None and self.lever.steps and self.type not in ("int", "float"):
            raise ValueError("lever steps only apply to int and float questions")
        if self.lever is not None and self.type in ("text", "date"):
            raise ValueError("a text or date question cannot be a lever")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is greater than max")
        if self.default is not None:
            try:
                object.__setattr__(self, "default", coerce(self, self.default))
            except AnswerValueError as exc:
                raise ValueError(f"default: {exc}") from None
        return self

    @cached_property
    def choice_values(self) -> list[str]:
        return [c.value for c in self.choices]

    def choice(self, value: str) -> Choice | None:
        return next((c for c in self.choices if c.value == value), None)


class Section(Strict):
    id: Identifier = Field(pattern=KEY_PATTERN)
    title: str
    help: str = ""
    questions: list[Question] = Field(min_length=1)


class Questionnaire(Strict):
    id: Identifier = Field(pattern=KEY_PATTERN)
    version: Text
    """Quoted, e.g. "1.0". Answers files name the version they were written for."""
    title: str
    description: str = ""
    sections: list[Section] = Field(min_length=1)

    @cached_property
    def questions(self) -> list[Question]:
        return [q for section in self.sections for q in section.questions]

    @cached_property
    def by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    @cached_property
    def section_of(self) -> dict[str, Section]:
        return {q.id: s for s in self.sections for q in s.questions}

    @model_validator(mode="after")
    def _compile_conditions(self) -> Self:
        """Compile every `when` against the questions asked before it, here and nowhere else, so
        no questionnaire (however it was built) holds a question whose condition is unchecked."""
        problems: list[tuple[str, tuple, str]] = []
        asked: list[str] = []
        for s_index, section in enumerate(self.sections):
            for q_index, question in enumerate(section.questions):
                path = ("sections", s_index, "questions", q_index)
                if question.id in asked:
                    problems.append((f"question {question.id}", (*path, "id"), "id is used twice"))
                    continue
                if question.when is not None:
                    try:
                        question._condition = compile_condition(question.when, asked)
                    except ConditionError as exc:
                        problems.append((f"question {question.id}: when", (*path, "when"),
                                         _explain(exc, question.when, self, asked)))
                asked.append(question.id)
        if problems:
            raise CrossCheckErrors(problems)
        return self

    def applies(self, question: Question, answers: Mapping[str, Any],
                unsettled: Collection[str] = ()) -> bool | None:
        """Whether `question` is asked, given the answers before it: the one answer to this, used
        by the walk, the answers check, diff and the tests alike.

        None means it cannot be decided: the condition reads an answer in `unsettled` (missing or
        rejected, and already reported), or fails on the answers given (it compares an optional
        answer that was left out). Each caller says what undecided means for it.
        """
        condition = question.condition
        if condition is None:
            return True
        if unsettled and not condition.names.isdisjoint(unsettled):
            return None
        try:
            return condition.evaluate(answers)
        except ConditionError:
            return None


def load_questionnaire(path: Path | str) -> Questionnaire:
    loaded = load_yaml(path)
    return build_questionnaire(loaded.data, loaded.path)


def build_questionnaire(data: Any, name: str) -> Questionnaire:
    """Validate and compile; every problem found is reported at once, each naming its question."""
    return validate_document(Questionnaire, data, name, QuestionnaireError,
                             "id, version, sections")


def _explain(
    exc: ConditionError, when: str | bool, questionnaire: Questionnaire, asked: list[str]
) -> str:
    """Say whether an unknown name is a typo or a question that is not asked before this one.

    Compiling again against every question id tells the two apart exactly; matching ids inside
    the message text would blame `mode` for a typo like `mode_x`.
    """
    message = str(exc)
    try:
        names = compile_condition(when, questionnaire.by_id).names
    except ConditionError:
        return message
    later = [q.id for q in questionnaire.questions if q.id in names and q.id not in asked]
    if not later:
        return message
    verb = "is" if len(later) == 1 else "are"
    return (f"{message} ({', '.join(later)} {verb} not asked before this question; "
            "conditions may only use earlier answers)")
