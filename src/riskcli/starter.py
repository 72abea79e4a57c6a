"""A commented starter answers file, for teams who would rather edit YAML than walk `assess`.

Every question appears as a comment block (prompt, help, what is expected, choices with labels)
above its key, defaults filled in and the rest left empty, so `riskcli validate` lists exactly what
is still to answer. The `yaml-language-server` header points at the schema written beside it, so
editors complete keys and choices.
"""

from __future__ import annotations

import textwrap

from riskcli.questionnaire import Question, Questionnaire
from riskcli.values import expectation, to_plain
from riskcli.yamlio import dump_yaml

SCHEMA_FILE = "riskcli-answers.schema.json"
WIDTH = 96


def starter_text(questionnaire: Questionnaire, schema_file: str = SCHEMA_FILE) -> str:
    ref = dump_yaml({"id": questionnaire.id, "version": questionnaire.version}).strip()
    lines = [
        f"# yaml-language-server: $schema={schema_file}",
        f"# riskcli answers: {questionnaire.title} ({questionnaire.id} {questionnaire.version})",
        "# Answer every empty key (questions marked 'only when' may stay empty when they do not",
        "# apply), then: riskcli validate <this file> && riskcli score <this file>",
        "questionnaire:",
        *[f"  {line}" for line in ref.splitlines()],
        "answers:",
    ]
    for section in questionnaire.sections:
        lines += ["", f"  # == {section.title} =="]
        lines += _comment(section.help)
        for question in section.questions:
            lines += ["", *_question_block(question)]
    return "\n".join(lines) + "\n"


def _question_block(question: Question) -> list[str]:
    block = _comment(question.prompt)
    block += _comment(question.help)
    expected = expectation(question) if not question.choices else _choice_kind(question)
    notes = [expected]
    if not question.required:
        notes.append("optional")
    if question.when is not None:
        notes.append(f"only when {question.when}")
    block += _comment("; ".join(notes))
    width = max((len(c.value) for c in question.choices), default=0)
    for choice in question.choices:
        block.append(f"  #   {_one_line(choice.value):<{width}}  {_one_line(choice.label)}")
    block.append(f"  {question.id}:{_value(question)}")
    return block


def _choice_kind(question: Question) -> str:
    return "one of" if question.type == "choice" else "a list, e.g. [a, b], of any of"


def _value(question: Question) -> str:
    if question.default is None:
        return ""
    dumped = dump_yaml({question.id: to_plain(question.default)}).strip()
    return dumped.split(":", 1)[1]


def _comment(text: str) -> list[str]:
    if not text:
        return []
    return [f"  # {line}" for line in textwrap.wrap(_one_line(text), WIDTH - 4)]


def _one_line(text: str) -> str:
    """Every piece of questionnaire text lands inside a `#` comment, and a line break in it (YAML
    1.1 also breaks lines at NEL, LS and PS) would end the comment and turn the rest into a live
    answer line. `str.split()` splits on all of those, so joining its words keeps a comment one
    line."""
    return " ".join(text.split())
