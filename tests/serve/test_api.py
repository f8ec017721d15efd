"""The REST API of ``ledger serve`` through Starlette's test client (in process), over the world's workspace:
answers, statuses, limits, the rate limit, security headers, CORS, errors as JSON, receipts, and that
the verifier never writes to the chain."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.testclient import TestClient
from world import UNIVERSITY, World

from ledger.config import ServeSettings
from ledger.credentials.parse import parse_credential
from ledger.ledger import Ledger
from ledger.receipts import check_receipt
from ledger.serve.app import create_app
from ledger.serve.service import VerifierService
from ledger.verify.contracts_view import ContractsView
from ledger.verify.files import verify_files

JSON = {"Content-Type": "application/json"}


def client(service: VerifierService, **settings: Any) -> TestClient:
    return TestClient(create_app(service, ServeSettings(**settings)))


def _doc(world: World, name: str) -> dict[str, Any]:
    return json.loads(world.file(name).read_text(encoding="utf-8"))


def _leaf(world: World, name: str) -> tuple[str, dict[str, Any]]:
    """A batch credential's hash, and the query that names its leaf: issuer, batch root, leaf index."""
    doc = parse_credential(world.file(name).read_bytes())
    proof = doc.proof
    assert proof is not None and proof.batch_root is not None and proof.leaf_index is not None
    return "0x" + proof.credential_hash.hex(), {"issuer": doc.issuer.address, "root": "0x" + proof.batch_root.hex(),
                                                "index": proof.leaf_index}


def _codes(entry: dict[str, Any]) -> dict[str, str]:
    return {s["step"]: s["code"] for s in entry["steps"]}


def test_a_credential_gets_the_report_of_ledger_verify_and_its_verdict_in_a_header(
        world: World, opened: tuple[Ledger, VerifierService]) -> None:
    lg, service = opened
    answer = client(service).post("/api/v1/verify", content=world.file("valid").read_bytes(), headers=JSON)
    assert answer.status_code == 200 and answer.headers["ledger-verdict"] == "valid"
    body = answer.json()
    assert (body["verdict"], body["valid"], body["invalid"]) == ("valid", 1, 0)
    [entry] = body["credentials"]
    cli = verify_files([world.file("valid")], ContractsView(lg.contracts), identities=lg.issuer_identities())[0]
    assert _codes(entry) == _codes(cli) and entry["verdict"] == cli["verdict"] == "valid"
    assert set(cli) <= set(entry)  # the same report, labelled by its place in the request
    assert entry["file"] == "credential"
    issuer = entry["credential"]["issuer"]
    assert (issuer["name"], issuer["domain"], issuer["domain_verified"]) == (UNIVERSITY, world.domain, True)
    assert entry["credential"]["holder"] == "李华"


def test_a_copy_with_the_holder_s_name_withheld_verifies_and_says_so(world: World, service: VerifierService) -> None:
    body = client(service).post("/api/v1/verify", content=world.file("withheld").read_bytes(), headers=JSON).json()
    [entry] = body["credentials"]
    assert entry["verdict"] == "valid" and entry["withheld_fields"] == ["credentialSubject.identifier"]
    assert entry["credential"]["holder"] is None and entry["credential"]["withheld"] == ["credentialSubject.identifier"]


def test_an_invalid_credential_is_a_200_that_says_invalid_in_body_and_header(world: World, service: VerifierService) -> None:
    answer = client(service).post("/api/v1/verify", content=world.file("tampered").read_bytes(), headers=JSON)
    assert answer.status_code == 200 and answer.headers["ledger-verdict"] == "invalid"
    body = answer.json()
    assert body["verdict"] == "invalid" and body["valid"] == 0
    assert body["credentials"][0]["reason"].startswith("HASH_MISMATCH: ")


