"""Parsing a credential document: the JSON a holder presents, checked field by field.

:func:`parse_credential` accepts only documents of this ledger's profile (the shape is drawn in
:mod:`ledger.credentials.document`) and reports the first bad field by its path. The typed result keeps the
canonical body of what was parsed, so a verifier hashes exactly what the holder presented.
Documents of one batch share their template, which is parsed once and cached.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from os import PathLike
from types import MappingProxyType
from typing import Any

from ledger.canonical import CanonicalizationError, ParsedJSON, canonicalize, join_members
from ledger.canonical import parse as parse_json
from ledger.credentials.document import (
    CREDENTIAL_TYPES,
    DISCLOSABLE,
    OB_CONTEXT,
    VC_CONTEXT,
    Credential,
    CredentialTemplate,
)
from ledger.credentials.fields import EVIDENCE_URI as _EVIDENCE_URI
from ledger.credentials.fields import SUBJECT_URI as _SUBJECT_URI
from ledger.credentials.fields import UUID_URN as _UUID_URN
from ledger.credentials.fields import CredentialFormatError
from ledger.credentials.fields import check_bytes32 as _bytes32
from ledger.credentials.fields import check_line as _line
from ledger.credentials.hashing import committed_hash, credential_hash, field_digest
from ledger.credentials.identifiers import ACCOUNT_DID, CONTRIBUTION_URL, SUBJECT_URL, TYPE_URL, WEB_DID
from ledger.credentials.parts import Achievement, Evidence, IssuerProfile
from ledger.credentials.proof import DI_MEMBERS, KIND_OF_SUITE, CredentialProof, decode_proof_value
from ledger.credentials.vocabulary import CONTEXTS
from ledger.errors import LedgerError, VerificationError

__all__ = ["MAX_CREDENTIAL_BYTES", "parse_credential", "read_credential_file"]

_SUBJECT, _HOLDER, _EVIDENCE = DISCLOSABLE

#: Largest credential document accepted, in bytes of JSON; ours are a few kilobytes.
MAX_CREDENTIAL_BYTES = 4 * 1024 * 1024


def _too_large(size: int, limit: int, what: str) -> CredentialFormatError:
    return CredentialFormatError(
        "", f"{what} is {size:,} bytes, over the limit of {limit:,} bytes ({limit / 2**20:g} MiB) for one credential"
    )


def read_credential_file(path: str | PathLike[str], *, limit: int = MAX_CREDENTIAL_BYTES) -> bytes:
    """The bytes of a credential file, refusing one larger than ``limit`` without reading it all.

    Raises:
        CredentialFormatError: the file is larger than ``limit`` (the message names the limit).
        VerificationError: the file cannot be read.
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
            if len(data) > limit:
                handle.seek(0, 2)
                raise _too_large(handle.tell(), limit, f"the file {path}")
    except OSError as exc:
        raise VerificationError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return data



def _types(value: Any, path: str, required: Iterable[str]) -> None:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise CredentialFormatError(path, "must be a list of type names")
    missing = [t for t in required if t not in value]
    if missing:
        raise CredentialFormatError(path, f"must include {', '.join(missing)}")


def _object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CredentialFormatError(path, "must be an object")
    return value


def _holder_name(identifiers: Any, *, may_be_empty: bool) -> str | None:
    """The holder's name from ``credentialSubject.identifier`` (the first IdentityObject of type ``name``
    given in clear), None if there is none; an empty list is refused unless ``may_be_empty`` (profile 1)."""
    if identifiers is None:
        return None
    if not isinstance(identifiers, list) or (not identifiers and not may_be_empty):
        raise CredentialFormatError("credentialSubject.identifier", "must be a list of IdentityObjects")
    holder_name = None
    for i, item in enumerate(identifiers):
        where = f"credentialSubject.identifier[{i}]"
        item = _object(item, where)
        if item.get("type") != "IdentityObject":
            raise CredentialFormatError(f"{where}.type", "must be 'IdentityObject'")
        if item.get("identityType") == "name" and item.get("hashed") is False and holder_name is None:
            holder_name = _line(item.get("identityHash"), f"{where}.identityHash")
    return holder_name


