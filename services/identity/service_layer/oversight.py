"""Use cases of the oversight level of the tree: a province's Sở onboards its oversight units
(legacy Phòng GD&ĐT or UBND xã/phường), a unit's head or the Sở adds the unit's staff, and each
level lists what it oversees.

Who may do what (every id a caller names is checked against the caller's own place in the tree;
another province's or unit's id is 404, nothing is created):

- province staff (``chuyen_vien_so``) onboard units in their own province, list them, add staff
  to any of them and read any of their schools;
- a unit's head (``truong_phong``) adds staff to their own unit; unit staff (``truong_phong``,
  ``chuyen_vien``) list their own unit's schools and staff;
- listing a unit's schools is a cross-school read, so it goes through the kernel's audited grant.
"""
from __future__ import annotations

from dataclasses import dataclass

from mongoengine.errors import NotUniqueError

from services.identity.adapters.documents import IdentityDistrictDoc, IdentityPersonDoc, IdentityProvinceDoc, IdentitySchoolDoc, IdentityStaffRoleDoc
from services.identity.adapters.repositories import SchoolRepository
from services.identity.domain.errors import IdentityError
from services.identity.domain.org import District
from services.identity.domain.people import Membership, PersonProfile
from services.identity.domain.roles import DISTRICT_READ_ROLES, PROVINCE_ONBOARD_ROLES, PROVINCE_READ_ROLES, UNIT_STAFF_ROLES
from services.identity.service_layer.access import Actor
from services.identity.service_layer.admin import AdminService, CreatedPerson, NewPerson, as_problem
from services.identity.service_layer.events import make_event
from services.kernel.audit import AuditLog
from services.kernel.clock import Clock
from services.kernel.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.kernel.principal import Principal
from services.kernel.tenancy import TenantScope, grant_cross_tenant

UNITS_READ_REASON = "Quản lý nhà nước: xem các trường của đơn vị quản lý"


@dataclass(frozen=True)
class UnitSummary:
    """An oversight unit with how many schools it holds (the Sở's list)."""

    unit: IdentityDistrictDoc
    schools: int


@dataclass(frozen=True)
class UnitStaff:
    """One role held in an oversight unit, with its holder."""

    person: IdentityPersonDoc
    role: IdentityStaffRoleDoc


