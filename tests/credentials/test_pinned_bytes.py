"""The exact bytes of profile-2 batches built from fixed inputs, pinned before the issuance hot paths
were optimised (``tests/credentials/pinned/``, written by commit b42898a's code), and of a profile-1
batch (what a batch journaled before issue 20 is finished with).

Everything a batch writes is derived from its inputs: the template, the rows, the credential ids, the
salt seed and the anchoring. Given fixed ones, the bundle a batch writes (bodies, hashes, salts, Merkle
paths, proof values), the files of the ``files`` layout and the journal's rows must come out byte for
byte as pinned, through every route that makes them: :func:`build_batch` with fresh or given ids,
:func:`iter_batch_json`, :meth:`Credential.to_json`, and the issuance pipeline planning a batch or
rebuilding it from its journal. A change of these bytes breaks every credential already issued (its
hash, or what a verifier reads), so the files here are never regenerated to make a test pass: a
difference is a bug in the change, unless the change is a new document profile.

Contracts v2 changed the proof of profile-2 batches, not their documents: the tree is positional (a leaf's
index decides the order of each pair, issue 15), so the proof names another cryptosuite
(``fisco-ledger-merkle-positional-2026``) and its value another root and Merkle paths. The profile-2 files
and the large digest were re-pinned then, after checking that every document's bytes up to its proof, the
journal's rows and every field of the plan but the root were unchanged, and that in each proof only
``cryptosuite`` and, in the ``proofValue``, ``batchRoot`` and ``merklePath`` changed. Profile 1 keeps the
sorted-pair tree: its bundle is the one pinned before.

The inputs cover each route through the stamping code: subjects given as bytes, lower-, upper- and
mixed-case hex, a DID URL and padded text; holder names absent, plain, non-ASCII, with JSON escapes and
with characters JSON leaves raw; rows with evidence; a did:web issuer with a non-ASCII name and a
validity end, and a did:fisco issuer on a keccak256 and on an SM3 chain; an odd count, so that the tree promotes a leaf.
"""

from __future__ import annotations

import hashlib
import json
import time
import types
from pathlib import Path
from typing import Any

import pytest

from ledger.credentials import document as document_module
from ledger.credentials.batch import attach_batch_proofs, iter_batch_json, tree_layout
from ledger.credentials.document import CredentialTemplate, SubjectEntry, build_batch
from ledger.credentials.identifiers import account_did, subject_url, type_url
from ledger.credentials.merkle import MerkleTree
from ledger.credentials.parse import parse_credential
from ledger.credentials.parts import Achievement, Evidence, IssuerProfile
from ledger.credentials.proof import ChainRef
from ledger.crypto.hashing import hash_function
from ledger.issuance import pipeline
from ledger.issuance.journal import Journal
from ledger.issuance.rows import Row

PINNED = Path(__file__).with_name("pinned")
CHAIN_ID = 20200
ISSUER = "0x" + "ab" * 20
CONTRACT = "0x" + "cD" * 20
DEPLOYMENT = account_did(CHAIN_ID, "0x" + "ef" * 20)
ANCHOR_TX = bytes(range(32))
ANCHOR_BLOCK = 4321
SEED = bytes(range(100, 132))
TYPE_ID = 7

#: Holder names: none, plain, non-ASCII, JSON escapes, characters JSON leaves raw (U+2028, U+007F is
#: refused), a long one.
NAMES: tuple[str | None, ...] = (
    None, "Graduate 1", "李华", 'Ann "Nan" O\'Neil \\ back', "Zoë 🎓 Ünal", "line\u2028sep", "x" * 300,
    "Graduate 7", None, "Graduate 9", "王小明", None, "Last One",
)


def _subject(i: int) -> bytes:
    return hashlib.sha256(b"subject %d" % i).digest()


