"""The index's SQLite schema, built by named migrations.

Each migration has a stable name and runs once, inside one transaction together with the row that
records it in ``schema_migrations``; opening an index applies the ones it has not seen, in order.
A new column or table is a new migration appended to :data:`MIGRATIONS`, never an edit of an old one,
so an index written by an older version upgrades in place.

Tables, one per kind of fact the contracts emit:

* ``events``: every decoded event, raw (name, contract, JSON arguments), keyed by (block, log index).
  This is the ground truth; every other table is a projection of it.
* ``blocks``: the timestamp of each block that carried an event (time travel by date).
* ``sync_state``: the cursor (last fully indexed block), the chain id and contract addresses.
* ``committee_actions``: members, thresholds, proposals, approvals, executions, module binding.
* ``issuers``, ``issuer_status``, ``issuer_scope``: issuers and their append-only histories.
* ``contributions``, ``cosigns``, ``contribution_revocations``.
* ``cert_types`` (one row per version), ``batches`` (anchored roots), ``credentials`` (criteria-checked
  issuance, with ``credential_evidence`` and ``credential_prerequisites``), ``credential_status``.
* ``report_anchors``: hashes of audit reports anchored by auditors (migration ``0006``).
* ``batch_leaves``, ``journal_batches``: which leaf of which of this workspace's batches is whose, read
  from its issuance journal, not from the chain (migration ``0007``).
* Contracts v2 (migration ``0008_contracts_v2``): issuers are keys of *nodes* (``issuers.node``; status and
  scope rows carry the node), ``key_rotations``, ``key_compromises``, ``issuer_holds`` and ``offers``
  (child and successor offers); anchors keyed by (issuer, root) with ``batch_revocations`` and
  ``leaf_status`` (a row per leaf per change); credentials, their evidence and prerequisites keyed by
  (issuer, hash); contributions by their event's position (a released key is recorded again), co-signs
  with their organisation, ``contribution_releases``; report anchors by (auditor, hash); proposals with
  their last block and cancellations; ``batch_leaves`` name the key that anchored their batch.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    """One named, append-only schema step."""

    name: str
    sql: str


_INITIAL = """
CREATE TABLE sync_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE blocks (
    number    INTEGER PRIMARY KEY,
    timestamp INTEGER NOT NULL
);
CREATE INDEX blocks_by_time ON blocks(timestamp);
CREATE TABLE events (
    block_number INTEGER NOT NULL,
    log_index    INTEGER NOT NULL,
    tx_hash      TEXT NOT NULL,
    contract     TEXT NOT NULL,
    name         TEXT NOT NULL,
    args         TEXT NOT NULL,
    PRIMARY KEY (block_number, log_index)
) WITHOUT ROWID;
CREATE INDEX events_by_name ON events(name);

CREATE TABLE committee_actions (
    block_number INTEGER NOT NULL,
    log_index    INTEGER NOT NULL,
    tx_hash      TEXT NOT NULL,
    action       TEXT NOT NULL,
    proposal_id  INTEGER,
    member       TEXT,
    target       TEXT,
    data         TEXT,
    approvals    INTEGER,
    threshold    INTEGER,
    PRIMARY KEY (block_number, log_index)
) WITHOUT ROWID;

CREATE TABLE issuers (
    address      TEXT PRIMARY KEY,
    issuer_id    INTEGER NOT NULL,
    parent       TEXT,
    kind         TEXT NOT NULL,
    depth        INTEGER NOT NULL,
    meta_hash    TEXT NOT NULL,
    added_block  INTEGER NOT NULL,
    added_tx     TEXT NOT NULL
);
CREATE TABLE issuer_status (
    address      TEXT NOT NULL,
    block_number INTEGER NOT NULL,
    log_index    INTEGER NOT NULL,
    status       TEXT NOT NULL,
    changed_by   TEXT,
    tx_hash      TEXT NOT NULL,
    PRIMARY KEY (address, block_number, log_index)
) WITHOUT ROWID;
CREATE TABLE issuer_scope (
    address      TEXT NOT NULL,
    type_id      INTEGER NOT NULL,
    block_number INTEGER NOT NULL,
    log_index    INTEGER NOT NULL,
    allowed      INTEGER NOT NULL,
    PRIMARY KEY (address, type_id, block_number, log_index)
) WITHOUT ROWID;

