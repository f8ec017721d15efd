"""Verifying a credential as a list of named steps, offline and against the chain.

Steps, in order (each ends ``pass``, ``fail`` or ``skipped`` with a stable reason code)::

    format             the document is a credential of our profile      FORMAT_OK | FORMAT_INVALID
    integrity          its hash equals the proof's credentialHash       HASH_OK | HASH_MISMATCH
    inclusion          the Merkle path leads to the batch root (in      PROOF_OK | PROOF_MISSING |
                       the positional tree, from its own leaf index)    PROOF_TRUNCATED | PROOF_INVALID
    anchoring          the root (or checked issuance) is on chain       ANCHORED | ISSUED | ROOT_UNKNOWN |
                       under the document's issuer, for its type, in    NOT_ISSUED | CHAIN_MISMATCH |
                       a deployment not superseded by then              CONTRACT_MISMATCH |
                                                                        ISSUER_MISMATCH | TYPE_MISMATCH |
                                                                        SUBJECT_MISMATCH | ANCHOR_MISMATCH |
                                                                        DEPLOYMENT_SUPERSEDED
    issuer_authorized  the issuer's key was not compromised then, and   AUTHORIZED | ISSUER_COMPROMISED |
                       could issue the type at that block               ISSUER_NOT_AUTHORIZED
    issuer_domain      the web domain the issuer names publishes its    DOMAIN_VERIFIED | DOMAIN_UNCHECKED |
                       account, and the registry's entry names it        DOMAIN_UNREACHABLE | REGISTRY_MISMATCH |
                       (:mod:`ledger.verify.identity`)                   DOMAIN_DOCUMENT_INVALID | DOMAIN_MISMATCH
    status             the batch not revoked as a whole; the credential  ACTIVE | REINSTATED | REVOKED |
                       not revoked or suspended (now, or at a block);   SUSPENDED | BATCH_REVOKED
                       changes by compromised keys do not count
    criteria           checked certificates: the chain's record names   CRITERIA_CHECKED | EVIDENCE_MISMATCH |
                       the document's evidence                          EVIDENCE_MISSING
    expiry             ``now`` lies in [validFrom, validUntil)          IN_VALIDITY_PERIOD | NOT_YET_VALID |
                                                                        EXPIRED

Skipped steps say why: ``OFFLINE`` (no chain view given), ``NOT_APPLICABLE`` (inclusion for a checked
certificate, criteria for a batch one), ``PRECONDITION_FAILED`` (a step it relies on failed; the status
of what a compromised key wrote is not asked).

The on-chain checks run in the order of ``contracts/README.md`` ("Verifying a batch credential"): the
root under its issuer, the proof, the key's compromise, the authority (which the accepted anchor itself
records), the batch's revocation, the leaf's status, the deployment's succession.

Format, integrity, inclusion and expiry are offline. The online questions go through a
:class:`~ledger.verify.chainview.ChainView` (defined, with its records and views, in :mod:`ledger.verify.chainview`),
answered by the contracts (live), by the SQLite index (fast, as of its last sync) and by
:class:`~ledger.verify.snapshot.StaticChainView` (a snapshot: verification bundles, tests).

This module runs the steps in order and builds the report; the report types, the step names and the
reason codes are in :mod:`ledger.verify.report`, the checks themselves in
:mod:`ledger.verify.steps`; :mod:`ledger.verify` exports the public names of all of them.

A failed verification is a :class:`CredentialReport` with failed steps; only input that is not JSON at
all raises (:class:`~ledger.errors.VerificationError`), and only from :func:`verify_credential`:
:func:`verify_many` reports it as a failed format step of that source and checks the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from ledger.canonical import NotJSONError
from ledger.credentials.document import Credential
from ledger.credentials.fields import CredentialFormatError
from ledger.credentials.parse import parse_credential
from ledger.credentials.proof import BATCH_PROOF
from ledger.errors import VerificationError
from ledger.verify.chainview import (
    CachedChainView,
    ChainView,
    IssuanceRecord,
)
from ledger.verify.identity import IssuerIdentities, IssuerIdentity, check_issuer_domain
from ledger.verify.report import FAIL, PASS, STEPS, CredentialReport, StepResult
from ledger.verify.report import step_result as _step
from ledger.verify.steps import (
    NOT_APPLICABLE_CRITERIA,
    OFFLINE,
    blocked,
    check_anchoring,
    check_authorized,
    check_criteria,
    check_expiry,
    check_inclusion,
    check_integrity,
    check_status,
)

__all__ = ["summarize", "verify_credential", "verify_many"]


def verify_credential(
    source: str | bytes | Mapping[str, Any] | Credential,
    chain: ChainView | None = None,
    *,
    now: datetime | None = None,
    at_block: int | None = None,
    label: str | None = None,
    identities: IssuerIdentities | None = None,
) -> CredentialReport:
    """Run every step on one credential.

    Args:
        source: the document (JSON text or bytes, a parsed mapping, or a :class:`Credential`).
        chain: answers the online steps; without it they are skipped (``OFFLINE``).
        now: the time for the expiry step (default: the current UTC time).
        at_block: check the status as of this block instead of the latest.
        label: what to call the credential in the report (e.g. its file name).
        identities: the registry entries and domain documents for the ``issuer_domain`` step; without
            them a domain the issuer names is reported as not checked.

    Raises:
        VerificationError: the input is not JSON at all, so there is nothing to check.
    """
    moment = _aware(now)
    checked_at = _stamp(moment)
    parsed = _parse_step(source, label, checked_at, lenient=False)
    if isinstance(parsed, CredentialReport):
        return parsed
    return _verify_parsed(parsed, chain, moment, at_block, label, identities, checked_at)


def _aware(now: datetime | None) -> datetime:
    moment = now or datetime.now(timezone.utc)
    if moment.tzinfo is None:
        raise VerificationError("`now` must be timezone-aware")
    return moment


def _stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _format_invalid(message: str, path: str, label: str | None, checked_at: str) -> CredentialReport:
    failed = _step("format", FAIL, "FORMAT_INVALID", message, path=path)
    return CredentialReport((failed, *(blocked(name, "format") for name in STEPS[1:])), label,
                            checked_at=checked_at)


def _parse_step(
    source: str | bytes | Mapping[str, Any] | Credential, label: str | None, checked_at: str, *, lenient: bool
) -> Credential | CredentialReport:
    """The parsed credential, or the report of a failed format step.

    Text that is not JSON at all raises VerificationError, unless ``lenient`` (several files are
    being checked), where it is a failed format step too, so the other files are still checked.
    """
    if isinstance(source, Credential):
        return source
    try:
        return parse_credential(source)
    except NotJSONError as exc:
        message = f"{label or 'the input'} is not a JSON document: {exc}"
        if not lenient:
            raise VerificationError(message) from exc
        return _format_invalid(message, exc.path, label, checked_at)
    except CredentialFormatError as exc:
        return _format_invalid(str(exc), exc.path, label, checked_at)


#: The issuer part of a summary without an identity, by template (kept with it: an id is reused).
_ISSUER_SUMMARIES: dict[int, tuple[Any, dict[str, Any]]] = {}


def summarize(credential: Credential, identity: IssuerIdentity | None = None) -> dict[str, Any]:
    """What a credential says, for a person: holder, title, institution, dates, evidence.

    ``identity`` adds what verification found out about the issuer (registered name, verified domain);
    without it the issuer is as the document names it, with no domain verified.
    """
    template = credential.template
    if identity is None:
        known = _ISSUER_SUMMARIES.get(id(template))
        if known is None or known[0] is not template:  # the issuer as the document names it: once a batch
            issuer_doc = IssuerIdentity(credential.issuer.address, credential.issuer.name).to_dict()
            if len(_ISSUER_SUMMARIES) >= 256:
                _ISSUER_SUMMARIES.clear()
            known = _ISSUER_SUMMARIES[id(template)] = (template, {**issuer_doc, "id": credential.issuer.id})
        issuer_summary = dict(known[1])
    else:
        issuer_summary = {**identity.to_dict(), "id": credential.issuer.id}
    achievement = credential.achievement
    return {
        "id": credential.id,
        "holder": credential.holder_name,
        "subject": credential.subject_id,
        "title": template.name,
        "achievement": achievement.name,
        "description": achievement.description,
        "criteria": achievement.criteria,
        "field": achievement.field_of_study,
        "type_id": achievement.type_id,
        "type_version": achievement.type_version,
        "issuer": issuer_summary,
        "valid_from": credential.template.valid_from,
        "valid_until": credential.template.valid_until,
        "evidence": [{"key": "0x" + e.key.hex(), "name": e.name} for e in credential.evidence],
        "withheld": sorted(credential.withheld),  # fields the holder withheld (selective disclosure)
        "proof": None if credential.proof is None else credential.proof.kind,
    }


_FORMAT_OK = _step("format", PASS, "FORMAT_OK", "a W3C VC 2.0 / Open Badges 3.0 credential of this ledger's profile")


def _verify_parsed(
    credential: Credential,
    chain: ChainView | None,
    moment: datetime,
    at_block: int | None,
    label: str | None,
    identities: IssuerIdentities | None = None,
    checked_at: str | None = None,
) -> CredentialReport:
    """Every step after the format step, which ``credential`` passed (``checked_at``: ``moment`` as
    the report writes it, when the caller has it)."""
    checked_at = checked_at or _stamp(moment)
    steps: list[StepResult] = [_FORMAT_OK, check_integrity(credential)]
    # A changed document is reported once, as HASH_MISMATCH, not again as a path to the wrong root.
    steps.append(
        check_inclusion(credential) if steps[1].outcome == PASS else blocked("inclusion", "integrity")
    )
    offline_ok = steps[1].outcome == PASS and steps[2].outcome != FAIL and credential.proof is not None
    batch = credential.proof is not None and credential.proof.kind == BATCH_PROOF
    chain_id = as_of = None
    identity = None
    if chain is None:
        steps.extend(OFFLINE[name] for name in ("anchoring", "issuer_authorized", "issuer_domain", "status"))
        steps.append(NOT_APPLICABLE_CRITERIA if batch else OFFLINE["criteria"])
    elif not offline_ok:
        by = "integrity" if steps[1].outcome != PASS else "inclusion"
        steps.extend(blocked(name, by) for name in ("anchoring", "issuer_authorized", "issuer_domain", "status"))
        steps.append(NOT_APPLICABLE_CRITERIA if batch else blocked("criteria", by))
    else:
        chain_id, as_of = chain.chain_id(), chain.block_number()
        anchoring, record = check_anchoring(credential, chain)
        steps.append(anchoring)
        if anchoring.outcome == PASS and record is not None:
            authorized = check_authorized(credential, record, chain)
            steps.append(authorized)
            domain_step, identity = check_issuer_domain(credential, identities)
            steps.append(domain_step)
            if authorized.code == "ISSUER_COMPROMISED":
                # What a stolen key wrote is void: its status is not asked.
                steps.append(blocked("status", "issuer_authorized"))
            else:
                steps.append(check_status(credential, chain, at_block, record))
        else:
            steps.extend(blocked(name, "anchoring") for name in ("issuer_authorized", "issuer_domain", "status"))
        if batch:
            steps.append(NOT_APPLICABLE_CRITERIA)
        elif anchoring.outcome == PASS and isinstance(record, IssuanceRecord):
            steps.append(check_criteria(credential, record, chain, at_block, credential.proof.contract))
        else:
            steps.append(blocked("criteria", "anchoring"))
    steps.append(check_expiry(credential, moment))
    return CredentialReport(
        tuple(steps),
        label,
        credential.id,
        credential.hash,
        checked_at,
        chain_id,
        as_of if at_block is None else at_block,
        tuple(sorted(credential.withheld)),
        summarize(credential, identity),
    )


def verify_many(
    sources: Iterable[tuple[str, str | bytes | Mapping[str, Any] | Credential]],
    chain: ChainView | None = None,
    *,
    now: datetime | None = None,
    at_block: int | None = None,
    identities: IssuerIdentities | None = None,
) -> list[CredentialReport]:
    """Verify ``(label, source)`` pairs, asking the chain once per batch root (:class:`CachedChainView`).

    A source that is not a credential, or not JSON at all, gets a report with a failed format step
    (``FORMAT_INVALID``) and the others are still verified. Only a chain that cannot answer raises.
    """
    view = CachedChainView(chain) if chain is not None and not isinstance(chain, CachedChainView) else chain
    moment = _aware(now)
    checked_at = _stamp(moment)
    reports = []
    for name, src in sources:
        parsed = _parse_step(src, name, checked_at, lenient=True)
        reports.append(parsed if isinstance(parsed, CredentialReport)
                       else _verify_parsed(parsed, view, moment, at_block, name, identities, checked_at))
    return reports
