"""The gateway's HTTP front in production: asyncio on uvloop, over the same core as the WSGI app.

gunicorn's gthread worker alone cost about 180 µs of CPU per request here, more than the
whole budget that would put the gateway at 0.85 of nginx on small GETs
(``docs/gateway-performance.md``). This front speaks HTTP/1.1 to clients and services on one
event loop per worker process: no thread hand-off per request, no WSGI environ copied
between server layers, one kept-alive connection pool per service and process.

Every decision stays in :class:`gateway.app.Gateway`: ``plan_api`` (routing, rate limits,
the token, body framing, forwarded headers), ``upstream_problem`` and ``problem_answer``
(the problem+json answers), ``relay_headers`` and ``finish`` (request id, security headers,
the access record). This module only moves bytes: it parses the client's request into the
few CGI keys the core reads, exchanges with the service through the shared framing
functions of ``gateway/upstream.py``, and streams both bodies with back-pressure (a 10 MiB
body is never held whole). Paths outside ``/api/`` (the web app's files, ``/healthz``,
``/readyz``) are handed to the WSGI application itself in a thread: they are not on the
hot path, and the web app's caching rules then have exactly one implementation.

Process model: :func:`serve` binds the socket, forks ``workers`` processes that share it (each
builds the gateway after the fork, so nothing connects before it), restarts a worker that
dies, and on SIGTERM or SIGINT lets the workers finish their requests for up to
``graceful_timeout`` seconds.
"""
from __future__ import annotations

import asyncio
import io
import logging
import os
import re
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Callable
from email.utils import formatdate
from typing import Any
from urllib.parse import unquote_to_bytes

import uvloop

from gateway.app import Forward, Gateway
from gateway.headers import request_id
from gateway.upstream import (
    CHUNK,
    IDEMPOTENT,
    MAX_HEADERS,
    PIECE,
    SMALL_BODY,
    BodyTooLarge,
    ClientAborted,
    TimedOut,
    Unreachable,
    Upstream,
    keeps_alive,
    parse_header_line,
    parse_status_line,
    request_head,
    response_framing,
)
from services.kernel.errors import BadRequest, InternalError, Problem

log = logging.getLogger("hoso.gateway")

KEEPALIVE = 5.0
"""Seconds a client connection may stay idle between requests (gunicorn's keepalive before)."""
HEAD_TIMEOUT = 30.0
"""Seconds a new connection has to send its first request head."""
MAX_HEAD = 64 * 1024
"""Largest request or answer head accepted (431-like refusal above it)."""
DRAIN_LIMIT = 64 * 1024
"""An unread client body up to this size is read and dropped to keep the connection; larger ones close it."""
IDLE_PER_UPSTREAM = 64
"""Kept-alive connections a worker holds per service at most."""
CLIENT_BUFFER = 128 * 1024
"""Receive buffer of a client connection (a request head fits; uploads pass through it)."""
PROGRESS_WAKE = 16
"""A download moving without a pause wakes its task every this many receives (the stall timeout restarts)."""

_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
_NO_BODY_STATUS = frozenset({204, 304})
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


class BadHead(Exception):
    """The client's request head is not HTTP/1.x this front accepts (answered 400, then closed)."""


class SinkStalled(ConnectionError):
    """The receiving side of a pumped body took nothing for the whole timeout: the connection is given up."""


class _Stale(Exception):
    """A kept-alive service connection was closed before any answer (safe to retry when replayable)."""


# -- the client's request ------------------------------------------------------------------------


