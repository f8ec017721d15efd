"""The IssuerRegistry facade: committee governance, issuers, their scope and status history.

Writes of the committee (``addIssuer``, ``setThreshold`` ...) are proposed through the registry's own
``propose`` and execute at once with threshold 1; direct writes (a parent's child issuers) are sent
checked; reads return the value objects of :mod:`ledger.types` and take ``block=`` for a past block.
The other two facades propose their committee-only calls through this one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ledger import types
from ledger.chain.base import Receipt, Transaction
from ledger.contracts.abi import ZERO32
from ledger.contracts.facade import ContractFacade
from ledger.contracts.facade import address_or_none as _addr
from ledger.contracts.facade import bytes32 as _b32
from ledger.crypto.keys import PrivateKey

__all__ = ["IssuerRegistry"]


class IssuerRegistry(ContractFacade):
    """Committee governance and issuers."""

    contract_name = "IssuerRegistry"

    def _propose(self, key: PrivateKey, fn: str, gas: int, *args: Any) -> Receipt:
        """The registry proposes its own committee-only calls."""
        return self.propose(key, self.address, self.encode(fn, *args), gas=gas)

    # governance
    def build_propose(self, target: str, data: bytes, *, gas: int = 2_000_000) -> Transaction:
        """The unsigned transaction of :meth:`propose` (for ``chain.send_many``)."""
        return self._build("propose", gas, target, data)

    def propose(self, key: PrivateKey, target: str, data: bytes, *, gas: int = 2_000_000) -> Receipt:
        """Propose ``data`` on ``target``; executes now if the threshold is reached."""
        return self._send(key, self.build_propose(target, data, gas=gas))

    def build_approve(self, proposal_id: int, *, gas: int = 2_000_000) -> Transaction:
        """The unsigned transaction of :meth:`approve` (for ``chain.send_many``)."""
        return self._build("approve", gas, proposal_id)

    def approve(self, key: PrivateKey, proposal_id: int, *, gas: int = 2_000_000) -> Receipt:
        """Approve a proposal; executes it when approvals reach the threshold."""
        return self._send(key, self.build_approve(proposal_id, gas=gas))

    def build_execute(self, proposal_id: int, *, gas: int = 2_000_000) -> Transaction:
        """The unsigned transaction of :meth:`execute` (for ``chain.send_many``)."""
        return self._build("execute", gas, proposal_id)

    def execute(self, key: PrivateKey, proposal_id: int, *, gas: int = 2_000_000) -> Receipt:
        """Execute a proposal whose approvals reach the threshold."""
        return self._send(key, self.build_execute(proposal_id, gas=gas))

    # committee actions (proposed)
    def bind_modules(self, key: PrivateKey, ledger: str, credentials: str) -> Receipt:
        """Propose ``bindModules(ledger, credentials)``."""
        return self._propose(key, "bindModules", 400_000, ledger, credentials)

    def add_member(self, key: PrivateKey, member: str) -> Receipt:
        """Propose ``addMember(member)``."""
        return self._propose(key, "addMember", 400_000, member)

    def remove_member(self, key: PrivateKey, member: str) -> Receipt:
        """Propose ``removeMember(member)``."""
        return self._propose(key, "removeMember", 400_000, member)

    def set_threshold(self, key: PrivateKey, threshold: int) -> Receipt:
        """Propose ``setThreshold(threshold)``."""
        return self._propose(key, "setThreshold", 400_000, threshold)

    def add_issuer(
        self, key: PrivateKey, issuer: str, kind: types.IssuerKind, scope: Sequence[int], meta_hash: bytes = ZERO32
    ) -> Receipt:
        """Propose ``addIssuer``: a top-level issuer (scope ``[ANY_TYPE]`` only for an Authority)."""
        return self._propose(key, "addIssuer", 600_000 + 70_000 * len(scope), issuer, int(kind), list(scope),
                             _b32(meta_hash))

    def set_issuer_scope(self, key: PrivateKey, issuer: str, type_ids: Sequence[int], allowed: bool) -> Receipt:
        """Propose ``setIssuerScope``."""
        return self._propose(key, "setIssuerScope", 400_000 + 70_000 * len(type_ids), issuer, list(type_ids),
                             allowed)

    def propose_issuer_status(self, key: PrivateKey, issuer: str, status: types.IssuerStatus) -> Receipt:
        """Propose ``setIssuerStatus`` as the committee."""
        return self._propose(key, "setIssuerStatus", 400_000, issuer, int(status))

    # direct writes
    def build_add_child_issuer(
        self, child: str, kind: types.IssuerKind, scope: Sequence[int], meta_hash: bytes = ZERO32
    ) -> Transaction:
        """The unsigned transaction of :meth:`add_child_issuer` (for ``chain.send_many``)."""
        return self._build("addChildIssuer", 300_000 + 70_000 * len(scope), child, int(kind), list(scope),
                           _b32(meta_hash))

    def add_child_issuer(
        self, key: PrivateKey, child: str, kind: types.IssuerKind, scope: Sequence[int], meta_hash: bytes = ZERO32
    ) -> Receipt:
        """As an active University/Community issuer, add a child issuer within the caller's scope."""
        return self._send(key, self.build_add_child_issuer(child, kind, scope, meta_hash))

    def build_set_issuer_status(self, issuer: str, status: types.IssuerStatus) -> Transaction:
        """The unsigned transaction of :meth:`set_issuer_status` (for ``chain.send_many``)."""
        return self._build("setIssuerStatus", 200_000, issuer, int(status))

    def set_issuer_status(self, key: PrivateKey, issuer: str, status: types.IssuerStatus) -> Receipt:
        """As the issuer's active parent, change a child's status (the committee: ``propose_issuer_status``)."""
        return self._send(key, self.build_set_issuer_status(issuer, status))

    # reads
    def issuer(self, address: str, *, block: int | None = None) -> types.Issuer:
        """Current state of an issuer (``exists`` false if unknown)."""
        (raw,) = self._call("issuer", address, block=block)
        (meta,) = self._call("issuerMetaHash", address, block=block)
        return types.Issuer(
            address=address,
            id=raw["id"],
            kind=raw["kind"],
            status=raw["status"],
            parent=_addr(raw["parent"]),
            depth=raw["depth"],
            any_scope=raw["anyScope"],
            meta_hash=meta,
            committee_hold=raw["committeeHold"],
        )

    def writer(self, address: str, *, block: int | None = None) -> tuple[int, types.IssuerKind]:
        """(id, kind) if ``address`` may write now; raises the registry's error otherwise."""
        id_, kind = self._call("writer", address, block=block)
        return int(id_), kind

    def writer_for(self, address: str, type_id: int, *, block: int | None = None) -> tuple[int, types.IssuerKind]:
        """As ``writer``, with the type in scope."""
        id_, kind = self._call("writerFor", address, type_id, block=block)
        return int(id_), kind

    def same_organisation(self, issuer: str, other_id: int, *, block: int | None = None) -> bool:
        """Whether ``issuer`` and the issuer with id ``other_id`` have the same top-level issuer."""
        return bool(self._call("sameOrganisation", issuer, other_id, block=block)[0])

    def is_authorized(self, issuer: str, type_id: int, block_number: int, *, block: int | None = None) -> bool:
        """Whether ``issuer`` was authorised for ``type_id`` at ``block_number``."""
        return bool(self._call("isAuthorized", issuer, type_id, block_number, block=block)[0])

    def status_at(self, issuer: str, block_number: int, *, block: int | None = None) -> types.IssuerStatus:
        """Status of ``issuer`` at ``block_number``, from its history."""
        return types.IssuerStatus(self._call("statusAt", issuer, block_number, block=block)[0])

    def scope_at(self, issuer: str, type_id: int, block_number: int, *, block: int | None = None) -> bool:
        """Whether ``type_id`` was in the issuer's own scope at ``block_number``."""
        return bool(self._call("scopeAt", issuer, type_id, block_number, block=block)[0])

    def in_scope(self, issuer: str, type_id: int, *, block: int | None = None) -> bool:
        """Whether ``type_id`` is in the issuer's own scope now."""
        return bool(self._call("inScope", issuer, type_id, block=block)[0])

    def status_history(self, issuer: str, *, block: int | None = None) -> list[types.StatusChange]:
        """The issuer's full status history."""
        (rows,) = self._call("statusHistory", issuer, block=block)
        return [types.StatusChange(r["blockNumber"], r["status"]) for r in rows]

    def scope_history(self, issuer: str, type_id: int, *, block: int | None = None) -> list[types.ScopeChange]:
        """The issuer's scope history for one type (``ANY_TYPE``: the "any" entry)."""
        (rows,) = self._call("scopeHistory", issuer, type_id, block=block)
        return [types.ScopeChange(r["blockNumber"], r["allowed"]) for r in rows]

    def issuer_at(self, issuer_id: int, *, block: int | None = None) -> str | None:
        """Address of the issuer with id ``issuer_id`` (None if there is none)."""
        return _addr(self._call("issuerAt", issuer_id, block=block)[0])

    def issuer_count(self, *, block: int | None = None) -> int:
        """Number of issuers ever added."""
        return int(self._call("issuerCount", block=block)[0])

    def members(self, *, block: int | None = None) -> list[str]:
        """Current committee members."""
        return list(self._call("members", block=block)[0])

    def is_member(self, account: str, *, block: int | None = None) -> bool:
        """Whether ``account`` is a committee member."""
        return bool(self._call("isMember", account, block=block)[0])

    def threshold(self, *, block: int | None = None) -> int:
        """Current approval threshold."""
        return int(self._call("threshold", block=block)[0])

    def proposal(self, proposal_id: int, *, block: int | None = None) -> types.Proposal:
        """A proposal, with approvals counted among current members."""
        raw, approvals = self._call("proposal", proposal_id, block=block)
        return types.Proposal(proposal_id, raw["proposer"], raw["target"], raw["executed"], raw["createdBlock"],
                              raw["data"], int(approvals))

    def proposal_count(self, *, block: int | None = None) -> int:
        """Number of proposals ever stored."""
        return int(self._call("proposalCount", block=block)[0])

    def has_approved(self, proposal_id: int, member: str, *, block: int | None = None) -> bool:
        """Whether ``member`` approved the proposal."""
        return bool(self._call("hasApproved", proposal_id, member, block=block)[0])

    def modules(self, *, block: int | None = None) -> tuple[str | None, str | None]:
        """The bound (ledger, credential registry), None before binding."""
        ledger, credentials = self._call("modules", block=block)
        return _addr(ledger), _addr(credentials)
