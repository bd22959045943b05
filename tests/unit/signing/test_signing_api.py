"""The signing API with fake approvals and documents: turns, refusals, batches, verification, recall."""
from __future__ import annotations

import base64
import hashlib
import io
import subprocess
import time
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from services.approvals.events import RECALLED
from services.kernel.messaging import InMemoryPublisher
from services.kernel.testing import TokenFactory, example_event
from services.signing.adapters.approvals_client import FakeApprovals, FakeSubmission
from services.signing.adapters.documents_client import FakeDocuments
from services.signing.adapters.records import SignedDocumentDoc
from services.signing.adapters.raw_signing import sign_raw
from services.signing.adapters.verifier import inspect_pdf
from services.signing.adapters.x509_issuer import Subject, new_key
from services.signing.bootstrap import bootstrap
from services.signing.domain.credentials import MAX_PIN_TRIES, OwnerKind
from services.signing.entrypoints.app import create_app
from services.signing.testing import broken_xref, encrypted, one_page_pdf, sign_locally

DISTRICT, SCHOOL, OTHER = "pgd-hoa-vang", "th-hoa-phong", "mn-hoa-chau"
GVCN, PRINCIPAL, CLERK = "thhp.giaovien", "thhp.hieutruong", "thhp.vanthu"


class InlineExecutor(Executor):
    def submit(self, fn, *args, **kwargs):
        future: Future = Future()
        future.set_result(fn(*args, **kwargs))
        return future


class World:
    def __init__(self, tmp_path, executor: Executor | None = None, *, clock=None, background: bool = False,
                 **settings) -> None:
        self.spool = tmp_path / "spool"
        self.tokens = TokenFactory()
        self.approvals = FakeApprovals()
        self.documents = FakeDocuments()
        self.publisher = InMemoryPublisher()
        self.container = bootstrap(
            {"mode": "test", "spool_dir": str(tmp_path / "spool"), "level": "B-T", **settings},
            environ={},
            verifier=self.tokens.verifier(), publisher=self.publisher, approvals=self.approvals,
            documents=self.documents, clock=clock,
            executor=None if background else (executor or InlineExecutor()))
        self.client = create_app(container=self.container).test_client()
        ca = self.container.authority
        ca.ensure_district(DISTRICT, "Phòng GD&ĐT huyện Hòa Vang")
        issue = ca.issue_credential
        self.creds = {
            GVCN: issue(district_id=DISTRICT, tenant_id=SCHOOL, owner_id=GVCN, owner_kind=OwnerKind.PERSON,
                        common_name="Nguyễn Thị Lệ Thủy", organisation="Trường Tiểu học Hòa Phong", actor="t"),
            PRINCIPAL: issue(district_id=DISTRICT, tenant_id=SCHOOL, owner_id=PRINCIPAL, owner_kind=OwnerKind.PERSON,
                             common_name="Phạm Văn Hùng", organisation="Trường Tiểu học Hòa Phong", actor="t"),
            CLERK: issue(district_id=DISTRICT, tenant_id=SCHOOL, owner_id=SCHOOL, owner_kind=OwnerKind.ORGANISATION,
                         common_name="Trường Tiểu học Hòa Phong", organisation="Trường Tiểu học Hòa Phong", actor="t"),
        }
        self.roles = {GVCN: ["giao_vien"], PRINCIPAL: ["hieu_truong"], CLERK: ["van_thu"], "thhp.quantri": ["quan_tri"]}
        # full names as identity records them (a personal certificate must name its holder)
        self.names = {GVCN: "Nguyễn Thị Lệ Thủy", PRINCIPAL: "Phạm Văn Hùng", CLERK: "Lê Thị Văn Thư",
                      "thhp.phohieutruong": "Đặng Thị Ngọc Ánh"}

    def headers(self, person: str, tenant: str = SCHOOL, act: list[dict] | None = None) -> dict:
        token = self.tokens.issue(person, tenant=tenant, district=DISTRICT, roles=self.roles.get(person, ["giao_vien"]),
                                  act=act or [], name=self.names.get(person, ""))
        return {"Authorization": f"Bearer {token}"}

    def submission(self, sid: str, data: bytes | None = None, *, state: str = "signing") -> FakeSubmission:
        version = self.documents.add(SCHOOL, data if data is not None else one_page_pdf())
        sub = FakeSubmission(
            id=sid, tenant=SCHOOL, district=DISTRICT, book_type="hoc_ba", document_id=f"doc-{sid}",
            version_id=version.id, sha256=version.sha256, state=state,
            steps=[{"order": 1, "role": "gvcn", "signer": GVCN, "organisation": False},
                   {"order": 2, "role": "hieu_truong", "signer": None, "organisation": False},
                   {"order": 3, "role": "van_thu", "signer": None, "organisation": True}],
            holders={GVCN: {"gvcn"}, PRINCIPAL: {"hieu_truong"}, CLERK: {"van_thu"}})
        self.approvals.add(sub)
        return sub

    def sign(self, person: str, sids: list[str], pin: str | None = None, credential: str | None = None):
        body = {"submission_ids": sids, "credential_id": credential or self.creds[person].id, "wait": True}
        if pin is not None:
            body["pin"] = pin
        return self.client.post("/api/v1/batches", json=body, headers=self.headers(person))

    def trust(self):
        return self.container.authority.trust()

    def latest_pdf(self, sid: str) -> bytes:
        record = SignedDocumentDoc.objects(submission_id=sid).first()
        return self.documents.versions[record.latest_version_id][1]


