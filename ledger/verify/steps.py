"""The checks of a verification, one function per step after the format step.

Each check looks at one question (the hash, the Merkle path, the chain's anchoring record, the
issuer's authorisation, the status, the checked criteria, the validity period) and returns its
:class:`~ledger.verify.report.StepResult`; the order, the preconditions between steps and the
report are :func:`ledger.verify.verifier.verify_credential`'s. The online checks ask a
:class:`~ledger.verify.chainview.ChainView` and never import the chain or the contracts. A module of its
own because the checks are the bulk of verification and each can be read on its own.
"""

from __future__ import annotations

from datetime import datetime

from ledger.credentials.document import Credential
from ledger.credentials.hashing import hash_function
from ledger.credentials.merkle import POSITIONAL, compute_root, proof_length
from ledger.credentials.proof import BATCH_PROOF
from ledger.errors import VerificationError
from ledger.verify.chainview import (
    ACTIVE,
    REINSTATED,
    REVOKED,
    SUSPENDED,
    UNKNOWN,
    AnchorRecord,
    ChainView,
    CredentialRef,
    IssuanceRecord,
)
from ledger.verify.report import FAIL, PASS, SKIPPED, StepResult
from ledger.verify.report import step_result as _step

__all__ = [
    "NOT_APPLICABLE_CRITERIA",
    "OFFLINE",
    "blocked",
    "check_anchoring",
    "check_authorized",
    "check_criteria",
    "check_expiry",
    "check_inclusion",
    "check_integrity",
    "check_status",
    "credential_ref",
]

#: The online steps, skipped because no chain view was given.
OFFLINE = {
    name: _step(name, SKIPPED, "OFFLINE", "needs the chain; verified offline")
    for name in ("anchoring", "issuer_authorized", "issuer_domain", "status", "criteria")
}
_NOT_APPLICABLE_INCLUSION = _step(
    "inclusion", SKIPPED, "NOT_APPLICABLE", "a criteria-checked certificate is not part of a Merkle batch"
)
#: The criteria step of a batch certificate (only checked issuance has contract-checked criteria).
NOT_APPLICABLE_CRITERIA = _step(
    "criteria", SKIPPED, "NOT_APPLICABLE", "a batch certificate has no contract-checked criteria"
)


def blocked(name: str, by: str) -> StepResult:
    """Step ``name`` skipped because the step ``by`` it relies on did not pass."""
    return _step(name, SKIPPED, "PRECONDITION_FAILED", f"not checked because the {by} step did not pass")


def _same_address(a: str, b: str) -> bool:
    return a.lower() == b.lower()


def check_integrity(credential: Credential) -> StepResult:
    """Integrity: the document hashes to the ``credentialHash`` its proof names."""
    proof = credential.proof
    if proof is None:
        return _step(
            "integrity",
            PASS,
            "HASH_OK",
            "hash computed; the document has no proof to compare it with",
            credential_hash=credential.hash,
        )
    if proof.credential_hash != credential.hash:
        return _step(
            "integrity",
            FAIL,
            "HASH_MISMATCH",
            "the document was changed after issuance: its hash differs from the one in its proof",
            computed=credential.hash,
            claimed=proof.credential_hash,
        )
    if credential.withheld:
        withheld = tuple(sorted(credential.withheld))
        return _step("integrity", PASS, "HASH_OK", "the document hashes to its proof's credentialHash; withheld by "
                     f"the holder (their digests checked, values not shown): {', '.join(withheld)}", withheld=withheld)
    return _HASH_OK


_HASH_OK = _step("integrity", PASS, "HASH_OK", "the document hashes to its proof's credentialHash")


def check_inclusion(credential: Credential) -> StepResult:
    """Inclusion: a batch credential's Merkle path, of the right length, leads to its batch root; in the
    positional tree from its own leaf index (an edited index leads elsewhere)."""
    proof = credential.proof
    if proof is None:
        return _step(
            "inclusion", FAIL, "PROOF_MISSING", "the document has no proof: it was never issued on chain"
        )
    if proof.kind != BATCH_PROOF:
        return _NOT_APPLICABLE_INCLUSION
    assert proof.batch_root is not None and proof.batch_size is not None and proof.leaf_index is not None
    expected = proof_length(proof.leaf_index, proof.batch_size, proof.tree)
    if len(proof.merkle_path) < expected:
        return _step(
            "inclusion",
            FAIL,
            "PROOF_TRUNCATED",
            f"the Merkle path has {len(proof.merkle_path)} of the {expected} hashes leaf "
            f"{proof.leaf_index} of a batch of {proof.batch_size} needs",
            expected=expected,
            found=len(proof.merkle_path),
        )
    root = compute_root(credential.hash, proof.merkle_path, hash_function(credential.hash_algorithm),
                        index=proof.leaf_index, layout=proof.tree)
    if len(proof.merkle_path) != expected or root != proof.batch_root:
        where = f" from leaf {proof.leaf_index}" if proof.tree == POSITIONAL else ""
        return _step(
            "inclusion",
            FAIL,
            "PROOF_INVALID",
            f"the Merkle path does not lead to the batch root{where}",
            batch_root=proof.batch_root,
            computed_root=root,
        )
    return _step(
        "inclusion", PASS, "PROOF_OK", f"leaf {proof.leaf_index} of {proof.batch_size} is in the batch"
    )


