"""Large bodies pass through in pieces: an upload or download is never held whole in memory."""
from __future__ import annotations

import hashlib
import tracemalloc

SIZE = 40_000_000


class Generated:
    """A readable stream of ``size`` bytes made on demand, hashing what it hands out."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        size = self.left if size < 0 else min(size, self.left)
        chunk = bytes((self.left + i) % 251 for i in range(min(size, 251))) * (size // 251 + 1)
        chunk = chunk[:size]
        self.left -= size
        self.digest.update(chunk)
        return chunk


def peak_while(action) -> tuple[object, int]:  # noqa: ANN001
    tracemalloc.start()
    try:
        result = action()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_an_upload_with_a_length_streams_to_the_service(client, bearer) -> None:  # noqa: ANN001
    body = Generated(SIZE)
    answer, peak = peak_while(lambda: client.post(
        "/api/documents/v1/files", content_type="application/pdf", headers=bearer,
        environ_overrides={"wsgi.input": body, "CONTENT_LENGTH": str(SIZE)}))
    assert answer.status_code == 200
    assert answer.json["received"] == SIZE
    assert answer.json["sha256"] == body.digest.hexdigest()
    assert peak < SIZE / 8


def test_a_chunked_upload_streams_to_the_service(client, bearer) -> None:  # noqa: ANN001
    body = Generated(SIZE)
    answer, peak = peak_while(lambda: client.post(
        "/api/documents/v1/files", headers={**bearer, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input": body, "wsgi.input_terminated": True}))
    assert answer.json["received"] == SIZE
    assert answer.json["sha256"] == body.digest.hexdigest()
    assert peak < SIZE / 8


def test_a_download_streams_back_to_the_client(client, bearer) -> None:  # noqa: ANN001
    def download() -> int:
        answer = client.get(f"/api/documents/big?{SIZE}", headers=bearer, buffered=False)
        assert answer.status_code == 200
        assert answer.headers["Content-Length"] == str(SIZE)
        received = 0
        for chunk in answer.response:
            received += len(chunk)
        answer.close()
        return received

    received, peak = peak_while(download)
    assert received == SIZE
    assert peak < SIZE / 8


def test_a_download_abandoned_midway_does_not_spoil_the_next_request(client, bearer) -> None:  # noqa: ANN001
    answer = client.get(f"/api/documents/big?{SIZE}", headers=bearer, buffered=False)
    next(iter(answer.response))
    answer.close()
    assert client.get("/api/documents/v1/books", headers=bearer).json["path"] == "/api/v1/books"
