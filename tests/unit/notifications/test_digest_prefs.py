"""Digest opt-ins: a principal the daily one, district staff the weekly one; each person only their own."""
from __future__ import annotations

import pytest

from services.kernel.messaging import InMemoryPublisher
from services.notifications.bootstrap import bootstrap
from services.notifications.entrypoints.app import create_app


@pytest.fixture
def client(tokens):
    c = bootstrap({"mode": "test"}, environ={}, verifier=tokens.verifier(), publisher=InMemoryPublisher())
    return create_app(container=c).test_client()


def _as(tokens, sub, **kw):
    return {"Authorization": "Bearer " + tokens.issue(sub, **kw)}


def test_off_until_opted_in_and_only_mine(client, tokens):
    head = _as(tokens, "ht.minh", tenant="th-hoa-phong", district="pgd-hoa-vang", roles=["hieu_truong"])
    assert client.get("/api/v1/digests", headers=head).get_json() == {"daily": False, "weekly": False}
    assert client.put("/api/v1/digests", json={"daily": True}, headers=head).get_json() == {"daily": True, "weekly": False}
    assert client.get("/api/v1/digests", headers=head).get_json() == {"daily": True, "weekly": False}
    other = _as(tokens, "ht.khac", tenant="thcs-nguyen-hue", district="pgd-hoa-vang", roles=["hieu_truong"])
    assert client.get("/api/v1/digests", headers=other).get_json() == {"daily": False, "weekly": False}
    assert client.put("/api/v1/digests", json={"daily": False}, headers=head).get_json()["daily"] is False


@pytest.mark.parametrize("body, claims, field, detail", [
    ({"daily": True}, {"tenant": "th-hoa-phong", "roles": ["giao_vien"]}, "daily",
     "Chỉ hiệu trưởng mới nhận được bản tin tiến độ hằng ngày của trường."),
    ({"weekly": True}, {"tenant": "th-hoa-phong", "district": "pgd-hoa-vang", "roles": ["hieu_truong"]}, "weekly",
     "Chỉ cán bộ Phòng GD&ĐT mới nhận được bản tin tiến độ hằng tuần."),
])
def test_only_those_the_digest_is_for_may_opt_in(client, tokens, body, claims, field, detail):
    resp = client.put("/api/v1/digests", json=body, headers=_as(tokens, "someone", **claims))
    assert resp.status_code == 403
    assert (resp.get_json()["field"], resp.get_json()["detail"]) == (field, detail)


def test_unknown_fields_are_refused(client, tokens):
    head = _as(tokens, "ht.minh", tenant="th-hoa-phong", district="pgd-hoa-vang", roles=["hieu_truong"])
    assert client.put("/api/v1/digests", json={"hourly": True}, headers=head).status_code == 422
