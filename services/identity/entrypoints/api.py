"""The identity HTTP API under ``/api/v1``: me and my sessions, schools and units, people and
roles of a school, delegations, and the staff import. Every route checks the caller's rights
in the service layer; another school's objects are 404."""
from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import date, datetime

from flask import Blueprint, request
from pydantic import BaseModel, Field

from typing import Literal

from services.identity.adapters.documents import (
    IdentityDelegationDoc, IdentityDistrictDoc, IdentityStaffRoleDoc, IdentityInvitationDoc, IdentityMembershipDoc, IdentityPersonDoc, IdentitySchoolDoc, IdentityUnitDoc,
)
from services.identity.bootstrap import Container
from services.identity.domain.campaigns import Campaign
from services.identity.domain.claims import standing
from services.identity.domain.org import OVERSIGHT_KIND_NAMES, oversight_kind
from services.identity.domain.roles import staff_role_name
from services.identity.service_layer.admin import NewPerson, ProfileChange
from services.identity.entrypoints.cookies import SESSION_COOKIE
from services.identity.service_layer.campaigns import team_names
from services.identity.service_layer.signin import describe_device
from services.identity.service_layer.tokens import token_hash
from services.kernel.api import Api
from services.kernel.context import current_principal
from services.kernel.errors import NotFound, PayloadTooLarge, UnsupportedMediaType
from services.kernel.permissions import require_principal

MAX_WORKBOOK_BYTES = 10 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UnitIn(BaseModel):
    slug: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    kind: str
    level: str | None = None  # a school of several levels: the level the unit serves


class UnitOut(BaseModel):
    id: str
    slug: str
    name: str
    kind: str
    level: str | None = None


class PersonIn(BaseModel):
    username: str = Field(min_length=2, max_length=64)
    full_name: str = Field(min_length=1, max_length=200)
    email: str | None = None
    phone: str | None = None
    staff_id: str | None = None
    birth_date: date | None = None
    position: str | None = None


class RoleIn(BaseModel):
    role: str
    unit: str | None = Field(default=None, description="slug of a unit of the school")


class NewPersonIn(PersonIn):
    roles: list[RoleIn] = Field(default_factory=list)


class SchoolIn(BaseModel):
    slug: str
    name: str
    levels: list[str]
    units: list[UnitIn] = Field(default_factory=list)
    principal: PersonIn
    district_id: str | None = Field(default=None, description="the oversight unit of the school (default: "
                                    "the caller's own unit; province staff name one of their province)")


class DistrictIn(BaseModel):
    province_id: str = Field(description="the caller's own province")
    slug: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200, description="as people call it: “UBND phường Hải Châu”")
    kind: Literal["phong_gddt", "ubnd_xa", "ubnd_phuong"]


class DistrictOut(BaseModel):
    id: str
    name: str
    kind: str
    kind_name: str
    province_id: str
    school_count: int | None = Field(default=None, description="in the province's list: schools of the unit")


class DistrictList(BaseModel):
    items: list[DistrictOut]


class StaffIn(PersonIn):
    role: Literal["truong_phong", "chuyen_vien"]


class StaffOut(BaseModel):
    person_id: str
    full_name: str
    email: str | None
    phone: str | None
    active: bool
    role: str
    role_name: str
    granted_at: str | None


class CreatedStaffOut(BaseModel):
    staff: StaffOut
    created: bool
    temporary_password: str | None = Field(description="only for a new account: hand it over; changed at first sign-in")


class StaffList(BaseModel):
    items: list[StaffOut]


class SchoolOut(BaseModel):
    id: str
    name: str
    levels: list[str]
    district_id: str
    province_id: str | None
    principal_id: str | None


class OnboardedOut(BaseModel):
    school: SchoolOut
    principal_id: str
    principal_invited: bool = Field(description="an e-mail with a link to choose a password was sent")
    principal_temporary_password: str | None = Field(
        description="only for a new principal without e-mail: hand it over; changed at first sign-in")


class MembershipOut(BaseModel):
    id: str
    role: str
    unit: str | None
    granted_at: str | None


