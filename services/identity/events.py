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


class CampaignMember(EventData):
    person: str
    full_name: str


class Campaign(EventData):
    """An inspection campaign (đợt kiểm tra) as it stands after the change the event names.

    ``head`` is the head of the team (trưởng đoàn), who signs the campaign's biên bản; ``team``
    includes the head. ``closed_at`` is set once the campaign was closed before ``until``.
    Times are ISO 8601 with offset.
    """

    campaign: str
    name: str
    district_id: str | None
    province_id: str | None
    #: the oversight unit as people call it ("Phòng GD&ĐT Ba Đình", "UBND phường Hoàn Kiếm", "Sở GD&ĐT Hà Nội")
    unit_name: str
    schools: list[str]
    books: list[str]
    school_year: str | None
    team: list[CampaignMember]
    head: str
    head_name: str
    starts_at: str
    until: str
    closed_at: str | None = None


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
CAMPAIGN_OPENED = declare("identity.campaign.opened", Campaign)
#: the team, its head or the end of the window changed
CAMPAIGN_CHANGED = declare("identity.campaign.changed", Campaign)
#: closed early by the unit; a campaign that simply reaches ``until`` publishes nothing
CAMPAIGN_CLOSED = declare("identity.campaign.closed", Campaign)
