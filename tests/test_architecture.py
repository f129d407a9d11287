"""The house keeps its shape: imports point down the layers, no circles, no private name crosses a
module, and no function-level import hides an upward one (see docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "gapsolver"

LAYERS = [
    {"exceptions", "limits"},
    {"schema", "runtime"},
    {"partnerships"},
    {"preprocess"},
    {"model"},
    {"backend"},
    {"postprocess"},
    {"solve"},
    {"analysis"},
    {"batch"},
    {"report"},
    {"cli"},
    {"__init__"},
]
"""Bottom to top: a module may import its own layer (without circles) and the layers below."""

LAZY_ALLOWED = {("backend", "gapsolver.backend.cbc")}
"""Function-level imports of gapsolver modules outside the CLI: CBC, an optional extra."""


def _layer(module: str) -> int:
    top = module.split(".")[1] if "." in module else "__init__"
    return next(i for i, names in enumerate(LAYERS) if top in names)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> list[tuple[str, str, list[str], bool]]:
    """(importer, imported module, names, at function level) for every gapsolver import."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        importer = _module_name(path)
        tree = ast.parse(path.read_text())
        top_level = {id(node) for node in tree.body} | {
            id(inner)  # `if TYPE_CHECKING:` imports at module level, for the types only
            for node in tree.body
            if isinstance(node, ast.If)
            for inner in node.body
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module == "gapsolver" or node.module.startswith("gapsolver."):
                    names = [alias.name for alias in node.names]
                    found.append((importer, node.module, names, id(node) not in top_level))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("gapsolver"):
                        found.append((importer, alias.name, [], id(node) not in top_level))
    return found


IMPORTS = _imports()


def test_imports_point_down_the_layers() -> None:
    upward = [
        f"{importer} → {imported}"
        for importer, imported, _, _ in IMPORTS
        if importer != "gapsolver" and _layer(imported) > _layer(importer)
    ]
    assert upward == []


def test_no_import_circles() -> None:
    graph = nx.DiGraph(
        (importer, imported)
        for importer, imported, _, _ in IMPORTS
        if importer != imported and not imported.endswith("__init__")
    )
    # a package's face (its __init__) importing its own modules is not a circle of knowledge
    graph.remove_edges_from(
        [(a, b) for a, b in graph.edges if b.startswith(a + ".") or a.startswith(b + ".")]
    )
    assert list(nx.simple_cycles(graph)) == []


def test_no_private_name_crosses_a_module() -> None:
    crossing = [
        f"{importer} takes {name} from {imported}"
        for importer, imported, names, _ in IMPORTS
        for name in names
        if name.startswith("_")
    ]
    assert crossing == []


def test_no_function_level_import_outside_the_cli_but_optional_extras() -> None:
    hidden = [
        f"{importer} → {imported}"
        for importer, imported, _, lazy in IMPORTS
        if lazy
        and not importer.startswith("gapsolver.cli")
        and (importer.split(".")[1], imported) not in LAZY_ALLOWED
    ]
    assert hidden == []


@pytest.mark.parametrize("folder", sorted(p.name for p in PACKAGE.iterdir() if p.is_dir()))
def test_every_folder_is_a_layer(folder: str) -> None:
    if folder == "__pycache__":
        return
    assert any(folder in names for names in LAYERS), f"gapsolver/{folder} has no layer"


def test_the_public_api_is_complete_and_loaded_on_first_use() -> None:
    """`import gapsolver` loads nothing heavy; every public name resolves when used."""
    import subprocess
    import sys

    probe = (
        "import sys, gapsolver; heavy = [m for m in ('networkx', 'highspy', 'gapsolver.solve.pipeline')"
        " if m in sys.modules]; print(heavy); "
        "print(all(getattr(gapsolver, n) is not None for n in gapsolver.__all__))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stdout.split("\n")[:2] == ["[]", "True"], done.stderr


def test_the_solve_path_builds_no_graph() -> None:
    """The encoding reads the partnership links directly: solving loads no networkx."""
    import subprocess
    import sys

    probe = (
        "import sys; from gapsolver import load_scenario, solve_scenario; "
        "scenario, _ = load_scenario('scenarios/seoul-2021.yaml'); solve_scenario(scenario); "
        "print('networkx' in sys.modules)"
    )
    root = PACKAGE.parent
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=root)
    assert done.stdout.strip() == "False", done.stderr
