"""The socket-reading request body against gunicorn's own parser, over a real socket pair.

Each test writes raw HTTP/1.1 to one end of a socket pair and lets gunicorn's
``RequestParser`` parse the other end, as a worker does; ``pre_request`` then swaps the body.
What must hold: the application reads exactly the body (whatever sizes it asks for), and the
next request on the connection starts where gunicorn expects it.
"""
from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from gunicorn.http.parser import RequestParser

from infra.production import GUNICORN_DEFAULTS
from infra.request_body import SocketBody, pre_request

WORKER = SimpleNamespace(log=logging.getLogger("test.request_body"))


@pytest.fixture()
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    client, server = socket.socketpair()
    yield client, server
    client.close()
    server.close()


def send_later(sock: socket.socket, data: bytes, *, close: bool = False) -> threading.Thread:
    """Write from another thread: the socket buffer is smaller than the bodies."""

    def write() -> None:
        sock.sendall(data)
        if close:
            sock.shutdown(socket.SHUT_WR)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def put(body: bytes, path: str = "/up") -> bytes:
    return b"PUT %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (path.encode(), len(body), body)


def parsed(server: socket.socket) -> tuple[RequestParser, object]:
    parser = RequestParser(Config(), server, ("127.0.0.1", 1))
    req = next(parser)
    pre_request(WORKER, req)
    return parser, req


def test_production_installs_the_hook_for_every_http_target() -> None:
    assert GUNICORN_DEFAULTS["pre_request"] is pre_request


@pytest.mark.parametrize("size", [1, 1000, 64 * 1024, 1024 * 1024 + 7])
def test_reads_exactly_the_body_in_any_piece_size_and_the_next_request_follows(pair, size: int) -> None:
    client, server = pair
    body = os.urandom(min(3 * 1024 * 1024 + 5, size * 20_000))  # byte by byte: a small body
    writer = send_later(client, put(body) + b"GET /next HTTP/1.1\r\nHost: x\r\n\r\n")
    parser, req = parsed(server)
    assert isinstance(req.body, SocketBody)
    pieces = []
    while piece := req.body.read(size):
        assert len(piece) == size or req.body.remaining == 0  # full reads, as gunicorn's own reader
        pieces.append(piece)
    assert b"".join(pieces) == body
    writer.join()
    following = next(parser)
    assert (following.method, following.path) == ("GET", "/next")


def test_readinto_fills_the_buffer_and_read_all_takes_the_rest(pair) -> None:
    client, server = pair
    body = os.urandom(2 * 1024 * 1024)
    writer = send_later(client, put(body))
    _, req = parsed(server)
    buffer = bytearray(1024 * 1024 + 3)
    assert req.body.readinto(buffer) == len(buffer)
    assert bytes(buffer) == body[: len(buffer)]
    assert req.body.read() == body[len(buffer):]
    assert req.body.read(10) == b"" and req.body.readinto(buffer) == 0
    writer.join()


def test_lines_cross_what_gunicorn_had_buffered_and_what_is_still_in_the_socket(pair) -> None:
    client, server = pair
    lines = [b"dong %d\n" % i for i in range(5000)] + [b"no newline at the end"]
    body = b"".join(lines)
    writer = send_later(client, put(body))
    _, req = parsed(server)
    assert req.body.readline() == lines[0]
    assert req.body.readline(3) == lines[1][:3]
    assert req.body.readline() == lines[1][3:]
    assert list(req.body) == lines[2:]
    writer.join()


def test_unread_body_is_drained_by_gunicorn_before_the_next_request(pair) -> None:
    client, server = pair
    body = os.urandom(300_000)
    writer = send_later(client, put(body) + put(b"second", "/two"))
    parser, req = parsed(server)
    assert req.body.read(10) == body[:10]  # an early answer (e.g. 413) that reads no further
    following = next(parser)
    pre_request(WORKER, following)
    assert following.path == "/two" and following.body.read() == b"second"
    writer.join()


def test_a_client_that_stops_early_marks_the_body_failed(pair) -> None:
    client, server = pair
    body = os.urandom(100_000)
    raw = put(body)
    writer = send_later(client, raw[: len(raw) - 1000], close=True)
    parser, req = parsed(server)
    received = req.body.read()
    assert received == body[:-1000]
    assert req.body.failed is True
    assert parser.finish_body() is False  # gunicorn then closes the connection
    writer.join()


def test_chunked_and_empty_bodies_keep_gunicorns_reader(pair) -> None:
    client, server = pair
    chunked = b"POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
    writer = send_later(client, chunked + b"GET /e HTTP/1.1\r\nHost: x\r\n\r\n")
    parser, req = parsed(server)
    assert not isinstance(req.body, SocketBody)
    assert req.body.read() == b"hello"
    following = next(parser)
    pre_request(WORKER, following)
    assert not isinstance(following.body, SocketBody) and following.body.read() == b""
    writer.join()


def test_body_bytes_gunicorn_read_with_the_headers_are_not_lost(pair) -> None:
    client, server = pair
    body = b"small body that arrives with its headers"
    client.sendall(put(body) + put(body, "/again"))
    parser, req = parsed(server)
    assert hashlib.sha256(req.body.read(7) + req.body.read()).digest() == hashlib.sha256(body).digest()
    again = next(parser)
    pre_request(WORKER, again)
    assert again.path == "/again" and again.body.read() == body


def test_readlines_stops_after_the_hint_and_iteration_gives_the_rest(pair) -> None:
    client, server = pair
    lines = [b"hang %d\n" % i for i in range(100)]
    client.sendall(put(b"".join(lines)))
    _, req = parsed(server)
    assert req.body.readlines(20) == lines[:3]  # each line is 7 or 8 bytes: the hint is passed on the third
    assert list(req.body) == lines[3:]
    assert req.body.readlines() == []
