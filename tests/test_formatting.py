"""Score output: JSON assembled from per-result pieces is exactly the document json.dumps would
write; text is laid out for the terminal's width without breaking a word, and reads as
sentences."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scoring_helpers import answers_with

from riskcli.formatting import ScoreOutput, json_result, json_text, levers_text, text_summary
from riskcli.scoring import load_engine, score_values


def reference(results, version: str) -> str:
    payload = {"riskcli_version": version, "results": [r.model_dump(mode="json") for r in results]}
    return json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False)


@pytest.mark.parametrize("count", [0, 1, 3], ids=["no-results", "one-result", "three-results"])
def test_score_json_output_is_what_json_dumps_writes(count, llama1_answers):
    engine = load_engine()
    tricky = {"rationale": 'line one\nline "two"\t\u00e9\u2014\U0001f600 \\ end',
              "model_name": "Model\n  with: [yaml]"}
    results = [score_values(engine, answers_with(engine, llama1_answers, tricky), file=f"f{i}.yaml")
               for i in range(count)]
    out = ScoreOutput(as_json=True, keys=engine.rules.keys)
    for result in results:
        out.add(result)
    assert "".join(out.chunks("1.2.3")) == reference(results, "1.2.3") + "\n"


def dumps(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False)


_plain = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20)


@given(value=_plain, indent=st.sampled_from(["", "    "]))
def test_json_text_is_what_json_dumps_writes(value, indent):
    assert json_text(value, indent) == dumps(value).replace("\n", "\n" + indent)


def _cycle() -> list:
    loop: list = []
    loop.append(loop)
    return loop


@pytest.mark.parametrize("value", [
    {"p": float("nan")}, [1, float("inf")], {1: "a", "b": [True]}, {"a": (1, 2)}, {"d": {3}},
    [{"x": [], "y": {}}], {None: 1, True: 2, 1.5: 3}, _cycle(),
], ids=["nan", "inf", "int-key", "tuple", "set", "empty-containers", "other-keys", "cycle"])
def test_json_text_writes_or_refuses_what_json_dumps_does(value):
    try:
        expected = dumps(value)
    except (ValueError, TypeError) as exc:
        with pytest.raises(type(exc), match=re.escape(str(exc))):
            json_text(value)
    else:
        assert json_text(value) == expected


def test_every_example_result_is_the_json_json_dumps_writes(examples):
    for result in examples:
        assert json_result(result) == dumps(result.model_dump(mode="json"))


# --- text that fits -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def engine():
    return load_engine()


@pytest.fixture(scope="module")
def examples(engine, example_paths):
    from riskcli.scoring import score_file

    return [score_file(engine, path) for path in example_paths]


UNWRAPPED = 10_000


def assert_fits_without_breaking_a_word(narrow: str, wide: str, width: int) -> None:
    """Every line fits, and the words are the unwrapped text's words in the same order: a word
    broken across lines ('will l' / 'ikely') would show up as two words that are not there.
    The first line names the file (a path to copy, never broken) and is left out of the width
    check: the tests' files have long absolute paths."""
    too_long = [line for line in narrow.splitlines()[1:] if len(line) > width]
    assert too_long == [], too_long
    assert narrow.split() == wide.split()


@pytest.mark.parametrize("width", [60, 80, 96])
def test_the_summary_fits_the_width_and_breaks_no_word(examples, engine, width):
    for result in examples:
        narrow = text_summary(result, engine.rules.keys, width)
        assert_fits_without_breaking_a_word(
            narrow, text_summary(result, engine.rules.keys, UNWRAPPED), width)


def test_a_narrow_summary_keeps_each_figure_beside_its_interval(examples, engine):
    """At 60 columns the rows of figures move their figures to a line of their own instead of
    cutting them: the score stays with its interval, an option's odds with its median."""
    lines = text_summary(examples[0], engine.rules.keys, 60).splitlines()
    score_line = next(line for line in lines if "score " in line and "/100" in line)
    assert re.search(r"score \d+/100 \(\d+%: [\d–]+\)$", score_line)
    options = [line.strip() for line in lines if line.strip().startswith("P(horizon)")]
    assert options and all(re.fullmatch(r"P\(horizon\) \S+, median .+", o) for o in options)


@pytest.mark.parametrize("width", [60, 80])
def test_levers_text_fits_the_width_and_breaks_no_word(examples, engine, width):
    from riskcli.levers import report_for

    report = report_for(engine, examples[0])
    assert_fits_without_breaking_a_word(levers_text(report, width),
                                        levers_text(report, UNWRAPPED), width)


@pytest.mark.parametrize("columns", [None, "60"], ids=["no-columns", "columns-60"])
def test_a_pipe_gets_the_fixed_width_whatever_the_environment_says(
    runner, example_paths, monkeypatch, columns
):
    """The runner's stdout is not a terminal, as a pipe or a CI log is not: laid out at 96
    columns, so the output never depends on who ran it."""
    from riskcli.cli.app import app

    monkeypatch.delenv("COLUMNS", raising=False)
    result = runner.invoke(app, ["score", str(example_paths[0])],
                           env={"COLUMNS": columns} if columns else {})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()[1:]
    assert max(map(len, lines)) <= 96
    assert max(map(len, lines)) > 84  # the prose does use the width it has


class _Terminal:
    """A stdout that is a terminal of `columns` columns."""

    def __init__(self, columns: int):
        self.columns = columns

    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        raise OSError("no real terminal behind this one")


@pytest.mark.parametrize(
    ("columns", "expected"),
    [("60", 60), ("80", 80), ("400", 96), ("10", 40), ("0", 96), ("wide", 96), (None, 96)],
    ids=["60", "80", "wide-terminal-capped", "tiny-floored", "zero", "nonsense", "unknown"],
)
def test_a_terminal_gets_its_columns_within_bounds(monkeypatch, columns, expected):
    from riskcli import terminal

    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert terminal.width(_Terminal(0)) == expected  # type: ignore[arg-type]


# --- wording ------------------------------------------------------------------------------------


def test_the_recommendation_reads_as_sentences(examples):
    for result in examples:
        r = result.recommendation
        for text in (r.headline, *r.reasons):
            assert text.endswith((".", "!", "?")), text
            assert not re.search(r"[=:]\s*[<>]\d|\bis [<>]\d", text), text


def test_percent_words_say_over_and_under_where_a_table_says_more_and_less():
    from riskcli.wording import percent, percent_words

    assert (percent(0.999), percent_words(0.999)) == (">99%", "over 99%")
    assert (percent(0.001), percent_words(0.001)) == ("<1%", "under 1%")
    assert percent_words(0.42) == "42%"


def test_the_model_card_says_the_horizon_in_words(engine, examples):
    from riskcli.report.render import render_markdown
    from riskcli.report.templates import load_templates
    from riskcli.resources import default_templates

    templates = load_templates(default_templates())
    for result in examples:
        card = render_markdown(result, engine, templates)
        assert not re.search(r"\d days horizon", card)
        assert "(recommended) (" not in card and ") (under consideration)" not in card
        assert not re.search(r"=\s*(&gt;|&lt;|[<>])\d", card)
        assert f"| {result.exposure.horizon_days} days (the horizon) |" in card
