"""What `riskcli score` writes for CI: SARIF 2.1.0 for code scanning, JUnit XML for test
reports, GitHub workflow commands for annotations, a Markdown table for the job's step summary,
and the text and JSON of `formatting` behind the same interface.

Every format is a writer fed one scored file at a time (with the gate's verdict on it and where
its answers are written) and closed once, so a folder of any size is written while it is scored.
A writer keeps nothing between files but what its format needs before it can end: JUnit puts
its totals first, so it keeps one compact record per file, never a ScoreResult. What each piece
says is decided by pure functions of the result, the verdict and the pack. Nothing depends on
the clock or the machine beyond the current folder (paths are written relative to it): the same
inputs give the same bytes, and SARIF carries no invocation times.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import urllib.parse
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from riskcli.decision import gate
from riskcli.errors import Problem, RiskcliError
from riskcli.formatting import ScoreOutput, json_text
from riskcli.results import AcceptedRisk, OptionAssessment, ScoreResult
from riskcli.rulepack import DIFFERS, Rule, RulePack
from riskcli.wording import percent_range
from riskcli.yamlio import parse_yaml, read_bytes

Write = Callable[[str], None]

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_VERSION = "2.1.0"
GATE_RULE = "riskcli/gate"
"""The rule id of a tripped gate. A pack's rule ids have no `/`, so it never names one of them."""
FINGERPRINT = "riskcliResult/v1"
"""The partialFingerprints key: a digest of what a result is about, never of where it is."""
SUMMARY_TITLE = "riskcli score"


def rule_anchor(rule_id: str) -> str:
    """The anchor of a rule's section in the catalogue (`riskcli rules --format md`, published
    as docs/rules.md), which SARIF links each rule to. Prefixed, so a rule id never collides
    with the anchor GitHub makes for a heading such as `## Bands`."""
    return f"rule-{rule_id}"


# --- what a format is told about a file ----------------------------------------------------------


class Trip(NamedTuple):
    """One reason the gate trips, with what it is about, so a format can place it in the file."""

    text: str
    """The sentence the gate says, as stderr shows it after `file: gate:`."""
    kind: str
    """`expired` (an accepted risk past its date), `band` (--fail-at) or `differs`
    (--fail-on-differs)."""
    risk: int | None = None
    """For `expired`: the index of the accepted risk in the decision block."""


def judge(result: ScoreResult, bands: list[str], fail_at: str | None, fail_on_differs: bool,
          today: dt.date) -> tuple[Trip, ...]:
    """The gate's verdict (decision.gate, the one place it is decided), each reason sorted by
    what it is about: the gate asked once per setting, expired risks alone first."""
    # A setting left off asks the same question again: not asking it took 6 of judge's 9 us.
    expired = gate(result, bands, None, False, today)
    banded = gate(result, bands, fail_at, False, today) if fail_at is not None else expired
    every = gate(result, bands, fail_at, True, today) if fail_on_differs else banded
    past = [i for i, r in enumerate(result.decision.accepted_risks)
            if dt.date.fromisoformat(r.expires) < today]
    trips = [Trip(text, "expired", index) for text, index in zip(expired, past, strict=False)]
    trips += [Trip(text, "band") for text in banded if text not in expired]
    trips += [Trip(text, "differs") for text in every if text not in banded]
    return tuple(trips)


@dataclass(frozen=True)
class Lines:
    """Where an answers file says what (1-based lines): each answer key, the decision's mode, and
    each accepted risk. A key answered by --set has no line: the file is not what was scored."""

    answers: Mapping[str, int] = field(default_factory=dict)
    mode: int | None = None
    risks: tuple[int | None, ...] = ()


NO_LINES = Lines()


def lines_in(data: Any, overridden: Collection[str] = ()) -> Lines:
    """The lines of a parsed answers document (riskcli's YAML loader keeps each key's line)."""
    if not isinstance(data, Mapping):
        return NO_LINES
    answers = data.get("answers")
    decision = data.get("decision")
    known = _key_lines(answers)
    risks = decision.get("accepted_risks") if isinstance(decision, Mapping) else None
    return Lines(
        answers={key: line for key, line in known.items() if key not in overridden},
        mode=_key_lines(decision).get("mode"),
        risks=tuple(_first_line(risk) for risk in risks) if isinstance(risks, list) else (),
    )