def credential_ref(credential: Credential) -> CredentialRef:
    """Where ``credential`` (with a proof) is recorded on chain: issuer key, hash, batch root and index."""
    proof = credential.proof
    assert proof is not None
    batch = proof.kind == BATCH_PROOF
    return CredentialRef(credential.issuer.address, credential.hash, proof.batch_root if batch else None,
                         proof.leaf_index if batch else None, proof.contract)


def check_expiry(credential: Credential, now: datetime) -> StepResult:
    """Expiry: ``now`` lies in [validFrom, validUntil)."""
    start, end = credential.valid_from, credential.valid_until
    if now < start:
        return _step("expiry", FAIL, "NOT_YET_VALID", f"valid only from {credential.template.valid_from}")
    if end is not None and now >= end:
        return _step(
            "expiry",
            FAIL,
            "EXPIRED",
            f"expired at {credential.template.valid_until}",
            valid_until=credential.template.valid_until,
        )
    until = f" until {credential.template.valid_until}" if end is not None else ""
    return _step("expiry", PASS, "IN_VALIDITY_PERIOD", f"valid from {credential.template.valid_from}{until}")


def check_anchoring(
    credential: Credential, chain: ChainView
) -> tuple[StepResult, AnchorRecord | IssuanceRecord | None]:
    """Anchoring: the chain holds the batch root (or the checked issuance) under the document's issuer,
    for its type, in a deployment that had not named its successor by then; returns the step and the
    chain's record (None when there is none to go on)."""
    proof = credential.proof
    assert proof is not None
    chain_id = chain.chain_id()
    if proof.chain.chain_id != chain_id or credential.issuer.chain_id != chain_id:
        return _step(
            "anchoring",
            FAIL,
            "CHAIN_MISMATCH",
            f"the credential names chain {proof.chain.chain_id} (issuer on {credential.issuer.chain_id}), "
            f"the verifier is connected to chain {chain_id}",
        ), None
    known = chain.contract_addresses()
    if known is not None and proof.contract.lower() not in known:
        return _step(
            "anchoring",
            FAIL,
            "CONTRACT_MISMATCH",
            f"the proof names contract {proof.contract}, which is not part of the deployment this verifier "
            f"reads; verify against that deployment (ledger init --join its Committee)",
        ), None
    issuer = credential.issuer.address
    type_id = credential.achievement.type_id
    record: AnchorRecord | IssuanceRecord
    if proof.kind == BATCH_PROOF:
        assert proof.batch_root is not None
        anchor = chain.anchor(issuer, proof.batch_root, proof.contract)
        if anchor is None:
            return _step(
                "anchoring",
                FAIL,
                "ROOT_UNKNOWN",
                f"the batch root was never anchored by {issuer} on this chain",
                batch_root=proof.batch_root,
            ), None
        where = f"block {anchor.block}"
        claimed_tx = proof.anchor_transaction
        if (proof.anchor_block is not None and proof.anchor_block != anchor.block) or (
            claimed_tx is not None and anchor.transaction is not None and claimed_tx != anchor.transaction
        ):
            return _step(
                "anchoring",
                FAIL,
                "ANCHOR_MISMATCH",
                f"the proof names another anchoring than the chain's ({where})",
                chain_block=anchor.block,
                proof_block=proof.anchor_block,
            ), anchor
        if anchor.count is not None and proof.batch_size != anchor.count:
            # The index must be below the count anchored with the root (the contract's IndexOutOfRange);
            # a proof that claims another batch size is not this batch's.
            return _step(
                "anchoring",
                FAIL,
                "ANCHOR_MISMATCH",
                f"the proof says a batch of {proof.batch_size}, the chain's anchor counts {anchor.count}",
                chain_count=anchor.count,
                proof_count=proof.batch_size,
            ), anchor
        who, what, record = anchor.issuer, anchor.type_id, anchor
        ok = ("ANCHORED", f"root anchored by {anchor.issuer} in {where}")
    else:
        issued = chain.checked_issuance(issuer, credential.hash, proof.contract)
        if issued is None:
            return _step(
                "anchoring", FAIL, "NOT_ISSUED", f"the chain has no checked issuance of this credential by {issuer}"
            ), None
        if credential.subject is not None and credential.subject != issued.subject:
            return _step(
                "anchoring", FAIL, "SUBJECT_MISMATCH", "the chain's record names another subject"
            ), issued
        if proof.issue_block is not None and proof.issue_block != issued.block:
            return _step(
                "anchoring",
                FAIL,
                "ANCHOR_MISMATCH",
                f"the proof names block {proof.issue_block}, the chain block {issued.block}",
            ), issued
        if issued.type_version is not None and issued.type_version != credential.achievement.type_version:
            return _step(
                "anchoring",
                FAIL,
                "TYPE_MISMATCH",
                f"issued as version {issued.type_version} of type {issued.type_id}, the document says "
                f"version {credential.achievement.type_version}",
            ), issued
        who, what, record = issued.issuer, issued.type_id, issued
        ok = (
            "ISSUED",
            f"issued by {issued.issuer} in block {issued.block} after the contract checked the criteria",
        )
    if not _same_address(who, issuer):
        return _step(
            "anchoring",
            FAIL,
            "ISSUER_MISMATCH",
            f"recorded on chain by {who}, but the document names issuer {issuer}",
            chain_issuer=who,
            document_issuer=issuer,
        ), record
    if what != type_id:
        return _step(
            "anchoring",
            FAIL,
            "TYPE_MISMATCH",
            f"recorded for type {what}, but the document is of type {type_id}",
        ), record
    superseded = chain.superseded_at(proof.contract)
    if superseded is not None and record.block > superseded:
        return _step(
            "anchoring",
            FAIL,
            "DEPLOYMENT_SUPERSEDED",
            f"recorded in block {record.block}, after its deployment named its successor in block {superseded}: "
            "writes there after that block are not trusted",
            block=record.block,
            superseded_at=superseded,
        ), record
    return _step("anchoring", PASS, ok[0], ok[1], block=record.block), record


