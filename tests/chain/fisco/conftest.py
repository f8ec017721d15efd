"""Fixtures for the FISCO tests: loopback fake nodes (``fisco_fake_node``); FISCO's vectors are in
``tests/conftest.py``."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fisco_fake_node import FakeNode, Fisco2Node, Fisco3Node, serve


@pytest.fixture
def fisco3_node() -> Iterator[Fisco3Node]:
    yield from serve(Fisco3Node())  # type: ignore[misc]


@pytest.fixture
def fisco2_node() -> Iterator[Fisco2Node]:
    yield from serve(Fisco2Node())  # type: ignore[misc]


@pytest.fixture
def serve_node() -> Iterator[Callable[..., Any]]:
    """Start extra fake nodes: ``serve_node(node, ssl_context=None)`` returns the running node."""
    running: list[Iterator[FakeNode]] = []

    def start(node: FakeNode, ssl_context: ssl.SSLContext | None = None) -> FakeNode:
        server = serve(node, ssl_context)
        running.append(server)
        return next(server)

    yield start
    for server in running:
        next(server, None)


@pytest.fixture
def fisco3_sm_node(serve_node: Callable[..., Any]) -> Fisco3Node:
    return serve_node(Fisco3Node(sm=True))  # type: ignore[no-any-return]
