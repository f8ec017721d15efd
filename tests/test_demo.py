"""The demo as a user runs it (a real subprocess), and what it left on the chain."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ledger.crypto.hashing import keccak256
from ledger.demo import PASSWORD, STUDENTS
from ledger.identity.vault import Vault

ROOT = Path(__file__).resolve().parents[1]


def test_demo_tells_the_story_and_puts_no_personal_data_on_chain(tmp_path: Path) -> None:
    ws = tmp_path / "demo"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "demo", "--keep", str(ws), "--json", "--batch-size", "300"],
        check=False, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout)
    assert out["ok"] is True
    titles = " | ".join(s["title"] for s in out["steps"])
    for words in ("committee", "issuers", "pseudonymous", "certificate types", "contributions", "Checked issuance",
                  "Merkle batch", "tampered"):
        assert words in titles
    refused = next(s for s in out["steps"] if s["title"].startswith("Checked issuance"))["lines"][1]
    assert "refused" in refused and "needed 2, found 1" in refused
    summary = out["summary"]
    assert summary["certificates_batch"] == 300 and summary["verified_invalid"] == 2
    assert summary["verified_valid"] == 4 and summary["gas_used"] > 0

    # Everything the demo wrote to the chain lives in the embedded chain's database files.
    chain_bytes = b"".join(p.read_bytes() for p in ws.glob("chain.sqlite*") if p.is_file())
    assert len(chain_bytes) > 100_000
    subjects = list(Vault(ws / "vault.sqlite", password=PASSWORD))
    people = [p for s in subjects for p in s.person.values()]
    assert len(people) >= 3 * len(STUDENTS)
    for student in STUDENTS:
        for value in student.values():
            assert value in people
    for value in people:
        for encoded in (value.encode(), value.encode("utf-16-le"), value.lower().encode()):
            assert encoded not in chain_bytes, f"{value!r} found on chain"
        assert keccak256(value.encode()) not in chain_bytes, f"hash of {value!r} found on chain"
    # ... while the same database does hold what should be there: the subjects' pseudonymous ids.
    assert any(bytes.fromhex(s.id[2:]) in chain_bytes for s in subjects)
    # ... and the vault's own files hold none of the people in clear text: they are encrypted there.
    vault_bytes = b"".join(p.read_bytes() for p in ws.glob("vault*") if p.is_file())
    assert not [v for v in people if v.encode() in vault_bytes]


def test_the_same_story_runs_against_a_real_node(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from anvil import Anvil

    with Anvil() as node:
        proc = subprocess.run(
            [sys.executable, str(ROOT / "cli.py"), "demo", "--rpc-url", node.url, "--json", "--batch-size", "100"],
            check=False, capture_output=True, text=True, timeout=600,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        out = json.loads(proc.stdout)
        assert out["ok"] is True and out["summary"]["certificates_batch"] == 100
        assert out["steps"][0]["lines"][0].startswith("rpc chain 31337")

        # and `ledger init --rpc-url` deploys there; a fresh workspace then reads it back
        ws = tmp_path / "ws"
        env = {"LEDGER_PASSWORD": "demo-node-password", "PATH": "/usr/bin:/bin"}
        init = subprocess.run([sys.executable, str(ROOT / "cli.py"), "init", "-w", str(ws), "--rpc-url", node.url,
                               "--json"], check=False, capture_output=True, text=True, timeout=300, env=env)
        assert init.returncode == 0, init.stderr
        info = json.loads(init.stdout)
        assert info["backend"] == "rpc" and info["chain_id"] == 31337
        listed = subprocess.run([sys.executable, str(ROOT / "cli.py"), "committee", "list", "-w", str(ws), "--json"],
                                check=False, capture_output=True, text=True, timeout=300, env=env)
        assert listed.returncode == 0, listed.stderr
        assert json.loads(listed.stdout)["members"] == [info["committee_member"]]


def test_a_kept_demo_workspace_can_be_used_with_the_printed_line(tmp_path: Path) -> None:
    import os

    ws = tmp_path / "kept"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "demo", "--keep", str(ws), "--batch-size", "10"],
        check=False, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(x.strip() for x in proc.stdout.splitlines() if x.strip().startswith("export LEDGER_WORKSPACE="))
    env = dict(os.environ)
    for assignment in line.removeprefix("export ").split():
        name, value = assignment.split("=", 1)
        env[name] = value
    keys = subprocess.run([sys.executable, str(ROOT / "cli.py"), "key", "list", "--json"], env=env,
                          check=False, capture_output=True, text=True, timeout=120)
    assert keys.returncode == 0, keys.stderr
    assert {k["name"] for k in json.loads(keys.stdout)} >= {"university", "community", "maintainer"}
    # the committee key decrypts with the printed password: it signs a new issuer in
    newcomer = "0x" + "42" * 20
    signed = subprocess.run([sys.executable, str(ROOT / "cli.py"), "issuer", "add", newcomer, "--kind", "community",
                             "--name", "Newcomer", "--json"], env=env, check=False, capture_output=True, text=True,
                            timeout=120)
    assert signed.returncode == 0, signed.stderr
