"""The OpenAPI 3.1 document of the REST API (served at ``/api/v1/openapi.json``).

Written out here rather than derived: the request bodies are raw JSON checked by our own limits and
parser, and the answers are the report dicts of :mod:`ledger.verify` and :mod:`ledger.audit`. A test
compares the paths with the app's routes, so the two cannot drift apart.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from ledger.verify.report import REASON_CODES, STEPS

__all__ = ["openapi_document"]


def _version() -> str:
    try:
        return version("fisco-talent-ledger")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0"


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


_ERRORS = {
    "400": _error_response("The request is malformed (not JSON, too deep, a bad hash or address); nothing was done."),
    "413": _error_response("The request body is over the verifier's limit."),
    "429": _error_response("Too many requests from this address; the Retry-After header says when to retry."),
    "503": _error_response("The chain did not answer."),
    "504": _error_response("The request took longer than the verifier allows."),
}


def openapi_document() -> dict[str, Any]:
    """The API, described."""
    codes = sorted({code for group in REASON_CODES.values() for code in group})
    json_body = {"schema": {"$ref": "#/components/schemas/VerificationAnswer"}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "fisco-talent-ledger verifier",
            "version": _version(),
            "description": (
                "Read-only verification of talent credentials anchored on a FISCO BCOS chain. The verifier "
                "holds no issuer key and sends no transaction. Errors are JSON objects with the same fields "
                "and exit codes as the command line's --json errors."
            ),
        },
        "paths": {
            "/api/v1/verify": {
                "post": {
                    "summary": "Verify credentials",
                    "description": (
                        "Runs every verification step (the report of `ledger verify --json`). The answer is 200 "
                        "whenever verification ran: the verdict is in the body (`verdict`, and per credential) "
                        "and in the Ledger-Verdict header."
                    ),
                    "parameters": [{
                        "name": "receipt", "in": "query", "required": False, "schema": {"type": "boolean"},
                        "description": "Also return a receipt signed by the verifier's key.",
                    }],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"oneOf": [
                                    {"$ref": "#/components/schemas/Credential"},
                                    {"type": "array", "items": {"$ref": "#/components/schemas/Credential"}},
                                ]},
                            },
                            "application/x-ndjson": {
                                "schema": {"type": "string", "description": "One credential per line (a batch bundle)."},
                            },
                        },
                    },
                    "responses": {
                        "200": {"description": "Verification ran; see `verdict`.",
                                "headers": {"Ledger-Verdict": {"schema": {"enum": ["valid", "invalid", "incomplete"]}}},
                                "content": {"application/json": json_body}},
                        **_ERRORS,
                    },
                },
            },
            "/api/v1/credentials/{hash}/status": {
                "get": {
                    "summary": "A credential's status now (a batch leaf's: of its issuer's batch, at its index)",
                    "parameters": [
                        {"name": "hash", "in": "path", "required": True, "schema": {"$ref": "#/components/schemas/Bytes32"}},
                        {"name": "issuer", "in": "query", "required": True,
                         "schema": {"type": "string", "pattern": "^0x[0-9a-fA-F]{40}$"},
                         "description": "The key that issued it or anchored its batch (the credential's issuer "
                                        "account): credentials and batches are kept per issuer."},
                        {"name": "root", "in": "query", "required": False, "schema": {"$ref": "#/components/schemas/Bytes32"},
                         "description": "The batch root (the proof's batchRoot) of a batch credential."},
                        {"name": "index", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 0},
                         "description": "The leaf index (the proof's leafIndex) of a batch credential; with root."},
                    ],
                    "responses": {
                        "200": {"description": "The status.", "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/CredentialStatus"}}}},
                        "404": _error_response("No checked issuance of that hash by that issuer, or a root that "
                                               "issuer never anchored."),
                        **_ERRORS,
                    },
                },
            },
            "/api/v1/issuers/{address}": {
                "get": {
                    "summary": "An issuer: registry entry, status history, name, verified domain",
                    "parameters": [{"name": "address", "in": "path", "required": True,
                                    "schema": {"type": "string", "pattern": "^0x[0-9a-fA-F]{40}$"}}],
                    "responses": {
                        "200": {"description": "The issuer.", "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/Issuer"}}}},
                        "404": _error_response("Not an issuer of this deployment."),
                        **_ERRORS,
                    },
                },
            },
            "/api/v1/subjects/{subject}": {
                "get": {
                    "summary": "The audit of a subject (`ledger audit subject --json`)",
                    "parameters": [{"name": "subject", "in": "path", "required": True,
                                    "schema": {"$ref": "#/components/schemas/Bytes32"}}],
                    "responses": {
                        "200": {"description": "The audit report.", "content": {"application/json": {
                            "schema": {"type": "object"}}}},
                        **_ERRORS,
                    },
                },
            },
            "/api/v1/openapi.json": {
                "get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3.1",
                                                                          "content": {"application/json": {}}}}},
            },
            "/healthz": {
                "get": {
                    "summary": "Whether the chain answers",
                    "responses": {
                        "200": {"description": "The chain's id and head, the deployment.",
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}},
                        "503": {"description": "The chain does not answer."},
                    },
                },
            },
        },
        "components": {
            "schemas": {
                "Bytes32": {"type": "string", "pattern": "^0x[0-9a-fA-F]{64}$"},
                "Credential": {"type": "object", "description": "A W3C VC 2.0 / Open Badges 3.0 credential with its proof."},
                "Error": {
                    "type": "object", "required": ["error"],
                    "properties": {"error": {"type": "object", "required": ["type", "message", "exit_code"], "properties": {
                        "type": {"type": "string"}, "message": {"type": "string"},
                        "hint": {"type": ["string", "null"]}, "exit_code": {"type": "integer", "enum": [1, 2]},
                    }}},
                },
                "Step": {
                    "type": "object", "required": ["step", "outcome", "code", "message"],
                    "properties": {
                        "step": {"enum": list(STEPS)},
                        "outcome": {"enum": ["pass", "fail", "skipped"]},
                        "code": {"enum": codes},
                        "message": {"type": "string"},
                        "details": {"type": "object"},
                    },
                },
                "CredentialReport": {
                    "type": "object",
                    "required": ["verdict", "valid", "steps"],
                    "properties": {
                        "file": {"type": ["string", "null"], "description": "Which document of the request."},
                        "credential_id": {"type": ["string", "null"]},
                        "credential_hash": {"type": ["string", "null"]},
                        "verdict": {"enum": ["valid", "invalid", "incomplete"]},
                        "valid": {"type": "boolean"},
                        "valid_offline": {"type": "boolean"},
                        "reason": {"type": "string"},
                        "checked_at": {"type": "string"},
                        "chain_id": {"type": ["integer", "null"]},
                        "as_of_block": {"type": ["integer", "null"]},
                        "steps": {"type": "array", "items": {"$ref": "#/components/schemas/Step"}},
                        "credential": {"type": "object", "description": (
                            "What the credential says, in words: holder, title, description, issuer (name, "
                            "registered name, domain, domain_verified), valid_from, valid_until, evidence.")},
                    },
                },
                "VerificationAnswer": {
                    "type": "object",
                    "required": ["verdict", "valid", "invalid", "credentials"],
                    "properties": {
                        "verdict": {"enum": ["valid", "invalid", "incomplete"]},
                        "valid": {"type": "integer"},
                        "invalid": {"type": "integer", "description": "Credentials not valid (invalid or incomplete)."},
                        "verdicts": {"type": "object"},
                        "chain_id": {"type": "integer"},
                        "as_of_block": {"type": "integer"},
                        "credentials": {"type": "array", "items": {"$ref": "#/components/schemas/CredentialReport"}},
                        "receipt": {"type": "object", "description": "Signed by the verifier's key (?receipt=true)."},
                    },
                },
                "CredentialStatus": {
                    "type": "object",
                    "properties": {
                        "credential_hash": {"type": "string"}, "kind": {"enum": ["checked", "batch"]},
                        "status": {"enum": ["active", "reinstated", "suspended", "revoked"]},
                        "reason": {"type": ["string", "null"]}, "since_block": {"type": ["integer", "null"]},
                        "issuer": {"type": "string"}, "type_id": {"type": "integer"}, "as_of_block": {"type": "integer"},
                        "batch_root": {"type": "string"}, "index": {"type": "integer"},
                        "batch_revoked": {"type": "boolean"},
                    },
                },
                "Issuer": {
                    "type": "object",
                    "properties": {
                        "address": {"type": "string"}, "name": {"type": ["string", "null"]},
                        "kind": {"type": "string"}, "status": {"type": "string"}, "scope": {"type": "string"},
                        "history": {"type": "array", "items": {"type": "object"}},
                        "domain": {"type": ["string", "null"]}, "domain_verified": {"type": "boolean"},
                        "domain_check": {"type": ["object", "null"]},
                    },
                },
                "Health": {
                    "type": "object",
                    "properties": {"status": {"const": "ok"}, "chain_id": {"type": "integer"},
                                   "block": {"type": "integer"}, "deployment": {"type": "object"}},
                },
            },
        },
    }
