"""The embedded py-evm chain: deploy, send, call, reverts, logs, persistence, locking."""

from __future__ import annotations

import itertools
import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.chain.base import FUNDING, HISTORICAL_STATE, PERSISTENT, PIPELINING, Reverted, Transaction
from ledger.chain.blocks import ordered_trie
from ledger.chain.embedded import EmbeddedChain
from ledger.crypto.hashing import keccak256
from ledger.crypto.keys import PrivateKey
from ledger.errors import (
    CapabilityError,
    ChainError,
    InsufficientFunds,
    TransactionRejected,
    ValidationError,
    WorkspaceError,
    WorkspaceLocked,
)

if TYPE_CHECKING:
    from .conftest import ProbeArtifact


def test_identity_and_features(embedded: EmbeddedChain) -> None:
    ident = embedded.identity()
    assert ident.backend == "embedded"
    assert ident.chain_id == 1337
    assert ident.crypto == "ecdsa"
    assert {PERSISTENT, HISTORICAL_STATE, PIPELINING, FUNDING} <= embedded.features
    assert embedded.block_number() == 0


def test_deploy_send_call(embedded: EmbeddedChain, key: PrivateKey, probe_artifact: ProbeArtifact) -> None:
    address = probe_artifact.deploy(embedded, key)
    assert embedded.block_number() == 1
    receipt = embedded.send(key, probe_artifact.set_tx(address, 42, "hello"))
    assert receipt.succeeded
    assert receipt.block_number == 2
    assert receipt.sender == key.address
    assert receipt.gas_used > 21_000
    assert probe_artifact.decode_uint(embedded.call(address, probe_artifact.calldata("value"))) == 42
    # The stored receipt matches the returned one.
    assert embedded.receipt(receipt.tx_hash) == receipt


def test_call_sender(
    embedded: EmbeddedChain, probe: str, probe_artifact: ProbeArtifact, other_key: PrivateKey
) -> None:
    out = embedded.call(probe, probe_artifact.calldata("whoami"), sender=other_key.address)
    assert out[12:] == bytes.fromhex(other_key.address[2:])


def test_reverts_in_send_and_call(
    embedded: EmbeddedChain, key: PrivateKey, probe: str, probe_artifact: ProbeArtifact
) -> None:
    custom = embedded.send(
        key, Transaction(to=probe, data=probe_artifact.calldata("setChecked", 7, 5), gas=200_000)
    )
    assert custom.status == "reverted" and not custom.succeeded
    assert custom.revert_data == probe_artifact.error_data("TooLarge", 7, 5)

    text = embedded.send(
        key, Transaction(to=probe, data=probe_artifact.calldata("setNonZero", 0), gas=200_000)
    )
    assert text.status == "reverted"
    assert text.revert_data == probe_artifact.string_revert("value is zero")

    with pytest.raises(Reverted) as info:
        embedded.call(probe, probe_artifact.calldata("failView", 9))
    assert info.value.data == probe_artifact.error_data("TooLarge", 9, 0)

    out_of_gas = embedded.send(key, probe_artifact.set_tx(probe, 1, "x", gas=22_000))
    assert out_of_gas.status == "reverted"
    assert out_of_gas.revert_data == b""


def test_logs_by_range_address_and_topic(
    embedded: EmbeddedChain, key: PrivateKey, probe_artifact: ProbeArtifact
) -> None:
    first = probe_artifact.deploy(embedded, key)
    second = probe_artifact.deploy(embedded, key)
    blocks = {}
    for value in (1, 2, 3):
        blocks[value] = embedded.send(key, probe_artifact.set_tx(first, value, f"n{value}")).block_number
    other = embedded.send(key, probe_artifact.set_tx(second, 99, "other"))
    topic = probe_artifact.topic("ValueSet")

    all_first = embedded.get_logs(0, embedded.block_number(), [first])
    assert [int.from_bytes(log.topics[2], "big") for log in all_first] == [1, 2, 3]
    assert all(log.address == first and log.topics[0] == topic for log in all_first)
    assert all_first[0].topics[1][12:] == bytes.fromhex(key.address[2:])

    middle = embedded.get_logs(blocks[2], blocks[2], [first])
    assert len(middle) == 1 and middle[0].block_number == blocks[2]

    both = embedded.get_logs(0, embedded.block_number(), [first, second])
    assert len(both) == 4 and both[-1].tx_hash == other.tx_hash

    by_value = embedded.get_logs(
        0, embedded.block_number(), [first, second], [topic, None, (3).to_bytes(32, "big")]
    )
    assert [log.block_number for log in by_value] == [blocks[3]]
    assert embedded.get_logs(0, embedded.block_number(), [first], [b"\x00" * 32]) == []


