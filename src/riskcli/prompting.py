"""The terminal side of `assess`: show a question, read a line, turn it into a value, or re-ask.

Everything the lead reads about a question (section titles, prompts, help, choice labels) comes
from the questionnaire; what is typed is converted to a Python value here and then checked by
`values.coerce`, so a wrong answer is refused with the same reason an answers file would get.
Which question comes next is not decided here but in `riskcli.walk`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from riskcli.questionnaire import Question, Questionnaire, Section
from riskcli.terminal import safe, wrap
from riskcli.values import TYPED_YES_NO, AnswerValueError, Range, coerce, expectation
from riskcli.walk import Walk

HELP = "?"
BACK = "<"
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
_SHOWN_TEXT_CHARS = 40
_ESTIMATE = re.compile(r"(?P<low>[\d.][^-–]*?)\s*(?:-|–|\bto\b)\s*(?P<high>[\d.].*)")
"""An estimate typed as `1000-5000`, `1,000 – 5,000`, `1000 to 5000`, `2k-5k` or `100-200 GB`."""
TYPED_ESTIMATE = "e.g. 1000-5000"
_SUFFIXED = re.compile(r"(?P<number>\d[\d,]*(?:\.\d*)?|\.\d+)\s*(?P<suffix>[A-Za-z]+)")
"""A number with letters after it: `2k`, `1.5M`, `60GB`, `500 MB`."""
_SIZES = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12, "pb": 10**15,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40, "pib": 2**50}
"""Bytes in each size unit, for a question whose `unit` is one of them (decimal GB is not GiB)."""
_MULTIPLIERS = {"k": 10**3, "m": 10**6}
"""`2k` and `1.5M` for any other number."""
_NOT_UTF8 = re.compile(r"[\ud800-\udfff]")
"""What a terminal's decoder leaves for bytes that are not UTF-8 (surrogateescape): saved, they
would make the file unreadable to every riskcli command."""
NOT_UTF8 = "that is not valid UTF-8 text (check the terminal's encoding); type it again"


class GoBack:
    """What `Prompter.ask` returns when the lead typed `<`."""


GO_BACK = GoBack()


def parse_reply(question: Question, text: str) -> Any:
    """Turn a typed line into a checked value; raise AnswerValueError saying what was expected."""
    text = text.strip()
    kind = question.type
    if kind == "bool":
        raw: Any = _bool(text)
        if not isinstance(raw, bool):
            raise AnswerValueError(f'expected y or n, got "{text}"')
    elif kind in ("int", "float"):
        estimate = _ESTIMATE.fullmatch(text) if question.estimable else None
        raw = _estimate(question, estimate["low"], estimate["high"]) if estimate else (
            _quantity(question, text))
    elif kind == "choice":
        raw = _choice(question, text)
    elif kind == "multi_choice":
        raw = [_choice(question, token) for token in re.split(r"[,\s]+", text) if token]
        if not raw:  # `,` alone chooses nothing: not an answer, whether or not one is required
            raise AnswerValueError(f'expected {expectation(question)}, got "{text}"')
    else:
        raw = text
    try:
        return coerce(question, raw)
    except AnswerValueError as exc:
        # Say how an estimate is typed here, not how it is written in a file.
        typed = expectation(question, estimate_as=TYPED_ESTIMATE)
        raise AnswerValueError(str(exc).replace(expectation(question), typed)) from None


def _bool(text: str) -> Any:
    return TYPED_YES_NO.get(text.lower(), text)


def _number(text: str) -> Any:
    """Whole numbers stay int so an int question can refuse 2.5; '100,000' is read as 100000."""
    cleaned = text.replace(",", "") if _THOUSANDS.fullmatch(text) else text
    for convert in (int, float):
        try:
            return convert(cleaned)
        except ValueError:
            continue
    return text


def _estimate(question: Question, low: str, high: str) -> dict[str, Any]:
    """`100-200 GB`: a unit written only after the high end is the low end's too."""
    high_unit = _SUFFIXED.fullmatch(high)
    if high_unit and not _SUFFIXED.fullmatch(low):
        low = f"{low}{high_unit['suffix']}"
    return {"low": _quantity(question, low), "high": _quantity(question, high)}


def _quantity(question: Question, text: str) -> Any:
    """A typed number, in the question's unit: `60GB`, `1.2TB` or `500 MB` when the unit is a
    size, `2k` or `1.5M` otherwise; stored as the plain number (1200 for 1.2TB in GB)."""
    suffixed = _SUFFIXED.fullmatch(text)
    if suffixed is None:
        return _number(text)
    number, suffix = suffixed["number"], suffixed["suffix"].lower()
    unit = (question.unit or "").lower()
    if unit in _SIZES:
        if suffix not in _SIZES:
            raise AnswerValueError(f'expected a size in {question.unit} or another unit '
                                   f'(B, kB, MB, GB, TB, PB, KiB ... PiB), got "{text}"')
        factor = Decimal(_SIZES[suffix]) / Decimal(_SIZES[unit])
    elif suffix in _MULTIPLIERS:
        factor = Decimal(_MULTIPLIERS[suffix])
    else:
        return text  # refused by coerce, which says what was expected
    try:
        value = Decimal(number.replace(",", "") if _THOUSANDS.fullmatch(number) else number)
    except InvalidOperation:
        return text
    value *= factor
    return int(value) if value == value.to_integral_value() else float(value)


