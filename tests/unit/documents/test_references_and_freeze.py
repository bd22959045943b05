"""Issue 10, defects 4 and 5 in documents: references checked for the person, the freeze names one version.

- ``POST /internal/documents/{id}/references`` (service token): a person's reference is accepted only
  for a document of the named school in a slot that person owes, with that version and digest.
- ``POST /internal/versions/{id}/approved`` freezes exactly that version (idempotent); an upload that
  landed before the freeze stays a later, unapproved version; exports name the approved version.
"""
from __future__ import annotations

import io
import json
import zipfile

from documents_testkit import auth, pdf_bytes, upload

TENANT = {"tenant": "th-hoa-phong"}


def _problem(resp, status: int, slug: str, field: str) -> dict:
    assert resp.status_code == status, resp.get_json()
    assert resp.content_type == "application/problem+json"
    body = resp.get_json()
    assert body["type"].endswith("/" + slug) and body["field"] == field
    assert body["detail"] and body["title"]
    return body


def _reference(client, people, document_id: str, *, version_id: str, sha256: str, person: str = "thhp.giaovien",
               unit_roles=(("giao_vien", "th-hoa-phong/to-4"), ("gvcn", "th-hoa-phong/lop-4a")), tenant=TENANT):
    return client.post(f"/api/v1/internal/documents/{document_id}/references", query_string=tenant,
                       json={"version_id": version_id, "sha256": sha256, "person": person, "roles": [],
                             "unit_roles": [list(u) for u in unit_roles]},
                       headers=auth(people.tokens.service_token("approvals")))


def test_a_reference_is_accepted_only_for_the_persons_own_document_version_and_digest(client, people) -> None:
    mine = upload(client, people.teacher_a(), pdf_bytes()).get_json()
    doc, ver = mine["document"]["id"], mine["version"]
    ok = _reference(client, people, doc, version_id=ver["id"], sha256=ver["sha256"])
    assert ok.status_code == 200, ok.get_json()
    assert (ok.get_json()["document_id"], ok.get_json()["version_id"]) == (doc, ver["id"])

    # a colleague's lesson plan, named by a teacher of another tổ
    colleague = _reference(client, people, doc, version_id=ver["id"], sha256=ver["sha256"], person="thhp.giaovien2",
                           unit_roles=(("giao_vien", "th-hoa-phong/to-1"),))
    _problem(colleague, 403, "not-document-owner", "document_id")
    # another school's document, named for this school: answers like a missing one
    other = upload(client, people.teacher_b(), pdf_bytes(), period="2025-2026.t05").get_json()
    foreign = _reference(client, people, other["document"]["id"], version_id=other["version"]["id"],
                         sha256=other["version"]["sha256"])
    _problem(foreign, 422, "unknown-document", "document_id")
    # a version of another document, and a digest that is not the stored one
    second = upload(client, people.teacher_a(), pdf_bytes(2), period="2025-2026.t06").get_json()
    _problem(_reference(client, people, doc, version_id=second["version"]["id"], sha256=ver["sha256"]),
             422, "unknown-version", "version_id")
    _problem(_reference(client, people, doc, version_id=ver["id"], sha256="0" * 64), 422, "digest-mismatch", "sha256")
    # only services call it
    assert client.post(f"/api/v1/internal/documents/{doc}/references", query_string=TENANT,
                       json={"version_id": ver["id"], "sha256": ver["sha256"], "person": "thhp.giaovien"},
                       headers=auth(people.teacher_a())).status_code == 403


