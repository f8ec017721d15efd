"""Verification's questions answered by the deployed contracts: :class:`ContractsView`.

The authoritative view: each answer is a contract call (optionally at an old block); the transaction
hashes that the contracts do not store are read from the logs of the one block the contract names.

A batch leaf's status is two bits on chain; who wrote them, and why, is in the events. Where the backend
filters logs itself (``LOG_FILTER``), the view reads a batch's events once (one query by issuer and root)
and replays them, skipping every change whose author key was compromised at its block
(:func:`~ledger.verify.chainview.replay_leaf`). The events must explain the stored bits: if replayed
without skipping they do not give the bits the contract holds (a node dropping logs), the bits are
trusted instead. Elsewhere the bits are the answer: conservative, since a revocation by a stolen key
then still reads as revoked until the committee restores the leaf.

The view follows the line of deployments: from the configured Committee back through ``predecessor()``,
so that a proof naming an older deployment's contract is verified there, with compromise marks taken
from that deployment and every newer one, and its anchors judged against the block in which that
deployment named its successor.
"""

from __future__ import annotations

from typing import Any

from ledger import types
from ledger.chain.base import LOG_FILTER, ChainBackend
from ledger.config import Deployment
from ledger.contracts.abi import decode_events
from ledger.contracts.committee import Committee
from ledger.contracts.deployment import Contracts
from ledger.errors import ContractError, LedgerError
from ledger.verify.chainview import (
    ACTIVE,
    STATUS_NAMES,
    AnchorRecord,
    CredentialRef,
    IssuanceRecord,
    LeafChange,
    StatusRecord,
    replay_leaf,
)

#: Deployments followed back through ``predecessor()`` at most (a longer line is refused as a loop).
MAX_LINE = 16


def reason_text(value: int) -> str | None:
    """A revocation reason's value as verification spells it (``issued-in-error``); None for none."""
    return types.RevocationReason(value).name.lower().replace("_", "-") if value else None


def _topic(address: str) -> bytes:
    return bytes(12) + bytes.fromhex(address[2:])


