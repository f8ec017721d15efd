"""What the web verifier does, without HTTP: verify documents, and read credential status, issuers and
subjects. Read-only: it holds no issuer key and sends no transaction.

:class:`VerifierService` wraps a :class:`~ledger.ledger.Ledger` opened without a key. Answers that
hold for a whole chain state (a batch's anchor, an issuer's authorisation, the registry's entries) are
kept until the chain's head moves, so a stream of single-credential requests costs little more than
the per-credential status call; a new block starts afresh. Its methods are synchronous and
thread-safe (the app runs them in worker threads).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ledger.audit import Auditor, ChainLogCheck
from ledger.audit.names import Names
from ledger.crypto.hashing import to_checksum_address
from ledger.errors import LedgerError, ValidationError
from ledger.index import Index
from ledger.serve.errors import NotFound
from ledger.verify.chainview import CachedChainView, CredentialRef
from ledger.verify.contracts_view import ContractsView
from ledger.verify.files import verify_documents
from ledger.verify.identity import IssuerIdentities, IssuerIdentity, check_domain
from ledger.wellknown.document import WellKnownDocumentError, normalize_domain

if TYPE_CHECKING:
    from ledger.ledger import Ledger
    from ledger.receipts import ReceiptSigner

__all__ = ["VerifierService"]

_ZERO32 = b"\0" * 32


@dataclass
class _State:
    """What holds as long as the chain's head stays at ``head``."""

    head: int
    view: CachedChainView
    identities: IssuerIdentities


def _bytes32(text: str, what: str) -> bytes:
    value = text.strip().lower()
    value = value.removeprefix("0x")
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise ValidationError(f"{what} {text[:80]!r} is not 0x + 64 hex digits")
    return raw


def _address(text: str) -> str:
    value = text.strip()
    if len(value) != 42 or not value.startswith("0x"):
        raise ValidationError(f"issuer {text[:80]!r} is not an address (0x + 40 hex digits)")
    try:
        raw = bytes.fromhex(value[2:])
    except ValueError:
        raise ValidationError(f"issuer {text[:80]!r} is not an address (0x + 40 hex digits)") from None
    return to_checksum_address(raw)


def _verdict(entries: Sequence[Mapping[str, Any]]) -> str:
    verdicts = {e["verdict"] for e in entries}
    if not entries or "invalid" in verdicts:
        return "invalid"
    return "incomplete" if "incomplete" in verdicts else "valid"


