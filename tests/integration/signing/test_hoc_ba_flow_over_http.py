"""The học bạ flow to its end through the HTTP API of the real approvals, documents and signing services.

Three Flask apps run as real HTTP servers in this process; the signing service reaches the
other two through its HTTP ports with a client-credentials token from the kernel's
TokenFactory. The GVCN signs with a key the platform CA issued, the principal with an
uploaded PKCS#12 and one PIN for two học bạ, the văn thư applies the school's seal from a
USB token (SoftHSM2) through the shipped agent, issues both, then recalls one. States, audit
entries, events, pdfsig and the public verification are asserted.
"""
from __future__ import annotations

import base64
import hashlib
import io
import subprocess
import sys
import threading
import time
from datetime import datetime
from urllib.parse import quote

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from waitress.server import create_server

from infra.demo.district import DEMO_DISTRICT
from services.approvals.adapters.documents_service import HttpDocuments as ApprovalsDocuments
from services.approvals.bootstrap import bootstrap as approvals_bootstrap
from services.approvals.domain.calendar import TIMEZONE
from services.approvals.entrypoints.app import create_app as approvals_app
from services.documents.bootstrap import bootstrap as documents_bootstrap
from services.documents.entrypoints.app import create_app as documents_app
from services.kernel.clock import FixedClock
from services.kernel.messaging import InMemoryPublisher
from services.kernel.testing import TokenFactory
from services.signing.adapters.approvals_client import HttpApprovals
from services.signing.adapters.documents_client import HttpDocuments
from services.signing.adapters.verifier import inspect_pdf
from services.signing.adapters.x509_issuer import Subject, new_key, to_asn1
from services.signing.bootstrap import bootstrap as signing_bootstrap
from services.signing.entrypoints.app import create_app as signing_app
from services.signing.domain.credentials import OwnerKind
from services.signing.testing import one_page_pdf

SCHOOL = next(s for s in DEMO_DISTRICT.schools if s.slug == "th-hoa-phong")
DISTRICT = DEMO_DISTRICT.slug
GVCN, PRINCIPAL, PHT, CLERK = "thhp.giaovien", "thhp.hieutruong", "thhp.phohieutruong", "thhp.vanthu"
PIN = "246810"

FRAME = {
    "opening_day": "2025-09-05", "semester_1_end": "2026-01-10", "closing_day": "2026-05-31",
    "holidays": [{"name": "Nghỉ Tết Nguyên đán Bính Ngọ", "first_day": "2026-02-14", "last_day": "2026-02-22"}],
    "points": {"giua_hk1": "2025-10-31", "giua_hk2": "2026-03-21"},
}


class ServiceToken(requests.auth.AuthBase):
    """A fresh client-credentials-shaped token of ``client_id`` per call (the test clock jumps months
    ahead); each service's token carries only its own declared calls."""

    def __init__(self, tokens: TokenFactory, client_id: str) -> None:
        self.tokens = tokens
        self.client_id = client_id

    def __call__(self, r):
        r.headers["Authorization"] = f"Bearer {self.tokens.service_token(self.client_id)}"
        return r


def _serve(app) -> tuple[str, object]:
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    return f"http://127.0.0.1:{server.effective_port}", server


