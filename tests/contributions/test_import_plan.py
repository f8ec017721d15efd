"""The import plan and its application, through the library: dedupe, races, interruptions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from forge import gh_pull, gh_review, gh_user, write_json
from workbench import Shell

from ledger.contributions.authors import AuthorMap
from ledger.contributions.github import import_github
from ledger.contributions.rules import load_rules
from ledger.errors import ContractError


@pytest.fixture()
def export(tmp_path: Path) -> Path:
    alice = gh_user("alice", 101)
    return write_json(tmp_path / "pulls.json", [gh_pull("org/repo", n, alice, merged_at="2026-02-03T10:00:00Z")
                                                for n in range(1, 251)])


def test_a_key_taken_after_the_plan_is_left_out_and_the_rest_recorded(shell: Shell, export: Path) -> None:
    subject = "0x" + os.urandom(32).hex()
    authors = AuthorMap({"github:alice": subject})
    rules = load_rules()
    with shell.ledger() as lg:
        lg.use_key(shell.keys["community"])
        plan = lg.plan_import(import_github([export], rules), rules, authors=authors)
        assert len(plan.new) == 250
        # Another recorder takes one key after the plan was made (its batch of 100 will revert).
        lg.use_key(shell.keys["maintainer"])
        lg.record([plan.new[150].contribution])
        lg.use_key(shell.keys["community"])
        done = lg.apply_import(plan, batch=1_000)
        assert done["recorded"] == 250  # what the plan asked for was sent; the refused chunk went again
        again = lg.plan_import(import_github([export], rules), rules, authors=authors)
        assert not again.new and len(again.on_chain) == 250 and not again.claimed_by_other
        held = lg.contracts.contributions.contributions([p.contribution.key for p in plan.new])
        assert all(c.exists for c in held)
        assert held[150].recorder_id != held[0].recorder_id


def test_an_interrupted_import_records_the_rest_when_run_again(shell: Shell, export: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    authors = AuthorMap({"github:alice": "0x" + os.urandom(32).hex()})
    rules = load_rules()
    with shell.ledger() as lg:
        lg.use_key(shell.keys["community"])
        plan = lg.plan_import(import_github([export], rules), rules, authors=authors)
        original, calls = lg._send_batch, []

        def failing(items, **kwargs):  # type: ignore[no-untyped-def]
            calls.append(len(items))
            if len(calls) == 2:
                raise KeyboardInterrupt
            return original(items, **kwargs)

        monkeypatch.setattr(lg, "_send_batch", failing)
        with pytest.raises(KeyboardInterrupt):
            lg.apply_import(plan, batch=100)
        monkeypatch.undo()
        record = max((shell.path / "imports").glob("*-github.json"))
        assert '"status": "stopped"' in record.read_text() and '"recorded": 100' in record.read_text()
        rest = lg.plan_import(import_github([export], rules), rules, authors=authors)
        assert len(rest.new) == 150 and len(rest.on_chain) == 100
        assert lg.apply_import(rest)["recorded"] == 150


def test_an_unauthorised_recorder_is_refused_and_nothing_is_recorded(shell: Shell, export: Path) -> None:
    authors = AuthorMap({"github:alice": "0x" + os.urandom(32).hex()})
    rules = load_rules()
    with shell.ledger() as lg:
        lg.use_key(shell.keys["outsider"])
        plan = lg.plan_import(import_github([export], rules), rules, authors=authors)
        with pytest.raises(ContractError) as refused:
            lg.apply_import(plan)
        assert refused.value.error_name == "UnknownIssuer"
        record = max((shell.path / "imports").glob("*-github.json")).read_text()
        assert '"status": "stopped"' in record and '"recorded": 0' in record
        assert not any(c.exists for c in lg.contracts.contributions.contributions(
            [p.contribution.key for p in plan.new][:10]))


def test_a_review_is_recorded_about_the_pull_request_it_reviewed_where_that_is_known(shell: Shell,
                                                                                      tmp_path: Path) -> None:
    alice, bob, carol = gh_user("alice", 101), gh_user("bob", 102), gh_user("carol", 103)
    pulls = write_json(tmp_path / "pulls.json", [gh_pull("org/repo", 1, alice, merged_at="2026-02-03T10:00:00Z"),
                                                 gh_pull("org/repo", 2, carol, merged_at="2026-02-04T10:00:00Z")])
    reviews = write_json(tmp_path / "reviews.json", [
        gh_review("org/repo", 1, 11, bob, "APPROVED"),  # about alice's pull request, imported with it
        gh_review("org/repo", 2, 12, bob, "APPROVED"),  # about carol's, whose author is not linked
    ])
    ids = {name: "0x" + os.urandom(32).hex() for name in ("alice", "bob")}
    authors = AuthorMap({f"github:{name}": subject for name, subject in ids.items()})
    rules = load_rules()
    with shell.ledger() as lg:
        lg.use_key(shell.keys["community"])
        # Reviews listed first: the pull request a review is about is still recorded before it.
        plan = lg.plan_import(import_github([reviews, pulls], rules), rules, authors=authors)
        by_source = {p.contribution.source: p.contribution for p in plan.new}
        pr1, review1, review2 = (by_source["github.com/org/repo/pull/1"],
                                 by_source["github.com/org/repo/pull/1/review-by/102"],
                                 by_source["github.com/org/repo/pull/2/review-by/102"])
        assert review1.about_key == pr1.key and review2.about_key is None
        assert plan.summary()["about"] == {"known": 1, "unknown": 1}
        assert lg.apply_import(plan)["recorded"] == 3
        ledger = lg.contracts.contributions
        assert ledger.about_of([review1.key, review2.key, pr1.key]) == [pr1.key, None, None]
