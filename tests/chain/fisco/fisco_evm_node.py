"""Fake FISCO 3.x / 2.x nodes that really execute: transactions run on an in-memory py-evm chain.

The node decodes each incoming FISCO transaction with our codecs, checks its block limit, and
executes its calldata on :class:`~ledger.chain.embedded.EmbeddedChain` as the sender, then answers
with FISCO-shaped JSON (3.x: int status, ``logEntries`` with addresses without ``0x``, decimal
``gasUsed``; 2.x: hex everywhere, ``logs``, receipts after polling). So the ``fisco3`` and
``fisco2`` backends are exercised with real contract code: deploy, events, custom-error reverts.

Test-only shortcut: py-evm runs ECDSA transactions, so the node executes each sender's calls with
an ECDSA key registered for that sender (``register``); for an SM sender that is a stand-in key,
and the EVM sees the stand-in's address as ``msg.sender``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fisco_fake_node import FakeNode, RpcFailure, group_info

from ledger.chain.base import Receipt, Reverted, Transaction
from ledger.chain.embedded import EmbeddedChain
from ledger.chain.fisco import v2, v3
from ledger.crypto.keys import PrivateKey

GAS = 5_000_000


@dataclass
class _Evm:
    chain: EmbeddedChain = field(default_factory=EmbeddedChain)
    keys: dict[str, PrivateKey] = field(default_factory=dict)
    #: FISCO transaction hash -> receipt and sender; block number -> FISCO hashes
    mined: dict[str, Receipt] = field(default_factory=dict)
    blocks: dict[int, list[str]] = field(default_factory=dict)
    senders: dict[str, str] = field(default_factory=dict)

    def register(self, fisco_sender: str, key: PrivateKey) -> None:
        self.keys[fisco_sender.lower()] = key if key.crypto == "ecdsa" else PrivateKey(key.secret_bytes())

    def execute(self, sender: str, fisco_hash: str, to: str | None, data: bytes) -> Receipt:
        receipt = self.chain.send(self.keys[sender.lower()], Transaction(to=to or None, data=data, gas=GAS))
        self.mined[fisco_hash] = receipt
        self.senders[fisco_hash] = sender.lower()
        self.blocks.setdefault(receipt.block_number, []).append(fisco_hash)
        return receipt

    def call(self, to: str, data: bytes, sender: str | None) -> tuple[int, bytes]:
        try:
            return 0, self.chain.call(to, data, sender=sender)
        except Reverted as exc:
            return 1, exc.data


@dataclass
class EvmFisco3Node(FakeNode):
    sm: bool = False
    evm: _Evm = field(default_factory=_Evm)

    def __post_init__(self) -> None:
        self.handlers.update(
            {
                "getGroupInfo": lambda p: group_info(self.sm),
                "getBlockNumber": lambda p: self.evm.chain.block_number(),
                "getSystemConfigByKey": lambda p: {"blockNumber": 0, "value": "20200"},
                "call": self._call,
                "sendTransaction": self._send,
                "getTransactionReceipt": lambda p: self._json(p[2]),
                "getBlockByNumber": lambda p: {
                    "number": p[2],
                    "timestamp": self.evm.chain.block_timestamp(p[2]) * 1000,
                    "transactions": self.evm.blocks.get(p[2], []),
                },
            }
        )

    def _call(self, params: list[Any]) -> dict[str, Any]:
        failed, output = self.evm.call(params[2], bytes.fromhex(params[3][2:]), None)
        return {
            "blockNumber": self.evm.chain.block_number(),
            "output": "0x" + output.hex(),
            "status": 16 if failed else 0,
        }

    def _send(self, params: list[Any]) -> dict[str, Any]:
        tx = v3.decode_transaction(params[2])
        current = self.evm.chain.block_number()
        if not current < tx.data["blockLimit"] <= current + 1000:
            raise RpcFailure(10001, "BlockLimitCheckFail")
        assert tx.sender is not None
        fisco_hash = "0x" + tx.hash.hex()
        self.evm.execute(tx.sender, fisco_hash, tx.data["to"], bytes.fromhex(tx.data["input"][2:]))
        return self._json(fisco_hash)

    def _json(self, fisco_hash: str) -> dict[str, Any]:
        if fisco_hash not in self.evm.mined:
            raise RpcFailure(-32603, "transaction receipt not found")
        r = self.evm.mined[fisco_hash]
        return {
            "blockNumber": r.block_number,
            "contractAddress": r.contract_address.lower() if r.contract_address else "",
            "from": self.evm.senders[fisco_hash],
            "gasUsed": str(r.gas_used),
            "logEntries": [
                {"address": log.address.lower()[2:], "topics": ["0x" + t.hex() for t in log.topics], "data": "0x" + log.data.hex()}
                for log in r.logs
            ],
            "message": "",
            "output": "0x" + (r.revert_data or b"").hex(),
            "status": {"ok": 0, "reverted": 16}.get(r.status, 1),
            "transactionHash": fisco_hash,
            "version": 0,
        }  # fmt: skip


@dataclass
class EvmFisco2Node(FakeNode):
    gm: bool = False
    evm: _Evm = field(default_factory=_Evm)
    pending: list[tuple[str, str, str | None, bytes]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.handlers.update(
            {
                "getClientVersion": lambda p: {"Chain Id": "1", "FISCO-BCOS Version": "2.11.0 gm" if self.gm else "2.11.0"},
                "getBlockNumber": lambda p: hex(self.evm.chain.block_number()),
                "call": self._call,
                "sendRawTransaction": self._send,
                "getTransactionReceipt": self._receipt,
                "getBlockByNumber": lambda p: {
                    "number": p[1],
                    "timestamp": hex(self.evm.chain.block_timestamp(int(p[1], 16)) * 1000),
                    "transactions": self.evm.blocks.get(int(p[1], 16), []),
                },
            }
        )  # fmt: skip

    def _call(self, params: list[Any]) -> dict[str, Any]:
        request = params[1]
        failed, output = self.evm.call(request["to"], bytes.fromhex(request["data"][2:]), request["from"])
        return {"currentBlockNumber": hex(self.evm.chain.block_number()), "output": "0x" + output.hex(),
                "status": "0x16" if failed else "0x0"}  # fmt: skip

    def _send(self, params: list[Any]) -> str:
        tx = v2.decode_transaction(params[1])
        current = self.evm.chain.block_number()
        if not current < tx.fields["blockLimit"] <= current + 1000:
            raise RpcFailure(-32603, "BlockLimitCheckFailed")
        fisco_hash = "0x" + tx.hash.hex()
        # admitted to the pool; mined when the client first asks for the receipt
        self.pending.append(
            (fisco_hash, tx.sender, tx.fields["to"] or None, bytes.fromhex(tx.fields["data"][2:]))
        )
        return fisco_hash

    def _receipt(self, params: list[Any]) -> dict[str, Any] | None:
        for fisco_hash, sender, to, data in self.pending:
            self.evm.execute(sender, fisco_hash, to, data)
        self.pending.clear()
        r = self.evm.mined.get(params[1])
        if r is None:
            return None
        return {
            "blockNumber": hex(r.block_number),
            "contractAddress": r.contract_address.lower() if r.contract_address else "0x" + "00" * 20,
            "from": self.evm.senders[params[1]],
            "gasUsed": hex(r.gas_used),
            "logs": [
                {"address": log.address.lower(), "topics": ["0x" + t.hex() for t in log.topics], "data": "0x" + log.data.hex()}
                for log in r.logs
            ],
            "output": "0x" + (r.revert_data or b"").hex(),
            "status": {"ok": "0x0", "reverted": "0x16"}.get(r.status, "0x1"),
            "statusMsg": r.status,
            "transactionHash": params[1],
            "transactionIndex": "0x0",
        }  # fmt: skip
