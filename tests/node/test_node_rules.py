"""``ledger node`` applies FISCO BCOS's rules to what it receives and answers as FISCO does.

Every refusal below is made by sending a real, signed transaction that breaks one rule: the block-limit
window, a nonce or hash seen before, the chain or group id, a signature of the other crypto type, bytes
that are not a transaction, a full pool. 3.x answers with the ``TransactionStatus`` value as the error
code; 2.x with -32603 and TxPool's message, which the fisco2 backend maps to named errors.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from ledger.chain.evm import fisco3_contract_address
from ledger.chain.fisco import fisco2, fisco3, open_fisco, v2, v3
from ledger.chain.fisco.jsonrpc import JsonRpcError
from ledger.chain.fisco.status import lookup
from ledger.crypto.hashing import hash_function, to_checksum_address
from ledger.crypto.keys import PrivateKey
from ledger.errors import ConfigError, TransactionRejected
from ledger.node import FiscoNode, NodeSettings
from tests.node.conftest import rpc

# init code of a contract whose code returns keccak256(uint256(9)) as opcode 0x20 computes it
_RUNTIME = bytes.fromhex("6009600052" "60206000" "20" "600052" "60206000f3")
_INIT = bytes.fromhex("60" + f"{len(_RUNTIME):02x}" + "600c60003960" + f"{len(_RUNTIME):02x}" + "6000f3") + _RUNTIME
CRYPTOS = ["ecdsa", "sm"]


def v3_raw(key: PrivateKey, crypto: str, block_limit: int, nonce: str, *, chain: str = "chain0",
           group: str = "group0", data: bytes = _INIT, abi: str = "") -> v3.SignedTransaction:
    tx = v3.TransactionData(version=0, chain_id=chain, group_id=group, block_limit=block_limit, nonce=nonce,
                            to="", input=data, abi=abi)
    return v3.sign_transaction(tx, key, crypto)


def v2_raw(key: PrivateKey, crypto: str, block_limit: int, randomid: int, *, chain: int = 1, group: int = 1,
           data: bytes = _INIT) -> v2.SignedTransaction:
    fields = v2.TransactionFields(randomid=randomid, gas_price=30_000_000, gas_limit=30_000_000,
                                  block_limit=block_limit, to=b"", value=0, data=data, chain_id=chain, group_id=group)
    return v2.sign_transaction(fields, key, crypto)


def send3(url: str, signed: v3.SignedTransaction | bytes) -> dict[str, Any]:
    raw = signed if isinstance(signed, bytes) else signed.raw
    return rpc(url, "sendTransaction", ["group0", "", "0x" + raw.hex(), False])


def code_of(answer: dict[str, Any]) -> tuple[int, str]:
    return answer["error"]["code"], answer["error"]["message"]


@pytest.mark.parametrize("crypto", CRYPTOS)
def test_3x_admission_rules(nodes: Any, crypto: str) -> None:
    node = nodes("fisco3", crypto)
    key = PrivateKey.generate(crypto)
    head = rpc(node.url, "getBlockNumber", ["group0", ""])["result"]
    assert code_of(send3(node.url, v3_raw(key, crypto, head, "a1"))) == (10001, "BlockLimitCheckFail")
    assert code_of(send3(node.url, v3_raw(key, crypto, head + 1001, "a2")))[0] == 10001
    accepted = v3_raw(key, crypto, head + 1000, "a3")
    receipt = send3(node.url, accepted)["result"]  # sendTransaction answers at commit, with the receipt
    assert receipt["status"] == 0 and receipt["transactionHash"] == "0x" + accepted.hash.hex()
    assert code_of(send3(node.url, accepted)) == (10005, "TxAlreadyInChain")
    same_nonce = v3_raw(key, crypto, head + 500, "a3", data=_INIT + b"\x00")
    assert code_of(send3(node.url, same_nonce)) == (10000, "NonceCheckFail")
    assert code_of(send3(node.url, v3_raw(key, crypto, head + 500, "a4", chain="chainX"))) == (10006, "InvalidChainId")
    assert code_of(send3(node.url, v3_raw(key, crypto, head + 500, "a5", group="group9"))) == (10007, "InvalidGroupId")
    other = "ecdsa" if crypto == "sm" else "sm"
    wrong = v3_raw(PrivateKey.generate(other), other, head + 500, "a6")
    assert code_of(send3(node.url, wrong)) == (10008, "InvalidSignature")
    assert code_of(send3(node.url, b"\x01\x02\x03")) == (10003, "Malformed")
    assert code_of(rpc(node.url, "sendTransaction", ["group0", "", "0xzz", False])) == (10003, "Malformed")
    good = v3_raw(key, crypto, head + 500, "a7")
    forged = v3.Transaction(good.transaction.data, b"\x11" * 32, good.signature).encode()
    assert code_of(send3(node.url, forged))[0] == 10003  # "transaction hash mismatching"
    unsigned = v3.Transaction(good.transaction.data, good.hash, b"").encode()
    assert code_of(send3(node.url, unsigned))[0] == 10008
    # the fisco3 backend names each refusal by FISCO's name
    for code, name in ((10003, "Malformed"), (10008, "InvalidSignature"), (10000, "NonceCheckFail")):
        error = fisco3._rejection(JsonRpcError("sendTransaction", code, name), "0x00")
        assert isinstance(error, TransactionRejected) and error.code == code and f"rejected: {name}" in str(error)
    assert lookup(3, 10003).name == "Malformed"


def _wait_for(condition: Any, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


@pytest.mark.parametrize("crypto", CRYPTOS)
def test_3x_pool_refusals_while_a_transaction_waits(nodes: Any, crypto: str) -> None:
    node = nodes("fisco3", crypto, block_time=1.5)
    key = PrivateKey.generate(crypto)
    head = rpc(node.url, "getBlockNumber", ["group0", ""])["result"]
    waiting = v3_raw(key, crypto, head + 100, "p1")
    answers: list[dict[str, Any]] = []
    sender = threading.Thread(target=lambda: answers.append(send3(node.url, waiting)))
    sender.start()
    _wait_for(lambda: rpc(node.url, "getPendingTxSize", ["group0", ""])["result"] == 1, "the pool to hold it")
    assert code_of(send3(node.url, waiting)) == (10004, "AlreadyInTxPool")
    assert code_of(send3(node.url, v3_raw(key, crypto, head + 100, "p1", data=b"\x00")))[0] == 10000
    node.pool.limit = 1
    try:
        assert code_of(send3(node.url, v3_raw(key, crypto, head + 100, "p2"))) == (10002, "TxPoolIsFull")
    finally:
        node.pool.limit = 15_000
    sender.join(timeout=30)
    assert answers and answers[0]["result"]["status"] == 0


def send2(url: str, signed: v2.SignedTransaction) -> dict[str, Any]:
    return rpc(url, "sendRawTransaction", [1, "0x" + signed.raw.hex()])


@pytest.mark.parametrize("crypto", CRYPTOS)
def test_2x_admission_rules_and_messages(nodes: Any, crypto: str) -> None:
    node = nodes("fisco2", crypto, block_time=1.0)
    key = PrivateKey.generate(crypto)
    head = int(rpc(node.url, "getBlockNumber", [1])["result"], 16)

    def message(answer: dict[str, Any]) -> str:
        assert answer["error"]["code"] == -32603
        return str(answer["error"]["message"])

    assert "BlockLimitCheckFailed" in message(send2(node.url, v2_raw(key, crypto, head, 1)))
    first = v2_raw(key, crypto, head + 100, 2)
    tx_hash = send2(node.url, first)["result"]  # answered at admission
    assert tx_hash == "0x" + first.hash.hex()
    assert rpc(node.url, "getTransactionReceipt", [1, tx_hash])["result"] is None  # not mined yet
    known = message(send2(node.url, first))
    assert "TransactionAlreadyKown" in known  # FISCO's spelling
    assert "TxPoolNonceCheckFail" in message(send2(node.url, v2_raw(key, crypto, head + 100, 2, data=b"\x00")))
    assert "InvalidChainId" in message(send2(node.url, v2_raw(key, crypto, head + 100, 3, chain=7)))
    assert "InvalidGroupId" in message(send2(node.url, v2_raw(key, crypto, head + 100, 4, group=7)))
    node.pool.limit = 1
    try:
        full = message(send2(node.url, v2_raw(key, crypto, head + 100, 5)))
        assert "TransactionPoolIsFull" in full
    finally:
        node.pool.limit = 15_000
    _wait_for(lambda: rpc(node.url, "getTransactionReceipt", [1, tx_hash])["result"] is not None, "the block")
    receipt = rpc(node.url, "getTransactionReceipt", [1, tx_hash])["result"]
    assert receipt["status"] == "0x0" and receipt["statusMsg"] == "None"
    assert receipt["contractAddress"] != "0x" + "00" * 20
    assert "TransactionAlreadyInChain" in message(send2(node.url, first))
    assert "TransactionNonceCheckFail" in message(send2(node.url, v2_raw(key, crypto, head + 100, 2, data=b"\x01")))
    # what the node says is what the fisco2 backend maps to FISCO's named statuses
    for text, name in ((known, "AlreadyKnown"), (full, "TxPoolIsFull"), ("OverGroupMemoryLimit", "OverGroupMemoryLimit"),
                       ("BlockLimitCheckFailed, txBlockLimit=1", "BlockLimitCheckFail")):
        error = fisco2._rejection(JsonRpcError("sendRawTransaction", -32603, text), "0x00")
        assert isinstance(error, TransactionRejected) and f"rejected: {name}" in str(error), (text, error)
    other = "ecdsa" if crypto == "sm" else "sm"
    assert "TransactionSubmitFailed" in message(send2(node.url, v2_raw(PrivateKey.generate(other), other, head + 100, 9)))


def test_json_rpc_errors_are_fiscos(nodes: Any) -> None:
    n3, n2 = nodes("fisco3", "ecdsa"), nodes("fisco2", "ecdsa")
    assert code_of(rpc(n3.url, "noSuchMethod", []))[0] == -32601
    assert code_of(rpc(n3.url, "getBlockNumber", ["group0", ""], request_id="one"))[0] == -32600  # ids are int64
    assert code_of(rpc(n3.url, "", [], raw=b'{"method": "getBlockNumber", "params": [], "id": 1}'))[0] == -32600
    assert code_of(rpc(n3.url, "", [], raw=b'{"jsonrpc": "2.0", "method": "getBlockNumber", "params": {}, "id": 1}'))[0] == -32602
    assert code_of(rpc(n3.url, "", [], raw=b"{not json"))[0] == -32700
    assert code_of(rpc(n3.url, "", [], raw=b"[" * 100_000 + b"]" * 100_000))[0] == -32700  # too deep: no crash
    assert code_of(rpc(n3.url, "getBlockNumber", ["group7", ""])) == (-32005, "The group group7 does not exist!")
    assert code_of(rpc(n3.url, "getBlockNumber", []))[0] == -32602
    assert code_of(rpc(n2.url, "getBlockNumber", [7])) == (-40001, "GroupID does not exist")
    assert code_of(rpc(n2.url, "getBlockNumber", ["1"]))[0] == -32602  # 2.x groups are JSON integers
    assert code_of(rpc(n2.url, "call", [1, {"to": "0x" + "11" * 20, "data": "0x"}]))[0] == -40006
    assert code_of(rpc(n2.url, "getSystemConfigByKey", [1, "nope"]))[0] == -40008
    assert rpc(n2.url, "getBlockNumber", [1], request_id="s")["id"] == "s"  # 2.x takes string ids
    batch = rpc(n3.url, "", [], raw=b'[{"jsonrpc":"2.0","method":"getBlockNumber","params":["group0",""],"id":1},'
                                    b'{"jsonrpc":"2.0","method":"nope","params":[],"id":2}]')
    assert isinstance(batch, list) and "result" in batch[0] and batch[1]["error"]["code"] == -32601


@pytest.mark.parametrize("crypto", CRYPTOS)
def test_3x_answers_have_fiscos_shapes(nodes: Any, crypto: str) -> None:
    node = nodes("fisco3", crypto)
    key = PrivateKey.generate(crypto)
    head = rpc(node.url, "getBlockNumber", ["group0", ""])["result"]
    abi = '[{"type":"fallback","stateMutability":"nonpayable"}]'
    deployed = send3(node.url, v3_raw(key, crypto, head + 500, "s1", abi=abi))["result"]
    number = deployed["blockNumber"]
    assert isinstance(number, int) and isinstance(deployed["status"], int) and deployed["gasUsed"].isdigit()
    address = deployed["contractAddress"]
    assert address == "0x" + fisco3_contract_address(crypto, number, 0).hex()  # H("<block>_<index>_0")[:20]
    text = address[2:]
    digest = hash_function(crypto)(text.encode()).hex()  # checksummed with the chain's hash
    expected = "0x" + "".join(c.upper() if c.isalpha() and int(digest[i], 16) >= 8 else c for i, c in enumerate(text))
    assert deployed["checksumContractAddress"] == expected
    assert deployed["from"] == key.address.lower()
    assert rpc(node.url, "getABI", ["group0", "", address])["result"] == abi
    assert rpc(node.url, "getCode", ["group0", "", address])["result"] == "0x" + _RUNTIME.hex()
    assert rpc(node.url, "getCode", ["group0", "", "0x" + "12" * 20])["result"] == ""
    answer = rpc(node.url, "call", ["group0", "", address, "0x"])["result"]
    assert answer["status"] == 0 and bytes.fromhex(answer["output"][2:]) == hash_function(crypto)((9).to_bytes(32, "big"))
    tx = rpc(node.url, "getTransaction", ["group0", "", deployed["transactionHash"], False])["result"]
    assert tx["nonce"] == b"s1".hex() and tx["abi"] == abi and tx["blockLimit"] == head + 500
    block = rpc(node.url, "getBlockByNumber", ["group0", "", number, False, True])["result"]
    assert block["transactions"] == [deployed["transactionHash"]] and block["timestamp"] > 1_600_000_000_000
    info = rpc(node.url, "getGroupInfo", ["group0"])["result"]
    ini = json.loads(info["nodeList"][0]["iniConfig"])
    assert ini["smCryptoType"] is (crypto == "sm") and ini["chainID"] == "chain0"
    assert rpc(node.url, "getSystemConfigByKey", ["group0", "", "tx_gas_limit"])["result"]["value"] == "3000000000"
    assert code_of(rpc(node.url, "getTransactionReceipt", ["group0", "", "0x" + "00" * 32, False]))[0] == 3008


def test_a_node_keeps_its_chain_and_its_nonces_across_restarts(tmp_path: Path) -> None:
    settings = NodeSettings(protocol="fisco3", crypto="sm", port=0, state=tmp_path / "state")
    key = PrivateKey.generate("sm")
    with FiscoNode(settings) as node:
        chain = open_fisco("fisco3", node.url)
        first = chain.deploy(key, _INIT, gas=200_000)
        signed = v3_raw(key, "sm", chain.block_number() + 10, "kept-nonce")
        assert send3(node.url, signed)["result"]["status"] == 0
        height = chain.block_number()
    with FiscoNode(settings) as node:
        chain = open_fisco("fisco3", node.url)
        assert chain.block_number() == height
        assert chain.get_code(first.contract_address or "") == _RUNTIME
        assert chain.get_receipt(first.tx_hash) == first
        again = v3_raw(key, "sm", chain.block_number() + 10, "kept-nonce", data=b"\x00")
        assert code_of(send3(node.url, again))[0] == 10000  # the nonce is remembered across the restart
    with pytest.raises(ConfigError, match="other settings"):
        FiscoNode(NodeSettings(protocol="fisco3", crypto="ecdsa", port=0, state=tmp_path / "state"))


def test_the_native_backends_run_the_ledgers_contracts_on_both_lines(nodes: Any) -> None:
    """The typed facades through each protocol on SM nodes: SM3 builds, SM3 ABI, decoded custom errors."""
    from ledger import types
    from ledger.contracts import deployment as contracts
    from ledger.contracts import errors as contract_errors
    from ledger.contracts.abi import artifact

    for protocol in ("fisco3", "fisco2"):
        node = nodes(protocol, "sm")
        chain = open_fisco(protocol, node.url)
        admin, uni = PrivateKey.generate("sm"), PrivateKey.generate("sm")
        c = contracts.Contracts(chain, contracts.deploy(chain, admin))
        code, built = chain.get_code(c.deployment.issuer_registry), artifact("IssuerRegistry", "sm").deployed_bytecode
        # The SM3 build, byte for byte, but for its immutables (the committee's address), zero in the artifact.
        assert len(code) == len(built) and all(a == b or b == 0 for a, b in zip(code, built))
        assert c.committee.members() == [admin.address]  # storage computed by SM3 at run time, not folded keccak
        c.credentials.define_type(admin, 201, field=1, level=1, allowed_kinds=int(types.IssuerKinds.UNIVERSITY),
                                  criteria=types.Criteria())
        c.issuers.add_issuer(admin, uni.address, types.IssuerKind.UNIVERSITY, [201])
        root = bytes(31) + b"\x07"
        c.issuers.anchor(uni, 201, 3, root)
        assert c.issuers.anchor_of(uni.address, root).count == 3
        with pytest.raises(contract_errors.RootAlreadyAnchored) as twice:
            c.issuers.anchor(uni, 201, 3, root)
        assert (twice.value.root, twice.value.issuer) == (root, uni.address)
        if protocol == "fisco3":  # deployed as java-sdk deploys: the ABI travels, EVM_ABI_CODEC is set
            registry_abi = rpc(node.url, "getABI", ["group0", "", c.deployment.issuer_registry])["result"]
            assert json.loads(registry_abi) == list(artifact("IssuerRegistry", "sm").abi)
            # The Committee's constructor admits the deployer (MemberAdded): its deployment carries its ABI.
            committee_abi = rpc(node.url, "getABI", ["group0", "", c.deployment.committee])["result"]
            assert json.loads(committee_abi) == list(artifact("Committee", "sm").abi)
            events = chain.get_logs(0, chain.block_number(), [c.deployment.committee])
            sent = rpc(node.url, "getTransaction", ["group0", "", "0x" + events[0].tx_hash.hex(), False])["result"]
            assert sent["attribute"] == 1 and sent["abi"] == committee_abi
        assert to_checksum_address(bytes.fromhex(uni.address[2:])) == uni.address
