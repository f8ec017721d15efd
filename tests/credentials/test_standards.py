"""Every kind of credential the project writes conforms to the official standards, checked offline.

* 1EdTech's Open Badges 3.0 JSON Schema (``tests/standards/``), with ``jsonschema`` and date-time formats
  checked;
* JSON-LD expansion with ``pyld`` through a document loader that serves only the vendored contexts and
  ours, failing on any other URL: nothing may be dropped (expansion then compaction gives the document
  back) and every IRI must be absolute.

Kinds: a batch credential with and without a holder name, from an issuer with and without a domain; a
criteria-checked certificate with evidence; a copy with fields withheld; a credential exported from a
bundle by ``ledger cred export`` (tests/cli exercises the command; here its bytes are a bundle line).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pyld import jsonld

from ledger.credentials.batch import attach_batch_proofs
from ledger.credentials.bundle import export
from ledger.credentials.disclosure import withhold
from ledger.credentials.document import CredentialTemplate, SubjectEntry, build_batch
from ledger.credentials.parts import Evidence, IssuerProfile
from ledger.credentials.proof import CHECKED_PROOF, ChainRef, CredentialProof
from ledger.credentials.vocabulary import LEDGER_CONTEXT, OB_CONTEXT, VC_CONTEXT, context_document
from ledger.issuance.pipeline import write_bundle
from tests.credentials.credential_fixtures import ANCHOR_BLOCK, ANCHOR_TX, CHAIN_ID, CONTRACT, ISSUER

STANDARDS = Path(__file__).resolve().parents[1] / "standards"
SCHEMA = json.loads((STANDARDS / "ob-3.0-achievementcredential.schema.json").read_text())
VENDORED = {
    VC_CONTEXT: "credentials-v2.jsonld",
    OB_CONTEXT: "ob-context-3.0.3.json",
}
DIGESTS = {
    "ob-3.0-achievementcredential.schema.json": "5753fb3ecf7d024ed273dd364bd683f483eb47257e718e6618832cf89eb2083a",
    "ob-context-3.0.3.json": "ef2fa9c7846dce233cc166b43639027278be4ee44f00bb1d45c75de2dd0cd761",
    "credentials-v2.jsonld": "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734",
}
LOADED: list[str] = []
_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S")


def offline_loader(url: str, options: Any = None) -> dict[str, Any]:
    """Serve the vendored contexts and ours; anything else is an error (no network, no surprises)."""
    LOADED.append(url)
    if url in VENDORED:
        document = json.loads((STANDARDS / VENDORED[url]).read_text())
    elif url == LEDGER_CONTEXT:
        document = context_document(url)
    else:
        raise jsonld.JsonLdError(f"offline loader: {url} is not a vendored context", "loading document failed")
    return {"contextUrl": None, "documentUrl": url, "document": document}


def _validator() -> jsonschema.Draft201909Validator:
    checker = jsonschema.Draft201909Validator.FORMAT_CHECKER
    assert "date-time" in checker.checkers  # rfc3339-validator is installed: formats are really checked
    return jsonschema.Draft201909Validator(SCHEMA, format_checker=checker)


def _as_lists(value: Any) -> Any:
    """A JSON value with every non-@context scalar member wrapped as a one-element list, recursively, so
    that a document and its compacted round trip compare equal whatever array form compaction picks."""
    if isinstance(value, dict):
        return {k: (v if k == "@context" else _as_lists(v if isinstance(v, list) else [v])) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_lists(v) for v in value]
    return value


def _iris(expanded: Any) -> list[str]:
    found: list[str] = []
    if isinstance(expanded, dict):
        for key, value in expanded.items():
            if not key.startswith("@"):
                found.append(key)
            if key in ("@id", "@type"):
                found.extend(value if isinstance(value, list) else [value])
            elif key != "@value":
                found.extend(_iris(value))
    elif isinstance(expanded, list):
        for item in expanded:
            found.extend(_iris(item))
    return found


def assert_conforms(document: dict[str, Any]) -> None:
    """The document passes the OB 3.0 schema and expands with nothing dropped and absolute IRIs only."""
    errors = sorted(_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]
    options = {"documentLoader": offline_loader}
    expanded = jsonld.expand(copy.deepcopy(document), options)
    relative = [iri for iri in _iris(expanded) if not _ABSOLUTE.match(iri)]
    assert not relative, f"relative IRIs: {relative}"
    compacted = jsonld.compact(expanded, {"@context": document["@context"]}, options)
    compacted.pop("@context")
    original = {k: v for k, v in document.items() if k != "@context"}
    assert _as_lists(compacted) == _as_lists(original), "JSON-LD expansion dropped or changed something"


def _kinds(template: CredentialTemplate, domain_template: CredentialTemplate, tmp_path: Path) -> dict[str, dict]:
    entries = [SubjectEntry(os.urandom(32), "Li Hua"), SubjectEntry(os.urandom(32))]
    chain = ChainRef("embedded", CHAIN_ID)
    batch = attach_batch_proofs(build_batch(template, entries), chain=chain, contract=CONTRACT,
                                anchor_transaction=ANCHOR_TX, anchor_block=ANCHOR_BLOCK)
    web = attach_batch_proofs(build_batch(domain_template, entries), chain=chain, contract=CONTRACT,
                              anchor_transaction=ANCHOR_TX, anchor_block=ANCHOR_BLOCK)
    checked = template.stamp(os.urandom(32), holder_name="Li Hua",
                             evidence=[Evidence(os.urandom(32), "github.com/FISCO-BCOS/console/pull/812"),
                                       Evidence(os.urandom(32))])
    checked = checked.with_proof(CredentialProof(CHECKED_PROOF, checked.hash, chain, CONTRACT,
                                                 issue_transaction=ANCHOR_TX, issue_block=ANCHOR_BLOCK))
    bundle = tmp_path / "batch.jsonl"
    write_bundle(bundle, (c.to_json() for c in batch), durable=False)
    exported = export(bundle, tmp_path / "out", ids=[batch[0].id], durability="none").paths[0]
    return {
        "batch, holder named": batch[0].document(),
        "batch, no holder name": batch[1].document(),
        "batch, did:web issuer": web[0].document(),
        "checked, with evidence": checked.document(),
        "withheld holder name": withhold(batch[0], ["holder"]).document(),
        "withheld subject id and evidence": withhold(checked, ["subject", "evidence"]).document(),
        "exported from a bundle": json.loads(exported.read_bytes()),
    }


@pytest.fixture
def domain_template(template: CredentialTemplate) -> CredentialTemplate:
    issuer = IssuerProfile.for_account(CHAIN_ID, ISSUER, "Example University", domain="uni.example.edu")
    return CredentialTemplate(issuer, template.achievement, template.valid_from, template.valid_until,
                              deployment=template.deployment)


def test_the_vendored_files_are_the_published_ones() -> None:
    for name, digest in DIGESTS.items():
        assert hashlib.sha256((STANDARDS / name).read_bytes()).hexdigest() == digest, name
    readme = (STANDARDS / "README.md").read_text()
    assert all(digest in readme for digest in DIGESTS.values())


def test_every_kind_of_credential_passes_the_ob3_schema_and_expands_with_nothing_dropped(
    template: CredentialTemplate, domain_template: CredentialTemplate, tmp_path: Path
) -> None:
    LOADED.clear()
    kinds = _kinds(template, domain_template, tmp_path)
    for label, document in kinds.items():
        try:
            assert_conforms(document)
        except AssertionError as exc:
            raise AssertionError(f"{label}: {exc}") from exc
    assert set(LOADED) == {VC_CONTEXT, OB_CONTEXT, LEDGER_CONTEXT}
    assert "identifier" not in kinds["withheld holder name"]["credentialSubject"]
    assert kinds["batch, did:web issuer"]["issuer"]["id"] == "did:web:uni.example.edu"


def test_the_checks_catch_what_they_are_for(template: CredentialTemplate, tmp_path: Path) -> None:
    """The conformance check is not vacuous: each defect the issue found is caught."""
    good = attach_batch_proofs(build_batch(template, [os.urandom(32)]), chain=ChainRef("embedded", CHAIN_ID),
                               contract=CONTRACT)[0].document()
    assert_conforms(good)
    single_proof = {**good, "proof": good["proof"][0]}  # OB 3.0's schema wants an array
    with pytest.raises(AssertionError, match="proof"):
        assert_conforms(single_proof)
    no_context_of_ours = {**good, "@context": good["@context"][:2]}  # typeId/typeVersion become undefined
    with pytest.raises(AssertionError, match="dropped"):
        assert_conforms(no_context_of_ours)
    relative_type = copy.deepcopy(good)
    relative_type["proof"][0]["type"] = "LedgerBatchAnchor2026"  # an undefined type stays a relative IRI
    with pytest.raises(AssertionError):
        assert_conforms(relative_type)
    with pytest.raises(jsonld.JsonLdError):
        jsonld.expand({**good, "@context": [*good["@context"], "https://example.org/other"]},
                      {"documentLoader": offline_loader})


def test_credentials_in_the_old_format_did_not_conform(template: CredentialTemplate) -> None:
    """What issue 20 found, on the kept fixture of the old format: the schema refuses its single proof."""
    old = json.loads((Path(__file__).parent / "legacy_v1" / "checked.json").read_text())
    with pytest.raises(AssertionError, match="proof"):
        assert_conforms(old)


def test_our_context_is_shipped_and_defines_only_new_protected_terms() -> None:
    doc = context_document()
    terms = doc["@context"]
    assert terms["@protected"] is True and set(terms) == {"@protected", "typeId", "typeVersion"}
    vc = json.loads((STANDARDS / "credentials-v2.jsonld").read_text())["@context"]
    ob = json.loads((STANDARDS / "ob-context-3.0.3.json").read_text())["@context"]
    assert not (set(terms) - {"@protected"}) & (set(vc) | set(ob))  # no clash with a protected term
    with pytest.raises(KeyError):
        context_document("https://w3id.org/fisco-talent-ledger/credentials/v9")

