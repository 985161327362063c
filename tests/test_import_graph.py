"""The app's modules import each other one way: no circle, nothing dodged inside a function.

Read from the source with ``ast`` (nothing is imported): every module-level
import between modules of ``complaints``, ``channels`` and ``sla`` is an edge,
including the package ``__init__`` files Python runs on the way (importing
``complaints.clock`` runs ``complaints/__init__.py``). The importer's own
packages are already being imported, so they are no edge.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("complaints", "channels", "sla")
# The one import that must stay inside a function: ``from complaints import
# create_app`` hands out the factory at the top of the graph without making the
# package's own import load the whole app (PEP 562).
ALLOWED_LOCAL = {("complaints", "complaints.app")}


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(path): path for package in PACKAGES for path in (ROOT / package).rglob("*.py")}


def _targets(importer: str, is_package: bool, node: ast.Import | ast.ImportFrom) -> set[str]:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            parts = importer.split(".") if is_package else importer.split(".")[:-1]
            parts = parts[: len(parts) - (node.level - 1)]
            base = ".".join([*parts, *([node.module] if node.module else [])])
        names = [
            f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
            for alias in node.names
        ]
    found = set()
    for name in names:
        parts = name.split(".")
        for length in range(1, len(parts) + 1):
            prefix = ".".join(parts[:length])
            own_package = importer == prefix or importer.startswith(prefix + ".")
            if prefix in MODULES and not own_package:
                found.add(prefix)
    return found


def _imports() -> tuple[dict[str, set[str]], set[tuple[str, str]]]:
    """Module-level edges per module, and (importer, imported) pairs made inside functions."""
    edges: dict[str, set[str]] = {}
    local: set[tuple[str, str]] = set()
    for name, path in MODULES.items():
        edges[name] = set()
        is_package = path.name == "__init__.py"

        def walk(
            body: list[ast.stmt], in_function: bool, name: str = name, is_package: bool = is_package
        ) -> None:
            for node in body:
                if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                    continue
                if isinstance(node, ast.Import | ast.ImportFrom):
                    for target in _targets(name, is_package, node):
                        if in_function:
                            local.add((name, target))
                        else:
                            edges[name].add(target)
                    continue
                nested = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                for field in ("body", "orelse", "finalbody", "handlers"):
                    inner = getattr(node, field, None)
                    if isinstance(inner, list):
                        walk(inner, nested)

        walk(ast.parse(path.read_text()).body, False)
    return edges, local


def _circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in edges[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                circles.append(sorted(group))

    for module in edges:
        if module not in index:
            visit(module)
    return circles


def test_no_module_imports_itself_round_a_circle() -> None:
    edges, _local = _imports()
    assert len(edges) > 100  # the whole app was read
    assert _circles(edges) == []


def test_no_import_hides_inside_a_function() -> None:
    _edges, local = _imports()
    assert local == ALLOWED_LOCAL


def test_the_circle_detector_sees_a_circle() -> None:
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


# What loading the app must not load: the routing model's libraries cost about 1.5 s of
# CPU, which every web worker, bot and ``flask`` command would pay without ever routing.
MODEL_LIBRARIES = ("sklearn", "scipy", "skops", "threadpoolctl")
# Nor the workbook library (and the NumPy it loads): a few tenths of a second for every
# process, paid only by the one that reads or writes a spreadsheet.
WORKBOOK_LIBRARIES = ("openpyxl", "numpy")
LOADED_BY_THE_APP = """
import json, sys
from complaints import create_app
create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "ADUAN_SCHEDULER": False})
print(json.dumps(sorted(sys.modules)))
"""


def test_building_the_app_leaves_the_model_and_workbook_libraries_unloaded() -> None:
    finished = subprocess.run(
        [sys.executable, "-c", LOADED_BY_THE_APP],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    loaded = set(json.loads(finished.stdout.splitlines()[-1]))
    packages = {name.split(".")[0] for name in loaded}
    assert "complaints.routing.model" in loaded  # the model's own module is there…
    assert packages & set(MODEL_LIBRARIES) == set()  # …and none of its libraries
    # Likewise the spreadsheet modules (reports, SKM, the LAPOR! import) without openpyxl.
    spreadsheets = {"complaints.reports.workbook", "complaints.assessment.skm_workbook"}
    assert spreadsheets | {"complaints.lapor.reading", "complaints.lapor.values"} <= loaded
    assert packages & set(WORKBOOK_LIBRARIES) == set()
