"""Handle links in the facade: request (the subject signs), verify and anchor (an issuer), check, list.

The model is :mod:`ledger.contributions.handles`; finding a challenge is
:mod:`ledger.contributions.linkproof`. The commitment is anchored with ``CredentialRegistry.anchorReport``
(the contracts' one way to put an accountable party's hash about a subject on chain: keyed by the
hash, first anchor wins, signed by a committee member or an active issuer, with the subject id as the
target), so the chain says which issuer vouched for a link and when, without the handle. Today's
contracts have no event of their own for links; contracts v2 may add one (see the README).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ledger.contracts.hash_anchors import anchor_hash, find_hash_anchor
from ledger.contributions.handles import HandleLink, LinkStore, SignedStatement, new_link, sign_statement
from ledger.contributions.linkproof import find_in_clone, find_in_exports
from ledger.errors import ValidationError
from ledger.operations.governance import _Context

__all__ = ["LinkingOps"]


class LinkingOps(_Context):
    """Platform handles linked to subjects, with the subject's consent and the handle's proof."""

    def request_link(self, subject: str, handle: str, *, public: bool = False) -> SignedStatement:
        """The subject's signed statement for ``handle``, signed with this ledger's key (the subject's)."""
        return sign_statement(self.key, subject, handle, public=public)

    def verify_link(self, statement: Mapping[str, Any], *, exports: Sequence[Path] = (), clone: Path | None = None,
                    anchor: bool = True, rebind: bool = False) -> HandleLink:
        """Check a statement and its challenge, keep the link, and anchor its commitment (signed by this
        ledger's key: a committee member or an active issuer vouches for the link).

        Raises:
            ValidationError: the statement does not verify, the handle is linked to another subject, the
                subject is bound to another key, no proof source was given, or the challenge is not where
                only the handle's owner could have put it.
            ContractError: the contract refused the anchoring (the key is not an active issuer).
        """
        signed = SignedStatement.from_dict(statement)
        store = LinkStore(self.settings.links_path)
        store.check_new(signed, rebind=rebind)
        if not exports and clone is None:
            raise ValidationError("give where the challenge is: --export FILE (an export of the handle's comment, "
                                  "issue, pull request or gist) or --clone PATH (a clone of the handle's repository)")
        proof = find_in_exports(exports, signed.handle, signed.challenge) if exports else None
        if proof is None and clone is not None:
            proof = find_in_clone(clone, signed.handle, signed.challenge)
        if proof is None:
            raise ValidationError(
                f"the challenge {signed.challenge} was not found in anything {signed.handle} made",
                hint=f"{signed.handle} must post the challenge (a comment, an issue, a gist, or a commit in a "
                     "repository of the account) and the export or clone must include it",
            )
        link = new_link(signed, proof)
        if anchor:
            link = dataclasses.replace(link, anchored=self._anchor_commitment(link))
        store.add(link)
        return link

    def _anchor_commitment(self, link: HandleLink) -> dict[str, Any]:
        # A public link verified again anchors the same commitment: its earlier anchor is the answer.
        anchor = anchor_hash(self.contracts, self.key, link.commitment, bytes.fromhex(link.subject[2:]))
        return {"tx_hash": anchor.tx_hash, "block_number": anchor.block_number, "by": anchor.by,
                "contract": self.contracts.credentials.address, "chain_id": self.contracts.deployment.chain_id}

    def check_link(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """What the chain says about a link record (``ledger link show --json``): is its commitment
        anchored, by whom, when, and for its subject. ``ok`` only when all agree."""
        link = HandleLink.from_dict(record)
        digest = link.commitment
        said = (link.anchored or {}).get("by")
        anchor = find_hash_anchor(self.contracts, digest, said if isinstance(said, str) else None)
        problems: list[str] = []
        by = tx = block = None
        if anchor is None:
            problems.append("the link's commitment was never anchored on this chain")
        else:
            by, block, tx = anchor.by, anchor.block_number, anchor.tx_hash
            if anchor.tx_hash is None:
                problems.append(f"no anchoring log for the commitment in block {block}")
            elif anchor.target != link.subject:
                problems.append(f"anchored for {anchor.target}, not for the link's subject {link.subject}")
            claimed = link.anchored or {}
            if claimed.get("block_number") not in (None, block):
                problems.append(f"the record says block {claimed.get('block_number')}, the chain says {block}")
        return {"handle": link.handle, "subject": link.subject, "commitment": "0x" + digest.hex(),
                "public": link.public, "anchored_by": by, "block_number": block, "tx_hash": tx,
                "proof": dict(link.proof), "problems": problems, "ok": by is not None and not problems}

    def unlink(self, handle: str) -> HandleLink:
        """Forget a link in this workspace (imports stop using it; the commitment stays on chain)."""
        return LinkStore(self.settings.links_path).remove(handle)
