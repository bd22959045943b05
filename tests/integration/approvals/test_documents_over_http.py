"""Approvals checks references with, and freezes versions in, the real documents service over HTTP.

Issue 10, defects 4 and 5, with the production wiring: approvals' bootstrap builds its documents
adapter from settings (``documents_url``, ``identity_url``, ``client_secret``) with the kernel's
client-credentials auth; a real identity service issues the token, and the real documents service
(served over HTTP) verifies it through identity's JWKS and answers its internal routes.
"""
from __future__ import annotations

import hashlib
import io
import threading
import uuid
from datetime import datetime, timezone

import pytest
from werkzeug.serving import make_server

from infra.allinone import free_port
from infra.demo.district import DEMO_DISTRICT
from services.approvals.bootstrap import bootstrap as approvals_bootstrap
from services.approvals.domain.calendar import TIMEZONE, Holiday, SchoolYearFrame
from services.documents.bootstrap import bootstrap as documents_bootstrap
from services.documents.entrypoints.app import create_app as documents_app
from services.documents.service_layer.access import school_context
from services.documents.service_layer.uploads import UploadRequest
from services.identity.bootstrap import bootstrap as identity_bootstrap
from services.identity.entrypoints.app import create_app as identity_app
from services.kernel.clock import FixedClock
from services.kernel.errors import Conflict, Forbidden, ValidationFailed
from services.kernel.principal import Principal
from services.kernel.tenancy import TenantScope
from services.kernel.tokens import JwksKeySource, TokenVerifier

pytestmark = pytest.mark.integration

SECRET = "bí-mật-của-dịch-vụ-phê-duyệt"
SCHOOL = next(s for s in DEMO_DISTRICT.schools if s.slug == "th-hoa-phong")
OTHER = next(s for s in DEMO_DISTRICT.schools if s.slug == "thcs-nguyen-hue")
DISTRICT = DEMO_DISTRICT.slug
FRAME = SchoolYearFrame("2025-2026", datetime(2025, 9, 5).date(), datetime(2026, 1, 10).date(),
                        datetime(2026, 5, 31).date(),
                        (Holiday("Tết", datetime(2026, 2, 14).date(), datetime(2026, 2, 22).date()),))


def _serve(app) -> tuple[str, object]:
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{port}", server


def _person(school, username: str, unit_roles: set[tuple[str, str]]) -> Principal:
    return Principal(sub=username, tenant=school.slug, district=DISTRICT, province=DEMO_DISTRICT.province_slug,
                     roles=frozenset(r for r, _ in unit_roles), unit_roles=frozenset(unit_roles))


def _pdf(text: str) -> bytes:
    from infra.demo.documents import sample_pdf
    return sample_pdf([text])


@pytest.fixture
def services(tmp_path):
    identity_port = free_port()
    identity_url = f"http://127.0.0.1:{identity_port}"
    identity = identity_bootstrap({"mode": "test", "db_name": f"hoso_identity_ref_{uuid.uuid4().hex[:8]}",
                                   "public_url": identity_url, "approvals_client_secret": SECRET}, environ={})
    id_server = make_server("127.0.0.1", identity_port, identity_app(container=identity), threaded=True)
    threading.Thread(target=id_server.serve_forever, daemon=True).start()

    verifier = TokenVerifier(keys=JwksKeySource(url=identity_url + "/oauth/jwks"),
                             issuer=identity_url + "/api/identity", audience="hoso-documents")
    documents = documents_bootstrap({"mode": "test", "local_root": str(tmp_path / "objects"),
                                     "work_dir": str(tmp_path / "work"), "log_json": False},
                                    environ={}, clock=FixedClock(datetime(2025, 10, 6, 2, 0, tzinfo=timezone.utc)),
                                    verifier=verifier)
    for school in (SCHOOL, OTHER):
        documents.folders.onboard({
            "school_id": school.slug, "slug": school.slug, "name": school.name, "levels": list(school.levels),
            "district_id": DISTRICT, "province_id": DEMO_DISTRICT.province_slug,
            "units": [{"id": f"{school.slug}/{u.slug}", "slug": u.slug, "name": u.name, "kind": u.kind}
                      for u in school.units]}, "2025-2026")
    documents_url, doc_server = _serve(documents_app(container=documents))

    approvals = approvals_bootstrap(
        {"mode": "test", "log_json": False, "identity_url": identity_url, "documents_url": documents_url,
         "client_secret": SECRET},
        environ={}, clock=FixedClock(datetime(2025, 9, 1, 8, 0, tzinfo=TIMEZONE)))
    approvals.setup.school_onboarded({
        "school_id": SCHOOL.slug, "slug": SCHOOL.slug, "name": SCHOOL.name, "levels": list(SCHOOL.levels),
        "district_id": DISTRICT, "province_id": DEMO_DISTRICT.province_slug,
        "units": [{"id": f"{SCHOOL.slug}/{u.slug}", "slug": u.slug, "name": u.name, "kind": u.kind}
                  for u in SCHOOL.units], "principal_id": "thhp.hieutruong"})
    for person, role, unit in (("thhp.giaovien", "giao_vien", "to-4"), ("thhp.totruong", "to_truong", "to-4")):
        approvals.setup.membership_granted({"person": person, "school": SCHOOL.slug, "role": role,
                                            "unit": f"{SCHOOL.slug}/{unit}", "at": "2025-08-01T00:00:00+07:00"})
    approvals.setup.publish_frame(Principal(sub="pgd.truongphong", district=DISTRICT,
                                            roles=frozenset({"truong_phong"})), FRAME)
    yield documents, approvals
    doc_server.shutdown()
    id_server.shutdown()


