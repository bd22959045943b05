"""Own certificates and the USB-token signing flow, in a browser against the demo district (issue 14, point 6).

A teacher registers a PKCS#12 made here (a wrong password is refused in Vietnamese and the
password is not left in the page), sees it listed by name, issuer and days left, and revokes it
after a confirmation; a district officer (no school) registers his PKCS#12 and his USB token's certificate; a GVCN signs a học bạ with a
USB token: the signing page shows the job id and a one-time pairing code, the signing agent's
client (in process, a software key standing in for the token) pairs with the code and signs, and
the page shows the batch done.
"""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta, timezone

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from playwright.sync_api import Page, expect

from infra.demo.documents import sample_pdf
from services.signing.adapters.raw_signing import sign_raw
from services.signing.agent.client import ServerError, SigningServer

GVCN, GVCN_NAME = "thhp.giaovien", "Nguyễn Thị Lệ Thủy"
PRINCIPAL = "thhp.hieutruong"
OFFICER, OFFICER_NAME = "pgd.chuyenvien", "Trần Văn Đức"
SCHOOL_NAME = "Trường Tiểu học Hòa Phong"
STUDENT = "Trần Gia Hân"


def _name(cn: str, org: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    return x509.Name(attrs)


class MadeCa:
    """A certification authority made for the test, standing in for a licensed one."""

    def __init__(self) -> None:
        self.name = f"CA thử nghiệm HoSo {secrets.randbelow(9000) + 1000}"
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def issue(self, holder: str, org: str | None = None):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        now = datetime.now(timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(_name(holder, org)).issuer_name(_name(self.name))
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=365))
                .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                             data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                             crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
                .sign(self.key, hashes.SHA256()))
        return key, cert

    def pkcs12(self, holder: str, password: str, org: str | None = None) -> bytes:
        key, cert = self.issue(holder, org)
        return pkcs12.serialize_key_and_certificates(b"hoso", key, cert, None,
                                                     serialization.BestAvailableEncryption(password.encode()))


@pytest.fixture(scope="module")
def ca() -> MadeCa:
    return MadeCa()


def _register_pkcs12(page: Page, p12: bytes, password: str) -> None:
    form = page.get_by_role("form", name="Tệp PKCS#12 (.p12, .pfx)")
    form.locator("input[type=file]").set_input_files(
        files=[{"name": "chung-thu-so.p12", "mimeType": "application/x-pkcs12", "buffer": p12}])
    form.get_by_label("Mật khẩu của tệp").fill(password)
    form.get_by_role("button", name="Đăng ký tệp PKCS#12").click()


def _my_certificate(page: Page, ca: MadeCa, kind: str):
    return page.locator("section[aria-labelledby=certs-mine] li.cert").filter(has_text=ca.name).filter(has_text=kind)


def test_a_teacher_registers_her_pkcs12_sees_it_listed_and_revokes_it(new_page, sign_in, capture, ca):
    teacher = new_page()
    sign_in(teacher, GVCN)
    teacher.get_by_role("navigation").get_by_role("link", name="Chứng thư số của tôi").first.click()
    expect(teacher.get_by_role("heading", level=1, name="Chứng thư số của tôi")).to_be_visible()
    capture(teacher, "chung-thu-so-giao-vien")

    p12 = ca.pkcs12(GVCN_NAME, "Hoa-Phong-2026", SCHOOL_NAME)
    _register_pkcs12(teacher, p12, "mat-khau-sai")
    form = teacher.get_by_role("form", name="Tệp PKCS#12 (.p12, .pfx)")
    expect(form.get_by_role("alert")).to_contain_text("Không mở được tệp PKCS#12: sai mật khẩu hoặc tệp hỏng.")
    expect(form.get_by_label("Mật khẩu của tệp")).to_have_value("")  # never left in the page
    capture(teacher, "chung-thu-so-sai-mat-khau")

    _register_pkcs12(teacher, p12, "Hoa-Phong-2026")
    mine = _my_certificate(teacher, ca, "tệp PKCS#12")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text(GVCN_NAME)
    expect(mine).to_contain_text(re.compile(r"còn 36[45] ngày"))
    expect(mine.locator(".badge")).to_have_text("Đang dùng được")
    expect(teacher.get_by_role("form", name="Tệp PKCS#12 (.p12, .pfx)").get_by_label("Mật khẩu của tệp")).to_have_value("")

    mine.get_by_role("button", name="Thu hồi").click()
    dialog = mine.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Thu hồi chứng thư số này?")
    dialog.get_by_role("button", name="Thu hồi").click()
    expect(_my_certificate(teacher, ca, "tệp PKCS#12").locator(".badge")).to_have_text("Đã thu hồi")


