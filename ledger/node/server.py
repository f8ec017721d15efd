"""JSON-RPC 2.0 over HTTP POST, as FISCO BCOS nodes serve it, for ``ledger node``.

A threaded ``http.server`` on one address: each request is read (at most :data:`MAX_REQUEST_BYTES`),
parsed, checked as the node's RPC checks it and dispatched to the protocol's method table. Errors are
JSON-RPC error objects with the standard codes (-32700 parse error, -32600 invalid request, -32601
method not found, -32602 invalid params, -32603 internal error) or the protocol's own (a handler raises
:class:`RpcError`). A request that breaks a handler gets -32603 and never a traceback; the node goes on.

3.x checks that ``jsonrpc`` is there, that ``id`` is an integer (it reads it with ``asInt64``) and that
``params`` is an array (``JsonRpcInterface.cpp``); 2.x's libjson-rpc-cpp takes integer or string ids.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ledger.canonical import NotJSONError, loads_lax

#: Largest request body read; a larger one is answered 413 unread (a deploy is tens of kilobytes).
MAX_REQUEST_BYTES = 16 * 1024 * 1024
#: Largest JSON-RPC batch answered.
MAX_BATCH = 1000

PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS, INTERNAL_ERROR = (
    -32700, -32600, -32601, -32602, -32603,
)  # fmt: skip

Handler = Callable[[list[Any]], Any]


class RpcError(Exception):
    """Raised by a method handler: answer with this JSON-RPC error object."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def to_json(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


def param(params: list[Any], index: int, kind: type | tuple[type, ...], what: str) -> Any:
    """``params[index]`` if present and of ``kind`` (bools are not integers), else -32602."""
    if index >= len(params):
        raise RpcError(INVALID_PARAMS, f"Invalid params: {what} is missing")
    value = params[index]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        raise RpcError(INVALID_PARAMS, f"Invalid params: {what} must be {_names(kinds)}")
    if not isinstance(value, kinds):
        raise RpcError(INVALID_PARAMS, f"Invalid params: {what} must be {_names(kinds)}")
    return value


def _names(kinds: tuple[type, ...]) -> str:
    words = {int: "an integer", str: "a string", bool: "a boolean", dict: "an object", list: "an array"}
    return " or ".join(words.get(k, k.__name__) for k in kinds)


class JsonRpcServer:
    """Serves ``methods`` on ``host:port`` (port 0: a free one) until :meth:`shutdown`.

    Args:
        host / port: where to listen.
        methods: method name -> handler of the params list.
        integer_ids: 3.x's rule: ``id`` must be an integer and ``jsonrpc`` present.
        log: called with a line for each request that failed inside a handler.
    """

    def __init__(
        self,
        host: str,
        port: int,
        methods: Mapping[str, Handler],
        *,
        integer_ids: bool,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.methods = dict(methods)
        self.integer_ids = integer_ids
        self.log = log or (lambda line: print(line, file=sys.stderr))
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                try:
                    length = int(self.headers.get("Content-Length", ""))
                except ValueError:
                    self._reply(411, b'{"error": "Content-Length required"}')
                    return
                if length < 0 or length > MAX_REQUEST_BYTES:
                    self.close_connection = True
                    self._reply(413, b'{"error": "request too large"}')
                    return
                body = self.rfile.read(length)
                self._reply(200, server.answer_body(body))

            def do_GET(self) -> None:
                self._reply(405, b'{"error": "JSON-RPC is served by POST"}')

            def _reply(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            allow_reuse_address = True
            request_queue_size = 256  # a pipelined burst opens dozens of connections at once

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that went away mid-answer; nothing to do

        self._server = Server((host, port), Handler)
        self.host = host
        self.port = int(self._server.server_address[1])
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    # -- answering ---------------------------------------------------------------------------

    def answer_body(self, body: bytes) -> bytes:
        """The HTTP body answering one request body (a single call or a batch)."""
        try:
            request = loads_lax(body)  # nesting checked first: deep brackets must not crash the C parser
        except NotJSONError:
            return _dump(_error(None, RpcError(PARSE_ERROR, "Parse error")))
        if isinstance(request, list):
            if not request or len(request) > MAX_BATCH:
                return _dump(_error(None, RpcError(INVALID_REQUEST, "Invalid Request: empty or oversized batch")))
            return _dump([self.answer(one) for one in request])
        return _dump(self.answer(request))

    def answer(self, request: Any) -> dict[str, Any]:
        """The JSON-RPC answer object to one request object."""
        if not isinstance(request, dict):
            return _error(None, RpcError(INVALID_REQUEST, "Invalid Request: not an object"))
        request_id = request.get("id")
        method = request.get("method")
        if not isinstance(method, str):
            return _error(request_id, RpcError(INVALID_REQUEST, "Invalid Request: no method"))
        if self.integer_ids:
            if "jsonrpc" not in request:
                return _error(request_id, RpcError(INVALID_REQUEST, "Invalid Request: jsonrpc is missing"))
            if not isinstance(request_id, int) or isinstance(request_id, bool):
                return _error(None, RpcError(INVALID_REQUEST, "Invalid Request: id must be an integer"))
        params = request.get("params", [])
        if not isinstance(params, list):
            return _error(request_id, RpcError(INVALID_PARAMS, "Invalid params: params must be an array"))
        handler = self.methods.get(method)
        if handler is None:
            return _error(request_id, RpcError(METHOD_NOT_FOUND, "Method not found"))
        try:
            result = handler(params)
        except RpcError as exc:
            return _error(request_id, exc)
        except Exception as exc:  # noqa: BLE001 - a handler's bug must not take the node down
            self.log(f"{method}: internal error: {type(exc).__name__}: {exc}")
            return _error(request_id, RpcError(INTERNAL_ERROR, "Internal error"))
        return {"id": request_id, "jsonrpc": "2.0", "result": result}

    # -- lifetime ----------------------------------------------------------------------------

    def start(self) -> None:
        """Serve in a background thread."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="ledger-node-rpc", daemon=True
        )
        self._thread.start()

    def shutdown(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()


def _error(request_id: Any, error: RpcError) -> dict[str, Any]:
    return {"id": request_id, "jsonrpc": "2.0", "error": error.to_json()}


def _dump(answer: Any) -> bytes:
    return json.dumps(answer, separators=(",", ":")).encode()
