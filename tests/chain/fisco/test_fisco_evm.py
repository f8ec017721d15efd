"""The fisco3 and fisco2 backends running the conformance Probe contract on nodes that execute
(``fisco_evm_node``): deploy, events, calls, custom-error and string reverts, logs, timestamps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fisco_evm_node import EvmFisco2Node, EvmFisco3Node

from ledger.chain.base import ChainBackend, Reverted
from ledger.chain.fisco import open_fisco
from ledger.crypto.hashing import to_checksum_address
from ledger.crypto.keys import PrivateKey
from ledger.errors import UnknownRevert
from tests.conformance.probe import Probe, TooLarge, topic_address, topic_uint, uint

CASES = [("fisco3", "ecdsa"), ("fisco3", "sm"), ("fisco2", "ecdsa"), ("fisco2", "sm")]


@pytest.fixture(params=CASES, ids=[f"{kind}-{crypto}" for kind, crypto in CASES])
def setup(
    request: pytest.FixtureRequest, serve_node: Callable[..., Any]
) -> tuple[ChainBackend, PrivateKey, Any]:
    kind, crypto = request.param
    sm = crypto == "sm"
    node = serve_node(EvmFisco3Node(sm=sm) if kind == "fisco3" else EvmFisco2Node(gm=sm))
    key = PrivateKey.generate(crypto)
    node.evm.register(key.address, key)
    chain = open_fisco(kind, node.url)
    assert chain.identity().crypto == crypto
    return chain, key, node


def test_probe_end_to_end(setup: tuple[ChainBackend, PrivateKey, Any]) -> None:
    chain, key, node = setup
    probe = Probe.load()
    # the EVM runs SM senders under a stand-in ECDSA key (see fisco_evm_node)
    evm_sender = node.evm.keys[key.address.lower()].address

    deployed = chain.deploy(key, probe.bytecode, gas=1_000_000)
    assert deployed.succeeded and deployed.contract_address is not None
    assert deployed.sender == key.address and deployed.gas_used > 0
    address = deployed.contract_address
    assert address == to_checksum_address(bytes.fromhex(address[2:]))

    receipt = chain.send(key, probe.tx(address, "set", 42, "hello"))
    assert receipt.succeeded and receipt.block_number == chain.block_number()
    (log,) = receipt.logs
    assert log.address == address and log.tx_hash == receipt.tx_hash
    assert log.topics == (probe.topic("ValueSet"), topic_address(evm_sender), topic_uint(42))
    assert uint(chain.call(address, probe.calldata("value"))) == 42

    with pytest.raises(Reverted) as caught:
        chain.call(address, probe.calldata("setChecked", 7, 3))
    error = probe.decode_error(caught.value.data)
    assert isinstance(error, TooLarge) and error.args_dict == {"value": 7, "limit": 3}
    with pytest.raises(Reverted) as caught:
        chain.call(address, probe.calldata("setNonZero", 0))
    reason = probe.decode_error(caught.value.data)
    assert isinstance(reason, UnknownRevert) and reason.reason == "value is zero"

    reverted = chain.send(key, probe.tx(address, "setChecked", 9, 2))
    assert reverted.status == "reverted" and reverted.logs == () and reverted.revert_data
    assert isinstance(probe.decode_error(reverted.revert_data), TooLarge)
    assert uint(chain.call(address, probe.calldata("value"))) == 42

    blocks = [chain.send(key, probe.tx(address, "set", v, f"n{v}")).block_number for v in (1, 2, 3)]
    values = lambda logs: [int.from_bytes(entry.topics[2], "big") for entry in logs]
    assert values(chain.get_logs(blocks[0], blocks[2], [address])) == [1, 2, 3]
    assert values(chain.get_logs(blocks[0], blocks[2], [address], [None, None, topic_uint(2)])) == [2]
    assert chain.get_logs(blocks[0], blocks[2], [PrivateKey.generate().address]) == []
    stamps = [chain.block_timestamp(b) for b in blocks]
    assert stamps == sorted(stamps) and stamps[0] > 1_600_000_000

    receipts = chain.send_many(key, [probe.tx(address, "set", v, "") for v in (10, 11)])
    assert [r.succeeded for r in receipts] == [True, True]
    assert uint(chain.call(address, probe.calldata("value"))) == 11


@pytest.mark.parametrize("kind", ["fisco3", "fisco2"])
def test_the_ledgers_contracts_through_the_native_backends(kind: str, serve_node: Callable[..., Any]) -> None:
    """The typed facades (with their dry run before each send) work over the native protocols; fisco3's
    calls cannot name a sender, so its dry run is skipped and the transaction itself is the check."""
    from ledger import types
    from ledger.contracts import deployment as contracts
    from ledger.contracts import errors as contract_errors
    node = serve_node(EvmFisco3Node(sm=False) if kind == "fisco3" else EvmFisco2Node(gm=False))
    admin, uni = PrivateKey.generate(), PrivateKey.generate()
    for k in (admin, uni):
        node.evm.register(k.address, k)
    chain = open_fisco(kind, node.url)
    c = contracts.Contracts(chain, contracts.deploy(chain, admin))
    c.credentials.define_type(admin, 201, field=1, level=1, allowed_kinds=int(types.IssuerKinds.UNIVERSITY),
                              criteria=types.Criteria())
    c.issuers.add_issuer(admin, uni.address, types.IssuerKind.UNIVERSITY, [201])
    root = bytes(31) + b"\x07"
    c.issuers.anchor(uni, 201, 3, root)
    assert c.issuers.anchor_of(uni.address, root).count == 3
    with pytest.raises(contract_errors.RootAlreadyAnchored) as twice:
        c.issuers.anchor(uni, 201, 3, root)
    assert (twice.value.root, twice.value.issuer) == (root, uni.address)
