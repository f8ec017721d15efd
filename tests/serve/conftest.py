"""Fixtures of the web verifier's tests: the world (built once per session) and its app served on 127.0.0.1."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tls import TestCA, https_server  # noqa: E402
from world import World, build, open_service, serving  # noqa: E402

from ledger.serve.app import create_app  # noqa: E402


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("serve-world")
    ca = TestCA.create(root / "ca")
    cert, key = ca.issue("university.test")
    with https_server(cert, key) as https:
        yield build(root, https, ca)


@pytest.fixture(scope="session")
def served(world: World) -> Iterator[World]:
    """The world with its verifier running (uvicorn on 127.0.0.1); ``world.url`` is its address."""
    lg, service, settings = open_service(world.ws, rate_per_second=1000.0, rate_burst=1000)
    try:
        with serving(create_app(service, settings)) as url:
            world.url = url
            yield world
    finally:
        lg.close()
