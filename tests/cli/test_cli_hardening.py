"""Batch issuance that the chain refuses, resumed with the wrong key, or resumed among failing batches.

Each test asserts the clear error (class or exit code, and message) and that nothing was written that
should not have been: no vault subject, no anchor, no journal stuck where resume cannot move it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cliws import PASSWORD, Workspace

from ledger.config import load_settings
from ledger.contracts.errors import OutOfScope
from ledger.errors import ContractError, IssuanceError
from ledger.identity.keyring import Keyring
from ledger.ledger import Ledger


def _graduates(path: Path, n: int, prefix: str = "S") -> Path:
    path.write_text("student_number,name\n" + "".join(f"{prefix}{i:05d},Graduate {i}\n" for i in range(n)))
    return path


def _vault_size(ws: Workspace) -> int:
    from ledger.identity.vault import Vault

    return len(Vault(ws.path / "vault.sqlite"))  # counting needs no password


def _anchors(ws: Workspace, root: str) -> list[str]:
    """Addresses that anchored ``root`` (from the chain's events)."""
    with ws.ledger() as lg:
        return [e.args["issuer"] for e in lg.contracts.events()
                if e.name == "BatchAnchored" and "0x" + e.args["root"].hex() == root]


def _journals(ws: Workspace) -> dict[str, dict[str, object]]:
    root = ws.path / "journal"
    return {d.name: json.loads((d / "state.json").read_text()) for d in root.iterdir()} if root.exists() else {}


def _open(ws: Workspace, key: str) -> Ledger:
    return Ledger.open(load_settings(ws.path, env={}), key_name=key, password=PASSWORD)


def _refused_batch(ws: Workspace, key: str, type_id: int, csv: Path) -> tuple[str, IssuanceError]:
    """Plan a batch that passes every pre-check, then have the committee take the type out of the
    issuer's scope just before the anchor is sent: the chain itself refuses it. Returns (batch id, error)."""
    before = set(_journals(ws))
    lg = _open(ws, key)
    signer = lg.key
    admin = Keyring(ws.path / "keys").load("admin", PASSWORD)

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "anchoring" and done == 0:
            lg.use_key(admin)
            lg.set_issuer_scope(signer.address, disallow=str(type_id))
            lg.use_key(signer)

    try:
        with pytest.raises(IssuanceError) as refused:
            lg.issue_batch(type_id, csv, new_subjects=True, progress=progress)
    finally:
        lg.close()
    (batch_id,) = set(_journals(ws)) - before
    return batch_id, refused.value


def _allow(ws: Workspace, key: str, type_id: int) -> None:
    r = ws.run("issuer", "scope", ws.keys[key].address, "--allow", str(type_id))
    assert r.exit_code == 0, r.output


def test_a_batch_by_an_issuer_kind_the_type_refuses_fails_before_the_vault_changes(
    issuers: Workspace, tmp_path: Path
) -> None:
    # Type 201 allows universities only: the committee cannot even grant it to a community (scope is
    # granted against the type's kinds) ...
    granted = issuers.run("issuer", "scope", issuers.keys["community"].address, "--allow", "201")
    assert granted.exit_code == 1 and "IssuerKindNotAllowed(typeId=201, kind=2)" in granted.output
    before = _vault_size(issuers)
    # ... so the community's batch of it is out of its scope, refused before anything changes
    r = issuers.run("cred", "issue", "--type", "201", "--csv", str(_graduates(tmp_path / "g.csv", 3)),
                    "--new-subjects", key="community")
    assert r.exit_code == 1 and "OutOfScope(" in r.output
    with _open(issuers, "community") as lg, pytest.raises(OutOfScope) as caught:
        lg.issue_batch(201, tmp_path / "g.csv", new_subjects=True)
    assert caught.value.typeId == 201  # type: ignore[attr-defined]
    assert _vault_size(issuers) == before
    assert _journals(issuers) == {}


def test_bad_batch_options_are_refused_before_the_vault_changes(issuers: Workspace, tmp_path: Path) -> None:
    csv = _graduates(tmp_path / "g.csv", 3)
    r = issuers.run("cred", "issue", "--type", "201", "--csv", str(csv), "--new-subjects",
                    "--valid-until", "someday", key="uni")
    assert r.exit_code == 2 and "'someday' is not a date" in r.output
    assert _vault_size(issuers) == 0 and _journals(issuers) == {}


def test_an_anchor_the_chain_refuses_leaves_the_batch_resumable(issuers: Workspace, tmp_path: Path) -> None:
    batch_id, error = _refused_batch(issuers, "uni", 201, _graduates(tmp_path / "g.csv", 4))
    refusal = error.__cause__
    assert isinstance(refusal, ContractError) and refusal.error_name == "OutOfScope"
    # a new batch is anchored without a dry run (its signer was checked just before): the refusal
    # comes from the reverted transaction's receipt
    assert refusal.tx_hash is not None
    assert f"refused to anchor batch {batch_id}: OutOfScope(" in str(error)
    assert f"--resume --batch {batch_id}" in (error.hint or "") and "deleting" in (error.hint or "")
    state = _journals(issuers)[batch_id]
    assert state["stage"] == "planned" and state["refused"] == str(refusal)
    plan = json.loads((issuers.path / "journal" / batch_id / "plan.json").read_text())
    assert _anchors(issuers, plan["root"]) == []
    # the subjects were saved with the plan (the journal refers to them); resuming reuses them
    assert _vault_size(issuers) == 4

    _allow(issuers, "uni", 201)
    r = issuers.run("cred", "issue", "--resume", "--json", key="uni")
    assert r.exit_code == 0, r.output
    (batch,) = json.loads(r.output)
    assert batch["batch_id"] == batch_id and batch["resumed_from"] == "planned" and batch["anchored_now"]
    assert _anchors(issuers, plan["root"]) == [issuers.keys["uni"].address]
    assert len(list(Path(batch["output"]).glob("*.json"))) == 4
    assert _vault_size(issuers) == 4


def test_a_resumed_batch_is_dry_run_first_so_a_refusal_costs_no_transaction(
    issuers: Workspace, tmp_path: Path
) -> None:
    batch_id, _ = _refused_batch(issuers, "uni", 201, _graduates(tmp_path / "g.csv", 2))
    with _open(issuers, "uni") as lg:
        assert lg.key.address == issuers.keys["uni"].address  # loaded (and funded) before the count
        head = lg.chain.block_number()
        with pytest.raises(IssuanceError) as caught:
            lg.resume_batches(batch_id)  # the type is still out of the issuer's scope
        refusal = caught.value.__cause__
        assert isinstance(refusal, ContractError) and refusal.error_name == "OutOfScope"
        assert refusal.tx_hash is None and lg.chain.block_number() == head
    assert _journals(issuers)[batch_id]["stage"] == "planned"


def test_resume_with_a_key_other_than_the_planned_issuer_is_refused(issuers: Workspace, tmp_path: Path) -> None:
    batch_id, _ = _refused_batch(issuers, "uni", 201, _graduates(tmp_path / "g.csv", 2))
    _allow(issuers, "uni", 201)
    r = issuers.run("cred", "issue", "--resume", "--batch", batch_id, key="community")
    assert r.exit_code == 1
    assert f"planned for issuer {issuers.keys['uni'].address.lower()}" in r.output
    assert f"signing key is {issuers.keys['community'].address.lower()}" in r.output
    plan = json.loads((issuers.path / "journal" / batch_id / "plan.json").read_text())
    assert _anchors(issuers, plan["root"]) == []
    assert _journals(issuers)[batch_id]["stage"] == "planned"


def test_an_anchor_of_the_root_by_another_account_neither_blocks_nor_counts_for_ours(
    issuers: Workspace, tmp_path: Path
) -> None:
    """Anchors are keyed by issuer: a copy of the root under another key (taken from the pool first) is
    that key's own batch; the planned issuer still anchors its batch, and verification finds its own."""
    batch_id, _ = _refused_batch(issuers, "uni", 201, _graduates(tmp_path / "g.csv", 2))
    journal = issuers.path / "journal" / batch_id
    plan = json.loads((journal / "plan.json").read_text())
    with _open(issuers, "community") as lg:  # community may anchor type 101; it takes the root first
        lg.contracts.issuers.anchor(lg.key, 101, plan["count"], bytes.fromhex(plan["root"][2:]))
    # as if the uni process had died after sending: the journal says "anchoring"
    (journal / "state.json").write_text(json.dumps({"stage": "anchoring", "at": 0}))
    _allow(issuers, "uni", 201)
    with _open(issuers, "uni") as lg:
        (done,) = lg.resume_batches(batch_id).finished
    assert done.anchored_now
    assert _anchors(issuers, plan["root"]) == [issuers.keys["community"].address, issuers.keys["uni"].address]
    r = issuers.run("verify", str(Path(done.output)), "--json")
    assert r.exit_code == 0 and json.loads(r.output)["valid"] == 2

def test_resume_of_every_batch_goes_on_past_a_failing_one_and_reports_it(issuers: Workspace, tmp_path: Path) -> None:
    foreign, _ = _refused_batch(issuers, "community", 101, _graduates(tmp_path / "c.csv", 2, prefix="C"))
    own, _ = _refused_batch(issuers, "uni", 201, _graduates(tmp_path / "u.csv", 3, prefix="U"))
    os.utime(issuers.path / "journal" / foreign, (1, 1))  # the failing batch comes first
    _allow(issuers, "uni", 201)
    _allow(issuers, "community", 101)

    r = issuers.run("cred", "issue", "--resume", "--json", key="uni")
    assert r.exit_code == 1
    entries = {e["batch_id"]: e for e in json.loads(r.stdout)}
    assert entries[own]["count"] == 3 and entries[own]["anchored_now"] is True
    assert entries[foreign]["error_class"] == "IssuanceError" and "planned for issuer" in entries[foreign]["error"]
    assert _journals(issuers)[own]["stage"] == "done" and _journals(issuers)[foreign]["stage"] == "planned"

    r = issuers.run("cred", "issue", "--resume", key="uni")  # human output lists the failure too
    assert r.exit_code == 1 and "1 batch(es) not finished" in r.output and foreign in r.output
    r = issuers.run("cred", "issue", "--resume", "--json", key="community")
    assert r.exit_code == 0, r.output
    assert [e["batch_id"] for e in json.loads(r.stdout)] == [foreign]


# -- input files and keys through the CLI ------------------------------------------------------


def test_cli_checked_issuance_refuses_an_email_as_holder_name(issuers: Workspace) -> None:
    with issuers.ledger() as lg:
        subject = lg.vault.new_subject({}).id
    r = issuers.run("cred", "issue", "--type", "101", "--subject", subject, "--evidence", "0x" + "11" * 32,
                    "--holder", "li.hua@example.edu", key="uni")
    assert r.exit_code == 2 and "'holder_name'" in r.output and "an email address" in r.output
    assert not (issuers.path / "credentials" / "checked").exists()


def test_cli_type_file_with_a_prerequisite_out_of_range_writes_nothing(issuers: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text('id = 301\nname = "Advanced"\nprerequisites = [101, -1]\n')
    metadata = sorted((issuers.path / "metadata").iterdir())
    r = issuers.run("type", "define", "--file", str(path))
    assert r.exit_code == 2 and "prerequisites[1] must be between 1 and 4294967295" in r.output
    assert sorted((issuers.path / "metadata").iterdir()) == metadata
    with issuers.ledger() as lg:
        assert lg.contracts.credentials.credential_type(301).version == 0


def test_cli_contributions_csv_with_extra_values_records_nothing(issuers: Workspace, tmp_path: Path) -> None:
    subject = "0x" + "ab" * 32
    path = tmp_path / "c.csv"
    path.write_text(f"source,subject,kind\ngithub.com/a/b/pull/1,{subject},code,oops\n")
    metadata = sorted((issuers.path / "metadata").iterdir())
    r = issuers.run("contrib", "add", "--file", str(path), key="community")
    assert r.exit_code == 2 and "row 2" in r.output and "more values (4) than columns (3)" in r.output
    assert sorted((issuers.path / "metadata").iterdir()) == metadata


def test_cli_key_import_of_a_binary_file_shows_no_byte_of_it(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "key.bin"
    path.write_bytes(b"\x9c\x01\x02" + b"\xfe" * 29)
    r = workspace.run("key", "import", "--name", "bin", "--from-file", str(path))
    assert r.exit_code == 1 and "the key file is not text" in r.output
    assert "9c" not in r.output.lower() and "\\x" not in r.output and "Traceback" not in r.output
    assert not (workspace.path / "keys" / "bin.json").exists()


def test_cli_init_with_a_binary_key_file_creates_nothing(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from ledger.cli import main

    key = tmp_path / "key.bin"
    key.write_bytes(b"\x9c\x01\x02")
    ws = tmp_path / "ws"
    r = CliRunner().invoke(main, ["init", "-w", str(ws), "--import-key", str(key)],
                           env={"LEDGER_PASSWORD": PASSWORD}, catch_exceptions=False)
    assert r.exit_code == 1 and "the key file is not text" in r.output and "9c" not in r.output.lower()
    assert not ws.exists()


def test_cli_init_refuses_a_shared_directory_and_leaves_its_mode(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from ledger.cli import main

    shared = tmp_path / "project"
    shared.mkdir()
    shared.chmod(0o755)
    (shared / "README.md").write_text("hello")
    r = CliRunner().invoke(main, ["init", "-w", str(shared)], env={"LEDGER_PASSWORD": PASSWORD},
                           catch_exceptions=False)
    assert r.exit_code == 2 and "not a ledger workspace" in r.output
    assert oct(shared.stat().st_mode & 0o777) == oct(0o755)
    assert [p.name for p in shared.iterdir()] == ["README.md"]


def test_cli_signing_with_a_malformed_keystore_is_a_clear_error(workspace: Workspace) -> None:
    path = workspace.path / "keys" / "uni.json"
    data = json.loads(path.read_text())
    del data["version"]
    path.write_text(json.dumps(data))
    r = workspace.run("issuer", "retire", workspace.keys["community"].address, key="uni")
    assert r.exit_code == 1 and "not version 3 (field 'version')" in r.output
    assert data["crypto"]["ciphertext"] not in r.output and "KeyError" not in r.output


def test_the_cli_state_does_not_show_the_environment_in_its_repr() -> None:
    """``App.env`` may hold LEDGER_PASSWORD: a repr in a traceback or a log must not carry it."""
    from ledger.cli.app import App

    app = App(env={"LEDGER_PASSWORD": "correct horse battery staple"})
    assert "correct horse" not in repr(app) and "LEDGER_PASSWORD" not in repr(app)
    assert app.env["LEDGER_PASSWORD"] == "correct horse battery staple"


def test_writing_a_batch_reports_progress_as_it_goes(issuers: Workspace, tmp_path: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    with _open(issuers, "uni") as lg:
        lg.issue_batch(201, _graduates(tmp_path / "g.csv", 2_500), new_subjects=True,
                       progress=lambda stage, done, total: seen.append((stage, done, total)))
    writing = [(done, total) for stage, done, total in seen if stage == "writing"]
    assert writing == [(0, 2_500), (1_000, 2_500), (2_000, 2_500), (2_500, 2_500)]
