from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ledger.chain.embedded import EmbeddedChain
from ledger.index import Index
from ledger.index.schema import TABLES

from .history import History, full_history


def dump(index: Index) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted: two indexes with equal dumps hold the same facts."""
    return {t: sorted(tuple(r) for r in index.conn.execute(f"SELECT * FROM {t}")) for t in TABLES}


@pytest.fixture(scope="module")
def history() -> Iterator[History]:
    chain = EmbeddedChain(None)
    try:
        yield full_history(chain)
    finally:
        chain.close()


@pytest.fixture()
def index() -> Iterator[Index]:
    ix = Index.open(None)
    try:
        yield ix
    finally:
        ix.close()
