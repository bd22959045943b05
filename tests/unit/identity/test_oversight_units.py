"""The organisation as it is in 2026, through the HTTP API: a province's Sở onboards its oversight
units (a legacy Phòng GD&ĐT or a UBND xã/phường), their staff and their schools; each unit's
staff see their own unit's schools only, the Sở sees every unit of its province and nothing of
another province; every id placed in a body is checked against the caller's place in the tree."""
from __future__ import annotations

import pytest

from services.identity.adapters.documents import IdentityDistrictDoc, IdentityProvinceDoc, IdentitySchoolDoc
from services.identity.domain.people import Membership, PersonProfile
from services.identity.service_layer.access import Actor

SO = "so.chuyenvien"  # demo: chuyên viên Sở GD&ĐT Đà Nẵng
DEMO_UNIT = "pgd-hoa-vang"


def school_body(slug: str, name: str, head: str, **extra) -> dict:
    return {"slug": slug, "name": name, "levels": ["tieu_hoc"], "units": [{"slug": "to-1", "name": "Tổ 1",
                                                                           "kind": "to_chuyen_mon"}],
            "principal": {"username": f"{head}.hieutruong", "full_name": "Phạm Minh Tâm", "email": f"{head}@truong.edu.vn"},
            **extra}


def staff_body(username: str, role: str, full_name: str = "Võ Thị Hạnh") -> dict:
    return {"username": username, "full_name": full_name, "email": f"{username}@uy-ban.gov.vn", "role": role}


@pytest.fixture
def other_province(seeded):
    """Sở GD&ĐT Quảng Nam with one inspector and one unit of its own."""
    IdentityProvinceDoc(id="so-quang-nam", name="Sở GD&ĐT Quảng Nam").save()
    IdentityDistrictDoc(id="ubnd-xa-duy-xuyen", name="UBND xã Duy Xuyên", province_id="so-quang-nam",
                        kind="ubnd_xa").save()
    person = seeded.admin.ensure_person(
        PersonProfile.create(username="sqn.chuyenvien", full_name="Đặng Văn Lâm", email="lam@quangnam.edu.vn"),
        actor=Actor("test", None), tenant=None, district=None).person
    seeded.admin.grant_staff_role(Membership.create(person_id=person.id, role="chuyen_vien_so",
                                                    province_id="so-quang-nam"), actor=Actor("test", None))
    return "sqn.chuyenvien"


def onboard_unit(client, headers, slug: str, name: str, kind: str, province: str = "so-da-nang"):
    return client.post("/api/v1/districts", headers=headers,
                       json={"province_id": province, "slug": slug, "name": name, "kind": kind})


def test_so_phong_school_shape_onboarded_through_the_api_and_isolated(client, tokens_for, seeded, other_province):
    so = tokens_for(SO)
    resp = onboard_unit(client, so, "pgd-hoa-son", "Phòng GD&ĐT huyện Hòa Sơn", "phong_gddt")
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json() == {"id": "pgd-hoa-son", "name": "Phòng GD&ĐT huyện Hòa Sơn", "kind": "phong_gddt",
                                    "kind_name": "Phòng GD&ĐT", "province_id": "so-da-nang", "school_count": 0}
    head = client.post("/api/v1/districts/pgd-hoa-son/staff", headers=so, json=staff_body("hs.truongphong", "truong_phong"))
    assert head.status_code == 201, head.get_json()
    assert head.get_json()["staff"]["role_name"] == "Trưởng phòng GD&ĐT"
    assert head.get_json()["temporary_password"]

    tp = tokens_for("hs.truongphong")
    school = client.post("/api/v1/schools", headers=tp, json=school_body("th-hoa-son", "Trường Tiểu học Hòa Sơn", "ths"))
    assert school.status_code == 201, school.get_json()
    assert school.get_json()["school"]["district_id"] == "pgd-hoa-son"
    inspector = client.post("/api/v1/districts/pgd-hoa-son/staff", headers=tp,
                            json=staff_body("hs.chuyenvien", "chuyen_vien", "Hồ Văn Nam"))
    assert inspector.status_code == 201, inspector.get_json()

    # the unit's staff read their own unit and nothing of the demo unit's schools
    cv = tokens_for("hs.chuyenvien")
    own = client.get("/api/v1/districts/pgd-hoa-son/schools", headers=cv)
    assert [s["id"] for s in own.get_json()["items"]] == ["th-hoa-son"]
    assert {s["id"] for s in client.get("/api/v1/schools", headers=cv).get_json()["items"]} == {"th-hoa-son"}
    assert client.get(f"/api/v1/districts/{DEMO_UNIT}/schools", headers=cv).status_code == 404
    assert client.get(f"/api/v1/districts/{DEMO_UNIT}/staff", headers=cv).status_code == 404
    for school_id in ("th-hoa-phong", "mn-hoa-chau"):
        assert client.get(f"/api/v1/schools/{school_id}", headers=cv).status_code == 404
        assert client.get(f"/api/v1/schools/{school_id}/people", headers=cv).status_code == 404
    # and the demo unit's staff nothing of the new one
    demo_cv = tokens_for("pgd.chuyenvien")
    assert client.get("/api/v1/districts/pgd-hoa-son/schools", headers=demo_cv).status_code == 404
    assert client.get("/api/v1/schools/th-hoa-son/people", headers=demo_cv).status_code == 404

    # the Sở reads both units' schools; another province's Sở reads none of them
    assert [s["id"] for s in client.get("/api/v1/districts/pgd-hoa-son/schools", headers=so).get_json()["items"]] == ["th-hoa-son"]
    units = {u["id"]: u["school_count"] for u in client.get("/api/v1/provinces/so-da-nang/districts", headers=so).get_json()["items"]}
    assert units == {DEMO_UNIT: 3, "pgd-hoa-son": 1}
    other = tokens_for(other_province)
    assert client.get("/api/v1/districts/pgd-hoa-son/schools", headers=other).status_code == 404
    assert client.get("/api/v1/provinces/so-da-nang/districts", headers=other).status_code == 404
    assert client.get("/api/v1/schools/th-hoa-son/people", headers=other).status_code == 404
    assert "th-hoa-son" not in {s["id"] for s in client.get("/api/v1/schools", headers=other).get_json()["items"]}


