"""User file names: kept for display (NFC Vietnamese), never used as a storage path."""
from __future__ import annotations

import re
import unicodedata

MAX_NAME_BYTES = 255
EXTENSIONS = {"pdf": ".pdf", "docx": ".docx", "xlsx": ".xlsx", "jpeg": ".jpg", "png": ".png"}
ACCEPTED_SUFFIXES = {"pdf": {".pdf"}, "docx": {".docx"}, "xlsx": {".xlsx"}, "jpeg": {".jpg", ".jpeg"}, "png": {".png"}}
_SUFFIX = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,7}$")


class FileNameError(ValueError):
    """A file name that is refused; the message is Vietnamese."""


def clean_file_name(raw: str) -> str:
    """Return the NFC form of ``raw`` or raise ``FileNameError``.

    Refused: empty names, path separators or ``..`` components (``../``), control or
    format characters (NUL, newlines, bidi overrides), names over 255 UTF-8 bytes.
    """
    name = unicodedata.normalize("NFC", raw or "").strip()
    if not name:
        raise FileNameError("Tên tệp không được để trống.")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name):
        raise FileNameError("Tên tệp chứa ký tự điều khiển không hợp lệ.")
    if "/" in name or "\\" in name or name in (".", "..") or name.startswith(".."):
        raise FileNameError("Tên tệp không được chứa đường dẫn (“/”, “\\” hoặc “..”).")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise FileNameError("Tên tệp quá dài (tối đa 255 byte).")
    return name


def download_name(name: str, fmt: str) -> str:
    """The name a file of real type ``fmt`` is handed out under: its extension follows the type.

    The uploaded name is kept for display, but a PDF/HTML polyglot uploaded as ``poly.html``
    must not reach a desktop as ``.html`` (it would open in a browser): an extension that does
    not fit ``fmt`` is replaced (``poly.html`` → ``poly.pdf``); a name without one gets it
    (``Kế hoạch 5.1`` → ``Kế hoạch 5.1.pdf``).
    """
    accepted = ACCEPTED_SUFFIXES.get(fmt)
    wanted = EXTENSIONS.get(fmt)
    if not accepted or not wanted:
        return name
    match = _SUFFIX.search(name)
    if match and match.group(0).lower() in accepted:
        return name
    stem = name[:match.start()] if match and match.start() > 0 else name
    return f"{stem}{wanted}"


def rendition_name(name: str) -> str:
    """The display name of a PDF rendition of ``name``."""
    return download_name(name, "pdf")
