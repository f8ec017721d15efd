"""The IssuerRegistry facade: issuers and their keys, anchored batches and the statuses of their leaves.

An issuer is a node (kind, parent, scope, status) that signs with one current key; keys rotate to a
successor (offer, then accept), are marked compromised since a block, and children are offered and
accepted. Batches are anchored here too, keyed by (issuer key, root), with a two-bit status per leaf.

Committee-only writes (``addIssuer``, ``setIssuerScope``) and the committee's side of shared writes
(``propose_*``: a status, a compromise mark, a successor offer, a batch or leaf revocation) are proposed
through the Committee facade; direct writes are sent checked, each with a ``build_<fn>`` twin for
``chain.send_many``; reads return the value objects of :mod:`ledger.types` and take ``block=``.
"""

from __future__ import annotations

from collections.abc import Sequence

from ledger import types
from ledger.chain.base import Receipt, Transaction
from ledger.contracts.abi import ZERO32
from ledger.contracts.committee import PROPOSAL_GAS
from ledger.contracts.facade import ContractFacade
from ledger.contracts.facade import address_or_none as _addr
from ledger.contracts.facade import bytes32 as _b32
from ledger.contracts.send import send_checked
from ledger.crypto.keys import PrivateKey

__all__ = ["ANCHOR_GAS", "IssuerRegistry"]

#: Gas limit of an anchor: about 50,000 are used by a top-level issuer, a few thousand more per ancestor.
ANCHOR_GAS = 150_000


def _scope_gas(base: int, scope: Sequence[int]) -> int:
    # Each type granted appends a history entry (two new storage words at most).
    return base + 70_000 * len(scope)


def _leaves_gas(base: int, indexes: Sequence[int]) -> int:
    # A new status word costs 22,100; calldata and the event about 1,000 per index.
    return base + 2_500 * len(indexes) + 25_000 * len({i >> 7 for i in indexes})


