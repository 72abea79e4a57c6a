"""Score results for people (text) and machines (JSON). Formatters only read ScoreResults."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence

from riskcli.exposure import median_days
from riskcli.options import days_text, percent
from riskcli.results import ScoreResult

TOP_CONTRIBUTIONS = 3
WIDTH = 96


def text_summary(result: ScoreResult) -> str:
    """The compact block a lead reads: band, odds, recommendation, what drives the number."""
    e, r = result.exposure, result.recommendation
    lines = [
        f"{result.file}: {result.answers.get('model_name', '')}",
        f"  gated exposure   {e.band.upper()}  score {e.score}/100",
        f"  P(leak)          {_p_row(result)}",
        f"  median to leak   {days_text(e.median_days_to_leak)}",
        f"  recommendation   {r.headline}",
    ]
    if r.differs_from_intended:
        lines.append(f"                   (differs from the intended mode: {r.intended_mode})")
    lines += [textwrap.fill(reason, WIDTH, initial_indent="    - ", subsequent_indent="      ")
              for reason in r.reasons]
    if e.contributions:
        lines.append("  top drivers (rule, factor x multiplier, median to leak without it)")
        for c in e.contributions[:TOP_CONTRIBUTIONS]:
            without = days_text(median_days(c.lambda_without)).split(" (")[0]
            lines.append(f"    {c.rule_id:<28} {c.factor + ' x' + format(c.multiplier, 'g'):<24} "
                         f"{without}")
    return "\n".join(lines)


def _p_row(result: ScoreResult) -> str:
    p = result.exposure.p_leak
    cells = [f"{day}d {percent(p[day])}" for day in p if day != "horizon"]
    cells.append(f"horizon ({result.exposure.horizon_days}d) {percent(p['horizon'])}")
    return "   ".join(cells)


def text_table(results: Sequence[ScoreResult]) -> str:
    """One line per file when scoring many, so a folder reads at a glance."""
    header = f"{'band':<9} {'score':>5} {'P(horizon)':>10} {'median':>12}  {'recommend':<16} file"
    rows = [header]
    for res in results:
        e = res.exposure
        median = days_text(e.median_days_to_leak).split(" (")[0]
        mode = res.recommendation.mode + (" (hosted)" if res.recommendation.hosted_only else "")
        rows.append(f"{e.band:<9} {e.score:>5} {percent(e.p_leak['horizon']):>10} {median:>12}  "
                    f"{mode:<16} {res.file}")
    return "\n".join(rows)


def json_document(results: Sequence[ScoreResult], version: str) -> str:
    """Exactly one JSON document; key order fixed by the models, so output is byte-stable."""
    payload = {
        "riskcli_version": version,
        "results": [res.model_dump(mode="json") for res in results],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False)
