"""`when` conditions: valid expressions evaluate right; anything else is refused at compile time."""

from __future__ import annotations

import random
import re

import pytest

from riskcli.conditions import ConditionGroup, compile_condition, group_by_answers
from riskcli.errors import ConditionError

KNOWN = [
    "weights_leave_premises", "per_recipient_fingerprinting", "access_holders",
    "artifact_size_gb", "download_controls", "vetting", "rationale",
]


@pytest.mark.parametrize(
    ("source", "answers", "expected"),
    [
        ("weights_leave_premises", {"weights_leave_premises": True}, True),
        ("weights_leave_premises", {"weights_leave_premises": False}, False),
        ("not weights_leave_premises", {"weights_leave_premises": False}, True),
        (
            "weights_leave_premises and not per_recipient_fingerprinting",
            {"weights_leave_premises": True, "per_recipient_fingerprinting": True},
            False,
        ),
        (
            "weights_leave_premises or per_recipient_fingerprinting",
            {"weights_leave_premises": False, "per_recipient_fingerprinting": True},
            True,
        ),
        ("vetting == 'none'", {"vetting": "none"}, True),
        ("vetting != 'none'", {"vetting": "none"}, False),
        ("vetting in ['none', 'self_attested']", {"vetting": "self_attested"}, True),
        ("vetting in ['none', 'self_attested']", {"vetting": "affiliation_checked"}, False),
        ("'expiring_links' in download_controls",
         {"download_controls": ["expiring_links", "rate_limits"]}, True),
        ("'none' in download_controls", {"download_controls": ["expiring_links"]}, False),
        ("'none' not in download_controls", {"download_controls": ["expiring_links"]}, True),
        ("download_controls | length >= 2",
         {"download_controls": ["expiring_links", "rate_limits"]}, True),
        ("access_holders * 2 + 1 > 100", {"access_holders": 50}, True),
        ("access_holders * 2 + 1 > 101", {"access_holders": 50}, False),
        ("access_holders // 10 == 5 and access_holders % 10 == 3", {"access_holders": 53}, True),
        ("artifact_size_gb / 4 < 1", {"artifact_size_gb": 3.9}, True),
        ("-access_holders < 0", {"access_holders": 1}, True),
        ("10 < access_holders <= 20", {"access_holders": 20}, True),
        ("10 < access_holders <= 20", {"access_holders": 21}, False),
        ("access_holders is none", {}, True),
        ("access_holders is none", {"access_holders": 0}, False),
        ("access_holders is not none and access_holders > 5", {}, False),
        ("access_holders is number", {"access_holders": 3}, True),
        ("rationale | lower == 'ok'", {"rationale": "OK"}, True),
        ("vetting if weights_leave_premises else false",
         {"weights_leave_premises": True, "vetting": "none"}, True),
        (True, {}, True),
        (False, {}, False),
        ("true", {}, True),
    ],
    ids=[
        "bool-true", "bool-false", "not", "and", "or",
        "choice-equals", "choice-not-equals", "choice-in-list", "choice-not-in-list",
        "multi-contains", "multi-lacks", "multi-not-in", "multi-length",
        "arithmetic-over", "arithmetic-under", "floor-div-and-mod", "float-division", "negation",
        "chained-compare-inside", "chained-compare-outside",
        "is-none-when-absent", "is-none-when-zero", "guard-against-absent",
        "is-number", "lower-filter", "conditional-expression",
        "yaml-true", "yaml-false", "literal-true",
    ],
)
def test_valid_condition_evaluates_as_a_reader_expects(source, answers, expected):
    condition = compile_condition(source, KNOWN)
    assert condition.evaluate(answers) is expected


def test_condition_records_the_answer_keys_it_names():
    condition = compile_condition("vetting == 'none' and access_holders > 3", KNOWN)
    assert condition.names == {"vetting", "access_holders"}


def test_evaluation_is_a_pure_function_of_the_answers():
    condition = compile_condition("access_holders > 10", KNOWN)
    answers = {"access_holders": 11}
    assert condition.evaluate(answers) is True
    assert answers == {"access_holders": 11}
    assert condition.evaluate({"access_holders": 9}) is False
    assert condition.evaluate(answers) is True


@pytest.mark.parametrize(
    ("source", "answers_in_turn"),
    [
        ("rationale | lower == 'true'",
         [({"rationale": True}, True), ({"rationale": 1}, False), ({"rationale": True}, True)]),
        ("rationale | lower == '1.0'",
         [({"rationale": 1}, False), ({"rationale": 1.0}, True), ({"rationale": 1}, False)]),
        ("'none' in download_controls and vetting == 'none'",
         [({"download_controls": ["none"], "vetting": "none"}, True),
          ({"download_controls": ["rate_limits"], "vetting": "none"}, False),
          ({"download_controls": ["none"], "vetting": "none"}, True),
          ({"download_controls": ["none"], "vetting": "self_attested"}, False)]),
        ("access_holders > 10 and weights_leave_premises",
         [({"access_holders": 11, "weights_leave_premises": True}, True),
          ({"access_holders": 11}, False),
          ({"access_holders": 11, "weights_leave_premises": 1}, True),
          ({"access_holders": 11, "weights_leave_premises": 0}, False)]),
    ],
    ids=["true-is-not-1", "1.0-is-not-1", "lists", "absent-and-present"],
)
def test_remembered_results_never_mix_answers_that_are_equal_but_differ(source, answers_in_turn):
    """Conditions remember results by the answers they read: True and 1 (or 1 and 1.0) are
    equal in Python, but not to a condition that prints them."""
    condition = compile_condition(source, KNOWN)
    for answers, expected in answers_in_turn:
        assert condition.evaluate(answers) is expected, answers


