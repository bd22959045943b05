"""Use cases of the organisation tree and of accounts: onboarding a school, units, people,
memberships, invitations and the administrator's power over accounts. Every change is audited;
the events other services consume are written in the same document save (kernel outbox).

Linking rule (``link_person``, used by the API and the staff import): an account found by staff
id, e-mail or phone that holds no role in the school is never linked silently; the school gets
an invitation the person accepts (or the district approves), and the answer names nobody.
Power over an account goes through ``Access.account_authority`` (every role covered)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from mongoengine.errors import NotUniqueError

from services.identity.adapters.documents import (
    IdentityDistrictDoc, IdentityInvitationDoc, IdentityMembershipDoc, IdentityPersonDoc, IdentityProvinceDoc, IdentitySchoolDoc,
    IdentitySessionDoc, IdentityStaffRoleDoc, IdentityUnitDoc,
)
from services.identity.adapters.mail import Mailer
from services.identity.adapters.passwords import PasswordHasher
from services.identity.adapters.repositories import (
    InvitationRepository, MembershipRepository, PersonDirectory, PersonPasskeys, SchoolRepository, UnitRepository,
)
from services.identity.domain.errors import IdentityError, RuleViolation
from services.identity.domain.org import District, Level, School, Unit, clean_name
from services.identity.domain.people import (
    Membership, PersonProfile, normalise_email, normalise_phone, normalise_staff_id,
)
from services.identity.domain.roles import (
    DISTRICT_ONBOARD_ROLES, PROVINCE_ONBOARD_ROLES, ROLE_LEVELS, ROLE_NAMES, RoleLevel,
)
from services.identity.service_layer.access import DISTRICT_APPOINTED, Access, Actor, is_reader
from services.identity.service_layer.events import make_event
from services.identity.service_layer.tokens import TokenService
from services.kernel.audit import AuditLog
from services.kernel.clock import Clock
from services.kernel.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.kernel.ids import new_id
from services.kernel.principal import Principal
from services.kernel.tenancy import TenantScope, grant_cross_tenant

__all__ = ["DISTRICT_APPOINTED", "AdminService", "IdentifierCollision", "LinkOutcome", "NewPerson", "ProfileChange"]

#: How long a school's invitation waits for the person's answer.
INVITATION_LIFETIME = timedelta(days=14)


class IdentifierCollision(ValidationFailed):
    """A username equal to an organisation id (or the reverse): ids of different kinds never share a value."""

    code = "identifier-collision"
    title = "Mã định danh trùng với một định danh loại khác."


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


@dataclass(frozen=True)
class LinkOutcome:
    """What adding someone to a school did: a new account (``created``), roles for someone who
    already works in the school (``added``), or an invitation to an account held elsewhere
    (``invited``: ``person`` is None, nothing about them is returned)."""

    outcome: Literal["created", "added", "invited"]
    person: IdentityPersonDoc | None
    temporary_password: str | None
    granted: list[IdentityMembershipDoc]
    invitation_id: str | None = None


@dataclass(frozen=True)
class ProfileChange:
    """Fields of an account an administrator may correct; None leaves a field as it is."""

    full_name: str | None = None
    email: str | None = None
    phone: str | None = None
    staff_id: str | None = None
    position: str | None = None


def temporary_password() -> str:
    """A one-time password handed to a new person, changed at first sign-in."""
    return "HoSo-" + secrets.token_urlsafe(9)


class AdminService:
    def __init__(self, *, access: Access, audit: AuditLog, clock: Clock, hasher: PasswordHasher,
                 tokens: TokenService, mailer: Mailer | None = None) -> None:
        self._access = access
        self._audit = audit
        self._clock = clock
        self._hasher = hasher
        self._tokens = tokens
        self._mailer = mailer
        self._directory = PersonDirectory()

    # -- identifiers of different kinds never share a value -----------------------------------------
    @staticmethod
    def org_id_taken(value: str) -> bool:
        """True when ``value`` is the id of a province, district, school or unit."""
        return any(doc.objects(id=value).only("id").first() is not None
                   for doc in (IdentitySchoolDoc, IdentityUnitDoc, IdentityDistrictDoc, IdentityProvinceDoc))

    def username_free(self, username: str) -> bool:
        """True when no account and no organisation id uses ``username``."""
        return IdentityPersonDoc.objects(id=username).only("id").first() is None and not self.org_id_taken(username)

    def check_username_kind(self, username: str) -> None:
        """422 when a new username equals an organisation id (a school, unit, district or province)."""
        if self.org_id_taken(username):
            raise IdentifierCollision("Tên đăng nhập trùng với mã của một trường hoặc đơn vị; hãy chọn tên khác.",
                                      field="username")

    @staticmethod
    def check_org_id_kind(org_id: str, *, field: str = "slug") -> None:
        """422 when a new school or unit id equals an existing username."""
        if IdentityPersonDoc.objects(id=org_id).only("id").first() is not None:
            raise IdentifierCollision("Mã này trùng với tên đăng nhập của một tài khoản; hãy chọn mã khác.", field=field)

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
        self.check_username_kind(profile.username)
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
        self._settle_home(membership.person_id)
        self._audit.append(action="membership.granted", actor=actor.sub, on_behalf_of=actor.on_behalf_of,
                           tenant=membership.school_id, district=membership.district_id, target=doc.id,
                           data={"person": membership.person_id, "role": membership.role, "unit": membership.unit_id})
        return doc

    @staticmethod
    def _settle_home(person_id: str) -> None:
        """Give an account without a home school the school of its oldest active role (set once:
        a role added later by another school never becomes the token's default)."""
        if IdentityPersonDoc.objects(id=person_id, home_school=None).only("id").first() is None:
            return
        first = IdentityMembershipDoc.objects(person_id=person_id, active=True).order_by("granted_at").only("tenant_id").first()
        if first is not None:
            IdentityPersonDoc.objects(id=person_id, home_school=None).update_one(set__home_school=first.tenant_id)

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
        head: NewPerson, district_id: str | None = None,
    ) -> tuple[IdentitySchoolDoc, CreatedPerson]:
        """The head of an oversight unit (trưởng phòng) creates a school of their unit, or province
        staff one of any unit of their province, with its units and its principal's account.
        ``district_id`` (default: the caller's own unit) outside the caller's authority is 404."""
        district_doc = self.onboarding_unit(principal, district_id or principal.district)
        actor = Actor(principal.sub, None)
        try:
            school = School.create(slug=slug, name=name, levels=levels, units=units,
                                   district=District(district_doc.id, district_doc.name, district_doc.province_id))
            profile = PersonProfile.create(username=head.username, full_name=head.full_name, email=head.email,
                                           phone=head.phone, staff_id=head.staff_id, birth_date=head.birth_date)
        except IdentityError as exc:
            raise as_problem(exc) from None
        existing = self.find_existing(profile)
        if existing is not None:
            # linking an existing account as principal is the unit's consent only when its
            # authority covers every role that person holds
            memberships = self._directory.memberships_of(existing.id)
            if memberships and not all(self._access.covers(principal, m) for m in memberships):
                raise Conflict("Thông tin liên hệ này đã thuộc về một tài khoản ngoài đơn vị quản lý của bạn.",
                               field="principal")
        return self.create_school(school, profile, actor=actor, position="Hiệu trưởng")

    @staticmethod
    def onboarding_unit(principal: Principal, district_id: str | None) -> IdentityDistrictDoc:
        """The oversight unit ``district_id`` when the caller may onboard schools and staff in it:
        its own head (trưởng phòng) or province staff of its province. 403 for anyone else of the
        tree's staff roles; 404 when the unit is another's (nothing about it is told)."""
        is_head = bool(principal.roles & DISTRICT_ONBOARD_ROLES) and bool(principal.district)
        is_province = bool(principal.roles & PROVINCE_ONBOARD_ROLES) and bool(principal.province)
        if not (is_head or is_province):
            raise Forbidden("Chỉ trưởng phòng của đơn vị quản lý hoặc chuyên viên Sở GD&ĐT mới được đưa trường "
                            "và cán bộ mới vào hệ thống.")
        doc = IdentityDistrictDoc.objects(id=district_id).first() if district_id else None
        if doc is None:
            raise NotFound("Không tìm thấy đơn vị quản lý.")
        if is_head and doc.id == principal.district:
            return doc
        if is_province and doc.province_id == principal.province:
            return doc
        raise NotFound("Không tìm thấy đơn vị quản lý.")

    def create_school(self, school: School, head: PersonProfile, *, actor: Actor, position: str | None,
                      head_password: str | None = None, head_must_change: bool = True) -> tuple[IdentitySchoolDoc, CreatedPerson]:
        if IdentitySchoolDoc.objects(id=school.id).first() is not None:
            raise Conflict("Mã trường đã tồn tại.", field="slug")
        self.check_org_id_kind(school.id)
        created = self.ensure_person(head, actor=actor, tenant=school.id, district=school.district_id, position=position,
                                     password=head_password, must_change_password=head_must_change)
        now = self._clock.now()
        for unit in school.units:
            IdentityUnitDoc(id=unit.id, slug=unit.slug, name=unit.name, kind=unit.kind.value,
                            level=unit.level.value if unit.level else None, tenant_id=school.id,
                    district_id=school.district_id, province_id=school.province_id).save(force_insert=True)
        doc = IdentitySchoolDoc(id=school.id, name=school.name, levels=[lv.value for lv in school.levels],
                        principal_id=created.person.id, created_at=now, created_by=actor.sub, tenant_id=school.id,
                        district_id=school.district_id, province_id=school.province_id)
        unit = IdentityDistrictDoc.objects(id=school.district_id).only("kind", "name").first()
        doc.record_event(make_event("identity.school.onboarded", clock=self._clock, tenant=school.id,
                                    district=school.district_id, actor=actor.sub,
                                    data=onboarded_data(school, created.person.id, unit)))
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

    def add_unit(self, principal: Principal, school_id: str, *, slug: str, name: str, kind: str,
                 level: str | None = None) -> IdentityUnitDoc:
        scope, actor = self._access.write_scope(principal, school_id)
        school = SchoolRepository(scope=scope).get(school_id)
        try:
            unit = Unit.create(school_id, slug, name, kind, level, tuple(Level(lv) for lv in school.levels))
        except IdentityError as exc:
            raise as_problem(exc) from None
        if IdentityUnitDoc.objects(id=unit.id).first() is not None:
            raise Conflict("Đơn vị đã tồn tại.", field="slug")
        self.check_org_id_kind(unit.id)
        doc = UnitRepository(scope=scope).add(IdentityUnitDoc(id=unit.id, slug=unit.slug, name=unit.name, kind=unit.kind.value,
                                                              level=unit.level.value if unit.level else None))
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

    def colleague_names(self, principal: Principal, school_id: str) -> list[tuple[str, str]]:
        """(id, full name) of the school's people, for anyone of that school: lists and histories show
        colleagues by name, never by login id. Nothing else of the accounts is shown; another
        school's id is not found (oversight staff use the full list, audited)."""
        if principal.tenant != school_id:
            raise NotFound()
        scope = TenantScope.school(school_id, principal.district or "", principal.province)
        ids = MembershipRepository(scope=scope).query(active=True).distinct("person_id")
        people = IdentityPersonDoc.objects(id__in=ids).only("id", "full_name")
        return sorted(((p.id, p.full_name) for p in people), key=lambda pair: pair[1])

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
                   roles: list[tuple[str, str | None]]) -> LinkOutcome:
        """Give a person roles in the school: a new account, roles for someone already working
        here, or an invitation to an account held elsewhere (see ``link_person``)."""
        scope, actor = self._access.write_scope(principal, school_id)
        school = SchoolRepository(scope=scope).get(school_id)
        self._check_grantable(roles)
        try:
            profile = PersonProfile.create(username=new.username, full_name=new.full_name, email=new.email,
                                           phone=new.phone, staff_id=new.staff_id, birth_date=new.birth_date)
        except IdentityError as exc:
            raise as_problem(exc) from None
        memberships = [self._school_membership(school, profile.username, r, u) for r, u in roles]
        return self.link_person(profile, school, [(m.role, m.unit_id) for m in memberships], actor=actor,
                                position=new.position)

    def link_person(self, profile: PersonProfile, school: IdentitySchoolDoc, roles: list[tuple[str, str | None]], *,
                    actor: Actor, position: str | None) -> LinkOutcome:
        """The one linking rule (API and staff import). ``roles`` are (role, unit id) of ``school``.

        - no account has this staff id, e-mail or phone: a new account with the roles;
        - the account already holds a role in ``school``: the roles are added;
        - the account belongs elsewhere (or nowhere): nothing is linked; a pending invitation
          waits for the person's own acceptance (or the district's approval), and the outcome
          carries nothing about them."""
        existing = self.find_existing(profile)
        if existing is None:
            created = self.ensure_person(profile, actor=actor, tenant=school.id, district=school.district_id,
                                         position=position)
            return LinkOutcome("created", created.person, created.temporary_password,
                               self._grant_all(created.person.id, school, roles, actor=actor))
        if IdentityMembershipDoc.objects(person_id=existing.id, tenant_id=school.id, active=True).only("id").first():
            return LinkOutcome("added", existing, None, self._grant_all(existing.id, school, roles, actor=actor))
        return LinkOutcome("invited", None, None, [], self._invite(existing, school, roles, actor=actor))

    def _grant_all(self, person_id: str, school: IdentitySchoolDoc, roles: list[tuple[str, str | None]], *,
                   actor: Actor) -> list[IdentityMembershipDoc]:
        return [self.grant(Membership.create(person_id=person_id, role=role, school_id=school.id, unit_id=unit,
                                             district_id=school.district_id, province_id=school.province_id), actor=actor)
                for role, unit in roles]

    # -- invitations (joining a second school needs the person's or the district's consent) ---------
    def _invite(self, person: IdentityPersonDoc, school: IdentitySchoolDoc, roles: list[tuple[str, str | None]], *,
                actor: Actor) -> str:
        """A pending invitation of ``person`` to ``school`` (one per person and school: a new
        request adds its roles to the pending one); the person is told by e-mail."""
        now = self._clock.now()
        wanted = [{"role": role, "unit": unit} for role, unit in roles]
        doc = IdentityInvitationDoc.objects(person_id=person.id, tenant_id=school.id, status="pending",
                                            expires_at__gt=now).first()
        if doc is None:
            doc = IdentityInvitationDoc(id=new_id(), person_id=person.id, roles=wanted, status="pending",
                                        invited_by=actor.sub, on_behalf_of=actor.on_behalf_of, created_at=now,
                                        expires_at=now + INVITATION_LIFETIME, tenant_id=school.id,
                                        district_id=school.district_id, province_id=school.province_id)
            doc.save(force_insert=True)
        else:
            doc.roles = list(doc.roles or []) + [r for r in wanted if r not in (doc.roles or [])]
            doc.save()
        self._audit.append(action="invitation.created", actor=actor.sub, on_behalf_of=actor.on_behalf_of,
                           tenant=school.id, district=school.district_id, target=doc.id,
                           data={"person": person.id, "roles": [r["role"] for r in wanted]})
        if self._mailer is not None and person.email:
            names = ", ".join(ROLE_NAMES.get(r["role"], r["role"]) for r in wanted) or "thành viên"
            self._mailer.send(
                to=person.email, subject=f"HoSo: {school.name} mời bạn tham gia",
                text=(f"Xin chào {person.full_name},\n\n{school.name} đề nghị thêm bạn vào trường với vai trò: {names}.\n"
                      "Bạn chỉ thuộc trường này khi tự xác nhận: hãy đăng nhập HoSo rồi đồng ý hoặc từ chối "
                      "lời mời tại trang «Lời mời tham gia trường» (/api/identity/auth/invitations). "
                      "Lời mời có hiệu lực 14 ngày.\n"
                      "Nếu bạn không biết trường này, hãy bỏ qua thư và báo cho phòng GD&ĐT.\n"))
        return doc.id

    def my_invitations(self, principal: Principal) -> list[tuple[IdentityInvitationDoc, IdentitySchoolDoc | None]]:
        """The caller's pending invitations with the inviting schools."""
        docs = list(IdentityInvitationDoc.objects(person_id=principal.sub, status="pending",
                                                  expires_at__gt=self._clock.now()).order_by("created_at"))
        schools = {s.id: s for s in IdentitySchoolDoc.objects(id__in=[d.tenant_id for d in docs])}
        return [(d, schools.get(d.tenant_id)) for d in docs]

    def answer_invitation(self, principal: Principal, invitation_id: str, *, accept: bool) -> IdentityInvitationDoc:
        """The invited person accepts (the roles are granted) or declines their own invitation;
        anyone else's invitation is not found."""
        doc = IdentityInvitationDoc.objects(id=invitation_id, person_id=principal.sub).first()
        if doc is None:
            raise NotFound()
        return self._decide(doc, decided_by=principal.sub, accept=accept)

    def approve_invitation(self, principal: Principal, school_id: str, invitation_id: str) -> IdentityInvitationDoc:
        """The district head approves an invitation in the person's place, when their authority
        covers every role the person holds (the same rule as for power over the account)."""
        if not (principal.roles & DISTRICT_ONBOARD_ROLES and principal.district):
            if self._access.admin_of(principal, school_id) or principal.tenant == school_id:
                raise Forbidden("Chỉ người được mời hoặc trưởng phòng GD&ĐT mới xác nhận được lời mời.")
            raise NotFound()
        scope = self._access.account_scope(principal, school_id, reason="Xác nhận lời mời tham gia trường")
        doc = InvitationRepository(scope=scope).get(invitation_id)
        memberships = self._directory.memberships_of(doc.person_id)
        if memberships:
            self._access.account_authority(principal, doc.person_id, memberships)
        return self._decide(doc, decided_by=principal.sub, accept=True)

    def _decide(self, doc: IdentityInvitationDoc, *, decided_by: str, accept: bool) -> IdentityInvitationDoc:
        now = self._clock.now()
        if doc.status != "pending" or doc.expires_at.replace(tzinfo=now.tzinfo) <= now:
            raise Conflict("Lời mời này đã được trả lời hoặc đã hết hạn.", field="invitation")
        status = "accepted" if accept else "declined"
        if IdentityInvitationDoc.objects(id=doc.id, status="pending").update_one(
                set__status=status, set__decided_at=now, set__decided_by=decided_by) != 1:
            raise Conflict("Lời mời này đã được trả lời hoặc đã hết hạn.", field="invitation")
        doc.reload()
        self._audit.append(action=f"invitation.{status}", actor=decided_by, tenant=doc.tenant_id,
                           district=doc.district_id, target=doc.id,
                           data={"person": doc.person_id, "invited_by": doc.invited_by})
        if accept:
            school = IdentitySchoolDoc.objects(id=doc.tenant_id).first()
            if school is None:
                raise NotFound()
            self._grant_all(doc.person_id, school, [(r["role"], r.get("unit")) for r in doc.roles or []],
                            actor=Actor(doc.invited_by, doc.on_behalf_of))
        return doc

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

    # -- power over an account: every action goes through one authority check ------------------------
    def _account(self, principal: Principal, school_id: str, person_id: str, *, reason: str) -> tuple[IdentityPersonDoc, Actor]:
        """The person of ``school_id`` and the actor, when the caller's authority covers every role
        the person holds anywhere (``Access.account_authority``); 404 when not found in the school."""
        scope = self._access.account_scope(principal, school_id, reason=reason)
        person, _ = self._member(scope, person_id)
        actor = self._access.account_authority(principal, person_id, self._directory.memberships_of(person_id))
        return person, actor

    def _end_sessions(self, person_id: str) -> tuple[int, int]:
        """End every browser session and refresh token of the person: (sessions, refresh tokens) ended."""
        sessions = IdentitySessionDoc.objects(person_id=person_id, revoked_at=None).update(set__revoked_at=self._clock.now())
        return sessions, self._tokens.revoke_person_tokens(person_id)

    def end_sessions(self, principal: Principal, school_id: str, person_id: str) -> int:
        """An administrator signs a person of their school out of every device (a lost phone, a
        shared computer left signed in): every session and refresh token ends, the account stays
        open. Same authority as a password reset (``Access.account_authority``); 404 for a person
        of another school. Returns how many sessions ended."""
        person, actor = self._account(principal, school_id, person_id, reason="Kết thúc phiên đăng nhập")
        sessions, refresh_tokens = self._end_sessions(person.id)
        self._audit.append(action="sessions.ended_by_admin", actor=actor.sub, on_behalf_of=actor.on_behalf_of,
                           tenant=school_id, district=principal.district, target=person.id,
                           data={"sessions": sessions, "refresh_tokens": refresh_tokens})
        return sessions

    def set_active(self, principal: Principal, school_id: str, person_id: str, *, active: bool) -> IdentityPersonDoc:
        """Lock (or unlock) the account of someone who left: no sign-in, no new token, every
        session and refresh token ended. Only for someone whose authority covers every role the
        person holds (a school: people of that school alone, never its principal)."""
        person, actor = self._account(principal, school_id, person_id, reason="Khóa hoặc mở tài khoản")
        if bool(person.active) == active:
            return person
        person.active = active
        person.record_event(make_event(
            "identity.person.reactivated" if active else "identity.person.deactivated", clock=self._clock,
            tenant=school_id, district=principal.district, actor=actor.sub, on_behalf_of=actor.on_behalf_of,
            data={"person": person.id, "school": school_id}))
        person.save()
        if not active:
            self._end_sessions(person_id)
        self._audit.append(action="person.reactivated" if active else "person.deactivated", actor=actor.sub,
                           on_behalf_of=actor.on_behalf_of, tenant=school_id, district=principal.district,
                           target=person_id, data={})
        return person

    def reset_password(self, principal: Principal, school_id: str, person_id: str) -> str:
        """Give a person a temporary password (changed at next sign-in) and sign them out everywhere."""
        person, actor = self._account(principal, school_id, person_id, reason="Đặt lại mật khẩu")
        secret = temporary_password()
        person.password_hash = self._hasher.hash(secret)
        person.must_change_password = True
        person.save()
        self._end_sessions(person_id)
        self._audit.append(action="password.reset_by_admin", actor=actor.sub, on_behalf_of=actor.on_behalf_of,
                           tenant=school_id, district=principal.district, target=person_id, data={})
        return secret

    def reset_second_factor(self, principal: Principal, school_id: str, person_id: str) -> None:
        """Remove a person's second factors (lost phone or laptop: the TOTP secret and every passkey):
        they choose and enrol again at their next sign-in (the passkey offer comes back); every
        session ends."""
        person, actor = self._account(principal, school_id, person_id, reason="Đặt lại xác thực hai lớp")
        removed = PersonPasskeys(person_id).remove_all()
        person.totp_secret, person.totp_enabled, person.totp_last_step = None, False, 0
        person.passkey_count, person.second_factor_choice = 0, None
        person.save()
        self._end_sessions(person_id)
        self._audit.append(action="totp.reset_by_admin", actor=actor.sub, on_behalf_of=actor.on_behalf_of,
                           tenant=school_id, district=principal.district, target=person_id,
                           data={"passkeys_removed": removed})

    def update_profile(self, principal: Principal, school_id: str, person_id: str,
                       change: ProfileChange) -> IdentityPersonDoc:
        """Correct a person's name, contact details, staff id or position (the e-mail is where
        reset links go, so this is power over the account too)."""
        person, actor = self._account(principal, school_id, person_id, reason="Sửa thông tin tài khoản")
        try:
            if change.full_name is not None:
                person.full_name = clean_name(change.full_name, field_name="full_name")
            if change.email is not None:
                person.email = normalise_email(change.email)
            if change.phone is not None:
                person.phone = normalise_phone(change.phone)
            if change.staff_id is not None:
                person.staff_id = normalise_staff_id(change.staff_id)
            if change.position is not None:
                person.position = clean_name(change.position, field_name="position")
        except IdentityError as exc:
            raise as_problem(exc) from None
        if not person.email and not person.phone:
            raise ValidationFailed("Cần ít nhất thư điện tử hoặc số điện thoại.", field="email")
        try:
            person.save()
        except NotUniqueError:
            raise Conflict("Thư điện tử, số điện thoại hoặc mã định danh đã thuộc về tài khoản khác.") from None
        self._audit.append(action="person.profile_changed", actor=actor.sub, on_behalf_of=actor.on_behalf_of,
                           tenant=school_id, district=principal.district, target=person_id,
                           data={k: v for k, v in change.__dict__.items() if v is not None and k in ("full_name", "position")})
        return person


def onboarded_data(school: School, principal_id: str, unit: IdentityDistrictDoc | None = None) -> dict:
    """Data of ``identity.school.onboarded`` (documented in the README); ``unit`` is the school's
    oversight unit, whose kind and name the event carries."""
    return {
        "district_kind": (unit.kind or "phong_gddt") if unit else None, "district_name": unit.name if unit else None,
        "school_id": school.id, "slug": school.slug, "name": school.name,
        "levels": [lv.value for lv in school.levels], "district_id": school.district_id,
        "province_id": school.province_id,
        "units": [{"id": u.id, "slug": u.slug, "name": u.name, "kind": u.kind.value,
                   **({"level": u.level.value} if u.level else {})} for u in school.units],
        "principal_id": principal_id,
    }
