"""Encrypted keystores: Ethereum keystore v3 JSON (scrypt), written with mode 0600.

A keystore from elsewhere is untrusted input: its shape and its KDF parameters are bounded before
anything is decrypted. Key material is never put in ``repr`` or messages.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ledger.crypto.keys import PrivateKey
from ledger.errors import KeystoreError, ValidationError, WrongPassword
from ledger.files import write_private_file


def encrypt_keystore(key: PrivateKey, password: str, *, light: bool = False) -> dict[str, Any]:
    """Ethereum keystore v3 JSON for ``key``. ``light`` uses cheaper scrypt (tests only)."""
    from eth_keyfile import create_keyfile_json

    iterations = 2**10 if light else None
    data = create_keyfile_json(key.secret_bytes(), password.encode(), kdf="scrypt", iterations=iterations)
    data["address"] = key.address[2:].lower()
    data["x-ledger-crypto"] = key.crypto
    return data


_KEYSTORE_CRYPTO = ("cipher", "cipherparams", "ciphertext", "kdf", "kdfparams", "mac")


def _check_keystore_shape(data: Any) -> None:
    """Refuse a document that is not a keystore v3 before decrypting (names the part, never a value)."""
    if not isinstance(data, dict):
        raise KeystoreError("the keystore is not a JSON object")
    if data.get("version") != 3:
        raise KeystoreError("the keystore is not version 3 (field 'version')")
    crypto = data.get("crypto", data.get("Crypto"))
    if not isinstance(crypto, dict):
        raise KeystoreError("the keystore has no 'crypto' object")
    for name in _KEYSTORE_CRYPTO:
        if name not in crypto:
            raise KeystoreError(f"the keystore's crypto object has no {name!r}")
    if not isinstance(crypto["cipherparams"], dict) or not isinstance(crypto["kdfparams"], dict):
        raise KeystoreError("the keystore's 'cipherparams' and 'kdfparams' must be objects")
    if data.get("x-ledger-crypto", "ecdsa") not in ("ecdsa", "sm"):
        raise KeystoreError("the keystore's 'x-ledger-crypto' must be 'ecdsa' or 'sm'")
    if crypto["cipher"] != "aes-128-ctr":
        raise KeystoreError("the keystore's cipher is not 'aes-128-ctr', the only one keystore v3 defines")
    _check_kdf(crypto["kdf"], crypto["kdfparams"])


#: Bounds on a keystore's key-derivation cost: what every wallet writes fits well inside them, and a
#: crafted file cannot make decrypting it take hours or gigabytes.
_MAX_SCRYPT_MEMORY = 1 << 30  # bytes: 128 * n * r
_MAX_SCRYPT_WORK = 1 << 24  # n * r * p
_MAX_PBKDF2_ROUNDS = 10_000_000


def _check_kdf(kdf: Any, params: dict[str, Any]) -> None:
    def number(name: str) -> int:
        value = params.get(name)
        if type(value) is not int or value < 1:
            raise KeystoreError(f"the keystore's kdfparams.{name} must be a positive integer")
        return value

    if number("dklen") != 32:
        raise KeystoreError("the keystore's kdfparams.dklen must be 32")
    if kdf == "scrypt":
        n, r, p = number("n"), number("r"), number("p")
        if n < 2 or n & (n - 1) or 128 * n * r > _MAX_SCRYPT_MEMORY or n * r * p > _MAX_SCRYPT_WORK:
            raise KeystoreError("the keystore's scrypt parameters are out of bounds (n a power of two, "
                                f"128*n*r <= {_MAX_SCRYPT_MEMORY:,} bytes, n*r*p <= {_MAX_SCRYPT_WORK:,})")
    elif kdf == "pbkdf2":
        if params.get("prf") != "hmac-sha256":
            raise KeystoreError("the keystore's kdfparams.prf must be 'hmac-sha256'")
        if number("c") > _MAX_PBKDF2_ROUNDS:
            raise KeystoreError(f"the keystore's pbkdf2 rounds (kdfparams.c) exceed {_MAX_PBKDF2_ROUNDS:,}")
    else:
        raise KeystoreError("the keystore's kdf must be 'scrypt' or 'pbkdf2'")


def decrypt_keystore(data: dict[str, Any], password: str) -> PrivateKey:
    """Decrypt a keystore v3 JSON.

    Raises:
        KeystoreError: the password is wrong, or the document is not a well-formed keystore (the
            message names the part that is wrong, never any of its content).
    """
    from eth_keyfile import decode_keyfile_json

    _check_keystore_shape(data)
    try:
        secret = decode_keyfile_json(data, password.encode())
    except ValueError as exc:
        # eth_keyfile says "MAC mismatch" for a wrong password (and for a damaged ciphertext)
        if "MAC mismatch" in str(exc):
            raise WrongPassword() from exc
        raise KeystoreError("the keystore is malformed (a field has a bad value)") from None
    except (KeyError, TypeError, NotImplementedError, AttributeError, OverflowError, AssertionError):
        # The native message may quote the file's content; none of it goes into ours.
        raise KeystoreError("the keystore is malformed (a field is missing or of the wrong type)") from None
    return PrivateKey(bytes(secret), data.get("x-ledger-crypto", "ecdsa"))


def key_hex_text(data: bytes) -> str:
    """The text of a file that holds a private key as hex; refuses anything else without quoting it.

    Raises:
        KeystoreError: the bytes are not ASCII text (nothing of them is put in the message).
    """
    try:
        return data.decode("ascii").strip()
    except UnicodeDecodeError:
        # ``from None``: the decode error names the offending byte, a byte of the secret.
        raise KeystoreError("the key file is not text: a private key file holds 64 hex digits") from None


def save_keystore(
    path: Path, key: PrivateKey, password: str, *, light: bool = False, exclusive: bool = False
) -> None:
    """Encrypt ``key`` and write it to ``path`` with mode 0600 (``exclusive``: never over another file;
    raises ``FileExistsError`` then)."""
    content = json.dumps(encrypt_keystore(key, password, light=light), indent=2).encode()
    write_private_file(path, content, exclusive=exclusive)


def load_keystore(path: Path, password: str) -> PrivateKey:
    """Read and decrypt the keystore at ``path``; every failure is a :class:`KeystoreError`."""
    from ledger.canonical import loads_lax

    try:
        data = loads_lax(path.read_bytes())
    except FileNotFoundError as exc:
        raise KeystoreError(f"no keystore at {path}", hint="create one with `ledger key new`") from exc
    except OSError as exc:
        raise KeystoreError(f"cannot read keystore {path}: {exc.strerror}") from exc
    except ValidationError:  # not UTF-8, not JSON, too deep, too long a number
        # ``from None``: the native messages quote bytes or text of the (secret-bearing) file.
        raise KeystoreError(f"keystore {path} is not valid JSON") from None
    try:
        return decrypt_keystore(data, password)
    except WrongPassword:
        raise
    except KeystoreError as exc:
        raise KeystoreError(f"keystore {path}: {exc}", hint="restore the file from a backup") from None
