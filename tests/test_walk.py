"""The walk through a questionnaire, without a terminal: what comes next, going back, resuming."""

from __future__ import annotations

import pytest

from riskcli.questionnaire import Questionnaire, build_questionnaire
from riskcli.walk import Walk, prune, undecided

SMALL = {
    "id": "small",
    "version": "1",
    "title": "A small questionnaire",
    "sections": [
        {
            "id": "who",
            "title": "Who",
            "questions": [
                {"id": "name", "prompt": "Name", "type": "text"},
                {"id": "shares", "prompt": "Shares weights?", "type": "bool"},
                {"id": "holders", "prompt": "How many?", "type": "int", "min": 0,
                 "when": "shares"},
                {"id": "controls", "prompt": "Controls?", "type": "multi_choice",
                 "when": "shares",
                 "choices": [{"value": "logging", "label": "Logging"},
                             {"value": "none", "label": "None", "exclusive": True}]},
            ],
        },
        {
            "id": "stakes",
            "title": "Stakes",
            "questions": [
                {"id": "crowded", "prompt": "Crowded?", "type": "bool",
                 "when": "holders > 10"},
                {"id": "horizon", "prompt": "Days", "type": "int", "min": 1, "default": 365},
                {"id": "note", "prompt": "Note", "type": "text", "required": False},
            ],
        },
    ],
}


@pytest.fixture
def small() -> Questionnaire:
    return build_questionnaire(SMALL, "small.yaml")


def answer_all(walk: Walk, *values) -> None:
    for value in values:
        walk.answer(value)


def current_id(walk: Walk) -> str | None:
    return walk.current.id if walk.current is not None else None


def test_a_new_walk_starts_at_the_first_question(small):
    walk = Walk(small)
    assert current_id(walk) == "name"
    assert walk.is_first
    assert not walk.done


def test_answering_moves_to_the_next_question(small):
    walk = Walk(small)
    answer_all(walk, "LLaMA", True)
    assert current_id(walk) == "holders"
    assert walk.values == {"name": "LLaMA", "shares": True}


def test_questions_whose_condition_is_false_are_skipped(small):
    walk = Walk(small)
    answer_all(walk, "LLaMA", False)
    assert current_id(walk) == "horizon"


def test_a_condition_that_cannot_be_evaluated_skips_its_question(small):
    """`holders > 10` cannot compare a missing answer; like `validate`, the question is skipped."""
    assert small.applies(small.by_id["crowded"], {"name": "LLaMA", "shares": False}) is None
    walk = Walk(small)
    answer_all(walk, "LLaMA", True, 5, ["none"])
    assert current_id(walk) == "horizon"


def test_a_question_whose_condition_turns_true_is_asked(small):
    walk = Walk(small)
    answer_all(walk, "LLaMA", True, 50, ["logging"])
    assert current_id(walk) == "crowded"


def test_the_walk_is_done_after_the_last_question(small):
    walk = Walk(small)
    answer_all(walk, "LLaMA", False, 365, "first draft")
    assert walk.done
    assert walk.values == {"name": "LLaMA", "shares": False, "horizon": 365,
                           "note": "first draft"}


def test_an_optional_question_can_be_left_unanswered(small):
    walk = Walk(small)
    answer_all(walk, "LLaMA", False, 365, None)
    assert walk.done
    assert "note" not in walk.values


def test_going_back_returns_to_the_previous_question_with_its_answer_suggested(small):
    walk = Walk(small)
    answer_all(walk, "LLaMA", True, 50)
    assert walk.back()
    assert current_id(walk) == "holders"
    assert walk.suggestion() == 50


def test_going_back_passes_over_skipped_questions(small):
    walk = Walk(small)
    answer_all(walk, "LLaMA", False)
    assert current_id(walk) == "horizon"
    walk.back()
    assert current_id(walk) == "shares"


def test_going_back_at_the_first_question_stays_there(small):
    walk = Walk(small)
    assert not walk.back()
    assert current_id(walk) == "name"


