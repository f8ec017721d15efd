"""CredentialRegistry.anchorReport: who may anchor an audit report's hash, once, and what it records."""

from __future__ import annotations

import pytest

from ledger import types as T
from ledger.contracts import errors as E
from ledger.contracts.abi import ZERO32, decode_events
from ledger.crypto.keys import PrivateKey

from .conftest import World, rand32, require_call_sender, require_history


def _address32(key: PrivateKey) -> bytes:
    return bytes(12) + bytes.fromhex(key.address[2:])


def test_an_active_issuer_anchors_a_report(world: World) -> None:
    c, k = world.c, world.k
    report, subject = rand32(), rand32()
    assert c.credentials.report_anchor(k.community.address, report) == 0
    receipt = c.credentials.anchor_report(k.community, report, subject)
    assert c.credentials.report_anchor(k.community.address, report) == receipt.block_number
    events = [e for e in decode_events(receipt.logs, crypto=c.chain.crypto) if e.name == "ReportAnchored"]
    assert len(events) == 1
    assert events[0].args == {"reportHash": report, "auditor": k.community.address, "target": subject}
    require_history(world.chain)
    assert c.credentials.report_anchor(k.community.address, report, block=receipt.block_number - 1) == 0


def test_a_committee_member_who_is_no_issuer_anchors_a_report(world: World) -> None:
    c, k = world.c, world.k
    c.committee.add_member(k.committee, k.member2.address)
    report = rand32()
    receipt = c.credentials.anchor_report(k.member2, report, _address32(k.university))
    assert c.credentials.report_anchor(k.member2.address, report) == receipt.block_number
    files = rand32()
    c.credentials.anchor_report(k.committee, files)  # target zero: a set of files
    assert c.credentials.report_anchor(k.committee.address, files) != 0


def test_a_stranger_cannot_anchor(world: World) -> None:
    c, k = world.c, world.k
    report = rand32()
    with pytest.raises(E.UnknownIssuer) as stranger:
        c.credentials.anchor_report(k.stranger, report, rand32())
    assert stranger.value.issuer == k.stranger.address
    assert c.credentials.report_anchor(k.stranger.address, report) == 0
    require_call_sender(world.chain)
    assert stranger.value.tx_hash is None  # refused by the dry run: nothing was sent


def test_a_suspended_issuer_cannot_anchor(world: World) -> None:
    c, k = world.c, world.k
    c.issuers.propose_issuer_status(k.committee, k.enterprise.address, T.IssuerStatus.SUSPENDED)
    with pytest.raises(E.IssuerNotActive) as suspended:
        c.credentials.anchor_report(k.enterprise, rand32())
    assert (suspended.value.issuer, suspended.value.status) == (k.enterprise.address, T.IssuerStatus.SUSPENDED)


def test_a_report_anchors_once_per_auditor(world: World) -> None:
    c, k = world.c, world.k
    report = rand32()
    first = c.credentials.anchor_report(k.university, report, rand32())
    with pytest.raises(E.ReportAlreadyAnchored) as again:
        c.credentials.anchor_report(k.university, report, rand32())
    assert (again.value.reportHash, again.value.auditor, again.value.blockNumber) == (
        report, k.university.address, first.block_number)
    assert c.credentials.report_anchor(k.university.address, report) == first.block_number
    # another auditor anchoring the same report is its own record, and blocks nothing
    second = c.credentials.anchor_report(k.authority, report, rand32())
    assert c.credentials.report_anchor(k.authority.address, report) == second.block_number


def test_a_zero_report_hash_is_refused(world: World) -> None:
    c, k = world.c, world.k
    with pytest.raises(E.InvalidReportHash) as zero:
        c.credentials.anchor_report(k.university, ZERO32, rand32())
    assert zero.value.reportHash == ZERO32
    with pytest.raises(ValueError):
        c.credentials.anchor_report(k.university, b"\x01" * 31)
