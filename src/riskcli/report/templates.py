"""A report template folder, checked whole before anything renders.

The record's wording, layout and fonts are content a user may replace with `--templates`, so a
folder is checked at load: every expected file present, every asset the stylesheets name present
inside the folder. A broken folder fails with one line naming the file, not halfway through a PDF.

Templates render in Jinja2's sandbox with undefined names as errors. Answers reach templates only
as values: nothing a user typed is ever compiled as a template, so `{{ 7*7 }}` in a rationale
prints as typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2.loaders import split_template_path
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from riskcli.errors import Problem, TemplateError
from riskcli.markdown import markdown_code as code_span
from riskcli.markdown import markdown_text
from riskcli.report.hf import GatingSpec, load_gating_spec
from riskcli.resources import default_templates

RECORD = "record.html.j2"
MODEL_CARD = "model_card.md.j2"
STYLESHEET = "record.css"
FONTS = "fonts.css"
CHART_STYLE = "chart.css"
REQUIRED = (RECORD, MODEL_CARD, STYLESHEET, FONTS, CHART_STYLE)

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

    def text(self, name: str) -> str:
        return (self.folder / name).read_text(encoding="utf-8")

    def render_html(self, context: dict[str, Any]) -> str:
        return _render(self._html_env(), self.folder, RECORD, context)

    def render_markdown(self, context: dict[str, Any]) -> str:
        return _render(self._markdown_env(), self.folder, MODEL_CARD, context)

    def _html_env(self) -> SandboxedEnvironment:
        return SandboxedEnvironment(
            loader=_FolderLoader(self.folder), autoescape=True,
            undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
            keep_trailing_newline=True)

    def _markdown_env(self) -> SandboxedEnvironment:
        """Markdown has no autoescape in Jinja, so every printed value is escaped by `finalize`.

        A model card is rendered as HTML by the hub that shows it: an answer holding `<img …>`
        or `| a |` must stay text and must not break the options table.
        """
        env = SandboxedEnvironment(
            loader=_FolderLoader(self.folder), autoescape=False,
            undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
            keep_trailing_newline=True, finalize=markdown_escape)
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
    outside = [Problem(str(root / name), "", _OUTSIDE) for name in REQUIRED
               if not _inside(root, root / name)]
    if outside:
        raise TemplateError(outside)
    assets: dict[str, Path] = {f"{ASSET_SCHEME}{FONTS}": root / FONTS}
    problems: list[Problem] = []
    for sheet in (FONTS, STYLESHEET, CHART_STYLE):
        found, sheet_problems = _stylesheet_assets(root, sheet)
        assets.update(found)
        problems.extend(sheet_problems)
    if problems:
        raise TemplateError(problems)
    return TemplateSet(root, assets, load_gating_spec(root, default_templates()))


def _stylesheet_assets(root: Path, sheet: str) -> tuple[dict[str, Path], list[Problem]]:
    """Every url() a stylesheet names must be a bundled file: nothing else will ever be fetched."""
    assets: dict[str, Path] = {}
    problems: list[Problem] = []
    resolved_root = root.resolve()
    try:
        text = (root / sheet).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return {}, [Problem(str(root / sheet), "",
                            f"is not UTF-8 text (bad byte at offset {exc.start})")]
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
    to /etc/passwd would print that file into the record. This one refuses such a template."""

    def get_source(self, environment: jinja2.Environment, template: str):
        root = Path(self.searchpath[0])
        path = root.joinpath(*split_template_path(template))
        if path.exists() and not _inside(root, path):
            raise jinja2.TemplateNotFound(template, f"{template} {_OUTSIDE}")
        return super().get_source(environment, template)
