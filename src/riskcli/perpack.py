"""What scoring works out once per rule pack and reuses for every answers file it scores.

A folder of answers files is scored against one pack, and much of each result is the same for
every file: an option's obligations, a rule's mitigation and finding, the answers a rule reads.
Those are built once per pack (held here while the pack lives) instead of once per file. What is
kept must be immutable (frozen `results.Value` models, tuples, frozensets): a result is handed to
callers, and a list shared between two results would let one change the other.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_KEPT: dict[tuple[int, Callable[[Any], Any]], Any] = {}
"""(id of the pack, builder) -> what the builder made of it, dropped when the pack is: an id is
only reused after its object is gone."""


def per_pack(pack: Any, build: Callable[[Any], T]) -> T:
    """`build(pack)`, made on the first call for this pack (or part of one: a source) and kept
    while it lives. A pack is a pydantic model with lists inside, so it cannot be a dictionary
    key itself."""
    key = (id(pack), build)
    try:
        return _KEPT[key]
    except KeyError:
        pass
    made = build(pack)
    _KEPT[key] = made
    weakref.finalize(pack, _KEPT.pop, key, None)
    return made
