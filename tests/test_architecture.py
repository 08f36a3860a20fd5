"""The package's shape, as ``docs/architecture.md`` states it.

No import circle (counting imports inside functions, not those only for type
checkers), no module over 600 lines without the reason at its top, the
estimator naming no kind of input, and the layers importing downwards only.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import logreg

PACKAGE = Path(logreg.__file__).parent
MAX_LINES = 600
#: Folders (and top-level modules) and what each may import from the package.
LAYERS = {
    "data.sources": {"_namespace"},
    "data.dask_source": {"data.sources"},
    "data.spark_source": {"data.sources"},
    "data.file_source": {"data.sources", "data.read"},
    "data.read": set(),
    "data.columns": {"data.read"},
    "data.encoder": {"data.read", "data.columns"},
    "data.write": {"data.read"},
    "solvers": {"solvers"},
    "objective": {"_math", "_namespace", "_fused", "data.sources"},
    "firth": {"_math", "_namespace", "objective"},
}


def _modules() -> dict[str, Path]:
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(("logreg", *parts))] = path
    return modules


MODULES = _modules()


def _imports(path: Path) -> set[str]:
    """Package modules that ``path`` imports, at any depth, but for type checkers."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            skipped.update(
                id(inner) for child in node.body for inner in ast.walk(child)
            )
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "logreg"
        ):
            submodules = [f"{node.module}.{alias.name}" for alias in node.names]
            found.update(name for name in submodules if name in MODULES)
            if any(name not in MODULES for name in submodules):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("logreg."))
    return found & set(MODULES)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def _with_packages(name: str, imported: set[str]) -> set[str]:
    """``imported`` plus the packages whose ``__init__`` importing them runs.

    Python runs ``logreg.data/__init__`` before ``logreg.data.sources``; a
    module's own ancestors (and the root package, always loaded first) are
    already loading, so they are no edge.
    """
    edges = set(imported)
    for module in imported:
        parts = module.split(".")
        for end in range(2, len(parts)):
            package = ".".join(parts[:end])
            if package in MODULES and not name.startswith(package + "."):
                edges.add(package)
    return edges


def test_no_import_circle():
    graph = {
        name: _with_packages(name, _imports(path)) - {name}
        for name, path in MODULES.items()
    }
    assert _cycles(graph) == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_long_modules_say_why_at_the_top(name):
    path = MODULES[name]
    text = path.read_text(encoding="utf-8")
    if len(text.splitlines()) > MAX_LINES:
        assert f"Longer than {MAX_LINES} lines:" in (
            ast.get_docstring(ast.parse(text)) or ""
        )


def test_the_estimator_names_no_kind_of_input():
    """One fit path and one predict path: the adapters know the kinds."""
    source = MODULES["logreg.estimator"].read_text(encoding="utf-8")
    code = ast.unparse(ast.parse(source))  # without comments and docstrings' text
    tree = ast.parse(code)
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            node.value.value = ""
    code = ast.unparse(tree).lower()
    for kind in ("dask", "torch", "cupy", "foreign", "array_api", "issparse"):
        assert kind not in code, kind
    assert "_fit_dask" not in code and "_fit_array_api" not in code


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_lower_layers_import_only_below_them(layer):
    """Sources, tables, solvers and the objective never import what uses them."""
    allowed = {f"logreg.{name}" for name in LAYERS[layer]}
    for name, path in MODULES.items():
        if name != f"logreg.{layer}" and not name.startswith(f"logreg.{layer}."):
            continue
        for imported in _imports(path):
            inside = imported.startswith(f"logreg.{layer}")
            below = any(imported.startswith(other) for other in allowed)
            assert inside or below, f"{name} imports {imported}"
