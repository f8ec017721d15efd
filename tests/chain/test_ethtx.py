"""Ethereum transaction signing (ledger.chain.ethtx) against eth-account and the rlp package."""

from __future__ import annotations

import pytest
import rlp
from eth_account import Account
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.chain import ethtx
from ledger.crypto.hashing import keccak256, to_checksum_address
from ledger.crypto.keys import PrivateKey
from ledger.errors import ValidationError

KEY = PrivateKey(keccak256(b"ledger ethtx tests"))
ACCOUNT = Account.from_key(KEY.secret_bytes())

uint64 = st.integers(min_value=0, max_value=2**64 - 1)
uint256 = st.integers(min_value=0, max_value=2**256 - 1)
addresses = st.one_of(st.none(), st.binary(min_size=20, max_size=20))
payloads = st.binary(max_size=300)
chain_ids = st.integers(min_value=1, max_value=2**32)


@settings(max_examples=60, deadline=None)
@given(
    nonce=uint64,
    gas_price=uint256,
    gas=uint64,
    to=addresses,
    value=uint256,
    data=payloads,
    chain_id=chain_ids,
)
def test_legacy_matches_eth_account(
    nonce: int, gas_price: int, gas: int, to: bytes | None, value: int, data: bytes, chain_id: int
) -> None:
    ours = ethtx.sign_legacy(
        KEY, nonce=nonce, gas_price=gas_price, gas=gas, to=to, data=data, value=value, chain_id=chain_id
    )
    fields = {
        "nonce": nonce,
        "gasPrice": gas_price,
        "gas": gas,
        "value": value,
        "data": data,
        "chainId": chain_id,
    }
    if to is not None:
        fields["to"] = to_checksum_address(to)
    theirs = ACCOUNT.sign_transaction(fields)
    assert ours.raw == bytes(theirs.raw_transaction)
    assert ours.hash == bytes(theirs.hash)
    assert ours.sender == KEY.address

    decoded = ethtx.decode(ours.raw)
    assert (decoded.type, decoded.nonce, decoded.gas_price, decoded.gas, decoded.value, decoded.data) == (
        0, nonce, gas_price, gas, value, data,
    )  # fmt: skip
    assert decoded.chain_id == chain_id
    assert decoded.to == (None if to is None else to_checksum_address(to))
    assert decoded.sender == KEY.address
    assert decoded.hash == ours.hash


@settings(max_examples=60, deadline=None)
@given(
    nonce=uint64,
    fees=st.tuples(uint256, uint256).map(sorted),
    gas=uint64,
    to=addresses,
    value=uint256,
    data=payloads,
    chain_id=chain_ids,
    access=st.lists(
        st.tuples(
            st.binary(min_size=20, max_size=20), st.lists(st.binary(min_size=32, max_size=32), max_size=3)
        ),
        max_size=3,
    ),
)
def test_eip1559_matches_eth_account(
    nonce: int,
    fees: list[int],
    gas: int,
    to: bytes | None,
    value: int,
    data: bytes,
    chain_id: int,
    access: list[tuple[bytes, list[bytes]]],
) -> None:
    tip, cap = fees
    ours = ethtx.sign_eip1559(
        KEY, nonce=nonce, max_fee_per_gas=cap, max_priority_fee_per_gas=tip, gas=gas, to=to, data=data,
        value=value, chain_id=chain_id, access_list=access,
    )  # fmt: skip
    fields = {
        "type": 2, "nonce": nonce, "maxFeePerGas": cap, "maxPriorityFeePerGas": tip, "gas": gas, "value": value,
        "data": data, "chainId": chain_id,
        "accessList": [
            {"address": to_checksum_address(a), "storageKeys": ["0x" + k.hex() for k in keys]}
            for a, keys in access
        ],
    }  # fmt: skip
    if to is not None:
        fields["to"] = to_checksum_address(to)
    theirs = ACCOUNT.sign_transaction(fields)
    assert ours.raw == bytes(theirs.raw_transaction)
    assert ours.hash == bytes(theirs.hash)

    decoded = ethtx.decode(ours.raw)
    assert decoded.type == 2
    assert (decoded.max_priority_fee_per_gas, decoded.max_fee_per_gas, decoded.gas_price) == (tip, cap, None)
    assert decoded.access_list == tuple((to_checksum_address(a), tuple(k)) for a, k in access)
    assert decoded.sender == KEY.address
    assert decoded.hash == ours.hash


_nested = st.recursive(st.binary(max_size=70), lambda inner: st.lists(inner, max_size=5), max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(item=_nested)
def test_rlp_writer_matches_rlp_package(item: object) -> None:
    assert ethtx.rlp_encode(item) == rlp.encode(item)  # type: ignore[arg-type]


def test_decode_recovers_another_signer() -> None:
    other = PrivateKey(keccak256(b"another signer"))
    tx = ethtx.sign_legacy(other, nonce=1, gas_price=0, gas=21_000, to="0x" + "ab" * 20, chain_id=20200)
    assert ethtx.decode(tx.raw).sender == other.address != KEY.address


def test_decode_pre_eip155_legacy() -> None:
    unsigned = [b"\x05", b"", b"\x52\x08", b"\x11" * 20, b"", b""]
    sig = KEY.sign_digest(keccak256(rlp.encode(unsigned)))
    raw = rlp.encode(unsigned + [bytes([27 + sig.v]), sig.r.to_bytes(32, "big"), sig.s.to_bytes(32, "big")])
    decoded = ethtx.decode(raw)
    assert decoded.chain_id is None and decoded.sender == KEY.address and decoded.nonce == 5


@pytest.mark.parametrize(
    "raw, reason",
    [
        (b"", "empty"),
        (b"\x01\xc0", "unsupported transaction type 1"),
        (b"\xc2\x01\x02", "9 fields"),
        (b"\x02\xc1\x01", "12 fields"),
        (b"\xf8", "not valid RLP"),
    ],
)
def test_decode_rejects_malformed(raw: bytes, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        ethtx.decode(raw)


def test_decode_rejects_tampered_signature() -> None:
    tx = ethtx.sign_legacy(KEY, nonce=0, gas_price=0, gas=21_000, to=None, chain_id=1)
    items = rlp.decode(tx.raw)
    items[8] = b"\x00" * 31 + b"\x00"  # s = 0 is never valid
    with pytest.raises(ValidationError):
        ethtx.decode(rlp.encode(items))
    items = rlp.decode(tx.raw)
    items[0] = b"\x07"  # another nonce: the signature now recovers to someone else
    assert ethtx.decode(rlp.encode(items)).sender != KEY.address


def test_sign_rejects_bad_input() -> None:
    with pytest.raises(ValidationError):
        ethtx.sign_legacy(KEY, nonce=-1, gas_price=0, gas=1, to=None, chain_id=1)
    with pytest.raises(ValidationError):
        ethtx.sign_legacy(KEY, nonce=0, gas_price=0, gas=1, to="0x1234", chain_id=1)
    with pytest.raises(ValidationError):
        ethtx.sign_legacy(KEY, nonce=0, gas_price=0, gas=1, to=None, chain_id=0)
    with pytest.raises(ValidationError):
        ethtx.sign_eip1559(
            KEY, nonce=0, max_fee_per_gas=1, max_priority_fee_per_gas=2, gas=1, to=None, chain_id=1
        )
