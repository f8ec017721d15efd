"""Fixtures shared across the test packages: FISCO BCOS's own test vectors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

#: The committed copy of ``shared/fisco/vectors.json`` (transactions made with FISCO's own SDK code).
FISCO_VECTORS = Path(__file__).resolve().parent / "chain" / "fisco" / "vectors.json"


@pytest.fixture(scope="session")
def vectors() -> dict[str, Any]:
    """FISCO's test vectors (used by the FISCO codec tests and the SM2/SM3 tests)."""
    return json.loads(FISCO_VECTORS.read_text())
