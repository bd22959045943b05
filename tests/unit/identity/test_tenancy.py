"""Delegated administration bounded to one school, and district/province oversight through the
kernel's audited cross-tenant grant."""
from __future__ import annotations

import re

import pytest

from services.identity.adapters.documents import IdentityDistrictDoc
from services.identity.domain.org import District, School
from services.identity.domain.people import PersonProfile
from services.identity.service_layer.access import Actor
from services.kernel.testing import TokenFactory

from .conftest import ISSUER, browser_login_tokens, csrf_of, sign_in


@pytest.fixture
def other_district(seeded):
    """A second district of the same province, with one school."""
    IdentityDistrictDoc(id="pgd-hoa-son", name="Phòng GD&ĐT Hòa Sơn", province_id="so-da-nang").save()
    school = School.create(slug="th-hoa-son", name="Trường Tiểu học Hòa Sơn", levels=["tieu_hoc"],
                           district=District.create("pgd-hoa-son", "Phòng GD&ĐT Hòa Sơn", "so-da-nang"),
                           units=[("to-1", "Tổ 1", "to_chuyen_mon")])
    head = PersonProfile.create(username="ths.hieutruong", full_name="Lê Văn Sơn", email="hieutruong@hoason.edu.vn")
    seeded.admin.create_school(school, head, actor=Actor("test", None), position="Hiệu trưởng")
    return school


def test_principal_manages_own_school_and_gets_404_for_another(client, tokens_for):
    a = tokens_for("thhp.hieutruong")
    assert client.get("/api/v1/schools/th-hoa-phong/people", headers=a).status_code == 200
    names = [p["full_name"] for p in client.get("/api/v1/schools/th-hoa-phong/people", headers=a).get_json()["items"]]
    assert "Nguyễn Thị Lệ Thủy" in names
    for method, path, body in [
        ("get", "/api/v1/schools/mn-hoa-chau/people", None),
        ("get", "/api/v1/schools/mn-hoa-chau/people/mnhc.giaovien", None),
        ("get", "/api/v1/schools/th-hoa-phong/people/mnhc.giaovien", None),
        ("post", "/api/v1/schools/mn-hoa-chau/people/mnhc.giaovien/memberships", {"role": "van_thu"}),
        ("post", "/api/v1/schools/th-hoa-phong/people/mnhc.giaovien/memberships", {"role": "van_thu"}),
        ("delete", "/api/v1/schools/mn-hoa-chau/memberships/mnhc.giaovien|giao_vien|mn-hoa-chau/to-mau-giao", None),
        ("delete", "/api/v1/schools/th-hoa-phong/memberships/mnhc.giaovien|giao_vien|mn-hoa-chau/to-mau-giao", None),
        ("post", "/api/v1/schools/mn-hoa-chau/people/mnhc.giaovien/password-reset", None),
        ("post", "/api/v1/schools/mn-hoa-chau/people", {"username": "x.y", "full_name": "X Y", "email": "x@y.vn"}),
        ("get", "/api/v1/schools/mn-hoa-chau/delegations", None),
    ]:
        resp = getattr(client, method)(path, headers=a, json=body)
        assert resp.status_code == 404, (method, path, resp.get_json())
        assert resp.content_type == "application/problem+json"


