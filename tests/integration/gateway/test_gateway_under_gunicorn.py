"""The gateway as production runs it (``python -m infra.production --target gateway``: its asyncio
front since issue 15; the file keeps its name from the gunicorn days)
in front of real processes: the notifications service under gunicorn, and a stand-in service
that also serves identity's JWKS. Checks what only real servers and sockets show: tokens
verified by both hops through a real JWKS fetch, bodies streamed through gunicorn without
growing the worker, timeouts, and a service that dies and comes back.
"""
from __future__ import annotations

import hashlib
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.kernel.testing import TokenFactory

ROOT = Path(__file__).resolve().parents[3]
STAND_IN = ROOT / "tests" / "unit" / "gateway" / "stand_in.py"
ISSUER = "http://hoso.test/api/identity"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HOSO_", "GUNICORN_", "WEB_CONCURRENCY")) and k not in ("MONGO_URI", "AMQP_URL")}
    env.update(extra)
    return env


def wait_port(port: int, process: subprocess.Popen, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process on port {port} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


def request(port: int, method: str, path: str, body=None, headers: dict[str, str] | None = None,  # noqa: ANN001
            **kw) -> tuple[int, dict[str, str], bytes]:  # noqa: ANN003
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {}, **kw)
        answer = conn.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        conn.close()


