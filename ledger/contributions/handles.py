"""Linking a platform handle (``github:alice``) to a subject, with proof that both sides agreed.

The link has two halves, so that neither side can make it alone:

1. **The subject's statement.** The subject signs, with its own key, a statement naming its subject
   id, the handle, its key's address, a random nonce and the time (:func:`sign_statement`). The
   statement's *challenge* (``ledger-link-`` and 24 hex digits, :attr:`SignedStatement.challenge`) is
   derived from the signed statement.
2. **The handle's proof.** The handle's owner puts the challenge where only it can: a comment, an
   issue, a pull request description or a gist of the account on the platform, or a commit in a
   repository the account owns. The verifier finds it in an export or a clone
   (:mod:`ledger.contributions.linkproof`).

A verified link (:class:`HandleLink`) is kept in the workspace's ``links.json`` (mode 0600, like the
vault) and anchored on chain as a *commitment*: keccak256 over a domain tag and the canonical JSON of
the subject, the handle, the signer and a random 32-byte salt. The chain therefore holds neither the
handle nor anything a guess of the handle can be checked against; whoever holds the link record
(the subject, the verifying issuer) can show it and anyone can check it against the chain. A subject
who opts in (``public``) gets a zero salt: then anyone who knows or guesses the handle can confirm
the link from the chain alone.

The first verified link of a subject binds the subject to its statement key (trust on first use); a
later statement for the same subject signed by another key is refused unless the verifier rebinds.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ledger.canonical import canonicalize
from ledger.contributions.activity import PLATFORMS
from ledger.crypto.hashing import keccak256, to_checksum_address
from ledger.crypto.keys import PrivateKey, Signature, recover_address
from ledger.errors import KeystoreError, ValidationError, WorkspaceError
from ledger.files import write_private_file
from ledger.identity.vault import parse_subject_id

__all__ = [
    "CHALLENGE_PREFIX",
    "HandleLink",
    "LinkStore",
    "SignedStatement",
    "commitment",
    "parse_handle",
    "sign_statement",
]

STATEMENT_DOMAIN = b"ledger:handle-link-statement:v1\x00"
CHALLENGE_DOMAIN = b"ledger:handle-link-challenge:v1\x00"
COMMITMENT_DOMAIN = b"ledger:handle-link:v1\x00"
CHALLENGE_PREFIX = "ledger-link-"
CHALLENGE = re.compile(r"ledger-link-[0-9a-f]{24}")
#: Logins as GitHub and Gitee allow them (letters, digits, ``-``, ``_``, ``.``).
_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,98}[A-Za-z0-9_])?$")
ZERO_SALT = "0x" + "00" * 32


def parse_handle(text: str) -> str:
    """``platform:login`` checked and normalised (lower case), e.g. ``github:alice``.

    Raises:
        ValidationError: an unknown platform or a login of characters no platform allows.
    """
    platform, sep, login = str(text).strip().partition(":")
    platform = platform.lower()
    if not sep or platform not in PLATFORMS or not _LOGIN.match(login.strip()):
        raise ValidationError(f"{text!r} is not a handle; write platform:login with platform one of "
                              f"{', '.join(PLATFORMS)} (e.g. github:alice)")
    return f"{platform}:{login.strip().lower()}"


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class SignedStatement:
    """The subject's signed consent to link ``handle``; :attr:`challenge` is what the handle posts."""

    subject: str
    handle: str
    signer: str
    nonce: str
    created: str
    public: bool
    signature: str

    def body(self) -> dict[str, Any]:
        """What the signature covers."""
        return {"type": "ledger:HandleLinkStatement", "subject": self.subject, "handle": self.handle,
                "signer": self.signer, "nonce": self.nonce, "created": self.created, "public": self.public}

    def digest(self) -> bytes:
        return keccak256(STATEMENT_DOMAIN + canonicalize(self.body()))

    @property
    def challenge(self) -> str:
        """``ledger-link-`` + 24 hex digits derived from the signed statement."""
        return CHALLENGE_PREFIX + keccak256(CHALLENGE_DOMAIN + self.digest() + bytes.fromhex(self.signature[2:]))[:12].hex()

    def to_dict(self) -> dict[str, Any]:
        return {**self.body(), "signature": self.signature, "challenge": self.challenge}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SignedStatement:
        """A statement from its JSON form, its fields checked and its signature verified.

        Raises:
            ValidationError: a field is missing or malformed, or the signature is not the signer's.
        """
        if not isinstance(data, Mapping) or data.get("type") != "ledger:HandleLinkStatement":
            raise ValidationError("not a handle-link statement (made by `ledger link request`)")
        try:
            subject = "0x" + parse_subject_id(str(data["subject"])).hex()
            handle = parse_handle(str(data["handle"]))
            signer = to_checksum_address(bytes.fromhex(str(data["signer"]).removeprefix("0x")))
            nonce, created, signature = str(data["nonce"]), str(data["created"]), str(data["signature"])
            public = data["public"]
        except (KeyError, ValueError) as exc:
            raise ValidationError(f"the handle-link statement is incomplete or malformed ({exc})") from exc
        if not isinstance(public, bool) or not re.fullmatch(r"0x[0-9a-f]{32}", nonce) \
                or not re.fullmatch(r"0x[0-9a-f]{130}", signature):
            raise ValidationError("the handle-link statement's nonce, signature or public flag is malformed")
        statement = cls(subject, handle, signer, nonce, created, public, signature)
        statement.check_signature()
        if "challenge" in data and data["challenge"] != statement.challenge:
            raise ValidationError("the statement's challenge is not the one its signature gives")
        return statement

    def check_signature(self) -> None:
        """Raises ValidationError unless the signature over the statement recovers to ``signer``."""
        raw = bytes.fromhex(self.signature[2:])
        try:
            signature = Signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:64], "big"), raw[64])
            signer = recover_address(self.digest(), signature)
        except Exception as exc:  # coincurve raises plain Exceptions for a signature off the curve
            raise ValidationError(f"the statement's signature is not valid ({exc})") from exc
        if signer != self.signer:
            raise ValidationError("the statement is not signed by the key it names (it was changed, or forged)")


