"""SM3 and SM2 (ledger.crypto.sm2): checked against OpenSSL's SM3, FISCO's vectors, the pure-Python
reference path and, where the OpenSSL command line has SM2, an independent OpenSSL verification."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.crypto import sm2 as smcrypto
from ledger.crypto.keys import PrivateKey
from ledger.errors import KeystoreError, ValidationError


def _secret(vectors: dict[str, Any]) -> bytes:
    return bytes.fromhex(vectors["private_key"][2:])


def test_sm3_standard_vector() -> None:
    # GB/T 32905 appendix A, example 1
    assert (
        smcrypto.sm3_hash(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=300))
def test_sm3_matches_openssl(data: bytes) -> None:
    assert smcrypto.sm3_hash(data) == hashlib.new("sm3", data).digest()


def test_public_key_and_address_match_vectors(vectors: dict[str, Any]) -> None:
    secret = _secret(vectors)
    expected = vectors["fisco_2x"]["sm_gm"]["public_key"][2:]
    assert smcrypto.sm2_public_key(secret).hex() == expected
    key = PrivateKey(secret, "sm")
    assert key.public_key.hex() == expected
    assert key.address.lower() == vectors["fisco_2x"]["sm_gm"]["address"].lower()


def test_vector_signatures_verify(vectors: dict[str, Any]) -> None:
    pub = bytes.fromhex(vectors["fisco_2x"]["sm_gm"]["public_key"][2:])
    tx2 = vectors["fisco_2x"]["sm_gm"]["transactions"][0]
    digest = bytes.fromhex(tx2["signing_hash"][2:])
    sig = bytes.fromhex(tx2["r"][2:] + tx2["s"][2:])
    assert smcrypto.sm2_verify(pub, digest, sig)
    tx3 = vectors["fisco_3x_tars"]["sm_gm"]["transactions"][0]
    sig3 = bytes.fromhex(tx3["signature"][2:])
    assert smcrypto.sm2_verify(sig3[64:], bytes.fromhex(tx3["data_hash"][2:]), sig3[:64])
    # negative controls: another message, a flipped bit, another id
    assert not smcrypto.sm2_verify(pub, digest[::-1], sig)
    assert not smcrypto.sm2_verify(pub, digest, sig[:-1] + bytes([sig[-1] ^ 1]))
    assert not smcrypto.sm2_verify(pub, digest, sig, user_id=b"another id")


@pytest.mark.parametrize(("section", "k_key"), [("fisco_2x", "signing_hash"), ("fisco_3x_tars", "data_hash")])
def test_reference_path_reproduces_pinned_nonce_signatures(
    vectors: dict[str, Any], section: str, k_key: str
) -> None:
    """With the vectors' pinned k, the pure-Python algorithm gives FISCO's exact r, s."""
    gm = vectors[section]["sm_gm"]
    tx = gm["transactions"][0]
    secret = _secret(vectors)
    pub = smcrypto.sm2_public_key(secret)
    digest = bytes.fromhex(tx[k_key][2:])
    k = int(gm["sm2_fixed_k"], 16)
    rs = smcrypto._sign_e(int.from_bytes(secret, "big"), smcrypto.sm2_digest(pub, digest), lambda: k)
    expected = tx["r"][2:] + tx["s"][2:] if section == "fisco_2x" else tx["signature"][2:130]
    assert rs.hex() == expected


def test_sign_verify_round_trip_and_cross_implementation() -> None:
    secret = bytes(range(1, 33))
    pub = smcrypto.sm2_public_key(secret)
    message = smcrypto.sm3_hash(b"a transaction")
    first = smcrypto.sm2_sign(secret, message, public_key=pub)
    second = smcrypto.sm2_sign(secret, message)
    assert first != second  # a fresh random nonce each time
    for sig in (first, second):
        assert smcrypto.sm2_verify(pub, message, sig)
        r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
        x, y = int.from_bytes(pub[:32], "big"), int.from_bytes(pub[32:], "big")
        assert smcrypto._verify_e(x, y, smcrypto.sm2_digest(pub, message), r, s)
    # and the reference path's own random-nonce signature verifies with the C engine
    ref = smcrypto._sign_e(
        int.from_bytes(secret, "big"), smcrypto.sm2_digest(pub, message), smcrypto._random_nonce
    )
    assert smcrypto.sm2_verify(pub, message, ref)


def test_malformed_inputs() -> None:
    pub = smcrypto.sm2_public_key(bytes(range(1, 33)))
    assert not smcrypto.sm2_verify(pub, b"m", b"\x00" * 63)
    assert not smcrypto.sm2_verify(pub, b"m", b"\x00" * 64)  # r = s = 0 is out of range
    assert not smcrypto.sm2_verify(pub, b"m", smcrypto.N.to_bytes(32, "big") * 2)
    with pytest.raises(ValidationError, match="not a point"):
        smcrypto.sm2_verify(pub[:-1] + bytes([pub[-1] ^ 1]), b"m", b"\x01" * 64)
    with pytest.raises(ValidationError, match="64 bytes"):
        smcrypto.sm2_verify(pub[:10], b"m", b"\x01" * 64)
    for bad in (
        bytes(32),
        (smcrypto.N - 1).to_bytes(32, "big"),
        (smcrypto.N + 5).to_bytes(32, "big"),
        b"\x01" * 31,
    ):
        with pytest.raises(KeystoreError):
            smcrypto.sm2_public_key(bad)


def _spki_pem(pub: bytes) -> bytes:
    # SubjectPublicKeyInfo: id-ecPublicKey with the SM2 curve OID 1.2.156.10197.1.301
    algo = bytes.fromhex("301306072a8648ce3d020106082a811ccf5501822d")
    bits = b"\x03\x42\x00\x04" + pub
    der = b"\x30\x59" + algo + bits
    import base64

    return b"-----BEGIN PUBLIC KEY-----\n" + base64.encodebytes(der) + b"-----END PUBLIC KEY-----\n"


def test_openssl_verifies_our_signature(tmp_path: Path) -> None:
    """An independent implementation (OpenSSL's SM2 with distid) accepts our signatures."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("no openssl command line")
    secret = bytes(range(7, 39))
    pub = smcrypto.sm2_public_key(secret)
    message = smcrypto.sm3_hash(b"signed by ledger.crypto.sm2")
    rs = smcrypto.sm2_sign(secret, message, public_key=pub)
    (tmp_path / "pub.pem").write_bytes(_spki_pem(pub))
    (tmp_path / "msg").write_bytes(message)
    r, s = int.from_bytes(rs[:32], "big"), int.from_bytes(rs[32:], "big")
    (tmp_path / "sig.der").write_bytes(smcrypto._rs_to_der(r, s))

    def verify(msg_file: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [openssl, "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-digest", "sm3",
             "-in", msg_file, "-sigfile", "sig.der", "-pkeyopt", "distid:1234567812345678"],
            cwd=tmp_path, capture_output=True, timeout=30, check=False,
        )  # fmt: skip

    ok = verify("msg")
    if (
        b"Signature Verified Successfully" not in ok.stdout
        and b"unsupported" in (ok.stderr + ok.stdout).lower()
    ):
        pytest.skip("this OpenSSL has no SM2 pkeyutl support")
    assert b"Signature Verified Successfully" in ok.stdout, ok.stderr
    (tmp_path / "other").write_bytes(message[::-1])
    assert b"Signature Verified Successfully" not in verify("other").stdout


def test_sm2_benchmark_runs_and_reports_every_row() -> None:
    from benchmarks import sm2 as bench

    result = bench.measure(ops=10, runs=1)
    rows = result["rows"]
    assert any(name.startswith("ledger.crypto.sm2 (") for name in rows)
    assert "ledger.crypto.sm2 pure-Python path" in rows
    assert all(row["sign_ms"] > 0 and row["verify_ms"] > 0 for row in rows.values())
    assert isinstance(result["goal_met"], bool)
