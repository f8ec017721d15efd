"""The names the packages export: each is the very object its defining module holds, every package
imports first in a fresh interpreter, and ``from ledger import Ledger`` works without loading the
library until it is used."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Packages whose ``__init__`` re-exports names of their modules.
EXPORTING = (
    "ledger.crypto",
    "ledger.identity",
    "ledger.contributions",
    "ledger.credentials",
    "ledger.verify",
    "ledger.issuance",
    "ledger.index",
    "ledger.audit",
)
#: Every subpackage (imported first, alone, in a fresh interpreter).
PACKAGES = sorted(
    "ledger." + p.parent.relative_to(ROOT / "ledger").as_posix().replace("/", ".")
    for p in (ROOT / "ledger").glob("*/**/__init__.py")
)


@pytest.mark.parametrize("package", EXPORTING)
def test_all_names_exist_and_come_from_the_package_s_own_modules(package: str) -> None:
    module = importlib.import_module(package)
    assert module.__all__, package
    for name in module.__all__:
        value = getattr(module, name)
        if (isinstance(value, type) or inspect.isfunction(value)) and value.__name__ == name:  # not an alias
            home = value.__module__
            assert home == package or home.startswith(package + "."), f"{package}.{name} is defined in {home}"


@pytest.mark.parametrize(
    ("name", "home"),
    [
        ("ledger.credentials.Credential", "ledger.credentials.document"),
        ("ledger.credentials.parse_credential", "ledger.credentials.parse"),
        ("ledger.credentials.attach_batch_proofs", "ledger.credentials.batch"),
        ("ledger.verify.verify_credential", "ledger.verify.verifier"),
        ("ledger.verify.StaticChainView", "ledger.verify.snapshot"),
        ("ledger.verify.CredentialReport", "ledger.verify.report"),
        ("ledger.crypto.PrivateKey", "ledger.crypto.keys"),
        ("ledger.crypto.keccak256", "ledger.crypto.hashing"),
        ("ledger.issuance.Journal", "ledger.issuance.journal"),
        ("ledger.contributions.contribution_key", "ledger.contributions.sources"),
    ],
)
def test_an_exported_name_is_the_defining_module_s_object(name: str, home: str) -> None:
    package, _, attribute = name.rpartition(".")
    assert getattr(importlib.import_module(package), attribute) is getattr(importlib.import_module(home), attribute)


def test_an_unknown_name_is_an_attribute_error() -> None:
    import ledger

    with pytest.raises(AttributeError, match="no_such_name"):
        ledger.no_such_name  # noqa: B018


@pytest.mark.parametrize("package", PACKAGES)
def test_any_package_can_be_imported_first(package: str) -> None:
    # A fresh interpreter: an import cycle shows only on the first import of one of its modules.
    done = subprocess.run(
        [sys.executable, "-c", f"import {package}"], cwd=ROOT, capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr


def test_the_facade_is_exported_lazily() -> None:
    code = (
        "import sys, ledger\n"
        "assert 'ledger.ledger' not in sys.modules\n"
        "from ledger import Ledger\n"
        "from ledger.ledger import Ledger as Facade\n"
        "assert Ledger is Facade\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr
