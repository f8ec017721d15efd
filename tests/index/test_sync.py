"""Sync: every event in its table; scratch == small ranges; replay changes nothing; crashes resume."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ledger.chain.embedded import EmbeddedChain
from ledger.contracts import abi as contracts
from ledger.index import Index, IndexMismatch
from ledger.index.projection import HANDLERS, ZERO32
from ledger.index.schema import MIGRATIONS, applied, migrate

from .conftest import dump
from .history import History, full_history, key


def _all_events() -> list[contracts.AbiEvent]:
    return [e for name in contracts.CONTRACT_NAMES for e in contracts.contract_abi(name).events.values()]


def _hex(b: bytes) -> str:
    return "0x" + b.hex()


def test_every_contract_event_has_a_projection() -> None:
    names = {e.name for e in _all_events()}
    assert names - set(HANDLERS) == set()


def test_every_event_lands_in_its_table(history: History, index: Index) -> None:
    result = index.sync(history.chain, history.deployment)
    f, keys, q = history.facts, history.facts["keys"], index.conn.execute
    raw = q("SELECT COUNT(*) FROM events").fetchone()[0]
    assert result.events == result.new_events == raw == len(history.c.events())
    assert {r[0] for r in q("SELECT DISTINCT name FROM events")} == {e.name for e in _all_events()}

    actions = [r[0] for r in q("SELECT action FROM committee_actions ORDER BY block_number, log_index")]
    assert {"MemberAdded", "MemberRemoved", "ThresholdChanged", "ModulesBound", "ProposalCreated", "ProposalApproved",
            "ProposalExecuted", "ProposalCancelled", "ProposalWindowChanged", "SuccessorNamed"} <= set(actions)
    assert q("SELECT member FROM committee_actions WHERE action='MemberRemoved'").fetchone()[0] == key("member3").address
    assert [r[0] for r in q("SELECT threshold FROM committee_actions WHERE action='ThresholdChanged' "
                             "ORDER BY block_number")] == [1, 2, 1]
    cancelled = q("SELECT proposal_id, member FROM committee_actions WHERE action='ProposalCancelled'").fetchone()
    assert tuple(cancelled) == (f["cancelled_proposal"], keys["member2"].address)
    assert all(r[0] is not None for r in q("SELECT expires_at FROM committee_actions WHERE action='ProposalCreated'"))

    issuers = {r["address"]: r for r in q("SELECT * FROM issuers")}
    assert issuers[keys["uni"].address]["kind"] == "University"
    assert issuers[keys["college"].address]["parent"] == keys["uni"].address
    assert issuers[keys["college"].address]["depth"] == 1
    assert issuers[keys["enterprise"].address]["kind"] == "Enterprise"
    successor = issuers[keys["college2"].address]  # a key of the college's node, not a new issuer
    assert (successor["node"], successor["kind"], successor["parent"]) == (
        issuers[keys["college"].address]["node"], "University", keys["uni"].address)
    ent = [r[0] for r in q("SELECT status FROM issuer_status WHERE address=? ORDER BY block_number",
                           (keys["enterprise"].address,))]
    assert ent == ["Active", "Suspended", "Active"]
    assert [tuple(r)[1:] for r in q("SELECT block_number, held FROM issuer_holds ORDER BY block_number")] == [(1,), (0,)]
    college = q("SELECT status, changed_by FROM issuer_status WHERE address=? ORDER BY block_number",
                (keys["college"].address,)).fetchall()
    assert [tuple(r) for r in college] == [("Active", None), ("Suspended", keys["uni"].address),
                                         ("Active", keys["uni"].address)]
    assert sorted(r[0] for r in q("SELECT type_id FROM issuer_scope WHERE address=?", (keys["enterprise"].address,))) \
        == [1, 2]
    rotation = q("SELECT previous, successor, offered_by, block_number FROM key_rotations").fetchone()
    assert tuple(rotation) == (keys["college"].address, keys["college2"].address, keys["uni"].address,
                               f["rotated_block"])
    mark = q("SELECT key, since, marked_by, block_number FROM key_compromises").fetchone()
    assert tuple(mark) == (keys["college"].address, f["theft"], keys["uni"].address, f["marked_block"])
    assert sorted(tuple(r) for r in q("SELECT kind, action FROM offers")) == [
        ("child", "cancelled"), ("child", "offered"), ("child", "offered"),
        ("successor", "cancelled"), ("successor", "offered"), ("successor", "offered")]

    assert [tuple(r) for r in q("SELECT type_id, version FROM cert_types ORDER BY type_id, version")] == \
        [(1, 1), (1, 2), (2, 1), (3, 1)]
    assert json.loads(q("SELECT details FROM cert_types WHERE type_id=1 AND version=2").fetchone()[0])["criteria"][
        "minTotal"] == 1

    contribs = q("SELECT key, kind, subject, recorder FROM contributions ORDER BY block_number, log_index").fetchall()
    assert {r["key"] for r in contribs} == {_hex(k) for k in f["a_keys"] + f["b_keys"] + [f["squat"], f["review"]]}
    squats = [r["recorder"] for r in contribs if r["key"] == _hex(f["squat"])]
    assert squats == [keys["maintainer"].address, keys["uni"].address]  # released, then recorded again
    assert [tuple(r) for r in q("SELECT key, generation FROM contribution_releases")] == [(_hex(f["squat"]), 0)]
    assert {r["kind"] for r in contribs if r["key"] == _hex(f["b_keys"][0])} == {"Docs"}
    signers = q("SELECT signer, org FROM cosigns WHERE key=? ORDER BY block_number", (_hex(f["a_keys"][0]),)).fetchall()
    assert [r[0] for r in signers] == [keys["maintainer"].address, keys["uni"].address]
    assert all(r[1] for r in signers)
    assert [tuple(r) for r in q("SELECT key, about FROM contribution_about")] == [
        (_hex(f["review"]), _hex(f["a_keys"][0]))]
    assert index.reader.about_of([f["review"], f["a_keys"][0]]) == {f["review"]: f["a_keys"][0]}
    noms = q("SELECT type_id, version, subject, action, account FROM nominations ORDER BY block_number").fetchall()
    assert [(r[0], r[1], r[2], r[3]) for r in noms] == [(3, 1, _hex(f["alice"]), "Nominated")] * 2 + [
        (3, 1, _hex(f["alice"]), "Withdrawn")]
    assert [n.nominator for n in index.reader.nominations(3, subject=_hex(f["alice"]))] == [keys["uni"].address]
    rev = q("SELECT key, reason, revoked_by FROM contribution_revocations ORDER BY block_number").fetchall()
    assert [tuple(r) for r in rev] == [(_hex(f["a_keys"][2]), "IssuedInError", keys["community"].address),
                                       (_hex(f["squat"]), "Misconduct", history.c.committee.address)]

    batch = q("SELECT * FROM batches WHERE root = ?", (_hex(f["root"]),)).fetchone()
    assert (batch["root"], batch["issuer"], batch["type_id"], batch["count"], batch["block_number"]) == \
        (_hex(f["root"]), keys["uni"].address, 1, 3, f["anchor_block"])
    revoked = q("SELECT issuer, root, reason, revoked_by FROM batch_revocations").fetchone()
    assert tuple(revoked) == (keys["college"].address, _hex(f["stolen_root"]), "KeyCompromised",
                              keys["college2"].address)
    leaves = [tuple(r) for r in q("SELECT root, leaf_index, status, reason, changed_by, action FROM leaf_status "
                                  "ORDER BY block_number, log_index")]
    assert leaves == [
        (_hex(f["root"]), 1, "Revoked", "Misconduct", keys["uni"].address, "set"),
        (_hex(f["root"]), 2, "Suspended", "Other", keys["uni"].address, "set"),
        (_hex(f["college_root"]), 0, "Revoked", "Other", keys["college"].address, "revoke"),
        (_hex(f["college_root"]), 0, "None", "None", history.c.committee.address, "restore"),
    ]
    cred = q("SELECT * FROM credentials").fetchone()
    assert (cred["issuer"], cred["hash"], cred["subject"], cred["type_version"]) == (
        keys["community"].address, _hex(f["issued"]), _hex(f["alice"]), 2)
    assert sorted(r[0] for r in q("SELECT contribution_key FROM credential_evidence")) == \
        sorted(_hex(k) for k in f["a_keys"][:2])
    statuses = [tuple(r) for r in q("SELECT issuer, credential_hash, root, status, reason FROM credential_status "
                                    "ORDER BY block_number")]
    assert statuses == [
        (keys["community"].address, _hex(f["issued"]), ZERO32, "Suspended", "Other"),
        (keys["community"].address, _hex(f["issued"]), ZERO32, "Valid", "None"),
    ]
    anchors = [tuple(r) for r in q("SELECT report_hash, auditor, target, block_number, tx_hash FROM report_anchors")]
    assert anchors == [(_hex(f["report"]), keys["member2"].address, _hex(f["alice"]), f["report_block"],
                        _hex(f["report_tx"]))]
    # Blocks carrying events have their timestamps, as the chain reports them.
    for number, stamp in q("SELECT number, timestamp FROM blocks"):
        assert history.chain.block_timestamp(number) == stamp


def test_scratch_equals_many_small_ranges(history: History) -> None:
    with Index.open(None) as whole, Index.open(None) as pieces, Index.open(None) as stepped:
        whole.sync(history.chain, history.deployment)
        head = history.head
        # Uneven ranges, with empty ones among them.
        for to_block in (0, 1, 2, 5, 5, 9, 17, 18, 30, head):
            pieces.sync(history.chain, history.deployment, to_block=to_block)
        stepped.sync(history.chain, history.deployment, step=1)
        assert dump(pieces) == dump(whole) == dump(stepped)
        assert whole.reader.cursor() == head


def test_resync_changes_nothing(history: History, index: Index) -> None:
    index.sync(history.chain, history.deployment)
    before = dump(index)
    again = index.syncer(history.chain, history.deployment).sync(from_block=0, step=4)
    assert again.events == before["events"].__len__() and again.new_events == 0
    assert index.sync(history.chain, history.deployment).events == 0  # nothing after the cursor
    assert dump(index) == before


def test_interrupted_sync_rolls_back_the_chunk_and_resumes(history: History, index: Index) -> None:
    class Crash(Exception):
        pass

    def crash_in(block: int):
        def hook(a: int, b: int) -> None:
            if a <= block <= b:
                raise Crash

        return hook

    syncer = index.syncer(history.chain, history.deployment)
    with pytest.raises(Crash):
        syncer.sync(step=4, on_chunk=crash_in(history.facts["anchor_block"]))
    cursor = syncer.cursor()
    assert cursor is not None and cursor < history.facts["anchor_block"]
    # Exactly the committed chunks: no row beyond the cursor survived the rollback.
    assert index.conn.execute("SELECT MAX(block_number) FROM events").fetchone()[0] <= cursor
    assert index.conn.execute("SELECT COUNT(*) FROM batches").fetchone()[0] == 0
    syncer.sync(step=4)
    with Index.open(None) as reference:
        reference.sync(history.chain, history.deployment)
        assert dump(index) == dump(reference)


def test_sync_killed_mid_transaction_resumes(tmp_path: Path) -> None:
    chain_file, index_file = tmp_path / "chain.sqlite", tmp_path / "index.sqlite"
    with EmbeddedChain(chain_file) as chain:
        hist = full_history(chain)
        deployment, head, crash_block = hist.deployment, hist.head, hist.facts["anchor_block"]
    script = textwrap.dedent(
        f"""
        import os, signal
        from ledger.chain.embedded import EmbeddedChain
        from ledger.contracts.deployment import Deployment
        from ledger.index import Index
        deployment = Deployment.from_dict({deployment.to_dict()!r})
        def hook(a, b):
            if a <= {crash_block} <= b:
                os.kill(os.getpid(), signal.SIGKILL)  # rows written, cursor not yet committed
        with EmbeddedChain({str(chain_file)!r}) as chain:
            Index.open({str(index_file)!r}).syncer(chain, deployment).sync(step=3, on_chunk=hook)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120, check=False)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    with Index.open(index_file) as crashed:
        cursor = crashed.reader.cursor()
        assert cursor is not None and cursor < crash_block
        assert crashed.conn.execute("SELECT MAX(block_number) FROM events").fetchone()[0] <= cursor
        with EmbeddedChain(chain_file) as chain:
            crashed.syncer(chain, deployment).sync(step=3)
            with Index.open(None) as reference:
                reference.sync(chain, deployment)
                assert dump(crashed) == dump(reference)
        assert crashed.reader.cursor() == head


