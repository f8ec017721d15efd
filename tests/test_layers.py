"""Meta-tests: the package's architecture (DESIGN.md section 4, the README's module map) holds.

The package's source is parsed with :mod:`ast` (nothing is imported), every import is resolved to the
module it loads (relative imports, ``from package import submodule`` and the parent packages that an
import runs first included), and the rules below are checked on that graph:

* one concept per package: at most ten modules directly under ``ledger/``, and every subpackage's
  ``__init__`` says in its docstring what it is and which packages it may import;
* imports point down the declared layers (:data:`LAYERS`), lazy and type-checking imports included;
* no import cycle between modules, anywhere in ``ledger/``;
* click and rich live only in the CLI;
* nothing below ``config.py`` and the CLI reads the environment;
* ``import ledger.cli`` (what ``ledger --help`` pays for) loads neither web3, py-evm nor rich.

The checker itself is run first on small synthetic packages (a cycle, an import against the order),
so that a checker that finds nothing cannot make the rules pass.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ledger"

#: The layers, lowest first. A module may import from its own layer and the layers below it, never
#: from a layer above. A layer names packages or modules; ``ledger`` (the root package, whose only
#: job is the lazy ``Ledger`` export) is the top.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("ledger.errors", "ledger.types"),
    ("ledger.canonical", "ledger.files"),
    ("ledger.crypto",),
    ("ledger.config",),
    ("ledger.identity",),
    ("ledger.contributions",),
    ("ledger.credentials",),
    ("ledger.wellknown",),
    ("ledger.render",),
    ("ledger.chain",),
    ("ledger.node",),
    ("ledger.contracts",),
    ("ledger.verify",),
    ("ledger.receipts",),
    ("ledger.index",),
    ("ledger.issuance",),
    ("ledger.audit",),
    ("ledger.reports",),
    ("ledger.operations",),
    ("ledger.ledger", "ledger.demo"),
    ("ledger.serve",),
    ("ledger.cli",),
    ("ledger",),
)
#: At most this many modules directly under ``ledger/`` (``__init__`` not counted).
TOP_LEVEL_MODULES = 10
#: Modules allowed to read environment variables (DESIGN.md section 8, STYLE.md).
READS_ENVIRONMENT = ("ledger.config", "ledger.cli")
#: Heavy or CLI-only distributions that ``import ledger.cli`` must not load.
NOT_LOADED_BY_THE_CLI = ("web3", "eth", "eth_tester", "rich")


@dataclass(frozen=True)
class Import:
    """One import of a module of the package: the module it loads, where, and when it runs."""

    module: str
    line: int
    at_import_time: bool  # executed when the importing module is imported
    type_checking: bool = False  # inside ``if TYPE_CHECKING:`` (never executed)


def module_name(path: Path, root: Path = ROOT) -> str:
    """``ledger/chain/rpc.py`` -> ``ledger.chain.rpc``; a package's ``__init__`` is the package."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_modules(package: Path, root: Path = ROOT) -> dict[str, Path]:
    """Every module of ``package`` by its dotted name."""
    return {module_name(path, root): path for path in sorted(package.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _base(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute name of ``X`` in ``from X import ...`` (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    if node.level - 1 > len(package) - 1:
        raise ValueError(f"{module}:{node.lineno}: relative import beyond the top-level package")
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, *node.module.split(".")] if node.module else base)


def imports_of(source: str, module: str, known: Iterable[str], *, is_package: bool = False) -> list[Import]:
    """Every module that ``source`` (the text of ``module``) loads, of the modules in ``known``.

    ``from P import a`` loads ``P.a`` when that is a module, else ``P`` itself; either way the packages
    above the target run first, so each of them that is not also above ``module`` is loaded too.
    """
    known = set(known)
    own_packages = {".".join(module.split(".")[:i]) for i in range(1, module.count(".") + 1)}
    if is_package:
        own_packages.add(module)
    found: list[Import] = []

    def add(target: str, line: int, at_import_time: bool, type_checking: bool) -> None:
        while target and target not in known:  # ``import ledger.x.Name`` style: the module part
            target = target.rpartition(".")[0]
        if not target or target == module:
            return
        parts = target.split(".")
        for i in range(1, len(parts) + 1):
            loaded = ".".join(parts[:i])
            if loaded in known and loaded not in own_packages and loaded != module:
                found.append(Import(loaded, line, at_import_time, type_checking))

    def visit(node: ast.AST, at_import_time: bool, type_checking: bool) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node.lineno, at_import_time, type_checking)
        elif isinstance(node, ast.ImportFrom):
            base = _base(node, module, is_package)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                add(submodule if submodule in known else base, node.lineno, at_import_time, type_checking)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            for child in ast.iter_child_nodes(node):
                visit(child, False, type_checking)  # a function body runs when called, not when imported
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, False, True)
            for child in node.orelse:
                visit(child, at_import_time, type_checking)
        else:
            for child in ast.iter_child_nodes(node):
                visit(child, at_import_time, type_checking)

    visit(ast.parse(source), True, False)
    return found


