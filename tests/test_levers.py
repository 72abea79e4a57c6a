"""`riskcli levers`: what it would take, lever by lever, computed from the model itself."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from riskcli.answers import load_answers, resolve
from riskcli.cli.app import app
from riskcli.levers import lever_report
from riskcli.scoring import load_engine, score_values

ENGINE = load_engine()


def _report(path, target=None):
    answers = load_answers(path, ENGINE.questionnaire)
    return answers, lever_report(ENGINE, answers.values, target, str(path))


def _apply(values, changes):
    resolved, problems = resolve(values, ENGINE.questionnaire,
                                 sets={c.key: c.value for c in changes})
    assert all(p.code == "not-applicable" and p.key not in {c.key for c in changes}
               for p in problems), problems
    return score_values(ENGINE, resolved)


def test_facts_of_the_world_are_never_suggested(examples_dir):
    _, report = _report(examples_dir / "llama-1-2023.yaml", "high")
    facts = {q.id for q in ENGINE.questionnaire.questions if q.fact}
    suggested = {c.key for o in [*report.effects, *report.paths] for c in o.changes}
    assert facts and not facts & suggested
    levers = {q.id for q in ENGINE.questionnaire.questions if q.lever}
    assert suggested <= levers


def test_every_effect_is_what_scoring_the_changed_answers_gives(examples_dir):
    answers, report = _report(examples_dir / "llama-1-2023.yaml", "high")
    assert len(report.effects) > 20
    for outcome in report.effects:
        result = _apply(answers.values, outcome.changes)
        assert result.exposure.band == outcome.band, outcome.changes
        assert result.exposure.rate_per_day == outcome.rate_per_day


def test_effects_are_ranked_by_how_far_they_move_the_odds(examples_dir):
    _, report = _report(examples_dir / "llama-1-2023.yaml", "high")
    moves = [abs(math.log(o.rate_per_day * o.horizon_days
                          / (report.rate_per_day * 365))) for o in report.effects]
    assert moves == sorted(moves, reverse=True)


@pytest.mark.parametrize(("example", "target"), [
    ("llama-1-2023", "high"), ("llama-1-2023", "moderate"), ("gpt-2-partners-2019", "low"),
    ("gpt-2-partners-2019", "moderate"),
    ("llama-2-2023", "high"),
], ids=["llama-1-to-high", "llama-1-to-moderate", "partners-low", "partners-moderate",
        "llama-2-to-high"])
def test_a_suggested_path_lands_in_the_promised_band(examples_dir, example, target):
    answers, report = _report(examples_dir / f"{example}.yaml", target)
    bands = ENGINE.rules.model.band_names
    for outcome in report.paths:
        result = _apply(answers.values, outcome.changes)
        assert result.exposure.band == outcome.band
        assert bands.index(outcome.band) <= bands.index(target)
        assert len(outcome.changes) <= 3 and outcome.owners


def test_when_gated_downloads_cannot_reach_the_target_it_says_what_does(examples_dir):
    """LLaMA 1 to low: no three changes keep downloadable weights that safe; hosting does."""
    _, report = _report(examples_dir / "llama-1-2023.yaml", "low")
    assert report.paths == []
    assert report.reachable_by == ["gated_hosted"]


def test_the_horizon_break_even_is_closed_form(examples_dir):
    _, report = _report(examples_dir / "gpt-2-partners-2019.yaml", "low")
    [horizon] = [b for b in report.break_evens if b.key == "horizon_days"]
    p_cut = (10 - 0.5) / 100
    assert horizon.value == math.floor(-math.log(1 - p_cut) / report.rate_per_day)


def test_a_headcount_break_even_is_the_last_value_in_the_band(examples_dir):
    answers, report = _report(examples_dir / "gpt-2-partners-2019.yaml", "low")
    [holders] = [b for b in report.break_evens if b.key == "access_holders"]
    n = int(holders.value)
    inside = score_values(ENGINE, {**answers.values, "access_holders": n}).exposure.band
    outside = score_values(ENGINE, {**answers.values, "access_holders": n + 1}).exposure.band
    assert (inside, outside) == ("low", "moderate")
    assert holders.text == f"stays in low or below up to {n:,} access_holders"


def test_levers_at_the_command_line_text_and_json(runner, examples_dir):
    path = str(examples_dir / "llama-1-2023.yaml")
    text = runner.invoke(app, ["levers", path, "--target", "high"])
    assert text.exit_code == 0, text.output
    assert "fewest changes to reach high" in text.stdout
    assert "--set artifact_form=encrypted_or_enclave" in text.stdout
    document = json.loads(runner.invoke(app, ["levers", path, "--target", "high",
                                              "--format", "json"]).stdout)
    assert document["target"] == "high" and document["paths"] and document["effects"]
    bad = runner.invoke(app, ["levers", path, "--target", "purple"])
    assert bad.exit_code == 2 and "'purple' is not a band" in bad.stderr


def test_assess_ends_with_the_three_levers_that_lower_the_odds_most(examples_dir):
    from riskcli.formatting import top_levers_text
    from riskcli.scoring import score_file

    result = score_file(ENGINE, examples_dir / "llama-1-2023.yaml")
    text = top_levers_text(ENGINE, result).splitlines()
    assert text[0] == "What would lower the odds most (the best change of each lever):"
    firsts = [line for line in text[1:] if line.startswith("  - ")]
    assert len(firsts) == 3
    assert firsts[0].startswith("  - weights_leave_premises = no: low")
    levers = [line.split(" = ")[0] for line in firsts]
    assert len(set(levers)) == 3


CASES = sorted([*(Path(__file__).parents[1] / "examples").glob("*.yaml"),
                *(Path(__file__).parents[1] / "precedents").glob("*.yaml")])


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_every_suggested_path_re_scored_with_set_lands_in_the_promised_band(runner, tmp_path,
                                                                          path):
    """Consistency by construction: the --set line levers prints gives the band it promised,
    for every target band, on every example and precedent."""
    import shlex

    import yaml

    from riskcli.formatting import set_arguments

    data = yaml.safe_load(path.read_text())
    answers = tmp_path / "answers.yaml"  # a precedent's answers block, as an answers file
    answers.write_text(yaml.safe_dump({"questionnaire": data["questionnaire"],
                                       "answers": data["answers"]}, sort_keys=False))
    values = load_answers(answers, ENGINE.questionnaire).values
    for target in ENGINE.rules.model.band_names:
        for outcome in lever_report(ENGINE, values, target, str(answers)).paths:
            result = runner.invoke(app, ["score", "--format", "json", str(answers),
                                         *shlex.split(set_arguments(outcome))])
            assert result.exit_code == 0, result.output
            exposure = json.loads(result.stdout)["results"][0]["exposure"]
            assert exposure["band"] == outcome.band, (target, outcome.changes)


def test_report_takes_the_target_band_and_refuses_an_unknown_one(runner, examples_dir,
                                                                  tmp_path):
    path = str(examples_dir / "llama-1-2023.yaml")
    out = tmp_path / "card.md"
    result = runner.invoke(app, ["report", path, "-o", str(out), "--target", "low"])
    assert result.exit_code == 0, result.output
    assert "Gated, hosted only" in out.read_text()
    bad = runner.invoke(app, ["report", path, "-o", str(tmp_path / "x.md"), "--target", "red"])
    assert bad.exit_code == 2 and "'red' is not a band of rule pack llama-pattern" in bad.stderr
    assert not (tmp_path / "x.md").exists()


@pytest.mark.parametrize("name", ["a$(touch X).yaml", "it's `touch X`; ok.yaml", "-rf.yaml"])
def test_the_check_command_levers_prints_runs_nothing_and_names_the_file(runner, tmp_path,
                                                                         examples_dir, name,
                                                                         monkeypatch):
    """Pasted into a shell, `levers`' check line reaches riskcli with the file as one argument
    (`printf` stands in for riskcli), and nothing the name holds runs."""
    import subprocess

    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_bytes((examples_dir / "llama-1-2023.yaml").read_bytes())
    result = runner.invoke(app, ["levers", "--target", "high", "--", name])
    assert result.exit_code == 0, result.output
    (command,) = [line.strip() for line in result.stdout.splitlines()
                  if line.strip().startswith("riskcli score ")]
    run = subprocess.run(["sh", "-c", "printf '%s\\n' " + command.removeprefix("riskcli ")],
                         cwd=tmp_path, capture_output=True, text=True, check=True)
    assert run.stdout.splitlines()[:2] == ["score", f"./{name}" if name[0] == "-" else name]
    assert not (tmp_path / "X").exists()
