"""Credential operations of the facade: batch and checked issuance, status changes, verification."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger import issuance, types
from ledger.contracts.errors import IssuerKindNotAllowed
from ledger.contributions.model import FIELD_NAMES, parse_time
from ledger.credentials.document import CredentialTemplate
from ledger.credentials.files import write_credentials
from ledger.credentials.identifiers import account_did, type_url
from ledger.credentials.parse import parse_credential, read_credential_file
from ledger.credentials.parts import Achievement, Evidence, IssuerProfile
from ledger.credentials.proof import CHECKED_PROOF, ChainRef, CredentialProof
from ledger.credentials.standards import CRITERIA_WORDS, criteria_narrative, explain_refusal, metadata_hash
from ledger.errors import ContractError, IssuanceError, LedgerError, PersonalDataError, ValidationError
from ledger.files import sweep_leftovers
from ledger.identity.privacy import find_contact_data
from ledger.identity.vault import parse_subject_id
from ledger.index import Index
from ledger.index.view import IndexChainView
from ledger.issuance.pipeline import check_output_dir
from ledger.operations.governance import _bytes32, _Context
from ledger.receipts import ReceiptSigner
from ledger.verify.chainview import ChainView
from ledger.verify.contracts_view import ContractsView
from ledger.verify.files import snapshot_files, verify_files
from ledger.verify.identity import IssuerIdentities
from ledger.wellknown.document import DeploymentRef
from ledger.wellknown.fetch import DomainDirectory, FetchPolicy

if TYPE_CHECKING:
    from ledger.issuance.pipeline import BatchResult, Progress, ResumeOutcome
    from ledger.types import CredentialType
    from ledger.verify.snapshot import StaticChainView


def _check_valid_until(valid_until: str) -> None:
    """``--valid-until`` must lie in the future: a credential must not be expired when it is issued."""

    if parse_time(valid_until) <= time.time():
        raise ValidationError(f"--valid-until {valid_until} is not in the future: the credentials would be "
                              "expired from the start")


def _source_fingerprint(path: Path) -> str:
    """SHA-256 of a batch input file's bytes: the same file run twice is recognised as a repeat."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc.strerror}") from exc
    return digest.hexdigest()


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _check_holder_name(name: str) -> None:
    """A holder name is a display name only (as in a batch row): one line, no contact data.

    The name is in the document whose hash goes on chain, so an email there is personal data hashed
    on chain.
    """

    if not name.strip() or len(name) > 200 or not name.isprintable():
        raise ValidationError("holder name: a display name is one line of 1 to 200 characters")
    kind = find_contact_data(name)
    if kind:
        error = PersonalDataError("holder_name", kind)
        error.hint = "the holder name is a display name only; keep contact data in the vault"
        raise error


