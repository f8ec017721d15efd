"""From decoded events to rows: one small handler per event name.

A handler receives the connection (inside the sync transaction) and one :class:`IndexedEvent`, and
writes the typed rows that event stands for. Handlers only insert rows keyed by the event's own
position (block, log index) or by a content id the contracts guarantee unique (a contribution key, a
root, a credential hash), with ``INSERT OR IGNORE``; together with the raw ``events`` table, which is
written first and decides whether the event is new, this makes replaying a range change nothing.

Events with no handler still land in ``events`` (a newer contract version does not break the index).
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ledger.crypto.hashing import to_checksum_address

# Mirrors of the enums in contracts/Common.sol, by position (ledger.types holds the Python enums; the
# index stores names so that a query or report never has to know the numbering).
ISSUER_KINDS = ("None", "University", "Community", "Enterprise", "Authority")
ISSUER_STATUSES = ("None", "Active", "Suspended", "Retired")
CONTRIBUTION_KINDS = (
    "Code",
    "Test",
    "Docs",
    "Review",
    "ProjectManagement",
    "Community",
    "Mentoring",
    "Translation",
    "Design",
    "Infrastructure",
    "Security",
    "Other",
)
REVOCATION_REASONS = ("None", "IssuedInError", "Misconduct", "Superseded", "Expired", "Other")
CREDENTIAL_STATUSES = ("None", "Valid", "Suspended", "Revoked")
ZERO32 = "0x" + "00" * 32


@dataclass(frozen=True)
class IndexedEvent:
    """A decoded event with its position, normalised for storage (hex strings, checksummed addresses)."""

    name: str
    contract: str
    block_number: int
    log_index: int
    tx_hash: str
    args: Mapping[str, Any]


def normalise_args(args: Mapping[str, Any]) -> dict[str, Any]:
    """An event's arguments normalised (:func:`normalise`), with a fast path for one-word values."""
    out: dict[str, Any] = {}
    for name, value in args.items():
        kind = type(value)
        if kind is bytes:
            out[name] = "0x" + value.hex()
        elif kind is int or kind is str or kind is bool:
            out[name] = value
        else:
            out[name] = normalise(value)
    return out


def normalise(value: Any) -> Any:
    """Bytes as 0x hex, lists for tuples, recursively; everything else as decoded."""
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    if isinstance(value, (list, tuple)):
        return [normalise(v) for v in value]
    if isinstance(value, dict):
        return {str(k): normalise(v) for k, v in value.items()}
    if hasattr(value, "_asdict"):
        return normalise(value._asdict())
    return value


def address(value: Any) -> str:
    """A checksummed address from whatever the decoder gave (str in any case, or 20 bytes)."""
    if isinstance(value, (bytes, bytearray)):
        return _checksum(bytes(value))
    return _checksum_text(str(value))


@functools.lru_cache(maxsize=4096)
def _checksum(raw: bytes) -> str:
    return to_checksum_address(raw)


@functools.lru_cache(maxsize=4096)
def _checksum_text(text: str) -> str:
    # The same few addresses recur in every event; checksumming each once keeps sync fast.
    return to_checksum_address(bytes.fromhex(text[2:] if text.startswith(("0x", "0X")) else text))


def _name(table: tuple[str, ...], value: Any) -> str:
    index = int(value)
    return table[index] if 0 <= index < len(table) else f"Unknown({index})"


