// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.26;

/// @title Shared types of the talent ledger
/// @notice Enums, structs and errors used by more than one contract. The Python enums in
///         `ledger/types.py` mirror these one for one; keep both in the same order.

/// @notice What an issuer is. `None` marks an unknown address.
enum IssuerKind {
    None,
    University,
    Community,
    Enterprise,
    Authority
}

/// @notice Lifecycle of an issuer. `Retired` is final.
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

/// @notice Lifecycle of a contribution record.
enum ContributionStatus {
    None,
    Active,
    Revoked
}

/// @notice Why a contribution or a credential was revoked or suspended. `None` only for reinstatement.
enum RevocationReason {
    None,
    IssuedInError,
    Misconduct,
    Superseded,
    Expired,
    Other
}

/// @notice Status of a credential. `None`: never changed (a batch leaf is then valid if its root is
///         anchored). `Valid`: issued, or reinstated after a suspension. `Revoked` is final.
enum CredentialStatus {
    None,
    Valid,
    Suspended,
    Revoked
}

/// @notice One entry of an issuer's append-only status history.
struct StatusChange {
    uint64 blockNumber;
    IssuerStatus status;
}

/// @notice One entry of an issuer's append-only scope history for one certificate type.
struct ScopeChange {
    uint64 blockNumber;
    bool allowed;
}

/// @notice Machine-checkable criteria of a certificate type. Zero means "no requirement";
///         a zero window bound means "open on that side". Times are the contributions' `occurredAt`.
struct Criteria {
    uint16 minTotal;
    uint16 minDistinctProjects;
    uint8 minCoSigns;
    uint32 windowFrom;
    uint32 windowTo;
    uint8[12] minPerKind;
}

// Number of `ContributionKind` values; the length of `Criteria.minPerKind`.
uint256 constant CONTRIBUTION_KINDS = 12;

/// @notice The caller is not the committee (the IssuerRegistry executing an approved proposal).
error NotCommittee(address caller);

/// @notice A revocation or suspension needs a reason other than `None`.
error InvalidReason(RevocationReason reason);

/// @notice A batch call was given no items.
error EmptyBatch(uint256 count);