@pytest.fixture
def world(tmp_path) -> World:
    return World(tmp_path)


def test_hoc_ba_signed_in_order_by_gvcn_principal_and_school_seal(world):
    world.submission("sub-1")
    for person in (GVCN, PRINCIPAL, CLERK):
        resp = world.sign(person, ["sub-1"])
        assert resp.status_code == 202, resp.json
        assert resp.json["state"] == "done" and resp.json["signed"] == 1, resp.json

    roots, crls = world.trust()
    findings = inspect_pdf(io.BytesIO(world.latest_pdf("sub-1")), trust_roots=roots, crls=crls).signatures
    assert [f.signer_name for f in findings] == ["Nguyễn Thị Lệ Thủy", "Phạm Văn Hùng", "Trường Tiểu học Hòa Phong"]
    assert all(f.ok and f.timestamp_at for f in findings)
    assert world.approvals.submissions["sub-1"].state == "signed"
    assert [s["order"] for s in world.approvals.submissions["sub-1"].signed] == [1, 2, 3]
    record = SignedDocumentDoc.objects(submission_id="sub-1").first()
    assert len(record.signatures) == 3 and len(record.code) == 8
    assert [e["type"] for e in record.outbox] == ["signing.document.signed"] * 3
    actions = [e["action"] for e in world.container.runtime.audit.entries(tenant=SCHOOL, target="sub-1")]
    assert actions.count("signing.document.signed") == 3


def test_signer_out_of_turn_is_refused_and_nothing_is_stored(world):
    world.submission("sub-1")
    before = len(world.documents.versions)
    resp = world.sign(PRINCIPAL, ["sub-1"])
    [item] = resp.json["items"]
    assert item["status"] == "failed" and "Chưa đến lượt ký" in item["reason"]
    assert len(world.documents.versions) == before
    assert SignedDocumentDoc.objects(submission_id="sub-1").first() is None


def test_document_not_yet_approved_is_refused(world):
    world.submission("sub-1", state="in_review")
    [item] = world.sign(GVCN, ["sub-1"]).json["items"]
    assert item["reason_code"] == "not-approved" and "chưa được phê duyệt" in item["reason"]


def test_document_changed_since_approval_is_refused(world):
    sub = world.submission("sub-1")
    world.documents.versions[sub.version_id] = (SCHOOL, one_page_pdf() + b"\n% changed", None)
    [item] = world.sign(GVCN, ["sub-1"]).json["items"]
    assert item["reason_code"] == "document-changed" and "đã thay đổi" in item["reason"]


