// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.26;

import "./Common.sol";
import "./ICommittee.sol";
import "./IContributionLedger.sol";
import "./IIssuerRegistry.sol";

/// @title ContributionLedger
/// @notice Records, co-signs, revokes and releases contributions. See IContributionLedger.
/// @dev A record is two storage words: the subject, and one word packed by hand (a struct assignment
///      costs one write per member under the IR pipeline), low bits first:
///        recorderId 0..31 | kind 32..39 | field 40..47 | weight 48..63 | occurredAt 64..95 |
///        recordedAt 96..127 | coSignOrgs 128..135 | status 136..143 | reason 144..151 |
///        generation 152..159 | projectTag 160..255
contract ContributionLedger is IContributionLedger {
    uint256 private constant KIND = 32;
    uint256 private constant FIELD = 40;
    uint256 private constant WEIGHT = 48;
    uint256 private constant OCCURRED = 64;
    uint256 private constant RECORDED = 96;
    uint256 private constant COSIGNS = 128;
    uint256 private constant STATUS = 136;
    uint256 private constant REASON = 144;
    uint256 private constant GENERATION = 152;
    uint256 private constant TAG = 160;

    ICommittee private immutable _committee;
    IIssuerRegistry private immutable _registry;

    mapping(bytes32 => bytes32) private _subjects;
    mapping(bytes32 => uint256) private _packed;
    /// @dev key -> the contribution it is about; written only when not zero, deleted at release.
    mapping(bytes32 => bytes32) private _about;
    mapping(bytes32 => mapping(uint8 => Record)) private _archive;
    /// @dev key -> generation -> co-sign slot -> co-sign; slots 0 .. coSignOrgs-1.
    mapping(bytes32 => mapping(uint8 => mapping(uint256 => CoSign))) private _coSigns;
    /// @dev key -> generation -> organisation -> its slot + 1 (0: has not co-signed).
    mapping(bytes32 => mapping(uint8 => mapping(uint32 => uint256))) private _orgSlot;

    /// @param committee_ The Committee whose executed proposals are "the committee".
    /// @param registry_ The IssuerRegistry: writers' standing and organisations.
    constructor(ICommittee committee_, IIssuerRegistry registry_) {
        _committee = committee_;
        _registry = registry_;
    }

    /// @inheritdoc IContributionLedger
    function version() external pure returns (string memory) {
        return "2.1.0";
    }

    /// @inheritdoc IContributionLedger
    function record(Item[] calldata items) external {
        // A call that records nothing is a mistake upstream.
        if (items.length == 0) revert EmptyBatch(0);
        (uint32 recorderId,, IssuerKind kind) = _registry.writer(msg.sender);
        // Contributions come from where the work happens: universities and communities.
        if (kind != IssuerKind.University && kind != IssuerKind.Community) {
            revert RecorderKindNotAllowed(msg.sender, kind);
        }
        uint256 head = uint256(recorderId) | (uint256(uint32(block.number)) << RECORDED)
            | (uint256(uint8(ContributionStatus.Active)) << STATUS);
        for (uint256 i = 0; i < items.length; i++) {
            Item calldata item = items[i];
            uint256 packed = _packed[item.key];
            // One source item (PR, commit) is one contribution: a second claim reverts.
            if (uint8(packed >> STATUS) != uint8(ContributionStatus.None)) revert ContributionExists(item.key);
            _subjects[item.key] = item.subject;
            _packed[item.key] = head | (uint256(uint8(item.kind)) << KIND) | (uint256(item.field) << FIELD)
                | (uint256(item.weight) << WEIGHT) | (uint256(item.occurredAt) << OCCURRED)
                | (packed & (uint256(0xFF) << GENERATION)) | (uint256(uint96(_tag(item.project))) << TAG);
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
            bytes32 about = item.about;
            if (about != bytes32(0)) {
                // A review or mentoring is about recorded work (a mentor award counts its subjects).
                if (uint8(_packed[about] >> STATUS) == uint8(ContributionStatus.None)) {
                    revert AboutNotFound(item.key, about);
                }
                _about[item.key] = about;
                emit ContributionAbout(item.key, about);
            }
        }
    }

    /// @inheritdoc IContributionLedger
    function coSign(bytes32 key) external {
        uint256 packed = _packed[key];
        ContributionStatus status = ContributionStatus(uint8(packed >> STATUS));
        // Only a live record can be vouched for.
        if (status == ContributionStatus.None) revert UnknownContribution(key);
        if (status == ContributionStatus.Revoked) revert ContributionIsRevoked(key);
        uint32 recorderId = uint32(packed);
        (uint32 signerId, uint32 org, uint32 recorderOrg) = _registry.coSigner(msg.sender, recorderId);
        // A co-sign is a second party's word; the recorder's own would add nothing.
        if (signerId == recorderId) revert RecorderCannotCoSign(key, msg.sender);
        // Nor would its organisation's: child issuers are made without the committee.
        if (org == recorderOrg) revert SameOrganisationAsRecorder(key, msg.sender);
        uint8 generation = uint8(packed >> GENERATION);
        uint256 slot = _orgSlot[key][generation][org];
        if (slot != 0) {
            CoSign memory prior = _coSigns[key][generation][slot - 1];
            // An organisation vouches once, however many child issuers it makes; only a co-sign by a key
            // that was compromised when it signed gives way to another of its keys.
            if (!_void(prior)) revert AlreadyCoSignedByOrganisation(key, org, _registry.issuerAt(prior.signerId));
            _coSigns[key][generation][slot - 1] = CoSign(signerId, org, uint64(block.number));
        } else {
            uint8 count = uint8(packed >> COSIGNS);
            // The count of organisations is one byte of the packed record.
            if (count == type(uint8).max) revert TooManyCoSigns(key);
            _coSigns[key][generation][count] = CoSign(signerId, org, uint64(block.number));
            _orgSlot[key][generation][org] = uint256(count) + 1;
            _packed[key] = packed + (uint256(1) << COSIGNS);
        }
        emit ContributionCoSigned(key, msg.sender, org);
    }

    /// @inheritdoc IContributionLedger
    function revoke(bytes32 key, RevocationReason reason) external {
        uint256 packed = _packed[key];
        ContributionStatus status = ContributionStatus(uint8(packed >> STATUS));
        // Only a recorded contribution can be taken back.
        if (status == ContributionStatus.None) revert UnknownContribution(key);
        if (msg.sender != address(_committee)) {
            // Only the recorder's own line (its current key, its parent) or the committee may take it back.
            _registry.requireManager(msg.sender, _registry.issuerAt(uint32(packed)));
        }
        // Revocation is final, and explained.
        if (status == ContributionStatus.Revoked) revert ContributionIsRevoked(key);
        if (reason == RevocationReason.None) revert InvalidReason(reason);
        packed &= ~((uint256(0xFF) << STATUS) | (uint256(0xFF) << REASON));
        _packed[key] = packed | (uint256(uint8(ContributionStatus.Revoked)) << STATUS)
            | (uint256(uint8(reason)) << REASON);
        emit ContributionRevoked(key, msg.sender, reason);
    }

    /// @inheritdoc IContributionLedger
    function release(bytes32 key) external {
        // Freeing a key undoes a record: the consortium decides, after revoking the squat.
        if (msg.sender != address(_committee)) revert NotCommittee(msg.sender);
        Record memory r = _record(key);
        // Only a revoked record gives its key back; a live one is somebody's contribution.
        if (r.status != ContributionStatus.Revoked) revert ContributionNotRevoked(key, r.status);
        // The generation is one byte of the packed record.
        if (r.generation == type(uint8).max) revert ReleaseLimitReached(key);
        _archive[key][r.generation] = r;
        delete _subjects[key];
        delete _about[key];
        _packed[key] = uint256(r.generation + 1) << GENERATION;
        emit ContributionReleased(key, r.generation);
    }

    /// @dev Whether a co-sign was made by a key compromised at the time.
    function _void(CoSign memory c) private view returns (bool) {
        uint32[] memory ids = new uint32[](1);
        ids[0] = c.signerId;
        uint64 since = _registry.compromisedSinceOf(ids)[0];
        return since != 0 && c.blockNumber >= since;
    }

    function _tag(bytes32 project) private pure returns (bytes12) {
        // Hashed at run time: H is SM3 on SM chains, and the Python side hashes with the chain's H.
        return bytes12(keccak256(abi.encode(project)));
    }

    function _record(bytes32 key) private view returns (Record memory) {
        uint256 p = _packed[key];
        return Record(
            _subjects[key],
            uint32(p),
            ContributionKind(uint8(p >> KIND)),
            uint8(p >> FIELD),
            uint16(p >> WEIGHT),
            uint32(p >> OCCURRED),
            uint32(p >> RECORDED),
            uint8(p >> COSIGNS),
            ContributionStatus(uint8(p >> STATUS)),
            RevocationReason(uint8(p >> REASON)),
            uint8(p >> GENERATION),
            bytes12(uint96(p >> TAG))
        );
    }

    // ------------------------------------------------------------------ getters

    /// @inheritdoc IContributionLedger
    function contribution(bytes32 key) external view returns (Record memory) {
        return _record(key);
    }

    /// @inheritdoc IContributionLedger
    function contributions(bytes32[] calldata keys) external view returns (Record[] memory out) {
        out = new Record[](keys.length);
        for (uint256 i = 0; i < keys.length; i++) {
            out[i] = _record(keys[i]);
        }
    }

    /// @inheritdoc IContributionLedger
    function archived(bytes32 key, uint8 generation) external view returns (Record memory) {
        return _archive[key][generation];
    }

    /// @inheritdoc IContributionLedger
    function evidence(bytes32[] calldata keys) external view returns (Evidence[] memory out) {
        out = new Evidence[](keys.length);
        uint256 total = keys.length;
        Record[] memory recs = new Record[](keys.length);
        for (uint256 i = 0; i < keys.length; i++) {
            recs[i] = _record(keys[i]);
            total += recs[i].coSignOrgs;
        }
        // Every key id whose compromise matters, asked of the registry in one call: the recorders
        // first, then each record's co-signers.
        uint32[] memory ids = new uint32[](total);
        uint64[] memory blocks = new uint64[](total);
        uint256 next = keys.length;
        for (uint256 i = 0; i < keys.length; i++) {
            Record memory r = recs[i];
            ids[i] = r.recorderId;
            blocks[i] = r.recordedAt;
            uint8 generation = r.generation;
            for (uint256 j = 0; j < r.coSignOrgs; j++) {
                CoSign storage c = _coSigns[keys[i]][generation][j];
                ids[next] = c.signerId;
                blocks[next++] = c.blockNumber;
            }
        }
        uint64[] memory since = _registry.compromisedSinceOf(ids);
        next = keys.length;
        for (uint256 i = 0; i < keys.length; i++) {
            Record memory r = recs[i];
            uint16 valid = 0;
            for (uint256 j = 0; j < r.coSignOrgs; j++) {
                if (since[next] == 0 || blocks[next] < since[next]) valid++;
                next++;
            }
            out[i] = Evidence(
                r.subject,
                r.recorderId,
                r.kind,
                r.occurredAt,
                r.status,
                r.projectTag,
                r.status != ContributionStatus.None && since[i] != 0 && blocks[i] >= since[i],
                valid
            );
        }
    }

    /// @inheritdoc IContributionLedger
    function aboutOf(bytes32[] calldata keys) external view returns (bytes32[] memory out) {
        out = new bytes32[](keys.length);
        for (uint256 i = 0; i < keys.length; i++) {
            out[i] = _about[keys[i]];
        }
    }

    /// @inheritdoc IContributionLedger
    function coSigns(bytes32 key) public view returns (CoSign[] memory out) {
        uint256 p = _packed[key];
        out = new CoSign[](uint8(p >> COSIGNS));
        for (uint256 i = 0; i < out.length; i++) {
            out[i] = _coSigns[key][uint8(p >> GENERATION)][i];
        }
    }

    /// @inheritdoc IContributionLedger
    function coSigners(bytes32 key) public view returns (address[] memory out) {
        CoSign[] memory all = coSigns(key);
        out = new address[](all.length);
        for (uint256 i = 0; i < all.length; i++) {
            out[i] = _registry.issuerAt(all[i].signerId);
        }
    }

    /// @inheritdoc IContributionLedger
    function hasCoSigned(bytes32 key, address signer) external view returns (bool) {
        address[] memory all = coSigners(key);
        for (uint256 i = 0; i < all.length; i++) {
            if (all[i] == signer) return true;
        }
        return false;
    }

    /// @inheritdoc IContributionLedger
    function recorderOf(bytes32 key) external view returns (address) {
        uint32 id = uint32(_packed[key]);
        return id == 0 ? address(0) : _registry.issuerAt(id);
    }

    /// @inheritdoc IContributionLedger
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc IContributionLedger
    function committee() external view returns (address) {
        return address(_committee);
    }

    /// @inheritdoc IContributionLedger
    function projectTag(bytes32 project) external pure returns (bytes12) {
        return _tag(project);
    }
}
