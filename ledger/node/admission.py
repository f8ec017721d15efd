"""FISCO BCOS's admission rules: what a node checks before a transaction enters its pool.

Each rule is FISCO's own, applied to what the node receives; a refusal carries the status FISCO
gives it:

============================  ===============================  ======================================
rule                          3.x (``TransactionStatus``)       2.x (``TxPool::submitTransactions``)
============================  ===============================  ======================================
bytes that do not decode,     10003 ``Malformed``              -32603 ``TransactionSubmitFailed``
hash mismatch
signature invalid, or of the  10008 ``InvalidSignature``       -32603 ``TransactionSubmitFailed``
other crypto type
same hash already in pool     10004 ``AlreadyInTxPool``        ``TransactionAlreadyKown`` [sic]
same hash already mined       10005 ``TxAlreadyInChain``       ``TransactionAlreadyInChain``
nonce seen in the pool        10000 ``NonceCheckFail``         ``TxPoolNonceCheckFail``
nonce seen in the last        10000 ``NonceCheckFail``         ``TransactionNonceCheckFail``
``block_limit`` blocks
block limit outside           10001 ``BlockLimitCheckFail``    ``BlockLimitCheckFailed``
``(current, current + 1000]``
chain id / group id           10006 ``InvalidChainId`` /       ``InvalidChainId`` / ``InvalidGroupId``
                              10007 ``InvalidGroupId``
pool full                     10002 ``TxPoolIsFull``           ``TransactionPoolIsFull``
============================  ===============================  ======================================

Sources: 3.x ``bcos-txpool/txpool/validator/TxValidator.cpp`` and ``LedgerNonceChecker.cpp``
(``current < blockLimit <= current + block_limit``, default 1000), ``bcos-protocol/TransactionStatus.h``;
2.x ``libtxpool/TxPool.cpp`` (``verify``, ``submitTransactions``) and ``TransactionNonceCheck.cpp``.
The order of the checks is the pools' own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.chain.embedded import Admitted
from ledger.chain.fisco import v2, v3
from ledger.errors import LedgerError, ValidationError

#: ``[chain] block_limit`` (3.x) / ``maxBlockLimit`` (2.x): how far ahead a block limit may point, and
#: how many recent blocks' nonces are remembered.
BLOCK_LIMIT = 1000
#: The pool's size (FISCO's default ``[txpool] limit``).
POOL_LIMIT = 15_000
#: Gas every transaction runs with (3.x genesis ``tx_gas_limit``; 2.x ``[tx] gas_limit``): the
#: transaction's own gas field is ignored, as FISCO does.
TX_GAS_LIMIT = {3: 3_000_000_000, 2: 300_000_000}

# 3.x TransactionStatus values
MALFORMED, INVALID_SIGNATURE = 10003, 10008
ALREADY_IN_POOL, ALREADY_IN_CHAIN = 10004, 10005
NONCE_CHECK_FAIL, BLOCK_LIMIT_CHECK_FAIL = 10000, 10001
INVALID_CHAIN_ID, INVALID_GROUP_ID, POOL_IS_FULL = 10006, 10007, 10002

#: 3.x status -> 2.x message word (2.x answers -32603 with a message naming the refusal).
V2_MESSAGES = {
    MALFORMED: "TransactionSubmitFailed",
    INVALID_SIGNATURE: "TransactionSubmitFailed",
    ALREADY_IN_POOL: "TransactionAlreadyKown",
    ALREADY_IN_CHAIN: "TransactionAlreadyInChain",
    NONCE_CHECK_FAIL: "TransactionNonceCheckFail",
    BLOCK_LIMIT_CHECK_FAIL: "BlockLimitCheckFailed",
    INVALID_CHAIN_ID: "InvalidChainId",
    INVALID_GROUP_ID: "InvalidGroupId",
    POOL_IS_FULL: "TransactionPoolIsFull",
}
#: 3.x names, as ``TransactionStatus`` spells them.
V3_NAMES = {
    MALFORMED: "Malformed",
    INVALID_SIGNATURE: "InvalidSignature",
    ALREADY_IN_POOL: "AlreadyInTxPool",
    ALREADY_IN_CHAIN: "TxAlreadyInChain",
    NONCE_CHECK_FAIL: "NonceCheckFail",
    BLOCK_LIMIT_CHECK_FAIL: "BlockLimitCheckFail",
    INVALID_CHAIN_ID: "InvalidChainId",
    INVALID_GROUP_ID: "InvalidGroupId",
    POOL_IS_FULL: "TxPoolIsFull",
}


class Refused(LedgerError):
    """The node's pool refused a transaction; ``status`` is the 3.x ``TransactionStatus`` value."""

    def __init__(self, status: int, detail: str = "", tx_hash: bytes = b"", *, pool_nonce: bool = False) -> None:
        self.status = status
        self.detail = detail
        self.tx_hash = tx_hash
        #: 2.x words a nonce seen in the pool differently from one seen in the ledger.
        self.pool_nonce = pool_nonce
        super().__init__(f"{V3_NAMES.get(status, status)}" + (f": {detail}" if detail else ""))

    def v2_message(self) -> str:
        """The 2.x wording: ``<Word>, txHash=<abridged>`` as ``TxPool::submitTransactions`` throws it."""
        word = "TxPoolNonceCheckFail" if self.pool_nonce else V2_MESSAGES.get(self.status, "TransactionRefused")
        abridged = self.tx_hash.hex()[:8] + "..." if self.tx_hash else ""
        return f"{word}, txHash={abridged}" + (f" ({self.detail})" if self.detail else "")


