"""Meta-tests: the import layers of DESIGN.md section 4 hold.

The package's source is parsed with :mod:`ast` (nothing is imported), every import is resolved to an
absolute module name (relative imports included) and the rules below are checked:

* click and rich live only in the CLI (``ledger.cli``);
* the chain backends (``ledger.chain``) never import the layers above them;
* pure-logic modules never import ``ledger.chain`` or the contracts layer (``ledger.contracts`` and
  the modules split from it) when they are imported (a function may import lazily; a
  ``TYPE_CHECKING`` block is for the type checker only);
* nothing below ``config.py`` and the CLI reads the environment;
* ``import ledger.cli`` (what ``ledger --help`` pays for) loads neither web3, py-evm nor rich.

The scanner itself is checked on a small synthetic module first, so that a scanner that finds no
imports cannot make the layer tests pass.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ledger"

#: Modules of pure logic (DESIGN.md section 4): no chain, no contracts when they are imported.
PURE_LOGIC = (
    "ledger.canonical",
    "ledger.merkle",
    "ledger.credential",
    "ledger.credential_hashing",
    "ledger.credential_parts",
    "ledger.credential_batch",
    "ledger.credential_bundle",
    "ledger.credential_fields",
    "ledger.credential_proof",
    "ledger.credential_parse",
    "ledger.credential_files",
    "ledger.verification",
    "ledger.verification_report",
    "ledger.verification_steps",
    "ledger.verifying",
    "ledger.standards",
    "ledger.contribution",
    "ledger.privacy",
    "ledger.crypto",
)
#: The contracts layer: ``ledger.contracts`` and the modules split from it.
CONTRACTS_LAYER = (
    "ledger.contracts",
    "ledger.contract_send",
    "ledger.contract_facade",
    "ledger.issuer_registry",
    "ledger.contribution_ledger",
    "ledger.credential_registry",
)
#: What the chain backends must never import: everything that sits above them.
ABOVE_THE_CHAIN = (
    "ledger.ledger",
    "ledger.cli",
    "ledger.index",
    "ledger.audit",
    *CONTRACTS_LAYER,
    "ledger.issuance",
    "ledger.governance",
    "ledger.recording",
    "ledger.certifying",
    "ledger.demo",
)
#: Modules allowed to read environment variables (DESIGN.md section 8, STYLE.md).
READS_ENVIRONMENT = ("ledger.config", "ledger.cli")
#: Heavy or CLI-only distributions that ``import ledger.cli`` must not load.
NOT_LOADED_BY_THE_CLI = ("web3", "eth", "eth_tester", "rich")


@dataclass(frozen=True)
class Import:
    """One import statement's target, resolved to an absolute dotted module name."""

    module: str
    line: int
    at_import_time: bool  # executed when the importing module is imported


def module_name(path: Path) -> str:
    """``ledger/chain/rpc.py`` -> ``ledger.chain.rpc``; a package's ``__init__`` is the package."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """Absolute targets of ``from X import a, b``: ``X`` and ``X.a``, ``X.b`` (each may be a module)."""
    if node.level:
        package = module.split(".") if is_package else module.split(".")[:-1]
        if node.level - 1 > len(package) - 1:
            raise ValueError(f"{module}:{node.lineno}: relative import beyond the top-level package")
        base = package[: len(package) - (node.level - 1)]
        if node.module:
            base = [*base, *node.module.split(".")]
        prefix = ".".join(base)
    else:
        prefix = node.module or ""
    return [prefix, *(f"{prefix}.{alias.name}" for alias in node.names if alias.name != "*")]


def imports_of(source: str, module: str, *, is_package: bool = False) -> list[Import]:
    """Every import in ``source`` (the text of ``module``), with whether it runs at import time."""
    found: list[Import] = []

    def visit(node: ast.AST, at_import_time: bool) -> None:
        if isinstance(node, ast.Import):
            found.extend(Import(alias.name, node.lineno, at_import_time) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.extend(Import(m, node.lineno, at_import_time) for m in _resolve(node, module, is_package))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            for child in ast.iter_child_nodes(node):
                visit(child, False)  # a function body runs when called, not when imported
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, False)  # for the type checker only
            for child in node.orelse:
                visit(child, at_import_time)
        else:
            for child in ast.iter_child_nodes(node):
                visit(child, at_import_time)

    visit(ast.parse(source), True)
    return found


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


def _package_modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        yield module_name(path), path


def _all_imports() -> dict[str, list[Import]]:
    return {
        name: imports_of(path.read_text(encoding="utf-8"), name, is_package=path.name == "__init__.py")
        for name, path in _package_modules()
    }


def _within(module: str, packages: tuple[str, ...] | str) -> bool:
    roots = (packages,) if isinstance(packages, str) else packages
    return any(module == root or module.startswith(root + ".") for root in roots)


@pytest.fixture(scope="module")
def package_imports() -> dict[str, list[Import]]:
    return _all_imports()


# -- the scanner ---------------------------------------------------------------------------------


def test_the_scanner_resolves_relative_imports_and_tells_import_time_from_lazy() -> None:
    source = """
