"""Office → PDF with the real LibreOffice, driven by the real broker: an uploaded XLSX gets a
PDF rendition the signing service can fetch; a file LibreOffice cannot convert is reported
on the version, not lost."""
from __future__ import annotations

import io
import time
import uuid

import pytest
from documents_testkit import SCHOOL_A, People, auth, upload  # type: ignore[import-not-found]
from openpyxl import Workbook
from pypdf import PdfReader

from services.documents.adapters.records import VersionRecord
from services.documents.adapters.soffice import LibreOfficeConverter
from services.documents.bootstrap import bootstrap
from services.documents.entrypoints.app import create_app
from services.kernel.clock import FixedClock
from services.kernel.messaging import KombuPublisher, declare_queues
from services.kernel.testing import TokenFactory

pytestmark = pytest.mark.integration


def xlsx_bytes() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["Họ và tên", "Điểm"])
    sheet.append(["Nguyễn Văn An", 9])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_uploaded_spreadsheet_gets_a_pdf_rendition_through_the_broker(tmp_path, amqp_url) -> None:
    from documents_testkit import NOW  # type: ignore[import-not-found]
    clock = FixedClock(NOW)
    tokens = TokenFactory(clock=clock)
    people = People(tokens)
    suffix = uuid.uuid4().hex[:8]
    c = bootstrap({"mode": "test", "local_root": str(tmp_path / "o"), "work_dir": str(tmp_path / "w"),
                   "jwt_issuer": tokens.issuer, "amqp_url": amqp_url}, environ={}, clock=clock,
                  publisher=KombuPublisher(url=amqp_url), verifier=tokens.verifier())
    c.folders.onboard(SCHOOL_A, "2025-2026")
    assert c.runtime.relay(c.outbox_collections()).relay_once() == 1  # the school's documents.catalog.changed
    renditions = c.consumers["documents.renditions"]
    renditions.name = f"documents.renditions.test-{suffix}"  # a private queue for this run
    worker = c.runtime.worker(renditions, quorum=False)
    declare_queues(amqp_url, [worker.queue])
    client = create_app(container=c).test_client()
    resp = upload(client, people.teacher_a(), xlsx_bytes(), name="Bảng điểm.xlsx", book="bang_tong_hop",
                  period="2025-2026")
    assert resp.status_code == 201, resp.get_json()
    version_id = resp.get_json()["version"]["id"]
    assert c.runtime.relay(c.outbox_collections()).relay_once() == 1
    deadline = time.monotonic() + 120
    while VersionRecord.objects.get(id=version_id).rendition_status == "pending" and time.monotonic() < deadline:
        worker.drain(timeout=1.0, limit=1)
    version = client.get(f"/api/v1/versions/{version_id}", headers=auth(people.teacher_a())).get_json()
    assert version["rendition_status"] == "ready", version
    pdf = client.get(f"/api/v1/internal/versions/{version_id}/pdf", query_string={"tenant": "th-hoa-phong"},
                     headers=auth(people.service()))
    assert pdf.status_code == 200 and "Họ và tên" in PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    pending = [e["type"] for e in VersionRecord.objects.get(id=version_id).outbox]
    assert pending == ["documents.version.rendition_ready"]
    assert c.runtime.relay(c.outbox_collections()).relay_once() == 1


def test_a_failed_conversion_is_recorded_on_the_version(tmp_path) -> None:
    from documents_testkit import NOW  # type: ignore[import-not-found]
    clock = FixedClock(NOW)
    tokens = TokenFactory(clock=clock)
    people = People(tokens)
    c = bootstrap({"mode": "test", "local_root": str(tmp_path / "o"), "work_dir": str(tmp_path / "w"),
                   "jwt_issuer": tokens.issuer}, environ={}, clock=clock, verifier=tokens.verifier(),
                  converter=LibreOfficeConverter(timeout=0, work_dir=tmp_path / "w"))
    c.folders.onboard(SCHOOL_A, "2025-2026")
    client = create_app(container=c).test_client()
    version_id = upload(client, people.teacher_a(), xlsx_bytes(), name="b.xlsx", book="bang_tong_hop",
                        period="2025-2026").get_json()["version"]["id"]
    assert c.renditions.render(tenant="th-hoa-phong", district="pgd-hoa-vang", version_id=version_id) == "failed"
    version = client.get(f"/api/v1/versions/{version_id}", headers=auth(people.teacher_a())).get_json()
    assert version["rendition_status"] == "failed" and "quá thời gian" in version["rendition_error"]
    assert client.get(f"/api/v1/versions/{version_id}/content?rendition=pdf",
                      headers=auth(people.teacher_a())).status_code == 409
