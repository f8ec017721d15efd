// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.26;

import "./Common.sol";

/// @title Issuers, their keys, and the batches they anchor
/// @notice Issuers (universities, communities, enterprises, authorities) write to the ledger. An issuer is
///         a *node* (stable id, kind, parent, scope, status history) that signs with one *current key*;
///         a key rotates to a successor that the successor key accepts, and a key can be marked
///         compromised since a block, which voids what it wrote from that block on. A University or
///         Community offers child issuers inside its own scope; the child key accepts. The committee
///         (the Committee contract executing a proposal) adds top-level issuers and rules over all.
///
///         Batches live here too, so that anchoring and leaf revocation check the writer in the same
///         contract (no cross-contract call): an anchor is keyed by (issuer key, root), and the status
///         of a leaf is two bits in a bitmap by leaf index, namespaced by (issuer key, root). No Merkle
///         proof is needed to change a leaf's status: verification checks inclusion against the root
///         first, so a status written for an index outside the batch is never consulted.
///
///         Merkle tree (positional, double-hashed leaves; H = keccak256, SM3 on SM chains):
///         leaf node = H(H(credentialHash)); each level pairs nodes (2j, 2j+1) into H(left || right),
///         an odd last node pairs with 32 zero bytes; the root of one leaf is its leaf node. A proof
///         lists one sibling per level (a missing one is 32 zero bytes); bit l of the index says
///         whether the node is on the right at level l. CredentialRegistry.verifyLeaf and
///         verifyBatchCredential check proofs and verdicts on chain; see contracts/README.md.
interface IIssuerRegistry {
    /// @notice An issuer key and its node, as read by `issuer`.
    struct IssuerView {
        uint32 id;
        uint32 node;
        uint32 parentNode;
        address parent;
        address currentKey;
        IssuerKind kind;
        IssuerStatus status;
        uint8 depth;
        bool anyScope;
        bool committeeHold;
        bool rotated;
        bool compromised;
        uint64 activeFrom;
        uint64 activeUntil;
        uint64 compromisedSince;
        bytes32 metaHash;
    }

    /// @notice When a key held its node's authority (`activeUntil` 0 while it is the current key) and
    ///         since when it is compromised (0: never marked).
    struct KeyInfo {
        uint64 activeFrom;
        uint64 activeUntil;
        uint64 compromisedSince;
    }

    /// @notice An anchored batch (one word). `revokedBy` is the revoking key's id, 0 for the committee.
    struct Anchor {
        uint32 typeId;
        uint32 count;
        uint64 blockNumber;
        bool revoked;
        RevocationReason reason;
        uint64 revokedBlock;
        uint32 revokedBy;
    }

    /// @notice A pending child offer: the hash of its terms, H(abi.encode(kind, scope, metaHash)), and the
    ///         offering key's id.
    struct ChildOffer {
        bytes32 terms;
        uint32 by;
    }

    /// @notice A pending successor offer; `by` is the offering key's id, 0 for the committee.
    struct SuccessorOffer {
        bool offered;
        uint32 by;
    }

    /// @notice A node was created: `id` is its first key's id and the node's id.
    event IssuerAdded(
        address indexed issuer,
        address indexed parent,
        IssuerKind kind,
        uint32 id,
        uint8 depth,
        bytes32 metaHash,
        uint32[] scope
    );
    event ChildOffered(
        address indexed child, address indexed parent, IssuerKind kind, uint32[] scope, bytes32 metaHash
    );
    event ChildOfferCancelled(address indexed child, address indexed parent);
    event IssuerStatusChanged(address indexed issuer, uint32 indexed node, IssuerStatus status, address by);
    event IssuerHoldChanged(address indexed issuer, uint32 indexed node, bool held);
    event IssuerScopeChanged(address indexed issuer, uint32 indexed node, uint32[] typeIds, bool allowed);
    event SuccessorOffered(address indexed issuer, address indexed successor, address by);
    event SuccessorOfferCancelled(address indexed issuer, address indexed successor, address by);
    /// @notice `offeredBy` made the offer (zero: the committee); a key installed by an offer of a key
    ///         that was compromised at the time is the marker's to judge (README, "Compromise").
    event IssuerKeyRotated(
        address indexed previous, address indexed successor, uint32 indexed node, uint32 id, address offeredBy
    );
    event IssuerKeyCompromised(address indexed key, uint64 since, address by);
    event BatchAnchored(address indexed issuer, bytes32 indexed root, uint32 typeId, uint32 count, bytes32 metaHash);
    event BatchRevoked(address indexed issuer, bytes32 indexed root, RevocationReason reason, address by);
    /// @notice Leaf `index` of the batch (`issuer`, `root`) was revoked by the issuer's own key.
    event LeafRevoked(address indexed issuer, bytes32 indexed root, uint256 index, RevocationReason reason);
    event LeavesStatusChanged(
        address indexed issuer,
        bytes32 indexed root,
        uint256[] indexes,
        CredentialStatus status,
        RevocationReason reason,
        address by
    );
    event LeavesStatusRestored(
        address indexed issuer, bytes32 indexed root, uint256[] indexes, CredentialStatus status, address by
    );

