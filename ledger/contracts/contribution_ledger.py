"""The ContributionLedger facade: recording contributions, co-signing, revoking and releasing them.

Each write has a ``build_<fn>`` twin that returns the unsigned transaction (for ``chain.send_many``);
the committee's revocation and the release of a revoked key are proposed through the Committee. Reads
return :class:`~ledger.types.Contribution` records and take ``block=`` for a past block.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ledger import types
from ledger.chain.base import Receipt, Transaction
from ledger.contracts.committee import PROPOSAL_GAS
from ledger.contracts.facade import ContractFacade
from ledger.contracts.facade import address_or_none as _addr
from ledger.contracts.facade import bytes32 as _b32
from ledger.crypto.hashing import hash_function
from ledger.crypto.keys import PrivateKey

__all__ = ["PROJECT_TAG_BYTES", "ContributionLedger"]

#: Bytes of H(project) the contract keeps per contribution (enough to count distinct projects).
PROJECT_TAG_BYTES = 12


class ContributionLedger(ContractFacade):
    """Contributions: record, co-sign (once per organisation), revoke, release."""

    contract_name = "ContributionLedger"

    def build_record(self, items: Sequence[types.ContributionItem]) -> Transaction:
        """The unsigned transaction of :meth:`record` (for ``chain.send_many``)."""
        return self._build("record", 80_000 + 90_000 * len(items), [i.as_tuple() for i in items])

    def record(self, key: PrivateKey, items: Sequence[types.ContributionItem]) -> Receipt:
        """Record a batch (all or nothing)."""
        return self._send(key, self.build_record(items))

    def build_co_sign(self, contribution_key: bytes) -> Transaction:
        """The unsigned transaction of :meth:`co_sign` (for ``chain.send_many``)."""
        return self._build("coSign", 250_000, _b32(contribution_key))

    def co_sign(self, key: PrivateKey, contribution_key: bytes) -> Receipt:
        """Co-sign a contribution recorded by another organisation (once per organisation)."""
        return self._send(key, self.build_co_sign(contribution_key))

    def build_revoke(self, contribution_key: bytes, reason: types.RevocationReason) -> Transaction:
        """The unsigned transaction of :meth:`revoke` (for ``chain.send_many``)."""
        return self._build("revoke", 150_000, _b32(contribution_key), int(reason))

    def revoke(self, key: PrivateKey, contribution_key: bytes, reason: types.RevocationReason) -> Receipt:
        """Revoke a contribution as a manager of its recorder (its node's current key, its parent's)."""
        return self._send(key, self.build_revoke(contribution_key, reason))

    def propose_revoke(self, key: PrivateKey, contribution_key: bytes, reason: types.RevocationReason) -> Receipt:
        """Propose the committee's revocation of a contribution."""
        return self._propose(key, "revoke", PROPOSAL_GAS, _b32(contribution_key), int(reason))

    def propose_release(self, key: PrivateKey, contribution_key: bytes) -> Receipt:
        """Propose the committee's release of a revoked contribution: its record is archived and the key
        can be recorded again (by the rightful recorder of a squatted key)."""
        return self._propose(key, "release", PROPOSAL_GAS, _b32(contribution_key))

    # reads
    @staticmethod
    def _contribution(key: bytes, raw: dict[str, Any]) -> types.Contribution:
        return types.Contribution(
            key=key,
            subject=raw["subject"],
            recorder_id=raw["recorderId"],
            kind=raw["kind"],
            field=raw["field"],
            weight=raw["weight"],
            occurred_at=raw["occurredAt"],
            recorded_at=raw["recordedAt"],
            co_sign_orgs=raw["coSignOrgs"],
            status=raw["status"],
            reason=raw["reason"],
            generation=raw["generation"],
            project_tag=raw["projectTag"],
        )

    def contribution(self, contribution_key: bytes, *, block: int | None = None) -> types.Contribution:
        """The live record (``exists`` false if unknown or released)."""
        (raw,) = self._call("contribution", _b32(contribution_key), block=block)
        return self._contribution(contribution_key, raw)

    def contributions(self, keys: Sequence[bytes], *, block: int | None = None) -> list[types.Contribution]:
        """Several live records, in the order of ``keys``."""
        (rows,) = self._call("contributions", [_b32(k) for k in keys], block=block)
        return [self._contribution(k, r) for k, r in zip(keys, rows)]

    def archived(self, contribution_key: bytes, generation: int, *, block: int | None = None) -> types.Contribution:
        """The record of ``contribution_key`` released as ``generation``."""
        (raw,) = self._call("archived", _b32(contribution_key), generation, block=block)
        return self._contribution(contribution_key, raw)

    def evidence(self, keys: Sequence[bytes], *, block: int | None = None) -> list[types.ContributionEvidence]:
        """What a criteria check reads of each live record (compromised recorder, valid co-signs)."""
        (rows,) = self._call("evidence", [_b32(k) for k in keys], block=block)
        return [types.ContributionEvidence(k, r["subject"], r["recorderId"], r["kind"], r["occurredAt"], r["status"],
                                           r["projectTag"], r["recorderCompromised"], r["validCoSigns"])
                for k, r in zip(keys, rows)]

    def about_of(self, keys: Sequence[bytes], *, block: int | None = None) -> list[bytes | None]:
        """What each live record is about (``None``: nothing, or unknown), in the order of ``keys``."""
        (rows,) = self._call("aboutOf", [_b32(k) for k in keys], block=block)
        return [None if bytes(r) == bytes(32) else bytes(r) for r in rows]

    def recorder_of(self, contribution_key: bytes, *, block: int | None = None) -> str | None:
        """Address of the key that recorded the live record (None if unknown)."""
        return _addr(self._call("recorderOf", _b32(contribution_key), block=block)[0])

    def co_signs(self, contribution_key: bytes, *, block: int | None = None) -> list[types.CoSign]:
        """Co-signs of the live record, one per organisation, in order."""
        (rows,) = self._call("coSigns", _b32(contribution_key), block=block)
        return [types.CoSign(r["signerId"], r["org"], r["blockNumber"]) for r in rows]

    def co_signers(self, contribution_key: bytes, *, block: int | None = None) -> list[str]:
        """Addresses of the keys that co-signed the live record, in order."""
        return list(self._call("coSigners", _b32(contribution_key), block=block)[0])

    def has_co_signed(self, contribution_key: bytes, signer: str, *, block: int | None = None) -> bool:
        """Whether ``signer`` co-signed the live record."""
        return bool(self._call("hasCoSigned", _b32(contribution_key), signer, block=block)[0])

    def project_tag(self, project: bytes) -> bytes:
        """The 12-byte tag stored for ``project``, computed locally as the contract does (its
        ``keccak256`` is SM3 on an SM chain)."""
        return hash_function(self.chain.crypto)(_b32(project))[:PROJECT_TAG_BYTES]