class PersonOut(BaseModel):
    id: str
    active: bool
    full_name: str
    email: str | None
    phone: str | None
    staff_id: str | None
    position: str | None
    totp_enabled: bool
    memberships: list[MembershipOut]


class CreatedPersonOut(BaseModel):
    outcome: Literal["created", "added", "invited"] = Field(
        description="created: a new account; added: roles for someone already in this school; invited: the "
                    "details match an account held elsewhere, nothing is linked until that person accepts")
    person: PersonOut | None = Field(description="null when invited: nothing about the account is returned")
    created: bool
    temporary_password: str | None
    invitation_id: str | None = None


class ProfileIn(BaseModel):
    full_name: str | None = Field(default=None, min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=20)
    staff_id: str | None = Field(default=None, max_length=40)
    position: str | None = Field(default=None, min_length=1, max_length=200)


class InvitationRoleOut(BaseModel):
    role: str
    unit: str | None


class InvitationOut(BaseModel):
    id: str
    school_id: str
    school_name: str | None
    roles: list[InvitationRoleOut]
    status: str
    created_at: str
    expires_at: str


class InvitationList(BaseModel):
    items: list[InvitationOut]


class ActiveIn(BaseModel):
    active: bool


class PasswordOut(BaseModel):
    temporary_password: str


class DelegationIn(BaseModel):
    delegate_id: str
    role: str
    unit: str | None = Field(default=None, description="slug of the tổ (for a tổ trưởng's delegation)")
    book_types: list[str] = Field(default_factory=list)
    starts_at: datetime | None = None
    until: datetime


class CampaignIn(BaseModel):
    name: str = Field(min_length=1, max_length=300)
    schools: list[str] = Field(min_length=1, max_length=5000)
    books: list[str] = Field(default_factory=list, description="book types (slugs); empty: every book")
    school_year: str | None = Field(default=None, description="e.g. 2025-2026; empty: every year")
    team: list[str] = Field(default_factory=list, description="person ids of the team (the opener is added)")
    head: str | None = Field(default=None, description="person id of the head of the team (trưởng đoàn), a member; "
                                                       "empty: the opener")
    starts_at: datetime | None = None
    until: datetime


class CampaignChangeIn(BaseModel):
    team: list[str] | None = Field(default=None, min_length=1, max_length=200,
                                   description="the whole team (person ids); omitted: unchanged")
    head: str | None = Field(default=None, description="the head of the team (trưởng đoàn), a member; omitted: unchanged")
    until: datetime | None = Field(default=None, description="a new end, shorter or longer (a campaign lasts at most "
                                                             "a year); omitted: unchanged")


class CampaignMemberOut(BaseModel):
    person: str
    full_name: str


class CampaignOut(BaseModel):
    id: str
    name: str
    district_id: str | None
    province_id: str | None
    schools: list[str]
    books: list[str]
    school_year: str | None
    team: list[str]
    members: list[CampaignMemberOut] = Field(description="the team by name, the head first")
    head: str
    head_name: str
    starts_at: str
    until: str
    opened_by: str
    closed_at: str | None
    active: bool


class CampaignList(BaseModel):
    items: list[CampaignOut]


class DelegationOut(BaseModel):
    id: str
    delegator_id: str
    delegate_id: str
    role: str
    unit: str | None
    book_types: list[str]
    starts_at: str
    until: str
    revoked_at: str | None


class SessionOut(BaseModel):
    id: str
    created_at: str
    last_seen_at: str | None
    ip: str | None
    user_agent: str | None
    device: str = Field(description="the browser and system as people say it: “Chrome trên Android”")
    current: bool = Field(description="the session of the browser asking (its sign-in cookie came with the request)")


class EndedOut(BaseModel):
    sessions: int = Field(description="how many sign-in sessions ended")


class SchoolChoiceOut(BaseModel):
    id: str
    name: str


