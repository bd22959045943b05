"""Delegation (ủy quyền): a holder of a role lets another person act in that role, for a scope and a time window.

Allowed pairs follow the regulations: a tổ trưởng delegates to a tổ phó of the same tổ, a
principal (hiệu trưởng) to a phó hiệu trưởng of the same school. The delegate's tokens then carry an
``act`` entry; services record every action taken so as "B on behalf of A".
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from services.identity.domain.errors import InvalidValue, RuleViolation
from services.identity.domain.people import Membership

#: role delegated -> role the delegate must hold in the same place
DELEGABLE: dict[str, str] = {"to_truong": "to_pho", "hieu_truong": "pho_hieu_truong"}

#: A delegation lasts at most one school year.
MAX_DURATION = timedelta(days=366)


@dataclass(frozen=True)
class Delegation:
    id: str
    school_id: str
    district_id: str
    province_id: str
    delegator_id: str
    delegate_id: str
    role: str
    unit_id: str | None
    book_types: tuple[str, ...]
    starts_at: datetime
    until: datetime
    revoked_at: datetime | None = None

    def is_active(self, now: datetime) -> bool:
        """Active between its start (inclusive) and ``until`` (exclusive) unless revoked."""
        return self.revoked_at is None and self.starts_at <= now < self.until

    def revoke(self, now: datetime) -> "Delegation":
        if self.revoked_at is not None:
            raise RuleViolation("Ủy quyền này đã bị thu hồi.")
        return replace(self, revoked_at=now)

    def act_claim(self) -> dict:
        """The entry this delegation adds to the delegate's ``act`` token claim."""
        return {
            "on_behalf_of": self.delegator_id,
            "role": self.role,
            "unit": self.unit_id,
            "book_types": list(self.book_types),
            "until": int(self.until.timestamp()),
        }


def _holds(memberships: list[Membership], role: str, school_id: str, unit_id: str | None) -> bool:
    return any(
        m.role == role and m.school_id == school_id and (unit_id is None or m.unit_id == unit_id)
        for m in memberships
    )


def grant_delegation(
    *, id: str, delegator_id: str, delegator_memberships: list[Membership], delegate_id: str,
    delegate_memberships: list[Membership], role: str, school_id: str, district_id: str, province_id: str,
    unit_id: str | None, book_types: list[str] | tuple[str, ...], starts_at: datetime, until: datetime,
    now: datetime,
) -> Delegation:
    """Check the rules and build a delegation from the delegator to the delegate.

    The delegator must hold ``role`` (in ``unit_id`` for a tổ trưởng); the delegate must hold the
    matching deputy role in the same place; the window must be in the future and at most a year.
    """
    if role not in DELEGABLE:
        raise InvalidValue("Chỉ tổ trưởng và hiệu trưởng mới được ủy quyền.", field="role")
    if delegator_id == delegate_id:
        raise RuleViolation("Không thể tự ủy quyền cho chính mình.", field="delegate_id")
    if role == "to_truong" and not unit_id:
        raise InvalidValue("Ủy quyền của tổ trưởng phải ghi rõ tổ.", field="unit_id")
    if role == "hieu_truong":
        unit_id = None
    if not _holds(delegator_memberships, role, school_id, unit_id):
        raise RuleViolation("Người ủy quyền không giữ vai trò này ở đơn vị đã chọn.", field="role")
    deputy = DELEGABLE[role]
    if not _holds(delegate_memberships, deputy, school_id, unit_id):
        raise RuleViolation(
            "Người nhận ủy quyền phải là tổ phó của cùng tổ." if role == "to_truong"
            else "Người nhận ủy quyền phải là phó hiệu trưởng của trường.",
            field="delegate_id",
        )
    if until <= starts_at or until <= now:
        raise InvalidValue("Thời hạn ủy quyền phải kết thúc sau thời điểm bắt đầu và sau hiện tại.", field="until")
    if until - starts_at > MAX_DURATION:
        raise InvalidValue("Một lần ủy quyền kéo dài tối đa một năm.", field="until")
    books = tuple(sorted({b.strip() for b in book_types if b and b.strip()}))
    return Delegation(
        id=id, school_id=school_id, district_id=district_id, province_id=province_id,
        delegator_id=delegator_id, delegate_id=delegate_id, role=role, unit_id=unit_id,
        book_types=books, starts_at=starts_at, until=until,
    )
