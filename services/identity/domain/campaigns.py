"""Inspection campaigns (đợt kiểm tra, seed 001 Điều 4 and 16): an oversight unit's inspectors read
exactly a scope of schools, book types and a school year, for a time window, and nothing else.

Identity owns the campaign; the team's access tokens carry it as a ``grants`` entry while it runs
(``grant_claim``), and every service checks that entry against its own clock, so the access ends
by itself at ``until`` whatever the token's lifetime. The unit may change the team, its head
(trưởng đoàn, always a member) and ``until`` (within ``MAX_DURATION``), or close it early; other
services learn this from identity's ``identity.campaign.*`` events (``services.kernel.campaigns``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from services.identity.domain.errors import InvalidValue, RuleViolation

#: A campaign lasts at most one school year.
MAX_DURATION = timedelta(days=366)

SCHOOL_YEAR = re.compile(r"^(\d{4})-(\d{4})$")


@dataclass(frozen=True)
class Campaign:
    id: str
    name: str
    district_id: str | None
    province_id: str | None
    schools: tuple[str, ...]
    books: tuple[str, ...]
    school_year: str | None
    team: tuple[str, ...]
    starts_at: datetime
    until: datetime
    opened_by: str
    #: the head of the team (trưởng đoàn), who signs the biên bản; always one of ``team``
    head: str = ""
    #: set when the unit closed the campaign before ``until``
    closed_at: datetime | None = None

    def is_active(self, now: datetime) -> bool:
        return self.closed_at is None and self.starts_at <= now < self.until

    def change(self, *, team: list[str] | None, head: str | None, until: datetime | None,
               now: datetime) -> "Campaign":
        """The campaign with a new team, head or end (shortened or extended within ``MAX_DURATION``)."""
        self._still_open(now)
        members = tuple(dict.fromkeys(team)) if team is not None else self.team
        if not members:
            raise InvalidValue("Đoàn kiểm tra phải có ít nhất một thành viên.", field="team")
        chosen = head or self.head
        if chosen not in members:
            raise InvalidValue("Trưởng đoàn phải là thành viên của đoàn kiểm tra.", field="head")
        end = until or self.until
        _check_window(self.starts_at, end, now)
        return replace(self, team=members, head=chosen, until=end)

    def close(self, now: datetime) -> "Campaign":
        """The campaign ended early, at ``now``."""
        self._still_open(now)
        return replace(self, closed_at=now)

    def _still_open(self, now: datetime) -> None:
        if self.closed_at is not None or now >= self.until:
            raise RuleViolation("Đợt kiểm tra đã kết thúc nên không thay đổi được nữa.")

    def grant_claim(self) -> dict:
        """The entry this campaign adds to each team member's ``grants`` token claim."""
        return {"campaign": self.id, "schools": list(self.schools), "books": list(self.books),
                "year": self.school_year, "until": int(self.until.timestamp())}


def open_campaign(*, id: str, name: str, district_id: str | None, province_id: str | None, schools: list[str],
                  books: list[str], school_year: str | None, team: list[str], opened_by: str,
                  starts_at: datetime, until: datetime, now: datetime, head: str | None = None) -> Campaign:
    """Check the rules and build a campaign; the inspector who opens it is on its team and, unless
    another member is named, its head."""
    name = " ".join((name or "").split())
    if not name:
        raise InvalidValue("Cần đặt tên đợt kiểm tra.", field="name")
    if not schools:
        raise InvalidValue("Đợt kiểm tra phải có ít nhất một trường.", field="schools")
    match = SCHOOL_YEAR.match(school_year or "") if school_year else None
    if school_year and (match is None or int(match[2]) != int(match[1]) + 1):
        raise InvalidValue("Năm học phải có dạng 2025-2026.", field="school_year")
    _check_window(starts_at, until, now)
    members = tuple(dict.fromkeys([opened_by, *team]))
    if head is not None and head not in members:
        raise InvalidValue("Trưởng đoàn phải là thành viên của đoàn kiểm tra.", field="head")
    return Campaign(id=id, name=name, district_id=district_id, province_id=province_id,
                    schools=tuple(sorted(set(schools))), books=tuple(sorted(set(books))), school_year=school_year,
                    team=members, starts_at=starts_at, until=until, opened_by=opened_by, head=head or opened_by)


def _check_window(starts_at: datetime, until: datetime, now: datetime) -> None:
    if until <= starts_at or until <= now:
        raise RuleViolation("Thời hạn kết thúc phải sau thời điểm bắt đầu và sau hiện tại.", field="until")
    if until - starts_at > MAX_DURATION:
        raise RuleViolation("Một đợt kiểm tra kéo dài tối đa một năm.", field="until")
