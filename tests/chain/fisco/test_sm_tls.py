"""SM (guomi) TLS, TLCP: the fisco3 backend recognises an SM TLS port and says what to change on the node.

FISCO BCOS 3.x SM chains made by ``build_chain.sh`` serve their RPC over TLCP (``[rpc] sm_ssl=true``),
which Python's ``ssl`` cannot speak. The stand-in server below answers on the wire as the two TLCP
servers studied for this project did (/tmp/gmtls/REPORT.md §5): a TLCP ClientHello gets a ServerHello
in a ``0x0101`` record; a standard TLS ClientHello gets a ``protocol_version`` alert in a ``0x0101`` record
(GmSSL's ``tlcp_server``) or a TLS 1.2 ``handshake_failure`` alert (Tongsuo with NTLS, as FISCO's
boostssl sets it up); plain HTTP gets an ``unexpected_message`` alert, then the connection is closed.
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fisco_fake_node import Fisco3Node
from test_fisco_backends import _make_certs

from ledger.chain.fisco import open_fisco
from ledger.chain.fisco.jsonrpc import SmTlsUnsupported, speaks_tlcp
from ledger.errors import NodeUnreachable

_TLCP_SERVER_HELLO = (
    bytes.fromhex("160101002a" "02000026" "0101") + os.urandom(32) + bytes.fromhex("00" "e013" "00")
)
_ALERTS = {
    "gmssl": bytes.fromhex("15010100020246"),  # TLCP record, fatal protocol_version
    "tongsuo": bytes.fromhex("15030300020228"),  # TLS 1.2 record, fatal handshake_failure
}
_UNEXPECTED = bytes.fromhex("1501010002020a")  # TLCP record, fatal unexpected_message


class TlcpPort:
    """A TCP server on 127.0.0.1 that answers like an SM TLS (TLCP) RPC port, or like a port that just
    closes (``style="mute"``)."""

    def __init__(self, style: str) -> None:
        self.style = style
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.seen: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    head = conn.recv(5)
                except OSError:
                    continue
                self.seen.append(head)
                if self.style == "mute":
                    continue
                if head[:3] == b"\x16\x01\x01":
                    conn.sendall(_TLCP_SERVER_HELLO)
                elif head[:1] == b"\x16":
                    conn.sendall(_ALERTS[self.style])
                else:
                    conn.sendall(_UNEXPECTED)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def tlcp_port() -> Iterator[Callable[[str], TlcpPort]]:
    made: list[TlcpPort] = []

    def make(style: str) -> TlcpPort:
        made.append(TlcpPort(style))
        return made[-1]

    yield make
    for port in made:
        port.close()


@pytest.mark.parametrize("style", ["gmssl", "tongsuo"])
def test_an_sm_tls_port_is_named_over_https_and_http(tlcp_port: Any, tmp_path: Path, style: str) -> None:
    port = tlcp_port(style)
    assert speaks_tlcp("127.0.0.1", port.port)
    _make_certs(tmp_path / "sdk", "node")  # standard certificates, as a non-SM chain gives
    for url, options in ((f"https://127.0.0.1:{port.port}", {"sdk_certs": tmp_path / "sdk"}),
                         (f"http://127.0.0.1:{port.port}", {})):
        with pytest.raises(SmTlsUnsupported) as refused:
            open_fisco("fisco3", url, **options).block_number()
        assert "TLCP" in str(refused.value) and url in str(refused.value)
        assert refused.value.hint and "sm_ssl=false" in refused.value.hint and "enable_ssl=false" in refused.value.hint


def test_a_port_that_only_fails_is_unreachable_not_sm_tls(tlcp_port: Any, tmp_path: Path, serve_node: Any) -> None:
    mute = tlcp_port("mute")
    assert not speaks_tlcp("127.0.0.1", mute.port)
    with pytest.raises(NodeUnreachable):
        open_fisco("fisco3", f"http://127.0.0.1:{mute.port}", timeout=5).block_number()
    node = serve_node(Fisco3Node())  # an ordinary JSON-RPC node is not taken for TLCP
    port = int(node.url.rsplit(":", 1)[1])
    assert not speaks_tlcp("127.0.0.1", port)


def test_sm_certificates_are_refused_before_connecting(tmp_path: Path) -> None:
    only_sm = tmp_path / "sm-sdk"
    only_sm.mkdir()
    for name in ("sm_ca.crt", "sm_sdk.crt", "sm_sdk.key", "sm_ensdk.crt", "sm_ensdk.key"):
        (only_sm / name).write_text("-----BEGIN CERTIFICATE-----\n")
    with pytest.raises(SmTlsUnsupported, match="sm_ca.crt"):
        open_fisco("fisco3", "https://127.0.0.1:20200", sdk_certs=only_sm)
    # an SM2 certificate under the standard names: OpenSSL cannot use it for TLS
    sm2 = tmp_path / "sm2-named-sdk"
    _make_certs(sm2, "node")
    made = subprocess.run(
        ["openssl", "req", "-new", "-x509", "-newkey", "sm2", "-nodes", "-keyout", str(sm2 / "sdk.key"),
         "-out", str(sm2 / "sdk.crt"), "-subj", "/CN=sdk", "-days", "1", "-sm3"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    if made.returncode != 0:
        pytest.skip(f"this openssl cannot make SM2 certificates: {made.stderr.strip()[:120]}")
    with pytest.raises(SmTlsUnsupported, match="SM2 certificate"):
        open_fisco("fisco3", "https://127.0.0.1:20200", sdk_certs=sm2)


def test_ledger_init_against_an_sm_tls_port_says_what_to_do(tlcp_port: Any, tmp_path: Path) -> None:
    from ledger.cli import main

    port = tlcp_port("gmssl")
    result = CliRunner().invoke(
        main, ["init", "-w", str(tmp_path / "ws"), "--network", "fisco3", "--rpc-url", f"http://127.0.0.1:{port.port}"],
        env={"LEDGER_PASSWORD": "sm-tls-test-password"},
    )
    assert result.exit_code == 1
    assert "TLCP" in result.stderr and "sm_ssl=false" in result.stderr
    assert not (tmp_path / "ws").exists()
