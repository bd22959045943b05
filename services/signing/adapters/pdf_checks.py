"""Refuse PDFs that cannot be signed safely, before anything is written.

pyHanko's reader in strict mode is used as the judge: a file it cannot parse is corrupt, a
file whose cross-reference table does not point at the objects it names is broken, and an
encrypted file cannot carry an incremental signature the signer can see in full.
"""
from __future__ import annotations

from typing import IO

from pyhanko.pdf_utils.misc import PdfReadError, PdfStrictReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.xref import ObjectHeaderReadError

from services.signing.domain.errors import BrokenXref, CorruptPdf, EncryptedPdf

_XREF_WORDS = ("xref", "cross-reference", "startxref", "object stream", "offset", "trailer")


def check_signable(pdf: IO[bytes]) -> PdfFileReader:
    """Raise a Vietnamese :class:`SigningRefused` if ``pdf`` cannot be signed; return its strict reader.

    The reader is handed on to the signing engine, so the file is parsed once.

    Every object the cross-reference table names is resolved, so a table pointing at the wrong
    offsets is caught here rather than producing a signature readers reject.
    """
    pdf.seek(0)
    head = pdf.read(1024)
    pdf.seek(0)
    if b"%PDF-" not in head:
        raise CorruptPdf()
    try:
        reader = PdfFileReader(pdf, strict=True)
        if reader.encrypted or reader.security_handler is not None:
            raise EncryptedPdf()
        for ref in list(reader.xrefs.explicit_refs_in_revision(reader.xrefs.total_revisions - 1)):
            reader.get_object(ref)
        pages = int(reader.root["/Pages"]["/Count"])
    except EncryptedPdf:
        raise
    except ObjectHeaderReadError as exc:
        raise BrokenXref() from exc
    except (PdfStrictReadError, PdfReadError, KeyError, ValueError, TypeError, IndexError, AttributeError) as exc:
        text = str(exc).lower()
        if any(word in text for word in _XREF_WORDS):
            raise BrokenXref() from exc
        raise CorruptPdf() from exc
    finally:
        pdf.seek(0)
    if pages < 1:
        raise CorruptPdf()
    return reader