def _upload(documents, who: Principal, data: bytes, period: str = "2025-2026.t02"):
    result = documents.uploads.upload(school_context(who), UploadRequest(
        file_name="ke-hoach.pdf", content_length=len(data), book="ke_hoach_bai_day", period=period),
        io.BytesIO(data))
    return result.document, result.version


def test_references_are_checked_and_the_approval_freezes_the_version_over_http(services):
    documents, approvals = services
    teacher = _person(SCHOOL, "thhp.giaovien", {("giao_vien", f"{SCHOOL.slug}/to-4")})
    colleague = _person(SCHOOL, "thhp.giaovien2", {("giao_vien", f"{SCHOOL.slug}/to-1")})
    team = next(u.slug for u in OTHER.units if u.kind == "to_chuyen_mon")
    stranger = _person(OTHER, "thcsnh.giaovien", {("giao_vien", f"{OTHER.slug}/{team}")})
    head = _person(SCHOOL, "thhp.totruong", {("to_truong", f"{SCHOOL.slug}/to-4"), ("giao_vien", f"{SCHOOL.slug}/to-4")})
    mine_doc, mine = _upload(documents, teacher, _pdf("cua toi"))
    their_doc, theirs = _upload(documents, colleague, _pdf("dong nghiep"))
    far_doc, far = _upload(documents, stranger, _pdf("truong khac"))
    ob = approvals.obligations.mine(teacher.sub, TenantScope.for_principal(teacher), "2025-2026")[0][1]

    def submit(document_id: str, version_id: str, sha256: str):
        return approvals.submissions.create(teacher, obligation_id=ob.id, document_id=document_id,
                                            version_id=version_id, sha256=sha256)

    with pytest.raises(Forbidden) as refused:
        submit(their_doc.id, theirs.id, theirs.sha256)
    assert (refused.value.code, refused.value.field) == ("not-document-owner", "document_id")
    with pytest.raises(ValidationFailed) as refused:
        submit(far_doc.id, far.id, far.sha256)
    assert (refused.value.code, refused.value.field) == ("unknown-document", "document_id")
    with pytest.raises(ValidationFailed) as refused:
        submit(mine_doc.id, mine.id, hashlib.sha256(b"other").hexdigest())
    assert (refused.value.code, refused.value.field) == ("digest-mismatch", "sha256")

    sub = submit(mine_doc.id, mine.id, mine.sha256)
    done = approvals.submissions.decide(head, sub["id"], decision="approve", comment=None)
    assert done["state"] == "approved"
    frozen = documents.reads.document(school_context(teacher), mine_doc.id)
    assert (frozen.approved_version_id, frozen.write_once, frozen.status) == (mine.id, True, "approved")
    with pytest.raises(Conflict) as late:
        documents.uploads.upload(school_context(teacher), UploadRequest(
            file_name="ban-2.pdf", content_length=None, document_id=mine_doc.id), io.BytesIO(_pdf("ban 2")))
    assert late.value.code == "write-once"


def test_ids_documents_cannot_look_up_are_refused_naming_the_field_not_a_server_error(services):
    documents, approvals = services
    teacher = _person(SCHOOL, "thhp.giaovien", {("giao_vien", f"{SCHOOL.slug}/to-4")})
    ob = approvals.obligations.mine(teacher.sub, TenantScope.for_principal(teacher), "2025-2026")[0][1]
    digest = hashlib.sha256(b"x").hexdigest()
    for document_id, version_id, field in (("a/b", "v1", "document_id"), ("..", "v1", "document_id"),
                                           ("khong-co", "v" * 150, "version_id")):
        with pytest.raises(ValidationFailed) as refused:
            approvals.submissions.create(teacher, obligation_id=ob.id, document_id=document_id,
                                         version_id=version_id, sha256=digest)
        assert refused.value.field == field and refused.value.status == 422
    mine_doc, mine = _upload(documents, teacher, _pdf("cua toi"))
    with pytest.raises(ValidationFailed) as refused:
        approvals.submissions.create(teacher, obligation_id=ob.id, document_id=mine_doc.id, version_id="v" * 150,
                                     sha256=mine.sha256)
    assert (refused.value.code, refused.value.field) == ("unknown-version", "version_id")
