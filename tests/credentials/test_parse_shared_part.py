"""A batch's shared part is checked once (parse.py's _SHARED_PARTS, proof.py's _SHARED): what is skipped for
the later documents of a batch must never change what is accepted, refused or computed."""

from __future__ import annotations

import os

import pytest

from benchmarks.credentials import CHAIN, CONTRACT, sample_entries, sample_template
from ledger.credentials import parse as parse_module
from ledger.credentials import proof as proof_module
from ledger.credentials.batch import attach_batch_proofs
from ledger.credentials.document import build_batch
from ledger.credentials.fields import CredentialFormatError
from ledger.credentials.merkle import MerkleTree
from ledger.credentials.parse import parse_credential


@pytest.fixture(scope="module")
def texts() -> list[str]:
    credentials = build_batch(sample_template(), sample_entries(4))
    tree = MerkleTree.build([c.hash for c in credentials])
    proved = attach_batch_proofs(credentials, chain=CHAIN, contract=CONTRACT, tree=tree,
                                 anchor_transaction=os.urandom(32), anchor_block=42)
    return [c.to_json().decode() for c in proved]


def _cold(text: str) -> object:
    parse_module._SHARED_PARTS.clear()
    proof_module._SHARED.clear()
    return _outcome(text)


def _outcome(text: str) -> object:
    try:
        c = parse_credential(text)
    except CredentialFormatError as exc:
        return ("error", exc.path, exc.reason)
    return ("ok", c.hash, c.body, c.proof, c.holder_name, c.subject_id, dict(c.salts), c.template)


VARIANTS = [
    ('"typeVersion":1', '"typeVersion":true'),  # True == 1: must not pass for the checked 1
    ('"typeId":3', '"typeId":true'),
    ('"type":["AchievementSubject"]', '"type":["Achievement"]'),
    ('"hashed":false', '"hashed":0'),
    ('"validUntil":"2031-07-01T00:00:00Z"', '"validUntil":"2031-07-01T00:00:00Z","extra":[1,true]'),
    ('"id":"urn:uuid:', '"id":"urn:uuid:X'),
]


@pytest.mark.parametrize(("old", "new"), VARIANTS)
def test_a_document_after_its_batch_is_judged_as_on_its_own(texts: list[str], old: str, new: str) -> None:
    variant = texts[1].replace(old, new, 1)
    alone = _cold(variant)
    parse_module._SHARED_PARTS.clear()
    _outcome(texts[0])  # the batch's shared part is now known
    assert parse_module._SHARED_PARTS
    assert _outcome(variant) == alone


def test_the_later_documents_of_a_batch_are_parsed_as_the_first(texts: list[str]) -> None:
    alone = [_cold(t) for t in texts]
    parse_module._SHARED_PARTS.clear()
    assert [_outcome(t) for t in texts] == alone
    assert all(o[0] == "ok" for o in alone)


@pytest.mark.parametrize(("value", "canonical"), [("true", "true"), ("1.0", "1"), ("[1]", "[1]"), ('"1"', '"1"')])
def test_a_shared_member_equal_only_in_python_is_not_taken_for_the_checked_one(
    texts: list[str], value: str, canonical: str
) -> None:
    anchor = '"validUntil":"2031-07-01T00:00:00Z"'
    checked = texts[0].replace(anchor, anchor + ',"extension":1', 1)
    variant = texts[1].replace(anchor, anchor + f',"extension":{value}', 1)
    alone = _cold(variant)
    parse_module._SHARED_PARTS.clear()
    assert _outcome(checked)[0] == "ok" and parse_module._SHARED_PARTS
    assert _outcome(variant) == alone
    if alone[0] == "ok":
        assert f'"extension":{canonical}'.encode() in alone[2]
