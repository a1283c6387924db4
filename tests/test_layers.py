"""The layers the tree shows, checked on the import graph (every import, also inside functions).

core      pure: questionnaire, scoring, results, report and dashboard data, file formats
models    the database schema
runtime   settings, the database and extension handles, the unit of work, logging
services  reads and writes through a session; they flush, the unit of work commits
web, cli  the Flask blueprints; the command line
root      the composition: create_app, the WSGI and gunicorn entry points, ``python -m``

A module may import its own layer and the layers below it; core imports nothing of the app
outside core (and neither Flask nor SQLAlchemy: tests/test_purity.py). No cycles between
packages, and none between modules (imports only type checking sees aside).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

from tests.support.paths import REPO

PACKAGE = REPO / "dx_assess"

LAYERS = ["core", "models", "runtime", "services", "web", "cli", "root"]
RUNTIME = {"config", "extensions", "observability", "unit_of_work"}
ROOT = {"", "__main__", "wsgi", "gunicorn_conf"}
# what each layer may import besides itself and what is below it
EXTRA: dict[str, set[str]] = {"cli": {"web"}}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {
        module_name(p): p
        for p in PACKAGE.rglob("*.py")
        if "_shipped" not in p.parts and "__pycache__" not in p.parts
    }


def layer(module: str) -> str:
    rest = module.split(".")[1:]
    head = rest[0] if rest else ""
    if head in ("core", "models", "services", "web", "cli"):
        return head
    if head in RUNTIME:
        return "runtime"
    if head in ROOT:
        return "root"
    return "unplaced"


def _typing_only(tree: ast.AST) -> set[int]:
    """The import nodes under ``if TYPE_CHECKING:`` (read by mypy, never run)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        test = node.test if isinstance(node, ast.If) else None
        if isinstance(node, ast.If) and isinstance(test, ast.Name) and test.id == "TYPE_CHECKING":
            found.update(id(n) for child in node.body for n in ast.walk(child))
    return found


def imports(known: dict[str, Path], *, typing: bool = True) -> dict[str, set[str]]:
    """Every dx_assess module each module imports (``from a import b`` counts a.b when a module);
    ``typing=False`` leaves out the imports only type checking sees."""
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = set() if typing else _typing_only(tree)
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                assert node.level == 0, f"{name}: relative import"
                if node.module == "dx_assess" and {a.name for a in node.names} == {"__version__"}:
                    continue  # the package's version number, not the composition
                targets = [
                    f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in known else node.module
                    for a in node.names
                ]
            for t in targets:
                if t == "dx_assess" or t.startswith("dx_assess."):
                    while t not in known and "." in t:
                        t = t.rsplit(".", 1)[0]
                    if t != name:
                        graph[name].add(t)
    return graph


def allowed(source: str, target: str) -> bool:
    a, b = layer(source), layer(target)
    if a == b:
        return True
    return LAYERS.index(b) < LAYERS.index(a) or b in EXTRA.get(a, set())


def test_every_module_has_a_layer() -> None:
    unplaced = sorted(m for m in modules() if layer(m) == "unplaced")
    assert unplaced == []


def test_imports_follow_the_layers() -> None:
    known = modules()
    against = sorted(
        f"{s} ({layer(s)}) imports {t} ({layer(t)})"
        for s, ts in imports(known).items()
        for t in ts
        if not allowed(s, t)
    )
    assert against == []


def package_of(module: str) -> str:
    """The package a module belongs to, at most three deep (dx_assess.web.answering)."""
    parts = module.split(".")
    return (
        ".".join(parts[:3])
        if len(parts) > 3
        else module.rsplit(".", 1)[0]
        if len(parts) == 3
        else module
    )


def test_no_import_cycles_between_packages() -> None:
    known = modules()
    graph: dict[str, set[str]] = defaultdict(set)
    for s, ts in imports(known).items():
        for t in ts:
            ps, pt = package_of(s), package_of(t)
            if ps != pt and not pt.startswith(ps + ".") and not ps.startswith(pt + "."):
                graph[ps].add(pt)
    cycles = find_cycles(graph)
    assert cycles == []


def test_no_import_cycles_between_modules() -> None:
    """Also inside a package (a package's ``__init__`` re-exporting its modules aside)."""
    graph = {
        s: {t for t in ts if not t.startswith(s + ".") and not s.startswith(t + ".")}
        for s, ts in imports(modules(), typing=False).items()
    }
    assert find_cycles(graph) == []


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


@pytest.mark.parametrize(
    ("graph", "expected"),
    [({"a": {"b"}, "b": {"a"}}, [["a", "b"]]), ({"a": {"b"}, "b": set()}, [])],
)
def test_the_cycle_check_finds_a_cycle(
    graph: dict[str, set[str]], expected: list[list[str]]
) -> None:
    assert find_cycles(graph) == expected
