"""Credential documents: W3C Verifiable Credentials 2.0 that are Open Badges 3.0 badges.

A credential certifies one achievement (a certificate type defined on chain) for one pseudonymous
subject. The document stays with the holder; only its hash goes on chain, as a leaf of an anchored
Merkle batch or as the record of a criteria-checked issuance.

Document shape written now (profile 2, issue 20; :func:`parse_credential` checks it)::

    {
      "@context": ["https://www.w3.org/ns/credentials/v2",
                   "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
                   "https://w3id.org/fisco-talent-ledger/credentials/v1"],
      "type": ["VerifiableCredential", "OpenBadgeCredential"],
      "id": "urn:uuid:<uuid4>",
      "name": "<credential name, defaults to the achievement's name>",
      "issuer": {"id": "did:web:<domain>" | "did:fisco:<chainId>:<0x address>", "type": ["Profile"],
                 "name": "<issuer name>",
                 "otherIdentifier": [{"type": "IdentifierEntry", "identifierType": "identifier",
                                      "identifier": "did:fisco:<chainId>:<0x address>"}]},  (did:web only)
      "validFrom": "2026-06-30T00:00:00Z", "validUntil": "...",              (validUntil optional)
      "credentialSubject": {
        "id": "<deployment DID>/subjects/0x<64 hex>", "type": ["AchievementSubject"],   (disclosable)
        "identifier": [{"type": "IdentityObject", "identityType": "name", "hashed": false,
                        "identityHash": "<holder display name>"}],                    (disclosable, optional)
        "achievement": {"id": "<deployment DID>/types/<typeId>/versions/<v>", "type": ["Achievement"],
                        "name": ..., "description": ..., "criteria": {"narrative": ...},
                        "achievementType": "Certificate", "fieldOfStudy": ...,
                        "typeId": 7, "typeVersion": 1}},
      "evidence": [{"id": "<deployment DID>/contributions/0x<64 hex>", "type": ["Evidence"]}],  (disclosable)
      "proof": [{"type": "DataIntegrityProof", "cryptosuite": "fisco-ledger-merkle-positional-2026", ...}]
    }

Identifiers are explained in :mod:`ledger.credentials.identifiers`, the proof in
:mod:`ledger.credentials.proof`, our JSON-LD context in :mod:`ledger.credentials.vocabulary`.

Selective disclosure (:mod:`ledger.credentials.disclosure`): the three *disclosable* fields
(:data:`DISCLOSABLE`) each get a random 16-byte salt and a digest ``H(tag || JCS([salt, path, value]))``;
the hash is ``H(tag2 || JCS({"credential": <document without proof and disclosable fields>,
"disclosures": {path: digest}}))``. The salts travel in the proof's ``proofValue`` of the holder's copy;
a copy with a field withheld lacks the field and carries its digest instead, and still hashes the same.

Profile 1 (credentials written before issue 20, still read and verified): two contexts, ids
``urn:ledger:subject:``/``urn:ledger:type:``/``urn:ledger:contribution:``, issuer ``did:fisco`` only, one
proof object (``LedgerBatchAnchor2026``/``LedgerCheckedIssuance2026``), hash
``H(HASH_DOMAIN_TAG || JCS(document without "proof"))``, nothing disclosable.

Performance: a batch stamps many subjects into one :class:`CredentialTemplate`, whose canonical form
is rendered once with placeholder slots; each credential is a string join plus its hashes, no dict is
built or copied per document; salts are derived from one seed per batch (keyed BLAKE2b).
"""

from __future__ import annotations

import binascii
import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any

import sha3  # safe-pysha3

from ledger.canonical import canonicalize
from ledger.credentials.fields import UUID_URN as _UUID_URN
from ledger.credentials.fields import CredentialFormatError
from ledger.credentials.fields import check_line as _line
from ledger.credentials.fields import check_timestamp as _timestamp
from ledger.credentials.hashing import (
    FIELD_DOMAIN_TAG,
    HASH_DOMAIN_TAG,
    HASH_DOMAIN_TAG_V2,
    committed_hash,
    field_digest,
    hash_function,
)
from ledger.credentials.identifiers import ACCOUNT_DID, subject_url, type_url, verification_method
from ledger.credentials.parts import Achievement, Evidence, IssuerProfile, subject_bytes, subject_uri
from ledger.credentials.proof import CredentialProof, data_integrity_json, payload_json
from ledger.credentials.vocabulary import CONTEXTS, LEGACY_CONTEXTS, OB_CONTEXT, VC_CONTEXT

