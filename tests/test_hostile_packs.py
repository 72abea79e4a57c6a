"""Hostile or broken questionnaires and rule packs, as --questionnaire and --rules load them.

Each case edits one field of the bundled file; loading must end in problems that name the file and
the field, one line each, with exit code 2, for every command that loads the file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hostile_helpers import assert_clean_refusal

from riskcli.cli.app import app
from riskcli.exposure import median_days


def _question(data: dict[str, Any], question_id: str) -> dict[str, Any]:
    return next(q for s in data["sections"] for q in s["questions"] if q["id"] == question_id)


def _edited(source: Path, target: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    data = yaml.load(source.read_text("utf-8"), Loader=yaml.CSafeLoader)
    edit(data)
    target.write_text(yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False,
                                allow_unicode=True), "utf-8")
    return target


NON_FINITE_BOUNDS = {
    "max-inf": ("access_holders", "max", math.inf),
    "min-nan": ("horizon_days", "min", math.nan),
    "min-minus-inf": ("artifact_size_gb", "min", -math.inf),
}


@pytest.mark.parametrize("command", ["validate", "schema", "questions", "lint"])
@pytest.mark.parametrize(("question_id", "field", "value"), list(NON_FINITE_BOUNDS.values()),
                         ids=list(NON_FINITE_BOUNDS))
def test_a_bound_of_inf_or_nan_is_refused_when_the_questionnaire_loads(
    runner, repo_root, tmp_path, example_paths, command, question_id, field, value
):
    def edit(data: dict[str, Any]) -> None:
        _question(data, question_id)[field] = value

    path = _edited(repo_root / "questionnaires" / "distribution.yaml", tmp_path / "q.yaml", edit)
    files = [str(example_paths[0])] if command == "validate" else []
    result = runner.invoke(app, [command, *files, "--questionnaire", str(path)])
    (line,) = assert_clean_refusal(result.exit_code, result.stderr, str(path))
    assert f"question {question_id}: {field}: expected a finite number" in line


def test_the_schema_is_strict_json(runner):
    """JSON has no Infinity or NaN; a schema holding them breaks every editor that reads it."""
    result = runner.invoke(app, ["schema"])
    json.loads(result.stdout, parse_constant=lambda name: pytest.fail(f"schema holds {name}"))


def _add_rules(count: int, multiply: float) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        data["rules"].extend(
            {"id": f"extreme-{i}", "title": "Extreme", "when": True,
             "effect": {"factor": "demand", "multiply": multiply}, "severity": "low",
             "rationale": "r", "mitigation": "m", "owner": "AI Engineer"}
            for i in range(count))

    return edit


@pytest.mark.parametrize("command", ["lint", "score-json", "report-md", "diff"])
def test_multipliers_that_overflow_the_leak_rate_are_refused_when_the_pack_loads(
    runner, repo_root, tmp_path, example_paths, command
):
    """120 rules x1000 multiply the hazard by 1e360: past a float. Scoring used to find out, file
    by file; the pack is refused as it loads, one line per source the rules reach."""
    pack = _edited(repo_root / "rules" / "llama-pattern.yaml", tmp_path / "rules.yaml",
                   _add_rules(120, 1000))
    answers = str(example_paths[0])
    args = {"lint": ["lint"], "score-json": ["score", "--format", "json", answers],
            "report-md": ["report", answers, "-o", str(tmp_path / "r.md")],
            "diff": ["diff", answers, answers]}[command]
    result = runner.invoke(app, [*args, "--rules", str(pack)])
    lines = assert_clean_refusal(result.exit_code, result.stderr, str(pack), lines=2)
    for line, source in zip(lines, ["recipients", "insiders"], strict=True):
        assert f"model.sources {source}: base_daily_hazard:" in line
        assert "can reach 1e+3" in line and "past the limit of 1e+100" in line
    assert not (tmp_path / "r.md").exists()


def test_multipliers_that_underflow_the_hazard_are_refused_when_the_pack_loads(
    runner, repo_root, tmp_path
):
    """40 rules x0.001 drive the hazard to 1e-125: a subnormal lambda made the median infinite
    (`inf` in the JSON, 'inf years' in the record)."""
    pack = _edited(repo_root / "rules" / "llama-pattern.yaml", tmp_path / "rules.yaml",
                   _add_rules(40, 0.001))
    result = runner.invoke(app, ["lint", "--rules", str(pack)])
    lines = assert_clean_refusal(result.exit_code, result.stderr, str(pack), lines=2)
    assert all("can fall to 1e-1" in line and "below the limit of 1e-100" in line
               for line in lines)


def test_the_least_hazard_a_pack_may_have_still_scores_to_finite_figures(
    runner, repo_root, tmp_path, example_paths
):
    """Near the bottom of the range a pack may use, lambda is about 1e-88 per day: every figure,
    the interval's ends included, is a finite number or null ("never"), in the JSON and the
    record."""
    def edit(data: dict[str, Any]) -> None:
        for source in data["model"]["sources"]:
            source["base_daily_hazard"] = 1e-88

    pack = _edited(repo_root / "rules" / "llama-pattern.yaml", tmp_path / "rules.yaml", edit)
    answers = str(example_paths[0])
    result = runner.invoke(app, ["score", "--format", "json", answers, "--rules", str(pack)])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout,
                          parse_constant=lambda name: pytest.fail(f"the JSON holds {name}"))
    exposure = document["results"][0]["exposure"]
    assert exposure["score"] == 0
    assert 1e84 < exposure["median_days_to_leak"] < 1e92
    assert all(math.isfinite(end) for end in exposure["interval"]["rate_per_day"])
    out = tmp_path / "record.md"
    result = runner.invoke(app, ["report", answers, "-o", str(out), "--rules", str(pack)])
    assert result.exit_code == 0, result.output
    assert "inf " not in out.read_text("utf-8")


def test_a_rate_too_small_for_a_median_has_none():
    """A subnormal rate (the far end of an interval's draws) has no median a float can hold."""
    assert median_days(5e-324) is None
    assert median_days(0.0) is None
    assert median_days(math.log(2) / 10) == pytest.approx(10)


def _rule_with(effect: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        data["rules"].append({"id": "odd", "title": "Odd", "when": True, "effect": effect,
                              "severity": "low", "rationale": "r", "mitigation": "m",
                              "owner": "AI Engineer"})

    return edit


def _source_edit(index: int, **fields: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        data["model"]["sources"][index].update(fields)

    return edit


def _report_days(days: list[int]) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        data["model"]["report_days"] = days

    return edit


NUMBER_LIMITS: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    # report_days past a float's range crashed scoring with OverflowError; past a century they
    # mean nothing.
    "report-day-huge": (_report_days([7, 10**400]),
                        "model.report_days: report_days must be increasing whole days from 1 to "
                        "36,500"),
    "report-day-past-a-century": (_report_days([7, 40_000]), "from 1 to 36,500"),
    "hazard-subnormal": (_source_edit(0, base_daily_hazard=1e-320),
                         "base_daily_hazard: 9.99989e-321 is below the limit of 1e-100"),
    "multiply-subnormal": (_rule_with({"factor": "demand", "multiply": 1e-320}),
                           "rule odd: effect.multiply:"),
    "curve-multiplier-subnormal": (
        _rule_with({"factor": "population", "curve": {"answer": "access_holders",
                                                      "points": [[1, 1e-320], [10, 1]]}}),
        "curve multipliers must be between 0.001 and 1000"),
    "curve-points-too-close": (
        _rule_with({"factor": "population", "curve": {
            "answer": "access_holders", "points": [[1e300, 1], [math.nextafter(1e300, 2e300), 2]],
        }}),
        "logarithms differ"),
    "spread-overflowing": (_source_edit(1, uncertainty={"spread": {"low": 1e-300, "high": 1e-3}}),
                           "the limit is 1e+06"),
    "gamma-shape-near-zero": (
        _source_edit(1, uncertainty={"fit": {"shape": 1e-300, "rate": 1, "leaks": 0,
                                             "precedents": ["llama-1-2023"]}}),
        "uncertainty.fit.shape:"),
}


@pytest.mark.parametrize("case", list(NUMBER_LIMITS))
def test_a_number_scoring_would_choke_on_is_refused_by_lint(runner, repo_root, tmp_path, case):
    """Each of these passed `lint` and then crashed scoring (OverflowError, ZeroDivisionError,
    `inf` in the JSON): lint must catch what scoring would choke on."""
    edit, words = NUMBER_LIMITS[case]
    pack = _edited(repo_root / "rules" / "llama-pattern.yaml", tmp_path / "rules.yaml", edit)
    result = runner.invoke(app, ["lint", "--rules", str(pack)])
    (line,) = assert_clean_refusal(result.exit_code, result.stderr, str(pack))
    assert words in line


def test_a_merge_key_is_overridden_by_the_keys_written_beside_it(runner, repo_root, tmp_path):
    """YAML's merge key: `<<: *rule` brings in another rule's fields, and the keys written beside
    it override the merged ones. It used to be refused as a duplicate key."""
    text = (repo_root / "rules" / "llama-pattern.yaml").read_text("utf-8")
    first, second = "  - id: vetting-none\n", "  - id: vetting-self-attested\n"
    assert text.count(first) == text.count(second) == 1
    copy = "  - <<: *first\n    id: vetting-none-copy\n    title: Written beside the merge\n"
    text = text.replace(first, "  - &first\n    id: vetting-none\n").replace(second,
                                                                             copy + second)
    pack = tmp_path / "rules.yaml"
    pack.write_text(text, "utf-8")
    result = runner.invoke(app, ["rules", "--rules", str(pack), "--format", "md"])
    assert result.exit_code == 0, result.output
    copied = result.stdout[result.stdout.index("Written beside the merge"):]
    assert "Anyone who asks receives the weights" in result.stdout  # the original, as it was
    assert "Admit named people at known organisations" in copied  # merged in from it


def test_a_key_written_twice_beside_a_merge_key_is_still_a_duplicate(runner, repo_root, tmp_path):
    text = (repo_root / "rules" / "llama-pattern.yaml").read_text("utf-8")
    first = "  - id: vetting-none\n"
    pack = tmp_path / "rules.yaml"
    pack.write_text(text.replace(first, "  - <<: {severity: low}\n    id: vetting-none\n"
                                        "    id: vetting-none-again\n"), "utf-8")
    result = runner.invoke(app, ["lint", "--rules", str(pack)])
    (line,) = assert_clean_refusal(result.exit_code, result.stderr, str(pack))
    assert "duplicate key 'id'" in line


# --- every broken questionnaire, at every command that loads one -----------------------------

def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    """An edit setting one field, found by keys and list indexes (or question ids)."""

    def edit(data: dict[str, Any]) -> None:
        node: Any = data
        for step in path[:-1]:
            node = _question(node, step) if isinstance(step, str) and "sections" in node \
                and step not in node else node[step]
        node[path[-1]] = value

    return edit


def _raw(content: bytes | str) -> Callable[[str], bytes]:
    data = content.encode("utf-8") if isinstance(content, str) else content
    return lambda text: data


def _yaml_edit(edit: Callable[[dict[str, Any]], None]) -> Callable[[str], bytes]:
    def make(text: str) -> bytes:
        data = yaml.load(text, Loader=yaml.CSafeLoader)
        edit(data)
        return yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False,
                         allow_unicode=True).encode("utf-8")

    return make


def _text_edit(old: str, new: str) -> Callable[[str], bytes]:
    def make(text: str) -> bytes:
        assert old in text, old
        return text.replace(old, new, 1).encode("utf-8")

    return make


def _bomb(text: str) -> bytes:
    lines = ["l0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"l{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    return ("\n".join(lines) + "\n" + text).encode("utf-8")


FILE_CASES: dict[str, tuple[Callable[[str], bytes], str]] = {
    "broken-yaml": (lambda text: (text + "\n  - [unclosed\n").encode(), "invalid YAML"),
    "empty-file": (_raw(b""), "expected a mapping"),
    "top-level-list": (_raw("- id\n- version\n"), "expected a mapping"),
    "top-level-scalar": (_raw("distribution\n"), "expected a mapping"),
    "non-utf8": (lambda text: b"\xff\xfe" + text.encode("utf-8"), "is not UTF-8 text"),
    "python-tag": (lambda text: f"x: !!python/object/apply:os.system ['true']\n{text}".encode(),
                   "python/object/apply"),
    "billion-laughs": (_bomb, "values once aliases are expanded"),
    "duplicate-top-level-key": (lambda text: (text + "\nid: again\n").encode(),
                                "duplicate key 'id'"),
    "nul-byte": (lambda text: ("\x00" + text).encode(), "character U+0000"),
}

QUESTIONNAIRE_CASES: dict[str, tuple[Callable[[str], bytes], str]] = {
    **FILE_CASES,
    "sections-scalar": (_yaml_edit(_set(("sections",), "all")), "sections: expected a list, got"),
    "no-sections": (_yaml_edit(_set(("sections",), [])), "sections: expected at least 1 item"),
    "unknown-type": (_yaml_edit(_set(("access_holders", "type"), "integer")),
                     "question access_holders: type: expected one of"),
    "yaml-word-choice": (_yaml_edit(_set(("vetting", "choices", 0, "value"), "no")),
                         "YAML boolean or null when a user writes it unquoted"),
    "min-above-max": (_yaml_edit(_set(("horizon_days", "min"), 5000)), "min is greater than max"),
    "default-out-of-range": (_yaml_edit(_set(("horizon_days", "default"), -3)),
                             "default: expected a whole number"),
    "unknown-field": (_yaml_edit(_set(("vetting", "colour"), "red")), "colour: unknown field"),
    "version-unquoted": (_yaml_edit(_set(("version",), 1.0)), "version: is a number"),
    "bad-question-id": (_yaml_edit(_set(("vetting", "id"), "Vetting Level")),
                        "id: expected text matching"),
    "when-names-later-question": (_yaml_edit(_set(("access_holders", "when"), "rationale")),
                                  "is not asked before this question"),
    "when-escapes": (_yaml_edit(_set(("access_holders", "when"), "x.__class__")),
                     "uses getattr"),
    "choices-on-int": (_yaml_edit(_set(("horizon_days", "choices"), [{"value": "a",
                                                                     "label": "A"}])),
                       "a int question cannot have choices"),
}


_MADE: dict[tuple[str, str], bytes] = {}


def _made(cases: dict[str, tuple[Callable[[str], bytes], str]], case: str, source: Path) -> bytes:
    """Each broken file is made once and reused by every command that loads it."""
    key = (source.name, case)
    if key not in _MADE:
        _MADE[key] = cases[case][0](source.read_text("utf-8"))
    return _MADE[key]


def _questionnaire_commands(path: Path, answers: Path, out: Path) -> dict[str, list[str]]:
    q = ["--questionnaire", str(path)]
    return {
        "validate": ["validate", str(answers), *q],
        "score": ["score", str(answers), *q],
        "lint": ["lint", *q],
        "schema": ["schema", *q],
        "questions": ["questions", *q],
        "rules": ["rules", *q],
        "report": ["report", str(answers), "-o", str(out), *q],
        "diff": ["diff", str(answers), str(answers), *q],
        "init": ["init", "-o", str(out.with_suffix(".yaml")), *q],
        "assess": ["assess", "-o", str(out.with_suffix(".yaml")), *q],
    }


def _matrix(cases: dict[str, Any], commands: list[str], field_commands: list[str]) -> list[Any]:
    """File-level cases at every command; field-level ones, which reach the same model check
    whichever command loads the file, at two of them. Each case at the first of those is in the
    quick loop; the same case at every other command is marked slow (the full run's job)."""
    return [pytest.param(case, command, id=f"{case}-{command}",
                         marks=() if command == field_commands[0] else pytest.mark.slow)
            for case in cases
            for command in (commands if case in FILE_CASES else field_commands)]


@pytest.mark.parametrize(("case", "command"), _matrix(
    QUESTIONNAIRE_CASES, list(_questionnaire_commands(Path("q"), Path("a"), Path("o"))),
    ["validate", "lint"]))
def test_a_broken_questionnaire_is_one_clean_problem_at_every_command(
    runner, repo_root, tmp_path, example_paths, case, command
):
    words = QUESTIONNAIRE_CASES[case][1]
    path = tmp_path / "questionnaire.yaml"
    source = repo_root / "questionnaires" / "distribution.yaml"
    path.write_bytes(_made(QUESTIONNAIRE_CASES, case, source))
    out = tmp_path / "record.pdf"
    result = runner.invoke(app, _questionnaire_commands(path, example_paths[0], out)[command])
    (line,) = assert_clean_refusal(result.exit_code, result.stderr, str(path))
    assert words in line
    assert list(tmp_path.iterdir()) == [path]


RULES_CASES: dict[str, tuple[Callable[[str], bytes], str]] = {
    **FILE_CASES,
    "rules-scalar": (_yaml_edit(_set(("rules",), "none")), "rules: expected a list, got"),
    "multiply-zero": (_yaml_edit(_set(("rules", 0, "effect", "multiply"), 0)),
                      "multiply: expected a number"),
    "multiply-negative": (_yaml_edit(_set(("rules", 0, "effect", "multiply"), -2)),
                          "multiply: expected a number"),
    "multiply-nan": (_yaml_edit(_set(("rules", 0, "effect", "multiply"), math.nan)),
                     "multiply: expected a finite number"),
    "multiply-text": (_yaml_edit(_set(("rules", 0, "effect", "multiply"), "a lot")),
                      'multiply: expected a number, got "a lot"'),
    "multiply-huge": (_yaml_edit(_set(("rules", 0, "effect", "multiply"), 1e9)),
                      "multiply: expected a number of at most 1000"),
    "hazard-one": (_yaml_edit(_set(("model", "sources", 0, "base_daily_hazard"), 1.0)),
                   "base_daily_hazard: expected a number less than 1"),
    "bands-unsorted": (_yaml_edit(_set(("model", "bands", 0, "below"), 99)),
                       "band bounds must increase"),
    "report-days-unsorted": (_yaml_edit(_set(("model", "report_days"), [30, 7])),
                             "report_days must be increasing"),
    "unknown-factor": (_yaml_edit(_set(("rules", 0, "effect", "factor"), "vibes")),
                       "unknown factor 'vibes'"),
    "unknown-owner": (_yaml_edit(_set(("rules", 0, "owner"), "Intern")),
                      "rule vetting-none: owner: owner 'Intern' is not declared"),
    "unknown-severity": (_yaml_edit(_set(("rules", 0, "severity"), "meh")),
                         "rule vetting-none: severity: 'meh' is not one of the pack's"),
    "unknown-answer-key": (_yaml_edit(_set(("rules", 0, "when"), "vibe_check")),
                           "names unknown answer key(s): vibe_check"),
    "misspelt-choice": (_yaml_edit(_set(("rules", 0, "when"), "vetting == 'nope'")),
                        "the rule could never fire"),
    "other-questionnaire": (_yaml_edit(_set(("questionnaire",), "hiring")),
                            "rules are written for questionnaire hiring"),
    "placeholder-unknown": (_yaml_edit(_set(("recommendation", "pivot", "headline"),
                                            "{p_horizon.__class__}")), "unknown placeholder"),
    "placeholder-padding-bomb": (_yaml_edit(_set(("recommendation", "pivot", "headline"),
                                                 "{p_horizon:>999999999}")),
                                 "takes no format spec or conversion"),
    "placeholder-conversion": (_yaml_edit(_set(("recommendation", "pivot", "headline"),
                                               "{score!r:>99999999999999999999}")),
                               "takes no format spec or conversion"),
    "placeholder-float-spec": (_yaml_edit(_set(("recommendation", "gated", "reasons", 0),
                                               "{score:.3f}")),
                               "takes no format spec or conversion"),
    "unbalanced-brace": (_yaml_edit(_set(("recommendation", "hosted", "headline"), "Keep {")),
                         "Single '{' encountered"),
}


def _rules_commands(path: Path, answers: Path, out: Path) -> dict[str, list[str]]:
    r = ["--rules", str(path)]
    return {
        "score": ["score", str(answers), *r],
        "lint": ["lint", *r],
        "rules": ["rules", *r],
        "report": ["report", str(answers), "-o", str(out), *r],
        "diff": ["diff", str(answers), str(answers), *r],
        "assess": ["assess", "-o", str(out.with_suffix(".yaml")), *r],
    }


@pytest.mark.parametrize(("case", "command"), _matrix(
    RULES_CASES, list(_rules_commands(Path("r"), Path("a"), Path("o"))), ["score", "lint"]))
def test_a_broken_rule_pack_is_one_clean_problem_at_every_command(
    runner, repo_root, tmp_path, example_paths, case, command
):
    words = RULES_CASES[case][1]
    path = tmp_path / "rules.yaml"
    path.write_bytes(_made(RULES_CASES, case, repo_root / "rules" / "llama-pattern.yaml"))
    out = tmp_path / "record.pdf"
    result = runner.invoke(app, _rules_commands(path, example_paths[0], out)[command])
    (line,) = assert_clean_refusal(result.exit_code, result.stderr, str(path))
    assert words in line
    assert list(tmp_path.iterdir()) == [path]


@pytest.mark.parametrize("option", ["--questionnaire", "--rules"])
@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_a_missing_or_folder_pack_is_one_clean_problem(runner, tmp_path, option, kind):
    path = tmp_path / "pack.yaml"
    if kind == "directory":
        path.mkdir()
    result = runner.invoke(app, ["lint", option, str(path)])
    (line,) = assert_clean_refusal(result.exit_code, result.stderr, str(path))
    assert ("no such file" if kind == "missing" else "is a directory") in line