class MeOut(BaseModel):
    id: str
    full_name: str
    email: str | None
    tenant: str | None
    district: str | None
    province: str | None
    roles: list[str]
    unit_roles: list[list[str]]
    schools: list[str]
    #: the schools I hold a role in, by name: the ones a token may be asked for (``tenant=`` on authorize)
    school_choices: list[SchoolChoiceOut] = Field(default_factory=list)
    totp_enabled: bool
    #: where the person works now, as people call it: the school, else the oversight unit
    organisation: str | None = None


class ReadQuery(BaseModel):
    reason: str | None = Field(default=None, description="why district/province staff read this school (audited)")


class ImportQuery(BaseModel):
    apply: bool = False


class RowProblemOut(BaseModel):
    row: int
    column: str
    problem: str


class ImportOut(BaseModel):
    rows: int
    problems: list[RowProblemOut]
    warnings: list[RowProblemOut] = Field(default_factory=list, description="changes made while reading (restored leading zeros); they do not block applying")
    new_people: int
    existing_people: int
    new_roles: int
    invitations: int = Field(default=0, description="rows matching an account held elsewhere: invited, not linked")
    applied: bool
    created_accounts: list[dict[str, str]]


class SessionList(BaseModel):
    items: list[SessionOut]


class SchoolList(BaseModel):
    items: list[SchoolOut]


class UnitList(BaseModel):
    items: list[UnitOut]


class PersonList(BaseModel):
    items: list[PersonOut]


class PersonName(BaseModel):
    id: str
    full_name: str


class NameList(BaseModel):
    items: list[PersonName]


class DelegationList(BaseModel):
    items: list[DelegationOut]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _organisation_name(tenant: str | None, district: str | None) -> str | None:
    """The school's name, or for oversight staff their unit's ("Phòng GD&ĐT Hòa Vang", "UBND phường …")."""
    if tenant:
        school = IdentitySchoolDoc.objects(id=tenant).only("name").first()
        return school.name if school else None
    unit = IdentityDistrictDoc.objects(id=district).only("name").first() if district else None
    return unit.name if unit else None


def school_out(doc: IdentitySchoolDoc) -> SchoolOut:
    return SchoolOut(id=doc.id, name=doc.name, levels=list(doc.levels), district_id=doc.district_id,
                     province_id=doc.province_id, principal_id=doc.principal_id)


def district_out(doc: IdentityDistrictDoc, school_count: int | None = None) -> DistrictOut:
    kind = oversight_kind(doc.kind or "phong_gddt")
    return DistrictOut(id=doc.id, name=doc.name, kind=kind.value, kind_name=OVERSIGHT_KIND_NAMES[kind],
                       province_id=doc.province_id, school_count=school_count)


def staff_out(person: IdentityPersonDoc, role: IdentityStaffRoleDoc, unit_kind: str) -> StaffOut:
    return StaffOut(person_id=person.id, full_name=person.full_name, email=person.email, phone=person.phone,
                    active=bool(person.active), role=role.role, role_name=staff_role_name(role.role, unit_kind),
                    granted_at=_iso(role.granted_at))


def unit_out(doc: IdentityUnitDoc) -> UnitOut:
    return UnitOut(id=doc.id, slug=doc.slug, name=doc.name, kind=doc.kind, level=doc.level)


def person_out(person: IdentityPersonDoc, memberships: list[IdentityMembershipDoc]) -> PersonOut:
    return PersonOut(
        id=person.id, active=bool(person.active), full_name=person.full_name, email=person.email, phone=person.phone,
        staff_id=person.staff_id,
        position=person.position, totp_enabled=bool(person.totp_enabled),
        memberships=[MembershipOut(id=m.id, role=m.role, unit=m.unit_id, granted_at=_iso(m.granted_at))
                     for m in sorted(memberships, key=lambda m: (m.role, m.unit_id or ""))],
    )


def invitation_out(doc: IdentityInvitationDoc, school: IdentitySchoolDoc | None) -> InvitationOut:
    return InvitationOut(id=doc.id, school_id=doc.tenant_id, school_name=school.name if school else None,
                         roles=[InvitationRoleOut(role=r["role"], unit=r.get("unit")) for r in doc.roles or []],
                         status=doc.status, created_at=doc.created_at.isoformat(), expires_at=doc.expires_at.isoformat())


