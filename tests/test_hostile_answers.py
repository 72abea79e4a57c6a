"""Hostile answers files: values built to crash the checks, the arithmetic or the reader's terminal.

Every case must end as problems naming the file and key, one line each, and never a traceback.
"""

from __future__ import annotations

import pytest
from hostile_helpers import assert_clean_refusal

from riskcli.cli import app
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
