"""A JSON-RPC server on 127.0.0.1 for tests: a subclass says what each request is answered.

Used by the stand-in nodes of ``test_rpc.py`` (a FISCO BCOS web3 RPC, a proxy in front of anvil) and
``test_rpc_hostile.py`` (a node with malformed answers). A batch is answered element by element.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class LoopbackNode:
    """Serves POSTed JSON-RPC on a free port of 127.0.0.1 until :meth:`close`."""

    def __init__(self) -> None:
        node = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                answer = [node.answer(r) for r in request] if isinstance(request, list) else node.answer(request)
                body = node.body(request, answer)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # A short poll interval: shutdown() waits for the serving loop to look at its flag.
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, request: dict[str, Any]) -> Any:
        """The JSON answer to one request (an object with ``result`` or ``error``)."""
        raise NotImplementedError

    def body(self, request: Any, answer: Any) -> bytes:
        """The HTTP body sent back; a subclass may send something else than the JSON answer."""
        return json.dumps(answer).encode()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
