"""The commands around the web verifier: ``ledger serve`` as a real process, ``ledger cred share``,
``ledger verify --receipt`` with ``ledger receipt check``, ``ledger issuer well-known``, and names in
``ledger verify``'s tables. A world of its own (the session's is held open by the API tests)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from tls import CertificateAuthority, https_server
from world import COURSE, PASSWORD, UNIVERSITY, World, build, free_socket

from ledger.cli import main
from ledger.credentials.parse import parse_credential
from ledger.render.share import decode_link


@pytest.fixture(scope="module")
def cli_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("serve-cli")
    ca = CertificateAuthority.create(root / "ca")
    cert, key = ca.issue("university.test")
    with https_server(cert, key) as https:
        yield build(root, https, ca)


def ledger(world: World, *args: str) -> tuple[int, str]:
    env = {"LEDGER_WORKSPACE": str(world.ws), "LEDGER_PASSWORD": PASSWORD, "COLUMNS": "220"}
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.output


def test_verify_shows_holder_title_and_institution_with_its_verified_domain(cli_world: World) -> None:
    code, out = ledger(cli_world, "verify", str(cli_world.file("valid")))
    assert code == 0, out
    assert f"李华 · {COURSE} · {UNIVERSITY} ({cli_world.domain}, verified)" in out
    assert "DOMAIN_VERIFIED" in out
    code, out = ledger(cli_world, "verify", str(cli_world.file("valid")), "--no-domain-check", "--json")
    entry = json.loads(out)["credentials"][0]
    # a domain nobody checked is never taken as verified: incomplete, whose exit code is 3 (issue 18)
    assert code == 3 and entry["verdict"] == "incomplete"
    assert {s["step"]: s["code"] for s in entry["steps"]}["issuer_domain"] == "DOMAIN_UNCHECKED"


def test_a_receipt_of_a_verification_checks_and_a_changed_one_does_not(cli_world: World, tmp_path: Path) -> None:
    out_file = tmp_path / "receipt.json"
    code, out = ledger(cli_world, "verify", str(cli_world.file("valid")), str(cli_world.file("revoked")),
                       "--receipt", str(out_file), "--receipt-key", "verifier")
    assert code == 1 and "receipt signed by" in out  # one of the two is revoked: the work failed, the receipt says so
    code, out = ledger(cli_world, "receipt", "check", str(out_file), "--json")
    check = json.loads(out)
    assert code == 0 and check["signature_valid"] and check["verifier"] == cli_world.keys["verifier"].address
    assert [(c["holder"], c["verdict"]) for c in check["checked"]] == [("李华", "valid"), ("Bob Li", "invalid")]
    code, out = ledger(cli_world, "receipt", "check", str(out_file))
    assert code == 0 and "signature valid" in out and UNIVERSITY in out
    code, out = ledger(cli_world, "receipt", "check", str(out_file), "--verifier", cli_world.keys["uni"].address)
    assert code == 1 and "not by" in out
    changed = json.loads(out_file.read_text())
    changed["checked"][1]["verdict"] = "valid"
    out_file.write_text(json.dumps(changed))
    code, out = ledger(cli_world, "receipt", "check", str(out_file), "--json")
    assert code == 1 and not json.loads(out)["signature_valid"]
    code, out = ledger(cli_world, "verify", str(cli_world.file("valid")), "--receipt", str(tmp_path / "r2.json"),
                       "--receipt-key", "uni")
    assert code == 2 and "issuer's or a committee member's" in out and not (tmp_path / "r2.json").exists()


def test_share_writes_a_link_that_carries_the_credential_and_its_qr_codes(cli_world: World, tmp_path: Path) -> None:
    code, out = ledger(cli_world, "cred", "share", str(cli_world.file("valid")), "--out", str(tmp_path), "--json")
    assert code == 0, out
    shared = json.loads(out)
    assert shared["link"].startswith("http://127.0.0.1:8080/#c=")  # the workspace's [serve] defaults
    carried = parse_credential(decode_link(shared["link"]))
    assert carried.hash == parse_credential(cli_world.file("valid").read_bytes()).hash
    png = Path(shared["qr_png"]).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and Path(shared["qr_png"]).name == "valid.qr.png"
    assert 20 <= shared["qr_version"] <= 40
    code, out = ledger(cli_world, "cred", "share", str(cli_world.file("valid")), "--verifier", "ftp://x", "--no-qr")
    assert code == 2 and "http:// or https://" in out


def test_well_known_refuses_a_domain_no_issuer_names(cli_world: World) -> None:
    code, out = ledger(cli_world, "issuer", "well-known", "nobody.example")
    assert code == 2 and "no issuer of this deployment is registered with domain nobody.example" in out


def test_ledger_serve_runs_as_a_process_and_stops_on_interrupt(cli_world: World) -> None:
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    env = {**os.environ, "LEDGER_WORKSPACE": str(cli_world.ws), "LEDGER_PASSWORD": PASSWORD}
    command = Path(sys.executable).with_name("ledger")  # the installed console script, as a user runs it
    proc = subprocess.Popen([str(command), "serve", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        health = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert health is not None and health.json()["status"] == "ok", proc.poll()
        answer = httpx.post(f"http://127.0.0.1:{port}/api/v1/verify", content=cli_world.file("valid").read_bytes(),
                            headers={"Content-Type": "application/json"}, timeout=30)
        assert answer.json()["verdict"] == "valid"
        assert "<title>Credential verifier</title>" in httpx.get(f"http://127.0.0.1:{port}/", timeout=5).text
    finally:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, output
    assert f"verifier at http://127.0.0.1:{port}/" in output
    assert "POST /api/v1/verify" in output and "#c=" not in output
