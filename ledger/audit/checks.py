"""The final verdict's questions to the chain itself (not the index).

A credential is named by its issuer key, and either its batch root and leaf index (a leaf's hash is not
on chain) or its hash (a credential made by ``issue``, ``root`` zero). Statuses are the contracts' names
(``None``, ``Valid``, ``Suspended``, ``Revoked``), with changes by keys compromised at their block
skipped, as verification skips them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from ledger.audit.html import CHAIN_CHECKS  # noqa: F401  (re-exported: where the chain checks' words are)
from ledger.index.projection import CREDENTIAL_STATUSES, ZERO32
from ledger.verify.chainview import (
    ACTIVE,
    REINSTATED,
    REVOKED,
    SUSPENDED,
    CredentialRef,
    LeafChange,
    replay_leaf,
)
from ledger.verify.contracts_view import ContractsView

if TYPE_CHECKING:
    from ledger.contracts.deployment import Contracts

#: The index's status names by verification's.
_NAMES = {ACTIVE: "None", REINSTATED: "Valid", SUSPENDED: "Suspended", REVOKED: "Revoked"}



class ChainCheck(Protocol):
    """The questions the final verdict asks the chain (not the index)."""

    def status(self, issuer: str, root: str, index: int | None, digest: str) -> str: ...

    def authorized(self, issuer: str, type_id: int, block: int) -> bool: ...

    def exists(self, issuer: str, root: str, digest: str) -> bool: ...


def _ref(issuer: str, root: str, index: int | None, digest: str) -> CredentialRef:
    leaf = root != ZERO32
    return CredentialRef(issuer, bytes.fromhex(digest[2:]) if digest else b"\0" * 32,
                         bytes.fromhex(root[2:]) if leaf else None, index if leaf else None)


class ContractsCheck:
    """:class:`ChainCheck` over the deployed contracts (through verification's own view); answers are
    memoised per report."""

    def __init__(self, contracts: Contracts) -> None:
        self.contracts = contracts
        self.view = ContractsView(contracts)
        self._auth: dict[tuple[str, int, int], bool] = {}
        self._roots: dict[tuple[str, str], bool] = {}

    def status(self, issuer: str, root: str, index: int | None, digest: str) -> str:
        return _NAMES[self.view.status(_ref(issuer, root, index, digest)).status]

    def authorized(self, issuer: str, type_id: int, block: int) -> bool:
        k = (issuer, type_id, block)
        if k not in self._auth:
            self._auth[k] = self.view.is_authorized(issuer, type_id, block)
        return self._auth[k]

    def exists(self, issuer: str, root: str, digest: str) -> bool:
        if root != ZERO32:
            k = (issuer.lower(), root)
            if k not in self._roots:
                self._roots[k] = self.contracts.issuers.anchor_of(issuer, bytes.fromhex(root[2:])).exists
            return self._roots[k]
        return self.contracts.credentials.issued(issuer, bytes.fromhex(digest[2:])).exists


class ChainLogCheck:
    """:class:`ChainCheck` from the chain's own event logs, read from the node when the report is made.

    Where :class:`ContractsCheck` makes contract calls per credential, this reads the relevant events once
    for the whole report (``get_logs`` filtered by address) and decodes them itself, not through the
    index; authorisation is still asked of the registry (``isAuthorized``), memoised. The logs are the
    contracts' record of every state change, so the answers equal the contract state at the chain head.
    """

    def __init__(self, contracts: Contracts, *, from_block: int = 0) -> None:
        self.contracts = contracts
        self.from_block = from_block
        self._auth: dict[tuple[str, int, int], bool] = {}
        self._loaded = False
        self._checked: dict[tuple[str, str], list[LeafChange]] = {}
        self._leaves: dict[tuple[str, str, int], list[LeafChange]] = {}
        self._issued: set[tuple[str, str]] = set()
        self._roots: set[tuple[str, str]] = set()
        self._marks: dict[str, int] = {}

    def _load(self) -> None:
        from ledger.index.decode import decode_events

        chain = self.contracts.chain
        head = chain.block_number()
        addresses = [self.contracts.issuers.address, self.contracts.credentials.address]
        for ev in decode_events(chain.get_logs(self.from_block, head, addresses), crypto=chain.crypto):
            a, name = ev.args, ev.name
            if name == "BatchAnchored":
                self._roots.add((a["issuer"].lower(), "0x" + a["root"].hex()))
            elif name == "CredentialIssued":
                self._issued.add((a["issuer"].lower(), "0x" + a["credentialHash"].hex()))
            elif name == "IssuerKeyCompromised":
                self._marks[a["key"].lower()] = int(a["since"])  # the last mark is the one in force
            elif name == "CredentialStatusChanged":
                key = (a["issuer"].lower(), "0x" + a["credentialHash"].hex())
                status = CREDENTIAL_STATUSES[int(a["status"])]
                self._checked.setdefault(key, []).append(LeafChange(ev.block_number, ev.log_index, status, None,
                                                                    a["by"]))
            elif name in ("LeafRevoked", "LeavesStatusChanged", "LeavesStatusRestored"):
                indexes = [a["index"]] if name == "LeafRevoked" else a["indexes"]
                status = "Revoked" if name == "LeafRevoked" else CREDENTIAL_STATUSES[int(a["status"])]
                by = a["issuer"] if name == "LeafRevoked" else a["by"]
                for i in indexes:
                    key3 = (a["issuer"].lower(), "0x" + a["root"].hex(), int(i))
                    self._leaves.setdefault(key3, []).append(LeafChange(ev.block_number, ev.log_index, status, None,
                                                                        by))
        self._loaded = True

    def status(self, issuer: str, root: str, index: int | None, digest: str) -> str:
        if not self._loaded:
            self._load()
        changes = self._leaves.get((issuer.lower(), root, int(index or 0)), []) if root != ZERO32 else \
            self._checked.get((issuer.lower(), digest), [])
        # replay_leaf takes verification's names: "None" from the contracts is "active".
        named = [LeafChange(c.block, c.log_index, ACTIVE if c.status == "None" else c.status, None, c.by)
                 for c in changes]
        state = replay_leaf(named, lambda key: self._marks.get(key.lower()))
        return "None" if state.status == ACTIVE else state.status

    def exists(self, issuer: str, root: str, digest: str) -> bool:
        if not self._loaded:
            self._load()
        return (issuer.lower(), root) in self._roots if root != ZERO32 else (issuer.lower(), digest) in self._issued

    def authorized(self, issuer: str, type_id: int, block: int) -> bool:
        k = (issuer, type_id, block)
        if k not in self._auth:
            self._auth[k] = self.contracts.issuers.is_authorized(issuer, type_id, block)
        return self._auth[k]
