"""Parsing a credential document: the JSON a holder presents, checked field by field.

:func:`parse_credential` accepts only documents of this ledger's profile (the shape is drawn in
:mod:`ledger.credentials.document`) and reports the first bad field by its path. The typed result keeps the
canonical body of what was parsed, so a verifier hashes exactly what the holder presented.
Documents of one batch share their template, which is parsed once and cached.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
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
_DISCLOSABLE = frozenset(DISCLOSABLE)
_DISCLOSURE_PATHS = {path: f"proof[0].proofValue.disclosures.{path}" for path in DISCLOSABLE}

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


#: Members of a profile-2 document (and of its credentialSubject) that differ between the documents of
#: a batch; every other member is the batch's shared part (type, issuer, achievement, dates ...).
_LEAF_MEMBERS = ("id", "evidence")
_LEAF_SUBJECT_MEMBERS = ("id", "identifier")


@dataclass(frozen=True, slots=True)
class _SharedPart:
    """The shared part of a checked profile-2 document: its values, what its checks found and its
    canonical members, so that the other documents of its batch are checked and rendered only for
    their own members."""

    top: dict[str, Any]
    subject: dict[str, Any]
    #: (path, type) of every int and bool in ``top`` and ``subject``: equal values of these types
    #: (True == 1) are the same JSON only when their types agree too.
    typed: tuple[tuple[tuple[Any, ...], type], ...]
    top_members: dict[str, str]
    subject_members: dict[str, str]
    subject_json: str
    account: str
    deployment: str
    method: str
    #: The template the part stamps, by hash algorithm (the one thing it depends on besides the part).
    templates: dict[str, CredentialTemplate]

    def matches(self, top: dict[str, Any], subject: dict[str, Any]) -> bool:
        if top != self.top or subject != self.subject:
            return False
        for path, kind in self.typed:
            value: Any = top if path[0] == 0 else subject
            for step in path[1:]:
                value = value[step]
            if type(value) is not kind:
                return False
        return True


#: The shared parts of the batches seen last (a handful: documents usually come a batch at a time).
_SHARED_PARTS: list[_SharedPart] = []


def _typed_paths(value: Any, path: tuple[Any, ...]) -> list[tuple[tuple[Any, ...], type]]:
    if type(value) is dict:
        return [found for key, item in value.items() for found in _typed_paths(item, (*path, key))]
    if type(value) is list:
        return [found for i, item in enumerate(value) for found in _typed_paths(item, (*path, i))]
    if type(value) in (int, bool):
        return [(path, type(value))]
    return []


def _split(doc: dict[str, Any], subject_doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The shared members of ``doc`` (without its proof and subject) and of its subject."""
    top = {k: v for k, v in doc.items() if k not in _LEAF_MEMBERS and k != "proof" and k != "credentialSubject"}
    subject = {k: v for k, v in subject_doc.items() if k not in _LEAF_SUBJECT_MEMBERS}
    return top, subject


def _known_shared_part(doc: dict[str, Any], raw_subject: Any, parsed: ParsedJSON | None) -> _SharedPart | None:
    """The checked shared part ``doc`` has (a strictly parsed text of the fast path only), or None."""
    if not _SHARED_PARTS or parsed is None or not parsed.fast or type(raw_subject) is not dict:
        return None
    top, subject = _split(doc, raw_subject)
    for part in _SHARED_PARTS:
        if part.matches(top, subject):
            return part
    return None


def _remember_shared_part(doc: dict[str, Any], subject_doc: dict[str, Any], parsed: ParsedJSON | None,
                          account: str, deployment: str, template: CredentialTemplate) -> None:
    """Keep the shared part of ``doc``, which passed every check, for the rest of its batch."""
    if parsed is None or not parsed.fast or type(subject_doc) is not dict:
        return
    top, subject = _split(doc, subject_doc)
    top_members, subject_members = parsed.members(top), parsed.members(subject)
    if top_members is None or subject_members is None:
        return
    typed = (*_typed_paths(top, (0,)), *_typed_paths(subject, (1,)))
    if len(_SHARED_PARTS) >= 8:
        del _SHARED_PARTS[0]
    _SHARED_PARTS.append(_SharedPart(top, subject, typed, top_members, subject_members,
                                     join_members(subject_members), account, deployment,
                                     template.verification_method, {template.hash_algorithm: template}))


