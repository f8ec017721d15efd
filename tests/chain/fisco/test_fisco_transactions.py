"""FISCO 3.x (Tars) and 2.x (RLP) transactions against FISCO's own vectors and the written rules."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import pytest
import rlp as pyrlp
from eth_keys import keys as eth_keys
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.chain.fisco import tars, v2, v3
from ledger.chain.fisco.errors import MalformedTransaction
from ledger.crypto import sm2 as smcrypto
from ledger.crypto.hashing import keccak256
from ledger.crypto.keys import SECP256K1_N, PrivateKey

VECTORS_COPY = Path(__file__).resolve().parent / "vectors.json"
#: the team's shared copy, beside the repository (and beside CI's clone)
SHARED_VECTORS = Path(__file__).resolve().parents[4] / "shared" / "fisco" / "vectors.json"


def test_committed_vectors_match_the_shared_copy() -> None:
    if not SHARED_VECTORS.is_file():
        pytest.skip("no shared/ folder beside the repository")
    assert json.loads(VECTORS_COPY.read_text()) == json.loads(SHARED_VECTORS.read_text())


def _x(text: str) -> bytes:
    return bytes.fromhex(text.removeprefix("0x"))


# -- 3.x ---------------------------------------------------------------------------------------


def test_v3_ecdsa_vector_byte_for_byte(vectors: dict[str, Any]) -> None:
    for tx in vectors["fisco_3x_tars"]["ecdsa"]["transactions"]:
        data = v3.TransactionData.from_dict(tx["transaction_data"])
        assert data.encode() == _x(tx["encoded_transaction_data"])
        assert data.hash("ecdsa") == _x(tx["data_hash"])
        for key in (
            vectors["private_key"],
            _x(vectors["private_key"]),
            PrivateKey.from_hex(vectors["private_key"]),
        ):
            signed = v3.sign_transaction(tx["transaction_data"], key)
            assert signed.raw == _x(tx["tars_tx_hex"])
            assert signed.hash == _x(tx["data_hash"])
            assert signed.signature == _x(tx["signature"])
        request = {
            "jsonrpc": "2.0",
            "method": "sendTransaction",
            "params": ["group0", "", "0x" + signed.raw.hex(), False],
            "id": 1,
        }
        assert request == tx["jsonrpc_request"]


def test_v3_sm_vector_hash_exact_signature_verifies(vectors: dict[str, Any]) -> None:
    gm = vectors["fisco_3x_tars"]["sm_gm"]
    for tx in gm["transactions"]:
        data = v3.TransactionData.from_dict(tx["transaction_data"])
        assert data.encode() == _x(tx["encoded_transaction_data"])
        assert data.hash("sm") == _x(tx["data_hash"])
        signed = v3.sign_transaction(tx["transaction_data"], vectors["private_key"], crypto="sm")
        assert signed.hash == _x(tx["data_hash"])
        assert signed.signature[64:] == _x(gm["public_key"])
        assert smcrypto.sm2_verify(signed.signature[64:], signed.hash, signed.signature[:64])
        # everything but the signature is byte-identical to FISCO's encoding
        vector_raw = _x(tx["tars_tx_hex"])
        assert signed.raw.replace(signed.signature, b"") == vector_raw.replace(_x(tx["signature"]), b"")
        for raw in (signed.raw, vector_raw):
            decoded = v3.decode_transaction(raw)
            assert decoded.sender is not None and decoded.sender.lower() == gm["address"].lower()
            assert decoded.crypto == "sm"
            assert decoded.data == tx["transaction_data"]


def test_v3_official_documentation_vector(vectors: dict[str, Any]) -> None:
    official = vectors["fisco_3x_tars"]["official_doc_vector_sm"]
    raw = _x(official["decoded"]["tars_tx_hex"])
    decoded = v3.decode_transaction(raw)
    assert decoded.sender is not None and decoded.sender.lower() == official["expected_sender"]
    assert decoded.hash == _x(official["decoded"]["data_hash"])
    assert decoded.signature == _x(official["decoded"]["signature"])
    expected = official["decoded"]["transaction_data"]
    for name in ("version", "chainID", "groupID", "blockLimit", "nonce", "abi"):
        assert decoded.data[name] == expected[name]
    assert decoded.data["to"] == ""
    assert len(_x(decoded.data["input"])) == 1131
    assert decoded.data["input"].startswith(expected["input"].split("...")[0])
    assert decoded.transaction.encode() == raw  # FISCO's layout re-encoded byte for byte


def _v1_preimage(d: dict[str, Any]) -> bytes:
    """The 3.x hash rule written out independently with struct (PROTOCOL.md §2.3)."""
    out = struct.pack(">i", d["version"]) + d["chainID"].encode() + d["groupID"].encode()
    out += struct.pack(">q", d["blockLimit"]) + d["nonce"].encode() + d["to"].encode()
    out += _x(d["input"]) + d["abi"].encode()
    if d["version"] >= 1:
        out += d["value"].encode() + d["gasPrice"].encode() + struct.pack(">q", d["gasLimit"])
        out += d["maxFeePerGas"].encode() + d["maxPriorityFeePerGas"].encode()
    if d["version"] >= 2:
        out += _x(d["extension"])
    return out


@pytest.mark.parametrize("version", [1, 2])
def test_v3_versions_1_and_2(version: int, vectors: dict[str, Any]) -> None:
    d = {
        "version": version,
        "chainID": "chain0",
        "groupID": "group0",
        "blockLimit": 600,
        "nonce": "987654321",
        "to": "0x7029c502b4f824d19bd7921e9cb74ef92392fb1b",
        "input": "0x6d4ce63c",
        "abi": "",
        "value": "0x0",
        "gasPrice": "0x1",
        "gasLimit": 3_000_000,
        "maxFeePerGas": "",
        "maxPriorityFeePerGas": "0x2",
    }
    if version == 2:
        d["extension"] = "0xabcdef"
    for crypto in ("ecdsa", "sm"):
        signed = v3.sign_transaction(d, vectors["private_key"], crypto=crypto)
        h = keccak256 if crypto == "ecdsa" else smcrypto.sm3_hash
        assert signed.hash == h(_v1_preimage(d))
        fields = tars.decode_struct(signed.raw)[1]
        assert isinstance(fields, dict)
        assert fields[9] == "0x0" and fields[10] == "0x1" and fields[11] == 3_000_000 and fields[13] == "0x2"
        assert 12 not in fields  # empty maxFeePerGas left out, as FISCO's encoder does
        assert (fields.get(14) == b"\xab\xcd\xef") is (version == 2)
        decoded = v3.decode_transaction(signed.raw)
        assert decoded.sender == PrivateKey.from_hex(vectors["private_key"], crypto).address
        assert {k: v for k, v in decoded.data.items() if k in d} == d


_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FF), max_size=40)


@settings(max_examples=60, deadline=None)
@given(
    version=st.sampled_from([0, 1, 2]),
    chain=_text,
    block_limit=st.integers(min_value=0, max_value=2**63 - 1),
    nonce=_text,
    to=st.sampled_from(
        ["", "0x7029c502b4f824d19bd7921e9cb74ef92392fb1b", "7029c502b4f824d19bd7921e9cb74ef92392fb1b"]
    ),
    data=st.binary(max_size=200),
    gas_limit=st.integers(min_value=0, max_value=2**63 - 1),
    extension=st.binary(max_size=20),
)
def test_v3_decode_encode_round_trip(
    version: int,
    chain: str,
    block_limit: int,
    nonce: str,
    to: str,
    data: bytes,
    gas_limit: int,
    extension: bytes,
) -> None:
    tx = v3.TransactionData(
        version=version,
        chain_id=chain,
        group_id="group0",
        block_limit=block_limit,
        nonce=nonce,
        to=to,
        input=data,
        gas_limit=gas_limit if version else 0,
        value="0x5" if version else "",
        extension=extension if version == 2 else b"",
    )
    signed = v3.sign_transaction(tx, bytes(range(1, 33)))
    decoded = v3.decode_transaction(signed.raw)
    assert decoded.transaction.data == tx
    assert decoded.transaction.encode() == signed.raw
    assert v3.TransactionData.from_dict(decoded.data) == tx
    assert decoded.sender == signed.sender


def test_v3_rejections(vectors: dict[str, Any]) -> None:
    tx = vectors["fisco_3x_tars"]["ecdsa"]["transactions"][0]
    raw = _x(tx["tars_tx_hex"])
    with pytest.raises(MalformedTransaction, match="needs transaction version 1"):
        v3.TransactionData(version=0, value="0x1")
    with pytest.raises(MalformedTransaction, match="version 3"):
        v3.TransactionData(version=3)
    with pytest.raises(MalformedTransaction, match="unknown field"):
        v3.TransactionData.from_dict({"version": 0, "chainId": "chain0"})
    with pytest.raises(MalformedTransaction, match="not valid hex"):
        v3.TransactionData.from_dict({"input": "0xzz"})
    # a changed field no longer matches the embedded hash
    tampered = raw.replace(b"chain0", b"chain1", 1)
    with pytest.raises(MalformedTransaction, match="does not match"):
        v3.decode_transaction(tampered)
    # a signature of the wrong length
    with pytest.raises(MalformedTransaction, match="65 .* or 128"):
        v3.decode_transaction(v3.Transaction(v3.TransactionData(version=0), b"", b"\x01" * 64).encode())
    # an SM signature that does not verify
    sm = vectors["fisco_3x_tars"]["sm_gm"]["transactions"][0]
    sm_raw = bytearray(_x(sm["tars_tx_hex"]))
    sig_at = bytes(sm_raw).index(_x(sm["signature"]))
    sm_raw[sig_at + 5] ^= 1
    with pytest.raises(MalformedTransaction, match="does not verify"):
        v3.decode_transaction(bytes(sm_raw))
    # truncation anywhere is a clean error
    for cut in range(0, len(raw), 7):
        with pytest.raises(MalformedTransaction):
            v3.decode_transaction(raw[:cut])
    with pytest.raises(MalformedTransaction, match="no TransactionData"):
        v3.decode_transaction(b"")


def test_v3_nonces_are_fresh() -> None:
    nonces = {v3.new_nonce() for _ in range(100)}
    assert len(nonces) == 100 and all(n.isdigit() for n in nonces)


# -- 2.x ---------------------------------------------------------------------------------------


def test_v2_ecdsa_vector_byte_for_byte(vectors: dict[str, Any]) -> None:
    section = vectors["fisco_2x"]["ecdsa"]
    for tx in section["transactions"]:
        fields = v2.TransactionFields.from_dict(tx["fields"])
        assert fields.unsigned_rlp() == _x(tx["unsigned_rlp"])
        for key in (vectors["private_key"], PrivateKey.from_hex(vectors["private_key"])):
            signed = v2.sign_transaction(tx["fields"], key)
            assert signed.signing_hash == _x(tx["signing_hash"])
            assert signed.v == int(tx["v"], 16)
            assert signed.r == int(tx["r"], 16) and signed.s == int(tx["s"], 16)
            assert signed.raw == _x(tx["raw_tx"])
            assert signed.hash == _x(tx["tx_hash"])
        decoded = v2.decode_transaction(tx["raw_tx"])
        assert decoded.sender == section["address"]
        assert decoded.hash == _x(tx["tx_hash"]) and decoded.crypto == "ecdsa"
        assert {
            k: decoded.fields[k] for k in ("randomid", "gasPrice", "gasLimit", "blockLimit", "value")
        } == {k: tx["fields"][k] for k in ("randomid", "gasPrice", "gasLimit", "blockLimit", "value")}
        assert decoded.fields["to"] == tx["fields"]["to"].lower()
        # independent: eth-keys recovers the same sender from the signing hash
        assert isinstance(signed.v, int)
        sig = eth_keys.Signature(vrs=(signed.v - 27, signed.r, signed.s))
        assert (
            sig.recover_public_key_from_msg_hash(signed.signing_hash).to_checksum_address()
            == section["address"]
        )


def test_v2_sm_vector(vectors: dict[str, Any]) -> None:
    gm = vectors["fisco_2x"]["sm_gm"]
    tx = gm["transactions"][0]
    fields = v2.TransactionFields.from_dict(tx["fields"])
    assert fields.unsigned_rlp() == _x(tx["unsigned_rlp"])
    signed = v2.sign_transaction(tx["fields"], vectors["private_key"], crypto="sm")
    assert signed.signing_hash == _x(tx["signing_hash"])
    assert signed.v == _x(gm["public_key"])
    assert smcrypto.sm2_verify(
        signed.v, signed.signing_hash, signed.r.to_bytes(32, "big") + signed.s.to_bytes(32, "big")
    )
    assert signed.hash == smcrypto.sm3_hash(signed.raw)
    items = pyrlp.decode(signed.raw)
    assert len(items) == 13 and items[10] == _x(gm["public_key"])
    for raw in (signed.raw, _x(tx["raw_tx"])):
        decoded = v2.decode_transaction(raw)
        assert decoded.sender.lower() == gm["address"].lower() and decoded.crypto == "sm"
    assert v2.decode_transaction(tx["raw_tx"]).hash == _x(tx["tx_hash"])


@settings(max_examples=40, deadline=None)
@given(
    randomid=st.integers(min_value=0, max_value=2**256 - 1),
    block_limit=st.integers(min_value=0, max_value=2**64),
    to=st.sampled_from(["", "0x7029c502b4f824d19bd7921e9cb74ef92392fb1b"]),
    data=st.binary(max_size=300),
    extra=st.binary(max_size=40),
    crypto=st.sampled_from(["ecdsa", "sm"]),
)
def test_v2_round_trip(
    randomid: int, block_limit: int, to: str, data: bytes, extra: bytes, crypto: str
) -> None:
    fields = {
        "randomid": randomid,
        "gasPrice": 30_000_000,
        "gasLimit": 30_000_000,
        "blockLimit": block_limit,
        "to": to,
        "value": 0,
        "data": "0x" + data.hex(),
        "fiscoChainId": 1,
        "groupId": 1,
        "extraData": "0x" + extra.hex(),
    }
    signed = v2.sign_transaction(fields, bytes(range(1, 33)), crypto=crypto)
    decoded = v2.decode_transaction(signed.raw)
    assert decoded.fields == fields
    assert decoded.sender == signed.sender
    assert decoded.signing_hash == signed.signing_hash and decoded.hash == signed.hash
    if crypto == "ecdsa":
        assert signed.v in (27, 28) and signed.s <= SECP256K1_N // 2


def test_v2_rejections(vectors: dict[str, Any]) -> None:
    tx = vectors["fisco_2x"]["ecdsa"]["transactions"][0]
    items = pyrlp.decode(_x(tx["raw_tx"]))
    eip155 = items[:10] + [(37).to_bytes(1, "big")] + items[11:]
    with pytest.raises(MalformedTransaction, match="27 or 28"):
        v2.decode_transaction(pyrlp.encode(eip155))
    high_s = items[:12] + [(SECP256K1_N - int(tx["s"], 16)).to_bytes(32, "big")]
    with pytest.raises(MalformedTransaction, match="lower half"):
        v2.decode_transaction(pyrlp.encode(high_s))
    with pytest.raises(MalformedTransaction, match="13 items"):
        v2.decode_transaction(pyrlp.encode(items[:12]))
    with pytest.raises(MalformedTransaction, match="20-byte"):
        v2.TransactionFields.from_dict({**tx["fields"], "to": "0x1234"})
    with pytest.raises(MalformedTransaction, match="missing"):
        v2.TransactionFields.from_dict({"to": ""})
    raw = _x(tx["raw_tx"])
    for cut in range(len(raw)):
        with pytest.raises(MalformedTransaction):
            v2.decode_transaction(raw[:cut])


def test_integer_fields_may_be_text(vectors: dict[str, Any]) -> None:
    tx2 = vectors["fisco_2x"]["ecdsa"]["transactions"][0]
    as_text = {
        k: (hex(v) if isinstance(v, int) and k != "blockLimit" else str(v) if isinstance(v, int) else v)
        for k, v in tx2["fields"].items()
    }
    assert v2.sign_transaction(as_text, vectors["private_key"]).raw == _x(tx2["raw_tx"])
    tx3 = vectors["fisco_3x_tars"]["ecdsa"]["transactions"][0]
    data = {**tx3["transaction_data"], "blockLimit": str(tx3["transaction_data"]["blockLimit"])}
    assert v3.sign_transaction(data, vectors["private_key"]).raw == _x(tx3["tars_tx_hex"])
    assert v3.decode_transaction(tx3["tars_tx_hex"][2:]).hash == _x(tx3["data_hash"])
    with pytest.raises(MalformedTransaction, match="not an integer"):
        v3.TransactionData.from_dict({"blockLimit": "soon"})
