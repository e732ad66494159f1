"""The apps import only downwards: every module under src/fengqiao imports its own app and apps
of lower layers, never a peer or anything above it, so the apps form no import cycle.

LAYERS below is the one place the order is declared; docs/architecture.md shows it.
"""

import ast
import graphlib
from collections import defaultdict
from pathlib import Path

import pytest

import fengqiao

PACKAGE = Path(fengqiao.__file__).resolve().parent

# Bottom first. A module may import its own app and the apps of lower layers; apps of one layer
# are peers and import none of each other. `settings`, `urls`, `wsgi` and `cli` are the project's
# own modules (`fengqiao/<name>.py`) and sit on top. A new app must be placed here.
LAYERS: list[set[str]] = [
    {"core"},
    {"regions"},
    {"registry"},
    {"accounts"},
    {"cases"},
    {"campaigns"},
    {"mediation", "fieldwork", "participation", "insight"},
    {"api", "demo"},
    {"settings", "urls", "wsgi", "cli"},
]
LAYER_OF = {unit: rank for rank, layer in enumerate(LAYERS) for unit in layer}

# Tests are exempt: a test of a low app builds its world with the apps above it (accounts,
# cases, the demo county), and no test module is imported by the running site. Migrations are
# checked like any module: they run in production.
EXEMPT_DIRS = {"tests"}


def _unit(parts: tuple[str, ...]) -> str:
    """The app (or project module) that the module `fengqiao.<parts…>` belongs to."""
    return parts[0].removesuffix(".py")


def _imported_modules(tree: ast.Module, package: list[str]) -> list[tuple[int, str]]:
    """(line, dotted module) for every import in the file, at any depth (function-level too)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from the file's package, `level - 1` packages up
                base = package[: len(package) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # `from fengqiao import cases` imports the app, not the package root.
            if module == "fengqiao":
                found += [(node.lineno, f"fengqiao.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, module))
    return found


def _edges() -> dict[str, list[tuple[str, str]]]:
    """For each importing unit, (imported unit, "path:line") of every import of another unit."""
    edges = defaultdict(list)
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if EXEMPT_DIRS & set(parts) or parts == ("__init__.py",):
            continue
        source = _unit(parts)
        package = ["fengqiao", *parts[:-1]]  # for a module and for an __init__.py alike
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, module in _imported_modules(tree, package):
            names = module.split(".")
            if names[0] != "fengqiao" or len(names) < 2:
                continue
            target = _unit(tuple(names[1:]))
            if target != source:
                where = f"{path.relative_to(PACKAGE.parent)}:{line}"
                edges[source].append((target, where))
    return edges


EDGES = _edges()


def test_every_app_and_project_module_has_a_layer():
    units = {
        _unit(path.relative_to(PACKAGE).parts)
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).parts != ("__init__.py",)
    }
    assert units - LAYER_OF.keys() == set(), "place the new app in LAYERS"
    assert LAYER_OF.keys() - units == set(), "LAYERS names an app that does not exist"


@pytest.mark.parametrize("unit", sorted(LAYER_OF))
def test_app_imports_only_lower_layers(unit):
    upward = [
        f"{where} imports fengqiao.{target} (layer {LAYER_OF.get(target)})"
        for target, where in EDGES.get(unit, [])
        if LAYER_OF.get(target, len(LAYERS)) >= LAYER_OF[unit]
    ]
    assert upward == [], f"{unit} is in layer {LAYER_OF[unit]}"


def test_apps_import_each_other_in_no_cycle():
    graph = {source: {target for target, _ in targets} for source, targets in EDGES.items()}
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        pytest.fail(f"import cycle between apps: {' -> '.join(exc.args[1])}")


def test_checker_sees_function_level_and_relative_imports():
    tree = ast.parse(
        "def f():\n    from fengqiao.cases import models\n"
        "from ...regions import geometry\nfrom fengqiao import accounts\n"
    )
    assert sorted(_imported_modules(tree, ["fengqiao", "core", "management"])) == [
        (2, "fengqiao.cases"),
        (3, "fengqiao.regions"),
        (4, "fengqiao.accounts"),
    ]
