"""The packages import each other in one direction only, with no cycles (see README, "Code layout").

Read from the source with ``ast``: every import counts, those inside functions and under
``TYPE_CHECKING`` too, so that a cycle cannot hide behind a function-local import.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "tavusctl"

# Higher imports lower. Packages of one rank do not import each other.
RANKS = {
    "cli": 7,
    "commands": 6,
    "apply": 5,
    "render": 5,
    "plan": 4,
    "manifest": 3,
    "api": 3,
    "state": 3,
    "kinds": 2,
    "scaffold": 2,  # the files init writes, as text: imports nothing of ours but the version
    "core": 1,
}
EMULATOR = "emulator"  # imports only core; only cli imports it (to serve it)
TOP = "(top)"  # tavusctl/__init__.py and __main__.py


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name
    imported: str  # dotted module name (or package)
    line: int
    local: bool  # inside a function


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> list[Import]:
    """Every import in ``path``, with whether it sits inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = module_name(path)
    found: list[Import] = []

    def visit(node: ast.AST, local: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = local or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                found.extend(Import(name, a.name, child.lineno, local) for a in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and not child.level:
                found.extend(_from(name, child, local))
            visit(child, inner)

    visit(tree, False)
    return found


def _from(name: str, node: ast.ImportFrom, local: bool) -> list[Import]:
    # ``from tavusctl.core import pointer`` imports the module tavusctl.core.pointer.
    assert node.module is not None
    base = node.module
    return [
        Import(
            name, f"{base}.{a.name}" if _is_module(f"{base}.{a.name}") else base, node.lineno, local
        )
        for a in node.names
    ]


def _is_module(dotted: str) -> bool:
    path = ROOT.parent.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in (*RANKS, EMULATOR) else TOP


def all_imports() -> list[Import]:
    return [i for path in sorted(ROOT.rglob("*.py")) for i in imports_of(path)]


def ours(imports: list[Import]) -> list[Import]:
    return [i for i in imports if i.imported == "tavusctl" or i.imported.startswith("tavusctl.")]


def allowed(importer: str, imported: str) -> bool:
    """Whether package ``importer`` may import package ``imported``."""
    if importer in (imported, TOP):
        return True
    if imported == EMULATOR:
        return importer == "cli"
    if importer == EMULATOR:
        return imported == "core"
    if imported == TOP:  # tavusctl/__init__.py holds the version only; __main__ runs cli
        return True
    return RANKS[importer] > RANKS[imported]


def violations(imports: list[Import]) -> list[str]:
    return [
        f"{i.importer}:{i.line} imports {i.imported}"
        for i in ours(imports)
        if not allowed(package_of(i.importer), package_of(i.imported))
    ]


def cycles(imports: list[Import]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    graph: dict[str, set[str]] = {}
    for i in ours(imports):
        graph.setdefault(i.importer, set()).add(i.imported)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_every_package_imports_only_the_layers_below_it() -> None:
    assert violations(all_imports()) == []


def test_no_module_imports_itself_back_through_others() -> None:
    assert cycles(all_imports()) == []


def test_only_cli_imports_click() -> None:
    outside = [
        f"{i.importer}:{i.line}"
        for i in all_imports()
        if i.imported.split(".")[0] == "click" and package_of(i.importer) != "cli"
    ]
    assert outside == []


def test_only_cli_imports_our_modules_lazily_inside_functions() -> None:
    lazy = [
        f"{i.importer}:{i.line} imports {i.imported}"
        for i in ours(all_imports())
        if i.local and package_of(i.importer) != "cli"
    ]
    assert lazy == []


def test_the_root_package_imports_nothing_of_ours() -> None:
    assert ours(imports_of(ROOT / "__init__.py")) == []


def test_every_package_has_a_rank() -> None:
    packages = {p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file()}
    assert packages - {*RANKS, EMULATOR} == set()


# The checks themselves, on made-up import lists: each rule fails when broken.


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("tavusctl.core.pointer", "tavusctl.plan.model"),  # lower imports higher
        ("tavusctl.plan.diff", "tavusctl.render.text"),
        ("tavusctl.api.fetch", "tavusctl.state.lockfile"),  # peers
        ("tavusctl.apply.execute", "tavusctl.render.text"),
        ("tavusctl.emulator.state_file", "tavusctl.state.lockfile"),  # emulator beyond core
        ("tavusctl.commands.plan", "tavusctl.emulator.app"),  # emulator from below cli
        ("tavusctl.kinds.persona", "tavusctl.manifest.schema"),
    ],
)
def test_the_layer_check_fails_on_an_upward_or_sideways_import(
    importer: str, imported: str
) -> None:
    assert violations([Import(importer, imported, 1, False)]) != []


def test_the_cycle_check_finds_a_cycle_through_a_function_local_import() -> None:
    found = cycles(
        [
            Import("tavusctl.plan.planner", "tavusctl.plan.diff", 1, True),
            Import("tavusctl.plan.diff", "tavusctl.plan.planner", 1, False),
        ]
    )
    assert found == [["tavusctl.plan.diff", "tavusctl.plan.planner"]]


def test_imports_inside_functions_are_seen_and_told_apart() -> None:
    found = ours(imports_of(ROOT / "cli" / "main.py"))
    assert any(i.local for i in found)
    assert any(not i.local for i in found)
