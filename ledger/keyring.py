"""The workspace's keys: named, encrypted keystores (Ethereum keystore v3, mode 0600)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from .crypto import PrivateKey, load_keystore, save_keystore
from .errors import KeystoreError, ValidationError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$")


@dataclass(frozen=True)
class KeyInfo:
    """What can be shown about a key without its password: never the secret."""

    name: str
    address: str
    crypto: str
    path: Path


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
        if not password:
            raise ValidationError("an empty password would leave the key unprotected")
        save_keystore(path, key, password, light=self.light_kdf)
        return KeyInfo(name, key.address, key.crypto, path)

    def load(self, name: str, password: str) -> PrivateKey:
        path = self._path(name)
        if not path.exists():
            raise KeystoreError(f"no key named {name!r} in {self.directory}", hint="see `ledger key list`")
        return load_keystore(path, password)

    def list(self) -> list[KeyInfo]:
        from .crypto import to_checksum_address

        infos = []
        for path in sorted(self.directory.glob("*.json")):
            try:  # a file that is not one of our keystores is not a key: skip it
                data = json.loads(path.read_bytes().decode("utf-8"))
                address = bytes.fromhex(data["address"])
                crypto = data.get("x-ledger-crypto", "ecdsa")
            except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
                continue
            if len(address) == 20 and crypto in ("ecdsa", "sm"):
                infos.append(KeyInfo(path.stem, to_checksum_address(address), crypto, path))
        return infos
