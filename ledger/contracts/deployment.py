"""Typed facades over the deployed contracts: deploying them, and :class:`Contracts` over a deployment.

``deploy(chain, key)`` deploys the Committee, the IssuerRegistry, the ContributionLedger and the
CredentialRegistry (in that order: each module names the Committee, the later ones the earlier) and
binds the three modules to the Committee (a threshold-1 proposal). ``Contracts(chain, deployment)``
offers ``.committee``, ``.issuers``, ``.contributions`` and ``.credentials``, with one method per
contract function:

* writes take the signing ``key`` first, send with an explicit gas limit (the embedded chain does
  not estimate) and raise the decoded :class:`~ledger.errors.ContractError` subclass (with the
  transaction hash) when the transaction reverts; ``build_<fn>(...)`` returns the unsigned
  :class:`~ledger.chain.base.Transaction` instead, for ``chain.send_many``;
* functions only the committee may call (``addIssuer``, ``defineType`` ...) are *proposed* through
  the Committee by the method of the same name (or ``propose_<fn>`` where the function is shared
  with issuers); with threshold 1 the proposal executes in the same transaction. When the executed
  call fails, the inner error is raised (its ``proposal_id`` set), not the wrapping
  ``ProposalExecutionFailed``;
* reads return the value objects of ``ledger.types`` and take ``block=`` for a past block; an answer
  that does not decode (no contract at the address ...) raises :class:`~ledger.contracts.abi.UndecodableAnswer`.

ABIs come from the committed artifacts (``ledger/artifacts``), parsed once. This module does not
import web3. The parts live in their own modules: the checked send, dry run and receipt check
(:mod:`ledger.contracts.send`), the facades' shared base (:mod:`ledger.contracts.facade`) and one
facade per contract.
"""

from __future__ import annotations

import json
from typing import Any

from eth_abi import encode as abi_encode

from ledger.chain.base import ChainBackend, Receipt
from ledger.config import Deployment
from ledger.contracts.abi import ZERO_ADDRESS, Event, artifact, decode_events
from ledger.contracts.committee import Committee
from ledger.contracts.contribution_ledger import ContributionLedger
from ledger.contracts.credential_registry import CredentialRegistry
from ledger.contracts.facade import ContractFacade
from ledger.contracts.issuer_registry import IssuerRegistry
from ledger.crypto.keys import PrivateKey
from ledger.errors import ChainError

__all__ = ["DEFAULT_PROPOSAL_WINDOW", "Contracts", "deploy"]

DEPLOY_GAS = 6_000_000
#: Blocks a proposal stays open unless the committee sets another window. FISCO BCOS seals a block
#: only when transactions wait, so this is a count of busy blocks, not a time: ample for a committee
#: that meets weekly on a busy chain, short enough that a forgotten proposal dies.
DEFAULT_PROPOSAL_WINDOW = 100_000


def _deploy_one(chain: ChainBackend, key: PrivateKey, name: str, ctor_types: list[str], args: list[Any]) -> Receipt:
    built = artifact(name, chain.crypto)  # the SM3 build on SM chains
    code = built.bytecode + abi_encode(ctor_types, args)
    receipt = chain.deploy(key, code, gas=DEPLOY_GAS, abi=json.dumps(built.abi, separators=(",", ":")))
    if not receipt.succeeded or receipt.contract_address is None:
        raise ChainError(f"deploying {name} failed ({receipt.status}, gas used {receipt.gas_used})")
    return receipt


def deploy(
    chain: ChainBackend,
    key: PrivateKey,
    *,
    proposal_window: int = DEFAULT_PROPOSAL_WINDOW,
    predecessor: str | None = None,
) -> Deployment:
    """Deploy the four contracts; ``key`` becomes the only committee member (threshold 1).

    Also binds the three modules to the Committee (a threshold-1 proposal).

    Args:
        proposal_window: blocks a proposal stays open (the committee can change it later).
        predecessor: the Committee of the deployment this one replaces (verifiers follow the link).
    """
    committee = _deploy_one(chain, key, "Committee", ["address", "uint64"],
                            [predecessor or ZERO_ADDRESS, proposal_window])
    assert committee.contract_address is not None
    registry = _deploy_one(chain, key, "IssuerRegistry", ["address"], [committee.contract_address])
    assert registry.contract_address is not None
    ledger = _deploy_one(chain, key, "ContributionLedger", ["address", "address"],
                         [committee.contract_address, registry.contract_address])
    assert ledger.contract_address is not None
    credentials = _deploy_one(chain, key, "CredentialRegistry", ["address", "address", "address"],
                              [committee.contract_address, registry.contract_address, ledger.contract_address])
    assert credentials.contract_address is not None
    deployment = Deployment(
        committee=committee.contract_address,
        issuer_registry=registry.contract_address,
        contribution_ledger=ledger.contract_address,
        credential_registry=credentials.contract_address,
        block_number=committee.block_number,
        chain_id=chain.identity().chain_id,
    )
    Contracts(chain, deployment).committee.bind_modules(
        key, registry.contract_address, ledger.contract_address, credentials.contract_address
    )
    return deployment


class Contracts:
    """The four deployed contracts on one chain."""

    def __init__(self, chain: ChainBackend, deployment: Deployment) -> None:
        self.chain = chain
        self.deployment = deployment
        self.committee = Committee(chain, deployment.committee)
        self.issuers = IssuerRegistry(chain, deployment.issuer_registry, self.committee)
        self.contributions = ContributionLedger(chain, deployment.contribution_ledger, self.committee)
        self.credentials = CredentialRegistry(chain, deployment.credential_registry, self.committee)

    @property
    def facades(self) -> tuple[ContractFacade, ...]:
        """The four facades, the Committee first."""
        return (self.committee, self.issuers, self.contributions, self.credentials)

    def propose(self, key: PrivateKey, facade: ContractFacade, fn: str, *args: Any, gas: int = 2_000_000) -> Receipt:
        """Propose any committee call ``facade.fn(*args)``."""
        return self.committee.propose(key, facade.address, facade.encode(fn, *args), gas=gas)

    def name_of(self, address: str) -> str | None:
        """Which of the four contracts ``address`` is (its contract name), or None."""
        for facade in self.facades:
            if facade.address.lower() == address.lower():
                return facade.contract_name
        return None

    def events(self, from_block: int | None = None, to_block: int | None = None) -> list[Event]:
        """Decoded events of the four contracts in a block range (default: since deployment)."""
        start = self.deployment.block_number if from_block is None else from_block
        end = self.chain.block_number() if to_block is None else to_block
        return decode_events(self.chain.get_logs(start, end, list(self.deployment.addresses)), crypto=self.chain.crypto)
