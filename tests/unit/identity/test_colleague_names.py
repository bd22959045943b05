"""A colleague is shown by full name, never by login id: any person of a school reads its names
list (names only, nothing else of the accounts), and never another school's."""
from __future__ import annotations


def test_a_teacher_reads_her_colleagues_names_and_nothing_else(client, tokens_for):
    teacher = tokens_for("thhp.giaovien")
    resp = client.get("/api/v1/schools/th-hoa-phong/names", headers=teacher)
    assert resp.status_code == 200
    items = resp.get_json()["items"]
    by_id = {i["id"]: i["full_name"] for i in items}
    assert by_id["thhp.totruong"] == "Võ Thị Hồng Nhung"
    assert by_id["thhp.hieutruong"] == "Phạm Văn Hùng"
    assert all(set(i) == {"id", "full_name"} for i in items)  # no e-mail, phone or roles
    assert [i["full_name"] for i in items] == sorted(i["full_name"] for i in items)
    # the full directory stays with the principal and the quản trị
    assert client.get("/api/v1/schools/th-hoa-phong/people", headers=teacher).status_code == 403


def test_another_schools_names_are_not_found(client, tokens_for):
    teacher = tokens_for("thhp.giaovien")
    assert client.get("/api/v1/schools/mn-hoa-chau/names", headers=teacher).status_code == 404
    other = client.get("/api/v1/schools/mn-hoa-chau/names", headers=tokens_for("mnhc.giaovien")).get_json()["items"]
    assert "thhp.giaovien" not in {i["id"] for i in other}


def test_names_need_a_sign_in(client):
    assert client.get("/api/v1/schools/th-hoa-phong/names").status_code == 401


def test_me_names_the_school_or_unit_a_person_works_for(client, tokens_for):
    assert client.get("/api/v1/me", headers=tokens_for("thhp.giaovien")).get_json()["organisation"] == \
        "Trường Tiểu học Hòa Phong"
    unit = client.get("/api/v1/me", headers=tokens_for("pgd.truongphong")).get_json()["organisation"]
    assert unit and unit.startswith("Phòng")
