"""Many answers files at once: folders expanded in a stable order, errors never stop the batch,
and large batches spread over the machine's cores without changing a byte of what is printed."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from riskcli.collector import collector_paused
from riskcli.errors import Problem, RiskcliError
from riskcli.inputs import expand_paths as expand_paths  # the walk, kept importable here
from riskcli.results import ScoreResult
from riskcli.scoring import Engine, Warn, score_file

COLLECT_EVERY = 64
"""Files between collections of the youngest generation while the collector is paused (see
`riskcli.collector`). Scoring a file makes no reference cycles, but what the results are written
with does (json's indenting encoder is made of closures that refer to each other, a few per
document or SARIF result): collected this often, memory stays flat (a SARIF log of 4,000 files
took 210 MB without it) for a hundredth of what the collector would cost left running."""
PARALLEL_FROM = 200
"""Fewer files than this are scored in one process whatever --jobs says: starting workers and
sending results back costs more than a small batch takes."""
CHUNK = 32
"""Files a worker scores per task: large enough that handing out tasks costs little, small
enough that results stream back in order while the rest are scored."""


def default_jobs() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def score_each(engine: Engine, files: Sequence[Path], on_result: Callable[[ScoreResult], None],
               progress: Callable[[int], None] | None = None, *,
               sets: Mapping[str, Any] | None = None, strict: bool = False,
               warn: Warn | None = None,
               on_problems: Callable[[list[Problem]], None] | None = None,
               jobs: int | None = 1) -> list[Problem]:
    """Score files in order, handing each result to `on_result` as it is made; return problems.

    `progress`, when given, hears how many files are done after each one; `on_problems` hears
    each file's problems when it cannot be scored, in the same order, so a streamed output can
    place the file where it came; `sets`, `strict` and `warn` are as `scoring.score_file` takes
    them. `jobs` (None: every core) processes score a batch of PARALLEL_FROM files or more; the
    callbacks still hear every file in order, from this process, so nothing they write differs.
    """
    workers = min(default_jobs() if jobs is None else max(jobs, 1), len(files) // CHUNK + 1)
    if workers > 1 and len(files) >= PARALLEL_FROM:
        outcomes = _in_workers(engine, files, sets, strict, workers)
    else:
        outcomes = (_score_one(engine, path, sets, strict) for path in files)
    problems: list[Problem] = []
    with collector_paused():
        for done, outcome in enumerate(outcomes, 1):
            if warn is not None:
                for warning in outcome.warnings:
                    warn(warning)
            if outcome.result is None:
                problems.extend(outcome.problems)
                if on_problems is not None:
                    on_problems(outcome.problems)
            else:
                on_result(outcome.result)
            if progress is not None:
                progress(done)
            if done % COLLECT_EVERY == 0:
                gc.collect(0)
    return problems


class _Outcome(NamedTuple):
    """One file scored: its result or its problems, and the warnings met on the way."""

    result: ScoreResult | None
    problems: list[Problem]
    warnings: list[Problem]


def _score_one(engine: Engine, path: Path, sets: Mapping[str, Any] | None,
               strict: bool) -> _Outcome:
    warnings: list[Problem] = []
    try:
        result = score_file(engine, path, sets=sets, strict=strict, warn=warnings.append)
    except RiskcliError as exc:
        return _Outcome(None, exc.problems, warnings)
    return _Outcome(result, [], warnings)


def _in_workers(engine: Engine, files: Sequence[Path], sets: Mapping[str, Any] | None,
                strict: bool, workers: int) -> Iterator[_Outcome]:
    """Outcomes in file order, scored by `workers` processes a CHUNK of files at a time.

    Forked where the platform allows it (the workers share the loaded engine, nothing is sent
    but paths and results); elsewhere each worker gets the engine once, pickled, which
    `riskcli.cache` makes cheap to rebuild.
    """
    context = _context()
    chunks = [list(files[start:start + CHUNK]) for start in range(0, len(files), CHUNK)]
    with context.Pool(workers, initializer=_start_worker,
                      initargs=(engine, dict(sets) if sets else None, strict)) as pool:
        for outcomes in pool.imap(_score_chunk, chunks):
            yield from outcomes


_worker: dict[str, Any] = {}


def _start_worker(engine: Engine, sets: dict[str, Any] | None, strict: bool) -> None:
    """Ctrl-C is the parent's to handle: it stops the pool, and no worker prints a traceback."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.disable()  # scoring makes no cycles; the worker collects its youngest objects per chunk
    _worker.update(engine=engine, sets=sets, strict=strict)


def _score_chunk(paths: list[Path]) -> list[_Outcome]:
    engine, sets, strict = _worker["engine"], _worker["sets"], _worker["strict"]
    outcomes = [_score_one(engine, path, sets, strict) for path in paths]
    gc.collect(0)
    return outcomes


class Rendered(NamedTuple):
    """One record: written to `out`, or the problems that stopped it; warnings either way."""

    answers: Path
    out: Path
    problems: list[Problem]
    warnings: list[Problem]


def render_each(pairs: Sequence[tuple[Path, Path]], render_one: Callable[..., None],
                jobs: int | None = None) -> Iterator[Rendered]:
    """Records for (answers file, output file) pairs, in order, `jobs` (None: every core) at a
    time in worker processes that share this one's loaded engine, templates and WeasyPrint.

    `render_one(answers, out, warn)` does one record; it must be a module-level function, so a
    worker that is spawned rather than forked can find it. A record that fails is one
    `Rendered` with its problems; the rest are still rendered.
    """
    workers = min(default_jobs() if jobs is None else max(jobs, 1), len(pairs))
    if workers <= 1:
        yield from (_render_one(render_one, pair) for pair in pairs)
        return
    context = _context()
    with context.Pool(workers, initializer=_start_renderer, initargs=(render_one,)) as pool:
        yield from pool.imap(_render_in_worker, pairs)


def _render_one(render_one: Callable[..., None], pair: tuple[Path, Path]) -> Rendered:
    answers, out = pair
    warnings: list[Problem] = []
    try:
        render_one(answers, out, warnings.append)
    except RiskcliError as exc:
        return Rendered(answers, out, exc.problems, warnings)
    return Rendered(answers, out, [], warnings)


def _start_renderer(render_one: Callable[..., None]) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker.update(render_one=render_one)


def _render_in_worker(pair: tuple[Path, Path]) -> Rendered:
    return _render_one(_worker["render_one"], pair)


def _context() -> Any:
    """Fork where it is safe (Linux): workers start with everything this process loaded."""
    import multiprocessing

    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