@pytest.mark.parametrize("data, code, words", [
    (b"not a pdf at all", "corrupt-pdf", "không phải là PDF hợp lệ"),
    (b"%PDF-1.7\n" + b"\x00" * 64, "corrupt-pdf", "không phải là PDF hợp lệ"),
    (encrypted(one_page_pdf()), "encrypted-pdf", "mã hóa"),
    (broken_xref(one_page_pdf()), "broken-xref", "Bảng tham chiếu chéo"),
])
def test_unsignable_pdf_is_refused_with_a_reason(world, data, code, words):
    world.submission("sub-1", data)
    before = len(world.documents.versions)
    [item] = world.sign(GVCN, ["sub-1"]).json["items"]
    assert item["status"] == "failed" and item["reason_code"] == code and words in item["reason"]
    assert len(world.documents.versions) == before
    assert not any(world.spool.rglob("*.pdf"))


def test_batch_reports_each_failure_without_stopping_the_rest(world):
    sids = [f"sub-{n}" for n in range(30)]
    for n, sid in enumerate(sids):
        world.submission(sid, b"garbage" if n == 7 else None)
    world.submission("sub-other-turn")
    world.approvals.submissions["sub-other-turn"].signed.append({"order": 1, "role": "gvcn"})
    resp = world.sign(GVCN, sids + ["sub-other-turn"])
    body = resp.json
    assert body["total"] == 31 and body["done"] == 31
    assert body["signed"] == 29 and body["failed"] == 2
    failed = {i["submission_id"]: i["reason"] for i in body["items"] if i["status"] == "failed"}
    assert set(failed) == {"sub-7", "sub-other-turn"}
    assert world.client.get(f"/api/v1/batches/{body['id']}", headers=world.headers(GVCN)).json["signed"] == 29


def _key_and_certificate(world, name: str):
    """A key held outside the service (a licensed CA's PKCS#12, a provider's account) and its certificate."""
    key = new_key()
    cert = world.container.authority.issue_for_key(
        district_id=DISTRICT, public_key=key.public_key(), subject=Subject(name, "Trường Tiểu học Hòa Phong"))
    return key, cert


def _pkcs12_credential(world, pin: str) -> str:
    key, cert = _key_and_certificate(world, "Phạm Văn Hùng")
    p12 = pkcs12.serialize_key_and_certificates(b"ht", key, cert, None,
                                                serialization.BestAvailableEncryption(pin.encode()))
    resp = world.client.post("/api/v1/credentials/pkcs12", json={"p12": base64.b64encode(p12).decode(), "pin": pin},
                             headers=world.headers(PRINCIPAL))
    assert resp.status_code == 201, resp.json
    return resp.json["id"]


def test_wrong_pin_limited_tries_then_locked_and_nothing_signed(world):
    world.submission("sub-1")
    world.sign(GVCN, ["sub-1"])
    cred_id = _pkcs12_credential(world, "246810")
    stored = len(world.documents.versions)
    for left in range(MAX_PIN_TRIES - 1, 0, -1):
        body = world.sign(PRINCIPAL, ["sub-1"], pin="000000", credential=cred_id).json
        assert body["state"] == "failed" and f"Còn {left} lần thử" in body["reason"]
        assert body["items"][0]["status"] == "failed"
    body = world.sign(PRINCIPAL, ["sub-1"], pin="000000", credential=cred_id).json
    assert "bị khóa" in body["reason"]
    refused = world.sign(PRINCIPAL, ["sub-1"], pin="246810", credential=cred_id)
    assert refused.status_code == 423 and "bị khóa" in refused.json["detail"]
    assert len(world.documents.versions) == stored
    unlocked = world.client.post(f"/api/v1/credentials/{cred_id}/unlock", headers=world.headers("thhp.quantri"))
    assert unlocked.json["locked"] is False
    assert world.sign(PRINCIPAL, ["sub-1"], pin="246810", credential=cred_id).json["signed"] == 1


