"""A one-line progress bar on stderr for long work, shown only to a person watching a terminal.

Scoring a folder of thousands of files or rendering a PDF record takes seconds; a lead at a
terminal should see that something is happening. Everyone else must see nothing: in CI logs, pipes
and redirected output (stderr not a TTY) the bar is never drawn, so logs hold no carriage returns
and stdout is never touched. On a terminal the bar is redrawn at most every `INTERVAL` seconds and
erased when the work ends, so what remains on screen is exactly what a run without it prints.
Plain text on purpose: the score path never imports rich.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

INTERVAL = 0.1
"""Seconds between redraws: often enough to look alive, rare enough to cost nothing."""

MIN_FILES = 50
"""Scoring fewer files than this takes a blink; no bar for it."""

BAR_WIDTH = 24


class Progress:
    """Counts work done out of `total` and draws `label  [####----]  done/total unit`.

    Use as a context manager; `update(done)` is cheap enough to call for every item. Work made of
    a few named stages calls `stage(name)` as each begins instead: `label: name  [##--]  1/3`.
    `total` 0 means unknown: the line then shows the label alone.
    """

    def __init__(self, label: str, total: int = 0, unit: str = "", *,
                 stream: TextIO | None = None, enabled: bool | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.label = label
        self.total = total
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = _is_terminal(self.stream) if enabled is None else enabled
        self._clock = clock
        self._drawn_at: float | None = None
        self._width = 0
        self.done = 0
        self.note = ""
        self._stages_begun = 0

    def __enter__(self) -> Progress:
        self._draw()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def update(self, done: int) -> None:
        self.done = done
        if not self.enabled:
            return
        now = self._clock()
        if self._drawn_at is None or now - self._drawn_at >= INTERVAL or done == self.total:
            self._draw(now)

    def stage(self, name: str) -> None:
        """A named stage begins; the stages before it are done."""
        self.note = name
        self.done = self._stages_begun
        self._stages_begun += 1
        self._draw()

    def close(self) -> None:
        """Erase the line, leaving the terminal as it was."""
        if self.enabled and self._width:
            self._write("\r" + " " * self._width + "\r")
            self._width = 0

    def line(self) -> str:
        label = f"{self.label}: {self.note}" if self.note else self.label
        if not self.total:
            return f"{label} ..."
        filled = BAR_WIDTH * min(self.done, self.total) // self.total
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        unit = f" {self.unit}" if self.unit else ""
        return f"{label}  [{bar}]  {self.done:,}/{self.total:,}{unit}"

    def _draw(self, now: float | None = None) -> None:
        if not self.enabled:
            return
        now = self._clock() if now is None else now
        text = self.line()
        padding = " " * max(self._width - len(text), 0)
        self._write("\r" + text + padding)
        self._width = len(text)
        self._drawn_at = now

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            self.enabled = False  # a closed or broken terminal is no reason to fail the work


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def for_files(count: int, label: str = "scoring") -> Progress:
    """The bar for a batch of answers files: only for enough files to take a while."""
    return Progress(label, count, "files", enabled=None if count >= MIN_FILES else False)
