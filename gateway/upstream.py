"""Forwarding one request to a service over a kept-alive connection, streaming both bodies.

Each gateway thread keeps one connection per service and reuses it while it stays fresh;
nothing is shared between threads, so no lock is taken on the hot path. The HTTP/1.1
exchange is written here rather than with ``http.client``, whose header parsing (through
the ``email`` package) cost more than the rest of the proxy together (see README). It
speaks only what the services speak: a request with Content-Length or chunked body; an
answer delimited by Content-Length, chunked encoding, or the end of the connection.

Request bodies are copied from the WSGI input to the service in pieces of up to 1 MiB, read
with ``readinto`` into one buffer per request when the input offers it (under gunicorn it is
``infra.request_body.SocketBody``, which reads the client socket directly), and answers are
handed back as an iterable that reads the service as the client reads, in pieces of up to
1 MiB, so a large upload or download is never held whole in memory.
"""
from __future__ import annotations

import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import urlsplit

CHUNK = 64 * 1024
"""Request bodies up to this size are read whole first (they can then be sent again on a retry)."""
PIECE = 1024 * 1024
"""Largest piece of a body moved at once: fewer, larger reads and writes (a 10 MiB file in 10)."""
SMALL_BODY = 64 * 1024
"""Answers up to this size (with a Content-Length) are read at once and the connection freed."""
MAX_LINE = 65536
MAX_HEADERS = 100

HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
     "te", "trailer", "trailers", "transfer-encoding", "upgrade"}
)

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

log = logging.getLogger("hoso.gateway")


class Unreachable(Exception):
    """The service refused the connection, dropped it, or answered something that is not HTTP (502)."""


class TimedOut(Exception):
    """The service accepted the request but did not answer in time (504)."""


class BodyTooLarge(Exception):
    """The client sent more bytes than the gateway forwards (413)."""


class ClientAborted(Exception):
    """The client stopped sending its body before the announced length."""


class _Stale(Exception):
    """The service closed a kept-alive connection before answering (safe to retry if nothing was read)."""


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

    def pieces(self) -> Iterator[bytes | memoryview]:
        """The body in pieces; raises :class:`BodyTooLarge` or :class:`ClientAborted`.

        A piece is valid only until the next one is asked for: with a stream that has
        ``readinto`` and a known length, every piece is a view of one reused buffer.
        """
        readinto = getattr(self.stream, "readinto", None)
        if readinto is None or self.length is None:
            yield from self._read_pieces()
            return
        remaining = self.length
        buffer = memoryview(bytearray(min(PIECE, remaining)))
        while remaining > 0:
            try:
                got = readinto(buffer[: min(PIECE, remaining)])
            except OSError as exc:
                raise ClientAborted(str(exc)) from exc
            if not got:
                raise ClientAborted("body shorter than its Content-Length")
            self.consumed += got
            if self.consumed > self.limit:
                raise BodyTooLarge()
            remaining -= got
            yield buffer[:got]

    def _read_pieces(self) -> Iterator[bytes]:
        remaining = self.length
        while remaining is None or remaining > 0:
            size = PIECE if remaining is None else min(PIECE, remaining)
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


def parse_status_line(line: bytes) -> tuple[str, int, str]:
    """``(version, status, reason)`` of a service's status line; raises :class:`Unreachable` if it is not HTTP."""
    version, _, rest = line.decode("latin-1").rstrip("\r\n").partition(" ")
    code, _, reason = rest.partition(" ")
    if not version.startswith("HTTP/1.") or len(code) != 3 or not code.isdigit():
        raise Unreachable(f"not an HTTP status line: {line[:80]!r}")
    return version, int(code), reason


def parse_header_line(line: bytes) -> tuple[str, str]:
    """One ``Name: value`` line of a service's answer."""
    name, sep, value = line.decode("latin-1").partition(":")
    if not sep:
        raise Unreachable("malformed header line from the service")
    return name.strip(), value.strip()


def keeps_alive(version: str, headers: list[tuple[str, str]]) -> bool:
    """Whether the service keeps the connection open after this answer."""
    keep = version == "HTTP/1.1"
    for name, value in headers:
        if name.lower() == "connection":
            tokens = {t.strip().lower() for t in value.split(",")}
            keep = "keep-alive" in tokens if version != "HTTP/1.1" else "close" not in tokens
    return keep