def _evidence(raw_evidence: Any, contribution_key: Callable[[Any, str], bytes]) -> list[Evidence]:
    """The ``evidence`` list, each item's contribution key read from its ``id`` by ``contribution_key(id,
    where)`` (which names the profile's identifier form in its error)."""
    if raw_evidence is None:
        return []
    if not isinstance(raw_evidence, list):
        raise CredentialFormatError("evidence", "must be a list")
    evidence = []
    for i, item in enumerate(raw_evidence):
        item = _object(item, f"evidence[{i}]")
        _types(item.get("type"), f"evidence[{i}].type", ("Evidence",))
        key = contribution_key(item.get("id"), f"evidence[{i}].id")
        name = item.get("name")
        if name is not None:
            _line(name, f"evidence[{i}].name")
        evidence.append(Evidence(key, name))
    return evidence


def _legacy_contribution_key(uri: Any, where: str) -> bytes:
    """A profile-1 evidence id: ``urn:ledger:contribution:0x<64 hex>``."""
    if not isinstance(uri, str) or not _EVIDENCE_URI.match(uri):
        raise CredentialFormatError(where, "must be urn:ledger:contribution:0x<64 hex>")
    return bytes.fromhex(uri.rsplit(":", 1)[1][2:])


_TEMPLATES: dict[tuple[Any, ...], CredentialTemplate] = {}


def _parse_template(
    doc: dict[str, Any],
    issuer_doc: dict[str, Any],
    achievement_doc: dict[str, Any],
    criteria: dict[str, Any],
    algorithm: str,
    *,
    account: str = "",
    deployment: str | None = None,
    profile: int = 1,
) -> CredentialTemplate:
    """The template a parsed document was stamped from; documents of one batch share one (cached)."""
    texts = (
        account,
        deployment,
        str(profile),
        issuer_doc.get("id"),
        issuer_doc.get("name"),
        achievement_doc.get("id"),
        achievement_doc.get("name"),
        achievement_doc.get("description"),
        criteria.get("narrative"),
        achievement_doc.get("fieldOfStudy"),
        achievement_doc.get("achievementType"),
        doc.get("validFrom"),
        doc.get("validUntil"),
        doc.get("name"),
        algorithm,
    )
    type_id, type_version = achievement_doc["typeId"], achievement_doc["typeVersion"]
    # Only exact str/None and int values are cached: True == 1 must not pass for a type id.
    cacheable = type(type_id) is int and type(type_version) is int
    cacheable = cacheable and all(v is None or type(v) is str for v in texts)
    key = (*texts, type_id, type_version) if cacheable else None
    if key is not None:
        found = _TEMPLATES.get(key)
        if found is not None:
            return found
    issuer = IssuerProfile(issuer_doc.get("id"), issuer_doc.get("name"), account)  # type: ignore[arg-type]
    achievement = Achievement(
        type_id=type_id,
        type_version=type_version,
        name=achievement_doc.get("name"),  # type: ignore[arg-type]
        description=achievement_doc.get("description"),  # type: ignore[arg-type]
        criteria=criteria.get("narrative"),  # type: ignore[arg-type]
        field_of_study=achievement_doc.get("fieldOfStudy"),  # type: ignore[arg-type]
        achievement_type=achievement_doc.get("achievementType"),  # type: ignore[arg-type]
        id=achievement_doc["id"],
    )
    template = CredentialTemplate(
        issuer,
        achievement,
        doc.get("validFrom"),  # type: ignore[arg-type]
        doc.get("validUntil"),
        _line(doc.get("name"), "name"),
        algorithm,
        deployment,
        profile,
    )
    if key is not None:
        if len(_TEMPLATES) >= 1024:
            _TEMPLATES.clear()
        _TEMPLATES[key] = template
    return template


