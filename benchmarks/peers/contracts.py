"""EAS and OpenAttestation's DocumentStore deployed on a ledger chain backend, and their gas.

The peers run on the same backend object as our contracts (``ledger.chain.base.ChainBackend``), so a
figure here and ours differ only by the contract. Jobs, mirroring ours:

* anchor one batch root: DocumentStore ``issue(root)``; EAS ``timestamp(root)``;
* record one contribution, and 100: EAS ``attest`` and ``multiAttest`` with a schema carrying the same
  fields as our contribution item (per attestation: total gas / 100);
* revoke one credential inside a batch: DocumentStore v4 ``revoke(root, document, proof)``, which checks
  the Merkle proof on chain (v4 also has ``revoke(root)`` for a whole batch).

OpenAttestation's Merkle tree differs from ours: its leaves are the documents' target hashes as they
are (ours are double-hashed), pairs are sorted then keccak256-hashed, an odd node is carried up. The
small tree below follows that convention so the DocumentStore accepts its proofs.
"""

from __future__ import annotations

import dataclasses
import random
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ledger.chain.base import ChainBackend, Receipt, Transaction
from ledger.crypto.hashing import keccak256
from ledger.crypto.keys import PrivateKey
from ledger.types import ContributionItem, ContributionKind

from .. import BenchmarkError
from . import artifacts
from .abi import ContractAbi, encode_values

#: Gas limits given explicitly (the embedded chain does not estimate).
DEPLOY_GAS = 8_000_000
CALL_GAS = 1_000_000
#: 100 EAS attestations cost about 21-26 million gas; the backend's block must hold that.
MULTI_ATTEST_GAS = 60_000_000

#: An EAS schema with the same fields and types as our ``IContributionLedger.Item`` about nothing (the
#: items measured have ``about`` zero, which our ledger does not store: the schema leaves it out too).
CONTRIBUTION_SCHEMA = (
    "bytes32 key,bytes32 subject,bytes32 project,uint8 kind,uint8 field,uint16 weight,"
    "uint32 occurredAt,bytes32 evidenceHash"
)
_SCHEMA_TYPES = ("bytes32", "bytes32", "bytes32", "uint8", "uint8", "uint16", "uint32", "bytes32")
ZERO_ADDRESS = "0x" + "00" * 20


def intrinsic_gas(data: bytes) -> int:
    """Gas a transaction pays before any code runs: 21,000 plus 16 per non-zero and 4 per zero calldata byte.

    (EIP-7623's calldata floor only applies when execution is cheaper than calldata, never here.)
    """
    nonzero = sum(1 for byte in data if byte)
    return 21_000 + 16 * nonzero + 4 * (len(data) - nonzero)


def _send(chain: ChainBackend, key: PrivateKey, to: str, data: bytes, gas: int, what: str) -> Receipt:
    receipt = chain.send(key, Transaction(to=to, data=data, gas=gas))
    if not receipt.succeeded:
        raise BenchmarkError(f"{what} failed on {chain.name}: {receipt.status} {receipt.revert_data!r}")
    return receipt


def _deploy(chain: ChainBackend, key: PrivateKey, contract: ContractAbi, *args: Any) -> str:
    receipt = chain.deploy(key, contract.init_code(*args), gas=DEPLOY_GAS)
    if not receipt.succeeded or not receipt.contract_address:
        raise BenchmarkError(f"deploying {contract.name} failed on {chain.name}: {receipt.status}")
    return receipt.contract_address


