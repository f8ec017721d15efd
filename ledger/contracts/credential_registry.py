"""The CredentialRegistry facade: certificate types, anchoring, checked issuance, credential status.

Type definitions and the committee's status changes are proposed through the IssuerRegistry; the
issuer's own writes (anchor a batch root, issue one checked certificate, change a status, anchor an
audit report) are sent checked, each with a ``build_<fn>`` twin for ``chain.send_many``. Reads return
the value objects of :mod:`ledger.types` and take ``block=`` for a past block.
"""

from __future__ import annotations

from collections.abc import Sequence

from ledger import types
from ledger.chain.base import Receipt, Transaction
from ledger.contracts.abi import ZERO32
from ledger.contracts.facade import ContractFacade
from ledger.contracts.facade import address_or_none as _addr
from ledger.contracts.facade import bytes32 as _b32
from ledger.contracts.send import send_checked
from ledger.crypto.keys import PrivateKey

__all__ = ["CredentialRegistry"]


class CredentialRegistry(ContractFacade):
    """Certificate types, anchoring, checked issuance and credential status."""

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
        """Propose ``defineType`` (a redefinition bumps the version)."""
        return self._propose(key, "defineType", 700_000 + 50_000 * len(prerequisites), type_id, field, level,
                             int(allowed_kinds), criteria.as_tuple(), list(prerequisites), _b32(meta_hash))

    def build_anchor(self, root: bytes, count: int, type_id: int, meta_hash: bytes = ZERO32) -> Transaction:
        """The unsigned transaction of :meth:`anchor` (for ``chain.send_many``)."""
        return self._build("anchor", 150_000, _b32(root), count, type_id, _b32(meta_hash))

    def anchor(
        self, key: PrivateKey, root: bytes, count: int, type_id: int, meta_hash: bytes = ZERO32, *,
        dry_run: bool = True,
    ) -> Receipt:
        """Anchor a batch root. ``dry_run=False`` skips the pre-flight call, for a caller that has just
        checked the signer and the type itself (batch issuance): a refusal then costs a reverted
        transaction, and raises the same decoded error."""
        return send_checked(self.chain, key, self.build_anchor(root, count, type_id, meta_hash), dry_run=dry_run)

    def build_issue(
        self,
        type_id: int,
        subject: bytes,
        credential_hash: bytes,
        contribution_keys: Sequence[bytes],
        prerequisite_hashes: Sequence[bytes] = (),
    ) -> Transaction:
        """The unsigned transaction of :meth:`issue` (for ``chain.send_many``)."""
        gas = 250_000 + 25_000 * len(contribution_keys) + 15_000 * len(prerequisite_hashes)
        return self._build("issue", gas, type_id, _b32(subject), _b32(credential_hash),
                           [_b32(k) for k in contribution_keys], [_b32(h) for h in prerequisite_hashes])

    def issue(
        self,
        key: PrivateKey,
        type_id: int,
        subject: bytes,
        credential_hash: bytes,
        contribution_keys: Sequence[bytes],
        prerequisite_hashes: Sequence[bytes] = (),
    ) -> Receipt:
        """Issue one credential; the contract checks the type's criteria."""
        return self._send(key, self.build_issue(type_id, subject, credential_hash, contribution_keys,
                                                prerequisite_hashes))

    def build_set_status(
        self, credential_hash: bytes, status: types.CredentialStatus, reason: types.RevocationReason
    ) -> Transaction:
        """The unsigned transaction of :meth:`set_status` (for ``chain.send_many``)."""
        return self._build("setStatus", 150_000, _b32(credential_hash), int(status), int(reason))

    def set_status(
        self, key: PrivateKey, credential_hash: bytes, status: types.CredentialStatus,
        reason: types.RevocationReason = types.RevocationReason.NONE,
    ) -> Receipt:
        """Suspend, reinstate (VALID) or revoke an issued credential, as its issuer."""
        return self._send(key, self.build_set_status(credential_hash, status, reason))

    def build_set_leaf_status(
        self, root: bytes, credential_hash: bytes, proof: Sequence[bytes], status: types.CredentialStatus,
        reason: types.RevocationReason,
    ) -> Transaction:
        """The unsigned transaction of :meth:`set_leaf_status` (for ``chain.send_many``)."""
        return self._build("setLeafStatus", 150_000 + 3_000 * len(proof), _b32(root), _b32(credential_hash),
                           [_b32(p) for p in proof], int(status), int(reason))

    def set_leaf_status(
        self, key: PrivateKey, root: bytes, credential_hash: bytes, proof: Sequence[bytes],
        status: types.CredentialStatus, reason: types.RevocationReason = types.RevocationReason.NONE,
    ) -> Receipt:
        """Change the status of a batch leaf, as the root's issuer."""
        return self._send(key, self.build_set_leaf_status(root, credential_hash, proof, status, reason))

    def propose_set_status(
        self, key: PrivateKey, credential_hash: bytes, status: types.CredentialStatus,
        reason: types.RevocationReason = types.RevocationReason.NONE,
    ) -> Receipt:
        """Propose the committee's status change of an issued credential."""
        return self._propose(key, "setStatus", 400_000, _b32(credential_hash), int(status), int(reason))

    def propose_set_leaf_status(
        self, key: PrivateKey, root: bytes, credential_hash: bytes, proof: Sequence[bytes],
        status: types.CredentialStatus, reason: types.RevocationReason = types.RevocationReason.NONE,
    ) -> Receipt:
        """Propose the committee's status change of a batch leaf."""
        return self._propose(key, "setLeafStatus", 400_000 + 3_000 * len(proof), _b32(root),
                             _b32(credential_hash), [_b32(p) for p in proof], int(status), int(reason))

    def build_anchor_report(self, report_hash: bytes, target: bytes = ZERO32) -> Transaction:
        """The unsigned transaction of :meth:`anchor_report` (for ``chain.send_many``)."""
        return self._build("anchorReport", 150_000, _b32(report_hash), _b32(target))

    def anchor_report(self, key: PrivateKey, report_hash: bytes, target: bytes = ZERO32) -> Receipt:
        """Anchor the hash of an audit report, once, as a committee member or an active issuer.

        ``target`` is what was audited: a subject id, an issuer address as 32 bytes, or zero for files.
        """
        return self._send(key, self.build_anchor_report(report_hash, target))

    # reads
    def report_anchor(self, report_hash: bytes, *, block: int | None = None) -> tuple[str | None, int]:
        """(auditor, block number) of an anchored report hash; (None, 0) if it was never anchored."""
        auditor, block_number = self._call("reportAnchor", _b32(report_hash), block=block)
        return _addr(auditor), int(block_number)

    def report_anchored_log(self, report_hash: bytes, block: int) -> tuple[str, str] | None:
        """(transaction hash, target) of the ``ReportAnchored`` log of ``report_hash`` in ``block``, as
        0x hex, or ``None`` when the block holds none (what anchored a hash, and for which target:
        audit reports, contribution reports, handle-link commitments)."""
        event = next(e for e in self.abi.events.values() if e.name == "ReportAnchored")
        digest = _b32(report_hash)
        for log in self.chain.get_logs(block, block, [self.address], [event.topic, digest]):
            if len(log.topics) == 4 and log.topics[0] == event.topic and log.topics[1] == digest:
                return "0x" + log.tx_hash.hex(), "0x" + log.topics[3].hex()
        return None

    def credential_type(self, type_id: int, *, block: int | None = None) -> types.CredentialType:
        """A certificate type as defined at ``block`` (``exists`` false if undefined)."""
        (raw,) = self._call("credentialType", type_id, block=block)
        c = raw["criteria"]
        criteria = types.Criteria(c["minTotal"], c["minDistinctProjects"], c["minCoSigns"], c["windowFrom"],
                                  c["windowTo"], tuple(c["minPerKind"]))
        return types.CredentialType(type_id, raw["version"], raw["field"], raw["level"],
                                    types.IssuerKinds(raw["allowedKinds"]), criteria,
                                    tuple(raw["prerequisites"]), raw["metaHash"])

    def type_ids(self, *, block: int | None = None) -> list[int]:
        """Ids of every defined type, in order of first definition."""
        return list(self._call("typeIds", block=block)[0])

    def anchor_of(self, root: bytes, *, block: int | None = None) -> types.Anchor:
        """An anchored batch (``exists`` false if the root is unknown)."""
        (raw,) = self._call("anchorOf", _b32(root), block=block)
        return types.Anchor(root, _addr(raw["issuer"]), raw["typeId"], raw["count"], raw["blockNumber"])

    def issued(self, credential_hash: bytes, *, block: int | None = None) -> types.IssuedCredential:
        """A credential made by ``issue`` (``exists`` false if unknown)."""
        (raw,) = self._call("issued", _b32(credential_hash), block=block)
        return types.IssuedCredential(credential_hash, raw["subject"], _addr(raw["issuer"]), raw["typeId"],
                                      raw["typeVersion"], raw["blockNumber"])

    def status_of(self, credential_hash: bytes, root: bytes = ZERO32, *, block: int | None = None
                  ) -> types.CredentialStatusRecord:
        """Last status change of a credential: ``root`` zero for an issued one, else its batch root."""
        (raw,) = self._call("statusOf", _b32(root), _b32(credential_hash), block=block)
        return types.CredentialStatusRecord(root, credential_hash, raw["status"], raw["reason"], raw["blockNumber"])

    def leaf_hash(self, credential_hash: bytes, *, block: int | None = None) -> bytes:
        """The Merkle leaf node of a credential hash, as the contract computes it."""
        return bytes(self._call("leafHash", _b32(credential_hash), block=block)[0])

    def verify_leaf(self, root: bytes, credential_hash: bytes, proof: Sequence[bytes], *,
                    block: int | None = None) -> bool:
        """Whether ``proof`` proves ``credential_hash`` under ``root`` (checked by the contract)."""
        return bool(self._call("verifyLeaf", _b32(root), _b32(credential_hash), [_b32(p) for p in proof],
                               block=block)[0])
