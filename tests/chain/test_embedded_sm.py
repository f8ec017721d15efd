"""The embedded chain in SM mode: FISCO BCOS's SM semantics (SM2 transactions, SM3 for KECCAK256 and addresses)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ledger.chain.base import Transaction
from ledger.chain.embedded import Admitted, EmbeddedChain
from ledger.chain.evm import fisco3_contract_address, rlp_contract_address
from ledger.chain.fisco import v3
from ledger.crypto.hashing import keccak256, sm3, to_checksum_address
from ledger.crypto.keys import PrivateKey
from ledger.errors import CapabilityError, ConfigError

# init code returning runtime code that answers keccak256(uint256(9)) as computed by opcode 0x20:
# mstore(0, 9); mstore(0, keccak256(0, 32)); return(0, 32)
_RUNTIME = bytes.fromhex("6009600052" "60206000" "20" "600052" "60206000f3")
_INIT = bytes.fromhex("60" + f"{len(_RUNTIME):02x}" + "600c60003960" + f"{len(_RUNTIME):02x}" + "6000f3") + _RUNTIME
# init code whose contract CREATEs an empty contract and answers its address
_CREATOR_RUNTIME = bytes.fromhex("600060006000f0" "600052" "60206000f3")
_CREATOR_INIT = (
    bytes.fromhex("60" + f"{len(_CREATOR_RUNTIME):02x}" + "600c60003960" + f"{len(_CREATOR_RUNTIME):02x}" + "6000f3")
    + _CREATOR_RUNTIME
)
_NINE = (9).to_bytes(32, "big")


def test_the_keccak256_opcode_computes_sm3_on_an_sm_chain_only() -> None:
    answers = {}
    for crypto in ("ecdsa", "sm"):
        with EmbeddedChain(None, crypto=crypto) as chain:
            key = PrivateKey.generate(crypto)
            receipt = chain.deploy(key, _INIT, gas=200_000)
            assert receipt.succeeded and receipt.contract_address
            answers[crypto] = chain.call(receipt.contract_address, b"")
    assert answers == {"ecdsa": keccak256(_NINE), "sm": sm3(_NINE)}


def test_sm_transactions_are_fisco_3x_transactions_signed_with_sm2(tmp_path: Path) -> None:
    key = PrivateKey.generate("sm")
    with EmbeddedChain(tmp_path / "chain.sqlite", crypto="sm") as chain:
        assert chain.identity().crypto == "sm" and chain.crypto == "sm"
        deployed = chain.deploy(key, _INIT, gas=200_000, abi='[{"type":"fallback"}]')
        # FISCO 3.x's address rule: SM3("<block>_<index>_0")[:20]
        assert deployed.contract_address == to_checksum_address(
            fisco3_contract_address("sm", deployed.block_number, 0)
        )
        assert deployed.sender == key.address == to_checksum_address(sm3(key.public_key)[12:])
        row = chain._checked_store().tx(deployed.tx_hash)
        assert row is not None and row.raw is not None and row.nonce is not None
        decoded = v3.decode_transaction(row.raw)  # the stored transaction verifies and names the same hash
        assert decoded.crypto == "sm" and decoded.sender == key.address and decoded.hash == deployed.tx_hash
        assert decoded.data["abi"] == '[{"type":"fallback"}]' and decoded.data["nonce"].encode() == row.nonce
        assert chain.block_number() < decoded.data["blockLimit"] <= chain.block_number() + 500
        assert chain.receipt(deployed.tx_hash) == deployed
    with EmbeddedChain(tmp_path / "chain.sqlite") as reopened:  # the mode is the file's
        assert reopened.crypto == "sm" and reopened.address_rule == "fisco3"
        assert reopened.call(deployed.contract_address, b"") == sm3(_NINE)
    with pytest.raises(ConfigError, match="SM chain"):
        EmbeddedChain(tmp_path / "chain.sqlite", crypto="ecdsa")


def test_keys_of_the_other_mode_are_refused() -> None:
    with EmbeddedChain(None, crypto="sm") as chain, pytest.raises(CapabilityError):
        chain.send(PrivateKey.generate(), Transaction(to=None, data=_INIT, gas=200_000))
    with EmbeddedChain(None) as chain, pytest.raises(CapabilityError):
        chain.send(PrivateKey.generate("sm"), Transaction(to=None, data=_INIT, gas=200_000))


def test_create_derives_addresses_with_the_chains_hash() -> None:
    for crypto in ("ecdsa", "sm"):
        with EmbeddedChain(None, crypto=crypto) as chain:
            key = PrivateKey.generate(crypto)
            creator = chain.deploy(key, _CREATOR_INIT, gas=300_000).contract_address
            assert creator is not None
            raw = bytes.fromhex(creator[2:])
            # a call CREATEs too (then reverts): it answers the address the next CREATE gets; a contract
            # starts at nonce 1 (EIP-161)
            assert chain.call(creator, b"")[12:] == rlp_contract_address(crypto, raw, 1)
            assert chain.send(key, Transaction(to=creator, data=b"", gas=300_000)).succeeded
            assert chain.call(creator, b"")[12:] == rlp_contract_address(crypto, raw, 2)
    assert rlp_contract_address("ecdsa", b"\x01" * 20, 0) != rlp_contract_address("sm", b"\x01" * 20, 0)


def test_mined_admitted_transactions_keep_their_hash_sender_and_rule() -> None:
    with EmbeddedChain(None, crypto="sm", address_rule="rlp") as chain:
        sender = to_checksum_address(b"\x42" * 20)
        receipts = chain.mine([
            Admitted(b"\x01" * 32, sender, None, _INIT, 3_000_000, raw=b"raw-1", nonce=b"n1"),
            Admitted(b"\x02" * 32, sender, None, _INIT, 3_000_000, raw=b"raw-2", nonce=b"n2"),
        ])
        assert [r.tx_hash for r in receipts] == [b"\x01" * 32, b"\x02" * 32]
        assert [r.sender for r in receipts] == [sender, sender]
        # FISCO 2.x's rule on an SM chain: SM3(rlp([sender, nonce]))[12:], nonces counted by the chain
        assert [r.contract_address for r in receipts] == [
            to_checksum_address(rlp_contract_address("sm", b"\x42" * 20, n)) for n in (0, 1)
        ]
        store = chain._checked_store()
        assert [t.hash for t in store.txs_of_block(receipts[0].block_number)] == [b"\x01" * 32, b"\x02" * 32]
        assert [(t.raw, t.nonce) for t in store.txs_of_block(receipts[0].block_number)] == [
            (b"raw-1", b"n1"), (b"raw-2", b"n2")]
        assert store.deployment_of(bytes.fromhex(receipts[1].contract_address[2:])).hash == b"\x02" * 32
        assert store.tx_count() == 2


def test_a_database_of_schema_1_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "chain.sqlite"
    key = PrivateKey.generate()
    with EmbeddedChain(path) as chain:
        first = chain.deploy(key, _INIT, gas=200_000)
    conn = sqlite3.connect(path)
    conn.executescript(
        "DROP INDEX txs_by_contract; DROP INDEX txs_by_block;"
        "ALTER TABLE txs DROP COLUMN raw; ALTER TABLE txs DROP COLUMN nonce;"
        "UPDATE meta SET value = '1' WHERE key = 'schema_version';"
    )
    conn.close()
    with EmbeddedChain(path) as chain:
        assert chain.receipt(first.tx_hash) == first
        assert chain.send(key, Transaction(to=first.contract_address, data=b"", gas=100_000)).succeeded
        assert chain._checked_store().get_meta("schema_version") == "2"


# init code returning runtime code that answers block.timestamp: mstore(0, timestamp()); return(0, 32)
_CLOCK_RUNTIME = bytes.fromhex("42600052" "60206000f3")
_CLOCK_INIT = (
    bytes.fromhex("60" + f"{len(_CLOCK_RUNTIME):02x}" + "600c60003960" + f"{len(_CLOCK_RUNTIME):02x}" + "6000f3")
    + _CLOCK_RUNTIME
)


def test_a_fisco_clock_gives_block_timestamp_in_milliseconds_and_is_kept_with_the_chain(tmp_path: Path) -> None:
    """FISCO BCOS hands the EVM the header's time in milliseconds (unless feature_evm_timestamp is on):
    ``ledger node`` chains run on that clock, so contracts meet FISCO's block.timestamp here."""
    seen = {}
    for clock in ("s", "ms"):
        with EmbeddedChain(tmp_path / f"{clock}.sqlite", clock=clock) as chain:
            key = PrivateKey.generate()
            deployed = chain.deploy(key, _CLOCK_INIT, gas=200_000)
            head = chain.block_timestamp(chain.block_number())
            seen[clock] = (int.from_bytes(chain.call(deployed.contract_address, b""), "big"), head)
    assert seen["s"][0] == seen["s"][1]  # the header's seconds
    assert seen["ms"][0] == seen["ms"][1] * 1000  # the same second, in milliseconds
    with EmbeddedChain(tmp_path / "ms.sqlite") as reopened:  # the clock is the file's
        assert reopened.identity().extra["clock"] == "ms"
    with pytest.raises(ConfigError, match="block time"):
        EmbeddedChain(tmp_path / "ms.sqlite", clock="s")
