"""`riskcli questions`: the questionnaire as a list, for whoever fills in an answers file."""

from __future__ import annotations

from riskcli.cli.common import QuestionnaireOpt, load_questionnaire_option


def questions(questionnaire: QuestionnaireOpt = None) -> None:
    """List the questionnaire: sections, answer keys, types, choices."""
    from riskcli.listing import print_questions

    print_questions(load_questionnaire_option(questionnaire))