def _choice(question: Question, token: str) -> str:
    """A choice by its number in the list or by its value (case and dashes forgiven)."""
    if token.isdigit():
        number = int(token)
        if 1 <= number <= len(question.choices):
            return question.choices[number - 1].value
        raise AnswerValueError(
            f"expected a number from 1 to {len(question.choices)} or {expectation(question)}, "
            f'got "{token}"'
        )
    return token.lower().replace("-", "_")


def show_value(question: Question, value: Any) -> str:
    """An answer as the lead would type it back: yes/no, comma-separated lists, ISO dates, a
    number with the question's unit."""
    shown = _typed_form(value)
    if question.unit and isinstance(value, int | float) and not isinstance(value, bool):
        return f"{shown} {question.unit}"
    return shown


def _typed_form(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Range):
        return f"{_typed_form(value.low)}-{_typed_form(value.high)}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def answer_label(question: Question, value: Any) -> str:
    """An answer as the lead reads it back in the summary: choices by their labels."""
    if question.type == "choice":
        choice = question.choice(value)
        return choice.label if choice else str(value)
    if question.type == "multi_choice":
        return "; ".join(c.label if (c := question.choice(v)) else v for v in value)
    return show_value(question, value)


class Prompter:
    """Reads and writes through one rich Console, which drops colour when piped or NO_COLOR.

    Everything printed is `Text`, never markup: answers and questionnaire text are data, so a
    model named `LLaMA [/v2]` prints as typed instead of crashing rich or writing a link.
    """

    def __init__(self, console: Console, today: dt.date | None = None):
        self.console = console
        self.today = today or dt.date.today()
        """What Enter takes for a date question with no answer and no default."""

    def read(self, prompt: str) -> str:
        """One line from the lead. The prompt goes through input() itself, unstyled: readline
        must know it, or an empty reply leaves the cursor on the prompt's line."""
        return input(prompt)

    def say(self, text: str, style: str = "") -> None:
        self.console.print(Text(safe(text, lines=True), style=style))

    def block(self, text: str, style: str = "") -> None:
        """Text laid out already (a score, a command to copy): printed as it is, never
        re-wrapped, and like everything else shown as data."""
        self.console.print(Text(safe(text, lines=True), style=style), soft_wrap=True)

    def confirm(self, question: str) -> bool:
        """A y/N question: only y or yes is yes; Enter, Ctrl-C and a closed input are no."""
        try:
            reply = self.read(f"{question} [y/N] > ")
        except (KeyboardInterrupt, EOFError, UnicodeDecodeError):
            self.console.print()
            return False
        return reply.strip().lower() in ("y", "yes")

    def section(self, section: Section, number: int, total: int) -> None:
        self.console.print()
        self.console.rule(Text(safe(f"{section.title} ({number}/{total})"), style="bold"),
                          align="left")
        if section.help:
            self.say(section.help, style="dim")

    def ask(self, question: Question, suggestion: Any, can_go_back: bool) -> Any:
        """Ask until the reply is acceptable; return the value, None (skipped) or GO_BACK."""
        if suggestion is None and question.type == "date":
            suggestion = self.today
        self._show_question(question, can_go_back)
        while True:
            try:
                reply = self.read(self._input_prompt(question, suggestion)).strip()
            except UnicodeDecodeError:  # a terminal decoding strictly
                self._refuse(NOT_UTF8)
                continue
            if _NOT_UTF8.search(reply):
                self._refuse(NOT_UTF8)
            elif reply == HELP:
                self._show_help(question)
            elif reply == BACK and can_go_back:
                return GO_BACK
            elif reply == BACK:
                self._refuse("this is the first question; there is nothing to go back to")
            elif not reply:
                if suggestion is not None or not question.required:
                    self._taken(question, suggestion)
                    return suggestion
                hint = self._hint(question)
                self._refuse(f"an answer is required ({hint})" if hint else "an answer is required")
            else:
                try:
                    return parse_reply(question, reply)
                except AnswerValueError as exc:
                    self._refuse(str(exc))

    def summary(self, questionnaire: Questionnaire, values: Mapping[str, Any]) -> None:
        self.console.print()
        self.console.rule(Text("Your answers", style="bold"), align="left")
        for section in questionnaire.sections:
            answered = [q for q in section.questions if q.id in values]
            if not answered:
                continue
            self.say(section.title, style="bold")
            table = Table.grid(padding=(0, 2))
            table.add_column(no_wrap=True)
            table.add_column(overflow="fold")
            for question in answered:
                table.add_row(Text(safe(question.id)),
                              Text(safe(answer_label(question, values[question.id]), lines=True)))
            self.console.print(Padding(table, (0, 0, 0, 2), expand=False))

    def _show_question(self, question: Question, can_go_back: bool) -> None:
        self.console.print()
        self.say(question.prompt, style="bold")
        if question.choices:
            self.console.print(self._choice_table(question))
        keys = [self._hint(question)]
        if self._has_help(question):
            keys.append("? help")
        if can_go_back:
            keys.append("< back")
        self._indented("  ·  ".join(k for k in keys if k), style="dim")

    def _input_prompt(self, question: Question, suggestion: Any) -> str:
        if question.type == "bool":
            shown = {True: "Y/n", False: "y/N"}.get(suggestion, "y/n")
        elif suggestion is not None:
            shown = _shorten(show_value(question, suggestion))
        else:
            shown = "" if question.required else "Enter to skip"
        return f"[{shown}] > " if shown else "> "

    def _hint(self, question: Question) -> str:
        if question.type == "choice":
            return "a number or a value"
        if question.type == "multi_choice":
            return "numbers or values, separated by commas"
        if question.type == "bool":
            return "y or n"
        if question.type == "text":
            return "" if question.required else "optional"
        expected = expectation(question, estimate_as=TYPED_ESTIMATE)
        if question.unit and question.unit.lower() in _SIZES:
            return f"{expected}, in {question.unit} (1.2TB or 500 MB work too)"
        if question.unit:
            return f"{expected}, in {question.unit}"
        return expected

    def _has_help(self, question: Question) -> bool:
        return bool(question.help) or any(c.help for c in question.choices)

    def _show_help(self, question: Question) -> None:
        if question.help:
            self.console.print(Padding(Text(safe(question.help, lines=True)), (0, 0, 0, 2),
                                       expand=False))
        for number, choice in enumerate(question.choices, start=1):
            if choice.help:
                self.console.print(self._choice_line(number, choice.label))
                self.console.print(Padding(Text(safe(choice.help, lines=True), style="dim"),
                                           (0, 0, 0, 7), expand=False))
        if not self._has_help(question):
            self.say("  No further help for this question.", style="dim")
        hint = self._hint(question)
        if hint:
            self._indented(f"Expected: {hint}.", style="dim")

    def dropped(self, questions: list[Question]) -> None:
        """Say which answers a changed answer removed, so nothing vanishes silently (the walk
        offers them again if their questions come back)."""
        names = ", ".join(q.id for q in questions)
        self.say(f"  No longer applies, removed: {names} (suggested again if they apply again)",
                 style="yellow")

    def _choice_table(self, question: Question) -> Table:
        """Number, label, value; a long label wraps inside its own column on a narrow screen."""
        table = Table.grid(padding=(0, 1))
        table.add_column(justify="right", no_wrap=True, style="cyan")
        table.add_column()
        table.add_column(no_wrap=True, style="dim")
        for number, choice in enumerate(question.choices, start=1):
            table.add_row(f"  {number})", Text(safe(choice.label)), Text(safe(f"[{choice.value}]")))
        return table

    def _choice_line(self, number: int, label: str) -> Text:
        """A long label wraps under itself, not back under the number."""
        line = Text(f"  {number:>2}) ", style="cyan")
        line.append("\n      ".join(wrap(safe(label), max(self.console.width - 6, 20))))
        return line

    def _indented(self, text: str, style: str = "") -> None:
        """A line under a question: when it wraps, it wraps under itself."""
        self.console.print(Padding(Text(safe(text), style=style), (0, 0, 0, 2), expand=False))

    def _taken(self, question: Question, suggestion: Any) -> None:
        """Enter typed nothing on screen; show what it took."""
        shown = "left unanswered" if suggestion is None else show_value(question, suggestion)
        self.say(f"  → {_shorten(shown)}", style="dim")

    def _refuse(self, reason: str) -> None:
        self.say(f"  ! {reason}", style="red")


def _shorten(text: str) -> str:
    one_line = " ".join(text.split())
    if len(one_line) <= _SHOWN_TEXT_CHARS:
        return one_line
    return one_line[: _SHOWN_TEXT_CHARS - 3] + "..."


def interview(walk: Walk, prompter: Prompter, save: Callable[[dict[str, Any]], None]) -> None:
    """Ask until the walk is done, saving the answers after every accepted reply."""
    questionnaire = walk.questionnaire
    sections = [s.id for s in questionnaire.sections]
    shown_section: str | None = None
    while walk.current is not None:
        question = walk.current
        section = questionnaire.section_of[question.id]
        if section.id != shown_section:
            prompter.section(section, sections.index(section.id) + 1, len(sections))
            shown_section = section.id
        reply = prompter.ask(question, walk.suggestion(), can_go_back=not walk.is_first)
        if reply is GO_BACK:
            walk.back()
            continue
        dropped = walk.answer(reply)
        save(walk.values)
        if dropped:
            prompter.dropped(dropped)
