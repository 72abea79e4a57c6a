"""The riskcli package has no import cycle: importing any module never comes back to a module that
is still half-initialised. Read from the source with `ast`, so the test sees every module-level
import, including the ones no test happens to run first."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"


def module_names(src: Path, package: str) -> dict[str, Path]:
    """Every module of `package` under `src`, by dotted name (a package by its own name)."""
    modules = {}
    for path in sorted((src / package).rglob("*.py")):
        parts = path.relative_to(src).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def import_graph(src: Path, package: str) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports while it is being imported: imports
    inside functions and under `if TYPE_CHECKING:` are left out, since they run later or never."""
    modules = module_names(src, package)
    graph = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text("utf-8"), str(path))
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        graph[name] = {target for node in _module_level_imports(tree.body)
                       for target in _targets(node, here, modules)}
    return graph


def _module_level_imports(body: list[ast.stmt]):
    for stmt in body:
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            yield stmt
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            continue  # runs when called, not when imported
        elif isinstance(stmt, ast.If) and _is_type_checking(stmt.test):
            yield from _module_level_imports(stmt.orelse)
        else:  # class bodies, try, with, if: run while the module is imported
            for field in ("body", "orelse", "finalbody", "handlers"):
                for child in getattr(stmt, field, []):
                    yield from _module_level_imports([child] if isinstance(child, ast.stmt)
                                                     else child.body)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _targets(node: ast.Import | ast.ImportFrom, here: str, modules: dict[str, Path]):
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names if alias.name in modules)
        return
    base = node.module or ""
    if node.level:
        package = here.rsplit(".", node.level - 1)[0] if node.level > 1 else here
        base = f"{package}.{base}" if base else package
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        if submodule in modules:
            yield submodule
        elif base in modules:
            yield base


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One path per cycle found by a depth-first walk, each closed on its first module."""
    found, state, path = [], {}, []

    def visit(name: str) -> None:
        state[name] = "open"
        path.append(name)
        for target in sorted(graph[name]):
            if state.get(target) == "open":
                found.append([*path[path.index(target):], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name)
    return found


def test_riskcli_has_no_import_cycle():
    graph = import_graph(SRC, "riskcli")
    assert sum(len(targets) for targets in graph.values()) > 50  # the walk did find imports
    assert [" -> ".join(cycle) for cycle in cycles(graph)] == []


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"pkg/a.py": "from pkg import b\n", "pkg/b.py": "import pkg.a\n"},
         [["pkg.a", "pkg.b", "pkg.a"]]),
        ({"pkg/a.py": "from . import b\n", "pkg/b.py": "from .a import thing\n"},
         [["pkg.a", "pkg.b", "pkg.a"]]),
        ({"pkg/a.py": "class A:\n    from pkg.b import x\n",
          "pkg/b.py": "try:\n    from pkg.a import A\nexcept ImportError:\n    pass\n"},
         [["pkg.a", "pkg.b", "pkg.a"]]),
        ({"pkg/a.py": "from pkg import b\n",
          "pkg/b.py": "def later():\n    from pkg import a\n"}, []),
        ({"pkg/a.py": "from pkg import b\n",
          "pkg/b.py": "import typing\nif typing.TYPE_CHECKING:\n    from pkg import a\n"}, []),
    ],
    ids=["absolute", "relative", "class-body-and-try", "inside-a-function", "type-checking-only"],
)
def test_the_graph_sees_module_level_cycles_and_only_those(tmp_path, files, expected):
    _write(tmp_path, {"pkg/__init__.py": "", **files})
    assert cycles(import_graph(tmp_path, "pkg")) == expected