CREATE TABLE contributions (
    key           TEXT PRIMARY KEY,
    subject       TEXT NOT NULL,
    recorder      TEXT NOT NULL,
    project       TEXT NOT NULL,
    kind          TEXT NOT NULL,
    field         INTEGER NOT NULL,
    weight        INTEGER NOT NULL,
    occurred_at   INTEGER NOT NULL,
    evidence_hash TEXT NOT NULL,
    block_number  INTEGER NOT NULL,
    log_index     INTEGER NOT NULL,
    tx_hash       TEXT NOT NULL
);
CREATE INDEX contributions_by_subject ON contributions(subject);
CREATE INDEX contributions_by_project ON contributions(project);
CREATE TABLE cosigns (
    key          TEXT NOT NULL,
    signer       TEXT NOT NULL,
    cosign_count INTEGER NOT NULL,
    block_number INTEGER NOT NULL,
    log_index    INTEGER NOT NULL,
    tx_hash      TEXT NOT NULL,
    PRIMARY KEY (block_number, log_index)
) WITHOUT ROWID;
CREATE INDEX cosigns_by_key ON cosigns(key);
CREATE TABLE contribution_revocations (
    key          TEXT NOT NULL,
    revoked_by   TEXT NOT NULL,
    reason       TEXT NOT NULL,
    block_number INTEGER NOT NULL,
    log_index    INTEGER NOT NULL,
    tx_hash      TEXT NOT NULL,
    PRIMARY KEY (block_number, log_index)
) WITHOUT ROWID;
CREATE INDEX contribution_revocations_by_key ON contribution_revocations(key);

CREATE TABLE cert_types (
    type_id      INTEGER NOT NULL,
    version      INTEGER NOT NULL,
    details      TEXT NOT NULL,
    block_number INTEGER NOT NULL,
    log_index    INTEGER NOT NULL,
    tx_hash      TEXT NOT NULL,
    PRIMARY KEY (type_id, version)
) WITHOUT ROWID;
CREATE TABLE batches (
    root         TEXT PRIMARY KEY,
    issuer       TEXT NOT NULL,
    type_id      INTEGER NOT NULL,
    count        INTEGER NOT NULL,
    meta_hash    TEXT,
    block_number INTEGER NOT NULL,
    log_index    INTEGER NOT NULL,
    tx_hash      TEXT NOT NULL
);
CREATE INDEX batches_by_issuer ON batches(issuer);
CREATE TABLE credentials (
    hash         TEXT PRIMARY KEY,
    subject      TEXT NOT NULL,
    issuer       TEXT NOT NULL,
    type_id      INTEGER NOT NULL,
    type_version INTEGER,
    block_number INTEGER NOT NULL,
    log_index    INTEGER NOT NULL,
    tx_hash      TEXT NOT NULL
);
CREATE INDEX credentials_by_subject ON credentials(subject);
CREATE INDEX credentials_by_issuer ON credentials(issuer);
CREATE TABLE credential_evidence (
    credential_hash  TEXT NOT NULL,
    contribution_key TEXT NOT NULL,
    PRIMARY KEY (credential_hash, contribution_key)
) WITHOUT ROWID;
CREATE INDEX credential_evidence_by_key ON credential_evidence(contribution_key);
CREATE TABLE credential_prerequisites (
    credential_hash   TEXT NOT NULL,
    prerequisite_hash TEXT NOT NULL,
    PRIMARY KEY (credential_hash, prerequisite_hash)
) WITHOUT ROWID;
CREATE TABLE credential_status (
    credential_hash TEXT NOT NULL,
    status          TEXT NOT NULL,
    reason          TEXT NOT NULL,
    changed_by      TEXT,
    root            TEXT,
    block_number    INTEGER NOT NULL,
    log_index       INTEGER NOT NULL,
    tx_hash         TEXT NOT NULL,
    PRIMARY KEY (credential_hash, block_number, log_index)
) WITHOUT ROWID;
"""

_CONTRACTS_V2 = """
ALTER TABLE issuers ADD COLUMN node INTEGER;
UPDATE issuers SET node = issuer_id;
CREATE INDEX issuers_by_node ON issuers(node);
ALTER TABLE issuer_status ADD COLUMN node INTEGER;
UPDATE issuer_status SET node = (SELECT issuer_id FROM issuers WHERE issuers.address = issuer_status.address);
CREATE INDEX issuer_status_by_node ON issuer_status(node, block_number);
ALTER TABLE issuer_scope ADD COLUMN node INTEGER;
UPDATE issuer_scope SET node = (SELECT issuer_id FROM issuers WHERE issuers.address = issuer_scope.address);
CREATE INDEX issuer_scope_by_node ON issuer_scope(node, type_id, block_number);

