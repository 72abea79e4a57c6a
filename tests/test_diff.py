"""`riskcli diff` as a pull-request reviewer uses it: what changed, and what each change did."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from riskcli.cli.app import app


@pytest.fixture
def partnered(write_answers, llama1_answers):
    llama1_answers.update(access_holders=40, access_organizations=4, public_demand="moderate",
                          vetting="identity_verified_contract", legal_terms="signed_agreement")
    return write_answers(llama1_answers, name="new.yaml")


def test_diff_shows_the_decision_before_and_after(runner, examples_dir, partnered):
    result = runner.invoke(app, ["diff", str(examples_dir / "llama-1-2023.yaml"), str(partnered)])
    assert result.exit_code == 0
    out = result.stdout
    assert re.search(r"band             critical -> (low|moderate)  \(changed\)", out)
    assert "recommendation   permissive_open -> gated  (changed)" in out
    assert "5 answer(s) changed" in out


def test_each_change_is_scored_alone_against_the_old_answers(runner, examples_dir, partnered):
    result = runner.invoke(app, ["diff", "--format", "json",
                                 str(examples_dir / "llama-1-2023.yaml"), str(partnered)])
    doc = json.loads(result.stdout)
    changes = {c["key"]: c for c in doc["changes"]}
    assert set(changes) == {"access_holders", "access_organizations", "vetting", "legal_terms",
                            "public_demand"}
    assert changes["access_holders"]["old"] == {"low": 1000, "high": 5000}
    assert changes["access_holders"]["new"] == 40
    old_rate = doc["old"]["rate_per_day"]
    # demand extreme (x5) -> moderate (x1): the recipients' part of the rate falls five-fold
    assert changes["public_demand"]["rate_alone"] == pytest.approx(old_rate / 5, rel=0.01)
    assert all(c["rate_alone"] < old_rate for c in changes.values()
               if c["key"] != "access_organizations")


def test_a_change_that_only_applies_with_others_says_so(runner, tmp_path, write_answers,
                                                         llama1_answers):
    hosted = {k: v for k, v in llama1_answers.items()
              if k not in {"access_holders", "access_organizations", "vetting", "legal_terms",
                           "per_recipient_fingerprinting", "download_controls", "artifact_form",
                           "artifact_size_gb"}}
    hosted["weights_leave_premises"] = False
    old = write_answers(hosted, name="hosted.yaml")
    new = write_answers(llama1_answers, name="downloads.yaml")
    result = runner.invoke(app, ["diff", str(old), str(new)])
    assert result.exit_code == 0
    assert "only applies together with the other changes" in result.stdout


def test_diff_against_a_git_revision(runner, tmp_path, write_answers, llama1_answers):
    path = write_answers(llama1_answers, name="answers.yaml")
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "answers.yaml"], check=True)
    subprocess.run([*git, "commit", "-qm", "first"], check=True)
    llama1_answers["access_holders"] = 20000
    write_answers(llama1_answers, name="answers.yaml")
    result = runner.invoke(app, ["diff", str(path), "--rev", "HEAD"])
    assert result.exit_code == 0, result.output
    assert f"{path}@HEAD -> {path}" in result.stdout
    assert "access_holders               1000-5000 (estimate) -> 20000" in result.stdout


def test_an_unknown_revision_is_a_clean_error(runner, tmp_path, write_answers, llama1_answers):
    path = write_answers(llama1_answers)
    subprocess.run(["git", "-C", str(tmp_path), "init", "-q"], check=True)
    result = runner.invoke(app, ["diff", str(path), "--rev", "nope"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{path}: --rev: git show nope failed")


def test_diff_needs_new_or_rev_but_not_both(runner, examples_dir):
    path = str(examples_dir / "llama-1-2023.yaml")
    assert runner.invoke(app, ["diff", path]).exit_code == 2
    assert runner.invoke(app, ["diff", path, path, "--rev", "HEAD"]).exit_code == 2


def git_repo(folder):
    git = ["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    return git


def test_a_file_added_since_the_revision_is_all_answers_added(runner, tmp_path, write_answers,
                                                              llama1_answers):
    git = git_repo(tmp_path)
    write_answers(llama1_answers, name="other.yaml")
    subprocess.run([*git, "add", "other.yaml"], check=True)
    subprocess.run([*git, "commit", "-qm", "first"], check=True)
    path = write_answers(llama1_answers, name="models/new/answers.yaml")
    result = runner.invoke(app, ["diff", str(path), "--rev", "HEAD"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"{path}@HEAD (no file) -> {path}"
    assert lines[1] == "  band             (no file) -> critical"
    assert f"{len(llama1_answers)} answer(s) added:" in result.stdout
    assert "    vetting                      affiliation_checked" in lines
    doc = json.loads(runner.invoke(app, ["diff", str(path), "--rev", "HEAD",
                                         "--format", "json"]).stdout)
    assert doc["old"] is None and doc["new"]["band"] == "critical"
    assert doc["band_changed"] and doc["recommendation_changed"]
    assert {c["key"] for c in doc["changes"]} == set(llama1_answers)
    assert all(c["old"] is None and c["score_alone"] is None for c in doc["changes"])


def test_a_file_removed_since_the_revision_is_all_answers_removed(runner, tmp_path,
                                                                  write_answers, llama1_answers):
    git = git_repo(tmp_path)
    path = write_answers(llama1_answers, name="models/gone/answers.yaml")
    subprocess.run([*git, "add", "models"], check=True)
    subprocess.run([*git, "commit", "-qm", "first"], check=True)
    subprocess.run([*git, "rm", "-rq", "models"], check=True)
    assert not path.parent.exists()  # its folder went with it
    result = runner.invoke(app, ["diff", str(path), "--rev", "HEAD"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"{path}@HEAD -> {path} (no file)"
    assert lines[1] == "  band             critical -> (no file)"
    assert f"{len(llama1_answers)} answer(s) removed:" in result.stdout
    doc = json.loads(runner.invoke(app, ["diff", str(path), "--rev", "HEAD",
                                         "--format", "json"]).stdout)
    assert doc["new"] is None and doc["old"]["file"] == f"{path}@HEAD"


def test_a_file_neither_here_nor_at_the_revision_is_a_clean_error(runner, tmp_path,
                                                                  write_answers, llama1_answers):
    git = git_repo(tmp_path)
    write_answers(llama1_answers, name="other.yaml")
    subprocess.run([*git, "add", "other.yaml"], check=True)
    subprocess.run([*git, "commit", "-qm", "first"], check=True)
    missing = tmp_path / "nowhere.yaml"
    result = runner.invoke(app, ["diff", str(missing), "--rev", "HEAD"])
    assert result.exit_code == 2
    assert result.stderr == f"{missing}: no such file\n"