def check_authorized(
    credential: Credential, record: AnchorRecord | IssuanceRecord, chain: ChainView
) -> StepResult:
    """Issuer authorised: the recording key was not compromised at the block of ``record``, and it could
    issue the type then. The record itself attests the authority (the registry accepts an anchor, the
    credential registry an issuance, only from a key authorised at that moment); the chain's history is
    asked too, and must agree."""
    type_id = credential.achievement.type_id
    contract = credential.proof.contract if credential.proof is not None else None
    since = chain.compromised_since(record.issuer, contract)
    if since and record.block >= since:
        return _step(
            "issuer_authorized",
            FAIL,
            "ISSUER_COMPROMISED",
            f"{record.issuer} is marked compromised since block {since}; this was written in block {record.block}, "
            "so it may be the thief's",
            issuer=record.issuer,
            compromised_since=since,
            block=record.block,
        )
    if chain.is_authorized(record.issuer, type_id, record.block, contract):
        return _step(
            "issuer_authorized",
            PASS,
            "AUTHORIZED",
            f"{record.issuer} could issue type {type_id} at block {record.block} (the chain accepted the write "
            "from it then)",
        )
    return _step(
        "issuer_authorized",
        FAIL,
        "ISSUER_NOT_AUTHORIZED",
        f"{record.issuer} was not authorised to issue type {type_id} at block {record.block}",
        issuer=record.issuer,
        type_id=type_id,
        block=record.block,
    )


def check_status(
    credential: Credential, chain: ChainView, at_block: int | None, record: AnchorRecord | IssuanceRecord | None = None
) -> StepResult:
    """Status: the batch not revoked as a whole, the credential neither revoked nor suspended, now or as of
    ``at_block``; revocations and status changes by keys compromised at their block do not count.

    Raises:
        VerificationError: the chain view answered a status this check does not know.
    """
    proof = credential.proof
    assert proof is not None
    when = "now" if at_block is None else f"at block {at_block}"
    if isinstance(record, AnchorRecord) and record.revoked_block is not None and (
        at_block is None or record.revoked_block <= at_block
    ):
        by = record.revoked_by
        since = chain.compromised_since(by, proof.contract) if by else None
        if not (since and record.revoked_block >= since):
            reason = record.revoked_reason or "unspecified"
            return _step(
                "status",
                FAIL,
                "BATCH_REVOKED",
                f"the whole batch is revoked {when}: reason {reason}, since block {record.revoked_block}"
                + (f", by {by}" if by else ""),
                reason=reason,
                block=record.revoked_block,
                by=by,
            )
    state = chain.status(credential_ref(credential), at_block)
    if state.status == UNKNOWN:
        return _step("status", SKIPPED, "OFFLINE", "not known here: the chain snapshot was not made for this "
                     "credential (verify it against the chain, or save a snapshot for it)")
    if state.status in (REVOKED, SUSPENDED):
        reason = state.reason or "unspecified"
        since = f", since block {state.block}" if state.block is not None else ""
        return _step(
            "status",
            FAIL,
            state.status.upper(),
            f"{state.status} {when}: reason {reason}{since}",
            reason=reason,
            block=state.block,
        )
    if state.status == REINSTATED:
        return _step(
            "status",
            PASS,
            "REINSTATED",
            f"valid {when}: reinstated in block {state.block}",
            block=state.block,
        )
    if state.status != ACTIVE:
        raise VerificationError(f"the chain view answered an unknown status {state.status!r}")
    return _step("status", PASS, "ACTIVE", f"valid {when}: never revoked or suspended")