    error UnknownIssuer(address issuer);
    error IssuerExists(address issuer);
    error InvalidIssuerAddress(address issuer);
    error InvalidIssuerKind(IssuerKind kind);
    error IssuerNotActive(address issuer, IssuerStatus status);
    error AncestorNotActive(address issuer, address ancestor, IssuerStatus status);
    error KeyRotated(address issuer, address currentKey);
    error KeyCompromised(address issuer, uint64 since);
    error OutOfScope(address issuer, uint32 typeId);
    error IssuerKindNotAllowed(uint32 typeId, IssuerKind kind);
    error AnyScopeNotAllowed(address issuer, IssuerKind kind);
    error ParentKindNotAllowed(address parent, IssuerKind kind);
    error ChildKindNotAllowed(address child, IssuerKind kind);
    error DepthExceeded(address child, uint8 depth);
    error ScopeNotSubset(address child, uint32 typeId);
    error NoChildOffer(address child, address parent);
    error NoSuccessorOffer(address issuer, address successor);
    error InvalidStatus(IssuerStatus status);
    error StatusUnchanged(address issuer, IssuerStatus status);
    error IssuerIsRetired(address issuer);
    error NotParentOrCommittee(address issuer, address caller);
    error CommitteeHold(address issuer);
    error InvalidCompromiseBlock(address key, uint64 since);
    error CompromiseNotEarlier(address key, uint64 current, uint64 requested);
    error NoCompromiseToRepair(address issuer);
    error NotCredentialsModule(address caller);
    error InvalidRoot(bytes32 root);
    error RootAlreadyAnchored(address issuer, bytes32 root, uint64 blockNumber);
    error UnknownBatch(address issuer, bytes32 root);
    error BatchIsRevoked(address issuer, bytes32 root, uint64 blockNumber);
    error LeafIsRevoked(address issuer, bytes32 root, uint256 index);
    error InvalidRequestedStatus(CredentialStatus status);
    error InvalidLeafTransition(
        address issuer, bytes32 root, uint256 index, CredentialStatus current, CredentialStatus requested
    );

    /// @notice Version of this contract.
    function version() external pure returns (string memory);

    /// @notice The Committee this registry obeys.
    function committee() external view returns (address);

    // ------------------------------------------------------------------ issuers

    /// @notice Committee only: add a top-level issuer (a new node whose first key is `issuer`).
    /// @param issuer Address the issuer signs with (fresh, never marked compromised).
    /// @param kind University, Community, Enterprise or Authority.
    /// @param scope Certificate type ids it may issue, each defined and allowing `kind`; type 0 means
    ///        "any type", allowed only for an Authority.
    /// @param metaHash Hash of the off-chain description (name, domain, contact).
    function addIssuer(address issuer, IssuerKind kind, uint32[] calldata scope, bytes32 metaHash) external;

    /// @notice Offer `child` a place as a child issuer (a college, a teacher, a group); the child key must
    ///         accept with the same terms before it exists. A new offer to the same child replaces this
    ///         node's previous one.
    /// @dev Caller: a University or Community key in good standing (it and its ancestors active), of
    ///      depth below 3. The child is of the caller's kind, its scope inside the caller's own.
    function offerChild(address child, IssuerKind kind, uint32[] calldata scope, bytes32 metaHash) external;

    /// @notice Accept the offer of `parent` (any key of the offering node): the caller becomes a child
    ///         issuer with exactly these terms, rechecked now against the parent's standing and scope.
    ///         An offer made by a key that is compromised or rotated by now is refused (KeyCompromised,
    ///         KeyRotated).
    function acceptChild(address parent, IssuerKind kind, uint32[] calldata scope, bytes32 metaHash) external;

    /// @notice Withdraw this node's pending offer to `child`. Caller: a key in good standing.
    function cancelChildOffer(address child) external;

