"""Tokens at the edge: refused before forwarding, passed on unchanged when valid."""
from __future__ import annotations

from services.kernel.testing import TokenFactory


def test_a_missing_token_is_refused_with_problem_json(client) -> None:  # noqa: ANN001
    answer = client.get("/api/documents/v1/books")
    assert answer.status_code == 401
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert answer.json["title"] == "Bạn cần đăng nhập để tiếp tục."
    assert answer.json["type"].endswith("/missing-token")


def test_an_expired_token_is_refused_as_expired(client, tokens) -> None:  # noqa: ANN001
    old = tokens.issue("u-old", tenant="school-a", ttl=-3600)
    answer = client.get("/api/documents/v1/books", headers={"Authorization": f"Bearer {old}"})
    assert answer.status_code == 401
    assert answer.json["type"].endswith("/token-expired")


def test_a_token_from_another_key_or_garbage_is_refused(client) -> None:  # noqa: ANN001
    forged = TokenFactory().issue("u-lan", tenant="school-a")
    for token in (forged, "not-a-jwt"):
        answer = client.get("/api/documents/v1/books", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 401
        assert answer.json["type"].endswith("/invalid-token")


def test_a_valid_token_is_forwarded_unchanged(client, bearer) -> None:  # noqa: ANN001
    answer = client.get("/api/documents/v1/books", headers=bearer)
    assert answer.status_code == 200
    assert answer.json["headers"]["authorization"] == bearer["Authorization"]


def test_headers_claiming_a_tenant_or_user_never_reach_a_service(client, bearer) -> None:  # noqa: ANN001
    forged = {
        "X-Tenant-Id": "school-b",
        "X-Hoso-Tenant": "school-b",
        "X-User-Id": "admin",
        "X-Forwarded-For": "10.9.9.9",
        "X-Principal": "admin",
        "Forwarded": "for=10.9.9.9",
    }
    answer = client.get("/api/documents/v1/books", headers={**bearer, **forged, "Host": "evil.example"})
    received = answer.json["headers"]
    assert received["x-forwarded-host"] == "127.0.0.1:8080"  # the published host (HOSO_PUBLIC_URL)
    assert not any(name.startswith(("x-tenant", "x-hoso", "x-user", "x-principal", "forwarded")) for name in received)
    assert received["x-forwarded-for"] != "10.9.9.9"


def test_public_routes_need_no_token(client) -> None:  # noqa: ANN001
    for path in ("/api/identity/oauth/jwks", "/api/identity/.well-known/openid-configuration",
                 "/api/identity/auth/sign-in", "/api/signing/verify/HS-1", "/api/signing/v1/verify"):
        assert client.get(path).status_code == 200, path


def test_without_an_injected_verifier_the_keys_come_from_identitys_jwks(service_url, tokens, web_root) -> None:  # noqa: ANN001
    from werkzeug.test import Client

    from gateway.app import create_app

    urls = {f"{s}_url": service_url for s in ("identity", "documents", "approvals", "signing", "notifications")}
    client = Client(create_app({**urls, "jwt_issuer": tokens.issuer, "web_root": str(web_root)}))
    token = tokens.issue("u-lan", tenant="school-a")
    assert client.get("/api/documents/v1/books", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    other_issuer = TokenFactory(issuer="http://elsewhere/api/identity", kid=tokens.kid)
    assert client.get("/api/documents/v1/books",
                      headers={"Authorization": "Bearer " + other_issuer.issue("u-lan")}).status_code == 401


def test_a_token_goes_only_to_the_services_its_audience_names_even_once_cached(client, tokens) -> None:  # noqa: ANN001
    """The edge caches a verified token, but checks the route's service on every request: a
    token for documents, already let through once, is still refused on its way to approvals."""
    narrowed = {"Authorization": "Bearer " + tokens.issue("u-lan", tenant="school-a", audience=["hoso-documents"])}
    assert client.get("/api/documents/v1/books", headers=narrowed).status_code == 200
    for path in ("/api/approvals/v1/submissions", "/api/signing/v1/credentials"):
        answer = client.get(path, headers=narrowed)
        assert answer.status_code == 401
        assert 'error="invalid_token"' in answer.headers["WWW-Authenticate"]
        assert answer.json["detail"] == "Mã truy cập không dành cho dịch vụ này."
    assert client.get("/api/documents/v1/books", headers=narrowed).status_code == 200
