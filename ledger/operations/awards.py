"""Awards by nominations (a community MVP award): nominate, withdraw, list.

An issuer in good standing nominates a subject for the current version of an award type on behalf of
its organisation (its top-level issuer), once per organisation; the CredentialRegistry counts the
nominations when the award is issued (``examples/awards/README.md``). A nomination is withdrawn by a
manager of the nominating key (that key, its node's current key, its parent's) or, by proposal, by the
committee. Mentor awards need no operation of their own: reviews are recorded ``--about`` the work they
reviewed and the award is issued with ``cred issue``.
"""

from __future__ import annotations

from typing import Any

from ledger.errors import ValidationError
from ledger.identity.vault import parse_subject_id
from ledger.index import Index
from ledger.operations.recording import RecordingOps, proposed_fields

__all__ = ["AwardOps"]


class AwardOps(RecordingOps):
    """Nominations for awards by nominations."""

    def _award_version(self, type_id: int) -> int:
        """The current version of award ``type_id``, checked to take nominations.

        Raises:
            ValidationError: the type is undefined or is not an award by nominations.
        """
        t = self.contracts.credentials.credential_type(type_id)
        if not t.exists:
            raise ValidationError(f"type {type_id} is not defined", hint="see `ledger type list`")
        if not t.criteria.min_nominations:
            raise ValidationError(f"type {type_id} is not an award by nominations, so it takes none",
                                  hint=f"`ledger type show {type_id}` shows its criteria")
        return t.version

    def nominate(self, type_id: int, subject: str) -> dict[str, Any]:
        """Nominate ``subject`` for award ``type_id`` as the signing key's organisation (once per
        organisation and type version, within the type's window)."""
        subject_bytes = parse_subject_id(subject)
        version = self._award_version(type_id)
        receipt = self.contracts.credentials.nominate(self.key, type_id, subject_bytes)
        org = self.contracts.issuers.organisation_of(self.key.address)
        return {"type_id": type_id, "version": version, "subject": "0x" + subject_bytes.hex(), "org": org,
                "nominator": self.key.address, "tx_hash": "0x" + receipt.tx_hash.hex(),
                "block": receipt.block_number}

    def withdraw_nomination(self, type_id: int, subject: str, org: int | None = None) -> dict[str, Any]:
        """Withdraw organisation ``org``'s nomination (default: the signing key's organisation): directly
        as a manager of the nominating key, else by proposal as a committee member.

        Raises:
            ValidationError: the organisation has no nomination of the subject for the current version.
            ContractError: the signing key may not withdraw it (``NotManager``).
        """
        subject_bytes = parse_subject_id(subject)
        version = self._award_version(type_id)
        credentials = self.contracts.credentials
        if org is None:
            org = self.contracts.issuers.organisation_of(self.key.address)
            if not org:
                raise ValidationError(f"{self.key.address} is not an issuer, so it speaks for no organisation",
                                      hint="give --org ORG (see `ledger award list`) as a committee member")
        live = [n for n in credentials.nominations(type_id, version, subject_bytes) if n.org == org]
        if not live:
            raise ValidationError(f"organisation {org} has no nomination of {subject} for version {version} of "
                                  f"type {type_id}", hint=f"`ledger award list {type_id}` shows the nominations")
        proposed = None
        if self._manages(live[0].nominator) or not self.contracts.committee.is_member(self.key.address):
            receipt = credentials.withdraw_nomination(self.key, type_id, subject_bytes, org)
        else:
            receipt = credentials.propose_withdraw_nomination(self.key, type_id, subject_bytes, org)
            proposed = self._proposal_of(receipt)
        return {"type_id": type_id, "version": version, "subject": "0x" + subject_bytes.hex(), "org": org,
                "tx_hash": "0x" + receipt.tx_hash.hex(), "block": receipt.block_number, **proposed_fields(proposed)}

    def nominations(self, type_id: int, subject: str | None = None) -> dict[str, Any]:
        """The live nominations for the current version of award ``type_id`` (of one subject, or all, from
        the index synced to the chain's head), with how many the award needs."""
        version = self._award_version(type_id)
        needed = self.contracts.credentials.credential_type(type_id).criteria.min_nominations
        if subject is not None:
            subject_bytes = parse_subject_id(subject)
            rows = [{"type_id": type_id, "version": version, "subject": "0x" + subject_bytes.hex(), "org": n.org,
                     "nominator": n.nominator, "block": n.block_number}
                    for n in self.contracts.credentials.nominations(type_id, version, subject_bytes)]
        else:
            with Index.open(self.settings.index_path) as index:
                index.sync(self.chain, self.settings.deployment)
                rows = [n.as_dict() for n in index.reader.nominations(type_id, version=version)]
        by_subject: dict[str, int] = {}
        for row in rows:
            by_subject[row["subject"]] = by_subject.get(row["subject"], 0) + 1
        return {"type_id": type_id, "version": version, "min_nominations": needed, "nominations": rows,
                "subjects": [{"subject": s, "organisations": n} for s, n in sorted(by_subject.items(),
                                                                                  key=lambda kv: (-kv[1], kv[0]))]}