def test_so_commune_school_shape_onboarded_through_the_api_and_isolated(client, tokens_for, seeded, other_province):
    so = tokens_for(SO)
    resp = onboard_unit(client, so, "ubnd-phuong-hai-chau", "UBND phường Hải Châu", "ubnd_phuong")
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["kind_name"] == "UBND phường"
    officer = client.post("/api/v1/districts/ubnd-phuong-hai-chau/staff", headers=so,
                          json=staff_body("hc.vanhoaxahoi", "chuyen_vien", "Ngô Thị Mai"))
    assert officer.status_code == 201, officer.get_json()
    assert officer.get_json()["staff"]["role_name"] == "Công chức văn hóa – xã hội phụ trách giáo dục"
    # the Sở onboards the ward's school in the ward (the id in the body is one of its province's units)
    school = client.post("/api/v1/schools", headers=so,
                         json=school_body("thcs-hai-chau", "Trường THCS Hải Châu", "thcshc", district_id="ubnd-phuong-hai-chau"))
    assert school.status_code == 201, school.get_json()
    created = school.get_json()["school"]
    assert (created["district_id"], created["province_id"]) == ("ubnd-phuong-hai-chau", "so-da-nang")

    ward = tokens_for("hc.vanhoaxahoi")
    unit = client.get("/api/v1/districts/ubnd-phuong-hai-chau", headers=ward).get_json()
    assert (unit["name"], unit["kind"]) == ("UBND phường Hải Châu", "ubnd_phuong")
    assert [s["id"] for s in client.get("/api/v1/districts/ubnd-phuong-hai-chau/schools", headers=ward).get_json()["items"]] == ["thcs-hai-chau"]
    assert client.get("/api/v1/schools/thcs-hai-chau/people", headers=ward).status_code == 200
    staff = client.get("/api/v1/districts/ubnd-phuong-hai-chau/staff", headers=ward).get_json()["items"]
    assert [(s["full_name"], s["role"]) for s in staff] == [("Ngô Thị Mai", "chuyen_vien")]
    # nothing of the Phòng's schools, nor of the province's list
    assert {s["id"] for s in client.get("/api/v1/schools", headers=ward).get_json()["items"]} == {"thcs-hai-chau"}
    for school_id in ("th-hoa-phong", "thcs-nguyen-hue"):
        assert client.get(f"/api/v1/schools/{school_id}/people", headers=ward).status_code == 404
    assert client.get(f"/api/v1/districts/{DEMO_UNIT}/schools", headers=ward).status_code == 404
    assert client.get("/api/v1/provinces/so-da-nang/districts", headers=ward).status_code == 403
    # the Phòng's staff see nothing of the ward's school
    assert client.get("/api/v1/schools/thcs-hai-chau/people", headers=tokens_for("pgd.chuyenvien")).status_code == 404
    # the Sở sees it; Quảng Nam's Sở does not
    assert "thcs-hai-chau" in {s["id"] for s in client.get("/api/v1/schools", headers=so).get_json()["items"]}
    assert client.get("/api/v1/schools/thcs-hai-chau/people", headers=tokens_for(other_province)).status_code == 404

    seeded.relay().relay_once()
    published = seeded.runtime.publisher.types()
    assert "identity.district.onboarded" in published
    onboarded = [e for e in seeded.runtime.publisher.published if e.type == "identity.school.onboarded"
                 and e.data["school_id"] == "thcs-hai-chau"][0]
    assert (onboarded.data["district_kind"], onboarded.data["district_name"]) == ("ubnd_phuong", "UBND phường Hải Châu")
    assert [e["actor"] for e in seeded.runtime.audit.entries(target="ubnd-phuong-hai-chau")
            if e["action"] == "district.onboarded"] == [SO]
    assert {e["action"] for e in seeded.runtime.audit.entries(tenant="thcs-hai-chau")} >= {"school.onboarded"}
    staff_grants = [e for e in seeded.runtime.audit.entries(limit=500) if e["action"] == "membership.granted"
                    and e["data"].get("person") == "hc.vanhoaxahoi"]
    assert [e["actor"] for e in staff_grants] == [SO]
    # the officer's reads of the ward's schools are cross-school reads, each in the audit chain
    reads = [e for e in seeded.runtime.audit.entries(limit=1000) if e["action"] == "cross_tenant.read"
             and e["actor"] == "hc.vanhoaxahoi"]
    assert reads and all(e["district"] == "ubnd-phuong-hai-chau" for e in reads)