def test_quan_tri_grants_and_revokes_roles_in_own_school_only(client, tokens_for, seeded):
    admin = tokens_for("thhp.quantri")
    resp = client.post("/api/v1/schools/th-hoa-phong/people/thhp.giaovien2/memberships", headers=admin,
                       json={"role": "giao_vien", "unit": "lop-1a"})
    assert resp.status_code == 201, resp.get_json()
    membership = resp.get_json()["id"]
    person = client.get("/api/v1/schools/th-hoa-phong/people/thhp.giaovien2", headers=admin).get_json()
    assert ["giao_vien", "th-hoa-phong/lop-1a"] in [[m["role"], m["unit"]] for m in person["memberships"]]
    assert client.delete(f"/api/v1/schools/th-hoa-phong/memberships/{membership}", headers=admin).status_code == 204
    teacher = tokens_for("thhp.giaovien")
    refused = client.post("/api/v1/schools/th-hoa-phong/people/thhp.giaovien2/memberships", headers=teacher,
                          json={"role": "van_thu", "unit": "to-van-phong"})
    assert refused.status_code == 403
    principal_role = client.post("/api/v1/schools/th-hoa-phong/people/thhp.giaovien2/memberships", headers=admin,
                                 json={"role": "hieu_truong"})
    assert principal_role.status_code == 403
    seeded.relay().relay_once()
    types = seeded.runtime.publisher.types()
    assert "identity.membership.revoked" in types
    entries = seeded.runtime.audit.entries(tenant="th-hoa-phong")
    assert {"membership.granted", "membership.revoked"} <= {e["action"] for e in entries}


def test_district_inspector_reads_every_school_of_the_district_and_none_of_another(client, tokens_for, other_district, seeded):
    inspector = tokens_for("pgd.chuyenvien")
    schools = {s["id"] for s in client.get("/api/v1/schools", headers=inspector).get_json()["items"]}
    assert schools == {"th-hoa-phong", "mn-hoa-chau", "thcs-nguyen-hue"}
    for school in schools:
        resp = client.get(f"/api/v1/schools/{school}/people?reason=Kiểm tra hồ sơ đầu năm", headers=inspector)
        assert resp.status_code == 200 and resp.get_json()["items"]
    assert client.get("/api/v1/schools/th-hoa-son/people", headers=inspector).status_code == 404
    assert client.get("/api/v1/schools/th-hoa-son", headers=inspector).status_code == 404
    assert client.get("/api/v1/schools/th-hoa-son/people/ths.hieutruong", headers=inspector).status_code == 404
    # reading is not changing
    assert client.post("/api/v1/schools/th-hoa-phong/people/thhp.giaovien/memberships", headers=inspector,
                       json={"role": "van_thu"}).status_code == 403
    reads = [e for e in seeded.runtime.audit.entries(limit=500) if e["action"] == "cross_tenant.read"]
    assert reads and all(e["actor"] == "pgd.chuyenvien" for e in reads)
    assert any(e["data"]["reason"] == "Kiểm tra hồ sơ đầu năm" for e in reads)


def test_province_inspector_reads_across_the_districts_of_the_province(client, tokens_for, other_district):
    so = tokens_for("so.chuyenvien")
    schools = {s["id"] for s in client.get("/api/v1/schools", headers=so).get_json()["items"]}
    assert schools == {"th-hoa-phong", "mn-hoa-chau", "thcs-nguyen-hue", "th-hoa-son"}
    assert client.get("/api/v1/schools/th-hoa-son/people", headers=so).status_code == 200


