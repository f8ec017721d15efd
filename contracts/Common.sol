// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.26;

/// @title Shared types of the talent ledger
/// @notice Enums, structs, constants and errors used by more than one contract. The Python enums in
///         `ledger/types.py` mirror these one for one; keep both in the same order (values are what the
///         ABI carries).

/// @notice What an issuer is. `None` marks an unknown address.
enum IssuerKind {
    None,
    University,
    Community,
    Enterprise,
    Authority
}

/// @notice Lifecycle of an issuer (of its node: the status survives key rotation). `Retired` is final.
enum IssuerStatus {
    None,
    Active,
    Suspended,
    Retired
}

/// @notice The kind of work a contribution records (12 kinds; criteria count per kind).
enum ContributionKind {
    Code,
    Test,
    Docs,
    Review,
    ProjectManagement,
    Community,
    Mentoring,
    Translation,
    Design,
    Infrastructure,
    Security,
    Other
}

/// @notice Lifecycle of a contribution record. A released key is `None` again (its record is archived).
enum ContributionStatus {
    None,
    Active,
    Revoked
}

/// @notice Why a contribution, a credential or a batch was revoked or suspended. `None` only for
///         reinstatement. `KeyCompromised`: written by a key that was stolen.
enum RevocationReason {
    None,
    IssuedInError,
    Misconduct,
    Superseded,
    Expired,
    Other,
    KeyCompromised
}

/// @notice Status of a credential or batch leaf. `None`: never changed (valid if issued or anchored).
///         `Valid`: reinstated after a suspension. `Revoked` is final. A leaf's status is these two bits.
enum CredentialStatus {
    None,
    Valid,
    Suspended,
    Revoked
}

/// @notice State of a committee proposal. `Expired` is never stored: a pending proposal past its last
///         block reads as expired.
enum ProposalState {
    None,
    Pending,
    Executed,
    Cancelled,
    Expired
}

/// @notice How an issuer stands for the credentials it wrote at a given block: `Compromised` when its
///         key was compromised at or before that block, `Suspended` when it or an ancestor is suspended
///         now, `Unknown` for an address that never was an issuer.
enum Standing {
    Good,
    Unknown,
    Compromised,
    Suspended
}

/// @notice The on-chain verdict on a batch credential (IssuerRegistry.verifyBatchCredential), in the order
///         the checks run.
enum Verdict {
    Valid,
    UnknownBatch,
    IndexOutOfRange,
    ProofInvalid,
    IssuerCompromised,
    BatchRevoked,
    Suspended,
    Revoked
}

/// @notice One entry of an issuer's status history: the status in force at the end of `blockNumber`,
///         and whether the issuer was active at any moment of that block (a block can hold several
///         changes; an anchor accepted before a suspension in the same block was authorised).
struct StatusChange {
    uint64 blockNumber;
    IssuerStatus status;
    bool activeInBlock;
}

/// @notice One entry of an issuer's scope history for one certificate type: allowed at the end of
///         `blockNumber`, and whether it was allowed at any moment of that block.
struct ScopeChange {
    uint64 blockNumber;
    bool allowed;
    bool allowedInBlock;
}

/// @notice Machine-checkable criteria of a certificate type. Zero means "no requirement";
///         a zero window bound means "open on that side". Times are the contributions' `occurredAt`
///         (and, for an award by nominations, the nominations' block times).
///         `minCoSigns` counts organisations (top-level issuers), each once.
///         Awards: `minMentees` distinct subjects whose contributions the holder's evidence of the kinds in
///         `menteeKinds` (bit 1 << ContributionKind) is about (a mentor award); `minNominations`
///         organisations that nominated the holder for the type's current version (a community MVP
///         award); `awardFlags` bit 0 (AWARD_SELF_NOMINATION): the issuing organisation's own
///         nomination counts. Everything but `minPerKind` shares one storage word.
struct Criteria {
    uint16 minTotal;
    uint16 minDistinctProjects;
    uint8 minCoSigns;
    uint32 windowFrom;
    uint32 windowTo;
    uint16 minMentees;
    uint16 menteeKinds;
    uint8 minNominations;
    uint8 awardFlags;
    uint8[12] minPerKind;
}

// `Criteria.awardFlags` bit: the issuing organisation's own nomination counts towards `minNominations`.
uint8 constant AWARD_SELF_NOMINATION = 1;

// Number of `ContributionKind` values; the length of `Criteria.minPerKind`.
uint256 constant CONTRIBUTION_KINDS = 12;

/// @notice The caller is not the committee (the Committee contract executing an approved proposal).
error NotCommittee(address caller);

/// @notice A revocation or suspension needs a reason other than `None`.
error InvalidReason(RevocationReason reason);

/// @notice A batch call was given no items.
error EmptyBatch(uint256 count);

/// @notice No certificate type has this id.
error UnknownType(uint32 typeId);

/// @notice `caller` may not manage what `issuer` wrote: only the issuer's current key, its parent's
///         current key (both in good standing) or the committee may.
error NotManager(address issuer, address caller);
