"""Forwarding one request to a service over a kept-alive connection, streaming both bodies.

Each gateway thread keeps one ``http.client`` connection per service and reuses it while
it stays fresh; nothing is shared between threads, so no lock is taken on the hot path.
Request bodies are copied from the WSGI input to the service in 64 KiB pieces and
responses are handed back as an iterable that reads the service as the client reads, so a
large upload or download is never held whole in memory.
"""
from __future__ import annotations

import http.client
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import urlsplit

CHUNK = 64 * 1024
SMALL_BODY = 64 * 1024
"""Answers up to this size (with a Content-Length) are read at once and the connection freed."""

HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
     "te", "trailer", "trailers", "transfer-encoding", "upgrade"}
)

log = logging.getLogger("hoso.gateway")


class Unreachable(Exception):
    """The service refused or never accepted the connection (502)."""


class TimedOut(Exception):
    """The service accepted the request but did not answer in time (504)."""


class BodyTooLarge(Exception):
    """The client sent more bytes than the gateway forwards (413)."""


class ClientAborted(Exception):
    """The client stopped sending its body before the announced length."""


@dataclass(frozen=True)
class Upstream:
    """Where a service listens: scheme, host, port and a base path (usually empty)."""

    scheme: str
    host: str
    port: int
    base_path: str
    host_header: str

    @classmethod
    def from_url(cls, url: str) -> "Upstream":
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) base URL: {url!r}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return cls(parts.scheme, parts.hostname, port, parts.path.rstrip("/"), parts.netloc)


@dataclass
class RequestBody:
    """The client's body: its stream and length (None when the client sent it chunked)."""

    stream: BinaryIO
    length: int | None
    limit: int
    consumed: int = 0

    def chunks(self) -> Iterator[bytes]:
        """The body in pieces; raises :class:`BodyTooLarge` or :class:`ClientAborted`."""
        remaining = self.length
        while remaining is None or remaining > 0:
            size = CHUNK if remaining is None else min(CHUNK, remaining)
            try:
                chunk = self.stream.read(size)
            except OSError as exc:
                raise ClientAborted(str(exc)) from exc
            if not chunk:
                if remaining is not None:
                    raise ClientAborted("body shorter than its Content-Length")
                return
            self.consumed += len(chunk)
            if self.consumed > self.limit:
                raise BodyTooLarge()
            if remaining is not None:
                remaining -= len(chunk)
            yield chunk


