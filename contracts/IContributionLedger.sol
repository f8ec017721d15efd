// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.26;

import "./Common.sol";

/// @title Contributions to open-source work
/// @notice Active University and Community issuers record contributions in batches; a contribution
///         key (a hash of platform, repository and PR or commit) can be recorded once. Other active
///         issuers (maintainers, mentors) co-sign, once each. The recorder or the committee revokes.
/// @dev Storage per contribution is two words: the subject, and one packed word. The project is kept
///      on chain as a 128-bit tag (the first 16 bytes of keccak256(project)), enough to count distinct
///      projects (a collision can only merge two projects, never split one); the full project id and
///      the evidence hash are in the ContributionRecorded event.
interface IContributionLedger {
    /// @notice One contribution to record.
    struct Item {
        bytes32 key;
        bytes32 subject;
        bytes32 project;
        ContributionKind kind;
        uint8 field;
        uint16 weight;
        uint32 occurredAt;
        bytes32 evidenceHash;
    }

    /// @notice A contribution as stored (two words).
    struct Record {
        bytes32 subject;
        uint32 recorderId;
        ContributionKind kind;
        uint8 field;
        uint16 weight;
        uint32 occurredAt;
        uint16 coSignCount;
        ContributionStatus status;
        RevocationReason reason;
        bytes16 projectTag;
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
    event ContributionCoSigned(bytes32 indexed key, address indexed signer, uint16 coSignCount);
    event ContributionRevoked(bytes32 indexed key, address indexed by, RevocationReason reason);

    error RecorderKindNotAllowed(address recorder, IssuerKind kind);
    error ContributionExists(bytes32 key);
    error UnknownContribution(bytes32 key);
    error ContributionIsRevoked(bytes32 key);
    error RecorderCannotCoSign(bytes32 key, address signer);
    error SameOrganisationAsRecorder(bytes32 key, address signer);
    error AlreadyCoSigned(bytes32 key, address signer);
    error NotRecorder(bytes32 key, address caller);

    /// @notice Version of this contract.
    function version() external pure returns (string memory);

    /// @notice Record a batch of contributions; the whole batch reverts if any key was recorded before.
    /// @dev Caller: an active University or Community issuer whose ancestors are active.
    /// @param items The contributions.
    function record(Item[] calldata items) external;

    /// @notice Co-sign a contribution (a maintainer or mentor vouching for it). Caller: an active issuer
    ///         other than the recorder; once per signer.
    /// @param key Contribution key.
    function coSign(bytes32 key) external;

    /// @notice Revoke a contribution. Caller: its recorder (while active) or the committee.
    /// @param key Contribution key.
    /// @param reason Why (not None).
    function revoke(bytes32 key, RevocationReason reason) external;

    /// @notice One record as stored (status None if unknown).
    function contribution(bytes32 key) external view returns (Record memory);

    /// @notice Several records as stored, in the order of `keys`.
    function contributions(bytes32[] calldata keys) external view returns (Record[] memory);

    /// @notice Address of a contribution's recorder (zero if unknown).
    function recorderOf(bytes32 key) external view returns (address);

    /// @notice Addresses that co-signed a contribution, in order.
    function coSigners(bytes32 key) external view returns (address[] memory);

    /// @notice Whether `signer` co-signed the contribution.
    function hasCoSigned(bytes32 key, address signer) external view returns (bool);

    /// @notice The IssuerRegistry (the committee) this ledger trusts.
    function registry() external view returns (address);

    /// @notice Project tag stored for `project`: the first 16 bytes of keccak256(project).
    function projectTag(bytes32 project) external pure returns (bytes16);
}
