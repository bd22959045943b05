"""Which public path reaches which service path, and what the service receives."""
from __future__ import annotations

import hashlib

from gateway.routes import resolve_api

SERVICES = {"identity", "documents", "approvals", "signing", "notifications"}


def test_versioned_api_maps_under_the_services_api_prefix(client, bearer) -> None:  # noqa: ANN001
    answer = client.get("/api/documents/v1/books/42?cursor=abc&limit=5", headers=bearer)
    assert answer.status_code == 200
    echo = answer.json
    assert echo["path"] == "/api/v1/books/42"
    assert echo["query"] == "cursor=abc&limit=5"
    assert echo["headers"]["x-forwarded-prefix"] == "/api/documents"
    assert answer.headers["X-Served-By"] == "stand-in"


def test_other_paths_map_to_the_service_root_and_healthz_needs_no_token(client) -> None:  # noqa: ANN001
    for service in sorted(SERVICES):
        answer = client.get(f"/api/{service}/healthz")
        assert answer.status_code == 200, service
        assert answer.json["path"] == "/healthz"


def test_status_and_body_of_a_write_come_back_unchanged(client, bearer) -> None:  # noqa: ANN001
    payload = '{"tên": "Sổ điểm"}'.encode()
    answer = client.post("/api/approvals/v1/submissions/create", data=payload,
                         content_type="application/json", headers=bearer)
    assert answer.status_code == 201
    assert answer.json["method"] == "POST"
    assert answer.json["content_type"] == "application/json"
    assert answer.json["received"] == len(payload)
    assert answer.json["sha256"] == hashlib.sha256(payload).hexdigest()


def test_metrics_unknown_services_and_dot_segments_are_not_routed(client, bearer) -> None:  # noqa: ANN001
    for path in ("/api/documents/metrics", "/api/billing/v1/x", "/api/documents/v1/../../metrics",
                 "/api/documents", "/api/documents/", "/api/"):
        answer = client.get(path, headers=bearer)
        assert answer.status_code == 404, path
        assert answer.headers["Content-Type"] == "application/problem+json"
        assert answer.json["title"] == "Không tìm thấy nội dung yêu cầu."


def test_public_routes_are_exactly_the_listed_ones() -> None:
    public = lambda path: resolve_api(path, SERVICES).public  # noqa: E731
    assert public("/api/identity/oauth/token")
    assert public("/api/identity/auth/sign-in")
    assert public("/api/identity/.well-known/openid-configuration")
    assert public("/api/signing/verify/HS-2026-0001")
    assert public("/api/signing/v1/verify")
    assert public("/api/signing/v1/crl/d-1.crl")
    assert public("/api/documents/openapi.json")
    assert public("/api/approvals/v1/public/calendar")
    assert not public("/api/identity/v1/users")
    assert not public("/api/identity/oauthx")
    assert not public("/api/documents/oauth/token")
    assert not public("/api/signing/v1/batches")
    assert not public("/api/signing/verifyx")
    assert not public("/api/documents/readyz")


def test_non_ascii_paths_are_forwarded_percent_encoded(client, bearer) -> None:  # noqa: ANN001
    answer = client.get("/api/documents/v1/folders/L%E1%BB%9Bp%201A", headers=bearer)
    assert answer.status_code == 200
    assert answer.json["path"].encode("latin-1").decode("utf-8") == "/api/v1/folders/Lớp 1A"


def test_a_not_found_problem_names_the_path_as_written(client) -> None:  # noqa: ANN001
    answer = client.get("/api/th%C6%B0-vi%E1%BB%87n/v1/x")
    assert answer.status_code == 404
    assert answer.json["instance"] == "/api/thư-viện/v1/x"
