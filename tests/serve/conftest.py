"""Fixtures of the web verifier's tests: the world (built once per session) and its app served on 127.0.0.1."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tls import CertificateAuthority, https_server
from world import World, build, open_service, serving

from ledger.config import ServeSettings
from ledger.ledger import Ledger
from ledger.serve.app import create_app
from ledger.serve.service import VerifierService


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("serve-world")
    ca = CertificateAuthority.create(root / "ca")
    cert, key = ca.issue("university.test")
    with https_server(cert, key) as https:
        yield build(root, https, ca)


@pytest.fixture(scope="session")
def opened(world: World) -> Iterator[tuple[Ledger, VerifierService]]:
    """The world's workspace opened without a key (once: the embedded chain is one process's at a time),
    and a verifier service over it."""
    lg, service, _ = open_service(world.ws)
    try:
        yield lg, service
    finally:
        lg.close()


@pytest.fixture(scope="session")
def service(opened: tuple[Ledger, VerifierService]) -> VerifierService:
    return opened[1]


@pytest.fixture(scope="session")
def served(world: World, service: VerifierService) -> Iterator[World]:
    """The world with its verifier running (uvicorn on 127.0.0.1); ``world.url`` is its address."""
    with serving(create_app(service, ServeSettings(rate_per_second=1000.0, rate_burst=1000))) as url:
        world.url = url
        yield world