class ConnectionPool:
    """Per-thread kept-alive connections to each upstream, replaced when idle too long."""

    def __init__(
        self,
        *,
        connect_timeout: float,
        read_timeout: float,
        idle_reuse: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._idle_reuse = idle_reuse
        self._monotonic = monotonic
        self._local = threading.local()

    def _idle(self) -> dict[Upstream, tuple[http.client.HTTPConnection, float]]:
        idle = getattr(self._local, "idle", None)
        if idle is None:
            idle = self._local.idle = {}
        return idle

    def acquire(self, upstream: Upstream) -> tuple[http.client.HTTPConnection, bool]:
        """A connection to ``upstream`` and whether it was reused (it may have gone stale)."""
        kept = self._idle().pop(upstream, None)
        if kept is not None:
            connection, last_used = kept
            if self._monotonic() - last_used <= self._idle_reuse:
                return connection, True
            connection.close()
        return self._connect(upstream), False

    def release(self, upstream: Upstream, connection: http.client.HTTPConnection) -> None:
        """Keep ``connection`` for this thread's next request to ``upstream``."""
        previous = self._idle().get(upstream)
        if previous is not None:
            previous[0].close()
        self._idle()[upstream] = (connection, self._monotonic())

    def _connect(self, upstream: Upstream) -> http.client.HTTPConnection:
        cls = http.client.HTTPSConnection if upstream.scheme == "https" else http.client.HTTPConnection
        connection = cls(upstream.host, upstream.port, timeout=self._connect_timeout)
        try:
            connection.connect()
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            raise Unreachable(f"{upstream.host}:{upstream.port}: {exc}") from exc
        connection.sock.settimeout(self._read_timeout)
        return connection


@dataclass
class UpstreamResponse:
    """The service's answer: status line, end-to-end headers and the body as an iterable."""

    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: "StreamedBody | list[bytes]"


class StreamedBody:
    """A WSGI response iterable reading the service as the client reads; frees or closes the connection."""

    def __init__(self, pool: ConnectionPool, upstream: Upstream, connection: http.client.HTTPConnection,
                 response: http.client.HTTPResponse) -> None:
        self._pool = pool
        self._upstream = upstream
        self._connection: http.client.HTTPConnection | None = connection
        self._response = response

    def __iter__(self) -> Iterator[bytes]:
        try:
            while True:
                chunk = self._response.read1(CHUNK)
                if not chunk:
                    break
                yield chunk
        except (OSError, http.client.HTTPException) as exc:
            # headers are already sent: the client sees a cut body, which is the honest signal
            log.warning("upstream %s:%s broke off a response: %r", self._upstream.host, self._upstream.port, exc)
            self._discard()
            return
        if self._connection is not None and not self._response.will_close:
            self._pool.release(self._upstream, self._connection)
            self._connection = None

    def close(self) -> None:
        """Called by the WSGI server when done; a body not read to the end spoils the connection."""
        self._discard()

    def _discard(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


_RETRYABLE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, ConnectionAbortedError)


def forward(
    pool: ConnectionPool,
    upstream: Upstream,
    *,
    method: str,
    target: str,
    headers: list[tuple[str, str]],
    body: RequestBody | None,
) -> UpstreamResponse:
    """Send one request to ``upstream`` and return its answer, the body still streaming.

    A reused connection the service has meanwhile closed is retried once on a new one, but
    only while no byte of the client's body has been read (it cannot be replayed).
    """
    while True:
        connection, reused = pool.acquire(upstream)
        try:
            return _exchange(pool, upstream, connection, method, target, headers, body)
        except _RETRYABLE as exc:
            connection.close()
            if reused and (body is None or body.consumed == 0):
                continue
            raise Unreachable(f"{upstream.host}:{upstream.port}: {exc!r}") from exc
        except (TimeoutError, socket.timeout) as exc:
            connection.close()
            raise TimedOut(f"{upstream.host}:{upstream.port}") from exc
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            raise Unreachable(f"{upstream.host}:{upstream.port}: {exc!r}") from exc
        except (BodyTooLarge, ClientAborted):
            connection.close()
            raise


def _exchange(
    pool: ConnectionPool,
    upstream: Upstream,
    connection: http.client.HTTPConnection,
    method: str,
    target: str,
    headers: list[tuple[str, str]],
    body: RequestBody | None,
) -> UpstreamResponse:
    connection.putrequest(method, upstream.base_path + target, skip_host=True, skip_accept_encoding=True)
    connection.putheader("Host", upstream.host_header)
    for name, value in headers:
        connection.putheader(name, value)
    if body is None:
        if method in ("POST", "PUT", "PATCH"):
            connection.putheader("Content-Length", "0")
        connection.endheaders()
    elif body.length is not None:
        connection.putheader("Content-Length", str(body.length))
        pieces = body.chunks()
        connection.endheaders(next(pieces, None))
        for piece in pieces:
            connection.send(piece)
    else:
        connection.putheader("Transfer-Encoding", "chunked")
        connection.endheaders()
        for piece in body.chunks():
            connection.send(b"%x\r\n%s\r\n" % (len(piece), piece))
        connection.send(b"0\r\n\r\n")
    response = connection.getresponse()
    response_headers = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP]
    length = response.getheader("Content-Length")
    if method == "HEAD" or response.status in (204, 304) or (length is not None and length.isdigit() and int(length) <= SMALL_BODY):
        data = response.read()
        if response.will_close:
            connection.close()
        else:
            pool.release(upstream, connection)
        return UpstreamResponse(response.status, response.reason, response_headers, [data])
    return UpstreamResponse(response.status, response.reason, response_headers,
                            StreamedBody(pool, upstream, connection, response))
