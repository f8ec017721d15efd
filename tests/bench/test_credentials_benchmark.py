"""The credential benchmark runs end to end on a tiny batch (it checks that it runs, not how fast)."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.credentials import DEPLOYMENT, main, measure_batch, sample_documents
from ledger.credentials.vocabulary import LEDGER_CONTEXT


def test_measure_batch_reports_every_rate(tmp_path: Path) -> None:
    result = measure_batch(20, base=tmp_path, verify_sample=5)
    for key in ("build_per_second", "issued_per_second", "verify_per_second"):
        assert result[key] > 0
    assert result["verify_sample"] == 5 and result["bytes_written"] > 20 * 1000
    assert set(result["seconds"]) >= {"stamp_and_hash", "merkle_tree", "proofs", "write", "sync", "verify"}
    assert list(tmp_path.iterdir()) == []  # the batch directory is removed afterwards


def test_sample_documents_are_our_credentials() -> None:
    docs = list(sample_documents(3))
    assert len(docs) == 3 and "proof" not in docs[0]
    # the documents of profile 2 as the holder sees them, without the proof that carries their salts
    assert docs[0]["@context"][2] == LEDGER_CONTEXT
    assert docs[0]["credentialSubject"]["id"].startswith(DEPLOYMENT + "/subjects/0x")


def test_cli_writes_json(tmp_path: Path, capsys: object) -> None:
    out = tmp_path / "bench.json"
    assert main(["--sizes", "10", "--runs", "1", "--dir", str(tmp_path), "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["sizes"]["10"]["median"]["issued_per_second"] > 0