def test_send_many_one_block(
    embedded: EmbeddedChain, key: PrivateKey, probe: str, probe_artifact: ProbeArtifact
) -> None:
    before = embedded.block_number()
    receipts = embedded.send_many(key, [probe_artifact.set_tx(probe, v, "") for v in range(1, 21)])
    assert len(receipts) == 20
    assert {r.block_number for r in receipts} == {before + 1}
    assert all(r.succeeded for r in receipts)
    assert [log.log_index for r in receipts for log in r.logs] == list(range(20))
    assert probe_artifact.decode_uint(embedded.call(probe, probe_artifact.calldata("value"))) == 20


def test_call_at_old_block(
    embedded: EmbeddedChain, key: PrivateKey, probe: str, probe_artifact: ProbeArtifact
) -> None:
    at = {}
    for value in (10, 20, 30):
        at[value] = embedded.send(key, probe_artifact.set_tx(probe, value)).block_number
    for value, block in at.items():
        assert (
            probe_artifact.decode_uint(embedded.call(probe, probe_artifact.calldata("value"), block=block))
            == value
        )
    with pytest.raises(ValidationError):
        embedded.call(probe, probe_artifact.calldata("value"), block=embedded.block_number() + 1)


def test_timestamps_strictly_increase(
    embedded: EmbeddedChain, key: PrivateKey, probe: str, probe_artifact: ProbeArtifact
) -> None:
    for value in range(5):
        embedded.send(key, probe_artifact.set_tx(probe, value))
    stamps = [embedded.block_timestamp(n) for n in range(embedded.block_number() + 1)]
    assert all(b > a for a, b in itertools.pairwise(stamps))


def test_rejected_batch_leaves_no_block(
    embedded: EmbeddedChain, key: PrivateKey, probe: str, probe_artifact: ProbeArtifact
) -> None:
    before = embedded.block_number()
    bad = Transaction(to=probe, data=probe_artifact.calldata("set", 5, ""), gas=1_000)  # below intrinsic gas
    with pytest.raises(TransactionRejected):
        embedded.send_many(key, [probe_artifact.set_tx(probe, 4), bad])
    assert embedded.block_number() == before
    assert probe_artifact.decode_uint(embedded.call(probe, probe_artifact.calldata("value"))) == 0
    # The chain still works and nonces were not consumed.
    assert embedded.send(key, probe_artifact.set_tx(probe, 6)).succeeded


def test_fund(embedded: EmbeddedChain, other_key: PrivateKey) -> None:
    embedded.fund(other_key.address, 10**18)
    assert embedded.balance(other_key.address) == 10**18
    value_tx = Transaction(to="0x" + "22" * 20, data=b"", gas=21_000, value=10**17)
    assert embedded.send(other_key, value_tx).succeeded
    assert embedded.balance("0x" + "22" * 20) == 10**17


# -- persistence, locking, crash safety (real subprocesses) ------------------------------------

