"""The biên bản kiểm tra to its signature through the HTTP APIs of the real documents and signing services.

A campaign member drafts the record of a school (documents renders it in the legal layout); the
head of the team, oversight staff with no school, signs it with a key their unit's platform CA
issued; the signed PDF is fetched back and poppler's ``pdfsig`` (on NSS, trusting only the unit's
root) reports the signature valid and trusted for the head, and ``pdftotext`` shows the Vietnamese
headings with their diacritics. Someone not the head is refused, another school's id is not
found, and signing twice gives no second signature.
"""
from __future__ import annotations

import io
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests

from infra.demo.district import DEMO_DISTRICT
from services.approvals.domain.calendar import TIMEZONE
from services.documents.bootstrap import bootstrap as documents_bootstrap
from services.documents.entrypoints.app import create_app as documents_app
from services.kernel.clock import FixedClock
from services.kernel.messaging import InMemoryPublisher
from services.kernel.testing import TokenFactory
from services.signing.adapters.approvals_client import FakeApprovals
from services.signing.adapters.documents_client import HttpDocuments
from services.signing.adapters.verifier import inspect_pdf
from services.signing.bootstrap import bootstrap as signing_bootstrap
from services.signing.domain.credentials import OwnerKind
from services.signing.entrypoints.app import create_app as signing_app

sys.path.insert(0, str(Path(__file__).parent))
from test_hoc_ba_flow_over_http import ServiceToken, _serve  # noqa: E402  (the servers of the học bạ flow)

DISTRICT, PROVINCE = DEMO_DISTRICT.slug, DEMO_DISTRICT.province_slug
SCHOOL, OTHER = DEMO_DISTRICT.schools[0], DEMO_DISTRICT.schools[1]
HEAD, MEMBER = "pgd.truongdoan", "pgd.thanhtra"
HEAD_NAME = "Trần Văn Kiểm"
NOW = datetime(2025, 12, 3, 9, 0, tzinfo=TIMEZONE)


class Platform:
    def __init__(self, tmp_path) -> None:
        self.clock = FixedClock(NOW)
        self.tokens = TokenFactory(clock=self.clock)
        verifier = self.tokens.verifier()
        self.documents = documents_bootstrap(
            {"mode": "test", "local_root": str(tmp_path / "objects"), "work_dir": str(tmp_path / "work"),
             "jwt_issuer": self.tokens.issuer, "log_json": False},
            environ={}, clock=self.clock, publisher=InMemoryPublisher(), verifier=verifier)
        self.documents_url, s1 = _serve(documents_app(container=self.documents))
        self.service = ServiceToken(self.tokens, "signing")
        self.signing = signing_bootstrap(
            {"mode": "test", "spool_dir": str(tmp_path / "spool"), "log_json": False, "level": "B-LT",
             "public_url": "http://hoso.test"},
            environ={}, clock=self.clock, publisher=InMemoryPublisher(), verifier=verifier,
            approvals=FakeApprovals(), documents=HttpDocuments(base_url=self.documents_url, auth=self.service))
        self.signing_url, s2 = _serve(signing_app(container=self.signing))
        self.servers = [s1, s2]
        until = int((NOW + timedelta(days=10)).timestamp())
        self.grant = {"campaign": "dkt-hk1", "schools": [SCHOOL.slug], "books": [], "year": "2025-2026", "until": until}
        for school in (SCHOOL, OTHER):
            units = [{"id": f"{school.slug}/{u.slug}", "slug": u.slug, "name": u.name, "kind": u.kind}
                     for u in school.units]
            self.documents.folders.onboard({"school_id": school.slug, "slug": school.slug, "name": school.name,
                                            "levels": list(school.levels), "district_id": DISTRICT,
                                            "province_id": PROVINCE, "units": units}, "2025-2026")

    def close(self) -> None:
        for s in self.servers:
            s.close()

    def inspector(self, sub: str, name: str, *grants: dict) -> dict[str, str]:
        token = self.tokens.issue(sub, name=name, district=DISTRICT, province=PROVINCE, roles=["chuyen_vien"],
                                  ttl=24 * 3600, extra={"grants": list(grants)})
        return {"Authorization": f"Bearer {token}"}

    def school_staff(self, school, role: str = "hieu_truong") -> dict[str, str]:
        person = next(p for p in school.people if (role, None) in p.roles)
        token = self.tokens.issue(person.username, name=person.full_name, tenant=school.slug, district=DISTRICT,
                                  province=PROVINCE, roles=[role], ttl=24 * 3600)
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def platform(tmp_path):
    p = Platform(tmp_path)
    yield p
    p.close()


def nss_trusting(tmp_path, roots) -> str:
    nss = tmp_path / "nss"
    nss.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True, capture_output=True)
    for n, der in enumerate(bytes(r.dump()) for r in roots):
        (nss / f"ca{n}.der").write_bytes(der)
        subprocess.run(["certutil", "-A", "-d", f"sql:{nss}", "-n", f"ca{n}", "-t", "CT,C,C", "-i",
                        str(nss / f"ca{n}.der")], check=True, capture_output=True)
    return f"sql:{nss}"


