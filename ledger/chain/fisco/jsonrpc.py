"""A small JSON-RPC 2.0 client over HTTP(S) for FISCO BCOS nodes.

* Integer request ids (the 3.x node reads ``id`` with ``asInt64()``), positional params.
* Several endpoints: a request goes to the endpoint that last answered and fails over to the
  next one when a node cannot be reached; only when none answers is
  :class:`~ledger.errors.NodeUnreachable` raised.
* HTTPS with the node's ``sdk/`` certificates: the CA in ``ca.crt`` is trusted, ``sdk.crt`` and
  ``sdk.key`` are presented as the client certificate (FISCO's RPC demands mutual TLS). Node
  certificates name no host, so host-name checking is off; the chain of trust is the chain's CA.
* Error objects are raised as :class:`JsonRpcError`; the backends map their codes.
* SM (guomi) TLS, TLCP: FISCO BCOS 3.x SM chains made by ``build_chain.sh`` serve their RPC over
  TLCP (``[rpc] sm_ssl=true``: TASSL with SM2 sign and encryption certificates), which Python's ``ssl``
  cannot speak, and no maintained Python package does (see the README). An ``sdk/`` directory holding
  only SM certificates, an SM certificate given as the client certificate, and a port that answers a
  TLCP ClientHello (:func:`speaks_tlcp`, probed when a connection fails the way a TLCP port makes it
  fail) raise :class:`SmTlsUnsupported`, which says what to change on the node.

Standard library only (``urllib`` + ``ssl``): nothing else is needed for one POST per call.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ledger.canonical import NotJSONError, loads_lax
from ledger.chain.base import MAX_RESPONSE_BYTES
from ledger.errors import ChainError, ConfigError, NodeUnreachable

#: File names in a FISCO node's ``sdk/`` directory (non-SM chains; SM TLS is not supported here).
SDK_CERT_FILES = ("ca.crt", "sdk.crt", "sdk.key")
#: The SM (TLCP) certificates ``build_chain.sh`` writes instead: 3.x ``sm_*`` (``gen_sm_node_cert``),
#: 2.x ``gm*``.
SM_CERT_FILES = ("sm_ca.crt", "sm_sdk.crt", "sm_ensdk.crt", "gmca.crt", "gmsdk.crt", "gmensdk.crt")
#: The ssl errors a standard TLS client gets from a TLCP port (a TLCP-only server answers the TLS
#: ClientHello with a protocol_version alert; a TLS server with NTLS enabled cannot agree on a suite).
_TLCP_SYMPTOMS = ("WRONG_VERSION_NUMBER", "SSLV3_ALERT_HANDSHAKE_FAILURE", "TLSV1_ALERT_PROTOCOL_VERSION",
                  "UNSUPPORTED_PROTOCOL", "UNKNOWN_PROTOCOL")


class JsonRpcError(ChainError):
    """The node answered with a JSON-RPC ``error`` object."""

    def __init__(self, method: str, code: int | None, message: str, data: Any = None, url: str = "") -> None:
        super().__init__(f"{method}: {message}" + (f" (code {code})" if code is not None else ""))
        self.method = method
        self.code = code
        self.rpc_message = message
        self.data = data
        self.url = url


class SmTlsUnsupported(ConfigError):
    """The node's RPC speaks SM TLS (TLCP), which this client cannot: the node must be configured."""

    exit_code = 1

    def __init__(self, where: str, evidence: str) -> None:
        super().__init__(
            f"{where} uses SM (guomi) TLS, TLCP ({evidence}); Python's ssl cannot speak it and no maintained "
            "Python package does",
            hint="on each node set [rpc] sm_ssl=false and give the RPC standard (RSA or ECDSA) certificates, "
            "then pass their sdk/ directory with --sdk-certs; or set [rpc] enable_ssl=false and reach the node "
            "on loopback, an SSH tunnel or a standard-TLS proxy (transactions stay SM2/SM3 either way). "
            "docker/fisco-chain.sh build --sm makes such a chain",
        )
        self.where = where


def _client_hello() -> bytes:
    """A TLCP (GB/T 38636, version 0x0101) ClientHello offering the four SM suites, no extensions."""
    suites = bytes.fromhex("e013" "e011" "e053" "e051" "00ff")
    body = (
        b"\x01\x01"  # client_version: TLCP 1.1
        + int(time.time()).to_bytes(4, "big") + os.urandom(28)  # random
        + b"\x00"  # no session id
        + len(suites).to_bytes(2, "big") + suites
        + b"\x01\x00"  # one compression method: null
    )
    handshake = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x01\x01" + len(handshake).to_bytes(2, "big") + handshake


