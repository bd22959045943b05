"""Who may read and change what in identity: delegated administration bounded to one school.

- A school's principal (``hieu_truong``) and admin (``quan_tri``) manage their own school's
  accounts and roles; a PHT holding the principal's delegation may too, recorded as acting on
  the principal's behalf. Another school's objects are simply not found (404).
- District staff (``truong_phong``, ``chuyen_vien``) read every school of their district and
  province staff (``chuyen_vien_so``) every school of their province, through the kernel's
  audited cross-tenant grant; they change nothing inside a school.
- Power over an account (password reset, deactivation, profile, second factor) is one check,
  ``Access.account_authority``: the caller's authority must cover *every* role the person holds.
  A school's administrators cover the roles of their own school except the district-appointed
  principal; the district head (``truong_phong``) covers every school role and district role of
  their district. Nobody covers a province role through the API.
"""
from __future__ import annotations

from dataclasses import dataclass

from services.identity.domain.people import Membership
from services.identity.domain.roles import (
    DISTRICT_ONBOARD_ROLES, DISTRICT_READ_ROLES, PROVINCE_READ_ROLES, ROLE_LEVELS, SCHOOL_ADMIN_ROLES, RoleLevel,
)
from services.kernel.audit import AuditLog
from services.kernel.clock import Clock
from services.kernel.errors import Forbidden, NotFound
from services.kernel.principal import Principal
from services.kernel.tenancy import TenantScope, grant_cross_tenant

DEFAULT_READ_REASON = "Quản lý nhà nước: xem tài khoản và vai trò của trường"

#: Roles a school's own administrators may not grant, revoke or hold power over (the district appoints principals).
DISTRICT_APPOINTED = frozenset({"hieu_truong"})


class OutsideAuthority(Forbidden):
    """The person holds a role the caller's authority does not cover."""

    code = "outside-account-authority"
    title = "Tài khoản này không thuộc quyền quản lý của bạn."


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

    def covers(self, principal: Principal, membership: Membership) -> bool:
        """Whether the caller's authority over accounts covers one role a person holds."""
        level = ROLE_LEVELS.get(membership.role)
        district_head = bool(principal.roles & DISTRICT_ONBOARD_ROLES) and principal.district is not None
        if level is RoleLevel.SCHOOL:
            if district_head and membership.district_id == principal.district:
                return True
            return (membership.role not in DISTRICT_APPOINTED and membership.school_id is not None
                    and self.admin_of(principal, membership.school_id) is not None)
        if level is RoleLevel.DISTRICT:
            return district_head and membership.district_id == principal.district
        return False

    def account_authority(self, principal: Principal, person_id: str, memberships: list[Membership]) -> Actor:
        """The actor for a change to ``person_id``'s account (password, activity, profile, second
        factor) when the caller's authority covers every role in ``memberships`` (all the
        person's active roles, in every school, district and province); 403 otherwise."""
        if person_id == principal.sub:
            raise Forbidden("Không thể tự thực hiện thao tác quản trị này trên tài khoản của chính mình.")
        if not memberships or not all(self.covers(principal, m) for m in memberships):
            raise OutsideAuthority("Người này còn giữ vai trò ngoài phạm vi quản lý của bạn; "
                                   "chỉ cấp quản lý bao quát mọi vai trò của họ mới được thay đổi tài khoản.")
        if principal.roles & DISTRICT_ONBOARD_ROLES and principal.district:
            return Actor(principal.sub, None)
        schools = {m.school_id for m in memberships if m.school_id}
        actor = self.admin_of(principal, next(iter(schools))) if schools else None
        if actor is None:
            raise OutsideAuthority()
        return actor

    def account_scope(self, principal: Principal, school_id: str, *, reason: str) -> TenantScope:
        """A scope to find a person of ``school_id`` for an account change: the school's own
        administrators, or the district head through an audited grant; 404 for other schools."""
        if self.admin_of(principal, school_id):
            return TenantScope.school(school_id, principal.district or "", principal.province)
        if principal.roles & DISTRICT_ONBOARD_ROLES and principal.district:
            grant = grant_cross_tenant(principal, reason=reason, audit=self._audit)
            return TenantScope.across(grant, tenant=school_id)
        if principal.tenant == school_id or is_reader(principal):
            raise Forbidden("Chỉ hiệu trưởng và quản trị của trường mới được thay đổi tài khoản và vai trò.")
        raise NotFound()

    def write_scope(self, principal: Principal, school_id: str) -> tuple[TenantScope, Actor]:
        """The school scope and actor for a change in ``school_id``; 404 for other schools."""
        actor = self.admin_of(principal, school_id)
        if actor is not None:
            return TenantScope.school(school_id, principal.district or "", principal.province), actor
        if principal.tenant == school_id or is_reader(principal):
            raise Forbidden("Chỉ hiệu trưởng và quản trị của trường mới được thay đổi tài khoản và vai trò.")
        raise NotFound()