def test_the_freeze_names_the_approved_version_and_a_later_upload_never_becomes_the_record(
        client, container, people) -> None:
    teacher, service = people.teacher_a(), people.tokens.service_token("approvals")
    first = upload(client, teacher, pdf_bytes()).get_json()
    doc, v1 = first["document"]["id"], first["version"]["id"]
    # the teacher's next upload lands just before the approval reaches documents
    v2 = client.post(f"/api/v1/documents/{doc}/versions", data=pdf_bytes(2),
                     headers=auth(teacher, **{"X-File-Name": "ban-2.pdf"})).get_json()["version"]["id"]

    # a version id of another document is refused, naming the field
    other = upload(client, teacher, pdf_bytes(3), period="2025-2026.t06").get_json()
    _problem(client.post(f"/api/v1/internal/versions/{other['version']['id']}/approved", query_string=TENANT,
                         json={"decision_id": "s1", "document_id": doc}, headers=auth(service)),
             422, "unknown-version", "version_id")

    frozen = client.post(f"/api/v1/internal/versions/{v1}/approved", query_string=TENANT,
                         json={"decision_id": "s1", "document_id": doc}, headers=auth(service))
    assert frozen.status_code == 200, frozen.get_json()
    view = frozen.get_json()
    assert (view["approved_version_id"], view["record_version_id"], view["write_once"]) == (v1, v1, True)
    assert view["latest_version_id"] == v2  # stays visible as a later, unapproved version
    again = client.post(f"/api/v1/internal/versions/{v1}/approved", query_string=TENANT,
                        json={"decision_id": "s1", "document_id": doc}, headers=auth(service))
    assert again.status_code == 200 and again.get_json()["approved_version_id"] == v1  # idempotent
    _problem(client.post(f"/api/v1/internal/versions/{v2}/approved", query_string=TENANT,
                         json={"decision_id": "s2", "document_id": doc}, headers=auth(service)),
             409, "already-frozen", "version_id")
    statuses = {v["id"]: v["status"] for v in client.get(f"/api/v1/documents/{doc}/versions",
                                                          headers=auth(teacher)).get_json()["items"]}
    assert statuses == {v1: "approved", v2: "uploaded"}
    refused = client.post(f"/api/v1/documents/{doc}/versions", data=pdf_bytes(4),
                          headers=auth(teacher, **{"X-File-Name": "ban-3.pdf"}))
    assert refused.status_code == 409 and refused.get_json()["type"].endswith("/write-once")

    # the inspection ZIP names the approved version, not the latest upload
    job = client.post("/api/v1/exports", json={"school_year": "2025-2026", "book": "ke_hoach_bai_day"},
                      headers=auth(people.hieu_truong_a())).get_json()
    container.exports.run(tenant="th-hoa-phong", district="pgd-hoa-vang", export_id=job["id"])
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/api/v1/exports/{job['id']}/file",
                                                    headers=auth(people.hieu_truong_a())).data))
    row = next(r for r in json.loads(archive.read("manifest.json"))["files"] if r["file"].split("/")[-1].startswith(doc))
    assert (row["version_id"], row["approved_version_id"], row["version"], row["status"]) == (v1, v1, 1, "approved")


def test_an_approval_event_freezes_the_named_version_once(client, container, people) -> None:
    from services.approvals.events import APPROVED
    from services.kernel.testing import example_event
    first = upload(client, people.teacher_a(), pdf_bytes()).get_json()
    doc, v1 = first["document"]["id"], first["version"]["id"]
    event = example_event(APPROVED, actor="thhp.totruong", submission_id="s1", version_id=v1, document_id=doc)
    assert container.consumers["documents.approvals"].handle(event) is True
    view = client.get(f"/api/v1/documents/{doc}", headers=auth(people.teacher_a())).get_json()
    assert (view["approved_version_id"], view["status"], view["write_once"]) == (v1, "approved", True)


def test_a_frozen_record_is_signed_only_on_its_approved_version(client, people) -> None:
    teacher, service = people.teacher_a(), people.tokens.service_token("signing")
    first = upload(client, teacher, pdf_bytes()).get_json()
    doc, v1 = first["document"]["id"], first["version"]["id"]
    v2 = client.post(f"/api/v1/documents/{doc}/versions", data=pdf_bytes(2),
                     headers=auth(teacher, **{"X-File-Name": "ban-2.pdf"})).get_json()["version"]["id"]
    assert client.post(f"/api/v1/internal/versions/{v1}/approved", query_string=TENANT,
                       json={"document_id": doc}, headers=auth(people.service("approvals"))).status_code == 200

    def sign(base: str):
        return client.post(f"/api/v1/internal/versions/{base}/signed", query_string=TENANT, data=pdf_bytes(1, "ký"),
                           headers=auth(service, **{"X-Signers": '[{"sub": "thhp.hieutruong"}]'}))

    _problem(sign(v2), 409, "not-record-version", "version_id")  # the later, unapproved upload
    signed = sign(v1)
    assert signed.status_code == 201, signed.get_json()
    view = client.get(f"/api/v1/documents/{doc}", headers=auth(teacher)).get_json()
    assert (view["approved_version_id"], view["record_version_id"]) == (v1, signed.get_json()["id"])
    assert sign(signed.get_json()["id"]).status_code == 201  # the next signer signs the signed version
