"""``ledger node`` as users run it: a real process on 127.0.0.1, the demo through the native protocols.

``ledger demo --network fisco3 --rpc-url URL`` runs the whole story (committee, issuers, contributions,
co-signs, checked issuance, a Merkle batch, verification, revocation) against ``ledger node --protocol
fisco3 --crypto sm``, and the same through fisco2. Each process is bounded in time and stopped by its pid.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

LEDGER = [sys.executable, "-m", "ledger.cli"] if not (Path(sys.executable).parent / "ledger").exists() else [
    str(Path(sys.executable).parent / "ledger")
]
START_TIMEOUT = 60.0


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env["HOME"] = str(tmp_path)
    return env


class NodeProcess:
    """A ``ledger node --json`` process and the line it printed at start."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [*LEDGER, "node", "--json", "--port", "0", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self.proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(START_TIMEOUT)
        if not line or not line[0].strip():
            self.stop()
            raise AssertionError(f"ledger node printed nothing: {self.proc.stderr.read() if self.proc.stderr else ''}")
        self.info: dict[str, Any] = json.loads(line[0])

    def stop(self) -> tuple[int, str, str]:
        """Ctrl-C, then wait (bounded) for a clean exit."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            out, err = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
        return self.proc.returncode, out, err


@pytest.fixture
def node_process(tmp_path: Path) -> Iterator[Any]:
    started: list[NodeProcess] = []

    def start(*args: str) -> NodeProcess:
        started.append(NodeProcess(list(args), _env(tmp_path)))
        return started[-1]

    yield start
    for process in started:
        process.stop()


@pytest.mark.parametrize("protocol", ["fisco3", "fisco2"])
def test_the_demo_passes_through_the_native_protocol_on_an_sm_node(
    node_process: Any, tmp_path: Path, protocol: str
) -> None:
    node = node_process("--protocol", protocol, "--crypto", "sm")
    assert node.info["url"].startswith("http://127.0.0.1:") and node.info["crypto"] == "sm"
    assert node.info["connect"] == f"ledger init --network {protocol} --rpc-url {node.info['url']}"
    demo = subprocess.run(
        [*LEDGER, "demo", "--network", protocol, "--rpc-url", node.info["url"], "--batch-size", "50", "--json"],
        capture_output=True, text=True, timeout=600, env=_env(tmp_path), check=False,
    )
    assert demo.returncode == 0, demo.stderr[-3000:]
    story = json.loads(demo.stdout)
    assert story["ok"] is True and all(step["ok"] for step in story["steps"])
    summary = story["summary"]
    assert (summary["verified_valid"], summary["verified_invalid"], summary["certificates_batch"]) == (4, 2, 50)
    code, _out, err = node.stop()
    assert code == 0, err


def test_stopping_keeps_the_state_and_other_settings_are_refused(node_process: Any, tmp_path: Path) -> None:
    state = tmp_path / "chain"
    first = node_process("--protocol", "fisco2", "--crypto", "sm", "--state", str(state))
    ws = tmp_path / "ws"
    env = {**_env(tmp_path), "LEDGER_PASSWORD": "node-test-password"}
    init = subprocess.run(
        [*LEDGER, "init", "-w", str(ws), "--network", "fisco2", "--rpc-url", first.info["url"], "--json"],
        capture_output=True, text=True, timeout=300, env=env, check=False,
    )
    assert init.returncode == 0, init.stderr[-2000:]
    deployed = json.loads(init.stdout)
    assert deployed["crypto"] == "sm"
    code, _, err = first.stop()
    assert code == 0, err
    again = node_process("--protocol", "fisco2", "--crypto", "sm", "--state", str(state))
    assert again.info["block_number"] >= deployed["block_number"]
    members = subprocess.run(  # the port is new: the URL comes from the environment
        [*LEDGER, "committee", "list", "-w", str(ws), "--json"],
        capture_output=True, text=True, timeout=300, env={**env, "LEDGER_RPC_URL": again.info["url"]}, check=False,
    )
    assert members.returncode == 0, members.stderr[-2000:]
    assert deployed["committee_member"] in members.stdout
    again.stop()
    refused = subprocess.run(
        [*LEDGER, "node", "--protocol", "fisco3", "--state", str(state), "--port", "0"],
        capture_output=True, text=True, timeout=120, env=_env(tmp_path), check=False,
    )
    assert refused.returncode == 2 and "other settings" in refused.stderr


def test_help_names_the_protocols_and_an_example(tmp_path: Path) -> None:
    shown = subprocess.run([*LEDGER, "node", "--help"], capture_output=True, text=True, timeout=120,
                           env=_env(tmp_path), check=True).stdout
    assert "--protocol" in shown and "--crypto" in shown and "Examples:" in shown and "ledger node --protocol" in shown