class IssuerRegistry(ContractFacade):
    """Issuers, keys, compromise and rotation; anchored batches and their leaf statuses."""

    contract_name = "IssuerRegistry"

    # -- issuers: committee (proposed) ------------------------------------------------------------

    def add_issuer(
        self, key: PrivateKey, issuer: str, kind: types.IssuerKind, scope: Sequence[int], meta_hash: bytes = ZERO32
    ) -> Receipt:
        """Propose ``addIssuer``: a top-level issuer (scope ``[ANY_TYPE]`` only for an Authority); every
        type of ``scope`` must be defined and allow ``kind``."""
        return self._propose(key, "addIssuer", _scope_gas(PROPOSAL_GAS, scope), issuer, int(kind), list(scope),
                             _b32(meta_hash))

    def set_issuer_scope(self, key: PrivateKey, issuer: str, type_ids: Sequence[int], allowed: bool) -> Receipt:
        """Propose ``setIssuerScope``."""
        return self._propose(key, "setIssuerScope", _scope_gas(PROPOSAL_GAS, type_ids), issuer, list(type_ids),
                             allowed)

    def propose_issuer_status(self, key: PrivateKey, issuer: str, status: types.IssuerStatus) -> Receipt:
        """Propose ``setIssuerStatus`` as the committee (Suspended or Retired also hold the node)."""
        return self._propose(key, "setIssuerStatus", PROPOSAL_GAS, issuer, int(status))

    def propose_mark_compromised(self, key: PrivateKey, issuer_key: str, since: int) -> Receipt:
        """Propose ``markCompromised`` as the committee (any key, any block up to now)."""
        return self._propose(key, "markCompromised", PROPOSAL_GAS, issuer_key, since)

    def propose_offer_successor(self, key: PrivateKey, issuer: str, successor: str) -> Receipt:
        """Propose the committee's successor offer for the node of ``issuer``."""
        return self._propose(key, "offerSuccessor", PROPOSAL_GAS, issuer, successor)

    def propose_revoke_batch(self, key: PrivateKey, issuer: str, root: bytes, reason: types.RevocationReason) -> Receipt:
        """Propose the committee's revocation of the batch (``issuer``, ``root``)."""
        return self._propose(key, "revokeBatch", PROPOSAL_GAS, issuer, _b32(root), int(reason))

    def propose_set_leaves_status(
        self, key: PrivateKey, issuer: str, root: bytes, indexes: Sequence[int], status: types.CredentialStatus,
        reason: types.RevocationReason = types.RevocationReason.NONE,
    ) -> Receipt:
        """Propose the committee's status change of leaves of the batch (``issuer``, ``root``)."""
        return self._propose(key, "setLeavesStatus", _leaves_gas(PROPOSAL_GAS, indexes), issuer, _b32(root),
                             list(indexes), int(status), int(reason))

    def propose_restore_leaves(
        self, key: PrivateKey, issuer: str, root: bytes, indexes: Sequence[int], status: types.CredentialStatus
    ) -> Receipt:
        """Propose the committee's restoration of leaves a stolen key changed (any status, also back
        from Revoked)."""
        return self._propose(key, "restoreLeaves", _leaves_gas(PROPOSAL_GAS, indexes), issuer, _b32(root),
                             list(indexes), int(status))

    # -- issuers: direct writes ---------------------------------------------------------------------

    def build_offer_child(
        self, child: str, kind: types.IssuerKind, scope: Sequence[int], meta_hash: bytes = ZERO32
    ) -> Transaction:
        """The unsigned transaction of :meth:`offer_child` (for ``chain.send_many``)."""
        return self._build("offerChild", 150_000 + 3_000 * len(scope), child, int(kind), list(scope), _b32(meta_hash))

    def offer_child(
        self, key: PrivateKey, child: str, kind: types.IssuerKind, scope: Sequence[int], meta_hash: bytes = ZERO32
    ) -> Receipt:
        """As a University or Community key in good standing, offer ``child`` a place as a child issuer
        within the caller's scope; nothing is registered until the child key accepts."""
        return self._send(key, self.build_offer_child(child, kind, scope, meta_hash))

    def build_accept_child(
        self, parent: str, kind: types.IssuerKind, scope: Sequence[int], meta_hash: bytes = ZERO32
    ) -> Transaction:
        """The unsigned transaction of :meth:`accept_child` (for ``chain.send_many``)."""
        return self._build("acceptChild", _scope_gas(300_000, scope), parent, int(kind), list(scope), _b32(meta_hash))

    def accept_child(
        self, key: PrivateKey, parent: str, kind: types.IssuerKind, scope: Sequence[int], meta_hash: bytes = ZERO32
    ) -> Receipt:
        """As the offered key, accept ``parent``'s child offer with exactly its terms."""
        return self._send(key, self.build_accept_child(parent, kind, scope, meta_hash))

    def cancel_child_offer(self, key: PrivateKey, child: str) -> Receipt:
        """Withdraw the signing node's pending offer to ``child``."""
        return self._send(key, self._build("cancelChildOffer", 100_000, child))

    def build_set_issuer_status(self, issuer: str, status: types.IssuerStatus) -> Transaction:
        """The unsigned transaction of :meth:`set_issuer_status` (for ``chain.send_many``)."""
        return self._build("setIssuerStatus", 200_000, issuer, int(status))

    def set_issuer_status(self, key: PrivateKey, issuer: str, status: types.IssuerStatus) -> Receipt:
        """As the issuer's parent in good standing, change a child's status (the committee:
        :meth:`propose_issuer_status`)."""
        return self._send(key, self.build_set_issuer_status(issuer, status))

    def build_offer_successor(self, issuer: str, successor: str) -> Transaction:
        """The unsigned transaction of :meth:`offer_successor` (for ``chain.send_many``)."""
        return self._build("offerSuccessor", 150_000, issuer, successor)

    def offer_successor(self, key: PrivateKey, issuer: str, successor: str) -> Receipt:
        """Offer ``successor`` the authority of the node of ``issuer``: as its current key (rotation) or as
        its parent's current key (a child's lost key)."""
        return self._send(key, self.build_offer_successor(issuer, successor))

    def build_accept_successor(self, issuer: str) -> Transaction:
        """The unsigned transaction of :meth:`accept_successor` (for ``chain.send_many``)."""
        return self._build("acceptSuccessor", 300_000, issuer)

    def accept_successor(self, key: PrivateKey, issuer: str) -> Receipt:
        """As the offered key, become the current key of the node of ``issuer``."""
        return self._send(key, self.build_accept_successor(issuer))

    def cancel_successor_offer(self, key: PrivateKey, issuer: str, successor: str) -> Receipt:
        """Withdraw a pending successor offer (as whoever could make it)."""
        return self._send(key, self._build("cancelSuccessorOffer", 100_000, issuer, successor))

    def build_mark_compromised(self, issuer_key: str, since: int) -> Transaction:
        """The unsigned transaction of :meth:`mark_compromised` (for ``chain.send_many``)."""
        return self._build("markCompromised", 150_000, issuer_key, since)

    def mark_compromised(self, key: PrivateKey, issuer_key: str, since: int) -> Receipt:
        """Mark ``issuer_key`` compromised since block ``since``: as the key itself (only from the block
        that mines this transaction, so ``since`` is that block's number), as its node's current key or its
        parent's (only earlier than an existing mark).

        A key marking itself is not dry-run: a call runs in the latest block, one before the block that
        will mine the transaction, and the contract would refuse the mark there.
        """
        own = key.address.lower() == issuer_key.lower()
        return send_checked(self.chain, key, self.build_mark_compromised(issuer_key, since), dry_run=not own)

    # -- batches ------------------------------------------------------------------------------------

    def build_anchor(self, type_id: int, count: int, root: bytes, meta_hash: bytes = ZERO32) -> Transaction:
        """The unsigned transaction of :meth:`anchor` (``anchorMerkleRoot``; for ``chain.send_many``)."""
        return self._build("anchorMerkleRoot", ANCHOR_GAS, type_id, count, _b32(root), _b32(meta_hash))

    def anchor(
        self, key: PrivateKey, type_id: int, count: int, root: bytes, meta_hash: bytes = ZERO32, *,
        dry_run: bool = True,
    ) -> Receipt:
        """Anchor the root of a batch of ``count`` credentials of ``type_id`` under the signing key.

        ``dry_run=False`` skips the pre-flight call, for a caller that has just checked the signer and the
        type itself (batch issuance): a refusal then costs a reverted transaction, and raises the same
        decoded error.
        """
        return send_checked(self.chain, key, self.build_anchor(type_id, count, root, meta_hash), dry_run=dry_run)

    def build_revoke_batch(self, issuer: str, root: bytes, reason: types.RevocationReason) -> Transaction:
        """The unsigned transaction of :meth:`revoke_batch` (for ``chain.send_many``)."""
        return self._build("revokeBatch", 150_000, issuer, _b32(root), int(reason))

    def revoke_batch(self, key: PrivateKey, issuer: str, root: bytes, reason: types.RevocationReason) -> Receipt:
        """Revoke the whole batch (``issuer``, ``root``), as a manager of ``issuer`` (the committee:
        :meth:`propose_revoke_batch`)."""
        return self._send(key, self.build_revoke_batch(issuer, root, reason))

    def build_revoke_leaf(self, root: bytes, index: int, reason: types.RevocationReason) -> Transaction:
        """The unsigned transaction of :meth:`revoke_leaf` (for ``chain.send_many``)."""
        return self._build("revokeLeaf", 100_000, _b32(root), index, int(reason))

    def revoke_leaf(self, key: PrivateKey, root: bytes, index: int, reason: types.RevocationReason) -> Receipt:
        """Revoke leaf ``index`` of the signing key's own batch ``root`` (final; no proof needed)."""
        return self._send(key, self.build_revoke_leaf(root, index, reason))

    def build_set_leaves_status(
        self, issuer: str, root: bytes, indexes: Sequence[int], status: types.CredentialStatus,
        reason: types.RevocationReason = types.RevocationReason.NONE,
    ) -> Transaction:
        """The unsigned transaction of :meth:`set_leaves_status` (for ``chain.send_many``)."""
        return self._build("setLeavesStatus", _leaves_gas(100_000, indexes), issuer, _b32(root), list(indexes),
                           int(status), int(reason))

    def set_leaves_status(
        self, key: PrivateKey, issuer: str, root: bytes, indexes: Sequence[int], status: types.CredentialStatus,
        reason: types.RevocationReason = types.RevocationReason.NONE,
    ) -> Receipt:
        """Suspend, revoke (with a reason) or reinstate (``VALID``) many leaves of one batch in one
        transaction, all or nothing, as a manager of ``issuer``."""
        return self._send(key, self.build_set_leaves_status(issuer, root, indexes, status, reason))

    def restore_leaves(
        self, key: PrivateKey, issuer: str, root: bytes, indexes: Sequence[int], status: types.CredentialStatus
    ) -> Receipt:
        """As a manager, once a key of the issuer's node was marked compromised: set leaves to any status."""
        return self._send(key, self._build("restoreLeaves", _leaves_gas(100_000, indexes), issuer, _b32(root),
                                           list(indexes), int(status)))

    # -- reads --------------------------------------------------------------------------------------

    def issuer(self, address: str, *, block: int | None = None) -> types.Issuer:
        """An issuer key and its node (``exists`` false if unknown)."""
        (raw,) = self._call("issuer", address, block=block)
        return types.Issuer(
            address=address,
            id=raw["id"],
            node=raw["node"],
            kind=raw["kind"],
            status=raw["status"],
            parent=_addr(raw["parent"]),
            depth=raw["depth"],
            any_scope=raw["anyScope"],
            meta_hash=raw["metaHash"],
            committee_hold=raw["committeeHold"],
            parent_node=raw["parentNode"],
            current_key=_addr(raw["currentKey"]),
            rotated=raw["rotated"],
            compromised=raw["compromised"],
            active_from=raw["activeFrom"],
            active_until=raw["activeUntil"],
            compromised_since=raw["compromisedSince"],
        )

    def key_info(self, key: str, *, block: int | None = None) -> types.KeyInfo:
        """When ``key`` held authority and since when it is compromised (also for non-issuers)."""
        (raw,) = self._call("keyInfo", key, block=block)
        return types.KeyInfo(raw["activeFrom"], raw["activeUntil"], raw["compromisedSince"])

    def compromised_since_of(self, key_ids: Sequence[int], *, block: int | None = None) -> list[int]:
        """Compromise blocks of keys by id (0: not compromised), in the order given."""
        return [int(v) for v in self._call("compromisedSinceOf", list(key_ids), block=block)[0]]

    def writer(self, address: str, *, block: int | None = None) -> tuple[int, int, types.IssuerKind]:
        """(key id, organisation, kind) if ``address`` may write now; raises the registry's error otherwise."""
        id_, org, kind = self._call("writer", address, block=block)
        return int(id_), int(org), kind

    def writer_for(self, address: str, type_id: int, *, block: int | None = None
                   ) -> tuple[int, int, types.IssuerKind]:
        """As :meth:`writer`, with the type in the scope of the issuer and every ancestor."""
        id_, org, kind = self._call("writerFor", address, type_id, block=block)
        return int(id_), int(org), kind

    def require_manager(self, caller: str, issuer: str, *, block: int | None = None) -> int:
        """The key id of ``caller`` if it may manage what ``issuer`` wrote; raises otherwise."""
        return int(self._call("requireManager", caller, issuer, block=block)[0])

    def organisation_of(self, issuer: str, *, block: int | None = None) -> int:
        """The organisation (top-level node id) of ``issuer`` (0 if unknown)."""
        return int(self._call("organisationOf", issuer, block=block)[0])

    def standing(self, issuer: str, at_block: int, *, block: int | None = None) -> types.Standing:
        """How ``issuer`` stands for what it wrote at ``at_block``."""
        return types.Standing(self._call("standing", issuer, at_block, block=block)[0])

    def is_authorized(self, issuer: str, type_id: int, block_number: int, *, block: int | None = None) -> bool:
        """Whether ``issuer`` (a key) could write ``type_id`` at some moment of ``block_number``."""
        return bool(self._call("isAuthorized", issuer, type_id, block_number, block=block)[0])

    def status_at(self, issuer: str, block_number: int, *, block: int | None = None) -> types.IssuerStatus:
        """Status of the issuer's node at the end of ``block_number``, from its history."""
        return types.IssuerStatus(self._call("statusAt", issuer, block_number, block=block)[0])

    def scope_at(self, issuer: str, type_id: int, block_number: int, *, block: int | None = None) -> bool:
        """Whether ``type_id`` was in the node's own scope at the end of ``block_number``."""
        return bool(self._call("scopeAt", issuer, type_id, block_number, block=block)[0])

    def in_scope(self, issuer: str, type_id: int, *, block: int | None = None) -> bool:
        """Whether ``type_id`` is in the node's own scope now."""
        return bool(self._call("inScope", issuer, type_id, block=block)[0])

    def status_history(self, issuer: str, *, block: int | None = None) -> list[types.StatusChange]:
        """The node's full status history (one entry per block with a change)."""
        (rows,) = self._call("statusHistory", issuer, block=block)
        return [types.StatusChange(r["blockNumber"], r["status"], r["activeInBlock"]) for r in rows]

    def scope_history(self, issuer: str, type_id: int, *, block: int | None = None) -> list[types.ScopeChange]:
        """The node's scope history for one type (``ANY_TYPE``: the "any" entry)."""
        (rows,) = self._call("scopeHistory", issuer, type_id, block=block)
        return [types.ScopeChange(r["blockNumber"], r["allowed"], r["allowedInBlock"]) for r in rows]

    def issuer_at(self, key_id: int, *, block: int | None = None) -> str | None:
        """Address of the key with id ``key_id`` (None if there is none)."""
        return _addr(self._call("issuerAt", key_id, block=block)[0])

    def issuer_count(self, *, block: int | None = None) -> int:
        """Number of keys ever registered (first keys and successors)."""
        return int(self._call("issuerCount", block=block)[0])

    def child_offer(self, child: str, parent: str, *, block: int | None = None) -> types.ChildOffer:
        """The pending child offer of the node of ``parent`` to ``child``."""
        (raw,) = self._call("childOffer", child, parent, block=block)
        return types.ChildOffer(raw["terms"], raw["by"])

    def successor_offer(self, successor: str, issuer: str, *, block: int | None = None) -> types.SuccessorOffer:
        """A pending successor offer of ``successor`` for the node of ``issuer``."""
        (raw,) = self._call("successorOffer", successor, issuer, block=block)
        return types.SuccessorOffer(raw["offered"], raw["by"])

    def anchor_of(self, issuer: str, root: bytes, *, block: int | None = None) -> types.Anchor:
        """The batch ``issuer`` anchored with ``root`` (``exists`` false if none)."""
        (raw,) = self._call("anchorOf", issuer, _b32(root), block=block)
        return types.Anchor(issuer, root, raw["typeId"], raw["count"], raw["blockNumber"], raw["revoked"],
                            raw["reason"], raw["revokedBlock"], raw["revokedBy"])

    def leaf_status(self, issuer: str, root: bytes, index: int, *, block: int | None = None) -> types.CredentialStatus:
        """The status bits of leaf ``index`` of the batch (``issuer``, ``root``), as stored."""
        return types.CredentialStatus(self._call("leafStatus", issuer, _b32(root), index, block=block)[0])

    def leaf_status_word(self, issuer: str, root: bytes, word: int, *, block: int | None = None) -> int:
        """Raw status word ``word`` of a batch: leaves 128*word .. 128*word+127, two bits each."""
        return int(self._call("leafStatusWord", issuer, _b32(root), word, block=block)[0])

    def committee(self, *, block: int | None = None) -> str:
        """The Committee this registry obeys."""
        return str(self._call("committee", block=block)[0])
