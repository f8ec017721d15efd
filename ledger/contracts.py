"""Typed facades over the deployed contracts: encoding, sending, reading, revert and event decoding.

``deploy(chain, key)`` deploys IssuerRegistry, ContributionLedger and CredentialRegistry (in that
order) and binds the last two to the committee. ``Contracts(chain, deployment)`` offers
``.issuers``, ``.contributions`` and ``.credentials``, with one method per contract function:

* writes take the signing ``key`` first, send with an explicit gas limit (the embedded chain does
  not estimate) and raise the decoded :class:`~ledger.errors.ContractError` subclass (with the
  transaction hash) when the transaction reverts; ``build_<fn>(...)`` returns the unsigned
  :class:`~ledger.chain.base.Transaction` instead, for ``chain.send_many``;
* functions only the committee may call (``addIssuer``, ``defineType`` ...) are *proposed* through
  the IssuerRegistry by the method of the same name; with threshold 1 the proposal executes in the
  same transaction. When the executed call fails, the inner error is raised (its ``proposal_id``
  set), not the wrapping ``ProposalExecutionFailed``;
* reads return the value objects of ``ledger.types`` and take ``block=`` for a past block; an answer
  that does not decode (no contract at the address ...) raises :class:`~ledger.abi.UndecodableAnswer`.

ABIs come from the committed artifacts (``ledger/artifacts``), parsed once. This module does not
import web3.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eth_abi import encode as abi_encode

from . import contract_errors, types
from .abi import (  # noqa: F401  (re-exported: the contracts layer's public names)
    CONTRACT_NAMES,
    ZERO32,
    ZERO_ADDRESS,
    AbiEvent,
    AbiFunction,
    Artifact,
    ContractAbi,
    Event,
    UndecodableAnswer,
    UndecodableEvent,
    abi_type,
    artifact,
    contract_abi,
    decode_events,
    decode_revert,
)
from .chain.base import ChainBackend, Receipt, Reverted, Transaction
from .config import Deployment
from .crypto import PrivateKey, hash_function
from .errors import CapabilityError, ChainError, ContractError

# ------------------------------------------------------------------------------------------- deploy


DEPLOY_GAS = 6_000_000


def _deploy_one(chain: ChainBackend, key: PrivateKey, name: str, ctor_types: list[str], args: list[Any]) -> Receipt:
    code = artifact(name).bytecode + abi_encode(ctor_types, args)
    receipt = chain.deploy(key, code, gas=DEPLOY_GAS)
    if not receipt.succeeded or receipt.contract_address is None:
        raise ChainError(f"deploying {name} failed ({receipt.status}, gas used {receipt.gas_used})")
    return receipt


def deploy(chain: ChainBackend, key: PrivateKey) -> Deployment:
    """Deploy the three contracts; ``key`` becomes the only committee member (threshold 1).

    Also binds the ledger and credential registry to the committee (a threshold-1 proposal).
    """
    registry = _deploy_one(chain, key, "IssuerRegistry", [], [])
    assert registry.contract_address is not None
    ledger = _deploy_one(chain, key, "ContributionLedger", ["address"], [registry.contract_address])
    assert ledger.contract_address is not None
    credentials = _deploy_one(
        chain, key, "CredentialRegistry", ["address", "address"], [registry.contract_address, ledger.contract_address]
    )
    assert credentials.contract_address is not None
    deployment = Deployment(
        issuer_registry=registry.contract_address,
        contribution_ledger=ledger.contract_address,
        credential_registry=credentials.contract_address,
        block_number=registry.block_number,
        chain_id=chain.identity().chain_id,
    )
    Contracts(chain, deployment).issuers.bind_modules(key, ledger.contract_address, credentials.contract_address)
    return deployment


# ------------------------------------------------------------------------------------------ facades


class _Facade:
    """Shared plumbing: encode, call, build, send and decode for one deployed contract."""

    contract_name: str = ""

    def __init__(self, chain: ChainBackend, address: str, committee: IssuerRegistry | None = None) -> None:
        self.chain = chain
        self.address = address
        self.abi = contract_abi(self.contract_name)
        self._committee = committee

    def encode(self, fn: str, *args: Any) -> bytes:
        """Calldata of ``fn(*args)`` (for proposals or raw sends)."""
        return self.abi.fn(fn).encode(*args)

    def _call(self, fn: str, *args: Any, block: int | None = None) -> tuple[Any, ...]:
        f = self.abi.fn(fn)
        try:
            out = self.chain.call(self.address, f.encode(*args), block=block)
        except Reverted as exc:
            raise decode_revert(exc.data) from exc
        return f.decode(out, contract=self.contract_name, address=self.address)

    def _build(self, fn: str, gas: int, *args: Any) -> Transaction:
        return Transaction(to=self.address, data=self.abi.fn(fn).encode(*args), gas=gas)

    def build_raw(self, fn: str, *args: Any, gas: int = 1_000_000) -> Transaction:
        """An unsigned call of any function by its Solidity name (committee-only ones included)."""
        return self._build(fn, gas, *args)

    def send(self, key: PrivateKey, tx: Transaction) -> Receipt:
        """Send ``tx`` and raise the decoded ContractError if it reverts."""
        return send_checked(self.chain, key, tx)

    def _send(self, key: PrivateKey, tx: Transaction) -> Receipt:
        return send_checked(self.chain, key, tx)

    def _propose(self, key: PrivateKey, fn: str, gas: int, *args: Any) -> Receipt:
        registry = self._committee if self._committee is not None else self
        assert isinstance(registry, IssuerRegistry)
        return registry.propose(key, self.address, self.encode(fn, *args), gas=gas)

    def version(self, *, block: int | None = None) -> str:
        """The contract's ``version()``."""
        return str(self._call("version", block=block)[0])


