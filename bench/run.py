"""riskcli speed benchmark: each case as whole processes, next to its own baseline, in one run.

    python bench/run.py                 # every case, 5 runs each (about three minutes)
    python bench/run.py --runs 9        # more runs, steadier medians
    python bench/run.py --only score,batch  (cases: score, levers, batch, report, records,
                                              scaling, rules)

Wall-clock times on a shared machine drift, so every case is measured next to a floor run in the
same loop (A, B, A, B, ...) and the table shows medians of whole processes, the ratio and the
target. The floors are what the stack itself costs, so a target can be reached:

- `score` one file: a typer app declaring `score`'s own options (its signature is riskcli's, so
  the two stay in step) and the root options, importing the stack riskcli's score runs on
  (typer, pydantic, PyYAML, Jinja2), parsing the same command line and doing nothing;
- a folder of 2,000 files: files per second in one process (`--jobs 1`), and with `--jobs N`;
- `report` one record: WeasyPrint alone rendering a one-page document (time and peak memory);
- `report` 20 records in one process (`report DIR -o OUTDIR/`): 20 separate `report` runs,
  counted as 20 times the median of one (running them would add minutes for no information).

Inputs are generated in a temporary folder: answers files built from examples/llama-1-2023.yaml
with answers varied at random (seeded, so every run scores the same files) and checked against
the questionnaire. riskcli's content cache (riskcli.cache) lives there too, warmed by the
untimed first run of each command, as it is on a machine that has run riskcli once; the `score`
case shows the run without it beside.

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
RECORDS = 20
SCALES = (100, 1_000, 10_000)
RULE_SCALES = (1_000, 4_000)
"""Generated rule packs: the bundled pack plus this many rules that fire on the LLaMA 1 example."""
NOTES: list[str] = []

TYPER_FLOOR = '''\
"""The least a typer CLI with `riskcli score`'s options costs: the stack imported, the same
command line parsed and checked, nothing done."""
import functools

import jinja2, pydantic, typer, yaml  # noqa: E401, F401  (the stack riskcli's score runs on)

from riskcli.cli.score import score  # its options, exactly as riskcli declares them


@functools.wraps(score)
def nothing(*args, **kwargs):
    pass


app = typer.Typer(name="riskcli", invoke_without_command=True, add_completion=True,
                  pretty_exceptions_enable=False, rich_markup_mode=None)


@app.callback()
def root(version: bool = False, debug: bool = False) -> None:
    pass


app.command("score")(nothing)
app.command("other")(lambda: None)
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
        self.env.pop("RISKCLI_NO_CACHE", None)
        self.env["RISKCLI_CACHE_DIR"] = str(work / "cache")
        self.python = sys.executable
        self.riskcli = _console_script()
        self.one_report: float | None = None
        """The median of one `report` run, once the report case measured it."""

    def measure(self, commands: dict[str, list[str]],
                env: dict[str, dict[str, str]] | None = None) -> dict[str, list[Run]]:
        """Run each command once untimed (warm caches), then `runs` times, interleaved; `env`
        adds variables to some commands' environment."""
        env = env or {}
        for name, command in commands.items():
            self._run(name, command, env.get(name))
        results: dict[str, list[Run]] = {name: [] for name in commands}
        for _ in range(self.runs):
            for name, command in commands.items():
                results[name].append(self._run(name, command, env.get(name)))
        return results

    def _run(self, name: str, command: list[str], extra: dict[str, str] | None = None) -> Run:
        start = time.perf_counter()
        process = subprocess.Popen(command, env={**self.env, **(extra or {})}, cwd=self.work,
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
    one = [*bench.riskcli, "score", str(EXAMPLE)]
    runs = bench.measure({
        "score": one,
        "typer floor": [bench.python, str(floor), "score", str(EXAMPLE)],
        "no cache": one,
    }, env={"no cache": {"RISKCLI_NO_CACHE": "1"}})
    score, floor_s, cold = (median_s(runs[k]) for k in ("score", "typer floor", "no cache"))
    return [
        Row("score one file", ms(score), f"{ms(floor_s)} (typer floor)",
            f"{score / floor_s:.2f}x", "<= 1.25x", score / floor_s <= 1.25),
        Row("  the same, content cache off", ms(cold), f"{ms(floor_s)} (typer floor)",
            f"{cold / floor_s:.2f}x", "(context)", None),
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
    """Files per second of scoring alone: the time past one file's, over the files past one."""
    folder = link_first(files, bench.work / f"batch-{BATCH_FILES}", BATCH_FILES)
    jobs = os.cpu_count() or 1
    runs = bench.measure({
        "one process": [*bench.riskcli, "score", str(folder), "--jobs", "1"],
        "jobs": [*bench.riskcli, "score", str(folder), "--jobs", str(jobs)],
        "one file": [*bench.riskcli, "score", str(files[0])],
    })
    single, parallel, one = (median_s(runs[k]) for k in ("one process", "jobs", "one file"))
    rate = (BATCH_FILES - 1) / max(single - one, 1e-9)
    rate_jobs = (BATCH_FILES - 1) / max(parallel - one, 1e-9)
    return [
        Row(f"score {BATCH_FILES:,} files, one process", ms(single), ms(one) + " (1 file)",
            f"{rate:,.0f} files/s", ">= 2,000 files/s", rate >= 2000),
        Row(f"score {BATCH_FILES:,} files, --jobs {jobs}", ms(parallel), ms(single) + " (--jobs 1)",
            f"{rate_jobs:,.0f} files/s", f"> {rate:,.0f} files/s", jobs > 1 and parallel < single
            if jobs > 1 else None),
    ]


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
    bench.one_report = report
    return [
        Row("report one record (PDF)", ms(report), f"{ms(base)} (WeasyPrint alone)",
            f"{report / base:.2f}x", "<= 2.50x", report / base <= 2.5),
        Row("  its peak memory", f"{peak:,.0f} MB", f"{base_peak:,.0f} MB",
            f"{peak / base_peak:.2f}x", "<= 2.00x", peak / base_peak <= 2.0),
    ]


def case_records(bench: Bench) -> list[Row]:
    """`report` of 20 answers files in one process, against 20 separate `report` runs (20 times
    the median of one, measured by the report case or here)."""
    folder = bench.work / "records-in"
    folder.mkdir(exist_ok=True)
    for index in range(RECORDS):
        target = folder / f"model-{index:02d}.yaml"
        if not target.exists():
            shutil.copyfile(EXAMPLE, target)
    out = bench.work / "records-out"
    jobs = os.cpu_count() or 1
    commands = {
        "one process": [*bench.riskcli, "report", str(folder), "-o", f"{out}/", "--jobs", "1"],
        "jobs": [*bench.riskcli, "report", str(folder), "-o", f"{out}/", "--jobs", str(jobs)],
    }
    if bench.one_report is None:
        commands["one record"] = [*bench.riskcli, "report", str(EXAMPLE), "-o",
                                  str(bench.work / "record.pdf")]
    runs = bench.measure(commands)
    one = bench.one_report if bench.one_report is not None else median_s(runs["one record"])
    separate = RECORDS * one
    single, parallel = median_s(runs["one process"]), median_s(runs["jobs"])
    peak = max(r.peak_mb for r in runs["jobs"])
    return [
        Row(f"report {RECORDS} records, --jobs {jobs}", ms(parallel),
            f"{ms(separate)} ({RECORDS} runs)", f"{separate / parallel:.2f}x faster",
            ">= 3.00x faster", separate / parallel >= 3.0),
        Row(f"  one process (--jobs 1); --jobs {jobs} peak {peak:,.0f} MB", ms(single),
            f"{ms(separate)} ({RECORDS} runs)", f"{separate / single:.2f}x faster", "(context)",
            None),
    ]


def _font_subsetter(bench: Bench) -> str:
    """Which library WeasyPrint subsets fonts with here: the record embeds its bundled fonts
    whole, but WeasyPrint alone (the floor) subsets the system fonts it uses."""
    probe = ("from weasyprint.text.ffi import harfbuzz_subset; import fontTools; "
             "print(bool(harfbuzz_subset), fontTools.version)")
    done = subprocess.run([bench.python, "-c", probe], capture_output=True, text=True,
                          env=bench.env, check=False)
    found = done.stdout.split()
    if len(found) != 2:
        return "note: could not tell which font subsetter WeasyPrint uses"
    subsetter = ("HarfBuzz-Subset (in C)" if found[0] == "True" else
                 f"fontTools {found[1]} (libharfbuzz-subset not found)")
    return (f"note: WeasyPrint subsets fonts with {subsetter}; the record embeds its bundled "
            "fonts whole, so only WeasyPrint alone (the floor) and records that need a system "
            "font pay for it")


def case_scaling(bench: Bench, files: Sequence[Path]) -> list[Row]:
    commands = {"one file": [*bench.riskcli, "score", str(files[0])]}
    for n in SCALES:
        folder = link_first(files, bench.work / f"scale-{n}", n)
        commands[f"{n:,} files"] = [*bench.riskcli, "score", str(folder), "--jobs", "1"]
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


def _machine() -> str:
    """nproc and the CPU model: figures mean little without the machine they came from."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({model})"


def _load() -> str:
    try:
        return "/".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


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


CASES = ("score", "levers", "batch", "report", "records", "scaling", "rules")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command (default 5)")
    parser.add_argument("--only", default=",".join(CASES),
                        help=f"comma-separated cases: {', '.join(CASES)}")
    parser.add_argument("--no-bytecode-cache", action="store_true",
                        help="let child processes run without a bytecode cache")
    parser.add_argument("--keep", type=Path, help="generate inputs here and keep them")
    args = parser.parse_args(argv)
    wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    unknown = wanted - set(CASES)
    if unknown:
        parser.error(f"unknown case(s): {', '.join(sorted(unknown))}")

    load_before = _load()
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
            ("records", lambda: case_records(bench)),
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
                      f"cache, Python {sys.version.split()[0]}\n{_machine()}; load average "
                      f"{load_before} before, {_load()} after")
    for note in NOTES:
        print(note)
    return 0 if all(r.ok is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
