"""The decision a record carries, and the gate CI applies to it.

An answers file may hold a `decision:` block beside its answers:

    decision:
      mode: permissive_open            # the option chosen (an id of the pack's options)
      approved_by: Meta AI leadership
      approved_on: 2023-07-18
      accepted_risks:
        - finding: no-leak-response-plan
          reason: Release is deliberate; a leak changes nothing we rely on.
          owner: AI Strategy Lead
          expires: 2024-07-18

Without `mode` the record is proposed and judges the plan (the intended mode, with the weights
as answered); with it, the record is decided and judges what was decided. A decision that
differs from the recommendation carries an accepted risk for `differs-from-recommendation`
saying why. An accepted risk past its expiry date no longer holds, and fails the gate.
"""

import datetime as dt
from collections.abc import Mapping
from functools import cache
from typing import Any, Self

from pydantic import Field, model_validator

from riskcli.errors import AnswersError, Problem
from riskcli.results import AcceptedRisk, Decision, ScoreResult
from riskcli.rulepack import DIFFERS, RULE_ID, RulePack
from riskcli.strict import Identifier, IsoDate, Strict, validate_document

KEY = "decision"


class AcceptedRiskSpec(Strict):
    finding: str = Field(pattern=RULE_ID)
    """A rule id whose finding is accepted, or differs-from-recommendation."""
    reason: str = Field(min_length=1)
    """Why the risk is accepted: printed in the record."""
    owner: str
    """Who carries it: one of the rule pack's owner roles."""
    expires: IsoDate
    """After this day the acceptance no longer holds and the gate fails."""


class DecisionBlock(Strict):
    mode: Identifier | None = None
    """The option chosen; leave it out while the decision is only proposed."""
    approved_by: str | None = None
    approved_on: IsoDate | None = None
    accepted_risks: list[AcceptedRiskSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _approved_when_decided(self) -> Self:
        if self.mode is not None and (not self.approved_by or self.approved_on is None):
            raise ValueError("a decided mode needs approved_by and approved_on")
        if self.mode is None and (self.approved_by or self.approved_on):
            raise ValueError("approved_by and approved_on go with a decided mode")
        return self


def read_decision(data: Any, name: str) -> DecisionBlock | None:
    """The decision block of a parsed answers document, checked on its own (the pack checks what
    it names when the file is scored)."""
    if not isinstance(data, Mapping) or data.get(KEY) is None:
        return None
    block = data[KEY]
    try:
        return validate_document(DecisionBlock, block, name, AnswersError,
                                 "mode, approved_by, approved_on, accepted_risks")
    except AnswersError as exc:
        raise AnswersError([_under_decision(p) for p in exc.problems]) from None


def _under_decision(problem: Problem) -> Problem:
    key = f"{KEY}.{problem.key}" if problem.key else KEY
    return Problem(problem.file, key, problem.message, problem.line, problem.code)


@cache
def _undecided() -> DecisionBlock:
    """The block of a file without one, made once: most files have none. Its defaults pass the
    block's checks (tests/test_decision.py holds it equal to a validated empty block), so it is
    constructed rather than validated: a `score` of a file without a decision would otherwise
    build the block's validator, 2-3 ms of a one-file run. The empty list is given, not left to
    the field's `default_factory`: pydantic would read `list`'s signature to see how to call it,
    which compiles the tokenizer's regular expressions, another 2 ms."""
    return DecisionBlock.model_construct(set(), accepted_risks=[])


def settle(block: DecisionBlock | None, pack: RulePack, plan: str, recommended: str,
           file: str) -> Decision:
    """The decision as scored: its names checked against the pack, the mode under consideration
    settled (the decided one, else the plan)."""
    block = block or _undecided()
    problems = []
    if block.mode is not None and block.mode not in pack.options:
        problems.append(Problem(file, f"{KEY}.mode", f"{block.mode!r} is not an option of rule "
                                f"pack {pack.id} ({', '.join(pack.options)})", code="reference"))
    rule_ids = {rule.id for rule in pack.rules} | {DIFFERS} if block.accepted_risks else set()
    for index, risk in enumerate(block.accepted_risks):
        key = f"{KEY}.accepted_risks[{index}]"
        if risk.finding not in rule_ids:
            problems.append(Problem(file, f"{key}.finding", f"{risk.finding!r} is neither a rule "
                                    f"of {pack.id} nor {DIFFERS}", code="reference"))
        if risk.owner not in pack.owners:
            problems.append(Problem(file, f"{key}.owner", f"{risk.owner!r} is not an owner role "
                                    f"of {pack.id} ({', '.join(pack.owners)})", code="reference"))
    if (block.mode in pack.options and block.mode != recommended
            and not any(r.finding == DIFFERS for r in block.accepted_risks)):
        problems.append(Problem(file, f"{KEY}.mode", f"decided {block.mode}, but the "
                                f"recommendation is {recommended}; add an accepted risk for "
                                f"{DIFFERS} that says why", code="missing"))
    if problems:
        raise AnswersError(problems)
    return Decision.model_construct(
        status="proposed" if block.mode is None else "decided",
        mode=block.mode or plan,
        approved_by=block.approved_by,
        approved_on=block.approved_on.isoformat() if block.approved_on else None,
        accepted_risks=[AcceptedRisk.model_construct(
            finding=r.finding, reason=r.reason.strip(), owner=r.owner,
            expires=r.expires.isoformat()) for r in block.accepted_risks],
    )


def gate(result: ScoreResult, bands: list[str], fail_at: str | None, fail_on_differs: bool,
         today: dt.date) -> list[str]:
    """Why the gate trips for this result, one sentence each; empty when it holds.

    The gate judges the option under consideration: its band against --fail-at, its difference
    from the recommendation (unless an accepted risk covers it) with --fail-on-differs, and any
    accepted risk that has expired.
    """
    decision, recommended = result.decision, result.recommendation.mode
    option = next(o for o in result.options if o.mode == decision.mode)
    live = [r for r in decision.accepted_risks if dt.date.fromisoformat(r.expires) >= today]
    trips = [f"accepted risk {r.finding} ({r.owner}) expired on {r.expires}"
             for r in decision.accepted_risks if r not in live]
    if fail_at is not None:
        if option.band is None:
            trips.append(f"{decision.mode} cannot be assessed from these answers "
                         f"(--fail-at {fail_at})")
        elif bands.index(option.band) >= bands.index(fail_at):
            trips.append(f"{decision.mode} is {option.band}, at or above --fail-at {fail_at}")
    covered = any(r.finding == DIFFERS for r in live)
    if fail_on_differs and decision.mode != recommended and not covered:
        trips.append(f"{decision.mode} differs from the recommendation ({recommended}) and no "
                     f"accepted risk covers it (--fail-on-differs)")
    return trips