def _key_lines(mapping: Any) -> dict[Any, int]:
    return dict(getattr(mapping, "lines", None) or {})


def _first_line(item: Any) -> int | None:
    lines = _key_lines(item)
    return min(lines.values()) if lines else None


def read_lines(path: str, overridden: Collection[str] = ()) -> Lines:
    """The lines of the answers file just scored. It was read and checked a moment ago; should
    it be gone or changed since, the results fall back to line 1 rather than fail the run."""
    try:
        return lines_in(parse_yaml(read_bytes(path), path), overridden)
    except (RiskcliError, OSError):
        return NO_LINES


@dataclass(frozen=True)
class Run:
    """What every format needs besides the results."""

    pack: RulePack
    version: str
    """riskcli's version, named in JSON and SARIF."""
    today: dt.date
    """The day accepted risks are judged against."""
    cwd: Path
    """Paths are written relative to this folder (the repository root, in CI)."""
    rules_url: str | None = None
    """Where the rule catalogue is published; SARIF links each rule to its section there."""

    @cached_property
    def rule_keys(self) -> dict[str, list[str]]:
        """keys_read of every rule of the pack, worked out once per run."""
        return {rule.id: keys_read(rule) for rule in self.pack.rules}


def keys_read(rule: Rule) -> list[str]:
    """The answer keys a rule reads, the one it is most about first: the answer its curve
    follows, then the names in its condition from the last written to the first (in
    `weights_leave_premises and vetting == 'none'` the finding is about vetting)."""
    condition = rule.condition
    source = condition.source if condition is not None else ""
    names = sorted(condition.names if condition is not None else (),
                   key=lambda name: (_last_position(source, name), name), reverse=True)
    curve = rule.effect.curve.answer if rule.effect and rule.effect.curve else None
    return ([curve] if curve else []) + [name for name in names if name != curve]


def _last_position(source: str, name: str) -> int:
    found = [m.start() for m in re.finditer(rf"(?<![\w]){re.escape(name)}(?![\w])", source)]
    return found[-1] if found else -1


def relative_path(file: str, cwd: Path) -> str:
    """A file as the repository knows it: relative to `cwd` with `/`, or absolute when it lies
    outside (code scanning and annotations place only files inside the checkout)."""
    absolute = Path(os.path.abspath(file))
    for path, base in ((absolute, cwd), (absolute.resolve(), cwd.resolve())):
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            continue
    return absolute.as_posix()


def artifact_uri(file: str, cwd: Path) -> str:
    """SARIF's uri for a file: a percent-encoded relative reference, or a file: URI outside
    `cwd`. Code scanning rejects a whole upload over one uri that is not a valid reference (a
    space, a `#` or a `%` in a file name)."""
    path = relative_path(file, cwd)
    if path.startswith("/"):
        return Path(path).as_uri()
    return urllib.parse.quote(path, safe="/")


# --- what a finding, a difference and a trip are, in every format -------------------------------


def level(pack: RulePack, severity: str) -> str:
    """error for the pack's top severity, note for its last (informational: its mitigations are
    advice), warning between. Shared by SARIF's levels and GitHub's annotations."""
    rank, last = pack.severity_rank(severity), len(pack.severities) - 1
    if rank == 0:
        return "error"
    return "note" if rank == last else "warning"


def security_severity(pack: RulePack, severity: str) -> str | None:
    """GitHub's 0-10 security severity from the pack's order, most severe 10.0 and evenly down
    to the last before the informational one (critical 10.0, high 7.5, medium 5.0, low 2.5 in
    the bundled pack, each in GitHub's band of the same name); None for the informational one,
    which code scanning then shows as a note."""
    count = len(pack.severities)
    if count == 1:
        return "10.0"
    rank = pack.severity_rank(severity)
    if rank == count - 1:
        return None
    return f"{10 * (count - 1 - rank) / (count - 1):.1f}"


