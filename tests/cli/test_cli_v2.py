"""The commands of contracts v2: revocation by files, ids, subjects and whole batches in as few
transactions as the contracts allow; key rotation; compromise marks; the committee's own changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cliws import Workspace


def _json(ws: Workspace, *args: str, key: str | None = None, code: int = 0) -> dict:
    r = ws.run(*args, "--json", key=key)
    assert r.exit_code == code, r.output
    return json.loads(r.output)


def _issue(ws: Workspace, tmp_path: Path, rows: int, key: str = "uni", name: str = "g") -> tuple[dict, list[Path]]:
    csv = tmp_path / f"{name}.csv"
    csv.write_text("student_number,name\n" + "".join(f"{name}{i},Grad {i}\n" for i in range(rows)))
    out = _json(ws, "cred", "issue", "--type", "201", "--csv", str(csv), "--new-subjects", "--valid-until",
                "2099-01-01", key=key)
    return out, sorted(Path(out["output"]).glob("*.json"))


def _verify(ws: Workspace, *files: Path) -> list[str]:
    r = ws.run("verify", *map(str, files), "--json")
    codes = []
    for report in json.loads(r.output)["credentials"]:
        failed = [s["code"] for s in report["steps"] if s["outcome"] == "fail"]
        codes.append(failed[0] if failed else "VALID")
    return codes


def _doc(path: Path) -> dict:
    return json.loads(path.read_text())


def _leaf(path: Path) -> int:
    from ledger.credentials.parse import parse_credential, read_credential_file

    proof = parse_credential(read_credential_file(path)).proof
    assert proof is not None and proof.leaf_index is not None
    return proof.leaf_index


def test_revoke_by_files_ids_subjects_and_whole_batches(issuers: Workspace, tmp_path: Path) -> None:
    out, found = _issue(issuers, tmp_path, 8)
    files = sorted(found, key=_leaf)
    # Three files of one batch: one transaction.
    three = _json(issuers, "cred", "revoke", *map(str, files[:3]), "--reason", "misconduct", key="uni")
    (tx,) = three["transactions"]
    assert (tx["function"], tx["indexes"], tx["root"], len(three["changed"])) == ("setLeavesStatus", [0, 1, 2],
                                                                                   out["root"], 3)
    # Two by id, one by subject: one transaction each selection.
    ids = [_doc(f)["id"] for f in files[3:5]]
    by_id = _json(issuers, "cred", "suspend", "--id", ids[0], "--id", ids[1].removeprefix("urn:uuid:"),
                  "--reason", "other", key="uni")
    assert [t["indexes"] for t in by_id["transactions"]] == [[3, 4]] and by_id["status"] == "suspended"
    subject = _doc(files[5])["credentialSubject"]["id"]
    by_subject = _json(issuers, "cred", "revoke", "--subject", subject, "--reason", "superseded", key="uni")
    (one,) = by_subject["transactions"]
    assert (one["function"], one["indexes"]) == ("revokeLeaf", [5])  # one own leaf: the cheapest write
    assert _verify(issuers, *files) == ["REVOKED"] * 3 + ["SUSPENDED"] * 2 + ["REVOKED", "VALID", "VALID"]
    # What is in that state already is left out and said (a re-run repeats nothing, and is no failure).
    again = issuers.run("cred", "revoke", str(files[0]), "--reason", "misconduct", key="uni")
    assert again.exit_code == 0 and "left as it is (already so)" in again.output and "in 0 transaction" in again.output
    # Revocation is final: reinstating a revoked leaf stops everything with the contract's error, nothing sent.
    final = issuers.run("cred", "reinstate", *map(str, files[2:5]), key="uni")
    assert final.exit_code == 1 and "LeafIsRevoked" in final.output
    mixed = _json(issuers, "cred", "reinstate", str(files[3]), str(files[4]), str(files[7]), key="uni")
    assert [c["leaf"] for c in mixed["changed"]] == [3, 4] and [s["leaf"] for s in mixed["unchanged"]] == [7]
    assert [t["indexes"] for t in mixed["transactions"]] == [[3, 4]]
    # The committee (not a manager of uni) proposes; with one member the proposal executes at once.
    proposed = _json(issuers, "cred", "suspend", str(files[6]), "--reason", "other")
    (row,) = proposed["transactions"]
    assert row["function"] == "setLeavesStatus (proposed)" and row["executed"] is True
    # A whole batch: one transaction, whatever its size.
    whole = _json(issuers, "cred", "revoke", "--batch", out["root"], "--reason", "key-compromised", key="uni")
    (tx,) = whole["transactions"]
    assert (tx["function"], tx["count"], tx["what"]) == ("revokeBatch", 8, "batch")
    assert set(_verify(issuers, *files)) == {"BATCH_REVOKED"}
    human = issuers.run("cred", "revoke", "--batch", out["root"], "--reason", "misconduct", key="uni")
    assert human.exit_code == 0 and "revoked already, with its whole batch" in human.output
    assert "in 0 transaction" in human.output
    final = issuers.run("cred", "suspend", "--batch", out["batch_id"], "--reason", "other", key="uni")
    assert final.exit_code == 0 and "8 left as they were" in final.output


def test_revoke_refuses_what_it_cannot_find(issuers: Workspace, tmp_path: Path) -> None:
    _issue(issuers, tmp_path, 2)
    nobody = issuers.run("cred", "revoke", "--id", "urn:uuid:00000000-0000-4000-8000-000000000000", "--reason",
                         "misconduct", key="uni")
    assert nobody.exit_code == 2 and "no credential of this workspace has the id" in nobody.output
    unknown = issuers.run("cred", "revoke", "--batch", "0x" + "ab" * 32, "--reason", "misconduct", key="uni")
    assert unknown.exit_code == 2 and "was never anchored" in unknown.output
    empty = issuers.run("cred", "revoke", "--reason", "misconduct", key="uni")
    assert empty.exit_code == 2 and "name the credentials" in empty.output


def test_rotate_then_accept_moves_the_issuer_to_the_new_key(issuers: Workspace, tmp_path: Path) -> None:
    uni, new = issuers.keys["uni"].address, issuers.keys["outsider"].address
    _, files = _issue(issuers, tmp_path, 2, name="before")
    offered = _json(issuers, "issuer", "rotate", "--successor", new, key="uni")
    assert (offered["issuer"], offered["successor"]) == (uni, new)
    accepted = _json(issuers, "issuer", "accept", uni, key="outsider")
    assert accepted["accepted"] == "successor" and accepted["issuer"] == uni
    # The old key writes nothing more; the new one issues, and manages what the old one wrote.
    refused = issuers.run("cred", "issue", "--type", "201", "--subject", "0x" + "12" * 32, key="uni")
    assert refused.exit_code == 1 and "KeyRotated" in refused.output
    revoked = _json(issuers, "cred", "revoke", str(files[0]), "--reason", "superseded", key="outsider")
    assert revoked["transactions"][0]["function"] == "setLeavesStatus"
    assert _verify(issuers, *files) == ["REVOKED", "VALID"] or _verify(issuers, *files) == ["VALID", "REVOKED"]
    shown = _json(issuers, "issuer", "show", uni)
    assert shown["current_key"] == new and shown["rotated_in_block"] == accepted["block"]


def test_a_compromised_key_voids_what_it_wrote_from_then_on(issuers: Workspace, tmp_path: Path) -> None:
    from datetime import datetime, timezone

    uni = issuers.keys["uni"].address
    first, honest = _issue(issuers, tmp_path, 1, name="honest")
    out, stolen = _issue(issuers, tmp_path, 1, name="stolen")
    since = out["anchor_block"]
    with issuers.ledger() as lg:
        stamp = lg.chain.block_timestamp(since - 1)
    date = datetime.fromtimestamp(stamp, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    # The committee marks by a date: from the first block after it.
    marked = _json(issuers, "issuer", "compromised", uni, "--since", date)
    assert (marked["key"], marked["since"], marked["executed"]) == (uni, since, True)
    assert marked["proposal_id"] is not None
    assert _verify(issuers, honest[0], stolen[0]) == ["VALID", "ISSUER_COMPROMISED"]
    # A mark only ever moves earlier; a block number works too.
    later = issuers.run("issuer", "compromised", uni, "--since", str(since + 5))
    assert later.exit_code == 1
    earlier = _json(issuers, "issuer", "compromised", uni, "--since", str(first["anchor_block"]))
    assert earlier["since"] == first["anchor_block"]
    assert _verify(issuers, honest[0]) == ["ISSUER_COMPROMISED"]
    too_early = issuers.run("issuer", "compromised", uni, "--since", "2000-01-01")
    assert too_early.exit_code == 2 and "the ledger was deployed later" in too_early.output


def test_a_key_reports_itself_compromised_now(issuers: Workspace) -> None:
    community = issuers.keys["community"].address
    marked = _json(issuers, "issuer", "compromised", community, "--since", "now", key="community")
    assert marked["key"] == community and marked["since"] >= 1
    refused = issuers.run("issuer", "compromised", community, "--since", "1", key="community")
    assert refused.exit_code != 0


@pytest.mark.parametrize("command", [("issuer", "rotate"), ("issuer", "accept"), ("issuer", "compromised"),
                                     ("cred", "revoke"), ("cred", "suspend"), ("cred", "reinstate"),
                                     ("committee", "cancel"), ("committee", "window"), ("contrib", "release")])
def test_every_new_command_has_an_example_and_json(issuers: Workspace, command: tuple[str, ...]) -> None:
    helped = issuers.run(*command, "--help")
    assert helped.exit_code == 0 and "ledger " + " ".join(command) in helped.output
    assert "Example" in helped.output and "--json" in helped.output


def _mined_since(ws: Workspace, head: int) -> list:
    """Every transaction the chain mined after block ``head``, read from the chain's own blocks."""
    with ws.ledger() as lg:
        chain = lg.chain
        return [tx for n in range(head + 1, chain.block_number() + 1) for tx in chain.block_transactions(n)]


