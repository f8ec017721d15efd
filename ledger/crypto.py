"""Hashing, private keys and encrypted keystores.

* ``keccak256`` uses the C extension from ``safe-pysha3`` (about 6x pycryptodome here).
* :class:`PrivateKey` signs digests with coincurve (libsecp256k1) for ECDSA chains, or with SM2
  (``ledger.smcrypto``) for FISCO BCOS's guomi (SM) chains, where addresses come from SM3.
* Keystores are Ethereum keystore v3 JSON (scrypt), written with mode 0600. Key material is never
  put in ``repr`` or messages.
"""

from __future__ import annotations

import errno
import functools
import json
import os
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sha3  # safe-pysha3
from coincurve import PrivateKey as _CurveKey
from coincurve import PublicKey as _CurvePub

from .errors import KeystoreError, ValidationError

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
#: SM2's order n; an SM2 private key lies in [1, n - 2].
SM2_N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123


def _key_in_range(secret: bytes, crypto: str) -> bool:
    value = int.from_bytes(secret, "big")
    return 0 < value < (SM2_N - 1 if crypto == "sm" else SECP256K1_N)


def keccak256(data: bytes) -> bytes:
    """Ethereum's keccak256 (not NIST SHA3-256)."""
    return sha3.keccak_256(data).digest()


def sm3(data: bytes) -> bytes:
    """SM3, the hash an SM (guomi) FISCO BCOS chain uses where Ethereum uses keccak256."""
    from .smcrypto import sm3_hash

    return sm3_hash(data)


def hash_function(crypto: str) -> Callable[[bytes], bytes]:
    """The chain's 32-byte hash: keccak256 on ECDSA chains, SM3 on SM chains."""
    if crypto == "ecdsa":
        return keccak256
    if crypto == "sm":
        return sm3
    raise ValueError(f"unknown crypto mode {crypto!r} (expected 'ecdsa' or 'sm')")


@functools.lru_cache(maxsize=65536)
def to_checksum_address(address_bytes: bytes) -> str:
    """EIP-55 checksummed hex of a 20-byte address."""
    hex_addr = address_bytes.hex()
    digest = keccak256(hex_addr.encode()).hex()
    return "0x" + "".join(c.upper() if int(digest[i], 16) >= 8 else c for i, c in enumerate(hex_addr))


@dataclass(frozen=True)
class Signature:
    """An ECDSA signature with recovery id (``v`` is 0 or 1), s in the lower half."""

    r: int
    s: int
    v: int

    def to_bytes(self) -> bytes:
        """65 bytes: r || s || v (v as 0/1)."""
        return self.r.to_bytes(32, "big") + self.s.to_bytes(32, "big") + bytes([self.v])


class PrivateKey:
    """A secp256k1 or SM2 private key that can sign 32-byte digests.

    The raw secret is reachable only through :meth:`secret_bytes`; ``repr`` shows the address.
    """

    __slots__ = ("_curve", "_secret", "address", "crypto", "public_key")

    def __init__(self, secret: bytes, crypto: str = "ecdsa") -> None:
        if len(secret) != 32 or not _key_in_range(secret, crypto):
            raise KeystoreError("a private key is 32 bytes, non-zero and below the curve order")
        self._secret = secret
        self.crypto = crypto
        if crypto == "ecdsa":
            self._curve: Any = _CurveKey(secret)
            #: 64-byte uncompressed public key without the 0x04 prefix.
            self.public_key: bytes = self._curve.public_key.format(compressed=False)[1:]
            self.address: str = to_checksum_address(keccak256(self.public_key)[12:])
        elif crypto == "sm":
            from .smcrypto import sm2_public_key

            self._curve = None
            self.public_key = sm2_public_key(secret)
            self.address = to_checksum_address(sm3(self.public_key)[12:])
        else:
            raise ValueError(f"unknown crypto mode {crypto!r} (expected 'ecdsa' or 'sm')")

    @classmethod
    def generate(cls, crypto: str = "ecdsa") -> PrivateKey:
        """A new random key from the operating system's CSPRNG."""
        while True:
            secret = secrets.token_bytes(32)
            if _key_in_range(secret, crypto):
                return cls(secret, crypto)

    @classmethod
    def from_hex(cls, text: str, crypto: str = "ecdsa") -> PrivateKey:
        text = text.strip()
        try:
            raw = bytes.fromhex(text[2:] if text.startswith(("0x", "0X")) else text)
        except ValueError:
            raise KeystoreError("a private key must be 64 hex digits") from None  # the cause quotes the text
        return cls(raw, crypto)

    def secret_bytes(self) -> bytes:
        """The raw 32-byte secret. Handle with care: never print or log it."""
        return self._secret

    def sign_digest(self, digest: bytes) -> Signature:
        """Deterministic (RFC 6979) recoverable ECDSA signature of a 32-byte digest, low s."""
        if self.crypto != "ecdsa":
            raise KeystoreError("sign_digest is ECDSA; use ledger.smcrypto for SM2 keys")
        sig = self._curve.sign_recoverable(digest, hasher=None)
        return Signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:64], "big"), sig[64])

    def __repr__(self) -> str:
        return f"PrivateKey(address={self.address}, crypto={self.crypto!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PrivateKey) and other._secret == self._secret and other.crypto == self.crypto

    def __hash__(self) -> int:
        return hash(self.address)


