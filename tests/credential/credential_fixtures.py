"""Constants shared by the credential tests (imported by conftest and the test modules)."""

from __future__ import annotations

from datetime import datetime, timezone

CHAIN_ID = 20200
ISSUER = "0x" + "ab" * 20
CONTRACT = "0x" + "cd" * 20
ANCHOR_TX = bytes.fromhex("11" * 32)
ANCHOR_BLOCK = 40
TYPE_ID = 7
#: A moment inside every fixture credential's validity period.
NOW = datetime(2027, 3, 1, tzinfo=timezone.utc)
