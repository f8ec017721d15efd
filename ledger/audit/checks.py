"""The final verdict's questions to the chain itself (not the index)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from ledger.index.projection import CREDENTIAL_STATUSES, ZERO32

if TYPE_CHECKING:
    from ledger.contracts.deployment import Contracts

#: What the final re-check on chain did for one credential: the chain answered it; it was not needed
#: (the file failed on its own: format, integrity or Merkle proof, which no chain answer can change);
#: the chain could not be asked (not reachable, or busy), so the row stands on the index alone.
CHAIN_CHECKS = {
    "rechecked": "yes",
    "not_needed": "not needed (the file failed on its own)",
    "unreachable": "no: chain not reachable (index only)",
}


# -- the chain's own answers ----------------------------------------------------------------------


class ChainCheck(Protocol):
    """The questions the final verdict asks the chain (not the index)."""

    def status(self, root: str, digest: str) -> str: ...

    def authorized(self, issuer: str, type_id: int, block: int) -> bool: ...

    def exists(self, root: str, digest: str) -> bool: ...


class ContractsCheck:
    """:class:`ChainCheck` over the deployed contracts; answers are memoised per report."""

    def __init__(self, contracts: Contracts) -> None:
        self.contracts = contracts
        self._auth: dict[tuple[str, int, int], bool] = {}
        self._roots: dict[str, bool] = {}

    def status(self, root: str, digest: str) -> str:
        record = self.contracts.credentials.status_of(bytes.fromhex(digest[2:]), bytes.fromhex(root[2:]))
        return CREDENTIAL_STATUSES[int(record.status)]

    def authorized(self, issuer: str, type_id: int, block: int) -> bool:
        k = (issuer, type_id, block)
        if k not in self._auth:
            self._auth[k] = self.contracts.issuers.is_authorized(issuer, type_id, block)
        return self._auth[k]

    def exists(self, root: str, digest: str) -> bool:
        if root != ZERO32:
            if root not in self._roots:
                self._roots[root] = self.contracts.credentials.anchor_of(bytes.fromhex(root[2:])).exists
            return self._roots[root]
        return self.contracts.credentials.issued(bytes.fromhex(digest[2:])).exists


class ChainLogCheck:
    """:class:`ChainCheck` from the chain's own event logs, read from the node when the report is made.

    Where :class:`ContractsCheck` makes two contract calls per credential, this reads each relevant
    event type once for the whole report (``get_logs`` filtered by topic) and decodes it itself, not
    through the index; authorisation is still asked of the registry (``isAuthorized``), memoised.
    The logs are the contracts' record of every state change, so the answers equal the contract state
    at the chain head.
    """

    def __init__(self, contracts: Contracts, *, from_block: int = 0) -> None:
        self.contracts = contracts
        self.from_block = from_block
        self._auth: dict[tuple[str, int, int], bool] = {}
        self._loaded = False
        self._statuses: dict[tuple[str, str], str] = {}
        self._issued: set[str] = set()
        self._roots: set[str] = set()

    def _load(self) -> None:
        from ledger.contracts.abi import contract_abi
        from ledger.index.decode import decode_events

        chain = self.contracts.chain
        head = chain.block_number()
        registry = self.contracts.credentials.address
        crypto = self.contracts.credentials.crypto
        topics = {e.name: t for t, e in contract_abi("CredentialRegistry", crypto).events.items()}
        for name in ("BatchAnchored", "CredentialIssued", "CredentialStatusChanged"):
            for ev in decode_events(chain.get_logs(self.from_block, head, [registry], [topics[name]]), crypto=crypto):
                a = ev.args
                if name == "BatchAnchored":
                    self._roots.add("0x" + a["root"].hex())
                elif name == "CredentialIssued":
                    self._issued.add("0x" + a["credentialHash"].hex())
                else:  # logs come in chain order: the last change wins
                    key = ("0x" + a["root"].hex(), "0x" + a["credentialHash"].hex())
                    self._statuses[key] = CREDENTIAL_STATUSES[int(a["status"])]
        self._loaded = True

    def status(self, root: str, digest: str) -> str:
        if not self._loaded:
            self._load()
        return self._statuses.get((root, digest), "None")

    def exists(self, root: str, digest: str) -> bool:
        if not self._loaded:
            self._load()
        return root in self._roots if root != ZERO32 else digest in self._issued

    def authorized(self, issuer: str, type_id: int, block: int) -> bool:
        k = (issuer, type_id, block)
        if k not in self._auth:
            self._auth[k] = self.contracts.issuers.is_authorized(issuer, type_id, block)
        return self._auth[k]
