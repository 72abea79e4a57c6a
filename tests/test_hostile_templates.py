"""A --templates folder, or answers, that try to make the record reach the disk or the network.

The renderer may read the template folder's own files and nothing else: every URL a template names
(img, link, @import, attachment, object, iframe, svg image, base href) goes through riskcli's
fetcher, which refuses it, and a local HTTP server sees no request. A broken folder is one clean
problem, and a failed render writes nothing.
"""

from __future__ import annotations

import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
import yaml
from hostile_helpers import assert_clean_refusal, run_riskcli

from riskcli.cli.app import app
from riskcli.report import pdf as pdf_module
from riskcli.report.templates import MAX_TEMPLATE_BYTES
from riskcli.resources import default_templates


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    """A local HTTP server; the test fails if anything asks it for anything."""
    _Counter.hits = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def fetched(monkeypatch) -> list[str]:
    """Every URL WeasyPrint asks riskcli's fetcher for, refused or not."""
    urls: list[str] = []
    original = pdf_module.AssetFetcher.fetch

    def recording(self, url, headers=None):
        urls.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(pdf_module.AssetFetcher, "fetch", recording)
    return urls


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    copy = tmp_path / "templates"
    shutil.copytree(default_templates(), copy)
    return copy


def _inject(folder: Path, html: str) -> None:
    record = folder / "record.html.j2"
    text = record.read_text("utf-8")
    assert "</body>" in text
    record.write_text(text.replace("</body>", html + "\n</body>", 1), "utf-8")


def reaching_html(secret: Path, web: str) -> str:
    file_url = secret.as_uri()
    return f"""
<img src="{file_url}"><img src="{web}/img.png">
<link rel="stylesheet" href="{web}/linked.css">
<style>@import url("{web}/imported.css");
  .x {{ background: url("{file_url}") }}
  @font-face {{ font-family: Evil; src: url("{web}/font.woff2") }}
  .y {{ font-family: Evil }}</style>
<a rel="attachment" href="{file_url}">a</a><link rel="attachment" href="{web}/attached">
<object data="{file_url}"></object><embed src="{web}/embed"><iframe src="{file_url}"></iframe>
<svg width="10" height="10"><image href="{web}/svg.png" width="10" height="10"/></svg>
<div class="y" style="background-image: url('{web}/inline.png')">evil</div>
"""


@pytest.mark.slow
def test_a_template_naming_files_and_urls_fetches_nothing(
    runner, folder, tmp_path, server, fetched, example_paths
):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", "utf-8")
    _inject(folder, reaching_html(secret, server))
    out = tmp_path / "record.pdf"
    result = runner.invoke(app, ["report", str(example_paths[0]), "-o", str(out),
                                 "--templates", str(folder)])
    assert result.exit_code == 0, result.output
    assert _Counter.hits == []
    outside = [url for url in fetched if not url.startswith("riskcli-asset:")]
    assert any(secret.as_uri() in url for url in outside), fetched  # asked, and refused
    assert any(url.startswith(server) for url in outside), fetched
    data = out.read_bytes()
    assert b"TOP-SECRET-CONTENT" not in data
    assert b"/EmbeddedFile" not in data


@pytest.mark.slow
def test_a_base_href_does_not_send_relative_urls_to_the_network(
    runner, folder, tmp_path, server, fetched, example_paths
):
    _inject(folder, f'<base href="{server}/"><img src="relative.png">')
    out = tmp_path / "record.pdf"
    result = runner.invoke(app, ["report", str(example_paths[0]), "-o", str(out),
                                 "--templates", str(folder)])
    assert result.exit_code == 0, result.output
    assert _Counter.hits == []