def test_a_list_and_json_lines_are_verified_each(world: World, service: VerifierService) -> None:
    docs = [_doc(world, n) for n in ("valid", "revoked", "foreign")]
    body = client(service).post("/api/v1/verify", json=docs).json()
    assert body["verdicts"] == {"valid": 1, "invalid": 2, "incomplete": 0}
    assert [e["file"] for e in body["credentials"]] == ["credentials[0]", "credentials[1]", "credentials[2]"]
    assert [_codes(e)["status"] for e in body["credentials"][:2]] == ["ACTIVE", "REVOKED"]
    assert _codes(body["credentials"][2])["anchoring"] == "CONTRACT_MISMATCH"
    lines = "\n".join(json.dumps(d, ensure_ascii=False) for d in docs[:2]) + "\n\n"
    body = client(service).post("/api/v1/verify", content=lines.encode(),
                                headers={"Content-Type": "application/x-ndjson"}).json()
    assert [(e["file"], e["verdict"]) for e in body["credentials"]] == [("line 1", "valid"), ("line 2", "invalid")]


@pytest.mark.parametrize(
    ("body", "kind", "words"),
    [
        (b"not json at all", "ValidationError", "not a credential"),
        (b"[" * 40 + b"]" * 40, "NotJSONError", "nest deeper than 32"),
        (b"\xff\xfe", "ValidationError", "not UTF-8"),
        (b"[]", "ValidationError", "no credential"),
    ],
)
def test_malformed_requests_get_a_json_error_with_the_cli_s_fields(service: VerifierService, body: bytes, kind: str,
                                                                    words: str) -> None:
    answer = client(service).post("/api/v1/verify", content=body, headers=JSON)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["type"] == kind and words in error["message"] and error["exit_code"] == 2


def test_a_single_document_that_is_not_json_is_a_failed_format_step_as_in_ledger_verify(service: VerifierService) -> None:
    body = client(service).post("/api/v1/verify", content=b'{"@context": ', headers=JSON).json()
    assert body["verdict"] == "invalid"
    assert body["credentials"][0]["steps"][0]["code"] == "FORMAT_INVALID"
    assert "not a JSON document" in body["credentials"][0]["steps"][0]["message"]


def test_bodies_and_batches_over_the_limits_are_refused(world: World, service: VerifierService) -> None:
    small = client(service, max_body_bytes=1000)
    answer = small.post("/api/v1/verify", content=world.file("valid").read_bytes(), headers=JSON)
    assert answer.status_code == 413 and answer.json()["error"]["type"] == "RequestTooLarge"
    chunks = (world.file("valid").read_bytes()[i:i + 100] for i in range(0, 5000, 100))  # no Content-Length
    assert small.post("/api/v1/verify", content=chunks, headers=JSON).status_code == 413
    few = client(service, max_credentials=2)
    answer = few.post("/api/v1/verify", json=[_doc(world, "valid")] * 3)
    assert answer.status_code == 400 and "at most 2" in answer.json()["error"]["message"]