def test_index_refuses_another_deployment(history: History, index: Index) -> None:
    index.sync(history.chain, history.deployment)
    with EmbeddedChain(None) as other_chain:
        other = History(other_chain, admin=key("another-admin"))
        with pytest.raises(IndexMismatch):
            index.sync(other_chain, other.deployment)


def test_migrations_are_named_and_run_once(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, MIGRATIONS[:1]) == ["0001_initial"]  # an index written by an older version
    conn.close()
    with Index.open(path) as ix:
        assert applied(ix.conn) == [m.name for m in MIGRATIONS]
        assert migrate(ix.conn) == []
    assert len({m.name for m in MIGRATIONS}) == len(MIGRATIONS)


def test_an_older_index_is_migrated_with_what_it_held(history: History, tmp_path: Path) -> None:
    """An index written before 0006 kept ReportAnchored raw: 0006 projects it, 0008 rekeys it by auditor.
    A contracts-v1 index's rows are carried into the rebuilt tables."""
    path = tmp_path / "index.sqlite"
    report, auditor, target = (_hex(history.facts["report"]), history.facts["keys"]["member2"].address,
                               _hex(history.facts["alice"]))
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, MIGRATIONS[:5])
    conn.execute("INSERT INTO events VALUES (?,?,?,?,?,?)", (7, 0, "0x" + "aa" * 32, auditor, "ReportAnchored",
                 json.dumps({"reportHash": report, "auditor": auditor, "target": target})))
    conn.execute("INSERT INTO issuers VALUES (?,?,?,?,?,?,?,?)", (auditor, 3, None, "University", 0, ZERO32, 5, "0x"))
    conn.execute("INSERT INTO issuer_status VALUES (?,?,?,?,?,?)", (auditor, 5, 0, "Active", None, "0x"))
    conn.execute("INSERT INTO batches VALUES (?,?,?,?,?,?,?,?)", (report, auditor, 1, 3, None, 6, 0, "0x"))
    conn.close()
    with Index.open(path) as ix:
        assert applied(ix.conn) == [m.name for m in MIGRATIONS]
        found = ix.reader.report_anchor(report)
        assert found is not None and (found.auditor, found.target, found.block_number) == (auditor, target, 7)
        assert ix.reader.report_anchor(report, at=6) is None
        assert [a.report_hash for a in ix.reader.report_anchors(target)] == [report]
        assert ix.reader.node_of(auditor) == 3 and ix.reader.issuer_status_at(auditor) == "Active"
        batch = ix.reader.batch(auditor, report)
        assert batch is not None and batch.count == 3


