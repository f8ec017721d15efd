"""Fetching a domain's ``.well-known`` document: HTTPS only, bounded, and careful where it connects.

A credential names the domain, so the verifier fetches a URL chosen by whoever made the credential
(a verifier running as a web service would otherwise be a proxy into its own network). Therefore:

* HTTPS with the certificate verified against the system's authorities (or the ``ca_file`` given, for
  an intranet's own authority); no redirects; status 200 only.
* The host name is resolved once and every address checked: loopback, private, link-local and other
  special addresses are refused unless ``allow_private`` (an intranet deployment); the connection goes
  to the address that was checked (no second lookup to rebind), with the host name for SNI and the
  certificate check.
* At most ``max_bytes`` are read, within ``timeout`` seconds overall.

:class:`DomainDirectory` keeps each answer (and each failure, more briefly) for a while, so that a
batch of a thousand credentials from one institution costs one fetch.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ledger.errors import LedgerError

__all__ = ["DomainDirectory", "DomainUnreachable", "FetchPolicy", "fetch_document"]


class DomainUnreachable(LedgerError):
    """A domain's document could not be fetched (so the domain is unchecked, never taken as verified)."""

    def __init__(self, domain: str, reason: str) -> None:
        super().__init__(f"could not fetch the .well-known document of {domain}: {reason}",
                         hint="the domain is shown as not checked; try again when it is reachable")
        self.domain = domain
        self.reason = reason


@dataclass(frozen=True)
class FetchPolicy:
    """How domain documents are fetched.

    ``resolve`` maps a host name to the address to use instead of DNS (as ``curl --resolve`` does: an
    intranet's split DNS, or a test's server on 127.0.0.1); such an address still has to pass the
    private-address rule.
    """

    timeout: float = 5.0
    max_bytes: int = 256 * 1024
    ca_file: str | None = None
    allow_private: bool = False
    resolve: Mapping[str, str] = field(default_factory=dict)
    cache_seconds: float = 300.0


def _special(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    mapped = getattr(ip, "ipv4_mapped", None)
    ip = mapped or ip
    return bool(ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
                or ip.is_unspecified)


def _addresses(host: str, port: int, policy: FetchPolicy) -> list[str]:
    if host in policy.resolve:
        found = [policy.resolve[host]]
    else:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise DomainUnreachable(host, f"the name does not resolve ({exc})") from exc
        found = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not found:
        raise DomainUnreachable(host, "the name has no address")
    if not policy.allow_private:
        refused = [a for a in found if _special(a)]
        if refused:
            raise DomainUnreachable(host, f"it resolves to a private or special address ({refused[0]}), which this "
                                    "verifier does not fetch from (allow_private is off)")
    return found


def fetch_document(url: str, policy: FetchPolicy) -> bytes:
    """The body of ``url`` (an ``https://`` URL), within the policy's limits.

    Raises:
        DomainUnreachable: not resolvable, refused address, no connection, TLS failure, a status other
            than 200, a body over the limit, or over time.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "https" or not host:
        raise DomainUnreachable(host or url, "only https:// URLs are fetched")
    port = parts.port or 443
    deadline = time.monotonic() + policy.timeout
    addresses = _addresses(host, port, policy)
    context = ssl.create_default_context(cafile=policy.ca_file)
    last: Exception | None = None
    for address in addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            raw = socket.create_connection((address, port), timeout=remaining)
        except OSError as exc:
            last = exc
            continue
        try:
            return _get(raw, context, host, port, parts.path or "/", deadline, policy.max_bytes)
        finally:
            raw.close()
    reason = f"no connection to {host}:{port} ({last})" if last is not None else "timed out"
    raise DomainUnreachable(host, reason)


def _get(raw: socket.socket, context: ssl.SSLContext, host: str, port: int, path: str, deadline: float,
         limit: int) -> bytes:
    try:
        tls = context.wrap_socket(raw, server_hostname=host)
    except (ssl.SSLError, ssl.CertificateError) as exc:
        raise DomainUnreachable(host, f"its TLS certificate was not accepted ({exc})") from exc
    except OSError as exc:
        raise DomainUnreachable(host, f"the TLS handshake failed ({exc})") from exc
    connection = http.client.HTTPSConnection(host, port, context=context, timeout=max(deadline - time.monotonic(), 0.1))
    connection.sock = tls
    tls.settimeout(max(deadline - time.monotonic(), 0.05))  # each read waits at most what is left
    try:
        connection.request("GET", path, headers={"Accept": "application/did+json, application/json",
                                                 "User-Agent": "fisco-talent-ledger verifier"})
        response = connection.getresponse()
        if response.status != 200:
            raise DomainUnreachable(host, f"GET {path} answered HTTP {response.status} {response.reason}")
        body = bytearray()
        while True:
            if time.monotonic() > deadline:
                raise DomainUnreachable(host, "the answer took longer than the time allowed")
            chunk = response.read(min(65536, limit + 1 - len(body)))
            if not chunk:
                return bytes(body)
            body += chunk
            if len(body) > limit:
                raise DomainUnreachable(host, f"the document is larger than {limit:,} bytes")
    except (OSError, http.client.HTTPException) as exc:
        raise DomainUnreachable(host, f"the request failed ({type(exc).__name__}: {exc})") from exc
    finally:
        connection.close()


class DomainDirectory:
    """Fetches domains' documents, keeping each answer for ``cache_seconds`` (a failure for at most 30 s).

    Thread-safe; one fetch per domain at a time.
    """

    def __init__(self, policy: FetchPolicy | None = None, *,
                 fetch: Callable[[str, FetchPolicy], bytes] = fetch_document,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy or FetchPolicy()
        self._fetch = fetch
        self._clock = clock
        self._answers: dict[str, tuple[float, bytes | DomainUnreachable]] = {}
        self._lock = threading.Lock()
        self._per_domain: dict[str, threading.Lock] = {}

    def document(self, url: str) -> bytes:
        """The document at ``url`` (``https://<domain>/.well-known/did.json``, from
        :func:`ledger.wellknown.document.document_url`).

        Raises:
            DomainUnreachable: it could not be fetched (now, or at a recent try).
        """
        with self._lock:
            gate = self._per_domain.setdefault(url, threading.Lock())
        with gate:
            now = self._clock()
            kept = self._answers.get(url)
            if kept is None or kept[0] <= now:
                try:
                    answer: bytes | DomainUnreachable = self._fetch(url, self.policy)
                    keep = self.policy.cache_seconds
                except DomainUnreachable as exc:
                    answer, keep = exc, min(30.0, self.policy.cache_seconds)
                kept = (now + keep, answer)
                with self._lock:
                    if len(self._answers) > 4096:
                        self._answers.clear()
                    self._answers[url] = kept
        if isinstance(kept[1], DomainUnreachable):
            raise kept[1]
        return kept[1]
