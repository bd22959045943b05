"""Test and benchmark helpers of the signing service: a small PKI and sample PDFs.

Used by ``tests/*/signing`` and ``benchmarks/signing_*.py``; never by the running service.
"""
from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, NumberObject

from services.signing.adapters import x509_issuer as issuer
from services.signing.adapters.pades import (
    PadesEngine,
    SigningIdentity,
    StampContent,
    StampPlacement,
)
from services.signing.adapters.pdf_checks import check_signable
from services.signing.adapters.raw_signing import sign_raw
from services.signing.adapters.timestamps import DevelopmentTsa

CRL_URL = "http://127.0.0.1:1/api/v1/crl/test.crl"


def _single_page(kind: str, name: str, resource: DictionaryObject | DecodedStreamObject, drawing: bytes) -> bytes:
    """An A4 page whose resources hold one ``kind`` (/Font, /XObject) named ``name``, drawn by ``drawing``."""
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    page[NameObject("/Resources")] = DictionaryObject({
        NameObject(kind): DictionaryObject({NameObject(name): writer._add_object(resource)})
    })
    content = DecodedStreamObject()
    content.set_data(drawing)
    page[NameObject("/Contents")] = writer._add_object(content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def one_page_pdf() -> bytes:
    """A one-page A4 PDF with a line of text, like an exported học bạ page."""
    font = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
    })
    return _single_page("/Font", "/F1", font, b"BT /F1 14 Tf 72 770 Td (HOC BA - Lop 4A - Nam hoc 2025-2026) Tj ET")


def scan_pdf(size_bytes: int = 20 * 1024 * 1024) -> bytes:
    """A one-page PDF carrying an uncompressed greyscale image of about ``size_bytes`` (a scan)."""
    side = int(size_bytes ** 0.5)
    image = DecodedStreamObject()
    image.set_data(os.urandom(side * side))
    image.update({
        NameObject("/Type"): NameObject("/XObject"),
        NameObject("/Subtype"): NameObject("/Image"),
        NameObject("/Width"): NumberObject(side),
        NameObject("/Height"): NumberObject(side),
        NameObject("/ColorSpace"): NameObject("/DeviceGray"),
        NameObject("/BitsPerComponent"): NumberObject(8),
    })
    return _single_page("/XObject", "/Im0", image, b"q 595 0 0 842 0 0 cm /Im0 Do Q")


def encrypted(pdf: bytes) -> bytes:
    """``pdf`` encrypted with an owner password (opens without a password, as many exported files do)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password="", owner_password="chu-so-huu")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def broken_xref(pdf: bytes) -> bytes:
    """Shift every object offset in the cross-reference table by 7 bytes."""
    head, _, tail = pdf.rpartition(b"\nxref\n")
    lines = tail.split(b"\n")
    fixed = []
    for line in lines:
        parts = line.split(b" ")
        if len(parts) >= 3 and parts[2].startswith(b"n") and parts[0].isdigit() and len(parts[0]) == 10:
            parts[0] = b"%010d" % (int(parts[0]) + 7)
        fixed.append(b" ".join(parts))
    return head + b"\nxref\n" + b"\n".join(fixed)


@dataclass
class Holder:
    """A key (``None`` when it lives on a token) and the certificate the test CA issued for it."""

    key: PrivateKeyTypes | None
    certificate: x509.Certificate


@dataclass
class DevPki:
    """A district root, a TSA and helpers to issue signer certificates, all in memory."""

    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    ca_key: PrivateKeyTypes = field(default_factory=lambda: issuer.new_key("ec"))
    revoked: list[tuple[int, datetime]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.ca = issuer.create_root(
            key=self.ca_key,
            subject=issuer.Subject("HoSo CA Phòng GD&ĐT Hòa Vang (thử nghiệm)", "Phòng GD&ĐT huyện Hòa Vang"),
            now=self.now,
        )
        tsa_key = issuer.new_key("rsa")
        self.tsa = Holder(tsa_key, issuer.issue(
            ca_key=self.ca_key, ca_cert=self.ca, public_key=tsa_key.public_key(),
            subject=issuer.Subject("HoSo TSA (thử nghiệm)", "Phòng GD&ĐT huyện Hòa Vang"),
            now=self.now, crl_url=None, for_timestamping=True,
        ))

    def issue(self, name: str, school: str = "Trường Tiểu học Hòa Phong", *, kind: str = "rsa",
              days: int = 365, not_before: datetime | None = None, key: PrivateKeyTypes | None = None,
              public_key=None, crl_url: str = CRL_URL) -> Holder:
        """A signing certificate for a fresh key, for ``key``, or (token keys) for ``public_key`` alone."""
        if public_key is None:
            key = key or issuer.new_key(kind)
            public_key = key.public_key()
        cert = issuer.issue(
            ca_key=self.ca_key, ca_cert=self.ca, public_key=public_key,
            subject=issuer.Subject(name, school), now=self.now, crl_url=crl_url, days=days, not_before=not_before,
        )
        return Holder(key, cert)

    def expired(self, name: str) -> Holder:
        return self.issue(name, days=30, not_before=self.now - timedelta(days=60))

    def revoke(self, holder: Holder) -> None:
        self.revoked.append((holder.certificate.serial_number, self.now - timedelta(minutes=1)))

    def crl(self) -> x509.CertificateRevocationList:
        return issuer.build_crl(ca_key=self.ca_key, ca_cert=self.ca, revoked=self.revoked, now=self.now)

    def identity(self, holder: Holder) -> SigningIdentity:
        return SigningIdentity(issuer.to_asn1(holder.certificate), (issuer.to_asn1(self.ca),))

    def timestamper(self) -> DevelopmentTsa:
        return DevelopmentTsa(key=self.tsa.key, certificate=self.tsa.certificate, chain=(self.ca,))


def sample_stamp(name: str = "Phạm Văn Hùng", role: str = "Hiệu trưởng", code: str = "HB7Q2K9M") -> StampContent:
    return StampContent(
        signer_name=name, role_label=role, unit_name="Trường Tiểu học Hòa Phong",
        signed_at=datetime.now(timezone.utc), document_code=code,
        verify_url=f"http://127.0.0.1:8080/api/signing/verify/{code}",
    )


def sign_locally(engine: PadesEngine, pki: DevPki, holder: Holder, pdf: bytes, *, field_name: str = "KyHieuTruong",
                 placement: StampPlacement = StampPlacement(0, (40, 40, 340, 130)), stamp: StampContent | None = None,
                 crls=None) -> bytes:
    """Sign ``pdf`` with a key held in memory through the engine's two halves; return the signed bytes."""
    identity = pki.identity(holder)
    out = io.BytesIO()
    prepared = engine.prepare(check_signable(io.BytesIO(pdf)), out, identity=identity, field_name=field_name,
                              stamp=stamp or sample_stamp(), placement=placement)
    engine.complete(out, prepared, identity=identity, signature=sign_raw(holder.key, prepared.data_to_sign),
                    revocation_crls=crls)
    return out.getvalue()


class InMemoryPinCounter:
    """Wrong-PIN counter for unit tests; the service keeps counts on the credential document."""

    def __init__(self) -> None:
        self.failures: dict[str, int] = {}

    def failed(self, credential_id: str) -> int:
        self.failures[credential_id] = self.failures.get(credential_id, 0) + 1
        return self.failures[credential_id]

    def succeeded(self, credential_id: str) -> None:
        self.failures[credential_id] = 0
