"""The ASGI application of ``ledger serve``: the web page at ``/`` and the versioned REST API.

Routes (the OpenAPI document at ``/api/v1/openapi.json`` describes the API):

    GET  /                                    the verifier page (static files under /static/)
    GET  /healthz                             the chain answers: its id, head and the deployment
    POST /api/v1/verify                       a credential, a list of them, or JSON Lines (a bundle)
    GET  /api/v1/credentials/{hash}/status    a checked credential's status (?root=0x... for a batch leaf)
    GET  /api/v1/issuers/{address}            registry entry, status history, name, verified domain
    GET  /api/v1/subjects/{id}                the audit of a subject
    GET  /api/v1/openapi.json                 this API, described

Every answer carries security headers (a strict Content-Security-Policy: the page loads nothing from
elsewhere), the API is rate-limited per client address, request bodies and JSON nesting are capped,
each request has a deadline, CORS is off unless origins are configured, and every error is JSON with
the CLI's fields (``type``, ``message``, ``hint``, ``exit_code``). A verification answers 200 with the
verdict in the body (``verdict``, per credential ``verdict`` and ``valid``) and in the
``Ledger-Verdict`` header, so an invalid credential is never a bare 200.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledger.canonical import check_depth, loads
from ledger.config import ServeSettings
from ledger.errors import LedgerError, ValidationError
from ledger.serve.errors import http_status
from ledger.serve.limits import RateLimiter, read_body
from ledger.serve.openapi import openapi_document

if TYPE_CHECKING:
    from ledger.serve.service import VerifierService

__all__ = ["SECURITY_HEADERS", "STATIC", "create_app"]

#: The page's files (HTML, script, style): everything it loads comes from here.
STATIC = Path(__file__).resolve().parent / "static"

#: Sent with every answer. The page loads its own script, style and images only; nothing may frame it;
#: no referrer leaves it (a share link's fragment never does anyway).
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", (b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: "
     b"blob:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
)

_JSON_LINES = ("application/x-ndjson", "application/jsonl", "application/x-jsonlines", "application/json-seq")


def _error(status: int, kind: str, message: str, hint: str | None = None, exit_code: int = 2,
           headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"type": kind, "message": message, "hint": hint, "exit_code": exit_code}},
                        status_code=status, headers=dict(headers or {}))


class _Guard:
    """Security headers on every answer, ``no-store`` on the API's, and the rate limit on the API."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = scope["path"].startswith("/api/")
        if api:
            client = scope.get("client")
            wait = self.limiter.take(client[0] if client else "unknown")
            if wait > 0:
                response = _error(429, "RateLimited", "too many requests from this address",
                                  hint=f"retry after {math.ceil(wait)} s", exit_code=1,
                                  headers={"Retry-After": str(math.ceil(wait))})
                await self._send_guarded(response, scope, receive, send, api)
                return
        await self._send_guarded(self.app, scope, receive, send, api)

    @staticmethod
    async def _send_guarded(app: ASGIApp, scope: Scope, receive: Receive, send: Send, api: bool) -> None:
        async def guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"server"]
                headers.extend(SECURITY_HEADERS)
                if api:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, guarded)


