"""Python mirrors of the contracts' enums (``contracts/Common.sol``) and the records read from chain.

The enums keep Solidity's order: their integer values are what the ABI carries. The dataclasses are
frozen value objects built by the facades of ``ledger.contracts`` from call results; addresses are EIP-55
checksummed strings and 32-byte values are ``bytes``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, IntFlag

#: Scope entry of an Authority issuer that covers every certificate type.
ANY_TYPE = 0
#: Deepest child issuer below a top-level issuer.
MAX_ISSUER_DEPTH = 3


class IssuerKind(IntEnum):
    """What an issuer is; ``NONE`` marks an unknown address."""

    NONE = 0
    UNIVERSITY = 1
    COMMUNITY = 2
    ENTERPRISE = 3
    AUTHORITY = 4


class IssuerKinds(IntFlag):
    """Bitmask of issuer kinds a certificate type allows: bit ``1 << IssuerKind``."""

    UNIVERSITY = 1 << IssuerKind.UNIVERSITY
    COMMUNITY = 1 << IssuerKind.COMMUNITY
    ENTERPRISE = 1 << IssuerKind.ENTERPRISE
    AUTHORITY = 1 << IssuerKind.AUTHORITY

    @classmethod
    def of(cls, *kinds: IssuerKind) -> IssuerKinds:
        """The mask allowing exactly ``kinds``."""
        mask = cls(0)
        for kind in kinds:
            mask |= cls(1 << int(kind))
        return mask


class IssuerStatus(IntEnum):
    """Lifecycle of an issuer; ``RETIRED`` is final."""

    NONE = 0
    ACTIVE = 1
    SUSPENDED = 2
    RETIRED = 3


class ContributionKind(IntEnum):
    """The kind of work a contribution records."""

    CODE = 0
    TEST = 1
    DOCS = 2
    REVIEW = 3
    PROJECT_MANAGEMENT = 4
    COMMUNITY = 5
    MENTORING = 6
    TRANSLATION = 7
    DESIGN = 8
    INFRASTRUCTURE = 9
    SECURITY = 10
    OTHER = 11


#: Number of contribution kinds (the length of ``Criteria.min_per_kind``).
CONTRIBUTION_KINDS = len(ContributionKind)
#: ``Criteria.award_flags`` bit: the issuing organisation's own nomination counts towards ``min_nominations``.
AWARD_SELF_NOMINATION = 1


class ContributionStatus(IntEnum):
    """Lifecycle of a contribution record."""

    NONE = 0
    ACTIVE = 1
    REVOKED = 2


class RevocationReason(IntEnum):
    """Why something was revoked or suspended; ``NONE`` only when reinstating. ``KEY_COMPROMISED``:
    written by a key that was stolen."""

    NONE = 0
    ISSUED_IN_ERROR = 1
    MISCONDUCT = 2
    SUPERSEDED = 3
    EXPIRED = 4
    OTHER = 5
    KEY_COMPROMISED = 6


class CredentialStatus(IntEnum):
    """Status of a credential or batch leaf. ``NONE``: never changed (valid if issued or anchored);
    ``VALID``: reinstated after a suspension; ``REVOKED`` is final. A leaf's status is these two bits."""

    NONE = 0
    VALID = 1
    SUSPENDED = 2
    REVOKED = 3


class ProposalState(IntEnum):
    """State of a committee proposal; ``EXPIRED`` is derived (a pending proposal past its last block)."""

    NONE = 0
    PENDING = 1
    EXECUTED = 2
    CANCELLED = 3
    EXPIRED = 4


class Standing(IntEnum):
    """How an issuer key stands for what it wrote at a block (``IssuerRegistry.standing``)."""

    GOOD = 0
    UNKNOWN = 1
    COMPROMISED = 2
    SUSPENDED = 3


class Verdict(IntEnum):
    """The chain's verdict on a batch credential (``CredentialRegistry.verifyBatchCredential``), in the
    order the checks run."""

    VALID = 0
    UNKNOWN_BATCH = 1
    INDEX_OUT_OF_RANGE = 2
    PROOF_INVALID = 3
    ISSUER_COMPROMISED = 4
    BATCH_REVOKED = 5
    SUSPENDED = 6
    REVOKED = 7


