// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.26;

import "./Common.sol";

/// @title Certificate types, criteria-checked issuance, credential status and audit reports
/// @notice The committee defines certificate types (talent standards) with machine-checkable criteria and
///         prerequisites. An issuer issues a single credential whose criteria the contract itself checks
///         against the ContributionLedger; the credential is keyed by (issuer key, credential hash), so a
///         copy of the hash under another issuer neither blocks nor touches it. Its managers or the
///         committee change its status; every change is logged with its author, and a change made by a
///         key compromised at the time does not count. Auditors (committee members, issuers in good
///         standing) anchor the hash of an audit report, keyed by (auditor, report hash).
///         Batches (Merkle roots) are anchored in the IssuerRegistry.
///
///         Awards are types whose criteria go beyond counting the holder's contributions: a mentor award
///         (`Criteria.minMentees`) counts the distinct people whose recorded work the holder's reviews or
///         mentoring are about (`IContributionLedger.Item.about`); a community MVP award
///         (`Criteria.minNominations`) counts the organisations that nominated the holder on chain
///         (`nominate`), one nomination per organisation (a top-level issuer and its children) and type
///         version, made within the type's window.
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

    /// @notice A credential named as a prerequisite: who issued it, and its hash.
    struct Prerequisite {
        address issuer;
        bytes32 credentialHash;
    }

    /// @notice A credential issued by `issue` (two words); `issuerId` is the issuing key's id.
    struct Issued {
        bytes32 subject;
        uint32 typeId;
        uint16 typeVersion;
        uint64 blockNumber;
        uint32 issuerId;
    }

    /// @notice A nomination for an award by nominations (one word): the nominating key, its organisation
    ///         (top-level node id) and the block.
    struct Nomination {
        address nominator;
        uint32 org;
        uint64 blockNumber;
    }

    /// @notice One status change of a credential: `by` is the changing key's id, 0 for the committee.
    struct StatusRecord {
        CredentialStatus status;
        RevocationReason reason;
        uint64 blockNumber;
        uint32 by;
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
    event CredentialIssued(
        bytes32 indexed credentialHash,
        bytes32 indexed subject,
        address indexed issuer,
        uint32 typeId,
        uint16 typeVersion,
        bytes32[] contributionKeys,
        Prerequisite[] prerequisites
    );
    event CredentialStatusChanged(
        bytes32 indexed credentialHash,
        address indexed issuer,
        address indexed by,
        CredentialStatus status,
        RevocationReason reason
    );
    /// @notice `nominator`, for organisation `org`, nominated `subject` for version `version` of award type
    ///         `typeId`.
    event Nominated(
        uint32 indexed typeId, uint16 version, bytes32 indexed subject, uint32 indexed org, address nominator
    );
    /// @notice Organisation `org`'s nomination of `subject` for version `version` of `typeId` was withdrawn
    ///         by `by` (a manager of the nominating key, or the committee).
    event NominationWithdrawn(
        uint32 indexed typeId, uint16 version, bytes32 indexed subject, uint32 indexed org, address by
    );
    /// @notice `auditor` anchored the hash of an audit report of `target` (a subject id, an issuer
    ///         address as bytes32, or zero for a set of credential files).
    event ReportAnchored(bytes32 indexed reportHash, address indexed auditor, bytes32 indexed target);

    error InvalidTypeId(uint32 typeId);
    error InvalidAllowedKinds(uint8 allowedKinds);
    error AllowedKindsNarrowed(uint32 typeId, uint8 previous, uint8 requested);
    error InvalidWindow(uint32 windowFrom, uint32 windowTo);
    error InvalidPrerequisite(uint32 typeId, uint32 prerequisite);
    error TooManyPrerequisites(uint256 count, uint256 max);
    error IssuerKindNotAllowed(uint32 typeId, IssuerKind kind);
    error CredentialExists(address issuer, bytes32 credentialHash);
    error CredentialNotFound(address issuer, bytes32 credentialHash);
    error CredentialIsRevoked(address issuer, bytes32 credentialHash);
    error InvalidStatusTransition(bytes32 credentialHash, CredentialStatus current, CredentialStatus requested);
    error DuplicateContribution(bytes32 key);
    error ContributionNotFound(bytes32 key);
    error ContributionNotValid(bytes32 key, ContributionStatus status);
    error ContributionRecorderCompromised(bytes32 key, uint32 recorderId);
    error ContributionSubjectMismatch(bytes32 key, bytes32 expected, bytes32 found);
    error ContributionOutsideWindow(bytes32 key, uint32 occurredAt, uint32 windowFrom, uint32 windowTo);
    error NotEnoughCoSigns(bytes32 key, uint256 needed, uint256 found);
    error NotEnoughContributions(uint256 needed, uint256 found);
    error NotEnoughOfKind(ContributionKind kind, uint256 needed, uint256 found);
    error NotEnoughDistinctProjects(uint256 needed, uint256 found);
    error PrerequisiteNotFound(address issuer, bytes32 credentialHash);
    error PrerequisiteSubjectMismatch(bytes32 credentialHash, bytes32 expected, bytes32 found);
    error PrerequisiteNotValid(bytes32 credentialHash, CredentialStatus status);
    error PrerequisiteIssuerNotInGoodStanding(address issuer, bytes32 credentialHash, Standing standing);
    error MissingPrerequisite(uint32 typeId);
    error InvalidAwardCriteria(uint32 typeId);
    error MenteeIsHolder(bytes32 key, bytes32 about);
    error NotEnoughMentees(uint256 needed, uint256 found);
    error NotEnoughNominations(uint256 needed, uint256 found);
    error NotNominatedType(uint32 typeId);
    error InvalidSubject(bytes32 subject);
    error NominationOutsideWindow(uint32 typeId, uint32 time, uint32 windowFrom, uint32 windowTo);
    error AlreadyNominated(uint32 typeId, uint16 version, bytes32 subject, uint32 org, address nominator);
    error NominationNotFound(uint32 typeId, uint16 version, bytes32 subject, uint32 org);
    error InvalidReportHash(bytes32 reportHash);
    error ReportAlreadyAnchored(address auditor, bytes32 reportHash, uint64 blockNumber);

    /// @notice Version of this contract.
    function version() external pure returns (string memory);

    /// @notice Committee only: define (or redefine, bumping the version) a certificate type. A
    ///         redefinition may widen `allowedKinds` but not narrow them (scope was granted against
    ///         them: a narrower standard is a new type id), and must keep the prerequisite graph acyclic
    ///         (checked by a search that visits each type once).
    /// @param typeId Type id (not 0: 0 is the "any type" scope entry).
    /// @param field Field of expertise (blockchain, databases ...), an off-chain code.
    /// @param level Level within the field.
    /// @param allowedKinds Bitmask of issuer kinds allowed to issue it: bit (1 << IssuerKind).
    /// @param criteria Criteria checked by `issue`. An award takes either `minMentees` (with a non-zero
    ///        `menteeKinds` of the 12 kinds) or `minNominations`, not both (InvalidAwardCriteria).
    /// @param prerequisites Types the subject must already hold (credentials issued by `issue`), at most 8.
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

    /// @notice Issue one credential after checking the type's criteria on chain: every contribution
    ///         live, of the subject, in the window, recorded by a key not compromised then, with enough
    ///         co-signing organisations (co-signs by keys compromised then do not count); each counted
    ///         once; totals per kind and distinct projects; every prerequisite type held by a credential
    ///         of the subject, not suspended or revoked, from an issuer neither compromised then nor
    ///         suspended now. Awards: the distinct subjects of the contributions that the evidence of
    ///         the `menteeKinds` is about (each live, its recorder not compromised then, never the
    ///         holder: MenteeIsHolder), at least `minMentees` (NotEnoughMentees); the nominations of the
    ///         holder for the type's current version, one per organisation, each from a key that was not
    ///         compromised when it nominated and whose node and organisation are neither suspended nor
    ///         retired now, the issuing organisation's own only with AWARD_SELF_NOMINATION, at least
    ///         `minNominations` (NotEnoughNominations).
    /// @dev Caller: a key in good standing with the type in scope, of a kind the type allows.
    /// @param typeId Certificate type.
    /// @param subject Pseudonymous subject id.
    /// @param credentialHash Hash of the credential document.
    /// @param contributionKeys Contributions the credential rests on (each counted once).
    /// @param prerequisites Credentials (issued by `issue`) that satisfy the prerequisites, at most 8.
    function issue(
        uint32 typeId,
        bytes32 subject,
        bytes32 credentialHash,
        bytes32[] calldata contributionKeys,
        Prerequisite[] calldata prerequisites
    ) external;

    /// @notice Change the status of a credential issued by `issuer`: Suspended or Revoked (with a
    ///         reason), or Valid to reinstate a suspended one. Transitions start from the status in force
    ///         (changes made by keys compromised at the time do not count).
    /// @dev Caller: a manager of `issuer` (its node's current key, its parent's) in good standing, or the
    ///      committee.
    function setStatus(address issuer, bytes32 credentialHash, CredentialStatus status, RevocationReason reason)
        external;

    /// @notice Nominate `subject` for the current version of award type `typeId`, for the caller's
    ///         organisation (its top-level ancestor): once per organisation, type version and subject
    ///         (AlreadyNominated), while the block's time is within the type's window
    ///         (NominationOutsideWindow; a FISCO block time in milliseconds is read as seconds). A held
    ///         nomination that no longer counts (its key compromised at its block, or its issuer retired)
    ///         is replaced (NominationWithdrawn, then Nominated).
    /// @dev Caller: any issuer key in good standing (IssuerRegistry.writer); the type must take
    ///      nominations (`minNominations` > 0, else NotNominatedType).
    /// @param typeId An award type by nominations.
    /// @param subject Pseudonymous subject id (not zero).
    function nominate(uint32 typeId, bytes32 subject) external;

    /// @notice Withdraw organisation `org`'s nomination of `subject` for the current version of `typeId`
    ///         (NominationNotFound if there is none).
    /// @dev Caller: a manager of the nominating key (that key, its node's current key, its parent's
    ///      current key) in good standing, or the committee.
    function withdrawNomination(uint32 typeId, bytes32 subject, uint32 org) external;

    /// @notice The live nominations of `subject` for version `version` of `typeId`, in no fixed order
    ///         (a withdrawal moves the last one into the freed place).
    function nominations(uint32 typeId, uint16 version, bytes32 subject) external view returns (Nomination[] memory);

    /// @notice Anchor the hash of an audit report under the caller (once per auditor and hash): another
    ///         auditor's anchor of the same hash is its own and blocks nothing.
    /// @dev Caller: a committee member, or an issuer key in good standing.
    /// @param reportHash Hash of the report (not zero).
    /// @param target What was audited: a subject id, an issuer address as bytes32, or zero for files.
    function anchorReport(bytes32 reportHash, bytes32 target) external;

    /// @notice The block in which `auditor` anchored `reportHash` (0 if it did not).
    function reportAnchor(address auditor, bytes32 reportHash) external view returns (uint64 blockNumber);

    /// @notice A certificate type (version 0 if undefined).
    function credentialType(uint32 typeId) external view returns (CredentialType memory);

    /// @notice Ids of every defined type, in order of first definition.
    function typeIds() external view returns (uint32[] memory);

    /// @notice A credential issued by `issuer` with `issue` (blockNumber 0 if none).
    function issued(address issuer, bytes32 credentialHash) external view returns (Issued memory);

    /// @notice The status change in force of a credential (status None if none counts).
    function statusOf(address issuer, bytes32 credentialHash) external view returns (StatusRecord memory);

    /// @notice Every status change of a credential, in order, including void ones.
    function statusLog(address issuer, bytes32 credentialHash) external view returns (StatusRecord[] memory);

    /// @notice The Merkle leaf node of a credential hash: H(H(credentialHash)).
    function leafHash(bytes32 credentialHash) external pure returns (bytes32);

    /// @notice Whether `proof` places `credentialHash` at position `index` of the positional tree of
    ///         `root`: at level l the running node is the left input of H when bit l of `index` is 0, the
    ///         right one when it is 1. False when `index` does not fit in `proof.length` bits.
    function verifyLeaf(bytes32 root, bytes32 credentialHash, uint256 index, bytes32[] calldata proof)
        external
        pure
        returns (bool);

    /// @notice The chain's verdict on a batch credential, checks in this order: anchored by `issuer`
    ///         (IssuerRegistry), index below the batch's count, proof valid, issuer key not compromised at
    ///         the anchor block, batch not revoked (by a key in good standing then), leaf neither
    ///         suspended nor revoked. The anchor itself records that the issuer was authorised. Leaf bits
    ///         written by a key that was compromised are read as stored: replay the status events to
    ///         discount them.
    function verifyBatchCredential(
        address issuer,
        bytes32 root,
        bytes32 credentialHash,
        uint256 index,
        bytes32[] calldata proof
    ) external view returns (Verdict);

    /// @notice The IssuerRegistry (writers, scope, compromise) this registry asks.
    function registry() external view returns (address);

    /// @notice The ContributionLedger `issue` checks against.
    function ledger() external view returns (address);

    /// @notice The Committee this registry obeys.
    function committee() external view returns (address);
}