def parse_request(head: bytes, remote: str) -> dict[str, Any]:
    """The CGI keys the gateway's core reads, from a request head ending in CRLF CRLF.

    Strict where a lenient parse lets two servers disagree on where a request ends (request
    smuggling): one request line of three parts, token header names with no space before
    the colon, no folded lines, a Content-Length of digits only and never beside
    Transfer-Encoding, which may only be ``chunked``. Header names with ``_`` are dropped,
    as gunicorn does, so ``X_Tenant`` cannot pose as ``X-Tenant`` once in the environ.
    """
    lines = head[:-4].split(b"\r\n")
    parts = lines[0].split(b" ")
    if len(parts) != 3 or not _TOKEN.match(parts[0]) or parts[2] not in (b"HTTP/1.1", b"HTTP/1.0"):
        raise BadHead("request line")
    method, target, version = parts
    if len(lines) - 1 > MAX_HEADERS:
        raise BadHead("too many headers")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method.decode("ascii"),
        "SERVER_PROTOCOL": version.decode("ascii"),
        "REMOTE_ADDR": remote,
        "SCRIPT_NAME": "",
        "wsgi.url_scheme": "http",
    }
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep or not _TOKEN.match(name):
            raise BadHead("header line")
        if b"_" in name:
            continue
        text = value.strip(b" \t").decode("latin-1")
        if "\r" in text or "\n" in text or "\0" in text:
            raise BadHead("header value")
        key = name.decode("ascii").upper().replace("-", "_")
        key = key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key
        if key in environ:
            if key == "CONTENT_LENGTH":
                if environ[key] != text:
                    raise BadHead("two lengths")
                continue
            text = environ[key] + "," + text
        environ[key] = text
    length = environ.get("CONTENT_LENGTH")
    coding = environ.get("HTTP_TRANSFER_ENCODING")
    if length is not None and not (length.isdigit() and length.isascii()):
        raise BadHead("length")
    if coding is not None and (coding.lower() != "chunked" or length is not None or version == b"HTTP/1.0"):
        raise BadHead("transfer coding")
    if target.startswith(b"/"):
        raw_path, _, query = target.partition(b"?")
    elif target.startswith((b"http://", b"https://")):  # absolute form: only the path counts
        after_scheme = target.split(b"//", 1)[1]
        slash = after_scheme.find(b"/")
        raw_path, _, query = (after_scheme[slash:] if slash >= 0 else b"/").partition(b"?")
    elif target == b"*":
        raw_path, query = b"*", b""
    else:
        raise BadHead("target")
    raw_path = raw_path.partition(b"#")[0]
    environ["RAW_URI"] = target.decode("latin-1")
    environ["PATH_INFO"] = unquote_to_bytes(raw_path).decode("latin-1")
    environ["QUERY_STRING"] = query.decode("latin-1")
    return environ


def _client_keeps_alive(environ: dict[str, Any]) -> bool:
    tokens = {t.strip().lower() for t in environ.get("HTTP_CONNECTION", "").split(",")}
    if environ["SERVER_PROTOCOL"] == "HTTP/1.1":
        return "close" not in tokens
    return "keep-alive" in tokens


async def next_chunk_size(reader: "Link", timeout: float, refuse: Callable[[str], Exception]) -> int:
    """The size of the next chunk of a chunked body, the client's or a service's; after the last
    (size 0) its trailers are read and dropped. A malformed size line raises ``refuse(...)``."""
    async with asyncio.timeout(timeout):
        line = await reader.readuntil(b"\r\n")
    try:
        size = int(line.split(b";", 1)[0].strip(), 16)
    except ValueError:
        raise refuse("malformed chunk") from None
    if size == 0:
        async with asyncio.timeout(timeout):
            trailer = b""
            while trailer != b"\r\n":
                trailer = await reader.readuntil(b"\r\n")
    return size


async def end_of_chunk(reader: "Link", timeout: float, refuse: Callable[[str], Exception]) -> None:
    """Read the CRLF that closes a chunk's data."""
    async with asyncio.timeout(timeout):
        if await reader.readexactly(2) != b"\r\n":
            raise refuse("malformed chunk end")


class ClientBody:
    """The client's request body, read from its stream as the service takes it."""

    def __init__(self, reader: Link, *, length: int | None, limit: int, timeout: float) -> None:
        self._reader = reader
        self._remaining = length
        self.chunked = length is None
        self._limit = limit
        self._timeout = timeout
        self.consumed = 0
        self.done = length == 0
        self.failed = False

    async def pieces(self) -> AsyncIterator[bytes]:
        """The body in pieces (de-chunked); raises :class:`BodyTooLarge` or :class:`ClientAborted`."""
        try:
            if self.chunked:
                async for piece in self._chunks():
                    yield piece
                return
            while self._remaining:
                async with asyncio.timeout(self._timeout):
                    piece = await self._reader.read(min(PIECE, self._remaining))
                if not piece:
                    raise ClientAborted("body shorter than its Content-Length")
                self._remaining -= len(piece)
                self._count(len(piece))
                self.done = not self._remaining
                yield piece
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
            self.failed = True
            raise ClientAborted(repr(exc)) from exc
        except (BodyTooLarge, ClientAborted):
            self.failed = True
            raise

    async def _chunks(self) -> AsyncIterator[bytes]:
        reader, timeout = self._reader, self._timeout
        while True:
            size = await next_chunk_size(reader, timeout, ClientAborted)
            if size == 0:
                self.done = True
                return
            while size:
                async with asyncio.timeout(timeout):
                    piece = await reader.read(min(PIECE, size))
                if not piece:
                    raise ClientAborted("body cut in a chunk")
                size -= len(piece)
                self._count(len(piece))
                yield piece
            await end_of_chunk(reader, timeout, ClientAborted)

    async def pump_to(self, sink: Link) -> None:
        """Send the rest of a body of known length to ``sink`` without a copy (:meth:`Link.pump`).

        Raises :class:`ClientAborted` when the client stalls or stops, ConnectionResetError
        when the service's connection is gone (it may have answered early).
        """
        left = self._remaining or 0
        try:
            await self._reader.pump(sink, left, self._timeout)
        except (TimeoutError, asyncio.IncompleteReadError) as exc:
            self.failed = True
            raise ClientAborted(repr(exc)) from exc
        finally:
            self.consumed += self._reader.pumped
            self._remaining = left - self._reader.pumped
            self.done = not self._remaining

    def _count(self, size: int) -> None:
        self.consumed += size
        if self.consumed > self._limit:
            raise BodyTooLarge()

    async def read_all(self) -> bytes:
        """The whole (small) body, so a retried request can send it again."""
        return b"".join([piece async for piece in self.pieces()])

    async def drain(self) -> bool:
        """Read and drop what is left of a small body; False when the connection cannot be kept."""
        if self.done:
            return True
        if self.failed or self._remaining is None or self._remaining > DRAIN_LIMIT:
            return False
        try:
            async for _ in self.pieces():
                continue  # read and dropped, so the connection can carry the next request
        except (BodyTooLarge, ClientAborted):
            return False
        return True


