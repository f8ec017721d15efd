"""The embedded py-evm chain: deploy, send, call, reverts, logs, persistence, locking."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import pytest

from ledger.chain.base import FUNDING, HISTORICAL_STATE, PERSISTENT, PIPELINING, Reverted, Transaction
from ledger.chain.embedded import EmbeddedChain
from ledger.crypto import PrivateKey
from ledger.errors import TransactionRejected, ValidationError

if TYPE_CHECKING:
    from .conftest import ProbeArtifact


def test_identity_and_features(embedded: EmbeddedChain) -> None:
    ident = embedded.identity()
    assert ident.backend == "embedded"
    assert ident.chain_id == 1337
    assert ident.crypto == "ecdsa"
    assert {PERSISTENT, HISTORICAL_STATE, PIPELINING, FUNDING} <= embedded.features
    assert embedded.block_number() == 0


def test_deploy_send_call(embedded: EmbeddedChain, key: PrivateKey, probe_artifact: ProbeArtifact) -> None:
    address = probe_artifact.deploy(embedded, key)
    assert embedded.block_number() == 1
    receipt = embedded.send(key, probe_artifact.set_tx(address, 42, "hello"))
    assert receipt.succeeded
    assert receipt.block_number == 2
    assert receipt.sender == key.address
    assert receipt.gas_used > 21_000
    assert probe_artifact.decode_uint(embedded.call(address, probe_artifact.calldata("value"))) == 42
    # The stored receipt matches the returned one.
    assert embedded.receipt(receipt.tx_hash) == receipt


def test_call_sender(
    embedded: EmbeddedChain, probe: str, probe_artifact: ProbeArtifact, other_key: PrivateKey
) -> None:
    out = embedded.call(probe, probe_artifact.calldata("whoami"), sender=other_key.address)
    assert out[12:] == bytes.fromhex(other_key.address[2:])


def test_reverts_in_send_and_call(
    embedded: EmbeddedChain, key: PrivateKey, probe: str, probe_artifact: ProbeArtifact
) -> None:
    custom = embedded.send(
        key, Transaction(to=probe, data=probe_artifact.calldata("setChecked", 7, 5), gas=200_000)
    )
    assert custom.status == "reverted" and not custom.succeeded
    assert custom.revert_data == probe_artifact.error_data("TooLarge", 7, 5)

    text = embedded.send(
        key, Transaction(to=probe, data=probe_artifact.calldata("setNonZero", 0), gas=200_000)
    )
    assert text.status == "reverted"
    assert text.revert_data == probe_artifact.string_revert("value is zero")

    with pytest.raises(Reverted) as info:
        embedded.call(probe, probe_artifact.calldata("failView", 9))
    assert info.value.data == probe_artifact.error_data("TooLarge", 9, 0)

    out_of_gas = embedded.send(key, probe_artifact.set_tx(probe, 1, "x", gas=22_000))
    assert out_of_gas.status == "reverted"
    assert out_of_gas.revert_data == b""


def test_logs_by_range_address_and_topic(
    embedded: EmbeddedChain, key: PrivateKey, probe_artifact: ProbeArtifact
) -> None:
    first = probe_artifact.deploy(embedded, key)
    second = probe_artifact.deploy(embedded, key)
    blocks = {}
    for value in (1, 2, 3):
        blocks[value] = embedded.send(key, probe_artifact.set_tx(first, value, f"n{value}")).block_number
    other = embedded.send(key, probe_artifact.set_tx(second, 99, "other"))
    topic = probe_artifact.topic("ValueSet")

    all_first = embedded.get_logs(0, embedded.block_number(), [first])
    assert [int.from_bytes(log.topics[2], "big") for log in all_first] == [1, 2, 3]
    assert all(log.address == first and log.topics[0] == topic for log in all_first)
    assert all_first[0].topics[1][12:] == bytes.fromhex(key.address[2:])

    middle = embedded.get_logs(blocks[2], blocks[2], [first])
    assert len(middle) == 1 and middle[0].block_number == blocks[2]

    both = embedded.get_logs(0, embedded.block_number(), [first, second])
    assert len(both) == 4 and both[-1].tx_hash == other.tx_hash

    by_value = embedded.get_logs(
        0, embedded.block_number(), [first, second], [topic, None, (3).to_bytes(32, "big")]
    )
    assert [log.block_number for log in by_value] == [blocks[3]]
    assert embedded.get_logs(0, embedded.block_number(), [first], [b"\x00" * 32]) == []


def test_send_many_one_block(
    embedded: EmbeddedChain, key: PrivateKey, probe: str, probe_artifact: ProbeArtifact
) -> None:
    before = embedded.block_number()
    receipts = embedded.send_many(key, [probe_artifact.set_tx(probe, v, "") for v in range(1, 21)])
    assert len(receipts) == 20
    assert {r.block_number for r in receipts} == {before + 1}
    assert all(r.succeeded for r in receipts)
    assert [log.log_index for r in receipts for log in r.logs] == list(range(20))
    assert probe_artifact.decode_uint(embedded.call(probe, probe_artifact.calldata("value"))) == 20


def test_call_at_old_block(
    embedded: EmbeddedChain, key: PrivateKey, probe: str, probe_artifact: ProbeArtifact
) -> None:
    at = {}
    for value in (10, 20, 30):
        at[value] = embedded.send(key, probe_artifact.set_tx(probe, value)).block_number
    for value, block in at.items():
        assert (
            probe_artifact.decode_uint(embedded.call(probe, probe_artifact.calldata("value"), block=block))
            == value
        )
    with pytest.raises(ValidationError):
        embedded.call(probe, probe_artifact.calldata("value"), block=embedded.block_number() + 1)


def test_timestamps_strictly_increase(
    embedded: EmbeddedChain, key: PrivateKey, probe: str, probe_artifact: ProbeArtifact
) -> None:
    for value in range(5):
        embedded.send(key, probe_artifact.set_tx(probe, value))
    stamps = [embedded.block_timestamp(n) for n in range(embedded.block_number() + 1)]
    assert all(b > a for a, b in itertools.pairwise(stamps))


def test_rejected_batch_leaves_no_block(
    embedded: EmbeddedChain, key: PrivateKey, probe: str, probe_artifact: ProbeArtifact
) -> None:
    before = embedded.block_number()
    bad = Transaction(to=probe, data=probe_artifact.calldata("set", 5, ""), gas=1_000)  # below intrinsic gas
    with pytest.raises(TransactionRejected):
        embedded.send_many(key, [probe_artifact.set_tx(probe, 4), bad])
    assert embedded.block_number() == before
    assert probe_artifact.decode_uint(embedded.call(probe, probe_artifact.calldata("value"))) == 0
    # The chain still works and nonces were not consumed.
    assert embedded.send(key, probe_artifact.set_tx(probe, 6)).succeeded


def test_fund(embedded: EmbeddedChain, other_key: PrivateKey) -> None:
    embedded.fund(other_key.address, 10**18)
    assert embedded.balance(other_key.address) == 10**18
    value_tx = Transaction(to="0x" + "22" * 20, data=b"", gas=21_000, value=10**17)
    assert embedded.send(other_key, value_tx).succeeded
    assert embedded.balance("0x" + "22" * 20) == 10**17
