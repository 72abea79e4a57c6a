"""Hostile answers files: values built to crash the checks, the arithmetic or the reader's terminal.

Every case must end as problems naming the file and key, one line each, and never a traceback.
"""

from __future__ import annotations

import pytest
from hostile_helpers import assert_clean_refusal

from riskcli.cli.app import app
from riskcli.errors import Problem


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        ("bad\nkey", "bad\\nkey"),
        ("\x1b[2Jclear", "\\x1b[2Jclear"),
        ("right\u202eleft", "right\\u202eleft"),
    ],
    ids=["newline", "escape-sequence", "bidi-override"],
)
def test_an_unknown_key_with_control_characters_prints_escaped_on_one_line(
    runner, write_answers, llama1_answers, key, shown
):
    path = write_answers({**llama1_answers, key: 1})
    result = runner.invoke(app, ["validate", str(path)])
    (line,) = assert_clean_refusal(result.exit_code, result.stderr, str(path))
    assert f": {shown}: unknown key" in line
    assert "\x1b" not in result.stderr


def test_a_problem_shortens_a_pasted_key_and_keeps_the_message():
    text = str(Problem("a.yaml", "k" * 5000, "unknown key"))
    assert len(text) < 120
    assert text.endswith("...: unknown key")


@pytest.mark.parametrize("key", ["model_name", "rationale", "decision_owner"])
@pytest.mark.parametrize(
    "text", ["\x1b[2J\x1b[31mPWNED", "ring\x07", "nul\x00byte", "c1\x9bcsi"],
    ids=["escape-sequence", "bell", "nul", "c1-csi"],
)
def test_control_characters_in_a_text_answer_are_refused(
    runner, write_answers, llama1_answers, key, text
):
    path = write_answers({**llama1_answers, key: text})
    result = runner.invoke(app, ["score", str(path)])
    (line,) = assert_clean_refusal(result.exit_code, result.stderr, str(path))
    assert f"{key}: text holds the control character U+" in line
    assert "PWNED" not in result.stdout


def test_tabs_and_line_breaks_in_text_are_fine(runner, write_answers, llama1_answers):
    path = write_answers({**llama1_answers, "rationale": "first\tline\r\nsecond line\n"})
    assert runner.invoke(app, ["validate", str(path)]).exit_code == 0


@pytest.fixture
def unbounded_questionnaire(tmp_path, repo_root):
    """The bundled questionnaire with every `max` removed, as an organisation might write it."""
    import yaml

    data = yaml.safe_load((repo_root / "questionnaires" / "distribution.yaml").read_text())
    for section in data["sections"]:
        for question in section["questions"]:
            question.pop("max", None)
    path = tmp_path / "unbounded.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["validate", "score", "report", "diff"])
@pytest.mark.parametrize(
    ("key", "value"),
    [("access_holders", 10**400), ("horizon_days", 10**30),
     ("insiders_with_weight_access", 2**53 + 1)],
    ids=["recipients-10^400", "horizon-10^30", "insiders-2^53+1"],
)
def test_a_huge_whole_number_is_refused_even_without_a_max(
    runner, write_answers, llama1_answers, unbounded_questionnaire, tmp_path, command, key, value
):
    path = write_answers({**llama1_answers, key: value})
    args = {"validate": [str(path)], "score": [str(path)],
            "report": [str(path), "-o", str(tmp_path / "record.md")],
            "diff": [str(write_answers(llama1_answers, name="old.yaml")), str(path)]}[command]
    result = runner.invoke(app, [command, *args, "--questionnaire", str(unbounded_questionnaire)])
    (line,) = assert_clean_refusal(result.exit_code, result.stderr, str(path))
    assert f"{key}: expected a whole number" in line
    assert "whole numbers stop at 9,007,199,254,740,992" in line
    assert not (tmp_path / "record.md").exists()


def test_the_largest_whole_number_still_scores(
    runner, write_answers, llama1_answers, unbounded_questionnaire
):
    path = write_answers({**llama1_answers, "access_holders": 2**53})
    result = runner.invoke(app, ["score", str(path),
                                 "--questionnaire", str(unbounded_questionnaire)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("key", ["model_name", "access_holders", "vetting"])
def test_an_integer_too_long_to_print_is_described_not_printed(
    runner, write_answers, llama1_answers, key
):
    """A hex literal of 1 KB is an integer repr() refuses to print (past 4,300 digits)."""
    path = write_answers({k: v for k, v in llama1_answers.items() if k != key})
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"  {key}: 0x{'f' * 5000}\n")
    result = runner.invoke(app, ["validate", str(path)])
    (line,) = assert_clean_refusal(result.exit_code, result.stderr, str(path))
    assert f"{key}: expected" in line
    assert "got a 20,000-bit integer" in line