def _live(risk: AcceptedRisk, today: dt.date) -> bool:
    return dt.date.fromisoformat(risk.expires) >= today


def _accepted(result: ScoreResult, finding: str) -> list[tuple[int, AcceptedRisk]]:
    return [(i, r) for i, r in enumerate(result.decision.accepted_risks) if r.finding == finding]


def _considered(result: ScoreResult) -> OptionAssessment:
    return next(o for o in result.options if o.mode == result.decision.mode)


def _differs(result: ScoreResult) -> bool:
    return result.decision.mode != result.recommendation.mode


def _differs_text(result: ScoreResult) -> str:
    r = result.recommendation
    return (f"{result.decision.mode} is under consideration, but the recommendation is {r.mode}: "
            f"{r.headline}")


class Item(NamedTuple):
    """One thing a file's formats report: a finding, the difference from the recommendation, or
    a tripped gate, with where it is and the accepted risks that speak to it."""

    rule_id: str
    level: str
    """error, warning or note."""
    message: str
    line: int
    key: str
    """What the item is about, for its fingerprint: never its line or the run's date."""
    risks: tuple[tuple[AcceptedRisk, int | None, bool], ...] = ()
    """The accepted risks that name it: each with its line and whether it still holds."""

    @property
    def accepted(self) -> bool:
        return any(live for _, _, live in self.risks)


def items(result: ScoreResult, trips: Sequence[Trip], lines: Lines, run: Run) -> list[Item]:
    """Everything one file reports, in a stable order: its findings (those of the option under
    consideration, in the pack's order), its difference from the recommendation, its trips."""
    pack, keys = run.pack, run.rule_keys
    mode_line = lines.mode or lines.answers.get(pack.keys.intended_mode) or 1

    def risks_of(finding: str) -> tuple[tuple[AcceptedRisk, int | None, bool], ...]:
        return tuple((risk, _at(lines.risks, index), _live(risk, run.today))
                     for index, risk in _accepted(result, finding))

    found = []
    for f in result.findings:
        line = next((lines.answers[k] for k in keys.get(f.rule_id, ()) if k in lines.answers), 1)
        found.append(Item(f.rule_id, level(pack, f.severity),
                          f"{f.title} ({f.severity}; owner: {f.owner}). {f.mitigation}",
                          line, f.rule_id, risks_of(f.rule_id)))
    if _differs(result):
        found.append(Item(DIFFERS, "warning", _differs_text(result), mode_line,
                          f"{DIFFERS}:{result.decision.mode}:{result.recommendation.mode}",
                          risks_of(DIFFERS)))
    for trip in trips:
        line = (_at(lines.risks, trip.risk) if trip.kind == "expired" else None) or mode_line
        about = result.decision.accepted_risks[trip.risk].finding if trip.risk is not None else ""
        found.append(Item(GATE_RULE, "error", trip.text, line,
                          f"gate:{trip.kind}:{about}"))
    return found


def _at(lines: Sequence[int | None], index: int | None) -> int | None:
    if index is None or index >= len(lines):
        return None
    return lines[index]


def fingerprint(uri: str, item: Item) -> str:
    """Stable across runs and edits: the file and what the item is about, never its line."""
    return hashlib.sha256(f"{uri}\0{item.rule_id}\0{item.key}".encode()).hexdigest()[:32]


# --- the writers ----------------------------------------------------------------------------------


class Writer(Protocol):
    needs_lines: bool
    """Whether `add` needs the lines of the answers file (an extra read of it per file)."""

    def add(self, result: ScoreResult, trips: Sequence[Trip], lines: Lines) -> None: ...

    def problems(self, problems: Sequence[Problem]) -> None:
        """An input that could not be scored (one file's or folder's problems)."""

    def warning(self, problem: Problem) -> None:
        """An answer ignored because its question does not apply."""

    def close(self) -> None: ...