def test_going_back_keeps_the_answer_until_it_is_changed(small):
    walk = Walk(small)
    answer_all(walk, "LLaMA", True, 50)
    walk.back()
    walk.back()
    assert walk.values == {"name": "LLaMA", "shares": True, "holders": 50}


def test_after_going_back_the_walk_returns_to_the_first_open_question(small):
    """Fixing one answer does not mean confirming every answer after it again."""
    walk = Walk(small)
    answer_all(walk, "LLaMA", True, 50, ["logging"])
    assert current_id(walk) == "crowded"
    walk.back()
    walk.back()
    walk.back()
    assert current_id(walk) == "shares"
    walk.answer(True)
    assert current_id(walk) == "crowded"
    assert walk.values["holders"] == 50


def test_a_question_a_changed_answer_makes_applicable_is_asked_next(small):
    walk = Walk(small)
    answer_all(walk, "LLaMA", False, 30)
    while current_id(walk) != "shares":
        walk.back()
    walk.answer(True)
    assert current_id(walk) == "holders"


def test_a_resumed_walk_with_a_gap_continues_at_the_next_open_question(small):
    walk = Walk(small, {"name": "LLaMA", "horizon": 30})
    walk.answer(False)
    assert current_id(walk) == "note"


def test_changing_an_answer_drops_the_answers_that_no_longer_apply(small):
    walk = Walk(small)
    answer_all(walk, "LLaMA", True, 50, ["logging"], True)
    while current_id(walk) != "shares":
        walk.back()
    dropped = walk.answer(False)
    assert walk.values == {"name": "LLaMA", "shares": False}
    assert [q.id for q in dropped] == ["holders", "controls", "crowded"]
    assert current_id(walk) == "horizon"


def test_flipping_a_toggle_back_suggests_the_answers_it_dropped(small):
    walk = Walk(small)
    answer_all(walk, "LLaMA", True, 50, ["logging"], True)
    while current_id(walk) != "shares":
        walk.back()
    walk.answer(False)
    assert walk.values == {"name": "LLaMA", "shares": False}  # remembered, not saved
    walk.back()
    assert current_id(walk) == "shares"
    walk.answer(True)
    assert current_id(walk) == "holders"
    assert walk.suggestion() == 50
    walk.answer(walk.suggestion())
    assert (current_id(walk), walk.suggestion()) == ("controls", ["logging"])
    walk.answer(walk.suggestion())
    assert (current_id(walk), walk.suggestion()) == ("crowded", True)


def test_the_latest_dropped_answer_is_the_one_suggested(small):
    walk = Walk(small)
    answer_all(walk, "LLaMA", True, 50, ["logging"], True)

    def flip(value: bool) -> None:
        while current_id(walk) != "shares":
            walk.back()
        walk.answer(value)

    flip(False)
    flip(True)
    answer_all(walk, 5, ["none"])  # new answers, after the remembered ones were offered
    flip(False)
    flip(True)
    assert walk.suggestion() == 5
    walk.answer(walk.suggestion())
    assert walk.suggestion() == ["none"]


def test_an_answer_that_changes_nothing_else_drops_nothing(small):
    walk = Walk(small)
    answer_all(walk, "LLaMA", True, 50)
    walk.back()
    assert walk.answer(60) == []


def test_dropping_an_answer_drops_the_answers_that_depended_on_it():
    values = {"name": "LLaMA", "shares": False, "holders": 50, "crowded": True, "horizon": 30}
    small = build_questionnaire(SMALL, "small.yaml")
    assert prune(small, values) == {"name": "LLaMA", "shares": False, "horizon": 30}


def test_the_default_is_suggested_when_there_is_no_answer(small):
    walk = Walk(small)
    answer_all(walk, "LLaMA", False)
    assert walk.suggestion() == 365


