"""Handle links: the subject's signed statement, the handle's challenge, the commitment, the store;
and the whole flow through the CLI, with the import that uses the link."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from forge import ALICE, Repo, gh_comment, gh_event, gh_pull, gh_user, gist, write_json, write_jsonl
from workbench import Shell

from ledger.contributions.handles import (
    ZERO_SALT,
    HandleLink,
    LinkStore,
    SignedStatement,
    commitment,
    new_link,
    parse_handle,
    sign_statement,
)
from ledger.contributions.linkproof import find_in_clone, find_in_exports
from ledger.crypto.keys import PrivateKey
from ledger.errors import ValidationError

SUBJECT = "0x" + "5e" * 32
ALICE_GH = gh_user("alice", 101)
MALLORY_GH = gh_user("mallory", 666)


def test_handles_are_checked_and_normalised() -> None:
    assert parse_handle(" GitHub:Alice-Dev ") == "github:alice-dev"
    assert parse_handle("gitee:li_hua") == "gitee:li_hua"
    for bad in ("alice", "gitlab:alice", "github:", "github:-x", "github:a b", "github:" + "a" * 120):
        with pytest.raises(ValidationError, match="not a handle"):
            parse_handle(bad)


def test_a_statement_verifies_and_any_change_breaks_it() -> None:
    key = PrivateKey.generate()
    statement = sign_statement(key, SUBJECT, "github:Alice")
    data = statement.to_dict()
    assert SignedStatement.from_dict(data) == statement
    assert statement.challenge.startswith("ledger-link-") and len(statement.challenge) == 36
    for field, value in (("handle", "github:mallory"), ("subject", "0x" + "77" * 32), ("public", True),
                         ("signer", PrivateKey.generate().address)):
        with pytest.raises(ValidationError, match="not signed by|challenge"):
            SignedStatement.from_dict({**data, field: value})
    with pytest.raises(ValidationError, match="not a handle-link statement"):
        SignedStatement.from_dict({"type": "something else"})
    assert sign_statement(key, SUBJECT, "github:alice").challenge != statement.challenge  # a fresh nonce


def test_the_commitment_hides_the_handle_unless_the_subject_opts_in() -> None:
    key = PrivateKey.generate()
    private = new_link(sign_statement(key, SUBJECT, "github:alice"), {"kind": "export"})
    public = new_link(sign_statement(key, SUBJECT, "github:alice", public=True), {"kind": "export"})
    guess = commitment(SUBJECT, "github:alice", key.address, ZERO_SALT)
    assert public.public and public.commitment == guess  # anyone who knows the handle can confirm it
    assert not private.public and private.commitment != guess  # a guess confirms nothing
    record = private.to_dict()
    assert HandleLink.from_dict(record) == private
    with pytest.raises(ValidationError, match="commitment"):
        HandleLink.from_dict({**record, "salt": "0x" + "11" * 32})


def test_the_store_refuses_a_taken_handle_and_binds_a_subject_to_its_key(tmp_path: Path) -> None:
    store = LinkStore(tmp_path / "links.json")
    key = PrivateKey.generate()
    store.add(new_link(sign_statement(key, SUBJECT, "github:alice"), {"kind": "export"}))
    assert os.stat(tmp_path / "links.json").st_mode & 0o777 == 0o600
    again = LinkStore(tmp_path / "links.json")
    assert again.subject_of("github:alice") == SUBJECT and again.subject_key(SUBJECT) == key.address
    with pytest.raises(ValidationError, match="linked to subject"):
        again.check_new(sign_statement(PrivateKey.generate(), "0x" + "77" * 32, "github:alice"))
    other_key = sign_statement(PrivateKey.generate(), SUBJECT, "gitee:alice")
    with pytest.raises(ValidationError, match="bound to statement key"):
        again.check_new(other_key)
    again.check_new(other_key, rebind=True)


def test_the_challenge_counts_only_where_the_handle_put_it(tmp_path: Path) -> None:
    challenge = sign_statement(PrivateKey.generate(), SUBJECT, "github:alice").challenge
    by_alice = write_json(tmp_path / "gist.json", [gist(ALICE_GH, f"I am subject {SUBJECT}: {challenge}")])
    by_mallory = write_json(tmp_path / "comments.json",
                            [gh_comment("org/repo", 1, 5, MALLORY_GH, f"{challenge} (posted for alice)")])
    proof = find_in_exports([by_alice], "github:alice", challenge)
    assert proof is not None and proof["url"].startswith("https://gist.github.com/")
    assert find_in_exports([by_mallory], "github:alice", challenge) is None
    assert find_in_exports([by_alice], "gitee:alice", challenge) is None  # a GitHub record proves nothing on Gitee
    events = write_jsonl(tmp_path / "events.jsonl", [gh_event("IssueCommentEvent", ALICE_GH, "org/repo", {
        "action": "created", "issue": {"number": 3}, "comment": {"body": challenge, "user": ALICE_GH}}, 1)])
    assert find_in_exports([events], "github:alice", challenge)["where"] == "events.jsonl:1"  # type: ignore[index]


def test_a_clone_proves_only_a_repository_of_the_handle(tmp_path: Path) -> None:
    challenge = sign_statement(PrivateKey.generate(), SUBJECT, "gitee:alice").challenge
    repo = Repo(tmp_path / "proof")
    repo.git("remote", "add", "origin", "https://gitee.com/alice/ledger-proof.git")
    repo.commit(f"link my handle\n\n{challenge}", {"README.md": "proof\n"}, ALICE)
    found = find_in_clone(repo.path, "gitee:alice", challenge)
    assert found is not None and found["url"].startswith("https://gitee.com/alice/ledger-proof/commit/")
    assert find_in_clone(repo.path, "gitee:alice", "ledger-link-" + "0" * 24) is None
    repo.git("remote", "set-url", "origin", "https://gitee.com/mallory/ledger-proof.git")
    with pytest.raises(ValidationError, match="not a repository of gitee:alice"):
        find_in_clone(repo.path, "gitee:alice", challenge)


def _run_json(shell: Shell, *args: str, key: str | None = None, code: int = 0) -> dict:
    result = shell.run(*args, "--json", key=key)
    assert result.exit_code == code, result.output
    return json.loads(result.output)


def test_link_flow_through_the_cli_and_the_import_uses_it(shell: Shell, tmp_path: Path) -> None:
    subject = _run_json(shell, "subject", "new", "--name", "Alice Liu")["id"]
    statement_file = tmp_path / "statement.json"
    # 1. The subject signs with its own key.
    statement = _run_json(shell, "link", "request", "--subject", subject, "--handle", "github:alice",
                          "--out", str(statement_file), key="alice")
    assert statement["signer"] == shell.keys["alice"].address
    # 2. The handle posts the challenge: a gist, exported by the verifier.
    proof = write_json(tmp_path / "gist.json", [gist(ALICE_GH, statement["challenge"])])
    # An outsider (not an issuer) cannot vouch for the link on chain.
    refused = shell.run("link", "verify", str(statement_file), "--export", str(proof), key="outsider")
    assert refused.exit_code == 1
    # Without the challenge where alice put it, nothing is linked.
    elsewhere = write_json(tmp_path / "other.json", [gist(MALLORY_GH, statement["challenge"])])
    missing = shell.run("link", "verify", str(statement_file), "--export", str(elsewhere), key="community")
    assert missing.exit_code == 2 and "not found" in missing.output
    # 3. An issuer checks and anchors.
    linked = _run_json(shell, "link", "verify", str(statement_file), "--export", str(proof), key="community")
    assert linked["anchored"]["by"] == shell.keys["community"].address and not linked["public"]
    assert "alice" not in json.dumps(_run_json(shell, "index", "sync"))  # nothing of the handle in the events
    listed = _run_json(shell, "link", "list")
    assert listed == [{"handle": "github:alice", "subject": subject, "public": False,
                       "anchored_block": linked["anchored"]["block_number"], "linked_at": linked["linked_at"]}]
    # Anyone with the record checks it against the chain; a changed record fails.
    record = tmp_path / "alice-link.json"
    record.write_text(shell.run("link", "show", "github:alice", "--json").output)
    assert _run_json(shell, "link", "check", str(record))["ok"] is True
    forged = {**json.loads(record.read_text()), "salt": "0x" + "ab" * 32}
    forged.pop("commitment")
    record.write_text(json.dumps(forged))
    checked = _run_json(shell, "link", "check", str(record), code=1)
    assert checked["problems"] == ["the link's commitment was never anchored on this chain"]
    # 4. An import maps alice's work to the subject through the link, with no author map.
    pulls = write_json(tmp_path / "pulls.json", [gh_pull("org/repo", 1, ALICE_GH, merged_at="2026-02-03T10:00:00Z"),
                                                 gh_pull("org/repo", 2, MALLORY_GH, merged_at="2026-02-03T10:00:00Z")])
    plan = _run_json(shell, "contrib", "import", "github", str(pulls))
    assert plan["to_record"] == 1 and plan["contributions"][0]["subject"] == subject
    assert [u["author"] for u in plan["unlinked_authors"]] == ["github:mallory"]
    # Unlinking stops the mapping.
    assert _run_json(shell, "link", "remove", "github:alice")["removed"] == "github:alice"
    assert _run_json(shell, "contrib", "import", "github", str(pulls))["to_record"] == 0