class Platform:
    def __init__(self, tmp_path, soft_token) -> None:
        self.clock = FixedClock(datetime(2025, 9, 1, 8, 0, tzinfo=TIMEZONE))
        self.tokens = TokenFactory(clock=self.clock)
        verifier = self.tokens.verifier()
        self.approvals_pub, self.documents_pub, self.signing_pub = InMemoryPublisher(), InMemoryPublisher(), InMemoryPublisher()
        self.documents = documents_bootstrap(
            {"mode": "test", "local_root": str(tmp_path / "objects"), "work_dir": str(tmp_path / "work"),
             "jwt_issuer": self.tokens.issuer, "log_json": False},
            environ={}, clock=self.clock, publisher=self.documents_pub, verifier=verifier)
        self.documents_url, s2 = _serve(documents_app(container=self.documents))
        service = ServiceToken(self.tokens, "signing")
        self.approvals = approvals_bootstrap({"mode": "test", "log_json": False}, environ={}, clock=self.clock,
                                             publisher=self.approvals_pub, verifier=verifier,
                                             documents=ApprovalsDocuments(base_url=self.documents_url,
                                                                          auth=ServiceToken(self.tokens, "approvals")))
        self.approvals_url, s1 = _serve(approvals_app(container=self.approvals))
        self.signing = signing_bootstrap(
            {"mode": "test", "spool_dir": str(tmp_path / "spool"), "log_json": False, "level": "B-LT",
             "public_url": "http://hoso.test"},
            environ={}, clock=self.clock, publisher=self.signing_pub, verifier=verifier,
            approvals=HttpApprovals(base_url=self.approvals_url, auth=service),
            documents=HttpDocuments(base_url=self.documents_url, auth=service))
        self.signing_url, s3 = _serve(signing_app(container=self.signing))
        self.servers = [s1, s2, s3]
        self.http = requests.Session()
        self.soft_token = soft_token

    def close(self) -> None:
        for s in self.servers:
            s.close()

    def token(self, username: str) -> str:
        person = next(p for p in SCHOOL.people if p.username == username)
        roles = [r for r, u in person.roles if u is None]
        unit_roles = [(r, f"{SCHOOL.slug}/{u}") for r, u in person.roles if u is not None]
        if person.gvcn_of:
            unit_roles.append(("giao_vien", f"{SCHOOL.slug}/{person.gvcn_of}"))
        return self.tokens.issue(username, name=person.full_name, tenant=SCHOOL.slug, district=DISTRICT,
                                 province=DEMO_DISTRICT.province_slug, roles=roles + [r for r, _ in unit_roles],
                                 unit_roles=unit_roles, ttl=24 * 3600)

    def call(self, base: str, method: str, path: str, who: str, **kw) -> requests.Response:
        headers = kw.pop("headers", {})
        headers["Authorization"] = f"Bearer {self.token(who)}"
        return self.http.request(method, base + path, headers=headers, timeout=60, **kw)

    def ok(self, base: str, method: str, path: str, who: str, **kw) -> dict:
        resp = self.call(base, method, path, who, **kw)
        assert resp.status_code in (200, 201, 202), (resp.status_code, resp.text[:500])
        return resp.json()

    def onboard(self) -> None:
        since = datetime(2025, 8, 1, tzinfo=TIMEZONE)
        units = [{"id": f"{SCHOOL.slug}/{u.slug}", "slug": u.slug, "name": u.name, "kind": u.kind} for u in SCHOOL.units]
        self.approvals.setup.school_onboarded({
            "id": SCHOOL.slug, "slug": SCHOOL.slug, "name": SCHOOL.name, "levels": list(SCHOOL.levels),
            "district_id": DISTRICT, "province_id": DEMO_DISTRICT.province_slug, "units": units,
            "principal": PRINCIPAL})
        for person in SCHOOL.people:
            grants = [(r, f"{SCHOOL.slug}/{u}" if u else None) for r, u in person.roles]
            if person.gvcn_of:
                grants.append(("giao_vien", f"{SCHOOL.slug}/{person.gvcn_of}"))
            for role, unit in grants:
                self.approvals.setup.membership_granted({"person": person.username, "school": SCHOOL.slug,
                                                         "role": role, "unit": unit, "at": since.isoformat()})
        self.documents.folders.onboard({"school_id": SCHOOL.slug, "slug": SCHOOL.slug, "name": SCHOOL.name,
                                        "levels": list(SCHOOL.levels), "district_id": DISTRICT,
                                        "province_id": DEMO_DISTRICT.province_slug, "units": units}, "2025-2026")
        tokens = self.tokens.issue("pgd.truongphong", district=DISTRICT, province=DEMO_DISTRICT.province_slug,
                                   roles=["truong_phong"])
        resp = self.http.put(f"{self.approvals_url}/api/v1/calendar/frames/2025-2026", json=FRAME,
                             headers={"Authorization": f"Bearer {tokens}"})
        assert resp.status_code == 200, resp.text

    def signing_events(self) -> list:
        self.signing.runtime.relay(self.signing.outbox_collections()).relay_once()
        return self.signing_pub.published

    def approvals_events(self) -> list:
        self.approvals.relay.relay_once()
        return self.approvals_pub.published


@pytest.fixture
def platform(tmp_path, soft_token):
    p = Platform(tmp_path, soft_token)
    yield p
    p.close()


