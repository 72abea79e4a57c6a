"""Where the bundled content lives: inside the wheel once installed, at the repo top in a checkout.

The three content folders are edited at the top of the repository and copied into the wheel under
`riskcli/data/` at build time (see pyproject.toml), so both places must be looked at.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def content_dir(kind: str) -> Path:
    """`kind` is one of questionnaires, rules, report_templates, precedents."""
    installed = _PACKAGE / "data" / kind
    if installed.is_dir():
        return installed
    return _PACKAGE.parents[1] / kind


def default_questionnaire() -> Path:
    return content_dir("questionnaires") / "distribution.yaml"


def default_rules() -> Path:
    return content_dir("rules") / "llama-pattern.yaml"


def default_templates() -> Path:
    return content_dir("report_templates")


def default_precedents() -> Path:
    return content_dir("precedents")