def test_a_district_officer_registers_his_own_pkcs12(new_page, sign_in, capture, ca):
    officer = new_page()
    sign_in(officer, OFFICER)
    officer.goto("/chung-thu-so")
    _register_pkcs12(officer, ca.pkcs12(OFFICER_NAME, "Phong-GD-2026"), "Phong-GD-2026")
    mine = _my_certificate(officer, ca, "tệp PKCS#12")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text(OFFICER_NAME)

    # …and the certificate of his USB token (the key stays on the token: only the certificate is sent)
    _, token_cert = ca.issue(OFFICER_NAME)
    officer.locator("details.cert-add > summary", has_text="USB token").click()
    form = officer.get_by_role("form", name="USB token")
    form.locator("input[type=file]").set_input_files(files=[{
        "name": "usb-token.cer", "mimeType": "application/pkix-cert",
        "buffer": token_cert.public_bytes(serialization.Encoding.DER)}])
    form.get_by_role("button", name="Đăng ký USB token").click()
    token = _my_certificate(officer, ca, "USB token")
    expect(token).to_have_count(1)
    expect(token).to_contain_text(OFFICER_NAME)
    capture(officer, "chung-thu-so-chuyen-vien")


def _submit_hoc_ba(teacher: Page) -> str:
    """The GVCN submits one more student's học bạ from "Việc của tôi"; returns the submission id."""
    teacher.goto("/viec-cua-toi?xem=all")
    owed = teacher.locator("section[aria-labelledby=owed-title]")
    row = owed.locator("ul.list > li").filter(has=teacher.get_by_role("button", name="Nộp thêm học bạ")).first
    expect(row).to_be_visible(timeout=30_000)
    row.get_by_role("button", name="Nộp thêm học bạ").click()
    row.get_by_label("Họ và tên học sinh").fill(STUDENT)
    row.locator("input[type=file]").set_input_files(files=[{
        "name": "Học bạ — Trần Gia Hân.pdf", "mimeType": "application/pdf",
        "buffer": sample_pdf(["Học bạ", STUDENT, "Lớp 4A — năm học 2026–2027"])}])
    row.get_by_role("button", name="Tải lên và nộp").click()
    expect(row.get_by_role("status").filter(has_text="Đã nộp hồ sơ")).to_be_visible()
    teacher.goto("/viec-cua-toi?xem=all")
    link = owed.get_by_role("link", name=STUDENT).first
    expect(link).to_be_visible()
    return link.get_attribute("href").rsplit("/", 1)[1]


def test_a_usb_token_batch_shows_the_job_and_a_pairing_code_and_the_agent_signs(new_page, sign_in, capture, ca,
                                                                                base_url):
    teacher = new_page()
    sign_in(teacher, GVCN)
    submission_id = _submit_hoc_ba(teacher)
    principal = new_page()
    sign_in(principal, PRINCIPAL)
    principal.evaluate("async (id) => { const svc = await import('/js/services.js'); await svc.decide(id, 'approve'); }",
                       submission_id)

    # the GVCN registers her USB token's certificate (read from the token; here, made by the test's CA)
    token_key, token_cert = ca.issue(GVCN_NAME, SCHOOL_NAME)
    teacher.goto("/chung-thu-so")
    teacher.locator("details.cert-add > summary").filter(has_text="USB token").click()
    form = teacher.get_by_role("form", name="USB token")
    form.locator("input[type=file]").set_input_files(files=[{
        "name": "token.cer", "mimeType": "application/pkix-cert",
        "buffer": token_cert.public_bytes(serialization.Encoding.DER)}])
    form.get_by_role("button", name="Đăng ký USB token").click()
    token_row = _my_certificate(teacher, ca, "USB token")
    expect(token_row).to_have_count(1)
    credential_id = token_row.get_attribute("data-credential")

    teacher.goto("/ky-so")
    sign_form = teacher.locator("form[aria-labelledby=sign-list]")
    row = sign_form.locator("ul.list > li").filter(has=teacher.locator(f'a[href="/bai-nop/{submission_id}"]'))
    expect(row).to_be_visible(timeout=30_000)
    row.locator("input[type=checkbox]").check()
    sign_form.get_by_label("Chứng thư số", exact=True).select_option(credential_id)
    sign_form.get_by_role("button", name="Ký 1 hồ sơ đã chọn").click()
    sign_form.get_by_role("alertdialog").get_by_role("button", name="Xác nhận ký 1 hồ sơ").click()

    panel = teacher.locator("section.agent-panel")
    expect(panel.locator("code.pairing-code")).to_be_visible(timeout=60_000)
    job_id = panel.locator("code.agent-job").inner_text().strip()
    code = panel.locator("code.pairing-code").inner_text().strip()
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{8}", code), code
    expect(panel.locator("pre.agent-command")).to_contain_text(f"--job {job_id} --pair {code}")
    capture(teacher, "ky-so-usb-token-ma-ghep-noi")

    # the signing agent: pairs with the code (no sign-in, no pasted token), signs on the "token", posts
    agent = SigningServer.pair(base_url=base_url, job_id=job_id, code=code)
    job = agent.job(job_id)
    assert job.certificate_der == token_cert.public_bytes(serialization.Encoding.DER)
    agent.post_signatures(job.id, {item_id: sign_raw(token_key, data) for item_id, data, _label in job.items})
    with pytest.raises(ServerError, match="Mã ghép nối đã hết hạn, đã được dùng"):
        SigningServer.pair(base_url=base_url, job_id=job_id, code=code)

    result = teacher.locator("#sign-out")
    expect(result.get_by_role("status").filter(has_text="Đã ký xong 1 hồ sơ")).to_be_visible(timeout=60_000)
    capture(teacher, "ky-so-usb-token-da-ky")
