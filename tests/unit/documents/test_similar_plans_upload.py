"""Copied lesson plans end to end: real PDF and DOCX uploads through the API, the similarity
consumer on ``documents.version.uploaded``, then the inspector's list and the viewer link."""
from __future__ import annotations

from services.documents.adapters.records import PlanSignatureRecord, VersionRecord
from services.kernel.events import Event

from datetime import timedelta

from documents_testkit import NOW, SCHOOL_A, SCHOOL_B, auth, pdf_bytes, upload  # type: ignore[import-not-found]
from plan_corpus import lesson_plan, lightly_edited, text_docx, text_pdf  # type: ignore[import-not-found]


def deliver(container, version_id: str) -> None:
    """Hand the version's pending ``documents.version.uploaded`` to the similarity consumer."""
    record = VersionRecord.objects.get(id=version_id)
    for raw in record.outbox:
        container.consumers["documents.similarity"].handle(Event.from_dict(raw))


def store(client, container, token: str, data: bytes, name: str, period: str = "2025-2026.t05") -> dict:
    resp = upload(client, token, data, name=name, period=period)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    deliver(container, body["version"]["id"])
    return body


def test_uploaded_pdf_and_docx_plans_are_compared_and_open_in_the_viewer(client, container, people) -> None:
    plan = lesson_plan(42)
    original = store(client, container, people.teacher_a(), text_pdf(plan), "Kế hoạch bài dạy tuần 5.pdf")
    copied = store(client, container, people.teacher_b(), text_docx(lightly_edited(plan, 7)), "KHBD tuần 5.docx")
    unrelated = store(client, container, people.teacher2_a(), text_pdf(lesson_plan(43)), "Tuần 5 – Tiếng Việt.pdf")
    scan = store(client, container, people.teacher2_a(), pdf_bytes(2), "Bản quét.pdf", period="2025-2026.t06")
    kept = {r.id for r in PlanSignatureRecord.objects}
    assert kept == {original["document"]["id"], copied["document"]["id"], unrelated["document"]["id"]}, \
        "a scan without a text layer is not compared"
    assert scan["document"]["id"] not in kept

    resp = client.get("/api/v1/similar-plans", query_string={"school_year": "2025-2026"},
                      headers=auth(people.chuyen_vien()))
    assert resp.status_code == 200, resp.get_json()
    items = resp.get_json()["items"]
    assert len(items) == 1
    pair = items[0]
    assert {pair["a"]["document_id"], pair["b"]["document_id"]} == {original["document"]["id"], copied["document"]["id"]}
    assert pair["percent"] >= 80 and pair["text"].endswith(f"đến {pair['percent']}%")
    docx_side = next(side for side in (pair["a"], pair["b"]) if side["format"] == "docx")
    assert docx_side["school_name"] == SCHOOL_B["name"] and docx_side["viewer"] is None  # no campaign: list only

    # An inspector of a running campaign over both schools gets viewer links inside its scope, and they open.
    grant = {"campaign": "dkt-giong", "schools": [SCHOOL_A["school_id"], SCHOOL_B["school_id"]],
             "books": ["ke_hoach_bai_day"], "year": "2025-2026", "until": int((NOW + timedelta(days=3)).timestamp())}
    member = people.inspector("pgd.thanhtra", grant)
    pair = client.get("/api/v1/similar-plans", query_string={"school_year": "2025-2026"},
                      headers=auth(member)).get_json()["items"][0]
    docx_side = next(side for side in (pair["a"], pair["b"]) if side["format"] == "docx")
    assert "rendition=pdf" in docx_side["viewer"] and "campaign=dkt-giong" in docx_side["viewer"]
    pdf_side = next(side for side in (pair["a"], pair["b"]) if side["format"] == "pdf")
    opened = client.get(pdf_side["viewer"].replace("/api/documents/v1", "/api/v1"), headers=auth(member))
    assert opened.status_code == 200 and opened.data.startswith(b"%PDF-")


def test_a_new_version_replaces_the_plans_signature(client, container, people) -> None:
    first = store(client, container, people.teacher_a(), text_pdf(lesson_plan(44)), "Tuần 5.pdf")
    document_id = first["document"]["id"]
    again = client.post(f"/api/v1/documents/{document_id}/versions", data=text_pdf(lesson_plan(45)),
                        headers=auth(people.teacher_a(), **{"X-File-Name": "tuan-5-v2.pdf"}),
                        content_type="application/pdf")
    assert again.status_code == 201
    deliver(container, again.get_json()["version"]["id"])
    assert PlanSignatureRecord.objects.get(id=document_id).version_id == again.get_json()["version"]["id"]
    assert container.runtime.audit.entries(target=document_id)[0]["action"] == "documents.plan_signature.stored"