def test_report_anchors_are_read_by_hash_and_auditor(history: History, index: Index) -> None:
    index.sync(history.chain, history.deployment)
    f = history.facts
    found = index.reader.report_anchor(f["report"], auditor=f["keys"]["member2"].address)
    assert found is not None and found.block_number == f["report_block"]
    assert index.reader.report_anchor(f["report"], auditor=f["keys"]["uni"].address) is None
    assert index.reader.report_anchor(b"\x01" * 32) is None
    assert index.reader.report_anchors(_hex(f["bob"])) == []


def test_a_file_that_is_not_an_index_is_refused(tmp_path: Path) -> None:
    from ledger.index import IndexStoreError

    bad = tmp_path / "index.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(IndexStoreError) as info:
        Index.open(bad)
    assert info.value.hint and "delete" in info.value.hint
    assert os.path.exists(bad)


def test_fast_decoder_agrees_with_the_contracts_decoder(history: History) -> None:
    from ledger.index.decode import decode_events as fast
    from ledger.index.projection import normalise

    d = history.deployment
    logs = history.chain.get_logs(0, history.head, list(d.addresses))
    ours, reference = fast(logs), contracts.decode_events(logs)
    assert {e.name for e in ours} == {e.name for e in _all_events()}
    assert [(e.name, e.block_number, e.log_index) for e in ours] == \
        [(e.name, e.block_number, e.log_index) for e in reference]
    for a, b in zip(ours, reference):
        assert json.dumps(normalise(a.args)) == json.dumps(normalise(b.args)), a.name


def test_fast_decoder_refuses_truncated_logs(history: History) -> None:
    from dataclasses import replace

    from ledger.index.decode import decode_events as fast

    d = history.deployment
    (log,) = [lg for lg in history.chain.get_logs(0, history.head, [d.credential_registry])
              if contracts.decode_events([lg])[0].name == "CredentialIssued"]
    with pytest.raises(Exception) as info:
        fast([replace(log, data=log.data[:40])])
    assert not isinstance(info.value, AssertionError)


def test_a_sync_cannot_skip_blocks(history: History, index: Index) -> None:
    from ledger.errors import ValidationError

    syncer = index.syncer(history.chain, history.deployment)
    syncer.sync(to_block=5)
    with pytest.raises(ValidationError):
        syncer.sync(from_block=8)
    assert syncer.cursor() == 5
    assert syncer.sync(from_block=6).from_block == 6 and syncer.cursor() == history.head
