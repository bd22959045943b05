"""The text of a stored PDF or DOCX version, for comparing lesson plans.

PDF: pypdf's text extraction, page by page (a scan without a text layer gives no text).
DOCX: the paragraphs of ``word/document.xml`` read from the ZIP with the standard library
(``w:t`` runs joined within a paragraph, ``w:tab`` as a space, one line per paragraph).
Anything unreadable gives an empty string: comparing is a help to inspectors, never a
reason to refuse or lose an upload.
"""
from __future__ import annotations

import io
import logging
import zipfile
from xml.etree import ElementTree

from pypdf import PdfReader

log = logging.getLogger(__name__)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
#: text beyond this is not needed to recognise a copied plan, and bounds the work per version
MAX_CHARS = 400_000
#: a main part larger than this when unpacked is not read (a ZIP bomb, or a book, not a plan)
MAX_XML_BYTES = 32 * 1024 * 1024


def pdf_text(data: bytes) -> str:
    """The text layer of a PDF, pages separated by newlines."""
    try:
        reader = PdfReader(io.BytesIO(data))
        out: list[str] = []
        size = 0
        for page in reader.pages:
            text = page.extract_text() or ""
            out.append(text)
            size += len(text)
            if size >= MAX_CHARS:
                break
        return "\n".join(out)[:MAX_CHARS]
    except Exception as exc:  # pypdf raises many kinds on damaged files
        log.info("no text from PDF: %s", exc)
        return ""


def docx_text(data: bytes) -> str:
    """The paragraphs of a DOCX's main document part."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if archive.getinfo("word/document.xml").file_size > MAX_XML_BYTES:
                log.info("DOCX main part too large to compare")
                return ""
            xml = archive.read("word/document.xml")
        root = ElementTree.fromstring(xml)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as exc:
        log.info("no text from DOCX: %s", exc)
        return ""
    lines: list[str] = []
    for paragraph in root.iter(f"{_W}p"):
        parts = [(node.text or "") if node.tag == f"{_W}t" else " "
                 for node in paragraph.iter() if node.tag in (f"{_W}t", f"{_W}tab", f"{_W}br")]
        lines.append("".join(parts))
    return "\n".join(lines)[:MAX_CHARS]


def extract_text(data: bytes, fmt: str) -> str:
    """The text of a version of format ``fmt`` (``pdf`` or ``docx``); empty for other formats."""
    if fmt == "pdf":
        return pdf_text(data)
    if fmt == "docx":
        return docx_text(data)
    return ""