@dataclass(frozen=True)
class Candidate:
    """A received transaction, decoded and verified, ready for the pool's own checks."""

    admitted: Admitted
    block_limit: int
    nonce: bytes  # the replay key (3.x nonce string's bytes, 2.x randomid as 32 bytes)
    chain_id: str
    group_id: str


def decode_v3(raw_hex: Any, crypto: str, attribute_ok: bool = True) -> Candidate:
    """Decode and verify a 3.x ``sendTransaction`` payload (``params[2]``).

    Raises:
        Refused: ``Malformed`` (not hex, not Tars, hash mismatch) or ``InvalidSignature`` (missing,
            invalid, or of the other crypto type than the chain's).
    """
    if not isinstance(raw_hex, str):
        raise Refused(MALFORMED, "the transaction is not hex text")
    try:
        raw = bytes.fromhex(raw_hex[2:] if raw_hex.startswith(("0x", "0X")) else raw_hex)
    except ValueError:
        raise Refused(MALFORMED, "the transaction is not hex") from None
    try:
        tx = v3.Transaction.decode(raw)
        signature = v3.parse_signature(tx.signature) if tx.signature else None
    except ValidationError as exc:
        raise Refused(MALFORMED, str(exc)) from None
    if signature is None:
        raise Refused(INVALID_SIGNATURE, "the transaction is not signed")
    if signature.crypto != crypto:
        raise Refused(INVALID_SIGNATURE, f"an {signature.crypto.upper()} signature on an {crypto.upper()} chain")
    digest = tx.data.hash(crypto)
    if tx.data_hash and tx.data_hash != digest:
        raise Refused(MALFORMED, "transaction hash mismatching")
    try:
        sender = v3.signer_address(digest, signature)
    except ValidationError as exc:
        raise Refused(INVALID_SIGNATURE, str(exc), digest) from None
    data = tx.data
    to = data.to[2:] if data.to.lower().startswith("0x") else data.to
    if to and (len(to) != 40 or not _is_hex(to)):
        raise Refused(MALFORMED, f"'to' {data.to[:50]!r} is not an address", digest)
    value = _hex_value(data.value, digest) if data.version >= 1 else 0
    admitted = Admitted(
        hash=digest,
        sender=sender,
        to="0x" + to.lower() if to else None,
        data=data.input,
        gas=TX_GAS_LIMIT[3],
        value=value,
        raw=raw,
        nonce=data.nonce.encode(),
    )
    return Candidate(admitted, data.block_limit, data.nonce.encode(), data.chain_id, data.group_id)


def decode_v2(raw_hex: Any, crypto: str) -> Candidate:
    """Decode and verify a 2.x ``sendRawTransaction`` payload (``params[1]``).

    Raises:
        Refused: ``Malformed`` (not hex, not a 13-field RLP list) or ``InvalidSignature``.
    """
    if not isinstance(raw_hex, str):
        raise Refused(MALFORMED, "the transaction is not hex text")
    try:
        raw = bytes.fromhex(raw_hex[2:] if raw_hex.startswith(("0x", "0X")) else raw_hex)
    except ValueError:
        raise Refused(MALFORMED, "the transaction is not hex") from None
    try:
        tx = v2.decode_transaction(raw)
    except ValidationError as exc:
        status = INVALID_SIGNATURE if "signature" in str(exc) or "ECDSA" in str(exc) else MALFORMED
        raise Refused(status, str(exc)) from None
    if tx.crypto != crypto:
        raise Refused(INVALID_SIGNATURE, f"an {tx.crypto.upper()} signature on an {crypto.upper()} chain", tx.hash)
    fields = tx.fields
    admitted = Admitted(
        hash=tx.hash,
        sender=tx.sender,
        to=fields["to"] or None,
        data=bytes.fromhex(fields["data"][2:]),
        gas=TX_GAS_LIMIT[2],
        value=int(fields["value"]),
        raw=raw,
        nonce=int(fields["randomid"]).to_bytes(32, "big"),
    )
    return Candidate(
        admitted, int(fields["blockLimit"]), admitted.nonce, str(fields["fiscoChainId"]), str(fields["groupId"])
    )


def check_block_limit(block_limit: int, current: int, tx_hash: bytes) -> None:
    """``current < blockLimit <= current + BLOCK_LIMIT`` (LedgerNonceChecker / TransactionNonceCheck).

    Raises:
        Refused: ``BlockLimitCheckFail``.
    """
    if not current < block_limit <= current + BLOCK_LIMIT:
        raise Refused(
            BLOCK_LIMIT_CHECK_FAIL,
            f"block limit {block_limit} is outside ({current}, {current + BLOCK_LIMIT}]",
            tx_hash,
        )


def _is_hex(text: str) -> bool:
    try:
        bytes.fromhex(text)
    except ValueError:
        return False
    return True


def _hex_value(text: str, tx_hash: bytes) -> int:
    if not text:
        return 0
    try:
        value = int(text, 16)
    except ValueError:
        raise Refused(MALFORMED, f"value {text[:40]!r} is not hex", tx_hash) from None
    if value < 0:
        raise Refused(MALFORMED, "a negative value", tx_hash)
    return value
