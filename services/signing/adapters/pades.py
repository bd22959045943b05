"""PAdES signing on pyHanko, split in two halves so every key path shares one pipeline.

``prepare`` writes the PDF with its visible stamp and an empty signature placeholder to an
output stream, hashes the byte range and builds the CMS signed attributes PAdES baseline
asks for (content type, message digest, ESS signing-certificate-v2; no signing time); the DER of those
attributes is the *data to be signed*. Whoever holds the key (a kept key object, a user's
unlocked PKCS#12, a remote provider, a USB token through the agent) signs it. ``complete``
packages the raw signature as a ``ETSI.CAdES.detached`` CMS container, adds the RFC 3161
timestamp (B-T) and writes it into the placeholder, then appends the DSS (B-LT) when the
chain's CRLs are at hand.

Speed: the placeholder size is reserved from the known certificate sizes (no dummy signing
pass) and nothing reloads a key; the only asymmetric operations per signature are the
signer's and the TSA's.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import cached_property
from datetime import datetime
from typing import IO, Sequence

from asn1crypto import cms, x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator.registry import SimpleCertificateStore

from services.kernel.vntime import format_vn
from services.kernel.fonts import DEJAVU_SANS
from services.signing.adapters.stamp_font import PreparedFontFactory
from services.signing.adapters.stamp_style import VerifiableStampStyle

DIGEST_ALGORITHM = "sha256"
STAMP_TEXT = (
    "Ký bởi: %(signer)s\n"
    "Chức vụ: %(role)s\n"
    "Đơn vị: %(unit)s\n"
    "Thời gian ký: %(when)s\n"
    "Mã tra cứu: %(code)s"
)


@dataclass(frozen=True)
class SigningIdentity:
    """The signer's certificate and the chain up to (and including) its root.

    Build one per signer and reuse it: the attributes derived from the certificates are cached.
    """

    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]

    @property
    def key_algorithm(self) -> str:
        return self.certificate.public_key.algorithm

    @cached_property
    def certificate_store(self) -> SimpleCertificateStore:
        """The chain as pyHanko's certificate registry (built once per identity)."""
        return SimpleCertificateStore.from_certs(self.chain)

    @cached_property
    def signing_certificate_attribute(self) -> bytes:
        """DER of the ESS signing-certificate-v2 signed attribute PAdES requires (built once)."""
        return simple_cms_attribute("signing_certificate_v2", as_signing_certificate_v2(self.certificate)).dump()

    def reserved_size(self, with_timestamp: bool) -> int:
        """Bytes of hex placeholder to reserve for this identity's CMS container.

        Exact certificate sizes plus a generous bound for the signature value, the signed
        attributes and the timestamp token (which itself carries the TSA certificate).
        """
        der = len(self.certificate.dump()) + sum(len(c.dump()) for c in self.chain)
        der += 512 + 2048  # signature value (RSA-4096 at most) + attributes and framing
        if with_timestamp:
            der += 8192
        return 2 * der


@dataclass(frozen=True)
class StampContent:
    """What the visible stamp says, in Vietnamese, and where its QR code points."""

    signer_name: str
    role_label: str
    unit_name: str
    signed_at: datetime
    document_code: str
    verify_url: str


@dataclass(frozen=True)
class StampPlacement:
    """Page (0-based; negative counts from the end) and box (points, lower-left origin)."""

    page: int
    box: tuple[int, int, int, int]


@dataclass(frozen=True)
class PreparedSignature:
    """Everything needed to finish a signature later, in plain serialisable values."""

    field_name: str
    data_to_sign: bytes
    document_digest: bytes
    reserved_region_start: int
    reserved_region_end: int
    digest_algorithm: str = DIGEST_ALGORITHM


