"""Readable tables of content (questions, rules) for the terminal."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from riskcli.questionnaire import Question, Questionnaire
from riskcli.values import expectation


def print_questions(questionnaire: Questionnaire, console: Console | None = None) -> None:
    console = console or Console()
    console.print(f"{questionnaire.title}  ({questionnaire.id} {questionnaire.version})")
    for section in questionnaire.sections:
        table = Table(title=section.title, title_justify="left", show_lines=False, expand=True)
        table.add_column("key", no_wrap=True)
        table.add_column("asks")
        table.add_column("answer", overflow="fold")
        for question in section.questions:
            table.add_row(question.id, question.prompt, _answer_words(question))
        console.print(table)


def _answer_words(question: Question) -> str:
    words = expectation(question)
    if question.default is not None:
        words += f" [default {question.default}]"
    if not question.required:
        words += " (optional)"
    if question.when is not None:
        words += f" (only when {question.when})"
    return words
