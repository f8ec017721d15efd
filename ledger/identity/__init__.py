"""The people and keys behind the ledger, kept off chain: keyring, subject vault, personal-data guard.

Modules: :mod:`~ledger.identity.keyring` (the workspace's named, encrypted keys),
:mod:`~ledger.identity.vault` (pseudonymous subject ids and the people behind them, in SQLite, each
person sealed under a key of their own), :mod:`~ledger.identity.sealing` (the vault's key, the person
keys, sealing and keyed tags), :mod:`~ledger.identity.privacy` (the guard that refuses personal data
bound for the chain).

May import: ``ledger.errors``, ``ledger.canonical``, ``ledger.files``, ``ledger.crypto``.
"""

from __future__ import annotations

from ledger.identity.keyring import KeyInfo, Keyring
from ledger.identity.privacy import check_fields, find_personal_data
from ledger.identity.vault import Subject, Vault, parse_subject_id

__all__ = ["KeyInfo", "Keyring", "Subject", "Vault", "check_fields", "find_personal_data", "parse_subject_id"]