def _subject_given(i: int) -> bytes | str:
    """Subject i in one of the forms a row may give it."""
    raw = _subject(i)
    forms: list[bytes | str] = [
        "0x" + raw.hex(),
        raw,
        "0x" + raw.hex().upper(),
        "0x" + raw.hex()[:32].upper() + raw.hex()[32:],
        subject_url(DEPLOYMENT, raw),
        "  0x" + raw.hex() + " ",
    ]
    return forms[i % len(forms)]


def _credential_id(i: int) -> str:
    h = hashlib.sha256(b"credential %d" % i).hexdigest()
    return f"urn:uuid:{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:32]}"


def _evidence(i: int) -> tuple[Evidence, ...]:
    if i % 5 != 3:
        return ()
    keys = [hashlib.sha256(b"contribution %d/%d" % (i, k)).digest() for k in range(2)]
    return (Evidence(keys[0]), Evidence(keys[1], name="PR #12 \"docs\" 文档"))


def template_web() -> CredentialTemplate:
    """A did:web issuer with a non-ASCII name and a validity end; keccak256."""
    achievement = Achievement(
        type_id=TYPE_ID, type_version=3, name="区块链开发者 Blockchain Developer",
        description='Builds "smart" contracts on FISCO BCOS \u2014 100% on chain.\nSecond line.',
        criteria="Three merged pull requests, co-signed by a maintainer.", field_of_study="Blockchain",
        achievement_type="Certificate", id=type_url(DEPLOYMENT, TYPE_ID, 3),
    )
    issuer = IssuerProfile.for_account(CHAIN_ID, ISSUER, "清华大学 \"Open\" Source", domain="uni.example.edu")
    return CredentialTemplate(issuer, achievement, "2026-06-30T00:00:00Z", "2031-06-30T00:00:00+08:00",
                              name="Certificate: 区块链", deployment=DEPLOYMENT)


def template_fisco(hash_algorithm: str = "keccak256") -> CredentialTemplate:
    """A did:fisco issuer, no validity end (as ``ledger cred issue`` makes them), keccak256 or SM3."""
    achievement = Achievement(
        type_id=201, type_version=1, name="Course certificate", description="Passed the course.",
        criteria="Pass the exam.", field_of_study="Databases", achievement_type="Course",
        id=type_url(DEPLOYMENT, 201, 1),
    )
    issuer = IssuerProfile.for_account(CHAIN_ID, ISSUER, "Bench University")
    return CredentialTemplate(issuer, achievement, "2026-01-02T03:04:05Z", hash_algorithm=hash_algorithm,
                              deployment=DEPLOYMENT)


TEMPLATES = {"web-keccak": template_web, "fisco-keccak": template_fisco, "fisco-sm3": lambda: template_fisco("sm3")}


def entries(*, with_ids: bool, with_evidence: bool) -> list[SubjectEntry]:
    return [
        SubjectEntry(_subject_given(i), name, _evidence(i) if with_evidence else (),
                     _credential_id(i) if with_ids else None)
        for i, name in enumerate(NAMES)
    ]


def _urandom(n: int) -> bytes:
    """Deterministic stand-in for os.urandom: the SHAKE-256 stream of the request size."""
    return hashlib.shake_256(b"urandom %d" % n).digest(n)


def bundle(template: CredentialTemplate, rows: list[SubjectEntry], seed: bytes | None) -> bytes:
    credentials = build_batch(template, rows, salt_seed=seed)
    tree = MerkleTree.build([c.hash for c in credentials], _tree_hasher(template),
                            layout=tree_layout(credentials[0].profile))
    documents = iter_batch_json(credentials, chain=ChainRef("embedded", CHAIN_ID), contract=CONTRACT, tree=tree,
                                anchor_transaction=ANCHOR_TX, anchor_block=ANCHOR_BLOCK)
    return b"".join(d + b"\n" for d in documents)


def _tree_hasher(template: CredentialTemplate) -> Any:
    return hash_function("sm" if template.hash_algorithm == "sm3" else "ecdsa")