def _sources(body: bytes, content_type: str, settings: ServeSettings) -> list[tuple[str, Any]]:
    """The documents of a verification request: one JSON object, a JSON array of them, or JSON Lines."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError("the request body is not UTF-8 text") from None
    check_depth(text, settings.max_json_depth)
    if content_type in _JSON_LINES:
        sources: list[tuple[str, Any]] = [
            (f"line {n}", line.encode("utf-8"))
            for n, line in enumerate(text.splitlines(), 1) if line.strip()
        ]
    else:
        start = text.lstrip()[:1]
        if start == "{":
            sources = [("credential", body)]
        elif start == "[":
            items = loads(text)
            sources = [(f"credentials[{i}]", item) for i, item in enumerate(items)]
        else:
            raise ValidationError("the request body is not a credential: send a JSON object, a JSON array of "
                                  "them, or JSON Lines (Content-Type: application/x-ndjson)")
    if not sources:
        raise ValidationError("the request holds no credential")
    if len(sources) > settings.max_credentials:
        raise ValidationError(
            f"{len(sources):,} credentials in one request; this verifier takes at most {settings.max_credentials:,}",
            hint="split them over several requests")
    return sources


def create_app(service: VerifierService, settings: ServeSettings | None = None) -> Starlette:
    """The ASGI application over ``service``, limited as ``settings`` say."""
    config = settings or ServeSettings()

    async def run(call: Callable[[], Any]) -> Any:
        with anyio.fail_after(config.timeout):
            return await anyio.to_thread.run_sync(call, abandon_on_cancel=True)

    def answer(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> JSONResponse:
        return JSONResponse(data, status_code=status, headers=dict(headers or {}))

    async def verify(request: Request) -> Response:
        body = await read_body(request, config.max_body_bytes)
        content_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
        sources = _sources(body, content_type, config)
        receipt = request.query_params.get("receipt", "").lower() in ("1", "true", "yes")
        result = await run(lambda: service.verify(sources, receipt=receipt))
        return answer(result, headers={"Ledger-Verdict": result["verdict"]})

    async def status(request: Request) -> Response:
        digest, query = request.path_params["hash"], request.query_params
        issuer, root, index = query.get("issuer"), query.get("root"), query.get("index")
        return answer(await run(lambda: service.credential_status(digest, issuer, root, index)))

    async def issuer(request: Request) -> Response:
        address = request.path_params["address"]
        return answer(await run(lambda: service.issuer(address)))

    async def subject(request: Request) -> Response:
        ident = request.path_params["subject"]
        return answer(await run(lambda: service.subject(ident)))

    async def health(_: Request) -> Response:
        try:
            return answer(await run(service.health))
        except LedgerError as exc:
            return answer({"status": "unavailable", "error": {"type": type(exc).__name__, "message": str(exc),
                                                              "hint": exc.hint, "exit_code": exc.exit_code}}, 503)

    async def openapi(_: Request) -> Response:
        return answer(openapi_document())

    async def page(_: Request) -> Response:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    async def ledger_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, LedgerError)
        return _error(http_status(exc), type(exc).__name__, str(exc), exc.hint, exc.exit_code)

    async def http_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        words = {404: "no such page or API route", 405: "this method is not allowed here"}
        return _error(exc.status_code, "HTTPError", words.get(exc.status_code, str(exc.detail)),
                      hint="see /api/v1/openapi.json" if exc.status_code in (404, 405) else None,
                      headers=exc.headers)

    async def timeout(_: Request, exc: Exception) -> Response:
        return _error(504, "Timeout", f"the request took longer than {config.timeout:g} s", exit_code=1,
                      hint="send fewer credentials per request, or try again")

    middleware = [Middleware(_Guard, limiter=RateLimiter(config.rate_per_second, config.rate_burst))]
    if config.cors_origins:
        middleware.append(Middleware(CORSMiddleware, allow_origins=list(config.cors_origins),
                                     allow_methods=["GET", "POST"], allow_headers=["Content-Type"],
                                     expose_headers=["Ledger-Verdict", "Retry-After"]))
    handlers: dict[Any, Callable[[Request, Exception], Awaitable[Response]]] = {
        LedgerError: ledger_error, HTTPException: http_error, TimeoutError: timeout,
    }
    routes = [
        Route("/", page, methods=["GET", "HEAD"]),
        Route("/healthz", health, methods=["GET"]),
        Route("/api/v1/verify", verify, methods=["POST"]),
        Route("/api/v1/credentials/{hash}/status", status, methods=["GET"]),
        Route("/api/v1/issuers/{address}", issuer, methods=["GET"]),
        Route("/api/v1/subjects/{subject:path}", subject, methods=["GET"]),  # a subject DID URL has slashes
        Route("/api/v1/openapi.json", openapi, methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    return Starlette(routes=routes, middleware=middleware, exception_handlers=handlers)