def parse_credential(
    source: str | bytes | Mapping[str, Any], *, hash_algorithm: str | None = None
) -> Credential:
    """Parse and check a credential document (W3C VC 2.0 + Open Badges 3.0, our profile).

    Args:
        source: JSON text/bytes, or an already parsed mapping.
        hash_algorithm: the hash to use; by default the proof's ``hashAlgorithm`` (keccak256 without proof).

    Raises:
        NotJSONError (a CanonicalizationError): the text is not JSON, or nests deeper than
            :data:`ledger.canonical.MAX_DEPTH`.
        CredentialFormatError: the JSON is not a credential (``path`` names the first bad field), or
            the text is longer than :data:`MAX_CREDENTIAL_BYTES`.
    """
    if isinstance(source, (str, bytes, bytearray)):
        size = len(source)
        if isinstance(source, str) and size > MAX_CREDENTIAL_BYTES // 4:
            size = len(source.encode("utf-8", "surrogatepass"))
        if size > MAX_CREDENTIAL_BYTES:
            raise _too_large(size, MAX_CREDENTIAL_BYTES, "the document")
    try:
        return _parse(source, hash_algorithm)
    except LedgerError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError, IndexError, RecursionError) as exc:
        # Untrusted input: a value of a type no check above foresaw is a format error, never a crash.
        raise CredentialFormatError("", f"malformed credential document ({type(exc).__name__}: {exc})") from exc


def _parse(source: str | bytes | Mapping[str, Any], hash_algorithm: str | None) -> Credential:
    parsed: ParsedJSON | None = None
    try:
        if isinstance(source, (str, bytes, bytearray)):
            parsed = parse_json(source)
            doc = parsed.value
        else:
            doc = source
    except CanonicalizationError as exc:
        if type(exc) is not CanonicalizationError:
            raise
        raise CredentialFormatError(exc.path, exc.reason) from None
    doc = _object(doc, "")
    context = doc.get("@context")
    if context == list(CONTEXTS):
        return _parse_v2(doc, parsed, hash_algorithm)
    if not isinstance(context, list) or context[:2] != [VC_CONTEXT, OB_CONTEXT]:
        raise CredentialFormatError("@context", f"must be {list(CONTEXTS)!r}")
    _types(doc.get("type"), "type", CREDENTIAL_TYPES)
    credential_id = doc.get("id")
    if not isinstance(credential_id, str) or not _UUID_URN.match(credential_id):
        raise CredentialFormatError("id", "must be urn:uuid:<lower-case uuid>")
    issuer_doc = _object(doc.get("issuer"), "issuer")
    _types(issuer_doc.get("type"), "issuer.type", ("Profile",))
    subject_doc = _object(doc.get("credentialSubject"), "credentialSubject")
    subject = subject_doc.get("id")
    if not isinstance(subject, str) or not _SUBJECT_URI.match(subject):
        raise CredentialFormatError(
            "credentialSubject.id", "must be urn:ledger:subject:0x<64 lower-case hex>"
        )
    _types(subject_doc.get("type"), "credentialSubject.type", ("AchievementSubject",))
    a = "credentialSubject.achievement"
    achievement_doc = _object(subject_doc.get(a.split(".")[1]), a)
    _types(achievement_doc.get("type"), f"{a}.type", ("Achievement",))
    criteria = _object(achievement_doc.get("criteria"), f"{a}.criteria")
    achievement_id = achievement_doc.get("id")
    if not isinstance(achievement_id, str) or not achievement_id:
        raise CredentialFormatError(f"{a}.id", "must be a URI")
    if "typeId" not in achievement_doc:
        raise CredentialFormatError(f"{a}.typeId", "is missing (the on-chain certificate type)")
    if "typeVersion" not in achievement_doc:
        raise CredentialFormatError(f"{a}.typeVersion", "is missing (the on-chain type version)")
    holder_name = _holder_name(subject_doc.get("identifier"), may_be_empty=True)
    evidence = _evidence(doc.get("evidence"), _legacy_contribution_key)
    proof = None if doc.get("proof") is None else CredentialProof.from_dict(doc["proof"])
    algorithm = hash_algorithm or (proof.hash_algorithm if proof else "keccak256")
    template = _parse_template(doc, issuer_doc, achievement_doc, criteria, algorithm)
    try:
        unproved = {k: v for k, v in doc.items() if k != "proof"}
        body = parsed.canonicalize(unproved) if parsed is not None else canonicalize(unproved)
    except CanonicalizationError as exc:
        raise CredentialFormatError(exc.path, exc.reason) from None
    digest = credential_hash(body, template.hash_algorithm)
    return Credential(
        template,
        credential_id,
        subject,
        holder_name,
        tuple(evidence),
        body,
        digest,
        template.hash_algorithm,
        proof,
    )


