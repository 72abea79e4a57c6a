"""A report template folder, checked whole before anything renders.

The record's wording, layout and fonts are content a user may replace with `--templates`, so a
folder is checked at load: every expected file present, every asset the stylesheets name present
inside the folder. A broken folder fails with one line naming the file, not halfway through a PDF.

Templates render in Jinja2's sandbox with undefined names as errors. Answers reach templates only
as values: nothing a user typed is ever compiled as a template, so `{{ 7*7 }}` in a rationale
prints as typed.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2.loaders import split_template_path
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from riskcli.cache import TemplateBytecode
from riskcli.conditions import ArithmeticSandbox
from riskcli.errors import Problem, RiskcliError, TemplateError
from riskcli.markdown import markdown_code as code_span
from riskcli.markdown import markdown_text
from riskcli.report.hf import SPEC_FILE, GatingSpec, load_gating_spec
from riskcli.resources import default_templates
from riskcli.yamlio import read_bytes

RECORD = "record.html.j2"
MODEL_CARD = "model_card.md.j2"
STYLESHEET = "record.css"
FONTS = "fonts.css"
CHART_STYLE = "chart.css"
REQUIRED = (RECORD, MODEL_CARD, STYLESHEET, FONTS, CHART_STYLE)

MAX_TEMPLATE_BYTES = 2 * 1024 * 1024
"""A template or stylesheet is tens of kilobytes (the record's, the largest, about 35 KB); past
2 MiB it is a mistake or an attack, refused before it is read, as yamlio refuses YAML."""
MAX_ASSET_BYTES = 16 * 1024 * 1024
"""A font the stylesheets name is read whole into the PDF; the bundled ones are about 35 KB."""

ASSET_SCHEME = "riskcli-asset:"
"""Stylesheets name bundled files as `riskcli-asset:fonts/x.woff2`; only these URLs are served."""

_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")


@dataclass(frozen=True)
class TemplateSet:
    """A checked template folder: its path and the bundled files its stylesheets may load."""

    folder: Path
    assets: dict[str, Path]
    """Asset URL (riskcli-asset:NAME) -> file inside the folder."""
    gating: GatingSpec
    """The Hugging Face access-form wording (`hf_gating.yaml`), checked with the rest."""
    texts: dict[str, str]
    """Every required file, read once at load: a file that cannot be read fails there, naming
    itself, not while the record is being written (as "cannot be written")."""

    def text(self, name: str) -> str:
        return self.texts[name]

    def render_html(self, context: dict[str, Any]) -> str:
        return _render(self._html_env(), self.folder, RECORD, context)

    def render_markdown(self, context: dict[str, Any]) -> str:
        return _render(self._markdown_env(), self.folder, MODEL_CARD, context)

    def _html_env(self) -> SandboxedEnvironment:
        return ArithmeticSandbox(
            loader=_FolderLoader(self.folder, self.texts), autoescape=True,
            undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
            keep_trailing_newline=True, bytecode_cache=TemplateBytecode("template-html"))

    def _markdown_env(self) -> SandboxedEnvironment:
        """Markdown has no autoescape in Jinja, so every printed value is escaped by `finalize`.

        A model card is rendered as HTML by the hub that shows it: an answer holding `<img …>`
        or `| a |` must stay text and must not break the options table.
        """
        env = ArithmeticSandbox(
            loader=_FolderLoader(self.folder, self.texts), autoescape=False,
            undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
            keep_trailing_newline=True, finalize=markdown_escape,
            bytecode_cache=TemplateBytecode("template-md"))
        env.filters["code"] = markdown_code
        return env


def markdown_escape(value: Any) -> Any:
    """`riskcli.markdown.markdown_text` for every printed value; values marked safe (Markup: a
    macro's output, a code span) pass untouched."""
    if isinstance(value, Markup) or value is None:
        return value
    return markdown_text(value)


def markdown_code(value: Any, table: bool = False) -> Markup:
    """The template filter `code`: `riskcli.markdown.markdown_code`, marked safe so the finalize
    escape leaves the span alone. `code(table=true)` inside a table row."""
    return Markup(code_span(value, table=table))


def load_templates(folder: Path | str) -> TemplateSet:
    """Check a template folder and return it; raise TemplateError naming each missing file."""
    root = Path(folder)
    if not root.is_dir():
        raise TemplateError(Problem(str(root), "", "template folder not found"))
    missing = [Problem(str(root / name), "", "missing from the template folder")
               for name in REQUIRED if not (root / name).is_file()]
    if missing:
        raise TemplateError(missing)
    # hf_gating.yaml is optional (the bundled one stands in), but one that is there is read
    # like the rest: never through a link out of the folder.
    present = [*REQUIRED, *([SPEC_FILE] if os.path.lexists(root / SPEC_FILE) else [])]
    outside = [Problem(str(root / name), "", _OUTSIDE) for name in present
               if not _inside(root, root / name)]
    if outside:
        raise TemplateError(outside)
    texts: dict[str, str] = {}
    problems: list[Problem] = []
    for name in REQUIRED:
        try:
            texts[name] = read_text(root / name)
        except RiskcliError as exc:
            problems.extend(exc.problems)
    if problems:
        raise TemplateError(problems)
    assets: dict[str, Path] = {f"{ASSET_SCHEME}{FONTS}": root / FONTS}
    for sheet in (FONTS, STYLESHEET, CHART_STYLE):
        found, sheet_problems = _stylesheet_assets(root, sheet, texts[sheet])
        assets.update(found)
        problems.extend(sheet_problems)
    if problems:
        raise TemplateError(problems)
    return TemplateSet(root, assets, load_gating_spec(root, default_templates()), texts)


def read_text(path: Path) -> str:
    """A template folder's text file, whole: at most MAX_TEMPLATE_BYTES, UTF-8, and any failure
    to read it one problem naming it (yamlio's reader, with its limit and its wording)."""
    raw = read_bytes(path, max_bytes=MAX_TEMPLATE_BYTES)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TemplateError(Problem(str(path), "", f"is not UTF-8 text (bad byte at offset "
                                    f"{exc.start})")) from None


def _stylesheet_assets(root: Path, sheet: str,
                       text: str) -> tuple[dict[str, Path], list[Problem]]:
    """Every url() a stylesheet names must be a bundled file: nothing else will ever be fetched."""
    assets: dict[str, Path] = {}
    problems: list[Problem] = []
    resolved_root = root.resolve()
    for match in _URL.finditer(text):
        url = match.group(2).strip()
        if not url.startswith(ASSET_SCHEME):
            problems.append(Problem(str(root / sheet), url, f"only {ASSET_SCHEME}NAME URLs naming "
                                    "files in the template folder can be loaded"))
            continue
        path = (root / url.removeprefix(ASSET_SCHEME)).resolve()
        if not path.is_relative_to(resolved_root) or not path.is_file():
            problems.append(Problem(str(root / sheet), url,
                                    "names a file that is not in the template folder"))
            continue
        size = path.stat().st_size
        if size > MAX_ASSET_BYTES:
            problems.append(Problem(str(root / sheet), url, f"names a file of {size:,} bytes; "
                                    f"the limit is {MAX_ASSET_BYTES:,} bytes"))
            continue
        assets[url] = path
    return assets, problems


def _render(env: SandboxedEnvironment, folder: Path, name: str, context: dict[str, Any]) -> str:
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as exc:
        where = f"line {exc.lineno}: " if exc.lineno else ""
        raise TemplateError(Problem(str(folder / (exc.name or name)), "",
                                    f"{where}{exc.message}")) from None
    except RecursionError:
        reason = "cannot render: templates call each other too deeply"
        raise TemplateError(Problem(str(folder / name), "", reason)) from None
    except MemoryError:
        # Memory ran out before anything was written: a filter such as center() or indent()
        # asked for gigabytes (the arithmetic that could is refused by the sandbox).
        reason = "cannot render: the template builds text too large to hold in memory"
        raise TemplateError(Problem(str(folder / name), "", reason)) from None
    except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError) as exc:
        # ArithmeticError: the sandbox's OverflowError for range() past 100,000 items, or a
        # number too large for a float.
        raise TemplateError(Problem(str(folder / name), "", f"cannot render: {exc}")) from None


_OUTSIDE = "is a link to a file outside the template folder; only the folder's own files are read"


def _inside(root: Path, path: Path) -> bool:
    """Whether a path, links followed, stays inside the folder."""
    return path.resolve().is_relative_to(root.resolve())


class _FolderLoader(jinja2.FileSystemLoader):
    """Jinja's FileSystemLoader refuses `..` but follows links: `{% include "x" %}` with x a link
    to /etc/passwd would print that file into the record. This one refuses such a template,
    serves the files read at load from memory, and reads any other (an included one) the way
    they were read: capped, and a failure named as reading that file."""

    def __init__(self, folder: Path, texts: dict[str, str]):
        super().__init__(str(folder))
        self.texts = texts

    def get_source(self, environment: jinja2.Environment, template: str):
        root = Path(self.searchpath[0])
        path = root.joinpath(*split_template_path(template))
        if path.exists() and not _inside(root, path):
            raise jinja2.TemplateNotFound(template, f"{template} {_OUTSIDE}")
        if template in self.texts:
            return self.texts[template], str(path), lambda: True
        if not path.is_file():
            raise jinja2.TemplateNotFound(template,
                                          f"{template} is not a file in the template folder")
        return read_text(path), str(path), lambda: True
