"""Typed facades over the deployed contracts: encoding, sending, reading, revert and event decoding.

``deploy(chain, key)`` deploys IssuerRegistry, ContributionLedger and CredentialRegistry (in that
order) and binds the last two to the committee. ``Contracts(chain, deployment)`` offers
``.issuers``, ``.contributions`` and ``.credentials``, with one method per contract function:

* writes take the signing ``key`` first, send with an explicit gas limit (the embedded chain does
  not estimate) and raise the decoded :class:`~ledger.errors.ContractError` subclass (with the
  transaction hash) when the transaction reverts; ``build_<fn>(...)`` returns the unsigned
  :class:`~ledger.chain.base.Transaction` instead, for ``chain.send_many``;
* functions only the committee may call (``addIssuer``, ``defineType`` ...) are *proposed* through
  the IssuerRegistry by the method of the same name; with threshold 1 the proposal executes in the
  same transaction. When the executed call fails, the inner error is raised (its ``proposal_id``
  set), not the wrapping ``ProposalExecutionFailed``;
* reads return the value objects of ``ledger.types`` and take ``block=`` for a past block; an answer
  that does not decode (no contract at the address ...) raises :class:`~ledger.contracts.abi.UndecodableAnswer`.

ABIs come from the committed artifacts (``ledger/artifacts``), parsed once. This module does not
import web3.

This module deploys and binds the contracts; the parts live in their own modules: the checked send,
dry run and receipt check (:mod:`ledger.contracts.send`), the facades' shared base
(:mod:`ledger.contracts.facade`) and one facade per contract (:mod:`ledger.contracts.issuer_registry`,
:mod:`ledger.contracts.contribution_ledger`, :mod:`ledger.contracts.credential_registry`).
"""

from __future__ import annotations

import json
from typing import Any

from eth_abi import encode as abi_encode

from ledger.chain.base import ChainBackend, Receipt
from ledger.config import Deployment
from ledger.contracts.abi import (
    Event,
    artifact,
    decode_events,
)
from ledger.contracts.contribution_ledger import ContributionLedger
from ledger.contracts.credential_registry import CredentialRegistry
from ledger.contracts.facade import ContractFacade
from ledger.contracts.issuer_registry import IssuerRegistry
from ledger.crypto.keys import PrivateKey
from ledger.errors import ChainError

# ------------------------------------------------------------------------------------------- deploy


DEPLOY_GAS = 6_000_000


def _deploy_one(chain: ChainBackend, key: PrivateKey, name: str, ctor_types: list[str], args: list[Any]) -> Receipt:
    built = artifact(name, chain.crypto)  # the SM3 build on SM chains
    code = built.bytecode + abi_encode(ctor_types, args)
    receipt = chain.deploy(key, code, gas=DEPLOY_GAS, abi=json.dumps(built.abi, separators=(",", ":")))
    if not receipt.succeeded or receipt.contract_address is None:
        raise ChainError(f"deploying {name} failed ({receipt.status}, gas used {receipt.gas_used})")
    return receipt


def deploy(chain: ChainBackend, key: PrivateKey) -> Deployment:
    """Deploy the three contracts; ``key`` becomes the only committee member (threshold 1).

    Also binds the ledger and credential registry to the committee (a threshold-1 proposal).
    """
    registry = _deploy_one(chain, key, "IssuerRegistry", [], [])
    assert registry.contract_address is not None
    ledger = _deploy_one(chain, key, "ContributionLedger", ["address"], [registry.contract_address])
    assert ledger.contract_address is not None
    credentials = _deploy_one(
        chain, key, "CredentialRegistry", ["address", "address"], [registry.contract_address, ledger.contract_address]
    )
    assert credentials.contract_address is not None
    deployment = Deployment(
        issuer_registry=registry.contract_address,
        contribution_ledger=ledger.contract_address,
        credential_registry=credentials.contract_address,
        block_number=registry.block_number,
        chain_id=chain.identity().chain_id,
    )
    Contracts(chain, deployment).issuers.bind_modules(key, ledger.contract_address, credentials.contract_address)
    return deployment


# --------------------------------------------------------------------------------------- contracts


class Contracts:
    """The three deployed contracts on one chain."""

    def __init__(self, chain: ChainBackend, deployment: Deployment) -> None:
        self.chain = chain
        self.deployment = deployment
        self.issuers = IssuerRegistry(chain, deployment.issuer_registry)
        self.contributions = ContributionLedger(chain, deployment.contribution_ledger, self.issuers)
        self.credentials = CredentialRegistry(chain, deployment.credential_registry, self.issuers)

    def propose(self, key: PrivateKey, facade: ContractFacade, fn: str, *args: Any, gas: int = 2_000_000) -> Receipt:
        """Propose any committee call ``facade.fn(*args)``."""
        return self.issuers.propose(key, facade.address, facade.encode(fn, *args), gas=gas)

    def events(self, from_block: int | None = None, to_block: int | None = None) -> list[Event]:
        """Decoded events of the three contracts in a block range (default: since deployment)."""
        start = self.deployment.block_number if from_block is None else from_block
        end = self.chain.block_number() if to_block is None else to_block
        addresses = [self.deployment.issuer_registry, self.deployment.contribution_ledger,
                     self.deployment.credential_registry]
        return decode_events(self.chain.get_logs(start, end, addresses), crypto=self.chain.crypto)