def sorted_pair_tree(leaves: Sequence[bytes]) -> list[list[bytes]]:
    """OpenAttestation's Merkle tree: levels from the leaves (as given) up to the root."""
    if not leaves:
        raise BenchmarkError("a Merkle tree needs at least one leaf")
    levels = [list(leaves)]
    while len(levels[-1]) > 1:
        level = levels[-1]
        up = [keccak256(b"".join(sorted(level[i : i + 2]))) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:  # odd node carried up unchanged
            up.append(level[-1])
        levels.append(up)
    return levels


def sorted_pair_proof(levels: list[list[bytes]], index: int) -> list[bytes]:
    """Sibling hashes from leaf ``index`` up to the root of ``levels``."""
    proof = []
    for level in levels[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            proof.append(level[sibling])
        index //= 2
    return proof


def random_item(rng: random.Random) -> ContributionItem:
    """A realistic contribution: random 32-byte ids and hashes, small integers, a recent time."""
    return ContributionItem(
        key=rng.randbytes(32),
        subject=rng.randbytes(32),
        project=rng.randbytes(32),
        kind=ContributionKind(rng.randrange(12)),
        field=rng.randrange(1, 16),
        weight=rng.randrange(1, 100),
        occurred_at=1_700_000_000 + rng.randrange(10_000_000),
        evidence_hash=rng.randbytes(32),
    )


def eas_data(item: ContributionItem) -> bytes:
    """The EAS attestation data of ``item``: the same 8 fields and types as our ``record`` item (its
    ``about``, zero here, left out)."""
    return encode_values(_SCHEMA_TYPES, item.as_tuple()[:len(_SCHEMA_TYPES)])


class DocumentStorePeer:
    """OpenAttestation's DocumentStore v4, deployed with ``key`` as admin, issuer and revoker."""

    def __init__(self, chain: ChainBackend, key: PrivateKey) -> None:
        self.chain = chain
        self.key = key
        self.abi = artifacts.load().document_store
        self.address = _deploy(chain, key, self.abi, "Benchmark DocumentStore", key.address)
        for role in ("ISSUER_ROLE", "REVOKER_ROLE"):
            role_id = self.abi.decode_output(role, chain.call(self.address, self.abi.encode_call(role)))[0]
            data = self.abi.encode_call("hasRole", role_id, key.address)
            if not self.abi.decode_output("hasRole", chain.call(self.address, data))[0]:
                grant = self.abi.encode_call("grantRole", role_id, key.address)
                _send(chain, key, self.address, grant, CALL_GAS, f"DocumentStore grantRole {role}")

    def issue_data(self, root: bytes) -> bytes:
        return self.abi.encode_call("issue", root)

    def issue(self, root: bytes) -> Receipt:
        """Anchor one batch root."""
        return _send(self.chain, self.key, self.address, self.issue_data(root), CALL_GAS, "DocumentStore issue")

    def revoke_leaf_data(self, root: bytes, document: bytes, proof: Sequence[bytes]) -> bytes:
        return self.abi.encode_call("revoke(bytes32,bytes32,bytes32[])", root, document, list(proof))

    def revoke_leaf(self, root: bytes, document: bytes, proof: Sequence[bytes]) -> Receipt:
        """Revoke one document of an issued batch, proved by its Merkle path."""
        data = self.revoke_leaf_data(root, document, proof)
        return _send(self.chain, self.key, self.address, data, CALL_GAS, "DocumentStore revoke(leaf)")

    def is_revoked(self, root: bytes, document: bytes, proof: Sequence[bytes]) -> bool:
        data = self.abi.encode_call("isRevoked(bytes32,bytes32,bytes32[])", root, document, list(proof))
        out = self.chain.call(self.address, data)
        return bool(self.abi.decode_output("isRevoked(bytes32,bytes32,bytes32[])", out)[0])


class EasPeer:
    """EAS: a SchemaRegistry, EAS over it, and the contribution schema registered."""

    def __init__(self, chain: ChainBackend, key: PrivateKey) -> None:
        self.chain = chain
        self.key = key
        peers = artifacts.load()
        self.registry_abi = peers.schema_registry
        self.abi = peers.eas
        self.registry = _deploy(chain, key, self.registry_abi)
        self.address = _deploy(chain, key, self.abi, self.registry)
        data = self.registry_abi.encode_call("register", CONTRIBUTION_SCHEMA, ZERO_ADDRESS, True)
        receipt = _send(chain, key, self.registry, data, CALL_GAS, "EAS SchemaRegistry register")
        registered = self.registry_abi.event_topic("Registered")
        uids = [log.topics[1] for log in receipt.logs if log.topics and log.topics[0] == registered]
        if len(uids) != 1:
            raise BenchmarkError("EAS SchemaRegistry register emitted no Registered event")
        self.schema_uid = uids[0]

    def timestamp_data(self, root: bytes) -> bytes:
        return self.abi.encode_call("timestamp", root)

    def timestamp(self, root: bytes) -> Receipt:
        """Timestamp one 32-byte value (EAS's way to anchor a batch root)."""
        return _send(self.chain, self.key, self.address, self.timestamp_data(root), CALL_GAS, "EAS timestamp")

    def _request(self, item: ContributionItem) -> tuple[Any, ...]:
        # recipient none (our subjects are pseudonymous ids, not accounts), no expiry, revocable, no ref
        return (ZERO_ADDRESS, 0, True, bytes(32), eas_data(item), 0)

    def attest_data(self, item: ContributionItem) -> bytes:
        return self.abi.encode_call("attest", (self.schema_uid, self._request(item)))

    def attest(self, item: ContributionItem) -> Receipt:
        """One attestation of one contribution."""
        return _send(self.chain, self.key, self.address, self.attest_data(item), CALL_GAS, "EAS attest")

    def multi_attest_data(self, items: Sequence[ContributionItem]) -> bytes:
        return self.abi.encode_call(
            "multiAttest", [(self.schema_uid, [self._request(item) for item in items])]
        )

    def multi_attest(self, items: Sequence[ContributionItem]) -> Receipt:
        """All ``items`` in one ``multiAttest`` under the contribution schema."""
        data = self.multi_attest_data(items)
        return _send(self.chain, self.key, self.address, data, MULTI_ATTEST_GAS, "EAS multiAttest")


@dataclass(frozen=True)
class PeerGas:
    """Gas of the peers' jobs on one backend."""

    document_store_issue: int
    eas_timestamp: int
    eas_attest: int
    eas_multi_attest_per_item: float
    eas_multi_attest_items: int
    document_store_revoke_leaf: int
    revoke_batch_size: int
    #: Intrinsic gas (21,000 + calldata) of each job's transaction, by the field names above.
    intrinsic: Mapping[str, int] = dataclasses.field(default_factory=dict)


def measure_gas(
    chain: ChainBackend, key: PrivateKey, *, batch: int = 100, revoke_batch_size: int = 1024, seed: int = 7
) -> PeerGas:
    """Deploy both peers on ``chain`` and measure each job's gas (receipt ``gasUsed``).

    The revoked document sits in the middle of a ``revoke_batch_size``-leaf batch, and the contract is
    asked afterwards whether it is revoked, so a silently ignored revocation cannot pass.
    """
    rng = random.Random(seed)
    store = DocumentStorePeer(chain, key)
    eas = EasPeer(chain, key)

    anchored, stamped = secrets.token_bytes(32), secrets.token_bytes(32)
    one, many = random_item(rng), [random_item(rng) for _ in range(batch)]
    issue = store.issue(anchored).gas_used
    stamp = eas.timestamp(stamped).gas_used
    attest = eas.attest(one).gas_used
    multi = eas.multi_attest(many).gas_used

    leaves = [secrets.token_bytes(32) for _ in range(revoke_batch_size)]
    levels = sorted_pair_tree(leaves)
    root = levels[-1][0]
    store.issue(root)
    index = revoke_batch_size // 2
    proof = sorted_pair_proof(levels, index)
    revoke = store.revoke_leaf(root, leaves[index], proof).gas_used
    if not store.is_revoked(root, leaves[index], proof):
        raise BenchmarkError("DocumentStore did not record the revocation")
    return PeerGas(
        document_store_issue=issue,
        eas_timestamp=stamp,
        eas_attest=attest,
        eas_multi_attest_per_item=multi / batch,
        eas_multi_attest_items=batch,
        document_store_revoke_leaf=revoke,
        revoke_batch_size=revoke_batch_size,
        intrinsic={
            "document_store_issue": intrinsic_gas(store.issue_data(anchored)),
            "eas_timestamp": intrinsic_gas(eas.timestamp_data(stamped)),
            "eas_attest": intrinsic_gas(eas.attest_data(one)),
            "eas_multi_attest_per_item": round(intrinsic_gas(eas.multi_attest_data(many)) / batch),
            "document_store_revoke_leaf": intrinsic_gas(store.revoke_leaf_data(root, leaves[index], proof)),
        },
    )