@dataclass(frozen=True)
class Issuer:
    """An issuer key and its node in the IssuerRegistry (``exists`` false for an unknown address).

    An issuer is a *node* (stable id ``node``: its first key's id; kind, parent, scope, status) that signs
    with one *current key*; ``id`` is this key's own id. ``status``, ``any_scope`` and ``committee_hold``
    are the node's, read through its current key; ``rotated`` and ``compromised`` are this key's.
    """

    address: str
    id: int
    node: int
    kind: IssuerKind
    status: IssuerStatus
    parent: str | None
    depth: int
    any_scope: bool
    meta_hash: bytes
    #: The committee suspended or retired it: its parent cannot reactivate it.
    committee_hold: bool = False
    parent_node: int = 0
    current_key: str | None = None
    rotated: bool = False
    compromised: bool = False
    active_from: int = 0
    #: The block this key was rotated out in (0 while it is the current key).
    active_until: int = 0
    #: The first block whose writes of this key are void (0: never marked).
    compromised_since: int = 0

    @property
    def exists(self) -> bool:
        return self.id != 0


@dataclass(frozen=True)
class KeyInfo:
    """When a key held its node's authority and since when it is compromised (0: not)."""

    active_from: int
    active_until: int
    compromised_since: int


@dataclass(frozen=True)
class StatusChange:
    """One entry of an issuer's status history: the status at the end of the block, and whether the
    node was active at any moment of it."""

    block_number: int
    status: IssuerStatus
    active_in_block: bool = False


@dataclass(frozen=True)
class ScopeChange:
    """One entry of an issuer's scope history for one type: allowed at the end of the block, and at
    any moment of it."""

    block_number: int
    allowed: bool
    allowed_in_block: bool = False


@dataclass(frozen=True)
class Proposal:
    """A committee proposal; ``approvals`` counts current members in their current terms, ``state``
    is derived (``EXPIRED`` for a pending one past ``expires_at``, its last block)."""

    id: int
    proposer: str
    target: str
    state: ProposalState
    created_block: int
    expires_at: int
    data: bytes
    approvals: int

    @property
    def executed(self) -> bool:
        return self.state == ProposalState.EXECUTED

    @property
    def open(self) -> bool:
        """Pending and not expired: it can still be approved, executed or cancelled."""
        return self.state == ProposalState.PENDING


@dataclass(frozen=True)
class ChildOffer:
    """A pending child offer: the hash of its terms and the offering key's id (``terms`` zero: none)."""

    terms: bytes
    by: int

    @property
    def exists(self) -> bool:
        return self.terms != b"\0" * 32


@dataclass(frozen=True)
class SuccessorOffer:
    """A pending successor offer; ``by`` is the offering key's id, 0 for the committee."""

    offered: bool
    by: int


@dataclass(frozen=True)
class ContributionItem:
    """One contribution to record (the ``record`` batch item)."""

    key: bytes
    subject: bytes
    project: bytes
    kind: ContributionKind
    field: int
    weight: int
    occurred_at: int
    evidence_hash: bytes
    #: The key of the contribution this one is about (a review: the pull request reviewed), zero for none.
    about: bytes = bytes(32)

    def as_tuple(self) -> tuple[bytes, bytes, bytes, int, int, int, int, bytes, bytes]:
        return (
            self.key,
            self.subject,
            self.project,
            int(self.kind),
            self.field,
            self.weight,
            self.occurred_at,
            self.evidence_hash,
            self.about,
        )


@dataclass(frozen=True)
class Contribution:
    """A contribution as stored on chain (the full project id and evidence are in the event).

    ``recorder_id`` is the recording key's id, ``recorded_at`` the block, ``co_sign_orgs`` the number of
    organisations that co-signed, ``generation`` the number of times the key was released before;
    ``project_tag`` is the first 12 bytes of H(project).
    """

    key: bytes
    subject: bytes
    recorder_id: int
    kind: ContributionKind
    field: int
    weight: int
    occurred_at: int
    recorded_at: int
    co_sign_orgs: int
    status: ContributionStatus
    reason: RevocationReason
    generation: int
    project_tag: bytes

    @property
    def exists(self) -> bool:
        return self.status != ContributionStatus.NONE


@dataclass(frozen=True)
class CoSign:
    """One organisation's co-sign of a contribution: the signing key's id, the organisation (its
    top-level node id) and the block."""

    signer_id: int
    org: int
    block_number: int


@dataclass(frozen=True)
class ContributionEvidence:
    """What a criteria check reads of a contribution (``ContributionLedger.evidence``)."""

    key: bytes
    subject: bytes
    recorder_id: int
    kind: ContributionKind
    occurred_at: int
    status: ContributionStatus
    project_tag: bytes
    recorder_compromised: bool
    valid_co_signs: int