def delegation_out(doc: IdentityDelegationDoc) -> DelegationOut:
    return DelegationOut(id=doc.id, delegator_id=doc.delegator_id, delegate_id=doc.delegate_id, role=doc.role,
                         unit=doc.unit_id, book_types=list(doc.book_types or ()), starts_at=doc.starts_at.isoformat(),
                         until=doc.until.isoformat(), revoked_at=_iso(doc.revoked_at))


def campaign_out(c: Campaign, now: datetime, names: Mapping[str, str]) -> CampaignOut:
    """``names``: full names of the team by person id (``team_names``)."""
    members = [CampaignMemberOut(person=p, full_name=names.get(p, p)) for p in sorted(c.team, key=lambda p: p != c.head)]
    return CampaignOut(id=c.id, name=c.name, district_id=c.district_id, province_id=c.province_id,
                       schools=list(c.schools), books=list(c.books), school_year=c.school_year, team=list(c.team),
                       members=members, head=c.head, head_name=names.get(c.head, c.head),
                       starts_at=c.starts_at.isoformat(), until=c.until.isoformat(), opened_by=c.opened_by,
                       closed_at=_iso(c.closed_at), active=c.is_active(now))


def api_blueprint(container: Container, api: Api) -> Blueprint:
    bp = Blueprint("identity_api", __name__, url_prefix="/api/v1")
    admin, delegations, oversight = container.admin, container.delegations, container.oversight

    def me():
        return require_principal(current_principal())

    @api.route(bp, "/me", response=MeOut, tags=["me"])
    def get_me() -> MeOut:
        """Who I am, my school and my roles."""
        principal = me()
        person = container.directory.get(principal.sub)
        if person is None:
            raise NotFound()
        memberships = container.directory.memberships_of(person.id)
        mine = standing(memberships, principal.tenant, home=person.home_school)
        schools = sorted({m.school_id for m in memberships if m.school_id})
        choices = [SchoolChoiceOut(id=d.id, name=d.name)
                   for d in IdentitySchoolDoc.objects(id__in=schools).only("id", "name").order_by("name")]
        return MeOut(id=person.id, full_name=person.full_name, email=person.email, tenant=mine.tenant,
                     district=mine.district, province=mine.province, roles=list(mine.roles),
                     unit_roles=[list(p) for p in mine.unit_roles], schools=schools, school_choices=choices,
                     totp_enabled=bool(person.totp_enabled), organisation=_organisation_name(mine.tenant, mine.district))

    @api.route(bp, "/me/sessions", response=SessionList, tags=["me"])
    def my_sessions() -> SessionList:
        """My active sign-in sessions (devices); the one of the asking browser is marked ``current``."""
        cookie = request.cookies.get(SESSION_COOKIE)
        here = token_hash(cookie) if cookie else None
        return SessionList(items=[SessionOut(id=s.public_id, created_at=s.created_at.isoformat(),
                                             last_seen_at=_iso(s.last_seen_at), ip=s.ip, user_agent=s.user_agent,
                                             device=describe_device(s.user_agent or ""), current=s.id == here)
                                  for s in container.signin.sessions_of(me().sub)])

    @api.route(bp, "/me/sessions/<session_id>", methods=["DELETE"], status=204, tags=["me"])
    def revoke_my_session(session_id: str):
        """Sign one of my devices out (its refresh tokens end too)."""
        if not container.signin.revoke_session(me().sub, session_id):
            raise NotFound()
        return "", 204

    @api.route(bp, "/me/sessions", methods=["DELETE"], response=EndedOut, tags=["me"])
    def end_all_my_sessions() -> EndedOut:
        """"Đăng xuất khỏi mọi thiết bị": every session of mine ends, this browser's too, with every
        refresh token; the web app then signs this tab out."""
        return EndedOut(sessions=container.signin.end_every_session(me().sub))

    @api.route(bp, "/schools/<school_id>/people/<person_id>/sessions", methods=["DELETE"], response=EndedOut,
               tags=["people"])
    def end_person_sessions(school_id: str, person_id: str) -> EndedOut:
        """Sign a person of my school out of every device (authority over every role they hold)."""
        return EndedOut(sessions=admin.end_sessions(me(), school_id, person_id))

    @api.route(bp, "/schools", query=ReadQuery, response=SchoolList, tags=["schools"])
    def list_schools(query: ReadQuery) -> SchoolList:
        """Schools I may see: my district's or province's (audited), or my own."""
        return SchoolList(items=[school_out(s) for s in admin.list_schools(me(), reason=query.reason)])

    @api.route(bp, "/schools", methods=["POST"], body=SchoolIn, response=OnboardedOut, status=201, tags=["schools"])
    def onboard_school(body: SchoolIn) -> OnboardedOut:
        """Onboard a school of an oversight unit with its units, and invite its principal (the
        unit's trưởng phòng for their unit, province staff for any unit of their province)."""
        principal = me()
        head = NewPerson(**body.principal.model_dump())
        doc, created = admin.onboard_school(principal, slug=body.slug, name=body.name, levels=body.levels,
                                            units=[(u.slug, u.name, u.kind, u.level or "") for u in body.units], head=head,
                                            district_id=body.district_id)
        invited = created.created and container.signin.invite(
            created.person, school_name=doc.name, link_base=container.settings.issuer + "/auth/reset", actor=principal.sub)
        return OnboardedOut(school=school_out(doc), principal_id=created.person.id, principal_invited=invited,
                            principal_temporary_password=None if invited else created.temporary_password)

    @api.route(bp, "/provinces/<province_id>/districts", response=DistrictList, tags=["oversight"])
    def list_districts(province_id: str) -> DistrictList:
        """The oversight units of my province (Phòng GD&ĐT, UBND xã/phường) with their number of schools."""
        return DistrictList(items=[district_out(s.unit, s.schools) for s in oversight.units_of(me(), province_id)])

    @api.route(bp, "/districts", methods=["POST"], body=DistrictIn, response=DistrictOut, status=201, tags=["oversight"])
    def onboard_district(body: DistrictIn) -> DistrictOut:
        """Add an oversight unit to my province (province staff)."""
        return district_out(oversight.onboard_unit(me(), province_id=body.province_id, slug=body.slug, name=body.name,
                                                   kind=body.kind), 0)

    @api.route(bp, "/districts/<district_id>", response=DistrictOut, tags=["oversight"])
    def get_district(district_id: str) -> DistrictOut:
        """One oversight unit: mine, or one of my province."""
        return district_out(oversight.unit(me(), district_id))

    @api.route(bp, "/districts/<district_id>/schools", query=ReadQuery, response=SchoolList, tags=["oversight"])
    def list_district_schools(district_id: str, query: ReadQuery) -> SchoolList:
        """The schools of an oversight unit I oversee (an audited cross-school read)."""
        return SchoolList(items=[school_out(s) for s in oversight.schools_of(me(), district_id, reason=query.reason)])

    @api.route(bp, "/districts/<district_id>/staff", response=StaffList, tags=["oversight"])
    def list_district_staff(district_id: str) -> StaffList:
        """The staff of an oversight unit and their roles."""
        principal = me()
        unit = oversight.unit(principal, district_id)
        return StaffList(items=[staff_out(s.person, s.role, unit.kind or "phong_gddt")
                                for s in oversight.staff_of(principal, district_id)])

    @api.route(bp, "/districts/<district_id>/staff", methods=["POST"], body=StaffIn, response=CreatedStaffOut,
               status=201, tags=["oversight"])
    def add_district_staff(district_id: str, body: StaffIn) -> CreatedStaffOut:
        """Give someone a role in an oversight unit (its head, or province staff)."""
        unit, created, role = oversight.add_staff(me(), district_id, NewPerson(**body.model_dump(exclude={"role"})),
                                                  body.role)
        return CreatedStaffOut(staff=staff_out(created.person, role, unit.kind or "phong_gddt"),
                               created=created.created, temporary_password=created.temporary_password)

    @api.route(bp, "/schools/<school_id>", query=ReadQuery, response=SchoolOut, tags=["schools"])
    def get_school(school_id: str, query: ReadQuery) -> SchoolOut:
        """One school."""
        return school_out(admin.get_school(me(), school_id, reason=query.reason))

    @api.route(bp, "/schools/<school_id>/units", query=ReadQuery, response=UnitList, tags=["schools"])
    def list_units(school_id: str, query: ReadQuery) -> UnitList:
        """Units of a school (tổ and classes)."""
        return UnitList(items=[unit_out(u) for u in admin.units(me(), school_id, reason=query.reason)])

    @api.route(bp, "/schools/<school_id>/units", methods=["POST"], body=UnitIn, response=UnitOut, status=201, tags=["schools"])
    def add_unit(school_id: str, body: UnitIn) -> UnitOut:
        """Add a tổ or a class to my school."""
        return unit_out(admin.add_unit(me(), school_id, slug=body.slug, name=body.name, kind=body.kind,
                                       level=body.level))

    @api.route(bp, "/schools/<school_id>/people", query=ReadQuery, response=PersonList, tags=["people"])
    def list_people(school_id: str, query: ReadQuery) -> PersonList:
        """People of a school with their roles there."""
        return PersonList(items=[person_out(p, ms) for p, ms in admin.people(me(), school_id, reason=query.reason)])

    @api.route(bp, "/schools/<school_id>/names", response=NameList, tags=["people"])
    def colleague_names(school_id: str) -> NameList:
        """Full names of my school's people (for lists and histories; nothing else of their accounts)."""
        return NameList(items=[PersonName(id=i, full_name=n) for i, n in admin.colleague_names(me(), school_id)])

    @api.route(bp, "/schools/<school_id>/people", methods=["POST"], body=NewPersonIn, response=CreatedPersonOut,
               status=201, tags=["people"])
    def add_person(school_id: str, body: NewPersonIn) -> CreatedPersonOut:
        """Give someone roles in my school: a new account, more roles for a colleague already
        here, or (details of an account held elsewhere) an invitation that person must accept."""
        new = NewPerson(**body.model_dump(exclude={"roles"}))
        done = admin.add_person(me(), school_id, new, [(r.role, r.unit) for r in body.roles])
        if done.person is None:
            return CreatedPersonOut(outcome=done.outcome, person=None, created=False, temporary_password=None,
                                    invitation_id=done.invitation_id)
        memberships = (admin.person(me(), school_id, done.person.id, reason=None)[1] if done.outcome == "added"
                       else done.granted)
        person = done.person
        return CreatedPersonOut(outcome=done.outcome, person=person_out(person, memberships),
                                created=done.outcome == "created", temporary_password=done.temporary_password)

    @api.route(bp, "/schools/<school_id>/people/<person_id>", methods=["PATCH"], body=ProfileIn, response=PersonOut,
               tags=["people"])
    def update_person(school_id: str, person_id: str, body: ProfileIn) -> PersonOut:
        """Correct a person's name, contact details, staff id or position (authority over every role they hold)."""
        principal = me()
        admin.update_profile(principal, school_id, person_id, ProfileChange(**body.model_dump()))
        return person_out(*admin.person(principal, school_id, person_id, reason="Sửa thông tin tài khoản"))

    @api.route(bp, "/schools/<school_id>/people/<person_id>/second-factor-reset", methods=["POST"], status=204,
               tags=["people"])
    def reset_second_factor(school_id: str, person_id: str):
        """Remove a person's authenticator app; they enrol again at their next sign-in."""
        admin.reset_second_factor(me(), school_id, person_id)
        return "", 204

    @api.route(bp, "/me/invitations", response=InvitationList, tags=["me"])
    def my_invitations() -> InvitationList:
        """Schools inviting me to take roles there, waiting for my answer."""
        return InvitationList(items=[invitation_out(d, s) for d, s in admin.my_invitations(me())])

    @api.route(bp, "/me/invitations/<invitation_id>/accept", methods=["POST"], response=InvitationOut, tags=["me"])
    def accept_invitation(invitation_id: str) -> InvitationOut:
        """Accept a school's invitation: its roles are granted; my default school stays as it was."""
        doc = admin.answer_invitation(me(), invitation_id, accept=True)
        return invitation_out(doc, IdentitySchoolDoc.objects(id=doc.tenant_id).first())

    @api.route(bp, "/me/invitations/<invitation_id>/decline", methods=["POST"], response=InvitationOut, tags=["me"])
    def decline_invitation(invitation_id: str) -> InvitationOut:
        """Decline a school's invitation: nothing is granted."""
        doc = admin.answer_invitation(me(), invitation_id, accept=False)
        return invitation_out(doc, IdentitySchoolDoc.objects(id=doc.tenant_id).first())

    @api.route(bp, "/schools/<school_id>/invitations/<invitation_id>/approve", methods=["POST"], response=InvitationOut,
               tags=["people"])
    def approve_invitation(school_id: str, invitation_id: str) -> InvitationOut:
        """The district head approves an invitation in the person's place (authority over every role they hold)."""
        doc = admin.approve_invitation(me(), school_id, invitation_id)
        return invitation_out(doc, IdentitySchoolDoc.objects(id=doc.tenant_id).first())

    @api.route(bp, "/schools/<school_id>/people/<person_id>", query=ReadQuery, response=PersonOut, tags=["people"])
    def get_person(school_id: str, person_id: str, query: ReadQuery) -> PersonOut:
        """One person of a school."""
        return person_out(*admin.person(me(), school_id, person_id, reason=query.reason))

    @api.route(bp, "/schools/<school_id>/people/<person_id>/memberships", methods=["POST"], body=RoleIn,
               response=MembershipOut, status=201, tags=["people"])
    def grant_role(school_id: str, person_id: str, body: RoleIn) -> MembershipOut:
        """Give a person of my school a role (optionally in a unit)."""
        m = admin.grant_role(me(), school_id, person_id, body.role, body.unit)
        return MembershipOut(id=m.id, role=m.role, unit=m.unit_id, granted_at=_iso(m.granted_at))

    @api.route(bp, "/schools/<school_id>/memberships/<path:membership_id>", methods=["DELETE"], status=204, tags=["people"])
    def revoke_role(school_id: str, membership_id: str):
        """Take a role back."""
        admin.revoke_role(me(), school_id, membership_id)
        return "", 204

    @api.route(bp, "/schools/<school_id>/people/<person_id>/active", methods=["PUT"], body=ActiveIn,
               response=PersonOut, tags=["people"])
    def set_active(school_id: str, person_id: str, body: ActiveIn) -> PersonOut:
        """Lock the account of someone who left my school (signs them out everywhere), or unlock it."""
        principal = me()
        person = admin.set_active(principal, school_id, person_id, active=body.active)
        return person_out(*admin.person(principal, school_id, person.id, reason=None))

    @api.route(bp, "/schools/<school_id>/people/<person_id>/password-reset", methods=["POST"], response=PasswordOut,
               tags=["people"])
    def reset_password(school_id: str, person_id: str) -> PasswordOut:
        """Give a person of my school a temporary password, changed at their next sign-in."""
        return PasswordOut(temporary_password=admin.reset_password(me(), school_id, person_id))

    @api.route(bp, "/schools/<school_id>/delegations", query=ReadQuery, response=DelegationList, tags=["delegations"])
    def list_delegations(school_id: str, query: ReadQuery) -> DelegationList:
        """Delegations of a school (administrators and district staff: all; others: their own)."""
        return DelegationList(items=[delegation_out(d) for d in delegations.list(me(), school_id, reason=query.reason)])

    @api.route(bp, "/schools/<school_id>/delegations", methods=["POST"], body=DelegationIn, response=DelegationOut,
               status=201, tags=["delegations"])
    def grant_delegation(school_id: str, body: DelegationIn) -> DelegationOut:
        """Delegate one of my roles to a deputy for a scope and a time window."""
        return delegation_out(delegations.grant(me(), school_id, delegate_id=body.delegate_id, role=body.role,
                                                unit_slug=body.unit, book_types=body.book_types,
                                                starts_at=body.starts_at, until=body.until))

    @api.route(bp, "/schools/<school_id>/delegations/<delegation_id>/revoke", methods=["POST"], response=DelegationOut,
               tags=["delegations"])
    def revoke_delegation(school_id: str, delegation_id: str) -> DelegationOut:
        """End a delegation early."""
        return delegation_out(delegations.revoke(me(), school_id, delegation_id))

    @api.route(bp, "/campaigns", methods=["POST"], body=CampaignIn, response=CampaignOut, status=201, tags=["campaigns"])
    def open_campaign(body: CampaignIn) -> CampaignOut:
        """Open an inspection campaign (đợt kiểm tra): its team reads exactly its scope until it ends."""
        campaign = container.campaigns.open(me(), name=body.name, schools=body.schools, books=body.books,
                                            school_year=body.school_year, team=body.team, starts_at=body.starts_at,
                                            until=body.until, head=body.head)
        return campaign_out(campaign, container.runtime.clock.now(), team_names([campaign]))

    @api.route(bp, "/campaigns", response=CampaignList, tags=["campaigns"])
    def list_campaigns() -> CampaignList:
        """The inspection campaigns of my oversight unit, newest first."""
        now = container.runtime.clock.now()
        found = container.campaigns.list(me())
        names = team_names(found)
        return CampaignList(items=[campaign_out(c, now, names) for c in found])

    @api.route(bp, "/campaigns/<campaign_id>", response=CampaignOut, tags=["campaigns"])
    def get_campaign(campaign_id: str) -> CampaignOut:
        """One campaign of my unit: its scope, team, head and window."""
        campaign = container.campaigns.get(me(), campaign_id)
        return campaign_out(campaign, container.runtime.clock.now(), team_names([campaign]))

    @api.route(bp, "/campaigns/<campaign_id>", methods=["PATCH"], body=CampaignChangeIn, response=CampaignOut,
               tags=["campaigns"])
    def change_campaign(campaign_id: str, body: CampaignChangeIn) -> CampaignOut:
        """Change the team, its head (trưởng đoàn) or the end of a running campaign; a member removed
        or a shortened end takes effect at once in every service."""
        campaign = container.campaigns.change(me(), campaign_id, team=body.team, head=body.head, until=body.until)
        return campaign_out(campaign, container.runtime.clock.now(), team_names([campaign]))

    @api.route(bp, "/campaigns/<campaign_id>/close", methods=["POST"], response=CampaignOut, tags=["campaigns"])
    def close_campaign(campaign_id: str) -> CampaignOut:
        """End a running campaign early (Kết thúc sớm): its team loses access at once."""
        campaign = container.campaigns.close(me(), campaign_id)
        return campaign_out(campaign, container.runtime.clock.now(), team_names([campaign]))

    @api.route(bp, "/schools/<school_id>/staff-import", methods=["POST"], query=ImportQuery, response=ImportOut,
               raw_body=XLSX, tags=["people"])
    def staff_import(school_id: str, query: ImportQuery) -> ImportOut:
        """Check (``apply=false``, default) or apply a CSDL ngành staff workbook (.xlsx)."""
        principal = me()
        if request.mimetype not in (XLSX, "application/octet-stream"):
            raise UnsupportedMediaType("Tệp phải là bảng tính Excel (.xlsx).")
        if (request.content_length or 0) > MAX_WORKBOOK_BYTES:
            raise PayloadTooLarge("Tệp tối đa 10 MB.")
        data = request.get_data(cache=False)
        if len(data) > MAX_WORKBOOK_BYTES:
            raise PayloadTooLarge("Tệp tối đa 10 MB.")
        report = container.staff_import.run(principal, school_id, io.BytesIO(data), apply=query.apply)
        return ImportOut(rows=report.rows, problems=[RowProblemOut(**p.__dict__) for p in report.problems],
                         warnings=[RowProblemOut(**w.__dict__) for w in report.warnings],
                         new_people=report.new_people, existing_people=report.existing_people,
                         new_roles=report.new_roles, invitations=report.invitations, applied=report.applied, created_accounts=report.created_accounts)

    return bp
