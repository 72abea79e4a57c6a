"""`riskcli report` from the command line: formats, exit codes, and no broken file on failure."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from riskcli.cli.app import app
from riskcli.report.templates import REQUIRED
from riskcli.resources import default_templates

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "llama-1-2023.yaml"


@pytest.fixture
def template_copy(tmp_path: Path) -> Path:
    """A private copy of the bundled template folder, free to break."""
    folder = tmp_path / "templates"
    shutil.copytree(default_templates(), folder)
    return folder


@pytest.mark.slow
def test_a_pdf_record_is_written_when_the_output_ends_in_pdf(runner, tmp_path):
    out = tmp_path / "record.pdf"
    result = runner.invoke(app, ["report", str(EXAMPLE), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF-")
    assert [p.name for p in tmp_path.iterdir()] == ["record.pdf"], "temporary file left behind"


@pytest.mark.parametrize(("name", "start"), [
    ("record.html", "<!DOCTYPE html>"),
    ("card.md", "## Distribution decision"),
    ("card.markdown", "## Distribution decision"),
], ids=["html", "md", "markdown"])
def test_the_format_follows_the_output_extension(runner, tmp_path, name, start):
    out = tmp_path / name
    result = runner.invoke(app, ["report", str(EXAMPLE), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith(start)


def test_format_option_overrides_the_extension(runner, tmp_path):
    out = tmp_path / "section.txt"
    result = runner.invoke(app, ["report", str(EXAMPLE), "-o", str(out), "--format", "md"])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("## Distribution decision")


def test_an_extension_that_names_no_format_is_a_usage_error(runner, tmp_path):
    out = tmp_path / "record.docx"
    result = runner.invoke(app, ["report", str(EXAMPLE), "-o", str(out)])
    assert result.exit_code == 2
    assert "--format" in result.stderr
    assert not out.exists()


def test_an_unknown_format_is_refused_by_the_option_parser(runner, tmp_path):
    result = runner.invoke(app, ["report", str(EXAMPLE), "-o", str(tmp_path / "x.pdf"),
                                 "--format", "docx"])
    assert result.exit_code == 2


def test_a_missing_template_folder_is_a_clean_error(runner, tmp_path):
    out = tmp_path / "record.pdf"
    result = runner.invoke(app, ["report", str(EXAMPLE), "-o", str(out),
                                 "--templates", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "template folder not found" in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()


@pytest.mark.parametrize("missing", REQUIRED, ids=list(REQUIRED))
def test_a_template_folder_missing_a_file_names_that_file(runner, tmp_path, template_copy,
                                                          missing):
    (template_copy / missing).unlink()
    out = tmp_path / "record.html"
    result = runner.invoke(app, ["report", str(EXAMPLE), "-o", str(out),
                                 "--templates", str(template_copy)])
    assert result.exit_code == 2
    assert f"{missing}: missing from the template folder" in result.stderr
    assert not out.exists()


def test_a_stylesheet_naming_a_missing_font_is_a_clean_error(runner, tmp_path, template_copy):
    (template_copy / "fonts" / "Inter-Bold.otf").unlink()
    result = runner.invoke(app, ["report", str(EXAMPLE), "-o", str(tmp_path / "r.pdf"),
                                 "--templates", str(template_copy)])
    assert result.exit_code == 2
    assert "fonts.css: riskcli-asset:fonts/Inter-Bold.otf: names a file" in result.stderr


def test_a_stylesheet_naming_a_network_url_is_refused_at_load(runner, tmp_path, template_copy):
    css = template_copy / "record.css"
    css.write_text(css.read_text() + '\nbody { background: url("https://example.com/x.png"); }\n')
    result = runner.invoke(app, ["report", str(EXAMPLE), "-o", str(tmp_path / "r.pdf"),
                                 "--templates", str(template_copy)])
    assert result.exit_code == 2
    assert "https://example.com/x.png: only riskcli-asset:NAME URLs" in result.stderr


def test_a_failing_render_leaves_the_previous_record_intact(runner, tmp_path, template_copy):
    out = tmp_path / "record.pdf"
    out.write_bytes(b"previous record")
    record = template_copy / "record.html.j2"
    record.write_text(record.read_text() + "\n{{ record.no_such_field }}\n")
    result = runner.invoke(app, ["report", str(EXAMPLE), "-o", str(out),
                                 "--templates", str(template_copy)])
    assert result.exit_code == 2
    assert "record.html.j2: cannot render" in result.stderr
    assert out.read_bytes() == b"previous record"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["record.pdf", "templates"]


def test_a_template_syntax_error_names_the_file_and_line(runner, tmp_path, template_copy):
    card = template_copy / "model_card.md.j2"
    card.write_text("## Distribution decision\n{% if %}\n")
    out = tmp_path / "card.md"
    result = runner.invoke(app, ["report", str(EXAMPLE), "-o", str(out),
                                 "--templates", str(template_copy)])
    assert result.exit_code == 2
    assert "model_card.md.j2: line 2:" in result.stderr
    assert not out.exists()


def test_a_template_cannot_reach_python_internals(runner, tmp_path, template_copy):
    card = template_copy / "model_card.md.j2"
    card.write_text("{{ record.__class__.__init__.__globals__ }}\n")
    result = runner.invoke(app, ["report", str(EXAMPLE), "-o", str(tmp_path / "card.md"),
                                 "--templates", str(template_copy)])
    assert result.exit_code == 2
    assert "model_card.md.j2: cannot render" in result.stderr


def test_invalid_answers_write_no_record(runner, tmp_path, write_answers, llama1_answers):
    llama1_answers["vetting"] = "background_checked"
    out = tmp_path / "record.pdf"
    result = runner.invoke(app, ["report", str(write_answers(llama1_answers)), "-o", str(out)])
    assert result.exit_code == 2
    assert "vetting" in result.stderr
    assert not out.exists()


def test_an_output_folder_that_does_not_exist_is_a_clean_error(runner, tmp_path):
    out = tmp_path / "missing" / "record.pdf"
    result = runner.invoke(app, ["report", str(EXAMPLE), "-o", str(out)])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr
