"""`riskcli card README.md ANSWERS`: the decision section and the access form written into an
existing model card, everything else in it left byte for byte, and `--check` for CI."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
import yaml
from huggingface_hub import ModelCard
from markdown_it import MarkdownIt

from riskcli.card import BEGIN, END, FRONT_BEGIN, FRONT_END, update_card
from riskcli.cli.app import app

GATED = "gpt-2-partners-2019.yaml"
"""Recommends a gated download: the card gets the access form too."""
NOT_GATED = "llama-1-2023.yaml"
"""Recommends a permissive release: no access form."""

FRONT = (
    "---\r\n"
    "# licence chosen by legal\r\n"
    "license: mit   # see LICENSE\r\n"
    "tags: [gpt2, 'gated']\r\n"
    "model-index: null\r\n"
    "---\r\n"
)
BODY = "\r\n# GPT-2 1.5B\r\n\r\nAbout the model: *careful* use only.\r\nNo final newline"
CRLF_CARD = b"\xef\xbb\xbf" + (FRONT + BODY).encode("utf-8")
"""What a Windows editor saves: a byte-order mark, CRLF, hand-written YAML with comments and
quoting a YAML dumper would rewrite, and no newline at the end."""


@pytest.fixture
def model(tmp_path, examples_dir):
    """A model folder: README.md (the CRLF card) and answers.yaml (the gated GPT-2 case)."""
    shutil.copy(examples_dir / GATED, tmp_path / "answers.yaml")
    (tmp_path / "README.md").write_bytes(CRLF_CARD)
    return tmp_path


def _card(runner, folder: Path, *args: str, answers: str = "answers.yaml"):
    return runner.invoke(app, ["card", str(folder / "README.md"), str(folder / answers), *args])


def _front_matter(card: bytes) -> dict:
    text = card.decode("utf-8-sig")
    return yaml.safe_load(text.split("---", 2)[1])


def _section(card: bytes) -> str:
    text = card.decode("utf-8-sig")
    return text[text.index(BEGIN) + len(BEGIN):text.index(END)]


def _age(path: Path) -> None:
    """Move the file's times into the past, so a rewrite would show in its mtime."""
    os.utime(path, (1_000_000_000, 1_000_000_000))


def test_first_run_adds_the_section_and_the_access_form_and_keeps_every_other_byte(
    runner, model
):
    result = _card(runner, model)
    assert result.exit_code == 0, result.output
    card = (model / "README.md").read_bytes()
    # The body is the card's own, byte for byte, then a blank line and the marked section.
    assert card.startswith(b"\xef\xbb\xbf---\r\n# licence chosen by legal\r\nlicense: mit   # see "
                           b"LICENSE\r\ntags: [gpt2, 'gated']\r\nmodel-index: null\r\n"
                           + FRONT_BEGIN.encode() + b"\r\n")
    after_front = card[card.index(b"\r\n---\r\n") + len(b"\r\n---\r\n"):]
    assert after_front.startswith(BODY.encode() + b"\r\n\r\n" + BEGIN.encode() + b"\r\n")
    assert card.endswith(END.encode() + b"\r\n")
    assert b"\n" not in card.replace(b"\r\n", b""), "a line riskcli wrote ends in a bare LF"
    # One front matter, the card's keys and the access form in it, as the Hub reads it.
    hub = ModelCard(card.decode("utf-8-sig"))
    data = hub.data.to_dict()
    assert data["license"] == "mit" and data["tags"] == ["gpt2", "gated"]
    assert data["extra_gated_heading"] == "Request access to GPT-2 1.5B"
    assert data["extra_gated_fields"]["Agreement reference"] == "text"
    assert "---" not in hub.text.splitlines(), "a second front matter block"
    assert "## Distribution decision" in _section(card)
    assert "| Gated, weights downloaded (under consideration, recommended) |" in _section(card)


