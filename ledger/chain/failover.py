"""JSON-RPC 2.0 over HTTP to the endpoints of one Ethereum chain, failing over between them.

The transport of the ``rpc`` backend (:class:`~ledger.chain.rpc.RpcChain`), which adds everything
Ethereum-specific on top (signing, nonces, receipts, reverts):

* **urllib3** with pooled keep-alive connections. One ``eth_blockNumber`` round trip against anvil
  costs about 0.25 ms this way, 0.6 ms through ``requests`` and 0.9 ms through web3.py.
* **Fail-over**: endpoints are tried in order, starting with the one that answered last; an endpoint
  that does not answer (connection refused, timeout, HTTP error, not JSON) passes the request to the
  next, which then stays current. Only when none answers is :class:`~ledger.errors.NodeUnreachable`
  raised.
* **Chain identity**: ``eth_chainId`` is asked of every endpoint before its first use and checked
  against the expected chain id (:class:`~ledger.errors.ChainIdMismatch`); without one, the first
  endpoint's id is taken and the others must agree.
* **Batches** of :data:`BATCH_SIZE` requests; a node that refuses batches gets the calls one by one
  from then on.
* Error objects become :class:`RpcError` (a :class:`~ledger.errors.ChainError`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import urllib3
from urllib3.exceptions import HTTPError as _Urllib3Error
from urllib3.exceptions import ProtocolError

from ledger.canonical import NotJSONError, loads_lax
from ledger.chain.base import MAX_RESPONSE_BYTES
from ledger.errors import ChainError, ChainIdMismatch, ConfigError, NodeUnreachable

#: Requests per JSON-RPC batch: large enough to amortise the round trip, small enough for nodes that
#: cap the size of a request body.
BATCH_SIZE = 200


class RpcError(ChainError):
    """A JSON-RPC error answer that no more specific ledger error explains."""

    def __init__(self, method: str, code: int, message: str, data: Any = None) -> None:
        super().__init__(f"{method}: node error {code}: {message}")
        self.method = method
        self.code = code
        self.message = message
        self.data = data


@dataclass(frozen=True)
class Answer:
    """One JSON-RPC response: ``error`` is ``None`` on success."""

    result: Any
    error: RpcError | None

    def unwrap(self) -> Any:
        """The result, or raise the error."""
        if self.error is not None:
            raise self.error
        return self.result


class FailoverClient:
    """A JSON-RPC client over HTTP(S) for one chain served by one or more endpoints, tried in order.

    Nothing is sent on construction; the first request checks the chain id of the endpoint it uses.

    Args:
        urls: ``http://`` or ``https://`` endpoints of the same chain, in order of preference.
        expected_chain_id: the chain id the configuration names; ``None`` accepts the first
            endpoint's and requires the others to agree.
        timeout: seconds to wait for one HTTP answer.

    Raises:
        ConfigError: no URL, or a URL that is not HTTP(S).
    """

    def __init__(
        self, urls: Sequence[str], *, expected_chain_id: int | None = None, timeout: float = 10.0
    ) -> None:
        self.urls: tuple[str, ...] = (urls,) if isinstance(urls, str) else tuple(urls)
        if not self.urls:
            raise ConfigError("the rpc backend needs at least one node URL", hint="pass --rpc-url URL")
        for url in self.urls:
            if not url.startswith(("http://", "https://")):
                raise ConfigError(f"node URL {url!r} must start with http:// or https://")
        self._http = urllib3.PoolManager(
            num_pools=len(self.urls),
            maxsize=8,
            retries=False,
            timeout=urllib3.Timeout(connect=min(timeout, 5.0), read=timeout),
        )
        self._next_id = 1
        self._lock = threading.Lock()
        self._current = 0  # index of the endpoint that answered last
        self._checked: set[int] = set()  # endpoints whose chain id was verified
        self._chain_id: int | None = expected_chain_id
        self._batching = True  # JSON-RPC batches, until a node refuses one

    @property
    def chain_id(self) -> int | None:
        """The chain id: the expected one, or the first endpoint's once it answered."""
        return self._chain_id

    @property
    def current(self) -> int:
        """The index in :attr:`urls` of the endpoint that answered last (it gets the next request)."""
        with self._lock:
            return self._current

    @property
    def current_url(self) -> str:
        """The URL of the endpoint that answered last."""
        return self.urls[self.current]

    def request(self, method: str, params: list[Any] | None = None) -> Any:
        """One JSON-RPC call; returns its result.

        Raises:
            RpcError: the node answered with an error object.
            NodeUnreachable: no endpoint answered.
            ChainIdMismatch: an endpoint serves another chain.
        """
        (request_id,) = self._take_ids(1)
        answer = self._exchange(
            {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params or []}
        )
        if isinstance(answer, dict) and answer.get("id") != request_id and "error" not in answer:
            # A batch answers by id; so must a single call: an answer to another request is not ours.
            answer = {"error": {"code": -32603, "message": f"the answer is for request id {answer.get('id')!r}, "
                                f"not {request_id}"}}
        return _answer(method, answer).unwrap()

    def single(self, method: str, params: list[Any]) -> Answer:
        """One JSON-RPC call whose error answer is returned rather than raised."""
        try:
            return Answer(self.request(method, params), None)
        except RpcError as exc:
            return Answer(None, exc)

    def batch(self, calls: Sequence[tuple[str, list[Any]]]) -> list[Answer]:
        """Several JSON-RPC calls in batches of :data:`BATCH_SIZE`; answers in the order of ``calls``."""
        answers: list[Answer] = []
        for start in range(0, len(calls), BATCH_SIZE):
            chunk = calls[start : start + BATCH_SIZE]
            if not self._batching:
                answers.extend(self.single(method, params) for method, params in chunk)
                continue
            ids = self._take_ids(len(chunk))
            payload = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in zip(ids, chunk)]
            raw = self._exchange(payload)
            if not isinstance(raw, list):
                # A node without batch support answers with one error object: from now on send the
                # calls one by one (still without waiting for receipts in between).
                self._batching = False
                answers.extend(self.single(method, params) for method, params in chunk)
                continue
            by_id = {item.get("id"): item for item in raw if isinstance(item, dict)}
            answers.extend(_answer(method, by_id.get(i)) for i, (method, _params) in zip(ids, chunk))
        return answers

    def close(self) -> None:
        """Close the pooled connections."""
        self._http.clear()

    # -- transport ---------------------------------------------------------------------------

    def _post(self, index: int, payload: Any) -> Any:
        """POST ``payload`` to endpoint ``index``; raise ``_EndpointDown`` when it does not answer."""
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json"}
        last: Exception | None = None
        for _attempt in range(2):  # a pooled connection the node closed fails once; retry it fresh
            try:
                response = self._http.request(
                    "POST", self.urls[index], body=body, headers=headers, preload_content=False
                )
                data = _read_body(response)
            except ProtocolError as exc:
                last = exc
                continue
            except _Urllib3Error as exc:
                raise _EndpointDown(_describe(exc)) from exc
            try:
                return loads_lax(data)
            except NotJSONError as exc:
                raise _EndpointDown(f"the answer is not usable JSON ({exc})") from exc
        raise _EndpointDown(_describe(last)) from last

    def _exchange(self, payload: Any) -> Any:
        """Send ``payload`` to the first endpoint that answers, starting with the last good one."""
        with self._lock:
            start = self._current
        reasons: list[str] = []
        for step in range(len(self.urls)):
            index = (start + step) % len(self.urls)
            try:
                if index not in self._checked:
                    self._check_endpoint(index)
                answer = self._post(index, payload)
            except _EndpointDown as exc:
                reasons.append(f"{self.urls[index]}: {exc}")
                continue
            if step:
                with self._lock:
                    self._current = index
            return answer
        tried = [self.urls[(start + s) % len(self.urls)] for s in range(len(self.urls))]
        raise NodeUnreachable(tried, "; ".join(reasons))

    def _check_endpoint(self, index: int) -> None:
        answer = self._post(index, {"jsonrpc": "2.0", "id": 0, "method": "eth_chainId", "params": []})
        try:
            actual = int(answer["result"], 16)
        except (KeyError, TypeError, ValueError) as exc:
            raise _EndpointDown(f"eth_chainId answered {str(answer)[:200]}") from exc
        with self._lock:
            if self._chain_id is None:
                self._chain_id = actual
            if actual != self._chain_id:
                raise ChainIdMismatch(self._chain_id, actual, self.urls[index])
            self._checked.add(index)

    def _take_ids(self, count: int) -> range:
        with self._lock:
            first = self._next_id
            self._next_id += count
        return range(first, first + count)


