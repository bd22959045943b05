"""A real stand-in service in its own process on a loopback port, and a gateway in front of it."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client

from gateway.app import Gateway, create_app
from services.kernel.testing import TokenFactory


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def service_url(tokens: TokenFactory, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    jwks = tmp_path_factory.mktemp("stand-in") / "jwks.json"
    jwks.write_text(json.dumps(tokens.jwks()))
    process = subprocess.Popen([sys.executable, str(Path(__file__).with_name("stand_in.py")), str(port)],
                               env={**os.environ, "STAND_IN_JWKS": str(jwks)})
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("the stand-in service did not start")
            time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def tokens() -> TokenFactory:
    return TokenFactory()


class FakeMonotonic:
    """A monotonic clock tests move by hand (rate limits, idle connections)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def web_root(tmp_path: Path) -> Path:
    (tmp_path / "js").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>HoSo</title>", encoding="utf-8")
    (tmp_path / "js" / "main.js").write_text("export const x = 1;", encoding="utf-8")
    (tmp_path / "app.css").write_text("body{}", encoding="utf-8")
    (tmp_path / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>", encoding="utf-8")
    return tmp_path


@pytest.fixture()
def make_gateway(service_url: str, tokens: TokenFactory, web_root: Path) -> Callable[..., tuple[Gateway, Client]]:
    def build(**overrides: Any) -> tuple[Gateway, Client]:
        config = {
            "identity_url": service_url,
            "documents_url": service_url,
            "approvals_url": service_url,
            "signing_url": service_url,
            "notifications_url": service_url,
            "web_root": str(web_root),
            "mode": "test",
            **overrides,
        }
        monotonic = config.pop("monotonic", time.monotonic)
        verifier = config.pop("verifier", None) or tokens.verifier()
        app = create_app(config, verifier=verifier, monotonic=monotonic)
        return app, Client(app)

    return build


@pytest.fixture()
def client(make_gateway) -> Client:  # noqa: ANN001
    return make_gateway()[1]


@pytest.fixture()
def bearer(tokens: TokenFactory) -> dict[str, str]:
    token = tokens.issue("u-lan", tenant="school-a", district="d-1", roles=["giao_vien"], name="Nguyễn Thị Lan")
    return {"Authorization": f"Bearer {token}"}
