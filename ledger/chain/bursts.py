"""The burst journal: a burst's signed transactions written down before they leave, so that a stop
(a dead node, a killed process, a power cut) loses nothing and a re-run repeats nothing.

A *burst* is a list of requests sent together from one key (``ChainBackend.send_many``). Before any of
it is sent, :meth:`BurstJournal.send` writes the requests to ``<journal>/<burst>/requests.json``
(synced); while the backend signs, every signed transaction is appended to ``signed.jsonl`` (and
synced) just before it leaves for the node (``ledger.chain.base.announce``), as geth journals its
local transactions. When every receipt is in, the burst's directory is removed.

A burst that did not finish stays, and is *settled* before the next burst of the same key is sent
(or by ``ledger recover``):

* a request one of whose signed versions has a receipt was mined: reported with its block;
* a signed version without a receipt is sent again exactly as signed (same hash: the chain cannot
  mine it twice), then waited for;
* a request none of whose versions can ever be mined (its nonce was used by another transaction, its
  block limit passed, or the chain keeps no pool) is sent anew, as is a request that was never signed;
* a version the node refuses outright is reported with the node's reason and not sent again.

So every request is carried out once: not lost (whatever was not mined is sent), not repeated (a
request is sent anew only once no version of it can be mined). A burst that is being sent holds an
``flock`` on its directory's ``lock`` file, so another process settling bursts leaves it alone.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledger.chain.base import ChainBackend, Outgoing, Receipt, Transaction, observing_outgoing
from ledger.crypto.keys import PrivateKey
from ledger.errors import ChainError, InsufficientFunds, LedgerError, TransactionRejected, TransactionTimeout
from ledger.files import fsync_directory, make_directory, write_private_file

try:
    import fcntl
except ImportError:  # Windows: bursts are not shared between processes there
    fcntl = None  # type: ignore[assignment]


@dataclass
class Settlement:
    """What settling one unfinished burst found and did, request by request (by index in the burst)."""

    burst: str
    requests: int
    mined: dict[int, Receipt] = field(default_factory=dict)  # a signed version was (or is now) mined
    sent_again: list[int] = field(default_factory=list)  # sent again as signed, then mined
    sent_anew: dict[int, Receipt] = field(default_factory=dict)  # never signed, or no version could be mined
    refused: dict[int, str] = field(default_factory=dict)  # the node refuses it: not sent again

    def to_dict(self) -> dict[str, Any]:
        return {
            "burst": self.burst,
            "requests": self.requests,
            "mined_before": sorted(set(self.mined) - set(self.sent_again)),
            "sent_again_as_signed": sorted(self.sent_again),
            "sent_anew": sorted(self.sent_anew),
            "refused": {str(i): reason for i, reason in sorted(self.refused.items())},
            "transactions": {str(i): "0x" + r.tx_hash.hex() for i, r in sorted({**self.mined, **self.sent_anew}.items())},
        }


class BurstJournal:
    """The bursts of one workspace, in ``directory`` (made 0700 when the first burst is sent)."""

    def __init__(self, directory: Path, *, poll_interval: float = 0.05) -> None:
        self.directory = directory
        self.poll_interval = poll_interval

    # -- sending -------------------------------------------------------------------------------------

    def send(
        self, chain: ChainBackend, key: PrivateKey, txs: Sequence[Transaction], *, timeout: float = 120.0
    ) -> tuple[list[Receipt], list[Settlement]]:
        """Settle this key's unfinished bursts, then send ``txs`` as a journaled burst.

        Returns:
            the receipts of ``txs`` in order, and what settling earlier bursts did.

        Raises:
            whatever ``send_many`` raises, with a hint that the burst is journaled (when anything of it
            may have left) and how it will be settled.
        """
        settled = self.settle(chain, key, timeout=timeout)
        if not txs:
            return [], settled
        burst = _Burst.create(self.directory, key.address, chain, txs)
        try:
            receipts = burst.send(chain, key, txs, timeout=timeout)
        finally:
            burst.release()
        return receipts, settled

    # -- settling ------------------------------------------------------------------------------------

    def pending(self, sender: str | None = None) -> list[str]:
        """Ids of the unfinished bursts (of ``sender``), oldest first."""
        if not self.directory.is_dir():
            return []
        out = []
        for d in sorted(self.directory.iterdir()):
            requests = d / "requests.json"
            if not requests.exists():
                continue
            if sender is not None:
                try:
                    if json.loads(requests.read_text())["sender"].lower() != sender.lower():
                        continue
                except (OSError, ValueError, KeyError):
                    continue
            out.append(d.name)
        return out

    def settle(self, chain: ChainBackend, key: PrivateKey | None, *, timeout: float = 120.0) -> list[Settlement]:
        """Settle every unfinished burst of ``key`` (every burst, without a key: then a request that needs
        signing anew keeps its burst open, for a run with the key). See the module's notes.

        Raises:
            TransactionTimeout: a version sent again was not mined in time (the burst stays).
            ChainError: the chain cannot be asked (the burst stays).
        """
        results = []
        for burst_id in self.pending(key.address if key is not None else None):
            burst = _Burst.take(self.directory / burst_id)
            if burst is None:
                continue  # another process is sending or settling it
            try:
                results.append(self._settle(chain, key, burst, timeout))
            finally:
                burst.release()
        return results

    def _settle(self, chain: ChainBackend, key: PrivateKey | None, burst: _Burst, timeout: float) -> Settlement:
        requests, versions = burst.load()
        result = Settlement(burst.path.name, len(requests))
        for i, tried in versions.items():
            for v in tried:
                receipt = chain.receipt(v.tx_hash)
                if receipt is not None:
                    result.mined[i] = receipt
                    break
        waiting: dict[int, list[Outgoing]] = {}
        dead: list[int] = []
        for i, tried in versions.items():
            if i in result.mined:
                continue
            alive = []
            for v in reversed(tried):  # the latest version first: a replacement outbids the one before
                try:
                    if chain.rebroadcast(v.raw, v.tx_hash):
                        alive.append(v)
                except (TransactionRejected, InsufficientFunds) as exc:
                    result.refused[i] = str(exc)
            if alive:
                waiting[i] = tried
            elif i not in result.refused:
                dead.append(i)
        if waiting:
            self._wait(chain, waiting, result, timeout)
        for i in dead:  # mined between the first look and the refusal?
            receipt = next((r for v in versions[i] if (r := chain.receipt(v.tx_hash)) is not None), None)
            if receipt is not None:
                result.mined[i] = receipt
        anew = [i for i in range(len(requests)) if i not in result.mined and i not in result.refused
                and (i not in versions or i in dead)]
        if anew:
            if key is None:
                raise ChainError(
                    f"burst {burst.path.name}: {len(anew)} request(s) were never mined and must be signed anew",
                    hint="run `ledger recover` (or any write) with the key that sent it",
                )
            burst.renew([requests[i] for i in anew])
            receipts = burst.send(chain, key, [requests[i] for i in anew], timeout=timeout)
            result.sent_anew.update(zip(anew, receipts))
        else:
            burst.remove()
        return result

    def _wait(self, chain: ChainBackend, waiting: dict[int, list[Outgoing]], result: Settlement, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        pause = self.poll_interval
        while waiting:
            for i in list(waiting):
                receipt = next((r for v in waiting[i] if (r := chain.receipt(v.tx_hash)) is not None), None)
                if receipt is not None:
                    result.mined[i] = receipt
                    result.sent_again.append(i)
                    del waiting[i]
            if not waiting:
                return
            if time.monotonic() >= deadline:
                first = min(waiting)
                raise TransactionTimeout("0x" + waiting[first][-1].tx_hash.hex(), timeout)
            time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
            pause = min(pause * 2, 1.0)


class _Burst:
    """One burst's directory: ``requests.json``, ``signed.jsonl`` and ``lock`` (flock-held while in use)."""

    def __init__(self, path: Path, lock_fd: int | None) -> None:
        self.path = path
        self._lock_fd = lock_fd
        self._generation = 0
        self._taken: dict[tuple[str, bytes, int], list[int]] = {}
        self._signed = 0
        self._recording = threading.Lock()

    @classmethod
    def create(cls, directory: Path, sender: str, chain: ChainBackend, txs: Sequence[Transaction]) -> _Burst:
        make_directory(directory)
        path = directory / f"{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(4)}"
        path.mkdir(mode=0o700)
        burst = cls(path, _lock(path, blocking=True))
        identity = chain.identity()
        burst._write_requests(sender, {"backend": identity.backend, "chain_id": identity.chain_id}, txs, 0)
        return burst

    @classmethod
    def take(cls, path: Path) -> _Burst | None:
        """The burst at ``path`` locked for this process, or ``None`` while another holds it."""
        fd = _lock(path, blocking=False)
        if fd is None and fcntl is not None:
            return None
        burst = cls(path, fd)
        return burst if (path / "requests.json").exists() else burst._gone()

    def _gone(self) -> None:
        self.release()

    def _write_requests(self, sender: str, chain: dict[str, Any], txs: Sequence[Transaction], generation: int) -> None:
        doc = {"sender": sender, "chain": chain, "generation": generation, "created": int(time.time()),
               "requests": [{"to": t.to, "data": t.data.hex(), "gas": t.gas, "value": t.value} for t in txs]}
        write_private_file(self.path / "requests.json", json.dumps(doc).encode())
        self._generation = generation
        self._taken = {}
        for i, t in enumerate(txs):
            self._taken.setdefault(_content(t.to, t.data, t.value), []).append(i)

    def load(self) -> tuple[list[Transaction], dict[int, list[Outgoing]]]:
        doc = json.loads((self.path / "requests.json").read_text())
        requests = [Transaction(r["to"], bytes.fromhex(r["data"]), int(r["gas"]), int(r["value"])) for r in doc["requests"]]
        self._generation = int(doc.get("generation", 0))
        versions: dict[int, list[Outgoing]] = {}
        signed = self.path / "signed.jsonl"
        if signed.exists():
            for line in signed.read_text().splitlines():
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue  # a line cut short by a crash: its transaction was never sent
                if entry.get("generation", 0) != self._generation or entry.get("request") is None:
                    continue  # an earlier round's (settled) or a filler's
                versions.setdefault(int(entry["request"]), []).append(Outgoing(
                    bytes.fromhex(entry["hash"]), bytes.fromhex(entry["raw"]), entry.get("to"), b"",
                    int(entry.get("value", 0)), entry.get("nonce")))
        self._sender_chain = (doc["sender"], doc["chain"])
        return requests, versions

    def renew(self, txs: Sequence[Transaction]) -> None:
        """Make ``txs`` (the requests still to carry out) this burst's next round: what was signed before
        belongs to the round settled, and is ignored from now on."""
        sender, chain = self._sender_chain
        self._write_requests(sender, chain, txs, self._generation + 1)

    def send(self, chain: ChainBackend, key: PrivateKey, txs: Sequence[Transaction], *, timeout: float) -> list[Receipt]:
        try:
            with observing_outgoing(self._record):
                receipts = chain.send_many(key, list(txs), timeout=timeout)
        except BaseException as exc:
            if self._signed == 0 and self._generation == 0:
                self.remove()  # nothing was signed, so nothing left: no burst to settle
            elif isinstance(exc, LedgerError):
                exc.hint = (f"{self._signed} signed transaction(s) of this burst of {len(txs)} may have reached the "
                            f"node; they are journaled in {self.path}. The next write with this key (or `ledger "
                            "recover`) finds out which were mined and sends the rest, once"
                            + (f". ({exc.hint})" if exc.hint else ""))
            raise
        self.remove()
        return receipts

    def _record(self, outgoing: Sequence[Outgoing]) -> None:
        """Append the signed transactions to ``signed.jsonl`` and sync, before they leave (one call at a
        time: a backend may sign on several threads)."""
        with self._recording:
            self._record_now(outgoing)

    def _record_now(self, outgoing: Sequence[Outgoing]) -> None:
        lines = []
        for o in outgoing:
            candidates = self._taken.get(_content(o.to, o.data, o.value), [])
            request = candidates[0] if candidates else None
            if len(candidates) > 1:
                # Equal requests are signed in order: the next equal one gets the next index. (A replacement
                # of one of several equal requests may be filed under its twin: either way one is mined.)
                candidates.append(candidates.pop(0))
            lines.append(json.dumps({"generation": self._generation, "request": request, "hash": o.tx_hash.hex(),
                                     "raw": o.raw.hex(), "to": o.to, "value": o.value, "nonce": o.nonce}))
        fd = os.open(self.path / "signed.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, ("\n".join(lines) + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        if self._signed == 0:
            fsync_directory(self.path)  # the file's name too
        self._signed += len(outgoing)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        fsync_directory(self.path.parent)

    def release(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None


def _content(to: str | None, data: bytes, value: int) -> tuple[str, bytes, int]:
    return ((to or "").lower(), data, value)


def _lock(path: Path, *, blocking: bool) -> int | None:
    if fcntl is None:
        return None
    try:
        fd = os.open(path / "lock", os.O_RDWR | os.O_CREAT, 0o600)
    except FileNotFoundError:
        return None  # settled and removed by another process meanwhile
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
    except OSError:
        os.close(fd)
        return None
    return fd
