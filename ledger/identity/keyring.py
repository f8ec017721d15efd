"""The workspace's keys: named, encrypted keystores (Ethereum keystore v3, mode 0600)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ledger.crypto.keys import PrivateKey
from ledger.crypto.keystore import load_keystore, save_keystore
from ledger.errors import UnknownKey, ValidationError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}\Z")


#: Fewest characters of a new key's password (every way a key is made: init, key new, key import).
MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class KeyInfo:
    """What can be shown about a key without its password: never the secret.

    A key file that cannot be read as a keystore is listed with ``damaged`` saying why (and no
    address), not hidden: a user who cannot sign with a key must be able to see it is broken.
    """

    name: str
    address: str
    crypto: str
    path: Path
    damaged: str | None = None


def check_new_password(password: str) -> None:
    """Refuse a password too short to protect a new key.

    Raises:
        ValidationError: fewer than :data:`MIN_PASSWORD_LENGTH` characters (an empty one included).
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            f"a key's password must be at least {MIN_PASSWORD_LENGTH} characters long"
            + (" (an empty password would leave the key unprotected)" if not password else ""),
            hint="choose a longer password (LEDGER_PASSWORD, --password-file or the prompt)",
        )


class Keyring:
    """Named keystores in one directory."""

    def __init__(self, directory: Path, *, light_kdf: bool = False) -> None:
        self.directory = directory
        #: cheaper scrypt parameters, for tests and the throwaway demo workspace only
        self.light_kdf = light_kdf

    def _path(self, name: str) -> Path:
        if not _NAME.match(name):
            raise ValidationError(f"key name {name!r}: use letters, digits, '.', '_' or '-' (max 48)")
        return self.directory / f"{name}.json"

    def create(self, name: str, password: str, *, crypto: str = "ecdsa") -> KeyInfo:
        return self.add(name, PrivateKey.generate(crypto), password)

    def add(self, name: str, key: PrivateKey, password: str) -> KeyInfo:
        path = self._path(name)
        if path.exists():
            raise ValidationError(f"a key named {name!r} exists already", hint="choose another --name")
        check_new_password(password)
        try:
            save_keystore(path, key, password, light=self.light_kdf, exclusive=True)
        except FileExistsError:  # another process took the name meanwhile: keep its key
            raise ValidationError(f"a key named {name!r} exists already", hint="choose another --name") from None
        return KeyInfo(name, key.address, key.crypto, path)

    def load(self, name: str, password: str) -> PrivateKey:
        path = self._path(name)
        if not path.exists():
            raise UnknownKey(name, str(self.directory))
        return load_keystore(path, password)

    def list(self, *, include_damaged: bool = False) -> list[KeyInfo]:
        """The keys of the directory, by name; ``include_damaged`` adds files that are not keystores.

        Those come with ``damaged`` saying why (never their content), for ``ledger key list`` to show:
        a key the user cannot sign with must not simply vanish from the list.
        """
        from ledger.crypto.hashing import to_checksum_address

        infos = []
        for path in sorted(self.directory.glob("*.json")):
            if path.name.startswith("."):
                continue  # a temporary file of a write in progress
            try:
                data = json.loads(path.read_bytes().decode("utf-8"))
                address = bytes.fromhex(data["address"])
                crypto = data.get("x-ledger-crypto", "ecdsa")
                version = data.get("version")
            except OSError as exc:
                infos.append(self._damaged(path, f"unreadable ({exc.strerror or 'error'})"))
                continue
            except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
                # The content is never quoted: a damaged keystore may still hold key material.
                infos.append(self._damaged(path, "not a keystore (not JSON, or no hex 'address')"))
                continue
            if len(address) != 20 or crypto not in ("ecdsa", "sm") or version != 3 or not ({"crypto", "Crypto"} & set(data)):
                infos.append(self._damaged(path, "not a version 3 keystore of this ledger"))
                continue
            infos.append(KeyInfo(path.stem, to_checksum_address(address), crypto, path))
        return [i for i in infos if include_damaged or i.damaged is None]

    @staticmethod
    def _damaged(path: Path, why: str) -> KeyInfo:
        return KeyInfo(path.stem, "", "", path, damaged=why)