def submit_hoc_ba(p: Platform, pupil: str, item: str) -> dict:
    pdf = one_page_pdf()
    up = p.call(p.documents_url, "POST", "/api/v1/documents/upload", GVCN, data=pdf,
                params={"book": "hoc_ba", "period": "2025-2026", "title": f"Học bạ {pupil}"},
                headers={"X-File-Name": quote(f"hoc-ba-{pupil}.pdf"), "Content-Type": "application/octet-stream"})
    assert up.status_code == 201, up.text
    version = up.json()["version"]
    obligations = p.ok(p.approvals_url, "GET", "/api/v1/obligations", GVCN, params={"limit": 200})["items"]
    ob = next(o for o in obligations if (o["book_type"], o["item"]) == ("hoc_ba", item))
    sub = p.ok(p.approvals_url, "POST", "/api/v1/submissions", GVCN, json={
        "obligation_id": ob["id"], "document_id": version["document_id"], "version_id": version["id"],
        "sha256": hashlib.sha256(pdf).hexdigest()})
    p.ok(p.approvals_url, "POST", f"/api/v1/submissions/{sub['id']}/comments", PHT, json={"comment": "Đã kiểm tra."})
    approved = p.ok(p.approvals_url, "POST", f"/api/v1/submissions/{sub['id']}/decision", PRINCIPAL,
                    json={"decision": "approve"})
    assert approved["state"] == "signing"
    return approved


def register_principal_pkcs12(p: Platform) -> str:
    key = new_key()
    cert = p.signing.authority.issue_for_key(district_id=DISTRICT, public_key=key.public_key(),
                                             subject=Subject("Phạm Văn Hùng", SCHOOL.name))
    p12 = pkcs12.serialize_key_and_certificates(b"hieutruong", key, cert, None,
                                                serialization.BestAvailableEncryption(PIN.encode()))
    return p.ok(p.signing_url, "POST", "/api/v1/credentials/pkcs12", PRINCIPAL,
                json={"p12": base64.b64encode(p12).decode(), "pin": PIN})["id"]


def register_school_token(p: Platform) -> str:
    """The văn thư registers the school's seal certificate read from the token by the agent."""
    env = {**p.soft_token.env(), "HOSO_TOKEN_PIN": p.soft_token.pin}
    listed = subprocess.run([sys.executable, "-m", "services.signing.agent", "--module", p.soft_token.module,
                             "--token-label", p.soft_token.label, "certificates"],
                            capture_output=True, text=True, env=env, check=True)
    [cert_b64] = listed.stdout.split()
    return p.ok(p.signing_url, "POST", "/api/v1/credentials/token", CLERK,
                json={"certificate": cert_b64, "organisation": True})["id"]


def run_agent(p: Platform, job_id: str, pin: str, code: str) -> subprocess.CompletedProcess:
    """The shipped agent with the page's one-time pairing code: no access token is given to it."""
    env = {**p.soft_token.env(), "HOSO_TOKEN_PIN": pin}
    env.pop("HOSO_ACCESS_TOKEN", None)
    return subprocess.run([sys.executable, "-m", "services.signing.agent", "--module", p.soft_token.module,
                           "--token-label", p.soft_token.label, "sign", "--signing-url", p.signing_url, "--job", job_id,
                           "--pair", code], capture_output=True, text=True, env=env, timeout=120)


def pairing_code(p: Platform, job_id: str) -> str:
    """The code the văn thư's signing page shows for the job."""
    return p.ok(p.signing_url, "POST", f"/api/v1/external-jobs/{job_id}/pairing", CLERK)["code"]


def wait_for_batch(p: Platform, batch_id: str, who: str) -> dict:
    """The agent does not wait for completion: poll the batch as the web app does."""
    for _ in range(600):
        view = p.ok(p.signing_url, "GET", f"/api/v1/batches/{batch_id}", who)
        if view["state"] in ("done", "failed"):
            return view
        time.sleep(0.05)
    raise AssertionError(f"batch {batch_id} did not finish: {view}")


