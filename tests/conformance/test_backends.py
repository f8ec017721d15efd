"""One set of behaviours every chain backend must show, run against each backend in ``conftest.BACKENDS``.

Optional features (``ledger.chain.base``: persistent, historical_state, pipelining, funding, log_filter) are read
from the backend's declaration: a declared feature is tested, a missing one shows as XFAIL with the
reason, or, where the interface promises an error for it, the error is asserted. Behaviours a backend's
protocol cannot offer (``conftest.GAPS``) are asserted to raise ``CapabilityError``, then XFAIL.
"""

from __future__ import annotations

import time

import pytest

from ledger.chain.base import (
    FUNDING,
    HISTORICAL_STATE,
    LOG_FILTER,
    PERSISTENT,
    PIPELINING,
    ChainBackend,
    Outgoing,
    Receipt,
    Reverted,
    observing_outgoing,
)
from ledger.crypto.hashing import to_checksum_address
from ledger.crypto.keys import PrivateKey
from ledger.errors import CapabilityError, UnknownRevert
from tests.conformance.conftest import CALL_SENDER, SEND_MANY_ORDER, Harness, require
from tests.conformance.probe import Probe, TooLarge, topic_address, topic_uint, uint

KNOWN_FEATURES = {PERSISTENT, HISTORICAL_STATE, PIPELINING, FUNDING, LOG_FILTER}


def test_identity_is_stable_and_declares_known_features(harness: Harness, chain: ChainBackend) -> None:
    identity = chain.identity()
    assert identity.chain_id == harness.chain_id
    assert harness.extra.items() <= identity.extra.items()
    assert identity.backend == chain.name
    assert identity.crypto == harness.crypto  # read from the node where the protocol tells
    assert chain.identity().chain_id == identity.chain_id
    assert set(chain.features) <= KNOWN_FEATURES


def test_deploy_receipt(chain: ChainBackend, key: PrivateKey, probe: Probe) -> None:
    before = chain.block_number()
    receipt = chain.deploy(key, probe.bytecode, gas=1_000_000)
    assert receipt.succeeded and receipt.status == "ok"
    assert receipt.contract_address is not None
    assert receipt.contract_address == to_checksum_address(bytes.fromhex(receipt.contract_address[2:]))
    assert before < receipt.block_number <= chain.block_number()
    assert len(receipt.tx_hash) == 32
    assert 0 < receipt.gas_used <= 1_000_000
    assert receipt.sender == key.address


def test_send_then_call_reads_the_new_state(
    harness: Harness, chain: ChainBackend, key: PrivateKey, probe: Probe, deployed: str
) -> None:
    receipt = chain.send(key, probe.tx(deployed, "set", 42, "hello"))
    assert receipt.succeeded
    assert receipt.contract_address is None
    assert uint(chain.call(deployed, probe.calldata("value"))) == 42
    (log,) = receipt.logs
    assert log.address == deployed
    assert log.topics == (probe.topic("ValueSet"), topic_address(key.address), topic_uint(42))
    assert log.block_number == receipt.block_number and log.tx_hash == receipt.tx_hash
    assert chain.get_logs(receipt.block_number, receipt.block_number, [deployed]) == [log]


def test_call_passes_the_sender(harness: Harness, chain: ChainBackend, probe: Probe, deployed: str) -> None:
    someone = PrivateKey.generate().address
    if CALL_SENDER in harness.gaps:
        # Not silently ignored (a msg.sender-dependent view would answer for the wrong account).
        with pytest.raises(CapabilityError):
            chain.call(deployed, probe.calldata("whoami"), sender=someone)
        assert len(chain.call(deployed, probe.calldata("whoami"))) == 32  # without one it works
        pytest.xfail(f"backend {harness.name}: {harness.gaps[CALL_SENDER]} (CapabilityError checked)")
    assert chain.call(deployed, probe.calldata("whoami"), sender=someone)[12:] == bytes.fromhex(someone[2:])


def test_call_revert_decodes_into_the_error_class(chain: ChainBackend, probe: Probe, deployed: str) -> None:
    with pytest.raises(Reverted) as caught:
        chain.call(deployed, probe.calldata("setChecked", 7, 3))
    error = probe.decode_error(caught.value.data)
    assert isinstance(error, TooLarge)
    assert (error.value, error.limit) == (7, 3)

    with pytest.raises(Reverted) as caught:
        chain.call(deployed, probe.calldata("setNonZero", 0))
    reason = probe.decode_error(caught.value.data)
    assert isinstance(reason, UnknownRevert) and reason.reason == "value is zero"


