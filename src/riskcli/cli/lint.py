"""`riskcli lint`: load a questionnaire and a rule pack together; every problem, or one ok line."""

from __future__ import annotations

from riskcli.cli.common import QuestionnaireOpt, RulesOpt, say


def lint(questionnaire: QuestionnaireOpt = None, rules: RulesOpt = None) -> None:
    """Check a questionnaire and a rule pack together.

    Every problem is reported, one line each (exit 2); a clean pair prints one ok line.
    """
    from riskcli.scoring import load_engine

    engine = load_engine(questionnaire, rules)
    pack = engine.rules
    say(f"ok: questionnaire {engine.questionnaire.id} {engine.questionnaire.version} "
               f"({len(engine.questionnaire.questions)} questions), rules {pack.id} {pack.version} "
               f"({len(pack.rules)} rules, {len(pack.model.factors)} factors)")