_READER = r"""
import json, sys
from pathlib import Path
from ledger.chain.blocks import ordered_trie
from ledger.chain.embedded import EmbeddedChain

path, probe, value_call = Path(sys.argv[1]), sys.argv[2], bytes.fromhex(sys.argv[3])
blocks = json.loads(sys.argv[4])
with EmbeddedChain(path, lock_timeout=5) as chain:
    head = chain.block_number()
    out = {
        "head": head,
        "chain_id": chain.identity().chain_id,
        "values": {str(b): chain.call(probe, value_call, block=b).hex() for b in blocks},
        "latest": chain.call(probe, value_call).hex(),
        "logs": [[l.block_number, l.log_index, l.topics[2].hex(), l.tx_hash.hex()] for l in chain.get_logs(0, head, [probe])],
        "timestamps": [chain.block_timestamp(n) for n in range(head + 1)],
    }
print(json.dumps(out))
"""


def _run_python(code: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def test_state_logs_and_old_blocks_survive_a_restart(
    tmp_path: Path, key: PrivateKey, probe_artifact: ProbeArtifact
) -> None:
    path = tmp_path / "ws" / "chain.sqlite"
    blocks: dict[int, int] = {}
    with EmbeddedChain(path, chain_id=4242) as chain:
        probe = probe_artifact.deploy(chain, key)
        for value in (11, 22, 33):
            blocks[value] = chain.send(key, probe_artifact.set_tx(probe, value, "v")).block_number
        batch = chain.send_many(key, [probe_artifact.set_tx(probe, v) for v in (44, 55)])
        logs = chain.get_logs(0, chain.block_number(), [probe])
        stamps = [chain.block_timestamp(n) for n in range(chain.block_number() + 1)]
        head = chain.block_number()

    result = _run_python(
        _READER, str(path), probe, probe_artifact.calldata("value").hex(), json.dumps(list(blocks.values()))
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["head"] == head == batch[0].block_number
    assert seen["chain_id"] == 4242
    for value, block in blocks.items():
        assert probe_artifact.decode_uint(bytes.fromhex(seen["values"][str(block)])) == value
    assert probe_artifact.decode_uint(bytes.fromhex(seen["latest"])) == 55
    assert seen["logs"] == [[l.block_number, l.log_index, l.topics[2].hex(), l.tx_hash.hex()] for l in logs]
    assert seen["timestamps"] == stamps

    # The writer side works again after the reader released the lock; nonces continue.
    with EmbeddedChain(path) as chain:
        receipt = chain.send(key, probe_artifact.set_tx(probe, 66))
        assert receipt.succeeded and receipt.block_number == head + 1
        assert chain.receipt(batch[1].tx_hash) == batch[1]


_HOLDER = r"""
import sys
from pathlib import Path
from ledger.chain.blocks import ordered_trie
from ledger.chain.embedded import EmbeddedChain

chain = EmbeddedChain(Path(sys.argv[1]))
print("locked", flush=True)
sys.stdin.readline()
chain.close()
print("released", flush=True)
sys.stdin.readline()
"""


def test_second_process_waits_then_fails_or_gets_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "chain.sqlite"
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline().strip() == "locked"

        start = time.monotonic()
        with pytest.raises(WorkspaceLocked) as info:
            EmbeddedChain(path, lock_timeout=0.5)
        assert time.monotonic() - start >= 0.5
        assert info.value.path == str(path) and info.value.timeout == 0.5

        opened: list[EmbeddedChain] = []
        waiter = threading.Thread(target=lambda: opened.append(EmbeddedChain(path, lock_timeout=30)))
        waiter.start()
        holder.stdin.write("release\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "released"
        waiter.join(timeout=30)
        assert not waiter.is_alive() and len(opened) == 1
        with opened[0] as chain:
            assert chain.block_number() == 0
    finally:
        holder.kill()
        holder.wait(timeout=10)


_WRITER = r"""
import sys
from pathlib import Path
from ledger.chain.base import Transaction
from ledger.chain.blocks import ordered_trie
from ledger.chain.embedded import EmbeddedChain
from ledger.crypto.keys import PrivateKey

path, key_hex, code, selector = Path(sys.argv[1]), sys.argv[2], bytes.fromhex(sys.argv[3]), bytes.fromhex(sys.argv[4])
key = PrivateKey.from_hex(key_hex)
with EmbeddedChain(path) as chain:
    probe = chain.deploy(key, code, gas=1_000_000).contract_address
    print(probe, flush=True)
    value = 0
    while True:
        txs = []
        for _ in range(20):
            value += 1
            data = selector + value.to_bytes(32, "big") + (64).to_bytes(32, "big") + bytes(32)
            txs.append(Transaction(to=probe, data=data, gas=200_000))
        receipts = chain.send_many(key, txs)
        print(receipts[0].block_number, value, flush=True)
"""


def test_killed_writer_leaves_a_consistent_chain(
    tmp_path: Path, key: PrivateKey, probe_artifact: ProbeArtifact
) -> None:
    path = tmp_path / "chain.sqlite"
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path), key.secret_bytes().hex(), probe_artifact.bytecode.hex(),
         probe_artifact.selector("set").hex()],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert writer.stdout is not None
        probe = writer.stdout.readline().strip()
        deadline = time.monotonic() + 60
        last_block = 0
        while last_block < 6:  # let it commit a few blocks, then kill it wherever it is
            assert time.monotonic() < deadline, "the writer did not mine in time"
            line = writer.stdout.readline()
            assert line, "the writer died"
            last_block = int(line.split()[0])
        writer.send_signal(signal.SIGKILL)
    finally:
        writer.kill()
        writer.wait(timeout=10)

    with EmbeddedChain(path) as chain:
        head = chain.block_number()
        assert head >= last_block
        value_call = probe_artifact.calldata("value")
        for block in range(2, head + 1):  # block 1 is the deployment; each later block holds 20 sets
            logs = chain.get_logs(block, block, [probe])
            assert len(logs) == 20
            values = [int.from_bytes(log.topics[2], "big") for log in logs]
            assert values == list(range(values[0], values[0] + 20)) and values[-1] == (block - 1) * 20
            assert probe_artifact.decode_uint(chain.call(probe, value_call, block=block)) == values[-1]
            for tx_hash in {log.tx_hash for log in logs}:
                stored = chain.receipt(tx_hash)
                assert stored is not None and stored.block_number == block and stored.succeeded
        assert chain.send(key, probe_artifact.set_tx(probe, 7)).block_number == head + 1


def test_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "chain.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(WorkspaceError):
        EmbeddedChain(path)
    # The failed open released its lock.
    path.unlink()
    with EmbeddedChain(path, lock_timeout=0.1) as chain:
        assert chain.block_number() == 0


def test_closed_chain_refuses_work(key: PrivateKey, probe_artifact: ProbeArtifact) -> None:
    chain = EmbeddedChain()
    chain.close()
    chain.close()
    with pytest.raises(ChainError):
        chain.block_number()
    with pytest.raises(ChainError):
        chain.send(key, probe_artifact.set_tx("0x" + "00" * 20, 1))


def test_failed_commit_writes_nothing(
    tmp_path: Path, key: PrivateKey, probe_artifact: ProbeArtifact, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "chain.sqlite"
    with EmbeddedChain(path) as chain:
        probe = probe_artifact.deploy(chain, key)
        chain.send(key, probe_artifact.set_tx(probe, 1))
        head = chain.block_number()
        store = chain._store
        assert store is not None
        real_flush = store.kv._flush

        def flush_then_fail() -> None:
            real_flush()  # py-evm's data is already in the open SQLite transaction ...
            raise sqlite3.OperationalError("disk I/O error")  # ... when the disk fails

        monkeypatch.setattr(store.kv, "_flush", flush_then_fail)
        with pytest.raises(WorkspaceError):
            chain.send_many(key, [probe_artifact.set_tx(probe, 2), probe_artifact.set_tx(probe, 3)])
        monkeypatch.undo()
        assert chain.block_number() == head
        assert probe_artifact.decode_uint(chain.call(probe, probe_artifact.calldata("value"))) == 1
        assert chain.get_logs(head + 1, head + 5, [probe]) == []
        assert chain.send(key, probe_artifact.set_tx(probe, 4)).block_number == head + 1

    with EmbeddedChain(path) as chain:
        assert chain.block_number() == head + 1
        assert [int.from_bytes(log.topics[2], "big") for log in chain.get_logs(0, head + 1, [probe])] == [
            1,
            4,
        ]


# -- block building: same roots as py-evm, blocks that pass py-evm's full import validation ----


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.binary(min_size=1, max_size=80), max_size=300))
def test_ordered_trie_matches_py_evm(values: list[bytes]) -> None:
    from eth.db.trie import _make_trie_root_and_nodes

    root, nodes = ordered_trie(values)
    expected_root, expected_nodes = _make_trie_root_and_nodes(tuple(values))
    assert root == expected_root
    assert nodes == expected_nodes


