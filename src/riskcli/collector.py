"""When CPython's cyclic garbage collector may run.

The collector walks the young objects again every 700 allocations, looking for reference cycles.
riskcli's heavy work makes few or none while it runs: importing its modules and loading the engine
adds about 9,000 objects that live as long as the process, scoring a file frees everything it
allocates by reference counting, and a PDF render leaves its cycles behind only once it is done.
Walking them while they are being made frees nothing, so that work runs with the collector
paused, and whoever pauses it says when the garbage is collected.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused(*, collect_after: bool = False) -> Iterator[None]:
    """No automatic collection inside; `collect_after`, one collection of the youngest
    generation on the way out (what the work allocated is all still there).

    Inside an outer pause this changes nothing: the outer one says when to collect. Also a
    decorator, which pauses the collector for each call of the function."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        if collect_after:
            gc.collect(0)