def assert_pinned(name: str, data: bytes) -> None:
    """``data`` equals the pinned file ``name``; else the first differing line and offset are named."""
    expected = (PINNED / name).read_bytes()
    if data == expected:
        return
    got_lines, want_lines = data.split(b"\n"), expected.split(b"\n")
    for number, (got, want) in enumerate(zip(got_lines, want_lines), 1):
        if got != want:
            at = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
            raise AssertionError(
                f"{name}: line {number} differs at byte {at}: got {got[max(0, at - 40):at + 40]!r}, "
                f"pinned {want[max(0, at - 40):at + 40]!r}"
            )
    raise AssertionError(f"{name}: {len(got_lines)} lines, pinned {len(want_lines)}")


@pytest.mark.parametrize("kind", sorted(TEMPLATES))
@pytest.mark.parametrize("with_evidence", [False, True], ids=["rows", "evidence"])
def test_a_batch_with_given_ids_renders_the_pinned_bundle(kind: str, with_evidence: bool) -> None:
    template = TEMPLATES[kind]()
    rows = entries(with_ids=True, with_evidence=with_evidence)
    name = f"{kind}-{'evidence' if with_evidence else 'rows'}.jsonl"
    assert_pinned(name, bundle(template, rows, SEED))
    # The same bytes through the proof objects (Credential.to_json), and for a template made afresh
    # (nothing cached on the first template decides them).
    proved = attach_batch_proofs(build_batch(TEMPLATES[kind](), rows, salt_seed=SEED), chain=ChainRef("embedded", CHAIN_ID),
                                 contract=CONTRACT, anchor_transaction=ANCHOR_TX, anchor_block=ANCHOR_BLOCK)
    assert_pinned(name, b"".join(c.to_json() + b"\n" for c in proved))


def test_fresh_ids_and_a_fresh_seed_come_from_os_urandom_as_pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(document_module.os, "urandom", _urandom)
    assert_pinned("web-keccak-fresh.jsonl", bundle(template_web(), entries(with_ids=False, with_evidence=False), None))


def template_v1() -> CredentialTemplate:
    """Profile 1 (before issue 20): how a batch journaled then is still finished by ``--resume``."""
    achievement = Achievement(type_id=201, type_version=1, name="Course certificate", description="Passed.",
                              criteria="Pass the exam.", field_of_study="Databases")
    return CredentialTemplate(IssuerProfile.for_account(CHAIN_ID, ISSUER, "Bench University"), achievement,
                              "2026-01-02T03:04:05Z", profile=1)


def test_a_profile_1_batch_renders_the_pinned_bundle() -> None:
    rows = [SubjectEntry(_subject(i), name, (), _credential_id(i)) for i, name in enumerate(NAMES)]
    assert_pinned("v1-rows.jsonl", bundle(template_v1(), rows, None))


