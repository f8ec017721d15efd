// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.26;

import "./Common.sol";
import "./IContributionLedger.sol";
import "./IIssuerRegistry.sol";

/// @title ContributionLedger
/// @notice Records, co-signs and revokes contributions. See IContributionLedger.
contract ContributionLedger is IContributionLedger {
    IIssuerRegistry private immutable _registry;

    mapping(bytes32 => Record) private _records;
    mapping(bytes32 => address[]) private _coSigners;
    mapping(bytes32 => mapping(address => bool)) private _hasCoSigned;

    /// @param registry_ The IssuerRegistry: issuers' authority and the committee.
    constructor(IIssuerRegistry registry_) {
        _registry = registry_;
    }

    /// @inheritdoc IContributionLedger
    function version() external pure returns (string memory) {
        return "1.0.0";
    }

    /// @inheritdoc IContributionLedger
    function record(Item[] calldata items) external {
        if (items.length == 0) revert EmptyBatch(0);
        (uint32 recorderId, IssuerKind kind) = _registry.writer(msg.sender);
        // Contributions come from where the work happens: universities and communities.
        if (kind != IssuerKind.University && kind != IssuerKind.Community) {
            revert RecorderKindNotAllowed(msg.sender, kind);
        }
        for (uint256 i = 0; i < items.length; i++) {
            Item calldata item = items[i];
            Record storage r = _records[item.key];
            // One source item (PR, commit) is one contribution: a second claim reverts.
            if (r.status != ContributionStatus.None) revert ContributionExists(item.key);
            r.subject = item.subject;
            r.recorderId = recorderId;
            r.kind = item.kind;
            r.field = item.field;
            r.weight = item.weight;
            r.occurredAt = item.occurredAt;
            r.status = ContributionStatus.Active;
            r.projectTag = bytes16(keccak256(abi.encode(item.project)));
            emit ContributionRecorded(
                item.key,
                item.subject,
                msg.sender,
                item.project,
                item.kind,
                item.field,
                item.weight,
                item.occurredAt,
                item.evidenceHash
            );
        }
    }

    /// @inheritdoc IContributionLedger
    function coSign(bytes32 key) external {
        Record storage r = _records[key];
        if (r.status == ContributionStatus.None) revert UnknownContribution(key);
        if (r.status == ContributionStatus.Revoked) revert ContributionIsRevoked(key);
        (uint32 signerId,) = _registry.writer(msg.sender);
        // A co-sign is a second party's word; the recorder's own would add nothing.
        if (signerId == r.recorderId) revert RecorderCannotCoSign(key, msg.sender);
        // Nor would its organisation's: child issuers are made without the committee, so co-signs from
        // the recorder's own tree would let one organisation meet a co-sign criterion alone.
        if (_registry.sameOrganisation(msg.sender, r.recorderId)) revert SameOrganisationAsRecorder(key, msg.sender);
        if (_hasCoSigned[key][msg.sender]) revert AlreadyCoSigned(key, msg.sender);
        _hasCoSigned[key][msg.sender] = true;
        _coSigners[key].push(msg.sender);
        uint16 count = r.coSignCount + 1;
        r.coSignCount = count;
        emit ContributionCoSigned(key, msg.sender, count);
    }

    /// @inheritdoc IContributionLedger
    function revoke(bytes32 key, RevocationReason reason) external {
        Record storage r = _records[key];
        if (r.status == ContributionStatus.None) revert UnknownContribution(key);
        if (msg.sender != address(_registry)) {
            (uint32 callerId,) = _registry.writer(msg.sender);
            // Only the issuer that recorded it (or the committee) may take it back.
            if (callerId != r.recorderId) revert NotRecorder(key, msg.sender);
        }
        if (r.status == ContributionStatus.Revoked) revert ContributionIsRevoked(key);
        if (reason == RevocationReason.None) revert InvalidReason(reason);
        r.status = ContributionStatus.Revoked;
        r.reason = reason;
        emit ContributionRevoked(key, msg.sender, reason);
    }

    /// @inheritdoc IContributionLedger
    function contribution(bytes32 key) external view returns (Record memory) {
        return _records[key];
    }

    /// @inheritdoc IContributionLedger
    function contributions(bytes32[] calldata keys) external view returns (Record[] memory out) {
        out = new Record[](keys.length);
        for (uint256 i = 0; i < keys.length; i++) {
            out[i] = _records[keys[i]];
        }
    }

    /// @inheritdoc IContributionLedger
    function recorderOf(bytes32 key) external view returns (address) {
        uint32 id = _records[key].recorderId;
        return id == 0 ? address(0) : _registry.issuerAt(id);
    }

    /// @inheritdoc IContributionLedger
    function coSigners(bytes32 key) external view returns (address[] memory) {
        return _coSigners[key];
    }

    /// @inheritdoc IContributionLedger
    function hasCoSigned(bytes32 key, address signer) external view returns (bool) {
        return _hasCoSigned[key][signer];
    }

    /// @inheritdoc IContributionLedger
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc IContributionLedger
    function projectTag(bytes32 project) external pure returns (bytes16) {
        return bytes16(keccak256(abi.encode(project)));
    }
}