def test_reverted_transaction_has_a_receipt_with_revert_data(
    chain: ChainBackend, key: PrivateKey, probe: Probe, deployed: str
) -> None:
    receipt = chain.send(key, probe.tx(deployed, "setChecked", 9, 2))
    assert receipt.status == "reverted" and not receipt.succeeded
    assert receipt.logs == ()
    assert receipt.revert_data is not None
    error = probe.decode_error(receipt.revert_data)
    assert isinstance(error, TooLarge) and (error.value, error.limit) == (9, 2)
    assert uint(chain.call(deployed, probe.calldata("value"))) == 0  # nothing was written


def test_logs_by_block_range_and_topics(
    harness: Harness, chain: ChainBackend, key: PrivateKey, probe: Probe, deployed: str
) -> None:
    blocks = [
        chain.send(key, probe.tx(deployed, "set", value, f"n{value}")).block_number for value in (1, 2, 3)
    ]
    assert blocks == sorted(blocks) and len(set(blocks)) == 3

    values = lambda logs: [int.from_bytes(log.topics[2], "big") for log in logs]
    sender = topic_address(key.address)
    assert values(chain.get_logs(blocks[0], blocks[2], [deployed])) == [1, 2, 3]
    assert values(chain.get_logs(blocks[1], blocks[1], [deployed])) == [2]
    assert values(chain.get_logs(blocks[0], blocks[2], [deployed], [None, None, topic_uint(3)])) == [3]
    by_sender = chain.get_logs(blocks[0], blocks[2], [deployed], [probe.topic("ValueSet"), sender])
    assert values(by_sender) == [1, 2, 3]
    assert chain.get_logs(blocks[0], blocks[2], [PrivateKey.generate().address]) == []
    assert chain.get_logs(blocks[0], blocks[2], [deployed], [probe.topic("ValueSet"), bytes(32)]) == []


def test_block_timestamps_are_real_and_ordered(
    chain: ChainBackend, key: PrivateKey, probe: Probe, deployed: str
) -> None:
    first = chain.send(key, probe.tx(deployed, "set", 5, "")).block_number
    second = chain.send(key, probe.tx(deployed, "set", 6, "")).block_number
    t1, t2 = chain.block_timestamp(first), chain.block_timestamp(second)
    assert t1 <= t2
    assert abs(t2 - time.time()) < 120
    # several at once (one round trip where the backend can batch): the same answers
    assert chain.block_timestamps([second, first]) == {second: t2, first: t1}
    assert chain.block_timestamps([]) == {}


def _in_order_or_gap(harness: Harness, receipts: list[Receipt], deployed: str, last: int) -> None:
    """The state after a burst is the last transaction's, or, where the backend declares that a burst's
    execution order is not the order given, the value set by whichever ran last in the chain's order
    (then an XFAIL)."""
    chain = harness.chain
    value = uint(chain.call(deployed, Probe.load().calldata("value")))
    if SEND_MANY_ORDER in harness.gaps:
        blocks = [r.block_number for r in receipts]
        ran_last = chain.get_logs(min(blocks), max(blocks), [deployed])[-1]
        assert value == int.from_bytes(ran_last.topics[2], "big")
        pytest.xfail(f"backend {harness.name}: {harness.gaps[SEND_MANY_ORDER]}")
    assert value == last


def test_send_many_returns_receipts_in_order(
    harness: Harness, chain: ChainBackend, key: PrivateKey, probe: Probe, deployed: str
) -> None:
    txs = [probe.tx(deployed, "set", value, "") for value in range(100, 130)]
    receipts = chain.send_many(key, txs)
    assert len(receipts) == len(txs)
    assert all(r.succeeded for r in receipts)
    assert [int.from_bytes(r.logs[0].topics[2], "big") for r in receipts] == list(range(100, 130))
    assert len({r.tx_hash for r in receipts}) == len(txs)
    _in_order_or_gap(harness, receipts, deployed, 129)