def test_revoked_and_expired_certificates_are_refused(world):
    world.submission("sub-1")
    revoked = world.client.post(f"/api/v1/credentials/{world.creds[GVCN].id}/revoke", headers=world.headers(GVCN))
    assert revoked.json["revoked"] is True
    resp = world.sign(GVCN, ["sub-1"])
    assert resp.status_code == 422 and "thu hồi" in resp.json["detail"]
    crl = world.client.get(f"/api/v1/crl/{DISTRICT}.crl")
    assert crl.status_code == 200 and crl.mimetype == "application/pkix-crl"

    old = world.container.authority.issue_credential(
        district_id=DISTRICT, tenant_id=SCHOOL, owner_id=PRINCIPAL, owner_kind=OwnerKind.PERSON,
        common_name="Phạm Văn Hùng", organisation="Trường Tiểu học Hòa Phong", actor="t", days=30,
        not_before=world.container.runtime.clock.now() - timedelta(days=60))
    resp = world.sign(PRINCIPAL, ["sub-1"], credential=old.id)
    assert resp.status_code == 422 and "hiệu lực" in resp.json["detail"]


def test_other_schools_cannot_see_batches_or_use_credentials(world):
    world.submission("sub-1")
    batch = world.sign(GVCN, ["sub-1"]).json
    outsider = world.headers("mnhc.giaovien", tenant=OTHER)
    assert world.client.get(f"/api/v1/batches/{batch['id']}", headers=outsider).status_code == 404
    resp = world.client.post("/api/v1/batches", headers=outsider,
                             json={"submission_ids": ["sub-1"], "credential_id": world.creds[GVCN].id, "wait": True})
    assert resp.status_code == 404
    resp = world.client.post("/api/v1/batches", headers=world.headers(PRINCIPAL),
                             json={"submission_ids": ["sub-1"], "credential_id": world.creds[GVCN].id, "wait": True})
    assert resp.status_code == 403


def test_remote_provider_batch_needs_one_confirmation(world):
    provider = world.container.simulated_provider
    key, cert = _key_and_certificate(world, "Phạm Văn Hùng")
    provider.enrol("0905123456", key, cert.public_bytes(serialization.Encoding.DER))
    registered = world.client.post("/api/v1/credentials/remote", json={"provider": "simulated", "account": "0905123456"},
                                   headers=world.headers(PRINCIPAL))
    assert registered.status_code == 201, registered.json
    sids = [f"sub-{n}" for n in range(10)]
    for sid in sids:
        sub = world.submission(sid)
        sub.signed.append({"order": 1, "role": "gvcn"})
    waiting = world.sign(PRINCIPAL, sids, credential=registered.json["id"]).json
    assert waiting["state"] == "waiting" and waiting["remote_transaction_id"]  # parked, not holding a thread
    [(tid, description, count)] = provider.pending("0905123456")
    assert (description, count) == ("Ký 10 tài liệu trên HoSo", 10)
    assert world.container.signing.poll_remote() == 0  # not confirmed yet: still waiting
    provider.confirm(tid)
    assert world.container.signing.poll_remote() == 1
    body = world.client.get(f"/api/v1/batches/{waiting['id']}", headers=world.headers(PRINCIPAL)).json
    assert body["state"] == "done" and body["signed"] == 10