def test_the_head_signs_the_record_and_pdfsig_validates_it(platform, tmp_path):
    p = platform
    p.signing.authority.ensure_district(DISTRICT, DEMO_DISTRICT.name)
    cred = p.signing.authority.issue_credential(
        district_id=DISTRICT, tenant_id=None, owner_id=HEAD, owner_kind=OwnerKind.PERSON, common_name=HEAD_NAME,
        organisation=DEMO_DISTRICT.name, actor="test")
    head = p.inspector(HEAD, HEAD_NAME, p.grant)
    member = p.inspector(MEMBER, "Lê Thị Thanh", p.grant)

    # a member of the team drafts the record
    drafted = requests.post(f"{p.documents_url}/api/v1/inspection-records", headers=member, timeout=30, json={
        "campaign": "dkt-hk1", "school": SCHOOL.slug, "head": HEAD, "head_name": HEAD_NAME,
        "head_position": "Chuyên viên", "campaign_name": "Đợt kiểm tra hồ sơ học kỳ I năm học 2025-2026",
        "unit_name": DEMO_DISTRICT.name, "team": [{"person": MEMBER, "name": "Lê Thị Thanh", "position": "Chuyên viên"}],
        "school_representatives": [{"name": "Phạm Văn Hùng", "position": "Hiệu trưởng"}]})
    assert drafted.status_code == 201, drafted.text
    record = drafted.json()
    sign_url = f"{p.signing_url}/api/v1/inspection-records/{record['id']}/sign"
    body = {"school": SCHOOL.slug, "credential_id": cred.id}

    # nobody but the head signs; another school's id is not found
    refused = requests.post(sign_url, headers=member, json=body, timeout=30)
    assert refused.status_code == 403 and refused.json()["code"] == "not-record-head", refused.text
    principal = requests.post(sign_url, headers=p.school_staff(SCHOOL), json=body, timeout=30)
    assert principal.status_code == 403, principal.text
    assert requests.post(sign_url, headers=head, json={**body, "school": OTHER.slug}, timeout=30).status_code == 404
    assert requests.post(sign_url, headers=p.school_staff(OTHER), json=body, timeout=30).status_code == 404
    assert requests.post(f"{p.signing_url}/api/v1/inspection-records/not-a-record/sign", headers=head, json=body,
                         timeout=30).status_code == 404
    # a head whose campaign grant is not in their token (not on the team, or the campaign ended): not found
    assert requests.post(sign_url, headers=p.inspector(HEAD, HEAD_NAME), json=body, timeout=30).status_code == 404

    # the head signs with their own credential only: a school's credential is not found for them
    principal_cred = p.signing.authority.issue_credential(
        district_id=DISTRICT, tenant_id=SCHOOL.slug, owner_id="thhp.hieutruong", owner_kind=OwnerKind.PERSON,
        common_name="Phạm Văn Hùng", organisation=SCHOOL.name, actor="test")
    assert requests.post(sign_url, headers=head, json={**body, "credential_id": principal_cred.id},
                         timeout=30).status_code == 404
    listed = requests.get(f"{p.signing_url}/api/v1/credentials", headers=head, timeout=30).json()["items"]
    assert [(c["id"], c["subject"]) for c in listed] == [(cred.id, HEAD_NAME)]

    signed = requests.post(sign_url, headers=head, json=body, timeout=120)
    assert signed.status_code == 200, signed.text
    result = signed.json()
    assert result["state"] == "signed" and result["level"] == "B-LT"
    again = requests.post(sign_url, headers=head, json=body, timeout=60)
    assert again.status_code == 409 and again.json()["code"] == "record-signed", again.text

    # the school sees its record signed
    seen = requests.get(f"{p.documents_url}/api/v1/inspection-records/{record['id']}",
                        headers=p.school_staff(SCHOOL), timeout=30).json()
    assert (seen["state"], seen["signed_by"], seen["signed_version_id"]) == ("signed", HEAD, result["version_id"])

    # the signed PDF: one signature, valid and trusted for the head (pyHanko and pdfsig)
    pdf = io.BytesIO()
    HttpDocuments(base_url=p.documents_url, auth=p.service).fetch_pdf(SCHOOL.slug, result["version_id"], pdf)
    roots, crls = p.signing.authority.trust()
    [finding] = inspect_pdf(pdf, trust_roots=roots, crls=crls, now=p.clock.now()).signatures
    assert finding.signer_name == HEAD_NAME and finding.ok
    path = tmp_path / "bien-ban-kiem-tra.pdf"
    path.write_bytes(pdf.getvalue())
    run = subprocess.run(["pdfsig", "-nssdir", nss_trusting(tmp_path, roots), str(path)], capture_output=True,
                         text=True)
    report = run.stdout
    assert report.count("Signature is Valid.") == 1 and report.count("Certificate is Trusted.") == 1, report
    assert f"Signer Certificate Common Name: {HEAD_NAME}" in report
    assert "Signature Type: ETSI.CAdES.detached" in report

    # the text layer keeps the Vietnamese headings, diacritics included
    text = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    for heading in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "BIÊN BẢN KIỂM TRA",
                    "I. THÀNH PHẦN", "II. NỘI DUNG KIỂM TRA", "III. KẾT QUẢ KIỂM TRA", "IV. KẾT LUẬN",
                    "TRƯỞNG ĐOÀN KIỂM TRA", "ĐẠI DIỆN NHÀ TRƯỜNG", HEAD_NAME, SCHOOL.name):
        assert heading in text, heading

    # the public verification page finds it by the code on the stamp
    verified = requests.get(f"{p.signing_url}/api/v1/verify/{result['code']}", timeout=30).json()
    assert [(s["signer"], s["valid"]) for s in verified["signatures"]] == [(HEAD_NAME, True)]
    assert verified["latest"] is True and verified["book_type"] == "bien_ban_kiem_tra"
    audit = [e["action"] for e in p.signing.runtime.audit.entries(target=record["id"])]
    assert audit.count("signing.inspection_record.signed") == 1
