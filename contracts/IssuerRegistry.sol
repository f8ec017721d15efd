// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.26;

import "./Common.sol";
import "./ICommittee.sol";
import "./IIssuerRegistry.sol";

/// @title IssuerRegistry
/// @notice Issuers, keys, compromise and rotation, anchored batches and their statuses. See IIssuerRegistry.
/// @dev Two words are packed by hand, because anchoring and leaf revocation must cost one storage read
///      for the writer and one storage write for the record (a struct assignment costs a write per
///      member under the IR pipeline):
///
///      issuer word (per key), low bits first:
///        id 0..31 (this key's id) | node 32..63 (the issuer's stable id: its first key's id) |
///        parent 64..95 (parent's node id, 0: top-level) | kind 96..103 | status 104..111 (the node's) |
///        depth 112..119 | flags 120..127 (HOLD, ROTATED, COMPROMISED) |
///        scope 128..255 (bit 128+t: type t, for t < 128; bit 128 itself: any type)
///      Only the node's current key's word carries live status and scope; a rotated key keeps a frozen
///      copy with ROTATED set. Types >= 128 have their scope bit in `_scopePages` (node, type >> 8).
///
///      anchor word (per issuer key and root):
///        typeId 0..31 | count 32..63 | blockNumber 64..127 | revoked 128..135 | reason 136..143 |
///        revokedBlock 144..207 | revokedBy 208..239 (key id, 0: the committee)
contract IssuerRegistry is IIssuerRegistry {
    uint256 private constant NODE = 32;
    uint256 private constant PARENT = 64;
    uint256 private constant KIND = 96;
    uint256 private constant STATUS = 104;
    uint256 private constant DEPTH = 112;
    uint256 private constant FLAGS = 120;
    uint256 private constant SCOPE = 128;

    uint256 private constant A_COUNT = 32;
    uint256 private constant A_BLOCK = 64;
    uint256 private constant A_REVOKED = 128;
    uint256 private constant A_REASON = 136;
    uint256 private constant A_REVOKED_BLOCK = 144;
    uint256 private constant A_REVOKED_BY = 208;

    uint8 private constant HOLD = 1;
    uint8 private constant ROTATED = 2;
    uint8 private constant COMPROMISED = 4;
    /// @dev A key with either flag writes nothing.
    uint8 private constant DEAD = ROTATED | COMPROMISED;
    uint8 private constant MAX_DEPTH = 3;
    uint32 private constant ANY_TYPE = 0;
    /// @dev Types below this have their scope bit in the issuer word.
    uint32 private constant WORD_TYPES = 128;

    ICommittee private immutable _committee;

    mapping(address => uint256) private _words;
    mapping(address => KeyInfo) private _keys;
    mapping(uint32 => address) private _keyAt;
    mapping(uint32 => address) private _currentKey;
    mapping(uint32 => bytes32) private _meta;
    /// @dev Earliest compromise block of any key of a node (0: none): allows restoring leaves.
    mapping(uint32 => uint64) private _nodeCompromised;
    uint32 private _keyCount;
    mapping(uint32 => mapping(uint256 => uint256)) private _scopePages;
    mapping(uint32 => StatusChange[]) private _statusHistory;
    mapping(uint32 => mapping(uint32 => ScopeChange[])) private _scopeHistory;
    mapping(uint32 => uint8) private _typeKinds;
    mapping(address => mapping(uint32 => ChildOffer)) private _childOffers;
    mapping(address => mapping(uint32 => SuccessorOffer)) private _successorOffers;
    mapping(address => mapping(bytes32 => uint256)) private _anchors;
    mapping(address => mapping(bytes32 => mapping(uint256 => uint256))) private _leafBits;

    /// @param committee_ The Committee whose executed proposals are "the committee".
    constructor(ICommittee committee_) {
        _committee = committee_;
    }

    modifier onlyCommittee() {
        // Issuers are the consortium's choice: only an approved proposal adds one or changes its scope.
        if (msg.sender != address(_committee)) revert NotCommittee(msg.sender);
        _;
    }

    /// @inheritdoc IIssuerRegistry
    function version() external pure returns (string memory) {
        return "2.0.0";
    }

    /// @inheritdoc IIssuerRegistry
    function committee() external view returns (address) {
        return address(_committee);
    }

    // ------------------------------------------------------------------ issuers

    /// @inheritdoc IIssuerRegistry
    function addIssuer(address issuer_, IssuerKind kind, uint32[] calldata scope, bytes32 metaHash)
        external
        onlyCommittee
    {
        _addIssuer(issuer_, 0, kind, 0, scope, metaHash);
    }

    /// @inheritdoc IIssuerRegistry
    function offerChild(address child, IssuerKind kind, uint32[] calldata scope, bytes32 metaHash) external {
        (uint256 parent,) = _writer(msg.sender);
        _checkChild(msg.sender, parent, child, kind, scope);
        _childOffers[child][_node(parent)] = ChildOffer(_terms(kind, scope, metaHash), _id(parent));
        emit ChildOffered(child, msg.sender, kind, scope, metaHash);
    }

    /// @inheritdoc IIssuerRegistry
    function acceptChild(address parent, IssuerKind kind, uint32[] calldata scope, bytes32 metaHash) external {
        uint32 node = _node(_words[parent]);
        // Offers are made by issuers; an unknown parent made none.
        if (node == 0) revert UnknownIssuer(parent);
        ChildOffer memory offer = _childOffers[msg.sender][node];
        // The child key consents to exactly the terms its parent offered: nobody is made a child unasked.
        if (offer.terms == bytes32(0) || offer.terms != _terms(kind, scope, metaHash)) {
            revert NoChildOffer(msg.sender, parent);
        }
        _requireLiveOfferer(offer.by);
        address parentKey = _currentKey[node];
        // The parent must still be able to delegate now, with the scope it has now.
        (uint256 p,) = _writer(parentKey);
        uint8 depth = _checkChild(parentKey, p, msg.sender, kind, scope);
        delete _childOffers[msg.sender][node];
        _addIssuer(msg.sender, node, kind, depth, scope, metaHash);
    }

    /// @inheritdoc IIssuerRegistry
    function cancelChildOffer(address child) external {
        (uint256 me,) = _writer(msg.sender);
        uint32 node = _node(me);
        // Only an offer of the caller's own node can be withdrawn by it.
        if (_childOffers[child][node].terms == bytes32(0)) revert NoChildOffer(child, msg.sender);
        delete _childOffers[child][node];
        emit ChildOfferCancelled(child, msg.sender);
    }

    function _terms(IssuerKind kind, uint32[] calldata scope, bytes32 metaHash) private pure returns (bytes32) {
        // Hashed at run time on both sides, so the same on keccak and SM3 chains.
        return keccak256(abi.encode(kind, scope, metaHash));
    }

    function _checkChild(address parentKey, uint256 parent, address child, IssuerKind kind, uint32[] calldata scope)
        private
        view
        returns (uint8 depth)
    {
        IssuerKind parentKind = _kind(parent);
        // Delegation is for universities (colleges, teachers) and communities (groups, maintainers).
        if (parentKind != IssuerKind.University && parentKind != IssuerKind.Community) {
            revert ParentKindNotAllowed(parentKey, parentKind);
        }
        // A child is of its parent's kind: another kind could issue types the committee allowed to
        // that kind only (a Community's "University" child), and never an Authority.
        if (kind != parentKind) revert ChildKindNotAllowed(child, kind);
        depth = _depth(parent) + 1;
        // Deep trees hide who answers for a writer and make every write walk further.
        if (depth > MAX_DEPTH) revert DepthExceeded(child, depth);
        for (uint256 i = 0; i < scope.length; i++) {
            // The child's scope must be a subset of the parent's own.
            if (scope[i] == ANY_TYPE || !_covers(parent, scope[i])) revert ScopeNotSubset(child, scope[i]);
        }
        // The zero address signs nothing.
        if (child == address(0)) revert InvalidIssuerAddress(child);
        // A key belongs to one node: a second registration would rewrite its authority.
        if (_words[child] != 0) revert IssuerExists(child);
    }

    function _addIssuer(
        address key,
        uint32 parentNode,
        IssuerKind kind,
        uint8 depth,
        uint32[] calldata scope,
        bytes32 metaHash
    ) private {
        // `None` marks unknown addresses: an issuer must have a kind.
        if (kind == IssuerKind.None) revert InvalidIssuerKind(kind);
        uint32 id = _newKey(key, 0);
        uint256 w = uint256(id) | (uint256(id) << NODE) | (uint256(parentNode) << PARENT)
            | (uint256(uint8(kind)) << KIND) | (uint256(uint8(IssuerStatus.Active)) << STATUS)
            | (uint256(depth) << DEPTH);
        _meta[id] = metaHash;
        _pushStatus(id, IssuerStatus.Active);
        for (uint256 i = 0; i < scope.length; i++) {
            w = _grant(key, w, scope[i], true);
        }
        _words[key] = w;
        emit IssuerAdded(key, parentNode == 0 ? address(0) : _currentKey[parentNode], kind, id, depth, metaHash, scope);
    }

    /// @dev Registers `key` as the current key of `node` (0: a new node, whose id is the key's).
    function _newKey(address key, uint32 node) private returns (uint32 id) {
        // The zero address signs nothing.
        if (key == address(0)) revert InvalidIssuerAddress(key);
        // A key belongs to one node: a second registration would rewrite its authority.
        if (_words[key] != 0) revert IssuerExists(key);
        uint64 since = _keys[key].compromisedSince;
        // A key reported stolen (here, or by the committee for a predecessor deployment) never writes.
        if (since != 0) revert KeyCompromised(key, since);
        id = ++_keyCount;
        if (node == 0) node = id;
        _keyAt[id] = key;
        _currentKey[node] = key;
        _keys[key].activeFrom = uint64(block.number);
    }

    /// @dev The current key of the node of `issuer_` (any of its keys) and that key's word.
    function _live(address issuer_) private view returns (address key, uint256 w) {
        uint32 node = _node(_words[issuer_]);
        // Only a registered key leads to a node.
        if (node == 0) revert UnknownIssuer(issuer_);
        key = _currentKey[node];
        w = _words[key];
    }

    /// @inheritdoc IIssuerRegistry
    function setIssuerStatus(address issuer_, IssuerStatus status) external {
        (address key, uint256 w) = _live(issuer_);
        bool byCommittee = msg.sender == address(_committee);
        uint8 flags = _flags(w);
        bool held = flags & HOLD != 0;
        if (!byCommittee) {
            (uint256 me,) = _writer(msg.sender);
            uint32 parent = _parent(w);
            // Besides the committee, only the issuer's own parent, while in good standing, manages a child.
            if (parent == 0 || _node(me) != parent) revert NotParentOrCommittee(issuer_, msg.sender);
            // A parent must not undo, nor replace, the committee's decision on its child.
            if (held) revert CommitteeHold(issuer_);
        }
        // `None` means "never existed"; an issuer cannot be set back to it.
        if (status == IssuerStatus.None) revert InvalidStatus(status);
        IssuerStatus current = _status(w);
        // Retirement is final: a retired issuer's authority never returns.
        if (current == IssuerStatus.Retired) revert IssuerIsRetired(issuer_);
        // The committee's Suspended or Retired holds the node, even when the parent suspended it first.
        bool hold = byCommittee ? status != IssuerStatus.Active : held;
        // A change that changes nothing would only add noise to the history.
        if (current == status && hold == held) revert StatusUnchanged(issuer_, status);
        _words[key] = _setByte(_setByte(w, STATUS, uint8(status)), FLAGS, hold ? flags | HOLD : flags & ~HOLD);
        uint32 node = _node(w);
        if (current != status) {
            _pushStatus(node, status);
            emit IssuerStatusChanged(key, node, status, msg.sender);
        }
        if (hold != held) emit IssuerHoldChanged(key, node, hold);
    }

    /// @inheritdoc IIssuerRegistry
    function setIssuerScope(address issuer_, uint32[] calldata typeIds, bool allowed) external onlyCommittee {
        (address key, uint256 w) = _live(issuer_);
        for (uint256 i = 0; i < typeIds.length; i++) {
            w = _grant(key, w, typeIds[i], allowed);
        }
        _words[key] = w;
        emit IssuerScopeChanged(key, _node(w), typeIds, allowed);
    }

    /// @dev `w` (the current key's word, stored by the caller) with one type allowed or disallowed, or
    ///      the node's scope page updated; a history entry when it changes.
    function _grant(address key, uint256 w, uint32 typeId, bool allowed) private returns (uint256) {
        IssuerKind kind = _kind(w);
        if (typeId == ANY_TYPE) {
            // "Any type" is reserved to authorities (a national skills body, for instance).
            if (allowed && kind != IssuerKind.Authority) revert AnyScopeNotAllowed(key, kind);
        } else if (allowed) {
            uint8 kinds = _typeKinds[typeId];
            // Kinds are checked here, once, so that a write needs no type read (kinds only widen).
            if (kinds == 0) revert UnknownType(typeId);
            // The type's standard names the kinds of issuer it trusts.
            if ((kinds >> uint8(kind)) & 1 == 0) revert IssuerKindNotAllowed(typeId, kind);
        }
        uint32 node = _node(w);
        if (typeId < WORD_TYPES) {
            uint256 bit = uint256(1) << (SCOPE + typeId);
            if ((w & bit != 0) == allowed) return w;
            w = allowed ? w | bit : w & ~bit;
        } else {
            uint256 bit = uint256(1) << (typeId & 255);
            uint256 page = _scopePages[node][typeId >> 8];
            if ((page & bit != 0) == allowed) return w;
            _scopePages[node][typeId >> 8] = allowed ? page | bit : page & ~bit;
        }
        _pushScope(node, typeId, allowed);
        return w;
    }

    // ------------------------------------------------------------------ keys

    /// @inheritdoc IIssuerRegistry
    function offerSuccessor(address issuer_, address successor) external {
        (uint32 node, uint32 by) = _requireKeyManager(issuer_);
        // A successor is a fresh key: a registered one already speaks for a node.
        if (successor == address(0) || _words[successor] != 0) revert InvalidIssuerAddress(successor);
        _successorOffers[successor][node] = SuccessorOffer(true, by);
        emit SuccessorOffered(_currentKey[node], successor, msg.sender);
    }

    /// @inheritdoc IIssuerRegistry
    function cancelSuccessorOffer(address issuer_, address successor) external {
        (uint32 node,) = _requireKeyManager(issuer_);
        // Only a pending offer can be withdrawn.
        if (!_successorOffers[successor][node].offered) revert NoSuccessorOffer(issuer_, successor);
        delete _successorOffers[successor][node];
        emit SuccessorOfferCancelled(_currentKey[node], successor, msg.sender);
    }

    /// @dev Who may hand a node to a new key: its current key unless compromised, its parent's current
    ///      key in good standing, or the committee (offer author id 0). Never for a retired node.
    function _requireKeyManager(address issuer_) private view returns (uint32 node, uint32 by) {
        (address key, uint256 w) = _live(issuer_);
        node = _node(w);
        // A retired issuer writes nothing, so it has no authority to hand over.
        if (_status(w) == IssuerStatus.Retired) revert IssuerIsRetired(key);
        if (msg.sender == address(_committee)) return (node, 0);
        if (msg.sender == key) {
            // A stolen key must not choose who inherits the node.
            if (_flags(w) & COMPROMISED != 0) revert KeyCompromised(key, _keys[key].compromisedSince);
            return (node, _id(w));
        }
        (uint256 me,) = _writer(msg.sender);
        uint32 parent = _parent(w);
        // A parent replaces the lost key of its child.
        if (parent == 0 || _node(me) != parent) revert NotManager(issuer_, msg.sender);
        return (node, _id(me));
    }

    /// @inheritdoc IIssuerRegistry
    function acceptSuccessor(address issuer_) external {
        (address previous, uint256 w) = _live(issuer_);
        uint32 node = _node(w);
        SuccessorOffer memory offer = _successorOffers[msg.sender][node];
        // A key takes over a node only when offered, and only by its own acceptance.
        if (!offer.offered) revert NoSuccessorOffer(issuer_, msg.sender);
        _requireLiveOfferer(offer.by);
        // A retired node has no authority left to hand over.
        if (_status(w) == IssuerStatus.Retired) revert IssuerIsRetired(previous);
        delete _successorOffers[msg.sender][node];
        uint32 id = _newKey(msg.sender, node);
        uint8 flags = _flags(w);
        // The node's status, scope and committee hold go with it; the old key is frozen.
        _words[msg.sender] = _setByte((w >> NODE << NODE) | id, FLAGS, flags & HOLD);
        _words[previous] = _setByte(w, FLAGS, flags | ROTATED);
        _keys[previous].activeUntil = uint64(block.number);
        emit IssuerKeyRotated(previous, msg.sender, node, id, _keyAt[offer.by]);
    }

    /// @dev An offer lives as long as the key that made it may act: one made by a key since reported
    ///      stolen may be the thief's, one made by a key since replaced was overruled by the rotation.
    ///      Offers of the committee (id 0) always live.
    function _requireLiveOfferer(uint32 by) private view {
        if (by == 0) return;
        address offeredBy = _keyAt[by];
        uint256 w = _words[offeredBy];
        if (_flags(w) & DEAD != 0) _refuse(offeredBy, w);
    }

    /// @inheritdoc IIssuerRegistry
    function markCompromised(address key, uint64 since) external {
        // A compromise starts at a block that exists; block 0 holds no writes.
        if (since == 0 || since > block.number) revert InvalidCompromiseBlock(key, since);
        uint256 w = _words[key];
        uint32 node = _node(w);
        KeyInfo storage info = _keys[key];
        if (msg.sender != address(_committee)) {
            // Only the committee marks keys it does not know (a predecessor deployment's).
            if (w == 0) revert UnknownIssuer(key);
            if (msg.sender == key) {
                // The key may raise the alarm from now on, never back-date: a thief holding it could
                // otherwise void its owner's history.
                if (since != block.number) revert InvalidCompromiseBlock(key, since);
            } else {
                (uint256 me,) = _writer(msg.sender);
                uint32 mine = _node(me);
                uint32 parent = _parent(w);
                // The node's own successor key, or the parent, vouches for the theft.
                if (mine != node && (parent == 0 || mine != parent)) revert NotManager(key, msg.sender);
            }
            uint64 current = info.compromisedSince;
            // Marks only grow stricter; only the committee corrects one.
            if (current != 0 && since >= current) revert CompromiseNotEarlier(key, current, since);
        }
        info.compromisedSince = since;
        if (w != 0) {
            _words[key] = w | (uint256(COMPROMISED) << FLAGS);
            uint64 nodeSince = _nodeCompromised[node];
            if (nodeSince == 0 || since < nodeSince) _nodeCompromised[node] = since;
        }
        emit IssuerKeyCompromised(key, since, msg.sender);
    }

    /// @inheritdoc IIssuerRegistry
    function noteType(uint32 typeId, uint8 allowedKinds) external {
        (,, address credentials) = _committee.modules();
        // Type kinds are the CredentialRegistry's to state, for the types the committee defines there.
        if (msg.sender != credentials || credentials == address(0)) revert NotCredentialsModule(msg.sender);
        _typeKinds[typeId] = allowedKinds;
    }

    // ------------------------------------------------------------------ batches

    /// @inheritdoc IIssuerRegistry
    function anchorMerkleRoot(uint32 typeId, uint32 count, bytes32 root, bytes32 metaHash) external {
        uint256 w = _words[msg.sender];
        // One word says whether a top-level key may write: active, neither rotated nor compromised.
        if (!_canWrite(w)) _refuse(msg.sender, w);
        // The committee decides which types an issuer may issue.
        if (!_covers(w, typeId)) revert OutOfScope(msg.sender, typeId);
        uint32 parent = _parent(w);
        if (parent != 0) _ancestors(msg.sender, parent, typeId, true);
        // An empty batch proves nothing, and no index would fit in it.
        if (count == 0) revert EmptyBatch(count);
        // A zero root reads as "never anchored" and no tree has it.
        if (root == bytes32(0)) revert InvalidRoot(root);
        mapping(bytes32 => uint256) storage mine = _anchors[msg.sender];
        uint256 existing = mine[root];
        // A root anchors once per issuer: re-anchoring would rewrite when the batch was issued.
        if (existing != 0) revert RootAlreadyAnchored(msg.sender, root, uint64(existing >> A_BLOCK));
        mine[root] = uint256(typeId) | (uint256(count) << A_COUNT) | (uint256(uint64(block.number)) << A_BLOCK);
        emit BatchAnchored(msg.sender, root, typeId, count, metaHash);
    }

    /// @inheritdoc IIssuerRegistry
    function revokeBatch(address issuer_, bytes32 root, RevocationReason reason) external {
        uint32 by = msg.sender == address(_committee) ? 0 : _requireManager(msg.sender, issuer_);
        mapping(bytes32 => uint256) storage batches = _anchors[issuer_];
        Anchor memory a = _unpackAnchor(batches[root]);
        // Only an anchored batch can be revoked.
        if (a.blockNumber == 0) revert UnknownBatch(issuer_, root);
        // Final, except that a revocation by a key compromised at the time does not count.
        if (a.revoked && !_void(a.revokedBy, a.revokedBlock)) revert BatchIsRevoked(issuer_, root, a.revokedBlock);
        // A revocation is explained.
        if (reason == RevocationReason.None) revert InvalidReason(reason);
        batches[root] = uint256(a.typeId) | (uint256(a.count) << A_COUNT) | (uint256(a.blockNumber) << A_BLOCK)
            | (uint256(1) << A_REVOKED) | (uint256(uint8(reason)) << A_REASON)
            | (uint256(uint64(block.number)) << A_REVOKED_BLOCK) | (uint256(by) << A_REVOKED_BY);
        emit BatchRevoked(issuer_, root, reason, msg.sender);
    }

    /// @inheritdoc IIssuerRegistry
    function revokeLeaf(bytes32 root, uint256 index, RevocationReason reason) external {
        uint256 w = _words[msg.sender];
        // The issuer's own key in good standing: one word for a top-level issuer.
        if (!_canWrite(w)) _refuse(msg.sender, w);
        uint32 parent = _parent(w);
        if (parent != 0) _ancestors(msg.sender, parent, 0, false);
        // A revocation is explained.
        if (reason == RevocationReason.None) revert InvalidReason(reason);
        mapping(uint256 => uint256) storage bits = _leafBits[msg.sender][root];
        uint256 shift = (index & 127) << 1;
        uint256 word = bits[index >> 7];
        // Revocation is final (Revoked is both bits set, so it is also what the OR below writes).
        if ((word >> shift) & 3 == uint256(CredentialStatus.Revoked)) revert LeafIsRevoked(msg.sender, root, index);
        bits[index >> 7] = word | (uint256(3) << shift);
        emit LeafRevoked(msg.sender, root, index, reason);
    }

    /// @inheritdoc IIssuerRegistry
    function setLeavesStatus(
        address issuer_,
        bytes32 root,
        uint256[] calldata indexes,
        CredentialStatus status,
        RevocationReason reason
    ) external {
        // A call that changes nothing is a mistake upstream.
        if (indexes.length == 0) revert EmptyBatch(0);
        // The issuer's own key, its successor or its parent, in good standing; or the committee.
        if (msg.sender != address(_committee)) _requireManager(msg.sender, issuer_);
        // None is not a status one sets; suspension and revocation are explained.
        if (status == CredentialStatus.None) revert InvalidRequestedStatus(status);
        if (status != CredentialStatus.Valid && reason == RevocationReason.None) revert InvalidReason(reason);
        mapping(uint256 => uint256) storage bits = _leafBits[issuer_][root];
        uint256 next = uint256(status);
        uint256 slot = type(uint256).max;
        uint256 word;
        for (uint256 i = 0; i < indexes.length;) {
            uint256 index = indexes[i];
            if (index >> 7 != slot) {
                // Each storage word is read and written once per run of indexes that fall in it.
                if (slot != type(uint256).max) bits[slot] = word;
                slot = index >> 7;
                word = bits[slot];
            }
            uint256 shift = (index & 127) << 1;
            uint256 current = (word >> shift) & 3;
            // Revocation (3) is final; a status is not set twice; reinstatement (1) undoes a suspension (2) only.
            if (current == 3 || current == next || (next == 1 && current != 2)) {
                _refuseLeaf(issuer_, root, index, current, next);
            }
            word = (word & ~(uint256(3) << shift)) | (next << shift);
            unchecked {
                ++i;
            }
        }
        bits[slot] = word;
        emit LeavesStatusChanged(issuer_, root, indexes, status, reason, msg.sender);
    }

    /// @inheritdoc IIssuerRegistry
    function restoreLeaves(address issuer_, bytes32 root, uint256[] calldata indexes, CredentialStatus status)
        external
    {
        // A call that changes nothing is a mistake upstream.
        if (indexes.length == 0) revert EmptyBatch(0);
        if (msg.sender != address(_committee)) {
            _requireManager(msg.sender, issuer_);
            // Outside a theft, revocation stays final.
            if (_nodeCompromised[_node(_words[issuer_])] == 0) revert NoCompromiseToRepair(issuer_);
        }
        mapping(uint256 => uint256) storage bits = _leafBits[issuer_][root];
        for (uint256 i = 0; i < indexes.length; i++) {
            uint256 index = indexes[i];
            uint256 shift = (index & 127) << 1;
            bits[index >> 7] = (bits[index >> 7] & ~(uint256(3) << shift)) | (uint256(status) << shift);
        }
        emit LeavesStatusRestored(issuer_, root, indexes, status, msg.sender);
    }

    /// @dev Reverts with the reason a leaf with status `current` cannot take `next`. Never returns.
    function _refuseLeaf(address issuer_, bytes32 root, uint256 index, uint256 current, uint256 next) private pure {
        // Revocation is final.
        if (current == uint256(CredentialStatus.Revoked)) revert LeafIsRevoked(issuer_, root, index);
        revert InvalidLeafTransition(issuer_, root, index, CredentialStatus(current), CredentialStatus(next));
    }

    function _unpackAnchor(uint256 raw) private pure returns (Anchor memory) {
        return Anchor(
            uint32(raw),
            uint32(raw >> A_COUNT),
            uint64(raw >> A_BLOCK),
            uint8(raw >> A_REVOKED) != 0,
            RevocationReason(uint8(raw >> A_REASON)),
            uint64(raw >> A_REVOKED_BLOCK),
            uint32(raw >> A_REVOKED_BY)
        );
    }

    // ------------------------------------------------------------------ the issuer word

    function _id(uint256 w) private pure returns (uint32) {
        return uint32(w);
    }

    function _node(uint256 w) private pure returns (uint32) {
        return uint32(w >> NODE);
    }

    function _parent(uint256 w) private pure returns (uint32) {
        return uint32(w >> PARENT);
    }

    function _kind(uint256 w) private pure returns (IssuerKind) {
        return IssuerKind(uint8(w >> KIND));
    }

    function _status(uint256 w) private pure returns (IssuerStatus) {
        return IssuerStatus(uint8(w >> STATUS));
    }

    function _depth(uint256 w) private pure returns (uint8) {
        return uint8(w >> DEPTH);
    }

    function _flags(uint256 w) private pure returns (uint8) {
        return uint8(w >> FLAGS);
    }

    function _setByte(uint256 w, uint256 at, uint8 value) private pure returns (uint256) {
        return (w & ~(uint256(0xFF) << at)) | (uint256(value) << at);
    }

    /// @dev Active, neither rotated nor compromised (ancestors are checked apart).
    function _canWrite(uint256 w) private pure returns (bool) {
        return uint8(w >> STATUS) == uint8(IssuerStatus.Active) && uint8(w >> FLAGS) & DEAD == 0;
    }

    // ------------------------------------------------------------------ authority

    /// @dev Reverts with the reason `key` (word `w`) may not write. Never returns.
    function _refuse(address key, uint256 w) private view {
        // Never registered here.
        if (w == 0) revert UnknownIssuer(key);
        uint8 flags = _flags(w);
        // A stolen key writes nothing more.
        if (flags & COMPROMISED != 0) revert KeyCompromised(key, _keys[key].compromisedSince);
        // A replaced key writes nothing more; its successor speaks for the node.
        if (flags & ROTATED != 0) revert KeyRotated(key, _currentKey[_node(w)]);
        revert IssuerNotActive(key, _status(w));
    }

    /// @dev `key`'s word if it may write now (with `typeId` in scope when `scoped`), and its organisation.
    function _writerWord(address key, uint32 typeId, bool scoped) private view returns (uint256 w, uint32 org) {
        w = _words[key];
        if (!_canWrite(w)) _refuse(key, w);
        // The committee decides which types an issuer may issue.
        if (scoped && !_covers(w, typeId)) revert OutOfScope(key, typeId);
        uint32 parent = _parent(w);
        org = parent == 0 ? _node(w) : _ancestors(key, parent, typeId, scoped);
    }

    function _writer(address key) private view returns (uint256 w, uint32 org) {
        return _writerWord(key, 0, false);
    }

    /// @dev Walks up from node `parent`: each ancestor active (and covering `typeId` when `scoped`).
    ///      Returns the top-level node: the organisation.
    function _ancestors(address key, uint32 parent, uint32 typeId, bool scoped) private view returns (uint32 org) {
        while (parent != 0) {
            address upKey = _currentKey[parent];
            uint256 up = _words[upKey];
            IssuerStatus status = _status(up);
            // A suspended or retired ancestor suspends the whole subtree's right to write.
            if (status != IssuerStatus.Active) revert AncestorNotActive(key, upKey, status);
            // A parent that lost a type takes it from its children too.
            if (scoped && !_covers(up, typeId)) revert OutOfScope(key, typeId);
            org = parent;
            parent = _parent(up);
        }
    }

    /// @dev Whether the node of word `w` has `typeId` in its own scope now.
    function _covers(uint256 w, uint32 typeId) private view returns (bool) {
        if (typeId < WORD_TYPES) {
            if (typeId != ANY_TYPE && (w >> (SCOPE + typeId)) & 1 != 0) return true;
        } else if ((_scopePages[_node(w)][typeId >> 8] >> (typeId & 255)) & 1 != 0) {
            return true;
        }
        // "Any type" covers the defined types that allow the issuer's kind, as a grant would check.
        return (w >> SCOPE) & 1 != 0 && (_typeKinds[typeId] >> uint8(w >> KIND)) & 1 != 0;
    }

    function _requireManager(address caller, address issuer_) private view returns (uint32) {
        (uint256 me,) = _writer(caller);
        if (caller == issuer_) return _id(me);
        uint256 target = _words[issuer_];
        // Nothing is managed for a key that never wrote here.
        if (target == 0) revert UnknownIssuer(issuer_);
        uint32 mine = _node(me);
        uint32 parent = _parent(target);
        // The node's current key manages what its earlier keys wrote; the parent manages its child's.
        if (mine != _node(target) && (parent == 0 || mine != parent)) revert NotManager(issuer_, caller);
        return _id(me);
    }

    /// @dev Whether an act of the key with id `by` at `atBlock` is void: that key was compromised then.
    function _void(uint32 by, uint64 atBlock) private view returns (bool) {
        if (by == 0) return false;
        uint64 since = _keys[_keyAt[by]].compromisedSince;
        return since != 0 && atBlock >= since;
    }

    /// @dev The top-level node above `node` (itself when top-level).
    function _orgOf(uint32 node) private view returns (uint32) {
        for (uint32 up = _parent(_words[_currentKey[node]]); up != 0; up = _parent(_words[_currentKey[node]])) {
            node = up;
        }
        return node;
    }

    /// @inheritdoc IIssuerRegistry
    function writer(address issuer_) external view returns (uint32 id, uint32 org, IssuerKind kind) {
        (uint256 w, uint32 o) = _writer(issuer_);
        return (_id(w), o, _kind(w));
    }

    /// @inheritdoc IIssuerRegistry
    function writerFor(address issuer_, uint32 typeId) external view returns (uint32 id, uint32 org, IssuerKind kind) {
        (uint256 w, uint32 o) = _writerWord(issuer_, typeId, true);
        return (_id(w), o, _kind(w));
    }

    /// @inheritdoc IIssuerRegistry
    function requireManager(address caller, address issuer_) external view returns (uint32 callerId) {
        return _requireManager(caller, issuer_);
    }

    /// @inheritdoc IIssuerRegistry
    function coSigner(address signer, uint32 recorderId)
        external
        view
        returns (uint32 signerId, uint32 signerOrg, uint32 recorderOrg)
    {
        (uint256 w, uint32 org) = _writer(signer);
        return (_id(w), org, _orgOf(_node(_words[_keyAt[recorderId]])));
    }

    /// @inheritdoc IIssuerRegistry
    function compromisedSinceOf(uint32[] calldata ids) external view returns (uint64[] memory out) {
        out = new uint64[](ids.length);
        for (uint256 i = 0; i < ids.length; i++) {
            out[i] = _keys[_keyAt[ids[i]]].compromisedSince;
        }
    }

    /// @inheritdoc IIssuerRegistry
    function standing(address issuer_, uint64 atBlock) external view returns (Standing) {
        uint256 w = _words[issuer_];
        if (w == 0) return Standing.Unknown;
        uint64 since = _keys[issuer_].compromisedSince;
        if (since != 0 && atBlock >= since) return Standing.Compromised;
        for (uint32 node = _node(w); node != 0;) {
            uint256 current = _words[_currentKey[node]];
            if (_status(current) == IssuerStatus.Suspended) return Standing.Suspended;
            node = _parent(current);
        }
        return Standing.Good;
    }

    // ------------------------------------------------------------------ history

    function _pushStatus(uint32 node, IssuerStatus status) private {
        StatusChange[] storage h = _statusHistory[node];
        uint256 n = h.length;
        bool active = status == IssuerStatus.Active;
        if (n != 0 && h[n - 1].blockNumber == block.number) {
            // One entry per block: the status at its end, and whether it was active at any moment of it.
            h[n - 1].status = status;
            if (active) h[n - 1].activeInBlock = true;
        } else {
            bool wasActive = n != 0 && h[n - 1].status == IssuerStatus.Active;
            h.push(StatusChange(uint64(block.number), status, wasActive || active));
        }
    }

    function _pushScope(uint32 node, uint32 typeId, bool allowed) private {
        ScopeChange[] storage h = _scopeHistory[node][typeId];
        uint256 n = h.length;
        if (n != 0 && h[n - 1].blockNumber == block.number) {
            h[n - 1].allowed = allowed;
            if (allowed) h[n - 1].allowedInBlock = true;
        } else {
            bool was = n != 0 && h[n - 1].allowed;
            h.push(ScopeChange(uint64(block.number), allowed, was || allowed));
        }
    }

    /// @dev Number of entries of a history with blockNumber <= `blockNumber` (binary search).
    function _statusUpTo(StatusChange[] storage h, uint256 blockNumber) private view returns (uint256 lo) {
        uint256 hi = h.length;
        while (lo < hi) {
            uint256 mid = (lo + hi) >> 1;
            if (h[mid].blockNumber <= blockNumber) lo = mid + 1;
            else hi = mid;
        }
    }

    function _scopeUpTo(ScopeChange[] storage h, uint256 blockNumber) private view returns (uint256 lo) {
        uint256 hi = h.length;
        while (lo < hi) {
            uint256 mid = (lo + hi) >> 1;
            if (h[mid].blockNumber <= blockNumber) lo = mid + 1;
            else hi = mid;
        }
    }

    function _statusAt(uint32 node, uint256 blockNumber) private view returns (IssuerStatus) {
        StatusChange[] storage h = _statusHistory[node];
        uint256 n = _statusUpTo(h, blockNumber);
        return n == 0 ? IssuerStatus.None : h[n - 1].status;
    }

    function _activeDuring(uint32 node, uint256 blockNumber) private view returns (bool) {
        StatusChange[] storage h = _statusHistory[node];
        uint256 n = _statusUpTo(h, blockNumber);
        if (n == 0) return false;
        StatusChange storage e = h[n - 1];
        return e.blockNumber == blockNumber ? e.activeInBlock : e.status == IssuerStatus.Active;
    }

    function _allowedAt(uint32 node, uint32 typeId, uint256 blockNumber, bool during) private view returns (bool) {
        ScopeChange[] storage h = _scopeHistory[node][typeId];
        uint256 n = _scopeUpTo(h, blockNumber);
        if (n == 0) return false;
        ScopeChange storage e = h[n - 1];
        return during && e.blockNumber == blockNumber ? e.allowedInBlock : e.allowed;
    }

    function _scopeDuring(uint32 node, IssuerKind kind, uint32 typeId, uint256 blockNumber, bool during)
        private
        view
        returns (bool)
    {
        if (typeId != ANY_TYPE && _allowedAt(node, typeId, blockNumber, during)) return true;
        return _allowedAt(node, ANY_TYPE, blockNumber, during) && (_typeKinds[typeId] >> uint8(kind)) & 1 != 0;
    }

    /// @inheritdoc IIssuerRegistry
    function isAuthorized(address issuer_, uint32 typeId, uint256 blockNumber) external view returns (bool) {
        uint256 w = _words[issuer_];
        if (w == 0) return false;
        KeyInfo memory k = _keys[issuer_];
        // The key held its node's authority in that block (a rotation block counts for both keys).
        if (blockNumber < k.activeFrom || (k.activeUntil != 0 && blockNumber > k.activeUntil)) return false;
        // Nothing a key wrote at or after its compromise counts.
        if (k.compromisedSince != 0 && blockNumber >= k.compromisedSince) return false;
        IssuerKind kind = _kind(w);
        // The issuer's node and every ancestor: active, with the type in scope, during that block.
        for (uint32 node = _node(w); node != 0; node = _parent(_words[_currentKey[node]])) {
            if (!_activeDuring(node, blockNumber) || !_scopeDuring(node, kind, typeId, blockNumber, true)) {
                return false;
            }
        }
        return true;
    }

    /// @inheritdoc IIssuerRegistry
    function statusAt(address issuer_, uint256 blockNumber) external view returns (IssuerStatus) {
        return _statusAt(_node(_words[issuer_]), blockNumber);
    }

    /// @inheritdoc IIssuerRegistry
    function scopeAt(address issuer_, uint32 typeId, uint256 blockNumber) external view returns (bool) {
        uint256 w = _words[issuer_];
        return w != 0 && _scopeDuring(_node(w), _kind(w), typeId, blockNumber, false);
    }

    /// @inheritdoc IIssuerRegistry
    function statusHistory(address issuer_) external view returns (StatusChange[] memory) {
        return _statusHistory[_node(_words[issuer_])];
    }

    /// @inheritdoc IIssuerRegistry
    function scopeHistory(address issuer_, uint32 typeId) external view returns (ScopeChange[] memory) {
        return _scopeHistory[_node(_words[issuer_])][typeId];
    }

    // ------------------------------------------------------------------ getters

    /// @inheritdoc IIssuerRegistry
    function inScope(address issuer_, uint32 typeId) external view returns (bool) {
        if (_words[issuer_] == 0) return false;
        (, uint256 w) = _live(issuer_);
        return _covers(w, typeId);
    }

    /// @inheritdoc IIssuerRegistry
    function issuer(address issuer_) external view returns (IssuerView memory v) {
        uint256 w = _words[issuer_];
        if (w == 0) return v;
        (address current, uint256 live) = _live(issuer_);
        KeyInfo memory k = _keys[issuer_];
        uint32 parent = _parent(w);
        v.id = _id(w);
        v.node = _node(w);
        v.parentNode = parent;
        v.parent = parent == 0 ? address(0) : _currentKey[parent];
        v.currentKey = current;
        v.kind = _kind(w);
        v.status = _status(live);
        v.depth = _depth(w);
        v.anyScope = (live >> SCOPE) & 1 != 0;
        v.committeeHold = _flags(live) & HOLD != 0;
        v.rotated = _flags(w) & ROTATED != 0;
        v.compromised = _flags(w) & COMPROMISED != 0;
        v.activeFrom = k.activeFrom;
        v.activeUntil = k.activeUntil;
        v.compromisedSince = k.compromisedSince;
        v.metaHash = _meta[v.node];
    }

    /// @inheritdoc IIssuerRegistry
    function issuerAt(uint32 id) external view returns (address) {
        return _keyAt[id];
    }

    /// @inheritdoc IIssuerRegistry
    function issuerCount() external view returns (uint256) {
        return _keyCount;
    }

    /// @inheritdoc IIssuerRegistry
    function organisationOf(address issuer_) external view returns (uint32) {
        uint32 node = _node(_words[issuer_]);
        return node == 0 ? 0 : _orgOf(node);
    }

    /// @inheritdoc IIssuerRegistry
    function keyInfo(address key) external view returns (KeyInfo memory) {
        return _keys[key];
    }

    /// @inheritdoc IIssuerRegistry
    function childOffer(address child, address parent) external view returns (ChildOffer memory) {
        return _childOffers[child][_node(_words[parent])];
    }

    /// @inheritdoc IIssuerRegistry
    function successorOffer(address successor, address issuer_) external view returns (SuccessorOffer memory) {
        return _successorOffers[successor][_node(_words[issuer_])];
    }

    /// @inheritdoc IIssuerRegistry
    function anchorOf(address issuer_, bytes32 root) external view returns (Anchor memory) {
        return _unpackAnchor(_anchors[issuer_][root]);
    }

    /// @inheritdoc IIssuerRegistry
    function leafStatus(address issuer_, bytes32 root, uint256 index) external view returns (CredentialStatus) {
        return CredentialStatus((_leafBits[issuer_][root][index >> 7] >> ((index & 127) << 1)) & 3);
    }

    /// @inheritdoc IIssuerRegistry
    function leafStatusWord(address issuer_, bytes32 root, uint256 wordIndex) external view returns (uint256) {
        return _leafBits[issuer_][root][wordIndex];
    }
}