# -- the services -----------------------------------------------------------------------------------


class UpstreamAnswer:
    """A service's answer: status, end-to-end headers, and the body (whole when small, else streamed)."""

    def __init__(self, status: int, reason: str, headers: list[tuple[str, str]], *,
                 data: bytes | None, stream: "_StreamedAnswer | None") -> None:
        self.status = status
        self.reason = reason
        self.headers = headers
        self.data = data
        self.stream = stream


class _StreamedAnswer:
    """A large or open-ended body read from the service piece by piece; frees or closes the connection."""

    def __init__(self, pool: "UpstreamPool", upstream: Upstream, reader: "Link",
                 writer: "Link", *, length: int | None, chunked: bool, keep: bool) -> None:
        self._pool = pool
        self._upstream = upstream
        self._reader = reader
        self._writer: Link | None = writer
        self.length = length
        self.chunked = chunked
        self._keep = keep

    async def pieces(self) -> AsyncIterator[bytes]:
        """A chunked or open-ended body (a known length goes by :meth:`send_to`); raises
        :class:`Unreachable` or :class:`TimedOut` when the service breaks off."""
        reader, timeout = self._reader, self._pool.read_timeout
        try:
            if self.chunked:
                while True:
                    size = await next_chunk_size(reader, timeout, Unreachable)
                    if size == 0:
                        break
                    async for piece in self._exact(size):
                        yield piece
                    await end_of_chunk(reader, timeout, Unreachable)
            else:
                while True:
                    async with asyncio.timeout(timeout):
                        piece = await reader.read(PIECE)
                    if not piece:
                        break
                    yield piece
        except TimeoutError as exc:
            self.discard()
            raise TimedOut("the service stopped in the middle of an answer") from exc
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
            self.discard()
            raise Unreachable(repr(exc)) from exc
        except BaseException:
            self.discard()
            raise
        if self._writer is not None and self._keep:
            self._pool.release(self._upstream, self._reader, self._writer)
            self._writer = None

    async def send_to(self, sink: Link) -> None:
        """A body of known length, moved by the connection itself without a copy (:meth:`Link.pump`)."""
        try:
            await self._reader.pump(sink, self.length or 0, self._pool.read_timeout)
        except TimeoutError as exc:
            self.discard()
            raise TimedOut("the service stopped in the middle of an answer") from exc
        except asyncio.IncompleteReadError as exc:
            self.discard()
            raise Unreachable("the service closed the connection in the middle of a body") from exc
        except BaseException:
            self.discard()
            raise
        if self._writer is not None and self._keep:
            self._pool.release(self._upstream, self._reader, self._writer)
            self._writer = None

    async def _exact(self, size: int) -> AsyncIterator[bytes]:
        reader, timeout = self._reader, self._pool.read_timeout
        while size:
            async with asyncio.timeout(timeout):
                piece = await reader.read(min(PIECE, size))
            if not piece:
                raise Unreachable("the service closed the connection in the middle of a body")
            size -= len(piece)
            yield piece

    def discard(self) -> None:
        """Close the connection (the body was not read to its end)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None


class Link(asyncio.BufferedProtocol):
    """One TCP connection, a client's or a service's: the kernel receives into one buffer.

    It offers what the front needs of a stream reader and writer (``readuntil``,
    ``readexactly``, ``read``, ``write``, ``drain``, ``close``) and :meth:`pump`, which moves a
    body of known length to the other connection straight out of the receive buffer:
    uvloop sends from the buffer itself (it keeps a view of what it could not send at once),
    so reading pauses until the other socket has taken every byte of the previous piece.
    asyncio's stream reader copied every byte of a 10 MiB body twice more in Python
    (``docs/gateway-performance.md``).
    """

    def __init__(self, *, size: int = PIECE, on_made: Callable[["Link"], None] | None = None) -> None:
        self._size = size
        self._on_made = on_made
        self._buffer = bytearray(size)
        self._view = memoryview(self._buffer)
        self._start = 0
        self._end = 0
        self._transport: asyncio.Transport | None = None
        self._eof = False
        self._lost = False
        self._waiter: asyncio.Future[None] | None = None
        self._drained: asyncio.Future[None] | None = None
        self._reading = True
        self._sink: asyncio.WriteTransport | None = None
        self._sink_left = 0
        self._progress = 0
        self.pumped = 0
        """Bytes the last :meth:`pump` moved (also when it failed)."""

    # -- protocol callbacks (the event loop calls these) --

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]
        if self._on_made is not None:
            self._on_made(self)

    def get_buffer(self, sizehint: int) -> memoryview:
        if self._sink is not None:
            return self._view[: min(self._size, self._sink_left)]
        if self._start == self._end:
            self._start = self._end = 0
        elif self._end == self._size:  # unread bytes at the end: move them to the front (heads, chunk lines)
            size = self._end - self._start
            self._buffer[:size] = self._buffer[self._start:self._end]
            self._start, self._end = 0, size
        return self._view[self._end:]

    def buffer_updated(self, nbytes: int) -> None:
        if self._sink is not None:
            if self._sink.is_closing():  # the other side is gone: the pump notices and gives up
                self._pause()
                self._wake()
                return
            self._sink.write(self._view[:nbytes])
            self._sink_left -= nbytes
            self.pumped += nbytes
            self._progress += 1
            if self._sink.get_write_buffer_size() or not self._sink_left:
                self._pause()  # the next piece reuses the buffer: not before the client has all of this one
                self._wake()
            elif self._progress >= PROGRESS_WAKE:
                self._wake()
            return
        else:
            self._end += nbytes
            if self._end == self._size and self._start == 0:
                self._pause()
        self._wake()

    def eof_received(self) -> bool:
        self._eof = True
        self._wake()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._eof = self._lost = True
        self._wake()
        self.resume_writing()  # a writer waiting in drain() wakes and finds the connection lost

    def pause_writing(self) -> None:
        self._drained = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)
        self._drained = None

    # -- what the exchange calls --

    @property
    def transport(self) -> asyncio.Transport:
        assert self._transport is not None, "used before the connection was made"
        return self._transport

    def get_extra_info(self, name: str) -> Any:
        return self.transport.get_extra_info(name)

    def write(self, data: bytes) -> None:
        if self._lost or self._transport is None:
            raise ConnectionResetError("the peer closed the connection")
        self._transport.write(data)

    async def drain(self) -> None:
        """Wait while the transport holds more than its high-water mark; ConnectionResetError once lost."""
        if self._drained is not None:
            await self._drained
        if self._lost:
            raise ConnectionResetError("the peer closed the connection")

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    def is_closing(self) -> bool:
        return self._lost or self._transport is None or self._transport.is_closing()

    def at_eof(self) -> bool:
        return self._eof and self._start == self._end

    async def readuntil(self, separator: bytes) -> bytes:
        """Bytes up to and including ``separator`` (at most 64 KiB: a head or a chunk line)."""
        while True:
            found = self._buffer.find(separator, self._start, self._end)
            if found >= 0:
                end = found + len(separator)
                data = bytes(self._view[self._start:end])
                self._consume(end)
                return data
            if self._end - self._start > MAX_HEAD:
                raise asyncio.LimitOverrunError("head too large", self._end - self._start)
            if self._eof:
                partial = bytes(self._view[self._start:self._end])
                self._consume(self._end)
                raise asyncio.IncompleteReadError(partial, None)
            await self._wait()

    async def read(self, n: int) -> bytes:
        """Up to ``n`` bytes, as soon as some are there; empty at the end of the connection."""
        while self._start == self._end:
            if self._eof:
                return b""
            await self._wait()
        end = min(self._end, self._start + n)
        data = bytes(self._view[self._start:end])
        self._consume(end)
        return data

    async def readexactly(self, n: int) -> bytes:
        """Exactly ``n`` bytes (``n`` up to 1 MiB); IncompleteReadError if the connection ends first."""
        parts: list[bytes] = []
        while n:
            piece = await self.read(n)
            if not piece:
                raise asyncio.IncompleteReadError(b"".join(parts), None)
            parts.append(piece)
            n -= len(piece)
        return b"".join(parts)

    async def pump(self, sink: "Link", size: int, timeout: float) -> None:
        """Move the next ``size`` bytes to ``sink``: what is buffered first, then straight from the kernel.

        Raises TimeoutError or IncompleteReadError when this side stalls or stops, and
        ConnectionResetError when the sink's connection is gone.
        """
        self.pumped = 0
        if self._start < self._end:
            piece = await self.read(size)
            sink.write(piece)
            size -= len(piece)
            self.pumped = len(piece)
            await sink.drain()
        transport = sink.transport
        self._sink, self._sink_left = transport, size  # type: ignore[assignment]
        transport.set_write_buffer_limits(high=0)  # drain() now returns only once every byte is sent
        try:
            while self._sink_left:
                if transport.is_closing():
                    raise ConnectionResetError("the receiving side went away")
                if self._eof:
                    raise asyncio.IncompleteReadError(b"", self._sink_left)
                self._progress = 0
                self._resume()
                async with asyncio.timeout(timeout):  # renewed every PROGRESS_WAKE pieces
                    await self._wait()
                try:
                    async with asyncio.timeout(timeout):
                        await sink.drain()
                except TimeoutError as exc:
                    raise SinkStalled(f"nothing taken for {timeout:g} s") from exc
        finally:
            self._sink = None
            if not transport.is_closing():
                transport.set_write_buffer_limits()
        self._resume()

    # -- internals --

    def _consume(self, end: int) -> None:
        self._start = end
        if self._start == self._end:
            self._start = self._end = 0
        self._resume()

    def _pause(self) -> None:
        if self._reading and self._transport is not None:
            self._reading = False
            self._transport.pause_reading()

    def _resume(self) -> None:
        if not self._reading and not self._lost and self._transport is not None:
            self._reading = True
            self._transport.resume_reading()

    async def _wait(self) -> None:
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)


class UpstreamPool:
    """Kept-alive connections to each service, for one worker's event loop; idle ones are replaced."""

    def __init__(self, *, connect_timeout: float, read_timeout: float, idle_reuse: float,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._idle_reuse = idle_reuse
        self._monotonic = monotonic
        self._idle: dict[Upstream, list[tuple[Link, Link, float]]] = {}

    async def _acquire(self, upstream: Upstream) -> tuple[Link, Link, bool]:
        idle = self._idle.get(upstream)
        if idle:
            now = self._monotonic()
            while idle:
                reader, writer, stamp = idle.pop()
                if now - stamp <= self._idle_reuse and not reader.at_eof() and not writer.is_closing():
                    return reader, writer, True
                writer.close()
        try:
            async with asyncio.timeout(self._connect_timeout):
                _, link = await asyncio.get_running_loop().create_connection(
                    Link, upstream.host, upstream.port, ssl=True if upstream.scheme == "https" else None)
        except (OSError, TimeoutError) as exc:
            raise Unreachable(f"{upstream.host}:{upstream.port}: {exc!r}") from exc
        return link, link, False

    def release(self, upstream: Upstream, reader: Link, writer: Link) -> None:
        """Keep a connection whose answer was read to its end for the next request to ``upstream``."""
        idle = self._idle.setdefault(upstream, [])
        if len(idle) >= IDLE_PER_UPSTREAM:
            writer.close()
            return
        idle.append((reader, writer, self._monotonic()))

    def close(self) -> None:
        """Close every idle connection (the worker is stopping)."""
        for idle in self._idle.values():
            for _, writer, _ in idle:
                writer.close()
        self._idle.clear()

    async def forward(self, plan: Forward, body: ClientBody | None) -> UpstreamAnswer:
        """Send one admitted request and return the answer, its body still streaming when large.

        As ``gateway.upstream.forward``: a reused connection the service closed meanwhile is
        retried once on a new one when the method is idempotent and the body replayable (none,
        a small one read whole first, or a stream of which nothing was read yet).
        """
        upstream = plan.upstream
        head = request_head(plan.method, upstream.base_path + plan.target, upstream.host_header, plan.headers,
                            length=plan.length, has_body=plan.has_body)
        stream = body
        if body is not None and plan.length is not None and plan.length <= CHUNK:
            head += await body.read_all()
            stream = None
        while True:
            reader, writer, reused = await self._acquire(upstream)
            try:
                return await self._exchange(upstream, reader, writer, reused, plan.method, head, stream)
            except (_Stale, ConnectionResetError, BrokenPipeError, ConnectionAbortedError) as exc:
                writer.close()
                if reused and plan.method in IDEMPOTENT and (stream is None or stream.consumed == 0):
                    continue
                raise Unreachable(f"{upstream.host}:{upstream.port}: {exc!r}") from exc
            except TimeoutError as exc:
                writer.close()
                raise TimedOut(f"{upstream.host}:{upstream.port}") from exc
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
                writer.close()
                raise Unreachable(f"{upstream.host}:{upstream.port}: {exc!r}") from exc
            except BaseException:
                writer.close()
                raise

    async def _exchange(self, upstream: Upstream, reader: Link, writer: Link,
                        reused: bool, method: str, head: bytes, body: ClientBody | None) -> UpstreamAnswer:
        cut_short = False
        if body is None:
            writer.write(head)
        else:
            writer.write(head)
            try:
                if body.chunked:
                    async for piece in body.pieces():
                        writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                        async with asyncio.timeout(self.read_timeout):
                            await writer.drain()
                    writer.write(b"0\r\n\r\n")
                else:
                    await body.pump_to(writer)
            except (BrokenPipeError, ConnectionResetError):
                if not body.consumed:
                    raise
                cut_short = True  # the service answered early (e.g. 413) and closed: relay that answer
        try:
            async with asyncio.timeout(self.read_timeout):
                while True:
                    try:
                        raw = await reader.readuntil(b"\r\n\r\n")
                    except asyncio.IncompleteReadError as exc:
                        if reused and not cut_short and not exc.partial:
                            raise _Stale() from exc
                        raise Unreachable("the service closed the connection without answering") from exc
                    lines = raw[:-4].split(b"\r\n")
                    version, status, reason = parse_status_line(lines[0])
                    if status >= 200 or status == 101:
                        break
        except (OSError, asyncio.LimitOverrunError) as exc:
            if cut_short:
                raise Unreachable("the service closed the connection while the body was being sent") from exc
            raise
        raw_headers = [parse_header_line(line) for line in lines[1:]]
        keep = keeps_alive(version, raw_headers) and not cut_short
        headers, length, chunked, keep = response_framing(method, status, raw_headers, keep)
        if length is not None and length <= SMALL_BODY:
            async with asyncio.timeout(self.read_timeout):
                data = await reader.readexactly(length) if length else b""
            if keep:
                self.release(upstream, reader, writer)
            else:
                writer.close()
            return UpstreamAnswer(status, reason, headers, data=data, stream=None)
        stream = _StreamedAnswer(self, upstream, reader, writer, length=length, chunked=chunked, keep=keep)
        return UpstreamAnswer(status, reason, headers, data=None, stream=stream)


# -- one worker ---------------------------------------------------------------------------------------


class Front:
    """One worker's HTTP server: reads each request, asks the core, moves the bytes."""

    def __init__(self, gateway: Gateway, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        settings = gateway.settings
        self._gateway = gateway
        self._pool = UpstreamPool(connect_timeout=settings.upstream_connect_timeout,
                                  read_timeout=settings.upstream_timeout,
                                  idle_reuse=settings.upstream_idle_reuse, monotonic=monotonic)
        self._limit = settings.max_body_bytes
        self._timeout = settings.upstream_timeout
        self._waiting: set[Link] = set()  # connections between two requests
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closing = False
        self._date_second = -1
        self._date = ""

    async def run(self, sock: socket.socket, *, graceful_timeout: float) -> None:
        """Serve on ``sock`` until SIGTERM or SIGINT, then finish the requests under way."""
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        server = await loop.create_server(lambda: Link(size=CLIENT_BUFFER, on_made=self._accept), sock=sock)
        await stop.wait()
        server.close()
        self._closing = True
        for writer in list(self._waiting):
            writer.close()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=graceful_timeout)
        self._pool.close()

    def _accept(self, link: Link) -> None:
        asyncio.get_running_loop().create_task(self.handle(link, link))

    async def handle(self, reader: Link, writer: Link) -> None:
        """One client connection: its requests one after the other while both sides keep it."""
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        peer = writer.get_extra_info("peername")
        remote = peer[0] if isinstance(peer, tuple) else "-"
        timeout = HEAD_TIMEOUT
        try:
            while not self._closing:
                self._waiting.add(writer)
                try:
                    async with asyncio.timeout(timeout):
                        head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.LimitOverrunError:
                    await self._refuse(writer, remote, "Phần đầu của yêu cầu quá lớn.")
                    return
                except (asyncio.IncompleteReadError, TimeoutError, ConnectionError):
                    return
                finally:
                    self._waiting.discard(writer)
                timeout = KEEPALIVE
                if not await self._request(head, reader, writer, remote):
                    return
        except ConnectionError:
            return
        except Exception:  # noqa: BLE001 - a connection's failure must not end the worker
            log.exception("gateway connection from %s failed", remote)
        finally:
            if task is not None:
                self._tasks.discard(task)
            writer.close()

    async def _request(self, head: bytes, reader: Link, writer: Link,
                       remote: str) -> bool:
        """Answer one request; whether the connection can carry the next one."""
        started = time.perf_counter()
        try:
            environ = parse_request(head, remote)
        except BadHead:
            await self._refuse(writer, remote, "Yêu cầu HTTP không hợp lệ.")
            return False
        path = environ["PATH_INFO"]
        if not path.startswith("/api/"):
            return await self._local(environ, reader, writer)
        core = self._gateway
        rid = request_id(environ.get("HTTP_X_REQUEST_ID"))
        context: dict[str, Any] = {}
        body: ClientBody | None = None
        stream: _StreamedAnswer | None = None
        continued = False
        service = "?"
        try:
            plan = core.plan_api(environ, path, rid, context)
            service = plan.service
            if plan.has_body:
                body = ClientBody(reader, length=plan.length, limit=self._limit, timeout=self._timeout)
                if _expects_continue(environ):
                    writer.write(_CONTINUE)
                    continued = True
            answer = await self._pool.forward(plan, body)
            status = f"{answer.status} {answer.reason}"
            headers = core.relay_headers(answer.headers)
            data, stream = answer.data, answer.stream
        except Problem as problem:
            status, headers, parts = core.problem_answer(problem, path, rid)
            data = parts[0]
        except (Unreachable, TimedOut, BodyTooLarge, ClientAborted) as exc:
            status, headers, parts = core.problem_answer(core.upstream_problem(exc, service, rid), path, rid)
            data = parts[0]
        except Exception:  # noqa: BLE001 - the last line of defence: log it, answer problem+json
            log.exception("gateway failed on %s %s (request %s)", environ["REQUEST_METHOD"], path, rid)
            status, headers, parts = core.problem_answer(InternalError(), path, rid)
            data = parts[0]
        core.finish(status, headers, environ, path, rid, started, context)
        if body is None:
            body = self._unread_body(environ, reader)
        keep = _client_keeps_alive(environ) and not self._closing
        if body is not None and not body.done and _expects_continue(environ) and not continued:
            keep = False  # the client may still be waiting for a 100 Continue: do not wait for its body
        keep = await self._answer(writer, environ, status, headers, data, stream, keep)
        if keep and body is not None and not body.done:
            keep = await body.drain()
        return keep

    def _unread_body(self, environ: dict[str, Any], reader: Link) -> ClientBody | None:
        """The body of a request answered without forwarding it, so it can be skipped."""
        length = environ.get("CONTENT_LENGTH")
        if length:
            return ClientBody(reader, length=int(length), limit=self._limit, timeout=self._timeout)
        if "HTTP_TRANSFER_ENCODING" in environ:
            return ClientBody(reader, length=None, limit=self._limit, timeout=self._timeout)
        return None

    async def _answer(self, writer: Link, environ: dict[str, Any], status: str,
                      headers: list[tuple[str, str]], data: bytes | None, stream: _StreamedAnswer | None,
                      keep: bool) -> bool:
        """Write the answer; whether the connection is still usable afterwards."""
        http11 = environ["SERVER_PROTOCOL"] == "HTTP/1.1"
        chunk = False
        if stream is not None and stream.length is None:  # chunked or open-ended from the service
            if http11:
                headers.append(("Transfer-Encoding", "chunked"))
                chunk = True
            else:
                keep = False
        elif data is not None and not any(name.lower() == "content-length" for name, _ in headers):
            code = int(status[:3])
            if environ["REQUEST_METHOD"] != "HEAD" and code not in _NO_BODY_STATUS and code >= 200:
                headers.append(("Content-Length", str(len(data))))
        if not keep:
            headers.append(("Connection", "close"))
        elif not http11:
            headers.append(("Connection", "keep-alive"))
        head = "".join([f"HTTP/1.1 {status}\r\nDate: {self._now()}\r\n",
                        *(f"{name}: {value}\r\n" for name, value in headers), "\r\n"]).encode("latin-1")
        if stream is None:
            writer.write(head + data if data else head)
            await writer.drain()
            return keep
        writer.write(head)
        try:
            if stream.length is not None:
                await stream.send_to(writer)
            else:
                async for piece in stream.pieces():
                    writer.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunk else piece)
                    await writer.drain()
        except (Unreachable, TimedOut) as exc:
            # the status line is already sent: the client sees a cut body, which is the honest signal
            log.warning("a service broke off an answer to %s %s: %s", environ["REQUEST_METHOD"],
                        environ["PATH_INFO"], exc)
            return False
        except BaseException:
            stream.discard()
            raise
        if chunk:
            writer.write(b"0\r\n\r\n")
            await writer.drain()
        return keep

    async def _local(self, environ: dict[str, Any], reader: Link,
                     writer: Link) -> bool:
        """The web app's files and the health checks: the WSGI application itself, in a thread."""
        body = self._unread_body(environ, reader)
        environ.update({
            "wsgi.version": (1, 0), "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr,
            "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False,
            "SERVER_NAME": self._gateway.settings.public_url, "SERVER_PORT": "",
        })
        try:
            status, headers, data = await asyncio.get_running_loop().run_in_executor(None, self._call_wsgi, environ)
        except Exception:  # noqa: BLE001 - the WSGI app answers its own errors; this is its body failing
            rid = request_id(environ.get("HTTP_X_REQUEST_ID"))
            log.exception("gateway failed on %s %s", environ["REQUEST_METHOD"], environ["PATH_INFO"])
            status, headers, parts = self._gateway.problem_answer(InternalError(), environ["PATH_INFO"], rid)
            self._gateway.finish(status, headers, environ, environ["PATH_INFO"], rid, time.perf_counter(), {})
            data = parts[0]
        keep = _client_keeps_alive(environ) and not self._closing and (body is None or not _expects_continue(environ))
        keep = await self._answer(writer, environ, status, headers, data, None, keep)
        if keep and body is not None:
            keep = await body.drain()
        return keep

    def _call_wsgi(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        answer: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> None:
            answer["status"], answer["headers"] = status, list(headers)

        iterable = self._gateway(environ, start_response)
        try:
            data = b"".join(iterable)
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()
        return answer["status"], answer["headers"], data

    async def _refuse(self, writer: Link, remote: str, message: str) -> None:
        """A 400 problem for a request that cannot be parsed; the connection is closed after it."""
        rid = request_id(None)
        status, headers, parts = self._gateway.problem_answer(BadRequest(message), "/", rid)
        environ = {"REQUEST_METHOD": "-", "SERVER_PROTOCOL": "HTTP/1.1", "PATH_INFO": "/", "REMOTE_ADDR": remote}
        self._gateway.finish(status, headers, environ, "/", rid, time.perf_counter(), {})
        try:
            await self._answer(writer, environ, status, headers, parts[0], None, False)
        except ConnectionError:
            return

    def _now(self) -> str:
        second = int(time.time())
        if second != self._date_second:
            self._date_second, self._date = second, formatdate(second, usegmt=True)
        return self._date


def _expects_continue(environ: dict[str, Any]) -> bool:
    return environ["SERVER_PROTOCOL"] == "HTTP/1.1" and environ.get("HTTP_EXPECT", "").lower() == "100-continue"


# -- the process group -------------------------------------------------------------------------------

_SUPERVISED = (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT)


def listen(bind: str) -> socket.socket:
    """A listening TCP socket for ``host:port`` (``[::]:8000`` for IPv6), shared by the workers."""
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"--bind must be host:port, not {bind!r}")
    host = host.strip("[]") or "0.0.0.0"
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, int(port)), family=family, backlog=2048)
    sock.setblocking(False)
    return sock