def response_framing(method: str, status: int, raw_headers: list[tuple[str, str]],
                     keep: bool) -> tuple[list[tuple[str, str]], int | None, bool, bool]:
    """End-to-end headers, body length (None: chunked or to the end), chunked, keep-alive.

    The body rules of RFC 9112 section 6.3: no body after HEAD, 1xx, 204 and 304; chunked
    wins over a length; without either the body runs to the end of the connection.
    """
    length: int | None = None
    chunked = False
    headers: list[tuple[str, str]] = []
    for name, value in raw_headers:
        lower = name.lower()
        if lower == "content-length" and value.isdigit():
            length = int(value)
        elif lower == "transfer-encoding":
            chunked = "chunked" in value.lower()
        if lower not in HOP_BY_HOP:
            headers.append((name, value))
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        length, chunked = 0, False
    if chunked:
        length = None
    elif length is None:
        keep = False  # delimited by the end of the connection
    return headers, length, chunked, keep


class Connection:
    """One HTTP/1.1 connection to a service."""

    def __init__(self, upstream: Upstream, *, connect_timeout: float, read_timeout: float) -> None:
        try:
            sock = socket.create_connection((upstream.host, upstream.port), timeout=connect_timeout)
            if upstream.scheme == "https":
                sock = ssl.create_default_context().wrap_socket(sock, server_hostname=upstream.host)
        except OSError as exc:
            raise Unreachable(f"{upstream.host}:{upstream.port}: {exc}") from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(read_timeout)
        self.sock = sock
        self.rfile = sock.makefile("rb", buffering=CHUNK)

    def close(self) -> None:
        self.rfile.close()
        self.sock.close()

    def read_head(self, *, reused: bool) -> tuple[int, str, list[tuple[str, str]], bool]:
        """Status, reason, headers and whether the service keeps the connection open."""
        while True:
            line = self.rfile.readline(MAX_LINE + 1)
            if not line:
                if reused:
                    raise _Stale()
                raise Unreachable("the service closed the connection without answering")
            version, status, reason = parse_status_line(line)
            headers = self._read_headers()
            if status >= 200 or status == 101:
                break
        return status, reason, headers, keeps_alive(version, headers)

    def _read_headers(self) -> list[tuple[str, str]]:
        headers: list[tuple[str, str]] = []
        while True:
            line = self.rfile.readline(MAX_LINE + 1)
            if line in (b"\r\n", b"\n"):
                return headers
            if not line or len(line) > MAX_LINE or len(headers) >= MAX_HEADERS:
                raise Unreachable("malformed or oversized headers from the service")
            headers.append(parse_header_line(line))

    def body(self, *, length: int | None, chunked: bool) -> Iterator[bytes]:
        """The answer's body in pieces, as the service sends it."""
        if chunked:
            yield from self._chunked()
        elif length is not None:
            remaining = length
            while remaining:
                piece = self.rfile.read1(min(PIECE, remaining))
                if not piece:
                    raise Unreachable("the service closed the connection in the middle of a body")
                remaining -= len(piece)
                yield piece
        else:
            while piece := self.rfile.read1(PIECE):
                yield piece

    def _chunked(self) -> Iterator[bytes]:
        while True:
            line = self.rfile.readline(MAX_LINE + 1)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise Unreachable("malformed chunk from the service") from None
            if size == 0:
                self._read_headers()  # trailers, dropped
                return
            while size:
                piece = self.rfile.read1(min(PIECE, size))
                if not piece:
                    raise Unreachable("the service closed the connection in the middle of a chunk")
                size -= len(piece)
                yield piece
            if self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise Unreachable("malformed chunk end from the service")


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

    def _idle(self) -> dict[Upstream, tuple[Connection, float]]:
        idle = getattr(self._local, "idle", None)
        if idle is None:
            idle = self._local.idle = {}
        return idle

    def acquire(self, upstream: Upstream) -> tuple[Connection, bool]:
        """A connection to ``upstream`` and whether it was reused (it may have gone stale)."""
        kept = self._idle().pop(upstream, None)
        if kept is not None:
            connection, last_used = kept
            if self._monotonic() - last_used <= self._idle_reuse:
                return connection, True
            connection.close()
        return Connection(upstream, connect_timeout=self._connect_timeout, read_timeout=self._read_timeout), False

    def release(self, upstream: Upstream, connection: Connection) -> None:
        """Keep ``connection`` for this thread's next request to ``upstream``."""
        previous = self._idle().get(upstream)
        if previous is not None:
            previous[0].close()
        self._idle()[upstream] = (connection, self._monotonic())


@dataclass
class UpstreamResponse:
    """The service's answer: status line, end-to-end headers and the body as an iterable."""

    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: "StreamedBody | list[bytes]"