def test_send_many_keeps_going_past_a_revert(
    harness: Harness, chain: ChainBackend, key: PrivateKey, probe: Probe, deployed: str
) -> None:
    txs = [
        probe.tx(deployed, "set", 1, ""),
        probe.tx(deployed, "setChecked", 50, 10),
        probe.tx(deployed, "set", 3, ""),
    ]
    receipts = chain.send_many(key, txs)
    assert [r.status for r in receipts] == ["ok", "reverted", "ok"]
    assert receipts[1].revert_data is not None
    assert isinstance(probe.decode_error(receipts[1].revert_data), TooLarge)
    ok = [r for r in receipts if r.succeeded]
    _in_order_or_gap(harness, ok, deployed, 3)


def test_signed_transactions_are_announced_and_can_be_looked_up_and_sent_again(
    chain: ChainBackend, key: PrivateKey, probe: Probe, deployed: str
) -> None:
    """What the burst journal (``ledger.chain.bursts``) needs of every backend: each signed transaction
    shown before it leaves, its receipt found by hash, and the signed bytes sent again without harm."""
    seen: list[Outgoing] = []
    with observing_outgoing(seen.extend):
        receipts = chain.send_many(key, [probe.tx(deployed, "set", v, "") for v in (71, 72)])
    mined = {r.tx_hash for r in receipts}
    assert mined <= {o.tx_hash for o in seen}
    assert {o.data for o in seen if o.tx_hash in mined} == {probe.calldata("set", v, "") for v in (71, 72)}
    for receipt in receipts:
        found = chain.receipt(receipt.tx_hash)
        assert found is not None and found.tx_hash == receipt.tx_hash and found.block_number == receipt.block_number
    assert chain.receipt(b"\x42" * 32) is None
    raw = next(o.raw for o in seen if o.tx_hash == receipts[0].tx_hash)
    assert isinstance(chain.rebroadcast(raw, receipts[0].tx_hash), bool)  # already mined: the node must not mine it twice
    logs = chain.get_logs(min(r.block_number for r in receipts), chain.block_number(), [deployed], [probe.topic("ValueSet")])
    assert sorted(int.from_bytes(log.topics[2], "big") for log in logs if log.topics[2] in
                  (topic_uint(71), topic_uint(72))) == [71, 72]  # each once


def test_pipelining_is_declared_where_send_many_batches(harness: Harness, chain: ChainBackend) -> None:
    require(harness, PIPELINING)
    assert type(chain).send_many is not ChainBackend.send_many  # a backend of its own, not one by one


def test_funding_gives_a_new_account_gas_money(harness: Harness, chain: ChainBackend, probe: Probe) -> None:
    require(harness, FUNDING)
    newcomer = PrivateKey.generate()
    assert chain.balance(newcomer.address) == 0
    chain.fund(newcomer.address, 10**20)
    assert chain.balance(newcomer.address) == 10**20
    assert probe.deploy(chain, newcomer)


def test_calls_at_an_old_block(
    harness: Harness, chain: ChainBackend, key: PrivateKey, probe: Probe, deployed: str
) -> None:
    old = chain.send(key, probe.tx(deployed, "set", 11, "")).block_number
    chain.send(key, probe.tx(deployed, "set", 12, ""))
    if HISTORICAL_STATE not in chain.features:
        # The interface's promise for a backend without history: a clear CapabilityError, not stale data.
        with pytest.raises(CapabilityError):
            chain.call(deployed, probe.calldata("value"), block=old)
        pytest.xfail(f"backend {harness.name} declares no {HISTORICAL_STATE} (CapabilityError checked)")
    assert uint(chain.call(deployed, probe.calldata("value"), block=old)) == 11
    assert uint(chain.call(deployed, probe.calldata("value"))) == 12


def test_state_survives_a_restart(harness: Harness, key: PrivateKey, probe: Probe, deployed: str) -> None:
    require(harness, PERSISTENT)
    receipt = harness.chain.send(key, probe.tx(deployed, "set", 77, "kept"))
    height = harness.chain.block_number()
    reopened = harness.reopen()
    assert reopened.block_number() == height
    assert uint(reopened.call(deployed, probe.calldata("value"))) == 77
    (log,) = reopened.get_logs(receipt.block_number, receipt.block_number, [deployed])
    assert log.tx_hash == receipt.tx_hash
    assert reopened.send(key, probe.tx(deployed, "set", 78, "")).succeeded  # nonces continue
