"""A teacher of school A cannot list, read, download or guess any document of school B,
not even through a signed link made for someone else or expired; district staff read
across schools only in an inspection campaign, and every such read is logged."""
from __future__ import annotations

from documents_testkit import auth, pdf_bytes, upload  # type: ignore[import-not-found]

from services.documents.adapters.records import VersionRecord


def _b_document(client, people) -> dict:
    resp = upload(client, people.teacher_b(), pdf_bytes(), name="Bí mật trường B.pdf")
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def test_school_a_cannot_list_read_download_or_guess_school_b(client, people) -> None:
    b = _b_document(client, people)
    a = upload(client, people.teacher_a(), pdf_bytes()).get_json()
    teacher = auth(people.teacher_a())
    listed = client.get("/api/v1/documents", headers=teacher).get_json()["items"]
    assert [d["id"] for d in listed] == [a["document"]["id"]]
    doc_id, version_id = b["document"]["id"], b["version"]["id"]
    for url in (f"/api/v1/documents/{doc_id}", f"/api/v1/documents/{doc_id}/versions", f"/api/v1/versions/{version_id}",
                f"/api/v1/versions/{version_id}/content", f"/api/v1/versions/{version_id}/content?rendition=pdf"):
        resp = client.get(url, headers=teacher)
        assert resp.status_code == 404, url
        assert resp.content_type == "application/problem+json"
    assert client.post(f"/api/v1/versions/{version_id}/download-url", json={}, headers=teacher).status_code == 404
    assert client.get("/api/v1/documents", query_string={"school": "th-hoa-nhon"}, headers=teacher).status_code == 404
    # A new version into B's document is refused as if it did not exist.
    assert client.post(f"/api/v1/documents/{doc_id}/versions", data=pdf_bytes(),
                       headers=auth(people.teacher_a(), **{"X-File-Name": "x.pdf"})).status_code == 404


def test_signed_links_work_only_for_their_owner_and_until_they_expire(client, people, clock) -> None:
    b = _b_document(client, people)
    link = client.post(f"/api/v1/versions/{b['version']['id']}/download-url", json={},
                       headers=auth(people.teacher_b())).get_json()
    assert client.get(link["url"], headers=auth(people.teacher_b())).data == pdf_bytes()
    assert client.get(link["url"], headers=auth(people.teacher_a())).status_code == 404, "made for someone else"
    assert client.get(link["url"]).status_code == 401, "no caller, no download"
    tampered = link["url"].replace(f"expires={link['expires']}", f"expires={link['expires'] + 3600}")
    assert client.get(tampered, headers=auth(people.teacher_b())).status_code == 404
    clock.advance(seconds=301)
    expired = client.get(link["url"], headers=auth(people.teacher_b()))
    assert expired.status_code == 403 and "hết hạn" in expired.get_json()["detail"]


def test_within_a_school_people_see_only_what_they_may(client, people) -> None:
    mine = upload(client, people.teacher_a(), pdf_bytes()).get_json()["document"]["id"]
    other = upload(client, people.teacher2_a(), pdf_bytes()).get_json()["document"]["id"]
    assert client.get(f"/api/v1/documents/{other}", headers=auth(people.teacher_a())).status_code == 404
    leader = [d["id"] for d in client.get("/api/v1/documents", headers=auth(people.to_truong_a())).get_json()["items"]]
    assert mine in leader and other not in leader, "tổ trưởng of tổ 4 sees tổ 4 only"
    principal = [d["id"] for d in client.get("/api/v1/documents", headers=auth(people.hieu_truong_a())).get_json()["items"]]
    assert set(principal) == {mine, other}


CAMPAIGN = {"campaign": "dkt-1", "schools": ["th-hoa-nhon", "th-hoa-phong"], "until": 1_900_000_000}


def test_district_staff_read_across_schools_only_in_a_campaign_and_each_read_is_logged(client, container, people) -> None:
    b = _b_document(client, people)
    staff = auth(people.inspector("pgd.chuyenvien", CAMPAIGN))
    reason = "Kiểm tra hồ sơ chuyên môn đợt 1, QĐ 12/PGD"
    assert client.get("/api/v1/documents", query_string={"school": "th-hoa-nhon", "reason": reason},
                      headers=staff).status_code == 403, "a reason alone no longer opens a school's books"
    q = {"campaign": "dkt-1", "school": "th-hoa-nhon"}
    listed = client.get("/api/v1/documents", query_string=q, headers=staff).get_json()["items"]
    assert [d["id"] for d in listed] == [b["document"]["id"]]
    assert client.get("/api/v1/documents", query_string={"campaign": "dkt-1"}, headers=staff).status_code == 422, \
        "a campaign of several schools reads one school at a time"
    content = client.get(f"/api/v1/versions/{b['version']['id']}/content", query_string=q, headers=staff)
    assert content.status_code == 200 and content.data == pdf_bytes()
    entries = container.runtime.audit.entries(limit=50)
    reads = [e for e in entries if e["action"] == "cross_tenant.read"]
    assert reads and all(e["data"]["campaign"] == "dkt-1" and e["actor"] == "pgd.chuyenvien" and e["tenant"] == "th-hoa-nhon"
                         for e in reads)
    assert any(e["action"] == "documents.version.read" and e["data"]["cross_tenant"] for e in entries)
    other_district = auth(people.inspector("pgd.chuyenvien", CAMPAIGN, district="pgd-lien-chieu"))
    assert client.get("/api/v1/documents", query_string=q, headers=other_district).status_code == 404
    assert client.get(f"/api/v1/versions/{b['version']['id']}", query_string=q, headers=other_district).status_code == 404
    # District staff read; they never write.
    assert client.post("/api/v1/locks", json={"starts_at": "2025-10-01T00:00:00+07:00", "ends_at": "2025-10-09T00:00:00+07:00",
                                              "reason": "khóa"}, headers=staff).status_code == 403
    assert VersionRecord.objects.count() == 1


def test_district_staff_signed_links_carry_the_school_and_the_campaign(client, people) -> None:
    b = _b_document(client, people)
    staff = auth(people.inspector("pgd.chuyenvien", CAMPAIGN))
    link = client.post(f"/api/v1/versions/{b['version']['id']}/download-url", json={},
                       query_string={"school": "th-hoa-nhon", "campaign": "dkt-1"}, headers=staff).get_json()
    assert "school=th-hoa-nhon" in link["url"] and "campaign=dkt-1" in link["url"]
    assert client.get(link["url"], headers=staff).data == pdf_bytes()
    assert client.get(link["url"].replace("&campaign=dkt-1", ""), headers=staff).status_code == 403, "no campaign, no read"
    assert client.get(link["url"], headers=auth(people.teacher_b())).status_code == 404
