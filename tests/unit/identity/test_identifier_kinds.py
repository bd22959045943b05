"""Identifiers of different kinds never share a value (issue 10, defect 6, identity half): a
username equal to a school or unit id is refused, and a school id equal to a username too."""
from __future__ import annotations


def test_a_username_equal_to_a_school_id_is_refused_naming_the_field(client, tokens_for, seeded):
    resp = client.post("/api/v1/schools/th-hoa-phong/people", headers=tokens_for("thhp.quantri"), json={
        "username": "mn-hoa-chau", "full_name": "Trần Văn Trùng", "email": "trung@hoaphong.edu.vn",
        "roles": [{"role": "giao_vien", "unit": "to-1"}]})
    assert resp.status_code == 422, resp.get_json()
    problem = resp.get_json()
    assert problem["field"] == "username" and problem["type"].endswith("/identifier-collision")
    assert "trùng với mã của một trường" in problem["detail"]
    for org_id in ("pgd-hoa-vang", "so-da-nang"):
        assert seeded.admin.org_id_taken(org_id)
    assert not seeded.admin.username_free("th-hoa-phong")


def test_a_school_id_equal_to_an_existing_username_is_refused(client, tokens_for, seeded):
    head = tokens_for("pgd.truongphong")
    made = client.post("/api/v1/schools/th-hoa-phong/people", headers=tokens_for("thhp.quantri"), json={
        "username": "th-hoa-ninh", "full_name": "Lê Thị Ninh", "email": "ninh@hoaphong.edu.vn"})
    assert made.status_code == 201, made.get_json()
    resp = client.post("/api/v1/schools", headers=head, json={
        "slug": "th-hoa-ninh", "name": "Trường Tiểu học Hòa Ninh", "levels": ["tieu_hoc"],
        "principal": {"username": "thhn.hieutruong", "full_name": "Võ Văn Ninh", "email": "ht@hoaninh.edu.vn"}})
    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["field"] == "slug" and resp.get_json()["type"].endswith("/identifier-collision")
    assert "tên đăng nhập" in resp.get_json()["detail"]


def test_the_operator_commands_keep_district_ids_and_usernames_apart(container, monkeypatch, capsys):
    from services.identity.entrypoints import cli
    monkeypatch.setattr(cli, "bootstrap", lambda: container)
    district = ["add-district", "--province-slug", "so-quang-nam", "--province-name", "Sở GD&ĐT Quảng Nam",
                "--slug", "pgd-dien-ban", "--name", "Phòng GD&ĐT Điện Bàn"]
    assert cli.main(district) == 0
    assert cli.main(["add-staff", "--district", "pgd-dien-ban", "--role", "truong_phong", "--username", "pgd-dien-ban",
                     "--full-name", "Hồ Văn Bàn", "--email", "tp@dienban.edu.vn"]) == 2
    assert "trùng với mã của một trường" in capsys.readouterr().err
    assert cli.main(["add-staff", "--district", "pgd-dien-ban", "--role", "truong_phong", "--username", "pgd-dai-loc",
                     "--full-name", "Hồ Văn Lộc", "--email", "tp@dailoc.edu.vn"]) == 0
    assert cli.main([*district[:5], "--slug", "pgd-dai-loc", "--name", "Phòng GD&ĐT Đại Lộc"]) == 2
    assert "trùng với tên đăng nhập" in capsys.readouterr().err
    assert cli.main(district) == 0  # adding the same district again stays idempotent
