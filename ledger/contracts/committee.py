"""The Committee facade: k-of-n proposals, members, threshold, proposal window, deployment links.

Every committee-only call of every contract is *proposed* here (``propose(key, target, data)``) and
executes once approvals of current members reach the threshold: at once with threshold 1. The other
facades propose through this one (their ``propose_*`` methods and the committee-only writes such as
``add_issuer``). A proposal expires after the window in force when it was made and can be cancelled
by its proposer or by the committee. Reads return the value objects of :mod:`ledger.types` and take
``block=`` for a past block.
"""

from __future__ import annotations

from typing import Any

from ledger import types
from ledger.chain.base import Receipt, Transaction
from ledger.contracts.facade import ContractFacade
from ledger.contracts.facade import address_or_none as _addr
from ledger.crypto.keys import PrivateKey

__all__ = ["PROPOSAL_GAS", "Committee"]

#: Gas of a proposal that executes a light call at once (a member change, a status change).
PROPOSAL_GAS = 600_000


class Committee(ContractFacade):
    """The consortium's committee: proposals and their votes, members, threshold, window."""

    contract_name = "Committee"

    def _propose(self, key: PrivateKey, fn: str, gas: int, *args: Any) -> Receipt:
        """The Committee proposes its own committee-only calls."""
        return self.propose(key, self.address, self.encode(fn, *args), gas=gas)

    # proposals
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
        """Approve a pending, unexpired proposal; executes it when approvals reach the threshold."""
        return self._send(key, self.build_approve(proposal_id, gas=gas))

    def build_execute(self, proposal_id: int, *, gas: int = 2_000_000) -> Transaction:
        """The unsigned transaction of :meth:`execute` (for ``chain.send_many``)."""
        return self._build("execute", gas, proposal_id)

    def execute(self, key: PrivateKey, proposal_id: int, *, gas: int = 2_000_000) -> Receipt:
        """Execute a pending, unexpired proposal whose approvals reach the threshold."""
        return self._send(key, self.build_execute(proposal_id, gas=gas))

    def build_cancel(self, proposal_id: int) -> Transaction:
        """The unsigned transaction of :meth:`cancel` (for ``chain.send_many``)."""
        return self._build("cancel", 150_000, proposal_id)

    def cancel(self, key: PrivateKey, proposal_id: int) -> Receipt:
        """Cancel a pending proposal, as its proposer (while a member)."""
        return self._send(key, self.build_cancel(proposal_id))

    def propose_cancel(self, key: PrivateKey, proposal_id: int) -> Receipt:
        """Propose the committee's cancellation of a proposal (of any member)."""
        return self._propose(key, "cancel", PROPOSAL_GAS, proposal_id)

    # committee actions (proposed)
    def bind_modules(self, key: PrivateKey, registry: str, ledger: str, credentials: str) -> Receipt:
        """Propose ``bindModules(registry, ledger, credentials)`` (once, right after deployment)."""
        return self._propose(key, "bindModules", PROPOSAL_GAS, registry, ledger, credentials)

    def add_member(self, key: PrivateKey, member: str) -> Receipt:
        """Propose ``addMember(member)``."""
        return self._propose(key, "addMember", PROPOSAL_GAS, member)

    def remove_member(self, key: PrivateKey, member: str) -> Receipt:
        """Propose ``removeMember(member)``."""
        return self._propose(key, "removeMember", PROPOSAL_GAS, member)

    def set_threshold(self, key: PrivateKey, threshold: int) -> Receipt:
        """Propose ``setThreshold(threshold)``."""
        return self._propose(key, "setThreshold", PROPOSAL_GAS, threshold)

    def set_proposal_window(self, key: PrivateKey, blocks: int) -> Receipt:
        """Propose ``setProposalWindow(blocks)``: the window given to proposals made from then on."""
        return self._propose(key, "setProposalWindow", PROPOSAL_GAS, blocks)

    def name_successor(self, key: PrivateKey, successor: str) -> Receipt:
        """Propose ``nameSuccessor(successor)``: the Committee of the deployment replacing this one."""
        return self._propose(key, "nameSuccessor", PROPOSAL_GAS, successor)

    # reads
    def members(self, *, block: int | None = None) -> list[str]:
        """Current committee members."""
        return list(self._call("members", block=block)[0])

    def is_member(self, account: str, *, block: int | None = None) -> bool:
        """Whether ``account`` is a committee member."""
        return bool(self._call("isMember", account, block=block)[0])

    def threshold(self, *, block: int | None = None) -> int:
        """Current approval threshold."""
        return int(self._call("threshold", block=block)[0])

    def proposal_window(self, *, block: int | None = None) -> int:
        """Blocks a new proposal stays open."""
        return int(self._call("proposalWindow", block=block)[0])

    def proposal(self, proposal_id: int, *, block: int | None = None) -> types.Proposal:
        """A proposal, with approvals counted among current members and its derived state."""
        raw, approvals, state = self._call("proposal", proposal_id, block=block)
        return types.Proposal(proposal_id, raw["proposer"], raw["target"], types.ProposalState(state),
                              raw["createdBlock"], raw["expiresAt"], raw["data"], int(approvals))

    def proposal_state(self, proposal_id: int, *, block: int | None = None) -> types.ProposalState:
        """The derived state of a proposal (``NONE`` if unknown)."""
        return types.ProposalState(self._call("proposalState", proposal_id, block=block)[0])

    def proposal_count(self, *, block: int | None = None) -> int:
        """Number of proposals ever made."""
        return int(self._call("proposalCount", block=block)[0])

    def has_approved(self, proposal_id: int, member: str, *, block: int | None = None) -> bool:
        """Whether ``member``'s approval of the proposal counts now."""
        return bool(self._call("hasApproved", proposal_id, member, block=block)[0])

    def modules(self, *, block: int | None = None) -> tuple[str | None, str | None, str | None]:
        """The bound (IssuerRegistry, ContributionLedger, CredentialRegistry), None before binding."""
        registry, ledger, credentials = self._call("modules", block=block)
        return _addr(registry), _addr(ledger), _addr(credentials)

    def predecessor(self, *, block: int | None = None) -> str | None:
        """The Committee of the deployment this one replaces (None for the first)."""
        return _addr(self._call("predecessor", block=block)[0])

    def successor(self, *, block: int | None = None) -> tuple[str | None, int]:
        """The Committee of the deployment that replaces this one and the block it was named in."""
        committee, named = self._call("successor", block=block)
        return _addr(committee), int(named)