@pytest.mark.parametrize(
    "source",
    [
        "acess_holders > 3",
        "weights_leave_premises and acess_holders > 3",
        "false and acess_holders > 3",
        "true or acess_holders > 3",
        "weights_leave_premises or acess_holders",
        "'x' in acess_holders",
        "self",
        "weights_leave_premises or self",
        "range",
        "lipsum",
        "namespace",
    ],
    ids=[
        "plain-typo", "behind-and", "behind-false-and", "behind-true-or", "behind-or",
        "in-operand", "jinja-self", "jinja-self-behind-or", "jinja-global-range",
        "jinja-global-lipsum", "jinja-global-namespace",
    ],
)
def test_unknown_name_is_rejected_at_compile_time_even_when_never_reached(source):
    with pytest.raises(ConditionError, match=r"unknown answer key|not allowed"):
        compile_condition(source, KNOWN)


def test_unknown_name_message_names_the_key():
    with pytest.raises(ConditionError) as exc_info:
        compile_condition("weights_leave_premises and acess_holders > 3", KNOWN)
    assert "acess_holders" in str(exc_info.value)
    assert "weights_leave_premises and acess_holders > 3" in str(exc_info.value)


@pytest.mark.parametrize(
    "source",
    [
        "''.__class__.__mro__",
        "''.__class__.__mro__[1].__subclasses__()",
        "cycler.__init__.__globals__",
        "weights_leave_premises.__class__",
        "vetting.upper",
        "vetting.upper()",
        "range(10)",
        "lipsum()",
        "vetting | attr('__class__')",
        "download_controls[0]",
        "download_controls['x']",
        "download_controls[0:1]",
        "download_controls | map('upper') | list",
        "download_controls | first",
        "vetting | format('%s')",
        "vetting is callable",
        "lambda: 1",
        "import os",
        "__import__('os')",
        "_private",
        "{'a': 1}",
        "vetting ~ 'x'",
        "access_holders ** 1000000",
        "{{ vetting }}",
        "{% if vetting %}yes{% endif %}",
        "vetting }}{{ rationale",
        "",
    ],
    ids=[
        "class-mro", "subclasses", "cycler-globals", "dunder-on-answer", "attribute",
        "method-call", "call-global", "call-lipsum", "attr-filter", "item-index", "item-key",
        "slice", "map-filter", "first-filter", "format-filter", "callable-test", "lambda",
        "import", "dunder-import", "underscore-name", "dict-literal", "concat", "power",
        "template-braces", "template-statement", "template-break-out", "empty",
    ],
)
def test_unsafe_or_unsupported_expression_is_rejected_at_compile(source):
    with pytest.raises(ConditionError):
        compile_condition(source, [*KNOWN, "cycler"])


@pytest.mark.parametrize(
    ("source", "answers"),
    [
        ("access_holders > 3", {}),
        ("access_holders + 1 > 3", {}),
        ("'none' in download_controls", {}),
        ("download_controls | length > 1", {}),
        ("access_holders > 3", {"access_holders": "many"}),
        ("access_holders / artifact_size_gb > 1", {"access_holders": 1, "artifact_size_gb": 0}),
    ],
    ids=[
        "compare-absent", "add-absent", "in-absent", "length-of-absent", "compare-text",
        "divide-by-zero",
    ],
)
def test_evaluation_failure_is_a_condition_error_not_a_python_error(source, answers):
    condition = compile_condition(source, KNOWN)
    with pytest.raises(ConditionError) as exc_info:
        condition.evaluate(answers)
    assert source in str(exc_info.value)


GROUPED = ["access_holders > artifact_size_gb", "access_holders / artifact_size_gb > 1",
           "artifact_size_gb < 3 and access_holders >= 0",
           "access_holders is none or artifact_size_gb is none"]


def test_a_group_gives_what_each_of_its_conditions_gives_alone():
    conditions = [compile_condition(source, KNOWN) for source in GROUPED]
    group = ConditionGroup([(condition, index) for index, condition in enumerate(conditions)])
    rng = random.Random(7)
    for _ in range(400):
        answers = {"access_holders": rng.choice([None, 0, 1, 11, 11.0, True, "x"]),
                   "artifact_size_gb": rng.choice([0, 0.0, 2, 2.5, 40, False])}
        answers = {key: value for key, value in answers.items() if value is not None}
        try:
            alone = tuple(i for i, c in enumerate(conditions) if c.evaluate(answers))
        except ConditionError as exc:
            with pytest.raises(ConditionError, match=re.escape(str(exc))):
                group.holding(answers)
        else:
            assert group.holding(answers) == alone, answers
        lenient = tuple(i for i, c in enumerate(conditions) if _holds_alone(c, answers))
        assert group.holding(answers, lenient=True) == lenient, answers


def _holds_alone(condition, answers) -> bool:
    try:
        return condition.evaluate(answers)
    except ConditionError:
        return False


def test_conditions_reading_different_answers_are_grouped_apart():
    conditions = [compile_condition(source, KNOWN)
                  for source in [*GROUPED, "vetting == 'none'", "'x' in download_controls"]]
    groups = group_by_answers((condition, index) for index, condition in enumerate(conditions))
    assert [[given for _, given in group.items] for group in groups] == [[0, 1, 2, 3], [4], [5]]
