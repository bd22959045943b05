"""Request bodies under a real gunicorn with production's settings (the socket-reading body).

A Flask service started with ``infra.production``'s ``GUNICORN_DEFAULTS`` receives uploads on
one kept-alive connection, read the ways services read them (``request.stream`` in 64 KiB
pieces, which werkzeug turns into ``readinto``; ``request.get_data()``), plus a request it
answers without reading its body (under 64 KiB, which gunicorn drains; a larger one makes it
close the connection, with its own reader as with ours): every answer carries the right digest and the connection
keeps serving the requests behind.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.allinone import free_port

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]

SERVER = """
import hashlib, sys
from flask import Flask, request
from infra.production import GUNICORN_DEFAULTS, GunicornApplication

def build():
    app = Flask("bodies")

    @app.put("/stream")
    def stream():
        digest, size = hashlib.sha256(), 0
        while piece := request.stream.read(64 * 1024):
            digest.update(piece)
            size += len(piece)
        return {"sha256": digest.hexdigest(), "bytes": size}

    @app.put("/whole")
    def whole():
        return {"sha256": hashlib.sha256(request.get_data()).hexdigest()}

    @app.put("/refuse")
    def refuse():
        return {"refused": True}, 413

    return app

sys.argv = [sys.argv[0]]
GunicornApplication(build, {**GUNICORN_DEFAULTS, "bind": ["127.0.0.1:%s" % PORT], "workers": 1,
                            "loglevel": "warning"}).run()
"""



@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOSO_", "GUNICORN_", "WEB_CONCURRENCY"))}
    process = subprocess.Popen([sys.executable, "-c", SERVER.replace("PORT", str(port))], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the gunicorn server did not start") from None
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_uploads_on_one_kept_alive_connection_arrive_whole(port: int) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        for path, size in [("/stream", 10 * 1024 * 1024 + 3), ("/whole", 700_001), ("/stream", 1),
                           ("/refuse", 60_000), ("/whole", 5_000_000), ("/stream", 0)]:
            body = os.urandom(size)
            conn.request("PUT", path, body=body, headers={"Content-Type": "application/octet-stream"})
            answer = conn.getresponse()
            data = answer.read()
            if path == "/refuse":
                assert answer.status == 413
                continue
            assert answer.status == 200, data
            assert hashlib.sha256(body).hexdigest() in data.decode()
            assert answer.getheader("Connection", "").lower() != "close"
    finally:
        conn.close()
