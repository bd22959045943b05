"""An inspection campaign's team sees exactly its scope (schools, book types, school year) until the
campaign ends; every cross-school read shows in the school's read log, and nothing of another school."""
from __future__ import annotations

from datetime import timedelta

from documents_testkit import NOW, auth, pdf_bytes, upload  # type: ignore[import-not-found]

UNTIL = int((NOW + timedelta(days=7)).timestamp())
GRANT = {"campaign": "dkt-1", "schools": ["th-hoa-phong"], "books": ["ke_hoach_bai_day", "hoc_ba"], "year": "2025-2026",
         "until": UNTIL}


def _docs(client, people) -> dict[str, dict]:
    made = {
        "lesson_a": upload(client, people.teacher_a(), pdf_bytes(), name="KHBD tuần 5.pdf"),
        "shcm_a": upload(client, people.teacher_a(), pdf_bytes(), book="so_shcm", period="2025-10"),
        "lesson_b": upload(client, people.teacher_b(), pdf_bytes(), name="KHBD Hòa Nhơn.pdf"),
    }
    assert all(r.status_code == 201 for r in made.values()), {k: r.get_json() for k, r in made.items()}
    return {k: r.get_json() for k, r in made.items()}


def test_a_campaign_member_sees_exactly_the_scope_and_nothing_after_the_window(client, people, clock) -> None:
    docs = _docs(client, people)
    member = auth(people.inspector("pgd.thanhtra", GRANT))
    q = {"campaign": "dkt-1"}
    listed = client.get("/api/v1/documents", query_string=q, headers=member)
    assert listed.status_code == 200, listed.get_json()
    assert [d["id"] for d in listed.get_json()["items"]] == [docs["lesson_a"]["document"]["id"]]
    lesson, version = docs["lesson_a"]["document"]["id"], docs["lesson_a"]["version"]["id"]
    for url in (f"/api/v1/documents/{lesson}", f"/api/v1/documents/{lesson}/versions", f"/api/v1/versions/{version}"):
        assert client.get(url, query_string=q, headers=member).status_code == 200, url
    content = client.get(f"/api/v1/versions/{version}/content", query_string=q, headers=member)
    assert content.status_code == 200 and content.data == pdf_bytes()
    folders = client.get("/api/v1/folders", query_string={**q, "school_year": "2025-2026"}, headers=member).get_json()
    assert folders["items"] and {f["book"] for f in folders["items"]} <= {"ke_hoach_bai_day", "hoc_ba"}

    # Another book type of the same school, and another school of the district: simply not found.
    shcm = docs["shcm_a"]
    for url in (f"/api/v1/documents/{shcm['document']['id']}", f"/api/v1/versions/{shcm['version']['id']}",
                f"/api/v1/versions/{shcm['version']['id']}/content"):
        assert client.get(url, query_string=q, headers=member).status_code == 404, url
    other = docs["lesson_b"]
    assert client.get(f"/api/v1/versions/{other['version']['id']}/content", headers=member,
                      query_string={**q, "school": "th-hoa-nhon"}).status_code == 404
    assert client.get(f"/api/v1/documents/{other['document']['id']}", query_string=q, headers=member).status_code == 404
    # A school year outside the campaign finds nothing.
    assert client.get("/api/v1/documents", query_string={**q, "school_year": "2024-2025"},
                      headers=member).get_json()["items"] == []
    # Without a campaign, or with one the token does not carry, nothing is read.
    assert client.get(f"/api/v1/documents/{lesson}", query_string={"school": "th-hoa-phong", "reason": "xem"},
                      headers=member).status_code == 403
    assert client.get(f"/api/v1/documents/{lesson}", query_string={"campaign": "dkt-khac"}, headers=member).status_code == 404

    # The grant ends by itself: the same (still valid) token reads nothing once the window is over.
    clock.advance(seconds=UNTIL - int(NOW.timestamp()))
    for url in ("/api/v1/documents", f"/api/v1/documents/{lesson}", f"/api/v1/versions/{version}/content"):
        assert client.get(url, query_string=q, headers=member).status_code == 404, url


def test_signed_links_of_a_campaign_read_carry_the_campaign(client, people) -> None:
    docs = _docs(client, people)
    member = auth(people.inspector("pgd.thanhtra", GRANT))
    version = docs["lesson_a"]["version"]["id"]
    link = client.post(f"/api/v1/versions/{version}/download-url", json={}, query_string={"campaign": "dkt-1"},
                       headers=member).get_json()
    assert "campaign=dkt-1" in link["url"] and "school=th-hoa-phong" in link["url"]
    assert client.get(link["url"], headers=member).data == pdf_bytes()


def test_the_read_log_shows_every_read_of_the_school_and_nothing_of_another(client, people) -> None:
    docs = _docs(client, people)
    grant_b = {**GRANT, "campaign": "dkt-2", "schools": ["th-hoa-nhon"]}
    first = auth(people.inspector("pgd.thanhtra", GRANT, name="Lê Thị Thanh"))
    second = auth(people.inspector("pgd.kiemtra2", grant_b, name="Trần Văn Kiểm"))
    lesson_a, version_a = docs["lesson_a"]["document"]["id"], docs["lesson_a"]["version"]["id"]
    assert client.get(f"/api/v1/documents/{lesson_a}", query_string={"campaign": "dkt-1"}, headers=first).status_code == 200
    assert client.get(f"/api/v1/versions/{version_a}/content", query_string={"campaign": "dkt-1"},
                      headers=first).status_code == 200
    lesson_b = docs["lesson_b"]["document"]["id"]
    assert client.get(f"/api/v1/documents/{lesson_b}", query_string={"campaign": "dkt-2"}, headers=second).status_code == 200

    principal_a = auth(people.hieu_truong_a())
    rows = client.get("/api/v1/access-reads", headers=principal_a).get_json()["items"]
    assert rows and {r["person"] for r in rows} == {"pgd.thanhtra"}
    assert {r["campaign"] for r in rows} == {"dkt-1"} and {r["basis"] for r in rows} == {"campaign"}
    assert {r["unit"] for r in rows} == {"pgd-hoa-vang"} and rows[0]["person_name"] == "Lê Thị Thanh"
    objects = {r["object"] for r in rows}
    assert lesson_a in objects and version_a in objects and lesson_b not in objects
    assert any(r["what_label"] == "Phiên bản tệp" for r in rows)

    assert client.get("/api/v1/access-reads", query_string={"person": "pgd.kiemtra2"},
                      headers=principal_a).get_json()["items"] == []
    assert client.get("/api/v1/access-reads", query_string={"campaign": "dkt-1", "since": "2025-10-06",
                                                            "until": "2025-10-06"}, headers=principal_a).get_json()["items"]
    assert client.get("/api/v1/access-reads", query_string={"since": "2025-10-07"},
                      headers=principal_a).get_json()["items"] == []
    # Only the school's leadership reads the log; a teacher and an inspector do not.
    assert client.get("/api/v1/access-reads", headers=auth(people.teacher_a())).status_code == 403
    assert client.get("/api/v1/access-reads", headers=first).status_code == 403