def send_checked(chain: ChainBackend, key: PrivateKey, tx: Transaction, *, dry_run: bool = True) -> Receipt:
    """Run ``tx`` as a call first (unless ``dry_run`` is false), then send it; on revert raise the
    decoded ContractError.

    The pre-flight call (``eth_call`` from the signer, on the latest state) finds what the contract
    would refuse before anything is signed or mined, so a refusal costs no transaction, no gas and no
    block; it raises the same decoded error, without a transaction hash. The transaction is still
    checked on its receipt: state can change between the call and the block that mines it. Batched
    sends (``chain.send_many`` of ``build_*`` transactions) are not pre-flighted.

    Raises:
        ContractError: the decoded error (the inner one for a failed proposal).
    """
    if dry_run:
        preflight(chain, key.address, tx)
    receipt = chain.send(key, tx)
    raise_for_receipt(receipt)
    return receipt


def preflight(chain: ChainBackend, sender: str, tx: Transaction) -> None:
    """Run ``tx`` as a call from ``sender``; raise the decoded error if the contract would revert.

    A backend that cannot make a call from a given sender (FISCO BCOS 3.x's native RPC) skips the
    dry run: the transaction itself then says whether it reverts.
    """
    if tx.to is None:
        return  # a deployment: nothing to call
    try:
        chain.call(tx.to, tx.data, sender=sender)
    except CapabilityError:
        return
    except Reverted as exc:
        error = decode_revert(exc.data)
        inner = getattr(error, "inner", None)
        if isinstance(error, contract_errors.ProposalExecutionFailed) and isinstance(inner, ContractError):
            inner.proposal_id = error.id  # type: ignore[attr-defined]
            raise inner from error
        raise error from exc


def raise_for_receipt(receipt: Receipt) -> None:
    """Raise the decoded error of a failed receipt (for receipts from ``chain.send_many``)."""
    if receipt.succeeded:
        return
    tx_hash = "0x" + receipt.tx_hash.hex()
    if receipt.status != "reverted":
        raise ChainError(f"transaction {tx_hash} failed: {receipt.status} (gas used {receipt.gas_used})")
    error = decode_revert(receipt.revert_data or b"", tx_hash=tx_hash)
    inner = getattr(error, "inner", None)
    if isinstance(error, contract_errors.ProposalExecutionFailed) and isinstance(inner, ContractError):
        inner.proposal_id = error.id  # type: ignore[attr-defined]
        raise inner from error
    raise error


def _b32(value: bytes) -> bytes:
    if len(value) != 32:
        raise ValueError(f"expected 32 bytes, got {len(value)}")
    return bytes(value)


def _addr(value: str) -> str | None:
    return None if int(value, 16) == 0 else value


class IssuerRegistry(_Facade):
    """Committee governance and issuers."""

    contract_name = "IssuerRegistry"

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


