"""Rewriting an answers file keeps what a person wrote around the answers: comments, order, quoting,
flow style, indentation. Only the answers that changed change, and the result always reads back, as
every riskcli command reads it, as exactly the answers given."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskcli.answers import load_answers, load_partial_answers, save_answers
from riskcli.answers_io import answers_text
from riskcli.errors import OutputFileError
from riskcli.questionnaire import Questionnaire
from riskcli.starter import starter_text
from riskcli.values import AnswerValueError, Range, coerce
from riskcli.yamlio import parse_yaml

COMMENT = re.compile(r"#.*$")


def comments(text: str) -> list[str]:
    """Every comment in a file, in order, as written (the part of each line from `#`)."""
    found = []
    for line in text.splitlines():
        match = COMMENT.search(line)
        if match and not line.lstrip().startswith(("'", '"')):
            found.append(match.group(0))
    return found


def changed_lines(before: str, after: str) -> list[str]:
    return [line for line in difflib.ndiff(before.splitlines(), after.splitlines())
            if line.startswith(("- ", "+ "))]


def answers_in(raw: bytes, questionnaire: Questionnaire) -> dict[str, Any]:
    """The answers a file gives, checked, as every riskcli command reads them."""
    data = parse_yaml(raw, "<test>")["answers"] or {}
    return {key: coerce(questionnaire.by_id[key], value)
            for key, value in data.items() if value is not None}


def rewrite(path: Path, questionnaire: Questionnaire, changes: Mapping[str, Any],
            drop: tuple[str, ...] = ()) -> str:
    values = {**load_partial_answers(path, questionnaire), **changes}
    for key in drop:
        values.pop(key, None)
    save_answers(path, questionnaire, values, path.read_bytes())
    return path.read_text(encoding="utf-8")


@pytest.fixture
def llama_copy(tmp_path: Path, examples_dir: Path) -> Path:
    path = tmp_path / "llama-1.yaml"
    path.write_bytes((examples_dir / "llama-1-2023.yaml").read_bytes())
    return path


def test_rewriting_an_example_with_its_own_answers_changes_no_byte(
    tmp_path, example_paths, questionnaire
):
    for example in example_paths:
        raw = example.read_bytes()
        values = load_partial_answers(example, questionnaire)
        assert answers_text(questionnaire, values, raw, str(example)) == raw, example.name


def test_one_changed_answer_changes_its_line_only_and_keeps_its_comment(
    llama_copy, questionnaire
):
    before = llama_copy.read_text(encoding="utf-8")
    after = rewrite(llama_copy, questionnaire, {"access_holders": 2000})
    assert changed_lines(before, after) == [
        "-   access_holders: {low: 1000, high: 5000}        # estimate, see header",
        "+   access_holders: 2000                           # estimate, see header",
    ]
    assert load_answers(llama_copy, questionnaire).values["access_holders"] == 2000


def test_a_longer_value_keeps_two_spaces_before_its_comment(llama_copy, questionnaire):
    after = rewrite(llama_copy, questionnaire, {"artifact_size_gb": 123456.5})
    assert "artifact_size_gb: 123456.5  # 13 + 26 + 65 + 130 GB" in after


def test_a_changed_estimate_keeps_its_flow_style_and_comment(llama_copy, questionnaire):
    after = rewrite(llama_copy, questionnaire, {"access_holders": Range(2000, 8000)})
    assert "  access_holders: {low: 2000, high: 8000}        # estimate, see header\n" in after


def test_answers_that_stop_applying_leave_every_comment_and_a_file_validate_accepts(
    llama_copy, questionnaire
):
    before = llama_copy.read_text(encoding="utf-8")
    dependent = [q.id for q in questionnaire.questions if q.when == "weights_leave_premises"]
    after = rewrite(llama_copy, questionnaire, {"weights_leave_premises": False}, drop=tuple(
        dependent))
    assert comments(after) == comments(before)
    strict = load_answers(llama_copy, questionnaire, strict=True)  # nothing left that is ignored
    assert not set(dependent) & set(strict.values)
    assert strict.values["weights_leave_premises"] is False


def test_a_filled_in_starter_keeps_every_comment_init_wrote(tmp_path, questionnaire,
                                                           llama1_answers):
    path = tmp_path / "answers.yaml"
    starter = starter_text(questionnaire)
    path.write_text(starter, encoding="utf-8")
    after = rewrite(path, questionnaire, llama1_answers)
    assert comments(after) == comments(starter)
    assert after.startswith("# yaml-language-server: $schema=")
    expected = {k: coerce(questionnaire.by_id[k], v) for k, v in llama1_answers.items()}
    assert load_answers(path, questionnaire).values == expected
    # every answer sits on its key's own line, below the comments init wrote for it
    assert "  # text\n  model_name: LLaMA (7B, 13B, 33B, 65B)\n" in after


def test_a_new_answer_goes_in_questionnaire_order_below_the_comment_of_the_next_key(
    tmp_path, questionnaire
):
    path = tmp_path / "answers.yaml"
    path.write_text(
        "questionnaire: {id: distribution, version: '1.0'}\n"
        "answers:\n"
        "  model_name: Nova  # working name\n"
        "\n"
        "  # signed off by legal\n"
        "  decision_owner: Ada\n", encoding="utf-8")
    after = rewrite(path, questionnaire, {"organization": "Example Labs"})
    assert after.endswith(
        "  model_name: Nova  # working name\n"
        "  organization: Example Labs\n"
        "\n"
        "  # signed off by legal\n"
        "  decision_owner: Ada\n")


def test_comments_inside_a_replaced_list_are_kept(tmp_path, questionnaire, llama1_answers):
    path = tmp_path / "answers.yaml"
    text = save_and_read(path, questionnaire, llama1_answers).replace(
        "  download_controls: [expiring_links]\n",
        "  download_controls:\n"
        "  - expiring_links   # pre-signed S3 links\n"
        "  # logging was planned, never built\n")
    path.write_text(text, encoding="utf-8")
    after = rewrite(path, questionnaire, {"download_controls": ["download_logging"]})
    assert "# pre-signed S3 links" in after and "# logging was planned, never built" in after
    assert load_answers(path, questionnaire).values["download_controls"] == ["download_logging"]


def save_and_read(path: Path, questionnaire: Questionnaire, answers: Mapping[str, Any]) -> str:
    save_answers(path, questionnaire, answers)
    return path.read_text(encoding="utf-8")


def test_a_new_file_reads_back_as_the_answers_with_lists_on_one_line(
    tmp_path, questionnaire, llama1_answers
):
    text = save_and_read(tmp_path / "new.yaml", questionnaire, llama1_answers)
    assert text.startswith("questionnaire:\n  id: distribution\n")
    assert "  download_controls: [expiring_links]\n" in text
    assert "  access_holders: {low: 1000, high: 5000}\n" in text
    expected = {k: coerce(questionnaire.by_id[k], v) for k, v in llama1_answers.items()}
    assert load_answers(tmp_path / "new.yaml", questionnaire).values == expected


@pytest.mark.parametrize(
    ("layout", "indent"),
    [
        pytest.param("four-spaces", "    ", id="four-spaces"),
        pytest.param("indented-lists", "  ", id="indented-lists"),
    ],
)
def test_the_file_keeps_its_indentation(tmp_path, questionnaire, layout, indent):
    lists = f"{indent}download_controls:\n{indent}  - expiring_links\n{indent}  - rate_limits\n"
    text = ("questionnaire:\n"
            f"{indent}id: distribution\n"
            f"{indent}version: '1.0'\n"
            "answers:\n"
            f"{indent}model_name: Nova\n"
            f"{lists}"
            f"{indent}organization: Example Labs\n")
    path = tmp_path / f"{layout}.yaml"
    path.write_text(text, encoding="utf-8")
    after = rewrite(path, questionnaire, {"organization": "Other Labs"})
    assert changed_lines(text, after) == [f"- {indent}organization: Example Labs",
                                          f"+ {indent}organization: Other Labs"]


def test_windows_line_endings_and_a_byte_order_mark_are_kept(tmp_path, questionnaire):
    path = tmp_path / "answers.yaml"
    raw = ("\ufeff# from Windows\r\nquestionnaire: {id: distribution, version: '1.0'}\r\n"
           "answers:\r\n  model_name: Nova\r\n").encode("utf-8")
    path.write_bytes(raw)
    save_answers(path, questionnaire, {"model_name": "Nova 2"}, raw)
    assert path.read_bytes() == raw.replace(b"Nova", b"Nova 2")


def test_an_answer_waiting_for_an_earlier_one_is_left_in_the_file(tmp_path, questionnaire):
    path = tmp_path / "answers.yaml"
    raw = (b"questionnaire: {id: distribution, version: '1.0'}\n"
           b"answers:\n  model_name: Nova\n  access_holders: 300  # from the pilot\n")
    path.write_bytes(raw)
    # weights_leave_premises is not answered yet: whether access_holders applies is undecided
    save_answers(path, questionnaire, {"model_name": "Nova 2"}, raw)
    assert b"  access_holders: 300  # from the pilot\n" in path.read_bytes()


def test_a_rewrite_that_would_read_back_differently_writes_nothing(
    tmp_path, questionnaire, monkeypatch
):
    """The guard behind every save: were a value ever written so that it reads back as another
    (here, every new value written as the text "x"), the file stays as it was, with one problem
    naming the answer."""
    path = tmp_path / "answers.yaml"
    raw = b"questionnaire: {id: distribution, version: '1.0'}\nanswers:\n  model_name: Nova\n"
    path.write_bytes(raw)
    monkeypatch.setattr("riskcli.answers_io._node", lambda value: "x")
    with pytest.raises(OutputFileError, match="access_holders: cannot be rewritten"):
        save_answers(path, questionnaire, {"model_name": "Nova", "access_holders": 20}, raw)
    assert path.read_bytes() == raw


@pytest.mark.parametrize("text", ["yes", "No", "on", "1_000", "1:20", "0o17", "0x1F", "~", "null",
                                  "2023-02-24", "=", "<<", "- a", "a: b", "#hash", "'quoted'",
                                  "3.0", ".inf", "[x]", "{y}", "@at", "%p", "`tick`", "!tag"])
def test_text_that_yaml_would_read_as_something_else_is_kept_as_text(
    tmp_path, questionnaire, text
):
    path = tmp_path / "answers.yaml"
    save_answers(path, questionnaire, {"model_name": text})
    assert parse_yaml(path.read_bytes(), str(path))["answers"]["model_name"] == text


@settings(max_examples=150, deadline=None)
@given(text=st.text(st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1,
                    max_size=60))
def test_any_text_answer_reads_back_as_typed(questionnaire, text):
    try:
        value = coerce(questionnaire.by_id["model_name"], text)
    except AnswerValueError:
        return
    raw = answers_text(questionnaire, {"model_name": value})
    assert answers_in(raw, questionnaire) == {"model_name": value}
    changed = answers_text(questionnaire, {"model_name": value, "organization": value}, raw)
    assert answers_in(changed, questionnaire) == {"model_name": value, "organization": value}


@pytest.mark.slow
def test_score_never_imports_ruamel(repo_root):
    from test_startup import imported_by

    code, modules = imported_by("score", "examples/llama-1-2023.yaml", cwd=repo_root)
    assert code in (0, None)
    assert "ruamel" not in modules