def import_graph(package: Path, root: Path = ROOT) -> dict[str, list[Import]]:
    """Module -> the package's modules it loads."""
    modules = package_modules(package, root)
    return {
        name: imports_of(path.read_text(encoding="utf-8"), name, modules, is_package=path.name == "__init__.py")
        for name, path in modules.items()
    }


def cycles(graph: dict[str, list[Import]], *, executed_only: bool = False) -> list[list[str]]:
    """Every strongly connected component of more than one module (Tarjan), each sorted."""
    edges = {
        name: sorted({i.module for i in found if not (executed_only and i.type_checking)})
        for name, found in graph.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found_cycles: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, []):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found_cycles.append(sorted(component))

    for node in edges:
        if node not in index:
            connect(node)
    return found_cycles


def layer_of(module: str, layers: tuple[tuple[str, ...], ...] = LAYERS) -> int | None:
    """The index of the layer ``module`` belongs to (its longest declared prefix), or None."""
    best: tuple[int, int] | None = None
    for rank, members in enumerate(layers):
        for member in members:
            inside = module == member or (module.startswith(member + ".") and member != "ledger")
            if inside and (best is None or len(member) > best[1]):
                best = (rank, len(member))
    return None if best is None else best[0]


def upward_imports(
    graph: dict[str, list[Import]], layers: tuple[tuple[str, ...], ...] = LAYERS
) -> list[str]:
    """Every import from a lower layer into a higher one, as ``importer:line imports target``."""
    out = []
    for name, found in graph.items():
        own = layer_of(name, layers)
        for i in found:
            target = layer_of(i.module, layers)
            if own is not None and target is not None and target > own:
                out.append(f"{name}:{i.line} imports {i.module} (layer {target} above {own})")
    return out


def depth(graph: dict[str, list[Import]]) -> int:
    """The number of modules on the longest chain of imports that run (type-checking ones left out;
    the graph must be acyclic)."""
    memo: dict[str, int] = {}

    def longest(node: str) -> int:
        if node not in memo:
            runs = (i.module for i in graph.get(node, []) if not i.type_checking)
            memo[node] = 1 + max((longest(m) for m in runs), default=0)
        return memo[node]

    return max((longest(node) for node in graph), default=0)


@pytest.fixture(scope="module")
def graph() -> dict[str, list[Import]]:
    return import_graph(PACKAGE)


# -- the checker, on synthetic packages ---------------------------------------------------------


