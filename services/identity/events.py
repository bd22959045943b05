"""The events the identity service publishes: names, versions and typed payloads (its contract)."""
from __future__ import annotations

from services.kernel.events import EventData, declare


class PersonCreated(EventData):
    person: str
    full_name: str
    email: str | None
    school: str | None


class PersonActivity(EventData):
    """A person's account deactivated or reactivated by a school."""

    person: str
    school: str


class MembershipGranted(EventData):
    """A role given; ``school`` is None for a district or province role (then ``district``/``province``)."""

    membership: str
    person: str
    school: str | None
    role: str
    unit: str | None
    district: str | None = None
    province: str | None = None


class MembershipRevoked(EventData):
    membership: str
    person: str
    school: str | None
    role: str
    unit: str | None


class Unit(EventData):
    id: str
    slug: str
    name: str
    kind: str
    #: in a school of several levels, the one the unit serves (None: every level)
    level: str | None = None


class DistrictOnboarded(EventData):
    """An oversight unit added to a province: a legacy Phòng GD&ĐT or a UBND xã/phường (``kind``)."""

    district_id: str
    province_id: str
    kind: str
    name: str


class SchoolOnboarded(EventData):
    school_id: str
    slug: str
    name: str
    levels: list[str]
    district_id: str
    province_id: str | None
    units: list[Unit]
    principal_id: str
    #: the oversight unit the school belongs to, as the school's pages name it
    district_kind: str | None = None
    district_name: str | None = None


class Delegation(EventData):
    delegation: str
    school: str
    delegator: str
    delegate: str
    role: str
    unit: str | None
    book_types: list[str]
    starts_at: str
    until: str


class NewDevice(EventData):
    """A sign-in from a device the person never used: they are told (inbox and e-mail)."""

    person: str
    email: str | None
    device: str
    ip: str | None
    at: str


PERSON_CREATED = declare("identity.person.created", PersonCreated)
PERSON_DEACTIVATED = declare("identity.person.deactivated", PersonActivity)
PERSON_REACTIVATED = declare("identity.person.reactivated", PersonActivity)
MEMBERSHIP_GRANTED = declare("identity.membership.granted", MembershipGranted)
MEMBERSHIP_REVOKED = declare("identity.membership.revoked", MembershipRevoked)
DISTRICT_ONBOARDED = declare("identity.district.onboarded", DistrictOnboarded)
SCHOOL_ONBOARDED = declare("identity.school.onboarded", SchoolOnboarded)
DELEGATION_GRANTED = declare("identity.delegation.granted", Delegation)
DELEGATION_REVOKED = declare("identity.delegation.revoked", Delegation)
SIGNIN_NEW_DEVICE = declare("identity.signin.new_device", NewDevice)