def _issuer_account(issuer_doc: dict[str, Any]) -> str:
    """The chain account a profile-2 issuer names: its own did:fisco id, or a did:web issuer's
    ``otherIdentifier`` entry holding one."""
    issuer_id = issuer_doc.get("id")
    if isinstance(issuer_id, str) and ACCOUNT_DID.match(issuer_id):
        return issuer_id
    if not isinstance(issuer_id, str) or not WEB_DID.match(issuer_id):
        raise CredentialFormatError("issuer.id", "must be did:web:<domain> or did:fisco:<chainId>:<0x address>")
    entries = issuer_doc.get("otherIdentifier")
    accounts = [
        e.get("identifier") for e in (entries if isinstance(entries, list) else [])
        if isinstance(e, dict) and e.get("type") == "IdentifierEntry" and e.get("identifierType") == "identifier"
        and isinstance(e.get("identifier"), str) and ACCOUNT_DID.match(e["identifier"])
    ]
    if len(accounts) != 1:
        raise CredentialFormatError(
            "issuer.otherIdentifier", "a did:web issuer names exactly one chain account (an IdentifierEntry "
            "of identifierType 'identifier' holding did:fisco:<chainId>:<0x address>)"
        )
    return accounts[0]  # type: ignore[no-any-return]


def _proof_v2(raw: Any) -> tuple[CredentialProof, dict[str, Any], str]:
    """The anchor, the disclosures and the verification method of a profile-2 ``proof`` member."""
    if not isinstance(raw, list) or len(raw) != 1:
        raise CredentialFormatError("proof", "must be an array of one DataIntegrityProof (the anchor)")
    item = _object(raw[0], "proof[0]")
    if set(item) != DI_MEMBERS:
        raise CredentialFormatError("proof[0]", f"must have exactly the members {', '.join(sorted(DI_MEMBERS))}")
    if item["type"] != "DataIntegrityProof":
        raise CredentialFormatError("proof[0].type", "must be 'DataIntegrityProof'")
    suite = KIND_OF_SUITE.get(item["cryptosuite"]) if isinstance(item["cryptosuite"], str) else None
    if suite is None:
        raise CredentialFormatError("proof[0].cryptosuite", f"must be one of {', '.join(sorted(KIND_OF_SUITE))}")
    kind, tree = suite
    if item["proofPurpose"] != "assertionMethod":
        raise CredentialFormatError("proof[0].proofPurpose", "must be 'assertionMethod'")
    payload = decode_proof_value(item["proofValue"], "proof[0].proofValue")
    proof = CredentialProof.from_dict(payload, "proof[0].proofValue", kind=kind, tree=tree)
    disclosures = _object(payload.get("disclosures"), "proof[0].proofValue.disclosures")
    method = item["verificationMethod"]
    if not isinstance(method, str):
        raise CredentialFormatError("proof[0].verificationMethod", "must be a DID URL")
    return proof, disclosures, method


