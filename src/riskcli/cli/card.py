"""`riskcli card`: the decision section (and the access form) written into a model card.

Parses options and calls `riskcli.card`; scoring and rendering are imported inside the command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from riskcli.cli.common import (
    IntervalOpt,
    QuestionnaireOpt,
    RecordTargetOpt,
    RulesOpt,
    StrictOpt,
    TemplatesOpt,
    check_band,
    print_problems,
    writing,
)
from riskcli.errors import Problem
from riskcli.terminal import command_line

STALE = 1
"""`--check` found the card out of date: a gate, like `score --fail-at`."""


def card(
    card: Annotated[Path, typer.Argument(metavar="CARD",
                                         help="The model card to write into (README.md).",
                                         show_default=False)],
    answers: Annotated[Path, typer.Argument(metavar="ANSWERS",
                                            help="The answers file the decision comes from.",
                                            show_default=False)],
    check: Annotated[bool, typer.Option(
        "--check", help="Write nothing; exit 1 when the card's section is stale or missing "
        "(for CI and the riskcli-card pre-commit hook).")] = False,
    create: Annotated[bool, typer.Option(
        "--create", help="Start the card when it does not exist (default: exit 2).")] = False,
    front_matter: Annotated[bool, typer.Option(
        "--front-matter/--no-front-matter",
        help="Merge the Hugging Face access form (extra_gated_* keys) a gated download needs "
        "into the card's front matter; --no-front-matter leaves the form to you.")] = True,
    templates: TemplatesOpt = None,
    target: RecordTargetOpt = None,
    interval: IntervalOpt = None,
    strict: StrictOpt = False,
    questionnaire: QuestionnaireOpt = None,
    rules: RulesOpt = None,
) -> None:
    """Write the decision and its access form into a model card.

    The decision section goes between <!-- BEGIN RISKCLI --> and <!-- END RISKCLI --> (appended
    the first time), and the matching access form into the card's front matter.

    Everything else in the card is left byte for byte; an up-to-date card is not rewritten.
    """
    from riskcli.card import read_card, update_card, write_card
    from riskcli.fileio import output_target, refuse_inputs
    from riskcli.report.hf import gating_front_matter
    from riskcli.report.render import render_markdown
    from riskcli.report.templates import load_templates
    from riskcli.resources import default_templates
    from riskcli.scoring import load_engine, score_file

    original = read_card(card, create=create)
    output_target(card)  # a link to a FIFO or /dev/stdout is refused before any work
    refuse_inputs(card, [answers, questionnaire, rules, templates])
    template_set = load_templates(templates or default_templates())
    engine = load_engine(questionnaire, rules, interval)
    check_band(target, engine.rules, "--target")
    result = score_file(engine, answers, strict=strict,
                        warn=lambda warning: print_problems([warning]))
    section = render_markdown(result, engine, template_set, target)
    form = gating_front_matter(result, template_set.gating, engine.rules.keys) \
        if front_matter else None
    update = update_card(original, section, form, str(card))
    again = "run: " + command_line(["riskcli", "card", card, answers])
    if update.state == "current":
        typer.echo(f"{card}: riskcli section is up to date with {answers}")
        return
    if check:
        words = "missing" if update.state == "missing" else f"stale (it does not match {answers})"
        print_problems([Problem(str(card), "riskcli section", f"{words}; {again}")])
        raise typer.Exit(STALE)
    with writing(card):
        write_card(card, update.content, new=original is None)
    done = "created" if original is None else "added" if update.state == "missing" else "updated"
    typer.echo(f"{card}: riskcli section {done} from {answers}"
               + (" (with the access form in the front matter)" if form else ""))