class Rows:
    """Rows to insert, grouped by statement, so that a chunk is written with one ``executemany`` per
    statement. Handlers write to it as they would to a connection; order within a statement is kept."""

    def __init__(self) -> None:
        self.pending: dict[str, list[Sequence[Any]]] = {}

    def execute(self, sql: str, params: Sequence[Any]) -> None:
        self.pending.setdefault(sql, []).append(params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.pending.setdefault(sql, []).extend(rows)

    def flush(self, conn: sqlite3.Connection) -> None:
        for sql, rows in self.pending.items():
            conn.executemany(sql, rows)
        self.pending.clear()


Handler = Callable[[Rows, IndexedEvent], None]
HANDLERS: dict[str, Handler] = {}


def handles(*names: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for name in names:
            HANDLERS[name] = fn
        return fn

    return register


def apply(conn: Rows, event: IndexedEvent) -> bool:
    """Project one new event into ``conn`` (flushed by the caller); return whether a handler knew it."""
    handler = HANDLERS.get(event.name)
    if handler is None:
        return False
    handler(conn, event)
    return True


# -- IssuerRegistry ------------------------------------------------------------------------------


@handles(
    "MemberAdded",
    "MemberRemoved",
    "ThresholdChanged",
    "ModulesBound",
    "ProposalCreated",
    "ProposalApproved",
    "ProposalExecuted",
)
def _committee(conn: Rows, ev: IndexedEvent) -> None:
    a = ev.args
    member = a.get("member") or a.get("proposer")
    data: Any = a.get("data")
    if ev.name == "ModulesBound":
        data = json.dumps({"ledger": a.get("ledger"), "credentials": a.get("credentials")})
    conn.execute(
        "INSERT OR IGNORE INTO committee_actions VALUES (?,?,?,?,?,?,?,?,?,?)",
        (
            ev.block_number,
            ev.log_index,
            ev.tx_hash,
            ev.name,
            a.get("id"),
            address(member) if member else None,
            address(a["target"]) if a.get("target") else None,
            data,
            a.get("approvals"),
            a.get("threshold"),
        ),
    )


@handles("IssuerAdded")
def _issuer_added(conn: Rows, ev: IndexedEvent) -> None:
    a = ev.args
    who = address(a["issuer"])
    parent = address(a["parent"])
    conn.execute(
        "INSERT OR IGNORE INTO issuers VALUES (?,?,?,?,?,?,?,?)",
        (
            who,
            a["id"],
            None if int(parent, 16) == 0 else parent,
            _name(ISSUER_KINDS, a["kind"]),
            a["depth"],
            a["metaHash"],
            ev.block_number,
            ev.tx_hash,
        ),
    )
    # Adding makes the issuer Active at this block (the contract starts its history here).
    conn.execute(
        "INSERT OR IGNORE INTO issuer_status VALUES (?,?,?,?,?,?)",
        (who, ev.block_number, ev.log_index, "Active", None, ev.tx_hash),
    )
    _scope_rows(conn, ev, who, a.get("scope") or (), True)


@handles("IssuerStatusChanged")
def _issuer_status(conn: Rows, ev: IndexedEvent) -> None:
    a = ev.args
    conn.execute(
        "INSERT OR IGNORE INTO issuer_status VALUES (?,?,?,?,?,?)",
        (
            address(a["issuer"]),
            ev.block_number,
            ev.log_index,
            _name(ISSUER_STATUSES, a["status"]),
            address(a["by"]) if a.get("by") else None,
            ev.tx_hash,
        ),
    )


@handles("IssuerScopeChanged")
def _issuer_scope(conn: Rows, ev: IndexedEvent) -> None:
    a = ev.args
    _scope_rows(conn, ev, address(a["issuer"]), a.get("typeIds") or (), bool(a["allowed"]))


def _scope_rows(
    conn: Rows, ev: IndexedEvent, who: str, type_ids: Any, allowed: bool
) -> None:
    conn.executemany(
        "INSERT OR IGNORE INTO issuer_scope VALUES (?,?,?,?,?)",
        [(who, int(t), ev.block_number, ev.log_index, int(allowed)) for t in type_ids],
    )


# -- ContributionLedger --------------------------------------------------------------------------


@handles("ContributionRecorded")
def _contribution(conn: Rows, ev: IndexedEvent) -> None:
    a = ev.args
    conn.execute(
        "INSERT OR IGNORE INTO contributions VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            a["key"],
            a["subject"],
            address(a["recorder"]),
            a["project"],
            _name(CONTRIBUTION_KINDS, a["kind"]),
            a["field"],
            a["weight"],
            a["occurredAt"],
            a["evidenceHash"],
            ev.block_number,
            ev.log_index,
            ev.tx_hash,
        ),
    )


@handles("ContributionCoSigned")
def _cosign(conn: Rows, ev: IndexedEvent) -> None:
    a = ev.args
    conn.execute(
        "INSERT OR IGNORE INTO cosigns VALUES (?,?,?,?,?,?)",
        (a["key"], address(a["signer"]), a["coSignCount"], ev.block_number, ev.log_index, ev.tx_hash),
    )


@handles("ContributionRevoked")
def _contribution_revoked(conn: Rows, ev: IndexedEvent) -> None:
    a = ev.args
    conn.execute(
        "INSERT OR IGNORE INTO contribution_revocations VALUES (?,?,?,?,?,?)",
        (
            a["key"],
            address(a["by"]),
            _name(REVOCATION_REASONS, a["reason"]),
            ev.block_number,
            ev.log_index,
            ev.tx_hash,
        ),
    )


# -- CredentialRegistry --------------------------------------------------------------------------


@handles("TypeDefined")
def _type_defined(conn: Rows, ev: IndexedEvent) -> None:
    a = ev.args
    details = {
        "field": a.get("field"),
        "level": a.get("level"),
        "allowedKinds": a.get("allowedKinds"),
        "criteria": a.get("criteria"),
        "prerequisites": a.get("prerequisites"),
        "metaHash": a.get("metaHash"),
    }
    conn.execute(
        "INSERT OR IGNORE INTO cert_types VALUES (?,?,?,?,?,?)",
        (a["typeId"], a["version"], json.dumps(details), ev.block_number, ev.log_index, ev.tx_hash),
    )


@handles("BatchAnchored")
def _batch(conn: Rows, ev: IndexedEvent) -> None:
    a = ev.args
    conn.execute(
        "INSERT OR IGNORE INTO batches VALUES (?,?,?,?,?,?,?,?)",
        (
            a["root"],
            address(a["issuer"]),
            a["typeId"],
            a["count"],
            a.get("metaHash"),
            ev.block_number,
            ev.log_index,
            ev.tx_hash,
        ),
    )


@handles("CredentialIssued")
def _credential(conn: Rows, ev: IndexedEvent) -> None:
    a = ev.args
    digest = a["credentialHash"]
    conn.execute(
        "INSERT OR IGNORE INTO credentials VALUES (?,?,?,?,?,?,?,?)",
        (
            digest,
            a["subject"],
            address(a["issuer"]),
            a["typeId"],
            a.get("typeVersion"),
            ev.block_number,
            ev.log_index,
            ev.tx_hash,
        ),
    )
    conn.executemany(
        "INSERT OR IGNORE INTO credential_evidence VALUES (?,?,?)",
        [(digest, k, i) for i, k in enumerate(a.get("contributionKeys") or ())],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO credential_prerequisites VALUES (?,?,?)",
        [(digest, p, i) for i, p in enumerate(a.get("prerequisiteCredentialHashes") or ())],
    )


@handles("CredentialStatusChanged")
def _credential_status(conn: Rows, ev: IndexedEvent) -> None:
    a = ev.args
    conn.execute(
        "INSERT OR IGNORE INTO credential_status VALUES (?,?,?,?,?,?,?,?)",
        (
            a["credentialHash"],
            _name(CREDENTIAL_STATUSES, a["status"]),
            _name(REVOCATION_REASONS, a["reason"]),
            address(a["by"]) if a.get("by") else None,
            a.get("root") or ZERO32,
            ev.block_number,
            ev.log_index,
            ev.tx_hash,
        ),
    )


@handles("ReportAnchored")
def _report_anchored(conn: Rows, ev: IndexedEvent) -> None:
    a = ev.args
    conn.execute(
        "INSERT OR IGNORE INTO report_anchors VALUES (?,?,?,?,?,?)",
        (a["reportHash"], address(a["auditor"]), a["target"], ev.block_number, ev.log_index, ev.tx_hash),
    )
