"""What a contract's refusal means for the person at the keyboard, and what to do about it.

:func:`explain` turns a decoded contract error (``ledger.contracts.errors``) into one sentence and a hint.
The error's own name and arguments stay available (``str(error)``) for logs and ``--json``; the
sentence is for people. An error without an entry here is shown as it is.
"""

from __future__ import annotations

import functools
from typing import Any

from ledger import types
from ledger.contracts.abi import CONTRACT_NAMES, artifact
from ledger.errors import ContractError

Explanation = tuple[str, "str | None"]


def _enum(value: Any, enum_name: str) -> str:
    enum = getattr(types, enum_name)
    try:
        return str(enum(int(value)).name.lower().replace("_", " "))
    except (TypeError, ValueError):
        return str(value)


def _hex(value: Any) -> str:
    return "0x" + value.hex() if isinstance(value, bytes) else str(value)


# name -> (sentence, hint); both are formatted with the error's arguments (bytes as 0x hex, enums by
# name under the key "<field>_name").
_TEXTS: dict[str, tuple[str, str | None]] = {
    # -- the committee
    "NotCommitteeMember": (
        "{caller} is not a committee member",
        "sign with a member's key (--key); see `ledger committee list`",
    ),
    "NotCommittee": (
        "only the committee may do this, by proposal",
        "propose it as a committee member (`ledger committee ...`)",
    ),
    "AlreadyMember": ("{member} is a committee member already", None),
    "NotMember": ("{member} is not a committee member", "see `ledger committee list`"),
    "InvalidMemberAddress": ("{member} cannot be a committee member (the zero address or the committee itself)",
                             None),
    "ThresholdOutOfRange": (
        "a threshold of {threshold} is not possible with {memberCount} committee members",
        "the threshold is between 1 and the number of members",
    ),
    "InvalidProposalWindow": (
        "a proposal window of {blocks} blocks is not possible",
        "give between 1 and 4,294,967,296 blocks",
    ),
    "UnsupportedTarget": ("the committee only calls the ledger's own contracts, not {target}", None),
    "ModulesAlreadyBound": ("the committee's contracts were bound at deployment and cannot change", None),
    "InvalidModule": ("{module} cannot be one of the committee's contracts", None),
    "UnknownProposal": ("there is no proposal {id}", "see `ledger committee list`"),
    "ProposalNotPending": (
        "proposal {id} is {state_name}, so it can no longer be approved, executed or cancelled",
        "see `ledger committee list`; propose it again if it is still wanted",
    ),
    "ProposalExpired": (
        "proposal {id} expired after block {expiresAt}: it can no longer be approved or executed",
        "propose it again (`ledger committee list` shows what it was)",
    ),
    "AlreadyApproved": ("{member} approved proposal {id} already", None),
    "NotEnoughApprovals": (
        "proposal {id} has {found} of the {needed} approvals it needs",
        "other members approve it: `ledger committee approve {id}`",
    ),
    "ProposalExecutionFailed": ("proposal {id} was approved, but the call it makes failed", None),
    "NotProposerOrCommittee": (
        "only the member who made proposal {id}, or the committee, may cancel it; {caller} is neither",
        "propose the cancellation as a member: `ledger committee cancel {id}` by another member's key proposes it",
    ),
    "SuccessorAlreadyNamed": ("this deployment named its successor already ({successor})", None),
    "InvalidSuccessor": ("{successor} cannot be the successor deployment's committee", None),
    # -- issuers
    "UnknownIssuer": (
        "{issuer} is not an issuer",
        "the committee adds issuers (`ledger issuer add ADDRESS --kind ...`); check --key",
    ),
    "IssuerNotActive": (
        "issuer {issuer} is {status_name}",
        "the committee (or the issuer's parent) reinstates it: `ledger issuer reinstate ADDRESS`",
    ),
    "AncestorNotActive": (
        "issuer {issuer} cannot write: its parent {ancestor} is {status_name}",
        "the parent must be reinstated first",
    ),
    "KeyRotated": (
        "key {issuer} was rotated out: {currentKey} speaks for its issuer now",
        "sign with the current key (--key)",
    ),
    "KeyCompromised": (
        ("key {issuer} is marked compromised since block {since}: it writes nothing more, and offers it made "
        "can no longer be accepted"),
        ("the issuer's parent or the committee gives it a new key: `ledger issuer rotate --issuer ADDRESS "
        "--successor NEW`"),
    ),
    "IssuerIsRetired": ("issuer {issuer} is retired, which is final", "add a new issuer instead"),
    "IssuerExists": ("{issuer} is an issuer already (a key belongs to one issuer)", "see `ledger issuer show ADDRESS`"),
    "InvalidIssuerAddress": (
        "{issuer} cannot become an issuer key (the zero address, or a key already registered)",
        "give a fresh address (`ledger key new`)",
    ),
    "InvalidIssuerKind": ("an issuer needs a kind (university, community, enterprise or authority)", None),
    "OutOfScope": (
        "issuer {issuer} may not issue certificate type {typeId} (not in its scope or an ancestor's)",
        "see `ledger issuer show ADDRESS` and `ledger type list`; the committee widens a scope",
    ),
    "AnyScopeNotAllowed": ("only an authority may issue any type; {issuer} is a {kind_name}", None),
    "UnknownType": (
        "certificate type {typeId} is not defined",
        "see `ledger type list`; define types before granting them to issuers",
    ),
    "IssuerKindNotAllowed": (
        "certificate type {typeId} may not be issued by a {kind_name} issuer",
        "see `ledger type show {typeId}` for the issuer kinds it allows",
    ),
    "RecorderKindNotAllowed": (
        "only University and Community issuers record contributions; {recorder} is a {kind_name}",
        None,
    ),
    "ChildKindNotAllowed": (
        "a child issuer must be of its parent's kind; {kind_name} is not",
        "give --kind the parent's own kind",
    ),
    "ParentKindNotAllowed": ("only University and Community issuers offer child issuers", None),
    "DepthExceeded": ("{child} would be at depth {depth}: child issuers go at most 3 levels deep", None),
    "ScopeNotSubset": (
        "certificate type {typeId} is not in the parent's own scope, so the child cannot have it",
        None,
    ),
    "NoChildOffer": (
        "{parent} has no pending child offer to {child} with these terms",
        ("the parent offers first (`ledger issuer add ADDRESS --child ... --key PARENT`); then the child runs "
        "`ledger issuer accept PARENT`"),
    ),
    "NoSuccessorOffer": (
        "there is no pending offer of the authority of {issuer} to {successor}",
        "the issuer's current key, its parent or the committee offers first: `ledger issuer rotate --successor ADDRESS`",
    ),
    "InvalidStatus": ("an issuer cannot be set to status {status_name}", None),
    "StatusUnchanged": ("issuer {issuer} is {status_name} already", None),
    "NotParentOrCommittee": ("only the issuer's parent or the committee may change the status of {issuer}", None),
    "CommitteeHold": (
        "the committee holds issuer {issuer}: only the committee can change its status now",
        "ask the committee (`ledger issuer reinstate ADDRESS` by a member)",
    ),
    "InvalidCompromiseBlock": (
        ("key {key} cannot be marked compromised since block {since} (a block up to now; the key itself only "
        "from now on)"),
        "give a past block or date (--since); a key reporting itself uses --since now",
    ),
    "CompromiseNotEarlier": (
        ("key {key} is marked compromised since block {current} already; only an earlier block ({requested} is not) "
        "can be set by an issuer"),
        "the committee can correct a mark in either direction",
    ),
    "NoCompromiseToRepair": (
        "no key of {issuer}'s issuer was marked compromised, so its revoked leaves stay revoked",
        None,
    ),
    "NotCredentialsModule": ("only the deployment's CredentialRegistry may note type kinds", None),
    "NotManager": (
        "{caller} may not manage what {issuer} wrote: only its issuer's current key, its parent's, or the committee",
        "sign with such a key, or propose it as a committee member",
    ),
    # -- batches and leaves
    "InvalidRoot": ("a batch root cannot be zero", None),
    "EmptyBatch": ("nothing to do: the call names {count} items", None),
    "RootAlreadyAnchored": (
        "{issuer} anchored this batch root already, at block {blockNumber}",
        "`ledger cred issue --resume` finishes an interrupted batch without anchoring again",
    ),
    "UnknownBatch": ("{issuer} anchored no batch with root {root} on this deployment", None),
    "BatchIsRevoked": ("batch {root} of {issuer} was revoked as a whole at block {blockNumber}, which is final", None),
    "LeafIsRevoked": ("the credential at leaf {index} of batch {root} is revoked already, which is final", None),
    "InvalidRequestedStatus": ("a credential cannot be set to status {status_name}", None),
    "InvalidLeafTransition": (
        "the credential at leaf {index} of batch {root} cannot go from {current_name} to {requested_name}",
        "suspended credentials are reinstated or revoked; revoked is final",
    ),
    "InvalidReason": ("a revocation or suspension needs a reason", "give --reason"),
    # -- contributions
    "ContributionExists": (
        "contribution {key} is recorded already (the same source cannot be claimed twice)",
        ("see `ledger contrib show {key}`; a squatted key is revoked and released by the committee "
        "(`ledger contrib release {key}`)"),
    ),
    "UnknownContribution": ("there is no contribution {key}", "check the key (`ledger query contributions`)"),
    "ContributionIsRevoked": ("contribution {key} is revoked", None),
    "ContributionNotRevoked": (
        "contribution {key} is {status_name}: only a revoked record can be released",
        "the committee revokes it first: `ledger contrib revoke {key} --reason misconduct`",
    ),
    "RecorderCannotCoSign": (
        "{signer} recorded contribution {key}, so its co-sign would add nothing",
        "a maintainer or mentor of another issuer co-signs",
    ),
    "SameOrganisationAsRecorder": (
        "{signer} is of the organisation that recorded contribution {key}: a co-sign comes from another",
        "a maintainer or mentor of another top-level issuer co-signs",
    ),
    "AlreadyCoSignedByOrganisation": (
        "organisation {org} co-signed contribution {key} already, by {signer}: an organisation vouches once",
        "a maintainer or mentor of another organisation co-signs",
    ),
    "TooManyCoSigns": ("contribution {key} has the most co-signing organisations a record can hold (255)", None),
    "ReleaseLimitReached": ("contribution key {key} was released 255 times, the most a record counts", None),
    "AboutNotFound": (
        "contribution {key} is about contribution {about}, which is not recorded",
        "record the reviewed or mentored contribution first (or in the same batch, before it)",
    ),
    # -- types, credentials, reports
    "InvalidTypeId": ("type id {typeId} is reserved (0 means 'any type')", "give a type id from 1"),
    "InvalidAllowedKinds": ("a type must allow at least one issuer kind, and only the four there are", None),
    "AllowedKindsNarrowed": (
        "type {typeId} cannot allow fewer issuer kinds than before (scope was granted against them)",
        "a narrower standard is a new type id",
    ),
    "InvalidWindow": ("the criteria window starts at {windowFrom}, after it ends at {windowTo}", None),
    "InvalidPrerequisite": (
        "type {typeId} cannot need type {prerequisite}: it is undefined, or it needs {typeId} itself",
        "see `ledger type list`",
    ),
    "TooManyPrerequisites": ("{count} prerequisites given; a type names at most {max}", None),
    "CredentialExists": ("{issuer} issued credential {credentialHash} already", None),
    "CredentialNotFound": ("{issuer} issued no credential {credentialHash} on this deployment", None),
    "CredentialIsRevoked": ("credential {credentialHash} of {issuer} is revoked, which is final", None),
    "InvalidStatusTransition": (
        "credential {credentialHash} cannot go from {current_name} to {requested_name}",
        "suspended credentials are reinstated or revoked; revoked is final",
    ),
    "InvalidAwardCriteria": (
        ("the award criteria of type {typeId} do not fit together: mentee kinds go with a minimum of mentees, "
        "of the 12 contribution kinds, and the self-nomination flag with a minimum of nominations"),
        "see examples/awards/README.md",
    ),
    "NotNominatedType": (
        "type {typeId} is not an award by nominations, so it takes none",
        "`ledger type show {typeId}` shows its criteria",
    ),
    "InvalidSubject": ("the subject id cannot be zero", "give the subject's id (`ledger subject list`)"),
    "NominationOutsideWindow": (
        ("nominations for type {typeId} are taken between {windowFrom} and {windowTo} (unix time; 0: open), "
        "and the chain's time is {time}"),
        "nominate within the award's window",
    ),
    "AlreadyNominated": (
        ("organisation {org} has nominated this subject for version {version} of type {typeId} already, by "
        "{nominator}: an organisation nominates once"),
        "`ledger award list {typeId}` shows the nominations; withdraw that one first to change it",
    ),
    "NominationNotFound": (
        "organisation {org} has no nomination of this subject for version {version} of type {typeId}",
        "`ledger award list {typeId}` shows the nominations",
    ),
    "InvalidReportHash": ("a report hash cannot be zero", None),
    "ReportAlreadyAnchored": (
        "{auditor} anchored this audit report already, at block {blockNumber}",
        "`ledger audit check REPORT` shows who anchored it and when",
    ),
}