class CertifyingOps(_Context):
    """Issue certificates (batches anchored by Merkle root, or single ones checked on chain)."""

    # -- shared pieces ---------------------------------------------------------------------------

    def _hash_algorithm(self) -> str:
        return "sm3" if (self.settings.network.crypto or "ecdsa") == "sm" else "keccak256"

    def _chain_ref(self) -> Any:
        return ChainRef(self.settings.network.backend, self.chain.identity().chain_id)

    def _deployment_did(self) -> str:
        """The deployment's DID, ``did:fisco:<chainId>:<IssuerRegistry>``: subjects, types and
        contributions are named under it."""

        assert self.settings.deployment is not None
        return account_did(self.chain.identity().chain_id, self.settings.deployment.issuer_registry)

    def _achievement(self, type_id: int, t: CredentialType) -> Achievement:
        """The Open Badges achievement of type ``t`` (as read by :meth:`_check_writer`)."""

        meta = self._load_metadata(t.meta_hash)
        return Achievement(
            id=type_url(self._deployment_did(), type_id, t.version),
            type_id=type_id,
            type_version=t.version,
            name=meta.get("name") or f"Certificate type {type_id}",
            description=meta.get("description") or meta.get("name") or f"Certificate type {type_id}",
            criteria=criteria_narrative(t.criteria),
            field_of_study=FIELD_NAMES.get(t.field, str(t.field)),
            achievement_type=meta.get("achievementType") or "Certificate",
        )

    def _issuer_profile(self) -> IssuerProfile:
        """The issuer as its credentials name it: ``did:web:<domain>`` when its registry metadata names a
        domain, else ``did:fisco:<chainId>:<address>`` (see ``ledger.credentials.identifiers``)."""

        info = self.contracts.issuers.issuer(self.key.address)
        meta = self._load_metadata(info.meta_hash)
        name = meta.get("name") or self.key.address
        domain = meta.get("domain") or None
        try:
            return IssuerProfile.for_account(self.chain.identity().chain_id, self.key.address, name, domain=domain)
        except ValidationError as exc:
            exc.hint = ("the issuer's registry metadata names this domain; credentials name the issuer "
                        "did:web:<domain>, so it must be a plain host name (like uni.example.edu)")
            raise

    def _check_writer(self, type_id: int) -> CredentialType:
        """Fail early, before any file is written, if the signing key may not issue ``type_id``.

        Checks what the contract will check: the key is an active issuer with the type in scope, the type
        is defined, and it allows the issuer's kind. Returns the type (read once, reused for the document).
        """

        _, _, kind = self.contracts.issuers.writer_for(self.key.address, type_id)
        t = self.contracts.credentials.credential_type(type_id)
        if t.version == 0:
            raise ValidationError(f"certificate type {type_id} is not defined", hint="see `ledger type list`")
        if not int(t.allowed_kinds) & (1 << int(kind)):
            allowed = [k.name.lower() for k in type(t.allowed_kinds) if k.name and k in t.allowed_kinds]
            error = IssuerKindNotAllowed(type_id, kind)
            error.hint = (f"type {type_id} may be issued by: {', '.join(allowed) or 'no issuer kind'}; "
                          "sign with the key of such an issuer (--key)")
            raise error
        return t

    # -- batches (Anchorer protocol) ----------------------------------------------------------

    def signer(self) -> str:
        return self.key.address

    def anchor_batch(
        self, root: bytes, count: int, type_id: int, meta_hash: bytes, *, dry_run: bool
    ) -> tuple[bytes, int, int]:
        # Without a dry run for a batch planned just now: ``_check_writer`` asked the chain the same
        # questions moments before, and repeating them is a quarter of a 1,000-credential batch's
        # chain time. A refusal in between still raises the decoded error, from the receipt.
        receipt = self.contracts.issuers.anchor(self.key, type_id, count, root, meta_hash, dry_run=dry_run)
        return receipt.tx_hash, receipt.block_number, receipt.gas_used

    def find_anchor(self, root: bytes, since_block: int, *, issuer: str | None = None) -> tuple[bytes, int] | None:
        # Anchors are keyed by issuer: another issuer's copy of this root is its own batch, not ours.
        who = issuer or self.key.address
        anchor = self.contracts.issuers.anchor_of(who, root)
        if not anchor.exists:
            return None
        for event in self.contracts.events(anchor.block_number, anchor.block_number):
            if event.name == "BatchAnchored" and event.args["root"] == root and \
                    event.args["issuer"].lower() == who.lower():
                return event.tx_hash, event.block_number
        return b"\0" * 32, anchor.block_number

    def issue_batch(
        self,
        type_id: int,
        source: Path,
        *,
        skip_invalid: bool = False,
        new_subjects: bool = False,
        out_dir: Path | None = None,
        valid_until: str | None = None,
        progress: Progress | None = None,
        crash_at: str | None = None,
        layout: str = "files",
        again: bool = False,
        name_files_by: str | None = None,
    ) -> BatchResult:
        """Validate every row, then write, anchor and prove a batch (see ``ledger.issuance.pipeline``).

        Unless ``again``, a repeat is refused before anything is written: the same input (by content,
        for the same type and issuer) issued before, or still unfinished (``--resume`` finishes it), and
        a row whose subject already holds a valid certificate of the type from this issuer.
        ``name_files_by`` names each credential's file by that column (files layout).
        """

        # Every check that can refuse the batch comes before the rows are read: reading them with
        # ``new_subjects`` saves new people to the vault.
        if layout not in issuance.OUTPUT_LAYOUTS:
            raise ValidationError(f"output layout {layout!r}: choose one of {', '.join(issuance.OUTPUT_LAYOUTS)}")
        if name_files_by is not None and layout != "files":
            raise ValidationError("--name-files-by names the files of the files layout; a bundle is one file")
        if valid_until:
            _check_valid_until(valid_until)
        achievement = self._achievement(type_id, self._check_writer(type_id))
        issuer = self._issuer_profile()
        fingerprint = _source_fingerprint(source)
        held: dict[str, str] | None = None
        if not again:
            self._refuse_repeated_input(source, fingerprint, type_id, issuer.id)
            with Index.open(self.settings.index_path) as index:
                self.sync_index(index)
                held = index.reader.valid_holders(type_id, self.key.address)
        # A batch whose files cannot be written must not be anchored: its credentials would exist only
        # in the journal.
        issuance.check_output_dir(out_dir or self.settings.credentials_dir)
        with issuance.bulk_objects():
            return self._issue_rows(
                type_id, source, achievement=achievement, issuer=issuer, skip_invalid=skip_invalid,
                new_subjects=new_subjects, out_dir=out_dir, valid_until=valid_until, progress=progress,
                crash_at=crash_at, layout=layout, held=held, file_column=name_files_by,
                source_info={"file": source.name, "sha256": fingerprint},
            )  # fmt: skip

    def _refuse_repeated_input(self, source: Path, fingerprint: str, type_id: int, issuer_id: str) -> None:
        """Raise if a batch was made from the same input (content), type and issuer before."""
        previous = issuance.batches_from(self.settings.journal_dir, fingerprint, type_id, issuer_id)
        unfinished = [b for b, stage in previous if stage != "done"]
        if unfinished:
            raise ValidationError(
                f"{source} was already started as batch {unfinished[0]} of type {type_id}, which is unfinished "
                "(it may already be anchored); running it again would issue a second batch",
                hint=f"finish it: ledger cred issue --resume --batch {unfinished[0]} (or --again to issue a new, "
                "separate batch anyway)",
            )
        if previous:
            batch = previous[-1][0]
            raise ValidationError(
                f"{source} was already issued as batch {batch} of type {type_id} (same content, same issuer)",
                hint="nothing to do, its credentials are in the journal and on chain; --again issues the file once "
                "more as a new batch",
            )

    def _issue_rows(
        self,
        type_id: int,
        source: Path,
        *,
        achievement: Achievement,
        issuer: IssuerProfile,
        skip_invalid: bool,
        new_subjects: bool,
        out_dir: Path | None,
        valid_until: str | None,
        progress: Progress | None,
        crash_at: str | None,
        layout: str,
        held: dict[str, str] | None = None,
        file_column: str | None = None,
        source_info: dict[str, Any] | None = None,
    ) -> BatchResult:

        until = _iso(parse_time(valid_until)) if valid_until else None
        chain_ref, since_block = self._chain_ref(), self.chain.block_number()
        t0 = time.perf_counter()
        rows = issuance.read_rows(source, self.vault, skip_invalid=skip_invalid, create_subjects=new_subjects,
                                  held=held, file_column=file_column)
        now = int(time.time())
        read_seconds = time.perf_counter() - t0
        journal = issuance.plan_batch(
            self.settings.journal_dir,
            rows=rows.rows,
            type_id=type_id,
            meta_hash=metadata_hash({"type": "ledger:Batch", "typeId": type_id, "count": len(rows.rows),
                                     "issuer": issuer.id, "created": now}),
            issuer=issuer,
            achievement=achievement,
            valid_from=_iso(now),
            valid_until=until,
            chain=chain_ref,
            contract=self.contracts.issuers.address,  # where the batch is anchored
            output=out_dir or self.settings.credentials_dir,
            hash_algorithm=self._hash_algorithm(),
            layout=layout,
            deployment=self._deployment_did(),
            source=source_info,
        )
        result = issuance.run(
            journal, self, progress=progress,
            on_stage=issuance.crash_hook(crash_at), since_block=since_block,
        )
        result.skipped = list(rows.skipped)
        result.timings = {"read": read_seconds, "plan": time.perf_counter() - t0 - read_seconds
                          - sum(result.timings.values()), **result.timings}
        return result

    def resume_batches(
        self,
        batch_id: str | None = None,
        *,
        progress: Progress | None = None,
        crash_at: str | None = None,
        out_dir: Path | None = None,
    ) -> ResumeOutcome:
        """Finish one named batch, or every unfinished batch of the workspace.

        A named batch that cannot be finished raises. Without a name, a batch that fails does not stop
        the others: its error is kept in the outcome's ``failed`` list, in the order met. ``out_dir``
        moves where the files of each unfinished batch go (recorded in its journal), for a batch whose
        planned place cannot be written.

        Raises:
            ValidationError: ``out_dir`` cannot be written (checked before any batch is touched).
        """

        root = self.settings.journal_dir
        ids = [batch_id] if batch_id else issuance.unfinished_batches(root)
        if out_dir is not None:
            issuance.check_output_dir(out_dir)
        outcome = issuance.ResumeOutcome()
        for bid in ids:
            journal = issuance.Journal(root, bid)
            if not journal.exists():
                raise IssuanceError(f"no journaled batch {bid!r} in {root}")
            if out_dir is not None and journal.state().get("stage") != "done":
                journal.move_output(out_dir)
            output = Path(journal.plan().output)
            # A write killed part way left its temporary file beside the output (it may hold names).
            sweep_leftovers(output.parent if journal.plan().layout == "jsonl" else output)
            try:
                with issuance.bulk_objects():
                    outcome.finished.append(
                        issuance.run(journal, self, progress=progress,
                                     on_stage=issuance.crash_hook(crash_at), resumed=True)
                    )
            except LedgerError as exc:
                if batch_id:
                    raise
                outcome.failed.append(issuance.BatchFailure.of(bid, exc))
        return outcome

    # -- checked issuance ----------------------------------------------------------------------

    def issue_checked(
        self,
        type_id: int,
        subject: str,
        evidence: Sequence[str],
        *,
        prerequisites: Sequence[Path] = (),
        holder_name: str | None = None,
        out_dir: Path | None = None,
        valid_until: str | None = None,
        again: bool = False,
    ) -> dict[str, Any]:
        """Issue one certificate whose criteria the contract checks; a refusal says which and by how much.

        The holder's name in the document is ``holder_name``, or else the name the vault keeps for the
        subject. A subject that already holds a valid certificate of the type from this issuer is refused
        unless ``again`` is set: the contract accepts a second one (its hash is new), and running the
        same command twice would otherwise give two certificates without a word.
        """

        subject_bytes = parse_subject_id(subject)
        if holder_name is None:
            holder_name = self._holder_from_vault(subject)
        if holder_name is not None:
            _check_holder_name(holder_name)
        if valid_until:
            _check_valid_until(valid_until)
        keys = [_bytes32(k, "contribution key") for k in evidence]
        prereqs = [types.Prerequisite(c.issuer.address, c.hash)
                   for c in (parse_credential(read_credential_file(p)) for p in prerequisites)]
        achievement = self._achievement(type_id, self._check_writer(type_id))
        if not again:
            self._refuse_second_certificate(type_id, subject)
        now = int(time.time())
        template = CredentialTemplate(
            self._issuer_profile(), achievement, _iso(now),
            _iso(parse_time(valid_until)) if valid_until else None, hash_algorithm=self._hash_algorithm(),
            deployment=self._deployment_did(),
        )
        credential = template.stamp(subject, holder_name=holder_name, evidence=[Evidence(k) for k in keys])
        directory = out_dir or (self.settings.credentials_dir / "checked")
        check_output_dir(directory)  # before the certificate is issued: its document exists only here
        try:
            receipt = self.contracts.credentials.issue(self.key, type_id, subject_bytes, credential.hash, keys, prereqs)
        except ContractError as exc:
            if exc.error_name in CRITERIA_WORDS:
                exc.hint = explain_refusal(exc)
            raise
        ref = self._chain_ref()
        proof = CredentialProof(
            CHECKED_PROOF, credential.hash, ref, self.contracts.credentials.address, credential.hash_algorithm,
            issue_transaction=receipt.tx_hash, issue_block=receipt.block_number,
        )
        proved = credential.with_proof(proof)
        report = write_credentials(directory, [proved], overwrite=False)
        return {
            "file": str(report.paths[0]),
            "credential_hash": "0x" + credential.hash.hex(),
            "type": type_id,
            "subject": subject,
            "contributions": len(keys),
            "tx_hash": "0x" + receipt.tx_hash.hex(),
            "block": receipt.block_number,
            "gas_used": receipt.gas_used,
        }

    def _holder_from_vault(self, subject: str) -> str | None:
        """The holder's display name for a document: the name the vault keeps for ``subject``, if any (a
        subject not in this workspace's vault, or erased, gets none)."""
        person = self.vault.get("0x" + parse_subject_id(subject).hex())
        name = (person.person.get("name") or "").strip() if person is not None else ""
        return name or None

    def sync_index(self, index: Index, **kwargs: Any) -> Any:
        """Bring ``index`` up to the chain's head, and take in this workspace's journaled batches (which
        leaf is whose: only the issuer knows), so that its queries and audits of a subject include the
        subject's batch certificates. Returns the chain sync's result."""
        result = index.sync(self.chain, self.settings.deployment, **kwargs)
        self.index_journal(index)
        return result

    def index_journal(self, index: Index) -> int:
        """Record in ``index`` the leaves of every journaled batch it has not taken in yet; the number of
        leaves recorded. Only anchored batches ever show (the index joins them with the chain's roots)."""
        root = self.settings.journal_dir
        if not root.is_dir():
            return 0
        known = index.journaled_batches()
        recorded = 0
        for entry in sorted(root.iterdir()):
            journal = issuance.Journal(root, entry.name)
            if entry.name in known or not journal.exists():
                continue
            try:
                plan, rows = journal.plan(), journal.rows()
                hashes = issuance.leaf_hashes(journal)
            except (OSError, ValueError, KeyError, LedgerError):
                continue  # a damaged journal: `cred issue --resume` reports it
            leaves = [(i, h, "0x" + r.subject.lower().removeprefix("0x"), r.id) for i, (h, r) in enumerate(zip(hashes, rows))]
            recorded += index.record_leaves(entry.name, plan.issuer_account, plan.root, leaves)
        return recorded

    def _refuse_second_certificate(self, type_id: int, subject: str) -> None:
        """Raise if the subject holds a valid certificate of ``type_id`` from this issuer (checked, or a
        leaf of one of this workspace's batches)."""

        with Index.open(self.settings.index_path) as index:
            self.sync_index(index)
            held = index.reader.credentials(type_id=type_id, issuer=self.key.address, subject=subject, status="valid")
        if held:
            first = held[0]
            raise IssuanceError(
                f"subject {subject} already holds a valid certificate of type {type_id} "
                f"(version {first.type_version}) from this issuer: {first.hash}, block {first.block_number}",
                hint="pass --again to issue another one anyway (to renew an expired one, say, or to issue under "
                "the type's new version)",
            )

    # -- verification ------------------------------------------------------------------------

    _domains: DomainDirectory | None = None

    def deployment_ref(self) -> DeploymentRef:
        """The deployment this workspace reads, as a ``.well-known`` document names it."""
        d = self.settings.deployment
        assert d is not None
        return DeploymentRef(d.chain_id, d.issuer_registry, d.contribution_ledger, d.credential_registry)

    def domain_directory(self) -> DomainDirectory:
        """Fetches (and keeps for a while) the ``.well-known`` documents of issuers' domains, as the
        workspace's ``[domains]`` settings say."""
        if self._domains is None:
            d = self.settings.domains
            self._domains = DomainDirectory(FetchPolicy(timeout=d.timeout, ca_file=d.ca_file,
                                                        allow_private=d.allow_private, resolve=dict(d.resolve)))
        return self._domains

    def issuer_identities(self, *, check_domains: bool | None = None) -> IssuerIdentities:
        """What the ``issuer_domain`` step reads: the registry's entries (asked of the contracts), this
        workspace's metadata files, and the domains' documents (unless ``check_domains`` is false, or
        the workspace's ``[domains] check`` is)."""
        check = self.settings.domains.check if check_domains is None else check_domains

        def meta_hash(address: str) -> bytes | None:
            info = self.contracts.issuers.issuer(address)
            return None if int(info.kind) == 0 else bytes(info.meta_hash)

        return IssuerIdentities(
            self.deployment_ref(), meta_hash,
            local_metadata=lambda digest: self._load_metadata(digest) or None,
            directory=self.domain_directory() if check else None,
        )

    def receipt_signer(self, key_name: str, password: Callable[[], str]) -> ReceiptSigner:
        """The verifier's receipt signer, with the workspace key ``key_name``.

        Raises:
            ValidationError: the key is an issuer's or a committee member's (a receipt says what a
                verifier saw; it must not be signed by a key that writes what is verified).
        """
        key = self.keyring.load(key_name, password())
        if self.contracts.committee.is_member(key.address) or self.contracts.issuers.key_info(key.address).active_from:
            raise ValidationError(
                f"key {key_name!r} ({key.address}) is an issuer's or a committee member's; receipts are signed by "
                "a key of the verifier's own", hint="make one: ledger key new --name verifier")
        return ReceiptSigner(key)

    def snapshot(self, paths: Sequence[Path]) -> StaticChainView:
        """The chain's answers for verifying the credentials in ``paths``, as of now: verify them later
        with no network (``ledger verify --snapshot``)."""

        return snapshot_files(paths, ContractsView(self.contracts))

    def verify(
        self,
        paths: Sequence[Path],
        *,
        at: str | int | None = None,
        now: datetime | None = None,
        progress: Callable[[int, int], None] | None = None,
        check_domains: bool | None = None,
    ) -> list[dict[str, Any]]:
        """Verify credential files against the chain; one report dict per file.

        ``at`` (a date or a block) judges the credentials as the chain stood then: the workspace's
        index is synced and answers (so time travel works on nodes that keep no old state); without
        ``at`` the contracts answer. ``now`` is the time the expiry step compares with.
        ``check_domains`` overrides the workspace's ``[domains] check``.
        """

        at_block = None
        online: ChainView = ContractsView(self.contracts)
        if at is not None:
            index = Index.open(self.settings.index_path)
            index.sync(self.chain, self.settings.deployment)
            at_block = index.reader.resolve_at(at)
            assert self.settings.deployment is not None
            if at_block is None or at_block < self.settings.deployment.block_number:
                raise ValidationError(f"--at {at}: the ledger was deployed later, in block "
                                      f"{self.settings.deployment.block_number}")
            online = IndexChainView(index.reader, at=at_block)

        return verify_files(paths, online, at_block=at_block, now=now, progress=progress,
                            identities=self.issuer_identities(check_domains=check_domains))

