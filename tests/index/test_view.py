"""The index's ChainView gives the same answers as the contracts' ChainView, at every block."""

from __future__ import annotations

from ledger.index import Index
from ledger.index.view import IndexChainView, reason_name
from ledger.verify.contracts_view import ContractsView

from .history import History


def test_index_view_equals_contracts_view(history: History, index: Index) -> None:
    index.sync(history.chain, history.deployment)
    f = history.facts
    ours, theirs = IndexChainView(index.reader), ContractsView(history.c)
    assert ours.chain_id() == theirs.chain_id()
    assert ours.block_number() == theirs.block_number() == history.head
    root = f["root"]
    assert ours.anchor(root) == theirs.anchor(root)
    assert ours.anchor(b"\x01" * 32) is None and theirs.anchor(b"\x01" * 32) is None
    assert ours.checked_issuance(f["issued"]) == theirs.checked_issuance(f["issued"])
    assert ours.checked_issuance(f["leaf_hashes"][0]) is None
    # From the block where all three contracts exist (the contracts' view cannot be asked earlier).
    for block in range(history.deployment.block_number + 3, history.head + 1):
        for digest, where in [(f["issued"], None), *((h, root) for h in f["leaf_hashes"])]:
            assert ours.status(digest, where, block) == theirs.status(digest, where, block), (block, digest)
        for who in f["keys"].values():
            for type_id in (1, 2):
                assert ours.is_authorized(who.address, type_id, block) == \
                    theirs.is_authorized(who.address, type_id, block)


def test_reason_names() -> None:
    assert reason_name("IssuedInError") == "issued-in-error"
    assert reason_name("Misconduct") == "misconduct"
    assert reason_name("None") is None and reason_name(None) is None
