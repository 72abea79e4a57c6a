"""Conditions in rule packs and questionnaires that try to leave the sandbox or exhaust the machine.

Rule packs are written by other organisations and questionnaires can be swapped with
--questionnaire, so their `when` is hostile input: escapes are refused when the file loads (exit 2,
one line naming file, rule or question, and `when`), and nothing they name ever runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hostile_helpers import assert_clean_refusal, run_riskcli

from riskcli.cli.app import app
from riskcli.conditions import MAX_CONDITION_CHARS, MAX_CONDITION_DEPTH

MARKER = "PWNED_MARKER"

ESCAPES = {
    "dunder-class-mro": "''.__class__.__mro__[1].__subclasses__()",
    "cycler-globals": f"cycler.__init__.__globals__.os.system('touch {MARKER}')",
    "lipsum-globals": f"lipsum.__globals__['os'].popen('touch {MARKER}')",
    "import-call": f"__import__('os').system('touch {MARKER}')",
    "lambda": "(lambda: 1)()",
    "attr-filter": "vetting|attr('__class__')",
    "map-filter": "vetting|map('upper')|list",
    "getitem-dunder": "vetting['__class__']",
    "self-reference": "self.__init__.__globals__",
    "private-name": "_vetting == 'none'",
    "call-of-answer": "vetting()",
    "range-global": "range(10) | length > 1",
    "namespace-global": "namespace(a=1)",
    "statement-block": "{% import 'os' as os %}",
    "print-block": "{{ 7 * 7 }}",
    "callable-test": "vetting is callable",
    "dict-literal": "{'a': vetting}",
    "string-repeat": "'x' * 3000000000 == vetting",
    "list-repeat": "[vetting] * 3000000000",
    "format-bomb": "'%0999999999d' % 1 == vetting",
    "long-integer": "access_holders > 1" + "0" * 5000,
    "deep-parens": "(" * 300 + "vetting" + ")" * 300,
    "deep-not": "not " * 200 + "vetting",
    "long-or-chain": " or ".join(["vetting == 'none'"] * 60),
    "newline-escape": "vetting == 'none'\n\x1b[2J",
}


def _pack_with_condition(repo_root: Path, tmp_path: Path, condition: str) -> Path:
    data = yaml.safe_load((repo_root / "rules" / "llama-pattern.yaml").read_text("utf-8"))
    # A finding-only rule: a multiplier switched on by a number is refused at load as a cliff.
    rule = next(r for r in data["rules"] if "effect" not in r)
    rule["when"] = condition
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _questionnaire_with_condition(repo_root: Path, tmp_path: Path, condition: str) -> Path:
    data = yaml.safe_load((repo_root / "questionnaires" / "distribution.yaml").read_text("utf-8"))
    question = next(q for s in data["sections"] for q in s["questions"] if q.get("when"))
    question["when"] = condition
    path = tmp_path / "questionnaire.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("condition", list(ESCAPES.values()), ids=list(ESCAPES))
def test_an_escaping_rule_condition_is_refused_when_the_pack_loads(
    runner, repo_root, tmp_path, monkeypatch, condition
):
    monkeypatch.chdir(tmp_path)
    pack = _pack_with_condition(repo_root, tmp_path, condition)
    result = runner.invoke(app, ["lint", "--rules", str(pack)])
    (line,) = assert_clean_refusal(result.exit_code, result.stderr, str(pack))
    assert ": when: " in line
    assert not (tmp_path / MARKER).exists()


@pytest.mark.parametrize("condition", list(ESCAPES.values()), ids=list(ESCAPES))
def test_an_escaping_question_condition_is_refused_when_the_questionnaire_loads(
    runner, repo_root, tmp_path, monkeypatch, condition, llama1_answers, write_answers
):
    monkeypatch.chdir(tmp_path)
    questionnaire = _questionnaire_with_condition(repo_root, tmp_path, condition)
    answers = write_answers(llama1_answers)
    result = runner.invoke(app, ["validate", str(answers), "--questionnaire", str(questionnaire)])
    (line,) = assert_clean_refusal(result.exit_code, result.stderr, str(questionnaire))
    assert ": when: " in line
    assert not (tmp_path / MARKER).exists()


def test_a_condition_longer_than_the_limit_is_refused_without_echoing_it(
    runner, repo_root, tmp_path
):
    pack = _pack_with_condition(repo_root, tmp_path, "vetting == 'none' and " * 100 + "true")
    result = runner.invoke(app, ["lint", "--rules", str(pack)])
    (line,) = assert_clean_refusal(result.exit_code, result.stderr, str(pack))
    assert f"the limit is {MAX_CONDITION_CHARS:,}" in line
    assert len(line) < 300


def test_nesting_at_the_limit_still_loads(runner, repo_root, tmp_path):
    # Each pair of parentheses adds one level to the parsed tree, the comparison two more.
    levels = MAX_CONDITION_DEPTH - 3
    condition = "(" * levels + "vetting == 'none'" + ")" * levels
    pack = _pack_with_condition(repo_root, tmp_path, condition)
    result = runner.invoke(app, ["lint", "--rules", str(pack)])
    assert result.exit_code == 0, result.output


@pytest.mark.slow
@pytest.mark.parametrize(
    "condition",
    ["rationale * 100000000 == 'a'", "model_name % 3 == 'a'",
     "(access_holders * 1e308 * 1e308)|int > 0"],
    ids=["repeat-an-answer", "format-an-answer", "overflowing-arithmetic"],
)
def test_a_condition_that_blows_up_on_answers_is_a_clean_scoring_error(
    repo_root, tmp_path, llama1_answers, write_answers, condition
):
    """What only an answer reveals is caught when the rule is evaluated, in bounded memory."""
    pack = _pack_with_condition(repo_root, tmp_path, condition)
    answers = write_answers(llama1_answers)
    run = run_riskcli("score", answers, "--rules", pack)
    (line,) = assert_clean_refusal(run.code, run.stderr, str(answers))
    assert "cannot be scored with llama-pattern" in line
    assert run.peak_kib < 150 * 1024, run


NON_FINITE = {
    "overflowing-literal": "access_holders < 1e999",
    "overflowing-filter": "('1e999'|float|int) > 0",
    "nan-filter": "('nan'|float) > access_holders",
    "inf-filter": "access_holders < 'inf'|float",
    "inf-in-a-list": "access_holders in [1, 1e999]",
    "nan-from-literals": "access_holders < (1e999 - 1e999)",
    "overflowing-product": "access_holders > 1e308 * 10",
    "overflowing-sum": "access_holders > -(1e308 + 1e308)",
}


@pytest.mark.parametrize("condition", list(NON_FINITE.values()), ids=list(NON_FINITE))
def test_a_condition_with_a_number_past_a_float_is_refused_by_lint(
    runner, repo_root, tmp_path, condition
):
    """Jinja writes a float constant into the Python it compiles as `inf` or `nan`, a name Python
    does not know: these passed lint and crashed scoring with `NameError: inf`."""
    pack = _pack_with_condition(repo_root, tmp_path, condition)
    result = runner.invoke(app, ["lint", "--rules", str(pack)])
    (line,) = assert_clean_refusal(result.exit_code, result.stderr, str(pack))
    assert ": when: " in line and "finite" in line


@pytest.mark.parametrize("condition", list(NON_FINITE.values()), ids=list(NON_FINITE))
def test_a_question_condition_with_a_number_past_a_float_is_refused(
    runner, repo_root, tmp_path, llama1_answers, write_answers, condition
):
    # The question with a `when` is access_holders itself: read an answer asked before it.
    condition = condition.replace("access_holders", "weights_leave_premises")
    questionnaire = _questionnaire_with_condition(repo_root, tmp_path, condition)
    answers = write_answers(llama1_answers)
    result = runner.invoke(app, ["validate", str(answers), "--questionnaire", str(questionnaire)])
    (line,) = assert_clean_refusal(result.exit_code, result.stderr, str(questionnaire))
    assert ": when: " in line and "finite" in line


def test_a_condition_that_computes_with_constants_still_loads_and_scores(
    runner, repo_root, tmp_path, example_paths
):
    """Parts that read no answer are computed at load, as scoring computes them: finite ones
    pass, and the pack scores."""
    pack = _pack_with_condition(repo_root, tmp_path,
                                "access_holders > ('3'|int + 4) * 2.5 - 1e300 / 1e300")
    result = runner.invoke(app, ["lint", "--rules", str(pack)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["score", "--format", "json", str(example_paths[0]),
                                 "--rules", str(pack)])
    assert result.exit_code == 0, result.output


def test_a_constant_part_that_fails_is_refused_by_lint(runner, repo_root, tmp_path):
    pack = _pack_with_condition(repo_root, tmp_path, "access_holders > 1 // 0")
    result = runner.invoke(app, ["lint", "--rules", str(pack)])
    (line,) = assert_clean_refusal(result.exit_code, result.stderr, str(pack))
    assert "cannot be computed: integer division or modulo by zero" in line
