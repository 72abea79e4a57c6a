"""riskcli speed benchmark: each case as whole processes, next to its own baseline, in one run.

    python bench/run.py                 # every case, 5 runs each (about three minutes)
    python bench/run.py --runs 9        # more runs, steadier medians
    python bench/run.py --only score,batch  (cases: score, levers, batch, report, scaling, rules)

Wall-clock times on a shared machine drift, so every case is measured as a ratio against a
baseline run in the same loop (A, B, A, B, ...) and the table shows medians. Inputs are generated
in a temporary folder: answers files built from examples/llama-1-2023.yaml with answers varied at
random (seeded, so every run scores the same files) and checked against the questionnaire.

Child processes get a bytecode cache in the temporary folder (PYTHONPYCACHEPREFIX), as an installed
wheel has one: a checkout run with PYTHONDONTWRITEBYTECODE=1 would otherwise recompile riskcli's
modules on every start. `--no-bytecode-cache` measures without it. The console script and the
interpreter are called directly (never through a pyenv or asdf shim, which adds its own start-up).

Exit status: 0 when every case meets its target, 1 otherwise. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "llama-1-2023.yaml"
BATCH_FILES = 2_000
SCALES = (100, 1_000, 10_000)
RULE_SCALES = (1_000, 4_000)
"""Generated rule packs: the bundled pack plus this many rules that fire on the LLaMA 1 example."""
BASELINE_IMPORTS = "import typer, pydantic, yaml, jinja2"
NOTES: list[str] = []

TYPER_FLOOR = '''\
"""The least a typer CLI with `score`'s parameters costs: parse, coerce, print, nothing else."""
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer, pydantic, yaml, jinja2  # noqa: E401, F401  (what the baseline imports)


class Fmt(str, Enum):
    text = "text"
    json = "json"


app = typer.Typer(add_completion=True, pretty_exceptions_enable=False, rich_markup_mode=None)


@app.callback()
def root(debug: bool = False) -> None:
    pass


@app.command()
def score(paths: Annotated[list[Path], typer.Argument()], output: Fmt = Fmt.text,
          questionnaire: Path | None = None, rules: Path | None = None) -> None:
    print(paths, output)


@app.command()
def other() -> None:
    pass


app()
'''

WEASYPRINT_ALONE = '''\
"""WeasyPrint alone: import it and render a one-page HTML document to PDF."""
import sys

import weasyprint

PARAGRAPH = ("Gated distribution holds only while the artifact is hard to copy or the population "
             "that holds it is small enough that leaking carries a real social cost. ") * 4
html = ("<html><head><style>@page { size: A4; margin: 2cm } body { font-family: sans-serif; "
        "font-size: 10pt } table { border-collapse: collapse } td { border: 1px solid #999; "
        "padding: 2pt 4pt }</style></head><body><h1>Decision record</h1>"
        + "".join(f"<h2>Section {i}</h2><p>{PARAGRAPH}</p>" for i in range(1, 5))
        + "<table>" + "".join(f"<tr><td>row {i}</td><td>{i * 7} days</td></tr>" for i in range(8))
        + "</table></body></html>")
