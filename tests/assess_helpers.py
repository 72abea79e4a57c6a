"""What a lead types at `riskcli assess`, shared by the scripted and the pseudo-terminal tests,
and the one way those tests start riskcli as a process of its own."""

from __future__ import annotations

import io
import signal
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from riskcli.questionnaire import Question, Questionnaire
from riskcli.values import coerce
from riskcli.walk import prune


def typed(value: Any) -> str:
    """The keystrokes that answer a question with `value` (y/n, comma lists, plain text)."""
    if isinstance(value, bool):
        return "y" if value else "n"
    if isinstance(value, list):
        return ",".join(value)
    if isinstance(value, Mapping):  # an estimate {low, high}, typed as a range
        return f"{value['low']}-{value['high']}"
    return str(value)


def asked(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> list[Question]:
    """The questions a lead giving these answers is asked, in order: the walk's own `prune`."""
    values = {key: coerce(questionnaire.by_id[key], value) for key, value in answers.items()}
    return [questionnaire.by_id[key] for key in prune(questionnaire, values)]


TIMEOUT = 20
"""Seconds a pseudo-terminal test waits for riskcli to print what it expects."""


def default_sigint() -> None:
    """Run in a child before it starts: Ctrl-C stops it however pytest was started.

    A process started under `nohup` or `cmd &` ignores SIGINT, and its children inherit that;
    Python then installs no KeyboardInterrupt handler and a Ctrl-C sent to riskcli does nothing.
    Pass this as `preexec_fn` to every spawn or Popen whose test sends Ctrl-C.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def spawn_riskcli(*args: str, cwd: Path, env: Mapping[str, str],
                  codec_errors: str = "strict") -> Any:
    """`python -m riskcli ARGS` in a pseudo-terminal, as a lead at a terminal runs it.

    The child gets the default SIGINT handler (`default_sigint`), a 200-column screen, and a
    `logfile_read` holding everything it printed, for assertions about what the lead saw.
    `codec_errors="replace"` reads a screen that echoes bytes which are not UTF-8.
    """
    import pexpect  # the test extra

    # COLUMNS and LINES override the screen's size for rich; pytest-xdist workers inherit a
    # COLUMNS, which wrapped prompts at 80 columns under `-n auto` only.
    screen_env = {k: v for k, v in env.items() if k not in ("COLUMNS", "LINES")}
    child = pexpect.spawn(sys.executable, ["-m", "riskcli", *args], cwd=cwd, env=screen_env,
                          encoding="utf-8", codec_errors=codec_errors, timeout=TIMEOUT,
                          dimensions=(50, 200),
                          preexec_fn=default_sigint)
    child.logfile_read = io.StringIO()
    return child