def sign_statement(key: PrivateKey, subject: str, handle: str, *, public: bool = False) -> SignedStatement:
    """The subject's statement for ``handle``, signed with ``key`` (the subject's own ECDSA key).

    Raises:
        ValidationError: a malformed subject id or handle.
        KeystoreError: ``key`` is not an ECDSA key.
    """
    if key.crypto != "ecdsa":
        raise KeystoreError("handle-link statements are signed with an ECDSA key",
                            hint="use a key made with `ledger key new` on an ECDSA workspace")
    unsigned = SignedStatement("0x" + parse_subject_id(subject).hex(), parse_handle(handle), key.address,
                               "0x" + secrets.token_hex(16), _now(), public, "0x" + "00" * 65)
    signature = key.sign_digest(unsigned.digest()).to_bytes()
    return SignedStatement(unsigned.subject, unsigned.handle, unsigned.signer, unsigned.nonce, unsigned.created,
                           public, "0x" + signature.hex())


def commitment(subject: str, handle: str, signer: str, salt: str) -> bytes:
    """What goes on chain for a link: keccak256 over a domain tag and the canonical JSON of its parts."""
    return keccak256(COMMITMENT_DOMAIN + canonicalize(
        {"subject": subject.lower(), "handle": handle, "signer": signer.lower(), "salt": salt.lower()}))


@dataclass(frozen=True)
class HandleLink:
    """A verified link: the statement, where its challenge was found, and the on-chain commitment.

    ``salt`` is secret unless the subject opted in (``public``: the zero salt). ``anchored`` is filled in
    once the commitment is on chain (transaction, block, anchoring account, chain id, contract).
    """

    handle: str
    subject: str
    signer: str
    salt: str
    statement: Mapping[str, Any]
    proof: Mapping[str, Any]
    linked_at: str = field(default_factory=_now)
    anchored: Mapping[str, Any] | None = None

    @property
    def public(self) -> bool:
        return self.salt == ZERO_SALT

    @property
    def commitment(self) -> bytes:
        return commitment(self.subject, self.handle, self.signer, self.salt)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["statement"], out["proof"] = dict(self.statement), dict(self.proof)
        out["commitment"] = "0x" + self.commitment.hex()
        out["public"] = self.public
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HandleLink:
        """A link record (``ledger link show --json``), checked: its statement verifies and matches it.

        Raises:
            ValidationError: not a link record, or its parts disagree.
        """
        try:
            link = cls(parse_handle(str(data["handle"])), "0x" + parse_subject_id(str(data["subject"])).hex(),
                       str(data["signer"]), str(data["salt"]).lower(), dict(data["statement"]), dict(data["proof"]),
                       str(data.get("linked_at", "")), dict(data["anchored"]) if data.get("anchored") else None)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError(f"not a handle-link record ({exc})") from exc
        statement = SignedStatement.from_dict(link.statement)
        if (statement.subject, statement.handle, statement.signer) != (link.subject, link.handle, link.signer):
            raise ValidationError("the link record names another subject, handle or signer than its statement")
        if not re.fullmatch(r"0x[0-9a-f]{64}", link.salt):
            raise ValidationError("the link record's salt is not 32 bytes of hex")
        if data.get("commitment") not in (None, "0x" + link.commitment.hex()):
            raise ValidationError("the link record's commitment is not the hash of its parts")
        return link


