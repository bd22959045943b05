"""The gateway's asyncio front (``gateway/server.py``) as production starts it, over raw sockets.

What a client other than ours can do to an HTTP server and what the front must answer: two
requests in one write (pipelining), framing that two servers could read differently
(request smuggling), a header that would pose as another tenant's once in the environ,
``Expect: 100-continue``, a refused upload whose small body must not poison the kept-alive
connection, answers without a body (HEAD, 304), a worker killed under it, and SIGTERM.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from services.kernel.testing import TokenFactory
from tests.integration.gateway.test_gateway_under_gunicorn import ROOT, STAND_IN, clean_env, free_port, wait_port

ISSUER = "http://hoso.test/api/identity"


class Front:
    """The stand-in service and, in front of it, ``python -m infra.production --target gateway``."""

    def __init__(self, tmp: Path) -> None:
        self.tokens = TokenFactory(issuer=ISSUER)
        jwks = tmp / "jwks.json"
        jwks.write_text(json.dumps(self.tokens.jwks()))
        service_port = free_port()
        self.service = subprocess.Popen([sys.executable, str(STAND_IN), str(service_port)],
                                        env=clean_env(STAND_IN_JWKS=str(jwks)), cwd=ROOT)
        wait_port(service_port, self.service)
        url = f"http://127.0.0.1:{service_port}"
        self.env = {"HOSO_MODE": "production", "HOSO_JWT_ISSUER": ISSUER, "HOSO_LOG_LEVEL": "WARNING",
                    **{f"HOSO_{s}_URL": url for s in ("IDENTITY", "DOCUMENTS", "APPROVALS", "SIGNING", "NOTIFICATIONS")}}
        self.port, self.gateway = self.start_gateway()

    def start_gateway(self) -> tuple[int, subprocess.Popen]:
        port = free_port()
        process = subprocess.Popen([sys.executable, "-m", "infra.production", "--target", "gateway",
                                    "--workers", "2", "--bind", f"127.0.0.1:{port}"],
                                   env=clean_env(**self.env), cwd=ROOT)
        wait_port(port, process)
        return port, process

    def token(self, tenant: str = "school-a") -> str:
        return self.tokens.issue("u-lan", tenant=tenant, district="d-1", roles=["giao_vien"])

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=30)

    def workers(self) -> list[int]:
        pid = self.gateway.pid
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]

    def close(self) -> None:
        for process in (self.gateway, self.service):
            process.terminate()
            process.wait(timeout=40)


@pytest.fixture(scope="module")
def front(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Front]:
    running = Front(tmp_path_factory.mktemp("asyncio-front"))
    try:
        yield running
    finally:
        running.close()


def read_answer(reader) -> tuple[int, dict[str, str], bytes]:  # noqa: ANN001 - a socket's binary file
    """One HTTP/1.1 answer from a socket file: status, headers (lower-case names), body."""
    status, headers, _ = read_head_answer(reader)
    if status in (100, 204, 304):
        return status, headers, b""
    if headers.get("transfer-encoding") == "chunked":
        body = b""
        while size := int(reader.readline().strip(), 16):
            body += reader.read(size)
            reader.readline()
        reader.readline()
        return status, headers, body
    return status, headers, reader.read(int(headers.get("content-length", "0")))


def get(path: str, token: str, extra: str = "") -> bytes:
    return (f"GET {path} HTTP/1.1\r\nHost: hoso.test\r\nAuthorization: Bearer {token}\r\n{extra}\r\n").encode()


def test_two_requests_in_one_write_are_both_answered_in_order(front: Front) -> None:
    token = front.token()
    with front.connect() as sock, sock.makefile("rb") as reader:
        sock.sendall(get("/api/documents/v1/first", token) + get("/api/documents/v1/second?x=1", token))
        first, second = read_answer(reader), read_answer(reader)
    assert [a[0] for a in (first, second)] == [200, 200]
    assert [json.loads(a[2])["path"] for a in (first, second)] == ["/api/v1/first", "/api/v1/second"]
    assert json.loads(second[2])["query"] == "x=1"
    assert first[1]["x-content-type-options"] == "nosniff"
    assert first[1]["x-request-id"] != second[1]["x-request-id"]


@pytest.mark.parametrize("head", [
    "POST /api/documents/v1/x HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n",
    "POST /api/documents/v1/x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
    "POST /api/documents/v1/x HTTP/1.1\r\nHost: h\r\nContent-Length : 4\r\n\r\n",
    "POST /api/documents/v1/x HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n",
    "GET /api/documents/v1/x HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n folded\r\n\r\n",
    "GET /api/documents/v1/x HTTP/2.0\r\nHost: h\r\n\r\n",
])
def test_framing_two_servers_could_read_differently_is_refused_in_vietnamese(front: Front, head: str) -> None:
    with front.connect() as sock, sock.makefile("rb") as reader:
        sock.sendall(head.encode() + b"abcd")
        status, headers, body = read_answer(reader)
        assert reader.read() == b""  # and the connection is closed: nothing after it is read as a request
    assert (status, headers["content-type"], headers["connection"]) == (400, "application/problem+json", "close")
    assert json.loads(body)["detail"] == "Yêu cầu HTTP không hợp lệ."


def test_no_header_spelling_reaches_the_service_as_a_tenant(front: Front) -> None:
    token = front.token("school-a")
    extra = "X_Tenant: school-b\r\nX-Tenant: school-b\r\nX-Forwarded-Host: evil.test\r\n"
    with front.connect() as sock, sock.makefile("rb") as reader:
        sock.sendall(get("/api/documents/v1/whoami", token, extra))
        status, _, body = read_answer(reader)
    seen = json.loads(body)["headers"]
    assert status == 200
    assert not [name for name in seen if "tenant" in name]
    assert seen["x-forwarded-host"] == "127.0.0.1:8080"  # HOSO_PUBLIC_URL's host, never the client's


def test_an_upload_with_expect_100_continue_is_invited_then_streamed(front: Front) -> None:
    body = os.urandom(3 * 1024 * 1024 + 7)
    head = (f"PUT /api/documents/v1/blob HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer {front.token()}\r\n"
            f"Content-Type: application/octet-stream\r\nContent-Length: {len(body)}\r\n"
            "Expect: 100-continue\r\n\r\n")
    with front.connect() as sock, sock.makefile("rb") as reader:
        sock.sendall(head.encode())
        assert read_answer(reader)[0] == 100
        sock.sendall(body)
        status, _, answer = read_answer(reader)
    echo = json.loads(answer)
    assert (status, echo["received"], echo["sha256"]) == (200, len(body), hashlib.sha256(body).hexdigest())


def test_a_refused_small_upload_leaves_the_connection_usable(front: Front) -> None:
    payload = json.dumps({"tenant": "school-b", "ten": "Nguyễn Văn An"}).encode()
    refused = (f"POST /api/documents/v1/x HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(payload)}\r\n\r\n").encode() + payload
    with front.connect() as sock, sock.makefile("rb") as reader:
        sock.sendall(refused)
        status, headers, body = read_answer(reader)
        assert (status, json.loads(body)["code"]) == (401, "missing-token")
        assert "connection" not in headers
        sock.sendall(get("/api/documents/v1/after", front.token()))
        status, _, body = read_answer(reader)
    assert (status, json.loads(body)["path"]) == (200, "/api/v1/after")


def test_head_and_not_modified_answers_carry_no_body(front: Front) -> None:
    token = front.token()
    with front.connect() as sock, sock.makefile("rb") as reader:
        sock.sendall(b"GET /index.html HTTP/1.1\r\nHost: h\r\n\r\n")
        status, headers, page = read_answer(reader)
        assert (status, headers["content-type"], headers["cache-control"]) == (200, "text/html; charset=utf-8", "no-cache")
        assert b"<html" in page.lower() or b"<!doctype" in page.lower()
        sock.sendall(f"GET /index.html HTTP/1.1\r\nHost: h\r\nIf-None-Match: {headers['etag']}\r\n\r\n".encode())
        status, headers, _ = read_answer(reader)
        assert (status, "transfer-encoding" in headers) == (304, False)
        sock.sendall(b"HEAD /index.html HTTP/1.1\r\nHost: h\r\n\r\n")
        status, headers, _ = read_head_answer(reader)
        assert (status, headers["content-length"]) == (200, str(len(page)))
        sock.sendall(get("/api/documents/v1/next", token))  # nothing stray sits before this answer
        status, _, body = read_answer(reader)
    assert (status, json.loads(body)["path"]) == (200, "/api/v1/next")


def read_head_answer(reader) -> tuple[int, dict[str, str], bytes]:  # noqa: ANN001
    """The answer to a HEAD request: its headers announce a length, no body follows."""
    status = int(reader.readline().split(b" ")[1])
    headers: dict[str, str] = {}
    while (line := reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, b""


def test_a_download_reaches_a_slow_reader_intact_and_the_connection_serves_again(front: Front) -> None:
    size = 12 * 1024 * 1024 + 5  # the front moves it out of one reused 1 MiB buffer: order and bytes must hold
    expected = hashlib.sha256(random.Random(size).randbytes(size)).hexdigest()
    token = front.token()
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)  # the gateway's sends back up
        sock.settimeout(60)
        sock.connect(("127.0.0.1", front.port))
        with sock.makefile("rb") as reader:
            for _ in range(2):  # twice on one connection: the kept-alive service connection is reused
                sock.sendall(get(f"/api/documents/pattern?{size}", token))
                status, headers, _ = read_head_answer(reader)
                assert (status, headers["content-length"]) == (200, str(size))
                digest, left = hashlib.sha256(), size
                while left:
                    piece = reader.read(min(65536, left))
                    digest.update(piece)
                    left -= len(piece)
                    if left % 7 == 0:
                        time.sleep(0.001)
                assert digest.hexdigest() == expected


def test_another_client_library_sees_the_same_gateway(front: Front) -> None:
    with requests.Session() as session:
        session.headers["Authorization"] = "Bearer " + front.token()
        answers = [session.get(f"http://127.0.0.1:{front.port}/api/documents/v1/r{i}", timeout=30) for i in range(3)]
        chunked = session.get(f"http://127.0.0.1:{front.port}/api/documents/chunked", timeout=30)
        missing = session.get(f"http://127.0.0.1:{front.port}/api/khong-co/v1/x", timeout=30)
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert len({a.json()["remote_port"] for a in answers}) >= 1
    assert (chunked.status_code, chunked.content.decode()) == (200, "một hai ba")
    assert (missing.status_code, missing.headers["Content-Type"]) == (404, "application/problem+json")
    assert missing.json()["detail"] == "Không có dịch vụ nào phục vụ địa chỉ /api/khong-co/v1/x."


def test_a_killed_worker_is_replaced_and_the_gateway_keeps_answering(front: Front) -> None:
    before = front.workers()
    assert len(before) == 2
    os.kill(before[0], signal.SIGKILL)
    replaced: list[int] = []
    for _ in range(100):  # bounded: the supervisor notices within a second, a new worker boots in a few
        replaced = front.workers()
        if len(replaced) == 2 and before[0] not in replaced:
            break
        time.sleep(0.2)
    assert len(replaced) == 2 and before[0] not in replaced
    answer = requests.get(f"http://127.0.0.1:{front.port}/api/documents/v1/x",
                          headers={"Authorization": "Bearer " + front.token()}, timeout=30)
    assert answer.status_code == 200


def test_sigterm_lets_a_request_under_way_finish_then_stops(front: Front) -> None:
    port, process = front.start_gateway()
    token = front.token()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock, sock.makefile("rb") as reader:
        sock.sendall(get("/api/documents/slow", token))  # the stand-in answers after a second
        time.sleep(0.3)
        process.send_signal(signal.SIGTERM)
        status, _, body = read_answer(reader)
    assert (status, json.loads(body)["path"]) == (200, "/slow")
    assert process.wait(timeout=40) == 0