class ContributionLedger(_Facade):
    """Contributions: record, co-sign, revoke."""

    contract_name = "ContributionLedger"

    def build_record(self, items: Sequence[types.ContributionItem]) -> Transaction:
        """The unsigned transaction of :meth:`record` (for ``chain.send_many``)."""
        return self._build("record", 80_000 + 90_000 * len(items), [i.as_tuple() for i in items])

    def record(self, key: PrivateKey, items: Sequence[types.ContributionItem]) -> Receipt:
        """Record a batch (all or nothing)."""
        return self._send(key, self.build_record(items))

    def build_co_sign(self, contribution_key: bytes) -> Transaction:
        """The unsigned transaction of :meth:`co_sign` (for ``chain.send_many``)."""
        return self._build("coSign", 200_000, _b32(contribution_key))

    def co_sign(self, key: PrivateKey, contribution_key: bytes) -> Receipt:
        """Co-sign a contribution recorded by another issuer."""
        return self._send(key, self.build_co_sign(contribution_key))

    def build_revoke(self, contribution_key: bytes, reason: types.RevocationReason) -> Transaction:
        """The unsigned transaction of :meth:`revoke` (for ``chain.send_many``)."""
        return self._build("revoke", 150_000, _b32(contribution_key), int(reason))

    def revoke(self, key: PrivateKey, contribution_key: bytes, reason: types.RevocationReason) -> Receipt:
        """Revoke a contribution as its recorder."""
        return self._send(key, self.build_revoke(contribution_key, reason))

    def propose_revoke(self, key: PrivateKey, contribution_key: bytes, reason: types.RevocationReason) -> Receipt:
        """Propose the committee's revocation of a contribution."""
        return self._propose(key, "revoke", 400_000, _b32(contribution_key), int(reason))

    def _contribution(self, key: bytes, raw: dict[str, Any]) -> types.Contribution:
        return types.Contribution(
            key=key,
            subject=raw["subject"],
            recorder_id=raw["recorderId"],
            kind=raw["kind"],
            field=raw["field"],
            weight=raw["weight"],
            occurred_at=raw["occurredAt"],
            co_sign_count=raw["coSignCount"],
            status=raw["status"],
            reason=raw["reason"],
            project_tag=raw["projectTag"],
        )

    def contribution(self, contribution_key: bytes, *, block: int | None = None) -> types.Contribution:
        """One record (``exists`` false if unknown)."""
        (raw,) = self._call("contribution", _b32(contribution_key), block=block)
        return self._contribution(contribution_key, raw)

    def contributions(self, keys: Sequence[bytes], *, block: int | None = None) -> list[types.Contribution]:
        """Several records, in the order of ``keys``."""
        (rows,) = self._call("contributions", [_b32(k) for k in keys], block=block)
        return [self._contribution(k, r) for k, r in zip(keys, rows)]

    def recorder_of(self, contribution_key: bytes, *, block: int | None = None) -> str | None:
        """Address of the contribution's recorder (None if unknown)."""
        return _addr(self._call("recorderOf", _b32(contribution_key), block=block)[0])

    def co_signers(self, contribution_key: bytes, *, block: int | None = None) -> list[str]:
        """Co-signers of a contribution, in order."""
        return list(self._call("coSigners", _b32(contribution_key), block=block)[0])

    def has_co_signed(self, contribution_key: bytes, signer: str, *, block: int | None = None) -> bool:
        """Whether ``signer`` co-signed the contribution."""
        return bool(self._call("hasCoSigned", _b32(contribution_key), signer, block=block)[0])

    def project_tag(self, project: bytes) -> bytes:
        """The 16-byte tag stored for ``project``, computed locally as the contract does (its
        ``keccak256`` is SM3 on an SM chain)."""
        return hash_function(self.chain.crypto)(_b32(project))[:16]


