"""Typed errors. Each carries where (file, key) and what was expected, so the CLI, and only the CLI,
can turn it into one readable line and exit code 2."""

from __future__ import annotations

from dataclasses import dataclass

from riskcli.terminal import safe


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input: the unit every validator reports in."""

    file: str
    key: str
    message: str
    line: int | None = None
    code: str = "invalid"
    """Stable kind of problem, for callers and machine formats, so nobody has to recognise a
    problem by the shape of its text: `missing`, `type` (a value that does not fit),
    `not-applicable`, `unknown-key`, `reference` (content naming something that does not exist),
    `yaml`, `io`, `model` (a figure the model cannot compute), `invalid` (anything else)."""

    def __str__(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        key = f" {_shorten(self.key)}:" if self.key else ""
        # Keys and values come from the file: unescaped, a key holding a newline would split one
        # problem over two lines, and one holding ESC [2J would clear the reader's terminal.
        return safe(f"{self.file}:{key} {self.message}{where}")


_KEY_CHARS = 80
"""A key is a question id or a short path; a longer one is someone's pasted text."""


def _shorten(key: str) -> str:
    return key if len(key) <= _KEY_CHARS else key[: _KEY_CHARS - 3] + "..."


class RiskcliError(Exception):
    """Base of every error the CLI reports as input trouble (exit 2)."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class InputFileError(RiskcliError):
    """A file could not be read or parsed as YAML at all."""


class OutputFileError(RiskcliError):
    """A file cannot be written where -o points."""


class QuestionnaireError(RiskcliError):
    """A questionnaire definition is malformed."""


class AnswersError(RiskcliError):
    """An answers file does not fit its questionnaire."""


class RulesError(RiskcliError):
    """A rule pack is malformed or does not fit the questionnaire."""


class TemplateError(RiskcliError):
    """A report template set is missing or broken."""


class ModelError(Exception):
    """The exposure model cannot produce a figure for these answers; the scorer adds the file."""


class ConditionError(Exception):
    """A condition is unsafe or names something unknown; the loader wraps it with file and key."""
