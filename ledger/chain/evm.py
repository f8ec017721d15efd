"""The py-evm machines of the embedded chain: Ethereum's Prague, and Prague under FISCO BCOS's rules.

The embedded chain (:mod:`ledger.chain.embedded`) runs one of these, chosen when the chain is created
and kept in its database:

* ``crypto="ecdsa"``: py-evm's Prague VM (keccak256 everywhere), its contract storage batched
  (:mod:`ledger.chain.storage`: the same state roots, written in one pass per block);
* ``crypto="sm"``: FISCO BCOS's SM (guomi) semantics. The KECCAK256 opcode computes SM3 (FISCO 3.x
  ``bcos-executor/src/vm/HostContext.cpp`` and the newer executor's ``vm/HostContext.h`` hash with the
  chain's suite; 2.x ``libinterpreter/VM.cpp`` through ``crypto::Hash``), with the opcode's usual stack
  effect, memory expansion and gas (30 + 6 per word); contracts made by CREATE get
  ``SM3(rlp([creator, nonce]))[12:]`` (2.x ``Executive::createOpcode`` with the chain's hash).

Contract addresses of deployments by transaction follow the chain's *address rule*:

* ``"rlp"``: ``H(rlp([sender, nonce]))[12:]``, Ethereum's and FISCO 2.x's rule, H the chain's hash;
* ``"fisco3"``: ``H("<block>_<index>_0")[:20]``, FISCO 3.x's (``bcos::newEVMAddress`` called by the
  scheduler with the block number, the transaction's context id and sequence 0): the chain sets it per
  transaction (:func:`force_create_address`), since it depends on where the transaction lands.

py-evm's own tries, block and transaction hashes stay keccak256: they are this process's bookkeeping,
not something a client of the chain sees (the embedded chain names FISCO transactions by their FISCO
hash).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from eth_typing import Address, BlockNumber

from ledger.crypto.hashing import hash_function

if TYPE_CHECKING:
    from eth.abc import ComputationAPI, MessageAPI, SignedTransactionAPI
    from eth.chains.base import MiningChain

CRYPTO_MODES = ("ecdsa", "sm")
ADDRESS_RULES = ("rlp", "fisco3")
#: What the TIMESTAMP opcode counts: ``"s"``, seconds (Ethereum; FISCO BCOS with its
#: ``feature_evm_timestamp`` on), or ``"ms"``, milliseconds (FISCO BCOS's default: the executor hands
#: the block header's time, in milliseconds, to the EVM).
CLOCKS = ("s", "ms")


def fisco3_contract_address(crypto: str, block_number: int, index: int, seq: int = 0) -> bytes:
    """FISCO 3.x's address of a contract deployed by the ``index``-th transaction of a block."""
    return hash_function(crypto)(f"{block_number}_{index}_{seq}".encode())[:20]


def rlp_contract_address(crypto: str, creator: bytes, nonce: int) -> bytes:
    """``H(rlp([creator, nonce]))[12:]``: Ethereum's rule with keccak256, FISCO 2.x's with the chain's hash."""
    import rlp

    return hash_function(crypto)(rlp.encode([creator, nonce]))[12:]


def force_create_address(transaction: Any, address: bytes) -> None:
    """Make the deployment ``transaction`` create its contract at ``address`` (see the module docstring)."""
    transaction.__dict__["create_address"] = Address(address)


@functools.cache
def chain_class(chain_id: int, crypto: str = "ecdsa", clock: str = "s") -> type[MiningChain]:
    """A py-evm MiningChain class for one chain id, crypto mode and clock (:data:`CLOCKS`; py-evm keeps
    the id on the class)."""
    from eth.chains.base import MiningChain

    if crypto not in CRYPTO_MODES:
        raise ValueError(f"unknown crypto mode {crypto!r} (expected 'ecdsa' or 'sm')")
    if clock not in CLOCKS:
        raise ValueError(f"unknown clock {clock!r} (expected 's' or 'ms')")
    vm = _vm_class(crypto, clock)

    class LedgerEmbeddedChain(MiningChain):
        vm_configuration = ((BlockNumber(0), vm),)

        def create_header_from_parent(self, parent_header: Any, **header_params: Any) -> Any:
            # A constant gas limit, so that the base fee never moves off zero.
            header_params.setdefault("gas_limit", parent_header.gas_limit)
            return super().create_header_from_parent(parent_header, **header_params)

    LedgerEmbeddedChain.chain_id = chain_id
    return LedgerEmbeddedChain