def _render(shared: _SharedPart, doc: dict[str, Any], subject_doc: dict[str, Any],
            parsed: ParsedJSON) -> tuple[bytes, bytes]:
    """The canonical body and hashed part of a document whose shared part is ``shared``: only the
    document's own members are rendered."""
    own_top = parsed.members({k: doc[k] for k in _LEAF_MEMBERS if k in doc})
    own_subject = parsed.members({k: subject_doc[k] for k in _LEAF_SUBJECT_MEMBERS if k in subject_doc})
    assert own_top is not None and own_subject is not None  # parsed.fast
    top = shared.top_members | own_top
    top["credentialSubject"] = f'"credentialSubject":{join_members(shared.subject_members | own_subject)}'
    body = _utf8(join_members(top))
    top["credentialSubject"] = f'"credentialSubject":{shared.subject_json}'
    return body, _utf8(join_members(top, ("evidence",)))


def _parse_v2(doc: dict[str, Any], parsed: ParsedJSON | None, hash_algorithm: str | None) -> Credential:
    """A document of profile 2 (see :mod:`ledger.credentials.document`).

    The checks of the part a batch's documents share are skipped when that part's canonical text is one
    already checked (:data:`_SHARED_PARTS`): they would pass again, and the checks of the rest run in
    their usual order, so a bad document is reported as it always was.
    """
    raw_subject = doc.get("credentialSubject")
    known = _known_shared_part(doc, raw_subject, parsed)
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
        account, deployment = known.account, known.deployment
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
    unknown = sorted(set(disclosures) - _DISCLOSABLE) if not _DISCLOSABLE.issuperset(disclosures) else None
    if unknown:
        raise CredentialFormatError("proof[0].proofValue.disclosures", f"{unknown[0]!r} is not a disclosable field")
    canonical = parsed.canonicalize if parsed is not None else canonicalize
    values = {_SUBJECT: subject, _HOLDER: identifiers, _EVIDENCE: raw_evidence}
    salts: dict[str, bytes] = {}
    withheld: dict[str, bytes] = {}
    digests: dict[str, bytes] = {}
    for path in DISCLOSABLE:
        entry = disclosures.get(path)
        where = _DISCLOSURE_PATHS[path]
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
    template = known.templates.get(algorithm) if known is not None else None
    if template is None:
        template = _parse_template(doc, issuer_doc, achievement_doc, criteria, algorithm, account=account,
                                   deployment=deployment, profile=2)
        if known is not None and template.hash_algorithm == algorithm:
            known.templates[algorithm] = template
    expected_method = known.method if known is not None else template.verification_method
    if method != expected_method:
        raise CredentialFormatError("proof[0].verificationMethod", f"must be {expected_method}")
    try:
        if known is not None and parsed is not None:
            body, fixed_json = _render(known, doc, subject_doc, parsed)
        else:
            fixed_subject = {k: v for k, v in subject_doc.items() if k not in ("id", "identifier")}
            fixed = {k: v for k, v in doc.items() if k not in ("proof", "evidence")}
            fixed["credentialSubject"] = fixed_subject
            body = canonical({k: v for k, v in doc.items() if k != "proof"})
            fixed_json = canonical(fixed)
            if template.hash_algorithm == algorithm:
                _remember_shared_part(doc, subject_doc, parsed, account, deployment, template)
        digest = committed_hash(fixed_json, digests, template.hash_algorithm)
    except CanonicalizationError as exc:
        raise CredentialFormatError(exc.path, exc.reason) from None
    return Credential(template, credential_id, subject, holder_name, tuple(evidence), body, digest,
                      template.hash_algorithm, proof, MappingProxyType(salts), MappingProxyType(withheld))
