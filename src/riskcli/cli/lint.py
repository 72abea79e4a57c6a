"""`riskcli lint`: load a questionnaire and a rule pack together; every problem, or one ok line."""

from __future__ import annotations

import typer

from riskcli.cli.common import QuestionnaireOpt, RulesOpt


def lint(questionnaire: QuestionnaireOpt = None, rules: RulesOpt = None) -> None:
    """Check a questionnaire and rule pack together and report every problem."""
    from riskcli.scoring import load_engine

    engine = load_engine(questionnaire, rules)
    pack = engine.rules
    typer.echo(f"ok: questionnaire {engine.questionnaire.id} {engine.questionnaire.version} "
               f"({len(engine.questionnaire.questions)} questions), rules {pack.id} {pack.version} "
               f"({len(pack.rules)} rules, {len(pack.model.factors)} factors)")