class ContractsView:
    """Answers verification's questions from the contracts, optionally as of an old block."""

    def __init__(self, contracts: Contracts) -> None:
        self.contracts = contracts
        self.chain = contracts.chain
        self._logs = LOG_FILTER in self.chain.features
        self._line: list[Contracts] | None = None
        self._leaf_changes: dict[tuple[str, str, bytes], dict[int, list[LeafChange]] | None] = {}
        # A batch's status words (128 leaves each), read once per view and block: one call answers 128
        # leaves, where asking leaf by leaf cost a contract call each (a batch of 1,000: 8 calls, not 1,000).
        self._leaf_words: dict[tuple[str, str, bytes, int, int | None], int] = {}
        self._head: int | None = None

    # -- the line of deployments -----------------------------------------------------------------------

    def line(self) -> list[Contracts]:
        """The configured deployment and its predecessors, newest first."""
        if self._line is None:
            line = [self.contracts]
            committee = self.contracts.committee
            seen = {committee.address.lower()}
            while len(line) < MAX_LINE:
                try:
                    older = committee.predecessor()
                    if older is None or older.lower() in seen:
                        break
                    previous = Contracts(self.chain, _deployment_of(self.chain, older, self.contracts.deployment))
                except (ContractError, LedgerError):
                    break  # a predecessor that does not answer as a Committee: the line ends here
                seen.add(older.lower())
                line.append(previous)
                committee = previous.committee
            self._line = line
        return self._line

    def _of(self, contract: str | None) -> tuple[int, Contracts]:
        """The deployment holding ``contract`` (the configured one when None or unknown) and its place."""
        if contract is not None:
            wanted = contract.lower()
            for place, deployment in enumerate(self.line()):
                if wanted in (a.lower() for a in deployment.deployment.addresses):
                    return place, deployment
        return 0, self.contracts

    # -- the questions ---------------------------------------------------------------------------------

    def chain_id(self) -> int:
        return self.chain.identity().chain_id

    def contract_addresses(self) -> frozenset[str] | None:
        return frozenset(a.lower() for c in self.line() for a in c.deployment.addresses)

    def block_number(self) -> int:
        return self.chain.block_number()

    def _event(self, c: Contracts, name: str, block: int, topics: list[bytes | None]
               ) -> tuple[bytes | None, dict[str, Any]]:
        facade = c.issuers if name == "BatchAnchored" else c.credentials
        topic = next(t for t, e in facade.abi.events.items() if e.name == name)
        try:
            logs = self.chain.get_logs(block, block, [facade.address], [topic, *topics])
        except LedgerError:
            return None, {}
        for event in decode_events(logs, crypto=facade.crypto):
            if event.name == name:
                return event.tx_hash, event.args
        return None, {}

    def _key_address(self, c: Contracts, key_id: int) -> str | None:
        """The address of a key by id; the Committee's address for id 0 (the committee's own acts)."""
        return c.committee.address if key_id == 0 else c.issuers.issuer_at(key_id)

    def anchor(self, issuer: str, root: bytes, contract: str | None = None) -> AnchorRecord | None:
        _, c = self._of(contract)
        a = c.issuers.anchor_of(issuer, root)
        if not a.exists:
            return None
        tx, _ = self._event(c, "BatchAnchored", a.block_number, [_topic(issuer), root])
        revoked = {"revoked_block": a.revoked_block, "revoked_reason": reason_text(int(a.reason)),
                       "revoked_by": self._key_address(c, a.revoked_by)} if a.revoked else {}
        return AnchorRecord(root, issuer, a.type_id, a.block_number, a.count, tx, **revoked)

    def is_authorized(self, issuer: str, type_id: int, block: int, contract: str | None = None) -> bool:
        return self._of(contract)[1].issuers.is_authorized(issuer, type_id, block)

    def compromised_since(self, key: str, contract: str | None = None, *, block: int | None = None) -> int | None:
        place, _ = self._of(contract)
        marks = [c.issuers.key_info(key, block=block).compromised_since for c in self.line()[: place + 1]]
        found = [m for m in marks if m]
        return min(found) if found else None

    def superseded_at(self, contract: str) -> int | None:
        successor, block = self._of(contract)[1].committee.successor()
        return block if successor is not None else None

    def status(self, ref: CredentialRef, block: int | None = None) -> StatusRecord:
        _, c = self._of(ref.contract)
        if ref.root is None:
            record = c.credentials.status_of(ref.issuer, ref.credential_hash, block=block)
            if record.status == types.CredentialStatus.NONE:
                return StatusRecord()
            return StatusRecord(STATUS_NAMES[int(record.status)], reason_text(int(record.reason)), record.block_number,
                                self._key_address(c, record.by))
        assert ref.index is not None
        bits = self._leaf_bits(c, ref.issuer, ref.root, ref.index, block)
        changes = self._changes(c, ref.issuer, ref.root)
        if changes is not None:
            mine = changes.get(ref.index, [])
            as_written = replay_leaf(mine, lambda _key: None, block)
            if STATUS_NAMES.index(as_written.status) == bits:  # the events explain the bits
                return replay_leaf(mine, lambda key: self.compromised_since(key, ref.contract, block=block), block)
        return StatusRecord() if bits == 0 else StatusRecord(STATUS_NAMES[bits])

    def _leaf_bits(self, c: Contracts, issuer: str, root: bytes, index: int, block: int | None) -> int:
        """The two status bits stored for leaf ``index`` (as ``IssuerRegistry.leafStatus`` reads them)."""
        word_index, offset = divmod(index, 128)
        key = (c.issuers.address.lower(), issuer.lower(), root, word_index, block)
        word = self._leaf_words.get(key)
        if word is None:
            word = self._leaf_words[key] = c.issuers.leaf_status_word(issuer, root, word_index, block=block)
        return (word >> (2 * offset)) & 3

    def _changes(self, c: Contracts, issuer: str, root: bytes) -> dict[int, list[LeafChange]] | None:
        """A batch's leaf status changes by index, from its events (None where logs are not filtered
        by the backend, or cannot be read)."""
        if not self._logs:
            return None
        key = (c.issuers.address.lower(), issuer.lower(), root)
        if key not in self._leaf_changes:
            self._leaf_changes[key] = self._read_changes(c, issuer, root)
        return self._leaf_changes[key]

    def _read_changes(self, c: Contracts, issuer: str, root: bytes) -> dict[int, list[LeafChange]] | None:
        anchored = c.issuers.anchor_of(issuer, root)
        if not anchored.exists:
            return {}
        try:
            if self._head is None:
                self._head = self.chain.block_number()
            logs = self.chain.get_logs(anchored.block_number, max(self._head, anchored.block_number),
                                       [c.issuers.address], [None, _topic(issuer), root])
            events = decode_events(logs, crypto=c.issuers.crypto)
        except LedgerError:
            return None  # logs not readable here: the stored bits answer
        found: dict[int, list[LeafChange]] = {}
        for e in events:
            a = e.args
            if e.name == "LeafRevoked":
                found.setdefault(int(a["index"]), []).append(
                    LeafChange(e.block_number, e.log_index, STATUS_NAMES[3], reason_text(int(a["reason"])), issuer))
            elif e.name in ("LeavesStatusChanged", "LeavesStatusRestored"):
                status = STATUS_NAMES[int(a["status"])]
                reason = reason_text(int(a["reason"])) if "reason" in a else None
                for index in a["indexes"]:
                    found.setdefault(int(index), []).append(
                        LeafChange(e.block_number, e.log_index, status, reason if status != ACTIVE else None,
                                   a["by"]))
        return found

    def checked_issuance(self, issuer: str, credential_hash: bytes, contract: str | None = None
                         ) -> IssuanceRecord | None:
        _, c = self._of(contract)
        issued = c.credentials.issued(issuer, credential_hash)
        if not issued.exists:
            return None
        tx, args = self._event(c, "CredentialIssued", issued.block_number, [credential_hash, None, _topic(issuer)])
        keys = args.get("contributionKeys")
        prerequisites = args.get("prerequisites")
        return IssuanceRecord(
            credential_hash=credential_hash,
            issuer=issuer,
            subject=issued.subject,
            type_id=issued.type_id,
            block=issued.block_number,
            type_version=issued.type_version,
            transaction=tx,
            contribution_keys=tuple(keys) if isinstance(keys, (list, tuple)) else None,
            prerequisites=_pairs(prerequisites) if isinstance(prerequisites, (list, tuple)) else None,
        )


def _pairs(prerequisites: Any) -> tuple[tuple[str, bytes], ...]:
    """(issuer, hash) of each prerequisite struct of a CredentialIssued event."""
    out = []
    for p in prerequisites:
        issuer, digest = (p["issuer"], p["credentialHash"]) if isinstance(p, dict) else p
        out.append((str(issuer), bytes(digest)))
    return tuple(out)


def _deployment_of(chain: ChainBackend, committee: str, newer: Deployment) -> Deployment:
    """The deployment governed by the Committee at ``committee`` (its modules read from it)."""
    facade = Committee(chain, committee)
    registry, ledger, credentials = facade.modules()
    if registry is None or ledger is None or credentials is None:
        raise LedgerError(f"the committee {committee} has no modules bound")
    return Deployment(committee, registry, ledger, credentials, 0, newer.chain_id)