def _write_package(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / "ledger"


def test_the_resolver_knows_submodules_parents_relative_and_lazy_imports(tmp_path: Path) -> None:
    package = _write_package(
        tmp_path,
        {
            "ledger/__init__.py": "",
            "ledger/errors.py": "",
            "ledger/chain/__init__.py": "",
            "ledger/chain/ethtx.py": "",
            "ledger/chain/rpc.py": (
                "from __future__ import annotations\n"
                "import json\n"
                "from typing import TYPE_CHECKING\n"
                "from . import ethtx\n"
                "from ..errors import ChainError\n"
                "if TYPE_CHECKING:\n"
                "    from ledger.index.store import Store\n"
                "def f() -> None:\n"
                "    import ledger.index.sync\n"
            ),
            "ledger/index/__init__.py": "",
            "ledger/index/store.py": "",
            "ledger/index/sync.py": "",
        },
    )
    found = {(i.module, i.at_import_time, i.type_checking) for i in import_graph(package, tmp_path)["ledger.chain.rpc"]}
    assert found == {
        ("ledger.chain.ethtx", True, False),  # a sibling: not the package it is in
        ("ledger.errors", True, False),  # ``from ..errors import ChainError``: the module, not a name
        ("ledger.index", False, True),  # the parent package runs first
        ("ledger.index.store", False, True),
        ("ledger.index", False, False),
        ("ledger.index.sync", False, False),
    }
    with pytest.raises(ValueError, match="beyond"):
        imports_of("from .... import x\n", "ledger.chain.rpc", set())


def test_the_checker_finds_a_cycle_and_an_import_against_the_layers(tmp_path: Path) -> None:
    package = _write_package(
        tmp_path,
        {
            "ledger/__init__.py": "",
            "ledger/errors.py": "",
            "ledger/credentials/__init__.py": "",
            "ledger/credentials/document.py": "from ledger.credentials.parse import parse\n",
            "ledger/credentials/parse.py": "def parse():\n    from ledger.credentials import document\n",
            "ledger/chain/__init__.py": "",
            "ledger/chain/rpc.py": "from ledger.errors import ChainError\n",
        },
    )
    found = import_graph(package, tmp_path)
    assert cycles(found) == [["ledger.credentials.document", "ledger.credentials.parse"]]
    assert upward_imports(found) == []
    (package / "errors.py").write_text("from ledger.chain import rpc\n")  # the bottom reaching up
    found = import_graph(package, tmp_path)
    assert upward_imports(found) == [
        "ledger.errors:1 imports ledger.chain (layer 9 above 0)",
        "ledger.errors:1 imports ledger.chain.rpc (layer 9 above 0)",
    ]
    assert ["ledger.chain.rpc", "ledger.errors"] in cycles(found)


def test_the_package_is_seen_whole(graph: dict[str, list[Import]]) -> None:
    # A module outside every layer would escape the order rule: each must be declared.
    assert [name for name in graph if layer_of(name) is None] == []
    for name in ("ledger.chain.embedded", "ledger.contracts.abi", "ledger.credentials.document", "ledger.cli.app"):
        assert name in graph, f"{name} is gone: update tests/test_layers.py"
    assert sum(len(found) for found in graph.values()) > 300


# -- the architecture -------------------------------------------------------------------------


def test_one_concept_per_package() -> None:
    top = [p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"]
    assert len(top) <= TOP_LEVEL_MODULES, sorted(top)
    for init in sorted(PACKAGE.glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert doc, f"{init.parent.name}/__init__.py has no docstring saying what the package is"
        assert "May import" in doc, f"{init.parent.name}/__init__.py does not say which packages it may import"


def test_no_import_cycle(graph: dict[str, list[Import]]) -> None:
    assert cycles(graph) == []


def test_imports_point_down_the_layers(graph: dict[str, list[Import]]) -> None:
    assert upward_imports(graph) == []


def test_click_and_rich_only_in_the_cli() -> None:
    offenders = []
    for name, path in package_modules(PACKAGE).items():
        if name == "ledger.cli" or name.startswith("ledger.cli."):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = (
                [a.name for a in node.names] if isinstance(node, ast.Import)
                else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            )
            offenders += [f"{name}:{node.lineno} imports {t}" for t in targets if t.split(".")[0] in ("click", "rich")]
    assert offenders == []


def _reads_environment(tree: ast.AST) -> list[int]:
    """Lines that touch ``os.environ`` / ``os.getenv`` or import them from ``os``."""
    names = {"environ", "environb", "getenv"}
    lines = []
    for node in ast.walk(tree):
        attribute = (
            isinstance(node, ast.Attribute)
            and node.attr in names
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
        )
        imported = (
            isinstance(node, ast.ImportFrom)
            and node.module == "os"
            and any(alias.name in names for alias in node.names)
        )
        if attribute or imported:
            lines.append(getattr(node, "lineno", 0))
    return lines


def test_only_config_and_the_cli_read_the_environment() -> None:
    offenders = [
        f"{name}:{line}"
        for name, path in package_modules(PACKAGE).items()
        if not any(name == m or name.startswith(m + ".") for m in READS_ENVIRONMENT)
        for line in _reads_environment(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert offenders == []


def test_importing_the_cli_loads_no_heavy_or_cli_only_libraries() -> None:
    # A fresh interpreter: this test process has long since imported py-evm and rich.
    script = (
        "import json, sys\n"
        "import ledger.cli\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {list(NOT_LOADED_BY_THE_CLI)!r})))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, check=False, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == []


def _modules_by_layer(graph: dict[str, list[Import]]) -> Iterator[tuple[int, str]]:
    for name in graph:
        rank = layer_of(name)
        assert rank is not None
        yield rank, name


def test_the_graph_is_shallow_enough_to_hold_in_mind(graph: dict[str, list[Import]]) -> None:
    # Not a rule of the design, a guard against a slow drift into one long chain of modules: the flat
    # package before the re-layout was 20 deep (its two cycles counted as one module each), 19 after.
    assert depth(graph) <= 20
    assert max(rank for rank, _ in _modules_by_layer(graph)) == len(LAYERS) - 1
