"""Governance operations of the facade: the committee, issuers and certificate types.

Mixed into :class:`ledger.ledger.Ledger`; each method validates its input (personal data included)
before anything is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ledger import types
from ledger.canonical import canonicalize
from ledger.contracts.abi import abi_type, artifact, contract_abi, decode_events
from ledger.contracts.errors import ThresholdOutOfRange
from ledger.contributions.model import FIELD_NAMES
from ledger.credentials.fields import check_line
from ledger.credentials.standards import (
    AWARD_CONTRACT_VERSION,
    AwardCriteria,
    check_type,
    checks_awards,
    criteria_narrative,
    criteria_table,
    metadata_hash,
    parse_issuer_kind,
)
from ledger.crypto.hashing import to_checksum_address
from ledger.errors import ValidationError
from ledger.identity.privacy import check_fields
from ledger.types import ANY_TYPE, IssuerKind
from ledger.wellknown.document import DeploymentRef, PublishedIssuer, build_document, normalize_domain

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ledger.chain.base import ChainBackend, Receipt, Transaction
    from ledger.chain.bursts import Settlement
    from ledger.config import Settings
    from ledger.contracts.deployment import Contracts
    from ledger.credentials.standards import TypeDefinition
    from ledger.crypto.keys import PrivateKey
    from ledger.identity.vault import Vault
    from ledger.index import Index

@dataclass(frozen=True)
class ProposalOutcome:
    """What a governance call did: executed now, or waiting for more approvals (until ``expires_at``,
    its last block), or cancelled."""

    proposal_id: int
    executed: bool
    approvals: int
    threshold: int
    tx_hash: str
    block: int
    gas_used: int
    expires_at: int | None = None
    state: str = "pending"


#: What a direct write (no proposal: an issuer acting itself) returns, shaped like a ProposalOutcome.
def _direct(receipt: Receipt, **extra: Any) -> dict[str, Any]:
    return {"executed": True, "proposal_id": None, "approvals": 0, "threshold": 0,
            "tx_hash": "0x" + receipt.tx_hash.hex(), "block": receipt.block_number, "gas_used": receipt.gas_used,
            **extra}


@dataclass(frozen=True)
class ProposedCall:
    """A proposal's call, decoded: ``Contract.function`` and its arguments by name."""

    action: str
    function: str | None
    args: dict[str, Any]

    def __str__(self) -> str:
        inner = ", ".join(f"{k}={_plain_text(v)}" for k, v in self.args.items())
        return f"{self.action}({inner})" if self.function else self.action


def decode_call(contract: str, data: bytes, crypto: str = "ecdsa") -> ProposedCall:
    """Decode calldata for one of our contracts with its ABI (the selectors of crypto mode ``crypto``);
    arguments by name, made JSON-friendly.

    Calldata whose selector or arguments do not fit the ABI is named, not decoded (a proposal's data
    is whatever its proposer sent).
    """
    from eth_abi import decode as abi_decode
    from eth_abi.exceptions import DecodingError


    selector = bytes(data[:4])
    for fn_name, fn in contract_abi(contract, crypto).functions.items():
        if fn.selector != selector:
            continue
        entry = next(e for e in artifact(contract, crypto).abi if e.get("type") == "function" and e["name"] == fn_name
                     and tuple(abi_type(i) for i in e["inputs"]) == fn.inputs)
        try:
            values = abi_decode(list(fn.inputs), bytes(data[4:]))
            # Solidity names with a trailing underscore (``issuer_``) avoid a clash in the source only.
            args = {(i["name"].rstrip("_") or f"arg{n}"): _plain(i, v)
                    for n, (i, v) in enumerate(zip(entry["inputs"], values))}
        except (DecodingError, ValueError, TypeError, IndexError, OverflowError):  # not a call of this function
            return ProposedCall(f"{contract}.{fn_name}", fn_name, {"undecodable": "0x" + bytes(data[4:]).hex()})
        return ProposedCall(f"{contract}.{fn_name}", fn_name, args)
    return ProposedCall(f"{contract}.<unknown 0x{selector.hex()}>", None, {})


