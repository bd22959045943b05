"""PDFs that cannot be signed safely are refused before anything is written, with a Vietnamese reason."""
from __future__ import annotations

import io

import pytest
from services.signing.adapters.pdf_checks import check_signable
from services.signing.domain.errors import BrokenXref, CorruptPdf, EncryptedPdf
from services.signing.testing import broken_xref, encrypted


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
