"""Walking a questionnaire: which question comes next, going back, and which answers still apply.

Pure logic with no terminal in sight, so `assess` can be tested (and reasoned about) without one.
The walk is a cursor over the questions in order. Going back lands on the previous question whose
`when` holds, with its answer as the suggestion, so a lead who steps back and changes nothing loses
nothing. Moving forward lands on the next question that applies and has no answer yet: after
stepping back to fix one answer, the lead returns to where they were instead of re-confirming
everything in between (any question the change made applicable, or whose answer it dropped, has no
answer and is asked). Every change drops the answers whose question no longer applies, exactly as
`riskcli validate` wants them absent; the walk remembers them (they are not saved) and offers each
as the suggestion when its question applies again, so flipping a toggle back loses nothing.

A resumed file may hold answers the walk cannot keep yet: one whose question depends on an answer
not given (`undecided`), or one to a question that does not apply. They are set aside the same way
and offered when their question comes up, never silently dropped. Revisiting (`assess --edit`)
asks the named questions again, in questionnaire order, with their answers as suggestions, and
then whatever a changed answer made applicable after them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from riskcli.questionnaire import Question, Questionnaire


def prune(questionnaire: Questionnaire, values: Mapping[str, Any]) -> dict[str, Any]:
    """Keep only answers to questions that apply, in questionnaire order.

    Questions are visited in order and each condition sees only the answers kept before it, so
    dropping one answer can cascade to the questions that depended on it. A condition that
    cannot be decided drops the answer, as it counts as not asked.
    """
    kept: dict[str, Any] = {}
    for question in questionnaire.questions:
        if question.id in values and questionnaire.applies(question, kept) is True:
            kept[question.id] = values[question.id]
    return kept


def undecided(questionnaire: Questionnaire, values: Mapping[str, Any]) -> set[str]:
    """Questions whose applicability cannot be told yet: their condition reads (directly, or
    through another such question) a required question that applies and has no answer. Their
    answers in a file wait, as `riskcli validate` neither checks nor drops them."""
    open_: set[str] = set()
    waiting: set[str] = set()
    for question in questionnaire.questions:
        applies = questionnaire.applies(question, values, open_)
        if applies is None:
            waiting.add(question.id)
            open_.add(question.id)
        elif (applies and question.id not in values and question.required
              and question.default is None):
            open_.add(question.id)
    return waiting


class Walk:
    """Where a lead is in the questionnaire and what they have answered.

    `current` is the question to ask now, or None once the walk is past the last question.
    `revisit` names answered questions to ask again (`assess --edit`).
    """

    def __init__(self, questionnaire: Questionnaire, values: Mapping[str, Any] | None = None,
                 revisit: Collection[str] = ()):
        self.questionnaire = questionnaire
        given = dict(values or {})
        self.values: dict[str, Any] = prune(questionnaire, given)
        self.remembered: dict[str, Any] = {k: v for k, v in given.items() if k not in self.values}
        """Answers the walk cannot keep (their question stopped applying, or does not apply or
        cannot be decided yet in a resumed file): suggestions, not answers."""
        self.revisit: set[str] = set(revisit)
        """Questions still to ask again although answered."""
        self.current: Question | None = self._next_from(0)

    @property
    def done(self) -> bool:
        return self.current is None

    @property
    def is_first(self) -> bool:
        """True when there is no earlier question to go back to."""
        return self.current is not None and self._previous() is None

    def set_aside(self) -> tuple[list[Question], list[Question]]:
        """The remembered answers, as (waiting for an earlier answer, not applying): what a
        resumed walk tells the lead it holds back."""
        waiting = undecided(self.questionnaire, self.values)
        held = [q for q in self.questionnaire.questions if q.id in self.remembered]
        return [q for q in held if q.id in waiting], [q for q in held if q.id not in waiting]

    def applies(self, question: Question) -> bool:
        """Whether the question is asked, given the answers so far (undecided counts as not)."""
        return self._applies(question)

    def suggestion(self, question: Question | None = None) -> Any:
        """What Enter takes: the answer already given, else the one given before a change made
        the question stop applying, else the question's default (or None)."""
        question = question or self._require_current()
        if question.id in self.values:
            return self.values[question.id]
        return self.remembered.get(question.id, question.default)

    def answer(self, value: Any) -> list[Question]:
        """Record an answer (already checked by `coerce`) to the current question and move on.

        None leaves an optional question unanswered (and forgets an earlier answer to it).
        Returns the questions whose answers were dropped because they no longer apply.
        """
        question = self._require_current()
        self.remembered.pop(question.id, None)
        self.revisit.discard(question.id)
        if value is None:
            self.values.pop(question.id, None)
        else:
            self.values[question.id] = value
        kept = prune(self.questionnaire, self.values)
        dropped = [q for q in self.questionnaire.questions
                   if q.id in self.values and q.id not in kept]
        self.remembered.update((q.id, self.values[q.id]) for q in dropped)
        self.values = kept
        self.current = (self._next_from(self._index(question) + 1)
                        or self._first_missing_required())
        return dropped

    def back(self) -> bool:
        """Return to the previous question that applies; False (and stay) at the first one."""
        previous = self._previous()
        if previous is None:
            return False
        self.current = previous
        return True

    def _previous(self) -> Question | None:
        questions = self.questionnaire.questions
        end = len(questions) if self.current is None else self._index(self.current)
        for question in reversed(questions[:end]):
            if self._applies(question):
                return question
        return None

    def _next_from(self, start: int) -> Question | None:
        """The first question from `start` on that applies and is unanswered or to revisit."""
        for candidate in self.questionnaire.questions[start:]:
            due = candidate.id not in self.values or candidate.id in self.revisit
            if due and self._applies(candidate):
                return candidate
        return None

    def _first_missing_required(self) -> Question | None:
        """A safety net: the walk never ends while a required question that applies is open."""
        for question in self.questionnaire.questions:
            if question.required and question.id not in self.values and self._applies(question):
                return question
        return None

    def _index(self, question: Question) -> int:
        return [q.id for q in self.questionnaire.questions].index(question.id)

    def _applies(self, question: Question) -> bool:
        """Undecidable counts as not asked: the condition compares an earlier optional question
        that was left unanswered, as when an answers file is checked."""
        return self.questionnaire.applies(question, self.values) is True

    def _require_current(self) -> Question:
        if self.current is None:
            raise RuntimeError("the walk is finished; there is no current question")
        return self.current