class TextWriter:
    """The table (or the one-file summary) for a person; kept until the end, as the progress
    bar shares the terminal while files are scored."""

    needs_lines = False
    as_json = False

    def __init__(self, run: Run, write: Write):
        self._write = write
        self._out = ScoreOutput(as_json=self.as_json, keys=run.pack.keys,
                                write=write if self.as_json else None, version=run.version)

    def add(self, result: ScoreResult, trips: Sequence[Trip], lines: Lines) -> None:
        self._out.add(result)

    def problems(self, problems: Sequence[Problem]) -> None:
        pass

    def warning(self, problem: Problem) -> None:
        pass

    def close(self) -> None:
        for chunk in self._out.chunks(""):
            self._write(chunk)


class JsonWriter(TextWriter):
    """The JSON document, each result written as soon as it is scored."""

    as_json = True


class SarifWriter:
    """A SARIF 2.1.0 log, one run: every rule of the pack (and the gate) described once, then a
    result per finding, difference and trip, located at the answer it is about; accepted risks
    as suppressions of the result they name; inputs that could not be scored as notifications."""

    needs_lines = True

    def __init__(self, run: Run, write: Write):
        self._run, self._write = run, write
        self._rules = sarif_rules(run)
        self._index = {rule["id"]: i for i, rule in enumerate(self._rules)}
        self._notifications: list[dict[str, Any]] = []
        self._failed = False
        self._results = _JsonArray(write, self._document([]))

    def _document(self, notifications: list[dict[str, Any]]) -> dict[str, Any]:
        invocation: dict[str, Any] = {"executionSuccessful": not self._failed}
        if notifications:
            invocation["toolExecutionNotifications"] = notifications
        driver = {"name": "riskcli", "version": self._run.version,
                  "semanticVersion": self._run.version, "rules": self._rules,
                  "properties": {"rulePack": {"id": self._run.pack.id,
                                              "version": self._run.pack.version}}}
        return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION,
                "runs": [{"tool": {"driver": driver}, "results": _JsonArray.MARK,
                          "invocations": [invocation]}]}

    def add(self, result: ScoreResult, trips: Sequence[Trip], lines: Lines) -> None:
        uri = artifact_uri(result.file, self._run.cwd)
        for item in items(result, trips, lines, self._run):
            self._results.add(sarif_result(item, uri, self._index[item.rule_id]))

    def problems(self, problems: Sequence[Problem]) -> None:
        self._failed = True
        self._notifications += [self._notification(p, "error") for p in problems]

    def warning(self, problem: Problem) -> None:
        self._notifications.append(self._notification(problem, "warning"))

    def _notification(self, problem: Problem, kind: str) -> dict[str, Any]:
        text = f"{problem.key}: {problem.message}" if problem.key else problem.message
        return {"level": kind, "message": {"text": text},
                "locations": [_location(artifact_uri(problem.file, self._run.cwd),
                                        problem.line or 1)],
                "properties": {"code": problem.code}}

    def close(self) -> None:
        self._results.close(self._document(self._notifications))
        self._write("\n")


def sarif_rules(run: Run) -> list[dict[str, Any]]:
    """The reportingDescriptors: the pack's rules in its order, then the difference from the
    recommendation and the gate, which riskcli itself reports."""
    pack = run.pack
    described = []
    for rule in pack.rules:
        effect = f"{rule.effect.factor} {rule.effect.summary()}" if rule.effect else "none"
        descriptor: dict[str, Any] = {
            "id": rule.id,
            "name": _pascal(rule.id),
            "shortDescription": {"text": rule.title},
            "fullDescription": {"text": " ".join(rule.rationale.split())},
            "help": {"text": f"Mitigation (owner: {rule.owner}): "
                             f"{' '.join(rule.mitigation.split())}\nFires when: {rule.when}; "
                             f"effect: {effect}."},
            "defaultConfiguration": {"level": level(pack, rule.severity)},
            "properties": _rule_properties(pack, rule.severity, rule.owner),
        }
        if run.rules_url:
            descriptor["helpUri"] = f"{run.rules_url}#{rule_anchor(rule.id)}"
        described.append(descriptor)
    described.append({
        "id": DIFFERS,
        "name": _pascal(DIFFERS),
        "shortDescription": {"text": "The option under consideration is not the recommended one"},
        "fullDescription": {"text": "The decided option, or the planned one while the decision is "
                                    "proposed, differs from the option riskcli recommends."},
        "help": {"text": f"Choose the recommended option, or record why not: an accepted risk "
                         f"for {DIFFERS} in the decision block, with a reason, an owner and an "
                         f"expiry date."},
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": ["riskcli"]},
    })
    described.append({
        "id": GATE_RULE,
        "name": "Gate",
        "shortDescription": {"text": "The CI gate tripped"},
        "fullDescription": {"text": "The option under consideration reaches the band of "
                                    "--fail-at, differs from the recommendation with "
                                    "--fail-on-differs and no accepted risk covering it, or an "
                                    "accepted risk has expired."},
        "help": {"text": "Lower the exposure of the option under consideration, choose the "
                         "recommended option or record an accepted risk for the difference, or "
                         "renew an expired accepted risk."},
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["riskcli"]},
    })
    return described


