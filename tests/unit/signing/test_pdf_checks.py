"""PDFs that cannot be signed safely are refused before anything is written, with a Vietnamese reason."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader, PdfWriter

from services.signing.adapters.pdf_checks import check_signable
from services.signing.domain.errors import BrokenXref, CorruptPdf, EncryptedPdf


def encrypted(pdf: bytes) -> bytes:
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


def test_a_sound_pdf_is_accepted(pdf):
    assert len(check_signable(io.BytesIO(pdf)).root['/Pages']['/Kids']) == 1


@pytest.mark.parametrize("data", [b"", b"hello, this is not a PDF", b"%PDF-1.7\n" + b"\x00" * 200])
def test_corrupt_files_are_refused(data):
    with pytest.raises(CorruptPdf) as refused:
        check_signable(io.BytesIO(data))
    assert "không phải là PDF hợp lệ" in refused.value.detail


def test_truncated_pdf_is_refused(pdf):
    with pytest.raises((CorruptPdf, BrokenXref)):
        check_signable(io.BytesIO(pdf[: len(pdf) // 2]))


def test_encrypted_pdf_is_refused(pdf):
    with pytest.raises(EncryptedPdf) as refused:
        check_signable(io.BytesIO(encrypted(pdf)))
    assert "mã hóa" in refused.value.detail


def test_pdf_with_broken_cross_reference_table_is_refused(pdf):
    with pytest.raises(BrokenXref) as refused:
        check_signable(io.BytesIO(broken_xref(pdf)))
    assert "xref" in refused.value.detail
