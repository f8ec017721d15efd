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
REVOCATION_REASONS = ("None", "IssuedInError", "Misconduct", "Superseded", "Expired", "Other", "KeyCompromised")
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
    statement. Handlers write to it as they would to a connection; order within a statement is kept.

    A statement that reads rows other statements write (``INSERT ... SELECT``) is given with
    ``after=True``: those run after every plain insert of the chunk, so they see its rows.
    """

    def __init__(self) -> None:
        self.pending: dict[str, list[Sequence[Any]]] = {}
        self.later: dict[str, list[Sequence[Any]]] = {}

    def execute(self, sql: str, params: Sequence[Any], *, after: bool = False) -> None:
        (self.later if after else self.pending).setdefault(sql, []).append(params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.pending.setdefault(sql, []).extend(rows)

    def flush(self, conn: sqlite3.Connection) -> None:
        for group in (self.pending, self.later):
            for sql, rows in group.items():
                conn.executemany(sql, rows)
            group.clear()


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


# -- Committee -------------------------------------------------------------------------------------


@handles(
    "MemberAdded",
    "MemberRemoved",
    "ThresholdChanged",
    "ModulesBound",
    "ProposalCreated",
    "ProposalApproved",
    "ProposalExecuted",
    "ProposalCancelled",
    "ProposalWindowChanged",
    "SuccessorNamed",
)
def _committee(conn: Rows, ev: IndexedEvent) -> None:
    a = ev.args
    member = a.get("member") or a.get("proposer") or a.get("by")
    data: Any = a.get("data")
    details: dict[str, Any] | None = None
    if ev.name == "ModulesBound":
        data = json.dumps({"registry": a.get("registry"), "ledger": a.get("ledger"), "credentials": a.get("credentials")})
    elif ev.name == "ProposalWindowChanged":
        details = {"blocks": a.get("blocks")}
    elif ev.name == "SuccessorNamed":
        details = {"successor": a.get("successor")}
    target = a.get("target") or a.get("successor")
    conn.execute(
        "INSERT OR IGNORE INTO committee_actions VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            ev.block_number,
            ev.log_index,
            ev.tx_hash,
            ev.name,
            a.get("id"),
            address(member) if member else None,
            address(target) if target else None,
            data,
            a.get("approvals"),
            a.get("threshold"),
            a.get("expiresAt"),
            None if details is None else json.dumps(details),
        ),
    )


# -- IssuerRegistry: issuers and keys -----------------------------------------------------------------


@handles("IssuerAdded")
def _issuer_added(conn: Rows, ev: IndexedEvent) -> None:
    a = ev.args
    who = address(a["issuer"])
    parent = address(a["parent"])
    node = int(a["id"])  # a new node's id is its first key's
    conn.execute(
        "INSERT OR IGNORE INTO issuers VALUES (?,?,?,?,?,?,?,?,?)",
        (
            who,
            node,
            None if int(parent, 16) == 0 else parent,
            _name(ISSUER_KINDS, a["kind"]),
            a["depth"],
            a["metaHash"],
            ev.block_number,
            ev.tx_hash,
            node,
        ),
    )
    # Adding makes the issuer Active at this block (the contract starts its history here).
    conn.execute(
        "INSERT OR IGNORE INTO issuer_status VALUES (?,?,?,?,?,?,?)",
        (who, ev.block_number, ev.log_index, "Active", None, ev.tx_hash, node),
    )
    _scope_rows(conn, ev, who, node, a.get("scope") or (), True)


@handles("IssuerStatusChanged")
def _issuer_status(conn: Rows, ev: IndexedEvent) -> None:
    a = ev.args
    conn.execute(
        "INSERT OR IGNORE INTO issuer_status VALUES (?,?,?,?,?,?,?)",
        (
            address(a["issuer"]),
            ev.block_number,
            ev.log_index,
            _name(ISSUER_STATUSES, a["status"]),
            address(a["by"]) if a.get("by") else None,
            ev.tx_hash,
            int(a["node"]),
        ),
    )


@handles("IssuerScopeChanged")
def _issuer_scope(conn: Rows, ev: IndexedEvent) -> None:
    a = ev.args
    _scope_rows(conn, ev, address(a["issuer"]), int(a["node"]), a.get("typeIds") or (), bool(a["allowed"]))


def _scope_rows(conn: Rows, ev: IndexedEvent, who: str, node: int, type_ids: Any, allowed: bool) -> None:
    conn.executemany(
        "INSERT OR IGNORE INTO issuer_scope VALUES (?,?,?,?,?,?)",
        [(who, int(t), ev.block_number, ev.log_index, int(allowed), node) for t in type_ids],
    )


@handles("IssuerHoldChanged")
def _issuer_hold(conn: Rows, ev: IndexedEvent) -> None:
    a = ev.args
    conn.execute("INSERT OR IGNORE INTO issuer_holds VALUES (?,?,?,?,?,?)",
                 (address(a["issuer"]), int(a["node"]), int(bool(a["held"])), ev.block_number, ev.log_index,
                  ev.tx_hash))


@handles("IssuerKeyRotated")
def _key_rotated(conn: Rows, ev: IndexedEvent) -> None:
    a = ev.args
    previous, successor, node = address(a["previous"]), address(a["successor"]), int(a["node"])
    offered_by = address(a["offeredBy"]) if a.get("offeredBy") and int(str(a["offeredBy"]), 16) else None
    conn.execute("INSERT OR IGNORE INTO key_rotations VALUES (?,?,?,?,?,?,?,?)",
                 (previous, successor, node, int(a["id"]), offered_by, ev.block_number, ev.log_index, ev.tx_hash))
    # The successor is a key of the same node: its row copies the node's kind, parent, depth and metadata
    # from the node's first key (written when the node was added, so already in the table).
    conn.execute(
        "INSERT OR IGNORE INTO issuers SELECT ?, ?, parent, kind, depth, meta_hash, ?, ?, node FROM issuers "
        "WHERE node = ? ORDER BY added_block LIMIT 1",
        (successor, int(a["id"]), ev.block_number, ev.tx_hash, node),
        after=True,
    )


@handles("IssuerKeyCompromised")
def _key_compromised(conn: Rows, ev: IndexedEvent) -> None:
    a = ev.args
    conn.execute("INSERT OR IGNORE INTO key_compromises VALUES (?,?,?,?,?,?)",
                 (address(a["key"]), int(a["since"]), address(a["by"]), ev.block_number, ev.log_index, ev.tx_hash))


@handles("ChildOffered", "ChildOfferCancelled", "SuccessorOffered", "SuccessorOfferCancelled")
def _offer(conn: Rows, ev: IndexedEvent) -> None:
    a = ev.args
    child = ev.name.startswith("Child")
    offeree = address(a["child"] if child else a["successor"])
    issuer = address(a["parent"] if child else a["issuer"])
    details = json.dumps({"kind": a["kind"], "scope": list(a.get("scope") or ()), "metaHash": a["metaHash"]}) \
        if ev.name == "ChildOffered" else None
    made_by = issuer if child else address(a["by"])
    conn.execute("INSERT OR IGNORE INTO offers VALUES (?,?,?,?,?,?,?,?,?)",
                 ("child" if child else "successor", "cancelled" if ev.name.endswith("Cancelled") else "offered",
                  offeree, issuer, made_by, details, ev.block_number, ev.log_index, ev.tx_hash))


# -- IssuerRegistry: batches ------------------------------------------------------------------------


@handles("BatchAnchored")
def _batch(conn: Rows, ev: IndexedEvent) -> None:
    a = ev.args
    conn.execute(
        "INSERT OR IGNORE INTO batches VALUES (?,?,?,?,?,?,?,?)",
        (
            address(a["issuer"]),
            a["root"],
            a["typeId"],
            a["count"],
            a.get("metaHash"),
            ev.block_number,
            ev.log_index,
            ev.tx_hash,
        ),
    )


@handles("BatchRevoked")
def _batch_revoked(conn: Rows, ev: IndexedEvent) -> None:
    a = ev.args
    conn.execute("INSERT OR IGNORE INTO batch_revocations VALUES (?,?,?,?,?,?,?)",
                 (address(a["issuer"]), a["root"], _name(REVOCATION_REASONS, a["reason"]), address(a["by"]),
                  ev.block_number, ev.log_index, ev.tx_hash))


@handles("LeafRevoked", "LeavesStatusChanged", "LeavesStatusRestored")
def _leaves(conn: Rows, ev: IndexedEvent) -> None:
    a = ev.args
    issuer = address(a["issuer"])
    if ev.name == "LeafRevoked":
        indexes, status, reason, by, action = [a["index"]], "Revoked", a["reason"], issuer, "revoke"
    else:
        indexes, status, by = a["indexes"], _name(CREDENTIAL_STATUSES, a["status"]), address(a["by"])
        reason = a.get("reason", 0)
        action = "set" if ev.name == "LeavesStatusChanged" else "restore"
    conn.executemany(
        "INSERT OR IGNORE INTO leaf_status VALUES (?,?,?,?,?,?,?,?,?,?)",
        [(issuer, a["root"], int(i), status, _name(REVOCATION_REASONS, reason), by, action, ev.block_number,
          ev.log_index, ev.tx_hash) for i in indexes],
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
        (a["key"], address(a["signer"]), a.get("org"), ev.block_number, ev.log_index, ev.tx_hash),
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


@handles("ContributionReleased")
def _contribution_released(conn: Rows, ev: IndexedEvent) -> None:
    a = ev.args
    conn.execute("INSERT OR IGNORE INTO contribution_releases VALUES (?,?,?,?,?)",
                 (a["key"], int(a["generation"]), ev.block_number, ev.log_index, ev.tx_hash))


@handles("ContributionAbout")
def _contribution_about(conn: Rows, ev: IndexedEvent) -> None:
    a = ev.args
    conn.execute("INSERT OR IGNORE INTO contribution_about VALUES (?,?,?,?,?)",
                 (a["key"], a["about"], ev.block_number, ev.log_index, ev.tx_hash))


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


@handles("CredentialIssued")
def _credential(conn: Rows, ev: IndexedEvent) -> None:
    a = ev.args
    digest = a["credentialHash"]
    issuer = address(a["issuer"])
    conn.execute(
        "INSERT OR IGNORE INTO credentials VALUES (?,?,?,?,?,?,?,?)",
        (
            issuer,
            digest,
            a["subject"],
            a["typeId"],
            a.get("typeVersion"),
            ev.block_number,
            ev.log_index,
            ev.tx_hash,
        ),
    )
    conn.executemany(
        "INSERT OR IGNORE INTO credential_evidence VALUES (?,?,?,?)",
        [(issuer, digest, k, i) for i, k in enumerate(a.get("contributionKeys") or ())],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO credential_prerequisites VALUES (?,?,?,?,?)",
        [(issuer, digest, address(p["issuer"]), p["credentialHash"], i)
         for i, p in enumerate(_prerequisites(a.get("prerequisites")))],
    )


def _prerequisites(value: Any) -> list[dict[str, Any]]:
    """The ``prerequisites`` of a CredentialIssued event: (issuer, credentialHash) structs."""
    out = []
    for p in value or ():
        if isinstance(p, dict):
            out.append(p)
        else:
            issuer, digest = p
            out.append({"issuer": issuer, "credentialHash": digest})
    return out


@handles("CredentialStatusChanged")
def _credential_status(conn: Rows, ev: IndexedEvent) -> None:
    a = ev.args
    conn.execute(
        "INSERT OR IGNORE INTO credential_status VALUES (?,?,?,?,?,?,?,?,?)",
        (
            a["credentialHash"],
            _name(CREDENTIAL_STATUSES, a["status"]),
            _name(REVOCATION_REASONS, a["reason"]),
            address(a["by"]) if a.get("by") else None,
            ZERO32,
            ev.block_number,
            ev.log_index,
            ev.tx_hash,
            address(a["issuer"]),
        ),
    )


@handles("Nominated")
def _nominated(conn: Rows, ev: IndexedEvent) -> None:
    a = ev.args
    conn.execute("INSERT OR IGNORE INTO nominations VALUES (?,?,?,?,?,?,?,?,?)",
                 (a["typeId"], a["version"], a["subject"], a["org"], "Nominated", address(a["nominator"]),
                  ev.block_number, ev.log_index, ev.tx_hash))


@handles("NominationWithdrawn")
def _nomination_withdrawn(conn: Rows, ev: IndexedEvent) -> None:
    a = ev.args
    conn.execute("INSERT OR IGNORE INTO nominations VALUES (?,?,?,?,?,?,?,?,?)",
                 (a["typeId"], a["version"], a["subject"], a["org"], "Withdrawn", address(a["by"]),
                  ev.block_number, ev.log_index, ev.tx_hash))


@handles("ReportAnchored")
def _report_anchored(conn: Rows, ev: IndexedEvent) -> None:
    a = ev.args
    conn.execute(
        "INSERT OR IGNORE INTO report_anchors VALUES (?,?,?,?,?,?)",
        (address(a["auditor"]), a["reportHash"], a["target"], ev.block_number, ev.log_index, ev.tx_hash),
    )
