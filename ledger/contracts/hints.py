"""What a contract's refusal means for the person at the keyboard, and what to do about it.

:func:`explain` turns a decoded contract error (``ledger.contracts.errors``) into one sentence and a hint.
The error's own name and arguments stay available (``str(error)``) for logs and ``--json``; the
sentence is for people. An error without an entry here is shown as it is.
"""

from __future__ import annotations

from typing import Any

from ledger.errors import ContractError

Explanation = tuple[str, "str | None"]


def _enum(value: Any, enum_name: str) -> str:
    from ledger import types
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
    "IssuerIsRetired": ("issuer {issuer} is retired, which is final", "add a new issuer instead"),
    "IssuerExists": ("{issuer} is an issuer already", "see `ledger issuer show ADDRESS`"),
    "OutOfScope": (
        "issuer {issuer} may not issue certificate type {typeId} (not in its scope, or the type is not defined)",
        "see `ledger issuer show ADDRESS` and `ledger type list`; the committee widens a scope",
    ),
    "UnknownType": ("certificate type {typeId} is not defined", "see `ledger type list`"),
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
    "ParentKindNotAllowed": ("only University and Community issuers add child issuers", None),
    "ScopeNotSubset": (
        "certificate type {typeId} is not in the parent's own scope, so the child cannot have it",
        None,
    ),
    "NotCommitteeMember": (
        "{caller} is not a committee member",
        "sign with a member's key (--key); see `ledger committee show`",
    ),
    "NotCommittee": (
        "only the committee may do this, by proposal",
        "propose it as a committee member (`ledger committee ...`)",
    ),
    "NotParentOrCommittee": ("only the issuer's parent or the committee may change its status", None),
    "AlreadyMember": ("{member} is a committee member already", None),
    "NotMember": ("{member} is not a committee member", "see `ledger committee show`"),
    "ThresholdOutOfRange": (
        "a threshold of {threshold} is not possible with {memberCount} committee members",
        "the threshold is between 1 and the number of members",
    ),
    "UnknownProposal": ("there is no proposal {id}", "see `ledger committee list`"),
    "AlreadyApproved": ("{member} approved proposal {id} already", None),
    "ProposalAlreadyExecuted": ("proposal {id} has been executed already", None),
    "NotEnoughApprovals": (
        "proposal {id} has {found} of the {needed} approvals it needs",
        "other members approve it: `ledger committee approve {id}`",
    ),
    "ContributionExists": (
        "contribution {key} is recorded already (the same source cannot be claimed twice)",
        "see `ledger contrib show {key}`",
    ),
    "UnknownContribution": ("there is no contribution {key}", "check the key (`ledger query contributions`)"),
    "ContributionIsRevoked": ("contribution {key} is revoked", None),
    "RecorderCannotCoSign": (
        "{signer} recorded contribution {key}, so its co-sign would add nothing",
        "a maintainer or mentor of another issuer co-signs",
    ),
    "SameOrganisationAsRecorder": (
        "{signer} is of the organisation that recorded contribution {key}: a co-sign comes from another",
        "a maintainer or mentor of another top-level issuer co-signs",
    ),
    "AlreadyCoSigned": ("{signer} co-signed contribution {key} already", None),
    "NotRecorder": (
        "only the issuer that recorded contribution {key} (or the committee) may revoke it",
        "sign with the recorder's key, or propose the revocation as a committee member",
    ),
    "RootAlreadyAnchored": (
        "this batch root was anchored already, by {issuer} at block {blockNumber}",
        "`ledger cred issue --resume` finishes an interrupted batch without anchoring again",
    ),
    "UnknownRoot": ("batch root {root} is not anchored on this chain", None),
    "NotRootIssuer": ("only the issuer that anchored batch {root} may change its credentials' status", None),
    "InvalidProof": ("the Merkle proof does not place credential {credentialHash} in batch {root}", None),
    "CredentialExists": ("credential {credentialHash} is issued already", None),
    "CredentialNotFound": ("there is no credential {credentialHash}", None),
    "CredentialIsRevoked": ("credential {credentialHash} is revoked, which is final", None),
    "NotCredentialIssuer": (
        "only the issuer of credential {credentialHash} (or the committee) may change its status",
        "sign with the issuer's key",
    ),
    "InvalidStatusTransition": (
        "credential {credentialHash} cannot go from {current_name} to {requested_name}",
        "suspended credentials are reinstated or revoked; revoked is final",
    ),
    "ReportAlreadyAnchored": ("this audit report was anchored already, at block {blockNumber}", None),
}

# enum-valued fields and the ledger.types enum that names them
_ENUM_FIELDS = {
    "status": "IssuerStatus",
    "kind": "IssuerKind",
    "current": "CredentialStatus",
    "requested": "CredentialStatus",
}


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
        enum_name = _ENUM_FIELDS.get(field)
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

