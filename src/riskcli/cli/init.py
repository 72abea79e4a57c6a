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
from riskcli.errors import OutputFileError, Problem


def init(
    output: Annotated[Path, typer.Option(
        "-o", "--output", help="Starter answers file to write (its folders are made; - for "
                               "standard output, without the schema).")] = Path("answers.yaml"),
    force: Annotated[bool, typer.Option(
        "--force", help="Overwrite an existing answers file and schema file.")] = False,
    questionnaire: QuestionnaireOpt = None,
) -> None:
    """Write a commented starter answers file and its JSON Schema.

    Editors that read the schema complete and check the file as it is filled in.
    """
    from riskcli.fileio import check_output_path, is_stdout, write_atomic
    from riskcli.schema import answers_schema
    from riskcli.starter import SCHEMA_FILE, starter_text
    from riskcli.terminal import command_line

    if is_stdout(output):
        typer.echo(starter_text(load_questionnaire_option(questionnaire)), nl=False)
        return
    if (output.exists() or output.is_symlink()) and not force:
        resume = command_line(["riskcli", "assess", "-o", output, "--resume"])
        typer.echo(f"{output}: already exists; not overwriting it (use --force, or "
                   f"`{resume}` to continue it)", err=True)
        raise typer.Exit(INPUT_ERROR)
    schema_path = output.parent / SCHEMA_FILE
    if output.name == SCHEMA_FILE:
        raise OutputFileError(Problem(str(output), "", "is the name of the schema file init "
                                      "writes beside the answers file; choose another name"))
    check_output_path(output, "an answers file name", inputs=[questionnaire], make_folders=True)
    check_output_path(schema_path, "a schema file", inputs=[questionnaire], make_folders=True)
    q = load_questionnaire_option(questionnaire)
    schema = json.dumps(answers_schema(q), indent=2) + "\n"
    writes = [(output, starter_text(q))]
    if _schema_to_write(schema_path, schema, force):
        writes.insert(0, (schema_path, schema))
    with writing(output):
        output.parent.mkdir(parents=True, exist_ok=True)
    for path, content in writes:
        with writing(path):
            write_atomic(path, content)
    schema_note = "and" if len(writes) == 2 else "beside the unchanged"
    typer.echo(f"wrote {output} ({schema_note} {schema_path} for editors); fill it in, then run "
               f"`riskcli validate {output}`")


def _schema_to_write(path: Path, schema: str, force: bool) -> bool:
    """A schema file already beside the answers is someone's: replaced only with --force, unless
    it already holds this schema (a second answers file in the same folder), which is kept."""
    expected = schema.encode("utf-8")
    try:
        with path.open("rb") as handle:
            existing = handle.read(len(expected) + 1)
    except FileNotFoundError:
        return True
    except OSError:
        existing = None
    if existing == expected:
        return False
    if not force:
        raise OutputFileError(Problem(str(path), "", "already exists and is not this "
                                      "questionnaire's schema; not overwriting it (use --force)"))
    return True
