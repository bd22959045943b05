"""Refuse PDFs that cannot be signed safely, before anything is written.

The judge is the kernel's :mod:`services.kernel.pdfcheck` (pyHanko's strict reader), the same
check the documents service makes at upload, so signing never meets a file documents accepted
but cannot sign. This module maps its reasons to the signing service's Vietnamese refusals.
"""
from __future__ import annotations

from typing import IO

from pyhanko.pdf_utils.reader import PdfFileReader

from services.kernel import pdfcheck
from services.signing.domain.errors import BrokenXref, CorruptPdf, EncryptedPdf, SigningRefused

_REFUSALS: dict[str, type[SigningRefused]] = {
    "corrupt": CorruptPdf, "encrypted": EncryptedPdf, "broken-xref": BrokenXref,
}


def check_signable(pdf: IO[bytes]) -> PdfFileReader:
    """Raise a Vietnamese :class:`SigningRefused` if ``pdf`` cannot be signed; return its strict reader.

    The reader is handed on to the signing engine, so the file is parsed once.
    """
    try:
        return pdfcheck.check_signable(pdf)
    except pdfcheck.UnsignablePdf as exc:
        raise _REFUSALS[exc.reason]() from exc
