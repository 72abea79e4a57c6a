"""YAML is untrusted input: every way a file can be wrong is one clean problem, never a crash."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from riskcli.errors import InputFileError
from riskcli.yamlio import (
    _PLAIN_DECIMAL,
    _SCALAR_READERS,
    _SHORT_TEXT,
    MAX_YAML_BYTES,
    MAX_YAML_DEPTH,
    MAX_YAML_VALUES,
    _Loader,
    _read_both_ways,
    dump_yaml,
    line_of,
    load_yaml,
    parse_yaml,
)


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


@pytest.mark.parametrize(
    ("written", "read"),
    [("7", 7), ("-7", -7), ("+7", 7), ("0", 0), ("2.5", 2.5), (".5", 0.5), ("1.", 1.0),
     ("1e3", 1000.0), ("2.5e-5", 2.5e-5), ("1E+3", 1000.0), ("0x1F", 31), ("0o17", 15),
     ("true", True), ("False", False), ("TRUE", True), ("~", None), ("null", None), ("", None),
     ("yes", "yes"), ("no", "no"), ("On", "On"), ("off", "off"), ("y", "y"), ("=", "="),
     ("12abc", "12abc"), ("1.2.3", "1.2.3"), ("0x", "0x"), (".inf", float("inf")),
     ("-.Inf", float("-inf"))],
)
def test_plain_values_are_read_as_yaml_1_2_reads_them(written, read):
    """The YAML 1.2 core schema, as the editor reading the JSON Schema reads a file: yes/no/on/off
    are text, 1e3 is a number."""
    value = parse_yaml(f"v: {written}\n".encode(), "s.yaml")["v"]
    assert value == read and type(value) is type(read)


def test_not_a_number_is_read_as_one():
    assert math.isnan(parse_yaml(b"v: .nan\n", "s.yaml")["v"])


@pytest.mark.parametrize(
    ("written", "words"),
    [("0200", "`0200` reads as 128 in YAML 1.1 but as 200 in YAML 1.2; write 200 or 128, "
              "whichever you meant, or quote it if it is text"),
     ("-0200", "reads as -128 in YAML 1.1 but as -200 in YAML 1.2"),
     ("09", "`09` reads as text in YAML 1.1 but as 9 in YAML 1.2; write 9, or quote it"),
     ("07", "`07` has a leading 0, which YAML 1.1 reads as octal; write 7"),
     ("1:00:00", "`1:00:00` reads as 3600 in YAML 1.1 but as text in YAML 1.2; write 3600, or "
                 "quote it if it is text"),
     ("1:30.5", "reads as 90.5 in YAML 1.1 but as text"),
     ("1_000", "`1_000` reads as 1000 in YAML 1.1 but as text in YAML 1.2; write 1000"),
     ("1_000.5", "reads as 1000.5 in YAML 1.1"),
     ("0b101", "`0b101` reads as 5 in YAML 1.1 but as text in YAML 1.2; write 5"),
     ("+0x1F", "reads as 31 in YAML 1.1 but as text"),
     ("1:2:3:4:5:6:7:8:9:10:11:12:13:14:15:16:17:18", "reads as a large number in YAML 1.1")],
)
def test_a_number_yaml_1_1_reads_otherwise_is_refused_naming_key_line_and_fix(written, words):
    """`0200` silently became 128 before (YAML 1.1 octal); now neither reading is guessed."""
    with pytest.raises(InputFileError) as exc_info:
        parse_yaml(f"questionnaire: x\nanswers:\n  horizon_days: {written}\n".encode(), "a.yaml")
    problem = only_problem(exc_info)
    assert (problem.file, problem.key, problem.line) == ("a.yaml", "answers.horizon_days", 3)
    assert words in problem.message
    assert str(problem).count("\n") == 0


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [("a: [1, 0200]\n", "a[1]", 1), ("b:\n  c: [x, {d: 010}]\n", "b.c[1].d", 2),
     ("0200: x\n", "", 1), ("- 1_000\n", "[0]", 1), ("a: &n 0200\nb: *n\n", "a", 1)],
    ids=["in-a-list", "nested", "as-a-key", "top-level-list", "anchored"],
)
def test_a_refused_number_names_where_it_is(text, key, line):
    with pytest.raises(InputFileError) as exc_info:
        parse_yaml(text.encode(), "p.yaml")
    problem = only_problem(exc_info)
    assert (problem.key, problem.line) == (key, line)


@pytest.mark.parametrize(
    ("text", "read"),
    [("a: '0200'\n", "0200"), ('a: "1:00:00"\n', "1:00:00"), ("a: !!str 1_000\n", "1_000"),
     ("a: !!float 3\n", 3.0), ("a: !!int 12\n", 12), ("a: 0200.5\n", 200.5)],
)
def test_quoted_or_tagged_the_same_value_is_read_as_written(text, read):
    assert parse_yaml(text.encode(), "q.yaml")["a"] == read


@pytest.mark.parametrize(
    ("text", "words"),
    [("a: !!int 0200\n", "reads as 128 in YAML 1.1"), ("a: !!int 1e3\n", "cannot read '1e3'"),
     ("a: !!bool yes\n", "cannot read 'yes' as !!bool")],
)
def test_an_explicit_tag_follows_the_same_rules(text, words):
    with pytest.raises(InputFileError) as exc_info:
        parse_yaml(text.encode(), "t.yaml")
    assert words in only_problem(exc_info).message


def test_what_riskcli_writes_reads_back_as_written():
    """Text that a YAML reader would take for a number or a boolean is quoted when written."""
    data = {key: key for key in ("1e3", "0o17", "yes", "0200", "1:00", "=", "2023-01-01", "True",
                                 "~", "1_000", ".5", "0x1F", "plain")}
    data.update(big=1e20, small=2.5e-5, whole=3, flag=False)
    text = dump_yaml(data)
    assert parse_yaml(text.encode(), "w.yaml") == data
    assert "plain: plain\n" in text and "big: 1.0e+20\n" in text


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


def _laughs(total: int) -> str:
    """A short list holding exactly `total` values once its aliases are expanded."""
    sizes = {"a": 10, "b": 101, "c": 1011, "d": 10111}  # each anchor's list, itself included
    lines = ["- &a [" + ", ".join(["x"] * 9) + "]"]
    for below, name in zip("abc", "bcd", strict=True):
        lines.append(f"- &{name} [{', '.join([f'*{below}'] * 10)}]")
    left = total - 1 - sum(sizes.values())
    for name, size in reversed(sizes.items()):
        count, left = divmod(left, size)
        lines += [f"- *{name}"] * count
    return "\n".join(lines + ["- x"] * left) + "\n"


def _chain(levels: int) -> str:
    """A mapping `levels` lists deep once its aliases are expanded, each list one line."""
    return "a1: &a1 [x]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(2, levels))


def _outcome(text: str) -> tuple[str, str]:
    try:
        return "read", repr(parse_yaml(text.encode(), "s.yaml"))
    except InputFileError as exc:
        (problem,) = exc.problems
        return "refused", str(problem)


SHAPES = {
    "values-at-limit": _laughs(MAX_YAML_VALUES),
    "values-past-limit": _laughs(MAX_YAML_VALUES + 1),
    "aliases-at-depth-limit": _chain(MAX_YAML_DEPTH),
    "aliases-past-depth-limit": _chain(MAX_YAML_DEPTH + 1),
    "lists-past-depth-limit": "a: 1\nb: " + "[" * 65 + "]" * 65 + "\n",
    "unclosed-lists": "a: 1\nb: " + "[" * 4000,
    "block-lists": "- " * 2000 + "x\n",
    "bomb-after-a-refused-number": "n: 0200\nl:\n" + _laughs(MAX_YAML_VALUES + 1),
    "bomb-before-broken-yaml": "l:\n" + _laughs(MAX_YAML_VALUES + 1) + "b: [1\n",
    "broken-yaml-before-bomb": "b: [1\nl:\n" + _laughs(MAX_YAML_VALUES + 1),
    "bomb-after-undefined-alias": "u: *nowhere\nl:\n" + _laughs(MAX_YAML_VALUES + 1),
    "deep-after-duplicate-anchor": "a: &x 1\nb: &x 2\nc: " + "[" * 65 + "]" * 65 + "\n",
    "bomb-beside-recursive-anchor": "r: &r {s: *r}\nl:\n" + _laughs(MAX_YAML_VALUES + 1),
    "recursive-anchor": "answers: &a\n  model_name: *a\n",
    "recursive-root": "&r\na: 1\nb: *r\n",
    "merge-key": "base: &b {x: 1, y: 2}\nover:\n  <<: *b\n  y: 3\n",
    "merge-of-merges": "a: &a {x: 1}\nb: &b {<<: *a, y: 2}\nc: {<<: [*b, *a], x: 3}\n",
    "merge-then-duplicate": "a: &a {x: 1}\nc: {<<: *a, x: 2, x: 3}\n",
}


@pytest.mark.parametrize("text", SHAPES.values(), ids=SHAPES.keys())
def test_a_short_file_is_read_or_refused_as_the_same_file_made_long(text: str):
    """A short text is checked for depth and size on the composed nodes, a long one on the event
    stream before composing: the same data, or the same refusal on the same line, either way."""
    long_text = text + "\n#" + "-" * _SHORT_TEXT + "\n"
    assert len(text) <= _SHORT_TEXT < len(long_text)
    assert _outcome(text) == _outcome(long_text)


@pytest.mark.parametrize(("name", "read"), [("values-at-limit", True), ("values-past-limit", False),
                                            ("aliases-at-depth-limit", True),
                                            ("aliases-past-depth-limit", False),
                                            ("unclosed-lists", False), ("block-lists", False),
                                            ("bomb-after-a-refused-number", False),
                                            ("bomb-after-undefined-alias", False)])
def test_the_limits_hold_exactly_in_a_short_file(name: str, read: bool):
    outcome, shown = _outcome(SHAPES[name])
    assert (outcome == "read") is read, shown
    if not read:
        assert "nested more than 64 levels" in shown or "more than 100,000 values" in shown


@pytest.mark.parametrize(("text", "line"), [
    ("a: 1\nb:\n  c: " + "[" * 1500, 3),                         # flow lists past 1,000 levels
    ("a: 1\nb:\n  c:\n" + "    " + "- " * 1500 + "x\n", 4),       # block lists, the same
    ("a: 1\nb:\n  c: " + "[" * 1500 + "\n#" + "-" * _SHORT_TEXT, 3),  # long: checked first
], ids=["flow", "block", "long-flow"])
def test_a_document_past_libyamls_own_depth_limit_is_refused_where_it_passes_64(text: str,
                                                                                 line: int):
    """libyaml 0.2.6 refuses such a document while scanning ahead, with its own words and the
    line of its 1,000th level; riskcli says what it says of any document too deep, with the line
    of the 65th, whichever libyaml the machine has."""
    outcome, shown = _outcome(text)
    assert outcome == "refused"
    assert shown == f"s.yaml: YAML is nested more than 64 levels deep (line {line})", shown


@pytest.mark.parametrize("text", ["plain", "'quoted'", "!!str 12", "~", "null", "!!null ''", "12"])
def test_a_scalar_read_directly_is_what_its_tags_constructor_makes(text: str):
    """_Loader reads text and null scalars without PyYAML's construct_object; the same value."""
    loader = _Loader(text)
    node = loader.get_single_node()
    read = _SCALAR_READERS[node.tag](loader, node)
    made = _Loader.yaml_constructors[node.tag](loader, node)
    assert read == made and type(read) is type(made)


@pytest.mark.parametrize("text", ["0", "-0", "+0", "7", "-7", "+7", "12775", "9" * 18, "0.5",
                                  "-0.0", "569.2", "+2.25", "10.000", "3.14159265358979323846"])
def test_a_plain_decimal_is_read_as_both_yaml_versions_would(text: str):
    """Numbers such as `12` and `2.5` skip asking YAML 1.1 and 1.2 each; the same reading."""
    node = _Loader(text).get_single_node()
    assert _PLAIN_DECIMAL.fullmatch(text)
    read, both = parse_yaml(text.encode(), "n.yaml"), _read_both_ways(text, node)
    assert read == both and type(read) is type(both) and str(read) == str(both)