def _plain(entry: dict[str, Any], value: Any) -> Any:
    """An ABI-decoded argument as JSON: enums by lower-case name, bytes as 0x hex, structs as objects."""
    from enum import IntEnum


    kind: str = entry["type"]
    if kind.endswith("]"):
        inner = dict(entry, type=kind[: kind.rindex("[")])
        inner["internalType"] = entry.get("internalType", "").rsplit("[", 1)[0]
        return [_plain(inner, v) for v in value]
    if kind == "tuple":
        return {c["name"]: _plain(c, v) for c, v in zip(entry["components"], value)}
    if kind == "address":
        return to_checksum_address(bytes.fromhex(value[2:]))
    if isinstance(value, bytes):
        return "0x" + value.hex()
    internal = entry.get("internalType", "")
    if internal.startswith("enum "):
        enum = getattr(types, internal[5:].rsplit(".", 1)[-1], None)  # the contracts' enums, by their names
        if isinstance(enum, type) and issubclass(enum, IntEnum):
            try:
                return enum(value).name.lower()
            except ValueError:
                return value
    return value


def _plain_text(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_plain_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_plain_text(v)}" for k, v in value.items()) + "}"
    return str(value)


def _address(text: str) -> str:
    value = text.strip()
    if len(value) != 42 or not value.startswith("0x"):
        raise ValidationError(f"{text!r} is not an address (0x followed by 40 hex digits)")
    try:
        return to_checksum_address(bytes.fromhex(value[2:]))
    except ValueError as exc:
        raise ValidationError(f"{text!r} is not an address (0x followed by 40 hex digits)") from exc


def _bytes32(text: str, what: str) -> bytes:
    value = text.strip().lower()
    try:
        raw = bytes.fromhex(value.removeprefix("0x"))
    except ValueError as exc:
        raise ValidationError(f"{what} {text!r} is not 64 hex digits") from exc
    if len(raw) != 32:
        raise ValidationError(f"{what} {text!r} is not 64 hex digits")
    return raw


def _block_or_date(text: str, what: str) -> int | str:
    """``--since``: a block number, or a date/date-time (resolved later against the index), or ``now``."""
    value = text.strip()
    if value.lstrip("#").isdigit():
        return int(value.lstrip("#"))
    if value.lower() == "now":
        return "now"
    from ledger.index.records import parse_moment

    parse_moment(value)  # refused here if it is neither
    return value


def _type_ids(text: str) -> list[int]:
    try:
        ids = [int(t) for t in text.replace(" ", "").split(",") if t]
    except ValueError as exc:
        raise ValidationError(f"scope {text!r}: use comma-separated type ids, e.g. 101,102") from exc
    if any(not 0 < i < 2**32 for i in ids):
        raise ValidationError(f"scope {text!r}: type ids are between 1 and 4294967295")
    return ids


def _scope(scope: str | list[int], kind: Any) -> list[int]:
    if isinstance(scope, list):
        return scope
    if scope.strip().lower() == "any":
        if kind != IssuerKind.AUTHORITY:
            raise ValidationError("scope 'any' is allowed only for an authority")
        return [ANY_TYPE]
    return _type_ids(scope)


class _Context:
    """What the operation mixins need from :class:`ledger.ledger.Ledger`."""

    settings: Settings
    chain: ChainBackend

    if TYPE_CHECKING:  # read-only properties of the Ledger, loaded on first use

        @property
        def contracts(self) -> Contracts: ...

        @property
        def key(self) -> PrivateKey: ...

        @property
        def vault(self) -> Vault: ...

        def _load_metadata(self, digest: bytes) -> dict[str, Any]: ...

        def send_burst(self, txs: Sequence[Transaction], *, timeout: float = 120.0) -> list[Receipt]: ...

        def settle_bursts(self) -> list[Settlement]: ...

        def sync_index(self, index: Index, **kwargs: Any) -> Any: ...