class CredentialRegistry(_Facade):
    """Certificate types, anchoring, checked issuance and credential status."""

    contract_name = "CredentialRegistry"

    def define_type(
        self,
        key: PrivateKey,
        type_id: int,
        *,
        field: int,
        level: int,
        allowed_kinds: int,
        criteria: types.Criteria,
        prerequisites: Sequence[int] = (),
        meta_hash: bytes = ZERO32,
    ) -> Receipt:
        """Propose ``defineType`` (a redefinition bumps the version)."""
        return self._propose(key, "defineType", 700_000 + 50_000 * len(prerequisites), type_id, field, level,
                             int(allowed_kinds), criteria.as_tuple(), list(prerequisites), _b32(meta_hash))

    def build_anchor(self, root: bytes, count: int, type_id: int, meta_hash: bytes = ZERO32) -> Transaction:
        """The unsigned transaction of :meth:`anchor` (for ``chain.send_many``)."""
        return self._build("anchor", 150_000, _b32(root), count, type_id, _b32(meta_hash))

    def anchor(
        self, key: PrivateKey, root: bytes, count: int, type_id: int, meta_hash: bytes = ZERO32, *,
        dry_run: bool = True,
    ) -> Receipt:
        """Anchor a batch root. ``dry_run=False`` skips the pre-flight call, for a caller that has just
        checked the signer and the type itself (batch issuance): a refusal then costs a reverted
        transaction, and raises the same decoded error."""
        return send_checked(self.chain, key, self.build_anchor(root, count, type_id, meta_hash), dry_run=dry_run)

    def build_issue(
        self,
        type_id: int,
        subject: bytes,
        credential_hash: bytes,
        contribution_keys: Sequence[bytes],
        prerequisite_hashes: Sequence[bytes] = (),
    ) -> Transaction:
        """The unsigned transaction of :meth:`issue` (for ``chain.send_many``)."""
        gas = 250_000 + 25_000 * len(contribution_keys) + 15_000 * len(prerequisite_hashes)
        return self._build("issue", gas, type_id, _b32(subject), _b32(credential_hash),
                           [_b32(k) for k in contribution_keys], [_b32(h) for h in prerequisite_hashes])

    def issue(
        self,
        key: PrivateKey,
        type_id: int,
        subject: bytes,
        credential_hash: bytes,
        contribution_keys: Sequence[bytes],
        prerequisite_hashes: Sequence[bytes] = (),
    ) -> Receipt:
        """Issue one credential; the contract checks the type's criteria."""
        return self._send(key, self.build_issue(type_id, subject, credential_hash, contribution_keys,
                                                prerequisite_hashes))

    def build_set_status(
        self, credential_hash: bytes, status: types.CredentialStatus, reason: types.RevocationReason
    ) -> Transaction:
        """The unsigned transaction of :meth:`set_status` (for ``chain.send_many``)."""
        return self._build("setStatus", 150_000, _b32(credential_hash), int(status), int(reason))

    def set_status(
        self, key: PrivateKey, credential_hash: bytes, status: types.CredentialStatus,
        reason: types.RevocationReason = types.RevocationReason.NONE,
    ) -> Receipt:
        """Suspend, reinstate (VALID) or revoke an issued credential, as its issuer."""
        return self._send(key, self.build_set_status(credential_hash, status, reason))

    def build_set_leaf_status(
        self, root: bytes, credential_hash: bytes, proof: Sequence[bytes], status: types.CredentialStatus,
        reason: types.RevocationReason,
    ) -> Transaction:
        """The unsigned transaction of :meth:`set_leaf_status` (for ``chain.send_many``)."""
        return self._build("setLeafStatus", 150_000 + 3_000 * len(proof), _b32(root), _b32(credential_hash),
                           [_b32(p) for p in proof], int(status), int(reason))

    def set_leaf_status(
        self, key: PrivateKey, root: bytes, credential_hash: bytes, proof: Sequence[bytes],
        status: types.CredentialStatus, reason: types.RevocationReason = types.RevocationReason.NONE,
    ) -> Receipt:
        """Change the status of a batch leaf, as the root's issuer."""
        return self._send(key, self.build_set_leaf_status(root, credential_hash, proof, status, reason))

    def propose_set_status(
        self, key: PrivateKey, credential_hash: bytes, status: types.CredentialStatus,
        reason: types.RevocationReason = types.RevocationReason.NONE,
    ) -> Receipt:
        """Propose the committee's status change of an issued credential."""
        return self._propose(key, "setStatus", 400_000, _b32(credential_hash), int(status), int(reason))

    def propose_set_leaf_status(
        self, key: PrivateKey, root: bytes, credential_hash: bytes, proof: Sequence[bytes],
        status: types.CredentialStatus, reason: types.RevocationReason = types.RevocationReason.NONE,
    ) -> Receipt:
        """Propose the committee's status change of a batch leaf."""
        return self._propose(key, "setLeafStatus", 400_000 + 3_000 * len(proof), _b32(root),
                             _b32(credential_hash), [_b32(p) for p in proof], int(status), int(reason))

    def build_anchor_report(self, report_hash: bytes, target: bytes = ZERO32) -> Transaction:
        """The unsigned transaction of :meth:`anchor_report` (for ``chain.send_many``)."""
        return self._build("anchorReport", 150_000, _b32(report_hash), _b32(target))

    def anchor_report(self, key: PrivateKey, report_hash: bytes, target: bytes = ZERO32) -> Receipt:
        """Anchor the hash of an audit report, once, as a committee member or an active issuer.

        ``target`` is what was audited: a subject id, an issuer address as 32 bytes, or zero for files.
        """
        return self._send(key, self.build_anchor_report(report_hash, target))

    # reads
    def report_anchor(self, report_hash: bytes, *, block: int | None = None) -> tuple[str | None, int]:
        """(auditor, block number) of an anchored report hash; (None, 0) if it was never anchored."""
        auditor, block_number = self._call("reportAnchor", _b32(report_hash), block=block)
        return _addr(auditor), int(block_number)

    def credential_type(self, type_id: int, *, block: int | None = None) -> types.CredentialType:
        """A certificate type as defined at ``block`` (``exists`` false if undefined)."""
        (raw,) = self._call("credentialType", type_id, block=block)
        c = raw["criteria"]
        criteria = types.Criteria(c["minTotal"], c["minDistinctProjects"], c["minCoSigns"], c["windowFrom"],
                                  c["windowTo"], tuple(c["minPerKind"]))
        return types.CredentialType(type_id, raw["version"], raw["field"], raw["level"],
                                    types.IssuerKinds(raw["allowedKinds"]), criteria,
                                    tuple(raw["prerequisites"]), raw["metaHash"])

    def type_ids(self, *, block: int | None = None) -> list[int]:
        """Ids of every defined type, in order of first definition."""
        return list(self._call("typeIds", block=block)[0])

    def anchor_of(self, root: bytes, *, block: int | None = None) -> types.Anchor:
        """An anchored batch (``exists`` false if the root is unknown)."""
        (raw,) = self._call("anchorOf", _b32(root), block=block)
        return types.Anchor(root, _addr(raw["issuer"]), raw["typeId"], raw["count"], raw["blockNumber"])

    def issued(self, credential_hash: bytes, *, block: int | None = None) -> types.IssuedCredential:
        """A credential made by ``issue`` (``exists`` false if unknown)."""
        (raw,) = self._call("issued", _b32(credential_hash), block=block)
        return types.IssuedCredential(credential_hash, raw["subject"], _addr(raw["issuer"]), raw["typeId"],
                                      raw["typeVersion"], raw["blockNumber"])

    def status_of(self, credential_hash: bytes, root: bytes = ZERO32, *, block: int | None = None
                  ) -> types.CredentialStatusRecord:
        """Last status change of a credential: ``root`` zero for an issued one, else its batch root."""
        (raw,) = self._call("statusOf", _b32(root), _b32(credential_hash), block=block)
        return types.CredentialStatusRecord(root, credential_hash, raw["status"], raw["reason"], raw["blockNumber"])

    def leaf_hash(self, credential_hash: bytes, *, block: int | None = None) -> bytes:
        """The Merkle leaf node of a credential hash, as the contract computes it."""
        return bytes(self._call("leafHash", _b32(credential_hash), block=block)[0])

    def verify_leaf(self, root: bytes, credential_hash: bytes, proof: Sequence[bytes], *,
                    block: int | None = None) -> bool:
        """Whether ``proof`` proves ``credential_hash`` under ``root`` (checked by the contract)."""
        return bool(self._call("verifyLeaf", _b32(root), _b32(credential_hash), [_b32(p) for p in proof],
                               block=block)[0])


class Contracts:
    """The three deployed contracts on one chain."""

    def __init__(self, chain: ChainBackend, deployment: Deployment) -> None:
        self.chain = chain
        self.deployment = deployment
        self.issuers = IssuerRegistry(chain, deployment.issuer_registry)
        self.contributions = ContributionLedger(chain, deployment.contribution_ledger, self.issuers)
        self.credentials = CredentialRegistry(chain, deployment.credential_registry, self.issuers)

    def propose(self, key: PrivateKey, facade: _Facade, fn: str, *args: Any, gas: int = 2_000_000) -> Receipt:
        """Propose any committee call ``facade.fn(*args)``."""
        return self.issuers.propose(key, facade.address, facade.encode(fn, *args), gas=gas)

    def events(self, from_block: int | None = None, to_block: int | None = None) -> list[Event]:
        """Decoded events of the three contracts in a block range (default: since deployment)."""
        start = self.deployment.block_number if from_block is None else from_block
        end = self.chain.block_number() if to_block is None else to_block
        addresses = [self.deployment.issuer_registry, self.deployment.contribution_ledger,
                     self.deployment.credential_registry]
        return decode_events(self.chain.get_logs(start, end, addresses))