@dataclass(frozen=True)
class Criteria:
    """Machine-checkable criteria of a certificate type (zero: no requirement / open window).

    Awards: ``min_mentees`` distinct people whose recorded work the holder's evidence of the kinds in
    ``mentee_kinds`` (a bitmask over :class:`ContributionKind`) is about (a mentor award);
    ``min_nominations`` organisations that nominated the holder on chain (a community MVP award);
    ``award_flags`` bit :data:`AWARD_SELF_NOMINATION`: the issuing organisation's own nomination counts.
    """

    min_total: int = 0
    min_distinct_projects: int = 0
    min_co_signs: int = 0
    window_from: int = 0
    window_to: int = 0
    min_per_kind: tuple[int, ...] = (0,) * CONTRIBUTION_KINDS
    min_mentees: int = 0
    mentee_kinds: int = 0
    min_nominations: int = 0
    award_flags: int = 0

    def __post_init__(self) -> None:
        if len(self.min_per_kind) != CONTRIBUTION_KINDS:
            raise ValueError(f"min_per_kind needs {CONTRIBUTION_KINDS} entries, got {len(self.min_per_kind)}")

    @property
    def is_award(self) -> bool:
        return bool(self.min_mentees or self.min_nominations)

    def as_tuple(self) -> tuple[int, int, int, int, int, int, int, int, int, list[int]]:
        """The ABI tuple (the Solidity struct's order: the award fields before ``minPerKind``)."""
        return (
            self.min_total,
            self.min_distinct_projects,
            self.min_co_signs,
            self.window_from,
            self.window_to,
            self.min_mentees,
            self.mentee_kinds,
            self.min_nominations,
            self.award_flags,
            list(self.min_per_kind),
        )

    @classmethod
    def with_kinds(cls, per_kind: dict[ContributionKind, int], **kwargs: int) -> Criteria:
        """Criteria with minimum counts for some kinds (others 0)."""
        counts = [0] * CONTRIBUTION_KINDS
        for kind, n in per_kind.items():
            counts[int(kind)] = n
        return cls(min_per_kind=tuple(counts), **kwargs)


@dataclass(frozen=True)
class Nomination:
    """A live nomination for an award by nominations: the nominating key, its organisation (top-level node
    id) and the block."""

    type_id: int
    version: int
    subject: bytes
    nominator: str
    org: int
    block_number: int


@dataclass(frozen=True)
class CredentialType:
    """A certificate type (talent standard) as defined now; version 0 means undefined."""

    type_id: int
    version: int
    field: int
    level: int
    allowed_kinds: IssuerKinds
    criteria: Criteria
    prerequisites: tuple[int, ...]
    meta_hash: bytes

    @property
    def exists(self) -> bool:
        return self.version != 0


@dataclass(frozen=True)
class Anchor:
    """A batch anchored by ``issuer`` (a key) with ``root``; ``block_number`` 0 if there is none.

    ``revoked_by`` is the revoking key's id, 0 for the committee.
    """

    issuer: str
    root: bytes
    type_id: int
    count: int
    block_number: int
    revoked: bool = False
    reason: RevocationReason = RevocationReason.NONE
    revoked_block: int = 0
    revoked_by: int = 0

    @property
    def exists(self) -> bool:
        return self.block_number != 0


@dataclass(frozen=True)
class IssuedCredential:
    """A credential issued by the criteria-checked ``issue``, keyed by (issuer key, hash)."""

    issuer: str
    credential_hash: bytes
    subject: bytes
    type_id: int
    type_version: int
    block_number: int
    issuer_id: int = 0

    @property
    def exists(self) -> bool:
        return self.block_number != 0


@dataclass(frozen=True)
class CredentialStatusRecord:
    """A status change of a credential issued by ``issue``: ``by`` is the changing key's id (0: the
    committee). ``status_of`` answers the change in force (status ``NONE`` when none counts)."""

    issuer: str
    credential_hash: bytes
    status: CredentialStatus
    reason: RevocationReason
    block_number: int
    by: int = 0


@dataclass(frozen=True)
class Prerequisite:
    """A credential named as a prerequisite of a checked issuance: its issuer key and hash."""

    issuer: str
    credential_hash: bytes

    def as_tuple(self) -> tuple[str, bytes]:
        return (self.issuer, self.credential_hash)
