"""Start and stop a real anvil node (from npm) for integration tests and benchmarks.

The binary is ``node_modules/.bin/anvil`` (``@foundry-rs/anvil``, pinned in ``package.json``). Each
:class:`Anvil` listens on 127.0.0.1 on a free port, keeps its cache in a private temporary directory
(by default anvil writes snapshots under ``~/.foundry``), runs with ``--prune-history`` and, unless told
otherwise, ``--mixed-mining --block-time 1`` (a block per transaction, plus one per second so that a burst
left pending is still mined). Start-up is awaited by polling ``eth_chainId`` against a deadline; stopping
kills the process and removes its files.

A missing binary is an error telling the user to run ``npm ci``: integration tests must not be skipped
silently because a setup step was forgotten.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
ANVIL_BINARY = REPO_ROOT / "node_modules" / ".bin" / "anvil"

#: The first dev account of anvil's default mnemonic ("test test ... junk"): public knowledge, funded with
#: 10,000 ether on every fresh anvil. Never use it on a real network.
DEV_KEY_HEX = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"

#: The default chain id of anvil.
ANVIL_CHAIN_ID = 31337


class AnvilMissing(RuntimeError):
    """The anvil binary from npm is not installed."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def binary() -> Path:
    """Path of the anvil binary; raises :class:`AnvilMissing` with the fix when it is absent."""
    if not ANVIL_BINARY.exists():
        raise AnvilMissing(
            f"anvil is not installed at {ANVIL_BINARY}; run `npm ci` in {REPO_ROOT} "
            "(installs @foundry-rs/anvil pinned in package.json)"
        )
    return ANVIL_BINARY


class Anvil:
    """One anvil process. Use as a context manager, or call :meth:`start` and :meth:`stop`.

    Args:
        mining: ``"mixed"`` (a block per transaction and one per second), ``"auto"`` (a block per
            transaction), or ``"none"`` (``--no-mining``: nothing is mined unless asked with ``evm_mine``).
        chain_id: ``--chain-id``; anvil's default (31337) when ``None``.
        extra_args: more command-line arguments.
        startup_timeout: seconds to wait for the node to answer.
    """

    def __init__(
        self,
        *,
        mining: str = "mixed",
        chain_id: int | None = None,
        extra_args: Sequence[str] = (),
        startup_timeout: float = 30.0,
    ) -> None:
        if mining not in ("mixed", "auto", "none"):
            raise ValueError(f"mining must be 'mixed', 'auto' or 'none', not {mining!r}")
        self.mining = mining
        self.chain_id = chain_id
        self.extra_args = tuple(extra_args)
        self.startup_timeout = startup_timeout
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._dir: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def command(self) -> list[str]:
        assert self._dir is not None
        cmd = [
            str(binary()),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--prune-history",
            "--cache-path",
            str(self._dir / "cache"),
            "--silent",
        ]
        if self.mining == "mixed":
            cmd += ["--mixed-mining", "--block-time", "1"]
        elif self.mining == "none":
            cmd += ["--no-mining"]
        if self.chain_id is not None:
            cmd += ["--chain-id", str(self.chain_id)]
        return cmd + list(self.extra_args)

    def start(self) -> Anvil:
        """Start the process and wait until it answers JSON-RPC; retries once on a port clash."""
        binary()
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="ledger-anvil-"))
        last_error = ""
        for _attempt in range(3):
            self.port = free_port()
            with open(self._dir / "anvil.log", "wb") as log:  # the child keeps its own copy of the fd
                self.process = subprocess.Popen(
                    self.command(),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
            if self._wait_ready():
                return self
            last_error = (self._dir / "anvil.log").read_text(errors="replace")[-2000:]
            self._terminate()
        self.stop()
        raise RuntimeError(f"anvil did not start within {self.startup_timeout:g} s: {last_error}")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            try:
                self.rpc("eth_chainId", timeout=1.0)
                return True
            except (OSError, urllib.error.URLError):
                time.sleep(0.02)
        return False

    def rpc(self, method: str, params: list[object] | None = None, *, timeout: float = 10.0) -> object:
        """One raw JSON-RPC call to this node (a test helper independent of the backend under test)."""
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}).encode()
        request = urllib.request.Request(self.url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.loads(response.read())
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def mine(self, blocks: int = 1) -> None:
        """Mine ``blocks`` blocks now (works in every mining mode)."""
        self.rpc("anvil_mine", [hex(blocks)])

    def _terminate(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def kill(self) -> None:
        """Stop the process at once (to simulate a node that dies), keeping its files for inspection."""
        self._terminate()

    def stop(self) -> None:
        """Stop the process and remove its files. Safe to call twice."""
        self._terminate()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> Anvil:  # noqa: PYI034 - a final class in practice
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
