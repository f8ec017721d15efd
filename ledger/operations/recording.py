"""Contribution operations of the facade: record, co-sign (once per organisation), revoke, release, show."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from ledger.chain.base import Receipt
    from ledger.contributions.model import Contribution

from ledger import types
from ledger.canonical import canonicalize
from ledger.contracts.send import preflight, raise_for_receipt
from ledger.contributions.model import FIELD_NAMES, KINDS, about_phases, check_contribution, time_text
from ledger.errors import ContractError, ValidationError
from ledger.index import Index
from ledger.operations.governance import _bytes32, _Context


def proposed_fields(proposal: tuple[int, bool] | None) -> dict[str, Any]:
    """The fields a result carries when the write was a committee proposal."""
    if proposal is None:
        return {}
    return {"proposal_id": proposal[0], "executed": proposal[1]}


class RecordingOps(_Context):
    """Contributions on chain; evidence documents kept off chain in the workspace."""

    # -- contributions -------------------------------------------------------------------------

    #: Items per ``record`` transaction: big enough to amortise the base cost, small enough for a block.
    RECORD_CHUNK = 100

    def record(self, items: Sequence[Contribution], *, skip_recorded: bool = False) -> dict[str, Any]:
        """Record contributions in chunks, all chunks sent together (pipelined where the backend can) as
        one journaled burst (``ledger.chain.bursts``: a burst a dead node interrupted is settled first).

        Each item is checked first (personal data, and that its key and evidence hash derive from its
        source and evidence), also when the caller built the :class:`Contribution` objects directly.
        With ``skip_recorded`` (a file run again, say after a node died mid-burst), an item this key
        already recorded with the same evidence is left out and listed, not refused.

        Raises:
            ValidationError, PersonalDataError: an item is refused; nothing is stored or sent.
        """

        keys = [c.key for c in items]
        if len(set(keys)) != len(keys):
            raise ValidationError("the same contribution appears twice in one batch")
        names = self.vault.known_names()
        for c in items:  # all of them before anything is stored or sent
            check_contribution(c, names)
        settled = self.settle_bursts()  # what an interrupted burst left is done first, once
        already: list[Contribution] = []
        if skip_recorded:
            done = self._recorded_by_me(items)
            already = [c for c in items if c.key in done]
            items = [c for c in items if c.key not in done]
            if not items:
                return {"recorded": 0, "keys": [], "transactions": [], "gas_used": 0,
                        "already_recorded": ["0x" + c.key.hex() for c in already],
                        "settled_bursts": [x.to_dict() for x in settled]}
            keys = [c.key for c in items]
        # What an item is about is recorded before it: in the same transaction, earlier, or in an earlier
        # burst (a backend may run one burst's transactions in any order).
        phases = about_phases(items)
        if len(phases) == 1 or len(items) <= self.RECORD_CHUNK:
            phases = [[c for phase in phases for c in phase]]
        bursts = [
            [
                self.contracts.contributions.build_record(
                    [types.ContributionItem(c.key, c.subject, c.project, types.ContributionKind(c.kind), c.field,
                                            c.weight, c.occurred_at, c.evidence_hash, c.about)
                     for c in phase[i : i + self.RECORD_CHUNK]]
                )
                for i in range(0, len(phase), self.RECORD_CHUNK)
            ]
            for phase in phases
        ]
        txs = [tx for burst in bursts for tx in burst]
        if len(txs) == 1:  # one transaction: pre-flighted, so a refusal sends nothing and stores nothing
            preflight(self.chain, self.key.address, txs[0])
        # Stored before sending, so that evidence exists for every contribution that reaches the chain;
        # the files this call made are removed again if the contract refused the one transaction. After
        # any other failure (a timeout, an interrupt) it may still be mined, so the evidence stays.
        stored = [path for c in items if (path := self._store_evidence(c)) is not None]
        try:
            receipts = []
            for burst in bursts:
                sent = self.send_burst(burst)
                for receipt in sent:
                    raise_for_receipt(receipt, crypto=self.chain.crypto)
                receipts.extend(sent)
        except ContractError:
            if len(txs) == 1:  # several chunks may have partly succeeded: their evidence must stay
                for path in stored:
                    path.unlink(missing_ok=True)
            raise
        out: dict[str, Any] = {
            "recorded": len(items),
            "keys": ["0x" + k.hex() for k in keys],
            "transactions": ["0x" + r.tx_hash.hex() for r in receipts],
            "gas_used": sum(r.gas_used for r in receipts),
        }
        if skip_recorded:
            out["already_recorded"] = ["0x" + c.key.hex() for c in already]
        if settled:
            out["settled_bursts"] = [x.to_dict() for x in settled]
        return out

    def _recorded_by_me(self, items: Sequence[Contribution]) -> set[bytes]:
        """Keys of ``items`` already on chain, recorded by this key with the same evidence (from the index)."""
        with Index.open(self.settings.index_path) as index:
            index.sync(self.chain, self.settings.deployment)
            done = set()
            for c in items:
                found = index.reader.contribution(c.key)
                if (found is not None and found.recorder.lower() == self.key.address.lower()
                        and found.evidence_hash == "0x" + c.evidence_hash.hex()):
                    done.add(c.key)
        return done

    def _store_evidence(self, c: Contribution) -> Path | None:
        """Keep a contribution's evidence document; return its path if this call created it."""

        path = self.settings.metadata_dir / f"0x{c.evidence_hash.hex()}.json"
        if path.exists():
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(canonicalize(dict(c.evidence)))
        return path

    def cosign(self, keys: Sequence[str]) -> list[dict[str, Any]]:
        out = []
        for text in keys:
            key = _bytes32(text, "contribution key")
            receipt = self.contracts.contributions.co_sign(self.key, key)
            count = self.contracts.contributions.contribution(key).co_sign_orgs
            out.append({"key": "0x" + key.hex(), "co_signs": count, "tx_hash": "0x" + receipt.tx_hash.hex(),
                        "gas_used": receipt.gas_used})
        return out

    def revoke_contribution(self, key_text: str, reason: str) -> dict[str, Any]:
        """Revoke a contribution: directly as a manager of its recorder (the recording key, its node's
        current key, its parent's), else by proposal as a committee member."""
        key = _bytes32(key_text, "contribution key")
        value = types.RevocationReason[reason.upper().replace("-", "_")]
        ledger = self.contracts.contributions
        recorder = ledger.recorder_of(key)
        proposed = None
        if recorder is None or self._manages(recorder) or not self.contracts.committee.is_member(self.key.address):
            receipt = ledger.revoke(self.key, key, value)
        else:
            receipt = ledger.propose_revoke(self.key, key, value)
            proposed = self._proposal_of(receipt)
        return {"key": "0x" + key.hex(), "reason": reason, "tx_hash": "0x" + receipt.tx_hash.hex(),
                "block": receipt.block_number, **proposed_fields(proposed)}

    def release_contribution(self, key_text: str) -> dict[str, Any]:
        """Propose the committee's release of a revoked contribution: its record is archived and its key can
        be recorded again (by the rightful recorder of a squatted key)."""
        key = _bytes32(key_text, "contribution key")
        receipt = self.contracts.contributions.propose_release(self.key, key)
        proposal = self._proposal_of(receipt)
        return {"key": "0x" + key.hex(), "tx_hash": "0x" + receipt.tx_hash.hex(), "block": receipt.block_number,
                **proposed_fields(proposal)}

    def _manages(self, issuer: str) -> bool:
        """Whether the signing key may manage what ``issuer`` wrote (asked of the registry)."""
        try:
            self.contracts.issuers.require_manager(self.key.address, issuer)
        except ContractError:
            return False
        return True

    def _proposal_of(self, receipt: Receipt) -> tuple[int, bool] | None:
        """(proposal id, executed) of a proposing receipt."""
        from ledger.contracts.abi import decode_events

        events = decode_events(receipt.logs, crypto=self.chain.crypto)
        created = [e for e in events if e.name == "ProposalCreated"]
        if not created:
            return None
        pid = int(created[0].args["id"])
        return pid, any(e.name == "ProposalExecuted" and int(e.args["id"]) == pid for e in events)

    def contribution(self, key_text: str) -> dict[str, Any]:
        key = _bytes32(key_text, "contribution key")
        ledger = self.contracts.contributions
        c = ledger.contribution(key)
        if not c.exists:
            raise ValidationError(f"no contribution with key 0x{key.hex()}",
                                  hint="a released key has no live record: `ledger query contributions` shows its "
                                       "history")
        return {
            "key": "0x" + key.hex(),
            "subject": "0x" + c.subject.hex(),
            "recorder": ledger.recorder_of(key),
            "kind": KINDS[int(c.kind)],
            "field": FIELD_NAMES.get(c.field, str(c.field)),
            "weight": c.weight,
            "occurred_at": time_text(c.occurred_at),
            "recorded_block": c.recorded_at,
            "status": c.status.name.lower() if hasattr(c.status, "name") else str(c.status),
            "reason": c.reason.name.lower() if hasattr(c.reason, "name") else str(c.reason),
            "co_signs": c.co_sign_orgs,
            "co_signers": ledger.co_signers(key),
            "generation": c.generation,
            "project_tag": "0x" + c.project_tag.hex(),
        }

