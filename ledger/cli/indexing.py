"""The index for a command: opened, synced with the chain unless told not to, and ``--at`` resolved.

Shared by the commands that read the index (``index``, ``query``, ``audit``, ``report``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ledger.cli import render

if TYPE_CHECKING:
    from ledger.cli.app import App
    from ledger.index import Index

__all__ = ["opened", "resolve_at", "sync_index"]


@contextmanager
def opened(app: App, *, sync: bool, chain: bool = False) -> Iterator[tuple[Index, Any]]:
    """The workspace's index, synced unless told not to, and the ledger when ``sync`` or ``chain``
    asks for it and the chain is reachable (a query with ``--no-sync`` never touches the chain)."""
    from ledger.errors import ChainError, WorkspaceLocked
    from ledger.index import Index

    settings = app.settings()
    ledger = None
    if sync or chain:
        try:
            ledger = app.ledger(need_key=False)
        except (ChainError, WorkspaceLocked) as exc:
            # The index answers on its own: say how far it reaches rather than refusing to answer.
            render.note(f"[yellow]chain not reachable ({render.escape(str(exc))}); answering from the index as it is "
                        "(--no-sync says so up front)[/]")
    index = Index.open(settings.index_path)
    try:
        if sync and ledger is not None:
            sync_index(app, index, ledger)
        yield index, ledger
    finally:
        index.close()


def resolve_at(index: Index, at_spec: str | None, *, synced: bool = False) -> int | None:
    """``--at`` as a block, with a warning when the index has not reached that block (``synced``: it
    was just synced to the chain's head, so a later block is in the future)."""
    at = index.reader.resolve_at(at_spec)
    cursor = index.reader.cursor()
    if at is not None and (cursor is None or at > cursor):
        if synced:
            render.note(f"[yellow]block {at} is past the chain's head (block {cursor}): the answers are as of "
                        "the head[/]")
        else:
            render.note(f"[yellow]the index only reaches block {cursor}; answers for block {at} may be incomplete "
                        "(sync it: drop --no-sync, or run `ledger index sync`)[/]")
    return at


def sync_index(app: App, index: Index, ledger: Any, **kwargs: Any) -> Any:
    """Sync ``index`` with the chain, and take in the workspace's journaled batches (which leaf is whose:
    ``Ledger.sync_index``), with a progress bar for a long sync."""
    assert ledger.settings.deployment is not None
    cursor = index.reader.cursor()
    if app.json_output or (cursor is not None and cursor >= ledger.chain.block_number()):
        return ledger.sync_index(index, **kwargs)
    with render.progress() as bar:
        task = bar.add_task("index sync", total=None)

        def progress(done: int, total: int, events: int) -> None:
            bar.update(task, completed=done, total=total, description=f"sync {events} ev")

        return ledger.sync_index(index, progress=progress, **kwargs)