CREATE TABLE key_rotations (
    previous     TEXT NOT NULL,
    successor    TEXT NOT NULL,
    node         INTEGER NOT NULL,
    key_id       INTEGER NOT NULL,
    offered_by   TEXT,
    block_number INTEGER NOT NULL,
    log_index    INTEGER NOT NULL,
    tx_hash      TEXT NOT NULL,
    PRIMARY KEY (block_number, log_index)
) WITHOUT ROWID;
CREATE INDEX key_rotations_by_node ON key_rotations(node);
CREATE TABLE key_compromises (
    key          TEXT NOT NULL,
    since        INTEGER NOT NULL,
    marked_by    TEXT NOT NULL,
    block_number INTEGER NOT NULL,
    log_index    INTEGER NOT NULL,
    tx_hash      TEXT NOT NULL,
    PRIMARY KEY (block_number, log_index)
) WITHOUT ROWID;
CREATE INDEX key_compromises_by_key ON key_compromises(key, block_number);
CREATE TABLE issuer_holds (
    address      TEXT NOT NULL,
    node         INTEGER NOT NULL,
    held         INTEGER NOT NULL,
    block_number INTEGER NOT NULL,
    log_index    INTEGER NOT NULL,
    tx_hash      TEXT NOT NULL,
    PRIMARY KEY (block_number, log_index)
) WITHOUT ROWID;
CREATE TABLE offers (
    kind         TEXT NOT NULL,
    action       TEXT NOT NULL,
    offeree      TEXT NOT NULL,
    issuer       TEXT NOT NULL,
    made_by      TEXT,
    details      TEXT,
    block_number INTEGER NOT NULL,
    log_index    INTEGER NOT NULL,
    tx_hash      TEXT NOT NULL,
    PRIMARY KEY (block_number, log_index)
) WITHOUT ROWID;
CREATE INDEX offers_by_offeree ON offers(offeree);

CREATE TABLE batches_v2 (
    issuer       TEXT NOT NULL,
    root         TEXT NOT NULL,
    type_id      INTEGER NOT NULL,
    count        INTEGER NOT NULL,
    meta_hash    TEXT,
    block_number INTEGER NOT NULL,
    log_index    INTEGER NOT NULL,
    tx_hash      TEXT NOT NULL,
    PRIMARY KEY (issuer, root)
);
INSERT OR IGNORE INTO batches_v2 SELECT issuer, root, type_id, count, meta_hash, block_number, log_index, tx_hash
    FROM batches;
DROP TABLE batches;
ALTER TABLE batches_v2 RENAME TO batches;
CREATE INDEX batches_by_issuer ON batches(issuer);
CREATE INDEX batches_by_root ON batches(root);
CREATE TABLE batch_revocations (
    issuer       TEXT NOT NULL,
    root         TEXT NOT NULL,
    reason       TEXT NOT NULL,
    revoked_by   TEXT NOT NULL,
    block_number INTEGER NOT NULL,
    log_index    INTEGER NOT NULL,
    tx_hash      TEXT NOT NULL,
    PRIMARY KEY (block_number, log_index)
) WITHOUT ROWID;
CREATE INDEX batch_revocations_by_batch ON batch_revocations(issuer, root);
CREATE TABLE leaf_status (
    issuer       TEXT NOT NULL,
    root         TEXT NOT NULL,
    leaf_index   INTEGER NOT NULL,
    status       TEXT NOT NULL,
    reason       TEXT,
    changed_by   TEXT NOT NULL,
    action       TEXT NOT NULL,
    block_number INTEGER NOT NULL,
    log_index    INTEGER NOT NULL,
    tx_hash      TEXT NOT NULL,
    PRIMARY KEY (issuer, root, leaf_index, block_number, log_index)
) WITHOUT ROWID;
CREATE INDEX leaf_status_by_author ON leaf_status(changed_by);

CREATE TABLE credentials_v2 (
    issuer       TEXT NOT NULL,
    hash         TEXT NOT NULL,
    subject      TEXT NOT NULL,
    type_id      INTEGER NOT NULL,
    type_version INTEGER,
    block_number INTEGER NOT NULL,
    log_index    INTEGER NOT NULL,
    tx_hash      TEXT NOT NULL,
    PRIMARY KEY (issuer, hash)
);
INSERT OR IGNORE INTO credentials_v2 SELECT issuer, hash, subject, type_id, type_version, block_number, log_index,
    tx_hash FROM credentials;