@functools.cache
def _enum_fields(name: str) -> dict[str, str]:
    """The enum-valued arguments of error ``name`` and the ``ledger.types`` enum of each, from the ABI's
    internal types (``enum IssuerStatus``)."""
    found: dict[str, str] = {}
    for contract in CONTRACT_NAMES:
        for entry in artifact(contract).abi:
            if entry["type"] == "error" and entry["name"] == name:
                for i in entry["inputs"]:
                    internal = i.get("internalType", "")
                    if internal.startswith("enum "):
                        found[i["name"]] = internal[5:].rsplit(".", 1)[-1]
    return found


def explain(error: ContractError) -> Explanation:
    """One sentence and a hint (or ``None``) for ``error``; an unknown error is shown as it is.

    The hint is the error's own when the code that raised it gave one, else the table's.
    """
    from ledger.credentials.standards import CRITERIA_WORDS, explain_refusal

    name = error.error_name
    if name in CRITERIA_WORDS:
        return explain_refusal(error), "see `ledger type show TYPE` for the criteria"
    texts = _TEXTS.get(name)
    if texts is None:
        return str(error), error.hint
    values: dict[str, Any] = {}
    for field in error.fields:
        value = getattr(error, field, None)
        values[field] = _hex(value)
        enum_name = _enum_fields(name).get(field)
        if enum_name is not None:
            values[f"{field}_name"] = _enum(value, enum_name)
    sentence, hint = texts
    shown = _Missing(values)
    # A hint the library attached where it raised the error knows more than the table.
    return sentence.format_map(shown), error.hint or (hint.format_map(shown) if hint else None)


class _Missing(dict[str, Any]):
    """Formatting values; a field the text names but the error lacks shows as ``?``."""

    def __missing__(self, key: str) -> str:
        return "?"