from __future__ import annotations
import json, click.testing
from typing import TYPE_CHECKING
from . import ethtx
from ..errors import ChainError
from .fisco import tars as t

if TYPE_CHECKING:
    from ..contracts import Contracts
else:
    from ..types import IssuerKind

class C:
    from ..merkle import MerkleTree

    def m(self) -> None:
        from ..index.store import Store

def f() -> None:
    import rich
"""
    found = {(i.module, i.at_import_time) for i in imports_of(source, "ledger.chain.rpc")}
    assert {
        ("json", True),
        ("click.testing", True),
        ("ledger.chain", True),
        ("ledger.chain.ethtx", True),
        ("ledger.errors", True),
        ("ledger.errors.ChainError", True),
        ("ledger.chain.fisco.tars", True),
        ("ledger.contracts", False),
        ("ledger.types", True),
        ("ledger.merkle", True),
        ("ledger.index.store", False),
        ("rich", False),
    } <= found
    # In a package's __init__, "." is the package itself.
    in_init = {i.module for i in imports_of("from .base import Log\n", "ledger.chain", is_package=True)}
    assert "ledger.chain.base" in in_init
    with pytest.raises(ValueError, match="beyond"):
        imports_of("from .... import x\n", "ledger.chain.rpc")


def test_the_package_is_seen_whole(package_imports: dict[str, list[Import]]) -> None:
    # A renamed or moved module must not make a rule below pass by matching nothing.
    others = ("ledger.chain.embedded", "ledger.chain.rpc", "ledger.cli.app", "ledger.config")
    for name in (*PURE_LOGIC, *CONTRACTS_LAYER, *others):
        assert name in package_imports, f"{name} is gone: update tests/test_layers.py"
    cli_imports = {
        i.module.split(".")[0]
        for name, found in package_imports.items()
        if _within(name, "ledger.cli")
        for i in found
    }
    assert {"click", "rich"} <= cli_imports


# -- the layers ----------------------------------------------------------------------------------


def test_click_and_rich_only_in_the_cli(package_imports: dict[str, list[Import]]) -> None:
    offenders = [
        f"{name}:{i.line} imports {i.module}"
        for name, found in package_imports.items()
        if not _within(name, "ledger.cli")
        for i in found
        if _within(i.module, ("click", "rich"))
    ]
    assert offenders == []


def test_chain_backends_never_import_the_layers_above(package_imports: dict[str, list[Import]]) -> None:
    offenders = [
        f"{name}:{i.line} imports {i.module}"
        for name, found in package_imports.items()
        if _within(name, "ledger.chain")
        for i in found
        if _within(i.module, ABOVE_THE_CHAIN)
    ]
    assert offenders == []


@pytest.mark.parametrize("module", PURE_LOGIC)
def test_pure_logic_does_not_import_the_chain_or_the_contracts(
    module: str, package_imports: dict[str, list[Import]]
) -> None:
    offenders = [
        f"{module}:{i.line} imports {i.module}"
        for i in package_imports[module]
        if i.at_import_time and _within(i.module, ("ledger.chain", *CONTRACTS_LAYER))
    ]
    assert offenders == []


def test_only_config_and_the_cli_read_the_environment() -> None:
    offenders = [
        f"{name}:{line}"
        for name, path in _package_modules()
        if not _within(name, READS_ENVIRONMENT)
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
