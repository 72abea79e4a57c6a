"""What a lead types at `riskcli assess`, shared by the scripted and the pseudo-terminal tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from riskcli.questionnaire import Question, Questionnaire
from riskcli.values import coerce


def typed(value: Any) -> str:
    """The keystrokes that answer a question with `value` (y/n, comma lists, plain text)."""
    if isinstance(value, bool):
        return "y" if value else "n"
    if isinstance(value, list):
        return ",".join(value)
    return str(value)


def asked(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> list[Question]:
    """The questions a lead giving these answers is asked, in order."""
    given: dict[str, Any] = {}
    out = []
    for question in questionnaire.questions:
        if question.id in answers and questionnaire.applies(question, given):
            given[question.id] = coerce(question, answers[question.id])
            out.append(question)
    return out