def test_a_second_run_changes_nothing_and_check_passes(runner, model):
    assert _card(runner, model).exit_code == 0
    card = model / "README.md"
    written = card.read_bytes()
    _age(card)
    again = _card(runner, model)
    assert again.exit_code == 0, again.output
    assert "up to date" in again.stdout
    assert card.read_bytes() == written
    assert card.stat().st_mtime == 1_000_000_000, "an up-to-date card was rewritten"
    check = _card(runner, model, "--check")
    assert check.exit_code == 0, check.output


def test_check_fails_when_an_answer_changes_and_writes_nothing(runner, model):
    assert _card(runner, model).exit_code == 0
    card = model / "README.md"
    written = card.read_bytes()
    answers = model / "answers.yaml"
    answers.write_text(answers.read_text().replace("vetting: identity_verified_contract",
                                                   "vetting: affiliation_checked"))
    _age(card)
    check = _card(runner, model, "--check")
    assert check.exit_code == 1
    assert check.stderr.count("\n") == 1
    assert check.stderr.startswith(f"{card}: riskcli section: stale")
    assert card.read_bytes() == written and card.stat().st_mtime == 1_000_000_000
    # Running it brings the section (and the form, which now asks for an affiliation) up to date.
    assert _card(runner, model).exit_code == 0
    assert "Affiliation" in _front_matter(card.read_bytes())["extra_gated_fields"]
    assert _card(runner, model, "--check").exit_code == 0


def test_check_names_a_missing_section(runner, model):
    check = _card(runner, model, "--check")
    assert check.exit_code == 1
    assert check.stderr.startswith(f"{model / 'README.md'}: riskcli section: missing; run: "
                                   "riskcli card")
    assert (model / "README.md").read_bytes() == CRLF_CARD


def test_only_what_is_between_the_markers_is_replaced(runner, model):
    """Text after the section (a licence footer) and a hand edit inside it: the footer stays,
    the edit is replaced."""
    assert _card(runner, model).exit_code == 0
    card = model / "README.md"
    text = card.read_bytes().decode("utf-8-sig")
    before, rest = text.split(BEGIN)
    section, after = rest.split(END)
    edited = before + BEGIN + section.replace("Distribution decision", "Edited") + END + after \
        + "\r\n## Licence\r\n\r\nMIT, see LICENSE.  \r\n"
    card.write_bytes(b"\xef\xbb\xbf" + edited.encode())
    assert _card(runner, model, "--check").exit_code == 1
    assert _card(runner, model).exit_code == 0
    fixed = card.read_bytes().decode("utf-8-sig")
    assert fixed == before + BEGIN + section + END + after + "\r\n## Licence\r\n\r\nMIT, see " \
        "LICENSE.  \r\n"


def test_a_card_without_front_matter_gets_one_holding_only_the_form(runner, model):
    card = model / "README.md"
    card.write_bytes(b"# GPT-2\n\nAbout.\n")
    assert _card(runner, model).exit_code == 0
    text = card.read_text()
    assert text.startswith(f"---\n{FRONT_BEGIN}\nextra_gated_heading: ")
    assert f"{FRONT_END}\n---\n# GPT-2\n\nAbout.\n\n{BEGIN}\n" in text
    assert set(ModelCard(text).data.to_dict()) == {
        "extra_gated_heading", "extra_gated_prompt", "extra_gated_fields",
        "extra_gated_button_content"}


def test_no_form_when_the_recommendation_is_not_a_gated_download(runner, model, examples_dir):
    shutil.copy(examples_dir / NOT_GATED, model / "llama.yaml")
    assert _card(runner, model, answers="llama.yaml").exit_code == 0
    card = (model / "README.md").read_bytes()
    assert card.startswith(b"\xef\xbb\xbf" + FRONT.encode() + BODY.encode())
    assert b"extra_gated" not in card


def test_the_form_is_removed_when_the_recommendation_stops_being_a_gated_download(
    runner, model, examples_dir
):
    assert _card(runner, model).exit_code == 0
    shutil.copy(examples_dir / NOT_GATED, model / "answers.yaml")
    assert _card(runner, model, "--check").exit_code == 1
    assert _card(runner, model).exit_code == 0
    card = (model / "README.md").read_bytes()
    assert card.startswith(b"\xef\xbb\xbf" + FRONT.encode() + BODY.encode())
    assert b"extra_gated" not in card and FRONT_BEGIN.encode() not in card


