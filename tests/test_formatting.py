"""JSON output assembled from per-result pieces is exactly the document json.dumps would write."""

from __future__ import annotations

import json

import pytest
from scoring_helpers import answers_with

from riskcli.formatting import ScoreOutput
from riskcli.scoring import load_engine, score_values


def reference(results, version: str) -> str:
    payload = {"riskcli_version": version, "results": [r.model_dump(mode="json") for r in results]}
    return json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False)


@pytest.mark.parametrize("count", [0, 1, 3], ids=["no-results", "one-result", "three-results"])
def test_score_json_output_is_what_json_dumps_writes(count, llama1_answers):
    engine = load_engine()
    tricky = {"rationale": 'line one\nline "two"\t\u00e9\u2014\U0001f600 \\ end',
              "model_name": "Model\n  with: [yaml]"}
    results = [score_values(engine, answers_with(engine, llama1_answers, tricky), file=f"f{i}.yaml")
               for i in range(count)]
    out = ScoreOutput(as_json=True, keys=engine.rules.keys)
    for result in results:
        out.add(result)
    assert "".join(out.chunks("1.2.3")) == reference(results, "1.2.3") + "\n"