class OversightService:
    def __init__(self, *, admin: AdminService, audit: AuditLog, clock: Clock) -> None:
        self._admin = admin
        self._audit = audit
        self._clock = clock

    # -- the province's units ----------------------------------------------------------------------
    @staticmethod
    def _own_province(principal: Principal, province_id: str) -> IdentityProvinceDoc:
        """The province when the caller is its staff; 404 for another province, 403 for others."""
        if not principal.roles & PROVINCE_READ_ROLES:
            raise Forbidden("Chỉ chuyên viên Sở GD&ĐT mới quản lý được các đơn vị của tỉnh.")
        doc = IdentityProvinceDoc.objects(id=province_id).first() if principal.province == province_id else None
        if doc is None:
            raise NotFound("Không tìm thấy Sở GD&ĐT.")
        return doc

    def onboard_unit(self, principal: Principal, *, province_id: str, slug: str, name: str, kind: str) -> IdentityDistrictDoc:
        """Province staff add an oversight unit to their own province (audited, with an event)."""
        if not principal.roles & PROVINCE_ONBOARD_ROLES:
            raise Forbidden("Chỉ chuyên viên Sở GD&ĐT mới được thêm đơn vị quản lý.")
        province = self._own_province(principal, province_id)
        try:
            unit = District.create(slug, name, province.id, kind)
        except IdentityError as exc:
            raise as_problem(exc) from None
        if self._admin.org_id_taken(unit.id):
            raise Conflict("Mã đơn vị đã được dùng.", field="slug")
        self._admin.check_org_id_kind(unit.id)
        doc = IdentityDistrictDoc(id=unit.id, name=unit.name, province_id=unit.province_id, kind=unit.kind.value,
                                  created_at=self._clock.now(), created_by=principal.sub)
        doc.record_event(make_event("identity.district.onboarded", clock=self._clock, district=unit.id,
                                    actor=principal.sub, data={"district_id": unit.id, "province_id": unit.province_id,
                                                               "kind": unit.kind.value, "name": unit.name}))
        try:
            doc.save(force_insert=True)
        except NotUniqueError:
            raise Conflict("Mã đơn vị đã được dùng.", field="slug") from None
        self._audit.append(action="district.onboarded", actor=principal.sub, tenant=None, district=unit.id,
                           target=unit.id, data={"name": unit.name, "kind": unit.kind.value, "province": unit.province_id})
        return doc

    def units_of(self, principal: Principal, province_id: str) -> list[UnitSummary]:
        """The oversight units of the caller's province, by name, each with its number of schools."""
        self._own_province(principal, province_id)
        units = list(IdentityDistrictDoc.objects(province_id=province_id).exclude("outbox").order_by("name"))
        counts = {row["_id"]: row["n"] for row in IdentitySchoolDoc.objects(province_id=province_id).aggregate(
            [{"$group": {"_id": "$district_id", "n": {"$sum": 1}}}])}
        return [UnitSummary(u, counts.get(u.id, 0)) for u in units]

    # -- one unit ------------------------------------------------------------------------------------
    @staticmethod
    def unit(principal: Principal, district_id: str) -> IdentityDistrictDoc:
        """The unit when the caller is its staff or staff of its province; 404 otherwise."""
        doc = IdentityDistrictDoc.objects(id=district_id).exclude("outbox").first()
        if doc is None:
            raise NotFound("Không tìm thấy đơn vị quản lý.")
        if principal.roles & DISTRICT_READ_ROLES and principal.district == doc.id:
            return doc
        if principal.roles & PROVINCE_READ_ROLES and principal.province == doc.province_id:
            return doc
        raise NotFound("Không tìm thấy đơn vị quản lý.")

    def schools_of(self, principal: Principal, district_id: str, *, reason: str | None) -> list[IdentitySchoolDoc]:
        """The schools of a unit the caller oversees, through an audited cross-school grant."""
        unit = self.unit(principal, district_id)
        grant = grant_cross_tenant(principal, reason=reason or UNITS_READ_REASON, audit=self._audit)
        return list(SchoolRepository(scope=TenantScope.across(grant)).query(district_id=unit.id)
                    .exclude("outbox").order_by("name"))

    def staff_of(self, principal: Principal, district_id: str) -> list[UnitStaff]:
        """The active roles held in the unit, by the holder's name."""
        unit = self.unit(principal, district_id)
        roles = list(IdentityStaffRoleDoc.objects(district_id=unit.id, active=True).exclude("outbox"))
        people = {p.id: p for p in IdentityPersonDoc.objects(id__in=[r.person_id for r in roles])
                  .exclude("password_hash", "totp_secret", "outbox")}
        return sorted((UnitStaff(people[r.person_id], r) for r in roles if r.person_id in people),
                      key=lambda s: (s.person.full_name, s.role.role))

    def add_staff(self, principal: Principal, district_id: str, new: NewPerson,
                  role: str) -> tuple[IdentityDistrictDoc, CreatedPerson, IdentityStaffRoleDoc]:
        """The unit's head or province staff give someone a unit role (a new account, or a role
        more for someone already on the unit's staff). Details of an account held elsewhere are
        refused without saying whose they are: a person joins a unit with an account of their own."""
        unit = self._admin.onboarding_unit(principal, district_id)
        if role not in UNIT_STAFF_ROLES:
            raise ValidationFailed("Vai trò của cán bộ đơn vị quản lý là trưởng phòng hoặc chuyên viên.", field="role")
        try:
            profile = PersonProfile.create(username=new.username, full_name=new.full_name, email=new.email,
                                           phone=new.phone, staff_id=new.staff_id, birth_date=new.birth_date)
        except IdentityError as exc:
            raise as_problem(exc) from None
        existing = self._admin.find_existing(profile)
        if existing is not None and IdentityStaffRoleDoc.objects(person_id=existing.id, district_id=unit.id,
                                                                 active=True).first() is None:
            raise Conflict("Thư điện tử, số điện thoại hoặc mã định danh đã thuộc về một tài khoản khác.", field="email")
        actor = Actor(principal.sub, None)
        created = self._admin.ensure_person(profile, actor=actor, tenant=None, district=unit.id, position=new.position)
        doc = self._admin.grant_staff_role(Membership.create(person_id=created.person.id, role=role, district_id=unit.id,
                                                             province_id=unit.province_id), actor=actor)
        return unit, created, doc
