"""Who may read and change what in identity: delegated administration bounded to one school.

- A school's principal (``hieu_truong``) and admin (``quan_tri``) manage their own school's
  accounts and roles; a PHT holding the principal's delegation may too, recorded as acting on
  the principal's behalf. Another school's objects are simply not found (404).
- District staff (``truong_phong``, ``chuyen_vien``) read every school of their district and
  province staff (``chuyen_vien_so``) every school of their province, through the kernel's
  audited cross-tenant grant; they change nothing inside a school.
"""
from __future__ import annotations

from dataclasses import dataclass

from services.identity.domain.roles import DISTRICT_READ_ROLES, PROVINCE_READ_ROLES, SCHOOL_ADMIN_ROLES
from services.kernel.audit import AuditLog
from services.kernel.clock import Clock
from services.kernel.errors import Forbidden, NotFound
from services.kernel.principal import Principal
from services.kernel.tenancy import TenantScope, grant_cross_tenant

DEFAULT_READ_REASON = "Quản lý nhà nước: xem tài khoản và vai trò của trường"


@dataclass(frozen=True)
class Actor:
    """The caller of a change, and whose authority they use when acting by delegation."""

    sub: str
    on_behalf_of: str | None


def is_reader(principal: Principal) -> bool:
    return bool(principal.roles & (DISTRICT_READ_ROLES | PROVINCE_READ_ROLES))


class Access:
    def __init__(self, *, audit: AuditLog, clock: Clock) -> None:
        self._audit = audit
        self._clock = clock

    def admin_of(self, principal: Principal, school_id: str) -> Actor | None:
        """The actor when the caller administers ``school_id`` (itself or by the principal's delegation)."""
        if principal.tenant != school_id or not principal.district:
            return None
        if any(principal.has_role(r) for r in SCHOOL_ADMIN_ROLES):
            return Actor(principal.sub, None)
        delegator = principal.acting_for("hieu_truong", now=int(self._clock.now().timestamp()))
        return Actor(principal.sub, delegator) if delegator else None

    def read_scope(self, principal: Principal, school_id: str, *, reason: str | None = None) -> TenantScope:
        """A scope that sees ``school_id`` for the caller, or 404 (403 for a non-admin of the same school)."""
        if self.admin_of(principal, school_id):
            return TenantScope.school(school_id, principal.district or "", principal.province)
        if is_reader(principal):
            grant = grant_cross_tenant(principal, reason=reason or DEFAULT_READ_REASON, audit=self._audit)
            return TenantScope.across(grant, tenant=school_id)
        if principal.tenant == school_id:
            raise Forbidden("Chỉ hiệu trưởng và quản trị của trường mới xem được danh sách tài khoản.")
        raise NotFound()

    def write_scope(self, principal: Principal, school_id: str) -> tuple[TenantScope, Actor]:
        """The school scope and actor for a change in ``school_id``; 404 for other schools."""
        actor = self.admin_of(principal, school_id)
        if actor is not None:
            return TenantScope.school(school_id, principal.district or "", principal.province), actor
        if principal.tenant == school_id or is_reader(principal):
            raise Forbidden("Chỉ hiệu trưởng và quản trị của trường mới được thay đổi tài khoản và vai trò.")
        raise NotFound()
