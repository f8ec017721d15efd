"""Sending a transaction to the ledger's contracts: the dry run before, the decoded revert after.

Every write of the facades (:mod:`ledger.contracts.issuer_registry`, :mod:`ledger.contracts.contribution_ledger`,
:mod:`ledger.contracts.credential_registry`) and the callers that batch transactions themselves
(``chain.send_many``, :mod:`ledger.operations.recording`) go through these three functions, so that a refusal
is raised the same way everywhere: as the decoded :class:`~ledger.errors.ContractError` subclass, the
inner error of a failed proposal rather than its wrapper. They are a module of their own because
they need a backend and the revert decoder, not a deployed contract. This module does not import
web3.
"""

from __future__ import annotations

from ledger.chain.base import ChainBackend, Receipt, Reverted, Transaction
from ledger.contracts import errors as contract_errors
from ledger.contracts.abi import decode_revert
from ledger.crypto.keys import PrivateKey
from ledger.errors import CapabilityError, ChainError, ContractError

__all__ = ["preflight", "raise_for_receipt", "send_checked"]


def send_checked(chain: ChainBackend, key: PrivateKey, tx: Transaction, *, dry_run: bool = True) -> Receipt:
    """Run ``tx`` as a call first (unless ``dry_run`` is false), then send it; on revert raise the
    decoded ContractError.

    The pre-flight call (``eth_call`` from the signer, on the latest state) finds what the contract
    would refuse before anything is signed or mined, so a refusal costs no transaction, no gas and no
    block; it raises the same decoded error, without a transaction hash. The transaction is still
    checked on its receipt: state can change between the call and the block that mines it. Batched
    sends (``chain.send_many`` of ``build_*`` transactions) are not pre-flighted.

    Raises:
        ContractError: the decoded error (the inner one for a failed proposal).
    """
    if dry_run:
        preflight(chain, key.address, tx)
    receipt = chain.send(key, tx)
    raise_for_receipt(receipt, crypto=chain.crypto)
    return receipt


def preflight(chain: ChainBackend, sender: str, tx: Transaction) -> None:
    """Run ``tx`` as a call from ``sender``; raise the decoded error if the contract would revert.

    A backend that cannot make a call from a given sender (FISCO BCOS 3.x's native RPC) skips the
    dry run: the transaction itself then says whether it reverts.
    """
    if tx.to is None:
        return  # a deployment: nothing to call
    try:
        chain.call(tx.to, tx.data, sender=sender)
    except CapabilityError:
        return
    except Reverted as exc:
        error = decode_revert(exc.data, crypto=chain.crypto)
        inner = getattr(error, "inner", None)
        if isinstance(error, contract_errors.ProposalExecutionFailed) and isinstance(inner, ContractError):
            inner.proposal_id = error.id  # type: ignore[attr-defined]
            raise inner from error
        raise error from exc


def raise_for_receipt(receipt: Receipt, *, crypto: str = "ecdsa") -> None:
    """Raise the decoded error of a failed receipt (for receipts from ``chain.send_many``); ``crypto``
    is the chain's crypto mode (its error selectors)."""
    if receipt.succeeded:
        return
    tx_hash = "0x" + receipt.tx_hash.hex()
    if receipt.status != "reverted":
        raise ChainError(f"transaction {tx_hash} failed: {receipt.status} (gas used {receipt.gas_used})")
    error = decode_revert(receipt.revert_data or b"", tx_hash=tx_hash, crypto=crypto)
    inner = getattr(error, "inner", None)
    if isinstance(error, contract_errors.ProposalExecutionFailed) and isinstance(inner, ContractError):
        inner.proposal_id = error.id  # type: ignore[attr-defined]
        raise inner from error
    raise error
