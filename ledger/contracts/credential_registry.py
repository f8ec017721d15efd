"""The CredentialRegistry facade: certificate types, checked issuance, credential status, reports.

Type definitions and the committee's status changes are proposed through the Committee; the issuer's
own writes (issue one checked certificate, change a status, anchor an audit report) are sent checked,
each with a ``build_<fn>`` twin for ``chain.send_many``. Credentials and reports are keyed by the
writing key (issuer or auditor) and their hash. Batch roots are anchored in the IssuerRegistry; the
proof and verdict views of batch credentials are here. Reads return the value objects of
:mod:`ledger.types` and take ``block=`` for a past block.
"""

from __future__ import annotations

from collections.abc import Sequence

from ledger import types
from ledger.chain.base import Receipt, Transaction
from ledger.contracts.abi import ZERO32
from ledger.contracts.committee import PROPOSAL_GAS
from ledger.contracts.facade import ContractFacade
from ledger.contracts.facade import bytes32 as _b32
from ledger.contracts.facade import bytes32_list as _b32s
from ledger.crypto.hashing import to_checksum_address
from ledger.crypto.keys import PrivateKey

__all__ = ["CredentialRegistry"]


class CredentialRegistry(ContractFacade):
    """Certificate types, checked issuance, credential status and audit reports."""

    contract_name = "CredentialRegistry"

    def define_type(
        self,
        key: PrivateKey,
        type_id: int,
        *,
        field: int,
        level: int,
        allowed_kinds: int,
        criteria: types.Criteria,
        prerequisites: Sequence[int] = (),
        meta_hash: bytes = ZERO32,
    ) -> Receipt:
        """Propose ``defineType`` (a redefinition bumps the version; allowed kinds only widen)."""
        return self._propose(key, "defineType", 900_000 + 60_000 * len(prerequisites), type_id, field, level,
                             int(allowed_kinds), criteria.as_tuple(), list(prerequisites), _b32(meta_hash))

    def build_issue(
        self,
        type_id: int,
        subject: bytes,
        credential_hash: bytes,
        contribution_keys: Sequence[bytes],
        prerequisites: Sequence[types.Prerequisite] = (),
    ) -> Transaction:
        """The unsigned transaction of :meth:`issue` (for ``chain.send_many``)."""
        # An award reads more: what each review is about (mentor), each nomination's standing (MVP).
        gas = 600_000 + 60_000 * len(contribution_keys) + 30_000 * len(prerequisites)
        return self._build("issue", gas, type_id, _b32(subject), _b32(credential_hash), _b32s(contribution_keys),
                           [(p.issuer, _b32(p.credential_hash)) for p in prerequisites])

    def issue(
        self,
        key: PrivateKey,
        type_id: int,
        subject: bytes,
        credential_hash: bytes,
        contribution_keys: Sequence[bytes],
        prerequisites: Sequence[types.Prerequisite] = (),
    ) -> Receipt:
        """Issue one credential under the signing key; the contract checks the type's criteria."""
        return self._send(key, self.build_issue(type_id, subject, credential_hash, contribution_keys, prerequisites))

    def build_nominate(self, type_id: int, subject: bytes) -> Transaction:
        """The unsigned transaction of :meth:`nominate` (for ``chain.send_many``)."""
        return self._build("nominate", 250_000, type_id, _b32(subject))

    def nominate(self, key: PrivateKey, type_id: int, subject: bytes) -> Receipt:
        """Nominate ``subject`` for the current version of award ``type_id``, for the signing key's
        organisation (once per organisation; within the type's window)."""
        return self._send(key, self.build_nominate(type_id, subject))

    def build_withdraw_nomination(self, type_id: int, subject: bytes, org: int) -> Transaction:
        """The unsigned transaction of :meth:`withdraw_nomination` (for ``chain.send_many``)."""
        return self._build("withdrawNomination", 200_000, type_id, _b32(subject), org)

    def withdraw_nomination(self, key: PrivateKey, type_id: int, subject: bytes, org: int) -> Receipt:
        """Withdraw organisation ``org``'s nomination, as a manager of the nominating key."""
        return self._send(key, self.build_withdraw_nomination(type_id, subject, org))

    def propose_withdraw_nomination(self, key: PrivateKey, type_id: int, subject: bytes, org: int) -> Receipt:
        """Propose the committee's withdrawal of organisation ``org``'s nomination."""
        return self._propose(key, "withdrawNomination", PROPOSAL_GAS, type_id, _b32(subject), org)

    def build_set_status(
        self, issuer: str, credential_hash: bytes, status: types.CredentialStatus, reason: types.RevocationReason
    ) -> Transaction:
        """The unsigned transaction of :meth:`set_status` (for ``chain.send_many``)."""
        return self._build("setStatus", 200_000, issuer, _b32(credential_hash), int(status), int(reason))

    def set_status(
        self, key: PrivateKey, issuer: str, credential_hash: bytes, status: types.CredentialStatus,
        reason: types.RevocationReason = types.RevocationReason.NONE,
    ) -> Receipt:
        """Suspend, reinstate (``VALID``) or revoke a credential ``issuer`` issued, as a manager of it."""
        return self._send(key, self.build_set_status(issuer, credential_hash, status, reason))

    def propose_set_status(
        self, key: PrivateKey, issuer: str, credential_hash: bytes, status: types.CredentialStatus,
        reason: types.RevocationReason = types.RevocationReason.NONE,
    ) -> Receipt:
        """Propose the committee's status change of a credential ``issuer`` issued."""
        return self._propose(key, "setStatus", PROPOSAL_GAS, issuer, _b32(credential_hash), int(status), int(reason))

    def build_anchor_report(self, report_hash: bytes, target: bytes = ZERO32) -> Transaction:
        """The unsigned transaction of :meth:`anchor_report` (for ``chain.send_many``)."""
        return self._build("anchorReport", 150_000, _b32(report_hash), _b32(target))

    def anchor_report(self, key: PrivateKey, report_hash: bytes, target: bytes = ZERO32) -> Receipt:
        """Anchor the hash of an audit report under the signing key, once, as a committee member or an
        issuer in good standing.

        ``target`` is what was audited: a subject id, an issuer address as 32 bytes, or zero for files.
        """
        return self._send(key, self.build_anchor_report(report_hash, target))

    # reads
    def report_anchor(self, auditor: str, report_hash: bytes, *, block: int | None = None) -> int:
        """The block in which ``auditor`` anchored ``report_hash`` (0 if it did not)."""
        return int(self._call("reportAnchor", auditor, _b32(report_hash), block=block)[0])

    def report_anchored_log(self, report_hash: bytes, block: int, auditor: str | None = None
                            ) -> tuple[str, str] | None:
        """(transaction hash, target) of the ``ReportAnchored`` log of ``report_hash`` in ``block`` (by
        ``auditor``, when given), as 0x hex, or ``None`` when the block holds none (what anchored a hash,
        and for which target: audit reports, contribution reports, handle-link commitments)."""
        event = next(e for e in self.abi.events.values() if e.name == "ReportAnchored")
        digest = _b32(report_hash)
        who = None if auditor is None else bytes(12) + bytes.fromhex(auditor[2:])
        topics = [event.topic, digest] + ([who] if who is not None else [])
        for log in self.chain.get_logs(block, block, [self.address], topics):
            if len(log.topics) == 4 and log.topics[0] == event.topic and log.topics[1] == digest and (
                    who is None or log.topics[2] == who):
                return "0x" + log.tx_hash.hex(), "0x" + log.topics[3].hex()
        return None

    def first_report_anchor(self, report_hash: bytes, from_block: int = 0) -> tuple[str | None, int]:
        """(auditor, block) of the earliest anchor of ``report_hash`` by anyone, from the logs; ``(None,
        0)`` if none. Reports are kept per auditor (another account's anchor of the same hash blocks
        nothing), so a check that knows who should have anchored asks :meth:`report_anchor` instead."""
        event = next(e for e in self.abi.events.values() if e.name == "ReportAnchored")
        digest = _b32(report_hash)
        for log in self.chain.get_logs(from_block, self.chain.block_number(), [self.address], [event.topic, digest]):
            if len(log.topics) == 4 and log.topics[0] == event.topic and log.topics[1] == digest:
                return to_checksum_address(log.topics[2][12:]), log.block_number
        return None, 0

    def credential_type(self, type_id: int, *, block: int | None = None) -> types.CredentialType:
        """A certificate type as defined at ``block`` (``exists`` false if undefined)."""
        (raw,) = self._call("credentialType", type_id, block=block)
        c = raw["criteria"]
        criteria = types.Criteria(c["minTotal"], c["minDistinctProjects"], c["minCoSigns"], c["windowFrom"],
                                  c["windowTo"], tuple(c["minPerKind"]), c["minMentees"], c["menteeKinds"],
                                  c["minNominations"], c["awardFlags"])
        return types.CredentialType(type_id, raw["version"], raw["field"], raw["level"],
                                    types.IssuerKinds(raw["allowedKinds"]), criteria,
                                    tuple(raw["prerequisites"]), raw["metaHash"])

    def nominations(self, type_id: int, version: int, subject: bytes, *, block: int | None = None
                    ) -> list[types.Nomination]:
        """The live nominations of ``subject`` for ``version`` of ``type_id`` (one per organisation)."""
        (rows,) = self._call("nominations", type_id, version, _b32(subject), block=block)
        return [types.Nomination(type_id, version, _b32(subject), r["nominator"], r["org"], r["blockNumber"])
                for r in rows]

    def type_ids(self, *, block: int | None = None) -> list[int]:
        """Ids of every defined type, in order of first definition."""
        return list(self._call("typeIds", block=block)[0])

    def issued(self, issuer: str, credential_hash: bytes, *, block: int | None = None) -> types.IssuedCredential:
        """A credential ``issuer`` issued with ``issue`` (``exists`` false if none)."""
        (raw,) = self._call("issued", issuer, _b32(credential_hash), block=block)
        return types.IssuedCredential(issuer, credential_hash, raw["subject"], raw["typeId"], raw["typeVersion"],
                                      raw["blockNumber"], raw["issuerId"])

    def status_of(self, issuer: str, credential_hash: bytes, *, block: int | None = None
                  ) -> types.CredentialStatusRecord:
        """The status change in force of a credential (changes by keys compromised then do not count)."""
        (raw,) = self._call("statusOf", issuer, _b32(credential_hash), block=block)
        return types.CredentialStatusRecord(issuer, credential_hash, raw["status"], raw["reason"], raw["blockNumber"],
                                            raw["by"])

    def status_log(self, issuer: str, credential_hash: bytes, *, block: int | None = None
                   ) -> list[types.CredentialStatusRecord]:
        """Every status change of a credential, in order, void ones included."""
        (rows,) = self._call("statusLog", issuer, _b32(credential_hash), block=block)
        return [types.CredentialStatusRecord(issuer, credential_hash, r["status"], r["reason"], r["blockNumber"],
                                             r["by"]) for r in rows]

    def leaf_hash(self, credential_hash: bytes, *, block: int | None = None) -> bytes:
        """The Merkle leaf node of a credential hash, as the contract computes it."""
        return bytes(self._call("leafHash", _b32(credential_hash), block=block)[0])

    def verify_leaf(self, root: bytes, credential_hash: bytes, index: int, proof: Sequence[bytes], *,
                    block: int | None = None) -> bool:
        """Whether ``proof`` places ``credential_hash`` at position ``index`` of the positional tree of
        ``root`` (checked by the contract)."""
        return bool(self._call("verifyLeaf", _b32(root), _b32(credential_hash), index, _b32s(proof), block=block)[0])

    def verify_batch_credential(
        self, issuer: str, root: bytes, credential_hash: bytes, index: int, proof: Sequence[bytes], *,
        block: int | None = None,
    ) -> types.Verdict:
        """The chain's verdict on a batch credential (leaf bits read as stored)."""
        return types.Verdict(self._call("verifyBatchCredential", issuer, _b32(root), _b32(credential_hash), index,
                                        _b32s(proof), block=block)[0])
