"""The vault's cryptography: its key, one key per person, sealed records and keyed tags.

* The **vault key** is 32 random bytes kept like the workspace's signing keys: an encrypted keystore
  (keystore v3, scrypt, mode 0600, ``vault.key``), unlocked with a password, never printed. Three
  keys are derived from it (HKDF-SHA256, one label each): one seals the person keys, one makes the
  lookup tags, one makes the guard's tags.
* Each person has a **person key** of their own (32 random bytes) that seals their fields. It is kept
  sealed by the vault key, apart from the fields, so that erasing a person is deleting that key: what
  is left of them anywhere (a backup of the fields, a page SQLite has not reused yet) can no longer be
  read by anyone (crypto-shredding).
* Sealing is AES-256-GCM with a random 96-bit nonce, the subject id as associated data (a sealed
  record moved to another subject does not open).
* A **tag** is HMAC-SHA256 (truncated to 128 bits) of a value under one of the derived keys: the vault
  finds a student number, an email address or a word of a name by its tag, and the privacy guard finds
  a person's name in text bound for the chain by the tags of its token sequences, without decrypting
  anyone. Without the vault key a tag says nothing: a table of hashed student numbers cannot be
  reversed by trying every number.
"""

from __future__ import annotations

import hmac
import json
import os
from collections.abc import Sequence
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ledger.crypto.keys import PrivateKey
from ledger.crypto.keystore import load_keystore, save_keystore
from ledger.errors import KeystoreError, WorkspaceError, WrongPassword

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16


def _derive(secret: bytes, label: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=b"ledger-vault/" + label.encode()).derive(secret)


class VaultKey:
    """The unlocked vault key and the keys derived from it. Never printed (no ``repr`` of secrets)."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) != KEY_BYTES:
            raise KeystoreError("a vault key is 32 bytes")
        self._wrap = AESGCM(_derive(secret, "person-keys"))
        self._lookup = _derive(secret, "lookups")
        self._guard = _derive(secret, "guard")

    def __repr__(self) -> str:
        return "VaultKey(<secret>)"

    @classmethod
    def generate(cls) -> tuple[VaultKey, bytes]:
        """A new random vault key and its secret (to be stored encrypted, see :func:`save_vault_key`)."""
        secret = PrivateKey.generate().secret_bytes()  # 32 CSPRNG bytes in the range a keystore holds
        return cls(secret), secret

    def seal_person_key(self, subject: str, person_key: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._wrap.encrypt(nonce, person_key, subject.encode())

    def open_person_key(self, subject: str, sealed: bytes) -> bytes:
        """Raises: WorkspaceError: the sealed key does not open (damaged, or another vault's)."""
        try:
            return self._wrap.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], subject.encode())
        except InvalidTag as exc:
            raise WorkspaceError(f"the vault's key for subject {subject} does not open: damaged, or sealed by "
                                 "another vault key") from exc

    def lookup_tag(self, kind: str, value: str) -> bytes:
        """The tag under which the vault finds ``value`` of ``kind`` (student number, email, word)."""
        return hmac.digest(self._lookup, kind.encode() + b"\0" + value.encode(), "sha256")[:TAG_BYTES]

    def guard_tag(self, tokens: Sequence[str]) -> bytes:
        """The tag of a token sequence, as the privacy guard looks it up."""
        return hmac.digest(self._guard, "\x1f".join(tokens).encode(), "sha256")[:TAG_BYTES]


def new_person_key() -> bytes:
    return os.urandom(KEY_BYTES)


def seal_fields(person_key: bytes, subject: str, fields: dict[str, str]) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    data = json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()
    return nonce + AESGCM(person_key).encrypt(nonce, data, subject.encode())


def open_fields(person_key: bytes, subject: str, sealed: bytes) -> dict[str, str]:
    """Raises: WorkspaceError: the record does not open (damaged, or moved to another subject)."""
    try:
        data = AESGCM(person_key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], subject.encode())
    except InvalidTag as exc:
        raise WorkspaceError(f"the vault's record of subject {subject} does not open: damaged") from exc
    return dict(json.loads(data))


def save_vault_key(path: Path, secret: bytes, password: str, *, light: bool = False) -> None:
    """Store the vault key's secret encrypted with ``password`` (keystore v3, mode 0600); never over an
    existing file (``FileExistsError``: another process made one first)."""
    save_keystore(path, PrivateKey(secret), password, light=light, exclusive=True)


def load_vault_key(path: Path, password: str) -> VaultKey:
    """Raises: WrongPassword: the password does not open it; KeystoreError: the file is damaged."""
    try:
        return VaultKey(load_keystore(path, password).secret_bytes())
    except WrongPassword:
        raise WrongPassword("the vault key") from None
