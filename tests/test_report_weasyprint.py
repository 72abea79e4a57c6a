"""WeasyPrint as riskcli loads and runs it: the same shared libraries WeasyPrint alone loads
(found from one ldconfig listing instead of a compiler run per name), the collector left as it
was found, and no temporary font folder left behind, whether one record is rendered or many."""

from __future__ import annotations

import ctypes.util
import datetime as dt
import gc
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from riskcli.report import libraries

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
ABI = "libc6,x86-64"
LISTING = (
    b"1234 libs found in cache `/etc/ld.so.cache'\n"
    b"\tlibpangoft2-1.0.so.0 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libpangoft2-1.0.so.0\n"
    b"\tlibpango-1.0.so.0 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libpango-1.0.so.0\n"
    b"\tlibharfbuzz.so.0 (libc6) => /usr/lib32/libharfbuzz.so.0\n"
    b"\tlibfontconfig.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libfontconfig.so.1\n")


@pytest.mark.parametrize(("name", "found"), [
    ("pango-1.0", "libpango-1.0.so.0"),
    ("pangoft2-1.0", "libpangoft2-1.0.so.0"),
    ("fontconfig", "libfontconfig.so.1"),
    ("libpango-1.0-0", None),  # the Windows spelling WeasyPrint tries first
    ("harfbuzz", None),  # listed for another ABI only
    ("pango", None),  # a prefix of a listed name is not that name
])
def test_a_library_is_found_as_the_standard_lookup_reads_ldconfig(name, found):
    assert libraries.find_in_listing(name, LISTING, ABI) == found


def test_find_library_answers_from_the_listing_inside_and_is_restored_after(monkeypatch):
    standard = ctypes.util.find_library
    monkeypatch.setattr(libraries, "_listing", lambda: LISTING)
    monkeypatch.setattr(libraries, "machine_abi", lambda: ABI)
    monkeypatch.setattr(sys, "platform", "linux")
    with pytest.raises(RuntimeError), libraries.ldconfig_lookup():
        assert ctypes.util.find_library("pango-1.0") == "libpango-1.0.so.0"
        assert ctypes.util.find_library("libgobject-2.0-0") is None
        raise RuntimeError("the import failed")
    assert ctypes.util.find_library is standard


@pytest.mark.parametrize(("platform", "listing"), [("linux", None), ("darwin", LISTING)])
def test_without_a_listing_the_standard_lookup_is_left_alone(monkeypatch, platform, listing):
    standard = ctypes.util.find_library
    monkeypatch.setattr(libraries, "_listing", lambda: listing)
    monkeypatch.setattr(sys, "platform", platform)
    with libraries.ldconfig_lookup():
        assert ctypes.util.find_library is standard


_MAPPED = """
import sys
{load}
with open("/proc/self/maps") as maps:
    names = {{line.split()[-1].rsplit("/", 1)[-1] for line in maps if ".so" in line}}
print("\\n".join(sorted(names)))
"""


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="reads Linux's /proc")
def test_riskcli_loads_the_shared_libraries_weasyprint_alone_loads():
    def mapped(load: str) -> set[str]:
        run = subprocess.run([sys.executable, "-c", _MAPPED.format(load=load)],
                             capture_output=True, text=True, timeout=120, check=True)
        return set(run.stdout.split())

    alone = mapped("import riskcli.report.render, weasyprint")  # riskcli's own, and WeasyPrint
    assert any(name.startswith("libpango-1.0.so") for name in alone)
    assert mapped("import riskcli.report.render, riskcli.report.pdf") == alone