def serve(factory: Callable[[], Gateway], *, bind: str, workers: int, graceful_timeout: float = 30.0) -> None:
    """Run ``workers`` processes serving the gateway on ``bind`` until SIGTERM or SIGINT.

    ``factory`` builds the gateway inside each worker, after the fork. A worker that dies is
    replaced (after a second when it died within a second of starting, so a broken
    configuration does not spin).
    """
    sock = listen(bind)
    signal.pthread_sigmask(signal.SIG_BLOCK, _SUPERVISED)
    children: dict[int, float] = {}

    def spawn() -> None:
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, _SUPERVISED)
                gateway = factory()
                uvloop.run(Front(gateway).run(sock, graceful_timeout=graceful_timeout))
            except BaseException:  # noqa: BLE001 - reported, then the supervisor starts another worker
                log.exception("gateway worker %s failed", os.getpid())
                code = 1
            finally:
                os._exit(code)
        children[pid] = time.monotonic()

    for _ in range(max(1, workers)):
        spawn()
    stopping_until: float | None = None
    while children:
        info = signal.sigtimedwait(_SUPERVISED, 1.0)
        if info is not None and info.si_signo != signal.SIGCHLD and stopping_until is None:
            stopping_until = time.monotonic() + graceful_timeout + 5
            for pid in children:
                os.kill(pid, signal.SIGTERM)
        while children:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                children.clear()
                break
            if pid == 0:
                break
            born = children.pop(pid, time.monotonic())
            if stopping_until is None:
                log.warning("gateway worker %s exited; starting another", pid)
                if time.monotonic() - born < 1.0:
                    time.sleep(1.0)
                spawn()
        if stopping_until is not None and time.monotonic() > stopping_until:
            for pid in children:
                os.kill(pid, signal.SIGKILL)
    sock.close()
