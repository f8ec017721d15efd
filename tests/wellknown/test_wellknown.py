"""The institution's ``.well-known`` document: domains and did:web names, building and reading the
document, fetching it over HTTPS (a local server with a test CA), and the ``issuer_domain`` step's
every outcome."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tls import CertificateAuthority, StaticHTTPS, https_server

from ledger.credentials.document import CredentialTemplate
from ledger.credentials.hashing import metadata_hash
from ledger.credentials.parts import Achievement, IssuerProfile
from ledger.verify.identity import IssuerIdentities, check_issuer_domain, claimed_domain
from ledger.wellknown.document import (
    DeploymentRef,
    PublishedIssuer,
    WellKnownDocumentError,
    account_id,
    build_document,
    did_web,
    document_url,
    domain_of_did_web,
    normalize_domain,
    parse_document,
)
from ledger.wellknown.fetch import DomainDirectory, DomainUnreachable, FetchPolicy, fetch_document

ISSUER = "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4"
OTHER = "0xAb8483F64d9C6d1EcF9b849Ae677dD3315835cb2"
DEPLOYMENT = DeploymentRef(20200, "0x" + "11" * 20, "0x" + "22" * 20, "0x" + "33" * 20)
META = {"type": "ledger:Issuer", "name": "Example University", "domain": "university.example"}


@pytest.mark.parametrize(
    ("text", "domain"),
    [("University.Example", "university.example"), ("https://x.example:8443/", "x.example:8443"),
     ("a-b.c-d.example", "a-b.c-d.example")],
)
def test_a_domain_is_a_host_name_spelt_one_way(text: str, domain: str) -> None:
    assert normalize_domain(text) == domain


@pytest.mark.parametrize("text", ["10.0.0.1", "x.example/path", "user@x.example", "", "-x.example", "x.example:0",
                                  "x.example:99999", "[::1]", "x..example", "http://x.example", "localhost"])
def test_what_is_not_a_domain_is_refused(text: str) -> None:
    with pytest.raises(WellKnownDocumentError):
        normalize_domain(text)


def test_did_web_names_and_where_their_documents_are() -> None:
    assert did_web("x.example:8443") == "did:web:x.example%3A8443"
    with pytest.raises(WellKnownDocumentError):
        did_web("localhost")
    assert domain_of_did_web("did:web:x.example%3A8443") == ("x.example:8443", ())
    assert document_url("did:web:x.example%3A8443") == "https://x.example:8443/.well-known/did.json"
    assert document_url("did:web:x.example:dept:cs") == "https://x.example/dept/cs/did.json"
    assert document_url("x.example") == "https://x.example/.well-known/did.json"
    assert account_id(20200, ISSUER.lower()) == f"eip155:20200:{ISSUER}"


def test_a_built_document_reads_back_with_its_issuer_and_deployment() -> None:
    document = build_document("University.Example", DEPLOYMENT, [PublishedIssuer(ISSUER, META)])
    assert document["id"] == "did:web:university.example"
    assert document["assertionMethod"] == [m["id"] for m in document["verificationMethod"]]
    # the DID document ledger.credentials.identifiers describes, with our deployment service added
    assert document["verificationMethod"][0]["id"] == f"did:web:university.example#fisco-20200-{ISSUER.lower()}"
    assert [s["type"] for s in document["service"]] == ["FiscoTalentLedger", "TalentLedgerDeployment"]
    read = parse_document(json.dumps(document).encode(), "university.example")
    assert read.issuer(DEPLOYMENT, ISSUER.lower()) == PublishedIssuer(ISSUER, META)
    other_deployment = DeploymentRef(20200, "0x" + "44" * 20, "0x" + "22" * 20, "0x" + "33" * 20)
    assert read.issuers_of(other_deployment) is None and read.issuer(DEPLOYMENT, OTHER) is None
    with pytest.raises(WellKnownDocumentError, match="registered with domain"):
        build_document("other.example", DEPLOYMENT, [PublishedIssuer(ISSUER, META)])


def test_a_document_counts_only_its_own_did_and_assertion_methods_on_the_deployment_s_chain() -> None:
    document = build_document("university.example", DEPLOYMENT, [PublishedIssuer(ISSUER, META)])
    with pytest.raises(WellKnownDocumentError, match="not the DID document of did:web:other.example"):
        parse_document(document, "other.example")
    no_assertion = {**document, "assertionMethod": []}
    assert parse_document(no_assertion, "university.example").issuer(DEPLOYMENT, ISSUER) is None
    method = dict(document["verificationMethod"][0], blockchainAccountId=f"eip155:1:{ISSUER}")  # another chain
    other_chain = {**document, "verificationMethod": [method]}
    assert parse_document(other_chain, "university.example").issuer(DEPLOYMENT, ISSUER) is None
    for broken in (b"not json", b"[]", json.dumps({**document, "service": [{"type": "TalentLedgerDeployment",
                                                                          "serviceEndpoint": "https://x"}]}).encode()):
        with pytest.raises(WellKnownDocumentError):
            parse_document(broken, "university.example")


# -- fetching --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> CertificateAuthority:
    return CertificateAuthority.create(tmp_path_factory.mktemp("ca"))


@pytest.fixture()
def site(authority: CertificateAuthority) -> Iterator[StaticHTTPS]:
    cert, key = authority.issue("university.test")
    with https_server(cert, key) as server:
        yield server


def _policy(authority: CertificateAuthority, **changes: Any) -> FetchPolicy:
    values: dict[str, Any] = {"ca_file": str(authority.ca_file), "allow_private": True,
                              "resolve": {"university.test": "127.0.0.1"}, "timeout": 5.0}
    values.update(changes)
    return FetchPolicy(**values)


def test_a_document_is_fetched_over_https_with_the_certificate_checked(site: StaticHTTPS,
                                                                        authority: CertificateAuthority) -> None:
    site.publish("/.well-known/did.json", b'{"id": "x"}')
    url = f"https://university.test:{site.port}/.well-known/did.json"
    assert fetch_document(url, _policy(authority)) == b'{"id": "x"}'
    with pytest.raises(DomainUnreachable, match="certificate was not accepted"):
        fetch_document(url, _policy(authority, ca_file=None))  # the system's authorities do not know the test CA
    with pytest.raises(DomainUnreachable, match="private or special address"):
        fetch_document(url, _policy(authority, allow_private=False))
    with pytest.raises(DomainUnreachable, match="HTTP 404"):
        fetch_document(f"https://university.test:{site.port}/nothing", _policy(authority))
    site.publish("/big", b"x" * 5000)
    with pytest.raises(DomainUnreachable, match="larger than 1,000 bytes"):
        fetch_document(f"https://university.test:{site.port}/big", _policy(authority, max_bytes=1000))
    with pytest.raises(DomainUnreachable, match="only https"):
        fetch_document(f"http://university.test:{site.port}/.well-known/did.json", _policy(authority))
    with pytest.raises(DomainUnreachable, match="does not resolve"):
        fetch_document("https://no-such-host.invalid/.well-known/did.json", _policy(authority, resolve={}))


def test_the_directory_keeps_answers_and_failures_for_a_while() -> None:
    now = [0.0]
    calls: list[str] = []

    def fetch(url: str, policy: FetchPolicy) -> bytes:
        calls.append(url)
        if "down" in url:
            raise DomainUnreachable("down.example", "no route")
        return b"{}"

    up, down = document_url("up.example"), document_url("down.example")
    directory = DomainDirectory(FetchPolicy(cache_seconds=300), fetch=fetch, clock=lambda: now[0])
    assert directory.document(up) == b"{}" and directory.document(up) == b"{}"
    for _ in range(2):
        with pytest.raises(DomainUnreachable):
            directory.document(down)
    assert len(calls) == 2
    now[0] = 31.0  # a failure is tried again after 30 s, an answer kept for 300 s
    directory.document(up)
    with pytest.raises(DomainUnreachable):
        directory.document(down)
    assert len(calls) == 3


# -- the issuer_domain step ------------------------------------------------------------------------


def _credential(domain: str | None = "university.example") -> Any:
    issuer = IssuerProfile.for_account(20200, ISSUER, "Example U. (as the issuer wrote it)", domain=domain)
    deployment = f"did:fisco:20200:{DEPLOYMENT.issuer_registry.lower()}"
    achievement = Achievement(201, 1, "Course", "A course", "Pass", "general", id=f"{deployment}/types/201/versions/1")
    return CredentialTemplate(issuer, achievement, "2026-01-01T00:00:00Z",
                              deployment=deployment).stamp("0x" + "ab" * 32)


def _identities(answer: bytes | DomainUnreachable | None, meta: dict[str, str] = META) -> IssuerIdentities:
    def fetch(url: str, policy: FetchPolicy) -> bytes:
        if isinstance(answer, DomainUnreachable):
            raise answer
        assert answer is not None
        return answer

    directory = None if answer is None else DomainDirectory(fetch=fetch)
    return IssuerIdentities(DEPLOYMENT, lambda address: metadata_hash(meta), directory=directory)


def _published(*issuers: PublishedIssuer, deployment: DeploymentRef = DEPLOYMENT) -> bytes:
    return json.dumps(build_document("university.example", deployment, list(issuers))).encode()


def test_the_domain_step_verifies_a_domain_that_lists_the_issuer_with_the_registered_metadata() -> None:
    credential = _credential()
    assert claimed_domain(credential) == "university.example"
    step, identity = check_issuer_domain(credential, _identities(_published(PublishedIssuer(ISSUER, META))))
    assert (step.outcome, step.code) == ("pass", "DOMAIN_VERIFIED")
    assert identity.domain_verified and identity.registered_name == "Example University"
    assert identity.name == "Example U. (as the issuer wrote it)"


@pytest.mark.parametrize(
    ("answer", "registered", "outcome", "code"),
    [
        (_published(PublishedIssuer(OTHER, META)), META, "fail", "DOMAIN_MISMATCH"),
        (_published(PublishedIssuer(ISSUER, META), deployment=DeploymentRef(1, "0x" + "99" * 20, "0x" + "22" * 20,
                                                                           "0x" + "33" * 20)),
         META, "fail", "DOMAIN_MISMATCH"),
        (_published(PublishedIssuer(ISSUER, META)), {**META, "name": "Registered otherwise"}, "fail",
         "REGISTRY_MISMATCH"),
        (b"<html>not a DID document</html>", META, "fail", "DOMAIN_DOCUMENT_INVALID"),
        (DomainUnreachable("university.example", "connection refused"), META, "skipped", "DOMAIN_UNREACHABLE"),
        (None, META, "skipped", "DOMAIN_UNCHECKED"),
    ],
)
def test_the_domain_step_fails_or_leaves_unchecked_what_does_not_bind(
        answer: bytes | DomainUnreachable | None, registered: dict[str, str], outcome: str, code: str) -> None:
    step, identity = check_issuer_domain(_credential(), _identities(answer, registered))
    assert (step.outcome, step.code) == (outcome, code), step.message
    assert not identity.domain_verified and identity.domain == "university.example"


def test_an_issuer_naming_no_domain_is_not_applicable() -> None:
    step, identity = check_issuer_domain(_credential(domain=None), _identities(b"{}"))
    assert (step.outcome, step.code) == ("skipped", "NOT_APPLICABLE") and identity.domain is None
