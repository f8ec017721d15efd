"""Python mirrors of the contracts' enums (``contracts/Common.sol``) and the records read from chain.

The enums keep Solidity's order: their integer values are what the ABI carries. The dataclasses are
frozen value objects built by ``ledger.contracts.deployment`` from call results; addresses are EIP-55
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


class ContributionStatus(IntEnum):
    """Lifecycle of a contribution record."""

    NONE = 0
    ACTIVE = 1
    REVOKED = 2


class RevocationReason(IntEnum):
    """Why something was revoked or suspended; ``NONE`` only when reinstating."""

    NONE = 0
    ISSUED_IN_ERROR = 1
    MISCONDUCT = 2
    SUPERSEDED = 3
    EXPIRED = 4
    OTHER = 5


class CredentialStatus(IntEnum):
    """Status of a credential. ``NONE``: never changed (valid if issued or anchored);
    ``VALID``: reinstated after a suspension; ``REVOKED`` is final."""

    NONE = 0
    VALID = 1
    SUSPENDED = 2
    REVOKED = 3


@dataclass(frozen=True)
class Issuer:
    """An issuer's current state in the IssuerRegistry."""

    address: str
    id: int
    kind: IssuerKind
    status: IssuerStatus
    parent: str | None
    depth: int
    any_scope: bool
    meta_hash: bytes
    #: The committee suspended or retired it: its parent cannot reactivate it.
    committee_hold: bool = False

    @property
    def exists(self) -> bool:
        return self.id != 0


@dataclass(frozen=True)
class StatusChange:
    """One entry of an issuer's status history."""

    block_number: int
    status: IssuerStatus


@dataclass(frozen=True)
class ScopeChange:
    """One entry of an issuer's scope history for one type."""

    block_number: int
    allowed: bool


@dataclass(frozen=True)
class Proposal:
    """A committee proposal, with approvals counted among current members."""

    id: int
    proposer: str
    target: str
    executed: bool
    created_block: int
    data: bytes
    approvals: int


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

    def as_tuple(self) -> tuple[bytes, bytes, bytes, int, int, int, int, bytes]:
        return (
            self.key,
            self.subject,
            self.project,
            int(self.kind),
            self.field,
            self.weight,
            self.occurred_at,
            self.evidence_hash,
        )


@dataclass(frozen=True)
class Contribution:
    """A contribution as stored on chain (the full project id and evidence are in the event)."""

    key: bytes
    subject: bytes
    recorder_id: int
    kind: ContributionKind
    field: int
    weight: int
    occurred_at: int
    co_sign_count: int
    status: ContributionStatus
    reason: RevocationReason
    project_tag: bytes

    @property
    def exists(self) -> bool:
        return self.status != ContributionStatus.NONE


@dataclass(frozen=True)
class Criteria:
    """Machine-checkable criteria of a certificate type (zero: no requirement / open window)."""

    min_total: int = 0
    min_distinct_projects: int = 0
    min_co_signs: int = 0
    window_from: int = 0
    window_to: int = 0
    min_per_kind: tuple[int, ...] = (0,) * CONTRIBUTION_KINDS

    def __post_init__(self) -> None:
        if len(self.min_per_kind) != CONTRIBUTION_KINDS:
            raise ValueError(f"min_per_kind needs {CONTRIBUTION_KINDS} entries, got {len(self.min_per_kind)}")

    def as_tuple(self) -> tuple[int, int, int, int, int, list[int]]:
        return (
            self.min_total,
            self.min_distinct_projects,
            self.min_co_signs,
            self.window_from,
            self.window_to,
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
    """An anchored batch root."""

    root: bytes
    issuer: str | None
    type_id: int
    count: int
    block_number: int

    @property
    def exists(self) -> bool:
        return self.issuer is not None


@dataclass(frozen=True)
class IssuedCredential:
    """A credential issued by the criteria-checked ``issue``."""

    credential_hash: bytes
    subject: bytes
    issuer: str | None
    type_id: int
    type_version: int
    block_number: int

    @property
    def exists(self) -> bool:
        return self.issuer is not None


@dataclass(frozen=True)
class CredentialStatusRecord:
    """The last status change of a credential (``root`` is 32 zero bytes for an issued one)."""

    root: bytes
    credential_hash: bytes
    status: CredentialStatus
    reason: RevocationReason
    block_number: int