def _read_body(response: Any) -> bytes:
    """The body of a 200 answer, at most :data:`MAX_RESPONSE_BYTES`; the connection goes back to the
    pool only when the body was read whole."""
    try:
        if response.status != 200:
            raise _EndpointDown(f"HTTP {response.status}")
        data = bytes(response.read(MAX_RESPONSE_BYTES + 1))
        if len(data) > MAX_RESPONSE_BYTES:
            raise _EndpointDown(f"the answer exceeds {MAX_RESPONSE_BYTES:,} bytes")
    except BaseException:
        response.close()  # a part of the body may be unread: this connection cannot be reused
        raise
    response.release_conn()
    return data


class _EndpointDown(Exception):
    """An endpoint did not answer usefully; the next one is tried (internal)."""


def _describe(exc: Exception | None) -> str:
    reason = getattr(exc, "reason", None) or exc
    return f"{type(reason).__name__}: {reason}" if reason is not None else "no answer"


def _answer(method: str, item: Any) -> Answer:
    if not isinstance(item, dict):
        return Answer(None, RpcError(method, -32603, f"malformed answer {str(item)[:200]}"))
    error = item.get("error")
    if error is not None:
        if not isinstance(error, dict):
            return Answer(None, RpcError(method, -32603, str(error)))
        code = error.get("code", 0)
        code = code if type(code) is int else -32603  # a node's malformed code is no reason to crash
        return Answer(None, RpcError(method, code, str(error.get("message", "")), error.get("data")))
    return Answer(item.get("result"), None)
