"""FISCO BCOS transaction status codes (2.x and 3.x differ) and what each means for a client.

Every code has a name (FISCO's own) and a class:

* ``ok`` and ``revert``: the transaction ran; a revert's output carries the revert data;
* ``execution``: the transaction ran and failed in the VM (out of gas, bad jump ...); the
  receipt reports it by name;
* ``rejected``: the node refused the transaction (replay, block limit, chain id, signature,
  pool full ...); it is raised as :class:`~ledger.errors.TransactionRejected` with the code;
* ``permission``: the chain's governance refused it (no deploy permission, frozen account);
  raised as ``TransactionRejected`` too, with a hint;
* ``funds``: the sender cannot pay; raised as :class:`~ledger.errors.InsufficientFunds`.

Sources: 2.x ``libethcore/TransactionException.h``; 3.x ``bcos-protocol/TransactionStatus.h``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.errors import ChainError, InsufficientFunds, TransactionRejected

OK, REVERT, EXECUTION, REJECTED, PERMISSION, FUNDS = (
    "ok",
    "revert",
    "execution",
    "rejected",
    "permission",
    "funds",
)

_V2: dict[int, tuple[str, str]] = {
    0: ("None", OK),
    1: ("Unknown", EXECUTION),
    2: ("BadRLP", REJECTED),
    3: ("InvalidFormat", REJECTED),
    4: ("OutOfGasIntrinsic", EXECUTION),
    5: ("InvalidSignature", REJECTED),
    6: ("InvalidNonce", REJECTED),
    7: ("NotEnoughCash", FUNDS),
    8: ("OutOfGasBase", EXECUTION),
    9: ("BlockGasLimitReached", EXECUTION),
    10: ("BadInstruction", EXECUTION),
    11: ("BadJumpDestination", EXECUTION),
    12: ("OutOfGas", EXECUTION),
    13: ("OutOfStack", EXECUTION),
    14: ("StackUnderflow", EXECUTION),
    15: ("NonceCheckFail", REJECTED),
    16: ("BlockLimitCheckFail", REJECTED),
    17: ("FilterCheckFail", PERMISSION),
    18: ("NoDeployPermission", PERMISSION),
    19: ("NoCallPermission", PERMISSION),
    20: ("NoTxPermission", PERMISSION),
    21: ("PrecompiledError", EXECUTION),
    22: ("RevertInstruction", REVERT),
    23: ("InvalidZeroSignatureFormat", REJECTED),
    24: ("AddressAlreadyUsed", EXECUTION),
    25: ("PermissionDenied", PERMISSION),
    26: ("CallAddressError", EXECUTION),
    27: ("GasOverflow", EXECUTION),
    28: ("TxPoolIsFull", REJECTED),
    29: ("TransactionRefused", REJECTED),
    30: ("ContractFrozen", PERMISSION),
    31: ("AccountFrozen", PERMISSION),
    32: ("NotEnoughRemainGas", EXECUTION),
    10000: ("AlreadyKnown", REJECTED),
    10001: ("AlreadyInChain", REJECTED),
    10002: ("InvalidChainId", REJECTED),
    10003: ("InvalidGroupId", REJECTED),
    10004: ("RequestNotBelongToTheGroup", REJECTED),
    10005: ("MalformedTx", REJECTED),
    10006: ("OverGroupMemoryLimit", REJECTED),
}

_V3: dict[int, tuple[str, str]] = {
    0: ("None", OK),
    1: ("Unknown", EXECUTION),
    2: ("OutOfGasLimit", EXECUTION),
    7: ("NotEnoughCash", FUNDS),
    10: ("BadInstruction", EXECUTION),
    11: ("BadJumpDestination", EXECUTION),
    12: ("OutOfGas", EXECUTION),
    13: ("OutOfStack", EXECUTION),
    14: ("StackUnderflow", EXECUTION),
    15: ("PrecompiledError", EXECUTION),
    16: ("RevertInstruction", REVERT),
    17: ("ContractAddressAlreadyUsed", EXECUTION),
    18: ("PermissionDenied", PERMISSION),
    19: ("CallAddressError", EXECUTION),
    20: ("GasOverflow", EXECUTION),
    21: ("ContractFrozen", PERMISSION),
    22: ("AccountFrozen", PERMISSION),
    23: ("AccountAbolished", PERMISSION),
    24: ("ContractAbolished", PERMISSION),
    32: ("WASMValidationFailure", EXECUTION),
    33: ("WASMArgumentOutOfRange", EXECUTION),
    34: ("WASMUnreachableInstruction", EXECUTION),
    35: ("WASMTrap", EXECUTION),
    10000: ("NonceCheckFail", REJECTED),
    10001: ("BlockLimitCheckFail", REJECTED),
    10002: ("TxPoolIsFull", REJECTED),
    10003: ("Malformed", REJECTED),
    10004: ("AlreadyInTxPool", REJECTED),
    10005: ("TxAlreadyInChain", REJECTED),
    10006: ("InvalidChainId", REJECTED),
    10007: ("InvalidGroupId", REJECTED),
    10008: ("InvalidSignature", REJECTED),
    10009: ("RequestNotBelongToTheGroup", REJECTED),
    10010: ("TransactionPoolTimeout", REJECTED),
    10011: ("AlreadyInTxPoolAndAccept", REJECTED),
    10012: ("OverFlowValue", REJECTED),
    10013: ("MaxInitCodeSizeExceeded", REJECTED),
    10014: ("SenderNoEOA", REJECTED),
    10015: ("InsufficientFunds", FUNDS),
}

TABLES = {2: _V2, 3: _V3}

#: The block-limit failure of each line: the backends refresh the block number and retry once.
BLOCK_LIMIT_CODES = {2: 16, 3: 10001}


@dataclass(frozen=True)
class Status:
    """One status code of one FISCO line, with its name and class (module docstring)."""

    line: int
    code: int
    name: str
    kind: str

    @property
    def receipt_status(self) -> str:
        """The name :class:`ledger.chain.base.Receipt` uses: ``ok``, ``reverted`` or FISCO's name."""
        if self.kind == OK:
            return "ok"
        if self.kind == REVERT:
            return "reverted"
        return self.name

    @property
    def raises(self) -> bool:
        """Whether a backend raises for this status instead of returning the receipt."""
        return self.kind in (REJECTED, PERMISSION, FUNDS)


def lookup(line: int, code: int) -> Status:
    """The status ``code`` of FISCO line ``line`` (2 or 3); unknown codes are kept by number."""
    name, kind = TABLES[line].get(code, (f"Status{code}", EXECUTION))
    return Status(line, code, name, kind)


def to_error(status: Status, *, tx_hash: str | None = None, sender: str = "", detail: str = "") -> ChainError:
    """The exception a backend raises for a status whose :attr:`Status.raises` is true."""
    reason = status.name + (f": {detail}" if detail else "")
    if status.kind == FUNDS:
        return InsufficientFunds(sender or "the sender", reason)
    error = TransactionRejected(reason, code=status.code, tx_hash=tx_hash)
    if status.kind == PERMISSION:
        error.hint = "the chain's governance refused this account; ask a committee member for the permission"
    elif status.name in (
        "NonceCheckFail",
        "AlreadyKnown",
        "AlreadyInTxPool",
        "TxAlreadyInChain",
        "AlreadyInChain",
    ):
        error.hint = "the transaction is a duplicate; send it again with a fresh nonce"
    elif status.name in ("InvalidChainId", "InvalidGroupId"):
        error.hint = "the chain or group id does not match the node; check the network settings"
    return error