class VerifierService:
    """The read-only operations of ``ledger serve``.

    Args:
        ledger: a workspace joined to a deployment, opened without a key.
        check_domains: check the web domains issuers name (default: the workspace's ``[domains]``).
        receipts: signs verification receipts (``None``: this verifier gives none).
    """

    def __init__(self, ledger: Ledger, *, check_domains: bool | None = None,
                 receipts: ReceiptSigner | None = None) -> None:
        self.ledger = ledger
        self.check_domains = check_domains
        self.receipts = receipts
        self._lock = threading.Lock()
        self._index_lock = threading.Lock()
        self._state: _State | None = None
        self._learned: dict[str, IssuerIdentity] = {}

    # -- chain state ---------------------------------------------------------------------------

    def _current(self) -> _State:
        head = self.ledger.chain.block_number()
        with self._lock:
            if self._state is None or self._state.head != head:
                view = CachedChainView(ContractsView(self.ledger.contracts))
                self._state = _State(head, view, self.ledger.issuer_identities(check_domains=self.check_domains))
            return self._state

    def deployment(self) -> dict[str, Any]:
        d = self.ledger.settings.deployment
        assert d is not None
        return d.to_dict()

    # -- verification --------------------------------------------------------------------------

    def verify(self, sources: Sequence[tuple[str, bytes | Mapping[str, Any] | LedgerError]], *,
               receipt: bool = False) -> dict[str, Any]:
        """Verify documents; the answer has ``ledger verify --json``'s shape, with the verdict over all
        of them, the count of each verdict, and a signed receipt when asked for.

        Raises:
            ValidationError: a receipt is asked of a verifier that has no receipt key.
        """
        if receipt and self.receipts is None:
            raise ValidationError("this verifier gives no receipts (it was started without a receipt key)",
                                  hint="start it with `ledger serve --receipt-key NAME`")
        state = self._current()
        entries = verify_documents(sources, state.view, identities=state.identities)
        for entry in entries:
            issuer = (entry.get("credential") or {}).get("issuer") or {}
            if issuer.get("domain_verified"):
                self._learned[issuer["address"].lower()] = IssuerIdentity(
                    issuer["address"], issuer["name_in_document"], issuer["registered_name"], issuer["domain"], True)
        counts = {v: sum(1 for e in entries if e["verdict"] == v) for v in ("valid", "invalid", "incomplete")}
        answer: dict[str, Any] = {
            "verdict": _verdict(entries),
            "valid": counts["valid"],
            "invalid": len(entries) - counts["valid"],
            "verdicts": counts,
            "chain_id": self.ledger.settings.deployment.chain_id,  # type: ignore[union-attr]
            "as_of_block": state.head,
            "credentials": entries,
        }
        if receipt and self.receipts is not None:
            answer["receipt"] = self.receipts.sign(entries, deployment=self.deployment(), block=state.head,
                                                   block_time=self.ledger.chain.block_timestamp(state.head))
        return answer

    # -- reads -----------------------------------------------------------------------------------

    def credential_status(self, credential_hash: str, issuer: str | None, root: str | None = None,
                          index: str | int | None = None) -> dict[str, Any]:
        """A credential's status now: a checked issuance by its issuer and hash; a batch leaf by its
        issuer, batch root and leaf index (contracts v2 keep both per issuer; a leaf's status is its
        index's). Changes made by a key compromised at the time do not count; a batch revoked as a whole
        is ``revoked`` (``batch_revoked``). The hash of a leaf is not checked against the batch here
        (verification does that, with the proof).

        Raises:
            ValidationError: a malformed hash, issuer, root or index; a root without an index.
            NotFound: no checked issuance of that hash by that issuer, or a root it never anchored.
        """
        digest = _bytes32(credential_hash, "credential hash")
        if issuer is None:
            raise ValidationError("give the credential's issuer: ?issuer=0x... (the proof's issuer account)",
                                  hint="credentials and batches are kept per issuer; a batch credential also "
                                       "needs &root=0x...&index=N (the proof's batchRoot and leafIndex)")
        who = _address(issuer)
        state = self._current()
        view = state.view
        out: dict[str, Any] = {"credential_hash": "0x" + digest.hex(), "as_of_block": state.head}
        if root is None:
            issued = view.checked_issuance(who, digest)
            if issued is None:
                raise NotFound(f"no checked issuance of 0x{digest.hex()} by {who} on this chain",
                               hint="a batch credential's status needs its batch root and leaf index: add "
                               "&root=0x...&index=N (the proof's batchRoot and leafIndex)")
            out.update(kind="checked", issuer=issued.issuer, type_id=issued.type_id, issued_block=issued.block)
            record = view.status(CredentialRef(who, digest))
        else:
            batch_root = _bytes32(root, "batch root")
            if index is None or not str(index).isdigit():
                raise ValidationError(f"a batch credential's status needs its leaf index: &index=N, not {index!r}")
            leaf = int(index)
            anchor = view.anchor(who, batch_root)
            if anchor is None:
                raise NotFound(f"batch root 0x{batch_root.hex()} was never anchored by {who} on this chain")
            revoked = anchor.revoked_block is not None and anchor.revoked_by is not None
            if revoked:  # a revocation by a key compromised at the time does not count
                since = view.compromised_since(anchor.revoked_by)  # type: ignore[arg-type]
                revoked = not (since and anchor.revoked_block >= since)  # type: ignore[operator]
            out.update(kind="batch", batch_root="0x" + batch_root.hex(), index=leaf, issuer=anchor.issuer,
                       type_id=anchor.type_id, anchored_block=anchor.block, batch_revoked=revoked)
            if revoked:
                out.update(status="revoked", reason=anchor.revoked_reason, since_block=anchor.revoked_block)
                return out
            record = view.status(CredentialRef(who, digest, batch_root, leaf))
        out.update(status=record.status, reason=record.reason, since_block=record.block)
        return out

    def issuer(self, address: str) -> dict[str, Any]:
        """The registry's entry for an issuer, its status history, its name and domain (verified when
        its domain's document binds it).

        Raises:
            NotFound: not an issuer of this deployment.
        """
        try:
            row = self.ledger.issuer(address)
        except ValidationError as exc:
            raise NotFound(str(exc), hint=exc.hint) from None
        state = self._current()
        known = self._learned.get(row["address"].lower())
        digest = state.identities.meta_hash(row["address"])
        registered = state.identities.local_metadata(digest) if digest is not None else None
        domain = None
        if registered and registered.get("domain"):
            try:
                domain = normalize_domain(str(registered["domain"]))
            except WellKnownDocumentError:
                domain = None
        if domain is None and known is not None:
            domain = known.domain
        identity = IssuerIdentity(row["address"], row["name"] or "", row["name"] or None)
        check = None
        if domain is not None:
            step, identity = check_domain(identity, domain, state.identities, digest)
            check = {"outcome": step.outcome, "code": step.code, "message": step.message}
        name = identity.registered_name or (known.registered_name if known else None) or row["name"] or None
        return {**row, "name": name, "domain": domain, "domain_verified": identity.domain_verified,
                "domain_check": check, "as_of_block": state.head}

    def subject(self, subject: str) -> dict[str, Any]:
        """The audit of a subject (``ledger audit subject --json``), from the index synced now.

        Raises:
            ValidationError: a malformed subject id.
        """
        ident = subject.strip().lower()
        if "/subjects/" in ident:  # a credential's subject id: <deployment DID>/subjects/0x...
            ident = ident.rsplit("/subjects/", 1)[1]
        elif ident.startswith("urn:ledger:subject:"):  # a credential written before profile 2
            ident = ident.rsplit(":", 1)[1]
        _bytes32(ident, "subject id")
        lg = self.ledger
        assert lg.settings.deployment is not None
        with self._index_lock, Index.open(lg.settings.index_path) as index:
            index.sync(lg.chain, lg.settings.deployment)
            identity = lg.chain.identity()
            check = ChainLogCheck(lg.contracts, from_block=lg.settings.deployment.block_number)
            info = {"chain_id": identity.chain_id, "backend": identity.backend,
                    "description": f"{identity.backend} chain {identity.chain_id}"}
            # Names of institutions, certificates and projects from the workspace's metadata; never the
            # vault's people: this answer goes to whoever asks.
            names = Names(index.reader, metadata_dir=lg.settings.metadata_dir)
            # Nor which batch leaf is whose (the issuer's journal knows): the chain links a subject to none.
            reader = index.public_reader()
            return Auditor(reader, chain=check, chain_info=info, names=names).subject(ident).to_dict()

    def health(self) -> dict[str, Any]:
        """The chain's id and head, and the deployment (raises the chain's error when it does not answer)."""
        identity = self.ledger.chain.identity()
        return {"status": "ok", "chain_id": identity.chain_id, "backend": identity.backend,
                "block": self.ledger.chain.block_number(), "deployment": self.deployment(),
                "receipts": self.receipts is not None}