@pytest.mark.slow
def test_rendering_leaves_the_collector_as_it_found_it():
    from riskcli.report.templates import load_templates
    from riskcli.resources import default_templates

    pdf = pytest.importorskip("riskcli.report.pdf")
    templates = load_templates(default_templates())
    html = "<html><body><p>A record.</p></body></html>"
    assert gc.isenabled()
    assert pdf.html_to_pdf(html, templates, dt.date(2023, 2, 24)).startswith(b"%PDF")
    assert gc.isenabled()
    gc.disable()
    try:
        pdf.html_to_pdf(html, templates, dt.date(2023, 2, 24))
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.slow
@pytest.mark.parametrize("many", [False, True], ids=["one record", "a folder, two jobs"])
def test_no_temporary_font_folder_is_left_behind(tmp_path, many):
    """WeasyPrint copies the bundled fonts to a temporary folder for each document and removes
    it when the document's font configuration is collected; a worker process that ends before
    that left one folder per worker in /tmp."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    inputs = tmp_path / "answers"
    inputs.mkdir()
    for example in EXAMPLES:
        shutil.copyfile(example, inputs / example.name)
    args = ["answers", "-o", "records/", "--jobs", "2"] if many else [
        str(inputs / EXAMPLES[0].name), "-o", "record.pdf"]
    done = subprocess.run([sys.executable, "-m", "riskcli", "report", *args],
                          capture_output=True, text=True, cwd=tmp_path, timeout=600,
                          env={**os.environ, "TMPDIR": str(temporary)}, check=False)
    assert done.returncode == 0, done.stderr
    assert len(list(tmp_path.glob("records/*.pdf" if many else "record.pdf"))) == (
        len(EXAMPLES) if many else 1)
    assert sorted(path.name for path in temporary.iterdir()) == []


def _embedded_fonts(pdf: bytes, folder: Path) -> set[str]:
    """Which of `folder`'s font files a PDF embeds (whole, as the bundled fonts are)."""
    import hashlib
    import io

    import pypdf

    names = {hashlib.sha256(path.read_bytes()).digest(): path.name
             for path in folder.iterdir() if path.suffix in (".otf", ".ttf")}
    found = set()
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            for part in font.get_object().get("/DescendantFonts", [font]):
                descriptor = part.get_object()["/FontDescriptor"].get_object()
                for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    if key in descriptor:
                        data = descriptor[key].get_object().get_data()
                        found.add(names.get(hashlib.sha256(data).digest(), "another font"))
    return found


@pytest.mark.slow
def test_a_template_folder_with_other_fonts_is_drawn_with_its_own_fonts(tmp_path):
    """The fonts are loaded once per process and reused for every record; a record rendered
    from another template folder in the same process still gets that folder's fonts."""
    from riskcli.report.templates import load_templates
    from riskcli.resources import default_templates

    pdf = pytest.importorskip("riskcli.report.pdf")
    html = ('<html><head><link rel="stylesheet" href="riskcli-asset:fonts.css"></head>'
            '<body style="font-family: Inter"><p>A record.</p></body></html>')
    bundled = load_templates(default_templates())
    other = tmp_path / "templates"
    shutil.copytree(default_templates(), other)
    fonts_css = other / "fonts.css"
    fonts_css.write_text(fonts_css.read_text("utf-8").replace(
        "fonts/Inter-Regular.otf", "fonts/Inter-Italic.otf"), "utf-8")  # upright text, slanted
    date = dt.date(2023, 2, 24)
    fonts = default_templates() / "fonts"

    assert _embedded_fonts(pdf.html_to_pdf(html, bundled, date), fonts) == {"Inter-Regular.otf"}
    assert pdf.load(bundled) is pdf.load(load_templates(default_templates()))
    assert _embedded_fonts(pdf.html_to_pdf(html, load_templates(other), date), fonts) == {
        "Inter-Italic.otf"}
    assert _embedded_fonts(pdf.html_to_pdf(html, bundled, date), fonts) == {"Inter-Regular.otf"}


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLES[:2], ids=lambda path: path.stem)
def test_a_record_is_byte_for_byte_what_weasyprint_alone_makes_of_it(example, monkeypatch):
    """riskcli hands WeasyPrint the record's stylesheet parsed once, and a font configuration
    made once per process; WeasyPrint alone, given the HTML with the stylesheet inside and
    nothing else, makes the same PDF."""
    import weasyprint

    from riskcli.report.context import record_date
    from riskcli.report.formatting import breakable_html
    from riskcli.report.render import render_html
    from riskcli.report.templates import ASSET_SCHEME, STYLESHEET, load_templates
    from riskcli.resources import default_templates
    from riskcli.scoring import load_engine, score_file

    pdf = pytest.importorskip("riskcli.report.pdf")
    engine = load_engine()
    templates = load_templates(default_templates())
    result = score_file(engine, example)
    html = breakable_html(render_html(result, engine, templates, for_pdf=True))
    assert "<style>" not in html.split("<body", 1)[0]
    date = record_date(result, engine.rules.keys)
    riskcli = pdf.html_to_pdf(html, templates, date)

    inside = html.replace("</head>", f"<style>\n{templates.text(STYLESHEET)}\n</style>\n</head>", 1)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(dt.datetime(
        date.year, date.month, date.day, tzinfo=dt.UTC).timestamp())))
    alone = weasyprint.HTML(string=inside, base_url=ASSET_SCHEME,
                            url_fetcher=pdf.AssetFetcher(templates)).write_pdf(
        pdf_identifier=True, full_fonts=True)
    assert riskcli == alone
