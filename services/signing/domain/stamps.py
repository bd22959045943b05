"""Where each signature's visible stamp goes, and what it calls the signer's role.

Positions are in PDF points on an A4 page (595 × 842), lower-left origin, on the last page,
where the legal layouts put signatures. Học bạ: the GVCN bottom left, the principal bottom
right, the school's organisational signature above the principal's (where the seal goes on
paper). Other books stack their signers from the bottom in signing order.
"""
from __future__ import annotations

import secrets

from services.kernel.permissions import ROLE_NAMES_VI

LAST_PAGE = -1
STAMP_W, STAMP_H = 262, 78
LEFT_X, RIGHT_X, BOTTOM_Y = 30, 303, 30

BOOK_PLACEMENTS: dict[str, dict[int, tuple[int, int]]] = {
    "hoc_ba": {1: (LEFT_X, BOTTOM_Y), 2: (RIGHT_X, BOTTOM_Y), 3: (RIGHT_X, BOTTOM_Y + STAMP_H + 8)},
    "bang_tong_hop": {1: (LEFT_X, BOTTOM_Y), 2: (RIGHT_X, BOTTOM_Y)},
}

ROLE_LABELS = {**ROLE_NAMES_VI, "gvcn": "Giáo viên chủ nhiệm"}
ORGANISATION_LABEL = "Chữ ký số của cơ quan"

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud and typed by hand
CODE_LENGTH = 8


def placement_for(book_type: str, order: int) -> tuple[int, tuple[int, int, int, int]]:
    """(page, box) of the stamp of signing step ``order`` of a ``book_type``."""
    x, y = BOOK_PLACEMENTS.get(book_type, {}).get(order) or (
        LEFT_X if order % 2 else RIGHT_X, BOTTOM_Y + ((order - 1) // 2) * (STAMP_H + 8))
    return LAST_PAGE, (x, y, x + STAMP_W, y + STAMP_H)


def role_label(role: str, organisation: bool, *, for_other: bool = False) -> str:
    """The role line of a stamp; signing for another person reads «KT. <role>» (ký thay)."""
    if organisation:
        return ORGANISATION_LABEL
    label = ROLE_LABELS.get(role, role)
    return f"KT. {label}" if for_other else label


def field_name(order: int, role: str) -> str:
    """The PDF signature field of a step: ASCII, unique per step."""
    return f"HoSo_Ky{order}_{role}"


def new_document_code() -> str:
    """A short code printed on the document and typed on the verification page."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())
