// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.26;

import "./Common.sol";

/// @title Committee governance and issuers
/// @notice A k-of-n committee governs the ledger: a member proposes a call (to this registry, the
///         ContributionLedger or the CredentialRegistry), members approve, and the call executes once
///         approvals reach the threshold. Issuers (universities, communities, enterprises, authorities)
///         write to the ledger; their status and scope are kept as append-only histories so that
///         "was issuer X authorised for type T at block N" has an answer.
interface IIssuerRegistry {
    /// @notice Current state of an issuer, as stored (one word).
    struct Issuer {
        address parent;
        uint32 id;
        IssuerKind kind;
        IssuerStatus status;
        uint8 depth;
        bool anyScope;
        bool committeeHold;
    }

    /// @notice A committee proposal.
    struct Proposal {
        address proposer;
        address target;
        bool executed;
        uint64 createdBlock;
        bytes data;
    }

    event MemberAdded(address indexed member);
    event MemberRemoved(address indexed member);
    event ThresholdChanged(uint32 threshold);
    event ModulesBound(address ledger, address credentials);
    event ProposalCreated(uint256 indexed id, address indexed proposer, address indexed target, bytes data);
    event ProposalApproved(uint256 indexed id, address indexed member, uint256 approvals);
    event ProposalExecuted(uint256 indexed id);
    event IssuerAdded(
        address indexed issuer,
        address indexed parent,
        IssuerKind kind,
        uint32 id,
        uint8 depth,
        bytes32 metaHash,
        uint32[] scope
    );
    event IssuerStatusChanged(address indexed issuer, IssuerStatus status, address by);
    event IssuerScopeChanged(address indexed issuer, uint32[] typeIds, bool allowed);

    error NotCommitteeMember(address caller);
    error AlreadyMember(address member);
    error NotMember(address member);
    error InvalidMemberAddress(address member);
    error ThresholdOutOfRange(uint256 threshold, uint256 memberCount);
    error UnsupportedTarget(address target);
    error ModulesAlreadyBound(address ledger, address credentials);
    error UnknownProposal(uint256 id);
    error ProposalAlreadyExecuted(uint256 id);
    error AlreadyApproved(uint256 id, address member);
    error NotEnoughApprovals(uint256 id, uint256 needed, uint256 found);
    error ProposalExecutionFailed(uint256 id, bytes reason);
    error UnknownIssuer(address issuer);
    error IssuerExists(address issuer);
    error InvalidIssuerAddress(address issuer);
    error InvalidIssuerKind(IssuerKind kind);
    error IssuerNotActive(address issuer, IssuerStatus status);
    error AncestorNotActive(address issuer, address ancestor, IssuerStatus status);
    error OutOfScope(address issuer, uint32 typeId);
    error AnyScopeNotAllowed(address issuer, IssuerKind kind);
    error ParentKindNotAllowed(address parent, IssuerKind kind);
    error ChildKindNotAllowed(address child, IssuerKind kind);
    error DepthExceeded(address child, uint8 depth);
    error ScopeNotSubset(address child, uint32 typeId);
    error InvalidStatus(IssuerStatus status);
    error StatusUnchanged(address issuer, IssuerStatus status);
    error IssuerIsRetired(address issuer);
    error NotParentOrCommittee(address issuer, address caller);
    error CommitteeHold(address issuer);

    /// @notice Version of this contract.
    function version() external pure returns (string memory);

    /// @notice Propose a call to `target` (this registry, the ledger or the credential registry);
    ///         the proposer's approval counts, so with threshold 1 it executes at once.
    /// @param target Contract the committee calls.
    /// @param data Calldata of the call (selector and arguments).
    /// @return id The proposal id.
    function propose(address target, bytes calldata data) external returns (uint256 id);

    /// @notice Approve a pending proposal; executes it when approvals reach the threshold.
    /// @param id Proposal id.
    function approve(uint256 id) external;

    /// @notice Execute a pending proposal whose approvals already reach the threshold
    ///         (useful after the threshold was lowered).
    /// @param id Proposal id.
    function execute(uint256 id) external;

    /// @notice Committee only: name the ContributionLedger and CredentialRegistry (once).
    function bindModules(address ledger, address credentials) external;

    /// @notice Committee only: add a committee member.
    function addMember(address member) external;

    /// @notice Committee only: remove a committee member (the threshold must stay reachable).
    function removeMember(address member) external;

    /// @notice Committee only: set the approval threshold (1 ..= member count).
    function setThreshold(uint32 threshold) external;

