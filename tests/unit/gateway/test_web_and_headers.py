"""The web app's files, and the headers every answer carries."""
from __future__ import annotations

from gateway.headers import CONTENT_SECURITY_POLICY


def test_files_are_served_with_exact_types_and_revalidated(client) -> None:  # noqa: ANN001
    expected = {
        "/": "text/html; charset=utf-8",
        "/js/main.js": "text/javascript; charset=utf-8",
        "/app.css": "text/css; charset=utf-8",
        "/favicon.svg": "image/svg+xml",
    }
    for path, content_type in expected.items():
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert answer.headers["Content-Type"] == content_type
        assert answer.headers["Cache-Control"] == "no-cache"
        again = client.get(path, headers={"If-None-Match": answer.headers["ETag"]})
        assert again.status_code == 304, path
        assert again.data == b"", f"{path}: a 304 carries no body (gunicorn drops it and warns on every one)"


def test_app_routes_get_index_and_missing_files_get_404(client) -> None:  # noqa: ANN001
    page = client.get("/so-sach/lop-1a")
    assert page.status_code == 200
    assert b"<title>HoSo</title>" in page.data
    missing = client.get("/js/missing.js")
    assert missing.status_code == 404
    assert missing.headers["Content-Type"] == "application/problem+json"
    assert client.get("/../../etc/passwd").status_code in (200, 404)
    assert b"root:" not in client.get("/../../etc/passwd").data


def test_unknown_well_known_paths_are_404_problems_not_the_app(client) -> None:  # noqa: ANN001
    """Relying parties probe ``/.well-known/...`` (issue 16): the web app's page there would read as a 200."""
    for path in ("/.well-known/openid-configuration", "/.well-known/security.txt-missing"):
        answer = client.get(path)
        assert answer.status_code == 404 and answer.headers["Content-Type"] == "application/problem+json"
        assert b"<title>HoSo</title>" not in answer.data


def test_head_on_a_file_has_no_body(client) -> None:  # noqa: ANN001
    answer = client.head("/js/main.js")
    assert answer.status_code == 200
    assert answer.data == b""


def test_every_answer_carries_security_headers(client, bearer) -> None:  # noqa: ANN001
    for answer in (client.get("/"), client.get("/api/documents/v1/x", headers=bearer), client.get("/api/nowhere")):
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Referrer-Policy"] == "same-origin"
        assert answer.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in answer.headers["Content-Security-Policy"]
        assert "Strict-Transport-Security" not in answer.headers


def test_hsts_is_sent_when_published_over_https(make_gateway) -> None:  # noqa: ANN001
    _, client = make_gateway(public_url="https://hoso.example.edu.vn")
    assert client.get("/").headers["Strict-Transport-Security"].startswith("max-age=")


def test_a_services_own_csp_is_kept(client, bearer) -> None:  # noqa: ANN001
    answer = client.get("/api/identity/html", headers=bearer)
    assert answer.headers["Content-Security-Policy"] == "default-src 'none'"


def test_request_ids_go_in_and_come_out(client, bearer) -> None:  # noqa: ANN001
    answer = client.get("/api/documents/v1/x", headers={**bearer, "X-Request-Id": "abc-123"})
    assert answer.headers["X-Request-Id"] == "abc-123"
    assert answer.json["headers"]["x-request-id"] == "abc-123"
    fresh = client.get("/api/documents/v1/x", headers={**bearer, "X-Request-Id": "<script>"})
    assert fresh.headers["X-Request-Id"] != "<script>"
    assert fresh.json["headers"]["x-request-id"] == fresh.headers["X-Request-Id"]
    problem = client.get("/api/nowhere", headers={"X-Request-Id": "r-9"})
    assert problem.headers["X-Request-Id"] == "r-9"
    assert problem.json["request_id"] == "r-9"