def test_tokens_of_another_issuer_are_refused(client):
    foreign = TokenFactory(issuer="https://elsewhere.example/api/identity")
    token = foreign.issue("thhp.hieutruong", tenant="th-hoa-phong", district="pgd-hoa-vang", roles=["hieu_truong"])
    resp = client.get("/api/v1/schools/th-hoa-phong/people", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 401
    assert ISSUER.endswith("/api/identity")


def test_onboarding_by_the_district_emits_the_event_other_services_consume(client, tokens_for, seeded):
    head = tokens_for("pgd.truongphong")
    resp = client.post("/api/v1/schools", headers=head, json={
        "slug": "thpt-hoa-vang", "name": "Trường THPT Hòa Vang", "levels": ["thpt"],
        "units": [{"slug": "to-toan", "name": "Tổ Toán", "kind": "to_chuyen_mon"}],
        "principal": {"username": "thpthv.hieutruong", "full_name": "Đoàn Văn Minh", "email": "ht@thpthv.edu.vn"}})
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["principal_invited"] and resp.get_json()["principal_temporary_password"] is None
    invitation = seeded.mailer.sent[-1]
    assert invitation["to"] == "ht@thpthv.edu.vn" and "Trường THPT Hòa Vang" in invitation["text"]
    link = re.search(r"/api/identity(/auth/reset/\S+)", invitation["text"]).group(1)
    form = csrf_of(client, link)
    done = client.post(link, data={"csrf": form, "new_password": "Hiệu trưởng 2026", "confirm_password": "Hiệu trưởng 2026"})
    assert done.status_code == 200
    assert sign_in(client, "thpthv.hieutruong", "Hiệu trưởng 2026").headers["Location"] == "passkey"  # then TOTP if declined
    assert client.post("/api/v1/schools", headers=tokens_for("thhp.hieutruong"), json={
        "slug": "x", "name": "X", "levels": ["thpt"],
        "principal": {"username": "x.y", "full_name": "X", "email": "x@y.vn"}}).status_code == 403
    seeded.relay().relay_once()
    event = next(e for e in seeded.runtime.publisher.published if e.type == "identity.school.onboarded" and e.tenant == "thpt-hoa-vang")
    assert event.data == {
        "school_id": "thpt-hoa-vang", "slug": "thpt-hoa-vang", "name": "Trường THPT Hòa Vang", "levels": ["thpt"],
        "district_id": "pgd-hoa-vang", "province_id": "so-da-nang",
        "district_kind": "phong_gddt", "district_name": "Phòng Giáo dục và Đào tạo huyện Hòa Vang",
        "units": [{"id": "thpt-hoa-vang/to-toan", "slug": "to-toan", "name": "Tổ Toán", "kind": "to_chuyen_mon"}],
        "principal_id": "thpthv.hieutruong"}
    assert event.actor == "pgd.truongphong" and event.district == "pgd-hoa-vang"


def test_me_and_the_openapi_document(client, tokens_for):
    me = client.get("/api/v1/me", headers=tokens_for("thhp.giaovien")).get_json()
    assert me["full_name"] == "Nguyễn Thị Lệ Thủy" and me["tenant"] == "th-hoa-phong"
    assert ["giao_vien", "th-hoa-phong/lop-4a"] in me["unit_roles"]
    assert client.get("/api/v1/me").status_code == 401
    paths = client.get("/openapi.json").get_json()["paths"]
    assert {"/api/v1/schools/{school_id}/people", "/api/v1/schools/{school_id}/staff-import",
            "/api/v1/me/sessions/{session_id}"} <= set(paths)


def test_an_administrator_locks_the_account_of_someone_who_left(client, tokens_for, seeded):
    tokens = browser_login_tokens(client, "thhp.giaovien2")
    admin = tokens_for("thhp.quantri")
    resp = client.put("/api/v1/schools/th-hoa-phong/people/thhp.giaovien2/active", headers=admin, json={"active": False})
    assert resp.status_code == 200 and resp.get_json()["active"] is False
    assert sign_in(client, "thhp.giaovien2").status_code == 401
    refused = client.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
                                                "client_id": "hoso-web"})
    assert refused.status_code == 400
    assert client.put("/api/v1/schools/th-hoa-phong/people/thhp.hieutruong/active", headers=admin,
                      json={"active": False}).status_code == 403
    assert client.put("/api/v1/schools/mn-hoa-chau/people/mnhc.giaovien/active", headers=admin,
                      json={"active": False}).status_code == 404
    assert client.put("/api/v1/schools/th-hoa-phong/people/thhp.giaovien2/active", headers=admin,
                      json={"active": True}).get_json()["active"] is True
    assert sign_in(client, "thhp.giaovien2").status_code == 303
    seeded.relay().relay_once()
    assert {"identity.person.deactivated", "identity.person.reactivated"} <= set(seeded.runtime.publisher.types())
