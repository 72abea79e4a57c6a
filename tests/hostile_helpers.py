"""Shared by the hostile-input tests: hostile documents, and running riskcli as a real process.

A crash must be told from a clean refusal, so the helpers check what a user would see: exit code 2,
one line per problem on stderr naming the file, and never a Python traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
HEADER = 'questionnaire: {id: distribution, version: "1.0"}\n'


def billion_laughs(levels: int = 9, fan_out: int = 9, *, inside: str = "answers",
                   key: str = "model_name") -> str:
    """An answers file whose `key` expands to fan_out**levels strings from a few hundred bytes.

    The anchors sit inside `answers` as unknown keys, so the envelope check passes and the value
    reaches the answer checks, which is where an unbounded walk would hurt.
    """
    lines = [HEADER.rstrip("\n"), f"{inside}:"]
    lines.append(f"  lol0: &a0 [{', '.join(['lol'] * fan_out)}]")
    for level in range(1, levels):
        refs = ", ".join([f"*a{level - 1}"] * fan_out)
        lines.append(f"  lol{level}: &a{level} [{refs}]")
    lines.append(f"  {key}: *a{levels - 1}")
    return "\n".join(lines) + "\n"


def assert_clean_refusal(code: int, stderr: str, name: str, *, lines: int | None = 1) -> list[str]:
    """Exit 2, problems that each name the file on one line, no traceback; returns the lines."""
    assert code == 2, f"exit {code}, stderr:\n{stderr}"
    assert "Traceback" not in stderr, stderr
    out = [line for line in stderr.splitlines() if line.strip()]
    assert out, "no problem was printed"
    if lines is not None:
        assert len(out) == lines, out
    assert all(line.startswith(name) for line in out), out
    return out


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_kib: int
    """Peak resident memory of that one process (ru_maxrss of its own rusage)."""


def run_riskcli(*args: str | Path, cwd: Path | None = None, timeout: float = 60) -> Run:
    """`python -m riskcli ARGS` as its own process, timed, with its own peak memory measured.

    The child is reaped with wait4 (not through subprocess) so its rusage is its own, not the
    maximum over every child this test session has started.
    """
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "src")}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "riskcli", *map(str, args)], cwd=cwd,
                                env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        status, usage = _wait(proc, started + timeout)
        seconds = time.perf_counter() - started
        if status is None:
            raise AssertionError(f"riskcli {' '.join(map(str, args))} ran past {timeout} s")
        out.seek(0)
        err.seek(0)
        return Run(os.waitstatus_to_exitcode(status), out.read().decode("utf-8", "replace"),
                   err.read().decode("utf-8", "replace"), seconds, usage.ru_maxrss)


def _wait(proc: subprocess.Popen, deadline: float):
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
            return status, usage
        if time.perf_counter() > deadline:
            proc.kill()
            os.wait4(proc.pid, 0)
            proc.returncode = -9
            return None, None
        time.sleep(0.005)
