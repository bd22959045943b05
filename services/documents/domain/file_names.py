"""User file names: kept for display (NFC Vietnamese), never used as a storage path."""
from __future__ import annotations

import unicodedata

MAX_NAME_BYTES = 255
EXTENSIONS = {"pdf": ".pdf", "docx": ".docx", "xlsx": ".xlsx", "jpeg": ".jpg", "png": ".png"}


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


def rendition_name(name: str) -> str:
    """The display name of a PDF rendition of ``name``."""
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return f"{stem}.pdf"
