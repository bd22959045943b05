"""PAdES signatures produced by the engine: valid, timestamped, stamped in Vietnamese, several in order."""
from __future__ import annotations

import io
import re
import subprocess

import qrcode

import pytest
from asn1crypto import crl as asn1_crl
from cryptography.hazmat.primitives import serialization

from pypdf import PdfReader
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import ValidationContext

from services.signing.adapters.pades import StampPlacement
from services.signing.adapters.pdf_checks import check_signable
from services.signing.adapters.stamp_style import QR_MASK_PATTERN
from services.signing.adapters.verifier import inspect_pdf
from services.signing.adapters.x509_issuer import to_asn1
from services.signing.testing import sample_stamp, sign_locally


def findings(pki, data, crls=()):
    return inspect_pdf(io.BytesIO(data), trust_roots=[to_asn1(pki.ca)], crls=crls).signatures


def test_signature_is_pades_timestamped_and_valid_for_the_named_signer(pki, engine, pdf):
    holder = pki.issue("Phạm Văn Hùng")
    signed = sign_locally(engine, pki, holder, pdf)

    [sig] = findings(pki, signed)
    assert sig.ok and sig.intact and sig.valid and sig.trusted
    assert sig.signer_name == "Phạm Văn Hùng"
    assert sig.timestamp_at is not None
    assert b"/ETSI.CAdES.detached" in signed


def test_stamp_text_is_vietnamese_and_carries_the_document_code(pki, engine, pdf):
    signed = sign_locally(engine, pki, pki.issue("Nguyễn Thị Lệ Thủy"), pdf,
                          stamp=sample_stamp("Nguyễn Thị Lệ Thủy", "Giáo viên chủ nhiệm", "HB4A2026"))
    # poppler reads the stamp back through the embedded font's ToUnicode map
    text = subprocess.run(["pdftotext", "-", "-"], input=signed, capture_output=True, check=True).stdout.decode()
    assert "Ký bởi: Nguyễn Thị Lệ Thủy" in text
    assert "Chức vụ: Giáo viên chủ nhiệm" in text
    assert "Đơn vị: Trường Tiểu học Hòa Phong" in text
    assert "Mã tra cứu: HB4A2026" in text


def test_three_signatures_in_order_each_stay_valid(pki, engine, pdf):
    gvcn, principal, seal = pki.issue("Nguyễn Thị Lệ Thủy"), pki.issue("Phạm Văn Hùng"), pki.issue("Trường Tiểu học Hòa Phong")
    doc = sign_locally(engine, pki, gvcn, pdf, field_name="KyGVCN", placement=StampPlacement(0, (30, 30, 290, 110)))
    doc = sign_locally(engine, pki, principal, doc, field_name="KyHieuTruong", placement=StampPlacement(0, (305, 30, 565, 110)))
    doc = sign_locally(engine, pki, seal, doc, field_name="KyTruong", placement=StampPlacement(0, (305, 120, 565, 200)))

    sigs = findings(pki, doc)
    assert [s.signer_name for s in sigs] == ["Nguyễn Thị Lệ Thủy", "Phạm Văn Hùng", "Trường Tiểu học Hòa Phong"]
    assert all(s.ok for s in sigs)
    assert not any(s.changed_after for s in sigs)


def test_a_byte_changed_after_signing_is_detected(pki, engine, pdf):
    signed = bytearray(sign_locally(engine, pki, pki.issue("Phạm Văn Hùng"), pdf))
    at = signed.index(b"HOC BA")
    signed[at] = ord("X")

    [sig] = findings(pki, bytes(signed))
    assert not sig.intact
    assert sig.changed_after and not sig.ok


def test_revoked_certificate_shows_as_revoked(pki, engine, pdf):
    holder = pki.issue("Trương Quốc Bảo")
    signed = sign_locally(engine, pki, holder, pdf)
    pki.revoke(holder)
    crl = asn1_crl.CertificateList.load(pki.crl().public_bytes(serialization.Encoding.DER))

    [sig] = findings(pki, signed, crls=[crl])
    assert sig.revoked and not sig.ok


def test_signing_keeps_the_input_untouched_and_only_appends(pki, engine, pdf):
    signed = sign_locally(engine, pki, pki.issue("Phạm Văn Hùng"), pdf)
    assert signed.startswith(pdf)
    assert check_signable(io.BytesIO(signed)).embedded_regular_signatures


@pytest.mark.parametrize("kind", ["ec"])
def test_ecdsa_keys_sign_too(pki, engine, pdf, kind):
    [sig] = findings(pki, sign_locally(engine, pki, pki.issue("Huỳnh Minh Tuấn", kind=kind), pdf))
    assert sig.ok


def test_b_lt_document_carries_the_revocation_data_a_validator_needs(pki, engine, pdf):
    holder = pki.issue("Phạm Văn Hùng")
    crl = asn1_crl.CertificateList.load(pki.crl().public_bytes(serialization.Encoding.DER))
    doc = sign_locally(engine, pki, holder, pdf, field_name="KyHieuTruong", crls=[crl])

    reader = PdfFileReader(io.BytesIO(doc))
    dss = DocumentSecurityStore.read_dss(reader)
    # only what the file carries: no CRL handed in, no fetching, revocation data required
    context = dss.as_validation_context({"trust_roots": [to_asn1(pki.ca)], "allow_fetching": False,
                                         "revocation_mode": "hard-fail"})
    status = validate_pdf_signature(reader.embedded_signatures[0], signer_validation_context=context)
    assert status.bottom_line and status.trusted
    without = ValidationContext(trust_roots=[to_asn1(pki.ca)], allow_fetching=False, revocation_mode="hard-fail",
                                crls=[], ocsps=[])
    assert not validate_pdf_signature(PdfFileReader(io.BytesIO(sign_locally(engine, pki, holder, pdf))).embedded_signatures[0],
                                      signer_validation_context=without).trusted


def test_the_qr_code_on_the_stamp_encodes_the_verification_link(pki, engine, pdf):
    stamp = sample_stamp(code="HB4A2026")
    signed = sign_locally(engine, pki, pki.issue("Phạm Văn Hùng"), pdf, stamp=stamp)
    appearance = PdfReader(io.BytesIO(signed)).pages[0]["/Annots"][0].get_object()["/AP"]["/N"].get_object()
    drawing = appearance["/Resources"]["/XObject"]["/QR"].get_object().get_data()
    drawn = {(int(x), int(y)) for x, y in re.findall(rb"(\d+) (\d+) 1 1 re", drawing)}

    # the modules a QR code of the verification URL has (qrcode's matrix, border removed)
    expected = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=QR_MASK_PATTERN)
    expected.add_data(stamp.verify_url)
    expected.make()
    border = expected.border
    modules = {(x - border, y - border) for y, row in enumerate(expected.get_matrix()) for x, dark in enumerate(row) if dark}
    assert stamp.verify_url.endswith("/api/signing/verify/HB4A2026")
    assert drawn == modules
