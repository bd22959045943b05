"""Issue 10, defect 11: documents decides about a broken PDF at upload, never signing later.

A học bạ with a broken cross-reference table used to be repaired silently by pypdf's lenient
reader and accepted; signing then refused it with advice that could not be followed (the
version was write-once). Now the upload either stores a rewritten file that the signer really
signs (checked here by signing it with the signing service's PAdES engine and a dev key), and
says so, or refuses it with the reason.
"""
from __future__ import annotations

import hashlib
import io
from urllib.parse import quote

import pytest
from documents_testkit import auth, upload
from pyhanko.pdf_utils.reader import PdfFileReader

from services.kernel import pdfcheck
from services.signing.adapters.pades import PadesEngine
from services.signing.testing import DevPki, broken_xref, encrypted, one_page_pdf, sign_locally

NOTICE = "Tệp PDF bị lỗi cấu trúc và đã được sửa; phiên bản lưu là bản đã sửa."


def upload_hoc_ba(client, people, data: bytes):
    return upload(client, people.teacher_a(), data, name="Học bạ Nguyễn Văn An.pdf", book="hoc_ba",
                  period="2025-2026", owner_key="th-hoa-phong/lop-4a")


def stored_pdf(client, people, version_id: str) -> bytes:
    """What the signing service would fetch for this version."""
    resp = client.get(f"/api/v1/internal/versions/{version_id}/pdf", query_string={"tenant": "th-hoa-phong"},
                      headers=auth(people.service()))
    assert resp.status_code == 200, resp.get_json()
    return resp.data


def test_the_sample_really_has_a_broken_xref_that_signing_refuses_and_pypdf_hides() -> None:
    broken = broken_xref(one_page_pdf())
    with pytest.raises(pdfcheck.UnsignablePdf) as refused:
        pdfcheck.check_signable(io.BytesIO(broken))
    assert refused.value.reason == "broken-xref"


def test_a_broken_xref_hoc_ba_is_stored_repaired_said_so_and_the_stored_file_signs(client, container, people) -> None:
    broken = broken_xref(one_page_pdf())
    resp = upload_hoc_ba(client, people, broken)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["notice"] == NOTICE
    stored = stored_pdf(client, people, body["version"]["id"])
    assert stored != broken, "the version is the repaired file, not the broken upload"
    assert body["version"]["sha256"] == hashlib.sha256(stored).hexdigest()
    assert body["version"]["size"] == len(stored)
    # The signer's own judge accepts it and pyHanko's incremental signer signs it.
    pki = DevPki()
    signed = sign_locally(PadesEngine(timestamper=pki.timestamper()), pki, pki.issue("Phạm Văn Hùng"), stored)
    assert len(PdfFileReader(io.BytesIO(signed)).embedded_regular_signatures) == 1
    actions = [e["action"] for e in container.runtime.audit.entries(tenant="th-hoa-phong",
                                                                     target=body["version"]["id"])]
    assert "documents.version.repaired" in actions


def test_a_sound_pdf_is_stored_byte_for_byte_without_a_notice(client, people) -> None:
    sound = one_page_pdf()
    resp = upload_hoc_ba(client, people, sound)
    assert resp.status_code == 201
    assert "notice" not in resp.get_json()
    assert stored_pdf(client, people, resp.get_json()["version"]["id"]) == sound


def test_an_encrypted_pdf_is_refused_at_upload_with_the_reason(client, container, people) -> None:
    resp = upload_hoc_ba(client, people, encrypted(one_page_pdf()))
    assert resp.status_code == 422
    assert resp.content_type.startswith("application/problem+json")
    problem = resp.get_json()
    assert problem["type"] == "https://hoso.edu.vn/problems/encrypted-pdf"
    assert problem["field"] == "file" and "mật khẩu" in problem["detail"]
    listed = client.get("/api/v1/documents", query_string={"book": "hoc_ba"}, headers=auth(people.teacher_a()))
    assert listed.get_json()["items"] == []


def test_a_new_version_of_a_lesson_plan_is_repaired_the_same_way(client, people) -> None:
    first = upload(client, people.teacher_a(), one_page_pdf()).get_json()
    resp = client.post(f"/api/v1/documents/{first['document']['id']}/versions", data=broken_xref(one_page_pdf()),
                       headers=auth(people.teacher_a(), **{"X-File-Name": quote("Kế hoạch v2.pdf")}),
                       content_type="application/octet-stream")
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["notice"] == NOTICE
    pdfcheck.check_signable(io.BytesIO(stored_pdf(client, people, resp.get_json()["version"]["id"])))


def test_internal_writes_are_checked_by_the_same_judge_but_never_rewritten(client, people) -> None:
    """A correction the signer could not sign is refused; a real signed PDF (the next signer signs
    it) is stored byte for byte."""
    first = upload_hoc_ba(client, people, one_page_pdf()).get_json()
    service = people.service()
    broken = client.post(f"/api/v1/internal/documents/{first['document']['id']}/corrections",
                         query_string={"tenant": "th-hoa-phong", "correction_id": "bb-01"},
                         data=broken_xref(one_page_pdf()),
                         headers=auth(people.service("approvals"), **{"X-File-Name": quote("Đính chính.pdf")}))
    assert broken.status_code == 422
    assert broken.get_json()["type"] == "https://hoso.edu.vn/problems/broken-pdf"
    pki = DevPki()
    signed = sign_locally(PadesEngine(timestamper=pki.timestamper()), pki, pki.issue("Lê Thị Mai"),
                          stored_pdf(client, people, first["version"]["id"]))
    resp = client.post(f"/api/v1/internal/versions/{first['version']['id']}/signed",
                       query_string={"tenant": "th-hoa-phong"}, data=signed,
                       headers=auth(service, **{"X-Signers": '[{"sub": "thhp.giaovien", "name": "Lê Thị Mai"}]'}))
    assert resp.status_code == 201, resp.get_json()
    assert stored_pdf(client, people, resp.get_json()["id"]) == signed