def test_verification_by_code_and_upload_then_recall(world):
    world.submission("sub-1")
    for person in (GVCN, PRINCIPAL, CLERK):
        world.sign(person, ["sub-1"])
    record = SignedDocumentDoc.objects(submission_id="sub-1").first()
    by_code = world.client.get(f"/api/v1/verify/{record.code.lower()}")
    assert by_code.status_code == 200
    assert by_code.json["recalled"] is False and by_code.json["latest"] is True
    assert [s["signer"] for s in by_code.json["signatures"]][-1] == "Trường Tiểu học Hòa Phong"
    assert "Mọi chữ ký số đều hợp lệ" in by_code.json["summary"]

    pdf = world.latest_pdf("sub-1")
    tampered = bytearray(pdf)
    tampered[tampered.index(b"HOC BA")] = ord("X")
    report = world.client.post("/api/v1/verify", data=bytes(tampered), content_type="application/pdf").json
    assert report["known"] is False
    assert all(s["changed_after_signing"] and not s["valid"] for s in report["signatures"])

    world.container.recall_consumer.handle(example_event(
        RECALLED, tenant=SCHOOL, district=DISTRICT, actor=CLERK, submission_id="sub-1", document_id="doc-sub-1",
        reason="Sai ngày sinh của học sinh"))
    report = world.client.post("/api/v1/verify", data=pdf, content_type="application/pdf").json
    assert report["recalled"] is True and report["recall_reason"] == "Sai ngày sinh của học sinh"
    page = world.client.get(f"/verify/{record.code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "THU HỒI" in html and "Sai ngày sinh của học sinh" in html
    assert hashlib.sha256(pdf).hexdigest() == report["document_sha256"]


def test_verify_page_is_public_and_vietnamese(world):
    page = world.client.get("/verify")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Tra cứu và kiểm tra chữ ký số" in html
    assert "<style" not in html and 'href="verify/style.css"' in html  # the gateway's CSP forbids inline style
    assert world.client.get("/verify/style.css").mimetype == "text/css"
    by_code = world.client.get("/verify/ZZZZ2222").get_data(as_text=True)
    assert 'href="../verify/style.css"' in by_code
    missing = world.client.get("/verify?code=ZZZZ2222")
    assert missing.status_code == 404 and "Không tìm thấy tài liệu" in missing.get_data(as_text=True)


def test_background_batch_shows_progress_until_done(tmp_path):
    world = World(tmp_path, executor=ThreadPoolExecutor(max_workers=1))
    sids = [f"sub-{n}" for n in range(5)]
    for sid in sids:
        world.submission(sid)
    started = world.client.post("/api/v1/batches", headers=world.headers(GVCN),
                                json={"submission_ids": sids, "credential_id": world.creds[GVCN].id})
    assert started.status_code == 202 and started.json["total"] == 5
    seen = []
    for _ in range(300):
        view = world.client.get(f"/api/v1/batches/{started.json['id']}", headers=world.headers(GVCN)).json
        seen.append(view["done"])
        if view["state"] == "done":
            break
        time.sleep(0.05)
    assert view["state"] == "done" and view["signed"] == 5
    assert seen == sorted(seen)


def test_extra_trust_anchors_make_licensed_ca_signatures_trusted(tmp_path, pki, engine, pdf):
    signed = sign_locally(engine, pki, pki.issue("Phạm Văn Hùng"), pdf)  # a "licensed" CA, not a district root
    world = World(tmp_path)
    untrusted = world.client.post("/api/v1/verify", data=signed, content_type="application/pdf").json
    assert untrusted["signatures"][0]["trusted"] is False
    assert "không do CA được tin cậy cấp" in untrusted["signatures"][0]["verdict"]

    roots = tmp_path / "roots"
    roots.mkdir()
    (roots / "national-root.pem").write_bytes(pki.ca.public_bytes(serialization.Encoding.PEM))
    # another deployment (its own trust roots and, outside production, its own sealing key): its own database
    world2 = World(tmp_path / "second", trust_roots_dir=str(roots), db_name="hoso_signing_second")
    trusted = world2.client.post("/api/v1/verify", data=signed, content_type="application/pdf").json
    assert trusted["signatures"][0]["valid"] is True


def test_deputy_signs_in_the_principals_turn_under_a_delegation(world):
    world.submission("sub-1")
    world.sign(GVCN, ["sub-1"])
    deputy = "thhp.phohieutruong"
    world.roles[deputy] = ["pho_hieu_truong"]
    cred = world.container.authority.issue_credential(
        district_id=DISTRICT, tenant_id=SCHOOL, owner_id=deputy, owner_kind=OwnerKind.PERSON,
        common_name="Đặng Thị Ngọc Ánh", organisation="Trường Tiểu học Hòa Phong", actor="t")
    body = {"submission_ids": ["sub-1"], "credential_id": cred.id, "wait": True, "on_behalf_of": PRINCIPAL}
    no_delegation = world.client.post("/api/v1/batches", json=body, headers=world.headers(deputy))
    assert no_delegation.status_code == 403 and "ủy quyền" in no_delegation.json["detail"]

    act = [{"on_behalf_of": PRINCIPAL, "role": "hieu_truong", "unit": None, "book_types": ["hoc_ba"],
            "until": int(time.time()) + 3600}]
    done = world.client.post("/api/v1/batches", json=body, headers=world.headers(deputy, act=act)).json
    assert done["signed"] == 1 and done["on_behalf_of"] == PRINCIPAL
    [_, second] = world.approvals.submissions["sub-1"].signed
    assert (second["signer"], second["on_behalf_of"], second["role"]) == (deputy, PRINCIPAL, "hieu_truong")
    text = subprocess.run(["pdftotext", "-", "-"], input=world.latest_pdf("sub-1"), capture_output=True,
                          check=True).stdout.decode()
    assert "Ký bởi: Đặng Thị Ngọc Ánh" in text and "Chức vụ: KT. Hiệu trưởng" in text
    entry = next(e for e in world.container.runtime.audit.entries(tenant=SCHOOL, target="sub-1")
                 if e["action"] == "signing.document.signed" and e.get("actor") == deputy)
    assert entry["on_behalf_of"] == PRINCIPAL


def test_same_order_signers_sign_in_any_order_and_a_stale_preparation_is_redone(world):
    """Two signers of order 1 in parallel: one waits on a USB token while the other signs at once."""
    sub = world.submission("sub-1")
    sub.steps = [{"order": 1, "role": "hieu_truong", "signer": None, "organisation": False},
                 {"order": 1, "role": "pho_hieu_truong", "signer": None, "organisation": False}]
    deputy = "thhp.phohieutruong"
    world.roles[deputy] = ["pho_hieu_truong"]
    sub.holders[deputy] = {"pho_hieu_truong"}
    token_key, token_cert = _key_and_certificate(world, "Đặng Thị Ngọc Ánh")
    token = world.client.post("/api/v1/credentials/token", headers=world.headers(deputy), json={
        "certificate": base64.b64encode(token_cert.public_bytes(serialization.Encoding.DER)).decode()}).json

    def start_on_token() -> str:
        waiting = world.client.post("/api/v1/batches", headers=world.headers(deputy), json={
            "submission_ids": ["sub-1"], "credential_id": token["id"], "wait": True}).json
        assert waiting["state"] == "waiting", waiting["items"]
        return waiting["external_job_id"]

    def token_signs(job_id: str) -> dict:
        """What the agent does: sign each item's data with the token's key, post the signatures."""
        job = world.client.get(f"/api/v1/external-jobs/{job_id}", headers=world.headers(deputy)).json
        signatures = [{"id": i["id"], "signature": base64.b64encode(
            sign_raw(token_key, base64.b64decode(i["data"]))).decode()} for i in job["items"]]
        return world.client.post(f"/api/v1/external-jobs/{job_id}/signatures", headers=world.headers(deputy),
                                 json={"signatures": signatures}).json

    job_id = start_on_token()
    assert world.sign(PRINCIPAL, ["sub-1"]).json["signed"] == 1  # the principal signs while the token waits
    [item] = token_signs(job_id)["items"]
    assert item["status"] == "failed" and "hãy ký lại" in item["reason"]

    assert token_signs(start_on_token())["signed"] == 1
    roots, crls = world.trust()
    findings = inspect_pdf(io.BytesIO(world.latest_pdf("sub-1")), trust_roots=roots, crls=crls).signatures
    assert [f.signer_name for f in findings] == ["Phạm Văn Hùng", "Đặng Thị Ngọc Ánh"]
    assert all(f.ok for f in findings)
    assert world.approvals.submissions["sub-1"].state == "signed"


def _waiting_on_token(world, person: str, name: str) -> dict:
    """``person`` registers a USB token's certificate and starts signing sub-1 with it: the batch waits."""
    _key, cert = _key_and_certificate(world, name)
    token = world.client.post("/api/v1/credentials/token", headers=world.headers(person), json={
        "certificate": base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()}).json
    return world.client.post("/api/v1/batches", headers=world.headers(person), json={
        "submission_ids": ["sub-1"], "credential_id": token["id"], "wait": True}).json


def test_a_batch_whose_token_never_answers_expires_and_keeps_nothing(world):
    world.submission("sub-1")
    waiting = _waiting_on_token(world, GVCN, "Nguyễn Thị Lệ Thủy")
    assert waiting["state"] == "waiting" and any(world.spool.rglob("*.pdf"))
    [(_, job), (_, poll)] = world.container.periodic()
    assert poll() == 0  # a token batch is resumed by the agent's post, not by the remote poll
    assert world.container.signing.expire_waiting(-1) == 1
    view = world.client.get(f"/api/v1/batches/{waiting['id']}", headers=world.headers(GVCN)).json
    assert view["state"] == "failed" and "hết hạn" in view["reason"] and view["items"][0]["status"] == "failed"
    assert not any(world.spool.rglob("*.pdf"))
    assert job() == 0


def test_an_unexpected_failure_on_one_document_does_not_stop_the_others(world, monkeypatch):
    for sid in ("sub-1", "sub-2", "sub-3"):
        world.submission(sid)
    real_fetch = world.documents.fetch_pdf

    def flaky_fetch(tenant, version_id, into):
        if version_id == world.approvals.submissions["sub-2"].version_id:
            raise RuntimeError("disk went away")
        return real_fetch(tenant, version_id, into)

    monkeypatch.setattr(world.documents, "fetch_pdf", flaky_fetch)
    body = world.sign(GVCN, ["sub-1", "sub-2", "sub-3"]).json
    assert (body["signed"], body["failed"]) == (2, 1)
    [failed] = [i for i in body["items"] if i["status"] == "failed"]
    assert failed["submission_id"] == "sub-2" and "các tài liệu khác vẫn được ký tiếp" in failed["reason"]
    assert not any(world.spool.rglob("*.pdf"))


def test_only_the_signer_may_answer_their_token_job(world):
    world.submission("sub-1")
    waiting = _waiting_on_token(world, GVCN, "Nguyễn Thị Lệ Thủy")
    job_id = waiting["external_job_id"]
    colleague = world.headers("thhp.giaovien2")
    assert world.client.get(f"/api/v1/external-jobs/{job_id}", headers=colleague).status_code == 404
    outsider = world.headers("mnhc.giaovien", tenant=OTHER)
    assert world.client.get(f"/api/v1/external-jobs/{job_id}", headers=outsider).status_code == 404
    job = world.client.get(f"/api/v1/external-jobs/{job_id}", headers=world.headers(GVCN)).json
    forged = [{"id": i["id"], "signature": base64.b64encode(sign_raw(new_key(), base64.b64decode(i["data"]))).decode()}
              for i in job["items"]]
    refused = world.client.post(f"/api/v1/external-jobs/{job_id}/signatures", headers=world.headers(GVCN),
                                json={"signatures": forged})
    assert refused.status_code == 422 and "không khớp" in refused.json["detail"]
    assert len(world.documents.versions) == 1  # the approved version only: nothing half-signed stored


def test_an_oversized_upload_is_refused_before_it_is_read(tmp_path):
    world = World(tmp_path, verify_max_bytes=1024 * 1024)
    big = world.client.post("/verify", data={"pdf": (io.BytesIO(b"%PDF-1.7\n" + b"0" * (2 * 1024 * 1024)), "big.pdf")},
                            content_type="multipart/form-data")
    assert big.status_code == 413 and "Tệp tối đa 1 MB" in big.get_data(as_text=True)
    api = world.client.post("/api/v1/verify", data=b"%PDF-1.7\n" + b"0" * (2 * 1024 * 1024),
                            content_type="application/pdf")
    assert api.status_code == 413


def _batch_events(world) -> list:
    world.container.runtime.relay(world.container.outbox_collections()).relay_once()
    return [e for e in world.publisher.published if e.type.startswith("signing.batch.")]


def test_a_finished_batch_tells_its_signer_how_many_were_signed(world):
    for sid in ("sub-1", "sub-2", "sub-3"):
        world.submission(sid, b"garbage" if sid == "sub-3" else None)
    batch = world.sign(GVCN, ["sub-1", "sub-2", "sub-3"]).json
    [event] = _batch_events(world)
    assert event.type == "signing.batch.finished" and event.tenant == SCHOOL
    assert {k: event.data.get(k) for k in ("batch_id", "signer", "total", "signed", "failed")} == {
        "batch_id": batch["id"], "signer": GVCN, "total": 3, "signed": 2, "failed": 1}


def test_a_failed_batch_tells_its_signer_why(world):
    world.submission("sub-1")
    world.sign(GVCN, ["sub-1"])
    cred_id = _pkcs12_credential(world, "246810")
    _batch_events(world)
    world.publisher.published.clear()
    world.sign(PRINCIPAL, ["sub-1"], pin="000000", credential=cred_id)
    [event] = _batch_events(world)
    assert event.type == "signing.batch.failed" and event.data["signer"] == PRINCIPAL
    assert "Còn" in event.data["reason"] and event.data["failed"] == 1


def test_a_batch_that_crashes_ends_failed_and_its_signer_is_told(world, monkeypatch):
    world.submission("sub-1")

    def broken(district_id):
        raise RuntimeError("the signing engine could not start")

    monkeypatch.setattr(world.container.signing, "_engine", broken)
    body = {"submission_ids": ["sub-1"], "credential_id": world.creds[GVCN].id, "wait": False}
    batch = world.client.post("/api/v1/batches", json=body, headers=world.headers(GVCN)).json
    view = world.client.get(f"/api/v1/batches/{batch['id']}", headers=world.headers(GVCN)).json
    assert view["state"] == "failed" and "Lỗi hệ thống khi ký" in view["reason"]
    [event] = _batch_events(world)
    assert event.type == "signing.batch.failed" and event.data["signer"] == GVCN


def test_a_batch_streams_the_first_document_is_signed_before_the_rest_are_fetched(world, monkeypatch):
    sids = [f"sub-{n}" for n in range(40)]
    for sid in sids:
        world.submission(sid)
    order: list[str] = []
    real_fetch, real_store = world.documents.fetch_pdf, world.documents.store_signed

    def fetch(tenant, version_id, into):
        order.append("fetch")
        return real_fetch(tenant, version_id, into)

    def store(*args, **kwargs):
        order.append("store")
        return real_store(*args, **kwargs)

    monkeypatch.setattr(world.documents, "fetch_pdf", fetch)
    monkeypatch.setattr(world.documents, "store_signed", store)
    body = world.sign(GVCN, sids).json
    assert body["state"] == "done" and body["signed"] == 40
    assert order[:2] == ["fetch", "store"]  # the first document is stored signed before the second is fetched
    # chunks of 1, 2, 4, 8, 16, 9: each chunk is fetched, then signed and stored
    assert order[:8] == ["fetch", "store", "fetch", "fetch", "store", "store", "fetch", "fetch"]


def test_a_wrong_pin_fails_every_document_of_a_streamed_batch(world):
    sids = [f"sub-{n}" for n in range(5)]
    for sid in sids:
        world.submission(sid).signed.append({"order": 1, "role": "gvcn"})
    cred_id = _pkcs12_credential(world, "246810")
    body = world.sign(PRINCIPAL, sids, pin="000000", credential=cred_id).json
    assert body["state"] == "failed" and body["signed"] == 0 and body["failed"] == 5
    assert all("Còn" in i["reason"] for i in body["items"])


def test_polling_a_batch_reads_counts_that_match_its_items(world):
    for n in range(6):
        world.submission(f"sub-{n}", b"garbage" if n == 4 else None)
    body = world.sign(GVCN, [f"sub-{n}" for n in range(6)]).json
    progress = world.client.get(f"/api/v1/batches/{body['id']}?items=none", headers=world.headers(GVCN)).json
    assert "items" not in progress
    assert {k: progress[k] for k in ("state", "total", "done", "signed", "failed")} == {
        k: body[k] for k in ("state", "total", "done", "signed", "failed")} == {
        "state": "done", "total": 6, "done": 6, "signed": 5, "failed": 1}
    outsider = world.headers("mnhc.giaovien", tenant=OTHER)
    assert world.client.get(f"/api/v1/batches/{body['id']}?items=none", headers=outsider).status_code == 404
