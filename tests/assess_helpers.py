"""What a lead types at `riskcli assess`, shared by the scripted and the pseudo-terminal tests."""

from __future__ import annotations

from typing import Any


def typed(value: Any) -> str:
    """The keystrokes that answer a question with `value` (y/n, comma lists, plain text)."""
    if isinstance(value, bool):
        return "y" if value else "n"
    if isinstance(value, list):
        return ",".join(value)
    return str(value)
