"""YAML is untrusted input: every way a file can be wrong is one clean problem, never a crash."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from riskcli.errors import InputFileError
from riskcli.yamlio import MAX_YAML_BYTES, MAX_YAML_DEPTH, line_of, load_yaml, parse_yaml


def only_problem(exc_info: pytest.ExceptionInfo[InputFileError]):
    problems = exc_info.value.problems
    assert len(problems) == 1, problems
    return problems[0]


@pytest.mark.parametrize(
    ("text", "key", "first_line", "second_line"),
    [
        ("a: 1\nb: 2\na: 3\n", "a", 1, 3),
        ("top:\n  x: 1\n  y: 2\n  x: 3\n", "x", 2, 4),
        ("answers:\n  vetting: none\n\n  vetting: self_attested\n", "vetting", 2, 4),
    ],
    ids=["top-level", "nested", "answers-with-blank-line"],
)
def test_duplicate_key_is_reported_with_both_lines(text, key, first_line, second_line):
    with pytest.raises(InputFileError) as exc_info:
        parse_yaml(text.encode(), "dup.yaml")
    problem = only_problem(exc_info)
    assert problem.file == "dup.yaml"
    assert f"duplicate key '{key}'" in problem.message
    assert f"first on line {first_line}" in problem.message
    assert problem.line == second_line


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system",
        "!!python/object/new:os.system",
        "!!python/name:os.system",
    ],
    ids=["object-apply", "object-new", "name"],
)
def test_python_tags_are_refused_and_nothing_runs(tmp_path: Path, tag: str):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.yaml"
    path.write_text(f"answers:\n  model_name: {tag} ['touch {marker}']\n", encoding="utf-8")
    with pytest.raises(InputFileError) as exc_info:
        load_yaml(path)
    problem = only_problem(exc_info)
    assert "invalid YAML" in problem.message
    assert "python/" in problem.message
    assert problem.line == 2
    assert not marker.exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("d: 2023-02-24\n", "2023-02-24"),
        ("d: 2023-02-30\n", "2023-02-30"),
        ("d: 2023-02-24T10:00:00Z\n", "2023-02-24T10:00:00Z"),
        ("d: 2023-02-24 10:00:00\n", "2023-02-24 10:00:00"),
    ],
    ids=["date", "impossible-date", "timestamp", "timestamp-with-space"],
)
def test_dates_stay_text_so_the_answers_loader_can_judge_them(text: str, expected: str):
    assert parse_yaml(text.encode(), "d.yaml") == {"d": expected}


def test_other_scalars_keep_their_yaml_types():
    data = parse_yaml(b"i: 7\nf: 2.5\nb: yes\nn: ~\ns: text\n", "s.yaml")
    assert data == {"i": 7, "f": 2.5, "b": True, "n": None, "s": "text"}


def test_utf8_byte_order_mark_is_accepted(tmp_path: Path):
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffmodel_name: Llamá\n".encode())
    assert load_yaml(path).data == {"model_name": "Llamá"}


@pytest.mark.parametrize(
    "raw",
    [
        "model_name: Llamá\n".encode("latin-1"),
        "model_name: Llama\n".encode("utf-16"),
        b"model_name: \xff\xfe\xfd\n",
    ],
    ids=["latin-1", "utf-16", "garbage-bytes"],
)
def test_non_utf8_file_is_rejected_with_one_clear_problem(tmp_path: Path, raw: bytes):
    path = tmp_path / "enc.yaml"
    path.write_bytes(raw)
    with pytest.raises(InputFileError) as exc_info:
        load_yaml(path)
    problem = only_problem(exc_info)
    assert problem.file == str(path)
    assert "is not UTF-8 text" in problem.message


def test_file_over_the_size_cap_is_refused_before_parsing(tmp_path: Path):
    path = tmp_path / "big.yaml"
    # Not even valid YAML: the size check must come first.
    path.write_bytes(b"[" * (MAX_YAML_BYTES + 1))
    with pytest.raises(InputFileError) as exc_info:
        load_yaml(path)
    problem = only_problem(exc_info)
    assert f"the limit is {MAX_YAML_BYTES:,} bytes" in problem.message


def test_file_at_the_size_cap_is_read(tmp_path: Path):
    path = tmp_path / "edge.yaml"
    body = b"a: " + b"x" * 20 + b"\n"
    path.write_bytes(body)
    assert load_yaml(path, max_bytes=len(body)).data == {"a": "x" * 20}
    with pytest.raises(InputFileError):
        load_yaml(path, max_bytes=len(body) - 1)


def test_directory_is_refused(tmp_path: Path):
    with pytest.raises(InputFileError) as exc_info:
        load_yaml(tmp_path)
    assert "is a directory" in only_problem(exc_info).message


def test_missing_file_is_reported_by_name(tmp_path: Path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(InputFileError) as exc_info:
        load_yaml(missing)
    problem = only_problem(exc_info)
    assert problem.file == str(missing)
    assert problem.message == "no such file"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: [1, 2\nb: 3\n", 2),
        ("a: 1\n b: 2\n", 2),
        ("a: 1\n\tb: 2\n", 2),
        ("a: 'open\n", 2),
    ],
    ids=["unclosed-list", "bad-indent", "tab", "unclosed-quote"],
)
def test_broken_yaml_is_one_problem_with_a_line(text: str, line: int):
    with pytest.raises(InputFileError) as exc_info:
        parse_yaml(text.encode(), "broken.yaml")
    problem = only_problem(exc_info)
    assert problem.message.startswith("invalid YAML: ")
    assert problem.line == line


def test_complex_mapping_key_is_refused():
    with pytest.raises(InputFileError) as exc_info:
        parse_yaml(b"? [1, 2]\n: x\n", "k.yaml")
    assert "a key must be a plain value" in only_problem(exc_info).message


@pytest.mark.slow
@pytest.mark.parametrize(
    "document",
    ["[" * 60_000 + "]" * 60_000, "- " * 60_000 + "x", "{a: " * 60_000 + "1" + "}" * 60_000],
    ids=["flow-lists", "block-lists", "flow-mappings"],
)
def test_deeply_nested_yaml_is_refused_without_crashing(tmp_path: Path, document: str):
    """Run in a child process: a regression here is a segfault, which must not end the suite."""
    path = tmp_path / "deep.yaml"
    path.write_text(document, encoding="utf-8")
    script = textwrap.dedent(
        f"""
        from riskcli.errors import InputFileError
        from riskcli.yamlio import load_yaml
        try:
            load_yaml({str(path)!r})
        except InputFileError as exc:
            print(exc)
        else:
            print("loaded")
        """
    )
    child = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert child.returncode == 0, f"loader crashed (exit {child.returncode}): {child.stderr}"
    assert "nested" in child.stdout


def test_reasonable_nesting_still_loads():
    nested = "a:\n" + "".join(f"{'  ' * i}k{i}:\n" for i in range(1, 20)) + "  " * 20 + "v: 1\n"
    data = parse_yaml(nested.encode(), "ok.yaml")
    node = data["a"]
    for i in range(1, 20):
        node = node[f"k{i}"]
    assert node == {"v": 1}


def test_lines_of_keys_are_remembered_for_messages():
    data = parse_yaml(b"questionnaire: {id: x}\n\nanswers:\n  a: 1\n  b: 2\n", "m.yaml")
    assert line_of(data, "questionnaire") == 1
    assert line_of(data, "answers") == 3
    assert line_of(data["answers"], "b") == 5
    assert line_of(data["answers"], "missing") is None
    assert line_of({"plain": "dict"}, "plain") is None


def test_load_keeps_the_exact_bytes_for_the_record_digest(tmp_path: Path):
    raw = b"# comment\nmodel_name: LLaMA\n"
    path = tmp_path / "a.yaml"
    path.write_bytes(raw)
    loaded = load_yaml(path)
    assert loaded.raw == raw
    assert loaded.path == str(path)


def test_nesting_limit_is_exact_and_names_the_line():
    at_limit = "[" * MAX_YAML_DEPTH + "]" * MAX_YAML_DEPTH
    assert parse_yaml(at_limit.encode(), "edge.yaml") is not None
    past_limit = "a: 1\nb: " + "[" * (MAX_YAML_DEPTH + 1) + "]" * (MAX_YAML_DEPTH + 1) + "\n"
    with pytest.raises(InputFileError) as exc_info:
        parse_yaml(past_limit.encode(), "deep.yaml")
    problem = only_problem(exc_info)
    assert f"nested more than {MAX_YAML_DEPTH} levels" in problem.message
    assert problem.line == 2
