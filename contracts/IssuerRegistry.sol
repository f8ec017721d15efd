// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.26;

import "./Common.sol";
import "./IIssuerRegistry.sol";

/// @title IssuerRegistry
/// @notice Committee governance (k-of-n proposals) and the issuer directory. See IIssuerRegistry.
contract IssuerRegistry is IIssuerRegistry {
    /// @notice Deepest allowed child issuer (a top-level issuer has depth 0).
    uint8 public constant MAX_DEPTH = 3;
    /// @notice Scope entry meaning "every type" (Authority issuers only).
    uint32 public constant ANY_TYPE = 0;

    mapping(address => Issuer) private _issuers;
    mapping(address => bytes32) private _issuerMeta;
    address[] private _issuerList;
    mapping(uint32 => address) private _issuerById;
    mapping(address => StatusChange[]) private _statusHistory;
    mapping(address => mapping(uint32 => bool)) private _inScope;
    mapping(address => mapping(uint32 => ScopeChange[])) private _scopeHistory;

    /// @dev A member's term: nonzero while a member, new at every (re)admission.
    mapping(address => uint64) private _term;
    uint64 private _terms;
    address[] private _members;
    uint32 private _threshold;

    Proposal[] private _proposals;
    /// @dev The term in which a member approved; an approval counts only in the same term, so that a
    /// member removed and added again does not bring back approvals from before.
    mapping(uint256 => mapping(address => uint64)) private _approvedIn;

    address private _ledger;
    address private _credentials;

    modifier onlyCommittee() {
        // Privileged actions run only as an executed proposal.
        if (msg.sender != address(this)) revert NotCommittee(msg.sender);
        _;
    }

    modifier onlyMember() {
        if (_term[msg.sender] == 0) revert NotCommitteeMember(msg.sender);
        _;
    }

    /// @notice The deployer becomes the first committee member, with threshold 1.
    constructor() {
        _term[msg.sender] = ++_terms;
        _members.push(msg.sender);
        _threshold = 1;
        emit MemberAdded(msg.sender);
        emit ThresholdChanged(1);
    }

    /// @inheritdoc IIssuerRegistry
    function version() external pure returns (string memory) {
        return "1.0.0";
    }

    // ------------------------------------------------------------------ governance

    /// @inheritdoc IIssuerRegistry
    function propose(address target, bytes calldata data) external onlyMember returns (uint256 id) {
        // The committee only ever calls the ledger's own contracts.
        if (target != address(this) && (target == address(0) || (target != _ledger && target != _credentials))) {
            revert UnsupportedTarget(target);
        }
        id = _proposals.length;
        _proposals.push(Proposal(msg.sender, target, false, uint64(block.number), data));
        emit ProposalCreated(id, msg.sender, target, data);
        _approve(id);
    }

    /// @inheritdoc IIssuerRegistry
    function approve(uint256 id) external onlyMember {
        if (id >= _proposals.length) revert UnknownProposal(id);
        // An executed proposal is closed; approving it again would be meaningless.
        if (_proposals[id].executed) revert ProposalAlreadyExecuted(id);
        if (_approvedIn[id][msg.sender] == _term[msg.sender]) revert AlreadyApproved(id, msg.sender);
        _approve(id);
    }

    /// @inheritdoc IIssuerRegistry
    function execute(uint256 id) external onlyMember {
        if (id >= _proposals.length) revert UnknownProposal(id);
        if (_proposals[id].executed) revert ProposalAlreadyExecuted(id);
        uint256 approvals = _approvalCount(id);
        if (approvals < _threshold) revert NotEnoughApprovals(id, _threshold, approvals);
        _execute(id);
    }

    function _approve(uint256 id) private {
        _approvedIn[id][msg.sender] = _term[msg.sender];
        uint256 approvals = _approvalCount(id);
        emit ProposalApproved(id, msg.sender, approvals);
        if (approvals >= _threshold) _execute(id);
    }

    function _execute(uint256 id) private {
        Proposal storage p = _proposals[id];
        // Closed before the call so that the call cannot execute it again.
        p.executed = true;
        (bool ok, bytes memory reason) = p.target.call(p.data);
        if (!ok) revert ProposalExecutionFailed(id, reason);
        emit ProposalExecuted(id);
    }

    /// @dev Approvals of current members in their current term: a removed member's approval no
    /// longer counts, and does not count again if the member is added back.
    function _approvalCount(uint256 id) private view returns (uint256 count) {
        uint256 n = _members.length;
        for (uint256 i = 0; i < n; i++) {
            address m = _members[i];
            if (_approvedIn[id][m] == _term[m]) count++;
        }
    }

    /// @inheritdoc IIssuerRegistry
    function bindModules(address ledger, address credentials) external onlyCommittee {
        // Bound once: the committee's reach must not move to other contracts later.
        if (_ledger != address(0)) revert ModulesAlreadyBound(_ledger, _credentials);
        if (ledger == address(0) || credentials == address(0)) revert UnsupportedTarget(address(0));
        _ledger = ledger;
        _credentials = credentials;
        emit ModulesBound(ledger, credentials);
    }

    /// @inheritdoc IIssuerRegistry
    function addMember(address member) external onlyCommittee {
        // The registry itself as a member would let proposals propose.
        if (member == address(0) || member == address(this)) revert InvalidMemberAddress(member);
        if (_term[member] != 0) revert AlreadyMember(member);
        _term[member] = ++_terms;
        _members.push(member);
        emit MemberAdded(member);
    }

    /// @inheritdoc IIssuerRegistry
    function removeMember(address member) external onlyCommittee {
        if (_term[member] == 0) revert NotMember(member);
        uint256 n = _members.length;
        // The threshold must stay reachable by the remaining members.
        if (n - 1 < _threshold) revert ThresholdOutOfRange(_threshold, n - 1);
        for (uint256 i = 0; i < n; i++) {
            if (_members[i] == member) {
                _members[i] = _members[n - 1];
                _members.pop();
                break;
            }
        }
        _term[member] = 0;
        emit MemberRemoved(member);
    }

    /// @inheritdoc IIssuerRegistry
    function setThreshold(uint32 threshold_) external onlyCommittee {
        // Zero would let anyone's proposal pass unapproved; above n nothing could pass.
        if (threshold_ == 0 || threshold_ > _members.length) revert ThresholdOutOfRange(threshold_, _members.length);
        _threshold = threshold_;
        emit ThresholdChanged(threshold_);
    }

    // ------------------------------------------------------------------ issuers

    /// @inheritdoc IIssuerRegistry
    function addIssuer(address issuer_, IssuerKind kind, uint32[] calldata scope, bytes32 metaHash)
        external
        onlyCommittee
    {
        _addIssuer(issuer_, address(0), kind, 0, scope, metaHash);
    }

    /// @inheritdoc IIssuerRegistry
    function addChildIssuer(address child, IssuerKind kind, uint32[] calldata scope, bytes32 metaHash) external {
        Issuer memory parent = _issuers[msg.sender];
        _requireWriter(msg.sender, parent);
        // Delegation is for universities (colleges, teachers) and communities (groups, maintainers).
        if (parent.kind != IssuerKind.University && parent.kind != IssuerKind.Community) {
            revert ParentKindNotAllowed(msg.sender, parent.kind);
        }
        // A child is of its parent's kind: another kind could issue types the committee allowed to
        // that kind only (a Community's "University" child), and never an Authority.
        if (kind != parent.kind) revert ChildKindNotAllowed(child, kind);
        uint8 depth = parent.depth + 1;
        if (depth > MAX_DEPTH) revert DepthExceeded(child, depth);
        for (uint256 i = 0; i < scope.length; i++) {
            // The child's scope must be a subset of the parent's own.
            if (scope[i] == ANY_TYPE || !(parent.anyScope || _inScope[msg.sender][scope[i]])) {
                revert ScopeNotSubset(child, scope[i]);
            }
        }
        _addIssuer(child, msg.sender, kind, depth, scope, metaHash);
    }

    function _addIssuer(
        address issuer_,
        address parent,
        IssuerKind kind,
        uint8 depth,
        uint32[] calldata scope,
        bytes32 metaHash
    ) private {
        if (issuer_ == address(0)) revert InvalidIssuerAddress(issuer_);
        if (kind == IssuerKind.None) revert InvalidIssuerKind(kind);
        if (_issuers[issuer_].id != 0) revert IssuerExists(issuer_);
        _issuerList.push(issuer_);
        uint32 id = uint32(_issuerList.length);
        _issuerById[id] = issuer_;
        _issuers[issuer_] = Issuer(parent, id, kind, IssuerStatus.Active, depth, false, false);
        _issuerMeta[issuer_] = metaHash;
        _statusHistory[issuer_].push(StatusChange(uint64(block.number), IssuerStatus.Active));
        _applyScope(issuer_, kind, scope, true);
        emit IssuerAdded(issuer_, parent, kind, id, depth, metaHash, scope);
    }

    /// @inheritdoc IIssuerRegistry
    function setIssuerStatus(address issuer_, IssuerStatus status) external {
        Issuer storage it = _issuers[issuer_];
        if (it.id == 0) revert UnknownIssuer(issuer_);
        bool byCommittee = msg.sender == address(this);
        if (!byCommittee) {
            // Besides the committee, only the issuer's own parent, while it may write, manages a child.
            if (it.parent != msg.sender) revert NotParentOrCommittee(issuer_, msg.sender);
            _requireWriter(msg.sender, _issuers[msg.sender]);
            // A parent must not undo the committee's suspension of its child.
            if (status == IssuerStatus.Active && it.committeeHold) revert CommitteeHold(issuer_);
        }
        if (status == IssuerStatus.None) revert InvalidStatus(status);
        if (it.status == IssuerStatus.Retired) revert IssuerIsRetired(issuer_);
        if (it.status == status) revert StatusUnchanged(issuer_, status);
        it.status = status;
        if (byCommittee) it.committeeHold = status != IssuerStatus.Active;
        _statusHistory[issuer_].push(StatusChange(uint64(block.number), status));
        emit IssuerStatusChanged(issuer_, status, msg.sender);
    }

    /// @inheritdoc IIssuerRegistry
    function setIssuerScope(address issuer_, uint32[] calldata typeIds, bool allowed) external onlyCommittee {
        Issuer memory it = _issuers[issuer_];
        if (it.id == 0) revert UnknownIssuer(issuer_);
        _applyScope(issuer_, it.kind, typeIds, allowed);
        emit IssuerScopeChanged(issuer_, typeIds, allowed);
    }

    function _applyScope(address issuer_, IssuerKind kind, uint32[] calldata typeIds, bool allowed) private {
        for (uint256 i = 0; i < typeIds.length; i++) {
            uint32 typeId = typeIds[i];
            if (typeId == ANY_TYPE) {
                // "Any type" is reserved to authorities (a national skills body, for instance).
                if (kind != IssuerKind.Authority) revert AnyScopeNotAllowed(issuer_, kind);
                _issuers[issuer_].anyScope = allowed;
            }
            if (_inScope[issuer_][typeId] == allowed) continue;
            _inScope[issuer_][typeId] = allowed;
            _scopeHistory[issuer_][typeId].push(ScopeChange(uint64(block.number), allowed));
        }
    }

    // ------------------------------------------------------------------ authorisation

    /// @inheritdoc IIssuerRegistry
    function writer(address issuer_) external view returns (uint32 id, IssuerKind kind) {
        Issuer memory it = _issuers[issuer_];
        _requireWriter(issuer_, it);
        return (it.id, it.kind);
    }

    /// @inheritdoc IIssuerRegistry
    function writerFor(address issuer_, uint32 typeId) external view returns (uint32 id, IssuerKind kind) {
        Issuer memory it = _issuers[issuer_];
        if (it.id == 0) revert UnknownIssuer(issuer_);
        if (it.status != IssuerStatus.Active) revert IssuerNotActive(issuer_, it.status);
        if (!(it.anyScope || _inScope[issuer_][typeId])) revert OutOfScope(issuer_, typeId);
        address p = it.parent;
        while (p != address(0)) {
            Issuer memory up = _issuers[p];
            if (up.status != IssuerStatus.Active) revert AncestorNotActive(issuer_, p, up.status);
            // A parent that lost a type takes it from its children too.
            if (!(up.anyScope || _inScope[p][typeId])) revert OutOfScope(issuer_, typeId);
            p = up.parent;
        }
        return (it.id, it.kind);
    }

    /// @inheritdoc IIssuerRegistry
    function sameOrganisation(address issuer_, uint32 otherId) external view returns (bool) {
        address other = _issuerById[otherId];
        return other != address(0) && _issuers[issuer_].id != 0 && _organisation(issuer_) == _organisation(other);
    }

    /// @dev The top-level issuer above `issuer_` (itself when top-level).
    function _organisation(address issuer_) private view returns (address top) {
        top = issuer_;
        for (address up = _issuers[top].parent; up != address(0); up = _issuers[up].parent) {
            top = up;
        }
    }

    function _requireWriter(address issuer_, Issuer memory it) private view {
        if (it.id == 0) revert UnknownIssuer(issuer_);
        if (it.status != IssuerStatus.Active) revert IssuerNotActive(issuer_, it.status);
        address p = it.parent;
        while (p != address(0)) {
            Issuer memory up = _issuers[p];
            // A suspended or retired ancestor suspends the whole subtree's right to write.
            if (up.status != IssuerStatus.Active) revert AncestorNotActive(issuer_, p, up.status);
            p = up.parent;
        }
    }

    /// @inheritdoc IIssuerRegistry
    function isAuthorized(address issuer_, uint32 typeId, uint256 blockNumber) external view returns (bool) {
        address a = issuer_;
        while (a != address(0)) {
            if (_statusAt(a, blockNumber) != IssuerStatus.Active) return false;
            if (!_scopeAt(a, typeId, blockNumber)) return false;
            a = _issuers[a].parent;
        }
        return issuer_ != address(0);
    }

    /// @inheritdoc IIssuerRegistry
    function statusAt(address issuer_, uint256 blockNumber) external view returns (IssuerStatus) {
        return _statusAt(issuer_, blockNumber);
    }

    /// @inheritdoc IIssuerRegistry
    function scopeAt(address issuer_, uint32 typeId, uint256 blockNumber) external view returns (bool) {
        return _scopeAt(issuer_, typeId, blockNumber);
    }

    function _statusAt(address issuer_, uint256 blockNumber) private view returns (IssuerStatus) {
        StatusChange[] storage h = _statusHistory[issuer_];
        for (uint256 i = h.length; i > 0; i--) {
            if (h[i - 1].blockNumber <= blockNumber) return h[i - 1].status;
        }
        return IssuerStatus.None;
    }

    function _scopeAt(address issuer_, uint32 typeId, uint256 blockNumber) private view returns (bool) {
        return _allowedAt(_scopeHistory[issuer_][ANY_TYPE], blockNumber)
            || _allowedAt(_scopeHistory[issuer_][typeId], blockNumber);
    }

    function _allowedAt(ScopeChange[] storage h, uint256 blockNumber) private view returns (bool) {
        for (uint256 i = h.length; i > 0; i--) {
            if (h[i - 1].blockNumber <= blockNumber) return h[i - 1].allowed;
        }
        return false;
    }

    // ------------------------------------------------------------------ getters

    /// @inheritdoc IIssuerRegistry
    function issuer(address issuer_) external view returns (Issuer memory) {
        return _issuers[issuer_];
    }

    /// @inheritdoc IIssuerRegistry
    function issuerMetaHash(address issuer_) external view returns (bytes32) {
        return _issuerMeta[issuer_];
    }

    /// @inheritdoc IIssuerRegistry
    function issuerAt(uint32 id) external view returns (address) {
        if (id == 0 || id > _issuerList.length) return address(0);
        return _issuerList[id - 1];
    }

    /// @inheritdoc IIssuerRegistry
    function issuerCount() external view returns (uint256) {
        return _issuerList.length;
    }

    /// @inheritdoc IIssuerRegistry
    function statusHistory(address issuer_) external view returns (StatusChange[] memory) {
        return _statusHistory[issuer_];
    }

    /// @inheritdoc IIssuerRegistry
    function scopeHistory(address issuer_, uint32 typeId) external view returns (ScopeChange[] memory) {
        return _scopeHistory[issuer_][typeId];
    }

    /// @inheritdoc IIssuerRegistry
    function inScope(address issuer_, uint32 typeId) external view returns (bool) {
        return _inScope[issuer_][typeId];
    }

    /// @inheritdoc IIssuerRegistry
    function members() external view returns (address[] memory) {
        return _members;
    }

    /// @inheritdoc IIssuerRegistry
    function isMember(address account) external view returns (bool) {
        return _term[account] != 0;
    }

    /// @inheritdoc IIssuerRegistry
    function threshold() external view returns (uint32) {
        return _threshold;
    }

    /// @inheritdoc IIssuerRegistry
    function proposal(uint256 id) external view returns (Proposal memory, uint256 approvals) {
        if (id >= _proposals.length) revert UnknownProposal(id);
        return (_proposals[id], _approvalCount(id));
    }

    /// @inheritdoc IIssuerRegistry
    function proposalCount() external view returns (uint256) {
        return _proposals.length;
    }

    /// @inheritdoc IIssuerRegistry
    function hasApproved(uint256 id, address member) external view returns (bool) {
        return _term[member] != 0 && _approvedIn[id][member] == _term[member];
    }

    /// @inheritdoc IIssuerRegistry
    function modules() external view returns (address ledger, address credentials) {
        return (_ledger, _credentials);
    }
}
