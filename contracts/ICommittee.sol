// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.26;

import "./Common.sol";

/// @title The consortium's committee: k-of-n proposals
/// @notice A member proposes a call to this contract or to one of the three bound modules (IssuerRegistry,
///         ContributionLedger, CredentialRegistry); members approve; the call executes once approvals of
///         *current* members, each in its current term, reach the threshold. A proposal expires after a
///         window of blocks fixed when it is made, and its proposer or the committee can cancel it.
///         A deployment names its predecessor (the committee of the deployment it replaces) and, once,
///         its successor: verifiers follow these links (see contracts/README.md, "Upgrades").
interface ICommittee {
    /// @notice A committee proposal as stored (`state` is Pending, Executed or Cancelled; read the
    ///         derived state, which includes Expired, with `proposal` or `proposalState`).
    struct Proposal {
        address proposer;
        uint64 createdBlock;
        uint64 expiresAt;
        address target;
        ProposalState state;
        bytes data;
    }

    event MemberAdded(address indexed member);
    event MemberRemoved(address indexed member);
    event ThresholdChanged(uint32 threshold);
    event ProposalWindowChanged(uint64 blocks);
    event ModulesBound(address registry, address ledger, address credentials);
    event SuccessorNamed(address indexed successor);
    /// @notice `expiresAt` is the last block in which the proposal can be approved or executed.
    event ProposalCreated(
        uint256 indexed id, address indexed proposer, address indexed target, uint64 expiresAt, bytes data
    );
    /// @notice No running count: approvals are counted among current members when read (`proposal`),
    ///         so a count in an event would go stale when the membership changes.
    event ProposalApproved(uint256 indexed id, address indexed member);
    event ProposalExecuted(uint256 indexed id);
    event ProposalCancelled(uint256 indexed id, address indexed by);

    error NotCommitteeMember(address caller);
    error AlreadyMember(address member);
    error NotMember(address member);
    error InvalidMemberAddress(address member);
    error ThresholdOutOfRange(uint256 threshold, uint256 memberCount);
    error InvalidProposalWindow(uint64 blocks);
    error UnsupportedTarget(address target);
    error ModulesAlreadyBound(address registry, address ledger, address credentials);
    error InvalidModule(address module);
    error UnknownProposal(uint256 id);
    error ProposalNotPending(uint256 id, ProposalState state);
    error ProposalExpired(uint256 id, uint64 expiresAt);
    error AlreadyApproved(uint256 id, address member);
    error NotEnoughApprovals(uint256 id, uint256 needed, uint256 found);
    error ProposalExecutionFailed(uint256 id, bytes reason);
    error NotProposerOrCommittee(uint256 id, address caller);
    error SuccessorAlreadyNamed(address successor);
    error InvalidSuccessor(address successor);

    /// @notice Version of this contract.
    function version() external pure returns (string memory);

    /// @notice Propose a call to `target` (this committee or a bound module); the proposer's approval
    ///         counts, so with threshold 1 it executes at once. It expires after the current window.
    /// @dev Caller: a committee member.
    /// @param target Contract the committee calls.
    /// @param data Calldata of the call (selector and arguments).
    /// @return id The proposal id (ids count from 0).
    function propose(address target, bytes calldata data) external returns (uint256 id);

    /// @notice Approve a pending, unexpired proposal; executes it when approvals reach the threshold.
    /// @dev Caller: a committee member that has not approved it in its current term.
    /// @param id Proposal id.
    function approve(uint256 id) external;

    /// @notice Execute a pending, unexpired proposal whose approvals already reach the threshold
    ///         (useful after the threshold was lowered or a member left).
    /// @dev Caller: a committee member.
    /// @param id Proposal id.
    function execute(uint256 id) external;

    /// @notice Cancel a pending proposal (expired ones too, to close them for the record).
    /// @dev Caller: its proposer while still a member, or the committee (another proposal).
    /// @param id Proposal id.
    function cancel(uint256 id) external;

    /// @notice Committee only: name the three modules proposals may call (once).
    function bindModules(address registry, address ledger, address credentials) external;

    /// @notice Committee only: add a committee member (a new term starts for it).
    function addMember(address member) external;

    /// @notice Committee only: remove a committee member (the threshold must stay reachable).
    function removeMember(address member) external;

    /// @notice Committee only: set the approval threshold (1 ..= member count).
    function setThreshold(uint32 threshold) external;

    /// @notice Committee only: set the window (in blocks, 1 ..= 2^32) given to proposals made from now on.
    function setProposalWindow(uint64 blocks) external;

    /// @notice Committee only: name the committee of the deployment that replaces this one (once).
    function nameSuccessor(address successor) external;

    /// @notice Current committee members, in order of admission slots.
    function members() external view returns (address[] memory);

    /// @notice Whether `account` is a committee member.
    function isMember(address account) external view returns (bool);

    /// @notice Current approval threshold.
    function threshold() external view returns (uint32);

    /// @notice Window, in blocks, given to new proposals.
    function proposalWindow() external view returns (uint64);

    /// @notice A proposal, its approvals counted among current members now, and its derived state.
    function proposal(uint256 id) external view returns (Proposal memory, uint256 approvals, ProposalState state);

    /// @notice Derived state of a proposal (None if unknown).
    function proposalState(uint256 id) external view returns (ProposalState);

    /// @notice Number of proposals ever made.
    function proposalCount() external view returns (uint256);

    /// @notice Whether `member`'s approval of proposal `id` counts: given by a current member, in its
    ///         current term (an approval from before a removal does not come back with the member).
    function hasApproved(uint256 id, address member) external view returns (bool);

    /// @notice The bound IssuerRegistry, ContributionLedger and CredentialRegistry (zero until bound).
    function modules() external view returns (address registry, address ledger, address credentials);

    /// @notice The committee of the deployment this one replaces (zero for the first deployment).
    function predecessor() external view returns (address);

    /// @notice The committee of the deployment that replaces this one, and the block it was named in
    ///         (zero while none). Writes here after that block are not to be trusted by verifiers.
    function successor() external view returns (address committee, uint64 blockNumber);
}
