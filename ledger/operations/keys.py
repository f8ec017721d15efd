"""Issuer keys: children accepting their place, keys handing over to a successor, keys marked
compromised since a block or date.

Mixed into :class:`ledger.ledger.Ledger` beside :class:`ledger.operations.governance.GovernanceOps`
(whose proposal outcomes it returns when the committee acts). Contracts v2's two-step registrations
and recovery from a stolen key (``contracts/README.md``, "Compromise: the procedure").
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ledger import types
from ledger.errors import ValidationError
from ledger.operations.governance import GovernanceOps, ProposalOutcome, _address, _block_or_date, _direct


class KeyOps(GovernanceOps):
    """Accept an offer (a child place or an issuer's authority), rotate an issuer's key, mark a key
    compromised."""

    def accept(self, address: str) -> dict[str, Any]:
        """As the signing key, accept a pending offer: a child place offered by the issuer ``address`` (with
        exactly the offered terms, read from its ``ChildOffered`` event), or the authority of the issuer
        ``address`` (a successor key).

        Raises:
            ValidationError: there is no pending offer of either kind to the signing key.
        """
        other = _address(address)
        reg = self.contracts.issuers
        me = self.key.address
        offer = reg.child_offer(me, other)
        if offer.exists:
            terms = self._child_terms(me, other, offer.terms)
            receipt = reg.accept_child(self.key, other, *terms)
            return _direct(receipt, accepted="child", parent=other, issuer=me, kind=terms[0].name.lower(),
                           scope=list(terms[1]))
        if reg.successor_offer(me, other).offered:
            previous = reg.issuer(other).current_key
            receipt = reg.accept_successor(self.key, other)
            return _direct(receipt, accepted="successor", issuer=other, previous_key=previous, key=me)
        raise ValidationError(
            f"there is no pending offer to {me} from or for {other}",
            hint="a parent offers a child place with `ledger issuer add ADDRESS --child ... --key PARENT`; a "
                 "successor key is offered with `ledger issuer rotate --successor ADDRESS`",
        )

    def _child_terms(self, child: str, parent: str, terms: bytes) -> tuple[types.IssuerKind, list[int], bytes]:
        """The terms of the pending child offer whose hash is ``terms``, from its event."""
        from eth_abi import encode as abi_encode

        from ledger.crypto.hashing import hash_function

        h = hash_function(self.chain.crypto)
        for event in reversed(self.contracts.events()):
            if event.name != "ChildOffered" or event.args["child"].lower() != child.lower():
                continue
            kind, scope, meta = event.args["kind"], list(event.args["scope"]), event.args["metaHash"]
            if h(abi_encode(["uint8", "uint32[]", "bytes32"], [int(kind), scope, meta])) == terms:
                return types.IssuerKind(kind), scope, meta
        raise ValidationError(f"the offer of {parent} to {child} is on chain, but its event was not found",
                              hint="check that --rpc-url names a node that keeps logs")

    def rotate(self, successor: str, issuer: str | None = None) -> ProposalOutcome | dict[str, Any]:
        """Offer ``successor`` the authority of ``issuer``'s node (default: the signing key's own): as its
        current key, as its parent (a child's lost key), or, for a committee member who is neither, by
        proposal. The successor key then accepts (:meth:`accept`)."""
        new = _address(successor)
        target = _address(issuer) if issuer else self.key.address
        reg = self.contracts.issuers
        if self._is_member() and not self._manages_keys_of(target):
            outcome = self._outcome(reg.propose_offer_successor(self.key, target, new))
            return outcome
        receipt = reg.offer_successor(self.key, target, new)
        return _direct(receipt, executed=False, offered=True, issuer=target, successor=new,
                       next=f"the successor key accepts: ledger issuer accept {target} --key SUCCESSOR")

    def _manages_keys_of(self, issuer: str) -> bool:
        """Whether the signing key may hand ``issuer``'s node to a new key itself (its own current key, or
        its parent's)."""
        info = self.contracts.issuers.issuer(issuer)
        me = self.key.address.lower()
        return info.exists and me in ((info.current_key or "").lower(), (info.parent or "").lower())

    def mark_compromised(self, address: str, since: str | int) -> dict[str, Any]:
        """Mark a key compromised since a block or a date (``since``: a block, an ISO date, or ``now``).

        The key itself marks only "now" (the block that mines the mark); its node's current key or its
        parent's mark it directly (only earlier than an existing mark); the committee proposes (any block,
        any key). Everything the key wrote at or after that block is void for verification.

        Raises:
            ValidationError: a date before the deployment, or in the future.
        """
        key = _address(address)
        when = _block_or_date(str(since), "--since") if not isinstance(since, int) else since
        reg = self.contracts.issuers
        if key.lower() == self.key.address.lower():
            if when != "now":
                raise ValidationError(
                    "a key marks itself compromised only from now on (a thief holding it must not void its "
                    "owner's history)", hint="give --since now, or ask the issuer's parent or the committee")
            return self._mark_self(key)
        block = self.chain.block_number() + 1 if when == "now" else self._resolve_block(when)
        if self._is_member() and not self._manages_keys_of(key):
            outcome = self._outcome(reg.propose_mark_compromised(self.key, key, block))
            return {**asdict(outcome), "key": key, "since": block}
        receipt = reg.mark_compromised(self.key, key, block)
        return _direct(receipt, key=key, since=block)

    def _mark_self(self, key: str) -> dict[str, Any]:
        """A key reporting itself stolen: since the block that mines the mark (tried again if the chain
        moved on between reading its head and mining)."""
        from ledger.contracts.errors import InvalidCompromiseBlock

        for _ in range(3):
            since = self.chain.block_number() + 1
            try:
                receipt = self.contracts.issuers.mark_compromised(self.key, key, since)
            except InvalidCompromiseBlock:
                continue
            return _direct(receipt, key=key, since=since)
        raise ValidationError("the chain kept moving while the key marked itself: try again")

    def _resolve_block(self, when: int | str) -> int:
        """A block number, or the last block mined at or before a date (from the index)."""
        if isinstance(when, int):
            return when
        from ledger.index import Index

        with Index.open(self.settings.index_path) as index:
            index.sync(self.chain, self.settings.deployment)
            block = index.reader.resolve_at(when)
        assert self.settings.deployment is not None
        if block is None or block < self.settings.deployment.block_number:
            raise ValidationError(f"--since {when}: the ledger was deployed later, in block "
                                  f"{self.settings.deployment.block_number}",
                                  hint="give a later date, or a block number")
        return block + 1  # the first block after that moment: writes at or before it stay valid
