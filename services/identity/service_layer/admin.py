"""Use cases of the organisation tree and of accounts: onboarding a school, units, people,
memberships and administrator password resets. Every change is audited; the events other
services consume are written in the same document save (kernel outbox)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from mongoengine.errors import NotUniqueError

from services.identity.adapters.documents import (
    IdentityDistrictDoc, IdentityMembershipDoc, IdentityPersonDoc, IdentitySchoolDoc, IdentitySessionDoc, IdentityStaffRoleDoc, IdentityUnitDoc,
)
from services.identity.adapters.passwords import PasswordHasher
from services.identity.adapters.repositories import MembershipRepository, SchoolRepository, UnitRepository
from services.identity.domain.errors import IdentityError, RuleViolation
from services.identity.domain.org import District, School, Unit
from services.identity.domain.people import Membership, PersonProfile
from services.identity.domain.roles import DISTRICT_ONBOARD_ROLES, ROLE_LEVELS, RoleLevel
from services.identity.service_layer.access import Access, Actor, is_reader
from services.identity.service_layer.events import make_event
from services.identity.service_layer.tokens import TokenService
from services.kernel.audit import AuditLog
from services.kernel.clock import Clock
from services.kernel.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.kernel.principal import Principal
from services.kernel.tenancy import TenantScope, grant_cross_tenant

#: Roles a school's own administrators may not grant (the district appoints principals).
DISTRICT_APPOINTED = frozenset({"hieu_truong"})


def as_problem(exc: IdentityError) -> ValidationFailed | Conflict:
    """Domain errors become 422 (bad value) or 409 (rule) problems with the Vietnamese message."""
    if isinstance(exc, RuleViolation):
        return Conflict(exc.message, field=exc.field)
    return ValidationFailed(exc.message, field=exc.field)


@dataclass(frozen=True)
class NewPerson:
    username: str
    full_name: str
    email: str | None = None
    phone: str | None = None
    staff_id: str | None = None
    birth_date: date | None = None
    position: str | None = None


@dataclass(frozen=True)
class CreatedPerson:
    person: IdentityPersonDoc
    created: bool
    temporary_password: str | None


def temporary_password() -> str:
    """A one-time password handed to a new person, changed at first sign-in."""
    return "HoSo-" + secrets.token_urlsafe(9)


class AdminService:
    def __init__(self, *, access: Access, audit: AuditLog, clock: Clock, hasher: PasswordHasher,
                 tokens: TokenService) -> None:
        self._access = access
        self._audit = audit
        self._clock = clock
        self._hasher = hasher
        self._tokens = tokens

    # -- people (shared by onboarding, the API and the staff import) ----------------------------------
    def find_existing(self, profile: PersonProfile) -> IdentityPersonDoc | None:
        """The account of the same person: same national staff id, e-mail or phone (one account per person)."""
        for field, value in (("staff_id", profile.staff_id), ("email", profile.email), ("phone", profile.phone)):
            if value:
                found = IdentityPersonDoc.objects(**{field: value}).first()
                if found is not None:
                    return found
        return None

    def ensure_person(self, profile: PersonProfile, *, actor: Actor, tenant: str | None, district: str | None,
                      position: str | None = None, password: str | None = None, password_hash: str | None = None,
                      must_change_password: bool = True) -> CreatedPerson:
        """The existing account of this person, or a new one with a temporary password (or the
        given password, or an already computed hash of it)."""
        existing = self.find_existing(profile)
        if existing is not None:
            return CreatedPerson(existing, False, None)
        if IdentityPersonDoc.objects(id=profile.username).first() is not None:
            raise Conflict("Tên đăng nhập đã được dùng cho người khác.", field="username")
        secret = password or temporary_password()
        doc = IdentityPersonDoc(
            id=profile.username, full_name=profile.full_name, email=profile.email, phone=profile.phone,
            staff_id=profile.staff_id, birth_date=profile.birth_date.isoformat() if profile.birth_date else None,
            position=position, password_hash=password_hash or self._hasher.hash(secret),
            must_change_password=must_change_password,
            created_at=self._clock.now(),
        )
        doc.record_event(make_event("identity.person.created", clock=self._clock, tenant=tenant, district=district,
                                    actor=actor.sub, on_behalf_of=actor.on_behalf_of,
                                    data={"person": doc.id, "full_name": doc.full_name, "email": doc.email,
                                          "school": tenant}))
        try:
            doc.save(force_insert=True)
        except NotUniqueError:
            raise Conflict("Thư điện tử, số điện thoại hoặc mã định danh đã thuộc về tài khoản khác.") from None
        self._audit.append(action="person.created", actor=actor.sub, on_behalf_of=actor.on_behalf_of, tenant=tenant,
                           district=district, target=doc.id, data={"full_name": doc.full_name})
        return CreatedPerson(doc, True, None if password or password_hash else secret)

    def grant(self, membership: Membership, *, actor: Actor) -> IdentityMembershipDoc:
        """Give a school role (idempotent: an active identical membership is returned as is)."""
        doc = IdentityMembershipDoc.objects(id=membership.key).first()
        if doc is not None and doc.active:
            return doc
        now = self._clock.now()
        doc = doc or IdentityMembershipDoc(id=membership.key)
        doc.person_id, doc.role, doc.unit_id = membership.person_id, membership.role, membership.unit_id
        doc.tenant_id, doc.district_id, doc.province_id = membership.school_id, membership.district_id, membership.province_id
        doc.active, doc.granted_at, doc.granted_by, doc.revoked_at, doc.revoked_by = True, now, actor.sub, None, None
        doc.record_event(make_event("identity.membership.granted", clock=self._clock, tenant=membership.school_id,
                                    district=membership.district_id, actor=actor.sub, on_behalf_of=actor.on_behalf_of,
                                    data={"membership": doc.id, "person": membership.person_id,
                                          "school": membership.school_id, "role": membership.role,
                                          "unit": membership.unit_id}))
        doc.save()
        self._audit.append(action="membership.granted", actor=actor.sub, on_behalf_of=actor.on_behalf_of,
                           tenant=membership.school_id, district=membership.district_id, target=doc.id,
                           data={"person": membership.person_id, "role": membership.role, "unit": membership.unit_id})
        return doc

    def grant_staff_role(self, membership: Membership, *, actor: Actor) -> IdentityStaffRoleDoc:
        """Give a district or province role (idempotent)."""
        doc = IdentityStaffRoleDoc.objects(id=membership.key).first()
        if doc is not None and doc.active:
            return doc
        doc = doc or IdentityStaffRoleDoc(id=membership.key)
        doc.person_id, doc.role = membership.person_id, membership.role
        doc.district_id, doc.province_id = membership.district_id, membership.province_id
        doc.active, doc.granted_at = True, self._clock.now()
        doc.record_event(make_event("identity.membership.granted", clock=self._clock, district=membership.district_id,
                                    actor=actor.sub, data={"membership": doc.id, "person": membership.person_id,
                                                           "school": None, "district": membership.district_id,
                                                           "province": membership.province_id,
                                                           "role": membership.role, "unit": None}))
        doc.save()
        self._audit.append(action="membership.granted", actor=actor.sub, tenant=None, district=membership.district_id,
                           target=doc.id, data={"person": membership.person_id, "role": membership.role})
        return doc

    # -- schools -----------------------------------------------------------------------------------
    def onboard_school(
        self, principal: Principal, *, slug: str, name: str, levels: list[str], units: list[tuple[str, str, str]],
        head: NewPerson,
    ) -> tuple[IdentitySchoolDoc, CreatedPerson]:
        """A district (trưởng phòng) creates a school with its units and its principal's account."""
        if not (principal.roles & DISTRICT_ONBOARD_ROLES) or not principal.district:
            raise Forbidden("Chỉ trưởng phòng GD&ĐT mới được đưa trường mới vào hệ thống.")
        district_doc = IdentityDistrictDoc.objects(id=principal.district).first()
        if district_doc is None:
            raise NotFound("Không tìm thấy phòng GD&ĐT của bạn.")
        actor = Actor(principal.sub, None)
        try:
            school = School.create(slug=slug, name=name, levels=levels, units=units,
                                   district=District(district_doc.id, district_doc.name, district_doc.province_id))
            profile = PersonProfile.create(username=head.username, full_name=head.full_name, email=head.email,
                                           phone=head.phone, staff_id=head.staff_id, birth_date=head.birth_date)
        except IdentityError as exc:
            raise as_problem(exc) from None
        return self.create_school(school, profile, actor=actor, position="Hiệu trưởng")

    def create_school(self, school: School, head: PersonProfile, *, actor: Actor, position: str | None,
                      head_password: str | None = None, head_must_change: bool = True) -> tuple[IdentitySchoolDoc, CreatedPerson]:
        if IdentitySchoolDoc.objects(id=school.id).first() is not None:
            raise Conflict("Mã trường đã tồn tại.", field="slug")
        created = self.ensure_person(head, actor=actor, tenant=school.id, district=school.district_id, position=position,
                                     password=head_password, must_change_password=head_must_change)
        now = self._clock.now()
        for unit in school.units:
            IdentityUnitDoc(id=unit.id, slug=unit.slug, name=unit.name, kind=unit.kind.value, tenant_id=school.id,
                    district_id=school.district_id, province_id=school.province_id).save(force_insert=True)
        doc = IdentitySchoolDoc(id=school.id, name=school.name, levels=[lv.value for lv in school.levels],
                        principal_id=created.person.id, created_at=now, created_by=actor.sub, tenant_id=school.id,
                        district_id=school.district_id, province_id=school.province_id)
        doc.record_event(make_event("identity.school.onboarded", clock=self._clock, tenant=school.id,
                                    district=school.district_id, actor=actor.sub, data=onboarded_data(school, created.person.id)))
        try:
            doc.save(force_insert=True)
        except NotUniqueError:
            raise Conflict("Mã trường đã tồn tại.", field="slug") from None
        self._audit.append(action="school.onboarded", actor=actor.sub, tenant=school.id, district=school.district_id,
                           target=school.id, data={"name": school.name, "principal": created.person.id})
        self.grant(Membership.create(person_id=created.person.id, role="hieu_truong", school_id=school.id,
                                     district_id=school.district_id, province_id=school.province_id), actor=actor)
        return doc, created

    def list_schools(self, principal: Principal, *, reason: str | None) -> list[IdentitySchoolDoc]:
        """Schools the caller may see: their district's or province's (audited), or their own school."""
        if is_reader(principal):
            grant = grant_cross_tenant(principal, reason=reason or "Xem danh sách trường", audit=self._audit)
            return list(SchoolRepository(scope=TenantScope.across(grant)).query().order_by("name"))
        if principal.tenant and principal.district:
            return list(SchoolRepository(scope=TenantScope.school(principal.tenant, principal.district)).query())
        return []

    def get_school(self, principal: Principal, school_id: str, *, reason: str | None) -> IdentitySchoolDoc:
        if principal.tenant == school_id and principal.district:
            return SchoolRepository(scope=TenantScope.school(school_id, principal.district)).get(school_id)
        return SchoolRepository(scope=self._access.read_scope(principal, school_id, reason=reason)).get(school_id)

    def units(self, principal: Principal, school_id: str, *, reason: str | None) -> list[IdentityUnitDoc]:
        scope = (TenantScope.school(school_id, principal.district) if principal.tenant == school_id and principal.district
                 else self._access.read_scope(principal, school_id, reason=reason))
        SchoolRepository(scope=scope).get(school_id)
        return list(UnitRepository(scope=scope).query().order_by("kind", "slug"))

    def add_unit(self, principal: Principal, school_id: str, *, slug: str, name: str, kind: str) -> IdentityUnitDoc:
        scope, actor = self._access.write_scope(principal, school_id)
        school = SchoolRepository(scope=scope).get(school_id)
        try:
            unit = Unit.create(school_id, slug, name, kind)
        except IdentityError as exc:
            raise as_problem(exc) from None
        if IdentityUnitDoc.objects(id=unit.id).first() is not None:
            raise Conflict("Đơn vị đã tồn tại.", field="slug")
        doc = UnitRepository(scope=scope).add(IdentityUnitDoc(id=unit.id, slug=unit.slug, name=unit.name, kind=unit.kind.value))
        self._audit.append(action="unit.created", actor=actor.sub, on_behalf_of=actor.on_behalf_of, tenant=school.id,
                           district=school.district_id, target=unit.id, data={"name": unit.name, "kind": unit.kind.value})
        return doc

    # -- people of a school --------------------------------------------------------------------------
    def people(self, principal: Principal, school_id: str, *, reason: str | None) -> list[tuple[IdentityPersonDoc, list[IdentityMembershipDoc]]]:
        """The school's people with their roles there, sorted by name."""
        scope = self._access.read_scope(principal, school_id, reason=reason)
        SchoolRepository(scope=scope).get(school_id)
        memberships = list(MembershipRepository(scope=scope).query(active=True))
        by_person: dict[str, list[IdentityMembershipDoc]] = {}
        for m in memberships:
            by_person.setdefault(m.person_id, []).append(m)
        people = IdentityPersonDoc.objects(id__in=list(by_person)).exclude("password_hash", "totp_secret", "outbox")
        return sorted(((p, by_person[p.id]) for p in people), key=lambda pair: pair[0].full_name)

    def person(self, principal: Principal, school_id: str, person_id: str, *, reason: str | None) -> tuple[IdentityPersonDoc, list[IdentityMembershipDoc]]:
        """One person of the school; 404 when they hold no role in it (or the school is not the caller's)."""
        scope = self._access.read_scope(principal, school_id, reason=reason)
        return self._member(scope, person_id)

    def _member(self, scope: TenantScope, person_id: str) -> tuple[IdentityPersonDoc, list[IdentityMembershipDoc]]:
        memberships = list(MembershipRepository(scope=scope).query(person_id=person_id, active=True))
        person = IdentityPersonDoc.objects(id=person_id).first() if memberships else None
        if person is None:
            raise NotFound()
        return person, memberships

    def _school_membership(self, school: IdentitySchoolDoc, person_id: str, role: str, unit_slug: str | None) -> Membership:
        if ROLE_LEVELS.get(role) is not RoleLevel.SCHOOL:
            raise ValidationFailed("Chỉ cấp được vai trò trong trường.", field="role")
        unit_id = f"{school.id}/{unit_slug}" if unit_slug else None
        if unit_id and IdentityUnitDoc.objects(id=unit_id, tenant_id=school.id).first() is None:
            raise ValidationFailed("Đơn vị không thuộc trường này.", field="unit")
        try:
            return Membership.create(person_id=person_id, role=role, school_id=school.id, unit_id=unit_id,
                                     district_id=school.district_id, province_id=school.province_id)
        except IdentityError as exc:
            raise as_problem(exc) from None

    def add_person(self, principal: Principal, school_id: str, new: NewPerson,
                   roles: list[tuple[str, str | None]]) -> tuple[CreatedPerson, list[IdentityMembershipDoc]]:
        """Create (or find, by staff id / e-mail / phone) a person and give them roles in the school."""
        scope, actor = self._access.write_scope(principal, school_id)
        school = SchoolRepository(scope=scope).get(school_id)
        self._check_grantable(roles)
        try:
            profile = PersonProfile.create(username=new.username, full_name=new.full_name, email=new.email,
                                           phone=new.phone, staff_id=new.staff_id, birth_date=new.birth_date)
        except IdentityError as exc:
            raise as_problem(exc) from None
        memberships = [self._school_membership(school, profile.username, r, u) for r, u in roles]
        created = self.ensure_person(profile, actor=actor, tenant=school.id, district=school.district_id,
                                     position=new.position)
        granted = [self.grant(Membership.create(
            person_id=created.person.id, role=m.role, school_id=m.school_id, unit_id=m.unit_id,
            district_id=m.district_id, province_id=m.province_id), actor=actor) for m in memberships]
        return created, granted

    @staticmethod
    def _check_grantable(roles: list[tuple[str, str | None]]) -> None:
        if any(role in DISTRICT_APPOINTED for role, _ in roles):
            raise Forbidden("Hiệu trưởng do phòng GD&ĐT bổ nhiệm; trường không tự cấp vai trò này.")

    def grant_role(self, principal: Principal, school_id: str, person_id: str, role: str, unit_slug: str | None) -> IdentityMembershipDoc:
        scope, actor = self._access.write_scope(principal, school_id)
        school = SchoolRepository(scope=scope).get(school_id)
        self._member(scope, person_id)
        self._check_grantable([(role, unit_slug)])
        return self.grant(self._school_membership(school, person_id, role, unit_slug), actor=actor)

    def revoke_role(self, principal: Principal, school_id: str, membership_id: str) -> IdentityMembershipDoc:
        scope, actor = self._access.write_scope(principal, school_id)
        doc = MembershipRepository(scope=scope).get(membership_id)
        if not doc.active:
            return doc
        if doc.role in DISTRICT_APPOINTED:
            raise Forbidden("Hiệu trưởng do phòng GD&ĐT bổ nhiệm; trường không tự thu hồi vai trò này.")
        now = self._clock.now()
        doc.active, doc.revoked_at, doc.revoked_by = False, now, actor.sub
        doc.record_event(make_event("identity.membership.revoked", clock=self._clock, tenant=doc.tenant_id,
                                    district=doc.district_id, actor=actor.sub, on_behalf_of=actor.on_behalf_of,
                                    data={"membership": doc.id, "person": doc.person_id, "school": doc.tenant_id,
                                          "role": doc.role, "unit": doc.unit_id}))
        doc.save()
        self._audit.append(action="membership.revoked", actor=actor.sub, on_behalf_of=actor.on_behalf_of,
                           tenant=doc.tenant_id, district=doc.district_id, target=doc.id,
                           data={"person": doc.person_id, "role": doc.role, "unit": doc.unit_id})
        return doc

    def set_active(self, principal: Principal, school_id: str, person_id: str, *, active: bool) -> IdentityPersonDoc:
        """Lock (or unlock) the account of someone who left the school: no sign-in, no new token,
        every session and refresh token ended. Refused for people of other schools too and for
        the principal (appointed by the district)."""
        scope, actor = self._access.write_scope(principal, school_id)
        person, memberships = self._member(scope, person_id)
        if person_id == principal.sub:
            raise Conflict("Không thể tự khóa tài khoản của chính mình.")
        if any(m.role in DISTRICT_APPOINTED for m in memberships):
            raise Forbidden("Hiệu trưởng do phòng GD&ĐT bổ nhiệm; trường không tự khóa tài khoản này.")
        if IdentityMembershipDoc.objects(person_id=person_id, active=True, tenant_id__ne=school_id).first() is not None:
            raise Conflict("Người này còn thuộc trường khác; chỉ có thể thu hồi vai trò tại trường của bạn.")
        if bool(person.active) == active:
            return person
        person.active = active
        person.record_event(make_event(
            "identity.person.reactivated" if active else "identity.person.deactivated", clock=self._clock,
            tenant=school_id, district=principal.district, actor=actor.sub, on_behalf_of=actor.on_behalf_of,
            data={"person": person.id, "school": school_id}))
        person.save()
        if not active:
            IdentitySessionDoc.objects(person_id=person_id, revoked_at=None).update(set__revoked_at=self._clock.now())
            self._tokens.revoke_person_tokens(person_id)
        self._audit.append(action="person.reactivated" if active else "person.deactivated", actor=actor.sub,
                           on_behalf_of=actor.on_behalf_of, tenant=school_id, district=principal.district,
                           target=person_id, data={})
        return person

    def reset_password(self, principal: Principal, school_id: str, person_id: str) -> str:
        """An administrator gives a person a temporary password (changed at next sign-in) and signs
        them out everywhere. Refused for people who also belong to another school."""
        scope, actor = self._access.write_scope(principal, school_id)
        person, _ = self._member(scope, person_id)
        if IdentityMembershipDoc.objects(person_id=person_id, active=True, tenant_id__ne=school_id).first() is not None:
            raise Conflict("Người này còn thuộc trường khác; hãy dùng chức năng quên mật khẩu qua thư điện tử.")
        secret = temporary_password()
        person.password_hash = self._hasher.hash(secret)
        person.must_change_password = True
        person.save()
        now = self._clock.now()
        IdentitySessionDoc.objects(person_id=person_id, revoked_at=None).update(set__revoked_at=now)
        self._tokens.revoke_person_tokens(person_id)
        self._audit.append(action="password.reset_by_admin", actor=actor.sub, on_behalf_of=actor.on_behalf_of,
                           tenant=school_id, district=principal.district, target=person_id, data={})
        return secret


def onboarded_data(school: School, principal_id: str) -> dict:
    """Data of ``identity.school.onboarded`` (documented in the README)."""
    return {
        "school_id": school.id, "slug": school.slug, "name": school.name,
        "levels": [lv.value for lv in school.levels], "district_id": school.district_id,
        "province_id": school.province_id,
        "units": [{"id": u.id, "slug": u.slug, "name": u.name, "kind": u.kind.value} for u in school.units],
        "principal_id": principal_id,
    }