class StreamedBody:
    """A WSGI response iterable reading the service as the client reads; frees or closes the connection."""

    def __init__(self, pool: ConnectionPool, upstream: Upstream, connection: Connection,
                 pieces: Iterator[bytes], keep: bool) -> None:
        self._pool = pool
        self._upstream = upstream
        self._connection: Connection | None = connection
        self._pieces = pieces
        self._keep = keep

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._pieces
        except (OSError, Unreachable) as exc:
            # headers are already sent: the client sees a cut body, which is the honest signal
            log.warning("service %s:%s broke off an answer: %r", self._upstream.host, self._upstream.port, exc)
            self._discard()
            return
        if self._connection is not None and self._keep:
            self._pool.release(self._upstream, self._connection)
            self._connection = None

    def close(self) -> None:
        """Called by the WSGI server when done; a body not read to the end spoils the connection."""
        self._discard()

    def _discard(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


_RETRYABLE = (_Stale, ConnectionResetError, BrokenPipeError, ConnectionAbortedError)


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

    ``target`` is the path and query, already percent-encoded. A reused connection the
    service has meanwhile closed is retried once on a new one when sending the request again
    is safe: the method is idempotent (a POST the service may have processed before dying is
    never repeated) and the body can be replayed: none, a small one (read whole first, up to
    64 KiB: a JSON call), or a stream of which no byte has been read yet.
    """
    head = request_head(method, upstream.base_path + target, upstream.host_header, headers,
                        length=None if body is None else body.length, has_body=body is not None)
    stream = body
    if body is not None and body.length is not None and body.length <= CHUNK:
        head += b"".join(bytes(piece) for piece in body.pieces())
        stream = None
    while True:
        connection, reused = pool.acquire(upstream)
        try:
            return _exchange(pool, upstream, connection, reused, method, head, stream)
        except _RETRYABLE as exc:
            connection.close()
            if reused and method in IDEMPOTENT and (stream is None or stream.consumed == 0):
                continue
            raise Unreachable(f"{upstream.host}:{upstream.port}: {exc!r}") from exc
        except (TimeoutError, socket.timeout) as exc:
            connection.close()
            raise TimedOut(f"{upstream.host}:{upstream.port}") from exc
        except OSError as exc:
            connection.close()
            raise Unreachable(f"{upstream.host}:{upstream.port}: {exc!r}") from exc
        except (Unreachable, BodyTooLarge, ClientAborted):
            connection.close()
            raise


def request_head(method: str, target: str, host: str, headers: list[tuple[str, str]], *,
                 length: int | None, has_body: bool) -> bytes:
    """The request line and headers sent to a service (``length`` None with a body: chunked)."""
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}"]
    for name, value in headers:
        if "\r" in value or "\n" in value:
            continue
        lines.append(f"{name}: {value}")
    if not has_body:
        if method in ("POST", "PUT", "PATCH"):
            lines.append("Content-Length: 0")
    elif length is not None:
        lines.append(f"Content-Length: {length}")
    else:
        lines.append("Transfer-Encoding: chunked")
    lines.append("\r\n")
    return "\r\n".join(lines).encode("latin-1")


def _send_body(sock: socket.socket, head: bytes, body: RequestBody) -> None:
    if body.length is not None:
        pieces = body.pieces()
        first = next(pieces, b"")
        if len(first) <= CHUNK:
            sock.sendall(head + first)
        else:  # not worth copying a large piece to save one send
            sock.sendall(head)
            sock.sendall(first)
        for piece in pieces:
            sock.sendall(piece)
        return
    sock.sendall(head)
    for piece in body.pieces():
        sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
    sock.sendall(b"0\r\n\r\n")


def _exchange(pool: ConnectionPool, upstream: Upstream, connection: Connection, reused: bool,
              method: str, head: bytes, body: RequestBody | None) -> UpstreamResponse:
    sock = connection.sock
    cut_short = False
    if body is None:
        sock.sendall(head)
    else:
        try:
            _send_body(sock, head, body)
        except (BrokenPipeError, ConnectionResetError):
            if not body.consumed:
                raise
            # the service answered early (e.g. 413) and closed: relay that answer if it arrived
            cut_short = True
    try:
        status, reason, raw_headers, keep = connection.read_head(reused=reused and not cut_short)
    except (OSError, Unreachable) as exc:
        if cut_short:
            raise Unreachable("the service closed the connection while the body was being sent") from exc
        raise
    headers, length, chunked, keep = response_framing(method, status, raw_headers, keep and not cut_short)
    if length is not None and length <= SMALL_BODY:
        data = b"".join(connection.body(length=length, chunked=False))
        if keep:
            pool.release(upstream, connection)
        else:
            connection.close()
        return UpstreamResponse(status, reason, headers, [data])
    pieces = connection.body(length=length, chunked=chunked)
    return UpstreamResponse(status, reason, headers, StreamedBody(pool, upstream, connection, pieces, keep))
