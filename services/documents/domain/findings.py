"""Inspection findings (kết luận kiểm tra): what an inspector of a campaign writes about a document,
a book (a book type and period, of a teacher), a teacher or the school, and how it moves.

States: ``open`` → ``answered`` (the school replies; a reply may be sent again while answered)
→ ``closed`` (an inspector of the campaign closes it; closing an open finding needs a note).
Plain Python: the rules are testable without the service around them.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Literal

Severity = Literal["info", "minor", "major"]
TargetKind = Literal["document", "book", "teacher", "school"]
State = Literal["open", "answered", "closed"]

#: What each severity is called on screen and in notices.
SEVERITY_LABELS: dict[str, str] = {"info": "Lưu ý", "minor": "Cần khắc phục", "major": "Nghiêm trọng"}
STATE_LABELS: dict[str, str] = {"open": "Chưa trả lời", "answered": "Trường đã trả lời", "closed": "Đã đóng"}
TARGET_LABELS: dict[str, str] = {"document": "Hồ sơ", "book": "Sổ/loại hồ sơ", "teacher": "Giáo viên",
                                 "school": "Nhà trường"}
#: The targets whose teacher concerned may answer besides the principal.
TEACHER_TARGETS = frozenset({"document", "book", "teacher"})
PRINCIPAL_ROLE = "hieu_truong"
LABEL_SEPARATOR = " — "


class FindingRuleError(Exception):
    """A change the finding's state does not allow (Vietnamese message, stable code, field at fault)."""

    def __init__(self, message: str, *, code: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.field = field


def clean_text(value: str | None) -> str:
    """NFC, surrounding blanks removed, inner runs of spaces kept as typed (line breaks matter)."""
    return unicodedata.normalize("NFC", value or "").strip()


def target_label(parts: Iterable[str | None]) -> str:
    """What people read for a target: its named parts (book, period, teacher…) joined by a dash."""
    return LABEL_SEPARATOR.join(p for p in parts if p)


def state_after_answer(state: str) -> State:
    """An open or answered finding takes an answer (again); a closed one does not."""
    if state == "closed":
        raise FindingRuleError("Kết luận kiểm tra đã được đóng, không thể trả lời thêm.", code="finding-closed")
    return "answered"


def state_after_close(state: str, note: str) -> State:
    """An answered finding closes; an open one closes only with a note saying why."""
    if state == "closed":
        raise FindingRuleError("Kết luận kiểm tra đã được đóng.", code="finding-closed")
    if state == "open" and not note:
        raise FindingRuleError("Kết luận chưa được trường trả lời: hãy ghi rõ lý do đóng.",
                               code="finding-note-required", field="note")
    return "closed"


def may_answer(*, is_principal: bool, person: str, target_kind: str, teacher: str | None) -> bool:
    """The principal answers any finding; the teacher concerned answers one on their document, book or self."""
    return is_principal or (target_kind in TEACHER_TARGETS and teacher is not None and teacher == person)


def notify_school(principal: str | None, teacher: str | None) -> list[str]:
    """Who an opened or closed finding concerns: the principal and the teacher concerned, each once."""
    return list(dict.fromkeys(p for p in (principal, teacher) if p))