    /// @notice Committee only: add a top-level issuer.
    /// @param issuer Address the issuer signs with.
    /// @param kind University, Community, Enterprise or Authority.
    /// @param scope Certificate type ids it may issue; type 0 means "any", allowed only for an Authority.
    /// @param metaHash Hash of the off-chain description (name, domain, contact).
    function addIssuer(address issuer, IssuerKind kind, uint32[] calldata scope, bytes32 metaHash) external;

    /// @notice An active University or Community issuer adds a child issuer (a college, a teacher, a
    ///         special-interest group) with a scope inside its own; no committee vote is needed.
    /// @param child Address of the new issuer.
    /// @param kind The caller's own kind (University or Community): a child is of its parent's kind.
    /// @param scope Certificate type ids, each covered by the caller's own scope.
    /// @param metaHash Hash of the off-chain description.
    function addChildIssuer(address child, IssuerKind kind, uint32[] calldata scope, bytes32 metaHash) external;

    /// @notice Change an issuer's status (Active, Suspended, Retired; Retired is final). Callable by the
    ///         committee, or by the issuer's active parent; a parent cannot reactivate a child the
    ///         committee suspended (CommitteeHold).
    function setIssuerStatus(address issuer, IssuerStatus status) external;

    /// @notice Committee only: allow or disallow certificate types for an issuer.
    function setIssuerScope(address issuer, uint32[] calldata typeIds, bool allowed) external;

    /// @notice The issuer's id and kind if it may write now (it and every ancestor active); reverts
    ///         with UnknownIssuer, IssuerNotActive or AncestorNotActive otherwise.
    function writer(address issuer) external view returns (uint32 id, IssuerKind kind);

    /// @notice As `writer`, and the type must lie in the scope of the issuer and of every ancestor
    ///         (reverts with OutOfScope otherwise).
    function writerFor(address issuer, uint32 typeId) external view returns (uint32 id, IssuerKind kind);

    /// @notice Whether `issuer` was authorised to issue `typeId` at `blockNumber`, from the histories.
    function isAuthorized(address issuer, uint32 typeId, uint256 blockNumber) external view returns (bool);

    /// @notice Status of `issuer` at `blockNumber` (None before it was added).
    function statusAt(address issuer, uint256 blockNumber) external view returns (IssuerStatus);

    /// @notice Whether `typeId` was in the issuer's own scope at `blockNumber` ("any" included).
    function scopeAt(address issuer, uint32 typeId, uint256 blockNumber) external view returns (bool);

    /// @notice Current stored state of an issuer (kind None if unknown).
    function issuer(address issuer) external view returns (Issuer memory);

    /// @notice Metadata hash of an issuer.
    function issuerMetaHash(address issuer) external view returns (bytes32);

    /// @notice Address of the issuer with id `id` (ids start at 1).
    function issuerAt(uint32 id) external view returns (address);

    /// @notice Number of issuers ever added.
    function issuerCount() external view returns (uint256);

    /// @notice Full status history of an issuer.
    function statusHistory(address issuer) external view returns (StatusChange[] memory);

    /// @notice Full scope history of an issuer for one type (type 0: "any").
    function scopeHistory(address issuer, uint32 typeId) external view returns (ScopeChange[] memory);

    /// @notice Whether `typeId` is in the issuer's own scope now.
    function inScope(address issuer, uint32 typeId) external view returns (bool);

    /// @notice Current committee members.
    function members() external view returns (address[] memory);

    /// @notice Whether `account` is a committee member.
    function isMember(address account) external view returns (bool);

    /// @notice Current approval threshold.
    function threshold() external view returns (uint32);

    /// @notice A proposal and its approvals counted among current members.
    function proposal(uint256 id) external view returns (Proposal memory, uint256 approvals);

    /// @notice Number of proposals ever made.
    function proposalCount() external view returns (uint256);

    /// @notice Whether `issuer` and the issuer with id `otherId` belong to one organisation: the same
    /// top-level issuer above them (or one is the other's ancestor). False when either is unknown.
    function sameOrganisation(address issuer, uint32 otherId) external view returns (bool);

    /// @notice Whether `member`'s approval of proposal `id` counts: given by a current member, in its
    /// current term (an approval from before a removal does not come back with the member).
    function hasApproved(uint256 id, address member) external view returns (bool);

    /// @notice The bound ContributionLedger and CredentialRegistry (zero until bound).
    function modules() external view returns (address ledger, address credentials);
}
