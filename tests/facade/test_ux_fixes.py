"""The UX review's fixes at the library level: pre-flight, evidence clean-up, keys, vault, type files, rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ledger import contributions, types
from ledger.config import Settings, load_settings
from ledger.contracts.abi import contract_abi
from ledger.contracts.errors import ContributionExists
from ledger.contributions.model import CLOCK_SKEW
from ledger.credentials.standards import parse_type
from ledger.crypto.keys import PrivateKey
from ledger.errors import NodeUnreachable, RowError, ValidationError
from ledger.identity.keyring import MIN_PASSWORD_LENGTH, Keyring
from ledger.identity.vault import Vault
from ledger.issuance import pipeline as issuance
from ledger.ledger import Ledger
from ledger.operations.governance import decode_call

PASSWORD = "ux-fixes-password"
SUBJECT = "0x" + "ab" * 32


@pytest.fixture()
def lg(tmp_path: Path) -> Any:
    ws = tmp_path / "ws"
    Ledger.init(Settings(workspace=ws), password=PASSWORD, light_kdf=True)
    with Ledger.open(load_settings(ws, env={}), password=PASSWORD, light_kdf=True) as opened:
        opened.add_issuer(opened.key.address, kind="community", scope="", metadata={"name": "C"})
        yield opened


def _contribution(n: int, **extra: Any) -> contributions.Contribution:
    return contributions.build(source=f"github.com/a/b/pull/{n}", subject=SUBJECT, kind="code",
                              occurred_at="2026-01-01", **extra)


# -- pre-flight and evidence --------------------------------------------------------------------


def test_a_transaction_the_contract_refuses_is_not_sent(lg: Any) -> None:
    lg.record([_contribution(1)])
    head = lg.chain.block_number()
    with pytest.raises(ContributionExists) as refused:
        lg.contracts.contributions.record(lg.key, [types.ContributionItem(*_contribution(1).as_item()[:3],
                                                   types.ContributionKind.CODE, 0, 1, 1_700_000_000, b"\1" * 32)])
    assert refused.value.tx_hash is None  # refused by the call: there is no transaction
    assert lg.chain.block_number() == head


def test_record_keeps_no_evidence_of_a_refused_send_but_keeps_it_when_the_outcome_is_unknown(
    lg: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    metadata = lg.settings.metadata_dir
    lg.record([_contribution(1)])
    before = sorted(metadata.iterdir())
    head = lg.chain.block_number()
    with pytest.raises(ContributionExists):
        lg.record([_contribution(1, evidence={"url": "https://example.org/other"})])
    assert sorted(metadata.iterdir()) == before and lg.chain.block_number() == head

    def gone(*args: Any, **kwargs: Any) -> Any:
        raise NodeUnreachable("no endpoint answered")

    monkeypatch.setattr(lg.chain, "send_many", gone)
    with pytest.raises(NodeUnreachable):
        lg.record([_contribution(2, evidence={"url": "https://example.org/two"})])
    # The transaction may have reached the node before it went away, and may still be mined: the
    # evidence of a contribution that can end up on chain is kept (an unused file is harmless).
    kept = sorted(set(metadata.iterdir()) - set(before))
    assert len(kept) == 1 and b"example.org/two" in kept[0].read_bytes()


# -- contributions dated in the future -----------------------------------------------------------


def test_a_contribution_more_than_a_day_ahead_is_refused() -> None:
    now = 1_800_000_000
    contributions.check_not_future(now + CLOCK_SKEW, now=now)
    with pytest.raises(ValidationError, match="in the future"):
        contributions.check_not_future(now + CLOCK_SKEW + 1, now=now)
    with pytest.raises(ValidationError, match="in the future"):
        contributions.build(source="github.com/a/b/pull/1", subject=SUBJECT, kind="code", occurred_at="2099-01-01")


# -- keys ---------------------------------------------------------------------------------------


def test_a_damaged_key_file_is_listed_as_damaged(tmp_path: Path) -> None:
    ring = Keyring(tmp_path, light_kdf=True)
    good = ring.add("good", PrivateKey.generate(), PASSWORD)
    (tmp_path / "junk.json").write_bytes(b"\xff not json")
    (tmp_path / "other.json").write_text('{"address": "00", "version": 3}')
    assert [i.name for i in ring.list()] == ["good"]  # keys to sign with
    listed = {i.name: i for i in ring.list(include_damaged=True)}
    assert listed["good"].address == good.address and listed["good"].damaged is None
    assert listed["junk"].damaged and listed["junk"].address == ""
    assert listed["other"].damaged


def test_a_new_key_needs_a_password_of_eight_characters(tmp_path: Path) -> None:
    ring = Keyring(tmp_path, light_kdf=True)
    for short in ("", "x", "a" * (MIN_PASSWORD_LENGTH - 1)):
        with pytest.raises(ValidationError, match="at least 8"):
            ring.add("k", PrivateKey.generate(), short)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValidationError, match="at least 8"):  # init saves its first key the same way
        Ledger.init(Settings(workspace=tmp_path / "ws"), password="short", light_kdf=True)
    assert not (tmp_path / "ws").exists()  # refused before any directory or chain file is made
    ring.add("k", PrivateKey.generate(), "a" * MIN_PASSWORD_LENGTH)


# -- the vault and batch rows ----------------------------------------------------------------------


def _vault(path: Path) -> Vault:
    return Vault(path, password="vault-password", light_kdf=True)


def test_the_vault_refuses_a_student_number_it_has(tmp_path: Path) -> None:
    vault = _vault(tmp_path / "vault.sqlite")
    first = vault.new_subject({"name": "Li Hua", "student_number": "2023001"})
    with pytest.raises(ValidationError, match=first.id):
        vault.new_subject({"name": "Li Hua", "student_number": "2023001"})
    with pytest.raises(ValidationError, match="given twice"):
        vault.new_subjects([{"student_number": "7"}, {"student_number": "7"}])
    assert len(_vault(tmp_path / "vault.sqlite")) == 1


def test_rows_ambiguous_numbers_bad_json_lines_and_repeated_new_numbers(tmp_path: Path) -> None:
    # An older vault (plain JSON, migrated on open) where two subjects share the number "1".
    a, b = "0x" + "a1" * 32, "0x" + "b2" * 32
    (tmp_path / "vault.json").write_text(json.dumps({"subjects": {
        a: {"person": {"student_number": "1"}, "created": 1}, b: {"person": {"student_number": "1"}, "created": 2},
    }}))
    path = tmp_path / "vault.sqlite"
    vault = _vault(path)
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"student_number": "1"}\n{oops\n"text"\n{"student_number": "9"}\n{"student_number": "9"}\n')
    with pytest.raises(RowError) as ambiguous:
        issuance.read_rows(rows, vault, create_subjects=True)
    assert ambiguous.value.row == 1 and a in str(ambiguous.value) and b in str(ambiguous.value)
    result = issuance.read_rows(rows, vault, create_subjects=True, skip_invalid=True)
    assert [e.row for e in result.skipped] == [1, 2, 3, 5]  # row 5 repeats row 4's new number
    assert len(result.rows) == 1 and len(_vault(path)) == 3


def test_output_check_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "new" / "deeper"
    issuance.check_output_dir(target)
    assert not (tmp_path / "new").exists()
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValidationError, match="cannot write credential files"):
        issuance.check_output_dir(tmp_path / "file" / "x")


# -- type files ---------------------------------------------------------------------------------


def test_a_type_definition_refuses_unknown_keys_and_reads_type_show_output() -> None:
    with pytest.raises(ValidationError) as unknown:
        parse_type({"id": 1, "name": "X", "prerequisite": [2]})
    assert "'prerequisite'" in str(unknown.value) and "prerequisites" in str(unknown.value)
    shown = {"type_id": 7, "version": 3, "name": "X", "narrative": "...", "meta_hash": "0x00",
             "criteria": {"min_total": 2, "min_per_kind": {"code": 1}, "window_from": "2025-01-01T00:00:00Z"}}
    t = parse_type(shown)
    assert t.type_id == 7 and t.criteria.min_total == 2 and t.criteria.window_from == 1_735_689_600
    with pytest.raises(ValidationError, match="differ"):
        parse_type({**shown, "id": 8})


# -- decoded proposals --------------------------------------------------------------------------


def test_a_proposal_call_is_decoded_by_name() -> None:
    abi = contract_abi("IssuerRegistry")
    who = PrivateKey.generate().address
    call = decode_call("IssuerRegistry", abi.fn("setIssuerStatus").encode(who, int(types.IssuerStatus.RETIRED)))
    assert (call.action, call.function, call.args) == ("IssuerRegistry.setIssuerStatus", "setIssuerStatus",
                                                       {"issuer": who, "status": "retired"})
    assert str(call) == f"IssuerRegistry.setIssuerStatus(issuer={who}, status=retired)"
    committee = contract_abi("Committee")
    assert decode_call("Committee", committee.fn("setThreshold").encode(3)).args == {"threshold": 3}
    assert decode_call("IssuerRegistry", b"\xde\xad\xbe\xef").function is None
    short = decode_call("Committee", committee.fn("setThreshold").selector + b"\x01")
    assert short.function == "setThreshold" and "undecodable" in short.args


def test_a_key_with_funds_is_not_funded_again_so_opening_a_workspace_sends_nothing(tmp_path: Path) -> None:
    from ledger.ledger import DEV_FUNDING_WEI

    ws = tmp_path / "ws"
    Ledger.init(Settings(workspace=ws), password=PASSWORD, light_kdf=True)
    with Ledger.open(load_settings(ws, env={}), password=PASSWORD, light_kdf=True) as first:
        address = first.key.address
        head = first.chain.block_number()
    with Ledger.open(load_settings(ws, env={}), password=PASSWORD, light_kdf=True) as again:
        assert again.key.address == address
        assert again.chain.block_number() == head  # no funding transaction for a key that has funds
        newcomer = PrivateKey.generate()
        again.use_key(newcomer)  # a key without funds is funded once
        assert again.chain.block_number() == head + 1
        assert again.chain.balance(newcomer.address) == DEV_FUNDING_WEI
        again.use_key(newcomer)
        assert again.chain.block_number() == head + 1
