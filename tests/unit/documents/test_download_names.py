"""Issue 10, defect 13: a download's name carries the extension of the bytes' real type.

A PDF/HTML polyglot uploaded as ``poly.html`` is a valid PDF (sniffed and stored as one) but
was handed out as ``poly.html``, which a desktop opens in the browser as HTML. Every download
path (the version's content, a signed link, ZIP export entries, the signing service's PDF, the
print export) now names it ``poly.pdf``, in both ``filename=`` and RFC 5987 ``filename*=``.
"""
from __future__ import annotations

import io
import re
import zipfile
from urllib.parse import unquote

from documents_testkit import auth, pdf_bytes, upload

from services.documents.domain.file_names import download_name

POLYGLOT = pdf_bytes(1, text="<html><body><script>alert('xss')</script></body></html>")


def names(disposition: str) -> tuple[str, str]:
    """The plain ``filename`` and the decoded ``filename*`` of a Content-Disposition header."""
    plain = re.search(r'filename="([^"]*)"', disposition).group(1)
    extended = unquote(re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1))
    return plain, extended


def upload_polyglot(client, people, name: str = "poly.html") -> dict:
    resp = upload(client, people.teacher_a(), POLYGLOT, name=name)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["version"]["format"] == "pdf" and body["version"]["content_type"] == "application/pdf"
    return body


def test_the_extension_follows_the_type_and_other_names_are_kept() -> None:
    assert download_name("poly.html", "pdf") == "poly.pdf"
    assert download_name("Kế hoạch bài dạy.PDF", "pdf") == "Kế hoạch bài dạy.PDF"
    assert download_name("Kế hoạch tuần 5.1", "pdf") == "Kế hoạch tuần 5.1.pdf"
    assert download_name("anh-lop.jpeg", "jpeg") == "anh-lop.jpeg"
    assert download_name("anh-lop.svg", "png") == "anh-lop.png"
    assert download_name("bang-diem.xlsm", "xlsx") == "bang-diem.xlsx"


def test_a_polyglot_named_html_downloads_as_pdf(client, people) -> None:
    body = upload_polyglot(client, people)
    resp = client.get(f"/api/v1/versions/{body['version']['id']}/content", headers=auth(people.teacher_a()))
    assert resp.status_code == 200 and resp.mimetype == "application/pdf" and resp.data == POLYGLOT
    assert names(resp.headers["Content-Disposition"]) == ("poly.pdf", "poly.pdf")


def test_a_vietnamese_name_keeps_its_words_and_gets_the_pdf_extension(client, people) -> None:
    body = upload_polyglot(client, people, name="Kế hoạch tuần 5.htm")
    resp = client.get(f"/api/v1/versions/{body['version']['id']}/content", headers=auth(people.teacher_a()))
    plain, extended = names(resp.headers["Content-Disposition"])
    assert extended == "Kế hoạch tuần 5.pdf" and plain.endswith(".pdf")


def test_a_signed_link_of_a_polyglot_downloads_as_pdf(client, people) -> None:
    body = upload_polyglot(client, people)
    link = client.post(f"/api/v1/versions/{body['version']['id']}/download-url", json={},
                       headers=auth(people.teacher_a())).get_json()
    resp = client.get(link["url"], headers=auth(people.teacher_a()))
    assert resp.status_code == 200 and resp.data == POLYGLOT
    assert names(resp.headers["Content-Disposition"]) == ("poly.pdf", "poly.pdf")


def test_the_signing_service_gets_the_polyglot_as_pdf(client, people) -> None:
    body = upload_polyglot(client, people)
    resp = client.get(f"/api/v1/internal/versions/{body['version']['id']}/pdf", query_string={"tenant": "th-hoa-phong"},
                      headers=auth(people.service()))
    assert resp.status_code == 200
    assert names(resp.headers["Content-Disposition"])[1].endswith(".pdf")
    assert ".html" not in resp.headers["Content-Disposition"]


def test_zip_export_entries_and_print_export_name_the_polyglot_pdf(client, container, people) -> None:
    upload_polyglot(client, people)
    job = client.post("/api/v1/exports", json={"school_year": "2025-2026", "book": "ke_hoach_bai_day"},
                      headers=auth(people.hieu_truong_a())).get_json()
    container.exports.run(tenant="th-hoa-phong", district="pgd-hoa-vang", export_id=job["id"])
    resp = client.get(f"/api/v1/exports/{job['id']}/file", headers=auth(people.hieu_truong_a()))
    archive = zipfile.ZipFile(io.BytesIO(resp.data))
    entries = [n for n in archive.namelist() if not n.startswith("manifest.")]
    assert len(entries) == 1 and entries[0].endswith("-poly.pdf"), entries
    assert archive.read(entries[0]) == POLYGLOT
    assert not any(n.endswith(".html") for n in archive.namelist())
    printed = client.post("/api/v1/exports", json={"kind": "print", "school_year": "2025-2026",
                                                   "book": "ke_hoach_bai_day"},
                          headers=auth(people.hieu_truong_a())).get_json()
    container.exports.run(tenant="th-hoa-phong", district="pgd-hoa-vang", export_id=printed["id"])
    resp = client.get(f"/api/v1/exports/{printed['id']}/file", headers=auth(people.hieu_truong_a()))
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert all(n.endswith(".pdf") for n in names(resp.headers["Content-Disposition"]))
