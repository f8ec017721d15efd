"""A fixed snapshot of the chain's answers: :class:`StaticChainView`, made by :func:`snapshot`.

A verification bundle (``ledger verify --save-snapshot``) is such a snapshot as JSON: everything needed
to verify its credentials with no network, as of the block it names. It also stands in for the chain
in tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ledger.errors import ValidationError, VerificationError
from ledger.verify.chainview import (
    ACTIVE,
    UNKNOWN,
    AnchorRecord,
    Authorization,
    ChainView,
    CredentialRef,
    IssuanceRecord,
    KeyCompromise,
    StatusChange,
    StatusRecord,
    jsonable,
)
from ledger.verify.steps import credential_ref

if TYPE_CHECKING:
    from ledger.credentials.document import Credential


@dataclass(frozen=True)
class StaticChainView:
    """A :class:`ChainView` answering from a fixed snapshot of the chain's records.

    It is what a verification bundle carries (everything needed to verify without the network, as of
    ``head``), and the fake chain of the tests.
    """

    chain: int
    head: int
    anchors: Sequence[AnchorRecord] = ()
    authorizations: Sequence[Authorization] = ()
    status_changes: Sequence[StatusChange] = ()
    issuances: Sequence[IssuanceRecord] = ()
    #: False for a :func:`snapshot`: it holds each status as of ``head`` only, not its history.
    history_complete: bool = True
    #: The deployment's contract addresses (lower case), when known.
    addresses: frozenset[str] | None = None
    #: The credential hashes a :func:`snapshot` was made for (``None``: any). Another credential of the
    #: same batch is anchored there too, but its status was never asked: it is :data:`UNKNOWN`.
    covers: frozenset[bytes] | None = None
    #: Keys marked compromised, and since when.
    compromises: Sequence[KeyCompromise] = ()
    #: The block in which a deployment named its successor, by the lower-case address of any of its contracts.
    superseded: Mapping[str, int] = field(default_factory=dict)
    _anchors: dict[tuple[str, bytes], AnchorRecord] = field(init=False, repr=False, compare=False)
    _roots: dict[bytes, AnchorRecord] = field(init=False, repr=False, compare=False)
    _issuances: dict[bytes, IssuanceRecord] = field(init=False, repr=False, compare=False)
    _marks: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_anchors", {(a.issuer.lower(), a.root): a for a in self.anchors})
        object.__setattr__(self, "_roots", {a.root: a for a in self.anchors})
        object.__setattr__(self, "_issuances", {i.credential_hash: i for i in self.issuances})
        object.__setattr__(self, "_marks", {c.key.lower(): c.since for c in self.compromises})

    def chain_id(self) -> int:
        return self.chain

    def contract_addresses(self) -> frozenset[str] | None:
        return self.addresses

    def block_number(self) -> int:
        return self.head

    def anchor(self, issuer: str, root: bytes, contract: str | None = None) -> AnchorRecord | None:
        # By issuer and root, as the contracts key anchors; by root alone, a record under another issuer
        # (the verification then says ISSUER_MISMATCH).
        found = self._anchors.get((issuer.lower(), root)) or self._roots.get(root)
        return found if found is not None and found.block <= self.head else None

    def compromised_since(self, key: str, contract: str | None = None) -> int | None:
        return self._marks.get(key.lower())

    def superseded_at(self, contract: str) -> int | None:
        return self.superseded.get(contract.lower())

    def is_authorized(self, issuer: str, type_id: int, block: int, contract: str | None = None) -> bool:
        who = issuer.lower()
        return any(
            a.issuer.lower() == who
            and a.type_id == type_id
            and a.since <= block
            and (a.until is None or block < a.until)
            for a in self.authorizations
        )

    def status(self, ref: CredentialRef, block: int | None = None) -> StatusRecord:
        if self.covers is not None and ref.credential_hash not in self.covers:
            return StatusRecord(UNKNOWN)
        at = self.head if block is None else min(block, self.head)
        if at < self.head and not self.history_complete:
            raise VerificationError(
                f"this snapshot holds statuses as of block {self.head} only, not at block {at}",
                hint="verify against the chain or the index for an earlier moment",
            )
        changes = sorted((c for c in self.status_changes if _concerns(c, ref) and c.block <= at), key=lambda c: c.block)
        if not changes:
            return StatusRecord()
        last = changes[-1]
        return StatusRecord(last.status, last.reason, last.block)

    def checked_issuance(self, issuer: str, credential_hash: bytes, contract: str | None = None
                         ) -> IssuanceRecord | None:
        found = self._issuances.get(credential_hash)
        return found if found is not None and found.block <= self.head else None

    def to_dict(self) -> dict[str, Any]:
        """The snapshot as JSON-able data: a verification bundle (hashes as 0x hex)."""
        return {
            "type": BUNDLE_TYPE,
            "chainId": self.chain,
            "asOfBlock": self.head,
            "historyComplete": self.history_complete,
            **({"contracts": sorted(self.addresses)} if self.addresses is not None else {}),
            **({"covers": sorted("0x" + h.hex() for h in self.covers)} if self.covers is not None else {}),
            "anchors": [_record_dict(a) for a in self.anchors],
            "authorizations": [_record_dict(a) for a in self.authorizations],
            "statusChanges": [_record_dict(c) for c in self.status_changes],
            "issuances": [_record_dict(i) for i in self.issuances],
            **({"compromises": [_record_dict(c) for c in self.compromises]} if self.compromises else {}),
            **({"superseded": dict(sorted(self.superseded.items()))} if self.superseded else {}),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StaticChainView:
        """Read a bundle written by :meth:`to_dict`.

        Raises:
            ValidationError: the data is not a verification bundle.
        """
        try:
            if data.get("type") != BUNDLE_TYPE:
                raise ValueError(f"type is not {BUNDLE_TYPE!r}")
            return cls(
                _int(data["chainId"]),
                _int(data["asOfBlock"]),
                tuple(AnchorRecord(**_record_args(a)) for a in data["anchors"]),
                tuple(Authorization(**_record_args(a)) for a in data["authorizations"]),
                tuple(StatusChange(**_record_args(c)) for c in data["statusChanges"]),
                tuple(IssuanceRecord(**_record_args(i)) for i in data["issuances"]),
                bool(data.get("historyComplete", True)),
                _addresses(data["contracts"]) if "contracts" in data else None,
                _hashes(data["covers"]) if "covers" in data else None,
                tuple(KeyCompromise(**_record_args(c)) for c in data.get("compromises", ())),
                _superseded(data.get("superseded", {})),
            )
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise ValidationError(f"not a verification bundle: {exc}") from exc


def _concerns(change: StatusChange, ref: CredentialRef) -> bool:
    """Whether a snapshot's status change is of the credential ``ref``: by root and leaf index for a leaf
    of a contracts-v2 batch, by hash otherwise (checked credentials, contracts-v1 leaves)."""
    if change.root is not None and change.index is not None:
        return change.root == ref.root and change.index == ref.index and (
            change.issuer is None or change.issuer.lower() == ref.issuer.lower())
    return change.credential_hash == ref.credential_hash


def _superseded(values: Any) -> dict[str, int]:
    if not isinstance(values, dict) or not all(isinstance(k, str) and len(k) == 42 and type(v) is int
                                               for k, v in values.items()):
        raise ValueError("superseded must map contract addresses to block numbers")
    return {k.lower(): v for k, v in values.items()}


def _hashes(values: Any) -> frozenset[bytes]:
    if not isinstance(values, list) or not all(isinstance(v, str) and len(v) == 66 and v[:2] == "0x" for v in values):
        raise ValueError("covers must be a list of 32-byte 0x hashes")
    return frozenset(bytes.fromhex(v[2:]) for v in values)


def _addresses(values: Any) -> frozenset[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) and len(v) == 42 for v in values):
        raise ValueError("contracts must be a list of addresses")
    return frozenset(v.lower() for v in values)


#: ``type`` of a serialized :class:`StaticChainView`.
BUNDLE_TYPE = "LedgerVerificationBundle"


_BYTES_FIELDS = {"root", "transaction", "credential_hash", "subject"}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _record_dict(record: Any) -> dict[str, Any]:
    return {_camel(name): jsonable(getattr(record, name)) for name in record.__dataclass_fields__}


def _int(value: Any) -> int:
    if type(value) is not int:
        raise ValueError(f"{value!r} is not an integer")
    return value


def _from_json(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in _BYTES_FIELDS:
        if not isinstance(value, str) or not value.startswith("0x"):
            raise ValueError(f"{name} must be 0x hex")
        return bytes.fromhex(value[2:])
    if name == "contribution_keys":
        return tuple(bytes.fromhex(k[2:]) for k in value)
    if name == "prerequisites":  # (issuer, hash) of each component
        return tuple((str(issuer), bytes.fromhex(digest[2:])) for issuer, digest in value)
    return value


def _record_args(data: Mapping[str, Any]) -> dict[str, Any]:
    snake = {
        "".join("_" + c.lower() if c.isupper() else c for c in key): value for key, value in data.items()
    }
    return {name: _from_json(name, value) for name, value in snake.items()}


def snapshot(credentials: Iterable[Credential], chain: ChainView) -> StaticChainView:
    """Ask ``chain`` every question that verifying ``credentials`` needs and keep the answers.

    The result verifies those credentials without the network, as of the chain's current block (a
    verification bundle; serialize it with :meth:`StaticChainView.to_dict`). It records each status as
    of that block only, so it cannot answer for an earlier block.
    """
    credentials = list(credentials)
    head, chain_id = chain.block_number(), chain.chain_id()
    anchors: dict[tuple[str, bytes], AnchorRecord] = {}
    issuances: dict[bytes, IssuanceRecord] = {}
    authorizations: dict[tuple[str, int, int], Authorization] = {}
    marks: dict[str, KeyCompromise] = {}
    superseded: dict[str, int] = {}
    changes: list[StatusChange] = []
    components: set[bytes] = set()
    for credential in credentials:
        proof = credential.proof
        if proof is None:
            continue
        ref = credential_ref(credential)
        record: AnchorRecord | IssuanceRecord | None
        if ref.root is not None:
            key = (ref.issuer.lower(), ref.root)
            record = anchors.get(key) or chain.anchor(ref.issuer, ref.root, proof.contract)
            if record is not None:
                anchors[key] = record
        else:
            record = chain.checked_issuance(ref.issuer, credential.hash, proof.contract)
            if record is not None:
                issuances[credential.hash] = record
                for issuer, component in record.prerequisites or ():  # a stacked certificate: its components
                    if component not in components:
                        components.add(component)
                        held = chain.status(CredentialRef(issuer, component, contract=proof.contract), None)
                        if held.status != ACTIVE:
                            changes.append(StatusChange(component, held.status, head if held.block is None
                                                        else held.block, held.reason))
                        # ... and who issued it when, against its issuer's compromise mark.
                        issued = chain.checked_issuance(issuer, component, proof.contract)
                        if issued is not None:
                            issuances.setdefault(component, issued)
                        if issuer.lower() not in marks:
                            since = chain.compromised_since(issuer, proof.contract)
                            if since:
                                marks[issuer.lower()] = KeyCompromise(issuer, since)
        if record is None:
            continue
        type_id = credential.achievement.type_id
        key3 = (record.issuer.lower(), type_id, record.block)
        if key3 not in authorizations and chain.is_authorized(record.issuer, type_id, record.block, proof.contract):
            authorizations[key3] = Authorization(record.issuer, type_id, record.block, record.block + 1)
        revoker = record.revoked_by if isinstance(record, AnchorRecord) else None
        for who in (record.issuer, revoker):
            if who is not None and who.lower() not in marks:
                since = chain.compromised_since(who, proof.contract)
                if since:
                    marks[who.lower()] = KeyCompromise(who, since)
        named = chain.superseded_at(proof.contract)
        if named is not None:
            superseded[proof.contract.lower()] = named
        state = chain.status(ref, None)
        if state.status != ACTIVE:
            block = head if state.block is None else state.block
            changes.append(StatusChange(credential.hash, state.status, block, state.reason, ref.root, ref.index,
                                        ref.issuer if ref.root is not None else None))
    return StaticChainView(
        chain_id,
        head,
        tuple(anchors.values()),
        tuple(authorizations.values()),
        tuple(changes),
        tuple(issuances.values()),
        history_complete=False,
        addresses=chain.contract_addresses(),
        covers=frozenset(c.hash for c in credentials if c.proof is not None) | frozenset(components),
        compromises=tuple(marks.values()),
        superseded=superseded,
    )
