"""``ledger demo``: the whole story on a throwaway workspace."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import click

from ledger.cli import render
from ledger.cli.app import App, json_option, network_options, pass_app


@click.command()
@json_option
@network_options
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(1, 1_000_000),
              help="Certificates in the demo's Merkle batch.")
@click.option("--keep", "keep", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Keep the demo workspace in DIR (default: a temporary folder, removed afterwards). Its keys "
                   "use the demo's public password, printed at the end: a demo workspace holds nothing secret.")
@pass_app
def demo(app: App, batch_size: int, keep: Path | None) -> None:
    """Run the end-to-end story: committee, issuers, contributions, certificates, verification.

    Uses a fresh workspace with its own embedded chain (or --rpc-url URL for a node such as anvil or
    FISCO BCOS's web3 RPC), so nothing of yours is touched.

    \b
    Examples:
      ledger demo
      ledger demo --rpc-url http://127.0.0.1:8545
      ledger demo --keep ./demo-ws --json
    """
    from ledger.config import NetworkSettings
    from ledger.demo import DemoSummary, run_demo

    backend = app.network or ("rpc" if app.rpc_urls else "embedded")
    network = NetworkSettings(backend=backend, urls=tuple(app.rpc_urls))
    temp = None
    if keep is not None:
        if keep.exists() and any(keep.iterdir()):
            raise click.UsageError(f"{keep} is not empty; the demo needs a fresh folder")
        workspace = keep
    else:
        temp = Path(tempfile.mkdtemp(prefix="ledger-demo-"))
        workspace = temp / "workspace"
    steps = []
    summary = None
    live: dict[str, Any] = {}  # rich's Progress and its task ids

    def on_progress(stage: str, done: int, total: int) -> None:
        if app.json_output:
            return
        bars = live.get("bars")
        if bars is None:
            bars = live["bars"] = render.progress()
            bars.start()
        task = live.get(stage)
        if task is None:
            task = live[stage] = bars.add_task(stage, total=max(total, 1))
        bars.update(task, completed=done, total=max(total, 1))

    def close_bars() -> None:
        bars = live.pop("bars", None)
        if bars is not None:
            bars.stop()
        live.clear()

    try:
        for n, item in enumerate(run_demo(workspace, network=network, batch_size=batch_size,
                                          on_progress=on_progress), 1):
            close_bars()
            if isinstance(item, DemoSummary):
                summary = item
                break
            steps.append(item)
            if app.json_output:
                continue
            mark = "[green]✓[/]" if item.ok else "[red]✗[/]"
            render.message(f"\n{mark} [bold]{render.escape(f'{n}. {item.title}')}[/]")
            for line in item.lines:
                render.message("   " + render.escape(line))
            if item.table is not None:
                render.table(None, item.table[0], item.table[1])
    finally:
        close_bars()
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
    assert summary is not None
    ok = all(s.ok for s in steps)
    from ledger.demo import PASSWORD

    carry_on = f"export LEDGER_WORKSPACE={keep} LEDGER_PASSWORD={PASSWORD}" if keep is not None else None
    if app.json_output:
        render.print_json({"ok": ok, "steps": [{"title": s.title, "ok": s.ok, "lines": s.lines} for s in steps],
                           "summary": summary, **({"carry_on": carry_on} if carry_on else {})})
    else:
        render.fields(
            "Summary",
            [
                ("time", f"{summary.seconds} s"),
                ("transactions", summary.transactions),
                ("gas used", f"{summary.gas_used:,}"),
                ("contributions recorded", summary.contributions),
                ("certificates issued", f"{summary.certificates_checked} checked + {summary.certificates_batch:,} in a batch"),
                ("verifications", f"{summary.verified_valid} valid, {summary.verified_invalid} rejected as expected"),
                ("workspace", summary.workspace + ("" if keep else " (removed)")),
            ],
        )
        if carry_on is not None:
            render.message(f"\nTo carry on in the kept workspace (its keys use the demo's public password):\n"
                           f"  {carry_on}\n  ledger committee list; ledger key list; ledger query subject 0x...")
    if not ok:
        raise SystemExit(1)


COMMANDS = [demo]