class _Anchorer:
    """The chain as the pipeline sees it: the issuer signs, the root is anchored at a fixed place."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def signer(self) -> str:
        return ISSUER

    def anchor_batch(self, root: bytes, count: int, type_id: int, meta_hash: bytes, *, dry_run: bool) -> tuple[bytes, int, int]:
        self.sent.append(root)
        return ANCHOR_TX, ANCHOR_BLOCK, 50_000

    def find_anchor(self, root: bytes, since_block: int) -> tuple[bytes, int] | None:
        return None


def _fixed_clock_and_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(document_module.os, "urandom", _urandom)
    monkeypatch.setattr(pipeline, "secrets", types.SimpleNamespace(
        token_hex=lambda n: "5e" * n, token_bytes=lambda n: SEED[:n]))
    monkeypatch.setattr(pipeline, "time", types.SimpleNamespace(
        strftime=lambda fmt: "20270301T120000", time=lambda: 1_803_000_000.0, perf_counter=time.perf_counter))


def _plan(tmp_path: Path, layout: str) -> Journal:
    template = template_web()
    rows = [Row("0x" + _subject(i).hex(), name) for i, name in enumerate(NAMES)]
    return pipeline.plan_batch(
        tmp_path / "journal", rows=rows, type_id=TYPE_ID, meta_hash=bytes(32), issuer=template.issuer,
        achievement=template.achievement, valid_from=template.valid_from, valid_until=template.valid_until,
        chain=ChainRef("embedded", CHAIN_ID), contract=CONTRACT, output=tmp_path / "out", layout=layout,
        deployment=DEPLOYMENT,
    )


@pytest.mark.parametrize("layout", ["jsonl", "files"])
def test_the_pipeline_plans_and_writes_the_pinned_batch_and_rebuilds_it_from_its_journal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: str
) -> None:
    _fixed_clock_and_secrets(monkeypatch)
    journal = _plan(tmp_path, layout)
    assert_pinned("pipeline-journal-rows.jsonl", (journal.dir / "rows.jsonl").read_bytes())
    plan = json.loads((journal.dir / "plan.json").read_bytes())
    assert plan.pop("output") == str(tmp_path / "out" / ("20270301T120000-5e5e5e" + (".jsonl" if layout == "jsonl" else "")))
    assert plan.pop("layout") == layout
    assert plan == json.loads((PINNED / "pipeline-plan.json").read_bytes())  # root, seed, template, count ...

    pipeline.run(journal, _Anchorer(), durability="none")
    assert_pinned("pipeline-bundle.jsonl", _written(Path(journal.plan().output), layout))

    # The same batch rebuilt from its journal alone (a resume after a crash), written elsewhere.
    journal.set_stage("planned")
    journal.move_output(tmp_path / "again")
    rebuilt = Journal(tmp_path / "journal", journal.batch_id)
    pipeline.run(rebuilt, _Anchorer(), durability="none", resumed=True)
    assert_pinned("pipeline-bundle.jsonl", _written(Path(rebuilt.plan().output), layout))


def _written(output: Path, layout: str) -> bytes:
    """The batch's documents as one bundle: the bundle itself, or its files in the journal's order."""
    if layout == "jsonl":
        return output.read_bytes()
    order = [json.loads(line)["id"].rsplit(":", 1)[1] for line in (PINNED / "pipeline-bundle.jsonl").read_bytes().splitlines()]
    documents = sorted(p.name for p in output.iterdir() if p.name != "manifest.csv")  # the registrar's index
    assert documents == sorted(f"{u}.json" for u in order)
    return b"".join((output / f"{u}.json").read_bytes() + b"\n" for u in order)


@pytest.mark.parametrize("name", sorted(p.name for p in PINNED.glob("*.jsonl")
                                        if p.name not in ("pipeline-journal-rows.jsonl", "v1-rows.jsonl")))
def test_the_pinned_documents_are_credentials_whose_hash_is_their_proofs(name: str) -> None:
    lines = (PINNED / name).read_bytes().splitlines()
    parsed = [parse_credential(line) for line in lines]
    assert len(parsed) == len(NAMES)
    for credential in parsed:
        assert credential.profile == 2 and credential.proof is not None
        assert credential.proof.credential_hash == credential.hash
        assert credential.proof.batch_root == parsed[0].proof.batch_root  # type: ignore[union-attr]


def test_a_batch_of_1000_renders_the_pinned_digest() -> None:
    """A deeper tree (ten levels, leaves promoted at several) and many rows, pinned by its SHA-256."""
    rows = [SubjectEntry(_subject_given(i), None if i % 3 == 0 else f"Graduate {i}", (), _credential_id(i))
            for i in range(1000)]
    data = bundle(template_fisco(), rows, SEED)
    assert (len(data), hashlib.sha256(data).hexdigest()) == (LARGE_SIZE, LARGE_SHA256)


#: Written by commit b42898a's code, then re-pinned for contracts v2's positional tree (see the module's notes).
LARGE_SIZE, LARGE_SHA256 = 3024246, "5b2fc4c99f587c7ff7ee875dbf8316a3f8028d45381ab1251b3688c05d00f35d"
