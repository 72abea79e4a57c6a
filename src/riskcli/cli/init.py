"""`riskcli init`: a commented starter answers file, and the JSON Schema that editors complete it
with."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from riskcli.cli.common import (
    INPUT_ERROR,
    QuestionnaireOpt,
    load_questionnaire_option,
    writing,
)


def init(
    output: Annotated[Path, typer.Option("-o", "--output", help="Starter answers file to write.")]
    = Path("answers.yaml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    questionnaire: QuestionnaireOpt = None,
) -> None:
    """Write a commented starter answers file, and the JSON Schema editors use to complete it."""
    from riskcli.fileio import check_output_path, write_atomic
    from riskcli.schema import answers_schema
    from riskcli.starter import SCHEMA_FILE, starter_text

    if output.exists() and not force:
        typer.echo(f"{output}: already exists; not overwriting it (use --force, or "
                   f"`riskcli assess -o {output} --resume` to continue it)", err=True)
        raise typer.Exit(INPUT_ERROR)
    check_output_path(output, "an answers file name")
    q = load_questionnaire_option(questionnaire)
    schema_path = output.parent / SCHEMA_FILE
    for path, content in ((schema_path, json.dumps(answers_schema(q), indent=2) + "\n"),
                          (output, starter_text(q))):
        with writing(path):
            write_atomic(path, content)
    typer.echo(f"wrote {output} (and {schema_path} for editors); fill it in, then run "
               f"`riskcli validate {output}`")