def test_no_suggestion_without_answer_or_default(small):
    assert Walk(small).suggestion() is None


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        pytest.param({}, "name", id="nothing-answered"),
        pytest.param({"name": "LLaMA", "shares": True}, "holders", id="stopped-mid-section"),
        pytest.param({"name": "LLaMA", "shares": False}, "horizon", id="skipped-questions-passed"),
        pytest.param({"name": "LLaMA", "horizon": 30}, "shares", id="gap-before-later-answers"),
        pytest.param({"name": "LLaMA", "shares": False, "horizon": 30, "note": "x"}, None,
                     id="everything-answered"),
    ],
)
def test_a_resumed_walk_starts_at_the_first_unanswered_question(small, given, expected):
    walk = Walk(small, given)
    assert current_id(walk) == expected
    assert walk.done is (expected is None)


def test_a_resumed_walk_drops_answers_that_do_not_apply(small):
    walk = Walk(small, {"name": "LLaMA", "shares": False, "holders": 3})
    assert walk.values == {"name": "LLaMA", "shares": False}


def test_a_resumed_walk_can_go_back_to_answers_from_the_file(small):
    walk = Walk(small, {"name": "LLaMA", "shares": True})
    walk.back()
    assert current_id(walk) == "shares"
    assert walk.suggestion() is True


def test_answers_are_kept_in_questionnaire_order(small):
    walk = Walk(small)
    answer_all(walk, "LLaMA", True, 50)
    walk.back()
    walk.back()
    walk.answer(True)
    assert list(walk.values) == ["name", "shares", "holders"]


# -- revisiting answered questions (assess --edit) --------------------------------------------

DONE = {"name": "A", "shares": True, "holders": 5, "controls": ["logging"], "horizon": 365,
        "note": "n"}


def test_revisiting_starts_at_the_named_question_with_its_answer_as_the_suggestion(small):
    walk = Walk(small, DONE, revisit={"holders"})
    assert current_id(walk) == "holders"
    assert walk.suggestion() == 5
    walk.answer(5)
    assert walk.done


def test_revisiting_asks_what_a_change_makes_apply_then_stops(small):
    walk = Walk(small, DONE, revisit={"holders"})
    walk.answer(50)  # crowded now applies, and has no answer
    assert current_id(walk) == "crowded"
    walk.answer(True)
    assert walk.done
    assert walk.values["holders"] == 50 and walk.values["crowded"] is True


def test_revisiting_several_questions_goes_in_questionnaire_order(small):
    walk = Walk(small, DONE, revisit={"horizon", "name"})
    assert current_id(walk) == "name"
    walk.answer("B")
    assert current_id(walk) == "horizon"
    walk.answer(30)
    assert walk.done


def test_a_revisited_question_that_stops_applying_is_not_asked(small):
    walk = Walk(small, DONE, revisit={"shares", "controls"})
    walk.answer(False)
    assert walk.done
    assert "controls" not in walk.values


# -- answers a resumed walk cannot use yet ----------------------------------------------------


def test_an_answer_whose_question_waits_on_an_unanswered_one_is_set_aside_and_offered(small):
    walk = Walk(small, {"name": "A", "holders": 5})
    waiting, not_applying = walk.set_aside()
    assert [q.id for q in waiting] == ["holders"] and not not_applying
    assert current_id(walk) == "shares"
    walk.answer(True)
    assert current_id(walk) == "holders"
    assert walk.suggestion() == 5


def test_an_answer_to_a_question_that_does_not_apply_is_set_aside_as_not_applying(small):
    walk = Walk(small, {"name": "A", "shares": False, "holders": 5})
    waiting, not_applying = walk.set_aside()
    assert not waiting and [q.id for q in not_applying] == ["holders"]
    assert "holders" not in walk.values


def test_undecided_follows_conditions_through_questions_that_wait(small):
    assert undecided(small, {"name": "A"}) == {"holders", "controls", "crowded"}
    assert undecided(small, {"name": "A", "shares": True}) == {"crowded"}
    # shares answered no: holders and controls are decided (not asked); crowded compares the
    # holders not given, which, as when a file is checked, counts as undecided
    assert undecided(small, {"name": "A", "shares": False}) == {"crowded"}
