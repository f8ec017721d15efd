"""``ledger node``: a FISCO BCOS-compatible local node for development and CI."""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import click

from ledger.cli import render
from ledger.cli.app import App, json_option, pass_app


@click.command()
@json_option
@click.option("--protocol", type=click.Choice(["fisco3", "fisco2"]), default="fisco3", show_default=True,
              help="FISCO BCOS line served: fisco3 (native 3.x JSON-RPC, Tars transactions) or fisco2 (2.x, RLP).")
@click.option("--crypto", type=click.Choice(["ecdsa", "sm"]), default="ecdsa", show_default=True,
              help="ecdsa, or sm: an SM (guomi) chain (SM2 signatures, SM3 hashes, SM3 for the KECCAK256 opcode).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. The node has no access control: keep it on loopback.")
@click.option("--port", type=click.IntRange(0, 65535), default=None,
              help="Port (default 20200 for fisco3, 8545 for fisco2; 0 picks a free one).")
@click.option("--state", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Keep the chain in DIR across restarts (default: in memory, gone at exit).")
@click.option("--block-time", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Seconds between blocks; 0 seals as soon as transactions arrive.")
@click.option("--chain-id", default=None, help="Chain id transactions must carry (default chain0 / 1).")
@click.option("--group", default=None, help="Group id (default group0 / 1).")
@pass_app
def node(
    app: App, protocol: str, crypto: str, host: str, port: int | None, state: Path | None, block_time: float,
    chain_id: str | None, group: str | None,
) -> None:
    """Run a FISCO BCOS-compatible node on this machine (as anvil is for Ethereum).

    It serves FISCO BCOS's native JSON-RPC over HTTP and applies FISCO's rules to what it receives
    (block limit window, duplicate nonces, chain and group ids, signatures of the chain's crypto type,
    FISCO's status codes), executing on the embedded chain. No FISCO binary is needed; any key of the
    chain's crypto type can send (gas is free). Ctrl-C stops it cleanly.

    \b
    Examples:
      ledger node                                        3.x, ECDSA, http://127.0.0.1:20200
      ledger node --protocol fisco3 --crypto sm --port 20300
      ledger node --protocol fisco2 --state ./fisco2-chain --block-time 1
      ledger demo --network fisco3 --rpc-url http://127.0.0.1:20200   (in another terminal)
    """
    from ledger.node import FiscoNode, NodeSettings  # lazy: py-evm loads only for this command

    settings = NodeSettings(protocol=protocol, crypto=crypto, host=host, port=port, state=state,
                            block_time=block_time, chain_id=chain_id, group=group)
    if host not in ("127.0.0.1", "::1", "localhost"):
        click.echo(f"warning: listening on {host}: anyone who reaches it can send transactions and read the "
                   "chain (a development node has no access control)", err=True)
    try:
        running = FiscoNode(settings)
    except OSError as exc:
        raise click.UsageError(f"cannot listen on {host}:{settings.listen_port}: {exc.strerror or exc}") from None
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        running.start()
        _announce(app, running.info())
        while not stop.wait(0.5):
            pass
    finally:
        running.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if not app.json_output:
        render.message("ledger node stopped; " + ("the chain is kept in " + str(state) if state else "the chain is gone"))


def _announce(app: App, info: dict[str, Any]) -> None:
    if app.json_output:
        # one line, flushed: scripts and tests read it to learn the URL
        sys.stdout.write(json.dumps(info) + "\n")
        sys.stdout.flush()
        return
    render.fields(
        f"ledger node: FISCO BCOS {info['fisco_version']} compatible ({info['protocol']}, {info['crypto']})",
        [
            ("RPC URL", info["url"]),
            ("chain id", info["chain_id"]),
            ("group id", info["group_id"]),
            *([("web3 chain id", info["web3_chain_id"])] if "web3_chain_id" in info else []),
            ("crypto", "SM (SM2 signatures, SM3 hashes)" if info["crypto"] == "sm" else "ECDSA (secp256k1, keccak256)"),
            ("keys", info["keys"]),
            ("state", info["state"] or "in memory (gone at exit)"),
            ("block time", f"{info['block_time']:g} s" if info["block_time"] else "a block as soon as transactions arrive"),
            ("connect", info["connect"]),
        ],
    )
    render.message("Ctrl-C stops the node.")
    sys.stdout.flush()


COMMANDS = [node]
