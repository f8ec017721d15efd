"""Issuers in the index: nodes and their keys, compromise marks, status and scope as of a block, and
authorisation for any moment of a block, as the IssuerRegistry answers them.

:class:`AuthorityQueries` is the part of :class:`ledger.index.queries.IndexReader` that answers who
could write what and when; it reads the tables the projection fills from the registry's events
(``issuers``, ``key_rotations``, ``key_compromises``, ``issuer_status``, ``issuer_scope``,
``issuer_holds``).
"""

from __future__ import annotations

import json
import sqlite3

from ledger.index.projection import ISSUER_KINDS
from ledger.index.records import Issuer, KeyEntry, StatusEntry, address_text


def _upto(at: int | None) -> int:
    return (1 << 62) if at is None else at


class AuthorityQueries:
    """Issuer, key and authorisation queries over ``self.conn`` (an index connection)."""

    conn: sqlite3.Connection

    # -- keys and nodes ----------------------------------------------------------------------------

    def node_of(self, who: str) -> int | None:
        """The node (issuer) a key belongs to, or None for an address that never was an issuer key."""
        row = self.conn.execute("SELECT node FROM issuers WHERE address = ?", (address_text(who),)).fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def _node_row(self, node: int) -> sqlite3.Row | None:
        """The node's first key's row: kind, parent, depth and metadata of the node."""
        return self.conn.execute(  # type: ignore[no-any-return]
            "SELECT * FROM issuers WHERE node = ? ORDER BY added_block, issuer_id LIMIT 1", (node,)
        ).fetchone()

    def current_key(self, node: int, at: int | None = None) -> str | None:
        """The key that spoke for ``node`` at the end of block ``at``."""
        row = self.conn.execute(
            "SELECT address FROM issuers WHERE node = ? AND added_block <= ? ORDER BY added_block DESC, "
            "issuer_id DESC LIMIT 1", (node, _upto(at))
        ).fetchone()
        return None if row is None else str(row[0])

    def parent_node(self, node: int) -> int | None:
        """The parent node of ``node`` (None for a top-level issuer)."""
        row = self._node_row(node)
        if row is None or row["parent"] is None:
            return None
        return self.node_of(row["parent"])

    def parent_of(self, who: str, at: int | None = None) -> str | None:
        """The current key (at ``at``) of the parent of the issuer ``who``."""
        node = self.node_of(who)
        parent = None if node is None else self.parent_node(node)
        return None if parent is None else self.current_key(parent, at)

    def organisation_of(self, who: str) -> int | None:
        """The top-level node above the issuer ``who`` (its own node for a top-level issuer)."""
        node = self.node_of(who)
        while node is not None:
            up = self.parent_node(node)
            if up is None:
                return node
            node = up
        return None

    def compromise(self, key: str, at: int | None = None) -> sqlite3.Row | None:
        """The compromise mark in force on ``key`` at the end of block ``at`` (the last one made)."""
        return self.conn.execute(  # type: ignore[no-any-return]
            "SELECT * FROM key_compromises WHERE key = ? AND block_number <= ? "
            "ORDER BY block_number DESC, log_index DESC LIMIT 1", (address_text(key), _upto(at))
        ).fetchone()

    def compromised_since(self, key: str, at: int | None = None) -> int | None:
        """The first block whose writes of ``key`` are void, as marked by the end of block ``at``."""
        row = self.compromise(key, at)
        return None if row is None else int(row["since"])

    def _active_until(self, key: str, at: int | None) -> int | None:
        row = self.conn.execute(
            "SELECT block_number FROM key_rotations WHERE previous = ? AND block_number <= ? "
            "ORDER BY block_number LIMIT 1", (key, _upto(at))
        ).fetchone()
        return None if row is None else int(row[0])

    def keys(self, node: int, at: int | None = None) -> tuple[KeyEntry, ...]:
        """Every key of ``node`` registered by ``at``, oldest first, with rotation and compromise."""
        out = []
        for r in self.conn.execute(
            "SELECT * FROM issuers WHERE node = ? AND added_block <= ? ORDER BY added_block, issuer_id",
            (node, _upto(at)),
        ):
            offered = self.conn.execute(
                "SELECT offered_by FROM key_rotations WHERE successor = ? AND block_number <= ?",
                (r["address"], _upto(at)),
            ).fetchone()
            mark = self.compromise(r["address"], at)
            out.append(KeyEntry(
                r["address"], r["issuer_id"], r["added_block"], self._active_until(r["address"], at),
                None if offered is None else offered[0],
                None if mark is None else int(mark["since"]),
                None if mark is None else mark["marked_by"],
                None if mark is None else int(mark["block_number"]),
                None if mark is None else mark["tx_hash"],
            ))
        return tuple(out)

    # -- issuers' histories ------------------------------------------------------------------------

    def issuer_status_at(self, who: str, at: int | None = None) -> str:
        """The status of the issuer (node) of ``who`` at the end of block ``at``."""
        node = self.node_of(who)
        return "None" if node is None else self._node_status(node, at)

    def _node_status(self, node: int, at: int | None) -> str:
        row = self.conn.execute(
            "SELECT status FROM issuer_status WHERE node = ? AND block_number <= ? "
            "ORDER BY block_number DESC, log_index DESC LIMIT 1",
            (node, _upto(at)),
        ).fetchone()
        return "None" if row is None else str(row[0])

    def _active_during(self, node: int, block: int) -> bool:
        """Whether the node was active at some moment of ``block``: at its start, or after a change in it."""
        if self._node_status(node, block - 1) == "Active":
            return True
        row = self.conn.execute(
            "SELECT 1 FROM issuer_status WHERE node = ? AND block_number = ? AND status = 'Active' LIMIT 1",
            (node, block),
        ).fetchone()
        return row is not None

    def _allowed(self, node: int, type_id: int, at: int) -> bool:
        row = self.conn.execute(
            "SELECT allowed FROM issuer_scope WHERE node = ? AND type_id = ? AND block_number <= ? "
            "ORDER BY block_number DESC, log_index DESC LIMIT 1",
            (node, type_id, at),
        ).fetchone()
        return bool(row and row[0])

    def _allowed_during(self, node: int, type_id: int, block: int) -> bool:
        if self._allowed(node, type_id, block - 1):
            return True
        row = self.conn.execute(
            "SELECT 1 FROM issuer_scope WHERE node = ? AND type_id = ? AND block_number = ? AND allowed = 1 LIMIT 1",
            (node, type_id, block),
        ).fetchone()
        return row is not None

    def _kinds(self, type_id: int, state: int | None) -> int:
        """The issuer kinds type ``type_id`` allows (its latest definition by ``state``; 0: undefined)."""
        row = self.conn.execute(
            "SELECT details FROM cert_types WHERE type_id = ? AND block_number <= ? ORDER BY version DESC LIMIT 1",
            (type_id, _upto(state)),
        ).fetchone()
        return 0 if row is None else int(json.loads(row[0]).get("allowedKinds") or 0)

    def _kind_value(self, node: int) -> int:
        row = self._node_row(node)
        return ISSUER_KINDS.index(row["kind"]) if row is not None and row["kind"] in ISSUER_KINDS else 0

    def _scope_during(self, node: int, type_id: int, block: int, state: int | None) -> bool:
        if type_id != 0 and self._allowed_during(node, type_id, block):
            return True
        # "Any type" covers the types that allow the issuer's kind (kinds only widen).
        return self._allowed_during(node, 0, block) and bool((self._kinds(type_id, state) >> self._kind_value(node)) & 1)

    def scope_at(self, who: str, type_id: int, at: int | None = None) -> bool:
        """Whether ``type_id`` (or "any") was in the node's own scope at the end of block ``at``."""
        node = self.node_of(who)
        if node is None:
            return False
        if type_id != 0 and self._allowed(node, type_id, _upto(at)):
            return True
        return self._allowed(node, 0, _upto(at)) and bool((self._kinds(type_id, at) >> self._kind_value(node)) & 1)

    def is_authorized(self, who: str, type_id: int, at: int | None = None, *, state: int | None = None) -> bool:
        """The index's answer to ``IssuerRegistry.isAuthorized(who, type, at)``, as the chain stood at the end
        of block ``state`` (latest when None): for any moment of block ``at``."""
        return self.authorization(who, type_id, at, state=state)[0]

    def authorization(self, who: str, type_id: int, at: int | None = None, *,
                      state: int | None = None) -> tuple[bool, str]:
        """(authorised, reason): the reason names what failed first: the key (not yet registered, rotated
        out, compromised) or the first node up the tree that was not active, or lacked the type."""
        block = _upto(at) if at is not None else (self.cursor() or 0)
        who = address_text(who)
        row = self.conn.execute("SELECT * FROM issuers WHERE address = ? AND added_block <= ?",
                                (who, _upto(state))).fetchone()
        if row is None or block < int(row["added_block"]):
            return False, "issuer was not yet registered"
        until = self._active_until(who, state)
        if until is not None and block > until:
            return False, f"the key was rotated out in block {until}"
        since = self.compromised_since(who, state)
        if since is not None and block >= since:
            return False, f"the key is marked compromised since block {since}"
        node: int | None = int(row["node"])
        first = node
        while node is not None:
            role = "issuer" if node == first else f"ancestor {self.current_key(node, state)}"
            if not self._active_during(node, block):
                status = self._node_status(node, block)
                return False, f"{role} was {status if status != 'None' else 'not yet registered'}"
            if not self._scope_during(node, type_id, block, state):
                return False, f"type {type_id} was outside the scope of the {role}"
            node = self.parent_node(node)
        return True, "active and in scope"

    def issuer(self, who: str, at: int | None = None) -> Issuer | None:
        who = address_text(who)
        row = self.conn.execute("SELECT * FROM issuers WHERE address = ?", (who,)).fetchone()
        if row is None or (at is not None and row["added_block"] > at):
            return None
        node = int(row["node"])
        first = self._node_row(node)
        assert first is not None
        history = tuple(
            StatusEntry(r["status"], r["block_number"], r["tx_hash"], by=r["changed_by"])
            for r in self.conn.execute(
                "SELECT * FROM issuer_status WHERE node = ? AND block_number <= ? ORDER BY block_number, log_index",
                (node, _upto(at)),
            )
        )
        scope_ids = [r[0] for r in self.conn.execute("SELECT DISTINCT type_id FROM issuer_scope WHERE node = ?",
                                                     (node,))]
        scope = tuple(sorted(t for t in scope_ids if self._allowed(node, t, _upto(at))))
        children = []
        for r in self.conn.execute("SELECT DISTINCT node, parent FROM issuers WHERE parent IS NOT NULL AND "
                                   "added_block <= ? ORDER BY node", (_upto(at),)):
            if self.node_of(r["parent"]) == node and r["node"] != node:
                current = self.current_key(int(r["node"]), at)
                if current is not None and current not in children:
                    children.append(current)
        hold = self.conn.execute(
            "SELECT held FROM issuer_holds WHERE node = ? AND block_number <= ? ORDER BY block_number DESC, "
            "log_index DESC LIMIT 1", (node, _upto(at))).fetchone()
        return Issuer(
            address=who,
            issuer_id=row["issuer_id"],
            kind=first["kind"],
            parent=self.parent_of(who, at),
            depth=first["depth"],
            meta_hash=first["meta_hash"],
            added_block=row["added_block"],
            status=history[-1].status if history else "None",
            status_history=history,
            scope=scope,
            children=tuple(children),
            node=node,
            current_key=self.current_key(node, at),
            keys=self.keys(node, at),
            held=bool(hold and hold[0]),
        )
