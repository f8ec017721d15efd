// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.26;

import "./Common.sol";

/// @title Contributions to open-source work
/// @notice University and Community issuers in good standing record contributions in batches; a
///         contribution key (a hash of platform, repository and PR or commit) can be recorded once while
///         its record lives. Issuers of other organisations (maintainers, mentors) co-sign, once per
///         organisation (top-level issuer). The recorder's managers or the committee revoke; the
///         committee can release a revoked key (its record is archived) so the rightful recorder can
///         record it.
/// @dev Storage per contribution is two words: the subject, and one packed word. The project is kept on
///      chain as a 96-bit tag (the first 12 bytes of H(project), H = keccak256 or SM3 on SM chains),
///      enough to count distinct projects (a collision can only merge two projects, never split one);
///      the full project id and the evidence hash are in the ContributionRecorded event. A contribution
///      may be *about* another (a review about the pull request it reviewed, a mentoring about the
///      mentee's work): a third word, written only when `about` is not zero, so that a mentor award can
///      count the distinct people whose work the holder reviewed or mentored.
interface IContributionLedger {
    /// @notice One contribution to record. `about`: the key of the contribution this one is about (a
    ///         review: the pull request reviewed; a mentoring: the mentee's contribution), zero for none; it
    ///         must be recorded (earlier, or earlier in the same batch).
    struct Item {
        bytes32 key;
        bytes32 subject;
        bytes32 project;
        ContributionKind kind;
        uint8 field;
        uint16 weight;
        uint32 occurredAt;
        bytes32 evidenceHash;
        bytes32 about;
    }

    /// @notice A contribution as stored (two words). `recorderId` is the recording key's id,
    ///         `recordedAt` the block, `coSignOrgs` the number of organisations that co-signed,
    ///         `generation` the number of times the key was released before.
    struct Record {
        bytes32 subject;
        uint32 recorderId;
        ContributionKind kind;
        uint8 field;
        uint16 weight;
        uint32 occurredAt;
        uint32 recordedAt;
        uint8 coSignOrgs;
        ContributionStatus status;
        RevocationReason reason;
        uint8 generation;
        bytes12 projectTag;
    }

    /// @notice One organisation's co-sign: the signing key's id, the organisation, the block.
    struct CoSign {
        uint32 signerId;
        uint32 org;
        uint64 blockNumber;
    }

    /// @notice What a criteria check needs of a contribution: the record, whether its recorder key was
    ///         compromised when it recorded it, and how many organisations co-signed with keys that
    ///         were not compromised when they signed.
    struct Evidence {
        bytes32 subject;
        uint32 recorderId;
        ContributionKind kind;
        uint32 occurredAt;
        ContributionStatus status;
        bytes12 projectTag;
        bool recorderCompromised;
        uint16 validCoSigns;
    }

    event ContributionRecorded(
        bytes32 indexed key,
        bytes32 indexed subject,
        address indexed recorder,
        bytes32 project,
        ContributionKind kind,
        uint8 field,
        uint16 weight,
        uint32 occurredAt,
        bytes32 evidenceHash
    );
    /// @notice Contribution `key` is about contribution `about` (emitted after its ContributionRecorded,
    ///         only when `about` is not zero).
    event ContributionAbout(bytes32 indexed key, bytes32 indexed about);
    /// @notice A new co-sign of `org`, or the replacement of its earlier co-sign by a key that was
    ///         compromised when it signed.
    event ContributionCoSigned(bytes32 indexed key, address indexed signer, uint32 indexed org);
    event ContributionRevoked(bytes32 indexed key, address indexed by, RevocationReason reason);
    /// @notice The record of `key` was archived as generation `generation`; the key can be recorded again.
    event ContributionReleased(bytes32 indexed key, uint8 generation);

    error RecorderKindNotAllowed(address recorder, IssuerKind kind);
    error ContributionExists(bytes32 key);
    error UnknownContribution(bytes32 key);
    error ContributionIsRevoked(bytes32 key);
    error ContributionNotRevoked(bytes32 key, ContributionStatus status);
    error RecorderCannotCoSign(bytes32 key, address signer);
    error SameOrganisationAsRecorder(bytes32 key, address signer);
    error AlreadyCoSignedByOrganisation(bytes32 key, uint32 org, address signer);
    error TooManyCoSigns(bytes32 key);
    error ReleaseLimitReached(bytes32 key);
    error AboutNotFound(bytes32 key, bytes32 about);

    /// @notice Version of this contract.
    function version() external pure returns (string memory);

    /// @notice Record a batch of contributions; the whole batch reverts if any key is recorded already,
    ///         or if an item's non-zero `about` names no recorded contribution (AboutNotFound).
    /// @dev Caller: a University or Community key in good standing (IssuerRegistry.writer).
    /// @param items The contributions.
    function record(Item[] calldata items) external;

    /// @notice Co-sign a contribution (a maintainer or mentor vouching for it), once per organisation.
    /// @dev Caller: a key in good standing of another organisation than the recorder's. An organisation's
    ///      co-sign made by a key compromised at the time can be replaced by another of its keys.
    /// @param key Contribution key.
    function coSign(bytes32 key) external;

    /// @notice Revoke a contribution.
    /// @dev Caller: a manager of the recording key (its node's current key, its parent's) in good
    ///      standing, or the committee.
    /// @param key Contribution key.
    /// @param reason Why (not None).
    function revoke(bytes32 key, RevocationReason reason) external;

    /// @notice Committee only: archive a revoked record (`archived(key, generation)` keeps it, events
    ///         keep its history) and free its key, so that the rightful recorder can record it.
    function release(bytes32 key) external;

    /// @notice One live record as stored (status None if unknown or released).
    function contribution(bytes32 key) external view returns (Record memory);

    /// @notice Several live records as stored, in the order of `keys`.
    function contributions(bytes32[] calldata keys) external view returns (Record[] memory);

    /// @notice An archived record of `key`: the one released as generation `generation`.
    function archived(bytes32 key, uint8 generation) external view returns (Record memory);

    /// @notice Criteria evidence of several live records, in the order of `keys` (see Evidence).
    function evidence(bytes32[] calldata keys) external view returns (Evidence[] memory);

    /// @notice What each live record is about (zero: nothing, or unknown), in the order of `keys`.
    function aboutOf(bytes32[] calldata keys) external view returns (bytes32[] memory);

    /// @notice Co-signs of the live record, one per organisation, in order.
    function coSigns(bytes32 key) external view returns (CoSign[] memory);

    /// @notice Addresses of the keys that co-signed the live record, in order.
    function coSigners(bytes32 key) external view returns (address[] memory);

    /// @notice Whether `signer` co-signed the live record (for its organisation).
    function hasCoSigned(bytes32 key, address signer) external view returns (bool);

    /// @notice Address of the key that recorded the live record (zero if none).
    function recorderOf(bytes32 key) external view returns (address);

    /// @notice The IssuerRegistry this ledger asks about writers.
    function registry() external view returns (address);

    /// @notice The Committee this ledger obeys.
    function committee() external view returns (address);

    /// @notice Project tag stored for `project`: the first 12 bytes of H(project).
    function projectTag(bytes32 project) external pure returns (bytes12);
}
