"""`riskcli rules`: the rule pack as text, or as Markdown for the docs."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from riskcli.cli.common import QuestionnaireOpt, RulesOpt


class RulesFormat(StrEnum):
    """`--format` of `rules`: for people, or Markdown for the docs (docs/rules.md)."""

    text = "text"
    md = "md"


def rules(
    output: Annotated[RulesFormat, typer.Option(
        "--format", metavar="[text|md]", help="For people (text) or for the docs (md, Markdown).",
    )] = RulesFormat.text,
    questionnaire: QuestionnaireOpt = None,
    rules: RulesOpt = None,
) -> None:
    """List the rule pack: each rule's condition, effect and owner."""
    from riskcli.listing import rules_markdown, rules_text
    from riskcli.scoring import load_engine

    pack = load_engine(questionnaire, rules).rules
    if output is RulesFormat.md:
        typer.echo(rules_markdown(pack), nl=False)
    else:
        typer.echo(rules_text(pack))
