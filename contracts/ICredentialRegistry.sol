// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.26;

import "./Common.sol";

/// @title Certificate types, anchored batches, checked issuance, credential status and audit reports
/// @notice The committee defines certificate types (talent standards) with machine-checkable criteria.
///         Issuers anchor Merkle roots of credential batches, or issue single credentials whose criteria
///         the contract checks against the ContributionLedger. A credential's status (suspended,
///         reinstated, revoked) is changed by its issuer or the committee; a batch leaf is addressed by
///         (root, credential hash, Merkle proof), with sorted-pair keccak256 and double-hashed leaves:
///         leaf = keccak256(abi.encodePacked(keccak256(abi.encodePacked(credentialHash)))).
///         Auditors (active issuers or committee members) anchor the hash of an audit report once, so a
///         later auditor can prove which report was seen, by whom and when.
interface ICredentialRegistry {
    /// @notice A certificate type as defined now; `version` counts definitions (1 for the first).
    struct CredentialType {
        uint32 typeId;
        uint16 version;
        uint8 field;
        uint8 level;
        uint8 allowedKinds;
        Criteria criteria;
        uint32[] prerequisites;
        bytes32 metaHash;
    }

    /// @notice An anchored batch (one word).
    struct Anchor {
        address issuer;
        uint32 typeId;
        uint32 count;
        uint32 blockNumber;
    }

    /// @notice A credential issued by `issue` (two words).
    struct Issued {
        bytes32 subject;
        address issuer;
        uint32 typeId;
        uint16 typeVersion;
        uint32 blockNumber;
    }

    /// @notice The last status change of a credential (status None: never changed).
    struct StatusRecord {
        CredentialStatus status;
        RevocationReason reason;
        uint32 blockNumber;
    }

    /// @notice An anchored audit report (one word): who anchored it, and in which block.
    struct ReportAnchor {
        address auditor;
        uint32 blockNumber;
    }

    event TypeDefined(
        uint32 indexed typeId,
        uint16 version,
        uint8 field,
        uint8 level,
        uint8 allowedKinds,
        Criteria criteria,
        uint32[] prerequisites,
        bytes32 metaHash
    );
    event BatchAnchored(
        bytes32 indexed root, address indexed issuer, uint32 indexed typeId, uint32 count, bytes32 metaHash
    );
    event CredentialIssued(
        bytes32 indexed credentialHash,
        bytes32 indexed subject,
        address indexed issuer,
        uint32 typeId,
        uint16 typeVersion,
        bytes32[] contributionKeys,
        bytes32[] prerequisiteCredentialHashes
    );
    event CredentialStatusChanged(
        bytes32 indexed credentialHash,
        bytes32 indexed root,
        address indexed by,
        CredentialStatus status,
        RevocationReason reason
    );
    /// @notice `auditor` anchored the hash of an audit report of `target` (a subject id, an issuer
    ///         address as bytes32, or zero for a set of credential files).
    event ReportAnchored(bytes32 indexed reportHash, address indexed auditor, bytes32 indexed target);

    error InvalidTypeId(uint32 typeId);
    error InvalidAllowedKinds(uint8 allowedKinds);
    error InvalidWindow(uint32 windowFrom, uint32 windowTo);
    error InvalidPrerequisite(uint32 typeId, uint32 prerequisite);
    error UnknownType(uint32 typeId);
    error IssuerKindNotAllowed(uint32 typeId, IssuerKind kind);
    error InvalidRoot(bytes32 root);
    error RootAlreadyAnchored(bytes32 root, address issuer, uint32 blockNumber);
    error UnknownRoot(bytes32 root);
    error NotRootIssuer(bytes32 root, address caller);
    error InvalidProof(bytes32 root, bytes32 credentialHash);
    error CredentialExists(bytes32 credentialHash);
    error CredentialNotFound(bytes32 credentialHash);
    error NotCredentialIssuer(bytes32 credentialHash, address caller);
    error CredentialIsRevoked(bytes32 credentialHash);
    error InvalidStatusTransition(bytes32 credentialHash, CredentialStatus current, CredentialStatus requested);
    error DuplicateContribution(bytes32 key);
    error ContributionNotFound(bytes32 key);
    error ContributionNotValid(bytes32 key, ContributionStatus status);
    error ContributionSubjectMismatch(bytes32 key, bytes32 expected, bytes32 found);
    error ContributionOutsideWindow(bytes32 key, uint32 occurredAt, uint32 windowFrom, uint32 windowTo);
    error NotEnoughCoSigns(bytes32 key, uint256 needed, uint256 found);
    error NotEnoughContributions(uint256 needed, uint256 found);
    error NotEnoughOfKind(ContributionKind kind, uint256 needed, uint256 found);
    error NotEnoughDistinctProjects(uint256 needed, uint256 found);
    error PrerequisiteNotFound(bytes32 credentialHash);
    error PrerequisiteSubjectMismatch(bytes32 credentialHash, bytes32 expected, bytes32 found);
    error PrerequisiteNotValid(bytes32 credentialHash, CredentialStatus status);
    error MissingPrerequisite(uint32 typeId);
    error InvalidReportHash(bytes32 reportHash);
    error ReportAlreadyAnchored(bytes32 reportHash, address auditor, uint32 blockNumber);

