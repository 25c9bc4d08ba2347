"""The layout of docs/architecture.md §1 holds: no import cycle, stages import downward, a short top level."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "ecostat"

#: what each stage may import (besides the top-level modules errors, options, quantities, numeric, _moved)
ALLOWED = {
    "data": set(),
    "datasets": {"data"},
    "descriptive": {"data", "report"},
    "bayes": {"data", "descriptive", "frequentist", "report"},
    "frequentist": {"data", "descriptive", "report"},
    "plots": {"data", "descriptive", "bayes", "report"},
    "report": set(),
    "interface": {"data", "datasets", "descriptive", "bayes", "frequentist", "plots", "report"},
}
TOP = {"errors", "options", "quantities", "numeric", "_moved"}


def _module(path: Path) -> str:
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """module -> ecostat modules it imports (anywhere in the file, function bodies included)."""
    modules = {_module(p): p for p in PKG.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for mod, path in modules.items():
        is_pkg = path.name == "__init__.py"
        base = mod.split(".") if is_pkg else mod.split(".")[:-1]
        out = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    target = ".".join(base[: len(base) - node.level + 1] + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                names = [f"{target}.{a.name}" for a in node.names]
                hits = [n for n in names if n in modules] or ([target] if target in modules else [])
                out.update(hits)
            elif isinstance(node, ast.Import):
                out.update(a.name for a in node.names if a.name in modules)
        out.discard(mod)
        graph[mod] = {t for t in out if t.startswith("ecostat")}
    return graph


def _stage(mod: str) -> str | None:
    parts = mod.split(".")
    return parts[1] if len(parts) > 1 else None


def test_no_import_cycle():
    graph = _imports()
    # a package's __init__ that only re-exports is not an edge back into its own modules
    state, stack, cycles = {}, [], []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt == "ecostat" or (graph.get(nxt) is None):
                continue
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif not state.get(nxt):
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in graph:
        if not state.get(node):
            visit(node)
    cycles = [c for c in cycles if not all(m.count(".") == 1 and m.endswith("__init__") for m in c)]
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_stages_import_downward():
    bad = []
    for mod, targets in _imports().items():
        stage = _stage(mod)
        if stage is None or stage in TOP or stage not in ALLOWED:
            continue
        for t in targets:
            other = _stage(t)
            if other is None or other in TOP or other == stage:
                continue
            if other not in ALLOWED[stage]:
                bad.append(f"{mod} -> {t}")
    assert not bad, "imports against the data flow (docs/architecture.md §1): " + ", ".join(sorted(bad))


def test_top_level_is_short():
    files = sorted(p.name for p in PKG.glob("*.py"))
    assert len(files) <= 10, files
    assert {p.name for p in PKG.iterdir() if p.is_dir() and (p / "__init__.py").exists()} == set(ALLOWED)


@pytest.mark.parametrize("heavy", ["pymc", "pytensor", "duckdb", "dask"])
def test_import_ecostat_is_light(heavy):
    code = f"import sys, ecostat as es; es.simulate(n=10); es.parse_formula('fail ~ model'); print('{heavy}' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_old_module_paths_still_import_with_a_warning():
    import importlib
    import warnings

    sys.modules.pop("ecostat.leader", None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old = importlib.import_module("ecostat.leader")
    from ecostat.descriptive import leader

    assert old is leader and any(issubclass(w.category, DeprecationWarning) for w in caught)