    /// @notice Change an issuer's (node's) status: Active, Suspended or Retired (final). Callable by the
    ///         committee, whose Suspended or Retired also puts the node on hold (its Active lifts the
    ///         hold), or by the current key of the issuer's parent while in good standing, which cannot
    ///         change a held child. The committee may hold a child its parent already suspended.
    /// @param issuer Any key of the node.
    function setIssuerStatus(address issuer, IssuerStatus status) external;

    /// @notice Committee only: allow or disallow certificate types for an issuer (any key of its node).
    ///         An allowed type must be defined and allow the issuer's kind.
    function setIssuerScope(address issuer, uint32[] calldata typeIds, bool allowed) external;

    /// @notice Offer `successor` the authority of the node of `issuer`; the successor key accepts.
    ///         The successor manages everything the node's earlier keys wrote.
    /// @dev Caller: the node's current key unless compromised (rotation), the current key of its parent
    ///      in good standing (a child's lost key), or the committee. The node must not be retired.
    function offerSuccessor(address issuer, address successor) external;

    /// @notice Accept a successor offer for the node of `issuer`: the caller (a fresh key) becomes the
    ///         node's current key, the previous key is rotated out and can write nothing more. An offer
    ///         made by a key that is compromised or rotated by now is refused (KeyCompromised, KeyRotated).
    function acceptSuccessor(address issuer) external;

    /// @notice Withdraw a pending successor offer. Caller: as for `offerSuccessor`.
    function cancelSuccessorOffer(address issuer, address successor) external;

    /// @notice Mark `key` compromised since block `since`: it can write nothing more, and what it wrote
    ///         at or after `since` (anchors, issuances, contributions, co-signs, status changes) is void.
    /// @dev Callers: the committee (any key, also one it does not know, such as a predecessor
    ///      deployment's; any block up to now, also later than an earlier mark, to correct it); the key
    ///      itself, only from the current block (it cannot back-date); the current key of its node (a
    ///      successor) or of its parent, in good standing, which may only move a mark earlier.
    function markCompromised(address key, uint64 since) external;

    /// @notice The CredentialRegistry records which issuer kinds a type allows (0: undefined). Scope is
    ///         granted only against it, so writes need no type read.
    /// @dev Caller: the CredentialRegistry bound in the Committee.
    function noteType(uint32 typeId, uint8 allowedKinds) external;

    // ------------------------------------------------------------------ batches

    /// @notice Anchor the Merkle root of a batch of `count` credentials of type `typeId`, under the
    ///         caller's key: another issuer's copy of the same root is a different anchor and touches
    ///         nothing of this one. Being accepted records that the caller was authorised then.
    /// @dev Caller: a key in good standing, the type in its scope and in every ancestor's.
    ///      (The name sorts first in the dispatcher; see contracts/README.md, "Gas".)
    function anchorMerkleRoot(uint32 typeId, uint32 count, bytes32 root, bytes32 metaHash) external;

    /// @notice Revoke a whole batch, with a reason (final, except that a revocation made by a key that
    ///         was compromised at the time can be made again, with the right reason and author).
    /// @dev Caller: the batch's managers (its issuer key or the node's current key, the parent's current
    ///      key) in good standing, or the committee.
    function revokeBatch(address issuer, bytes32 root, RevocationReason reason) external;

    /// @notice Revoke leaf `index` of the caller's own batch `root`, with a reason (final). No proof is
    ///         needed: verification checks inclusion against the root before it reads a status.
    /// @dev Caller: the key that anchored the batch, in good standing. Managers of another key's batch
    ///      use `setLeavesStatus`.
    function revokeLeaf(bytes32 root, uint256 index, RevocationReason reason) external;

    /// @notice Set the status of many leaves of the batch (`issuer`, `root`) in one transaction (all or
    ///         nothing): Suspended or Revoked with a reason, or Valid to reinstate suspended leaves.
    ///         Revoked is final.
    /// @dev Caller: the batch's managers (its issuer key or the node's current key, the parent's current
    ///      key) in good standing, or the committee.
    function setLeavesStatus(
        address issuer,
        bytes32 root,
        uint256[] calldata indexes,
        CredentialStatus status,
        RevocationReason reason
    ) external;

    /// @notice After a key of the issuer's node was marked compromised, set leaves to any status (also
    ///         back from Revoked), to undo what the stolen key changed.
    /// @dev Caller: the committee, or a manager of the batch once the node has a compromised key.
    function restoreLeaves(address issuer, bytes32 root, uint256[] calldata indexes, CredentialStatus status) external;

    // ------------------------------------------------------------------ checks for the other modules

