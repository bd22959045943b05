"""Kept-alive upstream connections: reused while fresh, replaced when idle or closed by the service."""
from __future__ import annotations

import io
import json
import socket
import threading
from collections.abc import Iterator

import pytest

from gateway.upstream import ConnectionPool, RequestBody, Unreachable, Upstream, forward


class Clock:
    def __init__(self) -> None:
        self.now = 10.0

    def __call__(self) -> float:
        return self.now


def test_a_thread_reuses_its_connection_while_it_is_fresh(make_gateway, bearer) -> None:  # noqa: ANN001
    clock = Clock()
    _, client = make_gateway(upstream_idle_reuse=5.0, monotonic=clock)
    first = client.get("/api/documents/v1/a", headers=bearer).json["remote_port"]
    assert client.get("/api/approvals/v1/b", headers=bearer).json["remote_port"] == first
    clock.now += 6.0
    assert client.get("/api/documents/v1/c", headers=bearer).json["remote_port"] != first


def test_an_answer_without_length_is_relayed_whole(client, bearer) -> None:  # noqa: ANN001
    answer = client.get("/api/documents/chunked", headers=bearer)
    assert answer.status_code == 200
    assert answer.get_data(as_text=True) == "một hai ba"
    assert "Transfer-Encoding" not in answer.headers
    assert client.get("/api/documents/v1/after", headers=bearer).json["path"] == "/api/v1/after"


def raw_service(reply: bytes, *, close: bool = True) -> tuple[socket.socket, int]:
    """A service answering every request with ``reply`` bytes, then closing the connection."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += connection.recv(65536)
                connection.sendall(reply)

    threading.Thread(target=serve, daemon=True).start()
    return listener, listener.getsockname()[1]


@pytest.mark.parametrize(
    ("reply", "status", "body"),
    [
        (b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end", 200, b"until the end"),
        (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", 201, b"ok"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n", 200, b"abcde"),
        (b"SSH-2.0-OpenSSH\r\n\r\n", 502, None),
        (b"", 502, None),
    ],
)
def test_what_a_service_sends_back_is_relayed_or_refused(make_gateway, bearer, reply, status, body) -> None:  # noqa: ANN001
    listener, port = raw_service(reply)
    try:
        _, client = make_gateway(documents_url=f"http://127.0.0.1:{port}")
        answer = client.get("/api/documents/v1/x", headers=bearer)
        assert answer.status_code == status
        if body is not None:
            assert answer.data == body
        else:
            assert answer.headers["Content-Type"] == "application/problem+json"
    finally:
        listener.close()


@pytest.fixture()
def one_shot_service() -> Iterator[tuple[int, list[int]]]:
    """A service that answers one request per connection, then closes it without saying so."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[int] = []

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            accepted.append(1)
            with connection:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += connection.recv(65536)
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")

    threading.Thread(target=serve, daemon=True).start()
    yield listener.getsockname()[1], accepted
    listener.close()


def test_a_connection_the_service_closed_is_replaced_without_failing_the_request(one_shot_service) -> None:  # noqa: ANN001
    port, accepted = one_shot_service
    pool = ConnectionPool(connect_timeout=1.0, read_timeout=2.0, idle_reuse=60.0)
    upstream = Upstream.from_url(f"http://127.0.0.1:{port}")
    for _ in range(3):
        answer = forward(pool, upstream, method="GET", target="/healthz", headers=[], body=None)
        assert answer.status == 200
        assert b"".join(answer.body) == b"{}"
    for _ in range(3):  # a small JSON body is read whole first, so an idempotent PUT can be sent again
        payload = b'{"ten": "Lan"}'
        body = RequestBody(stream=io.BytesIO(payload), length=len(payload), limit=1000)
        answer = forward(pool, upstream, method="PUT", target="/api/v1/x", headers=[], body=body)
        assert answer.status == 200
    assert len(accepted) == 6
    # a POST is never repeated: the service might have acted on it before the connection died
    body = RequestBody(stream=io.BytesIO(b"{}"), length=2, limit=1000)
    with pytest.raises(Unreachable):
        forward(pool, upstream, method="POST", target="/api/v1/x", headers=[], body=body)
    assert len(accepted) == 6


def test_an_early_answer_from_a_service_that_stops_reading_the_body_is_relayed(make_gateway, bearer) -> None:  # noqa: ANN001
    problem = json.dumps({"type": "https://hoso.edu.vn/problems/payload-too-large", "code": "payload-too-large",
                          "title": "quá lớn"}).encode()
    reply = (b"HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/problem+json\r\n"
             b"Content-Length: %d\r\n\r\n%s" % (len(problem), problem))
    listener, port = raw_service(reply)
    try:
        _, client = make_gateway(documents_url=f"http://127.0.0.1:{port}")
        answer = client.post("/api/documents/v1/files", data=b"x" * 8_000_000, headers=bearer)
        assert answer.status_code == 413
        assert answer.json["code"] == "payload-too-large" and answer.json["title"] == "quá lớn"
    finally:
        listener.close()