__all__ = [
    "CREDENTIAL_TYPES",
    "DISCLOSABLE",
    "OB_CONTEXT",
    "PROFILES",
    "VC_CONTEXT",
    "Credential",
    "CredentialTemplate",
    "SubjectEntry",
    "build_batch",
    "derive_salt",
]

CREDENTIAL_TYPES = ("VerifiableCredential", "OpenBadgeCredential")
#: Document profiles: 1 before issue 20 (read and verified), 2 written now.
PROFILES = (1, 2)
#: The fields a holder may withhold (profile 2), by path; everything else is always disclosed.
DISCLOSABLE = ("credentialSubject.id", "credentialSubject.identifier", "evidence")
_SUBJECT, _HOLDER, _EVIDENCE = DISCLOSABLE
_NO_BYTES: Mapping[str, bytes] = MappingProxyType({})
_HEX64 = re.compile(r"^0x[0-9a-fA-F]{64}\Z")


def derive_salt(seed: bytes, credential_id: str, path: str) -> bytes:
    """The 16-byte salt of field ``path`` of credential ``credential_id``: a slice of the keyed BLAKE2b of
    the credential id under the batch's secret ``seed`` (16 bytes per field of :data:`DISCLOSABLE`, in that
    order), so a journaled batch is rebuilt with the same salts from one seed."""
    raw = hashlib.blake2b(credential_id.encode(), key=seed, digest_size=48).digest()
    i = DISCLOSABLE.index(path)
    return raw[16 * i : 16 * i + 16]


# -- templates and credentials --------------------------------------------------------------

_SLOTS = ("id", "subject", "holder", "evidence")
_SLOT_TOKEN = {name: json.dumps(f"\x00ledger-slot:{name}\x00") for name in _SLOTS}
_SLOT_OF_TOKEN = {token: name for name, token in _SLOT_TOKEN.items()}
_SLOT_SPLIT = re.compile("(" + "|".join(re.escape(t) for t in _SLOT_TOKEN.values()) + ")")
_encode_str = json.JSONEncoder(ensure_ascii=False).encode


def _holder_json(name_json: str) -> str:
    """The canonical ``credentialSubject.identifier`` holding the holder's name (already JSON-encoded)."""
    return f'[{{"hashed":false,"identityHash":{name_json},"identityType":"name","type":"IdentityObject"}}]'


@dataclass(frozen=True, slots=True)
class SubjectEntry:
    """One row of a batch: the subject, and optionally a holder name, evidence and a fixed credential id."""

    subject: bytes | str
    holder_name: str | None = None
    evidence: tuple[Evidence, ...] = ()
    credential_id: str | None = None


