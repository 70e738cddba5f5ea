"""The house's shape, checked from the source: packages import only downward, a request
commits in one place, and views and API endpoints read through query modules."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "voucher"

# Low to high. A module may import from its own layer and lower ones only, and the
# units of a layer must not import each other in a circle
# (imports under ``if TYPE_CHECKING:`` are annotations, not arrows, and are ignored).
LAYERS: list[set[str]] = [
    {
        "db",
        "extensions",
        "errors",
        "money",
        "dates",
        "config",
        "i18n",
        "sqlite",
        "security",
        "forms",
        "responses",
        "installation",
        "observability",
        "access_log",
        "contention",
        "text_input",
        "uploads",
        "charts",
    },
    {"audit", "pdf"},  # the recorder; drawing plain data
    {"ledger"},  # the engine
    {"parishes"},
    {"auth"},
    {"handlers", "transaction"},
    {"families"},
    {"programs"},
    {"imports"},  # spreadsheets brought in: families, enrolled in a program
    {"vouchers"},
    {"shops"},
    {"treasury"},
    {"oversight"},  # readers across the domains: audit log screens, ledger verify
    {"backup"},  # the whole database, copied and restored
    {"api"},
    {"__init__", "cli", "demo", "doctor", "navigation", "models"},
]
RANK = {unit: rank for rank, layer in enumerate(LAYERS) for unit in layer}


def _unit(path: Path) -> str:
    """A package's name, or a root module's."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return parts[0]


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    hidden: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            hidden.update(id(inner) for child in node.body for inner in ast.walk(child))
    return hidden


def _imported_units(path: Path) -> set[tuple[str, int]]:
    tree = ast.parse(path.read_text())
    hidden = _type_checking_nodes(tree)
    found = set()
    for node in ast.walk(tree):
        if id(node) in hidden:
            continue
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "voucher":
                names = [f"voucher.{alias.name}" for alias in node.names]
            else:
                names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "voucher" and len(parts) > 1:
                found.add((parts[1], node.lineno))
    return found


def _modules() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if "static" not in p.parts)


def test_every_package_has_a_layer():
    assert {_unit(p) for p in _modules()} <= set(RANK), "name the new package's layer"


def test_imports_point_down():
    upward = []
    for path in _modules():
        unit = _unit(path)
        for target, line in _imported_units(path):
            if RANK.get(target, len(LAYERS)) > RANK[unit]:
                upward.append(f"{path.relative_to(ROOT.parent)}:{line} imports voucher.{target}")
    assert not upward, "imports that point up:\n" + "\n".join(sorted(upward))


def _tangles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Groups of units that reach each other (strongly connected, more than one)."""
    reach = {unit: _reachable(graph, unit) for unit in graph}
    groups = {frozenset(u for u in reach[unit] if unit in reach.get(u, ())) for unit in graph}
    return [set(group) for group in groups if len(group) > 1]


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for target in graph.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_no_cycle_between_packages():
    graph: dict[str, set[str]] = {}
    for path in _modules():
        unit = _unit(path)
        graph.setdefault(unit, set()).update(
            target for target, _line in _imported_units(path) if target != unit
        )
    assert _tangles(graph) == []


ROUTE = re.compile(r"^@\w+\.(route|get|post|put|patch|delete)\(", re.M)


def _request_modules() -> list[Path]:
    """Every module that declares web pages or API endpoints (not the machinery)."""
    return [p for p in _modules() if ROUTE.search(p.read_text())]


@pytest.mark.parametrize("path", _request_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_views_and_endpoints_neither_commit_nor_query(path: Path):
    """Reads live in per-domain query modules both the web and the API call; the request
    commits once (voucher.transaction). A view may still load one object by id."""
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in {
            "commit",
            "rollback",
            "paginate",
            "with_for_update",
        }:
            found.append(f"{node.lineno}: .{node.attr}")
        elif isinstance(node, ast.Attribute) and node.attr == "select":
            found.append(f"{node.lineno}: select")
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module == "sqlalchemy"
            and any(alias.name in {"select", "update", "delete", "insert"} for alias in node.names)
        ):
            found.append(f"{node.lineno}: imports a statement builder")
    assert not found, f"{path.relative_to(ROOT.parent)} builds its own queries:\n" + "\n".join(
        found
    )