def test_revoking_many_leaves_or_a_whole_batch_sends_one_transaction_each(issuers: Workspace, tmp_path: Path) -> None:
    """Issue 18 item 7 on contracts v2, counted from the chain's blocks: k leaves of one batch named by a
    list are one transaction (batch revocation), a whole batch is one transaction (root revocation)."""
    out, files = _issue(issuers, tmp_path, 40, name="many")
    uni = bytes.fromhex(issuers.keys["uni"].address[2:])
    with issuers.ledger() as lg:
        head = lg.chain.block_number()
    chosen = tmp_path / "chosen.txt"
    chosen.write_text("".join(_doc(f)["id"] + "\n" for f in files[:25]))  # 25 of the 40, by id
    revoked = _json(issuers, "cred", "revoke", "--list", str(chosen), "--reason", "issued-in-error", key="uni")
    mined = _mined_since(issuers, head)
    assert len(mined) == 1 and mined[0].status == "ok" and mined[0].sender == uni
    assert len(revoked["changed"]) == 25 and revoked["transactions"][0]["tx_hash"] == "0x" + mined[0].hash.hex()
    codes = _verify(issuers, *files)
    assert codes.count("REVOKED") == 25 and codes.count("VALID") == 15
    # The whole batch by its root: one transaction, whatever its size.
    with issuers.ledger() as lg:
        head = lg.chain.block_number()
    whole = _json(issuers, "cred", "revoke", "--batch", out["root"], "--reason", "misconduct", key="uni")
    mined = _mined_since(issuers, head)
    assert len(mined) == 1 and mined[0].status == "ok" and mined[0].sender == uni
    assert whole["transactions"][0]["tx_hash"] == "0x" + mined[0].hash.hex()
    assert set(_verify(issuers, *files)) == {"BATCH_REVOKED"}
