"""Can this PDF carry an incremental PAdES signature? One judge for every service.

The documents service asks it at upload (so it never accepts a file signing would refuse) and
the signing service asks it before signing. pyHanko's reader in strict mode is the judge: a
file it cannot parse is corrupt, a file whose cross-reference table does not point at the
objects it names is broken, and an encrypted file cannot carry an incremental signature the
signer can see in full. ``rewrite`` repairs what a lenient parser can still read by writing
the whole file anew (fresh cross-reference table), for the caller to check again.
"""
from __future__ import annotations

from typing import IO, Literal

from pyhanko.pdf_utils.misc import PdfReadError, PdfStrictReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.xref import ObjectHeaderReadError

Reason = Literal["corrupt", "encrypted", "broken-xref"]
_XREF_WORDS = ("xref", "cross-reference", "startxref", "object stream", "offset", "trailer")


class UnsignablePdf(ValueError):
    """The PDF cannot be signed; ``reason`` is ``corrupt``, ``encrypted`` or ``broken-xref``."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason)
        self.reason: Reason = reason


def check_signable(pdf: IO[bytes]) -> PdfFileReader:
    """Return the strict pyHanko reader of ``pdf`` or raise :class:`UnsignablePdf`.

    Every object the latest cross-reference section names is resolved, so a table pointing at
    the wrong offsets is caught here rather than producing a signature readers reject. Resolved
    objects are not kept in the reader's cache (a scan of a whole course is gigabytes); the
    signer re-reads the few it needs.
    """
    pdf.seek(0)
    head = pdf.read(1024)
    pdf.seek(0)
    if b"%PDF-" not in head:
        raise UnsignablePdf("corrupt")
    try:
        reader = PdfFileReader(pdf, strict=True)
        if reader.encrypted or reader.security_handler is not None:
            raise UnsignablePdf("encrypted")
        cache = reader.resolved_objects
        for ref in list(reader.xrefs.explicit_refs_in_revision(reader.xrefs.total_revisions - 1)):
            key = (ref.generation, ref.idnum)
            cached = key in cache
            reader.get_object(ref)
            if not cached:
                cache.pop(key, None)
        pages = int(reader.root["/Pages"]["/Count"])
    except UnsignablePdf:
        raise
    except ObjectHeaderReadError as exc:
        raise UnsignablePdf("broken-xref") from exc
    except (PdfStrictReadError, PdfReadError, KeyError, ValueError, TypeError, IndexError, AttributeError) as exc:
        text = str(exc).lower()
        if any(word in text for word in _XREF_WORDS):
            raise UnsignablePdf("broken-xref") from exc
        raise UnsignablePdf("corrupt") from exc
    finally:
        pdf.seek(0)
    if pages < 1:
        raise UnsignablePdf("corrupt")
    return reader


def rewrite(pdf: IO[bytes], output: IO[bytes]) -> None:
    """Write ``pdf`` anew to ``output`` from what pypdf's lenient reader recovers.

    Raises :class:`UnsignablePdf` (``corrupt``) when nothing usable can be read. The result is
    not guaranteed signable: pass it to :func:`check_signable`.
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError

    pdf.seek(0)
    try:
        reader = PdfReader(pdf, strict=False)
        if reader.is_encrypted:
            raise UnsignablePdf("encrypted")
        writer = PdfWriter(clone_from=reader)
        writer.write(output)
    except UnsignablePdf:
        raise
    except (PyPdfError, KeyError, ValueError, TypeError, IndexError, AttributeError, OSError,
            RecursionError) as exc:
        raise UnsignablePdf("corrupt") from exc
    finally:
        pdf.seek(0)