def _rule_properties(pack: RulePack, severity: str, owner: str) -> dict[str, Any]:
    score = security_severity(pack, severity)
    properties: dict[str, Any] = {"tags": ["security", severity] if score else [severity],
                                  "owner": owner}
    if score is not None:
        properties["security-severity"] = score
    return properties


def _pascal(rule_id: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", rule_id))


def _location(uri: str, line: int) -> dict[str, Any]:
    artifact: dict[str, Any] = {"uri": uri}
    if not uri.startswith("file:"):
        artifact["uriBaseId"] = "%SRCROOT%"
    return {"physicalLocation": {"artifactLocation": artifact,
                                 "region": {"startLine": max(line, 1)}}}


def sarif_result(item: Item, uri: str, rule_index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": item.rule_id,
        "ruleIndex": rule_index,
        "level": item.level,
        "message": {"text": item.message},
        "locations": [_location(uri, item.line)],
        "partialFingerprints": {FINGERPRINT: fingerprint(uri, item)},
    }
    if item.risks:
        result["suppressions"] = [_suppression(risk, uri, line, live)
                                  for risk, line, live in item.risks]
    return result


def _suppression(risk: AcceptedRisk, uri: str, line: int | None, live: bool) -> dict[str, Any]:
    """An accepted risk, written in the answers file it suppresses a result of (inSource). One
    past its expiry is kept, as rejected: the result is no longer suppressed, and says why."""
    suppression: dict[str, Any] = {
        "kind": "inSource",
        "status": "accepted" if live else "rejected",
        "justification": risk.reason,
        "properties": {"owner": risk.owner, "expires": risk.expires, "expired": not live},
    }
    if line is not None:
        suppression["location"] = _location(uri, line)
    return suppression


class _JsonArray:
    """A JSON document written as `json.dumps(document, indent=2)` writes it, with one array
    (where the document holds MARK) written an item at a time; what follows the array is
    given only at the end, so it may hold what was learnt meanwhile."""

    MARK = "\u0000riskcli items\u0000"

    def __init__(self, write: Write, document: Any):
        self._write = write
        self._count = 0
        head, _ = self._split(document)
        line = head[head.rfind("\n") + 1:]
        self._indent = " " * (len(line) - len(line.lstrip(" ")))
        write(head)

    @classmethod
    def _split(cls, document: Any) -> tuple[str, str]:
        head, tail = _dumps(document).split(_dumps(cls.MARK))
        return head, tail

    def add(self, item: Any) -> None:
        pad = self._indent + "  "
        text = pad + _dumps(item).replace("\n", "\n" + pad)
        self._write(("[\n" if self._count == 0 else ",\n") + text)
        self._count += 1

    def close(self, document: Any) -> None:
        _, tail = self._split(document)
        self._write(("[]" if self._count == 0 else f"\n{self._indent}]") + tail)


def _dumps(value: Any) -> str:
    return json_text(value)  # json.dumps(indent=2)'s text, in 0.6 of the time


class JUnitWriter:
    """JUnit XML: one test case per answers file, failed when its gate trips (each reason in the
    message) and in error when it could not be scored. The totals come first in the document,
    so each file is kept as a few short strings until the end."""

    needs_lines = False

    def __init__(self, run: Run, write: Write):
        self._run, self._write = run, write
        self._cases: list[tuple[str, str | None, str, str]] = []
        """(name, None | 'failure' | 'error', message, body)."""

    def add(self, result: ScoreResult, trips: Sequence[Trip], lines: Lines) -> None:
        name = relative_path(result.file, self._run.cwd)
        option = _considered(result)
        said = (f"{option.mode}: {option.band or 'n/a'}; recommended: "
                f"{result.recommendation.mode}")
        if trips:
            texts = [t.text for t in trips]
            self._cases.append((name, "failure", "; ".join(texts), "\n".join(texts)))
        else:
            self._cases.append((name, None, "", said))

    def problems(self, problems: Sequence[Problem]) -> None:
        if not problems:
            return
        name = relative_path(problems[0].file, self._run.cwd)
        body = "\n".join(str(p) for p in problems)
        first = str(problems[0]).removeprefix(f"{problems[0].file}: ")
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        self._cases.append((name, "error", first + more, body))

    def warning(self, problem: Problem) -> None:
        pass

    def close(self) -> None:
        self._write(junit_document(self._cases))


def junit_document(cases: Sequence[tuple[str, str | None, str, str]]) -> str:
    failures = sum(1 for _, kind, _, _ in cases if kind == "failure")
    errors = sum(1 for _, kind, _, _ in cases if kind == "error")
    totals = f'tests="{len(cases)}" failures="{failures}" errors="{errors}"'
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f'<testsuites name="riskcli" {totals}>',
             f'  <testsuite name="{SUMMARY_TITLE}" {totals} skipped="0">']
    for name, kind, message, body in cases:
        lines.append(f"    <testcase classname=\"riskcli.score\" name={_attr(name)} "
                     f"file={_attr(name)}>")
        if kind is None:
            lines.append(f"      <system-out>{_text(body)}</system-out>")
        else:
            kind_of = "gate" if kind == "failure" else "invalid"
            lines.append(f"      <{kind} type=\"{kind_of}\" message={_attr(message)}>"
                         f"{_text(body)}</{kind}>")
        lines.append("    </testcase>")
    lines += ["  </testsuite>", "</testsuites>", ""]
    return "\n".join(lines)


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 cannot hold at all, even escaped (a file name may have them)."""


def _xml_safe(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", text)


def _attr(text: str) -> str:
    from xml.sax.saxutils import quoteattr  # imports urllib and http: JUnit alone pays for it

    return quoteattr(_xml_safe(text), {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _text(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(_xml_safe(text))


class GithubWriter:
    """GitHub workflow commands, one line each: `::error` for a tripped gate and a finding of
    the pack's top severity, `::warning` for the severities below it and the difference from the
    recommendation, `::notice` for informational findings and for anything an accepted risk
    covers (shown, not hidden). Inputs that cannot be scored are errors, ignored answers
    warnings."""

    needs_lines = True

    def __init__(self, run: Run, write: Write):
        self._run, self._write = run, write

    def add(self, result: ScoreResult, trips: Sequence[Trip], lines: Lines) -> None:
        file = relative_path(result.file, self._run.cwd)
        for item in items(result, trips, lines, self._run):
            command = {"error": "error", "warning": "warning"}.get(item.level, "notice")
            title = "riskcli " + item.rule_id.removeprefix("riskcli/")
            message = item.message
            if item.accepted:
                command, title = "notice", f"{title} (accepted risk)"
                reasons = [risk.reason for risk, _, live in item.risks if live]
                message += ("" if message.endswith((".", "!", "?")) else ".")
                message += " Accepted: " + " ".join(reasons)
            self._write(workflow_command(command, message, file=file, line=item.line,
                                         title=title))

    def problems(self, problems: Sequence[Problem]) -> None:
        for p in problems:
            self._command("error", p, "riskcli: cannot be scored")

    def warning(self, problem: Problem) -> None:
        self._command("warning", problem, "riskcli: answer ignored")

    def _command(self, command: str, problem: Problem, title: str) -> None:
        text = f"{problem.key}: {problem.message}" if problem.key else problem.message
        self._write(workflow_command(command, text,
                                     file=relative_path(problem.file, self._run.cwd),
                                     line=problem.line or 1, title=title))

    def close(self) -> None:
        pass


def workflow_command(command: str, message: str, **properties: Any) -> str:
    """`::command key=value,...::message` and a newline, escaped as the runner unescapes: in the
    message %, CR and LF; in a property value also `:` and `,`, which would end it."""
    props = ",".join(f"{key}={_escape_property(str(value))}" for key, value in properties.items())
    return f"::{command} {props}::{_escape_data(message)}\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


class SummaryWriter:
    """A Markdown table of every file for the job's step summary: the model, the option under
    consideration with its band and interval, the recommendation, whether they differ, and the
    gate; a row per input that could not be scored; the totals below."""

    needs_lines = False

    def __init__(self, run: Run, write: Write):
        from riskcli.markdown import markdown_code, markdown_text

        self._text, self._code = markdown_text, markdown_code
        self._run, self._write = run, write
        self._counts = {"scored": 0, "tripped": 0, "invalid": 0}
        write(f"## {SUMMARY_TITLE}\n\n"
              "| file | model | mode | band | interval | recommendation | differs | gate |\n"
              "| --- | --- | --- | --- | --- | --- | --- | --- |\n")

    def add(self, result: ScoreResult, trips: Sequence[Trip], lines: Lines) -> None:
        self._counts["scored"] += 1
        self._counts["tripped"] += bool(trips)
        self._write(self._row(summary_row(result, trips, self._run)))

    def problems(self, problems: Sequence[Problem]) -> None:
        if not problems:
            return
        self._counts["invalid"] += 1
        first = problems[0]
        said = f"{first.key}: {first.message}" if first.key else first.message
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        cells = [relative_path(first.file, self._run.cwd), "", "", "", "", "", "",
                 f"invalid: {said}{more}"]
        self._write(self._row(cells))

    def warning(self, problem: Problem) -> None:
        pass

    def _row(self, cells: Sequence[str]) -> str:
        """File, mode and recommendation are names, shown as code; the rest is text."""
        shown = [self._code(cell, table=True) if index in (0, 2, 5) and cell
                 else self._text(cell) for index, cell in enumerate(cells)]
        return "| " + " | ".join(shown) + " |\n"

    def close(self) -> None:
        c = self._counts
        self._write(f"\n{c['scored']} scored, {c['tripped']} tripped the gate, "
                    f"{c['invalid']} could not be scored.\n\n")


def summary_row(result: ScoreResult, trips: Sequence[Trip], run: Run) -> list[str]:
    """The cells of a file's row, as plain text (the writer escapes them)."""
    option = _considered(result)
    interval = (percent_range(*option.p_leak_interval) if option.p_leak_interval
                else "n/a (weights public)" if option.weights_public else "n/a")
    if not _differs(result):
        differs = "no"
    elif any(_live(r, run.today) for _, r in _accepted(result, DIFFERS)):
        differs = "yes (accepted risk)"
    else:
        differs = "yes"
    return [
        relative_path(result.file, run.cwd),
        str(result.answers.get(run.pack.keys.model_name, "")),
        option.mode,
        option.band or "n/a",
        interval,
        result.recommendation.mode,
        differs,
        "tripped: " + "; ".join(t.text for t in trips) if trips else "pass",
    ]


FORMATS: dict[str, Callable[[Run, Write], Writer]] = {
    "text": TextWriter, "json": JsonWriter, "sarif": SarifWriter, "junit": JUnitWriter,
    "github": GithubWriter, "summary": SummaryWriter,
}


def writer(kind: str, run: Run, write: Write) -> Writer:
    """The writer of a format by its name (`--format`, or the option naming a file)."""
    return FORMATS[kind](run, write)
