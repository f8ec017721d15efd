"""Verification against a real (embedded) chain: every kind of tampering has its own reason code."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from cliws import PASSWORD, Workspace

from ledger.credentials.batch import attach_batch_proofs
from ledger.credentials.document import CredentialTemplate, build_batch
from ledger.credentials.files import write_credentials
from ledger.credentials.identifiers import account_did, type_url
from ledger.credentials.merkle import MerkleTree
from ledger.credentials.parts import Achievement, IssuerProfile
from ledger.credentials.proof import ChainRef
from tests.credentials.credential_fixtures import edit_payload


@pytest.fixture()
def batch(issuers: Workspace, tmp_path: Path) -> tuple[Workspace, list[Path]]:
    csv = tmp_path / "g.csv"
    csv.write_text("student_number,name\n" + "".join(f"S{i},Grad {i}\n" for i in range(8)))
    r = issuers.run("cred", "issue", "--type", "201", "--csv", str(csv), "--new-subjects", "--valid-until",
                    "2099-01-01", "--json", key="uni")
    assert r.exit_code == 0, r.output
    return issuers, sorted(Path(json.loads(r.output)["output"]).glob("*.json"))


def _verify(ws: Workspace, *files: Path, extra: tuple[str, ...] = ()) -> tuple[int, list[dict]]:
    r = ws.run("verify", *map(str, files), "--json", *extra)
    return r.exit_code, json.loads(r.output)["credentials"]


def _code(report: dict) -> str:
    failed = [s for s in report["steps"] if s["outcome"] == "fail"]
    return failed[0]["code"] if failed else "VALID"


def _edit(src: Path, dst: Path, change) -> Path:  # type: ignore[no-untyped-def]
    doc = json.loads(src.read_text())
    change(doc)
    dst.write_text(json.dumps(doc))
    return dst


def test_valid_batch_verifies_and_exit_code_is_zero(batch: tuple[Workspace, list[Path]]) -> None:
    ws, files = batch
    code, reports = _verify(ws, *files)
    assert code == 0 and all(r["valid"] for r in reports) and len(reports) == 8
    human = ws.run("verify", str(files[0]))
    assert human.exit_code == 0 and "VALID" in human.output and "issuer_authorized" in human.output


def test_each_tampering_has_its_own_reason(batch: tuple[Workspace, list[Path]], tmp_path: Path) -> None:
    ws, files = batch
    changed = _edit(files[0], tmp_path / "changed.json",
                    lambda d: d["credentialSubject"]["achievement"].__setitem__("name", "Chief Architect"))
    wrong = _edit(files[1], tmp_path / "wrong.json",
                  lambda d: edit_payload(d, lambda p: p["merklePath"].__setitem__(0, "0x" + "ab" * 32)))
    truncated = _edit(files[2], tmp_path / "truncated.json", lambda d: edit_payload(d, lambda p: p["merklePath"].pop()))
    garbage = tmp_path / "garbage.json"
    garbage.write_text('{"@context": ["nope"]}')
    code, reports = _verify(ws, changed, wrong, truncated, garbage)
    assert code == 1
    assert [_code(r) for r in reports] == ["HASH_MISMATCH", "PROOF_INVALID", "PROOF_TRUNCATED", "FORMAT_INVALID"]


def test_unknown_root_and_unauthorised_issuer(issuers: Workspace, tmp_path: Path) -> None:
    lg = issuers.ledger()
    chain_id = lg.chain.identity().chain_id
    contract = lg.contracts.issuers.address
    comm = issuers.keys["community"]

    def make(type_id: int, out: Path, anchor_as: int | None) -> Path:
        deployment = account_did(chain_id, lg.contracts.issuers.address)
        ach = Achievement(type_id, 1, "Course", "A course", "Passed", "cs", id=type_url(deployment, type_id, 1))
        template = CredentialTemplate(IssuerProfile.for_account(chain_id, comm.address, "OpenChain"), ach,
                                      "2026-01-01T00:00:00Z", deployment=deployment)
        creds = build_batch(template, ["0x" + "11" * 32, "0x" + "22" * 32])
        tree = MerkleTree.build([c.hash for c in creds])
        tx, block = None, None
        if anchor_as is not None:
            receipt = lg.contracts.issuers.anchor(comm, anchor_as, len(creds), tree.root)
            tx, block = receipt.tx_hash, receipt.block_number
        proved = attach_batch_proofs(creds, chain=ChainRef("embedded", chain_id), contract=contract, tree=tree,
                                     anchor_transaction=tx, anchor_block=block)
        return write_credentials(out, proved).paths[0]

    unknown = make(101, tmp_path / "unknown", None)
    # the community may issue type 101 only; these documents claim type 201 under a root it anchored as 101
    claims_other = make(201, tmp_path / "other", 101)
    lg.close()
    code, reports = _verify(issuers, unknown, claims_other)
    assert code == 1
    assert [_code(r) for r in reports] == ["ROOT_UNKNOWN", "TYPE_MISMATCH"]
    authorized = next(s for s in reports[1]["steps"] if s["step"] == "anchoring")
    assert "101" in authorized["message"] and "201" in authorized["message"]


def test_revoked_suspended_reinstated_and_time_travel(batch: tuple[Workspace, list[Path]]) -> None:
    ws, files = batch
    r = ws.run("cred", "revoke", str(files[0]), "--reason", "misconduct", "--json", key="uni")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    revoked_block = out["changed"][0]["block"]
    (row,) = out["transactions"]
    assert row["function"] == "revokeLeaf" and row["block"] == revoked_block  # one own leaf: the cheapest write
    assert ws.run("cred", "suspend", str(files[1]), "--reason", "other", key="uni").exit_code == 0
    outsider = ws.run("cred", "revoke", str(files[2]), "--reason", "misconduct", key="outsider")
    assert outsider.exit_code == 1 and "UnknownIssuer" in outsider.output
    other = ws.run("cred", "revoke", str(files[2]), "--reason", "misconduct", key="community")
    assert other.exit_code == 1 and "NotManager" in other.output
    code, reports = _verify(ws, files[0], files[1], files[2])
    assert code == 1 and [_code(r) for r in reports] == ["REVOKED", "SUSPENDED", "VALID"]
    status = next(s for s in reports[0]["steps"] if s["step"] == "status")
    assert "misconduct" in status["message"] and str(revoked_block) in status["message"]
    # before the revocation block the credential was valid
    code, past = _verify(ws, files[0], extra=("--at", str(revoked_block - 1)))
    assert code == 0 and past[0]["valid"]
    assert ws.run("cred", "reinstate", str(files[1]), key="uni").exit_code == 0
    code, again = _verify(ws, files[1])
    assert code == 0 and again[0]["valid"]
    # revoked is final: nothing is sent for it
    final = ws.run("cred", "reinstate", str(files[0]), key="uni")
    assert final.exit_code == 1 and "LeafIsRevoked" in final.output


def test_expired(batch: tuple[Workspace, list[Path]]) -> None:
    ws, files = batch
    with ws.ledger() as lg:
        later = datetime(2100, 1, 1, tzinfo=timezone.utc)
        (report,) = lg.verify([files[0]], now=later)
        assert not report["valid"] and _code(report) == "EXPIRED"
        (report,) = lg.verify([files[0]], now=later - timedelta(days=3 * 365))
        assert report["valid"]


def test_verify_bad_input(workspace: Workspace, tmp_path: Path) -> None:
    r = workspace.run("verify", str(tmp_path / "missing.json"))
    assert r.exit_code == 2
    notjson = tmp_path / "x.json"
    notjson.write_text("not json at all")
    r = workspace.run("verify", str(notjson), "--json")
    assert r.exit_code == 1
    (report,) = json.loads(r.output)["credentials"]
    assert report["steps"][0]["code"] == "FORMAT_INVALID" and "not a JSON document" in report["steps"][0]["message"]
    assert PASSWORD not in r.output


def _bundle(issuers: Workspace, tmp_path: Path, count: int) -> Path:
    """A batch of ``count`` graduates issued as one JSON Lines bundle; its path."""
    csv = tmp_path / "g.csv"
    csv.write_text("student_number,name\n" + "".join(f"S{i},Grad {i}\n" for i in range(count)))
    r = issuers.run("cred", "issue", "--type", "201", "--csv", str(csv), "--new-subjects", "--layout", "jsonl",
                    "--json", key="uni")
    assert r.exit_code == 0, r.output
    return Path(json.loads(r.output)["output"])


def test_a_batch_as_one_json_lines_file(issuers: Workspace, tmp_path: Path) -> None:
    bundle = _bundle(issuers, tmp_path, 12)
    assert bundle.suffix == ".jsonl" and len(bundle.read_text().splitlines()) == 12
    code, reports = _verify(issuers, bundle)
    assert code == 0 and len(reports) == 12 and reports[3]["file"] == f"{bundle}:4"


def test_a_holders_credential_is_exported_from_a_bundle_and_verifies_on_its_own(
    issuers: Workspace, tmp_path: Path
) -> None:
    bundle = _bundle(issuers, tmp_path, 5)
    third = json.loads(bundle.read_text().splitlines()[2])
    subject = third["credentialSubject"]["id"].rsplit("/", 1)[1]

    out = tmp_path / "for-the-holder"
    r = issuers.run("cred", "export", str(bundle), "--subject", subject, "--out", str(out), "--json")
    assert r.exit_code == 0, r.output
    (path,) = [Path(p) for p in json.loads(r.output)["files"]]
    assert path.parent == out and path.read_bytes() == bundle.read_bytes().splitlines()[2]
    code, (report,) = _verify(issuers, path)
    assert code == 0 and report["valid"]

    # human output prints subject ids as they are (rich would turn ":ledger:" into an emoji)
    r = issuers.run("cred", "show", str(path))
    assert r.exit_code == 0 and third["credentialSubject"]["id"] in r.output

    # all of them, beside the bundle, as the files layout would have named them
    r = issuers.run("cred", "export", str(bundle))
    assert r.exit_code == 0, r.output
    assert len(list(bundle.with_suffix("").glob("*.json"))) == 5 and "wrote 5 credential file(s)" in r.output

    # an enterprise audits the bundle it was given: one row per line
    r = issuers.run("audit", "files", str(bundle), "--json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)["credentials"]
    assert [row["label"] for row in rows] == [f"{bundle}:{n}" for n in range(1, 6)] and all(row["valid"] for row in rows)

    # a command meant for one credential refuses the bundle and says how to get one out of it (`cred revoke`
    # takes a bundle since issue 18: it revokes every credential in it, see tests/cli/test_cli_registrar.py)
    r = issuers.run("cred", "show", str(bundle), key="uni")
    assert r.exit_code == 2 and "is a batch bundle" in r.output and "ledger cred export" in r.output
    r = issuers.run("cred", "show", str(bundle), "--json")
    error = json.loads(r.output)["error"]
    assert r.exit_code == 2 and error["type"] == "ValidationError" and "ledger cred export" in error["hint"]

    # names that look like rich markup are printed as they are, not interpreted
    odd = tmp_path / "q[red]" / "x[b]y.json"
    odd.parent.mkdir()
    odd.write_bytes(path.read_bytes())
    r = issuers.run("cred", "show", str(odd))
    assert r.exit_code == 0 and "q[red]/x[b]y.json" in r.output
    r = issuers.run("verify", str(odd))
    assert r.exit_code == 0 and "q[red]/x[b]y.json" in r.output
    r = issuers.run("cred", "export", str(bundle), "--id", "urn:uuid:00000000-0000-4000-8000-000000000000",
                    "--out", str(tmp_path / "none"))
    assert r.exit_code == 2 and "not in the bundle" in r.output and not (tmp_path / "none").exists()


def test_a_snapshot_saved_online_verifies_offline_without_a_workspace(
    batch: tuple[Workspace, list[Path]], tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from ledger.cli import main

    ws, files = batch
    snap = tmp_path / "chain.json"
    code, reports = _verify(ws, *files[:3], extra=("--save-snapshot", str(snap)))
    assert code == 0 and len(reports) == 3
    saved = json.loads(snap.read_text())
    assert saved["type"] == "LedgerVerificationBundle" and len(saved["anchors"]) == 1

    # Somewhere else: no workspace, no node.
    nowhere = {"LEDGER_WORKSPACE": str(tmp_path / "no-workspace"), "LEDGER_RPC_URL": "http://127.0.0.1:1"}

    def offline(*args: str) -> tuple[int, dict]:
        r = CliRunner().invoke(main, ["verify", *args, "--json"], env=nowhere, catch_exceptions=False)
        return r.exit_code, json.loads(r.output)

    code, out = offline(*map(str, files[:3]), "--snapshot", str(snap))
    assert code == 0 and out["valid"] == 3 and "as of block" in out["note"]
    assert {s["code"] for r in out["credentials"] for s in r["steps"] if s["step"] == "anchoring"} == {"ANCHORED"}
    forged = _edit(files[0], tmp_path / "forged.json", lambda d: d["credentialSubject"].update(name="Someone Else"))
    code, out = offline(str(forged), "--snapshot", str(snap))
    assert code == 1 and _code(out["credentials"][0]) == "HASH_MISMATCH"
    # Another credential of the same batch: anchored there too, but its status was never asked (it may
    # have been revoked), so the snapshot cannot vouch for it.
    code, out = offline(str(files[3]), "--snapshot", str(snap))
    (other,) = out["credentials"]
    assert code == 3 and other["verdict"] == "incomplete" and not other["valid"]
    assert [s["code"] for s in other["steps"] if s["step"] == "status"] == ["OFFLINE"]

    code, out = offline(*map(str, files[:2]), "--offline")
    assert code == 3 and (out["verdict"], out["valid"], out["incomplete"]) == ("incomplete", 0, 2)
    assert "not checked" in out["note"]
    assert all(r["verdict"] == "incomplete" and r["valid_offline"] and not r["valid"] for r in out["credentials"])
    code, out = offline(str(forged), "--offline")
    assert code == 1 and out["valid"] == 0
    assert not (tmp_path / "no-workspace").exists()


def test_snapshot_options_go_one_at_a_time(batch: tuple[Workspace, list[Path]], tmp_path: Path) -> None:
    ws, files = batch
    r = ws.run("verify", str(files[0]), "--offline", "--save-snapshot", str(tmp_path / "s.json"))
    assert r.exit_code == 2 and "one at a time" in r.output
    (tmp_path / "bad.json").write_text('{"type": "something else"}')
    r = ws.run("verify", str(files[0]), "--snapshot", str(tmp_path / "bad.json"))
    assert r.exit_code == 2 and "not a verification bundle" in r.output


def test_leaf_statuses_replayed_from_events_equal_the_stored_bits(issuers: Workspace, tmp_path: Path) -> None:
    """A batch's leaf statuses come from its events (one query per batch), replayed: every answer must equal
    the contract's stored bits, now and at earlier blocks; a node that drops logs is caught (the events do
    not explain the bits) and the bits answer."""
    from ledger.credentials.parse import parse_credential
    from ledger.verify.contracts_view import ContractsView
    from ledger.verify.steps import credential_ref

    csv = tmp_path / "g.csv"
    csv.write_text("student_number,name\n" + "".join(f"T{i},Grad {i}\n" for i in range(20)))
    r = issuers.run("cred", "issue", "--type", "201", "--csv", str(csv), "--new-subjects", "--json", key="uni")
    assert r.exit_code == 0, r.output
    files = sorted(Path(json.loads(r.output)["output"]).glob("*.json"))
    for args in (("revoke", files[0], "misconduct"), ("suspend", files[1], "other"), ("suspend", files[2], "other"),
                 ("reinstate", files[2], None), ("revoke", files[1], "superseded"), ("suspend", files[19], "other")):
        extra = ("--reason", args[2]) if args[2] else ()
        assert issuers.run("cred", args[0], str(args[1]), *extra, key="uni").exit_code == 0
    credentials = [parse_credential(f.read_bytes()) for f in files]
    names = ["active", "reinstated", "suspended", "revoked"]
    with issuers.ledger() as lg:
        head = lg.chain.block_number()
        for block in (None, head - 1, head - 3):
            view = ContractsView(lg.contracts)
            for c in credentials:
                ref = credential_ref(c)
                assert ref.root is not None and ref.index is not None
                stored = lg.contracts.issuers.leaf_status(ref.issuer, ref.root, ref.index, block=block)
                assert view.status(ref, block).status == names[int(stored)]
            assert any(view._leaf_changes.values())  # the events were read
        # A node that drops logs: the events do not explain the stored bits, so the bits answer.
        blind = ContractsView(lg.contracts)
        real_get_logs = lg.chain.get_logs
        lg.chain.get_logs = lambda *args, **kwargs: []  # type: ignore[method-assign]
        try:
            answers = [blind.status(credential_ref(c)) for c in credentials]
        finally:
            lg.chain.get_logs = real_get_logs  # type: ignore[method-assign]
        assert [a.status for a in answers] == ["revoked", "revoked", "reinstated"] + ["active"] * 16 + ["suspended"]
        assert answers[0].reason is None  # the bits say revoked; why is only in the events
    code, reports = _verify(issuers, *files)
    assert code == 1 and [_code(r) for r in reports].count("VALID") == 17
    assert {_code(reports[0]), _code(reports[1]), _code(reports[19])} == {"REVOKED", "SUSPENDED"}
    status = next(s for s in reports[0]["steps"] if s["step"] == "status")
    assert "misconduct" in status["message"]


def test_revoking_an_edited_copy_says_it_was_edited(batch: tuple[Workspace, list[Path]], tmp_path: Path) -> None:
    ws, files = batch
    edited = _edit(files[0], tmp_path / "edited.json", lambda d: d["credentialSubject"].update(name="Someone"))
    with ws.ledger() as lg:
        head = lg.chain.block_number()
    r = ws.run("cred", "revoke", str(edited), "--reason", "misconduct", key="uni")
    assert r.exit_code == 2 and "was changed after it was issued" in r.output and "HASH_MISMATCH" in r.output
    with ws.ledger() as lg:
        assert lg.chain.block_number() == head  # nothing sent
    code, reports = _verify(ws, files[0])
    assert code == 0 and reports[0]["valid"]


def _another_deployment(doc: dict) -> None:
    """The credential as if anchored through another deployment's registry (the proof names another
    contract: in the clear in a profile-1 proof, inside the proofValue of a profile-2 one)."""
    import base64

    from ledger.credentials.proof import decode_proof_value

    other = "0x" + "42" * 20
    for proof in doc["proof"] if isinstance(doc["proof"], list) else [doc["proof"]]:
        if "contract" in proof:
            proof["contract"] = other
        elif "proofValue" in proof:
            payload = decode_proof_value(proof["proofValue"], "proof.proofValue")
            payload["contract"] = other
            encoded = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
            proof["proofValue"] = "u" + base64.urlsafe_b64encode(encoded).rstrip(b"=").decode()


def test_offline_never_counts_an_unchecked_credential_as_valid(
    batch: tuple[Workspace, list[Path]], tmp_path: Path
) -> None:
    """Issue 18 item 1: a revoked credential and one from another deployment, verified --offline, were
    printed INVALID each and then summed up as "3 of 3 valid offline (incomplete)", exit 0."""
    ws, files = batch
    assert ws.run("cred", "revoke", str(files[1]), "--reason", "misconduct", key="uni").exit_code == 0
    elsewhere = _edit(files[2], tmp_path / "elsewhere.json", _another_deployment)
    chosen = (files[0], files[1], elsewhere)
    r = ws.run("verify", *map(str, chosen), "--offline", "--json")
    out = json.loads(r.output)
    assert r.exit_code == 3
    assert (out["verdict"], out["valid"], out["invalid"], out["incomplete"]) == ("incomplete", 0, 0, 3)
    assert [c["verdict"] for c in out["credentials"]] == ["incomplete"] * 3
    human = ws.run("verify", *map(str, chosen), "--offline")
    assert human.exit_code == 3
    assert human.output.count("INCOMPLETE") == 3 and "INVALID" not in human.output and " VALID" not in human.output
    assert "0 of 3 valid, 3 incomplete" in human.output

    # Against the chain the same three are judged in full: one valid, two invalid, and the counts agree.
    online = ws.run("verify", *map(str, chosen), "--json")
    out = json.loads(online.output)
    assert online.exit_code == 1
    assert (out["verdict"], out["valid"], out["invalid"], out["incomplete"]) == ("invalid", 1, 2, 0)
    assert [c["valid"] for c in out["credentials"]] == [True, False, False]
    assert sum(c["valid"] for c in out["credentials"]) == out["valid"]