def new_link(statement: SignedStatement, proof: Mapping[str, Any]) -> HandleLink:
    """The link of a verified statement: a fresh secret salt, or the zero salt if the subject opted in."""
    salt = ZERO_SALT if statement.public else "0x" + secrets.token_hex(32)
    return HandleLink(statement.handle, statement.subject, statement.signer, salt, statement.to_dict(), dict(proof))


class LinkStore:
    """The workspace's verified links (``links.json``, mode 0600): handle -> link, subject -> key."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._links: dict[str, HandleLink] = {}
        self._keys: dict[str, str] = {}
        if path.exists():
            try:
                raw = json.loads(path.read_text())
                for entry in raw.get("links", []):
                    link = HandleLink.from_dict(entry)
                    self._links[link.handle] = link
                self._keys = {str(k): str(v) for k, v in raw.get("subject_keys", {}).items()}
            except (OSError, ValueError, AttributeError) as exc:
                raise WorkspaceError(f"the link file {path} is unreadable: {exc}",
                                     hint="restore it from a backup; links can also be verified again") from exc

    def __iter__(self) -> Iterator[HandleLink]:
        return iter(sorted(self._links.values(), key=lambda link: link.handle))

    def __len__(self) -> int:
        return len(self._links)

    def get(self, handle: str) -> HandleLink | None:
        return self._links.get(handle)

    def subject_of(self, handle: str | None) -> str | None:
        """The subject a handle is linked to, or ``None``."""
        link = self._links.get(handle) if handle else None
        return link.subject if link else None

    def subject_key(self, subject: str) -> str | None:
        """The statement key bound to ``subject`` by its first link, or ``None``."""
        return self._keys.get(subject.lower())

    def check_new(self, statement: SignedStatement, *, rebind: bool = False) -> None:
        """Refuse a statement that would take a handle linked to another subject, or that is signed by
        another key than the one the subject is bound to (unless ``rebind``).

        Raises:
            ValidationError: the handle belongs to another subject, or the key is not the subject's.
        """
        held = self._links.get(statement.handle)
        if held is not None and held.subject != statement.subject:
            raise ValidationError(f"{statement.handle} is linked to subject {held.subject} already",
                                  hint="unlink it first (`ledger link remove HANDLE`) if that link is wrong")
        bound = self.subject_key(statement.subject)
        if bound is not None and bound.lower() != statement.signer.lower() and not rebind:
            raise ValidationError(f"subject {statement.subject} is bound to statement key {bound}; this statement "
                                  f"is signed by {statement.signer}",
                                  hint="sign with the subject's key, or pass --rebind if the subject has a new one")

    def add(self, link: HandleLink) -> None:
        """Keep ``link`` (replacing the handle's earlier link to the same subject) and save."""
        self._links[link.handle] = link
        self._keys[link.subject.lower()] = link.signer
        self.save()

    def remove(self, handle: str) -> HandleLink:
        """Forget a handle's link and save (the commitment stays on chain; it proves nothing without the record).

        Raises:
            ValidationError: the handle is not linked.
        """
        link = self._links.pop(handle, None)
        if link is None:
            raise ValidationError(f"{handle} is not linked in this workspace", hint="see `ledger link list`")
        self.save()
        return link

    def save(self) -> None:
        doc = {"about": "platform handles linked to subjects; the salts keep the on-chain commitments hiding: "
                        "never share this file",
               "saved": int(time.time()),
               "links": [link.to_dict() for link in self],
               "subject_keys": dict(sorted(self._keys.items()))}
        write_private_file(self.path, json.dumps(doc, indent=1, ensure_ascii=False).encode())