def test_blocks_pass_py_evm_import_validation(
    embedded: EmbeddedChain, key: PrivateKey, other_key: PrivateKey, probe: str, probe_artifact: ProbeArtifact
) -> None:
    """Re-execute every block on a fresh, plain py-evm chain (py-evm's own storage tries, not the batched
    ones of ledger.chain.storage) with full validation (roots, gas, state)."""
    from eth.chains.base import MiningChain
    from eth.db.atomic import AtomicDB
    from eth.vm.forks.prague import PragueVM

    from ledger.chain.embedded import FAUCET_BALANCE, FAUCET_KEY

    class PlainChain(MiningChain):
        vm_configuration = ((0, PragueVM),)
        chain_id = embedded.identity().chain_id

    embedded.send_many(key, [probe_artifact.set_tx(probe, v, "batch") for v in range(1, 41)])
    embedded.send(key, probe_artifact.set_tx(probe, 99, "alone"))
    embedded.send(key, Transaction(to=probe, data=probe_artifact.calldata("setNonZero", 0), gas=100_000))
    embedded.fund(other_key.address, 5)
    # Many storage slots written in one block, and slots cleared: the batched trie update at work.
    from ledger.contracts.deployment import Contracts, deploy
    from ledger.types import ContributionItem, ContributionKind, IssuerKind

    deployment = deploy(embedded, key)
    ledger = Contracts(embedded, deployment)
    ledger.issuers.add_issuer(key, other_key.address, IssuerKind.COMMUNITY, [], bytes(32))
    items = [ContributionItem(i.to_bytes(32, "big"), bytes(31) + b"\1", bytes(32), ContributionKind.CODE, 1, 1,
                              1_700_000_000, bytes(32)) for i in range(1, 301)]
    embedded.send_many(other_key, [ledger.contributions.build_record(items[i:i + 100]) for i in range(0, 300, 100)])
    assert all(c.exists for c in ledger.contributions.contributions([i.key for i in items]))
    embedded.send(key, probe_artifact.set_tx(probe, 0, ""))  # the probe's slots back to zero: deleted

    chain = embedded._chain
    blocks = [chain.get_canonical_block_by_number(n) for n in range(embedded.block_number() + 1)]
    genesis = blocks[0].header
    params = {
        name: getattr(genesis, name) for name in ("difficulty", "gas_limit", "timestamp", "base_fee_per_gas")
    }
    faucet = {"balance": FAUCET_BALANCE, "nonce": 0, "code": b"", "storage": {}}
    fresh = PlainChain.from_genesis(
        AtomicDB(), params, {bytes.fromhex(FAUCET_KEY.address[2:]): faucet}
    )
    assert fresh.get_canonical_head() == genesis
    for block in blocks[1:]:
        fresh.import_block(block)  # raises on any mismatch
    assert fresh.get_canonical_head() == blocks[-1].header