@functools.cache
def _vm_class(crypto: str, clock: str = "s") -> Any:
    """Prague that honours :func:`force_create_address`; for ``"sm"`` also with SM3 for KECCAK256 and
    CREATE; for the ``"ms"`` clock with TIMESTAMP in milliseconds."""
    from eth import constants
    from eth._utils.numeric import ceil32
    from eth.vm import opcode_values
    from eth.vm.forks.berlin.logic import CreateEIP2929
    from eth.vm.forks.prague import PragueVM
    from eth.vm.forks.prague.computation import PragueComputation
    from eth.vm.forks.prague.state import PragueState, PragueTransactionExecutor
    from eth.vm.opcode import as_opcode

    from ledger.chain.storage import BatchedAccountDB  # imports py-evm: loaded with the chain

    hasher = hash_function(crypto)

    class Executor(PragueTransactionExecutor):
        def build_evm_message(self, transaction: SignedTransactionAPI) -> MessageAPI:
            message = super().build_evm_message(transaction)
            if message.is_create:
                forced = transaction.__dict__.get("create_address")
                if forced is None and crypto == "sm":
                    nonce = self.vm_state.get_nonce(transaction.sender) - 1  # already incremented
                    forced = Address(rlp_contract_address(crypto, transaction.sender, nonce))
                if forced is not None:
                    message.storage_address = forced  # type: ignore[misc]  # py-evm's Message has a setter
            return message

    opcodes = dict(PragueComputation.opcodes)
    if crypto == "sm":

        def sm3_opcode(computation: ComputationAPI) -> None:
            start, size = computation.stack_pop_ints(2)
            computation.extend_memory(start, size)
            data = computation.memory_read_bytes(start, size)
            computation.consume_gas(constants.GAS_SHA3WORD * (ceil32(len(data)) // 32), reason="SHA3 (SM3): word gas")
            computation.stack_push_bytes(hasher(bytes(data)))

        class SmCreate(CreateEIP2929):
            def generate_contract_address(self, stack_data: Any, call_data: bytes, computation: ComputationAPI) -> Address:
                creator = computation.msg.storage_address
                nonce = computation.state.get_nonce(creator)
                computation.state.increment_nonce(creator)
                address = Address(rlp_contract_address(crypto, creator, nonce))
                computation.state.mark_address_warm(address)
                return address

        opcodes[opcode_values.SHA3] = as_opcode(logic_fn=sm3_opcode, mnemonic="SHA3", gas_cost=constants.GAS_SHA3)
        create: Any = PragueComputation.opcodes[opcode_values.CREATE]
        opcodes[opcode_values.CREATE] = SmCreate.configure(
            __name__="opcode:CREATE", mnemonic=create.mnemonic, gas_cost=create.gas_cost
        )()

    if clock == "ms":

        def timestamp_ms(computation: ComputationAPI) -> None:
            # FISCO's executor gives the EVM the header's time, which FISCO keeps in milliseconds (3.x
            # HostContext::timestamp() without feature_evm_timestamp; 2.x the same); py-evm's header has
            # seconds, so the block's second, in milliseconds.
            computation.stack_push_int(computation.state.timestamp * 1000)

        opcodes[opcode_values.TIMESTAMP] = as_opcode(
            logic_fn=timestamp_ms, mnemonic="TIMESTAMP", gas_cost=constants.GAS_BASE
        )

    class Computation(PragueComputation):
        pass

    Computation.opcodes = opcodes

    class State(PragueState):
        computation_class = Computation
        transaction_executor_class = Executor
        account_db_class = BatchedAccountDB  # contract storage written to the trie in one pass per block

    class VM(PragueVM):
        fork = f"prague-{crypto}" + ("-ms" if clock == "ms" else "")
        _state_class = State

    return VM


__all__ = [
    "ADDRESS_RULES",
    "CLOCKS",
    "CRYPTO_MODES",
    "chain_class",
    "fisco3_contract_address",
    "force_create_address",
    "rlp_contract_address",
]