def test_no_front_matter_leaves_a_hand_made_access_form_alone(runner, model):
    card = model / "README.md"
    mine = FRONT.replace("model-index: null", "extra_gated_prompt: Ask us first.")
    card.write_bytes((mine + BODY).encode())
    refused = _card(runner, model)
    assert refused.exit_code == 2
    assert refused.stderr == (f"{card}: front matter: extra_gated_prompt: is set outside the "
                              f"'{FRONT_BEGIN}' block; delete it (riskcli card writes the access "
                              "form the answers call for), or add the form by hand and stop "
                              "riskcli writing it with --no-front-matter (line 1)\n")
    assert card.read_bytes() == (mine + BODY).encode()
    assert _card(runner, model, "--no-front-matter").exit_code == 0
    assert card.read_bytes().startswith((mine + BODY).encode())
    assert FRONT_BEGIN.encode() not in card.read_bytes()


def test_a_missing_card_is_an_error_unless_created(runner, model):
    card = model / "README.md"
    card.unlink()
    missing = _card(runner, model)
    assert missing.exit_code == 2
    assert missing.stderr == f"{card}: no such model card; pass --create to start one\n"
    assert not card.exists()
    created = _card(runner, model, "--create")
    assert created.exit_code == 0, created.output
    text = card.read_text()
    assert text.startswith(f"---\n{FRONT_BEGIN}\n")
    assert f"{FRONT_END}\n---\n\n{BEGIN}\n\n## Distribution decision\n" in text
    assert _card(runner, model, "--check").exit_code == 0


@pytest.mark.parametrize(
    ("card", "problem"),
    [
        ("---\nlicense: mit\n# no closing line\n\n# Model\n",
         "front matter: starts with a '---' line but has no closing '---' line; close it, or "
         "remove the first line (line 1)"),
        ("---\nlicense: [mit\n---\n# Model\n", "front matter: invalid YAML"),
        ("---\n- a list\n---\n# Model\n",
         "front matter: expected YAML keys and values (a mapping), got a list (line 2)"),
        (f"# Model\n{BEGIN}\nx\n{END}\n{BEGIN}\ny\n{END}\n",
         f"{BEGIN}: appears 2 times in the card (lines 2, 5); keep one {BEGIN} line and one "
         f"{END} line (line 5)"),
        (f"# Model\n{END}\nx\n{BEGIN}\n", f"{END}: comes before {BEGIN}; put the section "
         "between them (line 2)"),
        (f"# Model\n{BEGIN}\nx\n", f"{BEGIN}: has no {END} line after it (line 2)"),
        (f"# Model\nx\n{END}\n", f"{END}: has no {BEGIN} line before it (line 3)"),
        (f"---\n{FRONT_BEGIN}\n{FRONT_BEGIN}\n{FRONT_END}\n---\n# Model\n",
         f"{FRONT_BEGIN}: appears 2 times in the front matter (lines 2, 3)"),
        (f"---\n{FRONT_BEGIN}\nx: 1\n---\n", f"{FRONT_BEGIN}: has no {FRONT_END} line after "
         "it (line 2)"),
        ("---\nlicense: mit\n---\n# Model \xff\n", "is not UTF-8 text (bad byte at offset 29)"),
    ],
    ids=["unclosed", "bad-yaml", "not-a-mapping", "begin-twice", "end-first", "no-end", "no-begin",
         "front-begin-twice", "front-unpaired", "not-utf8"],
)
def test_a_card_riskcli_cannot_edit_safely_is_one_line_and_left_alone(
    runner, model, card, problem
):
    path = model / "README.md"
    raw = card.encode("utf-8") if "\xff" not in card else card.encode("latin-1")
    path.write_bytes(raw)
    _age(path)
    for args in ([], ["--check"]):
        result = _card(runner, model, *args)
        assert result.exit_code == 2, result.output
        assert result.stderr.count("\n") == 1
        assert result.stderr.startswith(f"{path}: {problem}"), result.stderr
        assert "Traceback" not in result.output
    assert path.read_bytes() == raw and path.stat().st_mtime == 1_000_000_000