DROP TABLE credentials;
ALTER TABLE credentials_v2 RENAME TO credentials;
CREATE INDEX credentials_by_subject ON credentials(subject);
CREATE INDEX credentials_by_issuer ON credentials(issuer);
CREATE INDEX credentials_by_type ON credentials(type_id);
CREATE INDEX credentials_by_hash ON credentials(hash);
CREATE TABLE credential_evidence_v2 (
    issuer           TEXT NOT NULL,
    credential_hash  TEXT NOT NULL,
    contribution_key TEXT NOT NULL,
    position         INTEGER,
    PRIMARY KEY (issuer, credential_hash, contribution_key)
) WITHOUT ROWID;
INSERT OR IGNORE INTO credential_evidence_v2 SELECT c.issuer, e.credential_hash, e.contribution_key, e.position
    FROM credential_evidence e JOIN credentials c ON c.hash = e.credential_hash;
DROP TABLE credential_evidence;
ALTER TABLE credential_evidence_v2 RENAME TO credential_evidence;
CREATE INDEX credential_evidence_by_key ON credential_evidence(contribution_key);
CREATE TABLE credential_prerequisites_v2 (
    issuer              TEXT NOT NULL,
    credential_hash     TEXT NOT NULL,
    prerequisite_issuer TEXT,
    prerequisite_hash   TEXT NOT NULL,
    position            INTEGER,
    PRIMARY KEY (issuer, credential_hash, position)
) WITHOUT ROWID;
INSERT OR IGNORE INTO credential_prerequisites_v2 SELECT c.issuer, p.credential_hash, NULL, p.prerequisite_hash,
    p.position FROM credential_prerequisites p JOIN credentials c ON c.hash = p.credential_hash;
DROP TABLE credential_prerequisites;
ALTER TABLE credential_prerequisites_v2 RENAME TO credential_prerequisites;
ALTER TABLE credential_status ADD COLUMN issuer TEXT;
UPDATE credential_status SET issuer = (SELECT issuer FROM credentials WHERE credentials.hash =
    credential_status.credential_hash) WHERE root = '0x0000000000000000000000000000000000000000000000000000000000000000';
CREATE INDEX credential_status_by_issuer ON credential_status(issuer, credential_hash);

CREATE TABLE contributions_v2 (
    key           TEXT NOT NULL,
    subject       TEXT NOT NULL,
    recorder      TEXT NOT NULL,
    project       TEXT NOT NULL,
    kind          TEXT NOT NULL,
    field         INTEGER NOT NULL,
    weight        INTEGER NOT NULL,
    occurred_at   INTEGER NOT NULL,
    evidence_hash TEXT NOT NULL,
    block_number  INTEGER NOT NULL,
    log_index     INTEGER NOT NULL,
    tx_hash       TEXT NOT NULL,
    PRIMARY KEY (block_number, log_index)
) WITHOUT ROWID;
INSERT OR IGNORE INTO contributions_v2 SELECT key, subject, recorder, project, kind, field, weight, occurred_at,
    evidence_hash, block_number, log_index, tx_hash FROM contributions;
DROP TABLE contributions;
ALTER TABLE contributions_v2 RENAME TO contributions;
CREATE INDEX contributions_by_key ON contributions(key, block_number);
CREATE INDEX contributions_by_subject ON contributions(subject);
CREATE INDEX contributions_by_project ON contributions(project);
CREATE INDEX contributions_by_evidence ON contributions(evidence_hash);
CREATE INDEX contributions_by_recorder ON contributions(recorder);
CREATE TABLE cosigns_v2 (
    key          TEXT NOT NULL,
    signer       TEXT NOT NULL,
    org          INTEGER,
    block_number INTEGER NOT NULL,
    log_index    INTEGER NOT NULL,
    tx_hash      TEXT NOT NULL,
    PRIMARY KEY (block_number, log_index)
) WITHOUT ROWID;
INSERT OR IGNORE INTO cosigns_v2 SELECT key, signer, NULL, block_number, log_index, tx_hash FROM cosigns;
DROP TABLE cosigns;
ALTER TABLE cosigns_v2 RENAME TO cosigns;
CREATE INDEX cosigns_by_key ON cosigns(key);
CREATE INDEX cosigns_by_signer ON cosigns(signer);
CREATE TABLE contribution_releases (
    key          TEXT NOT NULL,
    generation   INTEGER NOT NULL,
    block_number INTEGER NOT NULL,
    log_index    INTEGER NOT NULL,
    tx_hash      TEXT NOT NULL,
    PRIMARY KEY (block_number, log_index)
) WITHOUT ROWID;
CREATE INDEX contribution_releases_by_key ON contribution_releases(key);