    /// @notice Version of this contract.
    function version() external pure returns (string memory);

    /// @notice Committee only: define (or redefine, bumping the version) a certificate type.
    /// @param typeId Type id (not 0; 0 means "any type" in issuer scopes).
    /// @param field Field of the standard (AI, blockchain, databases ... as small integers).
    /// @param level Level of the standard (1 = entry ...).
    /// @param allowedKinds Bitmask of issuer kinds allowed to issue it: bit (1 << IssuerKind).
    /// @param criteria Criteria checked by `issue`.
    /// @param prerequisites Types the subject must already hold (credentials issued by `issue`).
    /// @param metaHash Hash of the off-chain description (name, Open Badges achievement).
    function defineType(
        uint32 typeId,
        uint8 field,
        uint8 level,
        uint8 allowedKinds,
        Criteria calldata criteria,
        uint32[] calldata prerequisites,
        bytes32 metaHash
    ) external;

    /// @notice Anchor the Merkle root of a batch of `count` credentials of type `typeId`.
    /// @dev Caller: an issuer authorised for the type now, of a kind the type allows. A root anchors once.
    function anchor(bytes32 root, uint32 count, uint32 typeId, bytes32 metaHash) external;

    /// @notice Issue one credential after checking the type's criteria on chain.
    /// @param typeId Certificate type.
    /// @param subject Pseudonymous subject id.
    /// @param credentialHash Hash of the credential document.
    /// @param contributionKeys Contributions the credential rests on (each counted once).
    /// @param prerequisiteCredentialHashes Credentials (issued by `issue`) that satisfy the prerequisites.
    function issue(
        uint32 typeId,
        bytes32 subject,
        bytes32 credentialHash,
        bytes32[] calldata contributionKeys,
        bytes32[] calldata prerequisiteCredentialHashes
    ) external;

    /// @notice Change the status of a credential issued by `issue`: Suspended or Revoked (with a
    ///         reason), or Valid to reinstate a suspended one. Caller: its active issuer or the committee.
    function setStatus(bytes32 credentialHash, CredentialStatus status, RevocationReason reason) external;

    /// @notice As `setStatus`, for a leaf of an anchored batch, proved by a Merkle proof.
    ///         Caller: the active issuer of the root, or the committee.
    function setLeafStatus(
        bytes32 root,
        bytes32 credentialHash,
        bytes32[] calldata proof,
        CredentialStatus status,
        RevocationReason reason
    ) external;

    /// @notice Anchor the hash of an audit report, once.
    /// @dev Caller: a committee member, or an issuer that may write now (it and its ancestors active);
    ///      anyone else reverts with the IssuerRegistry's UnknownIssuer or IssuerNotActive.
    /// @param reportHash Hash of the report (not zero).
    /// @param target What was audited: a subject id, an issuer address as bytes32, or zero for files.
    function anchorReport(bytes32 reportHash, bytes32 target) external;

    /// @notice Who anchored an audit report and in which block (auditor zero if never anchored).
    function reportAnchor(bytes32 reportHash) external view returns (address auditor, uint32 blockNumber);

    /// @notice A certificate type (version 0 if undefined).
    function credentialType(uint32 typeId) external view returns (CredentialType memory);

    /// @notice Ids of every defined type, in order of first definition.
    function typeIds() external view returns (uint32[] memory);

    /// @notice An anchored batch (issuer zero if unknown).
    function anchorOf(bytes32 root) external view returns (Anchor memory);

    /// @notice A credential issued by `issue` (issuer zero if unknown).
    function issued(bytes32 credentialHash) external view returns (Issued memory);

    /// @notice Last status change of a credential: root zero for one issued by `issue`.
    function statusOf(bytes32 root, bytes32 credentialHash) external view returns (StatusRecord memory);

    /// @notice The Merkle leaf of a credential hash (double keccak256).
    function leafHash(bytes32 credentialHash) external pure returns (bytes32);

    /// @notice Whether `proof` proves `credentialHash` in the tree of `root`.
    function verifyLeaf(bytes32 root, bytes32 credentialHash, bytes32[] calldata proof) external pure returns (bool);

    /// @notice The IssuerRegistry (the committee) this registry trusts.
    function registry() external view returns (address);

    /// @notice The ContributionLedger `issue` checks against.
    function ledger() external view returns (address);
}