class Platform:
    def __init__(self, tmp: Path) -> None:
        self.tokens = TokenFactory(issuer=ISSUER)
        self.jwks = tmp / "jwks.json"
        self.jwks.write_text(json.dumps(self.tokens.jwks()))
        self.processes: dict[str, subprocess.Popen] = {}
        self.ports: dict[str, int] = {}
        self.tmp = tmp

    def start_stand_in(self, name: str, port: int | None = None) -> None:
        port = port or free_port()
        process = subprocess.Popen([sys.executable, str(STAND_IN), str(port)],
                                   env=clean_env(STAND_IN_JWKS=str(self.jwks)), cwd=ROOT)
        wait_port(port, process)
        self.processes[name], self.ports[name] = process, port

    def start_target(self, target: str, env: dict[str, str]) -> None:
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "infra.production", "--target", target, "--bind", f"127.0.0.1:{port}"],
            env=clean_env(**env), cwd=ROOT)
        wait_port(port, process)
        deadline = time.monotonic() + 60  # gunicorn listens before its worker has loaded the app
        while request(port, "GET", "/healthz")[0] != 200:
            assert time.monotonic() < deadline, f"{target} never became healthy"
            time.sleep(0.2)
        self.processes[target], self.ports[target] = process, port

    def stop(self, name: str) -> None:
        process = self.processes.pop(name)
        process.terminate()
        process.wait(timeout=30)

    def bearer(self, **kw) -> dict[str, str]:  # noqa: ANN003
        return {"Authorization": "Bearer " + self.tokens.issue("u-lan", tenant="school-a", district="d-1", **kw)}

    def gateway_worker_peak_rss_kb(self) -> int:
        """Peak resident memory of the gateway's worker process (its only child)."""
        pid = self.processes["gateway"].pid
        worker = int(Path(f"/proc/{pid}/task/{pid}/children").read_text().split()[0])
        for line in Path(f"/proc/{worker}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        raise AssertionError("no VmHWM")


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    tmp = tmp_path_factory.mktemp("gateway-integration")
    running = Platform(tmp)
    try:
        running.start_stand_in("identity")
        running.start_stand_in("approvals")
        identity = f"http://127.0.0.1:{running.ports['identity']}"
        running.start_target("notifications", {
            "HOSO_MODE": "test", "HOSO_IDENTITY_URL": identity, "HOSO_JWT_ISSUER": ISSUER,
            "HOSO_NOTIFICATIONS_MAIL_OUTBOX_DIR": str(tmp / "mail"), "HOSO_LOG_LEVEL": "WARNING"})
        running.start_target("gateway", {
            "HOSO_MODE": "production", "HOSO_JWT_ISSUER": ISSUER, "HOSO_LOG_LEVEL": "WARNING",
            "HOSO_IDENTITY_URL": identity, "HOSO_DOCUMENTS_URL": identity, "HOSO_SIGNING_URL": identity,
            "HOSO_APPROVALS_URL": f"http://127.0.0.1:{running.ports['approvals']}",
            "HOSO_NOTIFICATIONS_URL": f"http://127.0.0.1:{running.ports['notifications']}",
            "HOSO_GATEWAY_UPSTREAM_TIMEOUT": "0.5", "GUNICORN_CMD_ARGS": "--threads 4"})
        yield running
    finally:
        for name in list(running.processes):
            running.stop(name)


def test_a_service_answers_through_the_gateway_and_both_verify_the_token(platform: Platform) -> None:
    port = platform.ports["gateway"]
    status, headers, body = request(port, "GET", "/api/notifications/healthz", headers={"X-Request-Id": "it-1"})
    assert (status, json.loads(body)["service"], headers["x-request-id"]) == (200, "notifications", "it-1")
    status, _, body = request(port, "GET", "/api/notifications/v1/inbox", headers=platform.bearer())
    assert status == 200, body
    assert "items" in json.loads(body)
    status, headers, body = request(port, "GET", "/api/notifications/v1/inbox")
    assert (status, headers["content-type"]) == (401, "application/problem+json")
    expired = platform.bearer(ttl=-3600)
    assert request(port, "GET", "/api/notifications/v1/inbox", headers=expired)[0] == 401


def test_large_bodies_stream_through_gunicorn_without_growing_the_worker(platform: Platform) -> None:
    port, size = platform.ports["gateway"], 64_000_000
    request(port, "GET", "/api/documents/v1/warm-up", headers=platform.bearer())
    before = platform.gateway_worker_peak_rss_kb()
    piece = bytes(range(256)) * 256
    digest = hashlib.sha256()

    def chunks() -> Iterator[bytes]:
        for _ in range(size // len(piece)):
            digest.update(piece)
            yield piece

    status, _, body = request(port, "POST", "/api/documents/v1/files", body=chunks(), encode_chunked=True,
                              headers={**platform.bearer(), "Content-Type": "application/pdf"})
    assert status == 200
    echo = json.loads(body)
    assert (echo["received"], echo["sha256"]) == (size // len(piece) * len(piece), digest.hexdigest())
    status, _, body = request(port, "GET", f"/api/documents/big?{size}", headers=platform.bearer())
    assert (status, len(body)) == (200, size)
    grown_kb = platform.gateway_worker_peak_rss_kb() - before
    assert grown_kb < 16_000, f"the gateway worker grew by {grown_kb} kB for 64 MB bodies"


def test_a_slow_service_gives_504(platform: Platform) -> None:
    status, headers, body = request(platform.ports["gateway"], "GET", "/api/documents/slow", headers=platform.bearer())
    assert (status, headers["content-type"]) == (504, "application/problem+json")
    assert json.loads(body)["title"] == "Dịch vụ phía sau phản hồi quá lâu."


def test_a_service_that_dies_gives_502_and_is_used_again_once_back(platform: Platform) -> None:
    port, approvals_port = platform.ports["gateway"], platform.ports["approvals"]
    for _ in range(8):  # leave kept-alive connections to it in the gateway's threads
        assert request(port, "GET", "/api/approvals/v1/x", headers=platform.bearer())[0] == 200
    platform.stop("approvals")
    status, headers, body = request(port, "GET", "/api/approvals/v1/x", headers=platform.bearer())
    assert (status, headers["content-type"]) == (502, "application/problem+json")
    assert "Traceback" not in body.decode()
    platform.start_stand_in("approvals", approvals_port)
    for _ in range(8):
        assert request(port, "GET", "/api/approvals/v1/x", headers=platform.bearer())[0] == 200
