"""A wheel built from the repo works on its own: the content folders ship inside it.

The wheel is installed into a fresh virtual environment and run from a folder outside the repo, so
nothing can be found through the checkout or the editable install by accident.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from riskcli import __version__

CONTENT_FOLDERS = ("questionnaires", "rules", "report_templates")

pytestmark = [
    pytest.mark.slow,  # builds a wheel and installs it into a fresh virtual environment
    pytest.mark.skipif(importlib.util.find_spec("pip") is None,
                       reason="pip is needed to build and install a wheel"),
]


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, cwd=cwd, env=env, timeout=600
    )


def check(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, f"{result.args}\n{result.stdout}\n{result.stderr}"
    return result


def repo_content_files(repo_root: Path) -> list[str]:
    """Files of the content folders as a fresh clone has them (tracked files), else on disk."""
    listed = run("git", "ls-files", "--", *CONTENT_FOLDERS, cwd=repo_root)
    if listed.returncode == 0 and listed.stdout.strip():
        return sorted(listed.stdout.split("\n")[:-1])
    return sorted(
        p.relative_to(repo_root).as_posix()
        for folder in CONTENT_FOLDERS
        for p in (repo_root / folder).rglob("*")
        if p.is_file()
    )


@pytest.fixture(scope="module")
def wheel(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheelhouse")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", out, repo_root]
    if importlib.util.find_spec("hatchling") is not None:
        command.append("--no-build-isolation")  # build offline with the backend already here
    check(run(*command, cwd=out))
    wheels = list(out.glob("riskcli-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with only the wheel installed in it; dependencies come from outside.

    `--system-site-packages` reaches the base interpreter's packages. When the tests themselves run
    in a virtual environment (as .ci/run does), that environment's packages are added with a .pth
    file, after the venv's own site-packages, so the wheel's riskcli still comes first.
    """
    root = tmp_path_factory.mktemp("venv") / "env"
    check(run(sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", root,
              cwd=root.parent))
    python = venv_python(root)
    site = Path(check(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                          cwd=root)).stdout.strip())
    outer = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (site / "_outer_environment.pth").write_text("\n".join(outer) + "\n", encoding="utf-8")
    check(run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps",
              "--no-index", "--ignore-installed", wheel, cwd=root))
    return root


def venv_python(root: Path) -> Path:
    return root / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def venv_script(root: Path, name: str) -> Path:
    return root / ("Scripts" if os.name == "nt" else "bin") / name


def venv_site_packages(root: Path) -> Path:
    out = run(venv_python(root), "-c",
              "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=root)
    return Path(check(out).stdout.strip()).resolve()


def test_wheel_carries_every_content_file(wheel: Path, repo_root: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = repo_content_files(repo_root)
    assert "questionnaires/distribution.yaml" in expected
    missing = [f for f in expected if f"riskcli/data/{f}" not in names]
    assert missing == []


def test_installed_riskcli_is_the_wheel_not_the_checkout(venv: Path, tmp_path: Path):
    probe = (
        "import riskcli, riskcli.resources as r\n"
        "print(riskcli.__file__)\n"
        "print(r.content_dir('questionnaires'))\n"
        "print(r.default_questionnaire())\n"
    )
    lines = check(run(venv_python(venv), "-c", probe, cwd=tmp_path)).stdout.splitlines()
    site = venv_site_packages(venv)
    module, questionnaires, default = (Path(line).resolve() for line in lines)
    assert module == site / "riskcli" / "__init__.py"
    assert questionnaires == site / "riskcli" / "data" / "questionnaires"
    assert default.is_file() and default.parent == questionnaires


def test_installed_cli_validates_an_example_from_outside_the_repo(
    venv: Path, repo_root: Path, tmp_path: Path
):
    example = repo_root / "examples" / "llama-1-2023.yaml"
    result = check(run(venv_script(venv, "riskcli"), "validate", example, cwd=tmp_path))
    assert result.stdout == f"{example}: ok\n"


def test_installed_cli_lists_the_bundled_questions(venv: Path, tmp_path: Path, questionnaire):
    result = check(run(venv_script(venv, "riskcli"), "questions", cwd=tmp_path))
    for question in questionnaire.questions:
        assert question.id in result.stdout


def test_installed_module_entry_point_reports_the_version(venv: Path, tmp_path: Path):
    result = check(run(venv_python(venv), "-m", "riskcli", "--version", cwd=tmp_path))
    assert result.stdout == f"riskcli {__version__}\n"
