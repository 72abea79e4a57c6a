"""Answers are data: they print as typed and make the renderer fetch nothing.

An answers file is committed by a team and rendered by a reviewer, so a rationale can hold
template syntax, HTML or a file URL. None of it may run, render as markup or be read.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from riskcli.report.pdf import AssetFetcher, RefusedURL, html_to_pdf
from riskcli.report.render import render, render_pdf
from riskcli.report.templates import load_templates, markdown_escape
from riskcli.resources import default_templates
from riskcli.scoring import load_engine, score_file

HOSTILE_RATIONALE = (
    'Compute {{ 7*7 }} and {% raw %}x{% endraw %}; then <img src="file:///etc/passwd"> '
    "and <script>alert(1)</script> | a | b |"
)


@pytest.fixture(scope="module")
def engine():
    return load_engine()


@pytest.fixture
def hostile_result(engine, write_answers, llama1_answers):
    llama1_answers["rationale"] = HOSTILE_RATIONALE
    llama1_answers["model_name"] = '<b>Bold</b> "model" & co'
    return score_file(engine, write_answers(llama1_answers))


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def test_template_syntax_in_an_answer_prints_as_typed_in_html(hostile_result, engine):
    html = render(hostile_result, engine, "html").decode()
    assert "{{ 7*7 }}" in html
    assert "{% raw %}x{% endraw %}" in html
    assert "Compute 49" not in html


def test_html_in_an_answer_is_escaped_in_the_html_record(hostile_result, engine):
    html = render(hostile_result, engine, "html").decode()
    assert '<img src="file:///etc/passwd">' not in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    assert "&lt;b&gt;Bold&lt;/b&gt; &#34;model&#34; &amp; co" in html


@pytest.mark.slow
def test_html_in_an_answer_is_text_in_the_pdf_and_nothing_is_fetched(hostile_result, engine):
    templates = load_templates(default_templates())
    fetcher = AssetFetcher(templates)
    pdf = render_pdf(hostile_result, engine, templates, fetcher=fetcher)
    text = pdf_text(pdf)
    assert '<img src="file:///etc/passwd">' in text
    assert "{{ 7*7 }}" in text
    assert fetcher.refused == []
    assert fetcher.requested, "the bundled stylesheet should have been fetched"
    assert all(url.startswith("riskcli-asset:") for url in fetcher.requested)


def test_answers_in_the_model_card_cannot_inject_markup(hostile_result, engine):
    md = render(hostile_result, engine, "md").decode()
    assert "<img" not in md
    assert "<script>" not in md
    assert "&lt;img src=\"file:///etc/passwd\"&gt;" in md
    assert "{{ 7\\*7 }}" in md
    assert "\\| a \\| b \\|" in md


def test_a_pipe_or_newline_in_a_markdown_cell_cannot_break_the_table():
    assert markdown_escape("a | b\nc") == "a \\| b c"
    assert markdown_escape("[link](javascript:x)") == "\\[link\\](javascript:x)"


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "http://example.com/x.png",
    "https://example.com/font.woff2",
    "data:image/png;base64,AAAA",
    "riskcli-asset:../../pyproject.toml",
    "riskcli-asset:record.html.j2",
], ids=["file", "http", "https", "data", "asset-path-escape", "asset-not-bundled"])
def test_the_fetcher_refuses_anything_but_bundled_assets(url):
    fetcher = AssetFetcher(load_templates(default_templates()))
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_the_fetcher_serves_the_bundled_fonts():
    fetcher = AssetFetcher(load_templates(default_templates()))
    response = fetcher.fetch("riskcli-asset:fonts/Inter-Regular.otf")
    assert response.read(4) == b"OTTO"  # OpenType with CFF outlines
    response.close()


@pytest.mark.slow
def test_a_file_url_that_reaches_the_pdf_renderer_is_refused_not_read(tmp_path):
    """The second wall: even raw HTML naming a local file gets nothing from the disk."""
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not an image")
    templates = load_templates(default_templates())
    fetcher = AssetFetcher(templates)
    import datetime as dt

    html = f'<html><body><p>x</p><img src="{secret.as_uri()}"></body></html>'
    pdf = html_to_pdf(html, templates, dt.date(2023, 2, 24), fetcher)
    assert pdf.startswith(b"%PDF")
    assert fetcher.refused == [secret.as_uri()]


@pytest.mark.slow
def test_a_long_answer_breaks_across_pages_in_seconds(engine, write_answers, llama1_answers):
    """A rationale near the 20,000-character limit, with a 400-character unbroken token.

    Guards against CSS that makes WeasyPrint's line breaking quadratic (overflow-wrap:
    anywhere took minutes on this input): the bound is an order of magnitude above normal.
    """
    normal = render(score_file(engine, write_answers(llama1_answers)), engine, "pdf")
    token = "x" * 400
    llama1_answers["rationale"] = ("A long rationale that goes on. " * 600) + token
    result = score_file(engine, write_answers(llama1_answers, name="long.yaml"))
    started = time.monotonic()
    pdf = render(result, engine, "pdf")
    assert time.monotonic() - started < 30
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join((page.extract_text() or "") for page in reader.pages)
    assert token in "".join(text.split())
    assert len(reader.pages) > len(PdfReader(io.BytesIO(normal)).pages) + 2


def test_hosted_only_access_renders_with_insiders_as_the_only_copy_source(
        engine, write_answers, llama1_answers):
    for key in ("access_holders", "access_organizations", "vetting", "legal_terms",
                "per_recipient_fingerprinting", "download_controls", "artifact_form",
                "artifact_size_gb"):
        llama1_answers.pop(key)
    llama1_answers["weights_leave_premises"] = False
    result = score_file(engine, write_answers(llama1_answers))
    html = render(result, engine, "html").decode()
    assert "Recipients reach a hosted model only" in html
    assert "Not asked: applies only when" in html


@pytest.mark.slow
@pytest.mark.parametrize("code", [
    "import riskcli.cli.app",
    "import riskcli.report",
    "from riskcli.report.render import render; from riskcli.scoring import load_engine, "
    "score_file; e = load_engine(); render(score_file(e, 'examples/llama-1-2023.yaml'), "
    "e, 'html')",
], ids=["cli", "report-package", "html-render"])
def test_weasyprint_is_imported_only_for_a_pdf(code):
    repo = Path(__file__).resolve().parents[1]
    check = f"{code}; import sys; assert 'weasyprint' not in sys.modules, 'weasyprint loaded'"
    subprocess.run([sys.executable, "-c", check], cwd=repo, check=True)


# --- the commands the record prints are shell-quoted --------------------------------------------

def _printed_commands(html: str) -> list[str]:
    """Every `riskcli score …` command the HTML record prints (footer, appendix, levers)."""
    import html as html_lib

    found = re.findall(r"<code[^>]*>(riskcli score [^<]*)</code>", html)
    return sorted({html_lib.unescape(command) for command in found})


@pytest.mark.parametrize("name", ["a$(touch X).yaml", "it's `touch X`; ok.yaml", "-rf.yaml"])
def test_a_printed_command_runs_nothing_and_names_the_file(engine, write_answers, llama1_answers,
                                                             tmp_path, name):
    """Pasted into a shell, each command reaches riskcli with the file name as one argument:
    `printf` stands in for riskcli, and nothing the name holds is run."""
    result = score_file(engine, write_answers(llama1_answers, name=name))
    commands = _printed_commands(render(result, engine, "html").decode())
    assert len(commands) >= 2, "the footer's re-score line and the levers' check line"
    for command in commands:
        run = subprocess.run(["sh", "-c", "printf '%s\\n' " + command.removeprefix("riskcli ")],
                             cwd=tmp_path, capture_output=True, text=True, check=True)
        words = run.stdout.splitlines()
        assert words[:2] == ["score", name if not name.startswith("-") else f"./{name}"]
        assert not (tmp_path / "X").exists()


def test_a_record_date_that_is_not_a_date_is_one_problem_not_a_traceback(engine):
    from riskcli.errors import AnswersError
    from riskcli.report.context import record_date

    result = score_file(engine, Path(__file__).resolve().parents[1] / "examples"
                        / "llama-1-2023.yaml")
    broken = result.model_copy(update={"answers": {**result.answers,
                                                    "decision_date": "last Tuesday"}})
    with pytest.raises(AnswersError) as raised:
        record_date(broken, engine.rules.keys)
    (problem,) = raised.value.problems
    assert problem.key == "decision_date" and "'last Tuesday'" in problem.message


def test_report_with_a_questionnaire_whose_decision_date_is_text_exits_2_in_one_line(
        tmp_path, write_answers, llama1_answers):
    from typer.testing import CliRunner

    from riskcli.cli.app import app
    from riskcli.resources import default_questionnaire

    text = Path(default_questionnaire()).read_text(encoding="utf-8")
    start = text.index("- id: decision_date")
    end = text.index("type: date", start)
    questionnaire = tmp_path / "q.yaml"
    questionnaire.write_text(text[:end] + "type: text" + text[end + len("type: date"):],
                             encoding="utf-8")
    llama1_answers["decision_date"] = "last Tuesday"
    answers = write_answers(llama1_answers)
    run = CliRunner().invoke(app, ["report", str(answers), "-o", str(tmp_path / "r.html"),
                                   "--questionnaire", str(questionnaire)])
    assert run.exit_code == 2, run.output
    assert "Traceback" not in run.output
    assert len(run.stderr.strip().splitlines()) == 1
    assert "decision_date" in run.stderr
    assert not (tmp_path / "r.html").exists()


@pytest.mark.slow
def test_four_long_unbroken_answers_print_whole_in_the_pdf(engine, write_answers, llama1_answers):
    """Four 20,000-character answers without a space (minutes of layout before they were given
    break points): every character is in the PDF, the HTML record keeps them exactly as typed,
    and table cells and titles show a clipped line rather than pages of one word."""
    words = {key: letter * 20_000 for key, letter in
             [("model_name", "M"), ("organization", "O"), ("decision_owner", "D"),
              ("rationale", "R")]}
    llama1_answers.update(words)
    result = score_file(engine, write_answers(llama1_answers, name="long.yaml"))
    html = render(result, engine, "html").decode()
    assert "\u200b" not in html
    for word in words.values():
        assert word in html, "the appendix (or the rationale's quote) holds each answer whole"
    pages = [page.extract_text() or ""
             for page in PdfReader(io.BytesIO(render(result, engine, "pdf"))).pages]
    # An answer runs over many pages: the footer each of them prints is taken out between.
    body = "".join(re.sub(r"Questionnaire\s.*?Page\s*\d+\s*of\s*\d+", "", page, flags=re.S)
                   for page in pages)
    text = "".join(body.replace("\u200b", "").split())
    for word in words.values():
        assert word in text
    assert "M" * 400 not in html.split("<h1>", 1)[1].split("</h1>", 1)[0]