def test_a_client_over_its_rate_gets_429_with_retry_after(service: VerifierService) -> None:
    limited = client(service, rate_per_second=0.5, rate_burst=2)
    codes = [limited.get("/api/v1/openapi.json").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    refused = limited.get("/api/v1/openapi.json")
    assert refused.json()["error"]["type"] == "RateLimited" and int(refused.headers["retry-after"]) >= 1
    assert limited.get("/").status_code == 200  # the page itself is not rate-limited


def test_every_answer_has_security_headers_and_no_server_banner(service: VerifierService) -> None:
    c = client(service)
    for path in ("/", "/static/app.js", "/api/v1/openapi.json", "/healthz", "/nowhere"):
        headers = c.get(path).headers
        assert "default-src 'none'" in headers["content-security-policy"], path
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer" and "server" not in headers
    assert c.get("/api/v1/openapi.json").headers["cache-control"] == "no-store"
    page = c.get("/").text
    assert "http://" not in page and "https://" not in page  # nothing loaded from elsewhere


def test_cors_is_off_unless_an_origin_is_configured(world: World, service: VerifierService) -> None:
    origin = {"Origin": "https://hr.example.com"}
    assert "access-control-allow-origin" not in client(service).get("/healthz", headers=origin).headers
    allowed = client(service, cors_origins=("https://hr.example.com",))
    assert allowed.get("/healthz", headers=origin).headers["access-control-allow-origin"] == "https://hr.example.com"
    preflight = allowed.options("/api/v1/verify", headers={**origin, "Access-Control-Request-Method": "POST",
                                                           "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 200
    other = allowed.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_unknown_routes_and_methods_are_json_errors(service: VerifierService) -> None:
    c = client(service)
    missing = c.get("/api/v1/nothing")
    assert missing.status_code == 404 and missing.json()["error"]["hint"] == "see /api/v1/openapi.json"
    assert c.get("/api/v1/verify").status_code == 405
    assert c.get("/api/v1/verify").json()["error"]["type"] == "HTTPError"


def test_a_request_over_its_time_gets_504(world: World, service: VerifierService) -> None:
    answer = client(service, timeout=1e-6).post("/api/v1/verify", content=world.file("valid").read_bytes(),
                                                 headers=JSON)
    assert answer.status_code == 504 and answer.json()["error"]["type"] == "Timeout"


def test_the_openapi_document_describes_exactly_the_api_routes(service: VerifierService) -> None:
    app = create_app(service)
    routes = {r.path.replace(":path}", "}") for r in app.routes if getattr(r, "path", "").startswith(("/api/", "/healthz"))}
    document = client(service).get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.1") and set(document["paths"]) == routes
    codes = document["components"]["schemas"]["Step"]["properties"]["code"]["enum"]
    assert {"HASH_MISMATCH", "DOMAIN_VERIFIED", "REVOKED", "CONTRACT_MISMATCH"} <= set(codes)


def test_credential_status_by_issuer_batch_root_and_leaf_index(world: World, service: VerifierService) -> None:
    c = client(service)
    digest, leaf = _leaf(world, "revoked")
    body = c.get(f"/api/v1/credentials/{digest}/status", params=leaf).json()
    assert (body["kind"], body["status"], body["reason"], body["index"]) == ("batch", "revoked", "misconduct",
                                                                            leaf["index"])
    assert body["batch_revoked"] is False
    valid_hash, valid_leaf = _leaf(world, "valid")
    body = c.get(f"/api/v1/credentials/{valid_hash}/status", params=valid_leaf).json()
    assert body["status"] == "active" and body["since_block"] is None
    no_issuer = c.get(f"/api/v1/credentials/{digest}/status", params={"root": leaf["root"]})
    assert no_issuer.status_code == 400 and "?issuer=" in no_issuer.json()["error"]["message"]
    no_index = c.get(f"/api/v1/credentials/{digest}/status", params={"issuer": leaf["issuer"], "root": leaf["root"]})
    assert no_index.status_code == 400 and "index" in no_index.json()["error"]["message"]
    no_root = c.get(f"/api/v1/credentials/{digest}/status", params={"issuer": leaf["issuer"]})
    assert no_root.status_code == 404 and "&root=" in no_root.json()["error"]["hint"]
    assert c.get("/api/v1/credentials/0x12/status", params={"issuer": leaf["issuer"]}).status_code == 400
    unknown = c.get(f"/api/v1/credentials/{digest}/status", params={**leaf, "root": "0x" + "ab" * 32})
    assert unknown.status_code == 404
    other = c.get(f"/api/v1/credentials/{digest}/status", params={**leaf, "issuer": world.keys["verifier"].address})
    assert other.status_code == 404  # another key's batch of the same root would be another batch


def test_an_issuer_by_address_with_its_name_history_and_verified_domain(world: World, service: VerifierService) -> None:
    c = client(service)
    body = c.get(f"/api/v1/issuers/{world.keys['uni'].address}").json()
    assert (body["name"], body["kind"], body["status"]) == (UNIVERSITY, "UNIVERSITY", "active")
    assert body["domain"] == world.domain and body["domain_verified"] is True
    assert body["domain_check"]["code"] == "DOMAIN_VERIFIED"
    assert [h["status"] for h in body["history"]] == ["active"]
    assert c.get(f"/api/v1/issuers/{world.keys['verifier'].address}").status_code == 404
    assert c.get("/api/v1/issuers/not-an-address").status_code in (400, 404)


def test_a_subject_s_audit(world: World, service: VerifierService) -> None:
    c = client(service)
    subject = _doc(world, "revoked")["credentialSubject"]["id"]
    body = c.get(f"/api/v1/subjects/{subject}").json()
    # A batch certificate's leaf is not on chain (only the root): the chain links this subject to nothing.
    assert body["kind"] == "subject" and body["target"] == subject.rsplit("/", 1)[1]
    assert body["summary"]["verdict"] == "NONE" and body["credentials"] == []
    assert c.get("/api/v1/subjects/0x1234").status_code == 400


def test_healthz_says_which_chain_and_deployment(world: World, service: VerifierService) -> None:
    body = client(service).get("/healthz").json()
    assert body["status"] == "ok" and body["chain_id"] == 1337 and body["block"] > 0
    assert body["deployment"]["issuer_registry"].startswith("0x")


def test_receipts_are_signed_by_a_verifier_key_and_refused_without_one(
        world: World, opened: tuple[Ledger, VerifierService]) -> None:
    lg, service = opened
    from world import PASSWORD

    from ledger.errors import ValidationError

    with pytest.raises(ValidationError, match="issuer's or a committee member's"):
        lg.receipt_signer("uni", lambda: PASSWORD)
    refused = client(service).post("/api/v1/verify?receipt=true", content=world.file("valid").read_bytes(),
                                   headers=JSON)
    assert refused.status_code == 400 and "no receipts" in refused.json()["error"]["message"]
    signing = VerifierService(lg, receipts=lg.receipt_signer("verifier", lambda: PASSWORD))
    body = client(signing).post("/api/v1/verify?receipt=1", json=[_doc(world, "valid"), _doc(world, "revoked")]).json()
    receipt = body["receipt"]
    check = check_receipt(receipt)
    assert check.signature_valid and check.verifier == world.keys["verifier"].address
    assert check.block == body["as_of_block"] and check.verdict == "invalid"
    assert [c["holder"] for c in check.checked] == ["李华", "Bob Li"]
    assert check.checked[1]["steps"]["status"] == "REVOKED"
    forged = json.loads(json.dumps(receipt))
    forged["checked"][1]["steps"]["status"] = "ACTIVE"
    assert not check_receipt(forged).signature_valid


def test_the_verifier_holds_no_key_and_writes_nothing_to_the_chain(
        world: World, opened: tuple[Ledger, VerifierService]) -> None:
    lg, service = opened
    head = lg.chain.block_number()
    c = client(service)
    for name in ("valid", "tampered", "revoked", "foreign"):
        c.post("/api/v1/verify", content=world.file(name).read_bytes(), headers=JSON)
    c.get(f"/api/v1/issuers/{world.keys['uni'].address}")
    assert lg.chain.block_number() == head
    assert lg._key is None  # opened without a key, and nothing asked for one


def test_the_page_has_words_for_every_reason_code_in_both_languages() -> None:
    from pathlib import Path

    from ledger.verify.report import REASON_CODES

    page = (Path(__file__).resolve().parents[2] / "ledger" / "serve" / "static" / "app.js").read_text()
    words = page[page.index("const CODE_WORDS"):page.index("\n};\n", page.index("const CODE_WORDS"))]
    missing = [code for codes in REASON_CODES.values() for code in codes if words.count(f"    {code}: \"") != 2]
    assert missing == []