def test_refusals_are_ledger_errors(embedded: EmbeddedChain, key: PrivateKey) -> None:
    broke = PrivateKey(keccak256(b"ledger chain tests: no balance"))
    with pytest.raises(InsufficientFunds) as info:
        embedded.send(broke, Transaction(to="0x" + "11" * 20, data=b"", gas=21_000, value=5))
    assert info.value.sender == broke.address
    with pytest.raises(TransactionRejected):
        embedded.send(key, Transaction(to="0x" + "11" * 20, data=b"", gas=10**16))
    with pytest.raises(CapabilityError):
        embedded.send(PrivateKey(key.secret_bytes(), "sm"), Transaction(to=None, data=b"", gas=100_000))
    with pytest.raises(ValidationError):
        embedded.call("0x1234", b"")
    assert embedded.block_number() == 0


def test_committed_probe_artifact_is_fresh(tmp_path: Path) -> None:
    """probe.json is what compile_probe.js makes from Probe.sol today (needs node and npm's solc)."""
    here = Path(__file__).parent
    repo = here.parent.parent
    if shutil.which("node") is None or not (repo / "node_modules" / "solc").is_dir():
        pytest.skip("node or node_modules/solc is missing (npm ci installs it)")
    out = tmp_path / "probe.json"
    done = subprocess.run(
        ["node", str(here / "compile_probe.js"), str(out)],
        check=False,
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text()) == json.loads((here / "probe.json").read_text()), (
        "tests/chain/probe.json is stale: run `node tests/chain/compile_probe.js`"
    )