def test_hoc_ba_flow_to_its_end(platform, signing_pki, tmp_path):
    p = platform
    p.onboard()
    p.signing.authority.ensure_district(DISTRICT, DEMO_DISTRICT.name)
    gvcn_cred = p.signing.authority.issue_credential(
        district_id=DISTRICT, tenant_id=SCHOOL.slug, owner_id=GVCN, owner_kind=OwnerKind.PERSON,
        common_name="Nguyễn Thị Lệ Thủy", organisation=SCHOOL.name, actor="test")
    p.clock.set(datetime(2026, 1, 12, 9, 0, tzinfo=TIMEZONE))
    subs = [submit_hoc_ba(p, "lop-4a-cuoi-hk1", "cuoi_hk1"), submit_hoc_ba(p, "lop-4a-cuoi-nam", "cuoi_nam")]
    sids = [s["id"] for s in subs]

    # the văn thư cannot sign before the others
    seal_cred = register_school_token(p)
    early = p.ok(p.signing_url, "POST", "/api/v1/batches", CLERK,
                 json={"submission_ids": sids, "credential_id": seal_cred, "wait": True})
    assert early["failed"] == 2 and all("Chưa đến lượt ký" in i["reason"] for i in early["items"]), early["items"]

    # GVCN: platform-CA key held by the server; principal: PKCS#12 and one PIN for both
    gv = p.ok(p.signing_url, "POST", "/api/v1/batches", GVCN,
              json={"submission_ids": sids, "credential_id": gvcn_cred.id, "wait": True})
    assert (gv["state"], gv["signed"]) == ("done", 2), gv
    principal_cred = register_principal_pkcs12(p)
    wrong = p.ok(p.signing_url, "POST", "/api/v1/batches", PRINCIPAL,
                 json={"submission_ids": sids, "credential_id": principal_cred, "pin": "111111", "wait": True})
    assert wrong["state"] == "failed" and "Mã PIN không đúng" in wrong["reason"] and wrong["signed"] == 0
    ht = p.ok(p.signing_url, "POST", "/api/v1/batches", PRINCIPAL,
              json={"submission_ids": sids, "credential_id": principal_cred, "pin": PIN, "wait": True})
    assert (ht["state"], ht["signed"]) == ("done", 2), ht

    # văn thư: the school's seal on the USB token, through the agent, one token login for both
    vt = p.ok(p.signing_url, "POST", "/api/v1/batches", CLERK,
              json={"submission_ids": sids, "credential_id": seal_cred, "wait": True})
    assert vt["state"] == "waiting" and vt["external_job_id"]
    code = pairing_code(p, vt["external_job_id"])
    bad = run_agent(p, vt["external_job_id"], "000000", code)
    assert bad.returncode == 2 and "Mã PIN của token không đúng" in bad.stderr
    agent = run_agent(p, vt["external_job_id"], p.soft_token.pin, code)  # a wrong PIN did not spend the code
    assert agent.returncode == 0, agent.stderr
    assert "Đã ký và gửi 2 chữ ký" in agent.stdout
    done = wait_for_batch(p, vt["id"], CLERK)
    assert (done["state"], done["signed"]) == ("done", 2), done

    for sid in sids:
        sub = p.ok(p.approvals_url, "GET", f"/api/v1/submissions/{sid}", CLERK)
        assert sub["state"] == "signed"
        assert [s["signed_by"] for s in sub["signing"]["steps"]] == [GVCN, PRINCIPAL, CLERK]
        issued = p.ok(p.approvals_url, "POST", f"/api/v1/submissions/{sid}/issue", CLERK, json={})
        assert issued["state"] == "issued"

    # the signed PDF: three PAdES signatures valid for the named signers (pyHanko and pdfsig)
    code = done["items"][0]["code"]
    latest_version = done["items"][0]["version_id"]

    # the signed copy in hand: the GVCN, the principal and the văn thư are pointed at the signed
    # version (not the unsigned original), and the văn thư's "Đã phát hành" comes from the server
    for who in (GVCN, PRINCIPAL, CLERK):
        copy = p.ok(p.signing_url, "GET", f"/api/v1/signed-documents/{sids[0]}", who)
        assert copy["version_id"] == latest_version and copy["code"] == code
        assert [s["order"] for s in copy["signatures"]] == [1, 2, 3] and copy["signatures"][2]["organisation"] is True
        assert copy["verify_url"].endswith(f"/tra-cuu/{code}")
        content = p.call(p.documents_url, "GET", f"/api/v1/versions/{latest_version}/content", who)
        assert content.status_code == 200 and content.content.startswith(b"%PDF")
    other_school = {"Authorization": "Bearer " + p.tokens.issue(
        "mnhc.hieutruong", name="Trần Thị Mai", tenant="mn-hoa-chau", district=DISTRICT,
        province=DEMO_DISTRICT.province_slug, roles=["hieu_truong"], ttl=3600)}
    assert p.http.get(f"{p.signing_url}/api/v1/signed-documents/{sids[0]}", headers=other_school,
                      timeout=30).status_code == 404
    listed = p.ok(p.approvals_url, "GET", "/api/v1/issued", CLERK)["items"]
    assert {i["id"] for i in listed} == set(sids) and all(i["issued_at"] for i in listed)
    assert p.call(p.approvals_url, "GET", "/api/v1/issued", GVCN).status_code == 403
    assert p.http.get(f"{p.approvals_url}/api/v1/issued", headers=other_school, timeout=30).json()["items"] == []
    pdf = io.BytesIO()
    HttpDocuments(base_url=p.documents_url, auth=ServiceToken(p.tokens, "signing")).fetch_pdf(
        SCHOOL.slug, latest_version, pdf)
    roots, crls = p.signing.authority.trust()
    roots.append(to_asn1(signing_pki.ca))
    findings = inspect_pdf(pdf, trust_roots=roots, crls=crls, now=p.clock.now()).signatures
    assert [f.signer_name for f in findings] == ["Nguyễn Thị Lệ Thủy", "Phạm Văn Hùng", "Trường Tiểu học Hòa Phong"]
    assert all(f.ok for f in findings), [(f.signer_name, f.intact, f.valid, f.trusted, f.revoked, f.changed_after) for f in findings]
    path = tmp_path / "hoc-ba.pdf"
    path.write_bytes(pdf.getvalue())
    nss = tmp_path / "nss"
    nss.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True, capture_output=True)
    for n, der in enumerate([bytes(r.dump()) for r in roots]):
        (nss / f"ca{n}.der").write_bytes(der)
        subprocess.run(["certutil", "-A", "-d", f"sql:{nss}", "-n", f"ca{n}", "-t", "CT,C,C", "-i",
                        str(nss / f"ca{n}.der")], check=True, capture_output=True)
    report = subprocess.run(["pdfsig", "-nssdir", f"sql:{nss}", str(path)], capture_output=True, text=True).stdout
    assert report.count("Signature is Valid.") == 3 and report.count("Certificate is Trusted.") == 3
    assert "Signer Certificate Common Name: Trường Tiểu học Hòa Phong" in report

    # public verification before and after the recall
    before = requests.get(f"{p.signing_url}/api/v1/verify/{code}", timeout=30).json()
    assert before["recalled"] is False and len(before["signatures"]) == 3
    recalled = p.ok(p.approvals_url, "POST", f"/api/v1/submissions/{sids[0]}/recall", CLERK,
                    json={"reason": "Sai ngày sinh của học sinh"})
    assert recalled["state"] == "recalled"
    events = p.approvals_events()
    [recall_event] = [e for e in events if e.type == "approvals.submission.recalled"]
    assert recall_event.data["submission_id"] == sids[0] and recall_event.data["reason"] == "Sai ngày sinh của học sinh"
    for event in events:
        p.signing.recall_consumer.handle(event)
    after = requests.get(f"{p.signing_url}/api/v1/verify/{code}", timeout=30).json()
    assert after["recalled"] is True and after["recall_reason"] == "Sai ngày sinh của học sinh"
    page = requests.get(f"{p.signing_url}/verify/{code}", timeout=30).text
    assert "THU HỒI" in page and "Sai ngày sinh của học sinh" in page
    other = next(i["code"] for i in done["items"] if i["submission_id"] == sids[1])
    assert requests.get(f"{p.signing_url}/api/v1/verify/{other}", timeout=30).json()["recalled"] is False

    # events and audit entries of both services
    signed = [e for e in p.signing_events() if e.type == "signing.document.signed"]
    assert len(signed) == 6 and {e.data["key_path"] for e in signed} == {"platform", "pkcs12", "external"}
    # B-LT where the district CA's CRL is held; the token's certificate comes from another CA: B-T
    assert {(e.data["key_path"], e.data["level"]) for e in signed} == {
        ("platform", "B-LT"), ("pkcs12", "B-LT"), ("external", "B-T")}
    kinds = [e.type for e in events if e.data.get("submission_id") == sids[0]]
    for expected in ("approvals.submission.signed", "approvals.submission.issued", "approvals.submission.recalled"):
        assert expected in kinds
    approvals_audit = [e["action"] for e in p.approvals.runtime.audit.entries(target=sids[0])]
    assert approvals_audit.count("approvals.submission.signature_recorded") == 3
    signing_audit = [e["action"] for e in p.signing.runtime.audit.entries(target=sids[0])]
    assert signing_audit.count("signing.document.signed") == 3 and "signing.document.recalled" in signing_audit
    assert not p.approvals.runtime.audit.verify() and not p.signing.runtime.audit.verify()
