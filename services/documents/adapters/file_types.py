"""The real type of an uploaded file, from its bytes, never from its name.

Two steps: ``sniff`` looks at the first bytes while the upload streams (``filetype``
signatures plus the PDF header), then ``validate_structure`` opens the stored object:
a PDF must parse with pypdf (strictly above a size where lenient repair could read the
whole file into memory), a DOCX/XLSX must be a ZIP holding ``[Content_Types].xml`` and
the main part of its kind, an image must carry a complete header.
"""
from __future__ import annotations

import zipfile
from typing import BinaryIO

import filetype
from pypdf import PdfReader
from pypdf.errors import PdfReadError

HEAD_BYTES = 8192
LENIENT_PDF_LIMIT = 64 * 1024 * 1024
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jpeg": "image/jpeg",
    "png": "image/png",
}
OOXML_MAIN_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
NAMES_VI = {"pdf": "PDF", "docx": "Word (DOCX)", "xlsx": "Excel (XLSX)", "jpeg": "ảnh JPEG", "png": "ảnh PNG",
            "zip": "tệp nén ZIP"}


class FileTypeError(ValueError):
    """The bytes are not an accepted, well-formed file (Vietnamese message)."""


def sniff(head: bytes) -> str | None:
    """``pdf``, ``jpeg``, ``png``, ``zip`` (an OOXML candidate) or None, from the first bytes."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    kind = filetype.guess(head)
    if kind is None:
        return None
    if kind.extension == "jpg":
        return "jpeg"
    if kind.extension == "png":
        return "png"
    if kind.extension in ("zip", "docx", "xlsx", "pptx"):
        return "zip"
    return kind.extension


def describe(kind: str | None) -> str:
    if kind is None:
        return "không xác định"
    return NAMES_VI.get(kind, kind.upper())


def validate_structure(sniffed: str, handle: BinaryIO, size: int) -> str:
    """Check the whole file behind ``handle`` and return its format (``docx``/``xlsx`` for a ZIP)."""
    if sniffed == "pdf":
        handle.seek(max(0, size - 1024))
        if b"%%EOF" not in handle.read():
            raise FileTypeError("Tệp PDF bị hỏng hoặc không đầy đủ (thiếu dấu kết thúc %%EOF).")
        handle.seek(0)
        try:
            reader = PdfReader(handle, strict=size > LENIENT_PDF_LIMIT)
            if len(reader.pages) < 1:
                raise FileTypeError("Tệp PDF không có trang nào.")
        except FileTypeError:
            raise
        except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
            raise FileTypeError("Tệp PDF bị hỏng hoặc không đọc được.") from exc
        return "pdf"
    if sniffed == "zip":
        try:
            with zipfile.ZipFile(handle) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise FileTypeError("Tệp Office bị hỏng (không phải ZIP hợp lệ).") from exc
        if "[Content_Types].xml" not in names:
            raise FileTypeError("Tệp nén không phải tài liệu Office (thiếu [Content_Types].xml).")
        for fmt, part in OOXML_MAIN_PART.items():
            if part in names:
                return fmt
        raise FileTypeError("Chỉ nhận tài liệu Word (DOCX) hoặc Excel (XLSX).")
    if sniffed in ("jpeg", "png"):
        handle.seek(0)
        head = handle.read(32)
        if sniffed == "png" and (len(head) < 24 or head[12:16] != b"IHDR"):
            raise FileTypeError("Ảnh PNG bị hỏng.")
        if sniffed == "jpeg":
            handle.seek(-2, 2)
            if handle.read(2) != b"\xff\xd9":
                raise FileTypeError("Ảnh JPEG bị hỏng hoặc không đầy đủ.")
        return sniffed
    raise FileTypeError(f"Loại tệp thực tế ({describe(sniffed)}) không được chấp nhận.")
