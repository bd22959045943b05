"""Every text a user can read is stored in NFC, so Vietnamese diacritics compare, sort and render alike."""
from __future__ import annotations

import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("services", "gateway", "infra", "README.md", "docs")
SUFFIXES = {".py", ".js", ".html", ".css", ".md", ".json", ".yaml", ".yml", ".txt"}


def _files():
    for name in SOURCES:
        path = ROOT / name
        if path.is_file():
            yield path
        elif path.is_dir():
            yield from (p for p in path.rglob("*") if p.is_file() and p.suffix in SUFFIXES and not {"__pycache__", "node_modules"} & set(p.parts))


def test_every_source_text_is_nfc():
    offenders = []
    for path in _files():
        text = path.read_text(encoding="utf-8")
        if unicodedata.normalize("NFC", text) != text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == [], f"not NFC: {offenders}"


def test_there_is_vietnamese_to_check():
    texts = "".join(p.read_text(encoding="utf-8") for p in _files() if p.suffix in {".js", ".html"})
    assert "Việc của tôi" in texts and "Hồ sơ" in texts
