"""Check every signature of a PDF with pyHanko's validator, against the trust anchors we know.

Trust anchors are the district roots of the platform CA plus any licensed roots configured;
revocation comes from the CRLs handed in (no network fetch from a public page). The result is
plain data for the verification page and API.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Sequence

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from services.signing.domain.errors import CorruptPdf, EncryptedPdf

_ONLY_LATER_SIGNATURES = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES, ModificationLevel.FORM_FILLING)


@dataclass(frozen=True)
class SignatureFinding:
    """What a reader of the verification page needs to know about one signature."""

    field_name: str
    signer_name: str
    signer_subject: str
    organisation: str | None
    chain: tuple[str, ...]
    intact: bool
    valid: bool
    trusted: bool
    revoked: bool
    expired: bool
    signed_at: datetime | None
    timestamp_at: datetime | None
    changed_after: bool
    certificate_serial: str

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and not self.revoked and not self.changed_after


@dataclass(frozen=True)
class PdfFindings:
    sha256: str
    signatures: tuple[SignatureFinding, ...]


def _name_attr(cert: asn1_x509.Certificate, attr: str) -> str | None:
    value = cert.subject.native.get(attr)
    if isinstance(value, list):
        return value[-1]
    return value


def inspect_pdf(
    pdf: IO[bytes],
    *,
    trust_roots: Sequence[asn1_x509.Certificate],
    crls: Sequence[asn1_crl.CertificateList] = (),
    now: datetime | None = None,
) -> PdfFindings:
    """Validate each embedded signature of ``pdf``; raise a Vietnamese refusal if it is no PDF."""
    pdf.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: pdf.read(1 << 20), b""):
        digest.update(chunk)
    pdf.seek(0)
    try:
        reader = PdfFileReader(pdf, strict=False)
        if reader.encrypted:
            raise EncryptedPdf()
        embedded = reader.embedded_regular_signatures
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise CorruptPdf() from exc
    findings = []
    for sig in embedded:
        # soft-fail: a CRL we hold that lists the certificate still makes it revoked; a CA whose CRL
        # we do not hold (a licensed CA's, not fetched from a public page) is not held against the signer
        context = ValidationContext(
            trust_roots=list(trust_roots), crls=list(crls), allow_fetching=False, revocation_mode="soft-fail",
            moment=now,
        )
        status = validate_pdf_signature(sig, signer_validation_context=context)
        cert = status.signing_cert
        path = status.validation_path
        chain = tuple(c.subject.human_friendly for c in path) if path is not None else (cert.subject.human_friendly,)
        revoked = status.revocation_details is not None
        changed_after = not status.intact or (
            status.coverage != SignatureCoverageLevel.ENTIRE_FILE
            and status.modification_level not in _ONLY_LATER_SIGNATURES
        )
        findings.append(SignatureFinding(
            field_name=sig.field_name,
            signer_name=_name_attr(cert, "common_name") or cert.subject.human_friendly,
            signer_subject=cert.subject.human_friendly,
            organisation=_name_attr(cert, "organization_name"),
            chain=chain,
            intact=status.intact,
            valid=status.valid,
            trusted=status.trusted,
            revoked=revoked,
            expired=bool(status.trust_problem_indic and "EXPIRED" in status.trust_problem_indic.name),
            signed_at=status.signer_reported_dt,
            timestamp_at=status.timestamp_validity.timestamp if status.timestamp_validity else None,
            changed_after=changed_after,
            certificate_serial=format(cert.serial_number, "x"),
        ))
    return PdfFindings(sha256=digest.hexdigest(), signatures=tuple(findings))
