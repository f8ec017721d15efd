// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.26;

import "./Common.sol";
import "./ICommittee.sol";
import "./IContributionLedger.sol";
import "./ICredentialRegistry.sol";
import "./IIssuerRegistry.sol";

/// @title CredentialRegistry
/// @notice Certificate types, criteria-checked issuance, credential status and audit reports.
///         See ICredentialRegistry.
contract CredentialRegistry is ICredentialRegistry {
    /// @dev The part of a type that `issue` reads first: one word.
    struct TypeHead {
        uint16 version;
        uint8 field;
        uint8 level;
        uint8 allowedKinds;
    }

    uint256 private constant MAX_PREREQUISITES = 8;

    ICommittee private immutable _committee;
    IIssuerRegistry private immutable _registry;
    IContributionLedger private immutable _ledger;

    mapping(uint32 => TypeHead) private _heads;
    mapping(uint32 => Criteria) private _criteria;
    mapping(uint32 => uint32[]) private _prerequisites;
    mapping(uint32 => bytes32) private _typeMeta;
    /// @dev Type ids in order of first definition, slots 0 .. _typeCount-1 (a mapping, not an array at a
    ///      fixed slot: SM-safe, see Committee).
    mapping(uint256 => uint32) private _typeAt;
    /// @dev 1 + a type's slot in `_typeAt` (0: undefined).
    mapping(uint32 => uint256) private _position;
    uint256 private _typeCount;

    mapping(address => mapping(bytes32 => Issued)) private _issued;
    mapping(address => mapping(bytes32 => StatusRecord[])) private _statusLog;
    mapping(address => mapping(bytes32 => uint64)) private _reports;
    /// @dev H(typeId, version, subject) -> live nominations (a run-time hash: SM-safe).
    mapping(bytes32 => Nomination[]) private _nominations;
    /// @dev H(typeId, version, subject) -> organisation -> its place in `_nominations` + 1 (0: none).
    mapping(bytes32 => mapping(uint32 => uint256)) private _nominationSlot;

    /// @param committee_ The Committee whose executed proposals are "the committee".
    /// @param registry_ The IssuerRegistry: writers, scope, compromise.
    /// @param ledger_ The ContributionLedger that `issue` checks contributions against.
    constructor(ICommittee committee_, IIssuerRegistry registry_, IContributionLedger ledger_) {
        _committee = committee_;
        _registry = registry_;
        _ledger = ledger_;
    }

    /// @inheritdoc ICredentialRegistry
    function version() external pure returns (string memory) {
        return "2.1.0";
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
    ) external {
        // Type definitions are the consortium's standards: only an approved proposal changes them.
        if (msg.sender != address(_committee)) revert NotCommittee(msg.sender);
        // Type 0 is the "any type" scope entry of the IssuerRegistry.
        if (typeId == 0) revert InvalidTypeId(typeId);
        // Bits 1..4 are University, Community, Enterprise, Authority; at least one must be allowed.
        if (allowedKinds == 0 || allowedKinds & 0xE1 != 0) revert InvalidAllowedKinds(allowedKinds);
        TypeHead memory head = _heads[typeId];
        // Scope was granted against these kinds and writes trust the grant: kinds only widen.
        if (head.allowedKinds & ~allowedKinds != 0) {
            revert AllowedKindsNarrowed(typeId, head.allowedKinds, allowedKinds);
        }
        if (criteria.windowFrom != 0 && criteria.windowTo != 0 && criteria.windowFrom > criteria.windowTo) {
            revert InvalidWindow(criteria.windowFrom, criteria.windowTo);
        }
        // A mentor award names the kinds that count (of the 12), and only with a minimum; the one flag
        // there is concerns nominations.
        if (
            (criteria.minMentees == 0) != (criteria.menteeKinds == 0) || criteria.menteeKinds >> CONTRIBUTION_KINDS != 0
                || criteria.awardFlags & ~AWARD_SELF_NOMINATION != 0
                || (criteria.awardFlags != 0 && criteria.minNominations == 0)
        ) revert InvalidAwardCriteria(typeId);
        if (prerequisites.length > MAX_PREREQUISITES) {
            revert TooManyPrerequisites(prerequisites.length, MAX_PREREQUISITES);
        }
        for (uint256 i = 0; i < prerequisites.length; i++) {
            uint32 p = prerequisites[i];
            // A prerequisite must exist already, which rules out cycles for a new type.
            if (p == typeId || _heads[p].version == 0) revert InvalidPrerequisite(typeId, p);
        }
        // A redefined type must not be needed, directly or not, by its own prerequisites.
        if (head.version != 0 && prerequisites.length != 0) _requireAcyclic(typeId, prerequisites);
        // The registry grants scope against the kinds, so it learns them first.
        _registry.noteType(typeId, allowedKinds);
        if (head.version == 0) {
            _typeAt[_typeCount] = typeId;
            _position[typeId] = ++_typeCount;
        }
        uint16 newVersion = head.version + 1;
        _heads[typeId] = TypeHead(newVersion, field, level, allowedKinds);
        _criteria[typeId] = criteria;
        _prerequisites[typeId] = prerequisites;
        _typeMeta[typeId] = metaHash;
        emit TypeDefined(typeId, newVersion, field, level, allowedKinds, criteria, prerequisites, metaHash);
    }

    /// @dev Depth-first search from each new prerequisite for `typeId`. Each type is pushed at most once
    ///      (a memory bitmap by definition order), so the work is linear in the number of types, at most
    ///      8 edges each (v1's unmemoised recursion was exponential on a lattice of diamonds). Reverts
    ///      InvalidPrerequisite naming the direct prerequisite that leads back.
    function _requireAcyclic(uint32 typeId, uint32[] calldata prerequisites) private view {
        bool[] memory seen = new bool[](_typeCount);
        uint32[] memory stack = new uint32[](_typeCount);
        for (uint256 i = 0; i < prerequisites.length; i++) {
            uint256 top = _push(stack, 0, seen, prerequisites[i]);
            while (top != 0) {
                uint32 t = stack[--top];
                // A type that needs itself, directly or not, could never be issued.
                if (t == typeId) revert InvalidPrerequisite(typeId, prerequisites[i]);
                uint32[] storage next = _prerequisites[t];
                for (uint256 j = 0; j < next.length; j++) {
                    top = _push(stack, top, seen, next[j]);
                }
            }
        }
    }

    function _push(uint32[] memory stack, uint256 top, bool[] memory seen, uint32 t) private view returns (uint256) {
        uint256 k = _position[t] - 1;
        if (seen[k]) return top;
        seen[k] = true;
        stack[top] = t;
        return top + 1;
    }

    // ------------------------------------------------------------------ checked issuance

    /// @inheritdoc ICredentialRegistry
    function issue(
        uint32 typeId,
        bytes32 subject,
        bytes32 credentialHash,
        bytes32[] calldata contributionKeys,
        Prerequisite[] calldata prerequisites
    ) external {
        TypeHead memory t = _heads[typeId];
        // Only a defined standard can be issued.
        if (t.version == 0) revert UnknownType(typeId);
        (uint32 issuerId, uint32 org, IssuerKind kind) = _registry.writerFor(msg.sender, typeId);
        // The type's standard names the kinds of issuer it trusts.
        if (t.allowedKinds & (uint8(1) << uint8(kind)) == 0) revert IssuerKindNotAllowed(typeId, kind);
        // Keyed by issuer: another issuer's copy of the hash neither blocks nor touches this one.
        if (_issued[msg.sender][credentialHash].blockNumber != 0) revert CredentialExists(msg.sender, credentialHash);
        Criteria memory c = _criteria[typeId];
        IContributionLedger.Evidence[] memory recs = _checkContributions(c, subject, contributionKeys);
        // Awards: read only for types that are awards, so other issuances cost what they did.
        if (c.minMentees != 0) _checkMentees(c, subject, contributionKeys, recs);
        if (c.minNominations != 0) _checkNominations(c, _nominationKey(typeId, t.version, subject), org);
        _checkPrerequisites(typeId, subject, prerequisites);
        _issued[msg.sender][credentialHash] = Issued(subject, typeId, t.version, uint64(block.number), issuerId);
        emit CredentialIssued(credentialHash, subject, msg.sender, typeId, t.version, contributionKeys, prerequisites);
    }

    function _checkContributions(Criteria memory c, bytes32 subject, bytes32[] calldata keys)
        private
        view
        returns (IContributionLedger.Evidence[] memory recs)
    {
        recs = keys.length == 0
            ? new IContributionLedger.Evidence[](0)
            : _ledger.evidence(keys);
        uint256[CONTRIBUTION_KINDS] memory perKind;
        bytes12[] memory projects = new bytes12[](keys.length);
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
        // The criteria are the standard: each minimum is checked here, not trusted from the issuer.
        if (keys.length < c.minTotal) revert NotEnoughContributions(c.minTotal, keys.length);
        for (uint256 k = 0; k < CONTRIBUTION_KINDS; k++) {
            if (perKind[k] < c.minPerKind[k]) revert NotEnoughOfKind(ContributionKind(k), c.minPerKind[k], perKind[k]);
        }
        if (distinct < c.minDistinctProjects) revert NotEnoughDistinctProjects(c.minDistinctProjects, distinct);
    }

    /// @dev A mentor award: the distinct subjects of the live contributions (recorded by keys not
    ///      compromised then) that the evidence of the mentee kinds is about. Evidence of those kinds about
    ///      nothing, or about a revoked or released record, counts for the other criteria only.
    function _checkMentees(
        Criteria memory c,
        bytes32 subject,
        bytes32[] calldata keys,
        IContributionLedger.Evidence[] memory recs
    ) private view {
        bytes32[] memory abouts = _ledger.aboutOf(keys);
        uint256 n = 0;
        for (uint256 i = 0; i < keys.length; i++) {
            if ((c.menteeKinds >> uint8(recs[i].kind)) & 1 != 0 && abouts[i] != bytes32(0)) n++;
        }
        bytes32[] memory targets = new bytes32[](n);
        bytes32[] memory reviews = new bytes32[](n);
        n = 0;
        for (uint256 i = 0; i < keys.length; i++) {
            if ((c.menteeKinds >> uint8(recs[i].kind)) & 1 != 0 && abouts[i] != bytes32(0)) {
                reviews[n] = keys[i];
                targets[n++] = abouts[i];
            }
        }
        IContributionLedger.Evidence[] memory work = n == 0 ? new IContributionLedger.Evidence[](0) : _ledger.evidence(targets);
        bytes32[] memory mentees = new bytes32[](n);
        uint256 found = 0;
        for (uint256 j = 0; j < n; j++) {
            IContributionLedger.Evidence memory w = work[j];
            // Work that does not exist, names nobody, or is itself a review or mentoring (a review of a
            // review of the holder's work mentors nobody new) counts no mentee.
            if (w.status == ContributionStatus.None || w.subject == bytes32(0)) continue;
            if ((c.menteeKinds >> uint8(w.kind)) & 1 != 0) continue;
            // Reviewing one's own work mentors nobody.
            if (w.subject == subject) revert MenteeIsHolder(reviews[j], targets[j]);
            if (w.status != ContributionStatus.Active || w.recorderCompromised) continue;
            bool seen = false;
            for (uint256 m = 0; m < found; m++) {
                if (mentees[m] == w.subject) {
                    seen = true;
                    break;
                }
            }
            // People, not pieces of work: ten reviews of one person's pull requests are one mentee.
            if (!seen) mentees[found++] = w.subject;
        }
        if (found < c.minMentees) revert NotEnoughMentees(c.minMentees, found);
    }

    /// @dev A community MVP award: the live nominations of the holder for this type version (one per
    ///      organisation by construction, all made within the window), from keys not compromised when
    ///      they nominated, whose node and organisation are neither suspended nor retired now; the
    ///      issuing organisation's own only if the type says so.
    function _checkNominations(Criteria memory c, bytes32 nominationKey, uint32 issuerOrg) private view {
        Nomination[] storage list = _nominations[nominationKey];
        uint256 found = 0;
        for (uint256 i = 0; i < list.length; i++) {
            Nomination memory nm = list[i];
            // An issuer nominating the subject it then awards is one party, not two.
            if (nm.org == issuerOrg && c.awardFlags & AWARD_SELF_NOMINATION == 0) continue;
            // A stolen key's nomination, or one whose author is suspended now, does not count.
            if (_registry.standing(nm.nominator, nm.blockNumber) != Standing.Good) continue;
            // Nor that of an issuer or organisation that has left the consortium.
            if (_registry.statusAt(nm.nominator, block.number) == IssuerStatus.Retired) continue;
            if (_registry.statusAt(_registry.issuerAt(nm.org), block.number) == IssuerStatus.Retired) continue;
            found++;
        }
        if (found < c.minNominations) revert NotEnoughNominations(c.minNominations, found);
    }

    function _checkOne(bytes32 key, IContributionLedger.Evidence memory r, bytes32 subject, Criteria memory c)
        private
        pure
    {
        // Evidence must exist on chain.
        if (r.status == ContributionStatus.None) revert ContributionNotFound(key);
        if (r.status != ContributionStatus.Active) revert ContributionNotValid(key, r.status);
        // What a stolen key recorded proves nothing.
        if (r.recorderCompromised) revert ContributionRecorderCompromised(key, r.recorderId);
        // Another person's work proves nothing about this subject.
        if (r.subject != subject) revert ContributionSubjectMismatch(key, subject, r.subject);
        if ((c.windowFrom != 0 && r.occurredAt < c.windowFrom) || (c.windowTo != 0 && r.occurredAt > c.windowTo)) {
            revert ContributionOutsideWindow(key, r.occurredAt, c.windowFrom, c.windowTo);
        }
        // Organisations, each once, whose key was not compromised when it signed.
        if (r.validCoSigns < c.minCoSigns) revert NotEnoughCoSigns(key, c.minCoSigns, r.validCoSigns);
    }

    function _checkPrerequisites(uint32 typeId, bytes32 subject, Prerequisite[] calldata given) private view {
        // A type needs at most this many; more only costs the check.
        if (given.length > MAX_PREREQUISITES) revert TooManyPrerequisites(given.length, MAX_PREREQUISITES);
        uint32[] memory heldTypes = new uint32[](given.length);
        for (uint256 i = 0; i < given.length; i++) {
            Prerequisite calldata p = given[i];
            Issued memory held = _issued[p.issuer][p.credentialHash];
            // A prerequisite is a credential this registry issued after checking it.
            if (held.blockNumber == 0) revert PrerequisiteNotFound(p.issuer, p.credentialHash);
            // Another person's certificate proves nothing about this subject.
            if (held.subject != subject) revert PrerequisiteSubjectMismatch(p.credentialHash, subject, held.subject);
            Standing standing = _registry.standing(p.issuer, held.blockNumber);
            // Nor does one written by a stolen key, or one whose issuer is suspended now.
            if (standing != Standing.Good) {
                revert PrerequisiteIssuerNotInGoodStanding(p.issuer, p.credentialHash, standing);
            }
            CredentialStatus s = _effective(p.issuer, p.credentialHash).status;
            if (s == CredentialStatus.Suspended || s == CredentialStatus.Revoked) {
                revert PrerequisiteNotValid(p.credentialHash, s);
            }
            heldTypes[i] = held.typeId;
        }
        uint32[] storage required = _prerequisites[typeId];
        for (uint256 r = 0; r < required.length; r++) {
            uint32 need = required[r];
            bool found = false;
            for (uint256 i = 0; i < heldTypes.length; i++) {
                if (heldTypes[i] == need) {
                    found = true;
                    break;
                }
            }
            // Every prerequisite type of the standard must be held.
            if (!found) revert MissingPrerequisite(need);
        }
    }

    // ------------------------------------------------------------------ nominations

    /// @inheritdoc ICredentialRegistry
    function nominate(uint32 typeId, bytes32 subject) external {
        uint16 version = _heads[typeId].version;
        // A nomination is for a defined award that counts nominations.
        if (version == 0) revert UnknownType(typeId);
        Criteria storage c = _criteria[typeId];
        if (c.minNominations == 0) revert NotNominatedType(typeId);
        if (subject == bytes32(0)) revert InvalidSubject(subject);
        // The window is in seconds. FISCO BCOS gives block.timestamp in milliseconds unless its
        // feature_evm_timestamp is on; seconds pass 1e11 only in the year 5138.
        uint256 clock = block.timestamp;
        if (clock > 1e11) clock /= 1000;
        uint32 time = uint32(clock);
        (uint32 windowFrom, uint32 windowTo) = (c.windowFrom, c.windowTo);
        // The award is for a period: nominations come within it.
        if ((windowFrom != 0 && time < windowFrom) || (windowTo != 0 && time > windowTo)) {
            revert NominationOutsideWindow(typeId, time, windowFrom, windowTo);
        }
        // Any issuer in good standing speaks for its organisation (its top-level ancestor) ...
        (, uint32 org,) = _registry.writer(msg.sender);
        bytes32 k = _nominationKey(typeId, version, subject);
        uint256 slot = _nominationSlot[k][org];
        Nomination[] storage list = _nominations[k];
        if (slot != 0) {
            Nomination memory held = list[slot - 1];
            // ... once: children are made without the committee, so they share their organisation's voice;
            // but a nomination that no longer counts (a stolen key's, a retired issuer's) does not keep the
            // organisation's place: another of its keys nominates afresh in its stead.
            if (
                _registry.standing(held.nominator, held.blockNumber) != Standing.Compromised
                    && _registry.statusAt(held.nominator, block.number) != IssuerStatus.Retired
            ) revert AlreadyNominated(typeId, version, subject, org, held.nominator);
            list[slot - 1] = Nomination(msg.sender, org, uint64(block.number));
            emit NominationWithdrawn(typeId, version, subject, org, msg.sender);
        } else {
            list.push(Nomination(msg.sender, org, uint64(block.number)));
            _nominationSlot[k][org] = list.length;
        }
        emit Nominated(typeId, version, subject, org, msg.sender);
    }

    /// @inheritdoc ICredentialRegistry
    function withdrawNomination(uint32 typeId, bytes32 subject, uint32 org) external {
        uint16 version = _heads[typeId].version;
        bytes32 k = _nominationKey(typeId, version, subject);
        uint256 slot = _nominationSlot[k][org];
        if (slot == 0) revert NominationNotFound(typeId, version, subject, org);
        Nomination[] storage list = _nominations[k];
        // The nominating key's line (itself, its node's current key, its parent's) or the committee.
        if (msg.sender != address(_committee)) _registry.requireManager(msg.sender, list[slot - 1].nominator);
        uint256 last = list.length;
        if (slot != last) {
            Nomination memory moved = list[last - 1];
            list[slot - 1] = moved;
            _nominationSlot[k][moved.org] = slot;
        }
        list.pop();
        delete _nominationSlot[k][org];
        emit NominationWithdrawn(typeId, version, subject, org, msg.sender);
    }

    /// @inheritdoc ICredentialRegistry
    function nominations(uint32 typeId, uint16 version, bytes32 subject) external view returns (Nomination[] memory) {
        return _nominations[_nominationKey(typeId, version, subject)];
    }

    function _nominationKey(uint32 typeId, uint16 version, bytes32 subject) private pure returns (bytes32) {
        // Hashed at run time (H is SM3 on SM chains): never a constant in the bytecode.
        return keccak256(abi.encode(typeId, version, subject));
    }

    // ------------------------------------------------------------------ status

    /// @inheritdoc ICredentialRegistry
    function setStatus(address issuer, bytes32 credentialHash, CredentialStatus status, RevocationReason reason)
        external
    {
        // Statuses belong to credentials issued here, under their issuer.
        if (_issued[issuer][credentialHash].blockNumber == 0) revert CredentialNotFound(issuer, credentialHash);
        // The committee, or the issuer's line (its current key, its parent) in good standing.
        uint32 by = msg.sender == address(_committee) ? 0 : _registry.requireManager(msg.sender, issuer);
        CredentialStatus current = _effective(issuer, credentialHash).status;
        // Revocation is final.
        if (current == CredentialStatus.Revoked) revert CredentialIsRevoked(issuer, credentialHash);
        if (status == CredentialStatus.Valid) {
            // Reinstatement undoes a suspension, nothing else.
            if (current != CredentialStatus.Suspended) revert InvalidStatusTransition(credentialHash, current, status);
        } else if (status == CredentialStatus.Suspended || status == CredentialStatus.Revoked) {
            // A status is not set twice.
            if (status == current) revert InvalidStatusTransition(credentialHash, current, status);
            if (reason == RevocationReason.None) revert InvalidReason(reason);
        } else {
            revert InvalidStatusTransition(credentialHash, current, status);
        }
        _statusLog[issuer][credentialHash].push(StatusRecord(status, reason, uint64(block.number), by));
        emit CredentialStatusChanged(credentialHash, issuer, msg.sender, status, reason);
    }

    /// @dev The last change not made by a key compromised at the time (status None if there is none).
    function _effective(address issuer, bytes32 credentialHash) private view returns (StatusRecord memory none) {
        StatusRecord[] storage log = _statusLog[issuer][credentialHash];
        uint256 n = log.length;
        if (n == 0) return none;
        uint32[] memory ids = new uint32[](n);
        for (uint256 i = 0; i < n; i++) {
            ids[i] = log[i].by;
        }
        uint64[] memory since = _registry.compromisedSinceOf(ids);
        for (uint256 i = n; i > 0; i--) {
            StatusRecord memory change = log[i - 1];
            if (change.by == 0 || since[i - 1] == 0 || change.blockNumber < since[i - 1]) return change;
        }
        return none;
    }

    // ------------------------------------------------------------------ audit reports

    /// @inheritdoc ICredentialRegistry
    function anchorReport(bytes32 reportHash, bytes32 target) external {
        // A zero hash proves nothing and would read as "never anchored".
        if (reportHash == bytes32(0)) revert InvalidReportHash(reportHash);
        // Auditors are accountable parties: the committee's members, or issuers in good standing.
        if (!_committee.isMember(msg.sender)) _registry.writer(msg.sender);
        uint64 existing = _reports[msg.sender][reportHash];
        // Once per auditor: a second anchor would rewrite when this auditor saw the report.
        if (existing != 0) revert ReportAlreadyAnchored(msg.sender, reportHash, existing);
        _reports[msg.sender][reportHash] = uint64(block.number);
        emit ReportAnchored(reportHash, msg.sender, target);
    }

    /// @inheritdoc ICredentialRegistry
    function reportAnchor(address auditor, bytes32 reportHash) external view returns (uint64 blockNumber) {
        return _reports[auditor][reportHash];
    }

    // ------------------------------------------------------------------ verification

    /// @inheritdoc ICredentialRegistry
    function leafHash(bytes32 credentialHash) public pure returns (bytes32) {
        return keccak256(abi.encodePacked(keccak256(abi.encodePacked(credentialHash))));
    }

    /// @inheritdoc ICredentialRegistry
    function verifyLeaf(bytes32 root, bytes32 credentialHash, uint256 index, bytes32[] calldata proof)
        public
        pure
        returns (bool)
    {
        // Every bit of the index is used: a bit above the proof's depth would be ignored, and two
        // indexes would verify with the same proof.
        if (index >> proof.length != 0) return false;
        bytes32 node = leafHash(credentialHash);
        for (uint256 level = 0; level < proof.length; level++) {
            node = (index >> level) & 1 == 0
                ? keccak256(abi.encodePacked(node, proof[level]))
                : keccak256(abi.encodePacked(proof[level], node));
        }
        return node == root;
    }

    /// @inheritdoc ICredentialRegistry
    function verifyBatchCredential(
        address issuer,
        bytes32 root,
        bytes32 credentialHash,
        uint256 index,
        bytes32[] calldata proof
    ) external view returns (Verdict) {
        IIssuerRegistry.Anchor memory a = _registry.anchorOf(issuer, root);
        if (a.blockNumber == 0) return Verdict.UnknownBatch;
        if (index >= a.count) return Verdict.IndexOutOfRange;
        if (!verifyLeaf(root, credentialHash, index, proof)) return Verdict.ProofInvalid;
        uint32[] memory ids = new uint32[](1);
        ids[0] = a.revokedBy;
        uint64 issuerSince = _registry.keyInfo(issuer).compromisedSince;
        if (issuerSince != 0 && a.blockNumber >= issuerSince) return Verdict.IssuerCompromised;
        uint64 revokerSince = a.revokedBy == 0 ? 0 : _registry.compromisedSinceOf(ids)[0];
        // A revocation by a key compromised at the time does not count.
        if (a.revoked && (revokerSince == 0 || a.revokedBlock < revokerSince)) return Verdict.BatchRevoked;
        CredentialStatus s = _registry.leafStatus(issuer, root, index);
        if (s == CredentialStatus.Suspended) return Verdict.Suspended;
        if (s == CredentialStatus.Revoked) return Verdict.Revoked;
        return Verdict.Valid;
    }

    // ------------------------------------------------------------------ getters

    /// @inheritdoc ICredentialRegistry
    function credentialType(uint32 typeId) external view returns (CredentialType memory) {
        TypeHead memory h = _heads[typeId];
        return CredentialType(
            typeId,
            h.version,
            h.field,
            h.level,
            h.allowedKinds,
            _criteria[typeId],
            _prerequisites[typeId],
            _typeMeta[typeId]
        );
    }

    /// @inheritdoc ICredentialRegistry
    function typeIds() external view returns (uint32[] memory out) {
        out = new uint32[](_typeCount);
        for (uint256 i = 0; i < out.length; i++) {
            out[i] = _typeAt[i];
        }
    }

    /// @inheritdoc ICredentialRegistry
    function issued(address issuer, bytes32 credentialHash) external view returns (Issued memory) {
        return _issued[issuer][credentialHash];
    }

    /// @inheritdoc ICredentialRegistry
    function statusOf(address issuer, bytes32 credentialHash) external view returns (StatusRecord memory) {
        return _effective(issuer, credentialHash);
    }

    /// @inheritdoc ICredentialRegistry
    function statusLog(address issuer, bytes32 credentialHash) external view returns (StatusRecord[] memory) {
        return _statusLog[issuer][credentialHash];
    }

    /// @inheritdoc ICredentialRegistry
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc ICredentialRegistry
    function ledger() external view returns (address) {
        return address(_ledger);
    }

    /// @inheritdoc ICredentialRegistry
    function committee() external view returns (address) {
        return address(_committee);
    }
}