weasyprint.HTML(string=html).write_pdf(sys.argv[1])
'''


@dataclass
class Run:
    seconds: float
    peak_mb: float


@dataclass
class Row:
    case: str
    median: str
    baseline: str
    ratio: str
    target: str
    ok: bool | None  # None: shown for context, judged by nothing

    @property
    def verdict(self) -> str:
        return {True: "pass", False: "FAIL", None: "info"}[self.ok]


class Bench:
    def __init__(self, work: Path, runs: int, bytecode_cache: bool):
        self.work = work
        self.runs = runs
        self.env = dict(os.environ)
        if bytecode_cache:
            self.env.pop("PYTHONDONTWRITEBYTECODE", None)
            self.env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        self.env.pop("RISKCLI_PROGRESS", None)
        self.python = sys.executable
        self.riskcli = _console_script()

    def measure(self, commands: dict[str, list[str]]) -> dict[str, list[Run]]:
        """Run each command once untimed (warm caches), then `runs` times, interleaved."""
        for name, command in commands.items():
            self._run(name, command)
        results: dict[str, list[Run]] = {name: [] for name in commands}
        for _ in range(self.runs):
            for name, command in commands.items():
                results[name].append(self._run(name, command))
        return results

    def _run(self, name: str, command: list[str]) -> Run:
        start = time.perf_counter()
        process = subprocess.Popen(command, env=self.env, cwd=self.work,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        assert process.stderr is not None
        err = process.stderr.read()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            sys.exit(f"bench: {name} failed (exit {process.returncode}): {' '.join(command)}\n"
                     + err.decode(errors="replace")[-2000:])
        return Run(seconds, _rss_mb(usage.ru_maxrss))


def _console_script() -> list[str]:
    """riskcli next to this interpreter (not a shim on PATH); `python -m riskcli` failing that."""
    found = shutil.which("riskcli", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "riskcli"]


def _rss_mb(maxrss: int) -> float:
    return maxrss / (1024 * 1024) if sys.platform == "darwin" else maxrss / 1024


def median_s(runs: Sequence[Run]) -> float:
    return statistics.median(r.seconds for r in runs)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


# --- inputs -----------------------------------------------------------------------------------

def generate_answers(folder: Path, count: int, seed: int = 7) -> list[Path]:
    """`count` valid answers files, each the LLaMA 1 example with most answers drawn at random."""
    from riskcli.answers import answers_document, resolve
    from riskcli.scoring import load_engine
    from riskcli.walk import prune
    from riskcli.yamlio import dump_yaml, load_yaml

    questionnaire = load_engine().questionnaire
    base = load_yaml(EXAMPLE).data["answers"]
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        given = dict(base)
        for question in questionnaire.questions:
            drawn = _draw(question, rng)
            if drawn is not None:
                given[question.id] = drawn
        given["model_name"] = f"Model {index:05d}"
        values, problems = resolve(prune(questionnaire, given), questionnaire)
        if problems:
            raise SystemExit(f"bench: generated answers are invalid: {problems[0]}")
        path = folder / f"answers-{index:05d}.yaml"
        path.write_text(dump_yaml(answers_document(questionnaire, values)), encoding="utf-8")
        paths.append(path)
    return paths


def _draw(question, rng: random.Random):
    kind = question.type
    if kind == "choice":
        return rng.choice(question.choice_values)
    if kind == "multi_choice":
        plain = [c.value for c in question.choices if not c.exclusive]
        picked = rng.sample(plain, rng.randint(0, len(plain)))
        exclusive = [c.value for c in question.choices if c.exclusive]
        return picked or exclusive[:1] or plain[:1]
    if kind == "bool":
        return rng.random() < 0.5
    if kind in ("int", "float"):
        low = max(question.min or 0, 0)
        high = min(question.max if question.max is not None else 100_000, 100_000)
        value = math.exp(rng.uniform(math.log(max(low, 1)), math.log(max(high, 2))))
        if kind == "int":
            value = max(int(value), int(low) + (1 if question.min_exclusive else 0))
            return min(value, int(high))
        return round(max(value, low + 0.5), 1)
    return None  # text and dates: keep the example's


def generate_rules(path: Path, count: int) -> Path:
    """The bundled pack plus `count` rules that all fire on the LLaMA 1 example, each with a
    multiplier of x0.999 or x1.001 spread over every factor (within the pack's hazard range)
    and its own mitigation: what a pack written by a generator, or an attacker, looks like."""
    import yaml

    data = yaml.safe_load((ROOT / "rules" / "llama-pattern.yaml").read_text("utf-8"))
    factors = [factor["id"] for factor in data["model"]["factors"]]
    data["rules"] += [
        {"id": f"generated-{index}", "title": f"Generated rule {index}",
         "when": "vetting != 'identity_verified_contract'" if index % 2 else True,
         "effect": {"factor": factors[index % len(factors)],
                    "multiply": 1.001 if index % 2 else 0.999},
         "severity": "low", "rationale": f"Generated {index}.",
         "mitigation": f"Mitigation {index}.", "owner": "AI Engineer"}
        for index in range(count)]
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def link_first(source: Sequence[Path], folder: Path, count: int) -> Path:
    """A folder holding the first `count` generated files (hard links: no copying)."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in source[:count]:
        target = folder / path.name
        try:
            os.link(path, target)
        except OSError:
            shutil.copyfile(path, target)
    return folder


# --- cases ------------------------------------------------------------------------------------

def case_score(bench: Bench) -> list[Row]:
    floor = bench.work / "typer_floor.py"
    floor.write_text(TYPER_FLOOR, encoding="utf-8")
    runs = bench.measure({
        "score": [*bench.riskcli, "score", str(EXAMPLE)],
        "baseline": [bench.python, "-c", BASELINE_IMPORTS],
        "typer floor": [bench.python, str(floor), "score", str(EXAMPLE)],
    })
    score, base, floor_s = (median_s(runs[k]) for k in ("score", "baseline", "typer floor"))
    return [
        Row("score one file (start-up)", ms(score), ms(base), f"{score / base:.2f}x",
            "<= 1.30x", score / base <= 1.30),
        Row("  floor: typer app, same options, no work", ms(floor_s), ms(base),
            f"{floor_s / base:.2f}x", "(context)", None),
    ]


def case_levers(bench: Bench) -> list[Row]:
    """`riskcli levers` on LLaMA 1 against `score` on it: the difference is the levers' own work
    (every alternative scored, the break-even bisections, the path search)."""
    runs = bench.measure({
        "levers": [*bench.riskcli, "levers", str(EXAMPLE), "--target", "high"],
        "score": [*bench.riskcli, "score", str(EXAMPLE)],
    })
    levers, score = median_s(runs["levers"]), median_s(runs["score"])
    work = max(levers - score, 0.0)
    return [Row("levers one file: work after start-up", ms(work), f"{ms(score)} (score)",
                f"{levers / score:.2f}x", "< 100 ms", work < 0.100)]


def case_batch(bench: Bench, files: Sequence[Path]) -> list[Row]:
    folder = link_first(files, bench.work / f"batch-{BATCH_FILES}", BATCH_FILES)
    runs = bench.measure({
        "batch": [*bench.riskcli, "score", str(folder)],
        "one file": [*bench.riskcli, "score", str(files[0])],
    })
    batch, one = median_s(runs["batch"]), median_s(runs["one file"])
    rate = (BATCH_FILES - 1) / max(batch - one, 1e-9)
    return [Row(f"batch {BATCH_FILES:,} files", ms(batch), ms(one) + " (1 file)",
                f"{rate:,.0f} files/s", ">= 1,000 files/s", rate >= 1000)]


def case_report(bench: Bench) -> list[Row]:
    alone = bench.work / "weasyprint_alone.py"
    alone.write_text(WEASYPRINT_ALONE, encoding="utf-8")
    runs = bench.measure({
        "report": [*bench.riskcli, "report", str(EXAMPLE), "-o", str(bench.work / "record.pdf")],
        "weasyprint": [bench.python, str(alone), str(bench.work / "one-page.pdf")],
    })
    report, base = median_s(runs["report"]), median_s(runs["weasyprint"])
    NOTES.append(_font_subsetter(bench))
    peak = max(r.peak_mb for r in runs["report"])
    base_peak = max(r.peak_mb for r in runs["weasyprint"])
    return [
        Row("report PDF (wall)", ms(report), "", "", "<= 2,500 ms", report <= 2.5),
        Row("report PDF vs WeasyPrint alone", ms(report), ms(base), f"{report / base:.2f}x",
            "<= 2.00x", report / base <= 2.0),
        Row("report PDF peak memory", f"{peak:,.0f} MB", f"{base_peak:,.0f} MB", "", "< 250 MB",
            peak < 250),
    ]


def _font_subsetter(bench: Bench) -> str:
    """Which library WeasyPrint subsets fonts with here: it decides much of a PDF's time."""
    probe = ("from weasyprint.text.ffi import harfbuzz_subset; import fontTools; "
             "print(bool(harfbuzz_subset), fontTools.version)")
    done = subprocess.run([bench.python, "-c", probe], capture_output=True, text=True,
                          env=bench.env, check=False)
    found = done.stdout.split()
    if len(found) != 2:
        return "note: could not tell which font subsetter WeasyPrint uses"
    if found[0] == "True":
        return "note: WeasyPrint subsets fonts with HarfBuzz-Subset (fast, in C)"
    return (f"note: WeasyPrint subsets fonts with fontTools {found[1]} (libharfbuzz-subset not "
            "found); with it, writing the record's PDF takes about a third of the time")


def case_scaling(bench: Bench, files: Sequence[Path]) -> list[Row]:
    commands = {"one file": [*bench.riskcli, "score", str(files[0])]}
    for n in SCALES:
        folder = link_first(files, bench.work / f"scale-{n}", n)
        commands[f"{n:,} files"] = [*bench.riskcli, "score", str(folder)]
    runs = bench.measure(commands)
    one = median_s(runs["one file"])
    times = {n: median_s(runs[f"{n:,} files"]) for n in SCALES}
    rows = []
    for n in SCALES:
        per_file = (times[n] - one) / (n - 1)
        rows.append(Row(f"scaling {n:,} files", ms(times[n]), ms(one) + " (1 file)",
                        f"{per_file * 1000:.3f} ms/file", "", None))
    small, mid, large = SCALES
    early = (times[mid] - times[small]) / (mid - small)
    late = (times[large] - times[mid]) / (large - mid)
    rows.append(Row("scaling is linear", f"{late * 1000:.3f} ms/file",
                    f"{early * 1000:.3f} ms/file", f"{late / early:.2f}x",
                    "0.67x - 1.50x", 0.67 <= late / early <= 1.5))
    return rows


def case_rules(bench: Bench) -> list[Row]:
    """`score` and `levers` on LLaMA 1 with generated packs of 1,000 and 4,000 more rules.

    Each fired rule's 'lambda had it not fired' once scanned every fired rule, so the work grew
    with the square of the rules: with 4,000, 0.55 s of CPU to score a file and 13 s for levers
    (each of its dozens of alternatives paid it); 0.25 s and 2.2 s after. The ratio is the work
    per rule at 4,000 against at 1,000 (each less the bundled pack's time): about 1 when the
    work grows linearly with the rules, about 4 when it grows with their square."""
    small, large = RULE_SCALES
    packs = {n: generate_rules(bench.work / f"rules-{n}.yaml", n) for n in RULE_SCALES}
    commands = {"bundled": [*bench.riskcli, "score", str(EXAMPLE)]}
    for n, pack in packs.items():
        commands[f"score {n}"] = [*bench.riskcli, "score", str(EXAMPLE), "--rules", str(pack)]
        commands[f"levers {n}"] = [*bench.riskcli, "levers", str(EXAMPLE), "--rules", str(pack)]
    runs = bench.measure(commands)
    bundled = median_s(runs["bundled"])
    rows = []
    for kind in ("score", "levers"):
        at = {n: median_s(runs[f"{kind} {n}"]) for n in RULE_SCALES}
        peak = max(r.peak_mb for r in runs[f"{kind} {large}"])
        per_rule = {n: max(at[n] - bundled, 1e-9) / n for n in RULE_SCALES}
        ratio = per_rule[large] / per_rule[small]
        rows.append(Row(f"{kind} with {large:,} more rules (peak {peak:,.0f} MB)", ms(at[large]),
                        f"{ms(at[small])} ({small:,})", f"{ratio:.2f}x per rule",
                        "<= 2.00x per rule", ratio <= 2.0))
    return rows


def print_table(rows: Sequence[Row], header: str) -> None:
    columns = ("case", "median", "baseline", "ratio", "target", "result")
    cells = [columns] + [(r.case, r.median, r.baseline, r.ratio, r.target, r.verdict)
                         for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    print(header)
    for index, row in enumerate(cells):
        padded = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(padded).rstrip())
        if index == 0:
            print("  ".join("-" * width for width in widths))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command (default 5)")
    parser.add_argument("--only", default="score,levers,batch,report,scaling,rules",
                        help="comma-separated cases: score, levers, batch, report, scaling, "
                             "rules")
    parser.add_argument("--no-bytecode-cache", action="store_true",
                        help="let child processes run without a bytecode cache")
    parser.add_argument("--keep", type=Path, help="generate inputs here and keep them")
    args = parser.parse_args(argv)
    wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    unknown = wanted - {"score", "levers", "batch", "report", "scaling", "rules"}
    if unknown:
        parser.error(f"unknown case(s): {', '.join(sorted(unknown))}")

    with tempfile.TemporaryDirectory(prefix="riskcli-bench-") as temp:
        work = args.keep or Path(temp)
        work.mkdir(parents=True, exist_ok=True)
        bench = Bench(work, max(args.runs, 1), not args.no_bytecode_cache)
        need = max([BATCH_FILES] * ("batch" in wanted) + [max(SCALES)] * ("scaling" in wanted)
                   + [0])
        files = generate_answers(work / "answers", need) if need else []
        steps: list[tuple[str, Callable[[], list[Row]]]] = [
            ("score", lambda: case_score(bench)),
            ("levers", lambda: case_levers(bench)),
            ("batch", lambda: case_batch(bench, files)),
            ("report", lambda: case_report(bench)),
            ("scaling", lambda: case_scaling(bench, files)),
            ("rules", lambda: case_rules(bench)),
        ]
        rows: list[Row] = []
        for name, step in steps:
            if name in wanted:
                print(f"bench: {name} ...", file=sys.stderr, flush=True)
                rows += step()
    cache = "without" if args.no_bytecode_cache else "with"
    print_table(rows, f"riskcli bench: median of {bench.runs} runs per command, {cache} a bytecode "
                      f"cache, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    for note in NOTES:
        print(note)
    return 0 if all(r.ok is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