def test_calls_never_change_state(
    embedded: EmbeddedChain, key: PrivateKey, probe: str, probe_artifact: ProbeArtifact
) -> None:
    embedded.send(key, probe_artifact.set_tx(probe, 3))
    value = probe_artifact.calldata("value")
    for _ in range(3):  # a writing function run as a call, again and again on the same block
        embedded.call(probe, probe_artifact.calldata("set", 77, "call"), sender=key.address)
        assert probe_artifact.decode_uint(embedded.call(probe, value)) == 3
    assert (
        embedded.get_logs(
            0,
            embedded.block_number(),
            [probe],
            [probe_artifact.topic("ValueSet"), None, (77).to_bytes(32, "big")],
        )
        == []
    )
    # The next transaction sees the real nonce and state.
    receipt = embedded.send(key, probe_artifact.set_tx(probe, 4))
    assert receipt.succeeded
    assert probe_artifact.decode_uint(embedded.call(probe, value)) == 4
    assert probe_artifact.decode_uint(embedded.call(probe, value, block=receipt.block_number - 1)) == 3


def test_threads_share_one_chain(embedded: EmbeddedChain, probe: str, probe_artifact: ProbeArtifact) -> None:
    keys = [PrivateKey(keccak256(f"ledger chain tests: thread {i}".encode())) for i in range(4)]
    errors: list[BaseException] = []

    def work(key: PrivateKey) -> None:
        try:
            for value in range(5):
                assert embedded.send(key, probe_artifact.set_tx(probe, value, key.address)).succeeded
                embedded.call(probe, probe_artifact.calldata("value"))
            assert all(r.succeeded for r in embedded.send_many(key, [probe_artifact.set_tx(probe, 9)] * 3))
        except BaseException as exc:  # noqa: BLE001 - surfaced below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in keys] + [
        threading.Thread(target=work, args=(keys[0],))  # two threads on one key: nonces must not clash
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    logs = embedded.get_logs(0, embedded.block_number(), [probe])
    assert len(logs) == len(threads) * 8


def test_key_value_store_iterates_committed_and_pending_keys(tmp_path: Path) -> None:
    from ledger.chain.kvstore import ChainStore

    store = ChainStore(tmp_path / "kv.sqlite")
    kv = store.kv
    kv[b"a"] = b"1"
    kv[b"b"] = b"2"
    store.commit([], [])
    del kv[b"a"]
    kv[b"c"] = b"3"
    assert sorted(kv) == [b"b", b"c"] and len(kv) == 2
    store.commit([], [])
    assert sorted(ChainStore(tmp_path / "kv.sqlite").kv) == [b"b", b"c"]