class GovernanceOps(_Context):
    """Committee proposals and approvals; issuers; certificate types; off-chain metadata."""
    # -- governance ----------------------------------------------------------------------------

    def _outcome(self, receipt: Receipt) -> ProposalOutcome:
        pid, executed, expires = 0, False, None
        for ev in decode_events(receipt.logs, crypto=self.chain.crypto):
            if ev.name in ("ProposalCreated", "ProposalApproved"):
                pid = int(ev.args["id"])
            if ev.name == "ProposalCreated":
                expires = int(ev.args["expiresAt"])
            if ev.name == "ProposalExecuted" and int(ev.args["id"]) == pid:
                executed = True
        com = self.contracts.committee
        proposal = com.proposal(pid)
        return ProposalOutcome(
            proposal_id=pid,
            executed=executed,
            approvals=proposal.approvals,
            threshold=com.threshold(),
            tx_hash="0x" + receipt.tx_hash.hex(),
            block=receipt.block_number,
            gas_used=receipt.gas_used,
            expires_at=expires if expires is not None else proposal.expires_at,
            state=proposal.state.name.lower(),
        )

    def _is_member(self) -> bool:
        return self.contracts.committee.is_member(self.key.address)

    def add_member(self, address: str) -> ProposalOutcome:
        return self._outcome(self.contracts.committee.add_member(self.key, _address(address)))

    def remove_member(self, address: str) -> ProposalOutcome:
        return self._outcome(self.contracts.committee.remove_member(self.key, _address(address)))

    def set_threshold(self, count: int) -> ProposalOutcome:
        """Propose a new approval threshold; refused here, with nothing proposed, unless 1 <= count <= members.

        Raises:
            ThresholdOutOfRange: ``count`` is outside 1 to the number of members, found here before anything
                is sent (the contract would refuse it only when the proposal executes, after approvals,
                leaving a proposal pending until it expires). It is the contract's own error, as the chain
                would say.
        """

        if isinstance(count, bool) or not isinstance(count, int):
            raise ValidationError(f"threshold {count!r} must be a whole number")
        members = len(self.contracts.committee.members())
        if not 1 <= count <= members:
            error = ThresholdOutOfRange(count, members)
            error.hint = (f"the committee has {members} member(s): the threshold is between 1 and {members}; "
                          "add members first (`ledger committee add-member ADDRESS`); nothing was proposed")
            raise error
        return self._outcome(self.contracts.committee.set_threshold(self.key, count))

    def set_proposal_window(self, blocks: int) -> ProposalOutcome:
        """Propose the window (blocks) given to proposals made from then on."""
        if isinstance(blocks, bool) or not isinstance(blocks, int) or not 1 <= blocks <= 2**32:
            raise ValidationError(f"proposal window {blocks!r}: give between 1 and 4,294,967,296 blocks")
        return self._outcome(self.contracts.committee.set_proposal_window(self.key, blocks))

    def approve(self, proposal_id: int) -> ProposalOutcome:
        return self._outcome(self.contracts.committee.approve(self.key, proposal_id))

    def cancel_proposal(self, proposal_id: int) -> ProposalOutcome | dict[str, Any]:
        """Cancel a pending proposal: its proposer does it at once; another member proposes the committee's
        cancellation (which executes when approved).

        Raises:
            UnknownProposal: there is no such proposal (refused before anything is sent).
        """
        com = self.contracts.committee
        proposal = com.proposal(proposal_id)
        if proposal.proposer.lower() == self.key.address.lower() or not self._is_member():
            receipt = com.cancel(self.key, proposal_id)
            return _direct(receipt, proposal_id=proposal_id, state="cancelled")
        return self._outcome(com.propose_cancel(self.key, proposal_id))

    def committee(self, *, pending_only: bool = False) -> dict[str, Any]:
        """Members, threshold, proposal window and proposals, each with its call decoded and its state.

        A proposal's ``action`` names the contract and function (``IssuerRegistry.setIssuerStatus``);
        ``function`` and ``args`` give the call's arguments by their Solidity names, enums by name
        (``{"issuer": "0x...", "status": "suspended"}``). ``state`` is pending, executed, cancelled or
        expired (pending past ``expires_at``, its last block); ``pending_only`` keeps the pending ones.
        """
        com = self.contracts.committee
        head = self.chain.block_number()
        proposals = []
        for pid in range(com.proposal_count()):
            p = com.proposal(pid)
            if pending_only and p.state != types.ProposalState.PENDING:
                continue
            call = self._decode_call(p.target, p.data)
            proposals.append(
                {"id": pid, "action": call.action, "function": call.function, "args": call.args,
                 "proposer": p.proposer, "approvals": p.approvals, "executed": p.executed,
                 "state": p.state.name.lower(), "block": p.created_block, "expires_at": p.expires_at,
                 "blocks_left": max(0, p.expires_at - head) if p.state == types.ProposalState.PENDING else 0}
            )
        successor, named = com.successor()
        return {"members": com.members(), "threshold": com.threshold(), "proposal_window": com.proposal_window(),
                "block": head, "predecessor": com.predecessor(),
                "successor": None if successor is None else {"committee": successor, "block": named},
                "proposals": proposals}

    def _decode_call(self, target: str, data: bytes) -> ProposedCall:
        name = self.contracts.name_of(target)
        if name is None:
            return ProposedCall(f"call {target}", None, {})
        return decode_call(name, data, self.chain.crypto)

    def add_issuer(
        self, address: str, *, kind: str, scope: str | list[int], metadata: dict[str, str], child: bool = False
    ) -> ProposalOutcome | dict[str, Any]:
        """Add an issuer through the committee, or offer it a place as a child of the signing issuer (the
        child key then accepts: :meth:`accept`)."""

        issuer = _address(address)
        kind_value = types.IssuerKind(parse_issuer_kind(kind))
        type_ids = _scope(scope, kind_value)
        doc = {"type": "ledger:Issuer", **{k: v for k, v in metadata.items() if v}}
        if "domain" in doc:  # the domain verifiers check (ledger.wellknown): a host name, spelt one way
            doc["domain"] = normalize_domain(doc["domain"])
        for field_name, value in doc.items():
            # The name goes into every credential this issuer signs, whose format check it must pass; and
            # no text that reaches a terminal may carry escape sequences.
            check_line(value, f"issuer {field_name}")
        check_fields(doc, self.vault.known_names())
        meta = self._store_metadata(doc)
        if child:
            receipt = self.contracts.issuers.offer_child(self.key, issuer, kind_value, type_ids, meta)
            return _direct(receipt, executed=False, offered=True, child=issuer, parent=self.key.address,
                           next=f"the child key accepts: ledger issuer accept {self.key.address} --key CHILD")
        return self._outcome(self.contracts.issuers.add_issuer(self.key, issuer, kind_value, type_ids, meta))

    def set_issuer_status(self, address: str, status: str) -> ProposalOutcome | dict[str, Any]:
        """Committee members propose; an issuer's parent changes its child's status directly."""
        issuer = _address(address)
        value = types.IssuerStatus[status.upper()]
        reg = self.contracts.issuers
        info = reg.issuer(issuer)
        is_parent = info.parent is not None and info.parent.lower() == self.key.address.lower()
        if self._is_member() and not is_parent:
            return self._outcome(reg.propose_issuer_status(self.key, issuer, value))
        receipt = reg.set_issuer_status(self.key, issuer, value)
        return _direct(receipt)

    def set_issuer_scope(self, address: str, *, allow: str = "", disallow: str = "") -> list[ProposalOutcome]:
        issuer = _address(address)
        out = []
        for text, allowed in ((allow, True), (disallow, False)):
            if text:
                ids = _type_ids(text)
                out.append(self._outcome(self.contracts.issuers.set_issuer_scope(self.key, issuer, ids, allowed)))
        return out

    def issuers(self) -> list[dict[str, Any]]:
        """Every issuer (one row per node, by its current key)."""
        reg = self.contracts.issuers
        out = []
        seen: set[int] = set()
        for key_id in range(1, reg.issuer_count() + 1):
            address = reg.issuer_at(key_id)
            if not address:
                continue
            info = reg.issuer(address)
            if info.node in seen:
                continue
            seen.add(info.node)
            out.append(self._issuer_row(info.current_key or address))
        return out

    def issuer(self, address: str) -> dict[str, Any]:
        row = self._issuer_row(_address(address))
        if row["kind"] == "NONE":
            raise ValidationError(f"{address} is not an issuer", hint="see `ledger issuer list`")
        reg = self.contracts.issuers
        row["history"] = [
            {"block": h.block_number, "status": h.status.name.lower()} for h in reg.status_history(row["address"])
        ]
        return row

    def _issuer_row(self, address: str) -> dict[str, Any]:
        reg = self.contracts.issuers
        info = reg.issuer(address)
        meta = self._load_metadata(info.meta_hash)
        scope = "any" if info.any_scope else ",".join(
            str(t) for t in self.contracts.credentials.type_ids() if reg.in_scope(address, t)
        )
        return {
            "address": address,
            "name": meta.get("name", ""),
            "kind": info.kind.name if hasattr(info.kind, "name") else str(info.kind),
            "status": info.status.name.lower() if hasattr(info.status, "name") else str(info.status),
            "scope": scope,
            "parent": info.parent,
            "id": info.id,
            "node": info.node,
            "current_key": info.current_key,
            "committee_hold": info.committee_hold,
            "rotated_in_block": info.active_until or None,
            "compromised_since": info.compromised_since or None,
            "meta_hash": "0x" + info.meta_hash.hex(),
        }

    def well_known_document(self, domain: str, addresses: list[str] | None = None) -> dict[str, Any]:
        """The document ``domain`` publishes at ``https://<domain>/.well-known/did.json``: the DID document
        of ``did:web:<domain>`` listing the issuer accounts registered with that domain (or those in
        ``addresses``) for this deployment, each with the metadata document whose hash the registry holds.

        Raises:
            ValidationError: an address is not an issuer, this workspace lacks an issuer's metadata, no
                issuer is registered with the domain, or one named is registered with another.
        """

        name = normalize_domain(domain)
        reg = self.contracts.issuers
        wanted = [_address(a) for a in addresses] if addresses else [
            reg.issuer_at(i) for i in range(1, reg.issuer_count() + 1)]
        published = []
        for address in wanted:
            if not address:
                continue
            info = reg.issuer(address)
            if int(info.kind) == 0:
                raise ValidationError(f"{address} is not an issuer", hint="see `ledger issuer list`")
            meta = self._load_metadata(info.meta_hash)
            if not meta:
                if addresses:
                    raise ValidationError(
                        f"this workspace does not hold the metadata of issuer {address} (hash "
                        f"0x{bytes(info.meta_hash).hex()})", hint="make the document in the workspace that added the issuer")
                continue
            if addresses or meta.get("domain") == name:
                published.append(PublishedIssuer(address, meta, self.settings.network.crypto or "ecdsa"))
        if not published:
            raise ValidationError(f"no issuer of this deployment is registered with domain {name}",
                                  hint="add the issuer with `ledger issuer add ... --domain " + name + "`")
        d = self.settings.deployment
        assert d is not None
        ref = DeploymentRef(d.chain_id, d.issuer_registry, d.contribution_ledger, d.credential_registry)
        return build_document(name, ref, published)

    def define_type(self, definition: TypeDefinition) -> ProposalOutcome:
        """Define (or redefine) a certificate type through the committee.

        ``definition`` is checked here (ranges, personal data in its metadata), whoever built it:
        ``parse_type`` checks too, but an SDK caller may construct a :class:`TypeDefinition` directly.

        Raises:
            ValidationError: a number is out of range; nothing is stored or sent.
            PersonalDataError: a field of the metadata looks like personal data; nothing is stored or sent.
        """

        check_type(definition, self.vault.known_names())
        if definition.award is not None:
            self._check_award_support(definition)
        meta = self._store_metadata(definition.metadata())
        receipt = self.contracts.credentials.define_type(
            self.key,
            definition.type_id,
            field=definition.field,
            level=definition.level,
            allowed_kinds=definition.allowed_kinds_mask,
            criteria=definition.chain_criteria,
            prerequisites=definition.prerequisites,
            meta_hash=meta,
        )
        return self._outcome(receipt)

    def _check_award_support(self, definition: TypeDefinition) -> None:
        """Refuse an award type on a deployment whose CredentialRegistry cannot check its criteria.

        Sent anyway, the type would carry criteria nobody checks: its certificates would look like
        awards the contract vouched for.

        Raises:
            ValidationError: the deployed CredentialRegistry is older than 2.1.0.
        """
        version = self.contracts.credentials.version()
        if not checks_awards(version):
            wanted = ".".join(map(str, AWARD_CONTRACT_VERSION))
            raise ValidationError(
                f"type {definition.type_id} is a {definition.award.kind if definition.award else ''} award: its "
                f"criteria need a CredentialRegistry that checks award criteria (version {wanted} or later), and "
                f"this deployment's is {version}",
                hint="deploy contracts 2.1.0 or later (`ledger deploy`); the file is checked and described by "
                     "`ledger type define --file FILE --dry-run`",
            )

    def types(self) -> list[dict[str, Any]]:
        return [self.type(t) for t in self.contracts.credentials.type_ids()]

    def type(self, type_id: int) -> dict[str, Any]:
        t = self.contracts.credentials.credential_type(type_id)
        if t.version == 0:
            raise ValidationError(f"type {type_id} is not defined", hint="see `ledger type list`")
        meta = self._load_metadata(t.meta_hash)
        shown: dict[str, Any] = {
            "type_id": t.type_id,
            "version": t.version,
            "name": meta.get("name", ""),
            "description": meta.get("description", ""),
            "field": FIELD_NAMES.get(t.field, str(t.field)),
            "level": t.level,
            "allowed_issuers": [
                k.name.lower() for k in type(t.allowed_kinds) if k.name is not None and k in t.allowed_kinds
            ],
            "criteria": criteria_table(t.criteria),
            "narrative": criteria_narrative(t.criteria),
            "prerequisites": list(t.prerequisites),
            "meta_hash": "0x" + t.meta_hash.hex(),
        }
        # Shown only when the definition gave them, so that the output can be defined again as it is.
        if isinstance(meta.get("achievementType"), str):
            shown["achievement_type"] = meta["achievementType"]
        if isinstance(meta.get("tags"), list):
            shown["tags"] = meta["tags"]
        # The award as the chain checks it (the metadata's table says the same when this workspace has it).
        award = AwardCriteria.from_criteria(t.criteria)
        if award is not None:
            shown["award"] = award.as_dict()
            shown["narrative"] = f"{award.narrative()} {shown['narrative']}".replace(
                " No machine-checked criteria.", "")
        elif isinstance(meta.get("award"), dict):
            shown["award"] = meta["award"]
        return shown

    def _store_metadata(self, document: dict[str, Any]) -> bytes:
        """Keep an off-chain metadata document in the workspace; return its on-chain hash."""

        digest = metadata_hash(document)
        path = self.settings.metadata_dir / f"0x{digest.hex()}.json"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(canonicalize(document))
        return digest

    def _load_metadata(self, digest: bytes) -> dict[str, Any]:
        import json

        path = self.settings.metadata_dir / f"0x{digest.hex()}.json"
        try:
            return dict(json.loads(path.read_text()))
        except (OSError, ValueError):
            return {}

