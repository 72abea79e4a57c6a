"""Shared by the hostile-input tests: hostile documents, and running riskcli as a real process.

A crash must be told from a clean refusal, so the helpers check what a user would see: exit code 2,
one line per problem on stderr naming the file, and never a Python traceback.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
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


_MEASURE = """
import json, os, resource, subprocess, sys, time
report, limit, args = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
def cap():
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
started = time.perf_counter()
child = subprocess.Popen(args, preexec_fn=cap)
_, status, usage = os.wait4(child.pid, 0)
child.returncode = os.waitstatus_to_exitcode(status)
with open(report, "w") as out:
    json.dump({"code": child.returncode, "seconds": time.perf_counter() - started,
               "peak_kib": usage.ru_maxrss}, out)
"""
ADDRESS_SPACE_CAP = 2 * 1024**3
"""A runaway process fails at 2 GiB of address space instead of taking the machine down."""


def run_riskcli(*args: str | Path, cwd: Path | None = None, timeout: float = 60) -> Run:
    """`python -m riskcli ARGS` as its own process, timed, with its own peak memory measured.

    A small wrapper process starts riskcli and reaps it with wait4: a child forked straight from
    pytest would report pytest's own resident size as its peak (Linux keeps the high-water mark
    across exec), hiding what riskcli itself used.
    """
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "src")}
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "usage.json"
        command = [sys.executable, "-c", _MEASURE, str(report), str(ADDRESS_SPACE_CAP),
                   sys.executable, "-m", "riskcli", *map(str, args)]
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the wrapper and riskcli under it
            proc.communicate()
            command_line = " ".join(map(str, args))
            raise AssertionError(f"riskcli {command_line} ran past {timeout} s") from None
        usage = json.loads(report.read_text())
    return Run(usage["code"], out.decode("utf-8", "replace"), err.decode("utf-8", "replace"),
               usage["seconds"], usage["peak_kib"])
