"""Lock and open (khóa/mở): a locked scope refuses every write for a time window.

A scope names any of: a book type, a unit, a period, a school year; a lock with none
of them covers the whole school. A write is covered when every named part matches.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class LockScope:
    book: str | None = None
    unit_id: str | None = None
    period: str | None = None
    school_year: str | None = None

    def describe(self) -> str:
        parts = []
        if self.book:
            parts.append(f"loại hồ sơ {self.book}")
        if self.unit_id:
            parts.append(f"đơn vị {self.unit_id}")
        if self.period:
            parts.append(f"kỳ {self.period}")
        if self.school_year:
            parts.append(f"năm học {self.school_year}")
        return ", ".join(parts) if parts else "toàn trường"


@dataclass(frozen=True)
class WriteTarget:
    """Where a write lands."""

    book: str
    unit_id: str | None
    period: str
    school_year: str


@dataclass(frozen=True)
class LockView:
    id: str
    scope: LockScope
    starts_at: datetime
    ends_at: datetime
    reason: str
    removed: bool = False

    def active_at(self, now: datetime) -> bool:
        return not self.removed and self.starts_at <= now < self.ends_at

    def covers(self, target: WriteTarget) -> bool:
        s = self.scope
        return ((s.book is None or s.book == target.book)
                and (s.unit_id is None or s.unit_id == target.unit_id)
                and (s.period is None or s.period == target.period)
                and (s.school_year is None or s.school_year == target.school_year))


def blocking_lock(locks: list[LockView], target: WriteTarget, now: datetime) -> LockView | None:
    """The first active lock covering ``target``, if any."""
    for lock in locks:
        if lock.active_at(now) and lock.covers(target):
            return lock
    return None


def lock_message(lock: LockView) -> str:
    """The Vietnamese reason shown when a write is refused by ``lock``."""
    until = lock.ends_at.strftime("%H:%M %d/%m/%Y")
    return (f"Phạm vi {lock.scope.describe()} đang bị khóa đến {until} (UTC): {lock.reason}. "
            "Không thể thay đổi hồ sơ trong thời gian khóa.")


def check_window(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise ValueError("Thời điểm kết thúc khóa phải sau thời điểm bắt đầu.")
