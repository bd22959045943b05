"""The system DejaVu fonts every PDF the platform writes embeds (signature stamps, reports).

DejaVu covers every Vietnamese letter as a precomposed glyph, so text extracts exactly as
written. Debian's ``fonts-dejavu-core`` installs them at :data:`DEJAVU_DIR`.
"""
from __future__ import annotations

from pathlib import Path

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
DEJAVU_SANS = str(DEJAVU_DIR / "DejaVuSans.ttf")
DEJAVU_SANS_BOLD = str(DEJAVU_DIR / "DejaVuSans-Bold.ttf")


def require_font(path: str) -> str:
    """``path`` when the font file is there; a clear error naming the package otherwise."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"font {path} is missing: install the fonts-dejavu-core package")
    return path
