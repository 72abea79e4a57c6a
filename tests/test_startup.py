"""Start-up stays light: commands other than `report` never import WeasyPrint (about 0.6 s).

Each command runs in a fresh interpreter, which then reports what it imported; the test process
itself cannot tell, since other tests have loaded everything.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # every test starts a fresh interpreter

PROBE = """
import json, sys
sys.argv = ["riskcli", *sys.argv[1:]]
from riskcli.cli.app import main
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def imported_by(*args: str, cwd: Path) -> tuple[int, set[str]]:
    """Run `riskcli ARGS` in a fresh interpreter; its exit code and the top-level modules loaded."""
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                          cwd=cwd, timeout=60)
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return report["code"], {name.split(".")[0] for name in report["modules"]}


@pytest.mark.parametrize(
    "args",
    [
        ("score", "examples/llama-1-2023.yaml"),
        ("score", "--format", "json", "examples"),
        ("validate", "examples/llama-1-2023.yaml"),
        ("schema",),
        ("questions",),
        ("--help",),
        ("score", "--help"),
        ("report", "--help"),
    ],
    ids=["score", "score-json-folder", "validate", "schema", "questions", "help", "score-help",
         "report-help"],
)
def test_commands_that_render_no_pdf_never_import_weasyprint(args, repo_root):
    code, modules = imported_by(*args, cwd=repo_root)
    assert code in (0, None)
    assert "weasyprint" not in modules


@pytest.mark.parametrize(
    "args",
    [("score", "examples/llama-1-2023.yaml"), ("validate", "examples/llama-1-2023.yaml")],
    ids=["score", "validate"],
)
def test_score_and_validate_print_plain_text_without_loading_rich(args, repo_root):
    code, modules = imported_by(*args, cwd=repo_root)
    assert code in (0, None)
    assert "rich" not in modules


def test_the_probe_does_see_weasyprint_when_a_pdf_is_rendered(repo_root, tmp_path):
    code, modules = imported_by("report", "examples/llama-1-2023.yaml", "-o",
                                str(tmp_path / "record.pdf"), cwd=repo_root)
    assert code in (0, None)
    assert "weasyprint" in modules
