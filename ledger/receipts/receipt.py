"""The receipt document, and signing and checking it.

Shape::

    {
      "type": "ledger:VerificationReceipt", "version": 1,
      "verifier": {"address": "0x...", "crypto": "ecdsa", "publicKey": "0x<64 bytes>"},
      "issuedAt": "2026-12-06T10:00:00Z",
      "chain": {"chainId": 20200, "issuerRegistry": "0x...", "contributionLedger": "0x...",
                "credentialRegistry": "0x...", "block": 1234, "blockTime": "2026-12-06T09:59:58Z"},
      "verdict": "valid",
      "checked": [{"credentialId": "urn:uuid:...", "credentialHash": "0x...", "holder": "...",
                   "title": "...", "issuer": "0x...", "issuerName": "...", "issuerDomain": "...",
                   "domainVerified": true, "verdict": "valid",
                   "steps": {"format": "FORMAT_OK", "integrity": "HASH_OK", ...}}],
      "signature": {"algorithm": "ecdsa-secp256k1-keccak256", "value": "0x<65 bytes>"}
    }

The signature covers ``keccak256(RECEIPT_DOMAIN || JCS(receipt without "signature"))`` (SM2 with SM3
signs the same canonical bytes on SM chains). On ECDSA the signer's address is recovered from the
signature and must be ``verifier.address``; on SM2 the public key is in the receipt, and its address
must be ``verifier.address``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ledger.canonical import CanonicalizationError, canonicalize
from ledger.crypto.hashing import keccak256, sm3, to_checksum_address
from ledger.crypto.keys import PrivateKey, Signature, recover_address
from ledger.crypto.sm2 import sm2_sign, sm2_verify
from ledger.errors import ValidationError

__all__ = ["RECEIPT_DOMAIN", "RECEIPT_TYPE", "ReceiptCheck", "ReceiptError", "ReceiptSigner", "check_receipt",
           "receipt_digest"]

RECEIPT_TYPE = "ledger:VerificationReceipt"
#: Domain tag: a receipt's signed hash can never be the hash of a credential, a report or a transaction.
RECEIPT_DOMAIN = b"ledger:receipt:v1\x00"
_ALGORITHMS = {"ecdsa": "ecdsa-secp256k1-keccak256", "sm": "sm2-sm3"}


class ReceiptError(ValidationError):
    """A file is not a verification receipt (malformed, or of an unknown version)."""


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def receipt_digest(body: Mapping[str, Any]) -> bytes:
    """What the signature covers: keccak256 of the domain tag and the canonical receipt without it."""
    unsigned = {k: v for k, v in body.items() if k != "signature"}
    try:
        return keccak256(RECEIPT_DOMAIN + canonicalize(unsigned))
    except CanonicalizationError as exc:
        raise ReceiptError(f"the receipt is not canonical JSON: {exc}") from exc


def _checked(entry: Mapping[str, Any]) -> dict[str, Any]:
    summary = entry.get("credential") or {}
    issuer = summary.get("issuer") or {}
    return {
        "source": entry.get("file"),
        "credentialId": entry.get("credential_id"),
        "credentialHash": entry.get("credential_hash"),
        "holder": summary.get("holder"),
        "title": summary.get("title"),
        "issuer": issuer.get("address"),
        "issuerName": issuer.get("name"),
        "issuerDomain": issuer.get("domain"),
        "domainVerified": bool(issuer.get("domain_verified")),
        "verdict": entry.get("verdict"),
        "steps": {s["step"]: s["code"] for s in entry.get("steps", [])},
    }


class ReceiptSigner:
    """Signs receipts with the verifier's key (held in memory for the verifier's lifetime)."""

    def __init__(self, key: PrivateKey) -> None:
        self._key = key
        self.address = key.address

    def sign(self, entries: Sequence[Mapping[str, Any]], *, deployment: Mapping[str, Any], block: int,
             block_time: int | None = None, now: datetime | None = None) -> dict[str, Any]:
        """A signed receipt of ``entries`` (report dicts, as ``ledger verify --json`` lists them)."""
        verdicts = {e.get("verdict") for e in entries}
        body: dict[str, Any] = {
            "type": RECEIPT_TYPE,
            "version": 1,
            "verifier": {"address": self.address, "crypto": self._key.crypto,
                         "publicKey": "0x" + self._key.public_key.hex()},
            "issuedAt": _iso(now or datetime.now(timezone.utc)),
            "chain": {
                "chainId": int(deployment["chain_id"]),
                "issuerRegistry": deployment["issuer_registry"],
                "contributionLedger": deployment["contribution_ledger"],
                "credentialRegistry": deployment["credential_registry"],
                "block": int(block),
                **({"blockTime": _iso(datetime.fromtimestamp(block_time, timezone.utc))}
                   if block_time is not None else {}),
            },
            "verdict": "invalid" if (not entries or "invalid" in verdicts)
            else "incomplete" if "incomplete" in verdicts else "valid",
            "checked": [_checked(e) for e in entries],
        }
        digest = receipt_digest(body)
        if self._key.crypto == "sm":
            value = sm2_sign(self._key.secret_bytes(), digest, public_key=self._key.public_key)
        else:
            value = self._key.sign_digest(digest).to_bytes()
        body["signature"] = {"algorithm": _ALGORITHMS[self._key.crypto], "value": "0x" + value.hex()}
        return body


@dataclass(frozen=True)
class ReceiptCheck:
    """What checking a receipt found: whether its signature is the named verifier's, and what it says."""

    signature_valid: bool
    verifier: str
    reason: str
    issued_at: str
    chain_id: int
    block: int
    verdict: str
    checked: tuple[Mapping[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"signature_valid": self.signature_valid, "verifier": self.verifier, "reason": self.reason,
                "issued_at": self.issued_at, "chain_id": self.chain_id, "block": self.block,
                "verdict": self.verdict, "checked": [dict(c) for c in self.checked]}


def _hex(value: Any, size: int | None, where: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("0x"):
        raise ReceiptError(f"{where} must be 0x-prefixed hex")
    try:
        raw = bytes.fromhex(value[2:])
    except ValueError:
        raise ReceiptError(f"{where} is not hex") from None
    if size is not None and len(raw) != size:
        raise ReceiptError(f"{where} must be {size} bytes")
    return raw


def check_receipt(data: Mapping[str, Any]) -> ReceiptCheck:
    """Check a receipt's signature against the verifier it names.

    Raises:
        ReceiptError: not a receipt of a known version, or a field is malformed.
    """
    if not isinstance(data, Mapping) or data.get("type") != RECEIPT_TYPE:
        raise ReceiptError(f"not a verification receipt (its type is not {RECEIPT_TYPE!r})")
    if data.get("version") != 1:
        raise ReceiptError(f"receipt version {data.get('version')!r} is not known here (1 is)")
    try:
        verifier, chain, signature = data["verifier"], data["chain"], data["signature"]
        address = str(verifier["address"])
        crypto = verifier.get("crypto", "ecdsa")
        value = _hex(signature["value"], None, "signature.value")
        algorithm = signature["algorithm"]
        chain_id, block = int(chain["chainId"]), int(chain["block"])
        checked = tuple(dict(c) for c in data["checked"])
        issued_at, verdict = str(data["issuedAt"]), str(data["verdict"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ReceiptError(f"malformed receipt: {type(exc).__name__} {exc}") from None
    if crypto not in _ALGORITHMS or algorithm != _ALGORITHMS[crypto]:
        raise ReceiptError(f"unknown signature algorithm {algorithm!r} for {crypto!r}")
    digest = receipt_digest(data)
    if crypto == "sm":
        public_key = _hex(verifier.get("publicKey"), 64, "verifier.publicKey")
        signer = to_checksum_address(sm3(public_key)[12:])
        ok = signer.lower() == address.lower() and sm2_verify(public_key, digest, value)
        reason = "signed by the verifier named" if ok else "the SM2 signature does not match the verifier named"
    else:
        if len(value) != 65 or value[64] > 1:
            return ReceiptCheck(False, address, "the signature is not 65 bytes r||s||v", issued_at, chain_id, block,
                                verdict, checked)
        try:
            signer = recover_address(digest, Signature(int.from_bytes(value[:32], "big"),
                                                       int.from_bytes(value[32:64], "big"), value[64]))
        except Exception:  # coincurve: a signature no key made  # noqa: BLE001
            signer = ""
        ok = signer.lower() == address.lower()
        reason = ("signed by the verifier named" if ok else
                  f"the signature is not {address}'s: the receipt was changed, or signed by another key")
    return ReceiptCheck(ok, address, reason, issued_at, chain_id, block, verdict, checked)