def test_another_provinces_id_in_the_body_creates_nothing(client, tokens_for, seeded, other_province):
    other = tokens_for(other_province)
    resp = onboard_unit(client, other, "ubnd-xa-lan", "UBND xã Lân", "ubnd_xa", province="so-da-nang")
    assert resp.status_code == 404
    assert IdentityDistrictDoc.objects(id="ubnd-xa-lan").first() is None
    school = client.post("/api/v1/schools", headers=other,
                         json=school_body("th-lan", "Trường Tiểu học Lân", "thlan", district_id=DEMO_UNIT))
    assert school.status_code == 404
    staff = client.post(f"/api/v1/districts/{DEMO_UNIT}/staff", headers=other, json=staff_body("lan.cv", "chuyen_vien"))
    assert staff.status_code == 404
    assert IdentitySchoolDoc.objects(id="th-lan").first() is None
    assert not seeded.directory.get("lan.cv") and not seeded.directory.get("thlan.hieutruong")
    # in their own province it works
    assert onboard_unit(client, other, "ubnd-xa-lan", "UBND xã Lân", "ubnd_xa", province="so-quang-nam").status_code == 201


def test_another_units_id_in_the_body_creates_nothing(client, tokens_for, seeded):
    so = tokens_for(SO)
    assert onboard_unit(client, so, "ubnd-xa-hoa-bac", "UBND xã Hòa Bắc", "ubnd_xa").status_code == 201
    head = tokens_for("pgd.truongphong")  # head of the demo Phòng
    school = client.post("/api/v1/schools", headers=head,
                         json=school_body("th-hoa-bac", "Trường Tiểu học Hòa Bắc", "thhb", district_id="ubnd-xa-hoa-bac"))
    assert school.status_code == 404
    assert IdentitySchoolDoc.objects(id="th-hoa-bac").first() is None
    staff = client.post("/api/v1/districts/ubnd-xa-hoa-bac/staff", headers=head, json=staff_body("hb.cv", "chuyen_vien"))
    assert staff.status_code == 404
    assert seeded.directory.get("hb.cv") is None
    # a unit's head creates no unit; an inspector of the unit onboards no school
    assert onboard_unit(client, head, "ubnd-xa-hoa-ninh", "UBND xã Hòa Ninh", "ubnd_xa").status_code == 403
    cv = tokens_for("pgd.chuyenvien")
    assert client.post("/api/v1/schools", headers=cv, json=school_body("th-x", "Trường Tiểu học X", "thx")).status_code == 403
    assert client.post(f"/api/v1/districts/{DEMO_UNIT}/staff", headers=cv, json=staff_body("x.cv", "chuyen_vien")).status_code == 403
    principal = tokens_for("thhp.hieutruong")
    assert onboard_unit(client, principal, "ubnd-xa-hoa-ninh", "UBND xã Hòa Ninh", "ubnd_xa").status_code == 403
    assert IdentityDistrictDoc.objects(id="ubnd-xa-hoa-ninh").first() is None
    # the head's own unit still works, with the unit taken from the token
    own = client.post("/api/v1/schools", headers=head, json=school_body("th-hoa-lien", "Trường Tiểu học Hòa Liên", "thhl"))
    assert own.status_code == 201 and own.get_json()["school"]["district_id"] == DEMO_UNIT


def test_unit_values_are_checked(client, tokens_for):
    so = tokens_for(SO)
    assert onboard_unit(client, so, "ubnd-quan-1", "UBND quận 1", "ubnd_quan").status_code == 422
    assert onboard_unit(client, so, "Ubnd Xa", "UBND xã", "ubnd_xa").status_code == 422
    assert onboard_unit(client, so, DEMO_UNIT, "Phòng GD&ĐT trùng", "phong_gddt").status_code == 409
    assert onboard_unit(client, so, "th-hoa-phong", "Trùng mã trường", "ubnd_xa").status_code == 409
    assert client.post(f"/api/v1/districts/{DEMO_UNIT}/staff", headers=so,
                       json=staff_body("x.gv", "giao_vien")).status_code == 422
    # the details of an account held elsewhere are refused without saying whose
    taken = {"username": "x.taken", "full_name": "Ai Đó", "email": "thhp.hieutruong@hoaphong.edu.vn", "role": "chuyen_vien"}
    resp = client.post(f"/api/v1/districts/{DEMO_UNIT}/staff", headers=so, json=taken)
    assert resp.status_code in (404, 409) and "thhp" not in resp.get_data(as_text=True)
