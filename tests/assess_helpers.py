"""What a lead types at `riskcli assess`, shared by the scripted and the pseudo-terminal tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from riskcli.questionnaire import Question, Questionnaire
from riskcli.values import coerce
from riskcli.walk import prune


def typed(value: Any) -> str:
    """The keystrokes that answer a question with `value` (y/n, comma lists, plain text)."""
    if isinstance(value, bool):
        return "y" if value else "n"
    if isinstance(value, list):
        return ",".join(value)
    return str(value)


def asked(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> list[Question]:
    """The questions a lead giving these answers is asked, in order: the walk's own `prune`."""
    values = {key: coerce(questionnaire.by_id[key], value) for key, value in answers.items()}
    return [questionnaire.by_id[key] for key in prune(questionnaire, values)]