def speaks_tlcp(host: str, port: int, timeout: float = 3.0) -> bool:
    """Whether ``host:port`` answers a TLCP ClientHello with a TLCP record (a ServerHello ``16 01 01``
    or an alert ``15 01 01``): an SM TLS port. Any other answer, or none, is ``False``."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(_client_hello())
            head = b""
            while len(head) < 3:
                chunk = sock.recv(3 - len(head))
                if not chunk:
                    break
                head += chunk
    except OSError:
        return False
    return head in (b"\x16\x01\x01", b"\x15\x01\x01")


def _refuse_sm_tls_if_tlcp(url: str, failure: BaseException) -> None:
    """Raise :class:`SmTlsUnsupported` when ``url``'s port speaks TLCP; called after a failure that a TLCP
    port causes (a TLS handshake refused, a connection reset, an answer that is not HTTP)."""
    reason = getattr(failure, "reason", None)
    symptom = (isinstance(failure, ssl.SSLError) and str(reason) in _TLCP_SYMPTOMS) or isinstance(
        failure, (ConnectionResetError, http.client.BadStatusLine)
    )
    if not symptom:
        return
    parts = urllib.parse.urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if parts.hostname and speaks_tlcp(parts.hostname, port):
        raise SmTlsUnsupported(url, f"the port answered a TLCP ClientHello after {type(failure).__name__}: {failure}")


class RequestTimeout(ChainError):
    """The node accepted the connection but did not answer within the timeout."""

    def __init__(self, method: str, url: str, timeout: float) -> None:
        super().__init__(f"{method} on {url} did not answer within {timeout:g} s")
        self.method = method
        self.url = url
        self.timeout = timeout


def sdk_ssl_context(cert_dir: Path) -> ssl.SSLContext:
    """A TLS client context from a node's ``sdk/`` directory (``ca.crt``, ``sdk.crt``, ``sdk.key``).

    Raises:
        ConfigError: a file is missing or unreadable.
    """
    cert_dir = Path(cert_dir)
    missing = [name for name in SDK_CERT_FILES if not (cert_dir / name).is_file()]
    sm_files = [name for name in SM_CERT_FILES if (cert_dir / name).is_file()]
    if missing and sm_files:
        raise SmTlsUnsupported(f"the chain whose sdk certificates are in {cert_dir}",
                               f"it holds {', '.join(sm_files)} and no {', '.join(missing)}")
    if missing:
        raise ConfigError(
            f"the sdk certificate directory {cert_dir} lacks {', '.join(missing)}",
            hint="copy nodes/<ip>/sdk/ from the chain built by build_chain.sh and pass it with --sdk-certs",
        )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False  # FISCO node certificates carry no host name
    context.verify_mode = ssl.CERT_REQUIRED
    try:
        context.load_verify_locations(cafile=str(cert_dir / "ca.crt"))
        context.load_cert_chain(str(cert_dir / "sdk.crt"), str(cert_dir / "sdk.key"))
    except ssl.SSLError as exc:
        if exc.reason == "UNKNOWN_CERTIFICATE_TYPE":  # OpenSSL cannot load an SM2 certificate for TLS
            raise SmTlsUnsupported(f"the chain whose sdk certificates are in {cert_dir}",
                                   "sdk.crt is an SM2 certificate") from exc
        raise ConfigError(f"cannot load the sdk certificates from {cert_dir}: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"cannot load the sdk certificates from {cert_dir}: {exc}") from exc
    return context


class JsonRpcClient:
    """JSON-RPC over HTTP(S) POST to one or more endpoints of the same chain.

    Args:
        urls: one URL or several (failover order).
        timeout: seconds to wait for each answer (``request`` can raise it per call).
        ssl_context: client TLS context for ``https://`` URLs (see :func:`sdk_ssl_context`).
    """

    def __init__(
        self,
        urls: str | Sequence[str],
        *,
        timeout: float = 10.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.urls: tuple[str, ...] = (urls,) if isinstance(urls, str) else tuple(urls)
        if not self.urls:
            raise ConfigError("no RPC URL given", hint="pass --rpc-url http://127.0.0.1:20200")
        for url in self.urls:
            if not url.startswith(("http://", "https://")):
                raise ConfigError(f"RPC URL {url!r} must start with http:// or https://")
            if url.startswith("https://") and ssl_context is None:
                raise ConfigError(
                    f"{url} is HTTPS but no sdk certificates were given",
                    hint="pass --sdk-certs with the node's sdk/ directory (ca.crt, sdk.crt, sdk.key)",
                )
        self.timeout = timeout
        self._ssl_context = ssl_context
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._preferred = 0

    def _next_id(self) -> int:
        with self._lock:
            return next(self._ids)

    def request(self, method: str, params: list[Any], *, timeout: float | None = None) -> Any:
        """Call ``method`` and return its ``result``.

        Raises:
            JsonRpcError: the node answered with an error object.
            RequestTimeout: a node took the request but did not answer in time.
            NodeUnreachable: no endpoint accepted the connection.
        """
        wait = self.timeout if timeout is None else timeout
        request_id = self._next_id()
        body = json.dumps({"jsonrpc": "2.0", "method": method, "params": params, "id": request_id}).encode()
        reasons: list[str] = []
        start = self._preferred
        for step in range(len(self.urls)):
            index = (start + step) % len(self.urls)
            url = self.urls[index]
            try:
                payload = self._post(url, body, wait)
            except _Unreachable as exc:
                reasons.append(f"{url}: {exc}")
                continue
            except TimeoutError as exc:
                raise RequestTimeout(method, url, wait) from exc
            self._preferred = index
            return self._result(method, url, request_id, payload)
        raise NodeUnreachable(self.urls, "; ".join(reasons))

    def _post(self, url: str, body: bytes, timeout: float) -> bytes:
        req = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        try:
            context = self._ssl_context if url.startswith("https://") else None
            with urllib.request.urlopen(req, timeout=timeout, context=context) as resp:
                return bytes(resp.read(MAX_RESPONSE_BYTES + 1))
        except http.client.HTTPException as exc:  # not HTTP: a TLCP port, or a broken node
            _refuse_sm_tls_if_tlcp(url, exc)
            raise _Unreachable(f"the answer is not HTTP ({type(exc).__name__}: {str(exc)[:80]})") from exc
        except urllib.error.HTTPError as exc:
            # some nodes put a JSON-RPC error object in a non-200 answer; keep it if present
            data = exc.read(MAX_RESPONSE_BYTES + 1) if exc.fp is not None else b""
            if data.strip().startswith(b"{"):
                return bytes(data)
            raise ChainError(f"{url} answered HTTP {exc.code} {exc.reason}") from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise exc.reason from exc
            if isinstance(exc.reason, BaseException):
                _refuse_sm_tls_if_tlcp(url, exc.reason)
            raise _Unreachable(str(exc.reason)) from exc
        except (ConnectionError, ssl.SSLError) as exc:
            _refuse_sm_tls_if_tlcp(url, exc)
            raise _Unreachable(str(exc)) from exc

    @staticmethod
    def _result(method: str, url: str, request_id: int, payload: bytes) -> Any:
        if len(payload) > MAX_RESPONSE_BYTES:
            raise ChainError(f"{method}: the answer from {url} exceeds {MAX_RESPONSE_BYTES} bytes")
        try:
            answer = loads_lax(payload)
        except NotJSONError as exc:
            raise ChainError(f"{method}: {url} answered with something that is not usable JSON ({exc})") from exc
        if not isinstance(answer, dict):
            raise ChainError(f"{method}: {url} answered with a JSON {type(answer).__name__}, not an object")
        if answer.get("error") is not None:
            error = answer["error"]
            if isinstance(error, dict):
                code = error.get("code")
                raise JsonRpcError(
                    method,
                    code if isinstance(code, int) else None,
                    str(error.get("message", "")),
                    error.get("data"),
                    url,
                )
            raise JsonRpcError(method, None, str(error), None, url)
        if answer.get("id") != request_id:
            raise ChainError(f"{method}: {url} answered request {answer.get('id')!r}, expected {request_id}")
        if "result" not in answer:
            raise ChainError(f"{method}: the answer from {url} has neither result nor error")
        return answer["result"]


class _Unreachable(Exception):
    """Internal: this endpoint did not take the connection; try the next one."""