def _utf8(text: str) -> bytes:
    """Canonical text as UTF-8, refused (as :meth:`ParsedJSON.canonicalize` refuses it) with a lone surrogate."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise CanonicalizationError("a string contains a lone surrogate (not valid Unicode)") from exc


def _same_deployment(value: Any, pattern: Any, deployment: str, path: str, what: str) -> Any:
    m = pattern.match(value) if isinstance(value, str) else None
    if m is None or f"did:fisco:{m.group(1)}:{m.group(2)}" != deployment:
        raise CredentialFormatError(path, f"must be {deployment}/{what}")
    return m


#: What the checks of a profile-2 document's shared part (type, issuer, achievement, dates, any other
#: member but its id, subject and evidence) found, by that part's canonical text: (issuer account,
#: deployment). A batch's documents share that part, so it is checked once per batch.
_SHARED_PARTS: dict[tuple[str, str], tuple[str, str]] = {}


def _parse_v2(doc: dict[str, Any], parsed: ParsedJSON | None, hash_algorithm: str | None) -> Credential:
    """A document of profile 2 (see :mod:`ledger.credentials.document`).

    The checks of the part a batch's documents share are skipped when that part's canonical text is one
    already checked (:data:`_SHARED_PARTS`): they would pass again, and the checks of the rest run in
    their usual order, so a bad document is reported as it always was.
    """
    top = subject_members = shared_key = known = None
    raw_subject = doc.get("credentialSubject")
    if parsed is not None and type(raw_subject) is dict:
        top = parsed.members({k: v for k, v in doc.items() if k != "proof" and k != "credentialSubject"})
        subject_members = parsed.members(raw_subject)
    if top is not None and subject_members is not None:
        shared_key = (join_members(top, ("evidence", "id")), join_members(subject_members, ("id", "identifier")))
        known = _SHARED_PARTS.get(shared_key)
    if known is None:
        _types(doc.get("type"), "type", CREDENTIAL_TYPES)
    credential_id = doc.get("id")
    if not isinstance(credential_id, str) or not _UUID_URN.match(credential_id):
        raise CredentialFormatError("id", "must be urn:uuid:<lower-case uuid>")
    issuer_doc = _object(doc.get("issuer"), "issuer")
    if known is None:
        _types(issuer_doc.get("type"), "issuer.type", ("Profile",))
        account = _issuer_account(issuer_doc)
    else:
        account, deployment = known
    proof, disclosures, method = _proof_v2(doc.get("proof"))
    algorithm = hash_algorithm or proof.hash_algorithm
    subject_doc = _object(raw_subject, "credentialSubject")
    a = "credentialSubject.achievement"
    if known is None:
        _types(subject_doc.get("type"), "credentialSubject.type", ("AchievementSubject",))
    achievement_doc = _object(subject_doc.get("achievement"), a)
    if known is None:
        _types(achievement_doc.get("type"), f"{a}.type", ("Achievement",))
    criteria = _object(achievement_doc.get("criteria"), f"{a}.criteria")
    if known is None:
        for member in ("typeId", "typeVersion"):
            if member not in achievement_doc:
                raise CredentialFormatError(f"{a}.{member}", "is missing (the on-chain certificate type)")
        m = TYPE_URL.match(achievement_doc.get("id")) if isinstance(achievement_doc.get("id"), str) else None
        if m is None or (int(m.group(3)), int(m.group(4))) != (achievement_doc["typeId"],
                                                               achievement_doc["typeVersion"]):
            raise CredentialFormatError(
                f"{a}.id",
                "must be <deployment DID>/types/<typeId>/versions/<typeVersion>, naming its typeId and typeVersion",
            )
        deployment = f"did:fisco:{m.group(1)}:{m.group(2)}"
    subject = subject_doc.get("id")
    if subject is not None:
        _same_deployment(subject, SUBJECT_URL, deployment, "credentialSubject.id", "subjects/0x<64 lower-case hex>")
    identifiers = subject_doc.get("identifier")
    holder_name = _holder_name(identifiers, may_be_empty=False)
    raw_evidence = doc.get("evidence")

    def contribution_key(uri: Any, where: str) -> bytes:
        found = _same_deployment(uri, CONTRIBUTION_URL, deployment, where, "contributions/0x<64 lower-case hex>")
        return bytes.fromhex(found.group(3)[2:])

    evidence = _evidence(raw_evidence, contribution_key)
    # The disclosable fields: each present one with its salt, each absent one possibly withheld.
    unknown = sorted(set(disclosures) - set(DISCLOSABLE))
    if unknown:
        raise CredentialFormatError("proof[0].proofValue.disclosures", f"{unknown[0]!r} is not a disclosable field")
    canonical = parsed.canonicalize if parsed is not None else canonicalize
    values = {_SUBJECT: subject, _HOLDER: identifiers, _EVIDENCE: raw_evidence}
    salts: dict[str, bytes] = {}
    withheld: dict[str, bytes] = {}
    digests: dict[str, bytes] = {}
    for path in DISCLOSABLE:
        entry = disclosures.get(path)
        where = f"proof[0].proofValue.disclosures.{path}"
        if values[path] is not None:
            if not isinstance(entry, dict) or set(entry) != {"salt"}:
                raise CredentialFormatError(where, f"{path} is in the document, so its salt must be here")
            salt_hex = entry["salt"]
            if not isinstance(salt_hex, str) or len(salt_hex) != 32 or salt_hex != salt_hex.lower():
                raise CredentialFormatError(f"{where}.salt", "must be 32 lower-case hex digits")
            try:
                salts[path] = bytes.fromhex(salt_hex)
                value = canonical(values[path])
            except (ValueError, CanonicalizationError) as exc:
                raise CredentialFormatError(path, str(exc)) from None
            digests[path] = field_digest(path, salts[path], value, algorithm)
        elif entry is not None:
            if not isinstance(entry, dict) or set(entry) != {"digest"}:
                raise CredentialFormatError(where, f"{path} is withheld, so its digest (not a salt) must be here")
            withheld[path] = digests[path] = _bytes32(entry["digest"], f"{where}.digest")
    if subject is None and _SUBJECT not in withheld:
        raise CredentialFormatError("credentialSubject.id", "is missing (and not withheld)")
    template = _parse_template(doc, issuer_doc, achievement_doc, criteria, algorithm, account=account,
                               deployment=deployment, profile=2)
    if method != template.verification_method:
        raise CredentialFormatError("proof[0].verificationMethod", f"must be {template.verification_method}")
    try:
        if top is not None and subject_members is not None and shared_key is not None:
            # The body and the hashed part from one rendering of each member (ParsedJSON.members).
            top["credentialSubject"] = f'"credentialSubject":{join_members(subject_members)}'
            body = _utf8(join_members(top))
            top["credentialSubject"] = f'"credentialSubject":{shared_key[1]}'
            fixed_json = _utf8(join_members(top, ("evidence",)))
            if known is None:
                if len(_SHARED_PARTS) >= 1024:
                    _SHARED_PARTS.clear()
                _SHARED_PARTS[shared_key] = (account, deployment)
        else:
            fixed_subject = {k: v for k, v in subject_doc.items() if k not in ("id", "identifier")}
            fixed = {k: v for k, v in doc.items() if k not in ("proof", "evidence")}
            fixed["credentialSubject"] = fixed_subject
            body = canonical({k: v for k, v in doc.items() if k != "proof"})
            fixed_json = canonical(fixed)
        digest = committed_hash(fixed_json, digests, template.hash_algorithm)
    except CanonicalizationError as exc:
        raise CredentialFormatError(exc.path, exc.reason) from None
    return Credential(template, credential_id, subject, holder_name, tuple(evidence), body, digest,
                      template.hash_algorithm, proof, MappingProxyType(salts), MappingProxyType(withheld))
