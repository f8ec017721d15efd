from __future__ import annotations

import json

from cliws import Workspace


def test_issuers_types_and_committee(issuers: Workspace) -> None:
    k = issuers.keys
    rows = json.loads(issuers.run("issuer", "list", "--json").output)
    assert {(r["name"], r["kind"], r["status"]) for r in rows} == {
        ("Example Univ", "UNIVERSITY", "active"), ("OpenChain", "COMMUNITY", "active"),
        ("Console maintainers", "COMMUNITY", "active"),
    }
    r = issuers.run("issuer", "suspend", k["uni"].address, "--json")
    assert r.exit_code == 0 and json.loads(r.output)["executed"] is True
    shown = json.loads(issuers.run("issuer", "show", k["uni"].address, "--json").output)
    assert shown["status"] == "suspended" and [h["status"] for h in shown["history"]] == ["active", "suspended"]
    assert issuers.run("issuer", "reinstate", k["uni"].address).exit_code == 0

    types = json.loads(issuers.run("type", "list", "--json").output)
    assert [(t["type_id"], t["version"]) for t in types] == [(101, 1), (201, 1)]
    t = json.loads(issuers.run("type", "show", "101", "--json").output)
    assert t["criteria"]["min_distinct_projects"] == 2 and "distinct projects" in t["narrative"]
    assert issuers.run("type", "show", "999").exit_code == 2


def test_k_of_n_proposals_wait_for_approvals(issuers: Workspace) -> None:
    k = issuers.keys
    # the university's key becomes a second member, then the threshold goes to 2
    assert issuers.run("committee", "add-member", k["uni"].address).exit_code == 0
    assert issuers.run("committee", "threshold", "2").exit_code == 0
    r = issuers.run("issuer", "suspend", k["community"].address, "--json")
    pending = json.loads(r.output)
    assert pending["executed"] is False and pending["approvals"] == 1 and pending["threshold"] == 2
    listed = json.loads(issuers.run("committee", "list", "--pending", "--json").output)
    assert [p["id"] for p in listed["proposals"]] == [pending["proposal_id"]]
    assert listed["proposals"][0]["action"] == "IssuerRegistry.setIssuerStatus"
    done = json.loads(issuers.run("committee", "approve", str(pending["proposal_id"]), "--json", key="uni").output)
    assert done["executed"] is True
    assert json.loads(issuers.run("issuer", "show", k["community"].address, "--json").output)["status"] == "suspended"
    twice = issuers.run("committee", "approve", str(pending["proposal_id"]), key="uni")
    assert twice.exit_code == 1 and "ProposalNotPending" in twice.output and "is executed" in twice.output


def test_proposals_are_cancelled_and_expire(issuers: Workspace) -> None:
    k = issuers.keys
    assert issuers.run("committee", "add-member", k["uni"].address).exit_code == 0
    assert issuers.run("committee", "threshold", "2").exit_code == 0
    window = json.loads(issuers.run("committee", "window", "4", "--json").output)
    assert window["executed"] is False  # 2 of 2 needed
    approved = json.loads(issuers.run("committee", "approve", str(window["proposal_id"]), "--json", key="uni").output)
    assert approved["executed"] is True
    first = json.loads(issuers.run("issuer", "suspend", k["community"].address, "--json").output)
    assert first["expires_at"] == first["block"] + 4
    # its proposer cancels it at once; another member's cancellation of another proposal is a proposal itself
    cancelled = json.loads(issuers.run("committee", "cancel", str(first["proposal_id"]), "--json").output)
    assert cancelled["state"] == "cancelled"
    second = json.loads(issuers.run("issuer", "suspend", k["maintainer"].address, "--json").output)
    by_other = json.loads(issuers.run("committee", "cancel", str(second["proposal_id"]), "--json", key="uni").output)
    assert by_other["executed"] is False and by_other["proposal_id"] == second["proposal_id"] + 1
    with issuers.ledger() as lg:  # blocks pass: the second proposal and the cancellation expire
        for _ in range(5):
            lg.chain.fund(k["outsider"].address, 1)
    listed = json.loads(issuers.run("committee", "list", "--json").output)
    states = {p["id"]: p["state"] for p in listed["proposals"]}
    assert states[first["proposal_id"]] == "cancelled" and states[second["proposal_id"]] == "expired"
    assert listed["proposal_window"] == 4
    late = issuers.run("committee", "approve", str(second["proposal_id"]), key="uni")
    assert late.exit_code == 1 and "expired after block" in late.output and "ProposalExpired" in late.output
    text = issuers.run("committee", "list").output
    assert "expired" in text and "cancelled" in text
    assert json.loads(issuers.run("committee", "list", "--pending", "--json").output)["proposals"] == []


def test_bad_governance_input(issuers: Workspace) -> None:
    outsider = issuers.keys["outsider"]
    r = issuers.run("committee", "add-member", outsider.address, key="outsider")
    assert r.exit_code == 1 and "NotCommitteeMember" in r.output
    r = issuers.run("issuer", "add", "0x1234", "--kind", "university", "--name", "X")
    assert r.exit_code == 2 and "not an address" in r.output
    r = issuers.run("issuer", "add", outsider.address, "--kind", "university", "--scope", "any", "--name", "X")
    assert r.exit_code == 2 and "only for an authority" in r.output
    r = issuers.run("issuer", "add", outsider.address, "--kind", "community", "--name", "lihua@example.edu")
    assert r.exit_code == 2 and "personal data" in r.output
    r = issuers.run("type", "define", "--id", "300")
    assert r.exit_code == 2 and "--name" in r.output
    r = issuers.run("committee", "threshold", "5")
    assert r.exit_code == 1 and "ThresholdOutOfRange" in r.output


def test_an_issuer_name_with_control_characters_is_refused_before_anything_is_sent(issuers: Workspace) -> None:
    """Such a name would put escape sequences on every terminal that lists issuers, and every credential
    the issuer signs would fail its format check (issuer.name), with no way to rename the issuer."""
    outsider = issuers.keys["outsider"]
    before = issuers.run("issuer", "list", "--json").output
    for name in ("Evil\x1b[31m Uni", "Two\nLines", "x" * 301):
        r = issuers.run("issuer", "add", outsider.address, "--kind", "community", "--name", name)
        assert r.exit_code == 2 and "issuer name" in r.output, r.output
        assert "\x1b" not in r.output
    assert issuers.run("issuer", "list", "--json").output == before
    assert issuers.run("issuer", "add", outsider.address, "--kind", "community", "--name", "Nice Org").exit_code == 0


def test_data_is_printed_with_its_control_characters_made_visible() -> None:
    from ledger.cli.render import escape

    assert escape("Evil\x1b[31m Uni\x9b2J\u202eX [b]") == "Evil\\x1b[31m Uni\\x9b2J\\u202eX \\[b]"
    assert escape("line\nnext\ttab") == "line\nnext\ttab"