@dataclass(frozen=True, slots=True)
class CredentialTemplate:
    """Everything a batch's credentials share: issuer, achievement, validity, name, profile.

    Args:
        valid_from / valid_until: date-times with a time zone (``2026-06-30T00:00:00Z``).
        name: the credential's display name; defaults to the achievement's name.
        hash_algorithm: ``keccak256``, or ``sm3`` on SM chains.
        deployment: the deployment's DID (``did:fisco:<chainId>:<IssuerRegistry>``), under which
            subjects and evidence are named; required for profile 2.
        profile: 2 (selective disclosure, what is written now) or 1 (before issue 20: parsing old
            documents and finishing batches journaled then).
    """

    issuer: IssuerProfile
    achievement: Achievement
    valid_from: str
    valid_until: str | None = None
    name: str = ""
    hash_algorithm: str = "keccak256"
    deployment: str | None = None
    profile: int = 2
    _layouts: dict[tuple[bool, bool, bool], tuple[list[str], list[str]]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        start = _timestamp(self.valid_from, "validFrom")
        if self.valid_until is not None and _timestamp(self.valid_until, "validUntil") <= start:
            raise CredentialFormatError("validUntil", "must be later than validFrom")
        if not self.name:
            object.__setattr__(self, "name", self.achievement.name)
        _line(self.name, "name")
        hash_function(self.hash_algorithm)
        if self.profile not in PROFILES:
            raise CredentialFormatError("", f"unknown document profile {self.profile!r}")
        if self.profile == 2 and (not isinstance(self.deployment, str) or not ACCOUNT_DID.match(self.deployment)):
            raise CredentialFormatError("credentialSubject.id", "names no deployment (did:fisco:<chainId>:<IssuerRegistry>)")
        if self.profile == 2 and self.achievement.id != type_url(
            self.deployment, self.achievement.type_id, self.achievement.type_version  # type: ignore[arg-type]
        ):
            raise CredentialFormatError(
                "credentialSubject.achievement.id", "must be <deployment DID>/types/<typeId>/versions/<typeVersion>"
            )
        if self.profile == 1 and self.issuer.id != self.issuer.account:
            raise CredentialFormatError("issuer.id", "credentials of profile 1 name a did:fisco issuer")

    def document(
        self,
        credential_id: Any,
        subject: Any,
        holder_name: Any = None,
        evidence: Any = None,
    ) -> dict[str, Any]:
        """The document (without proof) for the given per-credential values, as a fresh dict.

        A value of ``None`` leaves its member out (for profile 2, how the fixed part is made).
        """
        subject_part: dict[str, Any] = {"type": ["AchievementSubject"], "achievement": self.achievement.to_dict()}
        if subject is not None:
            subject_part["id"] = subject
        if holder_name is not None:
            subject_part["identifier"] = [
                {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": holder_name}
            ]
        issuer = self.issuer.to_dict()
        doc: dict[str, Any] = {
            "@context": list(CONTEXTS if self.profile == 2 else LEGACY_CONTEXTS),
            "type": list(CREDENTIAL_TYPES),
            "id": credential_id,
            "name": self.name,
            "issuer": issuer,
            "validFrom": self.valid_from,
            "credentialSubject": subject_part,
        }
        if self.valid_until is not None:
            doc["validUntil"] = self.valid_until
        if evidence is not None:
            doc["evidence"] = evidence
        return doc

    def _layout(self, holder: bool, evidence: bool, subject: bool = True) -> tuple[list[str], list[str]]:
        """The canonical text split around placeholder slots: (fixed parts, slot names in order)."""
        key = (holder, evidence, subject)
        layout = self._layouts.get(key)
        if layout is None:
            placeholder = {name: f"\x00ledger-slot:{name}\x00" for name in _SLOTS}
            doc = self.document(
                placeholder["id"],
                placeholder["subject"] if subject else None,
                placeholder["holder"] if holder else None,
                placeholder["evidence"] if evidence else None,
            )
            pieces = _SLOT_SPLIT.split(canonicalize(doc).decode("utf-8"))
            parts, slots = pieces[0::2], [_SLOT_OF_TOKEN[t] for t in pieces[1::2]]
            expected = (
                {"id"}
                | ({"subject"} if subject else set())
                | ({"holder"} if holder else set())
                | ({"evidence"} if evidence else set())
            )
            if sorted(slots) != sorted(expected):
                raise CredentialFormatError("", "a template field contains a reserved placeholder text")
            layout = (parts, slots)
            self._layouts[key] = layout
        return layout

    @property
    def verification_method(self) -> str:
        """The proof's ``verificationMethod``: the issuer's chain account in its DID document."""
        return verification_method(self.issuer.id, self.issuer.chain_id, self.issuer.address)

    def stamp(
        self,
        subject: bytes | str,
        *,
        holder_name: str | None = None,
        evidence: Sequence[Evidence] = (),
        credential_id: str | None = None,
    ) -> Credential:
        """One credential for ``subject``; a fresh ``urn:uuid`` id unless ``credential_id`` is given.

        Raises:
            CredentialFormatError: a bad subject id, holder name, evidence or credential id.
        """
        return build_batch(self, [SubjectEntry(subject, holder_name, tuple(evidence), credential_id)])[0]


def _new_ids(count: int) -> list[str]:
    """``count`` random version-4 UUID URNs (one urandom call for all of them)."""
    raw = os.urandom(16 * count)
    out = []
    for i in range(0, 16 * count, 16):
        h = raw[i : i + 16].hex()
        variant = "89ab"[int(h[16], 16) & 3]
        out.append(f"urn:uuid:{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:]}")
    return out


def _join(layout: tuple[list[str], list[str]], values: Mapping[str, str]) -> bytes:
    parts, slots = layout
    text = parts[0]
    for slot, part in zip(slots, parts[1:]):
        text += values[slot] + part
    return text.encode("utf-8")


@dataclass(frozen=True, slots=True)
class _KeccakRows:
    """A template's common batch row compiled once per batch: profile 2, keccak256, no evidence.

    The same bytes as :func:`_join`, :func:`~ledger.credentials.hashing.field_digest` and
    :func:`~ledger.credentials.hashing.committed_hash` (``tests/credentials/test_pinned_bytes.py`` pins
    them), with less work per credential: the body is one ``%`` of the subject, holder name and id into
    the canonical text, and the committed hash goes on from the keccak state of the text every
    credential of the template starts with (the domain tag and the canonical document up to its id,
    about half of what is hashed), so only what follows is hashed per credential.
    """

    #: ``%`` formats of the body, without and with a holder name: (subject, id) and (subject, name, id)
    plain: bytes
    named: bytes
    #: keccak256 having absorbed ``HASH_DOMAIN_TAG_V2 {"credential":`` and the fixed text up to the id
    #: (never updated itself: each credential's hash goes on from a copy)
    committed: Any
    #: what follows the id in the committed hash's pre-image, up to the subject digest's hex
    after_id: bytes

    @classmethod
    def of(cls, template: CredentialTemplate) -> _KeccakRows | None:
        """The compiled rows of ``template``, or None if its layouts are not as expected (then the
        general route stamps them)."""
        plain = _body_format(template._layout(False, False), ("subject", "id"))
        named = _body_format(template._layout(True, False), ("subject", "holder", "id"))
        before, after = template._layout(False, False, False)[0]
        if plain is None or named is None:
            return None
        committed = sha3.keccak_256(HASH_DOMAIN_TAG_V2 + b'{"credential":' + before.encode("utf-8") + b'"')
        after_id = b'"' + after.encode("utf-8") + b',"disclosures":{"' + _SUBJECT.encode() + b'":"0x'
        return cls(plain, named, committed, after_id)


def _body_format(layout: tuple[list[str], list[str]], order: tuple[str, ...]) -> bytes | None:
    """``layout``'s text as a bytes ``%`` format taking the values of ``order`` (the subject and the id
    quoted in the format, the holder name as JSON), or None if its slots are in another order."""
    parts, slots = layout
    if tuple(slots) != order:
        return None
    quoted = {"subject": b'"%s"', "id": b'"%s"', "holder": b"%s"}
    text = parts[0].encode("utf-8").replace(b"%", b"%%")
    for slot, part in zip(slots, parts[1:]):
        text += quoted[slot] + part.encode("utf-8").replace(b"%", b"%%")
    return text


#: The parts of the two field digests' pre-images of a batch row around its salt and value (hashing.field_digest).
_SUBJECT_DIGEST = FIELD_DOMAIN_TAG + b'["%s","' + _SUBJECT.encode() + b'","%s"]'
_HOLDER_DIGEST = (FIELD_DOMAIN_TAG + b'["%s","' + _HOLDER.encode() + b'",'
                  + _holder_json("%s").encode() + b"]")
_HOLDER_MEMBER = b'","' + _HOLDER.encode() + b'":"0x'


def build_batch(
    template: CredentialTemplate,
    entries: Iterable[SubjectEntry | bytes | str],
    *,
    salt_seed: bytes | None = None,
) -> list[Credential]:
    """Stamp one credential per entry into ``template`` (fast: no per-document dict or copy).

    Args:
        entries: a :class:`SubjectEntry`, or just a subject id (bytes or ``0x`` hex) per credential.
        salt_seed: 32 secret bytes the salts of the disclosable fields are derived from
            (:func:`derive_salt`; profile 2); a fresh random seed when None. A journaled batch keeps
            its seed, so that it can be rebuilt byte for byte.

    Raises:
        CredentialFormatError: an entry is invalid; the message names the entry's position.
    """
    rows = [e if isinstance(e, SubjectEntry) else SubjectEntry(e) for e in entries]
    fresh = iter(_new_ids(sum(1 for r in rows if r.credential_id is None)))
    algorithm = template.hash_algorithm
    tag = HASH_DOMAIN_TAG
    keccak = sha3.keccak_256 if algorithm == "keccak256" else None
    hasher = hash_function(algorithm)
    v2 = template.profile == 2
    seed = (salt_seed if salt_seed is not None else os.urandom(32)) if v2 else b""
    fixed_layout = template._layout(False, False, False) if v2 else None
    fast = _KeccakRows.of(template) if v2 and keccak is not None else None
    if fast is not None:
        committed, after_id, plain, named = fast.committed.copy, fast.after_id, fast.plain, fast.named
    deployment = template.deployment
    blake2b = hashlib.blake2b
    hexlify = binascii.hexlify
    subject_prefix = f"{deployment}/subjects/"
    out = []
    for position, row in enumerate(rows):
        try:
            if v2:
                given = row.subject
                if type(given) is str and len(given) == 66 and given[:2] == "0x" and _HEX64.match(given):
                    subject = subject_prefix + given.lower()  # a subject id as the rows give it: no round trip
                else:
                    subject = subject_url(deployment, subject_bytes(given))  # type: ignore[arg-type]
            else:
                subject = subject_uri(row.subject)
            credential_id = next(fresh) if row.credential_id is None else row.credential_id
            if row.credential_id is not None and not _UUID_URN.match(credential_id):
                raise CredentialFormatError("id", f"{credential_id!r} is not urn:uuid:<lower-case uuid>")
            name = row.holder_name
            if name is not None:
                name = _encode_str(_line(name, "credentialSubject.identifier[0].identityHash"))
            if row.evidence:
                if not all(isinstance(e, Evidence) for e in row.evidence):
                    raise CredentialFormatError("evidence", "items must be Evidence objects")
                items = [e.to_dict(deployment if v2 else None) for e in row.evidence]
                evidence = canonicalize(items).decode("utf-8")
        except CredentialFormatError as exc:
            raise CredentialFormatError(exc.path, f"entry {position}: {exc.reason}") from None
        # One keyed BLAKE2b per credential gives all three salts (subject id, holder name, evidence).
        if fast is not None and not row.evidence:
            id_utf8, subject_utf8 = credential_id.encode(), subject.encode()
            raw = blake2b(id_utf8, key=seed, digest_size=48).digest()
            subject_salt = raw[:16]
            state = committed()
            state.update(id_utf8 + after_id + hexlify(
                keccak(_SUBJECT_DIGEST % (hexlify(subject_salt), subject_utf8)).digest()))  # type: ignore[misc]
            if name is None:
                body = plain % (subject_utf8, id_utf8)
                salts = {_SUBJECT: subject_salt}
                state.update(b'"}}')
            else:
                name_utf8, holder_salt = name.encode("utf-8"), raw[16:32]
                body = named % (subject_utf8, name_utf8, id_utf8)
                salts = {_SUBJECT: subject_salt, _HOLDER: holder_salt}
                state.update(_HOLDER_MEMBER + hexlify(
                    keccak(_HOLDER_DIGEST % (hexlify(holder_salt), name_utf8)).digest()) + b'"}}')  # type: ignore[misc]
            out.append(Credential(template, credential_id, subject, row.holder_name, row.evidence, body,
                                  state.digest(), algorithm, None, salts, _NO_BYTES))
            continue
        values = {"id": f'"{credential_id}"', "subject": f'"{subject}"'}
        if name is not None:
            values["holder"] = name
        if row.evidence:
            values["evidence"] = evidence
        body = _join(template._layout(row.holder_name is not None, bool(row.evidence)), values)
        if not v2:
            digest = keccak(tag + body).digest() if keccak is not None else hasher(tag + body)
            out.append(Credential(template, credential_id, subject, row.holder_name, row.evidence, body, digest,
                                  algorithm))
            continue
        raw = blake2b(credential_id.encode(), key=seed, digest_size=48).digest()
        salts = {_SUBJECT: raw[:16]}
        fixed = _join(fixed_layout, values)  # type: ignore[arg-type]
        digests = {_SUBJECT: field_digest(_SUBJECT, raw[:16], values["subject"].encode(), algorithm)}
        if row.holder_name is not None:
            salts[_HOLDER] = raw[16:32]
            digests[_HOLDER] = field_digest(_HOLDER, raw[16:32], _holder_json(values["holder"]).encode("utf-8"),
                                            algorithm)
        if row.evidence:
            salts[_EVIDENCE] = raw[32:]
            digests[_EVIDENCE] = field_digest(_EVIDENCE, raw[32:], values["evidence"].encode("utf-8"), algorithm)
        out.append(Credential(template, credential_id, subject, row.holder_name, row.evidence, body,
                              committed_hash(fixed, digests, algorithm), algorithm, None, salts))
    return out


@dataclass(frozen=True, slots=True)
class Credential:
    """One credential: its typed fields, its canonical body and its hash.

    ``body`` is the RFC 8785 canonical JSON of the document without ``proof``; it is the truth the
    typed fields describe (a parsed document may carry extra members, which are kept in ``body``).
    Adding or replacing the proof (:meth:`with_proof`) never changes ``body`` or ``hash``.

    Profile 2: ``salts`` holds the salt of each disclosable field present in ``body``, ``withheld`` the
    digest of each one the holder withheld (absent from ``body``; ``subject_id``, ``holder_name`` or
    ``evidence`` is then None or empty). Both travel in the proof's ``proofValue``.
    """

    template: CredentialTemplate
    id: str
    subject_id: str | None
    holder_name: str | None
    evidence: tuple[Evidence, ...]
    body: bytes
    hash: bytes
    hash_algorithm: str = "keccak256"
    proof: CredentialProof | None = None
    salts: Mapping[str, bytes] = field(default_factory=lambda: _NO_BYTES)
    withheld: Mapping[str, bytes] = field(default_factory=lambda: _NO_BYTES)

    @property
    def issuer(self) -> IssuerProfile:
        return self.template.issuer

    @property
    def achievement(self) -> Achievement:
        return self.template.achievement

    @property
    def profile(self) -> int:
        return self.template.profile

    @property
    def subject(self) -> bytes | None:
        """The 32-byte pseudonymous subject id that goes on chain (None when the holder withheld it)."""
        return None if self.subject_id is None else subject_bytes(self.subject_id)

    @property
    def valid_from(self) -> datetime:
        return _timestamp(self.template.valid_from, "validFrom")

    @property
    def valid_until(self) -> datetime | None:
        if self.template.valid_until is None:
            return None
        return _timestamp(self.template.valid_until, "validUntil")

    def with_proof(self, proof: CredentialProof | None) -> Credential:
        """The same credential with ``proof`` (``None`` removes it); the hash is unchanged."""
        if proof is not None and proof.credential_hash != self.hash:
            raise CredentialFormatError("proof.credentialHash", "does not match this credential's hash")
        return replace(self, proof=proof)

    def disclosures_json(self) -> str:
        """The ``disclosures`` member of the proof value: a salt per disclosed field, a digest per withheld one."""
        salts = self.salts
        if not self.withheld and len(salts) <= 2 and _EVIDENCE not in salts:  # a batch credential: fast path
            holder = salts.get(_HOLDER)
            tail = f',"{_HOLDER}":{{"salt":"{holder.hex()}"}}}}' if holder is not None else "}"
            return f'{{"{_SUBJECT}":{{"salt":"{salts[_SUBJECT].hex()}"}}' + tail
        entries = {p: f'{{"salt":"{s.hex()}"}}' for p, s in self.salts.items()}
        entries.update({p: f'{{"digest":"0x{d.hex()}"}}' for p, d in self.withheld.items()})
        return "{" + ",".join(f'"{p}":{entries[p]}' for p in sorted(entries)) + "}"

    def proof_json(self) -> str:
        """The ``proof`` member as JSON: one object (profile 1) or an array of one Data Integrity proof."""
        assert self.proof is not None
        if self.profile == 1:
            return self.proof.to_json()
        payload = payload_json(self.proof, self.disclosures_json())
        return "[" + data_integrity_json(self.proof.kind, self.template.verification_method, payload,
                                         self.proof.tree) + "]"

    def to_json(self, *, indent: int | None = None) -> bytes:
        """The document as UTF-8 JSON: the canonical body with the proof (if any) as its last member."""
        if indent is not None:
            return json.dumps(self.document(), indent=indent, ensure_ascii=False).encode("utf-8")
        if self.proof is None:
            return self.body
        return self.body[:-1] + b',"proof":' + self.proof_json().encode("utf-8") + b"}"

    def document(self) -> dict[str, Any]:
        """The document as a fresh dict (proof included when present)."""
        doc: dict[str, Any] = json.loads(self.body)
        if self.proof is not None:
            doc["proof"] = json.loads(self.proof_json())
        return doc
