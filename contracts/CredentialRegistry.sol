// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.26;

import "./Common.sol";
import "./ICredentialRegistry.sol";
import "./IContributionLedger.sol";
import "./IIssuerRegistry.sol";

/// @title CredentialRegistry
/// @notice Certificate types, anchoring, criteria-checked issuance and status. See ICredentialRegistry.
contract CredentialRegistry is ICredentialRegistry {
    /// @dev The part of a type that `anchor` reads: one word.
    struct TypeHead {
        uint16 version;
        uint8 field;
        uint8 level;
        uint8 allowedKinds;
    }

    IIssuerRegistry private immutable _registry;
    IContributionLedger private immutable _ledger;

    mapping(uint32 => TypeHead) private _heads;
    mapping(uint32 => Criteria) private _criteria;
    mapping(uint32 => uint32[]) private _prerequisites;
    mapping(uint32 => bytes32) private _typeMeta;
    uint32[] private _typeIds;

    mapping(bytes32 => Anchor) private _anchors;
    mapping(bytes32 => Issued) private _issued;
    /// @dev Keyed by (root, credential hash), root zero for issued credentials, so that an issuer
    ///      can only ever change the status of leaves under its own roots.
    mapping(bytes32 => mapping(bytes32 => StatusRecord)) private _status;
    mapping(bytes32 => ReportAnchor) private _reports;

    /// @param registry_ The IssuerRegistry: issuers' authority and the committee.
    /// @param ledger_ The ContributionLedger that `issue` checks contributions against.
    constructor(IIssuerRegistry registry_, IContributionLedger ledger_) {
        _registry = registry_;
        _ledger = ledger_;
    }

    modifier onlyCommittee() {
        // Type definitions are the consortium's standards: only an approved proposal changes them.
        if (msg.sender != address(_registry)) revert NotCommittee(msg.sender);
        _;
    }

    /// @inheritdoc ICredentialRegistry
    function version() external pure returns (string memory) {
        return "1.0.0";
    }

    // ------------------------------------------------------------------ types

    /// @inheritdoc ICredentialRegistry
    function defineType(
        uint32 typeId,
        uint8 field,
        uint8 level,
        uint8 allowedKinds,
        Criteria calldata criteria,
        uint32[] calldata prerequisites,
        bytes32 metaHash
    ) external onlyCommittee {
        // Type 0 is the "any type" scope entry of the IssuerRegistry.
        if (typeId == 0) revert InvalidTypeId(typeId);
        // Bits 1..4 are University, Community, Enterprise, Authority; at least one must be allowed.
        if (allowedKinds == 0 || allowedKinds & 0xE1 != 0) revert InvalidAllowedKinds(allowedKinds);
        if (criteria.windowFrom != 0 && criteria.windowTo != 0 && criteria.windowFrom > criteria.windowTo) {
            revert InvalidWindow(criteria.windowFrom, criteria.windowTo);
        }
        bool redefining = _heads[typeId].version != 0;
        for (uint256 i = 0; i < prerequisites.length; i++) {
            uint32 p = prerequisites[i];
            // A prerequisite must exist already. That rules out cycles for a new type; a redefined one
            // must also not be needed, directly or not, by its own prerequisite.
            if (p == typeId || _heads[p].version == 0 || (redefining && _needs(p, typeId))) {
                revert InvalidPrerequisite(typeId, p);
            }
        }
        TypeHead storage head = _heads[typeId];
        if (head.version == 0) _typeIds.push(typeId);
        uint16 newVersion = head.version + 1;
        _heads[typeId] = TypeHead(newVersion, field, level, allowedKinds);
        _criteria[typeId] = criteria;
        _prerequisites[typeId] = prerequisites;
        _typeMeta[typeId] = metaHash;
        emit TypeDefined(typeId, newVersion, field, level, allowedKinds, criteria, prerequisites, metaHash);
    }

    /// @dev Whether type `from` needs `target`, directly or through its prerequisites. The graph has no
    /// cycle (defineType keeps it so), so the walk ends; committee-only, so its cost is not a concern.
    function _needs(uint32 from, uint32 target) private view returns (bool) {
        uint32[] storage next = _prerequisites[from];
        for (uint256 i = 0; i < next.length; i++) {
            if (next[i] == target || _needs(next[i], target)) return true;
        }
        return false;
    }

    // ------------------------------------------------------------------ anchoring

    /// @inheritdoc ICredentialRegistry
    function anchor(bytes32 root, uint32 count, uint32 typeId, bytes32 metaHash) external {
        TypeHead memory t = _heads[typeId];
        if (t.version == 0) revert UnknownType(typeId);
        (, IssuerKind kind) = _registry.writerFor(msg.sender, typeId);
        if (t.allowedKinds & (uint8(1) << uint8(kind)) == 0) revert IssuerKindNotAllowed(typeId, kind);
        if (count == 0) revert EmptyBatch(count);
        if (root == bytes32(0)) revert InvalidRoot(root);
        Anchor memory existing = _anchors[root];
        // A root is anchored once: re-anchoring would rewrite who issued the batch and when.
        if (existing.issuer != address(0)) revert RootAlreadyAnchored(root, existing.issuer, existing.blockNumber);
        _anchors[root] = Anchor(msg.sender, typeId, count, uint32(block.number));
        emit BatchAnchored(root, msg.sender, typeId, count, metaHash);
    }

    // ------------------------------------------------------------------ checked issuance

    /// @inheritdoc ICredentialRegistry
    function issue(
        uint32 typeId,
        bytes32 subject,
        bytes32 credentialHash,
        bytes32[] calldata contributionKeys,
        bytes32[] calldata prerequisiteCredentialHashes
    ) external {
        TypeHead memory t = _heads[typeId];
        if (t.version == 0) revert UnknownType(typeId);
        (, IssuerKind kind) = _registry.writerFor(msg.sender, typeId);
        if (t.allowedKinds & (uint8(1) << uint8(kind)) == 0) revert IssuerKindNotAllowed(typeId, kind);
        if (_issued[credentialHash].issuer != address(0)) revert CredentialExists(credentialHash);
        _checkContributions(typeId, subject, contributionKeys);
        _checkPrerequisites(typeId, subject, prerequisiteCredentialHashes);
        _issued[credentialHash] = Issued(subject, msg.sender, typeId, t.version, uint32(block.number));
        emit CredentialIssued(
            credentialHash, subject, msg.sender, typeId, t.version, contributionKeys, prerequisiteCredentialHashes
        );
    }

    function _checkContributions(uint32 typeId, bytes32 subject, bytes32[] calldata keys) private view {
        Criteria memory c = _criteria[typeId];
        IContributionLedger.Record[] memory recs = _ledger.contributions(keys);
        uint256[CONTRIBUTION_KINDS] memory perKind;
        bytes16[] memory projects = new bytes16[](keys.length);
        uint256 distinct = 0;
        for (uint256 i = 0; i < keys.length; i++) {
            for (uint256 j = 0; j < i; j++) {
                // Counting one contribution twice would inflate every criterion.
                if (keys[j] == keys[i]) revert DuplicateContribution(keys[i]);
            }
            _checkOne(keys[i], recs[i], subject, c);
            perKind[uint8(recs[i].kind)]++;
            bool seen = false;
            for (uint256 j = 0; j < distinct; j++) {
                if (projects[j] == recs[i].projectTag) {
                    seen = true;
                    break;
                }
            }
            if (!seen) projects[distinct++] = recs[i].projectTag;
        }
        if (keys.length < c.minTotal) revert NotEnoughContributions(c.minTotal, keys.length);
        for (uint256 k = 0; k < CONTRIBUTION_KINDS; k++) {
            if (perKind[k] < c.minPerKind[k]) revert NotEnoughOfKind(ContributionKind(k), c.minPerKind[k], perKind[k]);
        }
        if (distinct < c.minDistinctProjects) revert NotEnoughDistinctProjects(c.minDistinctProjects, distinct);
    }

    function _checkOne(bytes32 key, IContributionLedger.Record memory r, bytes32 subject, Criteria memory c)
        private
        pure
    {
        if (r.status == ContributionStatus.None) revert ContributionNotFound(key);
        if (r.status != ContributionStatus.Active) revert ContributionNotValid(key, r.status);
        if (r.subject != subject) revert ContributionSubjectMismatch(key, subject, r.subject);
        if ((c.windowFrom != 0 && r.occurredAt < c.windowFrom) || (c.windowTo != 0 && r.occurredAt > c.windowTo)) {
            revert ContributionOutsideWindow(key, r.occurredAt, c.windowFrom, c.windowTo);
        }
        if (r.coSignCount < c.minCoSigns) revert NotEnoughCoSigns(key, c.minCoSigns, r.coSignCount);
    }

    function _checkPrerequisites(uint32 typeId, bytes32 subject, bytes32[] calldata hashes) private view {
        uint32[] memory heldTypes = new uint32[](hashes.length);
        for (uint256 i = 0; i < hashes.length; i++) {
            Issued memory p = _issued[hashes[i]];
            if (p.issuer == address(0)) revert PrerequisiteNotFound(hashes[i]);
            // Another person's certificate proves nothing about this subject.
            if (p.subject != subject) revert PrerequisiteSubjectMismatch(hashes[i], subject, p.subject);
            CredentialStatus s = _status[bytes32(0)][hashes[i]].status;
            if (s == CredentialStatus.Suspended || s == CredentialStatus.Revoked) {
                revert PrerequisiteNotValid(hashes[i], s);
            }
            heldTypes[i] = p.typeId;
        }
        uint32[] storage required = _prerequisites[typeId];
        for (uint256 r = 0; r < required.length; r++) {
            uint32 need = required[r];
            bool held = false;
            for (uint256 i = 0; i < heldTypes.length; i++) {
                if (heldTypes[i] == need) {
                    held = true;
                    break;
                }
            }
            if (!held) revert MissingPrerequisite(need);
        }
    }

    // ------------------------------------------------------------------ status

    /// @inheritdoc ICredentialRegistry
    function setStatus(bytes32 credentialHash, CredentialStatus status, RevocationReason reason) external {
        address issuer = _issued[credentialHash].issuer;
        if (issuer == address(0)) revert CredentialNotFound(credentialHash);
        if (msg.sender != address(_registry)) {
            if (msg.sender != issuer) revert NotCredentialIssuer(credentialHash, msg.sender);
            // A suspended or retired issuer no longer manages its credentials; the committee does.
            _registry.writer(msg.sender);
        }
        _changeStatus(bytes32(0), credentialHash, status, reason);
    }

    /// @inheritdoc ICredentialRegistry
    function setLeafStatus(
        bytes32 root,
        bytes32 credentialHash,
        bytes32[] calldata proof,
        CredentialStatus status,
        RevocationReason reason
    ) external {
        address issuer = _anchors[root].issuer;
        if (issuer == address(0)) revert UnknownRoot(root);
        if (msg.sender != address(_registry)) {
            if (msg.sender != issuer) revert NotRootIssuer(root, msg.sender);
            _registry.writer(msg.sender);
        }
        if (!_verify(root, _leaf(credentialHash), proof)) revert InvalidProof(root, credentialHash);
        _changeStatus(root, credentialHash, status, reason);
    }

    function _changeStatus(bytes32 root, bytes32 credentialHash, CredentialStatus status, RevocationReason reason)
        private
    {
        StatusRecord storage rec = _status[root][credentialHash];
        CredentialStatus current = rec.status;
        // Revocation is final.
        if (current == CredentialStatus.Revoked) revert CredentialIsRevoked(credentialHash);
        if (status == CredentialStatus.Valid) {
            // Reinstatement undoes a suspension, nothing else.
            if (current != CredentialStatus.Suspended) revert InvalidStatusTransition(credentialHash, current, status);
        } else if (status == CredentialStatus.Suspended || status == CredentialStatus.Revoked) {
            if (status == current) revert InvalidStatusTransition(credentialHash, current, status);
            if (reason == RevocationReason.None) revert InvalidReason(reason);
        } else {
            revert InvalidStatusTransition(credentialHash, current, status);
        }
        rec.status = status;
        rec.reason = reason;
        rec.blockNumber = uint32(block.number);
        emit CredentialStatusChanged(credentialHash, root, msg.sender, status, reason);
    }

    // ------------------------------------------------------------------ audit reports

    /// @inheritdoc ICredentialRegistry
    function anchorReport(bytes32 reportHash, bytes32 target) external {
        // A zero hash proves nothing and would read as "never anchored".
        if (reportHash == bytes32(0)) revert InvalidReportHash(reportHash);
        // Auditors are accountable parties: the committee's members, or issuers in good standing.
        if (!_registry.isMember(msg.sender)) _registry.writer(msg.sender);
        ReportAnchor memory existing = _reports[reportHash];
        // First anchor wins: a second one would rewrite who saw the report and when.
        if (existing.auditor != address(0)) {
            revert ReportAlreadyAnchored(reportHash, existing.auditor, existing.blockNumber);
        }
        _reports[reportHash] = ReportAnchor(msg.sender, uint32(block.number));
        emit ReportAnchored(reportHash, msg.sender, target);
    }

    /// @inheritdoc ICredentialRegistry
    function reportAnchor(bytes32 reportHash) external view returns (address auditor, uint32 blockNumber) {
        ReportAnchor memory r = _reports[reportHash];
        return (r.auditor, r.blockNumber);
    }

    // ------------------------------------------------------------------ Merkle

    function _leaf(bytes32 credentialHash) private pure returns (bytes32) {
        return keccak256(abi.encodePacked(keccak256(abi.encodePacked(credentialHash))));
    }

    function _verify(bytes32 root, bytes32 leaf, bytes32[] calldata proof) private pure returns (bool) {
        bytes32 node = leaf;
        for (uint256 i = 0; i < proof.length; i++) {
            bytes32 sibling = proof[i];
            node = node < sibling
                ? keccak256(abi.encodePacked(node, sibling))
                : keccak256(abi.encodePacked(sibling, node));
        }
        return node == root;
    }

    /// @inheritdoc ICredentialRegistry
    function leafHash(bytes32 credentialHash) external pure returns (bytes32) {
        return _leaf(credentialHash);
    }

    /// @inheritdoc ICredentialRegistry
    function verifyLeaf(bytes32 root, bytes32 credentialHash, bytes32[] calldata proof) external pure returns (bool) {
        return _verify(root, _leaf(credentialHash), proof);
    }

    // ------------------------------------------------------------------ getters

    /// @inheritdoc ICredentialRegistry
    function credentialType(uint32 typeId) external view returns (CredentialType memory) {
        TypeHead memory h = _heads[typeId];
        return CredentialType(
            typeId, h.version, h.field, h.level, h.allowedKinds, _criteria[typeId], _prerequisites[typeId], _typeMeta[typeId]
        );
    }

    /// @inheritdoc ICredentialRegistry
    function typeIds() external view returns (uint32[] memory) {
        return _typeIds;
    }

    /// @inheritdoc ICredentialRegistry
    function anchorOf(bytes32 root) external view returns (Anchor memory) {
        return _anchors[root];
    }

    /// @inheritdoc ICredentialRegistry
    function issued(bytes32 credentialHash) external view returns (Issued memory) {
        return _issued[credentialHash];
    }

    /// @inheritdoc ICredentialRegistry
    function statusOf(bytes32 root, bytes32 credentialHash) external view returns (StatusRecord memory) {
        return _status[root][credentialHash];
    }

    /// @inheritdoc ICredentialRegistry
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc ICredentialRegistry
    function ledger() external view returns (address) {
        return address(_ledger);
    }
}
