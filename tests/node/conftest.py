"""Fixtures for ``ledger node`` tests: nodes in this process on 127.0.0.1, and a raw JSON-RPC client."""

from __future__ import annotations

import itertools
import json
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ledger.node import FiscoNode, NodeSettings, open_node

_ids = itertools.count(1)


def rpc(url: str, method: str, params: list[Any], *, request_id: Any = None, raw: bytes | None = None) -> dict[str, Any]:
    """POST one JSON-RPC request and return the whole answer object (``result`` or ``error``)."""
    body = raw if raw is not None else json.dumps(
        {"jsonrpc": "2.0", "method": method, "params": params, "id": next(_ids) if request_id is None else request_id}
    ).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def nodes() -> Iterator[Callable[..., FiscoNode]]:
    """``nodes(protocol, crypto, **settings)``: a node started for this module (stopped at its end)."""
    started: dict[tuple[Any, ...], FiscoNode] = {}

    def node(protocol: str, crypto: str, **settings: Any) -> FiscoNode:
        key = (protocol, crypto, tuple(sorted(settings.items())))
        if key not in started:
            started[key] = open_node(NodeSettings(protocol=protocol, crypto=crypto, port=0, **settings))
        return started[key]

    yield node
    for running in started.values():
        running.stop()