@pytest.mark.slow
def test_answers_naming_files_and_urls_fetch_nothing(
    runner, tmp_path, server, fetched, llama1_answers, write_answers
):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", "utf-8")
    llama1_answers["rationale"] = reaching_html(secret, server)
    llama1_answers["model_name"] = f'<img src="{server}/name.png">'
    out = tmp_path / "record.pdf"
    result = runner.invoke(app, ["report", str(write_answers(llama1_answers)), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert _Counter.hits == []
    assert [url for url in fetched if not url.startswith("riskcli-asset:")] == []
    assert b"TOP-SECRET-CONTENT" not in out.read_bytes()


@pytest.mark.parametrize("css", [
    "@import url(http://127.0.0.1:9/x.css);",
    "body { background: url(file:///etc/passwd) }",
    "body { background: url('riskcli-asset:../../../etc/passwd') }",
], ids=["http-import", "file-url", "asset-path-escape"])
def test_a_stylesheet_naming_outside_urls_is_refused_when_the_folder_loads(
    runner, folder, tmp_path, example_paths, css
):
    sheet = folder / "record.css"
    sheet.write_text(sheet.read_text("utf-8") + "\n" + css + "\n", "utf-8")
    out = tmp_path / "record.pdf"
    result = runner.invoke(app, ["report", str(example_paths[0]), "-o", str(out),
                                 "--templates", str(folder)])
    assert_clean_refusal(result.exit_code, result.stderr, str(sheet))
    assert not out.exists()


# --- links out of the folder ---------------------------------------------------------------

@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-CONTENT\n", "utf-8")
    return path


@pytest.mark.parametrize("fmt", ["md", "html", "pdf"])
def test_a_template_including_a_link_out_of_the_folder_reads_nothing(
    runner, folder, tmp_path, secret, example_paths, fmt
):
    (folder / "leak.txt").symlink_to(secret)
    for name in ("record.html.j2", "model_card.md.j2"):
        template = folder / name
        template.write_text('{% include "leak.txt" %}\n' + template.read_text("utf-8"), "utf-8")
    out = tmp_path / f"record.{fmt}"
    result = runner.invoke(app, ["report", str(example_paths[0]), "-o", str(out),
                                 "--templates", str(folder)])
    (line,) = assert_clean_refusal(result.exit_code, result.stderr, str(folder))
    assert "leak.txt" in line and "outside the template folder" in line
    assert not out.exists()


@pytest.mark.parametrize("name", ["record.html.j2", "model_card.md.j2", "record.css",
                                  "chart.css", "fonts.css"])
def test_a_required_file_that_links_out_of_the_folder_is_refused_at_load(
    runner, folder, tmp_path, secret, example_paths, name
):
    (folder / name).unlink()
    (folder / name).symlink_to(secret)
    out = tmp_path / "record.md"
    result = runner.invoke(app, ["report", str(example_paths[0]), "-o", str(out),
                                 "--templates", str(folder)])
    (line,) = assert_clean_refusal(result.exit_code, result.stderr, str(folder / name))
    assert "outside the template folder" in line
    assert not out.exists()


# --- broken folders --------------------------------------------------------------------------

BROKEN_FOLDERS = {
    "syntax-error": ("model_card.md.j2", "{% if %}", "line 1"),
    "unknown-name": ("model_card.md.j2", "{{ no_such_thing.x }}", "cannot render"),
    "sandbox-escape": ("model_card.md.j2", "{{ record.__class__.__mro__ }}", "unsafe"),
    "globals-escape": ("model_card.md.j2", "{{ cycler.__init__.__globals__.os }}", "cannot render"),
    "absolute-include": ("model_card.md.j2", '{% include "/etc/passwd" %}', "cannot render"),
    "parent-include": ("model_card.md.j2", '{% include "../../../etc/passwd" %}', "cannot render"),
    "recursive-macro": ("model_card.md.j2", "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
                        "cannot render"),
    "huge-range": ("model_card.md.j2", "{% for i in range(10**11) %}x{% endfor %}",
                   "cannot render"),
    "non-utf8-template": ("model_card.md.j2", b"\xff\xfe{{ x }}", "is not UTF-8 text"),
    "non-utf8-stylesheet": ("record.css", b"body { color: red }\xff\xfe", "is not UTF-8 text"),
    # Jinja writes a float constant into the Python it compiles as `inf`: NameError at render.
    "non-finite-constant": ("model_card.md.j2",
                            "{% if record.exposure.score < 1e999 %}x{% endif %}", "not finite"),
    "nan-constant": ("model_card.md.j2", "{{ 1 if record.exposure.score < 'nan'|float else 2 }}",
                     "not finite"),
    "include-a-folder": ("model_card.md.j2", '{% include "fonts" %}',
                         "fonts is not a file in the template folder"),
}


@pytest.mark.parametrize("case", list(BROKEN_FOLDERS))
def test_a_broken_template_folder_is_one_clean_problem(
    runner, folder, tmp_path, example_paths, case
):
    name, content, words = BROKEN_FOLDERS[case]
    target = folder / name
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(content, "utf-8")
    out = tmp_path / "record.md"
    out.write_text("the previous record\n", "utf-8")
    result = runner.invoke(app, ["report", str(example_paths[0]), "-o", str(out),
                                 "--templates", str(folder)])
    (line,) = assert_clean_refusal(result.exit_code, result.stderr, str(folder))
    assert words in line
    assert out.read_text("utf-8") == "the previous record\n"


@pytest.mark.parametrize("kind", ["missing", "a-file", "empty-folder", "required-is-a-folder"])
def test_a_template_folder_that_is_not_one_is_one_clean_problem_per_file(
    runner, folder, tmp_path, example_paths, kind
):
    target = {"missing": tmp_path / "nowhere", "a-file": folder / "record.css",
              "empty-folder": tmp_path / "empty", "required-is-a-folder": folder}[kind]
    if kind == "empty-folder":
        target.mkdir()
    if kind == "required-is-a-folder":
        (folder / "chart.css").unlink()
        (folder / "chart.css").mkdir()
    result = runner.invoke(app, ["report", str(example_paths[0]), "-o",
                                 str(tmp_path / "r.md"), "--templates", str(target)])
    assert_clean_refusal(result.exit_code, result.stderr, str(target), lines=None)


# --- bombs, limits and unreadable files --------------------------------------------------------

BOMBS = {
    "string-repeat": ("{{ 'x' * 10**10 }}", "`*` takes numbers, not str and int"),
    "format-padding": ("{{ '%0999999999d' % 1 }}", "`%` takes numbers, not str and int"),
    "power": ("{{ 7 ** (10**9) }}", "would build a number of more than 10,000 bits"),
    "centre-padding": ("{{ 'x'|center(10**10) }}", "too large to hold in memory"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(BOMBS))
def test_a_template_that_builds_gigabytes_is_one_clean_problem(
    folder, tmp_path, example_paths, case
):
    """Each of these ran for minutes or ended in a MemoryError traceback. riskcli runs under a
    2 GiB address-space cap here, so a bomb that gets through fails fast instead of swapping."""
    content, words = BOMBS[case]
    card = folder / "model_card.md.j2"
    card.write_text(card.read_text("utf-8") + content + "\n", "utf-8")
    out = tmp_path / "record.md"
    run = run_riskcli("report", example_paths[0], "-o", out, "--templates", folder, timeout=30)
    (line,) = assert_clean_refusal(run.code, run.stderr, str(card))
    assert words in line
    assert not out.exists()


@pytest.mark.parametrize("name", ["record.css", "included.j2"])
def test_a_template_file_past_the_size_limit_is_refused_before_it_is_read(
    runner, folder, tmp_path, example_paths, name
):
    big = folder / name
    if name == "included.j2":
        card = folder / "model_card.md.j2"
        card.write_text('{% include "included.j2" %}\n' + card.read_text("utf-8"), "utf-8")
        big.write_text("", "utf-8")
    with big.open("a", encoding="utf-8") as handle:
        handle.write("/* " + "x" * MAX_TEMPLATE_BYTES + " */\n")
    out = tmp_path / "record.md"
    result = runner.invoke(app, ["report", str(example_paths[0]), "-o", str(out),
                                 "--templates", str(folder)])
    (line,) = assert_clean_refusal(result.exit_code, result.stderr, str(big))
    assert f"the limit is {MAX_TEMPLATE_BYTES:,} bytes" in line
    assert not out.exists()


@pytest.mark.parametrize("name", ["chart.css", "record.css", "model_card.md.j2"])
def test_a_template_file_that_cannot_be_read_is_named_as_unreadable(
    runner, folder, tmp_path, example_paths, monkeypatch, name
):
    """Read while the record was being written, an unreadable stylesheet was reported as the
    record that "cannot be written"; it is read at load, and named. (The tests run as root, for
    whom no permission bit refuses a read: the refusal is the file system's answer, injected.)"""
    opening = Path.open

    def refusing(self: Path, *args: object, **kwargs: object):
        if self.name == name and self.parent == folder:
            raise PermissionError(13, "Permission denied", str(self))
        return opening(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refusing)
    out = tmp_path / "record.md"
    out.write_text("the previous record\n", "utf-8")
    result = runner.invoke(app, ["report", str(example_paths[0]), "-o", str(out),
                                 "--templates", str(folder)])
    (line,) = assert_clean_refusal(result.exit_code, result.stderr, str(folder / name))
    assert "cannot be read: Permission denied" in line
    assert out.read_text("utf-8") == "the previous record\n"


# --- hf_gating.yaml ------------------------------------------------------------------------------

def test_an_hf_gating_file_that_links_out_of_the_folder_is_refused_unread(
    runner, folder, tmp_path, example_paths
):
    """Its keys used to be echoed in the errors ("secret_key: unknown field")."""
    outside = tmp_path / "outside.yaml"
    outside.write_text("secret_key: TOP-SECRET-CONTENT\n", "utf-8")
    (folder / "hf_gating.yaml").unlink()
    (folder / "hf_gating.yaml").symlink_to(outside)
    out = tmp_path / "record.md"
    result = runner.invoke(app, ["report", str(example_paths[0]), "-o", str(out),
                                 "--templates", str(folder)])
    (line,) = assert_clean_refusal(result.exit_code, result.stderr,
                                   str(folder / "hf_gating.yaml"))
    assert "outside the template folder" in line
    assert "secret_key" not in result.output and "TOP-SECRET" not in result.output
    assert not out.exists()


def _gating(path: tuple[str, ...], value: object):
    def edit(data: dict) -> None:
        node = data
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = value

    return edit


def _always_select(data: dict) -> None:
    data["always_fields"]["{nope}"] = {"type": "select", "options": ["a", "b"]}


GATING_TEXTS = {
    "unknown-field": (_gating(("prompt", "legal_terms", "click_through"), "Hi {nope}"),
                      "unknown placeholder {nope}"),
    "attribute-access": (_gating(("heading",), "{model_name.__class__}"),
                         "unknown placeholder {model_name.__class__}"),
    "padding-spec": (_gating(("fields", "vetting", "self_attested"),
                             {"{model_name:>999999999}": "text"}),
                     "takes no format spec or conversion"),
    "select-field-label": (_always_select, "unknown placeholder {nope}"),
}


@pytest.mark.parametrize("case", list(GATING_TEXTS))
def test_an_hf_gating_text_that_format_could_not_fill_is_refused_before_writing(
    runner, folder, tmp_path, example_paths, case
):
    """These crashed after the record was written, printed interpreter internals, or padded to a
    gigabyte; the spec is checked when the folder loads, like the pack's texts."""
    edit, words = GATING_TEXTS[case]
    spec = folder / "hf_gating.yaml"
    data = yaml.safe_load(spec.read_text("utf-8"))
    edit(data)
    spec.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    out = tmp_path / "record.md"
    result = runner.invoke(app, ["report", str(example_paths[0]), "-o", str(out),
                                 "--templates", str(folder)])
    (line,) = assert_clean_refusal(result.exit_code, result.stderr, str(spec))
    assert words in line
    assert not out.exists()
