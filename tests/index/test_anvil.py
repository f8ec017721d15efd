"""The index on a real node: anvil from npm through the rpc backend (JSON-RPC eth_getLogs)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ledger.chain.rpc import RpcChain
from ledger.index import Index
from tests.anvil import Anvil

from .conftest import dump
from .history import History, full_history, key

pytestmark = pytest.mark.anvil


@pytest.fixture(scope="module")
def anvil_history() -> Iterator[History]:
    with Anvil(mining="auto") as node:
        chain = RpcChain([node.url])
        for name in ("admin", "uni", "college", "college2", "community", "maintainer", "enterprise", "member2",
                     "member3"):
            chain.fund(key(name).address, 10**24)
        try:
            yield full_history(chain)
        finally:
            chain.close()


def test_sync_over_json_rpc(anvil_history: History) -> None:
    hist = anvil_history
    with Index.open(None) as whole, Index.open(None) as pieces:
        result = whole.sync(hist.chain, hist.deployment)
        assert result.events == len(hist.c.events()) > 50
        for to_block in range(hist.deployment.block_number, hist.head + 1, 7):
            pieces.sync(hist.chain, hist.deployment, to_block=to_block)
        pieces.sync(hist.chain, hist.deployment)
        assert dump(pieces) == dump(whole)
        f = hist.facts
        status = whole.reader.leaf_status_at(f["keys"]["uni"].address, f["root"], 1)
        assert status is not None and status.status == "Revoked"
        for number, stamp in whole.conn.execute("SELECT number, timestamp FROM blocks"):
            assert hist.chain.block_timestamp(number) == stamp