def test_a_block_placed_inside_another_key_is_refused_not_merged(runner, model):
    """Markers indented under a key: the merged YAML would not load, or the keys would land
    under `base`; the card is left as it is."""
    path = model / "README.md"
    card = f"---\nbase:\n  x: 1\n{FRONT_BEGIN}\n{FRONT_END}\n  y: 2\n---\n# Model\n"
    path.write_text(card)
    result = _card(runner, model)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{path}: front matter: {FRONT_BEGIN}: the block")
    assert path.read_text() == card


def test_the_answers_named_as_the_card_are_refused(runner, model):
    answers = model / "answers.yaml"
    before = answers.read_bytes()
    result = runner.invoke(app, ["card", str(answers), str(answers)])
    assert result.exit_code == 2
    assert result.stderr == f"{answers}: is the input file {answers}; write it to another file\n"
    assert answers.read_bytes() == before


def test_a_card_reached_through_a_link_is_written_where_the_link_points(runner, model):
    real = model / "docs" / "card.md"
    real.parent.mkdir()
    (model / "README.md").rename(real)
    (model / "README.md").symlink_to(Path("docs") / "card.md")
    assert _card(runner, model).exit_code == 0
    assert (model / "README.md").is_symlink()
    assert BEGIN.encode() in real.read_bytes()


@pytest.mark.parametrize("name", ["folder", "fifo", "link-to-device"])
def test_a_card_that_is_not_a_regular_file_is_refused(runner, model, name):
    path = model / "README.md"
    path.unlink()
    if name == "folder":
        path.mkdir()
    elif name == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/null")
    result = _card(runner, model)
    assert result.exit_code == 2
    what = "a directory" if name == "folder" else "not a regular file"
    assert result.stderr == f"{path}: is {what}; expected a model card (README.md)\n"


def test_an_answers_file_name_cannot_break_out_of_the_section(runner, tmp_path, examples_dir):
    """A file name holding backticks and HTML ends up in the re-score command's code span: after
    CommonMark rendering it is still one code span, and no element comes out of it."""
    name = "a``b`<img src=x onerror=alert(1)>.yaml"
    shutil.copy(examples_dir / GATED, tmp_path / name)
    (tmp_path / "README.md").write_text("# Model\n")
    result = runner.invoke(app, ["card", str(tmp_path / "README.md"), str(tmp_path / name)])
    assert result.exit_code == 0, result.output
    html = MarkdownIt("commonmark").enable("table").render(
        _section((tmp_path / "README.md").read_bytes()))
    assert "<img" not in html
    # Whole inside one code element (however the command quotes it for the shell).
    assert re.search(r"<code>riskcli score [^<]*a``b`&lt;img src=x onerror=alert\(1\)&gt;"
                     r"\.yaml[^<]*</code>", html), html


def test_update_card_is_idempotent_on_every_line_ending_and_trailing_newline():
    """The pure merge: whatever the card's line endings and last line, running twice is a no-op
    and the card's own text is a prefix of the result."""
    for eol in ("\n", "\r\n"):
        for ending in ("", eol, eol + eol):
            original = f"# Model{eol}{eol}Text{ending}".encode()
            first = update_card(original, "## Distribution decision\n\nBody.\n",
                                None, "README.md")
            assert first.state == "missing"
            assert first.content.startswith(original)
            assert first.content.endswith(f"{BEGIN}{eol}{eol}## Distribution decision{eol}{eol}"
                                          f"Body.{eol}{eol}{END}{eol}".encode())
            assert f"Text{eol}{eol}{BEGIN}".encode() in first.content
            second = update_card(first.content, "## Distribution decision\n\nBody.\n", None,
                                 "README.md")
            assert second.state == "current" and second.content == first.content
