"""Bad input never gives a 500 or a stack trace: each gets its documented problem+json."""
from flask import Blueprint
from pydantic import BaseModel, Field
from pymongo.errors import ServerSelectionTimeoutError

import pytest

from services.kernel.api import Api
from services.kernel.web import make_service_app


class Payload(BaseModel):
    title: str = Field(min_length=1)
    count: int = 1


@pytest.fixture
def client(tokens):
    api = Api(title="t")
    bp = Blueprint("x", __name__, url_prefix="/api/v1")

    @api.route(bp, "/things", methods=["POST"], body=Payload, status=201)
    def create(body: Payload):
        return {"title": body.title}

    @api.route(bp, "/boom")
    def boom():
        raise RuntimeError("secret internals")

    @api.route(bp, "/database-away")
    def database_away():
        raise ServerSelectionTimeoutError("127.0.0.1:27017: timed out")

    app = make_service_app(name="t", verifier=tokens.verifier(), api=api, blueprints=[bp], max_body=1024)
    return app.test_client()


def _is_problem(resp, status, slug):
    assert resp.status_code == status
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert body["type"].endswith("/" + slug) and body["title"] and body["status"] == status
    return body


def test_valid_request_passes(client):
    r = client.post("/api/v1/things", json={"title": "Kế hoạch"})
    assert r.status_code == 201 and r.get_json() == {"title": "Kế hoạch"}


def test_malformed_json(client):
    _is_problem(client.post("/api/v1/things", data=b"{not json", content_type="application/json"), 400, "malformed-json")


def test_wrong_content_type(client):
    _is_problem(client.post("/api/v1/things", data=b"title=x", content_type="application/x-www-form-urlencoded"), 415, "unsupported-media-type")


def test_invalid_field_is_named(client):
    body = _is_problem(client.post("/api/v1/things", json={"title": ""}), 422, "validation-failed")
    assert body["field"] == "title"


def test_oversized_body(client):
    _is_problem(client.post("/api/v1/things", data=b"x" * 5000, content_type="application/json"), 413, "payload-too-large")


def test_unknown_route_and_method(client):
    _is_problem(client.get("/api/v1/nothing-here"), 404, "not-found")
    _is_problem(client.delete("/api/v1/things"), 405, "method-not-allowed")


def test_bad_and_expired_tokens(client, tokens):
    _is_problem(client.post("/api/v1/things", json={"title": "x"}, headers={"Authorization": "Bearer nope"}), 401, "invalid-token")
    _is_problem(client.post("/api/v1/things", json={"title": "x"}, headers={"Authorization": "Bearer "}), 401, "invalid-token")
    expired = tokens.issue("a", ttl=-120)
    _is_problem(client.post("/api/v1/things", json={"title": "x"}, headers={"Authorization": f"Bearer {expired}"}), 401, "token-expired")


def test_unexpected_error_hides_internals(client):
    body = _is_problem(client.get("/api/v1/boom"), 500, "internal-error")
    assert "secret" not in str(body)


def test_request_id_is_echoed(client):
    r = client.get("/healthz", headers={"X-Request-Id": "abc-123"})
    assert r.headers["X-Request-Id"] == "abc-123"
    assert client.get("/healthz").headers["X-Request-Id"]


def test_openapi_lists_the_declared_route(client):
    doc = client.get("/openapi.json").get_json()
    assert doc["openapi"].startswith("3.") and "post" in doc["paths"]["/api/v1/things"]
    assert "Payload" in doc["components"]["schemas"]


def test_a_database_that_does_not_answer_gives_503_to_retry_not_500(client):
    body = _is_problem(client.get("/api/v1/database-away"), 503, "database-unavailable")
    assert body["code"] == "database-unavailable" and "Cơ sở dữ liệu" in body["detail"]
    assert "27017" not in str(body)
