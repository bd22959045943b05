"""Sở → Phòng → Trường templates through the API: add books, tighten, never loosen."""
from __future__ import annotations

from documents_testkit import auth, pdf_bytes, upload  # type: ignore[import-not-found]

MIB = 1024 * 1024


def _template(client, token: str, tier: str, body: dict):
    return client.put(f"/api/v1/catalog/tieu_hoc/templates/{tier}", json=body, headers=auth(token))


def test_district_tightens_school_adds_and_uploads_follow_the_effective_catalog(client, people) -> None:
    district = people.tokens.issue("pgd.truongphong", district="pgd-hoa-vang", province="so-da-nang", roles=("truong_phong",))
    resp = _template(client, district, "phong", {"overrides": {"ke_hoach_bai_day": {"max_bytes": 1 * MIB, "formats": ["pdf"]}}})
    assert resp.status_code == 200, resp.get_json()
    school = _template(client, people.hieu_truong_a(), "truong", {"additions": [{
        "slug": "so_ban_tru", "name": "Sổ theo dõi bán trú", "owner_kind": "school", "owner_roles": ["ke_toan"],
        "cadence": "month", "formats": ["pdf", "xlsx"], "max_bytes": 10 * MIB}],
        "overrides": {"ke_hoach_bai_day": {"max_bytes": MIB // 2}}})
    assert school.status_code == 200, school.get_json()
    effective = {b["slug"]: b for b in client.get("/api/v1/catalog/tieu_hoc/effective",
                                                  headers=auth(people.teacher_a())).get_json()["books"]}
    assert effective["ke_hoach_bai_day"]["max_bytes"] == MIB // 2 and effective["ke_hoach_bai_day"]["formats"] == ["pdf"]
    assert effective["so_ban_tru"]["defined_by"] == "truong"
    too_big = upload(client, people.teacher_a(), pdf_bytes() + b"%" + b"0" * MIB)
    assert too_big.status_code == 413 and "tối đa 512 KB" in too_big.get_json()["detail"]
    assert upload(client, people.teacher_a(), pdf_bytes()).status_code == 201
    # Other schools of the district get the district's rule, not school A's addition.
    other = client.get("/api/v1/catalog/tieu_hoc/effective", headers=auth(people.teacher_b())).get_json()["books"]
    assert "so_ban_tru" not in {b["slug"] for b in other}


def test_a_school_cannot_loosen_the_district_and_gets_a_vietnamese_reason(client, people) -> None:
    district = people.tokens.issue("pgd.truongphong", district="pgd-hoa-vang", province="so-da-nang", roles=("truong_phong",))
    _template(client, district, "phong", {"overrides": {"ke_hoach_bai_day": {"max_bytes": 5 * MIB, "formats": ["pdf", "docx"]}}})
    for override, words in (({"max_bytes": 20 * MIB}, "không được nới dung lượng"),
                            ({"formats": ["pdf", "png"]}, "không được mở rộng định dạng")):
        resp = _template(client, people.hieu_truong_a(), "truong", {"overrides": {"ke_hoach_bai_day": override}})
        assert resp.status_code == 422 and resp.get_json()["type"].endswith("/catalog-loosening")
        assert words in resp.get_json()["detail"]
    redefine = _template(client, people.hieu_truong_a(), "truong", {"additions": [{
        "slug": "hoc_ba", "name": "Học bạ riêng", "owner_kind": "school", "owner_roles": ["van_thu"],
        "cadence": "event", "formats": ["pdf"], "max_bytes": MIB}]})
    assert redefine.status_code == 422 and "không được định nghĩa lại" in redefine.get_json()["detail"]
    assert _template(client, people.teacher_a(), "truong", {}).status_code == 403
    assert _template(client, people.hieu_truong_a(), "phong", {}).status_code == 403