def check_criteria(credential: Credential, issued: IssuanceRecord, chain: ChainView | None = None,
                   at_block: int | None = None, contract: str | None = None) -> StepResult:
    """Criteria: the document names as evidence the contributions the contract checked (none, if it
    checked none), and the certificates it was stacked on (its components, checked on chain at
    issuance) are still in force.

    A component revoked or suspended since (now, or as of ``at_block``) fails the step with its own
    code, ``COMPONENT_REVOKED`` or ``COMPONENT_SUSPENDED``, naming the component, its reason and block:
    the stacked certificate rests on it. So does a component issued by a key marked compromised since
    a block at or before its issuance (``COMPONENT_ISSUER_COMPROMISED``): the contract accepted it then,
    but it may be the thief's. A component the view cannot answer for (a snapshot not made
    for it) is left unchecked and the message says so.
    """
    claimed = [e.key for e in credential.evidence]
    components = issued.prerequisites or ()
    chain_keys = issued.contribution_keys
    withheld = "evidence" in credential.withheld  # a holder's copy without the evidence list
    # No evidence is right only for a certificate the contract checked against none: a type without
    # contribution criteria (a course), or a stacked one resting on its components.
    if not withheld and not claimed and (chain_keys or (chain_keys is None and not components)):
        return _step(
            "criteria",
            FAIL,
            "EVIDENCE_MISSING",
            "a criteria-checked certificate must name the contributions it was issued for",
        )
    if not withheld and chain_keys is not None and sorted(claimed) != sorted(chain_keys):
        return _step(
            "criteria",
            FAIL,
            "EVIDENCE_MISMATCH",
            "the document's evidence differs from the contributions the contract checked",
            document=tuple(claimed),
            chain=chain_keys,
        )
    unknown = 0
    for issuer, component in components if chain is not None else ():
        state = chain.status(CredentialRef(issuer, component, contract=contract), at_block)  # type: ignore[union-attr]
        if state.status in (REVOKED, SUSPENDED):
            reason = state.reason or "unspecified"
            return _step(
                "criteria",
                FAIL,
                f"COMPONENT_{state.status.upper()}",
                f"it is stacked on certificate 0x{component.hex()}, {state.status} since block {state.block} "
                f"(reason {reason})",
                component=component,
                reason=reason,
                block=state.block,
            )
        unknown += state.status == UNKNOWN
        issuance = chain.checked_issuance(issuer, component, contract)  # type: ignore[union-attr]
        since = chain.compromised_since(issuer, contract)  # type: ignore[union-attr]
        if issuance is not None and since is not None and issuance.block >= since:
            return _step(
                "criteria",
                FAIL,
                "COMPONENT_ISSUER_COMPROMISED",
                f"it is stacked on certificate 0x{component.hex()}, issued in block {issuance.block} by {issuer}, "
                f"whose key is marked compromised since block {since}: that component may be the thief's",
                component=component,
                issuer=issuer,
                compromised_since=since,
                block=issuance.block,
            )
    if withheld:
        what = "(the holder withheld the evidence list, so it was not compared)"
    elif chain_keys is None:
        what = "(the evidence list was not compared: the chain view does not hold it)"
    else:
        what = f"against these {len(claimed)} contributions"
    stacked = ""
    if components:
        checked = len(components) - unknown if chain is not None else 0
        stacked = f"; stacked on {len(components)} certificate(s), {checked} checked in force"
        if unknown or chain is None:
            stacked += f", {len(components) - checked} not known to this view"
    return _step(
        "criteria",
        PASS,
        "CRITERIA_CHECKED",
        f"the contract checked the criteria {what} in block {issued.block}{stacked}",
        **({"withheld": ("evidence",)} if withheld else {}),
    )