    /// @notice The key id, organisation (top-level node id) and kind of `issuer` if it may write now
    ///         (not rotated or compromised, it and every ancestor active); reverts otherwise with
    ///         UnknownIssuer, IssuerNotActive, KeyRotated, KeyCompromised or AncestorNotActive.
    function writer(address issuer) external view returns (uint32 id, uint32 org, IssuerKind kind);

    /// @notice As `writer`, and `typeId` must be in the scope of the issuer and of every ancestor
    ///         (OutOfScope otherwise).
    function writerFor(address issuer, uint32 typeId) external view returns (uint32 id, uint32 org, IssuerKind kind);

    /// @notice The key id of `caller` if it may manage what `issuer` wrote (its issuer key or the node's
    ///         current key, or the parent's current key, in good standing); reverts otherwise (NotManager,
    ///         or the caller's own standing error).
    function requireManager(address caller, address issuer) external view returns (uint32 callerId);

    /// @notice For a co-sign: the signer's key id and organisation (reverts as `writer` does) and the
    ///         organisation of the key with id `recorderId`.
    function coSigner(address signer, uint32 recorderId)
        external
        view
        returns (uint32 signerId, uint32 signerOrg, uint32 recorderOrg);

    /// @notice Compromise blocks of keys by id (0: not compromised), in the order given.
    function compromisedSinceOf(uint32[] calldata ids) external view returns (uint64[] memory);

    /// @notice How `issuer` stands for what it wrote at `atBlock`: Compromised if its key was compromised
    ///         at or before, Suspended if its node or an ancestor is suspended now, Unknown, else Good.
    function standing(address issuer, uint64 atBlock) external view returns (Standing);

    // ------------------------------------------------------------------ history

    /// @notice Whether `issuer` (a key) could have written `typeId` at some moment of block `blockNumber`:
    ///         it was its node's key then and not compromised, and its node and every ancestor were active
    ///         with the type in scope in that block. It is never false for a block in which the registry
    ///         accepted an anchor of that type from that key.
    function isAuthorized(address issuer, uint32 typeId, uint256 blockNumber) external view returns (bool);

    /// @notice Status of the node of `issuer` at the end of block `blockNumber` (None before it existed).
    function statusAt(address issuer, uint256 blockNumber) external view returns (IssuerStatus);

    /// @notice Whether `typeId` was in the node's own scope at the end of `blockNumber` ("any" included).
    function scopeAt(address issuer, uint32 typeId, uint256 blockNumber) external view returns (bool);

    /// @notice Full status history of the node of `issuer` (one entry per block with a change).
    function statusHistory(address issuer) external view returns (StatusChange[] memory);

    /// @notice Full scope history of the node of `issuer` for one type (type 0: "any").
    function scopeHistory(address issuer, uint32 typeId) external view returns (ScopeChange[] memory);

    // ------------------------------------------------------------------ getters

    /// @notice Whether `typeId` is in the own scope of the node of `issuer` now ("any" included).
    function inScope(address issuer, uint32 typeId) external view returns (bool);

    /// @notice An issuer key and its node (id 0 if unknown).
    function issuer(address issuer) external view returns (IssuerView memory);

    /// @notice Address of the key with id `id` (ids start at 1; zero if none).
    function issuerAt(uint32 id) external view returns (address);

    /// @notice Number of keys ever registered (first keys and successors).
    function issuerCount() external view returns (uint256);

    /// @notice The organisation (top-level node id) of the node of `issuer` (0 if unknown).
    function organisationOf(address issuer) external view returns (uint32);

    /// @notice When a key held authority and since when it is compromised.
    function keyInfo(address key) external view returns (KeyInfo memory);

    /// @notice The pending child offer of the node of `parent` to `child` (terms zero if none).
    function childOffer(address child, address parent) external view returns (ChildOffer memory);

    /// @notice A pending successor offer of `successor` for the node of `issuer`.
    function successorOffer(address successor, address issuer) external view returns (SuccessorOffer memory);

    /// @notice The batch anchored by `issuer` with `root` (blockNumber 0 if none).
    function anchorOf(address issuer, bytes32 root) external view returns (Anchor memory);

    /// @notice Status bits of leaf `index` of the batch (`issuer`, `root`).
    function leafStatus(address issuer, bytes32 root, uint256 index) external view returns (CredentialStatus);

    /// @notice Raw status word `wordIndex` of a batch: leaves 128*wordIndex .. 128*wordIndex+127, two bits
    ///         each, leaf 128*wordIndex + k at bits 2k and 2k+1.
    function leafStatusWord(address issuer, bytes32 root, uint256 wordIndex) external view returns (uint256);
}
