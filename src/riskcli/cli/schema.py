"""`riskcli schema`: the JSON Schema of an answers file, for editors and CI."""

from __future__ import annotations

import json

import typer

from riskcli.cli.common import QuestionnaireOpt, load_questionnaire_option


def schema(questionnaire: QuestionnaireOpt = None) -> None:
    """Print the JSON Schema of an answers file (for editors and CI)."""
    from riskcli.schema import answers_schema

    typer.echo(json.dumps(answers_schema(load_questionnaire_option(questionnaire)), indent=2))
