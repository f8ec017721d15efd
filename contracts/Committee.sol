// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.26;

import "./Common.sol";
import "./ICommittee.sol";

/// @title Committee
/// @notice k-of-n governance of the ledger. See ICommittee.
/// @dev Members are kept in mappings (slot -> member, member -> slot), not in a dynamic array at a fixed
///      storage slot: on an SM chain KECCAK256 computes SM3, and an array's data location folded into a
///      keccak constant at compile time would point elsewhere than the one computed at run time.
contract Committee is ICommittee {
    /// @dev Longest proposal window (about 136 years of one-second blocks): a larger one could overflow
    ///      `block.number + window` and make every later proposal revert, locking the committee out.
    uint64 private constant MAX_WINDOW = 2 ** 32;

    address private immutable _predecessor;

    /// @dev A member's term: nonzero while a member, new at every (re)admission.
    mapping(address => uint64) private _term;
    uint64 private _terms;
    /// @dev Members in slots 1..count; `_slotOf` is 0 for a non-member.
    mapping(uint256 => address) private _memberAt;
    mapping(address => uint256) private _slotOf;
    uint256 private _memberCount;
    uint32 private _threshold;
    uint64 private _window;

    mapping(uint256 => Proposal) private _proposals;
    uint256 private _proposalCount;
    /// @dev The term in which a member approved; an approval counts only in the same term.
    mapping(uint256 => mapping(address => uint64)) private _approvedIn;

    address private _registry;
    address private _ledger;
    address private _credentials;
    address private _successor;
    uint64 private _successorBlock;

    modifier onlyCommittee() {
        // Privileged actions run only as an executed proposal.
        if (msg.sender != address(this)) revert NotCommittee(msg.sender);
        _;
    }

    modifier onlyMember() {
        // Proposals are the members' business alone.
        if (_term[msg.sender] == 0) revert NotCommitteeMember(msg.sender);
        _;
    }

    /// @notice The deployer becomes the first committee member, with threshold 1.
    /// @param predecessor_ The committee of the deployment this one replaces (zero for the first).
    /// @param window Blocks a proposal stays open (at least 1).
    constructor(address predecessor_, uint64 window) {
        // A zero window would make every proposal expire before anyone could approve it.
        if (window == 0 || window > MAX_WINDOW) revert InvalidProposalWindow(window);
        _predecessor = predecessor_;
        _window = window;
        _admit(msg.sender);
        _threshold = 1;
        emit ThresholdChanged(1);
        emit ProposalWindowChanged(window);
    }

    /// @inheritdoc ICommittee
    function version() external pure returns (string memory) {
        return "2.0.0";
    }

    // ------------------------------------------------------------------ proposals

    /// @inheritdoc ICommittee
    function propose(address target, bytes calldata data) external onlyMember returns (uint256 id) {
        // The committee only ever calls the ledger's own contracts.
        if (
            target != address(this)
                && (target == address(0) || (target != _registry && target != _ledger && target != _credentials))
        ) {
            revert UnsupportedTarget(target);
        }
        id = _proposalCount++;
        uint64 expiresAt = uint64(block.number) + _window;
        _proposals[id] = Proposal(msg.sender, uint64(block.number), expiresAt, target, ProposalState.Pending, data);
        emit ProposalCreated(id, msg.sender, target, expiresAt, data);
        _approve(id);
    }

    /// @inheritdoc ICommittee
    function approve(uint256 id) external onlyMember {
        _requireOpen(id);
        // One approval per member and term.
        if (_approvedIn[id][msg.sender] == _term[msg.sender]) revert AlreadyApproved(id, msg.sender);
        _approve(id);
    }

    /// @inheritdoc ICommittee
    function execute(uint256 id) external onlyMember {
        _requireOpen(id);
        uint256 approvals = _approvalCount(id);
        // Only current members' approvals, in their current terms, carry a proposal.
        if (approvals < _threshold) revert NotEnoughApprovals(id, _threshold, approvals);
        _execute(id);
    }

    /// @inheritdoc ICommittee
    function cancel(uint256 id) external {
        // Ids are dense: anything at or past the count was never proposed.
        if (id >= _proposalCount) revert UnknownProposal(id);
        Proposal storage p = _proposals[id];
        if (msg.sender != address(this)) {
            // A proposer withdraws its own proposal; a former member has no say any more.
            if (p.proposer != msg.sender || _term[msg.sender] == 0) revert NotProposerOrCommittee(id, msg.sender);
        }
        // Executed and cancelled proposals are closed for good.
        if (p.state != ProposalState.Pending) revert ProposalNotPending(id, p.state);
        p.state = ProposalState.Cancelled;
        emit ProposalCancelled(id, msg.sender);
    }

    function _requireOpen(uint256 id) private view {
        // Ids are dense: anything at or past the count was never proposed.
        if (id >= _proposalCount) revert UnknownProposal(id);
        Proposal storage p = _proposals[id];
        // Executed and cancelled proposals are closed for good.
        if (p.state != ProposalState.Pending) revert ProposalNotPending(id, p.state);
        // A proposal left half-approved must not be completed years later by new members.
        if (block.number > p.expiresAt) revert ProposalExpired(id, p.expiresAt);
    }

    function _approve(uint256 id) private {
        _approvedIn[id][msg.sender] = _term[msg.sender];
        emit ProposalApproved(id, msg.sender);
        if (_approvalCount(id) >= _threshold) _execute(id);
    }

    function _execute(uint256 id) private {
        Proposal storage p = _proposals[id];
        // Closed before the call so that the call cannot execute it again.
        p.state = ProposalState.Executed;
        (bool ok, bytes memory reason) = p.target.call(p.data);
        // All or nothing: a failed call undoes the proposal's closing too, with the inner error kept.
        if (!ok) revert ProposalExecutionFailed(id, reason);
        emit ProposalExecuted(id);
    }

    /// @dev Approvals of current members in their current terms.
    function _approvalCount(uint256 id) private view returns (uint256 count) {
        uint256 n = _memberCount;
        for (uint256 i = 1; i <= n; i++) {
            address m = _memberAt[i];
            if (_approvedIn[id][m] == _term[m]) count++;
        }
    }

    // ------------------------------------------------------------------ committee actions

    /// @inheritdoc ICommittee
    function bindModules(address registry, address ledger, address credentials) external onlyCommittee {
        // Bound once: the committee's reach must not move to other contracts later.
        if (_registry != address(0)) revert ModulesAlreadyBound(_registry, _ledger, _credentials);
        // A module must be a contract other than the committee, or proposals could target anything.
        if (registry == address(0) || registry == address(this)) revert InvalidModule(registry);
        if (ledger == address(0) || ledger == address(this)) revert InvalidModule(ledger);
        if (credentials == address(0) || credentials == address(this)) revert InvalidModule(credentials);
        _registry = registry;
        _ledger = ledger;
        _credentials = credentials;
        emit ModulesBound(registry, ledger, credentials);
    }

    /// @inheritdoc ICommittee
    function addMember(address member) external onlyCommittee {
        // The committee itself as a member would let proposals propose.
        if (member == address(0) || member == address(this)) revert InvalidMemberAddress(member);
        // A second admission would start a new term and drop the member's current approvals.
        if (_term[member] != 0) revert AlreadyMember(member);
        _admit(member);
    }

    function _admit(address member) private {
        _term[member] = ++_terms;
        uint256 slot = ++_memberCount;
        _memberAt[slot] = member;
        _slotOf[member] = slot;
        emit MemberAdded(member);
    }

    /// @inheritdoc ICommittee
    function removeMember(address member) external onlyCommittee {
        uint256 slot = _slotOf[member];
        // Only a member can be removed.
        if (slot == 0) revert NotMember(member);
        uint256 n = _memberCount;
        // The threshold must stay reachable by the remaining members.
        if (n - 1 < _threshold) revert ThresholdOutOfRange(_threshold, n - 1);
        address last = _memberAt[n];
        _memberAt[slot] = last;
        _slotOf[last] = slot;
        delete _memberAt[n];
        delete _slotOf[member];
        _memberCount = n - 1;
        _term[member] = 0;
        emit MemberRemoved(member);
    }

    /// @inheritdoc ICommittee
    function setThreshold(uint32 threshold_) external onlyCommittee {
        // Zero would let anyone's proposal pass unapproved; above n nothing could pass.
        if (threshold_ == 0 || threshold_ > _memberCount) revert ThresholdOutOfRange(threshold_, _memberCount);
        _threshold = threshold_;
        emit ThresholdChanged(threshold_);
    }

    /// @inheritdoc ICommittee
    function setProposalWindow(uint64 blocks) external onlyCommittee {
        // A zero window would make every proposal expire before anyone could approve it.
        if (blocks == 0 || blocks > MAX_WINDOW) revert InvalidProposalWindow(blocks);
        _window = blocks;
        emit ProposalWindowChanged(blocks);
    }

    /// @inheritdoc ICommittee
    function nameSuccessor(address successor_) external onlyCommittee {
        // One successor: verifiers must find a single line of deployments.
        if (_successor != address(0)) revert SuccessorAlreadyNamed(_successor);
        // Verifiers follow the link: it must lead somewhere else.
        if (successor_ == address(0) || successor_ == address(this)) revert InvalidSuccessor(successor_);
        _successor = successor_;
        _successorBlock = uint64(block.number);
        emit SuccessorNamed(successor_);
    }

    // ------------------------------------------------------------------ getters

    /// @inheritdoc ICommittee
    function members() external view returns (address[] memory out) {
        uint256 n = _memberCount;
        out = new address[](n);
        for (uint256 i = 0; i < n; i++) {
            out[i] = _memberAt[i + 1];
        }
    }

    /// @inheritdoc ICommittee
    function isMember(address account) external view returns (bool) {
        return _term[account] != 0;
    }

    /// @inheritdoc ICommittee
    function threshold() external view returns (uint32) {
        return _threshold;
    }

    /// @inheritdoc ICommittee
    function proposalWindow() external view returns (uint64) {
        return _window;
    }

    /// @inheritdoc ICommittee
    function proposal(uint256 id) external view returns (Proposal memory, uint256 approvals, ProposalState state) {
        // Ids are dense: anything at or past the count was never proposed.
        if (id >= _proposalCount) revert UnknownProposal(id);
        return (_proposals[id], _approvalCount(id), _state(id));
    }

    /// @inheritdoc ICommittee
    function proposalState(uint256 id) external view returns (ProposalState) {
        if (id >= _proposalCount) return ProposalState.None;
        return _state(id);
    }

    function _state(uint256 id) private view returns (ProposalState) {
        Proposal storage p = _proposals[id];
        if (p.state == ProposalState.Pending && block.number > p.expiresAt) return ProposalState.Expired;
        return p.state;
    }

    /// @inheritdoc ICommittee
    function proposalCount() external view returns (uint256) {
        return _proposalCount;
    }

    /// @inheritdoc ICommittee
    function hasApproved(uint256 id, address member) external view returns (bool) {
        return _term[member] != 0 && _approvedIn[id][member] == _term[member];
    }

    /// @inheritdoc ICommittee
    function modules() external view returns (address registry, address ledger, address credentials) {
        return (_registry, _ledger, _credentials);
    }

    /// @inheritdoc ICommittee
    function predecessor() external view returns (address) {
        return _predecessor;
    }

    /// @inheritdoc ICommittee
    function successor() external view returns (address committee, uint64 blockNumber) {
        return (_successor, _successorBlock);
    }
}
