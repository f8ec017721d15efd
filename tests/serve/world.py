"""A small world for the web verifier's tests: a university with a verified web domain, a batch of
course certificates (one revoked, one tampered), a certificate from another deployment, and
``ledger serve``'s application running on 127.0.0.1.

Built through the CLI (click's runner) in a temporary directory; the university's
``.well-known/did.json`` is served over HTTPS by :mod:`tls` with a test CA, reached through the
workspace's ``[domains]`` settings (``resolve`` university.test to 127.0.0.1, the CA file, private
addresses allowed), so nothing leaves the machine.
"""

from __future__ import annotations

import json
import logging
import shutil
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from ledger.cli import main
from ledger.config import DomainSettings, ServeSettings, Settings, load_settings, save_settings
from ledger.crypto.keys import PrivateKey
from ledger.identity.keyring import Keyring
from ledger.ledger import Ledger

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tls import CertificateAuthority, StaticHTTPS

PASSWORD = "serve-test-password"
HOLDERS = ("李华", "Alice Zhang", "Bob Li", "Wang Fang")
COURSE = "Open Source Software Engineering"
UNIVERSITY = "Example University"


def run(ws: Path, *args: str) -> Any:
    """``ledger ARGS --json`` in workspace ``ws``; the parsed JSON output (exit 0 asserted)."""
    env = {"LEDGER_WORKSPACE": str(ws), "LEDGER_PASSWORD": PASSWORD, "COLUMNS": "200"}
    result = CliRunner().invoke(main, [*args, "--json"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output) if result.output.strip().startswith(("{", "[")) else result.output


def make_workspace(path: Path) -> dict[str, PrivateKey]:
    Ledger.init(Settings(workspace=path), password=PASSWORD, light_kdf=True)
    ring = Keyring(path / "keys", light_kdf=True)
    keys = {name: PrivateKey.generate() for name in ("uni", "verifier")}
    for name, key in keys.items():
        ring.add(name, key, PASSWORD)
    return keys


def issue_course(ws: Path, uni: PrivateKey, csv: Path, *, domain: str | None) -> list[Path]:
    extra = ["--domain", domain] if domain else []
    run(ws, "type", "define", "--id", "201", "--name", COURSE, "--description",
        "Completed the course and its open-source project", "--allowed-issuers", "university")
    run(ws, "issuer", "add", uni.address, "--kind", "university", "--scope", "201", "--name", UNIVERSITY, *extra)
    batch = run(ws, "cred", "issue", "--type", "201", "--csv", str(csv), "--new-subjects", "--key", "uni")
    return sorted(Path(batch["output"]).glob("*.json"))


def holder_of(path: Path) -> str:
    doc = json.loads(path.read_text())
    return doc["credentialSubject"]["identifier"][0]["identityHash"]


@dataclass
class World:
    root: Path
    ws: Path
    keys: dict[str, PrivateKey]
    domain: str
    ca: CertificateAuthority
    https: StaticHTTPS
    files: dict[str, Path] = field(default_factory=dict)
    url: str = ""

    def file(self, name: str) -> Path:
        return self.files[name]


def build(root: Path, https: StaticHTTPS, ca: CertificateAuthority) -> World:
    """The world's files and workspace (the app is started by :func:`serving`)."""
    domain = f"university.test:{https.port}"
    csv = root / "course.csv"
    csv.write_text("student_number,name\n" + "".join(f"20240{i:05d},{n}\n" for i, n in enumerate(HOLDERS, 1)),
                   encoding="utf-8")
    ws = root / "ws"
    keys = make_workspace(ws)
    settings = load_settings(ws, env={})
    save_settings(replace(settings, domains=DomainSettings(ca_file=str(ca.ca_file), allow_private=True,
                                                           resolve={"university.test": "127.0.0.1"}, timeout=5.0)))
    issued = issue_course(ws, keys["uni"], csv, domain=domain)
    did = run(ws, "issuer", "well-known", domain)
    https.publish("/.well-known/did.json", json.dumps(did).encode() if isinstance(did, dict) else did.encode())
    by_holder = {holder_of(p): p for p in issued}
    files = {"valid": by_holder["李华"], "english": by_holder["Alice Zhang"], "revoked": by_holder["Bob Li"]}
    run(ws, "cred", "revoke", str(files["revoked"]), "--reason", "misconduct", "--key", "uni")
    out = root / "files"
    out.mkdir()
    tampered = json.loads(by_holder["Wang Fang"].read_text())
    tampered["credentialSubject"]["identifier"][0]["identityHash"] = "Mallory Forger"
    (out / "tampered.json").write_text(json.dumps(tampered, ensure_ascii=False, indent=1), encoding="utf-8")
    files["tampered"] = out / "tampered.json"
    # Another deployment (its own embedded chain and contracts): a certificate this verifier must refuse.
    other = root / "other"
    other_keys = make_workspace(other)
    foreign = issue_course(other, other_keys["uni"], csv, domain=None)[0]
    files["foreign"] = Path(shutil.copy(foreign, out / "other-deployment.json"))
    for name in ("valid", "english", "revoked"):
        files[name] = Path(shutil.copy(files[name], out / f"{name}.json"))
    # A copy whose holder withheld the name (selective disclosure): it still verifies.
    run(ws, "cred", "withhold", str(files["english"]), "holder", "--out", str(out / "withheld.json"))
    files["withheld"] = out / "withheld.json"
    return World(root, ws, keys, domain, ca, https, files)


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


class AccessLog(logging.Handler):
    """uvicorn's access log lines (what a server operator sees), kept for the tests to read."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


ACCESS_LOG = AccessLog()


@contextmanager
def serving(app: Any, *, deadline: float = 30.0) -> Iterator[str]:
    """Run an ASGI app with uvicorn on 127.0.0.1 in a thread; yields its base URL, stops it on exit.

    Its access log goes to :data:`ACCESS_LOG`.
    """
    import uvicorn

    sock = free_socket()
    config = uvicorn.Config(app, log_config=None, log_level="info", access_log=True, lifespan="off",
                            server_header=False)
    access = logging.getLogger("uvicorn.access")
    access.setLevel(logging.INFO)
    if ACCESS_LOG not in access.handlers:
        access.addHandler(ACCESS_LOG)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    until = time.monotonic() + deadline
    while not server.started:
        if not thread.is_alive() or time.monotonic() > until:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


def open_service(ws: Path, **serve: Any) -> tuple[Ledger, Any, ServeSettings]:
    """The workspace's ledger (no key), a VerifierService over it, and serve settings."""
    from ledger.serve.service import VerifierService

    lg = Ledger.open(load_settings(ws, env={}), light_kdf=True)
    return lg, VerifierService(lg), ServeSettings(**serve)