def recover_address(digest: bytes, signature: Signature) -> str:
    """Address of the ECDSA key that made ``signature`` over ``digest``."""
    pub = _CurvePub.from_signature_and_message(signature.to_bytes(), digest, hasher=None)
    return to_checksum_address(keccak256(pub.format(compressed=False)[1:])[12:])


# -- keystores ------------------------------------------------------------------------------


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
            raise KeystoreError(
                "cannot decrypt the key: wrong password", hint="check LEDGER_PASSWORD or --password-file"
            ) from exc
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


def write_private_file(
    path: Path, content: bytes | Iterable[bytes], *, durable: bool = True, exclusive: bool = False
) -> None:
    """Write ``content`` to ``path`` atomically with mode 0600 (temp file, fsync, rename, fsync of the
    directory, so that the new name survives a power cut too; missing directories are made 0700, each
    made durable in its parent).

    ``content`` may come in pieces (an iterable of bytes), written as they come: a large file is never
    held in memory whole. ``durable=False`` skips the fsyncs (the rename stays atomic).

    Raises:
        FileExistsError: ``exclusive`` and ``path`` exists (checked atomically: the finished temp file is
            hard-linked to the name, which fails if the name is taken, where a rename would replace it).
    """
    make_directory(path.parent, durable=durable)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            for piece in (content,) if isinstance(content, (bytes, bytearray, memoryview)) else content:
                fh.write(piece)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        if exclusive:
            _link_exclusive(tmp, path)
        else:
            os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.chmod(path, 0o600)
    if durable:
        fsync_directory(path.parent)


def _link_exclusive(tmp: Path, path: Path) -> None:
    """Give ``tmp`` the name ``path`` unless that name exists; ``tmp`` is gone afterwards."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: check, then rename (a narrow race remains)
        if path.exists():
            raise FileExistsError(errno.EEXIST, "file exists", str(path)) from None
        os.replace(tmp, path)
        return
    tmp.unlink()


def make_directory(path: Path, *, durable: bool = True, mode: int = 0o700) -> None:
    """Create ``path`` and its missing parents (``mode``, 0700 by default: they hold private files);
    with ``durable``, fsync the parent of each one made, so that its name survives a power cut."""
    missing = []
    current = path
    while not current.is_dir():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=mode)
        except FileExistsError:
            if not directory.is_dir():
                raise
            continue
        if durable:
            fsync_directory(directory.parent)


#: fsync errors meaning "this file system does not sync directories" (the files themselves are synced).
_NO_DIRECTORY_SYNC = {errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EBADF}


def fsync_directory(directory: Path) -> None:
    """Make the names in ``directory`` durable (``fsync`` of the directory). Windows, which cannot open
    a directory, is skipped; a file system that refuses directory fsync is tolerated; any other error
    (an I/O error, too many open files, no permission) is raised, since durability would be lost."""
    if os.name == "nt":
        return
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in _NO_DIRECTORY_SYNC:
            raise
    finally:
        os.close(fd)


def save_keystore(
    path: Path, key: PrivateKey, password: str, *, light: bool = False, exclusive: bool = False
) -> None:
    """Encrypt ``key`` and write it to ``path`` with mode 0600 (``exclusive``: never over another file;
    raises ``FileExistsError`` then)."""
    content = json.dumps(encrypt_keystore(key, password, light=light), indent=2).encode()
    write_private_file(path, content, exclusive=exclusive)


def load_keystore(path: Path, password: str) -> PrivateKey:
    """Read and decrypt the keystore at ``path``; every failure is a :class:`KeystoreError`."""
    from .canonical import loads_lax

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
    except KeystoreError as exc:
        if "wrong password" in str(exc):
            raise
        raise KeystoreError(f"keystore {path}: {exc}", hint="restore the file from a backup") from None
