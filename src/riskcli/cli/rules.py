"""`riskcli rules`: the rule pack as text, or as Markdown for the docs."""

from __future__ import annotations

from typing import Annotated

import typer

from riskcli.cli.common import QuestionnaireOpt, RulesOpt, usage_error


def rules(
    output: Annotated[str, typer.Option("--format", help="text or md (Markdown, for docs).")] = (
        "text"),
    questionnaire: QuestionnaireOpt = None,
    rules: RulesOpt = None,
) -> None:
    """List the rule pack: every rule's condition, effect, severity, owner and rationale."""
    from riskcli.listing import rules_markdown, rules_text
    from riskcli.scoring import load_engine

    pack = load_engine(questionnaire, rules).rules
    if output == "md":
        typer.echo(rules_markdown(pack), nl=False)
    elif output == "text":
        typer.echo(rules_text(pack))
    else:
        raise usage_error("expected text or md", "--format")
