"""A stand-in service for the gateway tests, run as its own process: ``python stand_in.py PORT``.

It echoes what it received; ``/slow`` waits, ``/big?N`` streams N bytes, ``/pattern?N`` N
pseudo-random bytes (``random.Random(N).randbytes(N)``), ``/chunked`` answers
without a length, ``/html`` sets its own CSP, and ``/oauth/jwks`` serves the JWKS in the file
named by ``STAND_IN_JWKS`` (so it can stand in for identity too). It runs in a separate process so that memory measured in the test process is the
gateway's alone.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from waitress import serve
from werkzeug.wsgi import get_input_stream


def stand_in_service(environ: dict[str, Any], start_response: Callable[..., Any]):
    """The WSGI application of the stand-in service."""
    path = environ["PATH_INFO"]
    if path == "/slow":
        time.sleep(1.0)
    if path == "/big":
        size = int(environ.get("QUERY_STRING") or 0)
        piece = b"x" * 65536

        def pieces() -> Iterator[bytes]:
            sent = 0
            while sent < size:
                chunk = piece[: size - sent]
                sent += len(chunk)
                yield chunk

        start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(size))])
        return pieces()
    if path == "/pattern":  # N bytes that differ everywhere (a misplaced piece changes the digest)
        size = int(environ.get("QUERY_STRING") or 0)
        data = random.Random(size).randbytes(size)
        start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(size))])
        return (data[i:i + 65536] for i in range(0, size, 65536))
    if path == "/oauth/jwks":
        with open(os.environ["STAND_IN_JWKS"], "rb") as jwks:
            body = jwks.read()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]
    if path == "/chunked":
        start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
        return iter([b"m\xe1\xbb\x99t ", b"hai ", b"ba"])
    if path == "/html":
        body = b"<!doctype html><title>x</title>"
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                  ("Content-Security-Policy", "default-src 'none'")])
        return [body]
    stream = get_input_stream(environ, max_content_length=None)
    digest = hashlib.sha256()
    received = 0
    while True:
        chunk = stream.read(65536)
        if not chunk:
            break
        received += len(chunk)
        digest.update(chunk)
    headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
    body = json.dumps(
        {
            "method": environ["REQUEST_METHOD"],
            "path": path,
            "query": environ.get("QUERY_STRING", ""),
            "headers": headers,
            "content_type": environ.get("CONTENT_TYPE", ""),
            "received": received,
            "remote_port": environ.get("REMOTE_PORT"),
            "sha256": digest.hexdigest(),
        }
    ).encode()
    start_response("201 Created" if path.endswith("/create") else "200 OK",
                   [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                    ("X-Served-By", "stand-in")])
    return [body]


if __name__ == "__main__":
    serve(stand_in_service, host="127.0.0.1", port=int(sys.argv[1]), threads=8,
          clear_untrusted_proxy_headers=False, _quiet=True)