class PadesEngine:
    """Prepares and completes PAdES signatures; one instance per process, reused."""

    def __init__(self, *, timestamper: TimeStamper | None = None, font: PreparedFontFactory | None = None) -> None:
        self._timestamper = timestamper
        self._font = font or PreparedFontFactory(DEJAVU_SANS, font_size=9)
        self._font.warm_up()
        self._style = VerifiableStampStyle(
            stamp_text=STAMP_TEXT,
            text_box_style=TextBoxStyle(font=self._font),
            border_width=1,
            background=None,
        )

    @property
    def font(self) -> PreparedFontFactory:
        """The stamp font, to share with engines of other timestampers."""
        return self._font

    def prepare(
        self,
        pdf: PdfFileReader,
        output: IO[bytes],
        *,
        identity: SigningIdentity,
        field_name: str,
        stamp: StampContent,
        placement: StampPlacement,
    ) -> PreparedSignature:
        """Write the stamped PDF with an empty placeholder to ``output``; return the data to sign.

        ``pdf`` is the reader :func:`services.signing.adapters.pdf_checks.check_signable` returned.
        """
        return asyncio.run(self._prepare(pdf, output, identity, field_name, stamp, placement))

    async def _prepare(self, pdf, output, identity, field_name, stamp, placement) -> PreparedSignature:
        writer = IncrementalPdfFileWriter.from_reader(pdf)
        placeholder = self._external_signer(identity, None)
        meta = signers.PdfSignatureMetadata(
            field_name=field_name,
            md_algorithm=DIGEST_ALGORITHM,
            subfilter=fields.SigSeedSubFilter.PADES,
            name=stamp.signer_name,
            reason=f"{stamp.role_label} ký",
            location=stamp.unit_name,
        )
        pdf_signer = signers.PdfSigner(
            meta,
            signer=placeholder,
            timestamper=self._timestamper,
            stamp_style=self._style,
            new_field_spec=fields.SigFieldSpec(
                sig_field_name=field_name, on_page=placement.page, box=placement.box
            ),
        )
        prepared, _tbs, _out = await pdf_signer.async_digest_doc_for_signing(
            writer,
            bytes_reserved=identity.reserved_size(self._timestamper is not None),
            appearance_text_params={
                "signer": stamp.signer_name,
                "role": stamp.role_label,
                "unit": stamp.unit_name,
                "when": format_vn(stamp.signed_at),
                "code": stamp.document_code,
                "url": stamp.verify_url,
            },
            output=output,
        )
        signed_attrs = cms.CMSAttributes([
            simple_cms_attribute("content_type", "data"),
            simple_cms_attribute("message_digest", prepared.document_digest),
            cms.CMSAttribute.load(identity.signing_certificate_attribute),
        ])
        return PreparedSignature(
            field_name=field_name,
            data_to_sign=signed_attrs.dump(),
            document_digest=prepared.document_digest,
            reserved_region_start=prepared.reserved_region_start,
            reserved_region_end=prepared.reserved_region_end,
        )

    def complete(
        self, output: IO[bytes], prepared: PreparedSignature, *, identity: SigningIdentity, signature: bytes,
        revocation_crls: Sequence | None = None,
    ) -> None:
        """Embed ``signature`` (raw, over ``prepared.data_to_sign``) into the placeholder of ``output``.

        With ``revocation_crls`` (the issuing CA's current CRLs, against which the caller checked the
        certificate before signing) a DSS revision follows with those CRLs and every certificate the
        signature and its timestamp carry: PAdES B-LT. No second path validation is run (it would
        cost three signatures' time) and the signature is not parsed back out of the file.
        """
        asyncio.run(self._complete(output, prepared, identity, signature, revocation_crls))

    async def _complete(self, output, prepared, identity, signature, revocation_crls) -> None:
        signer = self._external_signer(identity, signature)
        container = await signer.async_sign_prescribed_attributes(
            prepared.digest_algorithm,
            cms.CMSAttributes.load(prepared.data_to_sign),
            timestamper=self._timestamper,
        )
        digest = PreparedByteRangeDigest(
            document_digest=prepared.document_digest,
            reserved_region_start=prepared.reserved_region_start,
            reserved_region_end=prepared.reserved_region_end,
        )
        await PdfTBSDocument.async_finish_signing(output, digest, container)
        if revocation_crls is not None:
            _append_dss(output, container, revocation_crls)

    @staticmethod
    def _external_signer(identity: SigningIdentity, signature: bytes | None) -> signers.ExternalSigner:
        return signers.ExternalSigner(
            signing_cert=identity.certificate,
            cert_registry=identity.certificate_store,
            signature_value=signature if signature is not None else 512,
        )



def _append_dss(output: IO[bytes], container: cms.ContentInfo, crls: Sequence) -> None:
    """Append a DSS revision with the certificates ``container`` (and its timestamp token) carries and ``crls``."""
    signed_data = container["content"]
    certificates = [c.chosen for c in signed_data["certificates"]]
    for signer_info in signed_data["signer_infos"]:
        for attr in signer_info["unsigned_attrs"] or ():
            if attr["type"].native == "signature_time_stamp_token":
                for token in attr["values"]:
                    certificates += [c.chosen for c in token["content"]["certificates"]]
    output.seek(0)
    writer = IncrementalPdfFileWriter.from_reader(PdfFileReader(output, strict=False))
    DocumentSecurityStore.supply_dss_in_writer(writer, None, certs=certificates, crls=list(crls))
    writer.write_in_place()