CREATE TABLE report_anchors_v2 (
    auditor      TEXT NOT NULL,
    report_hash  TEXT NOT NULL,
    target       TEXT NOT NULL,
    block_number INTEGER NOT NULL,
    log_index    INTEGER NOT NULL,
    tx_hash      TEXT NOT NULL,
    PRIMARY KEY (auditor, report_hash)
);
INSERT OR IGNORE INTO report_anchors_v2 SELECT auditor, report_hash, target, block_number, log_index, tx_hash
    FROM report_anchors;
DROP TABLE report_anchors;
ALTER TABLE report_anchors_v2 RENAME TO report_anchors;
CREATE INDEX report_anchors_by_hash ON report_anchors(report_hash);
CREATE INDEX report_anchors_by_target ON report_anchors(target);

ALTER TABLE committee_actions ADD COLUMN expires_at INTEGER;
ALTER TABLE committee_actions ADD COLUMN details TEXT;
CREATE INDEX committee_actions_by_proposal ON committee_actions(proposal_id);

ALTER TABLE batch_leaves ADD COLUMN issuer TEXT;
DELETE FROM batch_leaves;
DELETE FROM journal_batches;
"""

#: The tables of facts (besides ``schema_migrations``).
TABLES = (
    "sync_state",
    "blocks",
    "events",
    "committee_actions",
    "issuers",
    "issuer_status",
    "issuer_scope",
    "contributions",
    "cosigns",
    "contribution_revocations",
    "cert_types",
    "batches",
    "credentials",
    "credential_evidence",
    "credential_prerequisites",
    "credential_status",
    "report_anchors",
    "batch_leaves",
    "journal_batches",
    "key_rotations",
    "key_compromises",
    "issuer_holds",
    "offers",
    "batch_revocations",
    "leaf_status",
    "contribution_releases",
    "contribution_about",
    "nominations",
)

#: Every migration ever shipped, in order. Append only.
MIGRATIONS: tuple[Migration, ...] = (
    Migration("0001_initial", _INITIAL),
    Migration(
        "0002_status_lookups",
        """
        CREATE INDEX issuer_status_by_block ON issuer_status(block_number);
        CREATE INDEX credential_status_by_block ON credential_status(block_number);
        CREATE INDEX credentials_by_type ON credentials(type_id);
        """,
    ),
    # The order of a credential's evidence and prerequisites as issued (reports list them that way).
    Migration(
        "0003_evidence_order",
        """
        ALTER TABLE credential_evidence ADD COLUMN position INTEGER;
        ALTER TABLE credential_prerequisites ADD COLUMN position INTEGER;
        """,
    ),
    # The audit looks for one piece of work claimed by two subjects (same evidence hash).
    Migration("0004_evidence_lookup", "CREATE INDEX contributions_by_evidence ON contributions(evidence_hash);"),
    # No query filters the raw events by name; the index cost a b-tree insert per event during sync.
    Migration("0005_drop_events_by_name", "DROP INDEX IF EXISTS events_by_name;"),
    # Audit reports anchored on chain (CredentialRegistry.anchorReport): one row per report hash. An
    # index synced by an older version kept these events raw in ``events`` only; they are projected here.
    Migration(
        "0006_report_anchors",
        """
        CREATE TABLE report_anchors (
            report_hash  TEXT PRIMARY KEY,
            auditor      TEXT NOT NULL,
            target       TEXT NOT NULL,
            block_number INTEGER NOT NULL,
            log_index    INTEGER NOT NULL,
            tx_hash      TEXT NOT NULL
        );
        CREATE INDEX report_anchors_by_target ON report_anchors(target);
        CREATE INDEX report_anchors_by_auditor ON report_anchors(auditor);
        INSERT OR IGNORE INTO report_anchors
            SELECT json_extract(args, '$.reportHash'), json_extract(args, '$.auditor'),
                   json_extract(args, '$.target'), block_number, log_index, tx_hash
            FROM events WHERE name = 'ReportAnchored' ORDER BY block_number, log_index;
        """,
    ),
    # The issuer's own knowledge of its batches: which leaf is whose, from its issuance journal (the chain
    # has only the root). Only the workspace that issued a batch has these rows; a query or an audit of a
    # subject there includes the subject's batch certificates. ``journal_batches`` says which journaled
    # batches were read, so each is read once.
    Migration(
        "0007_batch_leaves",
        """
        CREATE TABLE batch_leaves (
            root            TEXT NOT NULL,
            leaf            INTEGER NOT NULL,
            credential_hash TEXT NOT NULL,
            subject         TEXT NOT NULL,
            credential_id   TEXT NOT NULL,
            batch_id        TEXT NOT NULL,
            PRIMARY KEY (root, leaf)
        ) WITHOUT ROWID;
        CREATE INDEX batch_leaves_by_subject ON batch_leaves(subject);
        CREATE INDEX batch_leaves_by_hash ON batch_leaves(credential_hash);
        CREATE INDEX batch_leaves_by_id ON batch_leaves(credential_id);
        CREATE TABLE journal_batches (
            batch_id TEXT PRIMARY KEY,
            root     TEXT NOT NULL,
            count    INTEGER NOT NULL
        );
        """,
    ),
    # Contracts v2 (issue 15). Tables whose key changes are rebuilt with their rows (an index of a v1
    # deployment keeps what it held; a v1 deployment's issuer ids are its node ids). Batch leaves name the
    # key their batch is anchored under (a copy of a root under another key is another batch): the rows
    # are read again from the journal, which names it.
    Migration("0008_contracts_v2", _CONTRACTS_V2),
    # Contracts 2.1.0: what a contribution is about (mentor awards) and nominations (community MVP awards),
    # one row per event; the live nominations are the last event per (type, version, subject, org).
    Migration(
        "0009_awards",
        """
        CREATE TABLE contribution_about (
            key          TEXT NOT NULL,
            about        TEXT NOT NULL,
            block_number INTEGER NOT NULL,
            log_index    INTEGER NOT NULL,
            tx_hash      TEXT NOT NULL,
            PRIMARY KEY (block_number, log_index)
        ) WITHOUT ROWID;
        CREATE INDEX contribution_about_by_key ON contribution_about(key);
        CREATE INDEX contribution_about_by_about ON contribution_about(about);
        CREATE TABLE nominations (
            type_id      INTEGER NOT NULL,
            version      INTEGER NOT NULL,
            subject      TEXT NOT NULL,
            org          INTEGER NOT NULL,
            action       TEXT NOT NULL,
            account      TEXT NOT NULL,
            block_number INTEGER NOT NULL,
            log_index    INTEGER NOT NULL,
            tx_hash      TEXT NOT NULL,
            PRIMARY KEY (block_number, log_index)
        ) WITHOUT ROWID;
        CREATE INDEX nominations_by_type ON nominations(type_id, version, subject);
        INSERT OR IGNORE INTO contribution_about
            SELECT json_extract(args, '$.key'), json_extract(args, '$.about'), block_number, log_index, tx_hash
            FROM events WHERE name = 'ContributionAbout';
        INSERT OR IGNORE INTO nominations
            SELECT json_extract(args, '$.typeId'), json_extract(args, '$.version'), json_extract(args, '$.subject'),
                   json_extract(args, '$.org'), 'Nominated', json_extract(args, '$.nominator'), block_number,
                   log_index, tx_hash
            FROM events WHERE name = 'Nominated';
        INSERT OR IGNORE INTO nominations
            SELECT json_extract(args, '$.typeId'), json_extract(args, '$.version'), json_extract(args, '$.subject'),
                   json_extract(args, '$.org'), 'Withdrawn', json_extract(args, '$.by'), block_number,
                   log_index, tx_hash
            FROM events WHERE name = 'NominationWithdrawn';
        """,
    ),
)


def applied(conn: sqlite3.Connection) -> list[str]:
    """Names of the migrations already applied to this database, in order."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)"
    )
    return [row[0] for row in conn.execute("SELECT name FROM schema_migrations ORDER BY rowid")]


def migrate(conn: sqlite3.Connection, migrations: tuple[Migration, ...] = MIGRATIONS) -> list[str]:
    """Apply the migrations this database lacks; return the names applied now.

    Each migration and its bookkeeping row commit together, so a crash between two migrations leaves a
    database that the next open finishes upgrading.
    """
    done = set(applied(conn))
    ran: list[str] = []
    for migration in migrations:
        if migration.name in done:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(migration.sql):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations(name, applied_at) VALUES (?, ?)", (migration.name, time.time())
            )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        ran.append(migration.name)
    return ran


def _statements(sql: str) -> list[str]:
    # executescript() would commit implicitly; splitting keeps each migration in our transaction.
    return [part.strip() for part in sql.split(";") if part.strip()]
