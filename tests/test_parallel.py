"""Work spread over processes says exactly what one process says: `score --jobs N` prints the
same bytes and exits the same whatever N, and `report FILE_OR_DIR... -o FOLDER/` writes each
record byte for byte as a single `report` does."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from riskcli.batch import PARALLEL_FROM

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
LLAMA_1 = ROOT / "examples" / "llama-1-2023.yaml"


def _riskcli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "riskcli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=600, check=False)


@pytest.fixture(scope="module")
def big_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """More files than PARALLEL_FROM: every example many times, one that is not YAML, one with
    an answer its question does not ask for (a warning), in sorted order so problems and
    warnings land among the results."""
    folder = tmp_path_factory.mktemp("answers")
    copies = PARALLEL_FROM // len(EXAMPLES) + 20
    for index in range(copies):
        for example in EXAMPLES:
            shutil.copyfile(example, folder / f"{index:03d}-{example.name}")
    (folder / "050-broken.yaml").write_text("answers: [\n", "utf-8")
    llama = LLAMA_1.read_text("utf-8")
    assert "\n  weights_leave_premises: true" in llama
    warned = llama.replace("\n  weights_leave_premises: true",
                           "\n  weights_leave_premises: false", 1)
    (folder / "120-warned.yaml").write_text(warned, "utf-8")
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("output", ["text", "json", "sarif", "junit", "github"])
def test_score_prints_the_same_whatever_the_number_of_jobs(big_folder, tmp_path, output):
    one = _riskcli("score", ".", "--format", output, "--jobs", "1", "--fail-at", "critical",
                   cwd=big_folder)
    two = _riskcli("score", ".", "--format", output, "--jobs", "2", "--fail-at", "critical",
                   cwd=big_folder)
    default = _riskcli("score", ".", "--format", output, "--fail-at", "critical",
                       cwd=big_folder)
    assert one.returncode == 2, one.stderr[-2000:]  # the broken file
    assert "050-broken.yaml" in one.stderr
    assert (two.stdout, two.stderr, two.returncode) == (one.stdout, one.stderr, one.returncode)
    assert (default.stdout, default.stderr, default.returncode) == (
        one.stdout, one.stderr, one.returncode)
    assert len(one.stdout) > 10_000


@pytest.mark.slow
def test_the_files_written_beside_stdout_are_the_same_whatever_the_number_of_jobs(
        big_folder, tmp_path):
    written = {}
    for jobs in ("1", "2"):
        out = tmp_path / jobs
        out.mkdir()
        _riskcli("score", ".", "--jobs", jobs, "--sarif", str(out / "log.sarif"),
                 "--junit", str(out / "junit.xml"), "--summary", str(out / "summary.md"),
                 cwd=big_folder)
        written[jobs] = {path.name: path.read_bytes() for path in sorted(out.iterdir())}
    assert written["1"] == written["2"]
    assert sorted(written["1"]) == ["junit.xml", "log.sarif", "summary.md"]


def test_jobs_below_one_is_a_usage_error(runner):
    from riskcli.cli.app import app

    result = runner.invoke(app, ["score", str(LLAMA_1), "--jobs", "0"])
    assert result.exit_code == 2
    assert "at least 1" in result.stderr


@pytest.mark.slow
def test_report_renders_a_folder_as_single_reports_do(tmp_path):
    inputs = tmp_path / "answers"
    inputs.mkdir()
    for example in EXAMPLES[:2]:
        shutil.copyfile(example, inputs / example.name)
    (inputs / "broken.yaml").write_text("answers: [\n", "utf-8")
    many = _riskcli("report", "answers", "-o", "records/", "--jobs", "2", cwd=tmp_path)
    assert many.returncode == 2
    problems = [line for line in many.stderr.splitlines() if "broken.yaml" in line]
    assert len(problems) == 1 and problems[0].startswith(str(Path("answers") / "broken.yaml"))
    written = sorted(path.name for path in (tmp_path / "records").iterdir())
    assert written == sorted(f"{example.stem}.pdf" for example in EXAMPLES[:2])
    assert many.stdout.splitlines() == [
        f"{Path('records') / f'{example.stem}.pdf'}: pdf decision record for "
        f"{Path('answers') / example.name}" for example in EXAMPLES[:2]]
    for example in EXAMPLES[:2]:
        single = _riskcli("report", str(Path("answers") / example.name), "-o",
                          f"{example.stem}.pdf", cwd=tmp_path)
        assert single.returncode == 0, single.stderr
        assert (tmp_path / "records" / f"{example.stem}.pdf").read_bytes() == (
            tmp_path / f"{example.stem}.pdf").read_bytes()


@pytest.mark.slow
def test_report_in_one_process_writes_what_workers_write(tmp_path):
    inputs = tmp_path / "answers"
    inputs.mkdir()
    for example in EXAMPLES:
        shutil.copyfile(example, inputs / example.name)
    for jobs in ("1", "2"):
        done = _riskcli("report", "answers", "-o", f"md-{jobs}/", "--format", "md", "--jobs",
                        jobs, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    one = {p.name: p.read_bytes() for p in sorted((tmp_path / "md-1").iterdir())}
    two = {p.name: p.read_bytes() for p in sorted((tmp_path / "md-2").iterdir())}
    assert one == two and len(one) == len(EXAMPLES)


def test_records_that_would_share_a_name_are_problems_not_overwrites(runner, tmp_path):
    from riskcli.cli.app import app

    for side in ("a", "b"):
        (tmp_path / side).mkdir()
        shutil.copyfile(LLAMA_1, tmp_path / side / "model.yaml")
    out = tmp_path / "records"
    result = runner.invoke(app, ["report", str(tmp_path / "a"), str(tmp_path / "b"), "-o",
                                 f"{out}/", "--format", "md", "--jobs", "1"])
    assert result.exit_code == 2
    assert [p.name for p in out.iterdir()] == ["model.md"]
    assert f"{tmp_path / 'b' / 'model.yaml'}: its record would be {out / 'model.md'}" in (
        result.stderr)


def test_several_records_need_a_folder(runner, tmp_path):
    from riskcli.cli.app import app

    result = runner.invoke(app, ["report", *map(str, EXAMPLES[:2]), "-o",
                                 str(tmp_path / "record.pdf")])
    assert result.exit_code == 2
    assert "end -o with /" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_folder_of_model_folders_keeps_its_layout(runner, tmp_path):
    """models/<model>/answers.yaml, the usual layout, gives records/<model>/answers.md."""
    from riskcli.cli.app import app

    for model in ("alpha", "beta"):
        (tmp_path / "models" / model).mkdir(parents=True)
        shutil.copyfile(LLAMA_1, tmp_path / "models" / model / "answers.yaml")
    out = tmp_path / "records"
    result = runner.invoke(app, ["report", str(tmp_path / "models"), "-o", f"{out}/",
                                 "--format", "md", "--jobs", "1"])
    assert result.exit_code == 0, result.stderr
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*.md")) == [
        str(Path("alpha") / "answers.md"), str(Path("beta") / "answers.md")]
