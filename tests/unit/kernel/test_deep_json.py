"""A JSON body nested 100,000 levels deep is a 400 problem+json, never a 500 (issue 10, defect 8).

The depth limit lives in the kernel's ``api.load_json``, which every service's declared routes
parse their bodies with; shown here through the real approvals and identity applications.
"""
from __future__ import annotations

import pytest

from services.approvals.bootstrap import bootstrap as approvals_bootstrap
from services.approvals.entrypoints.app import create_app as approvals_app
from services.identity.bootstrap import bootstrap as identity_bootstrap
from services.identity.entrypoints.app import create_app as identity_app
from services.kernel.api import MAX_JSON_DEPTH, json_depth_exceeds
from services.kernel.messaging import InMemoryPublisher
from services.kernel.testing import TokenFactory

DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.fixture
def tokens() -> TokenFactory:
    return TokenFactory()


def _assert_too_deep(resp) -> None:
    assert resp.status_code == 400
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert body["type"].endswith("/json-too-deep")
    assert body["field"] == "body"
    assert "lồng nhau" in body["title"] and "64" in body["detail"]


def test_approvals_answers_a_deeply_nested_body_with_400(tokens: TokenFactory) -> None:
    container = approvals_bootstrap({"mode": "test", "log_json": False}, environ={}, publisher=InMemoryPublisher(),
                                    verifier=tokens.verifier())
    client = approvals_app(container=container).test_client()
    token = tokens.issue("thhp.giaovien", tenant="th-hoa-phong", district="pgd-hoa-phong", roles=["teacher"])
    for body in (DEEP, b'{"a":' * 100_000 + b"1" + b"}" * 100_000):
        resp = client.post("/api/v1/submissions", data=body, content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})
        _assert_too_deep(resp)


def test_identity_answers_a_deeply_nested_body_with_400(tokens: TokenFactory) -> None:
    container = identity_bootstrap({"mode": "test", "log_json": False, "demo_mode": False}, environ={},
                                   publisher=InMemoryPublisher(), verifier=tokens.verifier())
    client = identity_app(container=container).test_client()
    token = tokens.issue("pgd.admin", district="pgd-hoa-phong", roles=["district_admin"])
    resp = client.post("/api/v1/schools", data=DEEP, content_type="application/json",
                       headers={"Authorization": f"Bearer {token}"})
    _assert_too_deep(resp)


def test_brackets_inside_strings_do_not_count() -> None:
    assert not json_depth_exceeds(b'{"note": "' + b"[" * 500 + b'\\"{{{"}')
    assert not json_depth_exceeds(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH)
    assert json_depth_exceeds(b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1))
